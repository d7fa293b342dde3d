/* encoding_tools.c — a minimal wire-format reader for the tests, plus the
 * first-difference report every comparison of encodings uses. */
#include "encoding_tools.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgrpc/alloc.h"

static bool read_varint(const uint8_t **p, const uint8_t *end, uint64_t *out) {
  uint64_t v = 0;
  for (unsigned shift = 0; shift < 64 && *p < end; shift += 7) {
    uint8_t b = *(*p)++;
    v |= (uint64_t)(b & 0x7F) << shift;
    if (b < 0x80) {
      *out = v;
      return true;
    }
  }
  return false;
}

/* Skips the payload of a field with wire type `wt` (and number `number`, for
 * groups, which end at the matching end-group tag). */
static bool skip_payload(const uint8_t **p, const uint8_t *end, unsigned wt, uint32_t number,
                         int depth) {
  uint64_t v;
  switch (wt) {
    case 0:
      return read_varint(p, end, &v);
    case 1:
    case 5: {
      size_t n = wt == 1 ? 8 : 4;
      if ((size_t)(end - *p) < n) return false;
      *p += n;
      return true;
    }
    case 2:
      if (!read_varint(p, end, &v) || v > (uint64_t)(end - *p)) return false;
      *p += v;
      return true;
    case 3:
      if (depth > 100) return false;
      for (;;) {
        uint64_t tag;
        if (!read_varint(p, end, &tag)) return false;
        if ((tag & 7) == 4) return (tag >> 3) == number;
        if (!skip_payload(p, end, (unsigned)(tag & 7), (uint32_t)(tag >> 3), depth + 1))
          return false;
      }
    default:
      return false;
  }
}

long pbt_split_records(const uint8_t *buf, size_t len, pbt_record_t *out, size_t cap) {
  const uint8_t *p = buf, *end = buf + len;
  size_t n = 0;
  while (p < end) {
    const uint8_t *start = p;
    uint64_t tag;
    if (n == cap || !read_varint(&p, end, &tag) || (tag >> 3) == 0 || (tag >> 3) > 536870911u)
      return -1;
    if (!skip_payload(&p, end, (unsigned)(tag & 7), (uint32_t)(tag >> 3), 0)) return -1;
    out[n++] = (pbt_record_t){(uint32_t)(tag >> 3), (size_t)(start - buf), (size_t)(p - start)};
  }
  return (long)n;
}

static bool table_knows(const cgrpc_pb_msg_table_t *t, uint32_t number) {
  for (size_t i = 0; i < t->field_count; i++) {
    if (t->fields[i].number == number) return true;
  }
  return false;
}

void pbt_shuffle_records(pbt_rng_t *rng, const uint8_t *buf, const pbt_record_t *records, size_t n,
                         const cgrpc_pb_msg_table_t *table, uint8_t *out) {
  /* Each record belongs to a queue: its field number, or 0 for all unknown
   * fields. Repeatedly emit the head of a random non-empty queue. */
  uint32_t *queue_of = cgrpc_malloc((n ? n : 1) * sizeof *queue_of);
  bool *taken = cgrpc_malloc((n ? n : 1) * sizeof *taken);
  if (!queue_of || !taken) abort();
  for (size_t i = 0; i < n; i++) {
    queue_of[i] = table_knows(table, records[i].number) ? records[i].number : 0;
    taken[i] = false;
  }
  size_t len = 0;
  for (size_t left = n; left > 0; left--) {
    /* Heads are the first untaken record of each queue; pick one at random. */
    size_t heads = 0, pick = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
      if (taken[i]) continue;
      bool head = true;
      for (size_t j = 0; j < i && head; j++) head = taken[j] || queue_of[j] != queue_of[i];
      if (head && pbt_rng_below(rng, ++heads) == 0) pick = i;
    }
    memcpy(out + len, buf + records[pick].start, records[pick].len);
    len += records[pick].len;
    taken[pick] = true;
  }
  cgrpc_free(queue_of);
  cgrpc_free(taken);
}

static void dump(const char *name, const uint8_t *p, size_t len, size_t from, size_t to) {
  fprintf(stderr, "  %9s [%zu..]:", name, from);
  for (size_t i = from; i < to && i < len; i++) fprintf(stderr, " %02x", p[i]);
  fputc('\n', stderr);
}

bool pbt_same_bytes(const char *label, const void *a, size_t a_len, const char *a_name,
                    const void *b, size_t b_len, const char *b_name) {
  const uint8_t *x = a, *y = b;
  size_t i = 0;
  while (i < a_len && i < b_len && x[i] == y[i]) i++;
  if (i == a_len && i == b_len) return true;
  size_t from = i > 16 ? i - 16 : 0;
  fprintf(stderr, "FAIL %s\n  %s: %zu bytes, %s: %zu bytes, first difference at byte %zu\n", label,
          a_name, a_len, b_name, b_len, i);
  dump(a_name, x, a_len, from, i + 32);
  dump(b_name, y, b_len, from, i + 32);
  return false;
}

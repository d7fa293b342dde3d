/* pb/map.c — key order for map entries (see pb/map.h).
 *
 * The sort is a bottom-up merge sort over indices: stable (the decoder relies
 * on it to keep the last of equal keys), O(n log n) on any input (an attacker
 * controls the keys), and allocation-free because callers bring the scratch
 * space from wherever they allocate. Short runs are insertion-sorted first,
 * which is faster for the small maps that are the usual case. */
#include "pb/map.h"

#include <stdint.h>
#include <string.h>

#include "pb/table.h"

#define RUN 16

const cgrpc_pb_field_t *cgrpc_pb_map_key_field(const cgrpc_pb_msg_table_t *entry) {
  if (entry->field_count == 0 || entry->fields[0].number != 1) return NULL;
  return &entry->fields[0];
}

#define CMP(x, y) (((x) > (y)) - ((x) < (y)))

int cgrpc_pb_map_key_compare(const void *a, const void *b, const cgrpc_pb_field_t *key) {
  if (!key) return 0;
  static const uint64_t zero[2];
  const char *ka = a ? (const char *)a + key->offset : (const char *)zero;
  const char *kb = b ? (const char *)b + key->offset : (const char *)zero;
  switch (key->type) {
    case CGRPC_PB_INT32:
    case CGRPC_PB_SINT32:
    case CGRPC_PB_SFIXED32:
    case CGRPC_PB_ENUM:
      return CMP(*(const int32_t *)ka, *(const int32_t *)kb);
    case CGRPC_PB_INT64:
    case CGRPC_PB_SINT64:
    case CGRPC_PB_SFIXED64:
      return CMP(*(const int64_t *)ka, *(const int64_t *)kb);
    case CGRPC_PB_UINT32:
    case CGRPC_PB_FIXED32:
    case CGRPC_PB_FLOAT:
      return CMP(*(const uint32_t *)ka, *(const uint32_t *)kb);
    case CGRPC_PB_UINT64:
    case CGRPC_PB_FIXED64:
    case CGRPC_PB_DOUBLE:
      return CMP(*(const uint64_t *)ka, *(const uint64_t *)kb);
    case CGRPC_PB_BOOL:
      return CMP(*(const uint8_t *)ka != 0, *(const uint8_t *)kb != 0);
    case CGRPC_PB_STRING:
    case CGRPC_PB_BYTES: {
      const cgrpc_str_t *sa = (const cgrpc_str_t *)ka, *sb = (const cgrpc_str_t *)kb;
      size_t n = sa->len < sb->len ? sa->len : sb->len;
      int c = n ? memcmp(sa->data, sb->data, n) : 0;
      return c ? c : CMP(sa->len, sb->len);
    }
    default:
      return 0;
  }
}

static int compare_at(void *const *entries, size_t i, size_t j, const cgrpc_pb_field_t *key) {
  return cgrpc_pb_map_key_compare(entries[i], entries[j], key);
}

void cgrpc_pb_map_sort(void *const *entries, size_t n, const cgrpc_pb_field_t *key, size_t *order,
                       size_t *scratch) {
  for (size_t i = 0; i < n; i++) order[i] = i;
  for (size_t lo = 0; lo < n; lo += RUN) {
    size_t hi = lo + RUN < n ? lo + RUN : n;
    for (size_t i = lo + 1; i < hi; i++) {
      size_t v = order[i], j = i;
      for (; j > lo && compare_at(entries, order[j - 1], v, key) > 0; j--) order[j] = order[j - 1];
      order[j] = v;
    }
  }
  size_t *src = order, *dst = scratch;
  for (size_t width = RUN; width < n; width *= 2) {
    for (size_t lo = 0; lo < n; lo += 2 * width) {
      size_t mid = lo + width < n ? lo + width : n;
      size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
      size_t i = lo, j = mid, k = lo;
      while (i < mid && j < hi) {
        /* <= keeps the left (earlier) element first among equal keys. */
        dst[k++] = compare_at(entries, src[i], src[j], key) <= 0 ? src[i++] : src[j++];
      }
      while (i < mid) dst[k++] = src[i++];
      while (j < hi) dst[k++] = src[j++];
    }
    size_t *t = src;
    src = dst;
    dst = t;
  }
  if (src != order) memcpy(order, src, n * sizeof *order);
}

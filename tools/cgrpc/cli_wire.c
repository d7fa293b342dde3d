/* tools/cgrpc/cli_wire.c — see cli_wire.h. Reads never go past the input. */
#include <stdlib.h>
#include <string.h>

#include "cli_wire.h"

static bool read_varint(const uint8_t **p, const uint8_t *end, uint64_t *out) {
  uint64_t v = 0;
  for (int shift = 0; shift < 64 && *p < end; shift += 7) {
    uint8_t b = *(*p)++;
    v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      *out = v;
      return true;
    }
  }
  return false;
}

bool cli_wire_each_bytes(const uint8_t *msg, size_t len, uint32_t number,
                         bool (*fn)(void *ctx, cgrpc_str_t value), void *ctx) {
  const uint8_t *p = msg, *end = msg + len;
  while (p < end) {
    uint64_t tag, n;
    if (!read_varint(&p, end, &tag)) return false;
    switch (tag & 7) {
      case 0:
        if (!read_varint(&p, end, &n)) return false;
        break;
      case 1:
        if (end - p < 8) return false;
        p += 8;
        break;
      case 5:
        if (end - p < 4) return false;
        p += 4;
        break;
      case 2:
        if (!read_varint(&p, end, &n) || n > (uint64_t)(end - p)) return false;
        if ((tag >> 3) == number && !fn(ctx, (cgrpc_str_t){(const char *)p, (size_t)n}))
          return true;
        p += n;
        break;
      default: /* groups do not occur in descriptors */
        return false;
    }
  }
  return true;
}

static bool take_first(void *ctx, cgrpc_str_t value) {
  *(cgrpc_str_t *)ctx = value;
  return false;
}

cgrpc_str_t cli_wire_first_bytes(const uint8_t *msg, size_t len, uint32_t number) {
  cgrpc_str_t out = {NULL, 0};
  cli_wire_each_bytes(msg, len, number, take_first, &out);
  return out;
}

static bool reserve(cli_buf_t *b, size_t more) {
  if (b->cap - b->len >= more) return true;
  size_t cap = b->cap ? b->cap * 2 : 4096;
  while (cap - b->len < more) cap *= 2;
  uint8_t *data = realloc(b->data, cap);
  if (!data) return false;
  b->data = data;
  b->cap = cap;
  return true;
}

static void put_varint(cli_buf_t *b, uint64_t v) {
  while (v >= 0x80) {
    b->data[b->len++] = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  b->data[b->len++] = (uint8_t)v;
}

bool cli_buf_add_bytes(cli_buf_t *b, uint32_t number, const void *value, size_t len) {
  if (!reserve(b, len + 20)) return false;
  put_varint(b, (uint64_t)number << 3 | 2);
  put_varint(b, len);
  if (len) memcpy(b->data + b->len, value, len);
  b->len += len;
  return true;
}

void cli_buf_free(cli_buf_t *b) {
  free(b->data);
  memset(b, 0, sizeof *b);
}

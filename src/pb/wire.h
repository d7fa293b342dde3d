/* pb/wire.h — the protobuf wire format's primitives: varints, zigzag, tags,
 * little-endian fixed-width values.
 *
 * Everything here is a small inline function because the decoder and the
 * encoder call these once or more per field; the common cases (one- and
 * two-byte varints) stay on the fast path and longer ones go out of line.
 * Readers take the current position and the end of the readable bytes and
 * never look past `end`; writers assume the caller reserved room.
 */
#ifndef CGRPC_SRC_PB_WIRE_H
#define CGRPC_SRC_PB_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "cgrpc's protobuf wire code assumes a little-endian host"
#endif

#define CGRPC_PB_LIKELY(x) __builtin_expect(!!(x), 1)
#define CGRPC_PB_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* Wire types. */
enum {
  CGRPC_PB_WT_VARINT = 0,
  CGRPC_PB_WT_I64 = 1,
  CGRPC_PB_WT_LEN = 2,
  CGRPC_PB_WT_SGROUP = 3,
  CGRPC_PB_WT_EGROUP = 4,
  CGRPC_PB_WT_I32 = 5,
};

/* The longest varint (a 64-bit value) and the longest tag. */
#define CGRPC_PB_MAX_VARINT 10
#define CGRPC_PB_MAX_TAG 5
/* Largest encoded message protobuf allows (lengths are signed 32-bit). */
#define CGRPC_PB_MAX_MESSAGE ((size_t)INT32_MAX)

/* Slow path of cgrpc_pb_read_varint: varints of three bytes or more, and
 * varints near `end`. */
const char *cgrpc_pb_read_varint_slow(const char *p, const char *end, uint64_t *out);

/* Reads a varint at p. Returns the position after it, or NULL when the bytes
 * before `end` do not hold a complete varint of at most 10 bytes. The caller
 * tells the two failures apart: with 10 or more bytes available it was too
 * long (malformed), with fewer it was cut off (truncated). */
static inline const char *cgrpc_pb_read_varint(const char *p, const char *end, uint64_t *out) {
  if (CGRPC_PB_LIKELY(end - p >= 2)) {
    uint64_t b0 = (uint8_t)p[0];
    if (CGRPC_PB_LIKELY(b0 < 0x80)) {
      *out = b0;
      return p + 1;
    }
    uint64_t b1 = (uint8_t)p[1];
    if (CGRPC_PB_LIKELY(b1 < 0x80)) {
      *out = (b0 & 0x7f) | (b1 << 7);
      return p + 2;
    }
  }
  return cgrpc_pb_read_varint_slow(p, end, out);
}

/* Number of bytes the varint encoding of v takes (1..10). */
static inline size_t cgrpc_pb_varint_size(uint64_t v) {
  /* bits * 9 / 64 + 1 rounds up bits / 7 without a division. */
  unsigned bits = 64 - (unsigned)__builtin_clzll(v | 1);
  return (bits * 9 + 64) / 64;
}

/* Writes v as a varint at p (room for cgrpc_pb_varint_size(v) bytes);
 * returns the position after it. */
static inline char *cgrpc_pb_write_varint(char *p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = (char)(uint8_t)(v | 0x80);
    v >>= 7;
  }
  *p++ = (char)(uint8_t)v;
  return p;
}

/* Writes v as a varint so that it ends just before p; returns its start.
 * This is how the encoder, which fills its buffer back to front, writes. */
static inline char *cgrpc_pb_write_varint_before(char *p, uint64_t v) {
  if (CGRPC_PB_LIKELY(v < 0x80)) {
    *--p = (char)(uint8_t)v;
    return p;
  }
  if (v < 0x4000) {
    p -= 2;
    p[0] = (char)(uint8_t)(v | 0x80);
    p[1] = (char)(uint8_t)(v >> 7);
    return p;
  }
  p -= cgrpc_pb_varint_size(v);
  cgrpc_pb_write_varint(p, v);
  return p;
}

/* Copies n bytes. Short strings dominate messages, and for up to 32 bytes
 * a few overlapping moves beat a call to memcpy. */
static inline void cgrpc_pb_copy(char *dst, const char *src, size_t n) {
  uint64_t a, b, c, d;
  if (n > 32) {
    memcpy(dst, src, n);
  } else if (n >= 16) {
    memcpy(&a, src, 8);
    memcpy(&b, src + 8, 8);
    memcpy(&c, src + n - 16, 8);
    memcpy(&d, src + n - 8, 8);
    memcpy(dst, &a, 8);
    memcpy(dst + 8, &b, 8);
    memcpy(dst + n - 16, &c, 8);
    memcpy(dst + n - 8, &d, 8);
  } else if (n >= 8) {
    memcpy(&a, src, 8);
    memcpy(&b, src + n - 8, 8);
    memcpy(dst, &a, 8);
    memcpy(dst + n - 8, &b, 8);
  } else if (n >= 4) {
    uint32_t x, y;
    memcpy(&x, src, 4);
    memcpy(&y, src + n - 4, 4);
    memcpy(dst, &x, 4);
    memcpy(dst + n - 4, &y, 4);
  } else if (n) {
    char x = src[0], y = src[n / 2], z = src[n - 1];
    dst[0] = x;
    dst[n / 2] = y;
    dst[n - 1] = z;
  }
}

static inline uint32_t cgrpc_pb_zigzag_encode32(int32_t v) {
  return ((uint32_t)v << 1) ^ (uint32_t)(v >> 31);
}
static inline uint64_t cgrpc_pb_zigzag_encode64(int64_t v) {
  return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}
static inline int32_t cgrpc_pb_zigzag_decode32(uint32_t v) {
  return (int32_t)((v >> 1) ^ (0u - (v & 1)));
}
static inline int64_t cgrpc_pb_zigzag_decode64(uint64_t v) {
  return (int64_t)((v >> 1) ^ (0u - (v & 1)));
}

static inline uint32_t cgrpc_pb_make_tag(uint32_t number, unsigned wire_type) {
  return (number << 3) | wire_type;
}

/* Fixed-width little-endian values; memcpy compiles to one load or store. */
static inline uint32_t cgrpc_pb_load32(const char *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}
static inline uint64_t cgrpc_pb_load64(const char *p) {
  uint64_t v;
  memcpy(&v, p, 8);
  return v;
}

#endif /* CGRPC_SRC_PB_WIRE_H */

/* pb/wire.c — the out-of-line half of pb/wire.h: long varints.
 *
 * Kept out of line so the one- and two-byte cases inline into every caller
 * while this code exists once. Varints of up to eight bytes with eight
 * readable bytes (the usual case inside a message) decode without a loop;
 * the rest byte by byte. */
#include "pb/wire.h"

const char *cgrpc_pb_read_varint_slow(const char *p, const char *end, uint64_t *out) {
  if (end - p >= 8) {
    /* Up to eight bytes without a loop: find the terminating byte, drop the
     * continuation bits, then squeeze the 7-bit groups together in three
     * steps (pairs, quads, halves). */
    uint64_t w = cgrpc_pb_load64(p);
    uint64_t stops = ~w & 0x8080808080808080ull;
    if (stops) {
      unsigned bits = (unsigned)__builtin_ctzll(stops) + 1; /* 8 * length */
      uint64_t x = bits == 64 ? w : w & ((1ull << bits) - 1);
      x &= 0x7f7f7f7f7f7f7f7full;
      x = (x & 0x007f007f007f007full) | ((x & 0x7f007f007f007f00ull) >> 1);
      x = (x & 0x00003fff00003fffull) | ((x & 0x3fff00003fff0000ull) >> 2);
      x = (x & 0x000000000fffffffull) | ((x & 0x0fffffff00000000ull) >> 4);
      *out = x;
      return p + bits / 8;
    }
  }
  const uint8_t *b = (const uint8_t *)p;
  size_t avail = (size_t)(end - p);
  size_t n = avail < CGRPC_PB_MAX_VARINT ? avail : CGRPC_PB_MAX_VARINT;
  uint64_t v = 0;
  for (size_t i = 0; i < n; i++) {
    v |= (uint64_t)(b[i] & 0x7f) << (7 * i);
    if (b[i] < 0x80) {
      *out = v;
      return p + i + 1;
    }
  }
  return NULL;
}

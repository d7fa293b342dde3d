/* pb/utf8.c — strict UTF-8 validation (see pb/utf8.h), the out-of-line half.
 *
 * The inline check in pb/utf8.h already accepts all-ASCII strings; this is
 * the full validator. It still skips ASCII runs eight bytes at a time (and a
 * short tail with two overlapping loads) and decodes sequences byte by byte
 * only around the non-ASCII characters. The multi-byte rules follow Unicode
 * Table 3-7: the lead byte fixes the sequence length and the allowed range
 * of the second byte (which is where overlongs, surrogates and values past
 * U+10FFFF are excluded); the remaining bytes are plain continuation bytes. */
#include "pb/utf8.h"

#include <stdint.h>
#include <string.h>

#define HIGH_BITS 0x8080808080808080ull

bool cgrpc_utf8_validate_slow(const char *s, size_t len, size_t *bad_offset) {
  const uint8_t *start = (const uint8_t *)s, *p = start, *end = start + len;
  for (;;) {
    while (end - p >= 8) {
      uint64_t w;
      memcpy(&w, p, 8);
      if (w & HIGH_BITS) {
        /* Skip the ASCII bytes before the first non-ASCII one. */
        p += (unsigned)__builtin_ctzll(w & HIGH_BITS) / 8;
        break;
      }
      p += 8;
    }
    size_t n = (size_t)(end - p);
    if (n == 0) return true;
    if (n < 8) {
      /* The short tail in two overlapping loads (or three bytes). */
      uint32_t w, w2;
      if (n >= 4) {
        memcpy(&w, p, 4);
        memcpy(&w2, end - 4, 4);
        w |= w2;
      } else {
        w = (uint32_t)(p[0] | p[n / 2] | p[n - 1]);
      }
      if (!(w & 0x80808080u)) return true;
    }
    uint8_t c = *p;
    if (c < 0x80) {
      p++;
      continue;
    }
    size_t more;
    uint8_t lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      more = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      more = 2;
      if (c == 0xE0) lo = 0xA0; /* overlong below U+0800 */
      if (c == 0xED) hi = 0x9F; /* surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
      more = 3;
      if (c == 0xF0) lo = 0x90; /* overlong below U+10000 */
      if (c == 0xF4) hi = 0x8F; /* above U+10FFFF */
    } else {
      break; /* continuation byte, C0/C1 overlong lead, or F5..FF */
    }
    if (n <= more || p[1] < lo || p[1] > hi) break;
    size_t i = 2;
    while (i <= more && (p[i] & 0xC0) == 0x80) i++;
    if (i <= more) break;
    p += more + 1;
  }
  if (bad_offset) *bad_offset = (size_t)(p - start);
  return false;
}

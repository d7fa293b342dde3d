/* pb/utf8.h — strict UTF-8 validation for protobuf strings and JSON.
 *
 * Strict means what the Unicode standard (Table 3-7) accepts and nothing
 * else: no overlong forms, no UTF-16 surrogates (U+D800..U+DFFF), nothing
 * above U+10FFFF, no stray continuation bytes, no truncated sequences.
 *
 * Most strings in messages are ASCII; those are recognised inline, eight
 * bytes at a time, and only strings with other characters go out of line.
 */
#ifndef CGRPC_SRC_PB_UTF8_H
#define CGRPC_SRC_PB_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The full validator behind cgrpc_utf8_validate(); same contract. */
bool cgrpc_utf8_validate_slow(const char *s, size_t len, size_t *bad_offset);

/* Checks that s[0..len) is valid UTF-8. On failure, when bad_offset is not
 * NULL, stores the offset of the first byte of the first invalid sequence.
 * Thread-safe; reads only s[0..len). */
static inline bool cgrpc_utf8_validate(const char *s, size_t len, size_t *bad_offset) {
  uint64_t seen; /* the high bits of every byte, ORed together */
  if (len >= 8) {
    memcpy(&seen, s + len - 8, 8);
    for (size_t i = 0; i + 8 < len; i += 8) {
      uint64_t w;
      memcpy(&w, s + i, 8);
      seen |= w;
    }
  } else if (len >= 4) {
    uint32_t a, b;
    memcpy(&a, s, 4);
    memcpy(&b, s + len - 4, 4);
    seen = a | b;
  } else {
    seen = len ? (uint8_t)(s[0] | s[len / 2] | s[len - 1]) : 0;
  }
  if (!(seen & 0x8080808080808080ull)) return true;
  return cgrpc_utf8_validate_slow(s, len, bad_offset);
}

#endif /* CGRPC_SRC_PB_UTF8_H */

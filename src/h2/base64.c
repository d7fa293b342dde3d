/* Base64 (standard alphabet) for -bin metadata. See h2/base64.h.
 *
 * Decoding is table-driven: one lookup per character, 4 characters to 3
 * bytes, and one validity test per group (an invalid character maps to 0xFF,
 * whose high bits no valid 6-bit value has). */
#include "h2/base64.h"

static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

#define BAD 0xFF

/* Reverse of kAlphabet over all 256 byte values, 16 per row. */
/* clang-format off */
static const uint8_t kDecode[256] = {
    BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD,
    BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD,
    BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD,  62, BAD, BAD, BAD,  63,
     52,  53,  54,  55,  56,  57,  58,  59,  60,  61, BAD, BAD, BAD, BAD, BAD, BAD,
    BAD,   0,   1,   2,   3,   4,   5,   6,   7,   8,   9,  10,  11,  12,  13,  14,
     15,  16,  17,  18,  19,  20,  21,  22,  23,  24,  25, BAD, BAD, BAD, BAD, BAD,
    BAD,  26,  27,  28,  29,  30,  31,  32,  33,  34,  35,  36,  37,  38,  39,  40,
     41,  42,  43,  44,  45,  46,  47,  48,  49,  50,  51, BAD, BAD, BAD, BAD, BAD,
    BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD,
    BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD,
    BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD,
    BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD,
    BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD,
    BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD,
    BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD,
    BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD,
};
/* clang-format on */

size_t cgrpc_base64_encoded_len(size_t len) { return len / 3 * 4 + (len % 3 ? len % 3 + 1 : 0); }

size_t cgrpc_base64_encode(const uint8_t *src, size_t len, char *dst) {
  size_t i = 0, o = 0;
  for (; i + 3 <= len; i += 3) {
    uint32_t v = (uint32_t)src[i] << 16 | (uint32_t)src[i + 1] << 8 | src[i + 2];
    dst[o++] = kAlphabet[v >> 18];
    dst[o++] = kAlphabet[(v >> 12) & 63];
    dst[o++] = kAlphabet[(v >> 6) & 63];
    dst[o++] = kAlphabet[v & 63];
  }
  if (len - i == 1) {
    dst[o++] = kAlphabet[src[i] >> 2];
    dst[o++] = kAlphabet[(src[i] & 3) << 4];
  } else if (len - i == 2) {
    uint32_t v = (uint32_t)src[i] << 8 | src[i + 1];
    dst[o++] = kAlphabet[v >> 10];
    dst[o++] = kAlphabet[(v >> 4) & 63];
    dst[o++] = kAlphabet[(v << 2) & 63];
  }
  return o;
}

size_t cgrpc_base64_decoded_max_len(size_t len) { return len / 4 * 3 + (len % 4) * 3 / 4; }

/* Names the first character of src[0..len) outside the alphabet. */
static cgrpc_status_code_t bad_char(const char *src, size_t len, size_t base,
                                    cgrpc_wire_error_t *err) {
  size_t i = 0;
  while (i < len && kDecode[(uint8_t)src[i]] != BAD) i++;
  uint8_t c = (uint8_t)src[i];
  if (c > 0x20 && c < 0x7F) {
    return cgrpc_wire_error_set(err, CGRPC_STATUS_INTERNAL,
                                "invalid base64: character '%c' at offset %zu", c, base + i);
  }
  return cgrpc_wire_error_set(err, CGRPC_STATUS_INTERNAL,
                              "invalid base64: byte 0x%02x at offset %zu", c, base + i);
}

cgrpc_status_code_t cgrpc_base64_decode(const char *src, size_t len, uint8_t *dst, size_t *out_len,
                                        cgrpc_wire_error_t *err) {
  /* Padding only ever completes the last group of four. */
  size_t data_len = len;
  if (len % 4 == 0 && len > 0 && src[len - 1] == '=') {
    data_len -= src[len - 2] == '=' ? 2 : 1;
  }
  size_t i = 0, o = 0;
  for (; i + 4 <= data_len; i += 4) {
    const uint8_t *s = (const uint8_t *)src + i;
    uint32_t a = kDecode[s[0]], b = kDecode[s[1]], c = kDecode[s[2]], d = kDecode[s[3]];
    if ((a | b | c | d) & 0xC0) return bad_char(src + i, 4, i, err);
    uint32_t v = a << 18 | b << 12 | c << 6 | d;
    dst[o++] = (uint8_t)(v >> 16);
    dst[o++] = (uint8_t)(v >> 8);
    dst[o++] = (uint8_t)v;
  }
  size_t rest = data_len - i;
  if (rest > 0) {
    const uint8_t *s = (const uint8_t *)src + i;
    if (rest == 1) {
      if (kDecode[s[0]] == BAD) return bad_char(src + i, 1, i, err);
      return cgrpc_wire_error_set(err, CGRPC_STATUS_INTERNAL,
                                  "invalid base64: %zu characters leave one dangling character",
                                  data_len);
    }
    uint32_t a = kDecode[s[0]], b = kDecode[s[1]], c = rest == 3 ? kDecode[s[2]] : 0;
    if ((a | b | c) & 0xC0) return bad_char(src + i, rest, i, err);
    dst[o++] = (uint8_t)(a << 2 | b >> 4);
    if (rest == 3) dst[o++] = (uint8_t)(b << 4 | c >> 2);
  }
  *out_len = o;
  return CGRPC_STATUS_OK;
}

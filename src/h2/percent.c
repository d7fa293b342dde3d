/* grpc-message percent-encoding. See h2/percent.h. */
#include "h2/percent.h"

#include <stdbool.h>

static bool needs_escape(uint8_t c) { return c < 0x20 || c > 0x7E || c == '%'; }

/* Value of a hex digit, or -1. */
static int hex_value(uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

size_t cgrpc_percent_encoded_len(const uint8_t *src, size_t len) {
  size_t out = len;
  for (size_t i = 0; i < len; i++) out += needs_escape(src[i]) ? 2 : 0;
  return out;
}

size_t cgrpc_percent_encode(const uint8_t *src, size_t len, char *dst) {
  static const char kHex[] = "0123456789ABCDEF";
  size_t o = 0;
  for (size_t i = 0; i < len; i++) {
    uint8_t c = src[i];
    if (needs_escape(c)) {
      dst[o++] = '%';
      dst[o++] = kHex[c >> 4];
      dst[o++] = kHex[c & 0xF];
    } else {
      dst[o++] = (char)c;
    }
  }
  return o;
}

size_t cgrpc_percent_decode(const char *src, size_t len, uint8_t *dst) {
  const uint8_t *s = (const uint8_t *)src;
  size_t o = 0;
  for (size_t i = 0; i < len; i++) {
    if (s[i] == '%' && i + 2 < len && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      dst[o++] = (uint8_t)(hex_value(s[i + 1]) << 4 | hex_value(s[i + 2]));
      i += 2;
    } else {
      dst[o++] = s[i];
    }
  }
  return o;
}

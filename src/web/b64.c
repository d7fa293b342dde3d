/* web/b64.c — padded standard base64 for gRPC-Web text. See b64.h. */
#include "web/b64.h"

static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int value_of(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

/* One group of four: 1 to 3 bytes. False when malformed. */
static bool decode_group(const char g[4], uint8_t bytes[3], size_t *n) {
  int v[4];
  size_t pad = 0;
  for (int i = 0; i < 4; i++) {
    if (g[i] == '=') {
      if (i < 2) return false;
      pad++;
      v[i] = 0;
      continue;
    }
    if (pad) return false; /* data after padding inside a group */
    v[i] = value_of(g[i]);
    if (v[i] < 0) return false;
  }
  uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
  bytes[0] = (uint8_t)(w >> 16);
  bytes[1] = (uint8_t)(w >> 8);
  bytes[2] = (uint8_t)w;
  *n = 3 - pad;
  return true;
}

bool cgrpc_web_b64_decode(cgrpc_web_b64_t *st, const uint8_t *src, size_t len, cgrpc_web_buf_t *out,
                          bool *oom) {
  *oom = false;
  for (size_t i = 0; i < len; i++) {
    char c = (char)src[i];
    if (c == '\r' || c == '\n') continue;
    if (c != '=' && value_of(c) < 0) return false;
    st->pending[st->count++] = c;
    if (st->count < 4) continue;
    uint8_t bytes[3];
    size_t n;
    st->count = 0;
    if (!decode_group(st->pending, bytes, &n)) return false;
    if (!cgrpc_web_buf_append(out, bytes, n)) {
      *oom = true;
      return false;
    }
  }
  return true;
}

bool cgrpc_web_b64_complete(const cgrpc_web_b64_t *st) { return st->count == 0; }

bool cgrpc_web_b64_encode(const uint8_t *src, size_t len, cgrpc_web_buf_t *out) {
  if (len == 0) return true; /* out->data may still be NULL */
  size_t need = (len + 2) / 3 * 4;
  if (!cgrpc_web_buf_reserve(out, need)) return false;
  char *d = (char *)out->data + out->len;
  size_t i = 0;
  for (; i + 3 <= len; i += 3) {
    uint32_t w = (uint32_t)src[i] << 16 | (uint32_t)src[i + 1] << 8 | src[i + 2];
    *d++ = kAlphabet[w >> 18];
    *d++ = kAlphabet[(w >> 12) & 63];
    *d++ = kAlphabet[(w >> 6) & 63];
    *d++ = kAlphabet[w & 63];
  }
  if (i < len) {
    uint32_t w = (uint32_t)src[i] << 16 | (i + 1 < len ? (uint32_t)src[i + 1] << 8 : 0);
    *d++ = kAlphabet[w >> 18];
    *d++ = kAlphabet[(w >> 12) & 63];
    *d++ = i + 1 < len ? kAlphabet[(w >> 6) & 63] : '=';
    *d++ = '=';
  }
  out->len += need;
  return true;
}

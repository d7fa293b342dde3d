/* json/base64.c — bytes fields as base64: standard alphabet with padding on
 * output (as protobuf prints them), and on input the standard or the
 * URL-safe alphabet, padded or not, as protobuf accepts. */
#include "json/json_internal.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t cgrpc_json_base64_encode(const uint8_t *src, size_t n, char *dst) {
  char *o = dst;
  size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    uint32_t v = (uint32_t)src[i] << 16 | (uint32_t)src[i + 1] << 8 | src[i + 2];
    o[0] = alphabet[v >> 18];
    o[1] = alphabet[(v >> 12) & 63];
    o[2] = alphabet[(v >> 6) & 63];
    o[3] = alphabet[v & 63];
    o += 4;
  }
  if (n - i == 1) {
    uint32_t v = (uint32_t)src[i] << 16;
    o[0] = alphabet[v >> 18];
    o[1] = alphabet[(v >> 12) & 63];
    o[2] = o[3] = '=';
    o += 4;
  } else if (n - i == 2) {
    uint32_t v = (uint32_t)src[i] << 16 | (uint32_t)src[i + 1] << 8;
    o[0] = alphabet[v >> 18];
    o[1] = alphabet[(v >> 12) & 63];
    o[2] = alphabet[(v >> 6) & 63];
    o[3] = '=';
    o += 4;
  }
  return (size_t)(o - dst);
}

/* 0..63 for a character of either alphabet, -1 otherwise. */
static int sextet(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

bool cgrpc_json_base64_decode(const char *src, size_t n, uint8_t *dst, size_t *out_len) {
  /* Padding: up to two '=' at the end, and then the length must be whole. */
  size_t pad = 0;
  while (pad < 2 && n > pad && src[n - 1 - pad] == '=') pad++;
  if (pad && n % 4) return false;
  size_t len = n - pad;
  if (len % 4 == 1) return false;
  uint8_t *o = dst;
  size_t i = 0;
  for (; i + 4 <= len; i += 4) {
    int a = sextet((unsigned char)src[i]), b = sextet((unsigned char)src[i + 1]);
    int c = sextet((unsigned char)src[i + 2]), d = sextet((unsigned char)src[i + 3]);
    if ((a | b | c | d) < 0) return false;
    uint32_t v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | (uint32_t)d;
    o[0] = (uint8_t)(v >> 16);
    o[1] = (uint8_t)(v >> 8);
    o[2] = (uint8_t)v;
    o += 3;
  }
  size_t rest = len - i;
  if (rest) {
    int a = sextet((unsigned char)src[i]), b = sextet((unsigned char)src[i + 1]);
    int c = rest == 3 ? sextet((unsigned char)src[i + 2]) : 0;
    if ((a | b | c) < 0) return false;
    uint32_t v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6;
    *o++ = (uint8_t)(v >> 16);
    if (rest == 3) *o++ = (uint8_t)(v >> 8);
  }
  *out_len = (size_t)(o - dst);
  return true;
}

/* token.c — see token.h. */
#define _POSIX_C_SOURCE 200809L
#include "token.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>

#include "errors.h"

/* base64url without padding (RFC 7515 §2) of `len` bytes into `out`;
 * returns the length written (out needs 4 * ceil(len / 3) + 1 bytes). */
static size_t base64url(const uint8_t *in, size_t len, char *out) {
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  size_t o = 0;
  for (size_t i = 0; i < len; i += 3) {
    uint32_t v = (uint32_t)in[i] << 16;
    if (i + 1 < len) v |= (uint32_t)in[i + 1] << 8;
    if (i + 2 < len) v |= in[i + 2];
    out[o++] = kAlphabet[(v >> 18) & 63];
    out[o++] = kAlphabet[(v >> 12) & 63];
    if (i + 1 < len) out[o++] = kAlphabet[(v >> 6) & 63];
    if (i + 2 < len) out[o++] = kAlphabet[v & 63];
  }
  out[o] = '\0';
  return o;
}

cgrpc_status_code_t shop_secret_load(const char *path, uint8_t secret[SHOP_SECRET_MAX], size_t *len,
                                     cgrpc_error_t *err) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return shop_error(err, CGRPC_STATUS_INVALID_ARGUMENT, "cannot read the token secret %s", path);
  *len = fread(secret, 1, SHOP_SECRET_MAX, f);
  fclose(f);
  if (*len < CGRPC_JWT_MIN_HMAC_SECRET)
    return shop_error(err, CGRPC_STATUS_INVALID_ARGUMENT,
                      "the token secret %s has %zu bytes; it needs at least %d", path, *len,
                      CGRPC_JWT_MIN_HMAC_SECRET);
  return CGRPC_STATUS_OK;
}

cgrpc_status_code_t shop_token_sign(const uint8_t *secret, size_t secret_len, const char *subject,
                                    int64_t iat, int64_t exp, char out[SHOP_TOKEN_MAX],
                                    cgrpc_error_t *err) {
  size_t n = strlen(subject);
  if (n == 0 || n > 64 ||
      strspn(subject,
             "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
             "0123456789-_") != n)
    return shop_error(err, CGRPC_STATUS_INVALID_ARGUMENT,
                      "a token subject is 1 to 64 of [A-Za-z0-9_-]");
  static const char kHeader[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
  char payload[256];
  int plen =
      snprintf(payload, sizeof payload,
               "{\"iss\":\"%s\",\"aud\":\"%s\",\"sub\":\"%s\",\"iat\":%lld,\"exp\":%lld}",
               SHOP_TOKEN_ISSUER, SHOP_TOKEN_AUDIENCE, subject, (long long)iat, (long long)exp);
  size_t o = base64url((const uint8_t *)kHeader, sizeof kHeader - 1, out);
  out[o++] = '.';
  o += base64url((const uint8_t *)payload, (size_t)plen, out + o);
  uint8_t mac[EVP_MAX_MD_SIZE];
  unsigned mac_len = 0;
  if (!HMAC(EVP_sha256(), secret, (int)secret_len, (const uint8_t *)out, o, mac, &mac_len))
    return shop_error(err, CGRPC_STATUS_INTERNAL, "HMAC-SHA256 failed");
  out[o++] = '.';
  base64url(mac, mac_len, out + o);
  return CGRPC_STATUS_OK;
}

cgrpc_status_code_t shop_token_verifier(const uint8_t *secret, size_t secret_len,
                                        cgrpc_jwt_verifier_t **out, cgrpc_error_t *err) {
  cgrpc_status_code_t code = cgrpc_jwt_verifier_new(out, err);
  if (!code) code = cgrpc_jwt_verifier_add_hmac(*out, NULL, secret, secret_len, err);
  if (!code) code = cgrpc_jwt_verifier_set_issuer(*out, SHOP_TOKEN_ISSUER, err);
  if (!code) code = cgrpc_jwt_verifier_add_audience(*out, SHOP_TOKEN_AUDIENCE, err);
  /* Tokens are signed and checked on the same machine here: no clock skew
   * to forgive, and an expired token must fail at once in the tests. */
  if (!code) code = cgrpc_jwt_verifier_set_leeway(*out, 0, err);
  if (code) {
    cgrpc_jwt_verifier_free(*out);
    *out = NULL;
  }
  return code;
}

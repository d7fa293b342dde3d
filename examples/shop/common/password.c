/* password.c — see password.h. */
#define _POSIX_C_SOURCE 200809L
#include "password.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"

/* N = 2^14, r = 8, p = 1: 16 MiB and some tens of milliseconds per hash,
 * the interactive-login parameters of the scrypt paper. */
#define SCRYPT_N 16384u
#define SCRYPT_R 8u
#define SCRYPT_P 1u
#define SALT_LEN 16
#define HASH_LEN 32

static bool scrypt(cgrpc_str_t password, const uint8_t *salt, size_t salt_len, uint64_t n,
                   uint32_t r, uint32_t p, uint8_t *out, size_t out_len) {
  EVP_KDF *kdf = EVP_KDF_fetch(NULL, "SCRYPT", NULL);
  EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
  EVP_KDF_free(kdf);
  if (!ctx) return false;
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD,
                                        (void *)(password.len ? password.data : ""), password.len),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, salt_len),
      OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
      OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r),
      OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p),
      OSSL_PARAM_construct_end()};
  bool ok = EVP_KDF_derive(ctx, out, out_len, params) == 1;
  EVP_KDF_CTX_free(ctx);
  return ok;
}

static void to_hex(const uint8_t *in, size_t len, char *out) {
  for (size_t i = 0; i < len; i++) sprintf(out + 2 * i, "%02x", in[i]);
}

static bool from_hex(const char *in, size_t len, uint8_t *out) {
  for (size_t i = 0; i < len; i++) {
    unsigned v;
    if (sscanf(in + 2 * i, "%2x", &v) != 1) return false;
    out[i] = (uint8_t)v;
  }
  return true;
}

cgrpc_status_code_t shop_password_hash(cgrpc_str_t password, char out[SHOP_PASSWORD_HASH_MAX],
                                       cgrpc_error_t *err) {
  uint8_t salt[SALT_LEN], hash[HASH_LEN];
  if (RAND_bytes(salt, sizeof salt) != 1 ||
      !scrypt(password, salt, sizeof salt, SCRYPT_N, SCRYPT_R, SCRYPT_P, hash, sizeof hash))
    return shop_error(err, CGRPC_STATUS_INTERNAL, "scrypt failed");
  char salt_hex[2 * SALT_LEN + 1], hash_hex[2 * HASH_LEN + 1];
  to_hex(salt, sizeof salt, salt_hex);
  to_hex(hash, sizeof hash, hash_hex);
  snprintf(out, SHOP_PASSWORD_HASH_MAX, "scrypt$%u$%u$%u$%s$%s", SCRYPT_N, SCRYPT_R, SCRYPT_P,
           salt_hex, hash_hex);
  return CGRPC_STATUS_OK;
}

bool shop_password_check(cgrpc_str_t password, const char *stored) {
  unsigned n, r, p;
  char salt_hex[2 * SALT_LEN + 1], hash_hex[2 * HASH_LEN + 1];
  if (sscanf(stored, "scrypt$%u$%u$%u$%32[0-9a-f]$%64[0-9a-f]", &n, &r, &p, salt_hex, hash_hex) !=
          5 ||
      strlen(salt_hex) != 2 * SALT_LEN || strlen(hash_hex) != 2 * HASH_LEN || n > (1u << 20) ||
      r > 32 || p > 16)
    return false;
  uint8_t salt[SALT_LEN], want[HASH_LEN], got[HASH_LEN];
  if (!from_hex(salt_hex, SALT_LEN, salt) || !from_hex(hash_hex, HASH_LEN, want)) return false;
  if (!scrypt(password, salt, sizeof salt, n, r, p, got, sizeof got)) return false;
  return CRYPTO_memcmp(got, want, HASH_LEN) == 0;
}

/* auth/jwt_signature.c — one signature check per algorithm, on OpenSSL EVP.
 *
 * HS256 recomputes the HMAC and compares in constant time. RS256 is
 * RSASSA-PKCS1-v1_5 with SHA-256. ES256 signatures in a JWS are the raw
 * 32-byte r and s concatenated (RFC 7518 §3.4), not the DER that OpenSSL
 * verifies, so they are converted first; any other length is refused.
 *
 * Speed: in OpenSSL 3 a fresh context per verification costs algorithm
 * fetches from the provider and a set-up (bench/jwt: HS256 took 3.0 us that
 * way against 1.2 us prepared, RS256 20 us against 17). So each key gets
 * its contexts once, when it is added: SHA-256
 * fetched, an HMAC context keyed with the secret, or a public-key context
 * initialised for verification. A verification duplicates the prepared
 * context (the template is only read, so threads may share it) and runs.
 */
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>

#include "auth/jwt_internal.h"

bool cgrpc_jwt_key_prepare(cgrpc_jwt_key_t *key) {
  key->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
  if (!key->sha256) return false;
  if (key->alg == CGRPC_JWT_HS256) {
    EVP_MAC *hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    key->mac_template = hmac ? EVP_MAC_CTX_new(hmac) : NULL;
    EVP_MAC_free(hmac); /* the context keeps its own reference */
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0),
                           OSSL_PARAM_construct_end()};
    return key->mac_template &&
           EVP_MAC_init(key->mac_template, key->secret, key->secret_len, params) == 1;
  }
  key->verify_template = EVP_PKEY_CTX_new_from_pkey(NULL, key->pkey, NULL);
  return key->verify_template && EVP_PKEY_verify_init(key->verify_template) == 1 &&
         EVP_PKEY_CTX_set_signature_md(key->verify_template, key->sha256) == 1;
}

static bool hmac_verifies(const cgrpc_jwt_key_t *key, const char *input, size_t input_len,
                          const unsigned char *sig, size_t sig_len) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  size_t mac_len = 0;
  EVP_MAC_CTX *ctx = EVP_MAC_CTX_dup(key->mac_template);
  bool ok = ctx && EVP_MAC_update(ctx, (const unsigned char *)input, input_len) == 1 &&
            EVP_MAC_final(ctx, mac, &mac_len, sizeof mac) == 1 && sig_len == mac_len &&
            CRYPTO_memcmp(mac, sig, mac_len) == 0;
  EVP_MAC_CTX_free(ctx);
  return ok;
}

/* SHA-256 of the input, then the prepared public-key check of `sig`. */
static bool digest_verifies(const cgrpc_jwt_key_t *key, const char *input, size_t input_len,
                            const unsigned char *sig, size_t sig_len) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  if (EVP_Digest(input, input_len, digest, &digest_len, key->sha256, NULL) != 1) return false;
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_dup(key->verify_template);
  bool ok = ctx && EVP_PKEY_verify(ctx, sig, sig_len, digest, digest_len) == 1;
  EVP_PKEY_CTX_free(ctx);
  return ok;
}

/* r||s (64 bytes) as a DER ECDSA-Sig-Value, verified. */
static bool ecdsa_verifies(const cgrpc_jwt_key_t *key, const char *input, size_t input_len,
                           const unsigned char *sig, size_t sig_len) {
  if (sig_len != 64) return false;
  ECDSA_SIG *es = ECDSA_SIG_new();
  BIGNUM *r = BN_bin2bn(sig, 32, NULL), *s = BN_bin2bn(sig + 32, 32, NULL);
  if (!es || !r || !s || !ECDSA_SIG_set0(es, r, s)) {
    ECDSA_SIG_free(es);
    BN_free(r);
    BN_free(s);
    return false;
  }
  unsigned char *der = NULL;
  int der_len = i2d_ECDSA_SIG(es, &der);
  ECDSA_SIG_free(es); /* frees r and s too */
  bool ok = der_len > 0 && digest_verifies(key, input, input_len, der, (size_t)der_len);
  OPENSSL_free(der);
  return ok;
}

bool cgrpc_jwt_signature_verifies(const cgrpc_jwt_key_t *key, const char *input, size_t input_len,
                                  const unsigned char *sig, size_t sig_len) {
  bool ok = false;
  switch (key->alg) {
    case CGRPC_JWT_HS256:
      ok = hmac_verifies(key, input, input_len, sig, sig_len);
      break;
    case CGRPC_JWT_RS256:
      ok = digest_verifies(key, input, input_len, sig, sig_len);
      break;
    case CGRPC_JWT_ES256:
      ok = ecdsa_verifies(key, input, input_len, sig, sig_len);
      break;
  }
  ERR_clear_error(); /* a failed check leaves entries in this thread's queue */
  return ok;
}

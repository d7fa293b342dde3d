/* auth/jwt_signature.c — one signature check per algorithm, on OpenSSL EVP.
 *
 * HS256 recomputes the HMAC and compares in constant time. RS256 is
 * RSASSA-PKCS1-v1_5 with SHA-256. ES256 signatures in a JWS are the raw
 * 32-byte r and s concatenated (RFC 7518 §3.4), not the DER that OpenSSL
 * verifies, so they are converted first; any other length is refused.
 */
#include <openssl/crypto.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/hmac.h>

#include "auth/jwt_internal.h"

static bool hmac_verifies(const cgrpc_jwt_key_t *key, const char *input, size_t input_len,
                          const unsigned char *sig, size_t sig_len) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  if (!HMAC(EVP_sha256(), key->secret, (int)key->secret_len, (const unsigned char *)input,
            input_len, mac, &mac_len))
    return false;
  return sig_len == mac_len && CRYPTO_memcmp(mac, sig, mac_len) == 0;
}

static bool digest_verifies(EVP_PKEY *pkey, const char *input, size_t input_len,
                            const unsigned char *sig, size_t sig_len) {
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  if (!ctx) return false;
  bool ok = EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, pkey) == 1 &&
            EVP_DigestVerify(ctx, sig, sig_len, (const unsigned char *)input, input_len) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

/* r||s (64 bytes) as a DER ECDSA-Sig-Value, verified. */
static bool ecdsa_verifies(EVP_PKEY *pkey, const char *input, size_t input_len,
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
  bool ok = der_len > 0 && digest_verifies(pkey, input, input_len, der, (size_t)der_len);
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
      ok = digest_verifies(key->pkey, input, input_len, sig, sig_len);
      break;
    case CGRPC_JWT_ES256:
      ok = ecdsa_verifies(key->pkey, input, input_len, sig, sig_len);
      break;
  }
  ERR_clear_error(); /* a failed check leaves entries in this thread's queue */
  return ok;
}

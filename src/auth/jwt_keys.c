/* auth/jwt_keys.c — trusted keys from PEM, HMAC secrets and JWK Sets.
 *
 * Every key is bound here, once, to the one algorithm its type allows (RSA
 * to RS256, P-256 to ES256, a secret to HS256); verification never derives
 * the algorithm from the token alone. Key material is checked as it comes
 * in (RSA size, the curve, the EC point on it) so that a misconfiguration is
 * an error at start-up, not a token that never verifies.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "auth/base64url.h"
#include "auth/fail.h"
#include "auth/jwt_internal.h"
#include "cgrpc/alloc.h"

#define MIN_RSA_BITS 2048

static cgrpc_status_code_t out_of_memory(cgrpc_error_t *err) {
  return cgrpc_auth_fail(err, CGRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory while adding a key");
}

static cgrpc_status_code_t bad_key(cgrpc_error_t *err, const char *what) {
  ERR_clear_error();
  return cgrpc_auth_fail(err, CGRPC_STATUS_INVALID_ARGUMENT, "%s", what);
}

/* Reads a whole file of at most CGRPC_JWT_MAX_KEY_FILE_SIZE bytes into a
 * heap buffer the caller frees. */
static cgrpc_status_code_t read_file(const char *path, char **out, size_t *out_len,
                                     cgrpc_error_t *err) {
  if (!path)
    return cgrpc_auth_fail(err, CGRPC_STATUS_INVALID_ARGUMENT, "the path must not be NULL");
  FILE *f = fopen(path, "rb");
  if (!f)
    return cgrpc_auth_fail(err, CGRPC_STATUS_INVALID_ARGUMENT, "cannot open \"%s\": %s", path,
                           strerror(errno));
  char *buf = cgrpc_malloc(CGRPC_JWT_MAX_KEY_FILE_SIZE + 1);
  if (!buf) {
    fclose(f);
    return out_of_memory(err);
  }
  size_t n = fread(buf, 1, CGRPC_JWT_MAX_KEY_FILE_SIZE + 1, f);
  bool failed = ferror(f);
  fclose(f);
  if (failed || n > CGRPC_JWT_MAX_KEY_FILE_SIZE) {
    cgrpc_free(buf);
    return cgrpc_auth_fail(err, CGRPC_STATUS_INVALID_ARGUMENT,
                           failed ? "cannot read \"%s\"" : "\"%s\" is larger than 1 MiB", path);
  }
  *out = buf;
  *out_len = n;
  return CGRPC_STATUS_OK;
}

static char *dup_kid(const char *kid, size_t len) {
  char *copy = cgrpc_malloc(len + 1);
  if (copy) memcpy(copy, kid, len), copy[len] = '\0';
  return copy;
}

/* Binds a public key to its algorithm, or says why it cannot be used. */
static cgrpc_status_code_t bind_public_key(EVP_PKEY *pkey, cgrpc_jwt_alg_t *alg,
                                           cgrpc_error_t *err) {
  if (EVP_PKEY_is_a(pkey, "RSA")) {
    if (EVP_PKEY_get_bits(pkey) < MIN_RSA_BITS)
      return cgrpc_auth_fail(err, CGRPC_STATUS_INVALID_ARGUMENT,
                             "the RSA key has %d bits; RS256 keys need at least %d",
                             EVP_PKEY_get_bits(pkey), MIN_RSA_BITS);
    *alg = CGRPC_JWT_RS256;
    return CGRPC_STATUS_OK;
  }
  if (EVP_PKEY_is_a(pkey, "EC")) {
    char group[64] = "";
    EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, NULL);
    if (strcmp(group, "prime256v1") != 0 && strcmp(group, "P-256") != 0)
      return cgrpc_auth_fail(err, CGRPC_STATUS_INVALID_ARGUMENT,
                             "the EC key is on curve \"%s\"; ES256 needs P-256", group);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
    bool on_curve = ctx && EVP_PKEY_public_check(ctx) == 1;
    EVP_PKEY_CTX_free(ctx);
    if (!on_curve) return bad_key(err, "the EC public key is not a valid point on P-256");
    *alg = CGRPC_JWT_ES256;
    return CGRPC_STATUS_OK;
  }
  return cgrpc_auth_fail(err, CGRPC_STATUS_INVALID_ARGUMENT,
                         "the key is neither RSA nor EC P-256 (supported: RS256, ES256, HS256)");
}

/* A public key, or the key of a certificate, from PEM text. */
static EVP_PKEY *decode_pem(const char *pem, size_t len) {
  EVP_PKEY *pkey = NULL;
  OSSL_DECODER_CTX *dctx =
      OSSL_DECODER_CTX_new_for_pkey(&pkey, "PEM", NULL, NULL, EVP_PKEY_PUBLIC_KEY, NULL, NULL);
  if (dctx) {
    const unsigned char *data = (const unsigned char *)pem;
    size_t data_len = len;
    if (OSSL_DECODER_from_data(dctx, &data, &data_len) != 1) pkey = NULL;
    OSSL_DECODER_CTX_free(dctx);
  }
  if (!pkey && len <= INT32_MAX) {
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    X509 *cert = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
    if (cert) pkey = X509_get_pubkey(cert);
    X509_free(cert);
    BIO_free(bio);
  }
  ERR_clear_error();
  return pkey;
}

cgrpc_status_code_t cgrpc_jwt_verifier_add_pem(cgrpc_jwt_verifier_t *v, const char *kid,
                                               const char *pem, size_t len, cgrpc_error_t *err) {
  if (!v || !pem)
    return cgrpc_auth_fail(err, CGRPC_STATUS_INVALID_ARGUMENT,
                           "the verifier and the PEM text must not be NULL");
  cgrpc_jwt_key_t key = {0};
  if (!(key.pkey = decode_pem(pem, len)))
    return bad_key(err, "the PEM text holds no public key or certificate");
  cgrpc_status_code_t rc = bind_public_key(key.pkey, &key.alg, err);
  if (rc == CGRPC_STATUS_OK && kid && !(key.kid = dup_kid(kid, strlen(kid))))
    rc = out_of_memory(err);
  if (rc == CGRPC_STATUS_OK) rc = cgrpc_jwt_verifier_append_keys(v, &key, 1, err);
  if (rc != CGRPC_STATUS_OK) cgrpc_jwt_key_clear(&key);
  return rc;
}

cgrpc_status_code_t cgrpc_jwt_verifier_add_pem_file(cgrpc_jwt_verifier_t *v, const char *kid,
                                                    const char *path, cgrpc_error_t *err) {
  char *text = NULL;
  size_t len = 0;
  cgrpc_status_code_t rc = read_file(path, &text, &len, err);
  if (rc != CGRPC_STATUS_OK) return rc;
  rc = cgrpc_jwt_verifier_add_pem(v, kid, text, len, err);
  if (rc == CGRPC_STATUS_INVALID_ARGUMENT && err) {
    char why[CGRPC_ERROR_MESSAGE_SIZE];
    memcpy(why, err->message, sizeof why);
    cgrpc_auth_fail(err, rc, "\"%s\": %s", path, why);
  }
  cgrpc_free(text);
  return rc;
}

/* An HMAC key from secret bytes. */
static cgrpc_status_code_t make_hmac_key(const char *kid, size_t kid_len,
                                         const unsigned char *secret, size_t len,
                                         cgrpc_jwt_key_t *key, cgrpc_error_t *err) {
  memset(key, 0, sizeof *key);
  if (len < CGRPC_JWT_MIN_HMAC_SECRET)
    return cgrpc_auth_fail(err, CGRPC_STATUS_INVALID_ARGUMENT,
                           "the HMAC secret has %zu bytes; HS256 needs at least %d", len,
                           CGRPC_JWT_MIN_HMAC_SECRET);
  key->alg = CGRPC_JWT_HS256;
  key->secret = cgrpc_malloc(len);
  if (!key->secret || (kid && !(key->kid = dup_kid(kid, kid_len)))) {
    cgrpc_jwt_key_clear(key);
    return out_of_memory(err);
  }
  memcpy(key->secret, secret, len);
  key->secret_len = len;
  return CGRPC_STATUS_OK;
}

cgrpc_status_code_t cgrpc_jwt_verifier_add_hmac(cgrpc_jwt_verifier_t *v, const char *kid,
                                                const void *secret, size_t len,
                                                cgrpc_error_t *err) {
  if (!v || !secret)
    return cgrpc_auth_fail(err, CGRPC_STATUS_INVALID_ARGUMENT,
                           "the verifier and the secret must not be NULL");
  cgrpc_jwt_key_t key = {0};
  cgrpc_status_code_t rc =
      make_hmac_key(kid, kid ? strlen(kid) : 0, (const unsigned char *)secret, len, &key, err);
  if (rc == CGRPC_STATUS_OK) rc = cgrpc_jwt_verifier_append_keys(v, &key, 1, err);
  if (rc != CGRPC_STATUS_OK) cgrpc_jwt_key_clear(&key);
  return rc;
}

/* --- JWK Sets ------------------------------------------------------------ */

typedef struct jwk_reader {
  cgrpc_arena_t *arena;
  size_t index; /* of the key in "keys", for messages */
  cgrpc_error_t *err;
} jwk_reader_t;

static cgrpc_status_code_t jwk_fail(jwk_reader_t *r, const char *what) {
  ERR_clear_error();
  return cgrpc_auth_fail(r->err, CGRPC_STATUS_INVALID_ARGUMENT, "JWKS key %zu: %s", r->index, what);
}

/* The base64url member `name` decoded into the arena. */
static cgrpc_status_code_t jwk_bytes(jwk_reader_t *r, const cgrpc_json_tree_t *jwk,
                                     const char *name, unsigned char **out, size_t *out_len) {
  const cgrpc_json_tree_t *m = cgrpc_json_tree_get(jwk, name);
  if (!m || m->kind != CGRPC_JSON_TREE_STRING || m->str_len == 0) {
    cgrpc_auth_fail(r->err, CGRPC_STATUS_INVALID_ARGUMENT,
                    "JWKS key %zu: member \"%s\" is missing or not a string", r->index, name);
    return CGRPC_STATUS_INVALID_ARGUMENT;
  }
  *out = cgrpc_arena_alloc(r->arena, cgrpc_base64url_decoded_max(m->str_len));
  if (!*out) return out_of_memory(r->err);
  if (!cgrpc_base64url_decode(m->str, m->str_len, *out, out_len)) {
    cgrpc_auth_fail(r->err, CGRPC_STATUS_INVALID_ARGUMENT,
                    "JWKS key %zu: member \"%s\" is not base64url", r->index, name);
    return CGRPC_STATUS_INVALID_ARGUMENT;
  }
  return CGRPC_STATUS_OK;
}

/* A public key built from OpenSSL parameters of `type` ("RSA" or "EC"). */
static EVP_PKEY *pkey_from_params(const char *type, OSSL_PARAM_BLD *bld) {
  EVP_PKEY *pkey = NULL;
  OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx) != 1 ||
      EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
    pkey = NULL;
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  return pkey;
}

static cgrpc_status_code_t jwk_rsa(jwk_reader_t *r, const cgrpc_json_tree_t *jwk, EVP_PKEY **out) {
  unsigned char *n_bytes = NULL, *e_bytes = NULL;
  size_t n_len = 0, e_len = 0;
  cgrpc_status_code_t rc = jwk_bytes(r, jwk, "n", &n_bytes, &n_len);
  if (rc == CGRPC_STATUS_OK) rc = jwk_bytes(r, jwk, "e", &e_bytes, &e_len);
  if (rc != CGRPC_STATUS_OK) return rc;
  if (e_len > 8) return jwk_fail(r, "RSA exponent \"e\" is longer than 8 bytes");
  BIGNUM *n = BN_bin2bn(n_bytes, (int)n_len, NULL), *e = BN_bin2bn(e_bytes, (int)e_len, NULL);
  OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
  if (n && e && bld && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) &&
      OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e))
    *out = pkey_from_params("RSA", bld);
  OSSL_PARAM_BLD_free(bld);
  BN_free(n);
  BN_free(e);
  return *out ? CGRPC_STATUS_OK : jwk_fail(r, "not a valid RSA public key");
}

static cgrpc_status_code_t jwk_ec(jwk_reader_t *r, const cgrpc_json_tree_t *jwk, EVP_PKEY **out) {
  unsigned char *x = NULL, *y = NULL;
  size_t x_len = 0, y_len = 0;
  cgrpc_status_code_t rc = jwk_bytes(r, jwk, "x", &x, &x_len);
  if (rc == CGRPC_STATUS_OK) rc = jwk_bytes(r, jwk, "y", &y, &y_len);
  if (rc != CGRPC_STATUS_OK) return rc;
  /* RFC 7518 §6.2.1.2 wants exactly 32 bytes, but some issuers (PyJWT
   * before 2.8, for one) drop leading zero bytes; the number is the same,
   * so shorter coordinates are padded back. */
  if (x_len > 32 || y_len > 32) return jwk_fail(r, "P-256 coordinates are at most 32 bytes");
  unsigned char point[65] = {0x04}; /* uncompressed: 04 || x || y */
  memcpy(point + 1 + 32 - x_len, x, x_len);
  memcpy(point + 33 + 32 - y_len, y, y_len);
  OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
  if (bld && OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) &&
      OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point))
    *out = pkey_from_params("EC", bld);
  OSSL_PARAM_BLD_free(bld);
  return *out ? CGRPC_STATUS_OK : jwk_fail(r, "not a valid point on P-256");
}

/* Reads one JWK into *key; *usable is false for keys skipped by rule. */
static cgrpc_status_code_t jwk_read(jwk_reader_t *r, const cgrpc_json_tree_t *jwk,
                                    cgrpc_jwt_key_t *key, bool *usable) {
  *usable = false;
  memset(key, 0, sizeof *key);
  if (jwk->kind != CGRPC_JSON_TREE_OBJECT) return jwk_fail(r, "not an object");
  const char *kty = cgrpc_json_tree_get_string(jwk, "kty");
  if (!kty) return jwk_fail(r, "member \"kty\" is missing or not a string");
  const cgrpc_json_tree_t *kid = cgrpc_json_tree_get(jwk, "kid");
  if (kid && kid->kind != CGRPC_JSON_TREE_STRING) return jwk_fail(r, "\"kid\" is not a string");
  const char *use = cgrpc_json_tree_get_string(jwk, "use");
  const char *alg = cgrpc_json_tree_get_string(jwk, "alg");
  const char *bound;
  if (strcmp(kty, "RSA") == 0) {
    bound = "RS256";
  } else if (strcmp(kty, "EC") == 0) {
    const char *crv = cgrpc_json_tree_get_string(jwk, "crv");
    if (!crv) return jwk_fail(r, "member \"crv\" is missing or not a string");
    if (strcmp(crv, "P-256") != 0) return CGRPC_STATUS_OK; /* another curve: skipped */
    bound = "ES256";
  } else if (strcmp(kty, "oct") == 0) {
    bound = "HS256";
  } else {
    return CGRPC_STATUS_OK; /* a key type cgrpc does not verify with: skipped */
  }
  if ((use && strcmp(use, "sig") != 0) || (alg && strcmp(alg, bound) != 0)) return CGRPC_STATUS_OK;

  cgrpc_status_code_t rc;
  if (bound[0] == 'H') {
    unsigned char *k = NULL;
    size_t k_len = 0;
    rc = jwk_bytes(r, jwk, "k", &k, &k_len);
    if (rc != CGRPC_STATUS_OK) return rc;
    rc = make_hmac_key(kid ? kid->str : NULL, kid ? kid->str_len : 0, k, k_len, key, NULL);
    if (rc == CGRPC_STATUS_INVALID_ARGUMENT)
      return jwk_fail(r, "the \"oct\" key is shorter than 32 bytes");
    if (rc != CGRPC_STATUS_OK) return out_of_memory(r->err);
  } else {
    rc = bound[0] == 'R' ? jwk_rsa(r, jwk, &key->pkey) : jwk_ec(r, jwk, &key->pkey);
    if (rc != CGRPC_STATUS_OK) return rc;
    cgrpc_error_t why;
    if (bind_public_key(key->pkey, &key->alg, &why) != CGRPC_STATUS_OK) {
      cgrpc_jwt_key_clear(key);
      return jwk_fail(r, why.message);
    }
    if (kid && !(key->kid = dup_kid(kid->str, kid->str_len))) {
      cgrpc_jwt_key_clear(key);
      return out_of_memory(r->err);
    }
  }
  *usable = true;
  return CGRPC_STATUS_OK;
}

/* The usable keys of a parsed JWK Set, into a heap array. */
static cgrpc_status_code_t jwks_read(jwk_reader_t *r, const cgrpc_json_tree_t *root,
                                     cgrpc_jwt_key_t **out, size_t *count) {
  const cgrpc_json_tree_t *list = cgrpc_json_tree_get(root, "keys");
  if (!list || list->kind != CGRPC_JSON_TREE_ARRAY)
    return cgrpc_auth_fail(r->err, CGRPC_STATUS_INVALID_ARGUMENT, "the JWKS has no \"keys\" array");
  cgrpc_jwt_key_t *keys = cgrpc_malloc((list->count ? list->count : 1) * sizeof *keys);
  if (!keys) return out_of_memory(r->err);
  size_t n = 0;
  cgrpc_status_code_t rc = CGRPC_STATUS_OK;
  for (const cgrpc_json_tree_t *jwk = list->child; jwk && rc == CGRPC_STATUS_OK;
       jwk = jwk->next, r->index++) {
    bool usable;
    rc = jwk_read(r, jwk, &keys[n], &usable);
    if (rc == CGRPC_STATUS_OK && usable) n++;
  }
  if (rc == CGRPC_STATUS_OK && n == 0)
    rc = cgrpc_auth_fail(r->err, CGRPC_STATUS_INVALID_ARGUMENT,
                         "the JWKS has no key cgrpc can verify with (RSA, EC P-256 or oct, "
                         "for signatures)");
  if (rc != CGRPC_STATUS_OK) {
    for (size_t i = 0; i < n; i++) cgrpc_jwt_key_clear(&keys[i]);
    cgrpc_free(keys);
    return rc;
  }
  *out = keys;
  *count = n;
  return CGRPC_STATUS_OK;
}

cgrpc_status_code_t cgrpc_jwt_verifier_add_jwks(cgrpc_jwt_verifier_t *v, const char *json,
                                                size_t len, cgrpc_error_t *err) {
  if (!v || !json)
    return cgrpc_auth_fail(err, CGRPC_STATUS_INVALID_ARGUMENT,
                           "the verifier and the JWKS text must not be NULL");
  if (len > CGRPC_JWT_MAX_KEY_FILE_SIZE)
    return cgrpc_auth_fail(err, CGRPC_STATUS_INVALID_ARGUMENT, "the JWKS is larger than 1 MiB");
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  const cgrpc_json_tree_t *root;
  cgrpc_status_code_t rc =
      cgrpc_json_tree_parse(json, len, CGRPC_JWT_MAX_JSON_DEPTH, &arena, &root, err);
  if (rc == CGRPC_STATUS_INVALID_ARGUMENT && err) {
    char why[CGRPC_ERROR_MESSAGE_SIZE];
    memcpy(why, err->message, sizeof why);
    cgrpc_auth_fail(err, rc, "the JWKS is not valid: %s", why);
  }
  cgrpc_jwt_key_t *keys = NULL;
  size_t count = 0;
  if (rc == CGRPC_STATUS_OK) {
    jwk_reader_t r = {&arena, 0, err};
    rc = jwks_read(&r, root, &keys, &count);
  }
  if (rc == CGRPC_STATUS_OK) {
    rc = cgrpc_jwt_verifier_append_keys(v, keys, count, err);
    if (rc != CGRPC_STATUS_OK)
      for (size_t i = 0; i < count; i++) cgrpc_jwt_key_clear(&keys[i]);
  }
  cgrpc_free(keys);
  cgrpc_arena_free(&arena);
  return rc;
}

cgrpc_status_code_t cgrpc_jwt_verifier_add_jwks_file(cgrpc_jwt_verifier_t *v, const char *path,
                                                     cgrpc_error_t *err) {
  char *text = NULL;
  size_t len = 0;
  cgrpc_status_code_t rc = read_file(path, &text, &len, err);
  if (rc != CGRPC_STATUS_OK) return rc;
  rc = cgrpc_jwt_verifier_add_jwks(v, text, len, err);
  if (rc == CGRPC_STATUS_INVALID_ARGUMENT && err) {
    char why[CGRPC_ERROR_MESSAGE_SIZE];
    memcpy(why, err->message, sizeof why);
    cgrpc_auth_fail(err, rc, "\"%s\": %s", path, why);
  }
  cgrpc_free(text);
  return rc;
}

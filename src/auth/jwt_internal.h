/* auth/jwt_internal.h — the verifier's data, shared by the files of src/auth.
 *
 * jwt_verifier.c   creating, configuring and freeing a verifier
 * jwt_keys.c       keys from PEM, HMAC secrets and JWK Sets
 * jwt_signature.c  one signature check per algorithm (OpenSSL EVP)
 * jwt_verify.c     the token: segments, header, key choice, claims rules
 * jwt_claims.c     what a handler reads from verified claims
 */
#ifndef CGRPC_SRC_AUTH_JWT_INTERNAL_H
#define CGRPC_SRC_AUTH_JWT_INTERNAL_H

#include <openssl/evp.h>

#include "base/json_tree.h"
#include "cgrpc/jwt.h"

/* The algorithms a key can be bound to. */
typedef enum cgrpc_jwt_alg {
  CGRPC_JWT_HS256,
  CGRPC_JWT_RS256,
  CGRPC_JWT_ES256,
} cgrpc_jwt_alg_t;

/* One trusted key, bound to one algorithm when it was added. */
typedef struct cgrpc_jwt_key {
  char *kid; /* heap, NUL-terminated; NULL when the key has none */
  cgrpc_jwt_alg_t alg;
  EVP_PKEY *pkey;        /* RS256 and ES256: the public key (owned) */
  unsigned char *secret; /* HS256: the secret (heap, owned) */
  size_t secret_len;
  /* Prepared once by cgrpc_jwt_key_prepare(), duplicated per verification. */
  EVP_MD *sha256;
  EVP_MAC_CTX *mac_template;     /* HS256: keyed with the secret */
  EVP_PKEY_CTX *verify_template; /* RS256, ES256: initialised to verify */
} cgrpc_jwt_key_t;

struct cgrpc_jwt_verifier {
  cgrpc_jwt_key_t *keys; /* heap array */
  size_t key_count, key_capacity;
  char *issuer;     /* NULL: iss not checked */
  char **audiences; /* none: aud not checked */
  size_t audience_count;
  char **scopes; /* each required */
  size_t scope_count;
  int64_t leeway_ns;
};

struct cgrpc_jwt_claims {
  const cgrpc_json_tree_t *payload; /* an object */
  cgrpc_str_t json;                 /* the decoded payload text */
};

/* The JOSE name of an algorithm ("HS256"). */
const char *cgrpc_jwt_alg_name(cgrpc_jwt_alg_t alg);

/* Frees what a key owns (not the key struct itself). */
void cgrpc_jwt_key_clear(cgrpc_jwt_key_t *key);

/* Appends keys to the verifier, taking ownership of what they hold; all or
 * nothing (on failure the caller still owns them). */
cgrpc_status_code_t cgrpc_jwt_verifier_append_keys(cgrpc_jwt_verifier_t *v, cgrpc_jwt_key_t *keys,
                                                   size_t count, cgrpc_error_t *err);

/* Sets up the key's prepared contexts; false when OpenSSL refuses (out of
 * memory). cgrpc_jwt_key_clear() frees them. */
bool cgrpc_jwt_key_prepare(cgrpc_jwt_key_t *key);

/* Sets up the key's prepared contexts; false when OpenSSL refuses (out of
 * memory). cgrpc_jwt_key_clear() frees them. */
bool cgrpc_jwt_key_prepare(cgrpc_jwt_key_t *key);

/* True when `sig` (as it came from the token, base64url-decoded) is the
 * key's signature of `input`. */
bool cgrpc_jwt_signature_verifies(const cgrpc_jwt_key_t *key, const char *input, size_t input_len,
                                  const unsigned char *sig, size_t sig_len);

#endif /* CGRPC_SRC_AUTH_JWT_INTERNAL_H */

/* auth/jwt_verifier.c — creating, configuring and freeing a JWT verifier. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */

#include <string.h>
#include <time.h>

#include <openssl/err.h>

#include "auth/fail.h"
#include "auth/jwt_internal.h"
#include "cgrpc/alloc.h"

static char *dup_string(const char *s) {
  size_t n = strlen(s) + 1;
  char *copy = cgrpc_malloc(n);
  if (copy) memcpy(copy, s, n);
  return copy;
}

static cgrpc_status_code_t out_of_memory(cgrpc_error_t *err) {
  return cgrpc_auth_fail(err, CGRPC_STATUS_RESOURCE_EXHAUSTED,
                         "out of memory while configuring the JWT verifier");
}

/* Appends a copy of `s` to the heap array *list of *count strings. */
static cgrpc_status_code_t append_string(char ***list, size_t *count, const char *s,
                                         cgrpc_error_t *err) {
  char **grown = cgrpc_realloc(*list, (*count + 1) * sizeof *grown);
  if (!grown) return out_of_memory(err);
  *list = grown;
  if (!(grown[*count] = dup_string(s))) return out_of_memory(err);
  (*count)++;
  return CGRPC_STATUS_OK;
}

static void free_strings(char **list, size_t count) {
  for (size_t i = 0; i < count; i++) cgrpc_free(list[i]);
  cgrpc_free(list);
}

const char *cgrpc_jwt_alg_name(cgrpc_jwt_alg_t alg) {
  switch (alg) {
    case CGRPC_JWT_HS256:
      return "HS256";
    case CGRPC_JWT_RS256:
      return "RS256";
    case CGRPC_JWT_ES256:
      return "ES256";
  }
  return "?";
}

void cgrpc_jwt_key_clear(cgrpc_jwt_key_t *key) {
  cgrpc_free(key->kid);
  EVP_PKEY_free(key->pkey);
  EVP_MAC_CTX_free(key->mac_template);
  EVP_PKEY_CTX_free(key->verify_template);
  EVP_MD_free(key->sha256);
  if (key->secret) {
    OPENSSL_cleanse(key->secret, key->secret_len);
    cgrpc_free(key->secret);
  }
  memset(key, 0, sizeof *key);
}

cgrpc_status_code_t cgrpc_jwt_verifier_append_keys(cgrpc_jwt_verifier_t *v, cgrpc_jwt_key_t *keys,
                                                   size_t count, cgrpc_error_t *err) {
  for (size_t i = 0; i < count; i++) {
    if (!keys[i].sha256 && !cgrpc_jwt_key_prepare(&keys[i])) {
      ERR_clear_error();
      return out_of_memory(err);
    }
  }
  if (v->key_count + count > v->key_capacity) {
    size_t capacity = v->key_capacity ? v->key_capacity : 4;
    while (capacity < v->key_count + count) capacity *= 2;
    cgrpc_jwt_key_t *grown = cgrpc_realloc(v->keys, capacity * sizeof *grown);
    if (!grown) return out_of_memory(err);
    v->keys = grown;
    v->key_capacity = capacity;
  }
  memcpy(v->keys + v->key_count, keys, count * sizeof *keys);
  v->key_count += count;
  return CGRPC_STATUS_OK;
}

cgrpc_status_code_t cgrpc_jwt_verifier_new(cgrpc_jwt_verifier_t **out, cgrpc_error_t *err) {
  if (!out) return cgrpc_auth_fail(err, CGRPC_STATUS_INVALID_ARGUMENT, "out must not be NULL");
  *out = cgrpc_malloc(sizeof **out);
  if (!*out) return out_of_memory(err);
  memset(*out, 0, sizeof **out);
  (*out)->leeway_ns = CGRPC_JWT_DEFAULT_LEEWAY_NS;
  return CGRPC_STATUS_OK;
}

void cgrpc_jwt_verifier_free(cgrpc_jwt_verifier_t *v) {
  if (!v) return;
  for (size_t i = 0; i < v->key_count; i++) cgrpc_jwt_key_clear(&v->keys[i]);
  cgrpc_free(v->keys);
  cgrpc_free(v->issuer);
  free_strings(v->audiences, v->audience_count);
  free_strings(v->scopes, v->scope_count);
  cgrpc_free(v);
}

size_t cgrpc_jwt_verifier_key_count(const cgrpc_jwt_verifier_t *v) { return v ? v->key_count : 0; }

cgrpc_status_code_t cgrpc_jwt_verifier_set_issuer(cgrpc_jwt_verifier_t *v, const char *issuer,
                                                  cgrpc_error_t *err) {
  if (!v || !issuer)
    return cgrpc_auth_fail(err, CGRPC_STATUS_INVALID_ARGUMENT,
                           "the verifier and the issuer must not be NULL");
  char *copy = dup_string(issuer);
  if (!copy) return out_of_memory(err);
  cgrpc_free(v->issuer);
  v->issuer = copy;
  return CGRPC_STATUS_OK;
}

cgrpc_status_code_t cgrpc_jwt_verifier_add_audience(cgrpc_jwt_verifier_t *v, const char *audience,
                                                    cgrpc_error_t *err) {
  if (!v || !audience)
    return cgrpc_auth_fail(err, CGRPC_STATUS_INVALID_ARGUMENT,
                           "the verifier and the audience must not be NULL");
  return append_string(&v->audiences, &v->audience_count, audience, err);
}

cgrpc_status_code_t cgrpc_jwt_verifier_require_scope(cgrpc_jwt_verifier_t *v, const char *scope,
                                                     cgrpc_error_t *err) {
  if (!v || !scope || !*scope || strchr(scope, ' '))
    return cgrpc_auth_fail(err, CGRPC_STATUS_INVALID_ARGUMENT,
                           "a required scope is one non-empty word without spaces");
  return append_string(&v->scopes, &v->scope_count, scope, err);
}

cgrpc_status_code_t cgrpc_jwt_verifier_set_leeway(cgrpc_jwt_verifier_t *v, int64_t leeway_ns,
                                                  cgrpc_error_t *err) {
  if (!v || leeway_ns < 0)
    return cgrpc_auth_fail(err, CGRPC_STATUS_INVALID_ARGUMENT,
                           "the leeway must be zero or more nanoseconds");
  v->leeway_ns = leeway_ns;
  return CGRPC_STATUS_OK;
}

int64_t cgrpc_jwt_unix_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

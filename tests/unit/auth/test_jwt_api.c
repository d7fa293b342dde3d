/* Unit tests: the cgrpc/jwt.h API itself — argument checks, configuration
 * errors, the claims accessors and memory failures. Tokens here are HS256,
 * made with OpenSSL's HMAC; tests/jwt/ checks every verification rule with
 * tokens made by python3-jwt. */
#include <openssl/hmac.h>

#include "auth/base64url.h"
#include "cgrpc/jwt.h"
#include "test.h"

static const char kSecret[] = "0123456789abcdef0123456789abcdef";
static const int64_t kNow = INT64_C(1700000000) * CGRPC_NS_PER_SEC;

/* An HS256 token of `payload` signed with kSecret, into out (NUL-ended). */
static size_t make_token(const char *payload, char *out) {
  static const char header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
  size_t n = 0;
  cgrpc_base64url_encode((const unsigned char *)header, strlen(header), out);
  n += cgrpc_base64url_encoded_len(strlen(header));
  out[n++] = '.';
  cgrpc_base64url_encode((const unsigned char *)payload, strlen(payload), out + n);
  n += cgrpc_base64url_encoded_len(strlen(payload));
  unsigned char mac[32];
  unsigned int mac_len;
  HMAC(EVP_sha256(), kSecret, 32, (const unsigned char *)out, n, mac, &mac_len);
  out[n++] = '.';
  cgrpc_base64url_encode(mac, mac_len, out + n);
  n += cgrpc_base64url_encoded_len(mac_len);
  out[n] = '\0';
  return n;
}

static cgrpc_jwt_verifier_t *new_verifier(void) {
  cgrpc_jwt_verifier_t *v = NULL;
  CHECK_EQ_INT(cgrpc_jwt_verifier_new(&v, NULL), CGRPC_STATUS_OK);
  CHECK_EQ_INT(cgrpc_jwt_verifier_add_hmac(v, NULL, kSecret, 32, NULL), CGRPC_STATUS_OK);
  return v;
}

static void test_claims_accessors(void) {
  cgrpc_jwt_verifier_t *v = new_verifier();
  char token[1024];
  const char *payload =
      "{\"sub\":\"alice\",\"exp\":1700000600,\"n\":-7,\"big\":1e3,\"admin\":true,"
      "\"scope\":\"a  b.read\",\"scp\":[\"c\",5],\"name\":\"J\\u00f6rg\"}";
  size_t len = make_token(payload, token);
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  const cgrpc_jwt_claims_t *claims = NULL;
  cgrpc_error_t err = {{0}};
  CHECK_EQ_INT(cgrpc_jwt_verify(v, token, len, kNow, &arena, &claims, &err), CGRPC_STATUS_OK);
  CHECK(claims != NULL);
  CHECK_EQ_STR(cgrpc_jwt_claims_get_string(claims, "sub"), "alice");
  CHECK_EQ_STR(cgrpc_jwt_claims_get_string(claims, "name"), "J\xc3\xb6rg");
  CHECK(cgrpc_jwt_claims_get_string(claims, "n") == NULL);
  CHECK(cgrpc_jwt_claims_get_string(claims, "missing") == NULL);
  int64_t i = 0;
  CHECK(cgrpc_jwt_claims_get_int(claims, "n", &i) && i == -7);
  CHECK(cgrpc_jwt_claims_get_int(claims, "exp", &i) && i == 1700000600);
  CHECK(!cgrpc_jwt_claims_get_int(claims, "big", &i)); /* 1e3 is not an integer literal */
  CHECK(!cgrpc_jwt_claims_get_int(claims, "sub", &i));
  bool b = false;
  CHECK(cgrpc_jwt_claims_get_bool(claims, "admin", &b) && b);
  CHECK(!cgrpc_jwt_claims_get_bool(claims, "sub", &b));
  CHECK(cgrpc_jwt_claims_has_scope(claims, "a"));
  CHECK(cgrpc_jwt_claims_has_scope(claims, "b.read"));
  CHECK(cgrpc_jwt_claims_has_scope(claims, "c"));
  CHECK(!cgrpc_jwt_claims_has_scope(claims, "b"));
  CHECK(!cgrpc_jwt_claims_has_scope(claims, ""));
  CHECK(!cgrpc_jwt_claims_has_scope(claims, "5"));
  cgrpc_str_t json = cgrpc_jwt_claims_json(claims);
  CHECK_EQ_MEM(json.data, json.len, payload, strlen(payload));
  /* NULL claims read as absent. */
  CHECK(cgrpc_jwt_claims_get_string(NULL, "sub") == NULL);
  CHECK(!cgrpc_jwt_claims_get_int(NULL, "n", &i));
  CHECK(!cgrpc_jwt_claims_has_scope(NULL, "a"));
  CHECK_EQ_UINT(cgrpc_jwt_claims_json(NULL).len, 0);
  cgrpc_arena_free(&arena);
  cgrpc_jwt_verifier_free(v);
}

static void test_bad_arguments(void) {
  cgrpc_error_t err;
  CHECK_EQ_INT(cgrpc_jwt_verifier_new(NULL, &err), CGRPC_STATUS_INVALID_ARGUMENT);
  cgrpc_jwt_verifier_t *v = new_verifier();
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  const cgrpc_jwt_claims_t *claims = (const cgrpc_jwt_claims_t *)&arena;
  CHECK_EQ_INT(cgrpc_jwt_verify(NULL, "a.b.c", 5, kNow, &arena, &claims, &err),
               CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK(claims == NULL);
  CHECK_EQ_INT(cgrpc_jwt_verify(v, "a.b.c", 5, kNow, NULL, &claims, &err),
               CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK_EQ_INT(cgrpc_jwt_verify(v, "a.b.c", 5, kNow, &arena, NULL, &err),
               CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK_EQ_INT(cgrpc_jwt_verify(v, NULL, 5, kNow, &arena, &claims, &err),
               CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK_EQ_INT(cgrpc_jwt_verify(v, NULL, 0, kNow, &arena, &claims, &err),
               CGRPC_STATUS_UNAUTHENTICATED);
  CHECK_EQ_INT(cgrpc_jwt_verify_bearer(v, NULL, 0, kNow, &arena, &claims, &err),
               CGRPC_STATUS_UNAUTHENTICATED);
  CHECK(strstr(err.message, "no authorization metadata") != NULL);
  CHECK_EQ_INT(cgrpc_jwt_verify_bearer(v, "Bearer", 6, kNow, &arena, &claims, &err),
               CGRPC_STATUS_UNAUTHENTICATED);
  CHECK_EQ_INT(cgrpc_jwt_verifier_set_issuer(v, NULL, &err), CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK_EQ_INT(cgrpc_jwt_verifier_add_audience(v, NULL, &err), CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK_EQ_INT(cgrpc_jwt_verifier_require_scope(v, "", &err), CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK_EQ_INT(cgrpc_jwt_verifier_require_scope(v, "a b", &err), CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK_EQ_INT(cgrpc_jwt_verifier_require_scope(NULL, "a", &err), CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK_EQ_INT(cgrpc_jwt_verifier_set_leeway(v, -1, &err), CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK_EQ_INT(cgrpc_jwt_verifier_add_pem(v, NULL, NULL, 0, &err), CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK_EQ_INT(cgrpc_jwt_verifier_add_pem(v, NULL, "junk", 4, &err), CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK(strstr(err.message, "no public key") != NULL);
  CHECK_EQ_INT(cgrpc_jwt_verifier_add_pem_file(v, NULL, NULL, &err), CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK_EQ_INT(cgrpc_jwt_verifier_add_hmac(v, NULL, NULL, 32, &err), CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK_EQ_INT(cgrpc_jwt_verifier_add_hmac(v, NULL, kSecret, 31, &err),
               CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK(strstr(err.message, "at least 32") != NULL);
  CHECK_EQ_INT(cgrpc_jwt_verifier_add_jwks(v, NULL, 0, &err), CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK_EQ_INT(cgrpc_jwt_verifier_add_jwks(v, "{\"keys\":[{\"kty\":1}]}", 20, &err),
               CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK(strstr(err.message, "JWKS key 0") != NULL);
  CHECK_EQ_INT(cgrpc_jwt_verifier_add_jwks_file(v, "/nonexistent/jwks.json", &err),
               CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK(strstr(err.message, "cannot open") != NULL);
  /* Failed additions left the one key alone. */
  CHECK_EQ_UINT(cgrpc_jwt_verifier_key_count(v), 1);
  CHECK_EQ_UINT(cgrpc_jwt_verifier_key_count(NULL), 0);
  cgrpc_jwt_verifier_free(NULL);
  cgrpc_arena_free(&arena);
  cgrpc_jwt_verifier_free(v);
}

/* JWKS is all or nothing: a good key before a bad one is not added. */
static void test_jwks_all_or_nothing(void) {
  cgrpc_jwt_verifier_t *v = new_verifier();
  const char *jwks =
      "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"a\",\"k\":"
      "\"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY\"},{\"kty\":\"RSA\",\"e\":\"AQAB\"}]}";
  cgrpc_error_t err;
  CHECK_EQ_INT(cgrpc_jwt_verifier_add_jwks(v, jwks, strlen(jwks), &err),
               CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK(strstr(err.message, "JWKS key 1: member \"n\"") != NULL);
  CHECK_EQ_UINT(cgrpc_jwt_verifier_key_count(v), 1);
  const char *good =
      "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"a\",\"k\":"
      "\"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY\"}]}";
  CHECK_EQ_INT(cgrpc_jwt_verifier_add_jwks(v, good, strlen(good), &err), CGRPC_STATUS_OK);
  CHECK_EQ_UINT(cgrpc_jwt_verifier_key_count(v), 2);
  cgrpc_jwt_verifier_free(v);
}

/* The arena refusing memory ends verification with RESOURCE_EXHAUSTED. */
static void test_arena_exhausted(void) {
  cgrpc_jwt_verifier_t *v = new_verifier();
  char token[512];
  size_t len = make_token("{\"sub\":\"alice\",\"exp\":1700000600}", token);
  for (size_t room = 0; room < 2048; room += 16) {
    char buf[2048];
    cgrpc_arena_t arena;
    cgrpc_arena_init(&arena, buf, room);
    cgrpc_arena_set_limit(&arena, 1);
    const cgrpc_jwt_claims_t *claims;
    cgrpc_error_t err;
    cgrpc_status_code_t rc = cgrpc_jwt_verify(v, token, len, kNow, &arena, &claims, &err);
    CHECK(rc == CGRPC_STATUS_OK || rc == CGRPC_STATUS_RESOURCE_EXHAUSTED);
    CHECK((rc == CGRPC_STATUS_OK) == (claims != NULL));
    cgrpc_arena_free(&arena);
  }
  cgrpc_jwt_verifier_free(v);
}

static void test_unix_now(void) {
  int64_t now = cgrpc_jwt_unix_now_ns();
  CHECK(now > kNow); /* after November 2023 */
}

int main(void) {
  TEST_RUN(test_claims_accessors);
  TEST_RUN(test_bad_arguments);
  TEST_RUN(test_jwks_all_or_nothing);
  TEST_RUN(test_arena_exhausted);
  TEST_RUN(test_unix_now);
  return TEST_DONE();
}

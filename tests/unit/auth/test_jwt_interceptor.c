/* Unit tests: cgrpc_jwt_interceptor() on a real server over loopback — each
 * way a call is refused before its handler runs, the claims a handler reads
 * with cgrpc_jwt_call_claims(), for inline and blocking handlers, and the
 * interceptor refusing to run on a channel. */
#define _POSIX_C_SOURCE 200809L

#include <openssl/hmac.h>

#include "auth/base64url.h"
#include "cgrpc/jwt.h"
#include "unit/rpc/interceptor_test_util.h"

static const char kSecret[] = "0123456789abcdef0123456789abcdef";
static int g_handler_runs;

/* An HS256 token of `payload`, signed with kSecret. */
static const char *make_token(const char *payload) {
  static char out[1024];
  static const char header[] = "{\"alg\":\"HS256\"}";
  size_t n = cgrpc_base64url_encoded_len(strlen(header));
  cgrpc_base64url_encode((const unsigned char *)header, strlen(header), out);
  out[n++] = '.';
  cgrpc_base64url_encode((const unsigned char *)payload, strlen(payload), out + n);
  n += cgrpc_base64url_encoded_len(strlen(payload));
  unsigned char mac[32];
  unsigned int mac_len;
  HMAC(EVP_sha256(), kSecret, 32, (const unsigned char *)out, n, mac, &mac_len);
  out[n++] = '.';
  cgrpc_base64url_encode(mac, mac_len, out + n);
  out[n + cgrpc_base64url_encoded_len(mac_len)] = '\0';
  return out;
}

/* Replies with the sub claim and the number of a "n" claim, or "none". */
static void h_whoami(cgrpc_server_call_t *call, const void *request, void *ud) {
  (void)request, (void)ud;
  __atomic_add_fetch(&g_handler_runs, 1, __ATOMIC_SEQ_CST);
  const cgrpc_jwt_claims_t *claims = cgrpc_jwt_call_claims(call);
  const char *sub = cgrpc_jwt_claims_get_string(claims, "sub");
  int64_t n = -1;
  cgrpc_jwt_claims_get_int(claims, "n", &n);
  test_Msg resp = {.text = cgrpc_server_call_printf(call, "%s", sub ? sub : "none"),
                   .num = (int32_t)n};
  cgrpc_server_call_reply(call, &resp);
}

static const test_route_t kRoutes[] = {
    {&test_methods[M_UNARY], h_whoami, CGRPC_HANDLER_BLOCKING},
    {&test_methods[M_INLINE], h_whoami, CGRPC_HANDLER_INLINE},
};

static cgrpc_jwt_verifier_t *new_verifier(void) {
  cgrpc_jwt_verifier_t *v;
  CHECK_EQ_INT(cgrpc_jwt_verifier_new(&v, NULL), CGRPC_STATUS_OK);
  CHECK_EQ_INT(cgrpc_jwt_verifier_add_hmac(v, NULL, kSecret, 32, NULL), CGRPC_STATUS_OK);
  CHECK_EQ_INT(cgrpc_jwt_verifier_require_scope(v, "orders.read", NULL), CGRPC_STATUS_OK);
  return v;
}

/* A unary call with the given authorization values (0, 1 or 2). */
static cgrpc_status_code_t call_with(test_pair_t *p, int method, const char *auth1,
                                     const char *auth2, char *text, size_t text_size, int *num) {
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  cgrpc_metadata_t md = CGRPC_METADATA_INIT;
  if (auth1) CHECK(cgrpc_metadata_add_str(&md, &arena, "authorization", auth1));
  if (auth2) CHECK(cgrpc_metadata_add_str(&md, &arena, "authorization", auth2));
  cgrpc_call_options_t opts = {.metadata = &md};
  test_Msg req = {.text = test_str("hi")}, resp;
  cgrpc_status_t st;
  cgrpc_status_code_t code =
      cgrpc_unary(p->ch, &test_methods[method], &req, &resp, &arena, &opts, &st);
  if (code == CGRPC_STATUS_OK) {
    snprintf(text, text_size, "%.*s", CGRPC_STR_ARGS(resp.text));
    if (num) *num = resp.num;
  } else {
    snprintf(text, text_size, "%.*s", CGRPC_STR_ARGS(st.message));
  }
  cgrpc_arena_free(&arena);
  return code;
}

static char g_bearer[1200];
static const char *bearer(const char *payload) {
  snprintf(g_bearer, sizeof g_bearer, "Bearer %s", make_token(payload));
  return g_bearer;
}

static void test_verified_calls_reach_the_handler(void) {
  cgrpc_jwt_verifier_t *v = new_verifier();
  const icept_reg_t s[] = {{cgrpc_jwt_interceptor(), v}};
  test_pair_t p;
  icept_pair_start(&p, kRoutes, 2, s, 1, NULL, 0);
  char text[256];
  int num = 0;
  const char *payload = "{\"sub\":\"alice\",\"n\":42,\"exp\":4000000000,\"scope\":\"orders.read\"}";
  for (int method = M_UNARY; method <= M_INLINE; method++) {
    CHECK_EQ_INT(call_with(&p, method, bearer(payload), NULL, text, sizeof text, &num),
                 CGRPC_STATUS_OK);
    CHECK_EQ_STR(text, "alice");
    CHECK_EQ_INT(num, 42);
  }
  test_pair_stop(&p);
  cgrpc_jwt_verifier_free(v);
}

static void test_refused_calls_never_reach_the_handler(void) {
  cgrpc_jwt_verifier_t *v = new_verifier();
  const icept_reg_t s[] = {{cgrpc_jwt_interceptor(), v}};
  test_pair_t p;
  icept_pair_start(&p, kRoutes, 2, s, 1, NULL, 0);
  __atomic_store_n(&g_handler_runs, 0, __ATOMIC_SEQ_CST);
  char text[256];
  CHECK_EQ_INT(call_with(&p, M_UNARY, NULL, NULL, text, sizeof text, NULL),
               CGRPC_STATUS_UNAUTHENTICATED);
  CHECK(strstr(text, "no authorization metadata") != NULL);
  CHECK_EQ_INT(call_with(&p, M_UNARY, "Basic dXNlcjpwYXNz", NULL, text, sizeof text, NULL),
               CGRPC_STATUS_UNAUTHENTICATED);
  CHECK(strstr(text, "is not \"Bearer <token>\"") != NULL);
  const char *expired = "{\"sub\":\"alice\",\"exp\":1000,\"scope\":\"orders.read\"}";
  CHECK_EQ_INT(call_with(&p, M_UNARY, bearer(expired), NULL, text, sizeof text, NULL),
               CGRPC_STATUS_UNAUTHENTICATED);
  CHECK(strstr(text, "token expired") != NULL);
  char tampered[1200];
  snprintf(tampered, sizeof tampered, "%s", bearer("{\"sub\":\"a\",\"exp\":4000000000}"));
  tampered[strlen(tampered) - 2] ^= 1;
  CHECK_EQ_INT(call_with(&p, M_INLINE, tampered, NULL, text, sizeof text, NULL),
               CGRPC_STATUS_UNAUTHENTICATED);
  CHECK(strstr(text, "signature does not verify") || strstr(text, "not base64url"));
  const char *good = "{\"sub\":\"alice\",\"exp\":4000000000,\"scope\":\"orders.read\"}";
  char first[1200];
  snprintf(first, sizeof first, "%s", bearer(good));
  CHECK_EQ_INT(call_with(&p, M_UNARY, first, bearer(good), text, sizeof text, NULL),
               CGRPC_STATUS_UNAUTHENTICATED);
  CHECK(strstr(text, "2 authorization entries") != NULL);
  const char *no_scope = "{\"sub\":\"alice\",\"exp\":4000000000,\"scope\":\"orders.write\"}";
  CHECK_EQ_INT(call_with(&p, M_INLINE, bearer(no_scope), NULL, text, sizeof text, NULL),
               CGRPC_STATUS_PERMISSION_DENIED);
  CHECK(strstr(text, "orders.read") != NULL);
  CHECK_EQ_INT(__atomic_load_n(&g_handler_runs, __ATOMIC_SEQ_CST), 0);
  /* The server still serves good calls afterwards. */
  CHECK_EQ_INT(call_with(&p, M_UNARY, bearer(good), NULL, text, sizeof text, NULL),
               CGRPC_STATUS_OK);
  test_pair_stop(&p);
  cgrpc_jwt_verifier_free(v);
}

static void test_no_interceptor_no_claims(void) {
  test_pair_t p;
  icept_pair_start(&p, kRoutes, 2, NULL, 0, NULL, 0);
  char text[256];
  CHECK_EQ_INT(call_with(&p, M_UNARY, bearer("{\"sub\":\"x\"}"), NULL, text, sizeof text, NULL),
               CGRPC_STATUS_OK);
  CHECK_EQ_STR(text, "none");
  CHECK(cgrpc_jwt_call_claims(NULL) == NULL);
  test_pair_stop(&p);
}

static void test_on_a_channel(void) {
  cgrpc_jwt_verifier_t *v = new_verifier();
  const icept_reg_t c[] = {{cgrpc_jwt_interceptor(), v}};
  test_pair_t p;
  icept_pair_start(&p, kRoutes, 2, NULL, 0, c, 1);
  char text[256];
  CHECK_EQ_INT(call_with(&p, M_UNARY, NULL, NULL, text, sizeof text, NULL),
               CGRPC_STATUS_UNIMPLEMENTED);
  CHECK(strstr(text, "call credentials") != NULL);
  test_pair_stop(&p);
  cgrpc_jwt_verifier_free(v);
}

int main(void) {
  TEST_RUN(test_verified_calls_reach_the_handler);
  TEST_RUN(test_refused_calls_never_reach_the_handler);
  TEST_RUN(test_no_interceptor_no_claims);
  TEST_RUN(test_on_a_channel);
  return TEST_DONE();
}

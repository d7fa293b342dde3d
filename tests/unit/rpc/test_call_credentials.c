/* tests/unit/rpc/test_call_credentials.c — per-call credentials: refused on
 * a plaintext channel with the reason, sent when the user opts out, per
 * channel and per call, a failing callback's UNAVAILABLE, the bearer helper,
 * and setting them after the first call. */
#define _POSIX_C_SOURCE 200809L

#include <stdatomic.h>

#include "interceptor_test_util.h"

/* Replies with the request's "authorization" values, joined. */
static void h_auth(cgrpc_server_call_t *call, const void *request, void *ud) {
  (void)request, (void)ud;
  const cgrpc_metadata_t *md = cgrpc_server_call_metadata(call);
  char buf[256] = "";
  for (size_t i = 0; i < md->count; i++) {
    if (!test_str_is(md->entries[i].key, "authorization")) continue;
    size_t used = strlen(buf);
    snprintf(buf + used, sizeof buf - used, "%s%s", used ? "|" : "", md->entries[i].value.data);
  }
  test_Msg resp = {.text = cgrpc_server_call_printf(call, "%s", buf)};
  cgrpc_server_call_reply(call, &resp);
}

static atomic_int g_handled;

static void h_count(cgrpc_server_call_t *call, const void *request, void *ud) {
  atomic_fetch_add(&g_handled, 1);
  h_auth(call, request, ud);
}

static const test_route_t kRoutes[] = {{&test_methods[M_UNARY], h_count, CGRPC_HANDLER_INLINE},
                                       {&test_methods[M_BIDI], h_auth, CGRPC_HANDLER_INLINE}};

typedef struct outcome {
  cgrpc_status_code_t code;
  char message[256];
  char auth[256];
} outcome_t;

static outcome_t call_unary(test_pair_t *p, const cgrpc_call_options_t *opts) {
  outcome_t o = {0};
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  test_Msg req = {.text = test_str("x")}, resp;
  cgrpc_status_t st;
  o.code = cgrpc_unary(p->ch, &test_methods[M_UNARY], &req, &resp, &arena, opts, &st);
  snprintf(o.message, sizeof o.message, "%.*s", CGRPC_STR_ARGS(st.message));
  if (o.code == CGRPC_STATUS_OK) snprintf(o.auth, sizeof o.auth, "%.*s", CGRPC_STR_ARGS(resp.text));
  cgrpc_arena_free(&arena);
  return o;
}

static void test_refused_over_plaintext(void) {
  test_pair_t p;
  icept_pair_start(&p, kRoutes, 2, NULL, 0, NULL, 0);
  atomic_store(&g_handled, 0);
  cgrpc_call_credentials_t creds = cgrpc_call_credentials_bearer("secret-token");
  cgrpc_error_t err;
  CHECK_EQ_INT(cgrpc_channel_set_call_credentials(p.ch, &creds, &err), CGRPC_STATUS_OK);
  outcome_t o = call_unary(&p, NULL);
  CHECK_EQ_INT(o.code, CGRPC_STATUS_UNAUTHENTICATED);
  CHECK(strstr(o.message, "call credentials need a TLS channel; "));
  CHECK(strstr(o.message, "allow_insecure"));
  CHECK(!strstr(o.message, "secret-token"));
  /* Streaming calls too; nothing reached the server. */
  cgrpc_call_t *call = cgrpc_call_start(p.ch, &test_methods[M_BIDI], NULL);
  CHECK_EQ_INT(cgrpc_call_finish(call, NULL, NULL), CGRPC_STATUS_UNAUTHENTICATED);
  CHECK_EQ_INT(atomic_load(&g_handled), 0);
  test_pair_stop(&p);
}

static void test_opt_out_sends_them(void) {
  test_pair_t p;
  icept_pair_start(&p, kRoutes, 2, NULL, 0, NULL, 0);
  cgrpc_call_credentials_t creds = cgrpc_call_credentials_bearer("tok-1");
  creds.allow_insecure = true;
  cgrpc_error_t err;
  CHECK_EQ_INT(cgrpc_channel_set_call_credentials(p.ch, &creds, &err), CGRPC_STATUS_OK);
  outcome_t o = call_unary(&p, NULL);
  CHECK_EQ_INT(o.code, CGRPC_STATUS_OK);
  CHECK_EQ_STR(o.auth, "Bearer tok-1");
  /* Per call as well, after the channel's. */
  cgrpc_call_credentials_t mine = cgrpc_call_credentials_bearer("tok-2");
  mine.allow_insecure = true;
  cgrpc_call_options_t opts = {.call_credentials = &mine};
  o = call_unary(&p, &opts);
  CHECK_EQ_INT(o.code, CGRPC_STATUS_OK);
  CHECK_EQ_STR(o.auth, "Bearer tok-1|Bearer tok-2");
  /* Too late to change the channel's now. */
  CHECK_EQ_INT(cgrpc_channel_set_call_credentials(p.ch, NULL, &err),
               CGRPC_STATUS_FAILED_PRECONDITION);
  test_pair_stop(&p);
}

static void test_per_call_only(void) {
  test_pair_t p;
  icept_pair_start(&p, kRoutes, 2, NULL, 0, NULL, 0);
  cgrpc_call_credentials_t mine = cgrpc_call_credentials_bearer("tok-3");
  cgrpc_call_options_t opts = {.call_credentials = &mine};
  outcome_t o = call_unary(&p, &opts);
  CHECK_EQ_INT(o.code, CGRPC_STATUS_UNAUTHENTICATED); /* plaintext, no opt-out */
  mine.allow_insecure = true;
  o = call_unary(&p, &opts);
  CHECK_EQ_INT(o.code, CGRPC_STATUS_OK);
  CHECK_EQ_STR(o.auth, "Bearer tok-3");
  o = call_unary(&p, NULL); /* other calls carry nothing */
  CHECK_EQ_STR(o.auth, "");
  test_pair_stop(&p);
}

/* A signer that sees the method and the authority, or fails. */
static cgrpc_status_code_t signer(void *ud, const cgrpc_pb_method_t *method, const char *authority,
                                  cgrpc_metadata_t *md, cgrpc_arena_t *arena, cgrpc_error_t *err) {
  if (ud) {
    snprintf(err->message, sizeof err->message, "token service unreachable");
    return CGRPC_STATUS_INTERNAL; /* reported as UNAVAILABLE */
  }
  cgrpc_str_t sig = cgrpc_arena_printf(arena, "sig %s %s", method->path, authority);
  return cgrpc_metadata_add(md, arena, "authorization", sig.data, sig.len)
             ? CGRPC_STATUS_OK
             : CGRPC_STATUS_RESOURCE_EXHAUSTED;
}

static void test_callback_sees_the_call_and_its_failure_is_unavailable(void) {
  test_pair_t p;
  icept_pair_start(&p, kRoutes, 2, NULL, 0, NULL, 0);
  atomic_store(&g_handled, 0);
  cgrpc_call_credentials_t ok = {.fn = signer, .allow_insecure = true};
  cgrpc_call_options_t opts = {.call_credentials = &ok};
  outcome_t o = call_unary(&p, &opts);
  CHECK_EQ_INT(o.code, CGRPC_STATUS_OK);
  char want[128];
  snprintf(want, sizeof want, "sig /test.Svc/Unary %s", p.target);
  CHECK_EQ_STR(o.auth, want);
  cgrpc_call_credentials_t bad = {.fn = signer, .user_data = "fail", .allow_insecure = true};
  opts.call_credentials = &bad;
  int before = atomic_load(&g_handled);
  o = call_unary(&p, &opts);
  CHECK_EQ_INT(o.code, CGRPC_STATUS_UNAVAILABLE);
  CHECK_EQ_STR(o.message, "token service unreachable");
  CHECK_EQ_INT(atomic_load(&g_handled), before);
  test_pair_stop(&p);
}

static void test_bearer_token_must_be_printable(void) {
  test_pair_t p;
  icept_pair_start(&p, kRoutes, 2, NULL, 0, NULL, 0);
  cgrpc_call_credentials_t creds = cgrpc_call_credentials_bearer("bad\ntoken");
  creds.allow_insecure = true;
  cgrpc_call_options_t opts = {.call_credentials = &creds};
  outcome_t o = call_unary(&p, &opts);
  CHECK_EQ_INT(o.code, CGRPC_STATUS_UNAVAILABLE);
  CHECK(strstr(o.message, "printable ASCII"));
  CHECK(!strstr(o.message, "token\n"));
  cgrpc_error_t err;
  cgrpc_call_credentials_t none = {0};
  test_pair_t q;
  icept_pair_start(&q, kRoutes, 2, NULL, 0, NULL, 0);
  CHECK_EQ_INT(cgrpc_channel_set_call_credentials(q.ch, &none, &err),
               CGRPC_STATUS_INVALID_ARGUMENT);
  test_pair_stop(&q);
  test_pair_stop(&p);
}

int main(void) {
  TEST_RUN(test_refused_over_plaintext);
  TEST_RUN(test_opt_out_sends_them);
  TEST_RUN(test_per_call_only);
  TEST_RUN(test_callback_sees_the_call_and_its_failure_is_unavailable);
  TEST_RUN(test_bearer_token_must_be_printable);
  return TEST_DONE();
}

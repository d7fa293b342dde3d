/* tests/unit/rpc/test_retry.c — retries of gRFC A6 over loopback, driven by
 * the service config: a server that fails the first N attempts with
 * UNAVAILABLE (fewer than maxAttempts: success, the server sees
 * grpc-previous-rpc-attempts; as many or more: the last status), codes not
 * retryable fail after one attempt, the server's pushback is honoured and
 * -1 stops, throttling stops retries once its tokens run out, streaming
 * calls are retried until the first response arrives or the retry buffer is
 * exceeded, and the per-method settings (timeout, waitForReady, size
 * limits) apply to calls. */
#define _POSIX_C_SOURCE 200809L

#include <stdatomic.h>
#include <stdio.h>

#include "base/time.h"
#include "rpc_test_util.h"

/* ---- The failing server ---------------------------------------------------------- */

static atomic_int g_attempts;    /* attempts the server saw */
static atomic_int g_fail_first;  /* attempts that fail */
static atomic_int g_fail_code;   /* with this code */
static atomic_int g_last_header; /* grpc-previous-rpc-attempts of the last attempt; -1: none */
static const char *g_pushback;   /* grpc-retry-pushback-ms to send; NULL: none */

static void reset(int fail_first, cgrpc_status_code_t code, const char *pushback) {
  atomic_store(&g_attempts, 0);
  atomic_store(&g_fail_first, fail_first);
  atomic_store(&g_fail_code, code);
  atomic_store(&g_last_header, -1);
  g_pushback = pushback;
}

/* Counts the attempt; true when it must fail (it then has). */
static bool attempt_fails(cgrpc_server_call_t *call) {
  int n = atomic_fetch_add(&g_attempts, 1) + 1;
  const char *prev =
      cgrpc_metadata_get_cstr(cgrpc_server_call_metadata(call), "grpc-previous-rpc-attempts");
  atomic_store(&g_last_header, prev ? atoi(prev) : -1);
  if (n > atomic_load(&g_fail_first)) return false;
  cgrpc_metadata_t trailers = CGRPC_METADATA_INIT;
  if (g_pushback) {
    CHECK(cgrpc_metadata_add_str(&trailers, cgrpc_server_call_arena(call), "grpc-retry-pushback-ms",
                                 g_pushback));
  }
  cgrpc_server_call_finish(call, (cgrpc_status_code_t)atomic_load(&g_fail_code), "try again",
                           &trailers);
  return true;
}

static void h_unary(cgrpc_server_call_t *call, const void *request, void *ud) {
  if (attempt_fails(call)) return;
  const test_Msg *req = request;
  test_Msg resp = {.text = req->text, .num = atomic_load(&g_last_header), .blob = req->blob};
  cgrpc_server_call_reply(call, &resp);
}

/* Bidi: fails (before any response) while attempts fail, else echoes; with
 * num == -1 in the first message, sends one response and then fails. */
static void h_bidi(cgrpc_server_call_t *call, const void *request, void *ud) {
  if (attempt_fails(call)) return;
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  test_Msg m;
  int count = 0;
  while (cgrpc_server_call_read(call, &m, &arena, NULL, NULL)) {
    if (m.num == -1) {
      cgrpc_server_call_write(call, &m, 0, NULL, NULL);
      cgrpc_arena_free(&arena);
      atomic_store(&g_fail_first, 1000);
      cgrpc_server_call_finish(call, CGRPC_STATUS_UNAVAILABLE, "after a response", NULL);
      return;
    }
    count++;
    if (!cgrpc_server_call_write(call, &m, 0, NULL, NULL)) break;
  }
  cgrpc_arena_free(&arena);
  cgrpc_server_call_finish(call, CGRPC_STATUS_OK, NULL, NULL);
}

static void h_slow(cgrpc_server_call_t *call, const void *request, void *ud) {
  while (!cgrpc_server_call_cancelled(call)) test_sleep_ms(5);
  cgrpc_server_call_finish(call, CGRPC_STATUS_OK, NULL, NULL);
}

/* ---- Hedging: Echo's attempts, by grpc-previous-rpc-attempts ------------------------ */

enum { HEDGE_LAST_WINS, HEDGE_FIRST_NON_FATAL, HEDGE_FIRST_FATAL, HEDGE_ALL_FAIL };
static atomic_int g_hedge_mode;
static atomic_int g_hedge_cancels; /* attempts the server saw cancelled */
static atomic_int g_hedge_max;     /* maxAttempts of the config */

static void hedge_cancelled(void *arg) {
  atomic_fetch_add(&g_hedge_cancels, 1);
  cgrpc_server_call_finish(arg, CGRPC_STATUS_CANCELLED, NULL, NULL);
}

static void h_hedged(cgrpc_server_call_t *call, const void *request, void *ud) {
  atomic_fetch_add(&g_attempts, 1);
  const char *prev =
      cgrpc_metadata_get_cstr(cgrpc_server_call_metadata(call), "grpc-previous-rpc-attempts");
  int index = prev ? atoi(prev) : 0;
  int mode = atomic_load(&g_hedge_mode);
  bool answer = false;
  cgrpc_status_code_t fail = CGRPC_STATUS_OK;
  switch (mode) {
    case HEDGE_LAST_WINS:
      answer = index == atomic_load(&g_hedge_max) - 1;
      break;
    case HEDGE_FIRST_NON_FATAL:
      answer = index == 1;
      fail = index == 0 ? CGRPC_STATUS_UNAVAILABLE : 0;
      break;
    case HEDGE_FIRST_FATAL:
      fail = index == 0 ? CGRPC_STATUS_INVALID_ARGUMENT : 0;
      break;
    case HEDGE_ALL_FAIL:
      fail = CGRPC_STATUS_UNAVAILABLE;
      break;
  }
  if (fail != CGRPC_STATUS_OK) {
    cgrpc_server_call_finishf(call, fail, "attempt %d failed", index);
  } else if (answer) {
    test_Msg resp = {.text = test_str("hedged"), .num = index};
    cgrpc_server_call_reply(call, &resp);
  } else {
    cgrpc_server_call_on_cancel(call, hedge_cancelled, call); /* waits to lose */
  }
}

static const test_route_t kRoutes[] = {
    {&test_methods[M_ECHO], h_hedged, CGRPC_HANDLER_INLINE},
    {&test_methods[M_UNARY], h_unary, CGRPC_HANDLER_BLOCKING},
    {&test_methods[M_BIDI], h_bidi, CGRPC_HANDLER_BLOCKING},
    {&test_methods[M_SLOW], h_slow, CGRPC_HANDLER_BLOCKING},
};

/* The server, and a channel to it with `config` (and the buffer limit). */
static void start(test_pair_t *p, const char *config, uint32_t call_buffer) {
  test_pair_start(p, kRoutes, sizeof kRoutes / sizeof kRoutes[0]);
  cgrpc_channel_free(p->ch);
  cgrpc_channel_options_t o = CGRPC_CHANNEL_OPTIONS_INIT;
  o.service_config_json = config;
  if (call_buffer) o.per_call_retry_buffer_size = call_buffer;
  cgrpc_error_t err;
  CHECK_EQ_INT(cgrpc_channel_new(p->target, &o, &p->ch, &err), CGRPC_STATUS_OK);
}

#define POLICY(attempts, initial, codes)                                             \
  "{\"methodConfig\": [{\"name\": [{\"service\": \"test.Svc\"}], \"retryPolicy\": {" \
  "\"maxAttempts\": " attempts ", \"initialBackoff\": \"" initial                    \
  "\", \"maxBackoff\": "                                                             \
  "\"10s\", \"backoffMultiplier\": 2, \"retryableStatusCodes\": [" codes "]}}]}"

static const char kRetry3[] = POLICY("3", "0.01s", "\"UNAVAILABLE\"");

static cgrpc_status_code_t unary(test_pair_t *p, test_Msg *resp, cgrpc_status_t *st,
                                 cgrpc_arena_t *arena) {
  test_Msg req = {.text = test_str("hello"), .num = 1};
  return cgrpc_unary(p->ch, &test_methods[M_UNARY], &req, resp, arena, NULL, st);
}

/* ---- Tests ------------------------------------------------------------------------ */

static void test_fewer_failures_than_attempts(void) {
  test_pair_t p;
  start(&p, kRetry3, 0);
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  test_Msg resp;
  cgrpc_status_t st;
  reset(2, CGRPC_STATUS_UNAVAILABLE, NULL);
  CHECK_EQ_INT(unary(&p, &resp, &st, &arena), CGRPC_STATUS_OK);
  CHECK_EQ_INT(atomic_load(&g_attempts), 3);
  CHECK_EQ_INT(resp.num, 2); /* the third attempt said: two before me */
  CHECK(test_str_is(resp.text, "hello"));
  /* The first attempt carries no header. */
  reset(0, CGRPC_STATUS_UNAVAILABLE, NULL);
  CHECK_EQ_INT(unary(&p, &resp, &st, &arena), CGRPC_STATUS_OK);
  CHECK_EQ_INT(atomic_load(&g_attempts), 1);
  CHECK_EQ_INT(resp.num, -1);
  cgrpc_arena_free(&arena);
  test_pair_stop(&p);
}

static void test_attempts_used_up(void) {
  test_pair_t p;
  start(&p, kRetry3, 0);
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  test_Msg resp;
  cgrpc_status_t st;
  reset(3, CGRPC_STATUS_UNAVAILABLE, NULL);
  CHECK_EQ_INT(unary(&p, &resp, &st, &arena), CGRPC_STATUS_UNAVAILABLE);
  CHECK(test_str_is(st.message, "try again"));
  CHECK_EQ_INT(atomic_load(&g_attempts), 3);
  CHECK_EQ_INT(atomic_load(&g_last_header), 2);
  reset(100, CGRPC_STATUS_UNAVAILABLE, NULL);
  CHECK_EQ_INT(unary(&p, &resp, &st, &arena), CGRPC_STATUS_UNAVAILABLE);
  CHECK_EQ_INT(atomic_load(&g_attempts), 3);
  cgrpc_arena_free(&arena);
  test_pair_stop(&p);
}

static void test_not_retryable_fails_at_once(void) {
  test_pair_t p;
  start(&p, POLICY("5", "0.01s", "\"UNAVAILABLE\", \"RESOURCE_EXHAUSTED\""), 0);
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  test_Msg resp;
  cgrpc_status_t st;
  reset(3, CGRPC_STATUS_INVALID_ARGUMENT, NULL);
  CHECK_EQ_INT(unary(&p, &resp, &st, &arena), CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK_EQ_INT(atomic_load(&g_attempts), 1);
  /* A method the config does not name gets no retries either. */
  cgrpc_channel_free(p.ch);
  cgrpc_channel_options_t o = CGRPC_CHANNEL_OPTIONS_INIT;
  o.service_config_json =
      "{\"methodConfig\": [{\"name\": [{\"service\": \"test.Svc\", \"method\": \"Bidi\"}], "
      "\"retryPolicy\": {\"maxAttempts\": 5, \"initialBackoff\": \"0.01s\", \"maxBackoff\": "
      "\"1s\", \"backoffMultiplier\": 2, \"retryableStatusCodes\": [\"UNAVAILABLE\"]}}]}";
  CHECK_EQ_INT(cgrpc_channel_new(p.target, &o, &p.ch, NULL), CGRPC_STATUS_OK);
  reset(3, CGRPC_STATUS_UNAVAILABLE, NULL);
  CHECK_EQ_INT(unary(&p, &resp, &st, &arena), CGRPC_STATUS_UNAVAILABLE);
  CHECK_EQ_INT(atomic_load(&g_attempts), 1);
  cgrpc_arena_free(&arena);
  test_pair_stop(&p);
}

static void test_pushback(void) {
  test_pair_t p;
  /* A backoff of up to 20 s: only the pushback can make the retry quick. */
  start(&p, POLICY("3", "20s", "\"UNAVAILABLE\""), 0);
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  test_Msg resp;
  cgrpc_status_t st;
  reset(2, CGRPC_STATUS_UNAVAILABLE, "150");
  int64_t t0 = cgrpc_now_ns();
  CHECK_EQ_INT(unary(&p, &resp, &st, &arena), CGRPC_STATUS_OK);
  int64_t took = cgrpc_now_ns() - t0;
  CHECK_EQ_INT(atomic_load(&g_attempts), 3);
  CHECK(took >= 300 * CGRPC_NS_PER_MS); /* two pushbacks of 150 ms */
  CHECK(took < 10 * CGRPC_NS_PER_SEC);  /* and not the 20 s backoff */
  /* A negative pushback: no more attempts. */
  reset(2, CGRPC_STATUS_UNAVAILABLE, "-1");
  CHECK_EQ_INT(unary(&p, &resp, &st, &arena), CGRPC_STATUS_UNAVAILABLE);
  CHECK_EQ_INT(atomic_load(&g_attempts), 1);
  /* Nor an unreadable one. */
  reset(2, CGRPC_STATUS_UNAVAILABLE, "soon");
  CHECK_EQ_INT(unary(&p, &resp, &st, &arena), CGRPC_STATUS_UNAVAILABLE);
  CHECK_EQ_INT(atomic_load(&g_attempts), 1);
  cgrpc_arena_free(&arena);
  test_pair_stop(&p);
}

static void test_throttling(void) {
  test_pair_t p;
  start(&p,
        "{\"retryThrottling\": {\"maxTokens\": 4, \"tokenRatio\": 0.5}, \"methodConfig\": [{"
        "\"name\": [{}], \"retryPolicy\": {\"maxAttempts\": 5, \"initialBackoff\": \"0.001s\","
        " \"maxBackoff\": \"0.01s\", \"backoffMultiplier\": 2, \"retryableStatusCodes\": "
        "[\"UNAVAILABLE\"]}}]}",
        0);
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  test_Msg resp;
  cgrpc_status_t st;
  /* 4 tokens: a failure takes one, retries stop at 2 or fewer. */
  reset(1000, CGRPC_STATUS_UNAVAILABLE, NULL);
  CHECK_EQ_INT(unary(&p, &resp, &st, &arena), CGRPC_STATUS_UNAVAILABLE);
  CHECK_EQ_INT(atomic_load(&g_attempts), 2); /* 4 -> 3 (retry), 3 -> 2 (stop) */
  reset(1000, CGRPC_STATUS_UNAVAILABLE, NULL);
  CHECK_EQ_INT(unary(&p, &resp, &st, &arena), CGRPC_STATUS_UNAVAILABLE);
  CHECK_EQ_INT(atomic_load(&g_attempts), 1); /* 2 -> 1: throttled */
  /* Successes give back half a token each: 1 -> 3.5 after five. */
  reset(0, CGRPC_STATUS_UNAVAILABLE, NULL);
  for (int i = 0; i < 5; i++) CHECK_EQ_INT(unary(&p, &resp, &st, &arena), CGRPC_STATUS_OK);
  reset(1000, CGRPC_STATUS_UNAVAILABLE, NULL);
  CHECK_EQ_INT(unary(&p, &resp, &st, &arena), CGRPC_STATUS_UNAVAILABLE);
  CHECK_EQ_INT(atomic_load(&g_attempts), 2); /* 3.5 -> 2.5 (retry), -> 1.5 (stop) */
  cgrpc_arena_free(&arena);
  test_pair_stop(&p);
}

/* Sends `n` messages (num 1..n, or the given first), half-closes, reads
 * what comes back; returns the status, the count received in *got. */
static cgrpc_status_code_t bidi(test_pair_t *p, int n, int first, size_t blob, int *got) {
  cgrpc_call_t *call = cgrpc_call_start(p->ch, &test_methods[M_BIDI], NULL);
  static char big[4096];
  for (int i = 0; i < n; i++) {
    test_Msg m = {
        .text = test_str("m"), .num = i == 0 && first ? first : i + 1, .blob = {big, blob}};
    cgrpc_call_send(call, &m, 0, NULL, NULL);
  }
  cgrpc_call_half_close(call);
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  test_Msg m;
  *got = 0;
  while (cgrpc_call_recv(call, &m, &arena, NULL, NULL)) {
    (*got)++;
    CHECK_EQ_INT(m.num, *got == 1 && first ? first : *got); /* in order, none twice */
  }
  cgrpc_status_t st;
  cgrpc_status_code_t code = cgrpc_call_finish(call, &arena, &st);
  cgrpc_arena_free(&arena);
  return code;
}

static void test_streaming_before_first_response(void) {
  test_pair_t p;
  start(&p, kRetry3, 0);
  int got = 0;
  reset(2, CGRPC_STATUS_UNAVAILABLE, NULL);
  CHECK_EQ_INT(bidi(&p, 3, 0, 16, &got), CGRPC_STATUS_OK);
  CHECK_EQ_INT(atomic_load(&g_attempts), 3);
  CHECK_EQ_INT(got, 3); /* every message replayed on the attempt that worked */
  test_pair_stop(&p);
}

static void test_streaming_after_first_response(void) {
  test_pair_t p;
  start(&p, kRetry3, 0);
  int got = 0;
  reset(0, CGRPC_STATUS_UNAVAILABLE, NULL);
  CHECK_EQ_INT(bidi(&p, 1, -1, 0, &got), CGRPC_STATUS_UNAVAILABLE);
  CHECK_EQ_INT(atomic_load(&g_attempts), 1); /* committed by the response */
  CHECK_EQ_INT(got, 1);
  test_pair_stop(&p);
}

static void test_streaming_buffer_exceeded(void) {
  test_pair_t p;
  start(&p, kRetry3, 1024); /* a call keeps at most 1 KiB for retries */
  int got = 0;
  reset(2, CGRPC_STATUS_UNAVAILABLE, NULL);
  CHECK_EQ_INT(bidi(&p, 2, 0, 4000, &got), CGRPC_STATUS_UNAVAILABLE);
  CHECK_EQ_INT(atomic_load(&g_attempts), 1);
  CHECK_EQ_INT(got, 0);
  /* Small messages stay within it. */
  reset(2, CGRPC_STATUS_UNAVAILABLE, NULL);
  CHECK_EQ_INT(bidi(&p, 2, 0, 100, &got), CGRPC_STATUS_OK);
  CHECK_EQ_INT(atomic_load(&g_attempts), 3);
  CHECK_EQ_INT(got, 2);
  test_pair_stop(&p);
}

/* ---- Per-method settings -------------------------------------------------------- */

static void test_method_timeout(void) {
  test_pair_t p;
  start(&p,
        "{\"methodConfig\": [{\"name\": [{\"service\": \"test.Svc\", \"method\": \"Slow\"}], "
        "\"timeout\": \"0.1s\"}]}",
        0);
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  test_Msg req = {.num = 1}, resp;
  int64_t t0 = cgrpc_now_ns();
  CHECK_EQ_INT(cgrpc_unary(p.ch, &test_methods[M_SLOW], &req, &resp, &arena, NULL, NULL),
               CGRPC_STATUS_DEADLINE_EXCEEDED);
  int64_t took = cgrpc_now_ns() - t0;
  CHECK(took >= 100 * CGRPC_NS_PER_MS && took < 5 * CGRPC_NS_PER_SEC);
  /* The call's own deadline wins when earlier (a config of 30 s here). */
  test_pair_stop(&p);
  start(&p,
        "{\"methodConfig\": [{\"name\": [{\"service\": \"test.Svc\", \"method\": \"Slow\"}], "
        "\"timeout\": \"30s\"}]}",
        0);
  cgrpc_call_options_t co = {.timeout_ns = 50 * CGRPC_NS_PER_MS};
  t0 = cgrpc_now_ns();
  CHECK_EQ_INT(cgrpc_unary(p.ch, &test_methods[M_SLOW], &req, &resp, &arena, &co, NULL),
               CGRPC_STATUS_DEADLINE_EXCEEDED);
  CHECK(cgrpc_now_ns() - t0 < 10 * CGRPC_NS_PER_SEC);
  cgrpc_arena_free(&arena);
  test_pair_stop(&p);
}

static void test_method_size_limits(void) {
  test_pair_t p;
  start(&p,
        "{\"methodConfig\": [{\"name\": [{\"service\": \"test.Svc\"}], "
        "\"maxRequestMessageBytes\": 100, \"maxResponseMessageBytes\": 200}]}",
        0);
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  static char big[300];
  test_Msg req = {.blob = {big, 150}}, resp;
  cgrpc_status_t st;
  reset(0, CGRPC_STATUS_UNAVAILABLE, NULL);
  CHECK_EQ_INT(cgrpc_unary(p.ch, &test_methods[M_UNARY], &req, &resp, &arena, NULL, &st),
               CGRPC_STATUS_RESOURCE_EXHAUSTED);
  CHECK(strstr(st.message.data, "maxRequestMessageBytes") != NULL);
  CHECK_EQ_INT(atomic_load(&g_attempts), 0);
  /* Within the request limit, but the echo is over the response limit. */
  test_pair_stop(&p);
  start(&p,
        "{\"methodConfig\": [{\"name\": [{\"service\": \"test.Svc\"}], "
        "\"maxResponseMessageBytes\": 100}]}",
        0);
  CHECK_EQ_INT(cgrpc_unary(p.ch, &test_methods[M_UNARY], &req, &resp, &arena, NULL, &st),
               CGRPC_STATUS_RESOURCE_EXHAUSTED);
  CHECK(strstr(st.message.data, "maxResponseMessageBytes") != NULL);
  req.blob.len = 50;
  CHECK_EQ_INT(cgrpc_unary(p.ch, &test_methods[M_UNARY], &req, &resp, &arena, NULL, &st),
               CGRPC_STATUS_OK);
  cgrpc_arena_free(&arena);
  test_pair_stop(&p);
}

/* waitForReady from the config: a call to a port nobody listens on waits
 * (until its deadline) instead of failing UNAVAILABLE at once. */
static void test_method_wait_for_ready(void) {
  cgrpc_channel_options_t o = CGRPC_CHANNEL_OPTIONS_INIT;
  o.service_config_json = "{\"methodConfig\": [{\"name\": [{}], \"waitForReady\": true}]}";
  o.initial_backoff_ns = 10 * CGRPC_NS_PER_MS;
  cgrpc_channel_t *ch;
  CHECK_EQ_INT(cgrpc_channel_new("127.0.0.1:1", &o, &ch, NULL), CGRPC_STATUS_OK);
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  test_Msg req = {.num = 1}, resp;
  cgrpc_call_options_t co = {.timeout_ns = 300 * CGRPC_NS_PER_MS};
  CHECK_EQ_INT(cgrpc_unary(ch, &test_methods[M_UNARY], &req, &resp, &arena, &co, NULL),
               CGRPC_STATUS_DEADLINE_EXCEEDED);
  cgrpc_channel_free(ch);
  o.service_config_json = NULL;
  CHECK_EQ_INT(cgrpc_channel_new("127.0.0.1:1", &o, &ch, NULL), CGRPC_STATUS_OK);
  CHECK_EQ_INT(cgrpc_unary(ch, &test_methods[M_UNARY], &req, &resp, &arena, &co, NULL),
               CGRPC_STATUS_UNAVAILABLE);
  cgrpc_channel_free(ch);
  cgrpc_arena_free(&arena);
}

#define HEDGING(attempts, delay)                                                         \
  "{\"methodConfig\": [{\"name\": [{\"service\": \"test.Svc\", \"method\": \"Echo\"}], " \
  "\"hedgingPolicy\": {\"maxAttempts\": " attempts ", \"hedgingDelay\": \"" delay        \
  "\", "                                                                                 \
  "\"nonFatalStatusCodes\": [\"UNAVAILABLE\"]}}]}"

static cgrpc_status_code_t hedged(test_pair_t *p, int mode, int max, test_Msg *resp,
                                  cgrpc_status_t *st, cgrpc_arena_t *arena) {
  reset(0, CGRPC_STATUS_OK, NULL);
  atomic_store(&g_hedge_mode, mode);
  atomic_store(&g_hedge_max, max);
  atomic_store(&g_hedge_cancels, 0);
  test_Msg req = {.text = test_str("q")};
  return cgrpc_unary(p->ch, &test_methods[M_ECHO], &req, resp, arena, NULL, st);
}

static void wait_cancels(int n) {
  for (int i = 0; i < 300 && atomic_load(&g_hedge_cancels) < n; i++) test_sleep_ms(10);
}

/* Three attempts at once; the last to start answers, the two others are
 * cancelled and their server sees it. */
static void test_hedging_first_answer_wins(void) {
  test_pair_t p;
  start(&p, HEDGING("3", "0s"), 0);
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  test_Msg resp;
  cgrpc_status_t st;
  CHECK_EQ_INT(hedged(&p, HEDGE_LAST_WINS, 3, &resp, &st, &arena), CGRPC_STATUS_OK);
  CHECK(test_str_is(resp.text, "hedged"));
  CHECK_EQ_INT(resp.num, 2);
  CHECK_EQ_INT(atomic_load(&g_attempts), 3);
  wait_cancels(2);
  CHECK_EQ_INT(atomic_load(&g_hedge_cancels), 2);
  test_pair_stop(&p);
  start(&p, HEDGING("3", "0.05s"), 0);
  /* With a delay: the second attempt starts 50 ms later and wins; the
   * first is cancelled, the third never starts. */
  CHECK_EQ_INT(hedged(&p, HEDGE_LAST_WINS, 2, &resp, &st, &arena), CGRPC_STATUS_OK);
  CHECK_EQ_INT(resp.num, 1);
  wait_cancels(1);
  test_sleep_ms(100);
  CHECK_EQ_INT(atomic_load(&g_hedge_cancels), 1);
  CHECK_EQ_INT(atomic_load(&g_attempts), 2);
  CHECK_EQ_INT(hedged(&p, HEDGE_FIRST_NON_FATAL, 3, &resp, &st, &arena), CGRPC_STATUS_OK);
  CHECK_EQ_INT(resp.num, 1);
  test_sleep_ms(150);
  CHECK_EQ_INT(atomic_load(&g_attempts), 2);
  cgrpc_arena_free(&arena);
  test_pair_stop(&p);
}

static void test_hedging_failures(void) {
  test_pair_t p;
  start(&p, HEDGING("3", "20s"), 0); /* only a failure can start the next one soon */
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  test_Msg resp;
  cgrpc_status_t st;
  int64_t t0 = cgrpc_now_ns();
  /* Non-fatal: the next attempt at once, which answers. */
  CHECK_EQ_INT(hedged(&p, HEDGE_FIRST_NON_FATAL, 3, &resp, &st, &arena), CGRPC_STATUS_OK);
  CHECK_EQ_INT(resp.num, 1);
  CHECK_EQ_INT(atomic_load(&g_attempts), 2);
  /* Fatal: the call ends with it, after one attempt. */
  CHECK_EQ_INT(hedged(&p, HEDGE_FIRST_FATAL, 3, &resp, &st, &arena), CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK(test_str_is(st.message, "attempt 0 failed"));
  CHECK_EQ_INT(atomic_load(&g_attempts), 1);
  /* Every attempt failing non-fatally: the last status. */
  CHECK_EQ_INT(hedged(&p, HEDGE_ALL_FAIL, 3, &resp, &st, &arena), CGRPC_STATUS_UNAVAILABLE);
  CHECK(test_str_is(st.message, "attempt 2 failed"));
  CHECK_EQ_INT(atomic_load(&g_attempts), 3);
  CHECK(cgrpc_now_ns() - t0 < 10 * CGRPC_NS_PER_SEC);
  /* The client's cancel reaches every attempt. */
  reset(0, CGRPC_STATUS_OK, NULL);
  atomic_store(&g_hedge_mode, HEDGE_LAST_WINS);
  atomic_store(&g_hedge_max, 99);
  atomic_store(&g_hedge_cancels, 0);
  cgrpc_call_options_t co = {.timeout_ns = 200 * CGRPC_NS_PER_MS};
  test_Msg req = {.text = test_str("q")};
  CHECK_EQ_INT(cgrpc_unary(p.ch, &test_methods[M_ECHO], &req, &resp, &arena, &co, &st),
               CGRPC_STATUS_DEADLINE_EXCEEDED);
  wait_cancels(1);
  CHECK_EQ_INT(atomic_load(&g_attempts), 1);
  CHECK_EQ_INT(atomic_load(&g_hedge_cancels), 1);
  cgrpc_arena_free(&arena);
  test_pair_stop(&p);
}

int main(void) {
  TEST_RUN(test_hedging_first_answer_wins);
  TEST_RUN(test_hedging_failures);
  TEST_RUN(test_fewer_failures_than_attempts);
  TEST_RUN(test_attempts_used_up);
  TEST_RUN(test_not_retryable_fails_at_once);
  TEST_RUN(test_pushback);
  TEST_RUN(test_throttling);
  TEST_RUN(test_streaming_before_first_response);
  TEST_RUN(test_streaming_after_first_response);
  TEST_RUN(test_streaming_buffer_exceeded);
  TEST_RUN(test_method_timeout);
  TEST_RUN(test_method_size_limits);
  TEST_RUN(test_method_wait_for_ready);
  return TEST_DONE();
}

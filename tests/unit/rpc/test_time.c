/* tests/unit/rpc/test_time.c — the time vocabulary of cgrpc/time.h: deadlines
 * saturate at CGRPC_INFINITE, and a call's timeout_ns of 0 or CGRPC_INFINITE
 * sends no deadline while a positive one does (as the server sees it). */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>

#include "rpc_test_util.h"

static void test_deadline_after(void) {
  int64_t before = cgrpc_clock_now();
  int64_t d = cgrpc_deadline_after(2 * CGRPC_NS_PER_SEC);
  int64_t after = cgrpc_clock_now();
  CHECK(d >= before + 2 * CGRPC_NS_PER_SEC && d <= after + 2 * CGRPC_NS_PER_SEC);
  CHECK(cgrpc_deadline_after(0) <= cgrpc_clock_now());
  CHECK(cgrpc_deadline_after(-CGRPC_NS_PER_SEC) < cgrpc_clock_now());
  /* Saturates instead of wrapping around into the past. */
  CHECK_EQ_INT(cgrpc_deadline_after(CGRPC_INFINITE), CGRPC_INFINITE);
  CHECK_EQ_INT(cgrpc_deadline_after(CGRPC_INFINITE - 1), CGRPC_INFINITE);
  CHECK_EQ_INT(cgrpc_deadline_after(CGRPC_INFINITE - cgrpc_clock_now() / 2), CGRPC_INFINITE);
  CHECK(cgrpc_deadline_after(INT64_MIN) < 0); /* long past; no wrap to the future */
}

static void test_timeout_until(void) {
  CHECK_EQ_INT(cgrpc_timeout_until(CGRPC_INFINITE), CGRPC_INFINITE);
  int64_t t = cgrpc_timeout_until(cgrpc_deadline_after(3 * CGRPC_NS_PER_SEC));
  CHECK(t > 2 * CGRPC_NS_PER_SEC && t <= 3 * CGRPC_NS_PER_SEC);
  /* A deadline passed (or passing now) is -1, never 0 ("no deadline"). */
  CHECK_EQ_INT(cgrpc_timeout_until(cgrpc_clock_now()), -1);
  CHECK_EQ_INT(cgrpc_timeout_until(cgrpc_clock_now() - CGRPC_NS_PER_SEC), -1);
  CHECK_EQ_INT(cgrpc_timeout_until(INT64_MIN), -1);
}

/* ---- A call's timeout, as the server sees it ------------------------------------------------- */

/* Replies with num = the milliseconds left until the call's deadline, or -1
 * when it has none. */
static void h_deadline(cgrpc_server_call_t *call, const void *request, void *ud) {
  int64_t d = cgrpc_server_call_deadline(call);
  test_Msg resp = {
      .num = d == CGRPC_INFINITE ? -1 : (int32_t)((d - cgrpc_clock_now()) / CGRPC_NS_PER_MS)};
  cgrpc_server_call_reply(call, &resp);
}

typedef test_pair_t fixture_t;

static void fixture_start(fixture_t *f) {
  const test_route_t routes[] = {{&test_methods[M_UNARY], h_deadline, CGRPC_HANDLER_INLINE}};
  test_pair_start(f, routes, sizeof routes / sizeof routes[0]);
}

/* The milliseconds the server saw left (-1: no deadline), or INT32_MIN
 * when the call failed, its code in *code. */
static int32_t left_ms(fixture_t *f, const cgrpc_call_options_t *opts, cgrpc_status_code_t *code) {
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  test_Msg req = {.num = 1}, resp;
  *code = cgrpc_unary(f->ch, &test_methods[M_UNARY], &req, &resp, &arena, opts, NULL);
  int32_t left = *code == CGRPC_STATUS_OK ? resp.num : INT32_MIN;
  cgrpc_arena_free(&arena);
  return left;
}

static void test_call_timeout(void) {
  fixture_t f;
  fixture_start(&f);
  cgrpc_status_code_t code;
  /* NULL options and the zero value: no deadline. */
  CHECK_EQ_INT(left_ms(&f, NULL, &code), -1);
  cgrpc_call_options_t opts = {0};
  CHECK_EQ_INT(left_ms(&f, &opts, &code), -1);
  /* CGRPC_INFINITE: no deadline either. */
  opts.timeout_ns = CGRPC_INFINITE;
  CHECK_EQ_INT(left_ms(&f, &opts, &code), -1);
  CHECK_EQ_INT(code, CGRPC_STATUS_OK);
  /* A positive timeout reaches the server (grpc-timeout rounds up). */
  opts.timeout_ns = 5 * CGRPC_NS_PER_SEC;
  int32_t left = left_ms(&f, &opts, &code);
  CHECK(left > 4000 && left <= 5000);
  /* A negative one has passed already: the call never leaves. */
  opts.timeout_ns = -1;
  CHECK_EQ_INT(left_ms(&f, &opts, &code), INT32_MIN);
  CHECK_EQ_INT(code, CGRPC_STATUS_DEADLINE_EXCEEDED);
  /* A deadline passed on with cgrpc_timeout_until(). */
  opts.timeout_ns = cgrpc_timeout_until(cgrpc_deadline_after(3 * CGRPC_NS_PER_SEC));
  left = left_ms(&f, &opts, &code);
  CHECK(left > 2000 && left <= 3000);
  test_pair_stop(&f);
}

int main(void) {
  TEST_RUN(test_deadline_after);
  TEST_RUN(test_timeout_until);
  TEST_RUN(test_call_timeout);
  return TEST_DONE();
}

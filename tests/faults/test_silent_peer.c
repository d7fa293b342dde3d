/* tests/faults/test_silent_peer.c — peers that never answer: a TCP listener
 * that reads and never writes (the connection is never established at the
 * HTTP/2 level), and an HTTP/2 server that completes the handshake but
 * never responds to a request.
 *
 * Calls must end with DEADLINE_EXCEEDED at their deadline, not later (a
 * client that only notices at the next connect timeout, or on some other
 * call's timer, fails here), each call on its own deadline. Without a
 * deadline a call ends when the connection attempt times out. The bound is
 * the deadline plus 200 ms, for a loaded 2-core machine.
 */
#define _POSIX_C_SOURCE 200809L

#include <signal.h>

#include "fault_calls.h"

#define SLACK_MS 200

static bool on_time(const fault_result_t *r, int64_t deadline_ms) {
  return r->took_ms >= deadline_ms - 5 && r->took_ms <= deadline_ms + SLACK_MS;
}

static void test_deadline_while_connecting(void) {
  fault_peer_t peer;
  CHECK(fault_peer_start(&peer, FAULT_PEER_SILENT, NULL, 0));
  cgrpc_channel_t *ch = test_loopback_channel(peer.port, NULL);
  cgrpc_call_options_t opts = {.timeout_ns = 300 * CGRPC_NS_PER_MS};
  fault_result_t r = fault_unary(ch, M_UNARY, 1, &opts);
  fault_report("300 ms deadline, silent peer", &r);
  CHECK_EQ_INT(r.code, CGRPC_STATUS_DEADLINE_EXCEEDED);
  CHECK(on_time(&r, 300));
  /* The same for a wait-for-ready call, and a deadline passed on. */
  cgrpc_call_options_t wfr = {
      .timeout_ns = cgrpc_timeout_until(cgrpc_deadline_after(250 * CGRPC_NS_PER_MS)),
      .wait_for_ready = true};
  r = fault_unary(ch, M_UNARY, 1, &wfr);
  fault_report("250 ms deadline passed on, wait-for-ready", &r);
  CHECK_EQ_INT(r.code, CGRPC_STATUS_DEADLINE_EXCEEDED);
  CHECK(on_time(&r, 250));
  cgrpc_channel_free(ch);
  CHECK_EQ_INT(atomic_load(&peer.connections), 1);
  fault_peer_stop(&peer);
}

typedef struct timed_call {
  cgrpc_arena_t arena;
  test_Msg resp;
  int64_t start_ms;
  _Atomic int64_t end_ms;
  cgrpc_status_code_t code;
} timed_call_t;

static void timed_done(void *ud, const cgrpc_status_t *st) {
  timed_call_t *t = ud;
  t->code = st->code;
  atomic_store(&t->end_ms, fault_now_ms());
}

/* Calls with different deadlines in flight at once each end on their own. */
static void test_each_call_its_own_deadline(void) {
  fault_peer_t peer;
  CHECK(fault_peer_start(&peer, FAULT_PEER_SILENT, NULL, 0));
  cgrpc_channel_t *ch = test_loopback_channel(peer.port, NULL);
  enum { N = 3 };
  static const int kDeadlineMs[N] = {600, 200, 400};
  timed_call_t calls[N];
  for (int i = 0; i < N; i++) {
    timed_call_t *t = &calls[i];
    cgrpc_arena_init(&t->arena, NULL, 0);
    atomic_store(&t->end_ms, 0);
    t->start_ms = fault_now_ms();
    cgrpc_call_options_t opts = {.timeout_ns = kDeadlineMs[i] * CGRPC_NS_PER_MS};
    test_Msg req = {.num = i};
    cgrpc_unary_async(ch, &test_methods[M_UNARY], &req, &t->resp, &t->arena, &opts, timed_done, t);
  }
  for (int i = 0; i < N; i++) {
    timed_call_t *t = &calls[i];
    for (int k = 0; k < 400 && atomic_load(&t->end_ms) == 0; k++) test_sleep_ms(5);
    int64_t took = atomic_load(&t->end_ms) - t->start_ms;
    fprintf(stderr, "  %d ms deadline: %s after %lld ms\n", kDeadlineMs[i],
            cgrpc_status_code_name(t->code), (long long)took);
    CHECK_EQ_INT(t->code, CGRPC_STATUS_DEADLINE_EXCEEDED);
    CHECK(took >= kDeadlineMs[i] - 5 && took <= kDeadlineMs[i] + SLACK_MS);
    cgrpc_arena_free(&t->arena);
  }
  cgrpc_channel_free(ch);
  fault_peer_stop(&peer);
}

/* No deadline: the connection attempt's own timeout ends fail-fast calls
 * (UNAVAILABLE, saying so); wait-for-ready calls wait on to their deadline. */
static void test_connect_timeout(void) {
  fault_peer_t peer;
  CHECK(fault_peer_start(&peer, FAULT_PEER_SILENT, NULL, 0));
  cgrpc_channel_options_t co = CGRPC_CHANNEL_OPTIONS_INIT;
  co.connect_timeout_ns = 400 * CGRPC_NS_PER_MS;
  cgrpc_channel_t *ch = test_loopback_channel(peer.port, &co);
  fault_result_t r = fault_unary(ch, M_UNARY, 1, NULL);
  fault_report("no deadline, 400 ms connect timeout", &r);
  CHECK_EQ_INT(r.code, CGRPC_STATUS_UNAVAILABLE);
  CHECK(strstr(r.message, "timed out") != NULL);
  CHECK(on_time(&r, 400));
  cgrpc_call_options_t wfr = {.timeout_ns = 900 * CGRPC_NS_PER_MS, .wait_for_ready = true};
  r = fault_unary(ch, M_UNARY, 1, &wfr);
  fault_report("wait-for-ready, 900 ms deadline", &r);
  CHECK_EQ_INT(r.code, CGRPC_STATUS_DEADLINE_EXCEEDED);
  CHECK(on_time(&r, 900));
  cgrpc_channel_free(ch);
  fault_peer_stop(&peer);
}

/* The HTTP/2 connection is up, the server just never answers: the call
 * ends at its deadline and the server is told (RST_STREAM CANCEL). */
static void test_deadline_on_the_wire(void) {
  fault_proc_t script;
  cgrpc_channel_t *ch = fault_script_channel(&script, "blackhole");
  if (!ch) {
    CHECK(false);
    return;
  }
  cgrpc_call_options_t opts = {.timeout_ns = 300 * CGRPC_NS_PER_MS};
  fault_result_t r = fault_unary(ch, M_UNARY, 1, &opts);
  fault_report("unary, 300 ms deadline, server never answers", &r);
  CHECK_EQ_INT(r.code, CGRPC_STATUS_DEADLINE_EXCEEDED);
  CHECK(on_time(&r, 300));

  /* A streaming call blocked in recv is released at its deadline. */
  int64_t t0 = fault_now_ms();
  cgrpc_call_t *call = cgrpc_call_start(ch, &test_methods[M_BIDI], &opts);
  test_Msg m = {.num = 1};
  CHECK(cgrpc_call_send(call, &m, 0, NULL, NULL));
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  CHECK(!cgrpc_call_recv(call, &m, &arena, NULL, NULL));
  int64_t took = fault_now_ms() - t0;
  cgrpc_status_t st;
  CHECK_EQ_INT(cgrpc_call_finish(call, &arena, &st), CGRPC_STATUS_DEADLINE_EXCEEDED);
  fprintf(stderr, "  bidi recv released after %lld ms\n", (long long)took);
  CHECK(took >= 295 && took <= 300 + SLACK_MS);
  cgrpc_arena_free(&arena);
  cgrpc_channel_free(ch);

  fault_proc_stop(&script, SIGTERM);
  char log[512];
  fault_proc_output(&script, log, sizeof log);
  fprintf(stderr, "  server saw: %s", log);
  CHECK(strstr(log, "RST 1 8") != NULL); /* CANCEL, for the unary call */
}

int main(void) {
  TEST_RUN(test_deadline_while_connecting);
  TEST_RUN(test_each_call_its_own_deadline);
  TEST_RUN(test_connect_timeout);
  TEST_RUN(test_deadline_on_the_wire);
  return TEST_DONE();
}

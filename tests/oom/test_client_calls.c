/* tests/oom/test_client_calls.c — a client whose heap runs out.
 *
 * The server runs in another process with a working heap; here, in the
 * client, the n-th allocation fails (once, or from then on) during a unary,
 * a server-streaming, a client-streaming and a bidi call, for every n: on a
 * channel's first call (connecting, the HTTP/2 session, the first stream)
 * and in the steady state after a warm-up. Each call must end OK or with
 * RESOURCE_EXHAUSTED / UNAVAILABLE, within its deadline; the channel must
 * serve the next call once memory is back; and freeing it must give back
 * every block. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <time.h>

#include "../unit/rpc/rpc_test_util.h"
#include "oom_rpc.h"

static oom_server_proc_t g_server;

static void sweep_kind(int kind) {
  for (int warm = 0; warm < 2; warm++) {
    for (int mode = 0; mode < 2; mode++) {
      if (!oom_selected(kind, warm, mode)) continue;
      oom_sweep_t s = {OOM_CLIENT, kind, (oom_mode_t)mode, warm, &g_server};
      size_t points = 0;
      int problems = oom_sweep_call(&s, &points);
      if (problems) TEST_FAIL_("%d problems", problems);
      fprintf(stderr, "  %s, %s, %s: %zu allocation points\n", oom_call_names[kind],
              warm ? "steady state" : "first call", mode ? "persistent" : "transient", points);
      if (points == 0) TEST_FAIL_("nothing allocated: the sweep tested nothing");
    }
  }
}

static void test_unary(void) { sweep_kind(OOM_UNARY); }

/* cgrpc_unary_async: its callback runs exactly once whatever fails, also
 * when there is no memory to start the call at all. */
typedef struct async_probe {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int calls;
  cgrpc_status_code_t code;
} async_probe_t;

static void on_async_done(void *user_data, const cgrpc_status_t *status) {
  async_probe_t *p = user_data;
  pthread_mutex_lock(&p->mu);
  p->calls++;
  p->code = status->code;
  pthread_cond_broadcast(&p->cv);
  pthread_mutex_unlock(&p->mu);
}

static void async_sweep(oom_mode_t mode) {
  long baseline = oom_live_blocks();
  size_t n;
  for (n = 1;; n++) {
    oom_watchdog(30, "unary_async");
    cgrpc_channel_t *ch = NULL;
    CHECK_EQ_INT(oom_channel_new(g_server.port, &ch, NULL), CGRPC_STATUS_OK);
    async_probe_t p = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0};
    cgrpc_arena_t arena;
    cgrpc_arena_init(&arena, NULL, 0);
    test_Msg req = {.text = test_str("hello"), .num = 41}, resp;
    cgrpc_call_options_t opts = {.timeout_ns = OOM_CALL_TIMEOUT_NS};
    oom_arm(n, mode);
    cgrpc_unary_async(ch, &test_methods[M_UNARY], &req, &resp, &arena, &opts, on_async_done, &p);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 5;
    pthread_mutex_lock(&p.mu);
    while (p.calls == 0 && pthread_cond_timedwait(&p.cv, &p.mu, &until) == 0) {
    }
    pthread_mutex_unlock(&p.mu);
    size_t failures = oom_failures();
    oom_disarm();
    cgrpc_channel_free(ch); /* after this no callback can come */
    if (p.calls != 1) TEST_FAIL_("unary_async, n=%zu: the callback ran %d times", n, p.calls);
    if (p.code != CGRPC_STATUS_OK && p.code != CGRPC_STATUS_RESOURCE_EXHAUSTED &&
        p.code != CGRPC_STATUS_UNAVAILABLE) {
      TEST_FAIL_("unary_async, n=%zu: ended %s", n, cgrpc_status_code_name(p.code));
    }
    if (failures == 0 && (p.code != CGRPC_STATUS_OK || resp.num != 42)) {
      TEST_FAIL_("unary_async, n=%zu: failed with no failure", n);
    }
    cgrpc_arena_free(&arena);
    long live = oom_wait_live(baseline, 1000);
    if (live != baseline) TEST_FAIL_("unary_async, n=%zu: %ld blocks leaked", n, live - baseline);
    if (failures == 0 || n > 2000) break;
  }
  oom_watchdog(0, "");
  fprintf(stderr, "  unary_async, %s: %zu allocation points\n",
          mode == OOM_PERSISTENT ? "persistent" : "transient", n - 1);
}

static void test_unary_async(void) {
  async_sweep(OOM_TRANSIENT);
  async_sweep(OOM_PERSISTENT);
}
static void test_server_streaming(void) { sweep_kind(OOM_SERVER_STREAM); }
static void test_client_streaming(void) { sweep_kind(OOM_CLIENT_STREAM); }
static void test_bidi(void) { sweep_kind(OOM_BIDI); }

int main(void) {
  oom_install();
  oom_spare_known_bugs();
  if (!oom_server_proc_start(&g_server)) {
    fprintf(stderr, "cannot start the server process\n");
    return 1;
  }
  TEST_RUN(test_unary);
  TEST_RUN(test_unary_async);
  TEST_RUN(test_server_streaming);
  TEST_RUN(test_client_streaming);
  TEST_RUN(test_bidi);
  CHECK_EQ_INT(oom_server_proc_stop(&g_server), 0);
  return TEST_DONE();
}

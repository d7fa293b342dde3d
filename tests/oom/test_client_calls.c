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
#include <stdio.h>

#include "oom_rpc.h"
#include "test.h"

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
  TEST_RUN(test_server_streaming);
  TEST_RUN(test_client_streaming);
  TEST_RUN(test_bidi);
  CHECK_EQ_INT(oom_server_proc_stop(&g_server), 0);
  return TEST_DONE();
}

/* tests/oom/test_server_calls.c — a server whose heap runs out.
 *
 * The server runs in a child process (a fresh one for each n); there the
 * n-th allocation fails, once or from then on, while the client here (with
 * a working heap) makes a unary, a server-streaming, a client-streaming or
 * a bidi call: on a new connection and in the steady state after a
 * warm-up. The client must see OK or RESOURCE_EXHAUSTED, UNAVAILABLE (the
 * server dropped the connection) or INTERNAL (it reset the stream), within
 * the deadline; once memory is back the server must serve again, and after
 * shutdown it must have freed every block. */
#include <stdio.h>

#include "oom_rpc.h"
#include "test.h"

static void sweep_kind(int kind) {
  for (int warm = 0; warm < 2; warm++) {
    for (int mode = 0; mode < 2; mode++) {
      if (!oom_selected(kind, warm, mode)) continue;
      oom_sweep_t s = {OOM_SERVER, kind, (oom_mode_t)mode, warm, NULL};
      size_t points = 0;
      int problems = oom_sweep_call(&s, &points);
      if (problems) TEST_FAIL_("%d problems", problems);
      fprintf(stderr, "  %s, %s, %s: %zu allocation points\n", oom_call_names[kind],
              warm ? "steady state" : "first call", mode ? "persistent" : "transient", points);
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
  TEST_RUN(test_unary);
  TEST_RUN(test_server_streaming);
  TEST_RUN(test_client_streaming);
  TEST_RUN(test_bidi);
  return TEST_DONE();
}

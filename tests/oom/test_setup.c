/* tests/oom/test_setup.c — setting up when the heap runs out.
 *
 * cgrpc_server_new, _listen, _register, _start and cgrpc_channel_new with
 * the n-th allocation failing (once, or from then on), for every n. Each
 * must return OK or RESOURCE_EXHAUSTED with a message saying what failed
 * (cgrpc/server.h, cgrpc/channel.h); what was set up must then work (a
 * call succeeds once memory is back), and tearing it down must give back
 * every block. Client and server share this process: the count covers
 * both, which is what an application that starts both sees. */
#include <stdio.h>
#include <string.h>

#include "oom_rpc.h"
#include "test.h"

static bool allowed(cgrpc_status_code_t code, const cgrpc_error_t *err, const char *what,
                    size_t n) {
  if (code == CGRPC_STATUS_OK) return true;
  if (code == CGRPC_STATUS_RESOURCE_EXHAUSTED && err->message[0] != '\0') return true;
  TEST_FAIL_("%s, n=%zu: %s: \"%s\"", what, n, cgrpc_status_code_name(code), err->message);
  return false;
}

/* Server set-up, then a channel; both armed when `channel_only` is false. */
static size_t sweep(oom_mode_t mode, bool channel_only) {
  const char *what = channel_only ? "channel_new" : "server set-up and channel_new";
  long baseline = oom_live_blocks();
  size_t n;
  for (n = 1;; n++) {
    oom_watchdog(30, what);
    cgrpc_server_t *srv = NULL;
    cgrpc_channel_t *ch = NULL;
    cgrpc_error_t err = {0};
    int port = 0;
    if (!channel_only) oom_arm(n, mode);
    cgrpc_status_code_t rc = oom_server_start(&srv, &port, &err);
    allowed(rc, &err, "server set-up", n);
    if (rc == CGRPC_STATUS_OK) {
      if (channel_only) oom_arm(n, mode);
      rc = oom_channel_new(port, &ch, &err);
      allowed(rc, &err, "channel_new", n);
    }
    size_t failures = oom_failures();
    oom_disarm();
    if (failures == 0 && (!srv || !ch)) TEST_FAIL_("%s, n=%zu: failed with no failure", what, n);
    if (srv && ch) {
      /* What was set up works once memory is back. */
      oom_call_result_t r;
      oom_run_call(ch, OOM_UNARY, true, &r);
      if (r.code != CGRPC_STATUS_OK || !r.content_ok) {
        TEST_FAIL_("%s, n=%zu: then a call ended %s: \"%s\"", what, n,
                   cgrpc_status_code_name(r.code), r.message);
      }
    }
    cgrpc_channel_free(ch);
    if (srv) oom_server_stop(srv);
    long live = oom_wait_live(baseline, 1000);
    if (live != baseline) TEST_FAIL_("%s, n=%zu: %ld blocks leaked", what, n, live - baseline);
    if (failures == 0) break;
    if (n > 2000) {
      TEST_FAIL_("%s: still allocating at n=%zu", what, n);
      break;
    }
  }
  oom_watchdog(0, "");
  return n - 1;
}

static void test_server_and_channel(void) {
  size_t t = sweep(OOM_TRANSIENT, false);
  size_t p = sweep(OOM_PERSISTENT, false);
  fprintf(stderr, "  server set-up and channel: %zu / %zu allocation points\n", t, p);
  CHECK(t > 0);
}

static void test_channel(void) {
  size_t t = sweep(OOM_TRANSIENT, true);
  size_t p = sweep(OOM_PERSISTENT, true);
  fprintf(stderr, "  channel: %zu / %zu allocation points\n", t, p);
  CHECK(t > 0);
}

int main(void) {
  oom_install();
  oom_spare_known_bugs();
  TEST_RUN(test_server_and_channel);
  TEST_RUN(test_channel);
  return TEST_DONE();
}

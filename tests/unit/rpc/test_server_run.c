/* tests/unit/rpc/test_server_run.c — the short program's server: the bound
 * address as text, cgrpc_server_run() until SIGINT or SIGTERM (signals sent
 * to the process, as Ctrl-C and `kill` do), stopped from code, and the
 * caller's signal mask given back. */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>

#include "rpc_test_util.h"

static void h_unary(cgrpc_server_call_t *call, const void *request, void *ud) {
  const test_Msg *req = request;
  test_Msg resp = {.num = req->num + 1};
  cgrpc_server_call_reply(call, &resp);
}

static cgrpc_server_t *new_server(const char *address) {
  cgrpc_server_t *srv;
  cgrpc_error_t err;
  CHECK_EQ_INT(cgrpc_server_new(NULL, &srv, &err), CGRPC_STATUS_OK);
  CHECK_EQ_INT(cgrpc_server_listen(srv, address, NULL, &err), CGRPC_STATUS_OK);
  CHECK_EQ_INT(cgrpc_server_register(srv, &test_methods[M_UNARY], h_unary, NULL,
                                     CGRPC_HANDLER_BLOCKING, &err),
               CGRPC_STATUS_OK);
  return srv;
}

/* A unary call to the server at `address` (as listen_address gave it). */
static cgrpc_status_code_t call_server(const char *address) {
  cgrpc_channel_t *ch;
  if (cgrpc_channel_new(address, NULL, &ch, NULL) != CGRPC_STATUS_OK) return CGRPC_STATUS_UNKNOWN;
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  test_Msg req = {.num = 1}, resp;
  cgrpc_call_options_t opts = {.wait_for_ready = true};
  cgrpc_status_code_t code =
      cgrpc_unary(ch, &test_methods[M_UNARY], &req, &resp, &arena, &opts, NULL);
  if (code == CGRPC_STATUS_OK && resp.num != 2) code = CGRPC_STATUS_INTERNAL;
  cgrpc_arena_free(&arena);
  cgrpc_channel_free(ch);
  return code;
}

static bool stop_signals_blocked(void) {
  sigset_t now;
  pthread_sigmask(SIG_BLOCK, NULL, &now);
  return sigismember(&now, SIGINT) || sigismember(&now, SIGTERM);
}

/* Blocks the stop signals in the calling (helper) thread, as the contract
 * asks of threads that exist before cgrpc_server_run(). */
static void block_stop_signals(void) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, NULL);
}

/* ---- The bound address ----------------------------------------------------------------- */

static void test_listen_address_reports_what_was_bound(void) {
  cgrpc_server_t *srv;
  cgrpc_error_t err;
  CHECK_EQ_INT(cgrpc_server_new(NULL, &srv, &err), CGRPC_STATUS_OK);
  CHECK(cgrpc_server_listen_address(srv, 0) == NULL);
  int port = 0;
  CHECK_EQ_INT(cgrpc_server_listen(srv, "127.0.0.1:0", &port, &err), CGRPC_STATUS_OK);
  const char *first = cgrpc_server_listen_address(srv, 0);
  char want[64];
  snprintf(want, sizeof want, "127.0.0.1:%d", port);
  CHECK_EQ_STR(first, want);
  char path[64];
  snprintf(path, sizeof path, "unix:/tmp/cgrpc-run-test-%d.sock", (int)getpid());
  CHECK_EQ_INT(cgrpc_server_listen(srv, path, NULL, &err), CGRPC_STATUS_OK);
  CHECK_EQ_STR(cgrpc_server_listen_address(srv, 1), path);
  bool v6 = cgrpc_server_listen(srv, "[::1]:0", &port, &err) == CGRPC_STATUS_OK;
  if (v6) {
    snprintf(want, sizeof want, "[::1]:%d", port);
    CHECK_EQ_STR(cgrpc_server_listen_address(srv, 2), want);
  } else {
    fprintf(stderr, "  (no IPv6 loopback: %s)\n", err.message);
  }
  CHECK(cgrpc_server_listen_address(srv, v6 ? 3 : 2) == NULL);
  /* A failed listen adds nothing; earlier strings stay where they were. */
  CHECK(cgrpc_server_listen(srv, "not an address:x", NULL, &err) != CGRPC_STATUS_OK);
  CHECK(cgrpc_server_listen_address(srv, 0) == first);
  /* The text is the address a channel needs. */
  CHECK_EQ_INT(cgrpc_server_register(srv, &test_methods[M_UNARY], h_unary, NULL,
                                     CGRPC_HANDLER_BLOCKING, &err),
               CGRPC_STATUS_OK);
  CHECK_EQ_INT(cgrpc_server_start(srv, &err), CGRPC_STATUS_OK);
  CHECK_EQ_INT(call_server(first), CGRPC_STATUS_OK);
  CHECK_EQ_INT(call_server(path), CGRPC_STATUS_OK);
  cgrpc_server_shutdown(srv, 0);
  CHECK_EQ_STR(cgrpc_server_listen_address(srv, 1), path); /* still there after shutdown */
  cgrpc_server_free(srv);
}

/* ---- Run until a signal ---------------------------------------------------------------- */

typedef struct signaller {
  cgrpc_server_t *srv;
  const char *address;
  int signo; /* 0: cgrpc_server_stop_run(); -1: cgrpc_server_shutdown() */
  atomic_int served;
} signaller_t;

/* Waits until the server answers, then stops it the way `signo` says. */
static void *stop_when_serving(void *arg) {
  signaller_t *s = arg;
  block_stop_signals();
  atomic_store(&s->served, call_server(s->address) == CGRPC_STATUS_OK);
  if (s->signo > 0) {
    kill(getpid(), s->signo);
  } else if (s->signo == 0) {
    cgrpc_server_stop_run(s->srv);
  } else {
    cgrpc_server_shutdown(s->srv, CGRPC_NS_PER_SEC);
  }
  return NULL;
}

static void run_until(int signo) {
  cgrpc_server_t *srv = new_server("127.0.0.1:0");
  signaller_t s = {srv, cgrpc_server_listen_address(srv, 0), signo, 0};
  pthread_t t;
  pthread_create(&t, NULL, stop_when_serving, &s);
  cgrpc_error_t err;
  CHECK(!stop_signals_blocked());
  CHECK_EQ_INT(cgrpc_server_run(srv, CGRPC_NS_PER_SEC, &err), CGRPC_STATUS_OK);
  CHECK(!stop_signals_blocked()); /* the caller's mask is back */
  pthread_join(t, NULL);
  CHECK_EQ_INT(atomic_load(&s.served), 1);
  /* The server is shut down: no longer reachable, and run refuses to run again. */
  CHECK_EQ_INT(cgrpc_server_run(srv, 0, &err), CGRPC_STATUS_FAILED_PRECONDITION);
  cgrpc_server_free(srv);
}

static void test_run_until_sigint(void) { run_until(SIGINT); }
static void test_run_until_sigterm(void) { run_until(SIGTERM); }
static void test_run_until_stop_run(void) { run_until(0); }
static void test_run_until_shutdown_from_another_thread(void) { run_until(-1); }

/* Stopped before it waits: run starts the server, then shuts it down at once. */
static void test_stop_before_run_returns_at_once(void) {
  cgrpc_server_t *srv = new_server("127.0.0.1:0");
  cgrpc_server_stop_run(srv);
  int64_t t0 = cgrpc_clock_now();
  CHECK_EQ_INT(cgrpc_server_run(srv, CGRPC_NS_PER_SEC, NULL), CGRPC_STATUS_OK);
  CHECK(cgrpc_clock_now() - t0 < 2 * CGRPC_NS_PER_SEC);
  CHECK(!stop_signals_blocked());
  /* No stray signal is left for this thread once the mask is back. */
  sigset_t pending;
  sigpending(&pending);
  CHECK(!sigismember(&pending, SIGTERM));
  cgrpc_server_free(srv);
}

/* A caller that had the signals blocked keeps them blocked. */
static void test_run_keeps_a_mask_that_blocked_the_signals(void) {
  sigset_t set, before;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, &before);
  cgrpc_server_t *srv = new_server("127.0.0.1:0");
  cgrpc_server_stop_run(srv);
  CHECK_EQ_INT(cgrpc_server_run(srv, 0, NULL), CGRPC_STATUS_OK);
  sigset_t now;
  pthread_sigmask(SIG_BLOCK, NULL, &now);
  CHECK(sigismember(&now, SIGINT));
  CHECK(!sigismember(&now, SIGTERM));
  pthread_sigmask(SIG_SETMASK, &before, NULL);
  cgrpc_server_free(srv);
}

/* A server already shut down: run says why and leaves the mask alone. */
static void test_run_refuses_a_server_shut_down(void) {
  cgrpc_server_t *srv = new_server("127.0.0.1:0");
  cgrpc_server_shutdown(srv, 0); /* never started: shutdown marks it done */
  cgrpc_error_t err;
  CHECK_EQ_INT(cgrpc_server_run(srv, 0, &err), CGRPC_STATUS_FAILED_PRECONDITION);
  CHECK(strstr(err.message, "cgrpc_server_run") != NULL);
  CHECK(!stop_signals_blocked());
  cgrpc_server_free(srv);
}

int main(void) {
  TEST_RUN(test_listen_address_reports_what_was_bound);
  TEST_RUN(test_run_until_sigint);
  TEST_RUN(test_run_until_sigterm);
  TEST_RUN(test_run_until_stop_run);
  TEST_RUN(test_run_until_shutdown_from_another_thread);
  TEST_RUN(test_stop_before_run_returns_at_once);
  TEST_RUN(test_run_keeps_a_mask_that_blocked_the_signals);
  TEST_RUN(test_run_refuses_a_server_shut_down);
  return TEST_DONE();
}

/* tests/faults/test_server_killed.c — the server process dies (SIGKILL)
 * while calls are in flight, then comes back on the same port.
 *
 * The client must notice at once (the kernel closes the dead server's
 * sockets, so the connection ends with EOF or a reset), fail the calls it
 * carried with UNAVAILABLE, fail new calls fast while nothing listens, and
 * connect again by itself once the server is back: the application keeps
 * its channel. The server is this executable run in a child with --serve.
 */
#define _POSIX_C_SOURCE 200809L

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "fault_calls.h"

/* A dead server is noticed through the socket, not a timer: this bound is
 * generous for a loaded machine and far below any timeout in play. */
#define PROMPT_MS 1000

/* The child runs this same program; argv[0] may be relative to a directory
 * the test runner changed away from. */
static const char *const g_exe = "/proc/self/exe";

static int serve(int port) {
  int bound = 0;
  cgrpc_server_t *srv = fault_server_start(port, "child", &bound);
  if (!srv) {
    fprintf(stderr, "fault server: cannot listen on port %d\n", port);
    return 1;
  }
  printf("PORT %d\n", bound);
  fflush(stdout);
  for (;;) pause(); /* until killed */
}

/* This binary's server mode in a child, and a channel to it; NULL (the
 * test failed) when either cannot be had. */
static cgrpc_channel_t *start_server(fault_proc_t *server) {
  bool up = fault_self_spawn(server, g_exe, 0);
  cgrpc_channel_t *ch = up ? test_loopback_channel(server->port, NULL) : NULL;
  CHECK(ch != NULL);
  if (up && !ch) fault_proc_stop(server, SIGKILL);
  return ch;
}

/* A server-streaming call that has received a few messages loses its server. */
static void test_stream_fails_fast_and_channel_reconnects(void) {
  fault_proc_t server;
  cgrpc_channel_t *ch = start_server(&server);
  if (!ch) return;
  int port = server.port;

  cgrpc_call_t *call = cgrpc_call_start(ch, &test_methods[M_SERVER_STREAM], NULL);
  test_Msg req = {.num = 100000}, m;
  CHECK(cgrpc_call_send(call, &req, 0, NULL, NULL));
  cgrpc_call_half_close(call);
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  int received = 0;
  while (received < 3 && cgrpc_call_recv(call, &m, &arena, NULL, NULL)) received++;
  CHECK_EQ_INT(received, 3);

  int64_t t0 = fault_now_ms();
  fault_proc_stop(&server, SIGKILL);
  while (cgrpc_call_recv(call, &m, &arena, NULL, NULL)) received++;
  cgrpc_status_t st;
  cgrpc_status_code_t code = cgrpc_call_finish(call, &arena, &st);
  int64_t took = fault_now_ms() - t0;
  fprintf(stderr, "  stream after SIGKILL: %s \"%s\" after %lld ms (%d messages)\n",
          cgrpc_status_code_name(code), st.message.data, (long long)took, received);
  CHECK_EQ_INT(code, CGRPC_STATUS_UNAVAILABLE);
  CHECK(strstr(st.message.data, "connection lost") != NULL);
  CHECK(took < PROMPT_MS);
  cgrpc_arena_free(&arena);
  char rest[64];
  fault_proc_output(&server, rest, sizeof rest);

  /* Nothing listens: fail fast, saying why. */
  fault_result_t r = fault_unary(ch, M_UNARY, 1, NULL);
  fault_report("call while the server is down", &r);
  CHECK_EQ_INT(r.code, CGRPC_STATUS_UNAVAILABLE);
  CHECK(strstr(r.message, "refused") != NULL);
  CHECK(r.took_ms < PROMPT_MS);

  /* The server comes back on the same port; the channel finds it after its
   * backoff (1 s +- 20 % by default) and a waiting call goes through. */
  CHECK(fault_self_spawn(&server, g_exe, port));
  cgrpc_call_options_t wait = {.wait_for_ready = true, .timeout_ns = 10 * CGRPC_NS_PER_SEC};
  r = fault_unary(ch, M_UNARY, 41, &wait);
  fault_report("wait-for-ready call after the restart", &r);
  CHECK_EQ_INT(r.code, CGRPC_STATUS_OK);
  CHECK_EQ_INT(r.num, 42);
  CHECK(r.took_ms < 1200 + PROMPT_MS);
  r = fault_unary(ch, M_UNARY, 1, NULL);
  CHECK_EQ_INT(r.code, CGRPC_STATUS_OK);
  CHECK(r.took_ms < PROMPT_MS);

  cgrpc_channel_free(ch);
  fault_proc_stop(&server, SIGKILL);
  fault_proc_output(&server, rest, sizeof rest);
}

typedef struct bg_unary {
  cgrpc_channel_t *ch;
  int method, num;
  fault_result_t r;
  int64_t end_ms;
} bg_unary_t;

static void *bg_unary_main(void *arg) {
  bg_unary_t *b = arg;
  b->r = fault_unary(b->ch, b->method, b->num, NULL);
  b->end_ms = fault_now_ms();
  return NULL;
}

/* Unary calls waiting for a slow handler lose their server: every one of
 * them fails UNAVAILABLE at once; the next call after the restart works
 * without waiting (a lost ready connection is not a failed attempt, so no
 * backoff applies). */
static void test_unary_calls_fail_fast(void) {
  fault_proc_t server;
  cgrpc_channel_t *ch = start_server(&server);
  if (!ch) return;
  int port = server.port;
  CHECK_EQ_INT(fault_unary(ch, M_UNARY, 1, NULL).code, CGRPC_STATUS_OK);
  enum { N = 4 };
  bg_unary_t calls[N];
  pthread_t threads[N];
  for (int i = 0; i < N; i++) {
    calls[i] = (bg_unary_t){.ch = ch, .method = M_SLOW, .num = 30000};
    pthread_create(&threads[i], NULL, bg_unary_main, &calls[i]);
  }
  test_sleep_ms(300); /* the calls reach the handler */
  int64_t t0 = fault_now_ms();
  fault_proc_stop(&server, SIGKILL);
  for (int i = 0; i < N; i++) {
    pthread_join(threads[i], NULL);
    fault_report("slow call after SIGKILL", &calls[i].r);
    fprintf(stderr, "    ended %lld ms after the kill\n", (long long)(calls[i].end_ms - t0));
    CHECK_EQ_INT(calls[i].r.code, CGRPC_STATUS_UNAVAILABLE);
    CHECK(calls[i].end_ms - t0 < PROMPT_MS);
  }
  char rest[64];
  fault_proc_output(&server, rest, sizeof rest);
  CHECK(fault_self_spawn(&server, g_exe, port));
  fault_result_t r = fault_unary(ch, M_UNARY, 7, NULL);
  fault_report("first call after the restart", &r);
  CHECK_EQ_INT(r.code, CGRPC_STATUS_OK);
  CHECK_EQ_INT(r.num, 8);
  cgrpc_channel_free(ch);
  fault_proc_stop(&server, SIGKILL);
  fault_proc_output(&server, rest, sizeof rest);
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "--serve") == 0) return serve(atoi(argv[2]));
  TEST_RUN(test_stream_fails_fast_and_channel_reconnects);
  TEST_RUN(test_unary_calls_fail_fast);
  return TEST_DONE();
}

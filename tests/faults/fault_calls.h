/* tests/faults/fault_calls.h — calls and a small server over the rpc tests'
 * message type (tests/unit/rpc/rpc_test_util.h), for the fault tests.
 *
 * Header-only because it sits on rpc_test_util.h, whose harness state is
 * per test executable.
 */
#ifndef CGRPC_TESTS_FAULTS_FAULT_CALLS_H
#define CGRPC_TESTS_FAULTS_FAULT_CALLS_H

#include <stdio.h>

#include "fault_util.h"
#include "unit/rpc/rpc_test_util.h"

/* What a finished unary call reported. */
typedef struct fault_result {
  cgrpc_status_code_t code;
  int num;           /* the response's num */
  char text[64];     /* the response's text */
  char message[256]; /* the status message */
  int64_t took_ms;
} fault_result_t;

static inline fault_result_t fault_unary(cgrpc_channel_t *ch, int method, int num,
                                         const cgrpc_call_options_t *opts) {
  fault_result_t r = {0};
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  test_Msg req = {.num = num}, resp = {0};
  cgrpc_status_t st;
  int64_t t0 = fault_now_ms();
  r.code = cgrpc_unary(ch, &test_methods[method], &req, &resp, &arena, opts, &st);
  r.took_ms = fault_now_ms() - t0;
  r.num = resp.num;
  snprintf(r.text, sizeof r.text, "%.*s", (int)resp.text.len, resp.text.data);
  snprintf(r.message, sizeof r.message, "%s", st.message.data);
  cgrpc_arena_free(&arena);
  return r;
}

/* Prints what a call got, so a failing check comes with its story. */
static inline void fault_report(const char *what, const fault_result_t *r) {
  fprintf(stderr, "  %s: %s \"%s\" after %lld ms\n", what, cgrpc_status_code_name(r->code),
          r->message, (long long)r->took_ms);
}

/* ---- A cgrpc server -------------------------------------------------------------------- */

/* Unary: replies {num + 1, text = the server's tag}. */
static inline void fault_h_unary(cgrpc_server_call_t *call, const void *request, void *tag) {
  const test_Msg *req = request;
  test_Msg resp = {.text = test_str(tag), .num = req->num + 1};
  cgrpc_server_call_reply(call, &resp);
}

/* Slow: sleeps num ms (less if cancelled), then replies like Unary. */
static inline void fault_h_slow(cgrpc_server_call_t *call, const void *request, void *tag) {
  const test_Msg *req = request;
  for (int i = 0; i < req->num / 10 && !cgrpc_server_call_cancelled(call); i++) test_sleep_ms(10);
  fault_h_unary(call, request, tag);
}

/* ServerStream: num messages {i}, one every 10 ms, then OK. */
static inline void fault_h_stream(cgrpc_server_call_t *call, const void *request, void *tag) {
  const test_Msg *req = request;
  for (int i = 0; i < req->num && !cgrpc_server_call_cancelled(call); i++) {
    test_Msg m = {.text = test_str(tag), .num = i};
    if (!cgrpc_server_call_write(call, &m, 0, NULL, NULL)) break;
    test_sleep_ms(10);
  }
  cgrpc_server_call_finish(call, CGRPC_STATUS_OK, NULL, NULL);
}

/* A started server on 127.0.0.1:port (0: free; the port in *bound) whose
 * replies carry `tag` (a string that outlives the server). NULL when it
 * cannot listen (e.g. the port is still taken). */
static inline cgrpc_server_t *fault_server_start(int port, const char *tag, int *bound) {
  cgrpc_server_t *srv;
  cgrpc_error_t err;
  char address[64];
  snprintf(address, sizeof address, "127.0.0.1:%d", port);
  cgrpc_server_options_t so = CGRPC_SERVER_OPTIONS_INIT;
  so.loop_threads = 1;
  so.worker_threads = 4;
  if (cgrpc_server_new(&so, &srv, &err) != CGRPC_STATUS_OK) return NULL;
  void *ud = (void *)tag;
  if (cgrpc_server_listen(srv, address, bound, &err) != CGRPC_STATUS_OK ||
      cgrpc_server_register(srv, &test_methods[M_UNARY], fault_h_unary, ud, CGRPC_HANDLER_BLOCKING,
                            &err) != CGRPC_STATUS_OK ||
      cgrpc_server_register(srv, &test_methods[M_SLOW], fault_h_slow, ud, CGRPC_HANDLER_BLOCKING,
                            &err) != CGRPC_STATUS_OK ||
      cgrpc_server_register(srv, &test_methods[M_SERVER_STREAM], fault_h_stream, ud,
                            CGRPC_HANDLER_BLOCKING, &err) != CGRPC_STATUS_OK ||
      cgrpc_server_start(srv, &err) != CGRPC_STATUS_OK) {
    cgrpc_server_free(srv);
    return NULL;
  }
  return srv;
}

#endif /* CGRPC_TESTS_FAULTS_FAULT_CALLS_H */

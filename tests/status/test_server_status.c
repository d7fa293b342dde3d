/* tests/status/test_server_status.c — every status a cgrpc server produces
 * by itself, as the client sees it.
 *
 * A cgrpc server runs in this process. Well-behaved situations (unknown
 * methods, limits, deadlines, shutdown) are driven by a cgrpc client; those
 * that need a client breaking the protocol (an unknown grpc-encoding, a
 * corrupt or unparseable request, two requests to a unary method) by
 * status_peer.py in client mode, whose printout of the response ("HTTP 200",
 * "H grpc-status: 12", "RST 8", ...) the tests search. Each test asserts the
 * exact code and that the message says what happened.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#include "status_util.h"
#include "unit/rpc/rpc_test_util.h"

/* The server's receive limit, small so a test can exceed it cheaply. */
#define RECEIVE_LIMIT 1024

static atomic_int slow_cancelled; /* Slow handlers that saw their call cancelled */
static atomic_int slow_running;

/* Unary: replies {num + 1}. */
static void h_unary(cgrpc_server_call_t *call, const void *request, void *ud) {
  const test_Msg *req = request;
  test_Msg resp = {.num = req->num + 1};
  cgrpc_server_call_reply(call, &resp);
}

/* Slow: waits num ms, or until cancelled (and notes that), then replies. */
static void h_slow(cgrpc_server_call_t *call, const void *request, void *ud) {
  const test_Msg *req = request;
  atomic_fetch_add(&slow_running, 1);
  for (int i = 0; i < req->num / 5 && !cgrpc_server_call_cancelled(call); i++) test_sleep_ms(5);
  if (cgrpc_server_call_cancelled(call)) atomic_fetch_add(&slow_cancelled, 1);
  atomic_fetch_sub(&slow_running, 1);
  h_unary(call, request, ud);
}

static cgrpc_server_t *server_start(int *port) {
  cgrpc_server_t *srv;
  cgrpc_error_t err;
  cgrpc_server_options_t so = CGRPC_SERVER_OPTIONS_INIT;
  so.loop_threads = 1;
  so.worker_threads = 4;
  so.max_receive_message_size = RECEIVE_LIMIT;
  if (cgrpc_server_new(&so, &srv, &err) != CGRPC_STATUS_OK) return NULL;
  if (cgrpc_server_listen(srv, "127.0.0.1:0", port, &err) != CGRPC_STATUS_OK ||
      cgrpc_server_register(srv, &test_methods[M_UNARY], h_unary, NULL, CGRPC_HANDLER_BLOCKING,
                            &err) != CGRPC_STATUS_OK ||
      cgrpc_server_register(srv, &test_methods[M_SLOW], h_slow, NULL, CGRPC_HANDLER_BLOCKING,
                            &err) != CGRPC_STATUS_OK ||
      cgrpc_server_start(srv, &err) != CGRPC_STATUS_OK) {
    fprintf(stderr, "  server: %s\n", err.message);
    cgrpc_server_free(srv);
    return NULL;
  }
  return srv;
}

static cgrpc_server_t *server;
static int port;
static cgrpc_channel_t *channel;

static status_result_t call_on(cgrpc_channel_t *ch, const cgrpc_pb_method_t *m, const test_Msg *req,
                               int64_t timeout_ms) {
  cgrpc_call_options_t opts = {.timeout_ns = timeout_ms * CGRPC_NS_PER_MS};
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  test_Msg resp = {0};
  cgrpc_status_t st;
  status_result_t r = {0};
  int64_t t0 = status_now_ms();
  r.code = cgrpc_unary(ch, m, req, &resp, &arena, &opts, &st);
  r.took_ms = status_now_ms() - t0;
  snprintf(r.message, sizeof r.message, "%s", st.message.data);
  cgrpc_arena_free(&arena);
  fprintf(stderr, "  %-24s %s \"%s\" (%lld ms)\n", m->path, cgrpc_status_code_name(r.code),
          r.message, (long long)r.took_ms);
  return r;
}

/* status_peer.py as a broken client; true when its printout has every one
 * of the NULL-terminated `want` lines. */
static bool peer_sees(const char *scenario, const char *const want[]) {
  char out[4096];
  if (!status_peer_client_run(port, scenario, out, sizeof out)) return false;
  for (size_t i = 0; want[i]; i++) {
    if (!strstr(out, want[i])) {
      fprintf(stderr, "  client %s: no \"%s\" in:\n%s", scenario, want[i], out);
      return false;
    }
  }
  return true;
}

/* ---- Methods ------------------------------------------------------------------------ */

static void test_method_unknown(void) {
  test_Msg req = {.num = 1};
  status_result_t r = call_on(channel, &test_unknown_method, &req, 5000);
  CHECK_EQ_INT(r.code, CGRPC_STATUS_UNIMPLEMENTED);
  CHECK_EQ_STR(r.message, "unknown method /test.Svc/Nope");
}

static void test_service_unknown(void) {
  test_Msg req = {.num = 1};
  status_result_t r = call_on(channel, &test_unknown_service, &req, 5000);
  CHECK_EQ_INT(r.code, CGRPC_STATUS_UNIMPLEMENTED);
  CHECK_EQ_STR(r.message, "unknown method /other.Svc/X");
}

/* ---- Requests ----------------------------------------------------------------------- */

static void test_unsupported_request_compression(void) {
  const char *const want[] = {
      "HTTP 200", "grpc-status: 12", "snappy-x", "grpc-accept-encoding: ", "gzip", NULL};
  CHECK(peer_sees("unknown_encoding", want));
}

static void test_unparseable_request(void) {
  const char *const want[] = {"grpc-status: 13", "could not parse a test.Msg", NULL};
  CHECK(peer_sees("unparseable", want));
}

static void test_bad_compressed_flag(void) {
  const char *const flag[] = {"grpc-status: 13", "flag byte 0x02", NULL};
  CHECK(peer_sees("bad_flag", flag));
  const char *const no_encoding[] = {"grpc-status: 13", "compressed message received", NULL};
  CHECK(peer_sees("compressed_without_encoding", no_encoding));
}

static void test_request_decompression_failure(void) {
  const char *const want[] = {"grpc-status: 13", "corrupt gzip message", NULL};
  CHECK(peer_sees("corrupt_gzip", want));
}

static void test_request_cut_off(void) {
  const char *const want[] = {"grpc-status: 13", "stream ended inside a message", NULL};
  CHECK(peer_sees("cut_message", want));
}

static void test_request_over_limit(void) {
  char blob[RECEIVE_LIMIT * 2] = {0};
  test_Msg req = {.blob = {blob, sizeof blob}};
  status_result_t r = call_on(channel, &test_methods[M_UNARY], &req, 5000);
  CHECK_EQ_INT(r.code, CGRPC_STATUS_RESOURCE_EXHAUSTED);
  CHECK(status_message_has(&r, "exceeds the limit of 1024 bytes"));
}

/* Unary methods take exactly one request (statuscodes.md: request
 * cardinality violation is UNIMPLEMENTED). */
static void test_unary_request_cardinality(void) {
  const char *const zero[] = {"grpc-status: 12", "no request message", NULL};
  CHECK(peer_sees("zero_messages", zero));
  const char *const two[] = {"grpc-status: 12", "more than one message", NULL};
  CHECK(peer_sees("two_messages", two));
  const char *const one[] = {"grpc-status: 0", "DATA ", NULL};
  CHECK(peer_sees("ok", one));
}

/* ---- Deadlines -------------------------------------------------------------------------- */

static void test_deadline_already_expired(void) {
  const char *const want[] = {"grpc-status: 4", NULL};
  CHECK(peer_sees("expired", want));
}

static void test_malformed_timeout(void) {
  const char *const want[] = {"grpc-status: 13", "malformed grpc-timeout", NULL};
  CHECK(peer_sees("malformed_timeout", want));
}

/* A client that sets grpc-timeout but never enforces it: the server ends
 * the call itself and its handler sees the cancellation. The handler had not
 * started a response, so the client is told DEADLINE_EXCEEDED (Trailers-Only),
 * as C-core servers do, rather than only reset. */
static void test_server_enforces_deadline(void) {
  int before = atomic_load(&slow_cancelled);
  char out[4096];
  int64_t t0 = status_now_ms();
  CHECK(status_peer_client_run(port, "timeout", out, sizeof out));
  int64_t took = status_now_ms() - t0;
  CHECK(strstr(out, "grpc-status: 4") != NULL);
  if (!strstr(out, "grpc-status: 4")) fprintf(stderr, "  the peer saw:\n%s", out);
  CHECK(took < 2500); /* the handler would take 5 s */
  for (int i = 0; i < 200 && atomic_load(&slow_cancelled) == before; i++) test_sleep_ms(5);
  CHECK_EQ_INT(atomic_load(&slow_cancelled), before + 1);
}

static void test_client_deadline_reaches_handler(void) {
  int before = atomic_load(&slow_cancelled);
  test_Msg req = {.num = 5000};
  status_result_t r = call_on(channel, &test_methods[M_SLOW], &req, 150);
  CHECK_EQ_INT(r.code, CGRPC_STATUS_DEADLINE_EXCEEDED);
  CHECK(status_message_has(&r, "deadline exceeded"));
  CHECK(r.took_ms < 2000);
  for (int i = 0; i < 200 && atomic_load(&slow_cancelled) == before; i++) test_sleep_ms(5);
  CHECK_EQ_INT(atomic_load(&slow_cancelled), before + 1);
}

/* ---- Shutdown ------------------------------------------------------------------------------ */

typedef struct slow_call {
  cgrpc_channel_t *ch;
  status_result_t r;
} slow_call_t;

static void *run_slow_call(void *arg) {
  slow_call_t *sc = arg;
  test_Msg req = {.num = 10000};
  sc->r = call_on(sc->ch, &test_methods[M_SLOW], &req, 10000);
  return NULL;
}

static void *run_shutdown(void *arg) {
  cgrpc_server_shutdown(arg, 300 * CGRPC_NS_PER_MS);
  return NULL;
}

/* New calls during shutdown fail UNAVAILABLE; a call still running when
 * the grace period ends is cut off, and its client sees UNAVAILABLE too. */
static void test_server_shutting_down(void) {
  int p = 0;
  cgrpc_server_t *srv = server_start(&p);
  CHECK(srv != NULL);
  if (!srv) return;
  cgrpc_channel_t *ch = test_loopback_channel(p, NULL);
  test_Msg req = {.num = 1};
  CHECK_EQ_INT(call_on(ch, &test_methods[M_UNARY], &req, 5000).code, CGRPC_STATUS_OK);

  slow_call_t sc = {.ch = ch};
  pthread_t caller, stopper;
  pthread_create(&caller, NULL, run_slow_call, &sc);
  for (int i = 0; i < 400 && atomic_load(&slow_running) == 0; i++) test_sleep_ms(5);
  pthread_create(&stopper, NULL, run_shutdown, srv);
  test_sleep_ms(100);
  status_result_t r = call_on(ch, &test_methods[M_UNARY], &req, 5000);
  CHECK_EQ_INT(r.code, CGRPC_STATUS_UNAVAILABLE);
  CHECK(r.took_ms < 2000);
  pthread_join(stopper, NULL);
  pthread_join(caller, NULL);
  CHECK_EQ_INT(sc.r.code, CGRPC_STATUS_UNAVAILABLE);
  CHECK(status_message_has(&sc.r, "connection lost"));
  CHECK(sc.r.took_ms < 5000);
  cgrpc_channel_free(ch);
  cgrpc_server_free(srv);
}

int main(void) {
  server = server_start(&port);
  if (!server) return 1;
  channel = test_loopback_channel(port, NULL);
  if (!channel) return 1;
  TEST_RUN(test_method_unknown);
  TEST_RUN(test_service_unknown);
  TEST_RUN(test_unsupported_request_compression);
  TEST_RUN(test_unparseable_request);
  TEST_RUN(test_bad_compressed_flag);
  TEST_RUN(test_request_decompression_failure);
  TEST_RUN(test_request_cut_off);
  TEST_RUN(test_request_over_limit);
  TEST_RUN(test_unary_request_cardinality);
  TEST_RUN(test_deadline_already_expired);
  TEST_RUN(test_malformed_timeout);
  TEST_RUN(test_server_enforces_deadline);
  TEST_RUN(test_client_deadline_reaches_handler);
  TEST_RUN(test_server_shutting_down);
  cgrpc_channel_free(channel);
  cgrpc_server_free(server);
  return TEST_DONE();
}

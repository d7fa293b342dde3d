/* tests/unit/rpc/lb_test_util.h — backends for the load-balancing tests:
 * cgrpc servers on loopback addresses (127.0.0.x), each counting the calls
 * it answered, and a way to start several on one port (a DNS name gives
 * addresses, and the target the port). */
#ifndef CGRPC_TESTS_UNIT_RPC_LB_TEST_UTIL_H
#define CGRPC_TESTS_UNIT_RPC_LB_TEST_UTIL_H

#include <stdatomic.h>

#include "rpc_test_util.h"

typedef struct backend backend_t;
struct backend {
  cgrpc_server_t *srv;
  char ip[32];
  int port;
  atomic_int calls;
  bool with_health;   /* serve grpc.health.v1.Health/Watch (set before start) */
  atomic_int health;  /* what Watch says: 1 SERVING, 2 NOT_SERVING */
  atomic_int watches; /* Watch calls received */
  /* Runs before the server starts (set before backend_start), to register
   * more services; `extra` is its to use. */
  void (*before_start)(struct backend *b);
  void *extra;
};

/* grpc.health.v1's messages, by hand (the tests do not use the generator). */
typedef struct hc_request {
  cgrpc_str_t _unknown;
  cgrpc_str_t service;
} hc_request_t;
typedef struct hc_response {
  cgrpc_str_t _unknown;
  int32_t status;
} hc_response_t;
static const cgrpc_pb_field_t hc_request_fields[] = {
    {1, offsetof(hc_request_t, service), 0, 0, CGRPC_PB_STRING, 0, 0}};
static const cgrpc_pb_field_t hc_response_fields[] = {
    {1, offsetof(hc_response_t, status), 0, 0, CGRPC_PB_INT32, 0, 0}};
static const char *const hc_service_names[] = {"service"};
static const char *const hc_status_names[] = {"status"};
static const cgrpc_pb_msg_table_t hc_request_table = {"grpc.health.v1.HealthCheckRequest",
                                                      hc_request_fields,
                                                      NULL,
                                                      hc_service_names,
                                                      hc_service_names,
                                                      NULL,
                                                      sizeof(hc_request_t),
                                                      1,
                                                      1,
                                                      0};
static const cgrpc_pb_msg_table_t hc_response_table = {"grpc.health.v1.HealthCheckResponse",
                                                       hc_response_fields,
                                                       NULL,
                                                       hc_status_names,
                                                       hc_status_names,
                                                       NULL,
                                                       sizeof(hc_response_t),
                                                       1,
                                                       1,
                                                       0};
static const cgrpc_pb_method_t hc_watch_method = {
    "Watch", "/grpc.health.v1.Health/Watch", &hc_request_table, &hc_response_table, false, true};

/* Watch: the backend's `health`, again each time it changes, until the
 * client goes away. */
static void backend_watch(cgrpc_server_call_t *call, const void *request, void *ud) {
  (void)request;
  backend_t *b = ud;
  atomic_fetch_add(&b->watches, 1);
  int sent = 0;
  while (!cgrpc_server_call_cancelled(call)) {
    int now = atomic_load(&b->health);
    if (now != sent) {
      hc_response_t resp = {.status = now};
      if (!cgrpc_server_call_write(call, &resp, 0, NULL, NULL)) break;
      sent = now;
    }
    test_sleep_ms(5);
  }
  cgrpc_server_call_finish(call, CGRPC_STATUS_OK, NULL, NULL);
}

static void backend_unary(cgrpc_server_call_t *call, const void *request, void *ud) {
  backend_t *b = ud;
  atomic_fetch_add(&b->calls, 1);
  const test_Msg *req = request;
  test_Msg resp = {.text = req->text, .num = req->num + 1};
  cgrpc_server_call_reply(call, &resp);
}

/* Starts a backend on ip:port (port 0: any). False when the port is taken. */
static inline bool backend_start(backend_t *b, const char *ip, int port) {
  cgrpc_error_t err;
  cgrpc_server_options_t so = CGRPC_SERVER_OPTIONS_INIT;
  so.loop_threads = 1;
  atomic_store(&b->calls, 0);
  snprintf(b->ip, sizeof b->ip, "%s", ip);
  char addr[64];
  snprintf(addr, sizeof addr, "%s:%d", ip, port);
  CHECK_EQ_INT(cgrpc_server_new(&so, &b->srv, &err), CGRPC_STATUS_OK);
  if (cgrpc_server_listen(b->srv, addr, &b->port, &err) != CGRPC_STATUS_OK) {
    cgrpc_server_free(b->srv);
    b->srv = NULL;
    return false;
  }
  CHECK_EQ_INT(cgrpc_server_register(b->srv, &test_methods[M_UNARY], backend_unary, b,
                                     CGRPC_HANDLER_INLINE, &err),
               CGRPC_STATUS_OK);
  if (b->with_health) {
    if (atomic_load(&b->health) == 0) atomic_store(&b->health, 1);
    CHECK_EQ_INT(cgrpc_server_register(b->srv, &hc_watch_method, backend_watch, b,
                                       CGRPC_HANDLER_BLOCKING, &err),
                 CGRPC_STATUS_OK);
  }
  if (b->before_start) b->before_start(b);
  CHECK_EQ_INT(cgrpc_server_start(b->srv, &err), CGRPC_STATUS_OK);
  return true;
}

static inline void backend_stop(backend_t *b) {
  if (!b->srv) return;
  cgrpc_server_shutdown(b->srv, 0);
  cgrpc_server_free(b->srv);
  b->srv = NULL;
}

/* Starts n backends on 127.0.0.(first..first+n-1), all on one free port. */
static inline int backends_start_same_port(backend_t *bs, int n, int first) {
  for (int attempt = 0; attempt < 20; attempt++) {
    char ip[32];
    snprintf(ip, sizeof ip, "127.0.0.%d", first);
    if (!backend_start(&bs[0], ip, 0)) continue;
    int port = bs[0].port;
    int ok = 1;
    for (int i = 1; i < n && ok; i++) {
      snprintf(ip, sizeof ip, "127.0.0.%d", first + i);
      ok = backend_start(&bs[i], ip, port);
      if (!ok) {
        for (int j = 0; j < i; j++) backend_stop(&bs[j]);
      }
    }
    if (ok) return port;
  }
  return -1;
}

/* One unary call; its status code. */
static inline cgrpc_status_code_t lb_call(cgrpc_channel_t *ch, bool wait_for_ready) {
  test_Msg req = {.text = test_str("x"), .num = 1};
  cgrpc_call_options_t o = {.timeout_ns = 5 * CGRPC_NS_PER_SEC, .wait_for_ready = wait_for_ready};
  cgrpc_result_t *r = cgrpc_unary_result(ch, &test_methods[M_UNARY], &req, &o);
  cgrpc_status_code_t code = cgrpc_result_code(r);
  cgrpc_result_free(r);
  return code;
}

#endif /* CGRPC_TESTS_UNIT_RPC_LB_TEST_UTIL_H */

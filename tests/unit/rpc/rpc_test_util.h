/* tests/unit/rpc/rpc_test_util.h — what the rpc tests share: a tiny
 * message type with a hand-written table (so the tests do not depend on the
 * code generator), the methods of a test service, and a server started on a
 * free loopback port. */
#ifndef CGRPC_TESTS_UNIT_RPC_RPC_TEST_UTIL_H
#define CGRPC_TESTS_UNIT_RPC_RPC_TEST_UTIL_H

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgrpc/channel.h"
#include "cgrpc/pb.h"
#include "cgrpc/server.h"
#include "test.h"

/* message Msg { string text = 1; int32 num = 2; bytes blob = 3; } */
typedef struct test_Msg {
  cgrpc_str_t _unknown;
  cgrpc_str_t text;
  int32_t num;
  cgrpc_str_t blob;
} test_Msg;

static const cgrpc_pb_field_t test_Msg_fields[] = {
    {1, offsetof(test_Msg, text), 0, 0, CGRPC_PB_STRING, 0, 0},
    {2, offsetof(test_Msg, num), 0, 0, CGRPC_PB_INT32, 0, 0},
    {3, offsetof(test_Msg, blob), 0, 0, CGRPC_PB_BYTES, 0, 0},
};
static const char *const test_Msg_names[] = {"text", "num", "blob"};
static const cgrpc_pb_msg_table_t test_Msg_table = {
    "test.Msg", test_Msg_fields, NULL, test_Msg_names, test_Msg_names, NULL, sizeof(test_Msg), 3, 3,
    0};

#define TEST_METHOD(name, cs, ss) \
  { #name, "/test.Svc/" #name, &test_Msg_table, &test_Msg_table, cs, ss }

static const cgrpc_pb_method_t test_methods[] = {
    TEST_METHOD(Unary, false, false),       TEST_METHOD(Inline, false, false),
    TEST_METHOD(ServerStream, false, true), TEST_METHOD(ClientStream, true, false),
    TEST_METHOD(Bidi, true, true),          TEST_METHOD(Slow, false, false),
    TEST_METHOD(Fail, false, false),        TEST_METHOD(Echo, false, false),
    TEST_METHOD(Later, false, false),
};
enum {
  M_UNARY,
  M_INLINE,
  M_SERVER_STREAM,
  M_CLIENT_STREAM,
  M_BIDI,
  M_SLOW,
  M_FAIL,
  M_ECHO,
  M_LATER
};

static const cgrpc_pb_method_t test_unknown_method = TEST_METHOD(Nope, false, false);
static const cgrpc_pb_method_t test_unknown_service = {
    "X", "/other.Svc/X", &test_Msg_table, &test_Msg_table, false, false};

static inline cgrpc_str_t test_str(const char *s) { return (cgrpc_str_t){s, strlen(s)}; }

static inline bool test_str_is(cgrpc_str_t s, const char *want) {
  return s.len == strlen(want) && memcmp(s.data, want, s.len) == 0;
}

static inline void test_sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* A server with one loop on a free loopback port, serving `routes`, and a
 * channel to it: the set-up most rpc tests share. */
typedef struct test_route {
  const cgrpc_pb_method_t *method;
  cgrpc_server_handler_fn handler;
  cgrpc_handler_mode_t mode;
} test_route_t;

typedef struct test_pair {
  cgrpc_server_t *srv;
  cgrpc_channel_t *ch;
  char target[64]; /* "127.0.0.1:PORT" */
} test_pair_t;

static inline void test_pair_start(test_pair_t *p, const test_route_t *routes, size_t n) {
  cgrpc_error_t err;
  cgrpc_server_options_t so = CGRPC_SERVER_OPTIONS_INIT;
  so.loop_threads = 1;
  int port = 0;
  CHECK_EQ_INT(cgrpc_server_new(&so, &p->srv, &err), CGRPC_STATUS_OK);
  CHECK_EQ_INT(cgrpc_server_listen(p->srv, "127.0.0.1:0", &port, &err), CGRPC_STATUS_OK);
  for (size_t i = 0; i < n; i++) {
    CHECK_EQ_INT(cgrpc_server_register(p->srv, routes[i].method, routes[i].handler, NULL,
                                       routes[i].mode, &err),
                 CGRPC_STATUS_OK);
  }
  CHECK_EQ_INT(cgrpc_server_start(p->srv, &err), CGRPC_STATUS_OK);
  snprintf(p->target, sizeof p->target, "127.0.0.1:%d", port);
  CHECK_EQ_INT(cgrpc_channel_new(p->target, NULL, &p->ch, &err), CGRPC_STATUS_OK);
}

static inline void test_pair_stop(test_pair_t *p) {
  cgrpc_channel_free(p->ch);
  cgrpc_server_shutdown(p->srv, CGRPC_NS_PER_SEC);
  cgrpc_server_free(p->srv);
}

#endif /* CGRPC_TESTS_UNIT_RPC_RPC_TEST_UTIL_H */

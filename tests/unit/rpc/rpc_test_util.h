/* tests/unit/rpc/rpc_test_util.h — what the rpc tests share: a tiny
 * message type with a hand-written table (so the tests do not depend on the
 * code generator), the methods of a test service, and a server started on a
 * free loopback port. */
#ifndef CGRPC_TESTS_UNIT_RPC_RPC_TEST_UTIL_H
#define CGRPC_TESTS_UNIT_RPC_RPC_TEST_UTIL_H

#include <stddef.h>
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

#endif /* CGRPC_TESTS_UNIT_RPC_RPC_TEST_UTIL_H */

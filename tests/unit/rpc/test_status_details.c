/* tests/unit/rpc/test_status_details.c — rich error details: Any packing,
 * a server's details reaching the client, the server refusing details that
 * do not match the status, the client ignoring such details, bad bytes. */
#define _POSIX_C_SOURCE 200809L

#include "cgrpc/status_details.h"
#include "rpc_test_util.h"
#include "server_log_capture.h"

/* message Other { string text = 1; } for a type that is not test.Msg. */
static const cgrpc_pb_msg_table_t other_table = {"test.Other",
                                                 test_Msg_fields,
                                                 NULL,
                                                 test_Msg_names,
                                                 test_Msg_names,
                                                 NULL,
                                                 sizeof(test_Msg),
                                                 1,
                                                 1,
                                                 0};

static void test_any_pack_and_unpack(void) {
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  test_Msg m = {.text = test_str("why"), .num = 42}, back;
  cgrpc_any_t any;
  cgrpc_error_t err;
  CHECK_EQ_INT(cgrpc_any_pack(&test_Msg_table, &m, &arena, &any, &err), CGRPC_STATUS_OK);
  CHECK(test_str_is(any.type_url, "type.googleapis.com/test.Msg"));
  CHECK(cgrpc_any_is(&any, &test_Msg_table));
  CHECK(!cgrpc_any_is(&any, &other_table));
  CHECK_EQ_INT(cgrpc_any_unpack(&any, &test_Msg_table, &back, &arena, &err), CGRPC_STATUS_OK);
  CHECK(test_str_is(back.text, "why"));
  CHECK_EQ_INT(back.num, 42);
  CHECK_EQ_INT(cgrpc_any_unpack(&any, &other_table, &back, &arena, &err),
               CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK_EQ_STR(err.message, "the Any holds \"type.googleapis.com/test.Msg\", not test.Other");
  /* Bytes that do not parse. */
  any.value = test_str(
      "\x0a\x05"
      "ab");
  CHECK_EQ_INT(cgrpc_any_unpack(&any, &test_Msg_table, &back, &arena, &err),
               CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK(strstr(err.message, "does not parse"));
  /* A URL without the slash is no match. */
  any.type_url = test_str("test.Msg");
  CHECK(!cgrpc_any_is(&any, &test_Msg_table));
  CHECK_EQ_INT(cgrpc_any_pack(NULL, &m, &arena, &any, &err), CGRPC_STATUS_INVALID_ARGUMENT);
  cgrpc_arena_free(&arena);
}

/* A status built by hand, as a client would hold it. */
static cgrpc_status_t status_with(cgrpc_status_code_t code, const char *message, cgrpc_str_t bytes,
                                  cgrpc_arena_t *arena) {
  cgrpc_status_t st = {.code = code, .message = test_str(message)};
  CHECK(cgrpc_metadata_add(&st.trailing_metadata, arena, CGRPC_STATUS_DETAILS_KEY, bytes.data,
                           bytes.len));
  return st;
}

static void test_client_reads_and_checks(void) {
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  test_Msg m = {.text = test_str("field x"), .num = 3};
  cgrpc_status_detail_t d[] = {{&test_Msg_table, &m}};
  cgrpc_str_t bytes;
  cgrpc_error_t err;
  CHECK_EQ_INT(
      cgrpc_status_details_encode(CGRPC_STATUS_NOT_FOUND, "gone", d, 1, &arena, &bytes, &err),
      CGRPC_STATUS_OK);
  cgrpc_rpc_status_t out;
  cgrpc_status_t st = status_with(CGRPC_STATUS_NOT_FOUND, "gone", bytes, &arena);
  CHECK_EQ_INT(cgrpc_status_details_get(&st, &arena, &out, &err), CGRPC_STATUS_OK);
  CHECK_EQ_INT(out.code, CGRPC_STATUS_NOT_FOUND);
  CHECK(test_str_is(out.message, "gone"));
  CHECK_EQ_UINT(out.details.count, 1);
  const cgrpc_any_t *any = cgrpc_rpc_status_find(&out, &test_Msg_table);
  CHECK(any != NULL);
  CHECK(cgrpc_rpc_status_find(&out, &other_table) == NULL);
  test_Msg back;
  CHECK_EQ_INT(cgrpc_any_unpack(any, &test_Msg_table, &back, &arena, &err), CGRPC_STATUS_OK);
  CHECK_EQ_INT(back.num, 3);
  /* A code or a message that differs: ignored. */
  st = status_with(CGRPC_STATUS_INTERNAL, "gone", bytes, &arena);
  CHECK_EQ_INT(cgrpc_status_details_get(&st, &arena, &out, &err), CGRPC_STATUS_FAILED_PRECONDITION);
  CHECK(strstr(err.message, "do not match the call's status"));
  CHECK_EQ_UINT(out.details.count, 0);
  st = status_with(CGRPC_STATUS_NOT_FOUND, "gone!", bytes, &arena);
  CHECK_EQ_INT(cgrpc_status_details_get(&st, &arena, &out, &err), CGRPC_STATUS_FAILED_PRECONDITION);
  /* Garbage. */
  st = status_with(CGRPC_STATUS_NOT_FOUND, "gone", test_str("\xff\xff"), &arena);
  CHECK_EQ_INT(cgrpc_status_details_get(&st, &arena, &out, &err), CGRPC_STATUS_INVALID_ARGUMENT);
  /* None. */
  cgrpc_status_t plain = {.code = CGRPC_STATUS_NOT_FOUND};
  CHECK_EQ_INT(cgrpc_status_details_get(&plain, &arena, &out, &err), CGRPC_STATUS_NOT_FOUND);
  /* A detail that cannot be serialized. */
  cgrpc_status_detail_t bad[] = {{NULL, &m}};
  CHECK_EQ_INT(
      cgrpc_status_details_encode(CGRPC_STATUS_NOT_FOUND, "gone", bad, 1, &arena, &bytes, &err),
      CGRPC_STATUS_INVALID_ARGUMENT);
  cgrpc_arena_free(&arena);
}

/* ---- Over the wire --------------------------------------------------------------------------- */

static void h_details(cgrpc_server_call_t *call, const void *request, void *ud) {
  (void)ud;
  const test_Msg *req = request;
  test_Msg info = {.text = test_str("quota"), .num = 7};
  cgrpc_status_detail_t d[] = {{&test_Msg_table, &info}, {&other_table, &info}};
  if (req->num == 1) { /* details, plus trailers of the handler's own */
    cgrpc_metadata_t tr = CGRPC_METADATA_INIT;
    cgrpc_metadata_add_str(&tr, cgrpc_server_call_arena(call), "x-extra", "yes");
    cgrpc_server_call_finish_with_details(call, CGRPC_STATUS_RESOURCE_EXHAUSTED, "over quota", d, 2,
                                          &tr);
  } else if (req->num == 2) { /* hand-made details that contradict the status */
    cgrpc_str_t bytes;
    cgrpc_arena_t *arena = cgrpc_server_call_arena(call);
    cgrpc_status_details_encode(CGRPC_STATUS_NOT_FOUND, "other", d, 1, arena, &bytes, NULL);
    cgrpc_metadata_t tr = CGRPC_METADATA_INIT;
    cgrpc_metadata_add(&tr, arena, CGRPC_STATUS_DETAILS_KEY, bytes.data, bytes.len);
    cgrpc_server_call_finish(call, CGRPC_STATUS_ABORTED, "mine", &tr);
  } else { /* a detail that cannot be serialized */
    cgrpc_status_detail_t bad[] = {{&test_Msg_table, NULL}};
    cgrpc_server_call_finish_with_details(call, CGRPC_STATUS_ABORTED, "x", bad, 1, NULL);
  }
}

static void test_details_round_trip_and_server_checks(void) {
  const test_route_t routes[] = {{&test_methods[M_UNARY], h_details, CGRPC_HANDLER_BLOCKING},
                                 {&test_methods[M_INLINE], h_details, CGRPC_HANDLER_INLINE}};
  test_pair_t p;
  test_pair_start(&p, routes, 2);
  for (int method = M_UNARY; method <= M_INLINE; method++) {
    test_Msg req = {.num = 1};
    cgrpc_result_t *r = cgrpc_unary_result(p.ch, &test_methods[method], &req, NULL);
    CHECK_EQ_INT(cgrpc_result_code(r), CGRPC_STATUS_RESOURCE_EXHAUSTED);
    CHECK_EQ_STR(cgrpc_metadata_get_cstr(&cgrpc_result_status(r)->trailing_metadata, "x-extra"),
                 "yes");
    cgrpc_arena_t arena;
    cgrpc_arena_init(&arena, NULL, 0);
    cgrpc_rpc_status_t st;
    cgrpc_error_t err;
    CHECK_EQ_INT(cgrpc_result_status_details(r, &arena, &st, &err), CGRPC_STATUS_OK);
    CHECK(test_str_is(st.message, "over quota"));
    CHECK_EQ_UINT(st.details.count, 2);
    test_Msg info;
    CHECK_EQ_INT(cgrpc_any_unpack(cgrpc_rpc_status_find(&st, &other_table), &other_table, &info,
                                  &arena, &err),
                 CGRPC_STATUS_OK);
    CHECK(test_str_is(info.text, "quota"));
    cgrpc_arena_free(&arena);
    cgrpc_result_free(r);
  }
  log_capture_t cap;
  log_capture_start(&cap);
  test_Msg req = {.num = 2};
  cgrpc_result_t *r = cgrpc_unary_result(p.ch, &test_methods[M_UNARY], &req, NULL);
  CHECK_EQ_INT(cgrpc_result_code(r), CGRPC_STATUS_INTERNAL);
  CHECK(!cgrpc_metadata_get(&cgrpc_result_status(r)->trailing_metadata, CGRPC_STATUS_DETAILS_KEY));
  cgrpc_result_free(r);
  CHECK(log_capture_has(&cap, "do not match the call's status"));
  req.num = 3;
  r = cgrpc_unary_result(p.ch, &test_methods[M_UNARY], &req, NULL);
  CHECK_EQ_INT(cgrpc_result_code(r), CGRPC_STATUS_INTERNAL);
  CHECK(strstr(cgrpc_result_error(r), "status details could not be serialized"));
  cgrpc_result_free(r);
  CHECK(log_capture_has(&cap, "could not be sent"));
  log_capture_stop(&cap);
  test_pair_stop(&p);
}

int main(void) {
  TEST_RUN(test_any_pack_and_unpack);
  TEST_RUN(test_client_reads_and_checks);
  TEST_RUN(test_details_round_trip_and_server_checks);
  return TEST_DONE();
}

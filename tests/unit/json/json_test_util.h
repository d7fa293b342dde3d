/* Helpers of the JSON unit tests: encode to a string, decode and compare
 * error messages, one arena per test program. */
#ifndef CGRPC_TESTS_UNIT_JSON_TEST_UTIL_H
#define CGRPC_TESTS_UNIT_JSON_TEST_UTIL_H

#include <stdio.h>
#include <string.h>

#include "cgrpc/json.h"
#include "cgrpc/pb.h"
#include "jsontest/all2.pb.h"
#include "jsontest/all3.pb.h"
#include "test.h"

static cgrpc_arena_t test_arena;
static cgrpc_error_t test_err;

/* The JSON of msg, or "ERROR <code>: <message>". */
static inline const char *to_json(const void *msg, const cgrpc_pb_msg_table_t *t,
                                  const cgrpc_json_options_t *o) {
  cgrpc_str_t out;
  cgrpc_status_code_t rc = cgrpc_json_encode(msg, t, o, &test_arena, &out, &test_err);
  if (rc != CGRPC_STATUS_OK) {
    return cgrpc_arena_printf(&test_arena, "ERROR %d: %s", (int)rc, test_err.message).data;
  }
  if (strlen(out.data) != out.len) return "ERROR: length mismatch";
  return out.data;
}

/* Decodes json into a fresh message of t; returns "" on success or
 * "ERROR <code>: <message>". */
static inline const char *from_json(const char *json, void *msg, const cgrpc_pb_msg_table_t *t,
                                    const cgrpc_json_options_t *o) {
  cgrpc_pb_msg_init(msg, t);
  cgrpc_status_code_t rc =
      cgrpc_json_decode(json, strlen(json), msg, t, &test_arena, o, &test_err);
  if (rc != CGRPC_STATUS_OK) {
    return cgrpc_arena_printf(&test_arena, "ERROR %d: %s", (int)rc, test_err.message).data;
  }
  return "";
}

/* Parses `in` as an All and prints it back (compact, default options). */
static inline const char *all_round(const char *in) {
  jsontest_All *m = jsontest_All_new(&test_arena);
  const char *r = from_json(in, m, &jsontest_All_table, NULL);
  if (*r) return r;
  return to_json(m, &jsontest_All_table, NULL);
}

#define CHECK_ROUND(in, expect) CHECK_EQ_STR(all_round(in), expect)
#define CHECK_PARSE_ERR(in, expect)                                 \
  do {                                                              \
    jsontest_All *m_ = jsontest_All_new(&test_arena);               \
    CHECK_EQ_STR(from_json(in, m_, &jsontest_All_table, NULL), expect); \
  } while (0)

#endif

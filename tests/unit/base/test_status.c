/* Status codes: wire values, names, and parsing names back. */
#include "cgrpc/status.h"

#include <string.h>

#include "test.h"

static void test_wire_values_are_fixed(void) {
  CHECK_EQ_INT(CGRPC_STATUS_OK, 0);
  CHECK_EQ_INT(CGRPC_STATUS_CANCELLED, 1);
  CHECK_EQ_INT(CGRPC_STATUS_UNKNOWN, 2);
  CHECK_EQ_INT(CGRPC_STATUS_INVALID_ARGUMENT, 3);
  CHECK_EQ_INT(CGRPC_STATUS_DEADLINE_EXCEEDED, 4);
  CHECK_EQ_INT(CGRPC_STATUS_NOT_FOUND, 5);
  CHECK_EQ_INT(CGRPC_STATUS_ALREADY_EXISTS, 6);
  CHECK_EQ_INT(CGRPC_STATUS_PERMISSION_DENIED, 7);
  CHECK_EQ_INT(CGRPC_STATUS_RESOURCE_EXHAUSTED, 8);
  CHECK_EQ_INT(CGRPC_STATUS_FAILED_PRECONDITION, 9);
  CHECK_EQ_INT(CGRPC_STATUS_ABORTED, 10);
  CHECK_EQ_INT(CGRPC_STATUS_OUT_OF_RANGE, 11);
  CHECK_EQ_INT(CGRPC_STATUS_UNIMPLEMENTED, 12);
  CHECK_EQ_INT(CGRPC_STATUS_INTERNAL, 13);
  CHECK_EQ_INT(CGRPC_STATUS_UNAVAILABLE, 14);
  CHECK_EQ_INT(CGRPC_STATUS_DATA_LOSS, 15);
  CHECK_EQ_INT(CGRPC_STATUS_UNAUTHENTICATED, 16);
  CHECK_EQ_INT(CGRPC_STATUS_CODE_COUNT, 17);
}

static const char *const kExpectedNames[] = {
    "OK",
    "CANCELLED",
    "UNKNOWN",
    "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION",
    "ABORTED",
    "OUT_OF_RANGE",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "DATA_LOSS",
    "UNAUTHENTICATED",
};

static void test_every_code_has_its_name(void) {
  for (int i = 0; i < CGRPC_STATUS_CODE_COUNT; i++) {
    CHECK_EQ_STR(cgrpc_status_code_name((cgrpc_status_code_t)i), kExpectedNames[i]);
  }
}

static void test_out_of_range_codes(void) {
  CHECK(cgrpc_status_code_name((cgrpc_status_code_t)17) == NULL);
  CHECK(cgrpc_status_code_name((cgrpc_status_code_t)-1) == NULL);
  CHECK(!cgrpc_status_code_is_valid(-1));
  CHECK(!cgrpc_status_code_is_valid(17));
  CHECK(cgrpc_status_code_is_valid(0));
  CHECK(cgrpc_status_code_is_valid(16));
}

static void test_names_parse_back(void) {
  for (int i = 0; i < CGRPC_STATUS_CODE_COUNT; i++) {
    cgrpc_status_code_t code = (cgrpc_status_code_t)-1;
    CHECK(cgrpc_status_code_from_name(kExpectedNames[i], strlen(kExpectedNames[i]), &code));
    CHECK_EQ_INT(code, i);
  }
}

static void test_bad_names_are_rejected(void) {
  static const char *const bad[] = {"", "ok", "Unknown", "UNKNOWN ", " OK", "OKAY", "DEADLINE"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    cgrpc_status_code_t code = CGRPC_STATUS_DATA_LOSS;
    CHECK(!cgrpc_status_code_from_name(bad[i], strlen(bad[i]), &code));
    CHECK_EQ_INT(code, CGRPC_STATUS_DATA_LOSS);
  }
  /* Length, not NUL, ends the name: a prefix of a longer buffer parses. */
  cgrpc_status_code_t code;
  CHECK(cgrpc_status_code_from_name("NOT_FOUND_AND_MORE", 9, &code));
  CHECK_EQ_INT(code, CGRPC_STATUS_NOT_FOUND);
}

int main(void) {
  TEST_RUN(test_wire_values_are_fixed);
  TEST_RUN(test_every_code_has_its_name);
  TEST_RUN(test_out_of_range_codes);
  TEST_RUN(test_names_parse_back);
  TEST_RUN(test_bad_names_are_rejected);
  return TEST_DONE();
}

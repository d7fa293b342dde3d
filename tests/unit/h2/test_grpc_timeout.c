/* grpc-timeout: encoding rounds up into the smallest unit that fits 8
 * digits; parsing is strict and saturates. */
#include "h2/grpc_timeout.h"

#include "cgrpc/time.h"

#include <string.h>

#include "test.h"

#define NS_PER_US ((int64_t)1000)
#define NS_PER_MS ((int64_t)1000000)
#define NS_PER_S ((int64_t)1000000000)
#define NS_PER_MIN (60 * NS_PER_S)
#define NS_PER_H (3600 * NS_PER_S)

static void check_encode(int64_t ns, const char *want) {
  char buf[CGRPC_GRPC_TIMEOUT_BUFSIZE];
  memset(buf, 'x', sizeof buf);
  size_t len = cgrpc_grpc_timeout_encode(ns, buf);
  CHECK_EQ_STR(buf, want);
  CHECK_EQ_UINT(len, strlen(want));
}

static void test_encode_zero_and_negative(void) {
  check_encode(0, "0n");
  check_encode(-1, "0n");
  check_encode(INT64_MIN, "0n");
}

static void test_encode_unit_boundaries(void) {
  check_encode(1, "1n");
  check_encode(99999999, "99999999n");
  /* One past 8 digits of ns: microseconds, rounded up. */
  check_encode(100000000, "100000u");
  check_encode(100000001, "100001u");
  check_encode(99999999 * NS_PER_US, "99999999u");
  check_encode(99999999 * NS_PER_US + 1, "100000m");
  check_encode(100000000 * NS_PER_US, "100000m");
  check_encode(99999999 * NS_PER_MS, "99999999m");
  check_encode(99999999 * NS_PER_MS + 1, "100000S");
  check_encode(100000000 * NS_PER_MS + 1, "100001S");
  check_encode(99999999 * NS_PER_S, "99999999S");
  /* Seconds overflow into minutes: 99,999,999 s + 1 ns -> ceil(/60). */
  check_encode(99999999 * NS_PER_S + 1, "1666667M");
  check_encode(99999999 * NS_PER_MIN, "99999999M");
  check_encode(99999999 * NS_PER_MIN + 1, "1666667H");
  check_encode(INT64_MAX, "2562048H");
}

static void test_encode_rounds_up_never_down(void) {
  check_encode(1000000001, "1000001u"); /* 1 s + 1 ns */
  check_encode(123456789, "123457u");
  check_encode(1, "1n");
  for (int64_t ns = 1; ns < INT64_MAX / 3; ns = ns * 3 + 7) {
    char buf[CGRPC_GRPC_TIMEOUT_BUFSIZE];
    size_t len = cgrpc_grpc_timeout_encode(ns, buf);
    int64_t back = -1;
    CHECK_EQ_INT(cgrpc_grpc_timeout_parse(buf, len, &back, NULL), CGRPC_STATUS_OK);
    CHECK(back >= ns);
    CHECK(len - 1 <= 8);
  }
}

static void check_parse(const char *value, int64_t want) {
  int64_t ns = -1;
  cgrpc_wire_error_t err;
  CHECK_EQ_INT(cgrpc_grpc_timeout_parse(value, strlen(value), &ns, &err), CGRPC_STATUS_OK);
  CHECK_EQ_INT(ns, want);
}

static void test_parse_every_unit(void) {
  check_parse("0n", 0);
  check_parse("1n", 1);
  check_parse("7u", 7 * NS_PER_US);
  check_parse("250m", 250 * NS_PER_MS);
  check_parse("30S", 30 * NS_PER_S);
  check_parse("5M", 5 * NS_PER_MIN);
  check_parse("2H", 2 * NS_PER_H);
  check_parse("99999999n", 99999999);
  check_parse("00000001S", NS_PER_S);
  check_parse("99999999S", 99999999 * NS_PER_S);
}

static void test_parse_saturates(void) {
  check_parse("99999999H", CGRPC_INFINITE);
  check_parse("2562048H", CGRPC_INFINITE); /* just past INT64_MAX ns */
  check_parse("2562047H", 2562047 * NS_PER_H);
  check_parse("99999999M", 99999999 * NS_PER_MIN); /* fits */
}

static void check_malformed(const char *value, size_t len, const char *why) {
  int64_t ns = 42;
  cgrpc_wire_error_t err = {0};
  CHECK_EQ_INT(cgrpc_grpc_timeout_parse(value, len, &ns, &err), CGRPC_STATUS_INTERNAL);
  CHECK_EQ_INT(err.code, CGRPC_STATUS_INTERNAL);
  CHECK(strncmp(err.message, "malformed grpc-timeout: ", 24) == 0);
  CHECK(strstr(err.message, why) != NULL);
  CHECK_EQ_INT(ns, 42);
}

static void test_parse_rejects_every_class_of_bad_input(void) {
  check_malformed("", 0, "empty");
  check_malformed("123456789S", 10, "more than 8 digits");
  check_malformed("000000000n", 10, "more than 8 digits");
  check_malformed("S", 1, "expected 1 to 8 digits");
  check_malformed("-1S", 3, "expected 1 to 8 digits");
  check_malformed("+1S", 3, "expected 1 to 8 digits");
  check_malformed(" 1S", 3, "expected 1 to 8 digits");
  check_malformed("100", 3, "missing unit");
  check_malformed("1s", 2, "unknown unit");
  check_malformed("1h", 2, "unknown unit");
  check_malformed("1x", 2, "unknown unit");
  check_malformed("1 S", 3, "unknown unit");
  check_malformed("1.5S", 4, "unknown unit");
  check_malformed("1SS", 3, "after the unit");
  check_malformed("1S ", 3, "after the unit");
  check_malformed("10m\0", 4, "after the unit");
  check_malformed("1\xff", 2, "unknown unit");
}

static void test_parse_without_error_struct(void) {
  int64_t ns = 0;
  CHECK_EQ_INT(cgrpc_grpc_timeout_parse("bad", 3, &ns, NULL), CGRPC_STATUS_INTERNAL);
}

int main(void) {
  TEST_RUN(test_encode_zero_and_negative);
  TEST_RUN(test_encode_unit_boundaries);
  TEST_RUN(test_encode_rounds_up_never_down);
  TEST_RUN(test_parse_every_unit);
  TEST_RUN(test_parse_saturates);
  TEST_RUN(test_parse_rejects_every_class_of_bad_input);
  TEST_RUN(test_parse_without_error_struct);
  return TEST_DONE();
}

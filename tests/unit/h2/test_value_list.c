/* Comma-separated header values: elements, trimming, empty elements. */
#include "h2/value_list.h"

#include <string.h>

#include "test.h"

/* Joins the elements of `value` with '|' so a whole split reads as one string. */
static void check_split(const char *value, const char *want) {
  char out[128] = "";
  size_t o = 0;
  cgrpc_value_list_t list;
  const char *elem;
  size_t len;
  int count = 0;
  cgrpc_value_list_init(&list, value, strlen(value));
  while (cgrpc_value_list_next(&list, &elem, &len)) {
    if (count++) out[o++] = '|';
    memcpy(out + o, elem, len);
    o += len;
    out[o] = '\0';
  }
  CHECK_EQ_STR(out, want);
  CHECK(!cgrpc_value_list_next(&list, &elem, &len));
}

static void test_splits_and_trims(void) {
  check_split("gzip", "gzip");
  check_split("identity,deflate,gzip", "identity|deflate|gzip");
  check_split("identity, deflate ,\tgzip\t", "identity|deflate|gzip");
  check_split("  a b  ", "a b");
}

static void test_empty_elements_are_kept(void) {
  check_split("", "");
  check_split(",", "|");
  check_split("a,,b", "a||b");
  check_split("a, ", "a|");
}

static void test_null_empty_value(void) {
  cgrpc_value_list_t list;
  const char *elem = "x";
  size_t len = 9;
  cgrpc_value_list_init(&list, NULL, 0);
  CHECK(cgrpc_value_list_next(&list, &elem, &len));
  CHECK_EQ_UINT(len, 0);
  CHECK(!cgrpc_value_list_next(&list, &elem, &len));
}

static void test_elements_point_into_the_value(void) {
  const char *value = "YQ, Yg";
  cgrpc_value_list_t list;
  const char *elem;
  size_t len;
  cgrpc_value_list_init(&list, value, strlen(value));
  CHECK(cgrpc_value_list_next(&list, &elem, &len));
  CHECK(elem == value && len == 2);
  CHECK(cgrpc_value_list_next(&list, &elem, &len));
  CHECK(elem == value + 4 && len == 2);
}

int main(void) {
  TEST_RUN(test_splits_and_trims);
  TEST_RUN(test_empty_elements_are_kept);
  TEST_RUN(test_null_empty_value);
  TEST_RUN(test_elements_point_into_the_value);
  return TEST_DONE();
}

/* String views: cgrpc_str() for C strings, CGRPC_STR() for literals (its
 * refusal of pointers is tested in tests/compile_fail). */
#include "cgrpc/pb_table.h"
#include "test.h"

static const cgrpc_str_t in_static_storage = CGRPC_STR("sku-1042");

static void test_str_of_a_c_string(void) {
  const char *s = "hello";
  cgrpc_str_t v = cgrpc_str(s);
  CHECK(v.data == s);
  CHECK_EQ_UINT(v.len, 5);
}

static void test_str_of_null_is_empty(void) {
  cgrpc_str_t v = cgrpc_str(NULL);
  CHECK(v.data != NULL);
  CHECK_EQ_UINT(v.len, 0);
  CHECK_EQ_STR(v.data, "");
}

static void test_str_macro_measures_literals_and_arrays(void) {
  CHECK_EQ_UINT(CGRPC_STR("abc").len, 3);
  CHECK_EQ_UINT(CGRPC_STR("").len, 0);
  const char word[] = "four";
  CHECK_EQ_UINT(CGRPC_STR(word).len, 4);
  CHECK_EQ_UINT(in_static_storage.len, 8);
  CHECK_EQ_STR(in_static_storage.data, "sku-1042");
}

int main(void) {
  TEST_RUN(test_str_of_a_c_string);
  TEST_RUN(test_str_of_null_is_empty);
  TEST_RUN(test_str_macro_measures_literals_and_arrays);
  return TEST_DONE();
}

/* The public metadata array: every stored key and value NUL-terminated,
 * lookups as C strings and as integers. (Received metadata is checked
 * over a real call in tests/unit/rpc/test_server_api.c.) */
#include <stdint.h>

#include "cgrpc/metadata.h"
#include "test.h"

static void test_added_and_copied_values_are_nul_terminated(void) {
  cgrpc_arena_t a;
  cgrpc_arena_init(&a, NULL, 0);
  cgrpc_metadata_t md = CGRPC_METADATA_INIT, copy = CGRPC_METADATA_INIT;
  CHECK(cgrpc_metadata_add(&md, &a, "x-part", "abcdef", 3)); /* a prefix */
  CHECK(cgrpc_metadata_add(&md, &a, "x-blob-bin", "\0\1\2", 3));
  CHECK(cgrpc_metadata_copy(&copy, &a, &md));
  for (int round = 0; round < 2; round++) {
    const cgrpc_metadata_t *m = round ? &copy : &md;
    CHECK_EQ_UINT(m->count, 2);
    for (size_t i = 0; i < m->count; i++) {
      CHECK(m->entries[i].key.data[m->entries[i].key.len] == '\0');
      CHECK(m->entries[i].value.data[m->entries[i].value.len] == '\0');
    }
    CHECK_EQ_STR(cgrpc_metadata_get_cstr(m, "x-part"), "abc");
  }
  cgrpc_arena_free(&a);
}

static void test_get_cstr(void) {
  cgrpc_arena_t a;
  cgrpc_arena_init(&a, NULL, 0);
  cgrpc_metadata_t md = CGRPC_METADATA_INIT;
  CHECK(cgrpc_metadata_get_cstr(&md, "x-user") == NULL);
  CHECK(cgrpc_metadata_add_str(&md, &a, "x-user", "ada"));
  CHECK(cgrpc_metadata_add_str(&md, &a, "x-user", "grace"));
  CHECK(cgrpc_metadata_add_str(&md, &a, "x-empty", ""));
  CHECK_EQ_STR(cgrpc_metadata_get_cstr(&md, "x-user"), "ada"); /* the first */
  CHECK_EQ_STR(cgrpc_metadata_get_cstr(&md, "x-empty"), "");
  CHECK(cgrpc_metadata_get_cstr(&md, "x-use") == NULL);
  cgrpc_arena_free(&a);
}

static cgrpc_status_code_t int_of(const char *value, int64_t *out) {
  cgrpc_arena_t a;
  cgrpc_arena_init(&a, NULL, 0);
  cgrpc_metadata_t md = CGRPC_METADATA_INIT;
  CHECK(cgrpc_metadata_add_str(&md, &a, "x-n", value));
  cgrpc_status_code_t code = cgrpc_metadata_get_int(&md, "x-n", out);
  cgrpc_arena_free(&a);
  return code;
}

static void test_get_int_reads_decimal_integers(void) {
  int64_t n = 0;
  CHECK_EQ_INT(int_of("42", &n), CGRPC_STATUS_OK);
  CHECK_EQ_INT(n, 42);
  CHECK_EQ_INT(int_of("-7", &n), CGRPC_STATUS_OK);
  CHECK_EQ_INT(n, -7);
  CHECK_EQ_INT(int_of("0", &n), CGRPC_STATUS_OK);
  CHECK_EQ_INT(n, 0);
  CHECK_EQ_INT(int_of("007", &n), CGRPC_STATUS_OK);
  CHECK_EQ_INT(n, 7);
  CHECK_EQ_INT(int_of("9223372036854775807", &n), CGRPC_STATUS_OK);
  CHECK(n == INT64_MAX);
  CHECK_EQ_INT(int_of("-9223372036854775808", &n), CGRPC_STATUS_OK);
  CHECK(n == INT64_MIN);
}

static void test_get_int_refuses_everything_else(void) {
  const char *bad[] = {"",
                       "-",
                       "+1",
                       " 1",
                       "1 ",
                       "1x",
                       "0x10",
                       "1.5",
                       "--1",
                       "1e3",
                       "9223372036854775808",
                       "-9223372036854775809",
                       "99999999999999999999999"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    int64_t n = 12345;
    if (int_of(bad[i], &n) != CGRPC_STATUS_INVALID_ARGUMENT) {
      TEST_FAIL_("\"%s\" was accepted", bad[i]);
    }
    CHECK_EQ_INT(n, 12345); /* untouched */
  }
  cgrpc_metadata_t md = CGRPC_METADATA_INIT;
  int64_t n = 1;
  CHECK_EQ_INT(cgrpc_metadata_get_int(&md, "x-n", &n), CGRPC_STATUS_NOT_FOUND);
  CHECK_EQ_INT(n, 1);
}

int main(void) {
  TEST_RUN(test_added_and_copied_values_are_nul_terminated);
  TEST_RUN(test_get_cstr);
  TEST_RUN(test_get_int_reads_decimal_integers);
  TEST_RUN(test_get_int_refuses_everything_else);
  return TEST_DONE();
}

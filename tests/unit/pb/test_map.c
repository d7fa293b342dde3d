/* Map key order (pb/map.h): every key kind, stability among equal keys, and
 * large inputs in both directions. */
#include "pb/map.h"
#include "test.h"

typedef struct entry {
  cgrpc_str_t _unknown;
  union {
    int32_t i32;
    int64_t i64;
    uint32_t u32;
    uint64_t u64;
    bool b;
    cgrpc_str_t s;
  } key;
  int value;
} entry_t;

static cgrpc_pb_field_t key_of(cgrpc_pb_type_t type) {
  cgrpc_pb_field_t f = {1, offsetof(entry_t, key), 0, 0, (uint8_t)type, 0, 0};
  return f;
}

/* Sorts n entries and checks the values come out as `want`. */
static void check_order(entry_t *e, size_t n, cgrpc_pb_type_t type, const int *want) {
  void *ptrs[16];
  size_t order[16], scratch[16];
  for (size_t i = 0; i < n; i++) ptrs[i] = &e[i];
  cgrpc_pb_field_t key = key_of(type);
  cgrpc_pb_map_sort(ptrs, n, &key, order, scratch);
  for (size_t i = 0; i < n; i++) {
    if (e[order[i]].value != want[i]) {
      TEST_FAIL_("type %d: position %zu holds value %d, want %d", type, i, e[order[i]].value,
                 want[i]);
      return;
    }
  }
}

static void test_signed_and_unsigned_keys(void) {
  entry_t e[4];
  memset(e, 0, sizeof e);
  int32_t i32[] = {5, -1, INT32_MIN, 0};
  for (int i = 0; i < 4; i++) e[i].key.i32 = i32[i], e[i].value = i;
  check_order(e, 4, CGRPC_PB_SINT32, (const int[]){2, 1, 3, 0});
  check_order(e, 4, CGRPC_PB_SFIXED32, (const int[]){2, 1, 3, 0});
  /* The same bits as unsigned: -1 is the largest. */
  check_order(e, 4, CGRPC_PB_FIXED32, (const int[]){3, 0, 2, 1});
  int64_t i64[] = {INT64_MAX, -5, 7, INT64_MIN};
  for (int i = 0; i < 4; i++) e[i].key.i64 = i64[i];
  check_order(e, 4, CGRPC_PB_INT64, (const int[]){3, 1, 2, 0});
  check_order(e, 4, CGRPC_PB_UINT64, (const int[]){2, 0, 3, 1});
}

static void test_bool_and_string_keys(void) {
  entry_t e[4];
  memset(e, 0, sizeof e);
  bool b[] = {true, false, true, false};
  for (int i = 0; i < 4; i++) e[i].key.b = b[i], e[i].value = i;
  check_order(e, 4, CGRPC_PB_BOOL, (const int[]){1, 3, 0, 2}); /* stable */
  cgrpc_str_t s[] = {{"ab", 2}, {"a\0", 2}, {"a", 1}, {"\xff", 1}};
  for (int i = 0; i < 4; i++) e[i].key.s = s[i];
  /* Bytewise, unsigned, shorter first on a common prefix. */
  check_order(e, 4, CGRPC_PB_STRING, (const int[]){2, 1, 0, 3});
}

static void test_null_entries_and_missing_key(void) {
  entry_t a;
  memset(&a, 0, sizeof a);
  a.key.i32 = -3;
  cgrpc_pb_field_t key = key_of(CGRPC_PB_INT32);
  CHECK(cgrpc_pb_map_key_compare(NULL, &a, &key) > 0); /* NULL has key 0 */
  CHECK(cgrpc_pb_map_key_compare(NULL, NULL, &key) == 0);
  CHECK(cgrpc_pb_map_key_compare(&a, NULL, NULL) == 0);
  cgrpc_pb_msg_table_t no_key = {"t.E", NULL, NULL, NULL, NULL, NULL, sizeof a, 0, 0, 0};
  CHECK(cgrpc_pb_map_key_field(&no_key) == NULL);
}

static void test_large_sort_is_stable(void) {
  enum { N = 5000 };
  static entry_t e[N];
  static void *ptrs[N];
  static size_t order[N], scratch[N];
  for (int i = 0; i < N; i++) {
    e[i].key.i32 = (i * 7919) % 97; /* many equal keys */
    e[i].value = i;
    ptrs[i] = &e[i];
  }
  cgrpc_pb_field_t key = key_of(CGRPC_PB_INT32);
  cgrpc_pb_map_sort(ptrs, N, &key, order, scratch);
  int bad = 0;
  for (int i = 1; i < N; i++) {
    const entry_t *x = &e[order[i - 1]], *y = &e[order[i]];
    if (x->key.i32 > y->key.i32 || (x->key.i32 == y->key.i32 && x->value > y->value)) bad++;
  }
  CHECK_EQ_INT(bad, 0);
}

int main(void) {
  TEST_RUN(test_signed_and_unsigned_keys);
  TEST_RUN(test_bool_and_string_keys);
  TEST_RUN(test_null_entries_and_missing_key);
  TEST_RUN(test_large_sort_is_stable);
  return TEST_DONE();
}

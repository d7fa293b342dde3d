/* Pointer map (pb/ptrmap.h): insert, update, lookup, growth and insertion
 * order, in an arena. */
#include "pb/ptrmap.h"
#include "test.h"

static void test_put_get_update_in_order(void) {
  enum { N = 10000 };
  static char objects[N];
  cgrpc_arena_t a;
  cgrpc_arena_init(&a, NULL, 0);
  cgrpc_pb_ptrmap_t m = {0};
  uintptr_t v = 0;
  CHECK(!cgrpc_pb_ptrmap_get(&m, &objects[0], &v));
  for (int i = 0; i < N; i++) CHECK(cgrpc_pb_ptrmap_put(&m, &a, &objects[i], (uintptr_t)i));
  CHECK_EQ_UINT(m.count, N);
  int bad = 0;
  for (int i = 0; i < N; i++) {
    if (!cgrpc_pb_ptrmap_get(&m, &objects[i], &v) || v != (uintptr_t)i) bad++;
    if (m.entries[i].key != &objects[i]) bad++;
  }
  CHECK_EQ_INT(bad, 0);
  /* Updating keeps the count and the position. */
  CHECK(cgrpc_pb_ptrmap_put(&m, &a, &objects[7], 99));
  CHECK_EQ_UINT(m.count, N);
  CHECK(cgrpc_pb_ptrmap_get(&m, &objects[7], &v) && v == 99);
  CHECK(m.entries[7].value == 99);
  int other;
  CHECK(!cgrpc_pb_ptrmap_get(&m, &other, NULL));
  cgrpc_arena_free(&a);
}

static void test_arena_refusal(void) {
  cgrpc_arena_t a;
  cgrpc_arena_init(&a, NULL, 0);
  cgrpc_arena_set_limit(&a, 1);
  cgrpc_pb_ptrmap_t m = {0};
  int x;
  CHECK(!cgrpc_pb_ptrmap_put(&m, &a, &x, 1));
  CHECK_EQ_UINT(m.count, 0);
  CHECK(!cgrpc_pb_ptrmap_get(&m, &x, NULL));
  cgrpc_arena_free(&a);
}

int main(void) {
  TEST_RUN(test_put_get_update_in_order);
  TEST_RUN(test_arena_refusal);
  return TEST_DONE();
}

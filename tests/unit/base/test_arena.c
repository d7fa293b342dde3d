/* Arena: bump allocation, caller buffers, growth, realloc, limits, reset. */
#include <stdint.h>

#include "cgrpc/arena.h"
#include "test.h"

static void test_stack_buffer_serves_small_allocations(void) {
  char buf[256];
  cgrpc_arena_t a;
  cgrpc_arena_init(&a, buf, sizeof buf);
  char *p = cgrpc_arena_alloc(&a, 10);
  char *q = cgrpc_arena_alloc(&a, 20);
  CHECK(p >= buf && p < buf + sizeof buf);
  CHECK(q >= buf && q < buf + sizeof buf);
  CHECK_EQ_UINT((uintptr_t)q % CGRPC_ARENA_ALIGN, 0);
  CHECK_EQ_UINT(cgrpc_arena_heap_bytes(&a), 0);
  cgrpc_arena_free(&a);
}

static void test_grows_onto_heap(void) {
  cgrpc_arena_t a;
  cgrpc_arena_init(&a, NULL, 0);
  size_t total = 0;
  for (int i = 0; i < 1000; i++) {
    unsigned char *p = cgrpc_arena_alloc(&a, 100);
    CHECK(p != NULL);
    if (!p) break;
    memset(p, i & 0xff, 100);
    total += 100;
  }
  CHECK(cgrpc_arena_heap_bytes(&a) >= total);
  /* A large request gets its own block. */
  void *big = cgrpc_arena_alloc(&a, 5u << 20);
  CHECK(big != NULL);
  cgrpc_arena_free(&a);
  CHECK_EQ_UINT(cgrpc_arena_heap_bytes(&a), 0);
}

static void test_realloc_grows_last_allocation_in_place(void) {
  char buf[512];
  cgrpc_arena_t a;
  cgrpc_arena_init(&a, buf, sizeof buf);
  char *p = cgrpc_arena_alloc(&a, 16);
  memcpy(p, "0123456789abcdef", 16);
  char *q = cgrpc_arena_realloc(&a, p, 16, 64);
  CHECK(q == p);
  char *r = cgrpc_arena_alloc(&a, 8);
  (void)r;
  char *s = cgrpc_arena_realloc(&a, q, 64, 1024); /* no longer last: copies */
  CHECK(s != NULL && s != q);
  CHECK_EQ_MEM(s, 16, "0123456789abcdef", 16);
  cgrpc_arena_free(&a);
}

static void test_limit_makes_allocation_fail(void) {
  cgrpc_arena_t a;
  cgrpc_arena_init(&a, NULL, 0);
  cgrpc_arena_set_limit(&a, 4096);
  CHECK(cgrpc_arena_alloc(&a, 100) != NULL);
  CHECK(cgrpc_arena_alloc(&a, 1u << 20) == NULL);
  CHECK(cgrpc_arena_heap_bytes(&a) <= 4096);
  cgrpc_arena_free(&a);
}

static void test_reset_keeps_one_block(void) {
  cgrpc_arena_t a;
  cgrpc_arena_init(&a, NULL, 0);
  for (int i = 0; i < 100; i++) cgrpc_arena_alloc(&a, 200);
  cgrpc_arena_reset(&a, 1);
  size_t kept = cgrpc_arena_heap_bytes(&a);
  CHECK(kept > 0);
  CHECK(cgrpc_arena_alloc(&a, 200) != NULL);
  CHECK_EQ_UINT(cgrpc_arena_heap_bytes(&a), kept);
  cgrpc_arena_reset(&a, 0);
  CHECK_EQ_UINT(cgrpc_arena_heap_bytes(&a), 0);
  cgrpc_arena_free(&a);
}

static void test_zero_bytes_is_never_null(void) {
  cgrpc_arena_t a;
  cgrpc_arena_init(&a, NULL, 0);
  CHECK(cgrpc_arena_alloc(&a, 0) != NULL);
  CHECK(cgrpc_arena_memdup(&a, "", 0) != NULL);
  CHECK_EQ_UINT(cgrpc_arena_heap_bytes(&a), 0);
  cgrpc_arena_free(&a);
  CHECK(cgrpc_arena_alloc(&a, 0) != NULL);
}

static void test_calloc_and_memdup(void) {
  cgrpc_arena_t a;
  cgrpc_arena_init(&a, NULL, 0);
  unsigned char *z = cgrpc_arena_calloc(&a, 33);
  int all_zero = 1;
  for (int i = 0; i < 33; i++) all_zero &= z[i] == 0;
  CHECK(all_zero);
  char *d = cgrpc_arena_memdup(&a, "hello", 5);
  CHECK_EQ_MEM(d, 5, "hello", 5);
  cgrpc_arena_free(&a);
}

int main(void) {
  TEST_RUN(test_stack_buffer_serves_small_allocations);
  TEST_RUN(test_grows_onto_heap);
  TEST_RUN(test_realloc_grows_last_allocation_in_place);
  TEST_RUN(test_limit_makes_allocation_fail);
  TEST_RUN(test_reset_keeps_one_block);
  TEST_RUN(test_zero_bytes_is_never_null);
  TEST_RUN(test_calloc_and_memdup);
  return TEST_DONE();
}

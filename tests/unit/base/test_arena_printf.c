/* cgrpc_arena_printf(): in place when it fits, a second pass when it does
 * not, NUL-terminated either way, and {NULL, 0} when the arena refuses. */
#include <stdint.h>

#include "cgrpc/arena.h"
#include "test.h"

static void test_formats_in_place_in_a_stack_buffer(void) {
  char buf[256];
  cgrpc_arena_t a;
  cgrpc_arena_init(&a, buf, sizeof buf);
  cgrpc_str_t s = cgrpc_arena_printf(&a, "Hello %s, %d", "world", 42);
  CHECK_EQ_STR(s.data, "Hello world, 42");
  CHECK_EQ_UINT(s.len, 15);
  CHECK(s.data >= buf && s.data < buf + sizeof buf);
  /* The string's bytes are claimed: the next allocation comes after them,
   * aligned. */
  char *next = cgrpc_arena_alloc(&a, 1);
  CHECK(next >= s.data + s.len + 1);
  CHECK_EQ_UINT((uintptr_t)next % CGRPC_ARENA_ALIGN, 0);
  CHECK_EQ_UINT(cgrpc_arena_heap_bytes(&a), 0);
  cgrpc_arena_free(&a);
}

static void test_a_string_that_does_not_fit_is_formatted_again(void) {
  char buf[16];
  cgrpc_arena_t a;
  cgrpc_arena_init(&a, buf, sizeof buf);
  cgrpc_str_t s = cgrpc_arena_printf(&a, "%s-%s", "a rather long string", "and more");
  CHECK_EQ_STR(s.data, "a rather long string-and more");
  CHECK_EQ_UINT(s.len, 29);
  CHECK(s.data < buf || s.data >= buf + sizeof buf);
  CHECK(cgrpc_arena_heap_bytes(&a) > 0);
  cgrpc_arena_free(&a);
}

static void test_boundaries_around_the_room_left(void) {
  /* Strings of every length near the room left: in place or not, the text
   * is right and terminated. */
  for (size_t len = 0; len < 40; len++) {
    char buf[32];
    cgrpc_arena_t a;
    cgrpc_arena_init(&a, buf, sizeof buf);
    char want[64];
    memset(want, 'q', len);
    want[len] = '\0';
    cgrpc_str_t s = cgrpc_arena_printf(&a, "%s", want);
    CHECK_EQ_UINT(s.len, len);
    CHECK_EQ_STR(s.data, want);
    cgrpc_str_t t = cgrpc_arena_printf(&a, "%zu", len);
    CHECK_EQ_STR(s.data, want); /* not overwritten by the next string */
    CHECK(t.data != NULL);
    cgrpc_arena_free(&a);
  }
}

static void test_empty_arena_and_empty_string(void) {
  cgrpc_arena_t a;
  cgrpc_arena_init(&a, NULL, 0);
  cgrpc_str_t s = cgrpc_arena_printf(&a, "%s", "");
  CHECK(s.data != NULL);
  CHECK_EQ_UINT(s.len, 0);
  CHECK_EQ_STR(s.data, "");
  s = cgrpc_arena_printf(&a, "n=%d", 7);
  CHECK_EQ_STR(s.data, "n=7");
  cgrpc_arena_free(&a);
}

static void test_refused_memory_gives_null(void) {
  cgrpc_arena_t a;
  cgrpc_arena_init(&a, NULL, 0);
  cgrpc_arena_set_limit(&a, 64);
  static char big[4096];
  memset(big, 'z', sizeof big - 1);
  cgrpc_str_t s = cgrpc_arena_printf(&a, "%s", big);
  CHECK(s.data == NULL);
  CHECK_EQ_UINT(s.len, 0);
  cgrpc_arena_free(&a);
}

static cgrpc_str_t via_va_list(cgrpc_arena_t *a, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  cgrpc_str_t s = cgrpc_arena_vprintf(a, fmt, ap);
  va_end(ap);
  return s;
}

static void test_va_list_variant(void) {
  cgrpc_arena_t a;
  cgrpc_arena_init(&a, NULL, 0);
  static char big[3000];
  memset(big, 'v', sizeof big - 1);
  cgrpc_str_t s = via_va_list(&a, "%s/%d", big, 5);
  CHECK_EQ_UINT(s.len, sizeof big - 1 + 2);
  CHECK(s.data && s.data[s.len] == '\0' && s.data[s.len - 1] == '5');
  cgrpc_arena_free(&a);
}

int main(void) {
  TEST_RUN(test_formats_in_place_in_a_stack_buffer);
  TEST_RUN(test_a_string_that_does_not_fit_is_formatted_again);
  TEST_RUN(test_boundaries_around_the_room_left);
  TEST_RUN(test_empty_arena_and_empty_string);
  TEST_RUN(test_refused_memory_gives_null);
  TEST_RUN(test_va_list_variant);
  return TEST_DONE();
}

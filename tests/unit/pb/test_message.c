/* Whole messages: initialisation with proto2 defaults, semantic equality
 * (presence, oneofs, floats by bits, maps as maps, unknown bytes) and deep
 * copy (independent of the source's memory). */
#include <math.h>

#include "pb_fixtures.h"
#include "test.h"

static cgrpc_arena_t arena;

static void test_init_and_new(void) {
  t_Defaults d;
  memset(&d, 0xab, sizeof d);
  cgrpc_pb_msg_init(&d, &t_Defaults_table);
  CHECK(!d.has_n && d.n == 42);
  CHECK_EQ_MEM(d.s.data, d.s.len, "hi", 2);
  CHECK_EQ_UINT(d._unknown.len, 0);
  t_All *m = cgrpc_pb_msg_new(&t_All_table, &arena);
  CHECK(m != NULL);
  if (m) CHECK(m->i32 == 0 && m->nested == NULL && m->r_i32.count == 0 && m->choice_case == 0);
  /* Decoding a default-instance message leaves defaults of absent fields. */
  CHECK_EQ_INT(cgrpc_pb_decode(BYTES("\x08\x07"), &d, &t_Defaults_table, &arena, 0, NULL),
               CGRPC_PB_OK);
  CHECK(d.has_n && d.n == 7 && !d.has_s && d.s.len == 2);
  cgrpc_arena_t limited;
  cgrpc_arena_init(&limited, NULL, 0);
  cgrpc_arena_set_limit(&limited, 1);
  CHECK(cgrpc_pb_msg_new(&t_All_table, &limited) == NULL);
  cgrpc_arena_free(&limited);
}

static void test_equal_scalars_and_presence(void) {
  t_All a, b;
  fill_all(&a, &arena);
  fill_all(&b, &arena);
  CHECK(cgrpc_pb_msg_equal(&a, &b, &t_All_table)); /* NaN equals itself */
  b.i32++;
  CHECK(!cgrpc_pb_msg_equal(&a, &b, &t_All_table));
  fill_all(&b, &arena);
  b.db = 0.0;
  a.db = -0.0;
  CHECK(!cgrpc_pb_msg_equal(&a, &b, &t_All_table)); /* bits differ */
  fill_all(&a, &arena);
  fill_all(&b, &arena);
  b.has_opt_i32 = false;
  CHECK(!cgrpc_pb_msg_equal(&a, &b, &t_All_table));
  a.has_opt_i32 = false;
  a.opt_i32 = 99; /* unset: the stale value does not count */
  CHECK(cgrpc_pb_msg_equal(&a, &b, &t_All_table));
  b.str = str_of("héllo wörle");
  CHECK(!cgrpc_pb_msg_equal(&a, &b, &t_All_table));
  fill_all(&b, &arena);
  b._unknown.len--;
  CHECK(!cgrpc_pb_msg_equal(&a, &b, &t_All_table));
}

static void test_equal_messages_oneofs_repeated(void) {
  t_All a, b;
  fill_all(&a, &arena);
  fill_all(&b, &arena);
  b.nested->a = 0;
  CHECK(!cgrpc_pb_msg_equal(&a, &b, &t_All_table));
  fill_all(&b, &arena);
  b.nested = NULL; /* absent differs from present */
  CHECK(!cgrpc_pb_msg_equal(&a, &b, &t_All_table));
  fill_all(&b, &arena);
  b.choice_case = 70;
  CHECK(!cgrpc_pb_msg_equal(&a, &b, &t_All_table));
  a.choice_case = 70;
  a.choice.o_i32 = 5;
  b.choice.o_i32 = 5;
  CHECK(cgrpc_pb_msg_equal(&a, &b, &t_All_table));
  b.r_i32.count--;
  CHECK(!cgrpc_pb_msg_equal(&a, &b, &t_All_table));
  fill_all(&b, &arena);
  b.r_nested.data[1]->s.len = 0;
  CHECK(!cgrpc_pb_msg_equal(&a, &b, &t_All_table));
}

static void test_equal_maps_as_maps(void) {
  t_All a, b;
  cgrpc_pb_msg_init(&a, &t_All_table);
  cgrpc_pb_msg_init(&b, &t_All_table);
  t_MapStr e[4] = {
      {{NULL, 0}, {"x", 1}, 1},
      {{NULL, 0}, {"y", 1}, 2}, /* a: x=1, y=2 */
      {{NULL, 0}, {"y", 1}, 2},
      {{NULL, 0}, {"x", 1}, 1}, /* b: y=2, x=1 */
  };
  t_MapStr *pa[] = {&e[0], &e[1]}, *pb[] = {&e[2], &e[3]};
  a.m_str.data = pa;
  a.m_str.count = 2;
  b.m_str.data = pb;
  b.m_str.count = 2;
  CHECK(cgrpc_pb_msg_equal(&a, &b, &t_All_table));
  e[3].value = 9;
  CHECK(!cgrpc_pb_msg_equal(&a, &b, &t_All_table));
  /* Duplicate keys: the last one counts. */
  t_MapStr dup = {{NULL, 0}, {"x", 1}, 1};
  t_MapStr *pc[] = {&e[3], &e[2], &dup};
  b.m_str.data = pc;
  b.m_str.count = 3;
  CHECK(cgrpc_pb_msg_equal(&a, &b, &t_All_table));
  /* A map entry without its message value equals one with an empty value. */
  t_Nested empty = {{NULL, 0}, 0, {NULL, 0}};
  t_MapInt i1 = {{NULL, 0}, 4, NULL}, i2 = {{NULL, 0}, 4, &empty};
  t_MapInt *qa[] = {&i1}, *qb[] = {&i2};
  a.m_int.data = qa;
  a.m_int.count = 1;
  b.m_int.data = qb;
  b.m_int.count = 1;
  CHECK(cgrpc_pb_msg_equal(&a, &b, &t_All_table));
  empty.a = 1;
  CHECK(!cgrpc_pb_msg_equal(&a, &b, &t_All_table));
}

static void test_equal_large_maps(void) {
  enum { N = 300 };
  t_All a, b;
  cgrpc_pb_msg_init(&a, &t_All_table);
  cgrpc_pb_msg_init(&b, &t_All_table);
  static t_MapInt ea[N], eb[N];
  static t_MapInt *pa[N], *pb[N];
  for (int i = 0; i < N; i++) {
    ea[i].key = i;
    eb[i].key = N - 1 - i;
    pa[i] = &ea[i];
    pb[i] = &eb[i];
  }
  a.m_int.data = pa;
  a.m_int.count = N;
  b.m_int.data = pb;
  b.m_int.count = N;
  CHECK(cgrpc_pb_msg_equal(&a, &b, &t_All_table));
  eb[7].key = N + 1;
  CHECK(!cgrpc_pb_msg_equal(&a, &b, &t_All_table));
}

static bool points_into(const void *p, const void *lo, size_t n) {
  return (const char *)p >= (const char *)lo && (const char *)p < (const char *)lo + n;
}

static void test_copy_is_deep(void) {
  /* The source lives in its own arena on a stack buffer; after the copy
   * that memory is scribbled over and the copy must not notice. */
  static char src_mem[1 << 16];
  cgrpc_arena_t src_arena;
  cgrpc_arena_init(&src_arena, src_mem, sizeof src_mem);
  t_All src;
  fill_all(&src, &src_arena);
  uint8_t *input;
  size_t len;
  CHECK_EQ_INT(cgrpc_pb_encode(&src, &t_All_table, &src_arena, 0, &input, &len, NULL), CGRPC_PB_OK);
  /* Decode with ALIAS so strings point into the source arena, too. */
  t_All aliased;
  cgrpc_pb_msg_init(&aliased, &t_All_table);
  CHECK_EQ_INT(
      cgrpc_pb_decode(input, len, &aliased, &t_All_table, &src_arena, CGRPC_PB_DECODE_ALIAS, NULL),
      CGRPC_PB_OK);
  CHECK_EQ_UINT(cgrpc_arena_heap_bytes(&src_arena), 0);
  t_All copy;
  CHECK_EQ_INT(cgrpc_pb_msg_copy(&copy, &aliased, &t_All_table, &arena), CGRPC_PB_OK);
  CHECK(cgrpc_pb_msg_equal(&copy, &aliased, &t_All_table));
  CHECK(!points_into(copy.str.data, src_mem, sizeof src_mem));
  CHECK(!points_into(copy.nested, src_mem, sizeof src_mem));
  CHECK(!points_into(copy.r_str.data[0].data, src_mem, sizeof src_mem));
  CHECK(!points_into(copy.m_int.data[0]->value, src_mem, sizeof src_mem));
  CHECK(!points_into(copy._unknown.data, src_mem, sizeof src_mem));
  uint8_t *before;
  size_t before_len;
  CHECK_EQ_INT(cgrpc_pb_encode(&copy, &t_All_table, &arena, 0, &before, &before_len, NULL),
               CGRPC_PB_OK);
  CHECK_EQ_MEM(before, before_len, input, len);
  memset(src_mem, 0x5a, sizeof src_mem);
  uint8_t *after;
  size_t after_len;
  CHECK_EQ_INT(cgrpc_pb_encode(&copy, &t_All_table, &arena, 0, &after, &after_len, NULL),
               CGRPC_PB_OK);
  CHECK_EQ_MEM(after, after_len, before, before_len);
  CHECK(copy.r_i32.capacity == copy.r_i32.count);
}

static void test_copy_failures(void) {
  t_Rec a, b;
  memset(&a, 0, sizeof a);
  memset(&b, 0, sizeof b);
  a.child = &b;
  b.child = &a;
  t_Rec c;
  CHECK_EQ_INT(cgrpc_pb_msg_copy(&c, &a, &t_Rec_table, &arena), CGRPC_PB_ERR_TOO_DEEP);
  CHECK(!cgrpc_pb_msg_equal(&a, &a, &t_Rec_table)); /* a cycle is too deep to compare */
  t_All m;
  fill_all(&m, &arena);
  cgrpc_arena_t limited;
  cgrpc_arena_init(&limited, NULL, 0);
  cgrpc_arena_set_limit(&limited, 1);
  t_All d;
  CHECK_EQ_INT(cgrpc_pb_msg_copy(&d, &m, &t_All_table, &limited), CGRPC_PB_ERR_NO_MEMORY);
  uint8_t buf[2048];
  size_t len;
  CHECK_EQ_INT(cgrpc_pb_encode_to(&d, &t_All_table, buf, sizeof buf, 0, &len, NULL), CGRPC_PB_OK);
  cgrpc_arena_free(&limited);
}

int main(void) {
  cgrpc_arena_init(&arena, NULL, 0);
  TEST_RUN(test_init_and_new);
  TEST_RUN(test_equal_scalars_and_presence);
  TEST_RUN(test_equal_messages_oneofs_repeated);
  TEST_RUN(test_equal_maps_as_maps);
  TEST_RUN(test_equal_large_maps);
  TEST_RUN(test_copy_is_deep);
  TEST_RUN(test_copy_failures);
  cgrpc_arena_free(&arena);
  return TEST_DONE();
}

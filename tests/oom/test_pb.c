/* tests/oom/test_pb.c — the protobuf engine when the heap refuses.
 *
 * A message with every kind of field (scalars, strings, nested and repeated
 * messages, groups, a oneof, maps large enough to be sorted on the heap,
 * strings large enough for an arena block of their own) is decoded,
 * encoded, copied and compared while the n-th heap allocation fails, for
 * every n until one run needs fewer than n, transient and persistent.
 * cgrpc/pb.h promises CGRPC_PB_ERR_NO_MEMORY for decode, encode and copy (a
 * message that stays safe to read and to encode), and "unequal" from
 * cgrpc_pb_msg_equal when its map sort cannot get memory; freeing the arena
 * must give back every block.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/pb/pb_fixtures.h"
#include "oom_alloc.h"
#include "test.h"

/* Map entries and list elements beyond the 16 the engine sorts on the stack. */
#define MAP_ENTRIES 40
#define NESTED 60
#define BIG_STRING 3000

static char g_big[BIG_STRING];

/* fill_all() plus what makes the engine allocate more than once: large
 * maps, many nested messages, long strings. */
static void fill_big(t_All *m, cgrpc_arena_t *a) {
  fill_all(m, a);
  memset(g_big, 'x', sizeof g_big);
  m->str = (cgrpc_str_t){g_big, sizeof g_big};
  t_MapStr **ms = cgrpc_arena_alloc(a, MAP_ENTRIES * sizeof *ms);
  for (int i = 0; i < MAP_ENTRIES; i++) {
    char key[16];
    int n = snprintf(key, sizeof key, "key%d", (i * 7) % MAP_ENTRIES);
    ms[i] = cgrpc_pb_msg_new(&t_MapStr_table, a);
    ms[i]->key = (cgrpc_str_t){cgrpc_arena_memdup(a, key, (size_t)n), (size_t)n};
    ms[i]->value = i;
  }
  m->m_str.data = ms;
  m->m_str.count = m->m_str.capacity = MAP_ENTRIES;
  t_MapInt **mi = cgrpc_arena_alloc(a, MAP_ENTRIES * sizeof *mi);
  for (int i = 0; i < MAP_ENTRIES; i++) {
    mi[i] = cgrpc_pb_msg_new(&t_MapInt_table, a);
    mi[i]->key = MAP_ENTRIES - i;
    mi[i]->value = cgrpc_pb_msg_new(&t_Nested_table, a);
    mi[i]->value->a = i;
    mi[i]->value->s = str_of("map value");
  }
  m->m_int.data = mi;
  m->m_int.count = m->m_int.capacity = MAP_ENTRIES;
  t_Nested **nl = cgrpc_arena_alloc(a, NESTED * sizeof *nl);
  for (int i = 0; i < NESTED; i++) {
    nl[i] = cgrpc_pb_msg_new(&t_Nested_table, a);
    nl[i]->a = i;
    nl[i]->s = (cgrpc_str_t){g_big, (size_t)(i * 37) % 200};
  }
  m->r_nested.data = nl;
  m->r_nested.count = m->r_nested.capacity = NESTED;
}

typedef struct subject {
  cgrpc_arena_t arena; /* holds `msg` */
  t_All msg;
  uint8_t *wire; /* its deterministic encoding, libc heap */
  size_t wire_len;
} subject_t;

static subject_t g_subject;

static void subject_make(void) {
  subject_t *s = &g_subject;
  cgrpc_arena_init(&s->arena, NULL, 0);
  fill_big(&s->msg, &s->arena);
  cgrpc_arena_t tmp;
  cgrpc_arena_init(&tmp, NULL, 0);
  uint8_t *out;
  CHECK_EQ_INT(cgrpc_pb_encode(&s->msg, &t_All_table, &tmp, CGRPC_PB_ENCODE_DETERMINISTIC, &out,
                               &s->wire_len, NULL),
               CGRPC_PB_OK);
  s->wire = malloc(s->wire_len);
  memcpy(s->wire, out, s->wire_len);
  cgrpc_arena_free(&tmp);
}

/* One operation under test; returns its cgrpc_pb code. It may use `arena`
 * (empty, or started on a small stack buffer) for its output. */
typedef int (*op_fn)(cgrpc_arena_t *arena, cgrpc_pb_error_t *err, void **result);

static int op_decode(cgrpc_arena_t *arena, cgrpc_pb_error_t *err, void **result) {
  t_All *m = cgrpc_arena_alloc(arena, sizeof *m);
  if (!m) return err->code = CGRPC_PB_ERR_NO_MEMORY;
  cgrpc_pb_msg_init(m, &t_All_table);
  *result = m;
  return cgrpc_pb_decode(g_subject.wire, g_subject.wire_len, m, &t_All_table, arena, 0, err);
}

static int op_decode_alias(cgrpc_arena_t *arena, cgrpc_pb_error_t *err, void **result) {
  t_All *m = cgrpc_arena_alloc(arena, sizeof *m);
  if (!m) return err->code = CGRPC_PB_ERR_NO_MEMORY;
  cgrpc_pb_msg_init(m, &t_All_table);
  *result = m;
  return cgrpc_pb_decode(g_subject.wire, g_subject.wire_len, m, &t_All_table, arena,
                         CGRPC_PB_DECODE_ALIAS, err);
}

static int encode_with(cgrpc_arena_t *arena, cgrpc_pb_error_t *err, int options) {
  uint8_t *out = NULL;
  size_t len = 0;
  int rc = cgrpc_pb_encode(&g_subject.msg, &t_All_table, arena, options, &out, &len, err);
  if (rc == CGRPC_PB_OK && (options & CGRPC_PB_ENCODE_DETERMINISTIC)) {
    CHECK_EQ_MEM(out, len, g_subject.wire, g_subject.wire_len);
  }
  if (rc == CGRPC_PB_OK) CHECK_EQ_UINT(len, g_subject.wire_len);
  return rc;
}

static int op_encode(cgrpc_arena_t *arena, cgrpc_pb_error_t *err, void **result) {
  (void)result;
  return encode_with(arena, err, 0);
}

static int op_encode_deterministic(cgrpc_arena_t *arena, cgrpc_pb_error_t *err, void **result) {
  (void)result;
  return encode_with(arena, err, CGRPC_PB_ENCODE_DETERMINISTIC);
}

/* cgrpc_pb_encode_to into a caller's buffer: no arena, but the map sort. */
static int op_encode_to(cgrpc_arena_t *arena, cgrpc_pb_error_t *err, void **result) {
  (void)arena;
  (void)result;
  uint8_t *buf = malloc(g_subject.wire_len);
  size_t len = 0;
  int rc = cgrpc_pb_encode_to(&g_subject.msg, &t_All_table, buf, g_subject.wire_len,
                              CGRPC_PB_ENCODE_DETERMINISTIC, &len, err);
  if (rc == CGRPC_PB_OK) CHECK_EQ_MEM(buf, len, g_subject.wire, g_subject.wire_len);
  free(buf);
  return rc;
}

static int op_copy(cgrpc_arena_t *arena, cgrpc_pb_error_t *err, void **result) {
  t_All *m = cgrpc_arena_alloc(arena, sizeof *m);
  if (!m) return err->code = CGRPC_PB_ERR_NO_MEMORY;
  *result = m;
  /* cgrpc_pb_msg_copy() fills no cgrpc_pb_error_t; report the code alone. */
  int rc = cgrpc_pb_msg_copy(m, &g_subject.msg, &t_All_table, arena);
  if (rc != CGRPC_PB_OK) err->code = rc;
  return rc;
}

/* Equality has no error code: its map sort failing must read "unequal". */
static t_All *g_equal_other;
static int op_equal(cgrpc_arena_t *arena, cgrpc_pb_error_t *err, void **result) {
  (void)arena;
  (void)result;
  if (cgrpc_pb_msg_equal(&g_subject.msg, g_equal_other, &t_All_table)) return CGRPC_PB_OK;
  err->code = CGRPC_PB_ERR_NO_MEMORY;
  return CGRPC_PB_ERR_NO_MEMORY;
}

/* A result must be the subject itself when the operation succeeded, and,
 * after a failure, still safe to read and to encode (cgrpc/pb.h). */
static void check_result(const t_All *m, int rc) {
  if (rc == CGRPC_PB_OK) {
    CHECK(cgrpc_pb_msg_equal(m, &g_subject.msg, &t_All_table));
    return;
  }
  cgrpc_arena_t tmp;
  cgrpc_arena_init(&tmp, NULL, 0);
  uint8_t *out;
  size_t len;
  CHECK_EQ_INT(cgrpc_pb_encode(m, &t_All_table, &tmp, CGRPC_PB_ENCODE_PARTIAL, &out, &len, NULL),
               CGRPC_PB_OK);
  cgrpc_arena_free(&tmp);
}

/* Runs `op` failing the n-th allocation for n = 1, 2, ... until a run
 * completes without a refusal. `initial` > 0 starts the arena on a stack
 * buffer of that size. Returns how many runs had a failure injected. */
static size_t sweep(const char *name, op_fn op, oom_mode_t mode, size_t initial) {
  char stack_buf[4096];
  size_t n;
  for (n = 1;; n++) {
    long live = oom_live_blocks();
    cgrpc_arena_t arena;
    cgrpc_arena_init(&arena, initial ? stack_buf : NULL, initial);
    cgrpc_pb_error_t err = {0};
    void *result = NULL;
    oom_arm(n, mode);
    int rc = op(&arena, &err, &result);
    size_t failures = oom_failures();
    oom_disarm();
    if (failures == 0) {
      if (rc != CGRPC_PB_OK) TEST_FAIL_("%s: n=%zu: no failure injected, got %d", name, n, rc);
    } else if (rc != CGRPC_PB_OK) {
      if (rc != CGRPC_PB_ERR_NO_MEMORY || err.code != CGRPC_PB_ERR_NO_MEMORY) {
        TEST_FAIL_("%s: n=%zu (%s): got %d (err.code %d), want NO_MEMORY", name, n,
                   mode == OOM_PERSISTENT ? "persistent" : "transient", rc, err.code);
      }
    }
    if (result) check_result(result, rc);
    cgrpc_arena_free(&arena);
    if (oom_live_blocks() != live) {
      TEST_FAIL_("%s: n=%zu: %ld blocks leaked", name, n, oom_live_blocks() - live);
    }
    if (failures == 0) break;
    if (n > 10000) {
      TEST_FAIL_("%s: still failing at n=%zu", name, n);
      break;
    }
  }
  return n - 1;
}

static void sweep_both(const char *name, op_fn op, size_t initial) {
  size_t t = sweep(name, op, OOM_TRANSIENT, initial);
  size_t p = sweep(name, op, OOM_PERSISTENT, initial);
  CHECK_EQ_UINT(t, p);
  /* Every operation here allocates at least once, or it tests nothing. */
  if (t == 0) TEST_FAIL_("%s: never allocated", name);
  fprintf(stderr, "  %s: %zu allocation points\n", name, t);
}

static void test_decode(void) {
  sweep_both("decode", op_decode, 0);
  sweep_both("decode from a stack buffer", op_decode, 2048);
  sweep_both("decode alias", op_decode_alias, 0);
}

static void test_encode(void) {
  sweep_both("encode", op_encode, 0);
  sweep_both("encode deterministic", op_encode_deterministic, 0);
  sweep_both("encode_to deterministic", op_encode_to, 0);
}

static void test_copy(void) {
  sweep_both("copy", op_copy, 0);
  sweep_both("copy from a stack buffer", op_copy, 1024);
}

static void test_equal(void) {
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  g_equal_other = cgrpc_arena_alloc(&arena, sizeof *g_equal_other);
  CHECK_EQ_INT(cgrpc_pb_msg_copy(g_equal_other, &g_subject.msg, &t_All_table, &arena), CGRPC_PB_OK);
  sweep_both("equal", op_equal, 0);
  cgrpc_arena_free(&arena);
}

/* The arena on its own: a refused block leaves it usable and leak-free. */
static void test_arena(void) {
  for (int mode = 0; mode < 2; mode++) {
    for (size_t n = 1; n <= 8; n++) {
      long live = oom_live_blocks();
      cgrpc_arena_t a;
      cgrpc_arena_init(&a, NULL, 0);
      oom_arm(n, (oom_mode_t)mode);
      size_t got = 0, refused = 0;
      for (int i = 0; i < 200; i++) {
        void *p = cgrpc_arena_alloc(&a, (size_t)(i % 5 == 0 ? 3000 : 100));
        if (p) {
          memset(p, 0xab, i % 5 == 0 ? 3000 : 100);
          got++;
        } else {
          refused++;
        }
      }
      size_t failures = oom_failures();
      oom_disarm();
      CHECK_EQ_UINT(refused, failures);
      if (mode == OOM_TRANSIENT) CHECK(refused <= 1);
      void *p = cgrpc_arena_alloc(&a, 5000);
      CHECK(p != NULL);
      cgrpc_arena_reset(&a, 1);
      cgrpc_arena_free(&a);
      CHECK_EQ_INT(oom_live_blocks(), live);
      (void)got;
    }
  }
}

int main(void) {
  oom_install();
  oom_watchdog(60, "test_pb");
  subject_make();
  TEST_RUN(test_arena);
  TEST_RUN(test_decode);
  TEST_RUN(test_encode);
  TEST_RUN(test_copy);
  TEST_RUN(test_equal);
  cgrpc_arena_free(&g_subject.arena);
  free(g_subject.wire);
  CHECK_EQ_INT(oom_live_blocks(), 0);
  return TEST_DONE();
}

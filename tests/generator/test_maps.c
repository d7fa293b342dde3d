/* test_maps.c — the generated map accessors (_get, _put, _delete, _size).
 *
 * maps.proto has a map for every key kind and every kind of value. These
 * tests run each through the accessors, check the documented order of the
 * entries (insertion order; a decoded map in wire order, last key winning),
 * the edge cases of the array (an array the caller set up, NULL entries, no
 * arena), deterministic encoding in key order against known bytes, and a
 * random sequence of operations against a simple model.
 *
 * With arguments `ops SEED COUNT` it prints a random sequence of operations
 * and the deterministic encoding of the result instead, for map_ops_ref.py
 * to replay through Python protobuf and compare byte for byte.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgrpc/arena.h"
#include "cgrpc/pb.h"
#include "cgrpc_test/maps.pb.h"
#include "cgrpc_test/sample3.pb.h"
#include "test.h"

#define STR_EQ(s, lit) ((s).len == sizeof(lit) - 1 && memcmp((s).data, lit, (s).len) == 0)

typedef cgrpc_test_maps_Maps Maps;
typedef cgrpc_test_maps_Point Point;

static Point *point(cgrpc_arena_t *arena, int32_t x, int32_t y) {
  Point *p = cgrpc_test_maps_Point_new(arena);
  p->x = x;
  p->y = y;
  return p;
}

/* Encodes m deterministically and compares with the expected bytes. */
static void check_bytes(const Maps *m, const char *expected, size_t len) {
  char buf[512];
  size_t n = 0;
  CHECK_EQ_INT(
      cgrpc_test_maps_Maps_encode_to(m, buf, sizeof buf, CGRPC_PB_ENCODE_DETERMINISTIC, &n, NULL),
      CGRPC_PB_OK);
  CHECK_EQ_MEM(buf, n, expected, len);
}

/* Every integer key kind, at its extremes, with a value of another kind. */
static void test_integer_keys(void) {
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  Maps m = cgrpc_test_maps_Maps_INIT;

  CHECK_EQ_INT(cgrpc_test_maps_Maps_i32_str_put(&m, INT32_MIN, CGRPC_STR("min"), &arena), 0);
  CHECK_EQ_INT(cgrpc_test_maps_Maps_i32_str_put(&m, -1, CGRPC_STR("minus one"), &arena), 0);
  CHECK_EQ_INT(cgrpc_test_maps_Maps_i32_str_put(&m, 0, CGRPC_STR("zero"), &arena), 0);
  CHECK_EQ_INT(cgrpc_test_maps_Maps_i32_str_put(&m, INT32_MAX, CGRPC_STR("max"), &arena), 0);
  CHECK_EQ_UINT(cgrpc_test_maps_Maps_i32_str_size(&m), 4);
  cgrpc_str_t s = CGRPC_STR("untouched");
  CHECK(cgrpc_test_maps_Maps_i32_str_get(&m, -1, &s) && STR_EQ(s, "minus one"));
  CHECK(cgrpc_test_maps_Maps_i32_str_get(&m, 0, &s) && STR_EQ(s, "zero"));
  CHECK(cgrpc_test_maps_Maps_i32_str_get(&m, INT32_MIN, &s) && STR_EQ(s, "min"));
  CHECK(cgrpc_test_maps_Maps_i32_str_get(&m, INT32_MAX, &s) && STR_EQ(s, "max"));
  s = CGRPC_STR("untouched");
  CHECK(!cgrpc_test_maps_Maps_i32_str_get(&m, 1, &s) && STR_EQ(s, "untouched"));
  CHECK(cgrpc_test_maps_Maps_i32_str_get(&m, 0, NULL)); /* a NULL out asks "is it there" */
  CHECK(!cgrpc_test_maps_Maps_i32_str_get(&m, 7, NULL));

  cgrpc_str_t b;
  CHECK_EQ_INT(cgrpc_test_maps_Maps_i64_bytes_put(&m, INT64_MIN, CGRPC_STR("\0\1"), &arena), 0);
  CHECK_EQ_INT(cgrpc_test_maps_Maps_i64_bytes_put(&m, INT64_MAX, CGRPC_STR(""), &arena), 0);
  CHECK(cgrpc_test_maps_Maps_i64_bytes_get(&m, INT64_MIN, &b) && STR_EQ(b, "\0\1"));
  CHECK(cgrpc_test_maps_Maps_i64_bytes_get(&m, INT64_MAX, &b) && b.len == 0);
  CHECK(!cgrpc_test_maps_Maps_i64_bytes_get(&m, 0, &b));
  /* 64-bit keys compare all 64 bits. */
  CHECK(!cgrpc_test_maps_Maps_i64_bytes_get(&m, (int64_t)INT32_MIN, &b));

  uint64_t u64;
  CHECK_EQ_INT(cgrpc_test_maps_Maps_u32_u64_put(&m, UINT32_MAX, UINT64_MAX, &arena), 0);
  CHECK_EQ_INT(cgrpc_test_maps_Maps_u32_u64_put(&m, 0, 5, &arena), 0);
  CHECK(cgrpc_test_maps_Maps_u32_u64_get(&m, UINT32_MAX, &u64) && u64 == UINT64_MAX);
  CHECK(cgrpc_test_maps_Maps_u32_u64_get(&m, 0, &u64) && u64 == 5);

  double d;
  CHECK_EQ_INT(cgrpc_test_maps_Maps_u64_double_put(&m, UINT64_MAX, -2.5, &arena), 0);
  CHECK_EQ_INT(cgrpc_test_maps_Maps_u64_double_put(&m, 1ull << 63, 0.25, &arena), 0);
  CHECK(cgrpc_test_maps_Maps_u64_double_get(&m, UINT64_MAX, &d) && d == -2.5);
  CHECK(cgrpc_test_maps_Maps_u64_double_get(&m, 1ull << 63, &d) && d == 0.25);
  CHECK(!cgrpc_test_maps_Maps_u64_double_get(&m, 1, &d));

  float f;
  CHECK_EQ_INT(cgrpc_test_maps_Maps_s32_float_put(&m, -7, 1.5f, &arena), 0);
  CHECK(cgrpc_test_maps_Maps_s32_float_get(&m, -7, &f) && f == 1.5f);
  CHECK(!cgrpc_test_maps_Maps_s32_float_get(&m, 7, &f));

  bool flag = false;
  CHECK_EQ_INT(cgrpc_test_maps_Maps_s64_bool_put(&m, -(INT64_C(1) << 40), true, &arena), 0);
  CHECK(cgrpc_test_maps_Maps_s64_bool_get(&m, -(INT64_C(1) << 40), &flag) && flag);

  int32_t fruit;
  CHECK_EQ_INT(
      cgrpc_test_maps_Maps_f32_enum_put(&m, 0xdeadbeefu, cgrpc_test_maps_FRUIT_PEAR, &arena), 0);
  CHECK_EQ_INT(cgrpc_test_maps_Maps_f32_enum_put(&m, 1, 99, &arena), 0); /* open enum */
  CHECK(cgrpc_test_maps_Maps_f32_enum_get(&m, 0xdeadbeefu, &fruit) &&
        fruit == cgrpc_test_maps_FRUIT_PEAR);
  CHECK(cgrpc_test_maps_Maps_f32_enum_get(&m, 1, &fruit) && fruit == 99);

  int64_t i64;
  CHECK_EQ_INT(cgrpc_test_maps_Maps_f64_s64_put(&m, UINT64_MAX, INT64_MIN, &arena), 0);
  CHECK(cgrpc_test_maps_Maps_f64_s64_get(&m, UINT64_MAX, &i64) && i64 == INT64_MIN);

  int32_t i32;
  CHECK_EQ_INT(cgrpc_test_maps_Maps_sf64_i32_put(&m, INT64_MIN, -3, &arena), 0);
  CHECK(cgrpc_test_maps_Maps_sf64_i32_get(&m, INT64_MIN, &i32) && i32 == -3);

  uint32_t u32;
  CHECK_EQ_INT(cgrpc_test_maps_Maps_i32_f32_put(&m, -2, 0xfffffffeu, &arena), 0);
  CHECK(cgrpc_test_maps_Maps_i32_f32_get(&m, -2, &u32) && u32 == 0xfffffffeu);

  CHECK_EQ_INT(cgrpc_test_maps_Maps_u32_sf64_put(&m, 3, -4, &arena), 0);
  CHECK(cgrpc_test_maps_Maps_u32_sf64_get(&m, 3, &i64) && i64 == -4);

  /* Through the wire and back: the same maps. */
  uint8_t *bytes;
  size_t len;
  CHECK_EQ_INT(cgrpc_test_maps_Maps_encode(&m, &arena, 0, &bytes, &len, NULL), 0);
  Maps back = cgrpc_test_maps_Maps_INIT;
  CHECK_EQ_INT(cgrpc_test_maps_Maps_decode(bytes, len, &back, &arena, 0, NULL), 0);
  CHECK(cgrpc_pb_msg_equal(&m, &back, &cgrpc_test_maps_Maps_table));
  CHECK(cgrpc_test_maps_Maps_u64_double_get(&back, UINT64_MAX, &d) && d == -2.5);
  CHECK(cgrpc_test_maps_Maps_i32_str_get(&back, INT32_MIN, &s) && STR_EQ(s, "min"));
  cgrpc_arena_free(&arena);
}

static void test_bool_keys(void) {
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  Maps m = cgrpc_test_maps_Maps_INIT;
  cgrpc_str_t s;
  CHECK(!cgrpc_test_maps_Maps_bool_str_get(&m, false, &s));
  CHECK_EQ_INT(cgrpc_test_maps_Maps_bool_str_put(&m, true, CGRPC_STR("yes"), &arena), 0);
  CHECK(!cgrpc_test_maps_Maps_bool_str_get(&m, false, &s));
  CHECK_EQ_INT(cgrpc_test_maps_Maps_bool_str_put(&m, false, CGRPC_STR("no"), &arena), 0);
  CHECK_EQ_INT(cgrpc_test_maps_Maps_bool_str_put(&m, true, CGRPC_STR("yes!"), &arena), 0);
  CHECK_EQ_UINT(cgrpc_test_maps_Maps_bool_str_size(&m), 2);
  CHECK(cgrpc_test_maps_Maps_bool_str_get(&m, true, &s) && STR_EQ(s, "yes!"));
  CHECK(cgrpc_test_maps_Maps_bool_str_get(&m, false, &s) && STR_EQ(s, "no"));
  /* Deterministic: false first, although true went in first. */
  check_bytes(&m, "\x5a\x06\x08\x00\x12\x02no\x5a\x08\x08\x01\x12\x04yes!", 18);
  /* An entry set by hand with a bool stored as 2 is still the key true. */
  *(uint8_t *)&m.bool_str.data[0]->key = 2;
  CHECK(cgrpc_test_maps_Maps_bool_str_get(&m, true, &s) && STR_EQ(s, "yes!"));
  CHECK(cgrpc_test_maps_Maps_bool_str_delete(&m, true));
  CHECK(!cgrpc_test_maps_Maps_bool_str_delete(&m, true));
  CHECK_EQ_UINT(cgrpc_test_maps_Maps_bool_str_size(&m), 1);
  cgrpc_arena_free(&arena);
}

static void test_string_keys(void) {
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  Maps m = cgrpc_test_maps_Maps_INIT;
  cgrpc_str_t s;
  const cgrpc_str_t keys[] = {CGRPC_STR("ab"),   CGRPC_STR("a"),    CGRPC_STR(""),
                              CGRPC_STR("a\0b"), CGRPC_STR("a\0c"), CGRPC_STR("\xc3\xa9")};
  const cgrpc_str_t values[] = {CGRPC_STR("1"), CGRPC_STR("2"), CGRPC_STR("3"),
                                CGRPC_STR("4"), CGRPC_STR("5"), CGRPC_STR("6")};
  for (size_t i = 0; i < 6; i++) {
    CHECK_EQ_INT(cgrpc_test_maps_Maps_str_str_put(&m, keys[i], values[i], &arena), 0);
  }
  CHECK_EQ_UINT(cgrpc_test_maps_Maps_str_str_size(&m), 6);
  for (size_t i = 0; i < 6; i++) {
    CHECK(cgrpc_test_maps_Maps_str_str_get(&m, keys[i], &s));
    CHECK_EQ_MEM(s.data, s.len, values[i].data, values[i].len);
  }
  /* Keys compare by length and bytes, not as C strings, and not by pointer. */
  char copy[] = {'a', 'b'};
  CHECK(cgrpc_test_maps_Maps_str_str_get(&m, (cgrpc_str_t){copy, 2}, &s) && STR_EQ(s, "1"));
  CHECK(!cgrpc_test_maps_Maps_str_str_get(&m, CGRPC_STR("abc"), &s));
  CHECK(!cgrpc_test_maps_Maps_str_str_get(&m, CGRPC_STR("a\0"), &s));
  CHECK(!cgrpc_test_maps_Maps_str_str_get(&m, CGRPC_STR("b"), &s));
  /* An empty key with a NULL data pointer is the empty key. */
  CHECK(cgrpc_test_maps_Maps_str_str_get(&m, (cgrpc_str_t){NULL, 0}, &s) && STR_EQ(s, "3"));
  /* Iteration: insertion order. */
  for (size_t i = 0; i < m.str_str.count; i++) {
    const cgrpc_test_maps_Maps_StrStrEntry *e = m.str_str.data[i];
    CHECK_EQ_MEM(e->key.data, e->key.len, keys[i].data, keys[i].len);
  }
  /* Deterministic: bytewise order, shorter prefix first. */
  check_bytes(&m,
              "\x6a\x05\x0a\x00\x12\x01"
              "3"
              "\x6a\x06\x0a\x01"
              "a\x12\x01"
              "2"
              "\x6a\x08\x0a\x03"
              "a\0b\x12\x01"
              "4"
              "\x6a\x08\x0a\x03"
              "a\0c\x12\x01"
              "5"
              "\x6a\x07\x0a\x02"
              "ab\x12\x01"
              "1"
              "\x6a\x07\x0a\x02\xc3\xa9\x12\x01"
              "6",
              7 + 8 + 10 + 10 + 9 + 9);
  cgrpc_arena_free(&arena);
}

static void test_message_values(void) {
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  Maps m = cgrpc_test_maps_Maps_INIT;
  Point *p1 = point(&arena, 1, 2), *p2 = point(&arena, 3, 4), *got = NULL;
  CHECK_EQ_INT(cgrpc_test_maps_Maps_str_msg_put(&m, CGRPC_STR("home"), p1, &arena), 0);
  CHECK_EQ_INT(cgrpc_test_maps_Maps_sf32_msg_put(&m, -5, p2, &arena), 0);
  CHECK(cgrpc_test_maps_Maps_str_msg_get(&m, CGRPC_STR("home"), &got) && got == p1);
  CHECK(cgrpc_test_maps_Maps_sf32_msg_get(&m, -5, &got) && got == p2);
  /* The value is the caller's message, not a copy: changes show through. */
  got->x = 30;
  CHECK(cgrpc_test_maps_Maps_sf32_msg_get(&m, -5, &got) && got->x == 30);
  /* A NULL message value is an empty message on the wire. */
  CHECK_EQ_INT(cgrpc_test_maps_Maps_str_msg_put(&m, CGRPC_STR("void"), NULL, &arena), 0);
  CHECK(cgrpc_test_maps_Maps_str_msg_get(&m, CGRPC_STR("void"), &got) && got == NULL);
  check_bytes(&m,
              "\x4a\x0b\x0d\xfb\xff\xff\xff\x12\x04\x08\x1e\x10\x04"
              "\x62\x0c\x0a\x04home\x12\x04\x08\x01\x10\x02"
              "\x62\x08\x0a\x04void\x12\x00",
              13 + 14 + 10);
  /* A map of the message's own type. */
  Maps *child = cgrpc_test_maps_Maps_new(&arena);
  CHECK_EQ_INT(cgrpc_test_maps_Maps_str_self_put(&m, CGRPC_STR("child"), child, &arena), 0);
  CHECK_EQ_INT(cgrpc_test_maps_Maps_i32_str_put(child, 1, CGRPC_STR("inner"), &arena), 0);
  Maps *c = NULL;
  cgrpc_str_t s;
  CHECK(cgrpc_test_maps_Maps_str_self_get(&m, CGRPC_STR("child"), &c) && c == child &&
        cgrpc_test_maps_Maps_i32_str_get(c, 1, &s) && STR_EQ(s, "inner"));
  /* Decoded message values: a missing value decodes to an empty message. */
  uint8_t *bytes;
  size_t len;
  CHECK_EQ_INT(cgrpc_test_maps_Maps_encode(&m, &arena, 0, &bytes, &len, NULL), 0);
  Maps back = cgrpc_test_maps_Maps_INIT;
  CHECK_EQ_INT(cgrpc_test_maps_Maps_decode(bytes, len, &back, &arena, 0, NULL), 0);
  CHECK(cgrpc_test_maps_Maps_str_msg_get(&back, CGRPC_STR("home"), &got) && got && got->x == 1 &&
        got->y == 2);
  CHECK(cgrpc_test_maps_Maps_str_self_get(&back, CGRPC_STR("child"), &c) && c &&
        cgrpc_test_maps_Maps_i32_str_get(c, 1, &s) && STR_EQ(s, "inner"));
  cgrpc_arena_free(&arena);
}

/* Replacing a value keeps the entry where it is; a new key goes last. */
static void test_put_replace(void) {
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  Maps m = cgrpc_test_maps_Maps_INIT;
  for (int32_t k = 1; k <= 3; k++) {
    CHECK_EQ_INT(cgrpc_test_maps_Maps_i32_f32_put(&m, k, (uint32_t)k * 10, &arena), 0);
  }
  const void *entry2 = m.i32_f32.data[1];
  CHECK_EQ_INT(cgrpc_test_maps_Maps_i32_f32_put(&m, 2, 99, &arena), 0);
  CHECK_EQ_UINT(cgrpc_test_maps_Maps_i32_f32_size(&m), 3);
  CHECK(m.i32_f32.data[1] == entry2); /* the same entry, its value replaced */
  CHECK_EQ_UINT(m.i32_f32.data[1]->value, 99);
  CHECK_EQ_INT(cgrpc_test_maps_Maps_i32_f32_put(&m, 0, 7, &arena), 0);
  CHECK_EQ_INT(m.i32_f32.data[3]->key, 0);
  uint32_t v;
  CHECK(cgrpc_test_maps_Maps_i32_f32_get(&m, 2, &v) && v == 99);
  /* Replacing needs no memory, so it works without an arena. */
  CHECK_EQ_INT(cgrpc_test_maps_Maps_i32_f32_put(&m, 3, 33, NULL), CGRPC_PB_OK);
  CHECK(cgrpc_test_maps_Maps_i32_f32_get(&m, 3, &v) && v == 33);
  CHECK_EQ_INT(cgrpc_test_maps_Maps_i32_f32_put(&m, 4, 44, NULL), CGRPC_PB_ERR_NO_MEMORY);
  CHECK_EQ_UINT(cgrpc_test_maps_Maps_i32_f32_size(&m), 4);
  CHECK(!cgrpc_test_maps_Maps_i32_f32_get(&m, 4, &v));
  cgrpc_arena_free(&arena);
}

/* The keys of m.sf64_i32 in array order, as "k,k,k". */
static const char *keys_of(const Maps *m) {
  static char out[256];
  size_t n = 0;
  out[0] = '\0';
  for (size_t i = 0; i < m->sf64_i32.count; i++) {
    n += (size_t)snprintf(out + n, sizeof out - n, "%s%lld", i ? "," : "",
                          (long long)m->sf64_i32.data[i]->key);
  }
  return out;
}

static void test_delete(void) {
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  Maps m = cgrpc_test_maps_Maps_INIT;
  CHECK(!cgrpc_test_maps_Maps_sf64_i32_delete(&m, 1)); /* empty map */
  for (int64_t k = 1; k <= 6; k++) {
    CHECK_EQ_INT(cgrpc_test_maps_Maps_sf64_i32_put(&m, k, (int32_t)k, &arena), 0);
  }
  CHECK_EQ_STR(keys_of(&m), "1,2,3,4,5,6");
  CHECK(cgrpc_test_maps_Maps_sf64_i32_delete(&m, 3)); /* middle */
  CHECK_EQ_STR(keys_of(&m), "1,2,4,5,6");
  CHECK(cgrpc_test_maps_Maps_sf64_i32_delete(&m, 1)); /* first */
  CHECK_EQ_STR(keys_of(&m), "2,4,5,6");
  CHECK(cgrpc_test_maps_Maps_sf64_i32_delete(&m, 6)); /* last */
  CHECK_EQ_STR(keys_of(&m), "2,4,5");
  CHECK(!cgrpc_test_maps_Maps_sf64_i32_delete(&m, 6)); /* missing */
  CHECK(!cgrpc_test_maps_Maps_sf64_i32_delete(&m, 0));
  CHECK_EQ_UINT(cgrpc_test_maps_Maps_sf64_i32_size(&m), 3);
  int32_t v;
  CHECK(!cgrpc_test_maps_Maps_sf64_i32_get(&m, 3, &v));
  CHECK(cgrpc_test_maps_Maps_sf64_i32_get(&m, 4, &v) && v == 4);
  /* Put after delete appends again, reusing the room. */
  CHECK_EQ_INT(cgrpc_test_maps_Maps_sf64_i32_put(&m, 1, 11, &arena), 0);
  CHECK_EQ_STR(keys_of(&m), "2,4,5,1");
  CHECK(cgrpc_test_maps_Maps_sf64_i32_delete(&m, 2));
  CHECK(cgrpc_test_maps_Maps_sf64_i32_delete(&m, 4));
  CHECK(cgrpc_test_maps_Maps_sf64_i32_delete(&m, 5));
  CHECK(cgrpc_test_maps_Maps_sf64_i32_delete(&m, 1));
  CHECK_EQ_UINT(cgrpc_test_maps_Maps_sf64_i32_size(&m), 0);
  CHECK_EQ_UINT(cgrpc_test_maps_Maps_encoded_size(&m, 0), 0);
  cgrpc_arena_free(&arena);
}

/* Decoding keeps the last of equal keys, at its place on the wire; the
 * accessors then work on the decoded map like on any other. */
static void test_decode_then_put(void) {
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  /* sf64_i32 (field 10): keys 5, 7, 5, 2 with values 1, 2, 3, 4. */
  static const char wire[] =
      "\x52\x0b\x09\x05\0\0\0\0\0\0\0\x10\x01"
      "\x52\x0b\x09\x07\0\0\0\0\0\0\0\x10\x02"
      "\x52\x0b\x09\x05\0\0\0\0\0\0\0\x10\x03"
      "\x52\x0b\x09\x02\0\0\0\0\0\0\0\x10\x04";
  Maps m = cgrpc_test_maps_Maps_INIT;
  CHECK_EQ_INT(cgrpc_test_maps_Maps_decode(wire, sizeof wire - 1, &m, &arena, 0, NULL), 0);
  CHECK_EQ_STR(keys_of(&m), "7,5,2");
  int32_t v;
  CHECK(cgrpc_test_maps_Maps_sf64_i32_get(&m, 5, &v) && v == 3);
  CHECK_EQ_INT(cgrpc_test_maps_Maps_sf64_i32_put(&m, 5, 50, &arena), 0);
  CHECK_EQ_INT(cgrpc_test_maps_Maps_sf64_i32_put(&m, -1, 60, &arena), 0);
  CHECK(cgrpc_test_maps_Maps_sf64_i32_delete(&m, 7));
  CHECK_EQ_STR(keys_of(&m), "5,2,-1");
  check_bytes(&m,
              "\x52\x0b\x09\xff\xff\xff\xff\xff\xff\xff\xff\x10\x3c"
              "\x52\x0b\x09\x02\0\0\0\0\0\0\0\x10\x04"
              "\x52\x0b\x09\x05\0\0\0\0\0\0\0\x10\x32",
              39);
  /* Decoding more into it merges: new keys append, the last value wins. */
  CHECK_EQ_INT(cgrpc_test_maps_Maps_decode(wire, 26, &m, &arena, 0, NULL), 0);
  CHECK_EQ_STR(keys_of(&m), "2,-1,5,7");
  CHECK(cgrpc_test_maps_Maps_sf64_i32_get(&m, 5, &v) && v == 1);
  /* The same in alias mode: keys and values point into the input. */
  static const char strs[] = "\x6a\x06\x0a\x01k\x12\x01v";
  Maps a = cgrpc_test_maps_Maps_INIT;
  CHECK_EQ_INT(
      cgrpc_test_maps_Maps_decode(strs, sizeof strs - 1, &a, &arena, CGRPC_PB_DECODE_ALIAS, NULL),
      0);
  cgrpc_str_t s;
  CHECK(cgrpc_test_maps_Maps_str_str_get(&a, CGRPC_STR("k"), &s) && s.data == strs + 7);
  CHECK_EQ_INT(cgrpc_test_maps_Maps_str_str_put(&a, CGRPC_STR("k"), CGRPC_STR("w"), &arena), 0);
  CHECK(cgrpc_test_maps_Maps_str_str_get(&a, CGRPC_STR("k"), &s) && STR_EQ(s, "w"));
  cgrpc_arena_free(&arena);
}

/* A deep copy's map is its own: changing it leaves the original alone, also
 * when the changes take memory from another arena. */
static void test_copy_then_change(void) {
  cgrpc_arena_t a1, a2;
  cgrpc_arena_init(&a1, NULL, 0);
  cgrpc_arena_init(&a2, NULL, 0);
  Maps m = cgrpc_test_maps_Maps_INIT;
  for (uint32_t k = 0; k < 4; k++) {
    CHECK_EQ_INT(cgrpc_test_maps_Maps_u32_sf64_put(&m, k, (int64_t)k, &a1), 0);
  }
  Maps c;
  CHECK_EQ_INT(cgrpc_pb_msg_copy(&c, &m, &cgrpc_test_maps_Maps_table, &a1), 0);
  CHECK_EQ_INT(cgrpc_test_maps_Maps_u32_sf64_put(&c, 9, 9, &a2), 0);
  CHECK_EQ_INT(cgrpc_test_maps_Maps_u32_sf64_put(&c, 1, -1, &a2), 0);
  CHECK(cgrpc_test_maps_Maps_u32_sf64_delete(&c, 0));
  CHECK_EQ_UINT(cgrpc_test_maps_Maps_u32_sf64_size(&m), 4);
  CHECK_EQ_UINT(cgrpc_test_maps_Maps_u32_sf64_size(&c), 4);
  int64_t v;
  CHECK(cgrpc_test_maps_Maps_u32_sf64_get(&m, 1, &v) && v == 1);
  CHECK(cgrpc_test_maps_Maps_u32_sf64_get(&m, 0, &v) && v == 0);
  CHECK(!cgrpc_test_maps_Maps_u32_sf64_get(&m, 9, &v));
  CHECK(cgrpc_test_maps_Maps_u32_sf64_get(&c, 1, &v) && v == -1);
  CHECK(cgrpc_test_maps_Maps_u32_sf64_get(&c, 9, &v) && v == 9);
  cgrpc_arena_free(&a2);
  cgrpc_arena_free(&a1);
}

/* A map pointed at the caller's own array: put copies it into the arena and
 * leaves the original alone. */
static void test_caller_array(void) {
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  cgrpc_test_v3_Node_CountsEntry e1 = cgrpc_test_v3_Node_CountsEntry_INIT;
  cgrpc_test_v3_Node_CountsEntry e2 = cgrpc_test_v3_Node_CountsEntry_INIT;
  e1.key = CGRPC_STR("a");
  e1.value = 1;
  e2.key = CGRPC_STR("b");
  e2.value = 2;
  cgrpc_test_v3_Node_CountsEntry *mine[2] = {&e1, &e2};
  cgrpc_test_v3_Node n = cgrpc_test_v3_Node_INIT;
  n.counts.data = mine;
  n.counts.count = 2; /* capacity 0 < count: the array is not the map's */
  int32_t v;
  CHECK(cgrpc_test_v3_Node_counts_get(&n, CGRPC_STR("b"), &v) && v == 2);
  CHECK_EQ_INT(cgrpc_test_v3_Node_counts_put(&n, CGRPC_STR("c"), 3, &arena), 0);
  CHECK(n.counts.data != mine && n.counts.count == 3 && n.counts.capacity >= 3);
  CHECK(mine[0] == &e1 && mine[1] == &e2);
  CHECK(cgrpc_test_v3_Node_counts_get(&n, CGRPC_STR("a"), &v) && v == 1);
  CHECK(cgrpc_test_v3_Node_counts_get(&n, CGRPC_STR("c"), &v) && v == 3);
  /* Replacing changes the entry in place: the caller's entries are the map's. */
  CHECK_EQ_INT(cgrpc_test_v3_Node_counts_put(&n, CGRPC_STR("a"), 10, &arena), 0);
  CHECK_EQ_INT(e1.value, 10);

  /* Delete on the caller's array compacts it in place... */
  n.counts.data = mine;
  n.counts.count = 2;
  n.counts.capacity = 0;
  CHECK(cgrpc_test_v3_Node_counts_delete(&n, CGRPC_STR("a")));
  CHECK(n.counts.count == 1 && mine[0] == &e2);
  /* ...and a delete that finds nothing does not write to it. */
  CHECK(!cgrpc_test_v3_Node_counts_delete(&n, CGRPC_STR("zz")));

  /* A NULL entry pointer is the zero key with the zero value, as encoded. */
  cgrpc_test_v3_Node_CountsEntry *holes[2] = {&e2, NULL};
  n.counts.data = holes;
  n.counts.count = 2;
  v = 5;
  CHECK(cgrpc_test_v3_Node_counts_get(&n, CGRPC_STR(""), &v) && v == 0);
  CHECK_EQ_INT(cgrpc_test_v3_Node_counts_put(&n, CGRPC_STR(""), 8, NULL), CGRPC_PB_ERR_NO_MEMORY);
  CHECK(holes[1] == NULL);
  CHECK_EQ_INT(cgrpc_test_v3_Node_counts_put(&n, CGRPC_STR(""), 8, &arena), 0);
  CHECK(holes[1] != NULL && n.counts.count == 2);
  CHECK(cgrpc_test_v3_Node_counts_get(&n, CGRPC_STR(""), &v) && v == 8);
  holes[1] = NULL;
  CHECK(cgrpc_test_v3_Node_counts_delete(&n, CGRPC_STR("")));
  CHECK_EQ_UINT(n.counts.count, 1);

  /* Duplicate keys set by hand: the last counts, and delete removes all. */
  cgrpc_test_v3_Node_CountsEntry e3 = e2;
  e3.value = 30;
  cgrpc_test_v3_Node_CountsEntry *dups[3] = {&e2, &e1, &e3};
  n.counts.data = dups;
  n.counts.count = 3;
  CHECK(cgrpc_test_v3_Node_counts_get(&n, CGRPC_STR("b"), &v) && v == 30);
  CHECK(cgrpc_test_v3_Node_counts_delete(&n, CGRPC_STR("b")));
  CHECK(n.counts.count == 1 && dups[0] == &e1);
  cgrpc_arena_free(&arena);
}

/* When the arena refuses, put fails with NO_MEMORY and the map is unchanged. */
static void test_out_of_memory(void) {
  char stack[256];
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, stack, sizeof stack);
  cgrpc_arena_set_limit(&arena, 1); /* no heap beyond the stack buffer */
  Maps m = cgrpc_test_maps_Maps_INIT;
  int rc = CGRPC_PB_OK;
  uint32_t k = 0;
  while (rc == CGRPC_PB_OK && k < 1000) {
    rc = cgrpc_test_maps_Maps_u32_u64_put(&m, k, k, &arena);
    if (rc == CGRPC_PB_OK) k++;
  }
  CHECK_EQ_INT(rc, CGRPC_PB_ERR_NO_MEMORY);
  CHECK(k > 0 && k < 1000);
  CHECK_EQ_UINT(cgrpc_test_maps_Maps_u32_u64_size(&m), k);
  for (uint32_t i = 0; i < k; i++) {
    uint64_t v;
    CHECK(cgrpc_test_maps_Maps_u32_u64_get(&m, i, &v) && v == i);
  }
  CHECK(!cgrpc_test_maps_Maps_u32_u64_get(&m, k, NULL));
  CHECK_EQ_INT(cgrpc_test_maps_Maps_u32_u64_put(&m, 0, 42, &arena), CGRPC_PB_OK); /* replace */
  cgrpc_arena_free(&arena);
}

/* ---- Random operations against a model --------------------------------- */

static uint64_t rng_state;
static uint64_t rnd(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return rng_state;
}

/* A model map: keys 0..KEYS-1 (small, so operations collide), present or
 * not, in insertion order. */
#define KEYS 24
typedef struct model {
  int order[KEYS];
  int count;
  uint32_t value[KEYS];
} model_t;

static int model_find(const model_t *mo, int k) {
  for (int i = 0; i < mo->count; i++) {
    if (mo->order[i] == k) return i;
  }
  return -1;
}

static const char *const kNames[KEYS] = {
    "",   "a",   "b", "ab", "ba",  "aa", "abc", "x",  "y", "z", "\x01",       "\xc3\xa9",
    "zz", "key", "k", "ke", "kez", "0",  "1",   "10", "2", "-", "longer key", "a b"};

static void test_random_ops(void) {
  for (uint64_t seed = 1; seed <= 200; seed++) {
    rng_state = seed * 0x9E3779B97F4A7C15ull;
    cgrpc_arena_t arena;
    cgrpc_arena_init(&arena, NULL, 0);
    Maps m = cgrpc_test_maps_Maps_INIT;
    model_t mi = {{0}, 0, {0}}, ms = {{0}, 0, {0}};
    for (int op = 0; op < 120; op++) {
      int k = (int)(rnd() % KEYS);
      uint32_t v = (uint32_t)rnd();
      int32_t ikey = k * 1000003 - 7;
      cgrpc_str_t skey = {kNames[k], strlen(kNames[k])};
      bool del = rnd() % 3 == 0;
      if (del) {
        int i = model_find(&mi, k);
        CHECK_EQ_INT(cgrpc_test_maps_Maps_i32_f32_delete(&m, ikey), i >= 0);
        if (i >= 0) {
          memmove(&mi.order[i], &mi.order[i + 1], (size_t)(mi.count - i - 1) * sizeof(int));
          mi.count--;
        }
        i = model_find(&ms, k);
        CHECK_EQ_INT(cgrpc_test_maps_Maps_str_msg_delete(&m, skey), i >= 0);
        if (i >= 0) {
          memmove(&ms.order[i], &ms.order[i + 1], (size_t)(ms.count - i - 1) * sizeof(int));
          ms.count--;
        }
      } else {
        CHECK_EQ_INT(cgrpc_test_maps_Maps_i32_f32_put(&m, ikey, v, &arena), 0);
        if (model_find(&mi, k) < 0) mi.order[mi.count++] = k;
        mi.value[k] = v;
        CHECK_EQ_INT(
            cgrpc_test_maps_Maps_str_msg_put(&m, skey, point(&arena, (int32_t)v, k), &arena), 0);
        if (model_find(&ms, k) < 0) ms.order[ms.count++] = k;
        ms.value[k] = v;
      }
      CHECK_EQ_UINT(cgrpc_test_maps_Maps_i32_f32_size(&m), (size_t)mi.count);
      CHECK_EQ_UINT(cgrpc_test_maps_Maps_str_msg_size(&m), (size_t)ms.count);
    }
    for (int k = 0; k < KEYS; k++) {
      uint32_t v = 0;
      bool there = model_find(&mi, k) >= 0;
      CHECK_EQ_INT(cgrpc_test_maps_Maps_i32_f32_get(&m, k * 1000003 - 7, &v), there);
      if (there) CHECK_EQ_UINT(v, mi.value[k]);
      Point *p = NULL;
      there = model_find(&ms, k) >= 0;
      CHECK_EQ_INT(
          cgrpc_test_maps_Maps_str_msg_get(&m, (cgrpc_str_t){kNames[k], strlen(kNames[k])}, &p),
          there);
      if (there) CHECK(p && (uint32_t)p->x == ms.value[k] && p->y == k);
    }
    for (int i = 0; i < mi.count; i++) {
      CHECK_EQ_INT(m.i32_f32.data[i]->key, mi.order[i] * 1000003 - 7);
    }
    for (int i = 0; i < ms.count; i++) {
      CHECK_EQ_INT(m.str_msg.data[i]->value->y, ms.order[i]);
    }
    /* Round trip: the decoded map is the same map, in the same order. */
    uint8_t *bytes;
    size_t len;
    CHECK_EQ_INT(cgrpc_test_maps_Maps_encode(&m, &arena, 0, &bytes, &len, NULL), 0);
    Maps back = cgrpc_test_maps_Maps_INIT;
    CHECK_EQ_INT(cgrpc_test_maps_Maps_decode(bytes, len, &back, &arena, 0, NULL), 0);
    CHECK(cgrpc_pb_msg_equal(&m, &back, &cgrpc_test_maps_Maps_table));
    for (int i = 0; i < mi.count; i++) {
      CHECK_EQ_INT(back.i32_f32.data[i]->key, mi.order[i] * 1000003 - 7);
    }
    cgrpc_arena_free(&arena);
    if (test_current_failed_) {
      fprintf(stderr, "  (seed %llu)\n", (unsigned long long)seed);
      return;
    }
  }
}

/* ---- `ops SEED COUNT`: a script for map_ops_ref.py ---------------------- */

static void hex(const void *p, size_t n) {
  for (size_t i = 0; i < n; i++) printf("%02x", ((const uint8_t *)p)[i]);
}

/* Prints `count` random operations on eight of the maps and the result's
 * deterministic encoding. Keys come from small sets (kInts, the first eight
 * of kNames), so puts replace and deletes find keys often. Each line is
 * "put FIELD KEY VALUE" or "del FIELD KEY FOUND", with integer keys and
 * values in decimal (bools as 0/1) and strings and bytes in hex; the last
 * line is "bytes HEX". */
static int print_ops(uint64_t seed, int count) {
  rng_state = seed * 0x9E3779B97F4A7C15ull + 1;
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  Maps m = cgrpc_test_maps_Maps_INIT;
  static const int64_t kInts[] = {0, 1, -1, 2, 127, 128, -300, INT32_MAX, INT32_MIN};
  for (int op = 0; op < count; op++) {
    bool del = rnd() % 4 == 0;
    int which = (int)(rnd() % 8);
    int64_t ik = kInts[rnd() % (sizeof kInts / sizeof kInts[0])];
    int sk = (int)(rnd() % 8);
    cgrpc_str_t skey = {kNames[sk], strlen(kNames[sk])};
    uint64_t r = rnd();
    int32_t iv = (int32_t)(r % 2001) - 1000;
    char *text = cgrpc_arena_alloc(&arena, 24);
    int tlen = snprintf(text, 24, "v%llu", (unsigned long long)(r % 1000));
    cgrpc_str_t sv = {text, (size_t)tlen};
    int rc = CGRPC_PB_OK;
    bool found = true;
    const char *field = "";
    switch (which) {
      case 0:
        field = "i32_str";
        if (del) {
          found = cgrpc_test_maps_Maps_i32_str_delete(&m, (int32_t)ik);
        } else {
          rc = cgrpc_test_maps_Maps_i32_str_put(&m, (int32_t)ik, sv, &arena);
        }
        break;
      case 1:
        field = "i64_bytes";
        if (del) {
          found = cgrpc_test_maps_Maps_i64_bytes_delete(&m, ik * 4294967296);
        } else {
          rc = cgrpc_test_maps_Maps_i64_bytes_put(&m, ik * 4294967296, sv, &arena);
        }
        break;
      case 2:
        field = "u32_u64";
        if (del) {
          found = cgrpc_test_maps_Maps_u32_u64_delete(&m, (uint32_t)ik);
        } else {
          rc = cgrpc_test_maps_Maps_u32_u64_put(&m, (uint32_t)ik, r, &arena);
        }
        break;
      case 3:
        field = "s64_bool";
        if (del) {
          found = cgrpc_test_maps_Maps_s64_bool_delete(&m, ik);
        } else {
          rc = cgrpc_test_maps_Maps_s64_bool_put(&m, ik, r & 1, &arena);
        }
        break;
      case 4:
        field = "f32_enum";
        if (del) {
          found = cgrpc_test_maps_Maps_f32_enum_delete(&m, (uint32_t)ik);
        } else {
          rc = cgrpc_test_maps_Maps_f32_enum_put(&m, (uint32_t)ik, iv % 3, &arena);
        }
        break;
      case 5:
        field = "sf32_msg";
        if (del) {
          found = cgrpc_test_maps_Maps_sf32_msg_delete(&m, (int32_t)ik);
        } else {
          rc = cgrpc_test_maps_Maps_sf32_msg_put(&m, (int32_t)ik, point(&arena, iv, -iv), &arena);
        }
        break;
      case 6:
        field = "bool_str";
        if (del) {
          found = cgrpc_test_maps_Maps_bool_str_delete(&m, ik & 1);
        } else {
          rc = cgrpc_test_maps_Maps_bool_str_put(&m, ik & 1, sv, &arena);
        }
        break;
      default:
        field = "str_str";
        if (del) {
          found = cgrpc_test_maps_Maps_str_str_delete(&m, skey);
        } else {
          rc = cgrpc_test_maps_Maps_str_str_put(&m, skey, sv, &arena);
        }
        break;
    }
    if (rc != CGRPC_PB_OK) return 1;
    printf("%s %s ", del ? "del" : "put", field);
    if (which == 7) {
      hex(skey.data, skey.len);
      printf(" ");
    } else if (which == 1) {
      printf("%lld ", (long long)(ik * 4294967296));
    } else if (which == 2 || which == 4) {
      printf("%lu ", (unsigned long)(uint32_t)ik);
    } else if (which == 6) {
      printf("%d ", (int)(ik & 1));
    } else {
      printf("%lld ", (long long)ik);
    }
    if (del) {
      printf("%d\n", found);
    } else if (which == 2) {
      printf("%llu\n", (unsigned long long)r);
    } else if (which == 3) {
      printf("%d\n", (int)(r & 1));
    } else if (which == 4) {
      printf("%d\n", iv % 3);
    } else if (which == 5) {
      printf("%d\n", iv);
    } else {
      hex(sv.data, sv.len);
      printf("\n");
    }
  }
  uint8_t *bytes;
  size_t len;
  if (cgrpc_test_maps_Maps_encode(&m, &arena, CGRPC_PB_ENCODE_DETERMINISTIC, &bytes, &len, NULL)) {
    return 1;
  }
  printf("bytes ");
  hex(bytes, len);
  printf("\n");
  cgrpc_arena_free(&arena);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 4 && strcmp(argv[1], "ops") == 0) {
    return print_ops(strtoull(argv[2], NULL, 10), atoi(argv[3]));
  }
  TEST_RUN(test_integer_keys);
  TEST_RUN(test_bool_keys);
  TEST_RUN(test_string_keys);
  TEST_RUN(test_message_values);
  TEST_RUN(test_put_replace);
  TEST_RUN(test_delete);
  TEST_RUN(test_decode_then_put);
  TEST_RUN(test_copy_then_change);
  TEST_RUN(test_caller_array);
  TEST_RUN(test_out_of_memory);
  TEST_RUN(test_random_ops);
  return TEST_DONE();
}

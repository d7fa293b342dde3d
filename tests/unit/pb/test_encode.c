/* Encoder and sizer: byte vectors from the encoding spec, presence rules,
 * packed vs unpacked, groups, map entries, deterministic map order, unknown
 * fields, encode_to with small buffers, exact sizes and round trips. */
#include <math.h>

#include "pb_fixtures.h"
#include "test.h"

static cgrpc_arena_t arena;

/* Encodes with both entry points and the sizer, checks they agree, and
 * compares with the expected bytes. */
#define CHECK_ENCODES(msg, table, options, want, want_len)                                       \
  do {                                                                                           \
    uint8_t *out_ = NULL;                                                                        \
    size_t len_ = 0, len2_ = 0;                                                                  \
    uint8_t buf_[4096];                                                                          \
    CHECK_EQ_INT(cgrpc_pb_encode(msg, table, &arena, options, &out_, &len_, NULL), CGRPC_PB_OK); \
    CHECK_EQ_INT(cgrpc_pb_encode_to(msg, table, buf_, sizeof buf_, options, &len2_, NULL),       \
                 CGRPC_PB_OK);                                                                   \
    CHECK_EQ_UINT(cgrpc_pb_encoded_size(msg, table, options), (want_len));                       \
    CHECK_EQ_MEM(out_, len_, want, want_len);                                                    \
    CHECK_EQ_MEM(buf_, len2_, want, want_len);                                                   \
    if (len_ != (size_t)(want_len) || (out_ && memcmp(out_, want, len_) != 0)) {                 \
      hexdump("got", out_, len_);                                                                \
      hexdump("want", want, want_len);                                                           \
    }                                                                                            \
  } while (0)

static void test_spec_vectors(void) {
  t_All m;
  cgrpc_pb_msg_init(&m, &t_All_table);
  m.i32 = 150;
  CHECK_ENCODES(&m, &t_All_table, 0, "\x08\x96\x01", 3);
  cgrpc_pb_msg_init(&m, &t_All_table);
  m.str = str_of("testing");
  CHECK_ENCODES(&m, &t_All_table, 0, "\x72\x07testing", 9);
  cgrpc_pb_msg_init(&m, &t_All_table);
  m.i32 = -1; /* int32 negatives take ten bytes */
  CHECK_ENCODES(&m, &t_All_table, 0, "\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11);
  cgrpc_pb_msg_init(&m, &t_All_table);
  int32_t packed[] = {3, 270, 86942};
  m.r_i32.data = packed;
  m.r_i32.count = 3;
  CHECK_ENCODES(&m, &t_All_table, 0, "\xa2\x01\x06\x03\x8e\x02\x9e\xa7\x05", 9);
}

static void test_every_scalar_in_field_order(void) {
  t_All m;
  cgrpc_pb_msg_init(&m, &t_All_table);
  m.i32 = 1;
  m.i64 = -2;
  m.u32 = 3;
  m.u64 = UINT64_MAX;
  m.s32 = -2;
  m.s64 = INT64_MIN;
  m.f32 = 0x12345678;
  m.f64 = 0x0102030405060708ull;
  m.sf32 = -2;
  m.sf64 = -3;
  m.fl = 1.0f;
  m.db = -1.0;
  m.b = true;
  m.str = str_of("é");
  m.byt = str_of("\x01");
  m.has_color = true;
  m.color = 0;
  m.open_enum = -1;
  static const char want[] =
      "\x08\x01"
      "\x10\xfe\xff\xff\xff\xff\xff\xff\xff\xff\x01"
      "\x18\x03"
      "\x20\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"
      "\x28\x03"
      "\x30\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"
      "\x3d\x78\x56\x34\x12"
      "\x41\x08\x07\x06\x05\x04\x03\x02\x01"
      "\x4d\xfe\xff\xff\xff"
      "\x51\xfd\xff\xff\xff\xff\xff\xff\xff"
      "\x5d\x00\x00\x80\x3f"
      "\x61\x00\x00\x00\x00\x00\x00\xf0\xbf"
      "\x68\x01"
      "\x72\x02\xc3\xa9"
      "\x7a\x01\x01"
      "\x88\x01\x00" /* explicit presence: written although zero */
      "\xe0\x05\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01";
  CHECK_ENCODES(&m, &t_All_table, 0, want, sizeof want - 1);
}

static void test_implicit_presence_skips_zero_but_not_negative_zero(void) {
  t_All m;
  cgrpc_pb_msg_init(&m, &t_All_table);
  CHECK_ENCODES(&m, &t_All_table, 0, "", 0);
  m.fl = -0.0f;
  m.db = -0.0;
  m.str.data = "x"; /* empty: not written */
  CHECK_ENCODES(&m, &t_All_table, 0, "\x5d\x00\x00\x00\x80\x61\x00\x00\x00\x00\x00\x00\x00\x80",
                14);
  cgrpc_pb_msg_init(&m, &t_All_table);
  m.has_opt_i32 = true; /* proto3 optional zero: written */
  m.has_opt_str = true;
  CHECK_ENCODES(&m, &t_All_table, 0, "\xd0\x05\x00\xda\x05\x00", 6);
  cgrpc_pb_msg_init(&m, &t_All_table);
  m.opt_i32 = 5; /* value without has_: not written */
  CHECK_ENCODES(&m, &t_All_table, 0, "", 0);
}

static void test_packed_and_unpacked_per_table(void) {
  t_All m;
  cgrpc_pb_msg_init(&m, &t_All_table);
  int32_t v[] = {1, -1};
  bool bools[] = {true, false};
  double dbl[] = {2.0};
  int32_t s32[] = {-1, 1};
  m.r_s32.data = s32;
  m.r_s32.count = 2;
  m.r_db.data = dbl;
  m.r_db.count = 1;
  m.r_b.data = bools;
  m.r_b.count = 2;
  m.u_i32.data = v;
  m.u_i32.count = 2;
  m.u_b.data = bools;
  m.u_b.count = 2;
  static const char want[] =
      "\xc2\x01\x02\x01\x02"                                         /* r_s32 packed */
      "\xfa\x01\x08\x00\x00\x00\x00\x00\x00\x00\x40"                 /* r_db packed */
      "\x82\x02\x02\x01\x00"                                         /* r_b packed */
      "\xc0\x02\x01\xc0\x02\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01" /* u_i32 */
      "\xa0\x03\x01\xa0\x03\x00";                                    /* u_b */
  CHECK_ENCODES(&m, &t_All_table, 0, want, sizeof want - 1);
}

static void test_strings_messages_groups(void) {
  t_All m;
  cgrpc_pb_msg_init(&m, &t_All_table);
  t_Nested n1 = {{NULL, 0}, 1, {NULL, 0}}, n2 = {{NULL, 0}, 0, {NULL, 0}};
  t_Nested *list[] = {&n1, &n2};
  t_Grp g = {{NULL, 0}, true, 5}, g2 = {{NULL, 0}, false, 0};
  t_Grp *glist[] = {&g2};
  cgrpc_str_t strs[] = {str_of("hi"), str_of("")};
  m.nested = &n2; /* present although empty */
  m.r_nested.data = list;
  m.r_nested.count = 2;
  m.r_str.data = strs;
  m.r_str.count = 2;
  m.grp = &g;
  m.rgrp.data = glist;
  m.rgrp.count = 1;
  static const char want[] =
      "\x82\x01\x00"
      "\xb2\x03\x02hi\xb2\x03\x00"
      "\xc2\x03\x02\x08\x01\xc2\x03\x00"
      "\xe3\x03\xe8\x03\x05\xe4\x03"
      "\xf3\x03\xf4\x03";
  CHECK_ENCODES(&m, &t_All_table, 0, want, sizeof want - 1);
}

static void test_oneof_written_by_case(void) {
  t_All m;
  cgrpc_pb_msg_init(&m, &t_All_table);
  m.choice_case = 70;
  m.choice.o_i32 = 0;
  CHECK_ENCODES(&m, &t_All_table, 0, "\xb0\x04\x00", 3);
  m.choice_case = 72;
  m.choice.o_msg = NULL; /* set case, no message: an empty one */
  CHECK_ENCODES(&m, &t_All_table, 0, "\xc2\x04\x00", 3);
  m.choice_case = 0;
  CHECK_ENCODES(&m, &t_All_table, 0, "", 0);
}

static void test_map_entries_always_carry_key_and_value(void) {
  t_All m;
  cgrpc_pb_msg_init(&m, &t_All_table);
  t_MapStr e = {{NULL, 0}, {"", 0}, 0};
  t_MapStr *entries[] = {&e};
  t_MapInt ei = {{NULL, 0}, 0, NULL};
  t_MapInt *ientries[] = {&ei};
  m.m_str.data = entries;
  m.m_str.count = 1;
  m.m_int.data = ientries;
  m.m_int.count = 1;
  CHECK_ENCODES(&m, &t_All_table, 0, "\x82\x05\x04\x0a\x00\x10\x00\x8a\x05\x04\x08\x00\x12\x00",
                14);
}

static void test_deterministic_map_order(void) {
  t_All m;
  cgrpc_pb_msg_init(&m, &t_All_table);
  const char *keys[] = {"b", "ab", "a", "B", "b"};
  t_MapStr es[5];
  t_MapStr *ptrs[5];
  for (int i = 0; i < 5; i++) {
    es[i] = (t_MapStr){{NULL, 0}, str_of(keys[i]), i};
    ptrs[i] = &es[i];
  }
  m.m_str.data = ptrs;
  m.m_str.count = 5;
  int32_t ikeys[] = {3, -5, 0, INT32_MAX, INT32_MIN};
  t_MapInt ies[5];
  t_MapInt *iptrs[5];
  for (int i = 0; i < 5; i++) {
    ies[i] = (t_MapInt){{NULL, 0}, ikeys[i], NULL};
    iptrs[i] = &ies[i];
  }
  m.m_int.data = iptrs;
  m.m_int.count = 5;
  /* Strings bytewise ("B" < "a" < "ab" < "b"), the two "b" in their order;
   * ints numerically. */
  static const char want[] =
      "\x82\x05\x05\x0a\x01"
      "B\x10\x03"
      "\x82\x05\x05\x0a\x01"
      "a\x10\x02"
      "\x82\x05\x06\x0a\x02"
      "ab\x10\x01"
      "\x82\x05\x05\x0a\x01"
      "b\x10\x00"
      "\x82\x05\x05\x0a\x01"
      "b\x10\x04"
      "\x8a\x05\x0d\x08\x80\x80\x80\x80\xf8\xff\xff\xff\xff\x01\x12\x00"
      "\x8a\x05\x0d\x08\xfb\xff\xff\xff\xff\xff\xff\xff\xff\x01\x12\x00"
      "\x8a\x05\x04\x08\x00\x12\x00"
      "\x8a\x05\x04\x08\x03\x12\x00"
      "\x8a\x05\x08\x08\xff\xff\xff\xff\x07\x12\x00";
  CHECK_ENCODES(&m, &t_All_table, CGRPC_PB_ENCODE_DETERMINISTIC, want, sizeof want - 1);
}

static void test_deterministic_large_map_sorted(void) {
  enum { N = 5000 };
  t_All m;
  cgrpc_pb_msg_init(&m, &t_All_table);
  t_MapInt *es = calloc(N, sizeof *es);
  t_MapInt **ptrs = calloc(N, sizeof *ptrs);
  for (int i = 0; i < N; i++) {
    es[i].key = (int32_t)((i * 7919) % N) - N / 2;
    ptrs[i] = &es[i];
  }
  m.m_int.data = ptrs;
  m.m_int.count = N;
  uint8_t *out;
  size_t len;
  CHECK_EQ_INT(
      cgrpc_pb_encode(&m, &t_All_table, &arena, CGRPC_PB_ENCODE_DETERMINISTIC, &out, &len, NULL),
      CGRPC_PB_OK);
  t_All back;
  cgrpc_pb_msg_init(&back, &t_All_table);
  CHECK_EQ_INT(cgrpc_pb_decode(out, len, &back, &t_All_table, &arena, 0, NULL), CGRPC_PB_OK);
  CHECK_EQ_UINT(back.m_int.count, N);
  int unsorted = 0;
  for (size_t i = 1; i < back.m_int.count; i++) {
    if (back.m_int.data[i - 1]->key >= back.m_int.data[i]->key) unsorted++;
  }
  CHECK_EQ_INT(unsorted, 0);
  free(es);
  free(ptrs);
}

static void test_unknown_fields_after_known_and_skip(void) {
  t_All m;
  cgrpc_pb_msg_init(&m, &t_All_table);
  m._unknown = (cgrpc_str_t){"\xa8\x06\x01", 3};
  m.i32 = 1;
  m.open_enum = 2;
  CHECK_ENCODES(&m, &t_All_table, 0, "\x08\x01\xe0\x05\x02\xa8\x06\x01", 8);
  CHECK_ENCODES(&m, &t_All_table, CGRPC_PB_ENCODE_SKIP_UNKNOWN, "\x08\x01\xe0\x05\x02", 5);
}

static void test_encode_to_reports_needed_size(void) {
  t_All m;
  cgrpc_pb_msg_init(&m, &t_All_table);
  t_Nested n = {{NULL, 0}, 300, {"nested string", 13}};
  m.nested = &n;
  m.str = str_of("a string of some length");
  int32_t v[] = {1, 200, 30000};
  m.r_i32.data = v;
  m.r_i32.count = 3;
  m._unknown = (cgrpc_str_t){"\xa8\x06\x01", 3};
  size_t need = cgrpc_pb_encoded_size(&m, &t_All_table, 0);
  uint8_t full[256];
  size_t len = 0;
  CHECK_EQ_INT(cgrpc_pb_encode_to(&m, &t_All_table, full, need, 0, &len, NULL), CGRPC_PB_OK);
  CHECK_EQ_UINT(len, need);
  for (size_t cap = 0; cap < need; cap++) {
    uint8_t buf[256];
    size_t out_len = 0;
    cgrpc_pb_error_t err;
    int rc = cgrpc_pb_encode_to(&m, &t_All_table, buf, cap, 0, &out_len, &err);
    if (rc != CGRPC_PB_ERR_BUFFER_TOO_SMALL || out_len != need) {
      fprintf(stderr, "  cap %zu: rc %d, out_len %zu\n", cap, rc, out_len);
      CHECK(0);
      break;
    }
    CHECK_EQ_INT(err.code, CGRPC_PB_ERR_BUFFER_TOO_SMALL);
  }
  size_t out_len = 0;
  CHECK_EQ_INT(cgrpc_pb_encode_to(&m, &t_All_table, NULL, 0, 0, &out_len, NULL),
               CGRPC_PB_ERR_BUFFER_TOO_SMALL);
  CHECK_EQ_UINT(out_len, need);
}

static void test_required_fields(void) {
  t_Req r;
  cgrpc_pb_msg_init(&r, &t_Req_table);
  uint8_t *out;
  size_t len;
  cgrpc_pb_error_t err;
  CHECK_EQ_INT(cgrpc_pb_encode(&r, &t_Req_table, &arena, 0, &out, &len, &err),
               CGRPC_PB_ERR_MISSING_REQUIRED);
  CHECK_EQ_UINT(err.field_number, 1);
  CHECK(err.table == &t_Req_table);
  CHECK_ENCODES(&r, &t_Req_table, CGRPC_PB_ENCODE_PARTIAL, "", 0);
  r.has_id = true;
  t_Req child;
  cgrpc_pb_msg_init(&child, &t_Req_table);
  r.child = &child;
  CHECK_EQ_INT(cgrpc_pb_encode(&r, &t_Req_table, &arena, 0, &out, &len, &err),
               CGRPC_PB_ERR_MISSING_REQUIRED);
  child.has_id = true;
  child.id = 7;
  CHECK_ENCODES(&r, &t_Req_table, 0, "\x08\x00\x1a\x02\x08\x07", 6);
}

static void test_cycle_fails_too_deep(void) {
  t_Rec a, b;
  memset(&a, 0, sizeof a);
  memset(&b, 0, sizeof b);
  a.child = &b;
  b.child = &a;
  uint8_t *out;
  size_t len;
  cgrpc_pb_error_t err;
  CHECK_EQ_INT(cgrpc_pb_encode(&a, &t_Rec_table, &arena, 0, &out, &len, &err),
               CGRPC_PB_ERR_TOO_DEEP);
  CHECK_EQ_INT(err.code, CGRPC_PB_ERR_TOO_DEEP);
  uint8_t buf[64];
  CHECK_EQ_INT(cgrpc_pb_encode_to(&a, &t_Rec_table, buf, sizeof buf, 0, &len, NULL),
               CGRPC_PB_ERR_TOO_DEEP);
  CHECK_EQ_UINT(cgrpc_pb_encoded_size(&a, &t_Rec_table, 0), 0);
  /* A chain of exactly the limit encodes; one more level does not. */
  t_Rec chain[12];
  memset(chain, 0, sizeof chain);
  for (int i = 0; i < 11; i++) chain[i].child = &chain[i + 1];
  CHECK_EQ_INT(cgrpc_pb_encode(&chain[1], &t_Rec_table, &arena, CGRPC_PB_ENCODE_MAX_DEPTH(10), &out,
                               &len, NULL),
               CGRPC_PB_OK);
  CHECK_EQ_UINT(len, 20);
  CHECK_EQ_INT(cgrpc_pb_encode(&chain[0], &t_Rec_table, &arena, CGRPC_PB_ENCODE_MAX_DEPTH(10), &out,
                               &len, NULL),
               CGRPC_PB_ERR_TOO_DEEP);
}

static void test_too_large(void) {
  t_All m;
  cgrpc_pb_msg_init(&m, &t_All_table);
  /* The bytes are never read: the size alone decides. */
  m.byt.data = "x";
  m.byt.len = (size_t)1 << 31;
  uint8_t *out;
  size_t len;
  cgrpc_pb_error_t err;
  CHECK_EQ_INT(cgrpc_pb_encode(&m, &t_All_table, &arena, 0, &out, &len, &err),
               CGRPC_PB_ERR_TOO_LARGE);
  uint8_t buf[16];
  CHECK_EQ_INT(cgrpc_pb_encode_to(&m, &t_All_table, buf, sizeof buf, 0, &len, &err),
               CGRPC_PB_ERR_TOO_LARGE);
  CHECK_EQ_UINT(len, ((size_t)1 << 31) + 6);
}

static void test_round_trip_everything(void) {
  t_All m;
  fill_all(&m, &arena);
  for (int alias = 0; alias < 2; alias++) {
    uint8_t *out, *out2;
    size_t len, len2;
    CHECK_EQ_INT(cgrpc_pb_encode(&m, &t_All_table, &arena, 0, &out, &len, NULL), CGRPC_PB_OK);
    CHECK_EQ_UINT(cgrpc_pb_encoded_size(&m, &t_All_table, 0), len);
    t_All back;
    cgrpc_pb_msg_init(&back, &t_All_table);
    CHECK_EQ_INT(cgrpc_pb_decode(out, len, &back, &t_All_table, &arena,
                                 alias ? CGRPC_PB_DECODE_ALIAS : 0, NULL),
                 CGRPC_PB_OK);
    CHECK(cgrpc_pb_msg_equal(&m, &back, &t_All_table));
    CHECK_EQ_INT(cgrpc_pb_encode(&back, &t_All_table, &arena, 0, &out2, &len2, NULL), CGRPC_PB_OK);
    CHECK_EQ_MEM(out2, len2, out, len);
  }
}

static void test_person_size(void) {
  bench_Person p;
  cgrpc_pb_msg_init(&p, &bench_Person_table);
  bench_Address addr = {{NULL, 0}, str_of("1 Main St"), str_of("Springfield"), str_of("US"), 12345};
  cgrpc_str_t tags[] = {str_of("a"), str_of("bb")};
  int32_t samples[25];
  for (int i = 0; i < 25; i++) samples[i] = (i * i * 37) % 5000;
  p.id = 1234567890123LL;
  p.name = str_of("Alice");
  p.score = 98.625;
  p.status = 1;
  p.samples.data = samples;
  p.samples.count = 25;
  p.address = &addr;
  p.tags.data = tags;
  p.tags.count = 2;
  p.verified = true;
  uint8_t buf[512];
  size_t len;
  CHECK_EQ_INT(cgrpc_pb_encode_to(&p, &bench_Person_table, buf, sizeof buf, 0, &len, NULL),
               CGRPC_PB_OK);
  /* 7 id + 7 name + 9 score + 2 status + (2 + 48) samples + (2 + 31) address
   * + 3 + 4 tags + 2 verified */
  CHECK_EQ_UINT(len, 117);
  CHECK_EQ_UINT(cgrpc_pb_encoded_size(&p, &bench_Person_table, 0), 117);
}

int main(void) {
  cgrpc_arena_init(&arena, NULL, 0);
  TEST_RUN(test_spec_vectors);
  TEST_RUN(test_every_scalar_in_field_order);
  TEST_RUN(test_implicit_presence_skips_zero_but_not_negative_zero);
  TEST_RUN(test_packed_and_unpacked_per_table);
  TEST_RUN(test_strings_messages_groups);
  TEST_RUN(test_oneof_written_by_case);
  TEST_RUN(test_map_entries_always_carry_key_and_value);
  TEST_RUN(test_deterministic_map_order);
  TEST_RUN(test_deterministic_large_map_sorted);
  TEST_RUN(test_unknown_fields_after_known_and_skip);
  TEST_RUN(test_encode_to_reports_needed_size);
  TEST_RUN(test_required_fields);
  TEST_RUN(test_cycle_fails_too_deep);
  TEST_RUN(test_too_large);
  TEST_RUN(test_round_trip_everything);
  TEST_RUN(test_person_size);
  cgrpc_arena_free(&arena);
  return TEST_DONE();
}

/* Decoder: byte vectors written from the protobuf encoding spec for every
 * field kind, merge semantics, unknown fields, closed enums, oneofs, maps,
 * groups, aliasing and arrays the caller set up. */
#include <math.h>

#include "pb_fixtures.h"
#include "test.h"

static cgrpc_arena_t arena;

static int decode_opts(const uint8_t *p, size_t n, void *msg, const cgrpc_pb_msg_table_t *t,
                       int options) {
  cgrpc_pb_error_t err;
  int rc = cgrpc_pb_decode(p, n, msg, t, &arena, options, &err);
  if (rc != CGRPC_PB_OK) {
    char text[200];
    cgrpc_pb_error_format(&err, text, sizeof text);
    fprintf(stderr, "  decode: %s\n", text);
  }
  return rc;
}

static int decode_all(const uint8_t *p, size_t n, t_All *m) {
  cgrpc_pb_msg_init(m, &t_All_table);
  return decode_opts(p, n, m, &t_All_table, 0);
}

static bool inside(const void *p, const void *buf, size_t n) {
  return (const char *)p >= (const char *)buf && (const char *)p < (const char *)buf + n;
}

static void test_spec_varint_150(void) {
  t_All m;
  CHECK_EQ_INT(decode_all(BYTES("\x08\x96\x01"), &m), CGRPC_PB_OK);
  CHECK_EQ_INT(m.i32, 150);
  CHECK_EQ_UINT(m._unknown.len, 0);
}

static void test_spec_string_testing(void) {
  t_All m;
  CHECK_EQ_INT(decode_all(BYTES("\x72\x07testing"), &m), CGRPC_PB_OK);
  CHECK_EQ_MEM(m.str.data, m.str.len, "testing", 7);
}

static void test_every_singular_scalar(void) {
  static const char in[] =
      "\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01" /* i32 = -1 (ten bytes) */
      "\x10\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01" /* i64 = INT64_MIN */
      "\x18\xff\xff\xff\xff\x0f"                     /* u32 = UINT32_MAX */
      "\x20\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01" /* u64 = UINT64_MAX */
      "\x28\x03"                                     /* s32 = -2 (zigzag 3) */
      "\x30\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01" /* s64 = INT64_MIN */
      "\x3d\x78\x56\x34\x12"                         /* f32 = 0x12345678 */
      "\x41\x08\x07\x06\x05\x04\x03\x02\x01"         /* f64 */
      "\x4d\xfe\xff\xff\xff"                         /* sf32 = -2 */
      "\x51\xfd\xff\xff\xff\xff\xff\xff\xff"         /* sf64 = -3 */
      "\x5d\x00\x00\x80\x3f"                         /* fl = 1.0f */
      "\x61\x00\x00\x00\x00\x00\x00\xf0\xbf"         /* db = -1.0 */
      "\x68\x02"                                     /* b = true (any non-zero) */
      "\x7a\x03\x00\xff\x01"                         /* byt, not UTF-8: fine for bytes */
      "\xe0\x05\x4d";                                /* open_enum = 77 (undefined) */
  t_All m;
  CHECK_EQ_INT(decode_all(BYTES(in), &m), CGRPC_PB_OK);
  CHECK_EQ_INT(m.i32, -1);
  CHECK(m.i64 == INT64_MIN);
  CHECK_EQ_UINT(m.u32, UINT32_MAX);
  CHECK_EQ_UINT(m.u64, UINT64_MAX);
  CHECK_EQ_INT(m.s32, -2);
  CHECK(m.s64 == INT64_MIN);
  CHECK_EQ_UINT(m.f32, 0x12345678u);
  CHECK_EQ_UINT(m.f64, 0x0102030405060708ull);
  CHECK_EQ_INT(m.sf32, -2);
  CHECK_EQ_INT(m.sf64, -3);
  CHECK(m.fl == 1.0f);
  CHECK(m.db == -1.0);
  CHECK(m.b == true);
  CHECK_EQ_MEM(m.byt.data, m.byt.len, "\x00\xff\x01", 3);
  CHECK_EQ_INT(m.open_enum, 77);
  CHECK_EQ_UINT(m._unknown.len, 0);
}

static void test_int32_keeps_low_32_bits(void) {
  /* 2^32 + 5 as a varint: int32 and uint32 take the low 32 bits. */
  t_All m;
  CHECK_EQ_INT(decode_all(BYTES("\x08\x85\x80\x80\x80\x10\x18\x85\x80\x80\x80\x10"), &m),
               CGRPC_PB_OK);
  CHECK_EQ_INT(m.i32, 5);
  CHECK_EQ_UINT(m.u32, 5);
}

static void test_zigzag_edges(void) {
  /* sint32: 0->0, -1->1, 1->2, INT32_MIN->0xffffffff, INT32_MAX->0xfffffffe. */
  static const struct {
    const char *in;
    size_t n;
    int32_t want;
  } cases[] = {
      {"\x28\x00", 2, 0},
      {"\x28\x01", 2, -1},
      {"\x28\x02", 2, 1},
      {"\x28\xff\xff\xff\xff\x0f", 6, INT32_MIN},
      {"\x28\xfe\xff\xff\xff\x0f", 6, INT32_MAX},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    t_All m;
    CHECK_EQ_INT(decode_all((const uint8_t *)cases[i].in, cases[i].n, &m), CGRPC_PB_OK);
    CHECK_EQ_INT(m.s32, cases[i].want);
  }
  t_All m;
  CHECK_EQ_INT(decode_all(BYTES("\x30\xfe\xff\xff\xff\xff\xff\xff\xff\xff\x01"), &m), CGRPC_PB_OK);
  CHECK(m.s64 == INT64_MAX);
}

static void test_scalars_overwrite_and_messages_merge(void) {
  static const char in[] =
      "\x08\x01\x08\x02"      /* i32 = 1, then 2 */
      "\x82\x01\x02\x08\x07"  /* nested { a: 7 } */
      "\x82\x01\x03\x12\x01x" /* nested { s: "x" } merges */
      "\x72\x01"
      "a\x72\x02"
      "bc"; /* str "a" then "bc" */
  t_All m;
  CHECK_EQ_INT(decode_all(BYTES(in), &m), CGRPC_PB_OK);
  CHECK_EQ_INT(m.i32, 2);
  CHECK(m.nested != NULL);
  if (m.nested) {
    CHECK_EQ_INT(m.nested->a, 7);
    CHECK_EQ_MEM(m.nested->s.data, m.nested->s.len, "x", 1);
  }
  CHECK_EQ_MEM(m.str.data, m.str.len, "bc", 2);
}

static void test_spec_packed_and_unpacked_both_accepted(void) {
  /* The spec's packed example [3, 270, 86942], on packed field 20 and on
   * unpacked field 40; plus single unpacked elements on both. */
  static const char in[] =
      "\xa0\x01\x01"                         /* r_i32 += 1 (unpacked on a packed field) */
      "\xa2\x01\x06\x03\x8e\x02\x9e\xa7\x05" /* r_i32 += 3, 270, 86942 */
      "\xc2\x02\x06\x03\x8e\x02\x9e\xa7\x05" /* u_i32 += the same, packed */
      "\xc0\x02\x09";                        /* u_i32 += 9 */
  t_All m;
  CHECK_EQ_INT(decode_all(BYTES(in), &m), CGRPC_PB_OK);
  static const int32_t want_r[] = {1, 3, 270, 86942}, want_u[] = {3, 270, 86942, 9};
  CHECK_EQ_UINT(m.r_i32.count, 4);
  CHECK_EQ_UINT(m.u_i32.count, 4);
  if (m.r_i32.count == 4) CHECK_EQ_MEM(m.r_i32.data, 16, want_r, 16);
  if (m.u_i32.count == 4) CHECK_EQ_MEM(m.u_i32.data, 16, want_u, 16);
  CHECK(m.r_i32.capacity >= m.r_i32.count);
}

static void test_packed_every_kind(void) {
  static const char in[] =
      "\xaa\x01\x0b\x01\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01" /* r_i64 = 1, -1 */
      "\xb2\x01\x02\x7f\x00"                                     /* r_u32 = 127, 0 */
      "\xba\x01\x03\x80\x01\x02"                                 /* r_u64 = 128, 2 */
      "\xc2\x01\x02\x01\x02"                                     /* r_s32 = -1, 1 */
      "\xca\x01\x01\x03"                                         /* r_s64 = -2 */
      "\xd2\x01\x08\x01\x00\x00\x00\x02\x00\x00\x00"             /* r_f32 = 1, 2 */
      "\xda\x01\x08\xff\xff\xff\xff\xff\xff\xff\xff"             /* r_f64 = max */
      "\xe2\x01\x04\xff\xff\xff\xff"                             /* r_sf32 = -1 */
      "\xea\x01\x08\xfe\xff\xff\xff\xff\xff\xff\xff"             /* r_sf64 = -2 */
      "\xf2\x01\x04\x00\x00\x00\xc0"                             /* r_fl = -2.0f */
      "\xfa\x01\x08\x00\x00\x00\x00\x00\x00\x00\x40"             /* r_db = 2.0 */
      "\x82\x02\x03\x01\x00\x05";                                /* r_b = true, false, true */
  t_All m;
  CHECK_EQ_INT(decode_all(BYTES(in), &m), CGRPC_PB_OK);
  CHECK(m.r_i64.count == 2 && m.r_i64.data[0] == 1 && m.r_i64.data[1] == -1);
  CHECK(m.r_u32.count == 2 && m.r_u32.data[0] == 127 && m.r_u32.data[1] == 0);
  CHECK(m.r_u64.count == 2 && m.r_u64.data[0] == 128 && m.r_u64.data[1] == 2);
  CHECK(m.r_s32.count == 2 && m.r_s32.data[0] == -1 && m.r_s32.data[1] == 1);
  CHECK(m.r_s64.count == 1 && m.r_s64.data[0] == -2);
  CHECK(m.r_f32.count == 2 && m.r_f32.data[0] == 1 && m.r_f32.data[1] == 2);
  CHECK(m.r_f64.count == 1 && m.r_f64.data[0] == UINT64_MAX);
  CHECK(m.r_sf32.count == 1 && m.r_sf32.data[0] == -1);
  CHECK(m.r_sf64.count == 1 && m.r_sf64.data[0] == -2);
  CHECK(m.r_fl.count == 1 && m.r_fl.data[0] == -2.0f);
  CHECK(m.r_db.count == 1 && m.r_db.data[0] == 2.0);
  CHECK(m.r_b.count == 3 && m.r_b.data[0] && !m.r_b.data[1] && m.r_b.data[2]);
}

/* A value for a packed run, from a class picked at random: runs of one class
 * take the decoder's eight-bytes-at-a-time paths (eight one-byte or four
 * two-byte varints), mixed runs its value-by-value path. */
static int64_t packed_value(uint32_t *rng, unsigned cls) {
  *rng = *rng * 1103515245u + 12345u;
  uint32_t r = *rng >> 8;
  switch (cls) {
    case 0:
      return r % 128; /* one byte */
    case 1:
      return 128 + r % (16384 - 128); /* two bytes */
    case 2:
      return 16384 + r % (1u << 20); /* three bytes */
    default:
      return -(int64_t)(r % 1000) - 1; /* ten bytes */
  }
}

static void test_packed_runs_every_length_and_mix(void) {
  /* Runs of 0..299 values (short runs reserve an upper bound, long ones
   * count first), as one to three occurrences that append, on int32,
   * sint32, int64 and bool; each compared with the values written. */
  enum { MAX = 300 };
  static int64_t want[MAX];
  uint32_t rng = 12345;
  for (int trial = 0; trial < 600; trial++) {
    size_t n = (size_t)(trial % 7 == 0 ? trial / 2 % MAX : trial % 40);
    unsigned mode = (unsigned)trial % 5; /* 0-3: all one class; 4: mixed */
    for (size_t i = 0; i < n; i++) {
      unsigned cls = mode < 4 ? mode : (rng >> 20) % 4;
      want[i] = packed_value(&rng, cls);
    }
    size_t cut1 = n ? (size_t)(rng >> 4) % (n + 1) : 0, cut2 = cut1 + (n - cut1) / 2;
    size_t cuts[4] = {0, cut1, cut2, n};
    static const uint32_t fields[] = {20, 21, 24, 32}; /* r_i32, r_i64, r_s32, r_b */
    wbuf_t w = {0};
    for (size_t k = 0; k < sizeof fields / sizeof fields[0]; k++) {
      uint32_t field = fields[k];
      for (int c = 0; c < 3; c++) {
        wbuf_t run = {0};
        for (size_t i = cuts[c]; i < cuts[c + 1]; i++) {
          int64_t v = want[i];
          if (field == 24) {
            int32_t x = (int32_t)v; /* zigzag */
            wb_varint(&run, ((uint32_t)x << 1) ^ (uint32_t)(x >> 31));
          } else if (field == 32) {
            wb_varint(&run, (uint64_t)(v < 0 ? -v : v) % 3); /* 0, 1 or 2 */
          } else {
            wb_varint(&run, (uint64_t)v);
          }
        }
        if (run.n) wb_len(&w, field, run.b, run.n);
        wb_free(&run);
      }
    }
    t_All m;
    CHECK_EQ_INT(decode_all(w.b, w.n, &m), CGRPC_PB_OK);
    bool counts =
        m.r_i32.count == n && m.r_s32.count == n && m.r_i64.count == n && m.r_b.count == n;
    CHECK(counts);
    size_t bad = counts ? 0 : 1;
    for (size_t i = 0; counts && i < n; i++) {
      int64_t v = want[i];
      bad += m.r_i32.data[i] != (int32_t)v;
      bad += m.r_s32.data[i] != (int32_t)v;
      bad += m.r_i64.data[i] != v;
      bad += m.r_b.data[i] != ((uint64_t)(v < 0 ? -v : v) % 3 != 0);
    }
    CHECK_EQ_UINT(bad, 0);
    CHECK(m.r_i32.capacity >= m.r_i32.count);
    wb_free(&w);
    if (bad) break;
  }
}

static void test_packed_run_errors_after_whole_words(void) {
  /* Sixteen one- and two-byte varints, then an eleven-byte varint: the
   * error is found past the word-at-a-time part, and nothing is added. */
  wbuf_t run = {0}, w = {0};
  for (int i = 0; i < 8; i++) wb_varint(&run, 5);
  for (int i = 0; i < 4; i++) wb_varint(&run, 300);
  wb_bytes(&run, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11);
  wb_len(&w, 20, run.b, run.n);
  t_All m;
  cgrpc_pb_msg_init(&m, &t_All_table);
  cgrpc_pb_error_t err;
  CHECK_EQ_INT(cgrpc_pb_decode(w.b, w.n, &m, &t_All_table, &arena, 0, &err),
               CGRPC_PB_ERR_MALFORMED);
  CHECK_EQ_UINT(err.offset, 3 + 16); /* after the two-byte tag and the length */
  CHECK_EQ_UINT(m.r_i32.count, 0);
  wb_free(&run);
  wb_free(&w);
}

static void test_unpacked_strings_messages_and_fixed(void) {
  static const char in[] =
      "\xb2\x03\x02hi\xb2\x03\x00"                /* r_str = "hi", "" */
      "\xba\x03\x01\xff"                          /* r_byt = "\xff" */
      "\xc2\x03\x02\x08\x01\xc2\x03\x00"          /* r_nested = {a:1}, {} */
      "\xf5\x02\x01\x00\x00\x00"                  /* u_f32 += 1 */
      "\x99\x03\x00\x00\x00\x00\x00\x00\xf8\x7f"; /* u_db += NaN */
  t_All m;
  CHECK_EQ_INT(decode_all(BYTES(in), &m), CGRPC_PB_OK);
  CHECK_EQ_UINT(m.r_str.count, 2);
  if (m.r_str.count == 2) {
    CHECK_EQ_MEM(m.r_str.data[0].data, m.r_str.data[0].len, "hi", 2);
    CHECK_EQ_UINT(m.r_str.data[1].len, 0);
  }
  CHECK(m.r_byt.count == 1 && m.r_byt.data[0].len == 1);
  CHECK_EQ_UINT(m.r_nested.count, 2);
  if (m.r_nested.count == 2) {
    CHECK_EQ_INT(m.r_nested.data[0]->a, 1);
    CHECK_EQ_INT(m.r_nested.data[1]->a, 0);
  }
  CHECK(m.u_f32.count == 1 && m.u_f32.data[0] == 1);
  CHECK(m.u_db.count == 1 && isnan(m.u_db.data[0]));
}

static void test_closed_enum_unknown_values_go_to_unknown_fields(void) {
  static const char in[] =
      "\x88\x01\x02"                                      /* color = BLUE */
      "\x88\x01\x05"                                      /* color = 5: undefined */
      "\x8a\x02\x03\x01\x07\x02"                          /* r_color packed [1, 7, 2] */
      "\xa8\x03\x00"                                      /* u_color += RED */
      "\xa8\x03\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"; /* u_color += -1: undefined */
  t_All m;
  CHECK_EQ_INT(decode_all(BYTES(in), &m), CGRPC_PB_OK);
  CHECK(m.has_color);
  CHECK_EQ_INT(m.color, 2);
  CHECK(m.r_color.count == 2 && m.r_color.data[0] == 1 && m.r_color.data[1] == 2);
  CHECK(m.u_color.count == 1 && m.u_color.data[0] == 0);
  static const char want[] =
      "\x88\x01\x05\x88\x02\x07\xa8\x03\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01";
  CHECK_EQ_MEM(m._unknown.data, m._unknown.len, want, sizeof want - 1);

  /* An undefined value alone leaves the field unset. */
  t_All n;
  CHECK_EQ_INT(decode_all(BYTES("\x88\x01\x09"), &n), CGRPC_PB_OK);
  CHECK(!n.has_color);
  CHECK_EQ_MEM(n._unknown.data, n._unknown.len, "\x88\x01\x09", 3);
}

static void test_wrong_wire_type_is_kept_as_unknown(void) {
  static const char in[] =
      "\x0d\x01\x02\x03\x04"      /* i32 (varint) sent as fixed32 */
      "\x70\x05"                  /* str (length-delimited) sent as varint */
      "\x82\x01\x00"              /* nested, correct */
      "\x83\x01\x08\x01\x84\x01"; /* nested sent as a group */
  t_All m;
  CHECK_EQ_INT(decode_all(BYTES(in), &m), CGRPC_PB_OK);
  CHECK_EQ_INT(m.i32, 0);
  CHECK_EQ_UINT(m.str.len, 0);
  CHECK(m.nested != NULL);
  static const char want[] = "\x0d\x01\x02\x03\x04\x70\x05\x83\x01\x08\x01\x84\x01";
  CHECK_EQ_MEM(m._unknown.data, m._unknown.len, want, sizeof want - 1);
}

static void test_length_delimited_singular_scalar_is_unknown(void) {
  /* Only a repeated scalar takes a packed run; on a singular one the
   * length-delimited field is unknown, and the next field still decodes. */
  t_All m;
  CHECK_EQ_INT(decode_all(BYTES("\x0a\x01\x05\x08\x07"), &m), CGRPC_PB_OK);
  CHECK_EQ_INT(m.i32, 7);
  CHECK_EQ_MEM(m._unknown.data, m._unknown.len, "\x0a\x01\x05", 3);
}

static const char unknown_input[] =
    "\x08\x01"                                 /* i32 = 1 */
    "\xa8\x06\x96\x01"                         /* field 101 varint */
    "\x10\x02"                                 /* i64 = 2 */
    "\xb1\x06\x01\x02\x03\x04\x05\x06\x07\x08" /* field 102 fixed64 */
    "\xba\x06\x03"
    "abc"                                      /* field 103 bytes */
    "\xc3\x06\x08\x01\xcb\x06\xcc\x06\xc4\x06" /* group 104 { 1: 1, group 105 {} } */
    "\xcd\x06\x01\x02\x03\x04"                 /* field 105 fixed32 */
    "\xd0\x86\x80\x00\x01"                     /* field 106 varint with a padded tag */
    "\xf8\xff\xff\xff\x0f\x00";                /* field 2^29-1 */
static const char unknown_only[] =
    "\xa8\x06\x96\x01\xb1\x06\x01\x02\x03\x04\x05\x06\x07\x08\xba\x06\x03"
    "abc"
    "\xc3\x06\x08\x01\xcb\x06\xcc\x06\xc4\x06\xcd\x06\x01\x02\x03\x04\xd0\x86\x80\x00\x01"
    "\xf8\xff\xff\xff\x0f\x00";

static void test_unknown_fields_kept_byte_for_byte(void) {
  for (int alias = 0; alias < 2; alias++) {
    t_All m;
    cgrpc_pb_msg_init(&m, &t_All_table);
    CHECK_EQ_INT(
        decode_opts(BYTES(unknown_input), &m, &t_All_table, alias ? CGRPC_PB_DECODE_ALIAS : 0),
        CGRPC_PB_OK);
    CHECK_EQ_INT(m.i32, 1);
    CHECK_EQ_INT(m.i64, 2);
    CHECK_EQ_MEM(m._unknown.data, m._unknown.len, unknown_only, sizeof unknown_only - 1);
  }
  t_All d;
  cgrpc_pb_msg_init(&d, &t_All_table);
  CHECK_EQ_INT(decode_opts(BYTES(unknown_input), &d, &t_All_table, CGRPC_PB_DECODE_DISCARD_UNKNOWN),
               CGRPC_PB_OK);
  CHECK_EQ_UINT(d._unknown.len, 0);
  CHECK_EQ_INT(d.i64, 2);
}

static void test_contiguous_unknown_fields_alias_without_copy(void) {
  static const char in[] = "\x08\x01\xa8\x06\x01\xa8\x06\x02";
  t_All m;
  cgrpc_pb_msg_init(&m, &t_All_table);
  CHECK_EQ_INT(decode_opts(BYTES(in), &m, &t_All_table, CGRPC_PB_DECODE_ALIAS), CGRPC_PB_OK);
  CHECK(m._unknown.data == in + 2);
  CHECK_EQ_UINT(m._unknown.len, 6);
}

static void test_alias_and_copy(void) {
  static const char in[] =
      "\x72\x03"
      "abc\xb2\x03\x02xy\x82\x01\x03\x12\x01z";
  for (int alias = 0; alias < 2; alias++) {
    t_All m;
    cgrpc_pb_msg_init(&m, &t_All_table);
    CHECK_EQ_INT(decode_opts(BYTES(in), &m, &t_All_table, alias ? CGRPC_PB_DECODE_ALIAS : 0),
                 CGRPC_PB_OK);
    CHECK_EQ_MEM(m.str.data, m.str.len, "abc", 3);
    CHECK(alias == inside(m.str.data, in, sizeof in));
    CHECK(m.r_str.count == 1 && alias == inside(m.r_str.data[0].data, in, sizeof in));
    CHECK(m.nested && alias == inside(m.nested->s.data, in, sizeof in));
  }
}

static void test_oneof_last_member_wins(void) {
  t_All m;
  /* o_i32 = 5, then o_str = "hi": the case moves to 71. */
  CHECK_EQ_INT(decode_all(BYTES("\xb0\x04\x05\xba\x04\x02hi"), &m), CGRPC_PB_OK);
  CHECK_EQ_UINT(m.choice_case, 71);
  CHECK_EQ_MEM(m.choice.o_str.data, m.choice.o_str.len, "hi", 2);

  /* o_str, then o_msg twice: the message starts empty (not from the string's
   * bytes) and merges with its second occurrence. */
  CHECK_EQ_INT(decode_all(BYTES("\xba\x04\x02hi\xc2\x04\x02\x08\x03\xc2\x04\x03\x12\x01q"), &m),
               CGRPC_PB_OK);
  CHECK_EQ_UINT(m.choice_case, 72);
  CHECK(m.choice.o_msg != NULL);
  if (m.choice.o_msg) {
    CHECK_EQ_INT(m.choice.o_msg->a, 3);
    CHECK_EQ_MEM(m.choice.o_msg->s.data, m.choice.o_msg->s.len, "q", 1);
  }
  /* Back to a scalar member with value 0: still the set case. */
  CHECK_EQ_INT(decode_all(BYTES("\xc2\x04\x02\x08\x03\xb0\x04\x00"), &m), CGRPC_PB_OK);
  CHECK_EQ_UINT(m.choice_case, 70);
  CHECK_EQ_INT(m.choice.o_i32, 0);
}

static void test_proto3_optional_presence(void) {
  t_All m;
  CHECK_EQ_INT(decode_all(BYTES("\xd0\x05\x00\xda\x05\x00"), &m), CGRPC_PB_OK);
  CHECK(m.has_opt_i32);
  CHECK_EQ_INT(m.opt_i32, 0);
  CHECK(m.has_opt_str);
  CHECK_EQ_UINT(m.opt_str.len, 0);
  CHECK_EQ_INT(decode_all(BYTES(""), &m), CGRPC_PB_OK);
  CHECK(!m.has_opt_i32 && !m.has_opt_str);
}

static void test_groups(void) {
  /* grp { g: 5 }, rgrp { g: 1 }, rgrp { }, grp { g: 6 } merges */
  static const char in[] =
      "\xe3\x03\xe8\x03\x05\xe4\x03"
      "\xf3\x03\xe8\x03\x01\xf4\x03\xf3\x03\xf4\x03"
      "\xe3\x03\xe8\x03\x06\xe4\x03";
  t_All m;
  CHECK_EQ_INT(decode_all(BYTES(in), &m), CGRPC_PB_OK);
  CHECK(m.grp && m.grp->has_g && m.grp->g == 6);
  CHECK_EQ_UINT(m.rgrp.count, 2);
  if (m.rgrp.count == 2) {
    CHECK(m.rgrp.data[0]->has_g && m.rgrp.data[0]->g == 1);
    CHECK(!m.rgrp.data[1]->has_g);
  }
}

static int32_t map_str_get(const t_All *m, const char *key, int *found) {
  *found = 0;
  int32_t v = 0;
  for (size_t i = 0; i < m->m_str.count; i++) {
    const t_MapStr *e = m->m_str.data[i];
    if (e->key.len == strlen(key) && (!e->key.len || memcmp(e->key.data, key, e->key.len) == 0)) {
      (*found)++;
      v = e->value;
    }
  }
  return v;
}

static void test_map_duplicate_keys_last_wins(void) {
  static const char in[] =
      "\x82\x05\x05\x0a\x01\x61\x10\x01"      /* "a": 1 */
      "\x82\x05\x05\x0a\x01\x62\x10\x02"      /* "b": 2 */
      "\x82\x05\x05\x0a\x01\x61\x10\x03"      /* "a": 3 */
      "\x82\x05\x02\x10\x04"                  /* "": 4 (no key) */
      "\x82\x05\x00"                          /* "": 0 (empty entry) */
      "\x8a\x05\x06\x08\x07\x12\x02\x08\x09"; /* m_int 7: {a: 9} */
  t_All m;
  CHECK_EQ_INT(decode_all(BYTES(in), &m), CGRPC_PB_OK);
  int found;
  CHECK_EQ_UINT(m.m_str.count, 3);
  CHECK_EQ_INT(map_str_get(&m, "a", &found), 3);
  CHECK_EQ_INT(found, 1);
  CHECK_EQ_INT(map_str_get(&m, "b", &found), 2);
  CHECK_EQ_INT(map_str_get(&m, "", &found), 0);
  CHECK_EQ_INT(found, 1);
  /* Survivors keep their order: b, a, "". */
  if (m.m_str.count == 3) CHECK_EQ_MEM(m.m_str.data[0]->key.data, 1, "b", 1);
  CHECK(m.m_int.count == 1 && m.m_int.data[0]->key == 7 && m.m_int.data[0]->value &&
        m.m_int.data[0]->value->a == 9);
}

static void test_map_with_undefined_closed_enum_value(void) {
  /* m_color {key: 1 value: BLUE}, {key: 2 value: 7}, {key: 3}: the entry
   * with 7 stays out of the map and goes whole to the unknown fields; an
   * entry whose value comes undefined and then defined is kept. */
  static const char in[] =
      "\x92\x05\x04\x08\x01\x10\x02"
      "\x92\x05\x04\x08\x02\x10\x07"
      "\x92\x05\x02\x08\x03"
      "\x92\x05\x06\x08\x04\x10\x09\x10\x01";
  for (int alias = 0; alias < 2; alias++) {
    t_All m;
    cgrpc_pb_msg_init(&m, &t_All_table);
    CHECK_EQ_INT(decode_opts(BYTES(in), &m, &t_All_table, alias ? CGRPC_PB_DECODE_ALIAS : 0),
                 CGRPC_PB_OK);
    CHECK_EQ_UINT(m.m_color.count, 3);
    if (m.m_color.count == 3) {
      CHECK(m.m_color.data[0]->key == 1 && m.m_color.data[0]->value == 2);
      CHECK(m.m_color.data[1]->key == 3 && m.m_color.data[1]->value == 0);
      CHECK(m.m_color.data[2]->key == 4 && m.m_color.data[2]->value == 1);
    }
    CHECK_EQ_MEM(m._unknown.data, m._unknown.len, "\x92\x05\x04\x08\x02\x10\x07", 7);
  }
}

static void test_large_map_with_duplicates(void) {
  /* 30000 entries over 1000 keys: resolved with one sort, not pairwise. */
  wbuf_t w = {0};
  for (int i = 0; i < 30000; i++) {
    wbuf_t value = {0}, e = {0};
    wb_tag(&value, 1, 0);
    wb_varint(&value, (uint64_t)i);
    wb_tag(&e, 1, 0);
    wb_varint(&e, (uint64_t)(int64_t)(i % 1000 - 500));
    wb_len(&e, 2, value.b, value.n);
    wb_len(&w, 81, e.b, e.n);
    wb_free(&value);
    wb_free(&e);
  }
  t_All m;
  CHECK_EQ_INT(decode_all(w.b, w.n, &m), CGRPC_PB_OK);
  CHECK_EQ_UINT(m.m_int.count, 1000);
  int bad = 0;
  for (size_t i = 0; i < m.m_int.count; i++) {
    const t_MapInt *e = m.m_int.data[i];
    /* The last entry for key k was i = 29000 + (k + 500). */
    if (!e->value || e->value->a != 29000 + e->key + 500) bad++;
  }
  CHECK_EQ_INT(bad, 0);
  wb_free(&w);
}

static void test_decode_into_caller_arrays_copies_them(void) {
  int32_t mine[2] = {10, 20};
  t_All m;
  cgrpc_pb_msg_init(&m, &t_All_table);
  m.r_i32.data = mine;
  m.r_i32.count = 2;
  m.r_i32.capacity = 1; /* below count: not the arena's, must not be written */
  CHECK_EQ_INT(decode_opts(BYTES("\xa0\x01\x1e"), &m, &t_All_table, 0), CGRPC_PB_OK);
  CHECK_EQ_UINT(m.r_i32.count, 3);
  CHECK(m.r_i32.data != mine);
  CHECK(m.r_i32.count == 3 && m.r_i32.data[0] == 10 && m.r_i32.data[1] == 20 &&
        m.r_i32.data[2] == 30);
  CHECK(mine[0] == 10 && mine[1] == 20);
}

static void test_merge_across_calls(void) {
  t_All m;
  cgrpc_pb_msg_init(&m, &t_All_table);
  CHECK_EQ_INT(decode_opts(BYTES("\xa0\x01\x01\xa8\x06\x01\x82\x05\x05\x0a\x01\x61\x10\x01"), &m,
                           &t_All_table, 0),
               CGRPC_PB_OK);
  CHECK_EQ_INT(decode_opts(BYTES("\xa0\x01\x02\xa8\x06\x02\x82\x05\x05\x0a\x01\x61\x10\x02"), &m,
                           &t_All_table, 0),
               CGRPC_PB_OK);
  CHECK(m.r_i32.count == 2 && m.r_i32.data[0] == 1 && m.r_i32.data[1] == 2);
  CHECK_EQ_MEM(m._unknown.data, m._unknown.len, "\xa8\x06\x01\xa8\x06\x02", 6);
  int found;
  CHECK_EQ_INT(map_str_get(&m, "a", &found), 2);
  CHECK_EQ_INT(found, 1);
}

static void test_many_merges_of_one_submessage_stay_linear(void) {
  /* 100000 occurrences of `nested`, each with an unknown field and a string
   * copied in between: the nested unknown buffer must grow, not be copied
   * whole each time, which would take about 10 GB here. */
  wbuf_t w = {0};
  for (int i = 0; i < 100000; i++) wb_len(&w, 16, "\x18\x01\x12\x01x", 5);
  cgrpc_arena_t a;
  cgrpc_arena_init(&a, NULL, 0);
  cgrpc_arena_set_limit(&a, 64u << 20);
  t_All m;
  cgrpc_pb_msg_init(&m, &t_All_table);
  CHECK_EQ_INT(cgrpc_pb_decode(w.b, w.n, &m, &t_All_table, &a, 0, NULL), CGRPC_PB_OK);
  CHECK(m.nested != NULL && m.nested->_unknown.len == 200000);
  CHECK(cgrpc_arena_heap_bytes(&a) < (4u << 20));
  cgrpc_arena_free(&a);
  wb_free(&w);
}

static void test_empty_input_and_null_buffer(void) {
  t_All m;
  cgrpc_pb_msg_init(&m, &t_All_table);
  CHECK_EQ_INT(cgrpc_pb_decode(NULL, 0, &m, &t_All_table, &arena, 0, NULL), CGRPC_PB_OK);
  CHECK_EQ_INT(m.i32, 0);
}

static void test_person(void) {
  static const char in[] =
      "\x08\xcb\x89\xec\x8f\xf7\x23" /* id 1234567890123 */
      "\x12\x05"
      "Alice\x1a\x03\x61@b"                  /* name, email */
      "\x21\x00\x00\x00\x00\x00\xa8\x58\x40" /* score 98.625 */
      "\x28\x01\x32\x04\x00\x25\x94\x01"     /* status, samples 0, 37, 148 */
      "\x3a\x06\x0a\x01S\x20\xd2\x09"        /* address { street "S" zip 1234 } */
      "\x42\x01x\x42\x01y\x48\x01";          /* tags x, y; verified */
  bench_Person p;
  cgrpc_pb_msg_init(&p, &bench_Person_table);
  CHECK_EQ_INT(decode_opts(BYTES(in), &p, &bench_Person_table, 0), CGRPC_PB_OK);
  CHECK(p.id == 1234567890123LL);
  CHECK_EQ_MEM(p.name.data, p.name.len, "Alice", 5);
  CHECK(p.score == 98.625);
  CHECK_EQ_INT(p.status, 1);
  CHECK(p.samples.count == 3 && p.samples.data[2] == 148);
  CHECK(p.address && p.address->zip == 1234);
  CHECK(p.tags.count == 2 && p.verified);
}

int main(void) {
  cgrpc_arena_init(&arena, NULL, 0);
  TEST_RUN(test_spec_varint_150);
  TEST_RUN(test_spec_string_testing);
  TEST_RUN(test_every_singular_scalar);
  TEST_RUN(test_int32_keeps_low_32_bits);
  TEST_RUN(test_zigzag_edges);
  TEST_RUN(test_scalars_overwrite_and_messages_merge);
  TEST_RUN(test_spec_packed_and_unpacked_both_accepted);
  TEST_RUN(test_packed_every_kind);
  TEST_RUN(test_packed_runs_every_length_and_mix);
  TEST_RUN(test_packed_run_errors_after_whole_words);
  TEST_RUN(test_unpacked_strings_messages_and_fixed);
  TEST_RUN(test_closed_enum_unknown_values_go_to_unknown_fields);
  TEST_RUN(test_wrong_wire_type_is_kept_as_unknown);
  TEST_RUN(test_length_delimited_singular_scalar_is_unknown);
  TEST_RUN(test_unknown_fields_kept_byte_for_byte);
  TEST_RUN(test_contiguous_unknown_fields_alias_without_copy);
  TEST_RUN(test_alias_and_copy);
  TEST_RUN(test_oneof_last_member_wins);
  TEST_RUN(test_proto3_optional_presence);
  TEST_RUN(test_groups);
  TEST_RUN(test_map_duplicate_keys_last_wins);
  TEST_RUN(test_map_with_undefined_closed_enum_value);
  TEST_RUN(test_large_map_with_duplicates);
  TEST_RUN(test_decode_into_caller_arrays_copies_them);
  TEST_RUN(test_merge_across_calls);
  TEST_RUN(test_many_merges_of_one_submessage_stay_linear);
  TEST_RUN(test_empty_input_and_null_buffer);
  TEST_RUN(test_person);
  cgrpc_arena_free(&arena);
  return TEST_DONE();
}

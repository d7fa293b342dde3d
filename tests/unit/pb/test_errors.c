/* Errors: every code with the exact cgrpc_pb_error_format() sentence,
 * truncation at every byte of a valid encoding, random corruption, the depth
 * limit, memory exhaustion and required fields. */
#include "pb_fixtures.h"
#include "test.h"

static cgrpc_arena_t arena;

/* Decodes and checks the code and the formatted error sentence. */
static void expect_error(const void *in, size_t n, const cgrpc_pb_msg_table_t *t, int options,
                         int code, const char *text) {
  char msg[4096] __attribute__((aligned(8)));
  cgrpc_pb_error_t err;
  memset(&err, 0, sizeof err);
  if (t->size > sizeof msg) abort();
  cgrpc_pb_msg_init(msg, t);
  int rc = cgrpc_pb_decode(in, n, msg, t, &arena, options, &err);
  CHECK_EQ_INT(rc, code);
  CHECK_EQ_INT(err.code, code);
  char buf[256];
  size_t len = cgrpc_pb_error_format(&err, buf, sizeof buf);
  CHECK_EQ_STR(buf, text);
  CHECK_EQ_UINT(len, strlen(text));
}

static void test_truncated_and_malformed_text(void) {
  expect_error(BYTES("\x08"), &t_All_table, 0, CGRPC_PB_ERR_TRUNCATED,
               "t.All.i32 (field 1): truncated input (at byte 1)");
  expect_error(BYTES("\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"), &t_All_table, 0,
               CGRPC_PB_ERR_MALFORMED,
               "t.All.i32 (field 1): malformed input: varint longer than 10 bytes (at byte 1)");
  expect_error(BYTES("\x08\x01\x00\x00"), &t_All_table, 0, CGRPC_PB_ERR_MALFORMED,
               "t.All: malformed input: field number 0 (at byte 2)");
  expect_error(BYTES("\x0f"), &t_All_table, 0, CGRPC_PB_ERR_MALFORMED,
               "t.All.i32 (field 1): malformed input: invalid wire type (at byte 0)");
  expect_error(BYTES("\x9e\x06"), &t_All_table, 0, CGRPC_PB_ERR_MALFORMED,
               "t.All (field 99): malformed input: invalid wire type (at byte 0)");
  expect_error(BYTES("\x0c"), &t_All_table, 0, CGRPC_PB_ERR_MALFORMED,
               "t.All.i32 (field 1): malformed input: end-group tag without a matching "
               "start-group (at byte 0)");
  expect_error(BYTES("\xe3\x03\xec\x03"), &t_All_table, 0, CGRPC_PB_ERR_MALFORMED,
               "t.All.Grp.g (field 61): malformed input: end-group tag without a matching "
               "start-group (at byte 2)");
  expect_error(BYTES("\xe3\x03\xe8\x03\x05"), &t_All_table, 0, CGRPC_PB_ERR_TRUNCATED,
               "t.All.Grp (field 60): truncated input: group has no end-group tag (at byte 5)");
  expect_error(BYTES("\x9b\x06\x08\x01"), &t_All_table, 0, CGRPC_PB_ERR_TRUNCATED,
               "t.All (field 99): truncated input: group has no end-group tag (at byte 0)");
  expect_error(BYTES("\x9b\x06\xa4\x06"), &t_All_table, 0, CGRPC_PB_ERR_MALFORMED,
               "t.All (field 100): malformed input: end-group tag does not match its group "
               "(at byte 2)");
  expect_error(BYTES("\x72\x05"
                     "abc"),
               &t_All_table, 0, CGRPC_PB_ERR_TRUNCATED,
               "t.All.str (field 14): truncated input: length goes past the end of the message "
               "(at byte 1)");
  expect_error(BYTES("\x82\x01\x05\x08\x01"), &t_All_table, 0, CGRPC_PB_ERR_TRUNCATED,
               "t.All.nested (field 16): truncated input: length goes past the end of the "
               "message (at byte 2)");
  expect_error(BYTES("\x82\x01\x02\x12\x05"
                     "abc"),
               &t_All_table, 0, CGRPC_PB_ERR_TRUNCATED,
               "t.Nested.s (field 2): truncated input: length goes past the end of the message "
               "(at byte 4)");
  expect_error(BYTES("\xd2\x01\x03\x01\x02\x03"), &t_All_table, 0, CGRPC_PB_ERR_MALFORMED,
               "t.All.r_f32 (field 26): malformed input: packed length is not a multiple of the "
               "value size (at byte 2)");
  expect_error(BYTES("\xa2\x01\x02\x01\x80"), &t_All_table, 0, CGRPC_PB_ERR_TRUNCATED,
               "t.All.r_i32 (field 20): truncated input: packed varint runs past the field "
               "(at byte 4)");
  expect_error(BYTES("\x3d\x01\x02"), &t_All_table, 0, CGRPC_PB_ERR_TRUNCATED,
               "t.All.f32 (field 7): truncated input (at byte 1)");
  expect_error(BYTES("\x41\x01\x02\x03\x04\x05\x06\x07"), &t_All_table, 0, CGRPC_PB_ERR_TRUNCATED,
               "t.All.f64 (field 8): truncated input (at byte 1)");
  expect_error(BYTES("\x80\x80\x80\x80\x80\x01"), &t_All_table, 0, CGRPC_PB_ERR_MALFORMED,
               "t.All: malformed input: tag longer than 5 bytes (at byte 0)");
  expect_error(BYTES("\xf8\xff\xff\xff\x1f\x00"), &t_All_table, 0, CGRPC_PB_ERR_MALFORMED,
               "t.All: malformed input: field number above 2^29-1 (at byte 0)");
  expect_error(BYTES("\x80"), &t_All_table, 0, CGRPC_PB_ERR_TRUNCATED,
               "t.All: truncated input (at byte 0)");
}

static void test_bad_utf8_text(void) {
  /* The example sentence from cgrpc/pb.h, byte for byte. */
  expect_error(BYTES("\x08\x01\x12\x0e"
                     "Alice Example\xff"),
               &bench_Person_table, 0, CGRPC_PB_ERR_BAD_UTF8,
               "bench.Person.name (field 2): string is not valid UTF-8 (at byte 17)");
  expect_error(BYTES("\xb2\x03\x03"
                     "a\xed\xa0"),
               &t_All_table, 0, CGRPC_PB_ERR_BAD_UTF8,
               "t.All.r_str (field 54): string is not valid UTF-8 (at byte 4)");
  /* Map keys and oneof strings are checked too; bytes are not. */
  expect_error(BYTES("\x82\x05\x03\x0a\x01\x80"), &t_All_table, 0, CGRPC_PB_ERR_BAD_UTF8,
               "t.All.MStrEntry.key (field 1): string is not valid UTF-8 (at byte 5)");
  expect_error(BYTES("\xba\x04\x02\xc0\x80"), &t_All_table, 0, CGRPC_PB_ERR_BAD_UTF8,
               "t.All.o_str (field 71): string is not valid UTF-8 (at byte 3)");
  t_All m;
  cgrpc_pb_msg_init(&m, &t_All_table);
  CHECK_EQ_INT(cgrpc_pb_decode(BYTES("\x7a\x02\xc0\x80"), &m, &t_All_table, &arena, 0, NULL),
               CGRPC_PB_OK);
}

/* Rec nested `levels` deep through field 1 (or through group 3). */
static void nest(wbuf_t *w, int levels, bool group) {
  wbuf_t inner = {0};
  wb_tag(&inner, 2, 0);
  wb_varint(&inner, 1);
  for (int i = 0; i < levels; i++) {
    wbuf_t outer = {0};
    if (group) {
      wb_tag(&outer, 3, 3);
      wb_bytes(&outer, inner.b, inner.n);
      wb_tag(&outer, 3, 4);
    } else {
      wb_len(&outer, 1, inner.b, inner.n);
    }
    wb_free(&inner);
    inner = outer;
  }
  *w = inner;
}

/* Offset of the tag that opens nesting level `level` (1 = the first child). */
static size_t level_offset(const wbuf_t *w, int level, bool group) {
  size_t pos = 0;
  for (int i = 1; i < level; i++) {
    pos++; /* tag */
    if (!group) {
      while (w->b[pos] & 0x80) pos++;
      pos++;
    }
  }
  return pos;
}

static void test_depth_limit(void) {
  for (int group = 0; group < 2; group++) {
    wbuf_t w;
    nest(&w, 100, group);
    t_Rec r;
    cgrpc_pb_msg_init(&r, &t_Rec_table);
    CHECK_EQ_INT(cgrpc_pb_decode(w.b, w.n, &r, &t_Rec_table, &arena, 0, NULL), CGRPC_PB_OK);
    int depth = 0;
    for (const t_Rec *p = &r; (group ? p->g : p->child); p = group ? p->g : p->child) depth++;
    CHECK_EQ_INT(depth, 100);
    wb_free(&w);

    nest(&w, 101, group);
    char want[160];
    snprintf(want, sizeof want, "t.Rec.%s (field %d): messages nested too deeply (at byte %zu)",
             group ? "g" : "child", group ? 3 : 1, level_offset(&w, 101, group));
    expect_error(w.b, w.n, &t_Rec_table, 0, CGRPC_PB_ERR_TOO_DEEP, want);
    wb_free(&w);

    nest(&w, 4, group);
    snprintf(want, sizeof want, "t.Rec.%s (field %d): messages nested too deeply (at byte %zu)",
             group ? "g" : "child", group ? 3 : 1, level_offset(&w, 4, group));
    expect_error(w.b, w.n, &t_Rec_table, CGRPC_PB_DECODE_MAX_DEPTH(3), CGRPC_PB_ERR_TOO_DEEP, want);
    t_Rec r3;
    cgrpc_pb_msg_init(&r3, &t_Rec_table);
    CHECK_EQ_INT(
        cgrpc_pb_decode(w.b, w.n, &r3, &t_Rec_table, &arena, CGRPC_PB_DECODE_MAX_DEPTH(4), NULL),
        CGRPC_PB_OK);
    wb_free(&w);
  }
}

static void test_unknown_groups_count_toward_depth(void) {
  /* Unknown group 99 nested 101 deep inside t.All. */
  wbuf_t w = {0};
  for (int i = 0; i < 101; i++) wb_tag(&w, 99, 3);
  for (int i = 0; i < 101; i++) wb_tag(&w, 99, 4);
  expect_error(w.b, w.n, &t_All_table, 0, CGRPC_PB_ERR_TOO_DEEP,
               "t.All (field 99): messages nested too deeply (at byte 200)");
  wb_free(&w);
  for (int i = 0; i < 100; i++) wb_tag(&w, 99, 3);
  for (int i = 0; i < 100; i++) wb_tag(&w, 99, 4);
  t_All m;
  cgrpc_pb_msg_init(&m, &t_All_table);
  CHECK_EQ_INT(cgrpc_pb_decode(w.b, w.n, &m, &t_All_table, &arena, 0, NULL), CGRPC_PB_OK);
  CHECK_EQ_MEM(m._unknown.data, m._unknown.len, w.b, w.n);
  wb_free(&w);
}

static void test_no_memory(void) {
  cgrpc_arena_t tiny;
  cgrpc_arena_init(&tiny, NULL, 0);
  cgrpc_arena_set_limit(&tiny, 1);
  t_All m;
  cgrpc_pb_error_t err;
  cgrpc_pb_msg_init(&m, &t_All_table);
  CHECK_EQ_INT(cgrpc_pb_decode(BYTES("\x08\x01\x72\x01z"), &m, &t_All_table, &tiny, 0, &err),
               CGRPC_PB_ERR_NO_MEMORY);
  char buf[128];
  cgrpc_pb_error_format(&err, buf, sizeof buf);
  CHECK_EQ_STR(buf, "t.All.str (field 14): out of memory (at byte 3)");
  CHECK_EQ_INT(m.i32, 1);
  CHECK_EQ_UINT(m.str.len, 0); /* nothing half-stored */
  /* Aliasing needs no memory for strings. */
  cgrpc_pb_msg_init(&m, &t_All_table);
  CHECK_EQ_INT(
      cgrpc_pb_decode(BYTES("\x72\x01z"), &m, &t_All_table, &tiny, CGRPC_PB_DECODE_ALIAS, NULL),
      CGRPC_PB_OK);
  cgrpc_arena_free(&tiny);
}

static void test_missing_required(void) {
  expect_error(BYTES(""), &t_Req_table, 0, CGRPC_PB_ERR_MISSING_REQUIRED,
               "t.Req.id (field 1): required field is missing (at byte 0)");
  expect_error(BYTES("\x08\x01\x1a\x00"), &t_Req_table, 0, CGRPC_PB_ERR_MISSING_REQUIRED,
               "t.Req.id (field 1): required field is missing (at byte 4)");
  expect_error(BYTES("\x08\x01\x22\x02\x08\x01\x22\x00"), &t_Req_table, 0,
               CGRPC_PB_ERR_MISSING_REQUIRED,
               "t.Req.id (field 1): required field is missing (at byte 8)");
  t_Req r;
  cgrpc_pb_msg_init(&r, &t_Req_table);
  /* A later occurrence of the same sub-message supplies the field. */
  CHECK_EQ_INT(cgrpc_pb_decode(BYTES("\x08\x01\x1a\x02\x12\x00\x1a\x02\x08\x05"), &r, &t_Req_table,
                               &arena, 0, NULL),
               CGRPC_PB_OK);
  CHECK(r.child && r.child->has_id && r.child->id == 5);
  cgrpc_pb_msg_init(&r, &t_Req_table);
  CHECK_EQ_INT(
      cgrpc_pb_decode(BYTES("\x1a\x00"), &r, &t_Req_table, &arena, CGRPC_PB_DECODE_PARTIAL, NULL),
      CGRPC_PB_OK);
}

static void test_encode_error_text(void) {
  t_Req r;
  cgrpc_pb_msg_init(&r, &t_Req_table);
  uint8_t *out;
  size_t len;
  cgrpc_pb_error_t err;
  char buf[128];
  CHECK_EQ_INT(cgrpc_pb_encode(&r, &t_Req_table, &arena, 0, &out, &len, &err),
               CGRPC_PB_ERR_MISSING_REQUIRED);
  cgrpc_pb_error_format(&err, buf, sizeof buf);
  CHECK_EQ_STR(buf, "t.Req.id (field 1): required field is missing");
  r.has_id = true;
  r.id = 1;
  uint8_t small[1];
  CHECK_EQ_INT(cgrpc_pb_encode_to(&r, &t_Req_table, small, sizeof small, 0, &len, &err),
               CGRPC_PB_ERR_BUFFER_TOO_SMALL);
  CHECK_EQ_UINT(len, 2);
  cgrpc_pb_error_format(&err, buf, sizeof buf);
  CHECK_EQ_STR(buf, "t.Req: output buffer too small");

  t_All big;
  cgrpc_pb_msg_init(&big, &t_All_table);
  big.byt = (cgrpc_str_t){"x", (size_t)1 << 31}; /* never read: the size decides */
  CHECK_EQ_INT(cgrpc_pb_encode(&big, &t_All_table, &arena, 0, &out, &len, &err),
               CGRPC_PB_ERR_TOO_LARGE);
  cgrpc_pb_error_format(&err, buf, sizeof buf);
  CHECK_EQ_STR(buf, "t.All: message larger than 2 GiB");

  t_Rec loop;
  memset(&loop, 0, sizeof loop);
  loop.child = &loop;
  CHECK_EQ_INT(cgrpc_pb_encode(&loop, &t_Rec_table, &arena, 0, &out, &len, &err),
               CGRPC_PB_ERR_TOO_DEEP);
  cgrpc_pb_error_format(&err, buf, sizeof buf);
  CHECK_EQ_STR(buf, "t.Rec: messages nested too deeply");
}

static void test_strerror_and_format_edges(void) {
  CHECK_EQ_STR(cgrpc_pb_strerror(CGRPC_PB_OK), "success");
  CHECK_EQ_STR(cgrpc_pb_strerror(CGRPC_PB_ERR_TRUNCATED), "truncated input");
  CHECK_EQ_STR(cgrpc_pb_strerror(CGRPC_PB_ERR_MALFORMED), "malformed input");
  CHECK_EQ_STR(cgrpc_pb_strerror(CGRPC_PB_ERR_BAD_UTF8), "string is not valid UTF-8");
  CHECK_EQ_STR(cgrpc_pb_strerror(CGRPC_PB_ERR_TOO_DEEP), "messages nested too deeply");
  CHECK_EQ_STR(cgrpc_pb_strerror(CGRPC_PB_ERR_NO_MEMORY), "out of memory");
  CHECK_EQ_STR(cgrpc_pb_strerror(CGRPC_PB_ERR_MISSING_REQUIRED), "required field is missing");
  CHECK_EQ_STR(cgrpc_pb_strerror(CGRPC_PB_ERR_TOO_LARGE), "message larger than 2 GiB");
  CHECK_EQ_STR(cgrpc_pb_strerror(CGRPC_PB_ERR_BUFFER_TOO_SMALL), "output buffer too small");
  CHECK_EQ_STR(cgrpc_pb_strerror(-99), "unknown error");

  cgrpc_pb_error_t err = {CGRPC_PB_ERR_BAD_UTF8, 2, &bench_Person_table, 17, NULL};
  const char *full = "bench.Person.name (field 2): string is not valid UTF-8 (at byte 17)";
  char small[11];
  memset(small, 'x', sizeof small);
  CHECK_EQ_UINT(cgrpc_pb_error_format(&err, small, sizeof small), strlen(full));
  CHECK_EQ_STR(small, "bench.Pers");
  CHECK_EQ_UINT(cgrpc_pb_error_format(&err, NULL, 0), strlen(full));
  /* No table: just the code (and the position). */
  cgrpc_pb_error_t bare = {CGRPC_PB_ERR_TRUNCATED, 0, NULL, 5, NULL};
  char buf[64];
  cgrpc_pb_error_format(&bare, buf, sizeof buf);
  CHECK_EQ_STR(buf, "truncated input (at byte 5)");
}

/* Decodes `in` in both modes into fresh messages; when that succeeds, the
 * message must encode, decode back equal, and re-encode identically. Any
 * failure must be a proper error code. Returns whether decoding succeeded. */
static bool decode_cleanly(const uint8_t *in, size_t n, int *bad) {
  bool ok = false;
  for (int alias = 0; alias < 2; alias++) {
    cgrpc_arena_t a;
    cgrpc_arena_init(&a, NULL, 0);
    t_All m;
    cgrpc_pb_msg_init(&m, &t_All_table);
    cgrpc_pb_error_t err;
    int rc = cgrpc_pb_decode(in, n, &m, &t_All_table, &a, alias ? CGRPC_PB_DECODE_ALIAS : 0, &err);
    if (rc == CGRPC_PB_OK) {
      ok = true;
      uint8_t *out, *out2;
      size_t len, len2;
      t_All back;
      cgrpc_pb_msg_init(&back, &t_All_table);
      if (cgrpc_pb_encode(&m, &t_All_table, &a, 0, &out, &len, NULL) != CGRPC_PB_OK ||
          cgrpc_pb_decode(out, len, &back, &t_All_table, &a, 0, NULL) != CGRPC_PB_OK ||
          !cgrpc_pb_msg_equal(&m, &back, &t_All_table) ||
          cgrpc_pb_encode(&back, &t_All_table, &a, 0, &out2, &len2, NULL) != CGRPC_PB_OK ||
          len != len2 || memcmp(out, out2, len) != 0) {
        if (*bad == 0) hexdump("round trip failed for", in, n);
        (*bad)++;
      }
    } else {
      /* A failed decode still leaves a message that encodes. */
      uint8_t *out;
      size_t len;
      if (rc > 0 || rc < CGRPC_PB_ERR_BUFFER_TOO_SMALL || err.code != rc || err.offset > n ||
          cgrpc_pb_encode(&m, &t_All_table, &a, CGRPC_PB_ENCODE_PARTIAL, &out, &len, NULL) !=
              CGRPC_PB_OK) {
        if (*bad == 0) hexdump("bad failure for", in, n);
        (*bad)++;
      }
    }
    cgrpc_arena_free(&a);
  }
  return ok;
}

static void test_truncation_at_every_offset(void) {
  t_All m;
  fill_all(&m, &arena);
  uint8_t *full;
  size_t len;
  CHECK_EQ_INT(cgrpc_pb_encode(&m, &t_All_table, &arena, 0, &full, &len, NULL), CGRPC_PB_OK);
  int bad = 0, ok = 0;
  for (size_t cut = 0; cut <= len; cut++) {
    /* A private copy of exactly `cut` bytes, so any overread is caught by
     * the sanitizers or valgrind. */
    uint8_t *copy = malloc(cut ? cut : 1);
    memcpy(copy, full, cut);
    ok += decode_cleanly(copy, cut, &bad);
    free(copy);
  }
  CHECK_EQ_INT(bad, 0);
  CHECK(decode_cleanly(full, len, &bad));
  fprintf(stderr, "  %zu prefixes, %d decoded\n", len + 1, ok);
}

static uint32_t rng_state = 12345;
static uint32_t rng(void) {
  rng_state = rng_state * 1103515245u + 12345u;
  return rng_state >> 8;
}

static void test_random_corruption(void) {
  t_All m;
  fill_all(&m, &arena);
  uint8_t *full;
  size_t len;
  CHECK_EQ_INT(cgrpc_pb_encode(&m, &t_All_table, &arena, 0, &full, &len, NULL), CGRPC_PB_OK);
  int bad = 0, ok = 0, runs = 20000;
  uint8_t *copy = malloc(len);
  for (int i = 0; i < runs; i++) {
    memcpy(copy, full, len);
    int flips = 1 + (int)(rng() % 4);
    for (int k = 0; k < flips; k++) {
      size_t at = rng() % len;
      if (rng() % 2) {
        copy[at] ^= (uint8_t)(1u << (rng() % 8));
      } else {
        copy[at] = (uint8_t)rng();
      }
    }
    size_t n = rng() % 8 == 0 ? rng() % (len + 1) : len;
    ok += decode_cleanly(copy, n, &bad);
  }
  free(copy);
  /* Pure noise, too. */
  uint8_t noise[64];
  for (int i = 0; i < 20000; i++) {
    size_t n = rng() % sizeof noise;
    for (size_t k = 0; k < n; k++) noise[k] = (uint8_t)rng();
    ok += decode_cleanly(noise, n, &bad);
  }
  CHECK_EQ_INT(bad, 0);
  fprintf(stderr, "  %d inputs, %d decoded\n", runs + 20000, ok);
}

int main(void) {
  cgrpc_arena_init(&arena, NULL, 0);
  TEST_RUN(test_truncated_and_malformed_text);
  TEST_RUN(test_bad_utf8_text);
  TEST_RUN(test_depth_limit);
  TEST_RUN(test_unknown_groups_count_toward_depth);
  TEST_RUN(test_no_memory);
  TEST_RUN(test_missing_required);
  TEST_RUN(test_encode_error_text);
  TEST_RUN(test_strerror_and_format_edges);
  TEST_RUN(test_truncation_at_every_offset);
  TEST_RUN(test_random_corruption);
  cgrpc_arena_free(&arena);
  return TEST_DONE();
}

/* Property tests of the protobuf engine over many random messages.
 *
 * Each property runs over every test schema (tests/proto/) and a range of
 * seeds; a message is filled by walking its table (random_message.h), so the
 * properties cover every field kind without naming one. A failure prints the
 * property, type and seed (enough to replay it) and a hex dump at the first
 * difference; each property ends with a line saying how much it checked.
 *
 *   roundtrip     encode -> decode equals the original; re-encoding gives the
 *                 same bytes; sizes and the three encode entry points agree
 *   alias_copy    alias and copy decoding give equal messages, and the copy
 *                 does not depend on the input buffer
 *   msg_copy      cgrpc_pb_msg_copy gives an equal message that outlives the
 *                 source arena
 *   equal         a copy with any one thing changed is no longer equal
 *   evolution     v2 bytes decoded with the v1 table re-encode byte for byte
 *                 (unknown fields kept) and decode with v2 to the original
 *   shuffle       top-level fields in another order decode equal
 *   depth_limit   the nesting limit accepts exactly the message's depth
 *   required      missing proto2 required fields fail encode and decode
 *                 unless PARTIAL
 *   corruption    truncated and bit-flipped encodings decode or fail with a
 *                 code, never crash (run under ASan by make check-asan), and
 *                 whatever decodes survives a round trip
 */
#include <stdarg.h>

#include "cgrpc/alloc.h"
#include "cgrpc/pb.h"
#include "encoding_tools.h"
#include "pbtest_schemas.h"
#include "random_message.h"
#include "test.h"

enum { SEEDS = 600, CORRUPTIONS_PER_SEED = 8, MAX_PRINTED = 3 };

static const pbt_fill_options_t kFill = {.max_depth = 4, .unknown_fields = true};

/* Failure bookkeeping of one property. */
typedef struct prop {
  const char *name;
  long checked;
  long failed;
} prop_t;

__attribute__((format(printf, 3, 4))) static void prop_fail(prop_t *p, const char *label,
                                                            const char *fmt, ...) {
  if (++p->failed <= MAX_PRINTED) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "FAIL %s %s: ", p->name, label);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
  }
}

/* Compares bytes; counts and (for the first few failures) reports a
 * difference. */
static bool prop_same(prop_t *p, const char *label, const uint8_t *a, size_t a_len,
                      const char *a_name, const uint8_t *b, size_t b_len, const char *b_name) {
  if (a_len == b_len && (a_len == 0 || memcmp(a, b, a_len) == 0)) return true;
  if (++p->failed <= MAX_PRINTED) {
    char full[160];
    snprintf(full, sizeof full, "%s %s", p->name, label);
    pbt_same_bytes(full, a, a_len, a_name, b, b_len, b_name);
  }
  return false;
}

static void prop_done(prop_t *p) {
  fprintf(stderr, "%s: %ld checks, %ld failed\n", p->name, p->checked, p->failed);
  CHECK_EQ_INT(p->failed, 0);
}

/* A random message of one type and its deterministic encoding. */
typedef struct sample {
  cgrpc_arena_t arena;
  const cgrpc_pb_msg_table_t *table;
  void *msg;
  uint8_t *enc;
  size_t len;
  char label[128];
} sample_t;

static bool sample_make(sample_t *s, const cgrpc_pb_msg_table_t *t, uint64_t seed) {
  cgrpc_arena_init(&s->arena, NULL, 0);
  s->table = t;
  snprintf(s->label, sizeof s->label, "type=%s seed=%llu", t->full_name, (unsigned long long)seed);
  pbt_rng_t rng;
  pbt_rng_seed(&rng, seed);
  s->msg = cgrpc_pb_msg_new(t, &s->arena);
  if (!s->msg || !pbt_fill(&rng, s->msg, t, &s->arena, &kFill)) return false;
  return cgrpc_pb_encode(s->msg, t, &s->arena, CGRPC_PB_ENCODE_DETERMINISTIC, &s->enc, &s->len,
                         NULL) == CGRPC_PB_OK;
}

static void sample_free(sample_t *s) { cgrpc_arena_free(&s->arena); }

/* Decodes into a new message; NULL (with *rc set) on failure. */
static void *decode_new(const cgrpc_pb_msg_table_t *t, const void *buf, size_t len,
                        cgrpc_arena_t *a, int options, int *rc) {
  void *m = cgrpc_pb_msg_new(t, a);
  *rc = m ? cgrpc_pb_decode(buf, len, m, t, a, options, NULL) : CGRPC_PB_ERR_NO_MEMORY;
  return *rc == CGRPC_PB_OK ? m : NULL;
}

/* Runs `check` for every seed and schema. */
typedef void (*check_fn)(prop_t *p, sample_t *s, uint64_t seed);

static void for_all_samples(prop_t *p, check_fn check) {
  for (uint64_t seed = 0; seed < SEEDS; seed++) {
    for (size_t i = 0; i < pbtest_schema_count; i++) {
      sample_t s;
      if (!sample_make(&s, pbtest_schemas[i], seed)) {
        prop_fail(p, s.label, "could not build and encode the random message");
      } else {
        check(p, &s, seed);
      }
      sample_free(&s);
    }
  }
  prop_done(p);
}

/* ---- roundtrip ---------------------------------------------------------- */

static void check_roundtrip(prop_t *p, sample_t *s, uint64_t seed) {
  (void)seed;
  p->checked++;
  const cgrpc_pb_msg_table_t *t = s->table;
  int rc;
  void *back = decode_new(t, s->enc, s->len, &s->arena, 0, &rc);
  if (!back) {
    prop_fail(p, s->label, "decoding our own encoding failed: %s", cgrpc_pb_strerror(rc));
    return;
  }
  if (!cgrpc_pb_msg_equal(s->msg, back, t)) {
    prop_fail(p, s->label, "decode(encode(m)) != m");
    return;
  }
  uint8_t *again;
  size_t again_len;
  if (cgrpc_pb_encode(back, t, &s->arena, CGRPC_PB_ENCODE_DETERMINISTIC, &again, &again_len,
                      NULL) != CGRPC_PB_OK) {
    prop_fail(p, s->label, "re-encoding failed");
    return;
  }
  if (!prop_same(p, s->label, again, again_len, "again", s->enc, s->len, "first")) return;

  size_t size = cgrpc_pb_encoded_size(s->msg, t, CGRPC_PB_ENCODE_DETERMINISTIC);
  if (size != s->len) {
    prop_fail(p, s->label, "encoded_size %zu, encode wrote %zu bytes", size, s->len);
    return;
  }
  uint8_t *buf = cgrpc_arena_alloc(&s->arena, s->len + 1);
  size_t n = 0;
  rc = cgrpc_pb_encode_to(s->msg, t, buf, s->len, CGRPC_PB_ENCODE_DETERMINISTIC, &n, NULL);
  if (rc != CGRPC_PB_OK) {
    prop_fail(p, s->label, "encode_to into exactly %zu bytes: %s", s->len, cgrpc_pb_strerror(rc));
    return;
  }
  if (!prop_same(p, s->label, buf, n, "encode_to", s->enc, s->len, "encode")) return;
  if (s->len > 0) {
    n = 0;
    rc = cgrpc_pb_encode_to(s->msg, t, buf, s->len - 1, CGRPC_PB_ENCODE_DETERMINISTIC, &n, NULL);
    if (rc != CGRPC_PB_ERR_BUFFER_TOO_SMALL || n != s->len) {
      prop_fail(p, s->label, "encode_to one byte short: rc %d, needed %zu (want %d, %zu)", rc, n,
                CGRPC_PB_ERR_BUFFER_TOO_SMALL, s->len);
      return;
    }
  }
  /* Without DETERMINISTIC the order of map entries is the stored one; the
   * message must still come back equal. */
  uint8_t *plain;
  size_t plain_len;
  if (cgrpc_pb_encode(s->msg, t, &s->arena, 0, &plain, &plain_len, NULL) != CGRPC_PB_OK) {
    prop_fail(p, s->label, "non-deterministic encode failed");
    return;
  }
  void *back2 = decode_new(t, plain, plain_len, &s->arena, 0, &rc);
  if (!back2 || !cgrpc_pb_msg_equal(s->msg, back2, t)) {
    prop_fail(p, s->label, "decode(non-deterministic encode(m)) != m");
  }
}

static void test_roundtrip(void) {
  prop_t p = {"roundtrip", 0, 0};
  for_all_samples(&p, check_roundtrip);
}

/* ---- alias_copy --------------------------------------------------------- */

static void check_alias_copy(prop_t *p, sample_t *s, uint64_t seed) {
  (void)seed;
  p->checked++;
  const cgrpc_pb_msg_table_t *t = s->table;
  uint8_t *scratch = cgrpc_arena_memdup(&s->arena, s->enc, s->len ? s->len : 1);
  int rc;
  void *copied = decode_new(t, scratch, s->len, &s->arena, 0, &rc);
  void *aliased = decode_new(t, s->enc, s->len, &s->arena, CGRPC_PB_DECODE_ALIAS, &rc);
  if (!copied || !aliased) {
    prop_fail(p, s->label, "decode failed: %s", cgrpc_pb_strerror(rc));
    return;
  }
  if (!cgrpc_pb_msg_equal(copied, aliased, t)) {
    prop_fail(p, s->label, "alias and copy decoding differ");
    return;
  }
  /* The copy must own its bytes: scribbling over its input changes nothing. */
  memset(scratch, 0xA5, s->len);
  if (!cgrpc_pb_msg_equal(copied, s->msg, t)) {
    prop_fail(p, s->label, "copy-mode message changed when its input buffer was overwritten");
  }
}

static void test_alias_copy(void) {
  prop_t p = {"alias_copy", 0, 0};
  for_all_samples(&p, check_alias_copy);
}

/* ---- msg_copy ----------------------------------------------------------- */

static void check_msg_copy(prop_t *p, sample_t *s, uint64_t seed) {
  (void)seed;
  p->checked++;
  const cgrpc_pb_msg_table_t *t = s->table;
  cgrpc_arena_t other;
  cgrpc_arena_init(&other, NULL, 0);
  void *dst = cgrpc_arena_alloc(&other, t->size);
  int rc = cgrpc_pb_msg_copy(dst, s->msg, t, &other);
  if (rc != CGRPC_PB_OK) {
    prop_fail(p, s->label, "cgrpc_pb_msg_copy failed: %s", cgrpc_pb_strerror(rc));
  } else if (!cgrpc_pb_msg_equal(dst, s->msg, t)) {
    prop_fail(p, s->label, "the copy is not equal to the source");
  } else {
    /* Rebuild the source's encoding elsewhere, then drop the source. */
    uint8_t *want = cgrpc_malloc(s->len ? s->len : 1);
    memcpy(want, s->enc, s->len);
    size_t want_len = s->len;
    cgrpc_arena_free(&s->arena);
    cgrpc_arena_init(&s->arena, NULL, 0);
    uint8_t *got;
    size_t got_len;
    if (cgrpc_pb_encode(dst, t, &other, CGRPC_PB_ENCODE_DETERMINISTIC, &got, &got_len, NULL) !=
        CGRPC_PB_OK) {
      prop_fail(p, s->label, "encoding the copy failed");
    } else {
      prop_same(p, s->label, got, got_len, "copy", want, want_len, "source");
    }
    cgrpc_free(want);
  }
  cgrpc_arena_free(&other);
}

static void test_msg_copy(void) {
  prop_t p = {"msg_copy", 0, 0};
  for_all_samples(&p, check_msg_copy);
}

/* ---- equal -------------------------------------------------------------- */

static void check_equal(prop_t *p, sample_t *s, uint64_t seed) {
  const cgrpc_pb_msg_table_t *t = s->table;
  pbt_rng_t rng;
  pbt_rng_seed(&rng, seed ^ 0xE0A1ull);
  for (int round = 0; round < 4; round++) {
    p->checked++;
    void *changed = cgrpc_arena_alloc(&s->arena, t->size);
    if (cgrpc_pb_msg_copy(changed, s->msg, t, &s->arena) != CGRPC_PB_OK ||
        !cgrpc_pb_msg_equal(changed, s->msg, t)) {
      prop_fail(p, s->label, "a fresh copy is not equal to its source");
      return;
    }
    if (!pbt_perturb(&rng, changed, t, &s->arena)) {
      prop_fail(p, s->label, "could not change the copy");
      return;
    }
    if (cgrpc_pb_msg_equal(changed, s->msg, t) || cgrpc_pb_msg_equal(s->msg, changed, t)) {
      prop_fail(p, s->label, "round %d: a copy with one change still compares equal", round);
      return;
    }
  }
}

static void test_equal(void) {
  prop_t p = {"equal", 0, 0};
  for_all_samples(&p, check_equal);
}

/* ---- evolution ---------------------------------------------------------- */

static void test_evolution(void) {
  prop_t p = {"evolution", 0, 0};
  const cgrpc_pb_msg_table_t *v1 = &pbtest_evo_v1_Record_table, *v2 = &pbtest_evo_v2_Record_table;
  for (uint64_t seed = 0; seed < SEEDS * 3; seed++) {
    sample_t s;
    p.checked++;
    if (!sample_make(&s, v2, seed)) {
      prop_fail(&p, s.label, "could not build and encode the random message");
      sample_free(&s);
      continue;
    }
    int rc;
    void *old = decode_new(v1, s.enc, s.len, &s.arena, 0, &rc);
    uint8_t *out = NULL;
    size_t out_len = 0;
    if (!old) {
      prop_fail(&p, s.label, "v1 cannot decode v2 bytes: %s", cgrpc_pb_strerror(rc));
    } else if (cgrpc_pb_encode(old, v1, &s.arena, CGRPC_PB_ENCODE_DETERMINISTIC, &out, &out_len,
                               NULL) != CGRPC_PB_OK) {
      prop_fail(&p, s.label, "v1 cannot re-encode");
    } else if (prop_same(&p, s.label, out, out_len, "v1 output", s.enc, s.len, "v2 input")) {
      void *back = decode_new(v2, out, out_len, &s.arena, 0, &rc);
      if (!back || !cgrpc_pb_msg_equal(back, s.msg, v2)) {
        prop_fail(&p, s.label, "v2 decode of v1's output differs from the original");
      }
      /* Dropping unknown fields on decode or on encode gives the same bytes. */
      void *dropped = decode_new(v1, s.enc, s.len, &s.arena, CGRPC_PB_DECODE_DISCARD_UNKNOWN, &rc);
      uint8_t *a = NULL, *b = NULL;
      size_t a_len = 0, b_len = 0;
      if (!dropped ||
          cgrpc_pb_encode(dropped, v1, &s.arena, CGRPC_PB_ENCODE_DETERMINISTIC, &a, &a_len, NULL) ||
          cgrpc_pb_encode(old, v1, &s.arena,
                          CGRPC_PB_ENCODE_DETERMINISTIC | CGRPC_PB_ENCODE_SKIP_UNKNOWN, &b, &b_len,
                          NULL)) {
        prop_fail(&p, s.label, "DISCARD_UNKNOWN decode or SKIP_UNKNOWN encode failed");
      } else {
        prop_same(&p, s.label, a, a_len, "discarded", b, b_len, "skipped");
      }
    }
    sample_free(&s);
  }
  prop_done(&p);
}

/* ---- shuffle ------------------------------------------------------------ */

static void check_shuffle(prop_t *p, sample_t *s, uint64_t seed) {
  const cgrpc_pb_msg_table_t *t = s->table;
  size_t cap = s->len + 1;
  pbt_record_t *recs = cgrpc_arena_alloc(&s->arena, cap * sizeof *recs);
  long n = pbt_split_records(s->enc, s->len, recs, cap);
  if (n < 0) {
    prop_fail(p, s->label, "our own encoding does not split into fields");
    return;
  }
  uint8_t *shuffled = cgrpc_arena_alloc(&s->arena, cap);
  pbt_rng_t rng;
  pbt_rng_seed(&rng, seed ^ 0x5348554646ull);
  for (int round = 0; round < 3; round++) {
    p->checked++;
    pbt_shuffle_records(&rng, s->enc, recs, (size_t)n, t, shuffled);
    int rc;
    void *m = decode_new(t, shuffled, s->len, &s->arena, 0, &rc);
    if (!m) {
      prop_fail(p, s->label, "shuffled encoding (round %d) does not decode: %s", round,
                cgrpc_pb_strerror(rc));
      return;
    }
    if (!cgrpc_pb_msg_equal(m, s->msg, t)) {
      uint8_t *again;
      size_t again_len;
      cgrpc_pb_encode(m, t, &s->arena, CGRPC_PB_ENCODE_DETERMINISTIC, &again, &again_len, NULL);
      prop_same(p, s->label, again, again_len, "shuffled", s->enc, s->len, "original");
      return;
    }
  }
}

static void test_shuffle(void) {
  prop_t p = {"shuffle", 0, 0};
  for_all_samples(&p, check_shuffle);
}

/* ---- depth_limit -------------------------------------------------------- */

static void check_depth_limit(prop_t *p, sample_t *s, uint64_t seed) {
  (void)seed;
  const cgrpc_pb_msg_table_t *t = s->table;
  int depth = pbt_message_depth(s->msg, t);
  if (depth < 2) return; /* MAX_DEPTH(0) means the default, so depth-1 must be >= 1 */
  p->checked++;
  int rc;
  if (!decode_new(t, s->enc, s->len, &s->arena, CGRPC_PB_DECODE_MAX_DEPTH(depth), &rc)) {
    prop_fail(p, s->label, "depth %d message rejected with limit %d: %s", depth, depth,
              cgrpc_pb_strerror(rc));
    return;
  }
  decode_new(t, s->enc, s->len, &s->arena, CGRPC_PB_DECODE_MAX_DEPTH(depth - 1), &rc);
  if (rc != CGRPC_PB_ERR_TOO_DEEP) {
    prop_fail(p, s->label, "depth %d message with limit %d: got %d (%s), want TOO_DEEP", depth,
              depth - 1, rc, cgrpc_pb_strerror(rc));
  }
}

static void test_depth_limit(void) {
  prop_t p = {"depth_limit", 0, 0};
  for_all_samples(&p, check_depth_limit);
}

/* ---- required ----------------------------------------------------------- */

static void test_required(void) {
  prop_t p = {"required", 0, 0};
  const cgrpc_pb_msg_table_t *t = &pbtest_p2_AllTypes2_table;
  for (uint64_t seed = 0; seed < SEEDS; seed++) {
    sample_t s;
    p.checked++;
    if (!sample_make(&s, t, seed)) {
      prop_fail(&p, s.label, "could not build and encode the random message");
      sample_free(&s);
      continue;
    }
    pbtest_p2_AllTypes2 *m = s.msg;
    /* Take away one required field: top level, or inside a sub-message. */
    if (seed % 2 == 0) {
      m->has_req_int32 = false;
    } else {
      m->req_inner->has_id = false;
    }
    uint8_t *out;
    size_t len;
    int rc = cgrpc_pb_encode(m, t, &s.arena, 0, &out, &len, NULL);
    if (rc != CGRPC_PB_ERR_MISSING_REQUIRED) {
      prop_fail(&p, s.label, "encode without a required field: got %d, want MISSING_REQUIRED", rc);
    } else if (cgrpc_pb_encode(m, t, &s.arena, CGRPC_PB_ENCODE_PARTIAL, &out, &len, NULL)) {
      prop_fail(&p, s.label, "PARTIAL encode without a required field failed");
    } else {
      decode_new(t, out, len, &s.arena, 0, &rc);
      if (rc != CGRPC_PB_ERR_MISSING_REQUIRED) {
        prop_fail(&p, s.label, "decode without a required field: got %d, want MISSING_REQUIRED",
                  rc);
      } else if (!decode_new(t, out, len, &s.arena, CGRPC_PB_DECODE_PARTIAL, &rc)) {
        prop_fail(&p, s.label, "PARTIAL decode without a required field: %s",
                  cgrpc_pb_strerror(rc));
      }
    }
    sample_free(&s);
  }
  prop_done(&p);
}

/* ---- corruption --------------------------------------------------------- */

/* Decodes damaged bytes; must not crash, and must either fail with a known
 * code or produce a message that encodes, decodes and encodes again to the
 * same bytes. A failed decode must leave a message that can be encoded. */
static void check_damaged(prop_t *p, const char *label, const cgrpc_pb_msg_table_t *t,
                          const uint8_t *buf, size_t len, int options) {
  p->checked++;
  cgrpc_arena_t a;
  cgrpc_arena_init(&a, NULL, 0);
  void *m = cgrpc_pb_msg_new(t, &a);
  cgrpc_pb_error_t err = {0};
  int rc = cgrpc_pb_decode(buf, len, m, t, &a, options | CGRPC_PB_DECODE_PARTIAL, &err);
  uint8_t *out;
  size_t out_len;
  int erc = cgrpc_pb_encode(m, t, &a, CGRPC_PB_ENCODE_PARTIAL | CGRPC_PB_ENCODE_DETERMINISTIC, &out,
                            &out_len, NULL);
  if (rc > 0 || rc < CGRPC_PB_ERR_BUFFER_TOO_SMALL) {
    prop_fail(p, label, "decode returned %d, not a cgrpc_pb_code_t", rc);
  } else if (rc != CGRPC_PB_OK && err.code != rc) {
    prop_fail(p, label, "decode returned %d but err.code is %d", rc, err.code);
  } else if (erc != CGRPC_PB_OK) {
    prop_fail(p, label, "encoding what decode left (rc %d) failed: %d", rc, erc);
  } else if (rc == CGRPC_PB_OK) {
    void *back = cgrpc_pb_msg_new(t, &a);
    uint8_t *again;
    size_t again_len;
    int rc2 = cgrpc_pb_decode(out, out_len, back, t, &a, CGRPC_PB_DECODE_PARTIAL, NULL);
    if (rc2 != CGRPC_PB_OK) {
      prop_fail(p, label, "re-decoding the re-encoded message failed: %s", cgrpc_pb_strerror(rc2));
    } else if (!cgrpc_pb_msg_equal(m, back, t)) {
      prop_fail(p, label, "damaged input: decode(encode(m)) != m");
    } else if (cgrpc_pb_encode(back, t, &a, CGRPC_PB_ENCODE_PARTIAL | CGRPC_PB_ENCODE_DETERMINISTIC,
                               &again, &again_len, NULL) == CGRPC_PB_OK) {
      prop_same(p, label, again, again_len, "second", out, out_len, "first");
    }
  }
  cgrpc_arena_free(&a);
}

static void check_corruption(prop_t *p, sample_t *s, uint64_t seed) {
  pbt_rng_t rng;
  pbt_rng_seed(&rng, seed ^ 0xBADB17ull);
  uint8_t *buf = cgrpc_malloc(s->len + 1);
  for (int i = 0; i < CORRUPTIONS_PER_SEED && s->len > 0; i++) {
    char label[200];
    memcpy(buf, s->enc, s->len);
    size_t len = s->len;
    int options = (i & 1) ? CGRPC_PB_DECODE_ALIAS : 0;
    if (i % 4 == 3) options |= CGRPC_PB_DECODE_MAX_DEPTH(1 + pbt_rng_below(&rng, 3));
    if (i % 3 == 0) {
      len = pbt_rng_below(&rng, s->len);
      snprintf(label, sizeof label, "%s truncated to %zu", s->label, len);
    } else {
      int flips = 1 + (int)pbt_rng_below(&rng, 3);
      for (int f = 0; f < flips; f++)
        buf[pbt_rng_below(&rng, len)] ^= (uint8_t)(1u << pbt_rng_below(&rng, 8));
      snprintf(label, sizeof label, "%s with bit flips #%d", s->label, i);
    }
    /* An exact-size heap copy lets ASan see any read past the end. */
    uint8_t *exact = cgrpc_malloc(len ? len : 1);
    memcpy(exact, buf, len);
    check_damaged(p, label, s->table, exact, len, options);
    cgrpc_free(exact);
  }
  cgrpc_free(buf);
}

static void test_corruption(void) {
  prop_t p = {"corruption", 0, 0};
  for_all_samples(&p, check_corruption);
}

int main(void) {
  TEST_RUN(test_roundtrip);
  TEST_RUN(test_alias_copy);
  TEST_RUN(test_msg_copy);
  TEST_RUN(test_equal);
  TEST_RUN(test_evolution);
  TEST_RUN(test_shuffle);
  TEST_RUN(test_depth_limit);
  TEST_RUN(test_required);
  TEST_RUN(test_corruption);
  return TEST_DONE();
}

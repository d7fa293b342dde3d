/* Regression cases for the protobuf engine: fixed inputs that the
 * differential tests or the fuzzers once found handled wrongly, each with the
 * behaviour the reference (protobuf's C++ parser, under Python) shows.
 *
 * The random suites find these again only by chance; here each one runs on
 * every build, says what it checks, and names the bytes involved.
 */
#include "cgrpc/pb.h"
#include "encoding_tools.h"
#include "pbtest_schemas.h"
#include "test.h"

/* Decodes `len` bytes into a fresh AllTypes2 (PARTIAL: the cases leave out
 * the required fields) and returns it, or NULL after recording a failure. */
static pbtest_p2_AllTypes2 *decode_p2(const char *what, const void *buf, size_t len,
                                      cgrpc_arena_t *a) {
  pbtest_p2_AllTypes2 *m = pbtest_p2_AllTypes2_new(a);
  cgrpc_pb_error_t err = {0};
  int rc = pbtest_p2_AllTypes2_decode(buf, len, m, a, CGRPC_PB_DECODE_PARTIAL, &err);
  if (rc != CGRPC_PB_OK) {
    char why[200];
    cgrpc_pb_error_format(&err, why, sizeof why);
    TEST_FAIL_("%s: decode failed: %s", what, why);
    return NULL;
  }
  return m;
}

/* A map entry whose value is not a value of its closed enum: the reference
 * keeps the whole entry, as it arrived, among the parent's unknown fields,
 * and the map does not get the key (found by ref_to_cgrpc, family
 * map-closed-enum-value). */
static void test_closed_enum_map_value_moves_entry_to_unknown(void) {
  /* m_string_mode (field 92) {key: "a" value: 4}; Mode defines 0, 1, 2. */
  static const char entry[] =
      "\xe2\x05\x05\x0a\x01"
      "a"
      "\x10\x04";
  cgrpc_arena_t a;
  cgrpc_arena_init(&a, NULL, 0);
  pbtest_p2_AllTypes2 *m = decode_p2("closed enum map value", entry, sizeof entry - 1, &a);
  if (m) {
    CHECK_EQ_UINT(m->m_string_mode.count, 0);
    CHECK_EQ_MEM(m->_unknown.data, m->_unknown.len, entry, sizeof entry - 1);
    uint8_t *out;
    size_t out_len;
    CHECK_EQ_INT(pbtest_p2_AllTypes2_encode(m, &a, CGRPC_PB_ENCODE_PARTIAL, &out, &out_len, NULL),
                 CGRPC_PB_OK);
    CHECK(pbt_same_bytes("closed enum map value re-encoded", out, out_len, "cgrpc", entry,
                         sizeof entry - 1, "reference"));
  }
  cgrpc_arena_free(&a);
}

/* The same entry with a defined value stays in the map (the control case). */
static void test_closed_enum_map_defined_value_stays(void) {
  static const char entry[] =
      "\xe2\x05\x05\x0a\x01"
      "a"
      "\x10\x02";
  cgrpc_arena_t a;
  cgrpc_arena_init(&a, NULL, 0);
  pbtest_p2_AllTypes2 *m = decode_p2("closed enum map defined value", entry, sizeof entry - 1, &a);
  if (m) {
    CHECK_EQ_UINT(m->m_string_mode.count, 1);
    CHECK_EQ_UINT(m->_unknown.len, 0);
    if (m->m_string_mode.count == 1) {
      CHECK_EQ_INT(m->m_string_mode.data[0]->value, pbtest_p2_MODE_AUTO);
    }
  }
  cgrpc_arena_free(&a);
}

/* A message with no fields (pbtest.p3.Empty, whose table has no field
 * array): decode, encode, size, copy and equality must not touch the missing
 * array. Under UBSan (make check-asan) even computing `fields + 0` from NULL
 * is undefined behaviour; fuzz_pb_roundtrip found it on the empty input. */
static void test_message_without_fields(void) {
  static const char inputs[][8] = {"", "\x08\x01\x12\x00"}; /* nothing; fields 1 and 2 */
  static const size_t lens[] = {0, 4};
  for (size_t i = 0; i < 2; i++) {
    cgrpc_arena_t a;
    cgrpc_arena_init(&a, NULL, 0);
    pbtest_p3_Empty *m = pbtest_p3_Empty_new(&a), copy;
    CHECK_EQ_INT(pbtest_p3_Empty_decode(inputs[i], lens[i], m, &a, 0, NULL), CGRPC_PB_OK);
    CHECK_EQ_MEM(m->_unknown.data, m->_unknown.len, inputs[i], lens[i]);
    uint8_t *out = NULL;
    size_t out_len = 0;
    CHECK_EQ_INT(pbtest_p3_Empty_encode(m, &a, 0, &out, &out_len, NULL), CGRPC_PB_OK);
    CHECK_EQ_MEM(out, out_len, inputs[i], lens[i]);
    CHECK_EQ_UINT(pbtest_p3_Empty_encoded_size(m, 0), lens[i]);
    CHECK_EQ_INT(cgrpc_pb_msg_copy(&copy, m, &pbtest_p3_Empty_table, &a), CGRPC_PB_OK);
    CHECK(cgrpc_pb_msg_equal(&copy, m, &pbtest_p3_Empty_table));
    cgrpc_arena_free(&a);
  }
}

int main(void) {
  TEST_RUN(test_closed_enum_map_value_moves_entry_to_unknown);
  TEST_RUN(test_closed_enum_map_defined_value_stays);
  TEST_RUN(test_message_without_fields);
  return TEST_DONE();
}

/* Wire primitives: varint sizes and round trips at every 7-bit boundary,
 * the 10-byte limit, backwards writing, zigzag, and the short-copy helper. */
#include "pb/wire.h"
#include "test.h"

static void test_varint_round_trip_at_boundaries(void) {
  for (int bits = 0; bits <= 64; bits++) {
    uint64_t vals[3] = {bits ? (uint64_t)1 << (bits - 1) : 0, 0, 0};
    vals[1] = bits == 64 ? UINT64_MAX : (((uint64_t)1 << bits) - 1);
    vals[2] = vals[0] + 1;
    for (int k = 0; k < 3; k++) {
      uint64_t v = vals[k];
      char buf[16];
      char *end = cgrpc_pb_write_varint(buf, v);
      size_t n = (size_t)(end - buf);
      CHECK_EQ_UINT(n, cgrpc_pb_varint_size(v));
      uint64_t got = 0;
      CHECK(cgrpc_pb_read_varint(buf, end, &got) == end);
      CHECK_EQ_UINT(got, v);
      /* With more bytes after it (another path for up to 8-byte varints). */
      memset(end, 0xff, (size_t)(buf + sizeof buf - end));
      got = 0;
      CHECK(cgrpc_pb_read_varint(buf, buf + sizeof buf, &got) == end);
      CHECK_EQ_UINT(got, v);
      /* Written backwards, the same bytes end where asked. */
      char back[16];
      char *start = cgrpc_pb_write_varint_before(back + 16, v);
      CHECK_EQ_MEM(start, back + 16 - start, buf, n);
      /* Every shorter prefix is incomplete. */
      for (size_t cut = 0; cut < n; cut++)
        CHECK(cgrpc_pb_read_varint(buf, buf + cut, &got) == NULL);
    }
  }
  CHECK_EQ_UINT(cgrpc_pb_varint_size(0), 1);
  CHECK_EQ_UINT(cgrpc_pb_varint_size(127), 1);
  CHECK_EQ_UINT(cgrpc_pb_varint_size(128), 2);
  CHECK_EQ_UINT(cgrpc_pb_varint_size(UINT64_MAX), 10);
}

static void test_varint_limits(void) {
  /* Ten bytes is the most; the tenth byte's extra bits are dropped, as
   * protobuf does. An eleventh byte is an error. */
  static const char ten[] = "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f";
  uint64_t v;
  CHECK(cgrpc_pb_read_varint(ten, ten + 10, &v) == ten + 10);
  CHECK_EQ_UINT(v, UINT64_MAX);
  static const char eleven[] = "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01";
  CHECK(cgrpc_pb_read_varint(eleven, eleven + 11, &v) == NULL);
  /* Non-canonical padding is accepted. */
  static const char padded[] = "\x81\x80\x80\x00";
  CHECK(cgrpc_pb_read_varint(padded, padded + 4, &v) == padded + 4);
  CHECK_EQ_UINT(v, 1);
}

static void test_zigzag(void) {
  CHECK_EQ_UINT(cgrpc_pb_zigzag_encode32(0), 0);
  CHECK_EQ_UINT(cgrpc_pb_zigzag_encode32(-1), 1);
  CHECK_EQ_UINT(cgrpc_pb_zigzag_encode32(1), 2);
  CHECK_EQ_UINT(cgrpc_pb_zigzag_encode32(INT32_MAX), 0xfffffffeu);
  CHECK_EQ_UINT(cgrpc_pb_zigzag_encode32(INT32_MIN), 0xffffffffu);
  CHECK_EQ_UINT(cgrpc_pb_zigzag_encode64(INT64_MIN), UINT64_MAX);
  int32_t v32[] = {0, 1, -1, 12345, -12345, INT32_MAX, INT32_MIN};
  for (size_t i = 0; i < sizeof v32 / sizeof v32[0]; i++) {
    CHECK_EQ_INT(cgrpc_pb_zigzag_decode32(cgrpc_pb_zigzag_encode32(v32[i])), v32[i]);
  }
  int64_t v64[] = {0, 1, -1, INT64_MAX, INT64_MIN, -4294967296LL};
  for (size_t i = 0; i < sizeof v64 / sizeof v64[0]; i++) {
    CHECK(cgrpc_pb_zigzag_decode64(cgrpc_pb_zigzag_encode64(v64[i])) == v64[i]);
  }
}

static void test_copy_every_short_length(void) {
  char src[80], dst[80];
  for (size_t i = 0; i < sizeof src; i++) src[i] = (char)(i * 7 + 1);
  for (size_t n = 0; n <= 70; n++) {
    memset(dst, 0, sizeof dst);
    cgrpc_pb_copy(dst + 3, src + 5, n);
    CHECK_EQ_MEM(dst + 3, n, src + 5, n);
    /* Nothing outside the n bytes is touched. */
    CHECK(dst[2] == 0 && dst[3 + n] == 0);
  }
}

int main(void) {
  TEST_RUN(test_varint_round_trip_at_boundaries);
  TEST_RUN(test_varint_limits);
  TEST_RUN(test_zigzag);
  TEST_RUN(test_copy_every_short_length);
  return TEST_DONE();
}

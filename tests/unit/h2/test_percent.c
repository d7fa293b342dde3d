/* grpc-message percent-encoding: what gets escaped, round trips, lenient
 * decoding of malformed escapes. */
#include "h2/percent.h"

#include <stdlib.h>
#include <string.h>

#include "test.h"

/* Encodes `len` bytes and checks the result against `want`. */
static void check_encode(const char *src, size_t len, const char *want) {
  char out[256];
  size_t need = cgrpc_percent_encoded_len((const uint8_t *)src, len);
  CHECK_EQ_UINT(need, strlen(want));
  size_t got = cgrpc_percent_encode((const uint8_t *)src, len, out);
  CHECK_EQ_MEM(out, got, want, strlen(want));
}

static void check_decode(const char *src, const char *want, size_t want_len) {
  uint8_t out[256];
  size_t got = cgrpc_percent_decode(src, strlen(src), out);
  CHECK_EQ_MEM(out, got, want, want_len);
}

static void test_printable_ascii_is_left_alone(void) {
  const char *msg = "test status message: ok (42) ~!@#$^&*";
  CHECK_EQ_UINT(cgrpc_percent_encoded_len((const uint8_t *)msg, strlen(msg)), strlen(msg));
  check_encode(msg, strlen(msg), msg);
  check_encode("", 0, "");
}

static void test_escapes_percent_controls_and_high_bytes(void) {
  check_encode("100%", 4, "100%25");
  check_encode("\x00", 1, "%00");
  check_encode("\x1f\x20\x7e\x7f", 4, "%1F ~%7F");
  check_encode("\x80\xff", 2, "%80%FF");
  check_encode("a\r\nb", 4, "a%0D%0Ab");
}

static void test_every_byte_value(void) {
  for (int c = 0; c < 256; c++) {
    uint8_t in = (uint8_t)c;
    char enc[3];
    size_t n = cgrpc_percent_encode(&in, 1, enc);
    int escaped = c < 0x20 || c > 0x7e || c == '%';
    CHECK_EQ_UINT(n, escaped ? 3 : 1);
    CHECK_EQ_UINT(cgrpc_percent_encoded_len(&in, 1), n);
    uint8_t dec[3];
    CHECK_EQ_UINT(cgrpc_percent_decode(enc, n, dec), 1);
    CHECK_EQ_UINT(dec[0], c);
  }
}

/* The interop test "special_status_message" expects this back byte for byte. */
static void test_interop_special_status_message(void) {
  const char *msg =
      "\t\ntest with whitespace\r\nand Unicode BMP \xE2\x98\xBA and non-BMP "
      "\xF0\x9F\x98\x88\t\n";
  const char *wire =
      "%09%0Atest with whitespace%0D%0Aand Unicode BMP %E2%98%BA and non-BMP "
      "%F0%9F%98%88%09%0A";
  check_encode(msg, strlen(msg), wire);
  check_decode(wire, msg, strlen(msg));
}

static void test_decode_accepts_lower_case_hex(void) {
  check_decode("%e2%98%ba", "\xE2\x98\xBA", 3);
  check_decode("%4a%4A", "JJ", 2);
}

static void test_decode_leaves_bad_escapes_alone(void) {
  check_decode("%", "%", 1);
  check_decode("100%", "100%", 4);
  check_decode("%4", "%4", 2);
  check_decode("%zz", "%zz", 3);
  check_decode("%4g%41", "%4gA", 4);
  check_decode("%%41", "%A", 2);
  check_decode("%%", "%%", 2);
  check_decode("a%2", "a%2", 3);
}

static void test_decode_in_place(void) {
  char buf[] = "a%20b%25c";
  size_t n = cgrpc_percent_decode(buf, strlen(buf), (uint8_t *)buf);
  CHECK_EQ_MEM(buf, n, "a b%c", 5);
}

static void test_random_round_trips(void) {
  srand(7);
  for (int round = 0; round < 2000; round++) {
    uint8_t in[64], dec[64 * 3];
    char enc[64 * 3];
    size_t len = (size_t)(rand() % 64);
    for (size_t i = 0; i < len; i++) in[i] = (uint8_t)rand();
    size_t n = cgrpc_percent_encode(in, len, enc);
    CHECK_EQ_UINT(n, cgrpc_percent_encoded_len(in, len));
    for (size_t i = 0; i < n; i++) CHECK(enc[i] >= 0x20 && enc[i] <= 0x7e);
    size_t m = cgrpc_percent_decode(enc, n, dec);
    CHECK_EQ_MEM(dec, m, in, len);
  }
}

int main(void) {
  TEST_RUN(test_printable_ascii_is_left_alone);
  TEST_RUN(test_escapes_percent_controls_and_high_bytes);
  TEST_RUN(test_every_byte_value);
  TEST_RUN(test_interop_special_status_message);
  TEST_RUN(test_decode_accepts_lower_case_hex);
  TEST_RUN(test_decode_leaves_bad_escapes_alone);
  TEST_RUN(test_decode_in_place);
  TEST_RUN(test_random_round_trips);
  return TEST_DONE();
}

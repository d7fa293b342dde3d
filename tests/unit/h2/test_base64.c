/* Base64 for -bin metadata: RFC 4648 vectors, padded and unpadded input,
 * comma-joined values, and invalid input. */
#include "h2/base64.h"

#include <stdlib.h>
#include <string.h>

#include "h2/value_list.h"
#include "test.h"

static const struct {
  const char *raw, *padded, *unpadded;
} kVectors[] = {
    /* RFC 4648 §10 */
    {"", "", ""},
    {"f", "Zg==", "Zg"},
    {"fo", "Zm8=", "Zm8"},
    {"foo", "Zm9v", "Zm9v"},
    {"foob", "Zm9vYg==", "Zm9vYg"},
    {"fooba", "Zm9vYmE=", "Zm9vYmE"},
    {"foobar", "Zm9vYmFy", "Zm9vYmFy"},
    /* both non-letter characters of the alphabet */
    {"\xfb\xff\xbf", "+/+/", "+/+/"},
    {"\xab\xab\xab", "q6ur", "q6ur"},
};

static void check_decodes(const char *b64, const char *want, size_t want_len) {
  uint8_t out[64];
  size_t n = 999;
  cgrpc_wire_error_t err = {0};
  CHECK(cgrpc_base64_decoded_max_len(strlen(b64)) >= want_len);
  CHECK_EQ_INT(cgrpc_base64_decode(b64, strlen(b64), out, &n, &err), CGRPC_STATUS_OK);
  CHECK_EQ_MEM(out, n, want, want_len);
}

static void test_rfc4648_encode_is_unpadded(void) {
  for (size_t i = 0; i < sizeof kVectors / sizeof kVectors[0]; i++) {
    const char *raw = kVectors[i].raw;
    size_t len = strlen(raw);
    char out[64];
    CHECK_EQ_UINT(cgrpc_base64_encoded_len(len), strlen(kVectors[i].unpadded));
    size_t n = cgrpc_base64_encode((const uint8_t *)raw, len, out);
    CHECK_EQ_MEM(out, n, kVectors[i].unpadded, strlen(kVectors[i].unpadded));
  }
}

static void test_rfc4648_decode_padded_and_unpadded(void) {
  for (size_t i = 0; i < sizeof kVectors / sizeof kVectors[0]; i++) {
    check_decodes(kVectors[i].padded, kVectors[i].raw, strlen(kVectors[i].raw));
    check_decodes(kVectors[i].unpadded, kVectors[i].raw, strlen(kVectors[i].raw));
  }
}

static void test_leftover_bits_are_ignored(void) {
  check_decodes("Zh", "f", 1); /* 'h' sets bits below the last whole byte */
  check_decodes("Zm9=", "fo", 2);
}

static void test_comma_joined_values_decode_to_pieces(void) {
  /* Two "-bin" headers joined by a proxy: one padded, one not, and spaces. */
  const char *joined = "Zm9vYg==, YmFy,AAEC";
  const char *want[] = {"foob", "bar", "\x00\x01\x02"};
  size_t want_len[] = {4, 3, 3};
  cgrpc_value_list_t list;
  const char *elem;
  size_t elem_len, pieces = 0;
  cgrpc_value_list_init(&list, joined, strlen(joined));
  while (cgrpc_value_list_next(&list, &elem, &elem_len)) {
    uint8_t out[16];
    size_t n;
    CHECK(pieces < 3);
    if (pieces >= 3) break;
    CHECK_EQ_INT(cgrpc_base64_decode(elem, elem_len, out, &n, NULL), CGRPC_STATUS_OK);
    CHECK_EQ_MEM(out, n, want[pieces], want_len[pieces]);
    pieces++;
  }
  CHECK_EQ_UINT(pieces, 3);
}

static void check_invalid(const char *b64, size_t len, const char *why) {
  uint8_t out[64];
  size_t n = 77;
  cgrpc_wire_error_t err = {0};
  CHECK_EQ_INT(cgrpc_base64_decode(b64, len, out, &n, &err), CGRPC_STATUS_INTERNAL);
  CHECK_EQ_INT(err.code, CGRPC_STATUS_INTERNAL);
  CHECK(strstr(err.message, why) != NULL);
  if (!strstr(err.message, why)) fprintf(stderr, "    message: %s\n", err.message);
  CHECK_EQ_UINT(n, 77);
}

static void test_invalid_input_is_rejected(void) {
  check_invalid("Z", 1, "dangling");
  check_invalid("Zm9vY", 5, "dangling");
  check_invalid("Zg=", 3, "'=' at offset 2"); /* incomplete padding */
  check_invalid("Zg===", 5, "'=' at offset 2");
  check_invalid("Z===", 4, "'=' at offset 1");
  check_invalid("====", 4, "'=' at offset 0");
  check_invalid("Zg==Zg==", 8, "'=' at offset 2"); /* padding mid-value */
  check_invalid("Zm9v!", 5, "'!' at offset 4");
  check_invalid("Zm 9v", 5, "byte 0x20 at offset 2");
  check_invalid("Zm9v\n", 5, "byte 0x0a at offset 4");
  check_invalid("Zm-_", 4, "'-' at offset 2");  /* URL-safe alphabet */
  check_invalid("Zg,Zg", 5, "',' at offset 2"); /* lists must be split first */
  check_invalid("Zm9\xff", 4, "byte 0xff at offset 3");
  check_invalid("Zm9v\0", 5, "byte 0x00 at offset 4");
}

static void test_random_round_trips(void) {
  srand(11);
  for (int round = 0; round < 3000; round++) {
    uint8_t in[80], dec[80];
    char enc[120];
    size_t len = (size_t)(rand() % 80);
    for (size_t i = 0; i < len; i++) in[i] = (uint8_t)rand();
    size_t n = cgrpc_base64_encode(in, len, enc);
    CHECK_EQ_UINT(n, cgrpc_base64_encoded_len(len));
    CHECK(cgrpc_base64_decoded_max_len(n) == len);
    size_t m = 0;
    CHECK_EQ_INT(cgrpc_base64_decode(enc, n, dec, &m, NULL), CGRPC_STATUS_OK);
    CHECK_EQ_MEM(dec, m, in, len);
  }
}

int main(void) {
  TEST_RUN(test_rfc4648_encode_is_unpadded);
  TEST_RUN(test_rfc4648_decode_padded_and_unpadded);
  TEST_RUN(test_leftover_bits_are_ignored);
  TEST_RUN(test_comma_joined_values_decode_to_pieces);
  TEST_RUN(test_invalid_input_is_rejected);
  TEST_RUN(test_random_round_trips);
  return TEST_DONE();
}

/* Tests for web/b64.h: gRPC-Web text's base64, split anywhere, padded
 * groups inside the stream, and refusals. */
#include <string.h>

#include "test.h"
#include "web/b64.h"

static void test_round_trip_any_split(void) {
  const uint8_t src[] = {0, 1, 2, 250, 251, 252, 253, 254, 255, 'a', 'b'};
  for (size_t len = 0; len <= sizeof src; len++) {
    cgrpc_web_buf_t enc = {0}, dec = {0};
    CHECK(cgrpc_web_b64_encode(src, len, &enc));
    CHECK_EQ_UINT(enc.len, (len + 2) / 3 * 4);
    for (size_t step = 1; step <= enc.len + 1; step++) {
      cgrpc_web_b64_t st = {{0}, 0};
      dec.len = 0;
      bool oom;
      for (size_t off = 0; off < enc.len; off += step) {
        size_t n = enc.len - off < step ? enc.len - off : step;
        CHECK(cgrpc_web_b64_decode(&st, enc.data + off, n, &dec, &oom));
      }
      CHECK(cgrpc_web_b64_complete(&st));
      CHECK_EQ_MEM(dec.data, dec.len, src, len);
    }
    cgrpc_web_buf_free(&enc);
    cgrpc_web_buf_free(&dec);
  }
}

static void test_concatenated_padded_groups(void) {
  cgrpc_web_b64_t st = {{0}, 0};
  cgrpc_web_buf_t out = {0};
  bool oom;
  const char *in = "YQ==Yg==\r\nYWJj";
  CHECK(cgrpc_web_b64_decode(&st, (const uint8_t *)in, strlen(in), &out, &oom));
  CHECK_EQ_MEM(out.data, out.len, "ababc", 5);
  cgrpc_web_buf_free(&out);
}

static void test_refusals(void) {
  const char *bad[] = {"YQ=a", "=AAA", "Y!==", "A=AA"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    cgrpc_web_b64_t st = {{0}, 0};
    cgrpc_web_buf_t out = {0};
    bool oom = true;
    CHECK(!cgrpc_web_b64_decode(&st, (const uint8_t *)bad[i], strlen(bad[i]), &out, &oom));
    CHECK(!oom);
    cgrpc_web_buf_free(&out);
  }
  cgrpc_web_b64_t st = {{0}, 0};
  cgrpc_web_buf_t out = {0};
  bool oom;
  CHECK(cgrpc_web_b64_decode(&st, (const uint8_t *)"YWJ", 3, &out, &oom));
  CHECK(!cgrpc_web_b64_complete(&st)); /* a group cut off */
  cgrpc_web_buf_free(&out);
}

int main(void) {
  TEST_RUN(test_round_trip_any_split);
  TEST_RUN(test_concatenated_padded_groups);
  TEST_RUN(test_refusals);
  return TEST_DONE();
}

/* UTF-8 validation: every boundary of Unicode Table 3-7, overlongs,
 * surrogates, values past U+10FFFF, truncated sequences, and the position
 * reported across the eight-byte ASCII fast path. */
#include <stdbool.h>

#include "pb/utf8.h"
#include "test.h"

static bool valid(const char *s, size_t n) { return cgrpc_utf8_validate(s, n, NULL); }

/* Invalid at `at`; also after ASCII prefixes of every length up to 20, so
 * the bad byte sits at every position relative to the 8-byte words. */
static void expect_bad(const char *s, size_t n, size_t at) {
  char buf[64];
  for (size_t prefix = 0; prefix <= 20; prefix++) {
    memset(buf, 'a', prefix);
    memcpy(buf + prefix, s, n);
    size_t bad = 12345;
    bool ok = cgrpc_utf8_validate(buf, prefix + n, &bad);
    if (ok || bad != prefix + at) {
      TEST_FAIL_("prefix %zu: valid=%d bad=%zu, want invalid at %zu", prefix, ok, bad, prefix + at);
      return;
    }
  }
}

#define GOOD(lit) CHECK(valid(lit, sizeof(lit) - 1))
#define BAD(lit, at) expect_bad(lit, sizeof(lit) - 1, at)

static void test_valid_boundaries(void) {
  GOOD("");
  GOOD("plain ascii that is longer than eight bytes, with \x01 and \x7f");
  GOOD("\xc2\x80");         /* U+0080 */
  GOOD("\xdf\xbf");         /* U+07FF */
  GOOD("\xe0\xa0\x80");     /* U+0800 */
  GOOD("\xed\x9f\xbf");     /* U+D7FF, just below the surrogates */
  GOOD("\xee\x80\x80");     /* U+E000, just above them */
  GOOD("\xef\xbf\xbf");     /* U+FFFF */
  GOOD("\xf0\x90\x80\x80"); /* U+10000 */
  GOOD("\xf4\x8f\xbf\xbf"); /* U+10FFFF */
  GOOD("h\xc3\xa9llo w\xc3\xb6rld \xe2\x82\xac \xf0\x9f\x98\x80 done");
  char zeros[3] = {0, 0, 0};
  CHECK(valid(zeros, 3)); /* NUL is a valid character */
}

static void test_invalid_sequences(void) {
  BAD("\x80", 0); /* lone continuation */
  BAD("\xbf", 0);
  BAD("\xc0\x80", 0);         /* overlong NUL */
  BAD("\xc1\xbf", 0);         /* overlong */
  BAD("\xe0\x9f\xbf", 0);     /* overlong U+07FF */
  BAD("\xed\xa0\x80", 0);     /* U+D800 */
  BAD("\xed\xbf\xbf", 0);     /* U+DFFF */
  BAD("\xf0\x8f\xbf\xbf", 0); /* overlong U+FFFF */
  BAD("\xf4\x90\x80\x80", 0); /* U+110000 */
  BAD("\xf5\x80\x80\x80", 0);
  BAD("\xff", 0);
  BAD("\xfe", 0);
  BAD("\xc2", 0); /* truncated at the end */
  BAD("\xe2\x82", 0);
  BAD("\xf0\x9f\x98", 0);
  BAD("\xe2\x28\xa1", 0);     /* bad second byte */
  BAD("\xe2\x82\x28", 0);     /* bad third byte */
  BAD("\xf0\x9f\x98\x28", 0); /* bad fourth byte */
  BAD("ok\xc3\xa9\x80", 4);   /* stray continuation after a good pair */
  BAD("\xe2\x82\xac\xed\xa0\x80", 3);
}

static void test_long_strings(void) {
  char buf[1000];
  memset(buf, 'x', sizeof buf);
  CHECK(valid(buf, sizeof buf));
  buf[999] = (char)0x80;
  size_t bad = 0;
  CHECK(!cgrpc_utf8_validate(buf, sizeof buf, &bad));
  CHECK_EQ_UINT(bad, 999);
  /* Mixed: a two-byte character every 7 bytes. */
  for (size_t i = 0; i + 1 < sizeof buf; i += 7) {
    buf[i] = (char)0xc3;
    buf[i + 1] = (char)0xa9;
  }
  buf[999] = 'x';
  CHECK(valid(buf, sizeof buf));
}

int main(void) {
  TEST_RUN(test_valid_boundaries);
  TEST_RUN(test_invalid_sequences);
  TEST_RUN(test_long_strings);
  return TEST_DONE();
}

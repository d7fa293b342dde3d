/* Tests for http1/parser.h: request heads (limits, strictness, the derived
 * framing and connection fields) and chunked bodies split anywhere. */
#include <stdio.h>
#include <string.h>

#include "http1/parser.h"
#include "test.h"

static cgrpc_http1_result_t parse(const char *text, size_t max, cgrpc_http1_head_t *h,
                                  size_t *used) {
  size_t scanned = 0;
  const char *why;
  return cgrpc_http1_head_parse((const uint8_t *)text, strlen(text), max, &scanned, h, used, &why);
}

static bool str_is(cgrpc_str_t s, const char *lit) {
  return s.len == strlen(lit) && memcmp(s.data, lit, s.len) == 0;
}

static void test_simple_head(void) {
  static cgrpc_http1_head_t h;
  size_t used;
  const char *req =
      "POST /a/b?x=1 HTTP/1.1\r\nHost: example\r\nContent-Length: 12\r\n"
      "X-Thing:  spaced value \t\r\n\r\nBODY";
  CHECK_EQ_INT(parse(req, 4096, &h, &used), CGRPC_HTTP1_DONE);
  CHECK_EQ_UINT(used, strlen(req) - 4);
  CHECK(str_is(h.method, "POST"));
  CHECK(str_is(h.target, "/a/b?x=1"));
  CHECK_EQ_INT(h.minor, 1);
  CHECK(str_is(h.host, "example"));
  CHECK_EQ_INT((int)h.content_length, 12);
  CHECK(!h.chunked);
  CHECK(h.keep_alive);
  CHECK_EQ_UINT(h.field_count, 3);
  CHECK(cgrpc_http1_name_is(h.fields[2].name, "x-thing"));
  CHECK(str_is(h.fields[2].value, "spaced value"));
}

static void test_need_more_then_done(void) {
  static cgrpc_http1_head_t h;
  const char *req = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  size_t scanned = 0, used = 0;
  const char *why;
  for (size_t n = 0; n < strlen(req); n++) {
    CHECK_EQ_INT(cgrpc_http1_head_parse((const uint8_t *)req, n, 1024, &scanned, &h, &used, &why),
                 CGRPC_HTTP1_NEED_MORE);
  }
  CHECK_EQ_INT(
      cgrpc_http1_head_parse((const uint8_t *)req, strlen(req), 1024, &scanned, &h, &used, &why),
      CGRPC_HTTP1_DONE);
  CHECK_EQ_UINT(used, strlen(req));
}

static void test_connection_fields(void) {
  static cgrpc_http1_head_t h;
  size_t used;
  CHECK_EQ_INT(
      parse("GET / HTTP/1.1\r\nHost: x\r\nConnection: Keep-Alive, CLOSE\r\n\r\n", 1024, &h, &used),
      CGRPC_HTTP1_DONE);
  CHECK(!h.keep_alive);
  CHECK_EQ_INT(parse("GET / HTTP/1.0\r\n\r\n", 1024, &h, &used), CGRPC_HTTP1_DONE);
  CHECK(!h.keep_alive);
  CHECK_EQ_INT(parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", 1024, &h, &used),
               CGRPC_HTTP1_DONE);
  CHECK(h.keep_alive);
  CHECK_EQ_INT(parse("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n"
                     "Expect: 100-continue\r\n\r\n",
                     1024, &h, &used),
               CGRPC_HTTP1_DONE);
  CHECK(h.chunked && h.expect_continue && h.content_length == -1);
  /* Repeated equal Content-Length is one length. */
  CHECK_EQ_INT(parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n",
                     1024, &h, &used),
               CGRPC_HTTP1_DONE);
  CHECK_EQ_INT((int)h.content_length, 3);
}

static void test_errors(void) {
  static cgrpc_http1_head_t h;
  size_t used;
  static const struct {
    const char *req;
    cgrpc_http1_result_t want;
  } cases[] = {
      {"GET  / HTTP/1.1\r\nHost: x\r\n\r\n", CGRPC_HTTP1_BAD},
      {"GET / HTTP/1.1 \r\nHost: x\r\n\r\n", CGRPC_HTTP1_BAD},
      {"G(T / HTTP/1.1\r\nHost: x\r\n\r\n", CGRPC_HTTP1_BAD},
      {"GET / HTTP/2.0\r\nHost: x\r\n\r\n", CGRPC_HTTP1_BAD_VERSION},
      {"GET / HTTP/1.2\r\nHost: x\r\n\r\n", CGRPC_HTTP1_BAD_VERSION},
      {"GET / FTP/1.1\r\nHost: x\r\n\r\n", CGRPC_HTTP1_BAD},
      {"GET / HTTP/1.1\r\n\r\n", CGRPC_HTTP1_BAD},                       /* no Host */
      {"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", CGRPC_HTTP1_BAD}, /* two */
      {"GET / HTTP/1.1\r\nHost : x\r\n\r\n", CGRPC_HTTP1_BAD},           /* space before : */
      {"GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", CGRPC_HTTP1_BAD}, /* obs-fold */
      {"GET / HTTP/1.1\r\nHost: x\x01y\r\n\r\n", CGRPC_HTTP1_BAD},       /* control byte */
      {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
       CGRPC_HTTP1_BAD},
      {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", CGRPC_HTTP1_BAD},
      {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n",
       CGRPC_HTTP1_BAD},
      {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
       CGRPC_HTTP1_BAD},
      {"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
       CGRPC_HTTP1_NOT_IMPLEMENTED},
      {"POST / HTTP/1.1\r\nHost: x\r\nExpect: something\r\n\r\n", CGRPC_HTTP1_BAD},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    cgrpc_http1_result_t got = parse(cases[i].req, 4096, &h, &used);
    if (got != cases[i].want) fprintf(stderr, "case %zu: %s\n", i, cases[i].req);
    CHECK_EQ_INT(got, cases[i].want);
  }
}

static void test_limits(void) {
  static cgrpc_http1_head_t h;
  size_t used;
  char big[600];
  memset(big, 'a', sizeof big);
  char req[800];
  snprintf(req, sizeof req, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: %.*s\r\n\r\n", (int)sizeof big,
           big);
  CHECK_EQ_INT(parse(req, 256, &h, &used), CGRPC_HTTP1_TOO_LARGE);
  CHECK_EQ_INT(parse(req, 1024, &h, &used), CGRPC_HTTP1_DONE);
  /* Over the limit without an end in sight is refused at once. */
  CHECK_EQ_INT(
      parse("GET / HTTP/1.1\r\nHost: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 32, &h, &used),
      CGRPC_HTTP1_TOO_LARGE);
  /* Too many fields. */
  char many[4096] = "GET / HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < CGRPC_HTTP1_MAX_HEADERS; i++) strcat(many, "a: b\r\n");
  strcat(many, "\r\n");
  CHECK_EQ_INT(parse(many, sizeof many, &h, &used), CGRPC_HTTP1_TOO_LARGE);
}

/* Decodes `in` split into pieces of `step` bytes; returns the body. */
static cgrpc_http1_result_t dechunk(const char *in, size_t step, char *body, size_t *body_len,
                                    size_t *rest) {
  cgrpc_http1_chunked_t d;
  memset(&d, 0, sizeof d);
  size_t total = strlen(in), off = 0;
  *body_len = 0;
  while (off < total) {
    size_t n = total - off < step ? total - off : step;
    const uint8_t *p = (const uint8_t *)in + off;
    size_t len = n;
    for (;;) {
      const uint8_t *data;
      size_t dlen;
      const char *why;
      cgrpc_http1_result_t r = cgrpc_http1_chunked_next(&d, &p, &len, &data, &dlen, &why);
      if (dlen) memcpy(body + *body_len, data, dlen); /* data may be NULL when empty */
      *body_len += dlen;
      if (r == CGRPC_HTTP1_BAD) return r;
      if (r == CGRPC_HTTP1_DONE) {
        *rest = total - (off + (n - len));
        return r;
      }
      if (dlen == 0) break;
    }
    off += n;
  }
  return CGRPC_HTTP1_NEED_MORE;
}

static void test_chunked_any_split(void) {
  const char *in = "5\r\nhello\r\n1;ext=1\r\n \r\nA\r\n0123456789\r\n0\r\nTrailer: x\r\n\r\nNEXT";
  for (size_t step = 1; step <= strlen(in); step++) {
    char body[64];
    size_t len, rest = 0;
    CHECK_EQ_INT(dechunk(in, step, body, &len, &rest), CGRPC_HTTP1_DONE);
    CHECK_EQ_MEM(body, len, "hello 0123456789", 16);
    CHECK_EQ_UINT(rest, 4);
  }
}

static void test_chunked_errors(void) {
  const char *bad[] = {"x\r\n",
                       "5\r\nhelloX\r\n",
                       "\r\n",
                       "fffffffffffffffff\r\n",
                       "0\r\nbad\x01trailer\r\n\r\n",
                       "5;\x01\r\n"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char body[64];
    size_t len, rest;
    CHECK_EQ_INT(dechunk(bad[i], 64, body, &len, &rest), CGRPC_HTTP1_BAD);
  }
}

static void test_reasons(void) {
  CHECK_EQ_STR(cgrpc_http1_reason(413), "Content Too Large");
  CHECK_EQ_STR(cgrpc_http1_reason(431), "Request Header Fields Too Large");
  CHECK_EQ_STR(cgrpc_http1_reason(299), "");
}

int main(void) {
  TEST_RUN(test_simple_head);
  TEST_RUN(test_need_more_then_done);
  TEST_RUN(test_connection_fields);
  TEST_RUN(test_errors);
  TEST_RUN(test_limits);
  TEST_RUN(test_chunked_any_split);
  TEST_RUN(test_chunked_errors);
  TEST_RUN(test_reasons);
  return TEST_DONE();
}

/* Pieces of the Connect protocol and the static file route that need no
 * server: Connect code names and HTTP statuses, the error JSON with
 * details, and the static route's path checks, content types and dates. */
#include "test.h"
#include "web/connect.h"
#include "web/static_files.h"

static void test_connect_codes(void) {
  static const struct {
    cgrpc_status_code_t code;
    const char *name;
    int http;
  } want[] = {
      {CGRPC_STATUS_CANCELLED, "canceled", 499},
      {CGRPC_STATUS_UNKNOWN, "unknown", 500},
      {CGRPC_STATUS_INVALID_ARGUMENT, "invalid_argument", 400},
      {CGRPC_STATUS_DEADLINE_EXCEEDED, "deadline_exceeded", 504},
      {CGRPC_STATUS_NOT_FOUND, "not_found", 404},
      {CGRPC_STATUS_ALREADY_EXISTS, "already_exists", 409},
      {CGRPC_STATUS_PERMISSION_DENIED, "permission_denied", 403},
      {CGRPC_STATUS_RESOURCE_EXHAUSTED, "resource_exhausted", 429},
      {CGRPC_STATUS_FAILED_PRECONDITION, "failed_precondition", 400},
      {CGRPC_STATUS_ABORTED, "aborted", 409},
      {CGRPC_STATUS_OUT_OF_RANGE, "out_of_range", 400},
      {CGRPC_STATUS_UNIMPLEMENTED, "unimplemented", 501},
      {CGRPC_STATUS_INTERNAL, "internal", 500},
      {CGRPC_STATUS_UNAVAILABLE, "unavailable", 503},
      {CGRPC_STATUS_DATA_LOSS, "data_loss", 500},
      {CGRPC_STATUS_UNAUTHENTICATED, "unauthenticated", 401},
  };
  for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
    CHECK_EQ_STR(connect_code_name(want[i].code), want[i].name);
    CHECK_EQ_INT(connect_http_status(want[i].code), want[i].http);
  }
  CHECK_EQ_STR(connect_code_name((cgrpc_status_code_t)99), "unknown");
}

static void test_connect_error_json(void) {
  cgrpc_web_buf_t b = {0};
  CHECK(connect_error_json(CGRPC_STATUS_NOT_FOUND, (cgrpc_str_t){"no \"x\"", 6}, NULL, &b));
  const char nf[] = "{\"code\":\"not_found\",\"message\":\"no \\\"x\\\"\"}";
  CHECK_EQ_MEM(b.data, b.len, nf, sizeof nf - 1);
  b.len = 0;
  CHECK(connect_error_json(CGRPC_STATUS_INTERNAL, (cgrpc_str_t){NULL, 0}, NULL, &b));
  CHECK_EQ_MEM(b.data, b.len, "{\"code\":\"internal\"}", 19);
  /* google.rpc.Status{code 9, details [Any{type_url "type.googleapis.com/a.B", value "\x08\x01"}]}
   */
  static const char status[] = "\x08\x09\x1a\x1d\x0a\x17type.googleapis.com/a.B\x12\x02\x08\x01";
  cgrpc_metadata_entry_t e = {{"grpc-status-details-bin", 23}, {status, sizeof status - 1}};
  cgrpc_metadata_t md = {.entries = &e, .count = 1};
  b.len = 0;
  CHECK(connect_error_json(CGRPC_STATUS_FAILED_PRECONDITION, (cgrpc_str_t){"m", 1}, &md, &b));
  const char want[] =
      "{\"code\":\"failed_precondition\",\"message\":\"m\","
      "\"details\":[{\"type\":\"a.B\",\"value\":\"CAE\"}]}";
  CHECK_EQ_MEM(b.data, b.len, want, sizeof want - 1);
  /* Details that do not decode are left out. */
  cgrpc_metadata_entry_t bad = {{"grpc-status-details-bin", 23}, {"\x1a\x7f", 2}};
  md.entries = &bad;
  b.len = 0;
  CHECK(connect_error_json(CGRPC_STATUS_ABORTED, (cgrpc_str_t){NULL, 0}, &md, &b));
  CHECK_EQ_MEM(b.data, b.len, "{\"code\":\"aborted\"}", 18);
  cgrpc_web_buf_free(&b);
}

static void expect_path(const char *url, const char *want) {
  char out[64];
  int n = static_relative_path(url, strlen(url), out, sizeof out);
  if (!want) {
    if (n >= 0) TEST_FAIL_("\"%s\" accepted as \"%s\"", url, out);
    return;
  }
  CHECK_EQ_INT(n, strlen(want));
  if (n >= 0) CHECK_EQ_STR(out, want);
}

static void test_static_paths(void) {
  expect_path("index.html", "index.html");
  expect_path("a/b%20c.txt", "a/b c.txt");
  expect_path("", "");
  expect_path("dir/", "dir/");
  expect_path("..", NULL);
  expect_path("../x", NULL);
  expect_path("a/../x", NULL);
  expect_path("%2e%2e/x", NULL);
  expect_path("%2E%2E/x", NULL);
  expect_path("a/..%2fx", NULL);
  expect_path("a%2f..%2f..%2fx", NULL);
  expect_path("./x", NULL);
  expect_path("a//b", NULL);
  expect_path("a%00b", NULL);
  expect_path("a\\..\\b", NULL);
  expect_path("a%5c..", NULL);
  expect_path("a%2", NULL);
  expect_path("a%zz", NULL);
  expect_path("...", "...");
  expect_path("..a", "..a");
  char big[200];
  memset(big, 'a', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  expect_path(big, NULL); /* does not fit */
}

static void test_static_types_and_dates(void) {
  CHECK_EQ_STR(static_content_type("/x/index.html"), "text/html; charset=utf-8");
  CHECK_EQ_STR(static_content_type("a.JS"), "text/javascript; charset=utf-8");
  CHECK_EQ_STR(static_content_type("a.wasm"), "application/wasm");
  CHECK_EQ_STR(static_content_type("a.png"), "image/png");
  CHECK_EQ_STR(static_content_type("noext"), "application/octet-stream");
  CHECK_EQ_STR(static_content_type("dir.d/noext"), "application/octet-stream");
  char date[32];
  static_http_date(784111777, date);
  CHECK_EQ_STR(date, "Sun, 06 Nov 1994 08:49:37 GMT");
}

int main(void) {
  TEST_RUN(test_connect_codes);
  TEST_RUN(test_connect_error_json);
  TEST_RUN(test_static_paths);
  TEST_RUN(test_static_types_and_dates);
  return TEST_DONE();
}

/* Path templates of google.api.http: the grammar, its errors, matching and
 * the escaping rules of http.proto (src/web/rest_template.c). */
#include <stdlib.h>

#include "test.h"
#include "web/rest_template.h"

static cgrpc_arena_t arena;

static rest_template_t parse_ok(const char *text) {
  rest_template_t t;
  cgrpc_error_t err = {{0}};
  cgrpc_status_code_t code = rest_template_parse(text, strlen(text), &arena, &t, &err);
  if (code) TEST_FAIL_("parse \"%s\": %s", text, err.message);
  return t;
}

static void expect_parse_error(const char *text, const char *fragment) {
  rest_template_t t;
  cgrpc_error_t err = {{0}};
  cgrpc_status_code_t code = rest_template_parse(text, strlen(text), &arena, &t, &err);
  CHECK_EQ_INT(code, CGRPC_STATUS_INVALID_ARGUMENT);
  if (!strstr(err.message, fragment))
    TEST_FAIL_("error for \"%s\" is \"%s\", want it to say \"%s\"", text, err.message, fragment);
}

/* Matches and checks the bindings: want is "field=value;field=value" or NULL for no match. */
static void expect_match(const char *tpl_text, const char *path, const char *want) {
  rest_template_t t = parse_ok(tpl_text);
  rest_binding_t b[8];
  bool ok = rest_template_match(&t, path, strlen(path), &arena, b, NULL);
  if (!want) {
    if (ok) TEST_FAIL_("\"%s\" matched \"%s\", want no match", tpl_text, path);
    return;
  }
  if (!ok) {
    TEST_FAIL_("\"%s\" did not match \"%s\"", tpl_text, path);
    return;
  }
  char got[512] = "";
  for (size_t i = 0; i < t.variable_count; i++) {
    size_t n = strlen(got);
    snprintf(got + n, sizeof got - n, "%s%.*s=%.*s", i ? ";" : "", (int)b[i].field_path.len,
             b[i].field_path.data, (int)b[i].value.len, b[i].value.data);
  }
  CHECK_EQ_STR(got, want);
}

static void test_parse_shapes(void) {
  rest_template_t t = parse_ok("/v1/{name=shelves/*/books/*}:cancel");
  CHECK_EQ_INT(t.segment_count, 5);
  CHECK_EQ_INT(t.variable_count, 1);
  CHECK_EQ_INT(t.variables[0].first, 1);
  CHECK_EQ_INT(t.variables[0].end, 5);
  CHECK(t.variables[0].multi);
  CHECK_EQ_MEM(t.verb.data, t.verb.len, "cancel", 6);
  t = parse_ok("/v1/books/{book.name}");
  CHECK_EQ_INT(t.variable_count, 1);
  CHECK(!t.variables[0].multi);
  CHECK_EQ_MEM(t.variables[0].field_path.data, t.variables[0].field_path.len, "book.name", 9);
  t = parse_ok("/files/{path=**}");
  CHECK(t.has_any);
  CHECK(t.variables[0].multi);
  t = parse_ok("/a%20b/*");
  CHECK_EQ_MEM(t.segments[0].literal.data, t.segments[0].literal.len, "a b", 3);
  CHECK_EQ_INT(t.segments[1].kind, REST_SEG_ONE);
  t = parse_ok("/v1/{a}/{b=x/*}/**:do");
  CHECK_EQ_INT(t.variable_count, 2);
}

static void test_parse_errors(void) {
  expect_parse_error("", "starts with '/'");
  expect_parse_error("v1/books", "starts with '/'");
  expect_parse_error("/", "expected a segment");
  expect_parse_error("/v1/", "expected a segment");
  expect_parse_error("/v1//x", "expected a literal");
  expect_parse_error("/v1/**/x", "'**' must be the last segment");
  expect_parse_error("/v1/{a=**}/x", "'**' must be the last segment");
  expect_parse_error("/v1/{a={b}}", "cannot hold another variable");
  expect_parse_error("/v1/{}", "expected a field name");
  expect_parse_error("/v1/{1a}", "expected a field name");
  expect_parse_error("/v1/{a.}", "expected a field name");
  expect_parse_error("/v1/{a", "expected '}'");
  expect_parse_error("/v1/{a}/{a}", "bound twice");
  expect_parse_error("/v1/x:", "custom verb");
  expect_parse_error("/v1/x:a/b", "unexpected '/'");
  expect_parse_error("/v1/x%2", "two hex digits");
  expect_parse_error("/v1/x}", "unexpected '}'");
  char big[REST_TEMPLATE_MAX_LEN + 8];
  memset(big, 'a', sizeof big);
  big[0] = '/';
  rest_template_t t;
  cgrpc_error_t err;
  CHECK_EQ_INT(rest_template_parse(big, sizeof big, &arena, &t, &err),
               CGRPC_STATUS_INVALID_ARGUMENT);
}

static void test_match_basics(void) {
  expect_match("/v1/{name=shelves/*/books/*}", "/v1/shelves/1/books/2", "name=shelves/1/books/2");
  expect_match("/v1/{name=shelves/*/books/*}", "/v1/shelves/1/books", NULL);
  expect_match("/v1/{name=shelves/*/books/*}", "/v1/shelves/1/books/2/x", NULL);
  expect_match("/v1/{name=shelves/*/books/*}", "/v1/shelves//books/2", NULL);
  expect_match("/v1/{parent=shelves/*}/books", "/v1/shelves/7/books", "parent=shelves/7");
  expect_match("/v1/{parent=shelves/*}/books", "/v2/shelves/7/books", NULL);
  expect_match("/v1/books/{name}", "/v1/books/abc", "name=abc");
  expect_match("/v1/books/{name}", "/v1/books/", NULL);
  expect_match("/v1/{a}/{b}", "/v1/x/y", "a=x;b=y");
  expect_match("/v1/*/lit", "/v1/anything/lit", "");
  expect_match("/v1/*/lit", "/v1/anything/lot", NULL);
  expect_match("/v1/a%20b", "/v1/a%20b", "");
  expect_match("/v1/a%20b", "/v1/a b", "");
  expect_match("/v1/books", "v1/books", NULL);
  expect_match("/v1/books", "", NULL);
}

static void test_match_double_star(void) {
  expect_match("/files/{path=**}", "/files/a/b/c.txt", "path=a/b/c.txt");
  expect_match("/files/{path=**}", "/files/a", "path=a");
  expect_match("/files/{path=**}", "/files", "path=");
  expect_match("/files/{path=**}", "/files/", "path=");
  expect_match("/files/{path=**}", "/other/a", NULL);
  expect_match("/v1/{name=shelves/**}", "/v1/shelves/1/books/2", "name=shelves/1/books/2");
  expect_match("/v1/{name=**}:undelete", "/v1/a/b:undelete", "name=a/b");
  expect_match("/v1/**", "/v1/x/y/z", "");
}

/* http.proto: a one-segment variable is fully decoded; a multi-segment one
 * keeps "%2F" and "%2f" (grpc-gateway #224, #1168; Envoy's
 * url_unescape_spec). An encoded slash never splits a segment. */
static void test_match_escaping(void) {
  expect_match("/v1/books/{name}", "/v1/books/a%2Fb", "name=a/b");
  expect_match("/v1/books/{name}", "/v1/books/a%2fb", "name=a/b");
  expect_match("/v1/books/{name}", "/v1/books/a%20b%3Fc", "name=a b?c");
  expect_match("/v1/books/{name}", "/v1/books/caf%C3%A9", "name=caf\xc3\xa9");
  expect_match("/v1/{name=shelves/*}", "/v1/shelves/a%2Fb", "name=shelves/a%2Fb");
  expect_match("/v1/{name=shelves/*}", "/v1/shelves/a%2fb", "name=shelves/a%2fb");
  expect_match("/v1/{name=shelves/*}", "/v1/shelves/a%20b", "name=shelves/a b");
  expect_match("/files/{path=**}", "/files/a%2Fb/c", "path=a%2Fb/c");
  expect_match("/v1/books/{name}", "/v1/books/a/b", NULL);
  rest_template_t t = parse_ok("/v1/books/{name}");
  rest_binding_t b[1];
  bool bad = false;
  CHECK(!rest_template_match(&t, "/v1/books/a%zz", 14, &arena, b, &bad));
  CHECK(bad);
  CHECK(!rest_template_match(&t, "/v1/books/a%2", 13, &arena, b, &bad));
  CHECK(bad);
}

/* A colon in the last segment is part of the value unless the template has
 * a verb (grpc-gateway #224, #1373, #2112). */
static void test_match_colon_and_verb(void) {
  expect_match("/v1/books/{name}", "/v1/books/a:b", "name=a:b");
  expect_match("/v1/books/{name}", "/v1/books/urn:isbn:123", "name=urn:isbn:123");
  expect_match("/v1/{name=shelves/*/books/*}:cancel", "/v1/shelves/1/books/2:cancel",
               "name=shelves/1/books/2");
  expect_match("/v1/{name=shelves/*/books/*}:cancel", "/v1/shelves/1/books/2", NULL);
  expect_match("/v1/{name=shelves/*/books/*}:cancel", "/v1/shelves/1/books/2:other", NULL);
  expect_match("/v1/{name=shelves/*/books/*}:cancel", "/v1/shelves/1/books/a:b:cancel",
               "name=shelves/1/books/a:b");
  expect_match("/v1/{name=shelves/*/books/*}", "/v1/shelves/1/books/2:cancel",
               "name=shelves/1/books/2:cancel");
  expect_match("/v1/items:batchGet", "/v1/items:batchGet", "");
  expect_match("/v1/items:batchGet", "/v1/items", NULL);
  expect_match("/v1/items:batchGet", "/v1/items:batchget", NULL);
  expect_match("/v1/{name}:do", "/v1/:do", NULL);
  expect_match("/v1/{name}:do", "/v1/x/:do", NULL);
}

static void test_decode_helper(void) {
  char out[16];
  CHECK_EQ_INT(rest_percent_decode("a%41%2f", 7, out, false), 3);
  CHECK_EQ_MEM(out, 3, "aA/", 3);
  CHECK_EQ_INT(rest_percent_decode("a%41%2f", 7, out, true), 5);
  CHECK_EQ_MEM(out, 5, "aA%2f", 5);
  CHECK_EQ_INT(rest_percent_decode("%", 1, out, false), (size_t)-1);
  CHECK_EQ_INT(rest_percent_decode("%4", 2, out, false), (size_t)-1);
  CHECK_EQ_INT(rest_percent_decode("%g1", 3, out, false), (size_t)-1);
}

static void test_parse_out_of_memory(void) {
  cgrpc_arena_t small;
  char buf[64];
  cgrpc_arena_init(&small, buf, sizeof buf);
  cgrpc_arena_set_limit(&small, 1);
  rest_template_t t;
  cgrpc_error_t err;
  CHECK_EQ_INT(rest_template_parse("/v1/{a}", 7, &small, &t, &err),
               CGRPC_STATUS_RESOURCE_EXHAUSTED);
  cgrpc_arena_free(&small);
}

int main(void) {
  cgrpc_arena_init(&arena, NULL, 0);
  TEST_RUN(test_parse_shapes);
  TEST_RUN(test_parse_errors);
  TEST_RUN(test_match_basics);
  TEST_RUN(test_match_double_star);
  TEST_RUN(test_match_escaping);
  TEST_RUN(test_match_colon_and_verb);
  TEST_RUN(test_decode_helper);
  TEST_RUN(test_parse_out_of_memory);
  cgrpc_arena_free(&arena);
  return TEST_DONE();
}

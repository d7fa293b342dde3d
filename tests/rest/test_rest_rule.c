/* google.api.http rules read from the descriptor generated code embeds
 * (src/web/rest_rule.c): protoc-gen-cgrpc keeps the extension, and every
 * rule form of tests/rest/proto/resttest/library.proto decodes. */
#include "test.h"
#include "resttest/library.pb.h"
#include "web/rest_rule.h"

static cgrpc_arena_t arena;

static const rest_method_rules_t *find(rest_method_rules_t *m, size_t n, const char *name) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(m[i].full_name, name) == 0) return &m[i];
  TEST_FAIL_("no method %s", name);
  return NULL;
}

#define CHECK_STR(s, want) CHECK_EQ_MEM((s).data, (s).len, want, strlen(want))

static void test_rules_of_generated_file(void) {
  rest_method_rules_t *m;
  size_t n;
  cgrpc_error_t err = {{0}};
  CHECK_EQ_INT(
      rest_rules_from_file(resttest_library_proto_file.descriptor,
                           resttest_library_proto_file.descriptor_len, &arena, &m, &n, &err),
      CGRPC_STATUS_OK);
  CHECK_EQ_INT(n, 13);
  const rest_method_rules_t *get = find(m, n, "resttest.Library.GetBook");
  if (!get) return;
  CHECK(get->no_side_effects);
  CHECK_EQ_INT(get->rule_count, 2);
  CHECK_EQ_STR(get->rules[0].http_method, "GET");
  CHECK_STR(get->rules[0].tpl.text, "/v1/{name=shelves/*/books/*}");
  CHECK_STR(get->rules[1].tpl.text, "/v1/books/{name}");
  CHECK_EQ_INT(get->rules[0].body.len, 0);

  const rest_method_rules_t *create = find(m, n, "resttest.Library.CreateBook");
  CHECK(!create->no_side_effects);
  CHECK_EQ_STR(create->rules[0].http_method, "POST");
  CHECK_STR(create->rules[0].body, "book");
  const rest_method_rules_t *update = find(m, n, "resttest.Library.UpdateBook");
  CHECK_EQ_STR(update->rules[0].http_method, "PATCH");
  CHECK_STR(update->rules[0].body, "*");
  CHECK_STR(update->rules[0].tpl.variables[0].field_path, "book.name");
  CHECK_EQ_STR(find(m, n, "resttest.Library.DeleteBook")->rules[0].http_method, "DELETE");
  const rest_method_rules_t *cancel = find(m, n, "resttest.Library.CancelBook");
  CHECK_STR(cancel->rules[0].tpl.verb, "cancel");
  CHECK_STR(find(m, n, "resttest.Library.GetAuthor")->rules[0].response_body, "author");
  const rest_method_rules_t *file = find(m, n, "resttest.Library.GetFile");
  CHECK_EQ_INT(file->rule_count, 2);
  CHECK_EQ_STR(file->rules[1].http_method, "HEAD");
  CHECK(file->rules[1].tpl.has_any);
  CHECK_EQ_INT(find(m, n, "resttest.Library.NotMapped")->rule_count, 0);
}

/* Hand-written HttpRules: the failure paths. */
static void expect_decode_error(const char *bytes, size_t len, const char *fragment) {
  rest_rule_t *rules;
  size_t n;
  cgrpc_error_t err = {{0}};
  CHECK_EQ_INT(rest_rules_decode((const uint8_t *)bytes, len, "pkg.S.M", &arena, &rules, &n, &err),
               CGRPC_STATUS_INVALID_ARGUMENT);
  if (!strstr(err.message, fragment)) TEST_FAIL_("\"%s\" lacks \"%s\"", err.message, fragment);
  if (!strstr(err.message, "pkg.S.M")) TEST_FAIL_("\"%s\" does not name the method", err.message);
}

static void test_decode_errors(void) {
  expect_decode_error("", 0, "needs a pattern");
  expect_decode_error("\x3a\x01*", 3, "needs a pattern"); /* body only */
  expect_decode_error("\x12\x03/v1\x12", 6, "does not decode");
  expect_decode_error("\x12\x02v1", 4, "starts with '/'");
  expect_decode_error("\x42\x04\x12\x02/a", 6, "needs a kind");
  /* additional_bindings { get: "/a" additional_bindings { get: "/b" } } */
  expect_decode_error("\x12\x02/x\x5a\x0a\x12\x02/a\x5a\x04\x12\x02/b", 16, "of its own");
  /* a group (wire type 3) */
  expect_decode_error("\x13\x14", 2, "does not decode");
}

static void test_decode_custom_and_bindings(void) {
  /* custom { kind: "OPTIONS" path: "/v1/x" } response_body: "r" additional_bindings { put: "/y" }
   */
  const char rule[] =
      "\x42\x10\x0a\x07OPTIONS\x12\x05/v1/x"
      "\x62\x01r"
      "\x5a\x04\x1a\x02/y";
  rest_rule_t *rules;
  size_t n;
  cgrpc_error_t err = {{0}};
  CHECK_EQ_INT(rest_rules_decode((const uint8_t *)rule, sizeof rule - 1, "pkg.S.M", &arena, &rules,
                                 &n, &err),
               CGRPC_STATUS_OK);
  CHECK_EQ_INT(n, 2);
  CHECK_EQ_STR(rules[0].http_method, "OPTIONS");
  CHECK_STR(rules[0].tpl.text, "/v1/x");
  CHECK_STR(rules[0].response_body, "r");
  CHECK_EQ_STR(rules[1].http_method, "PUT");
  CHECK_STR(rules[1].tpl.text, "/y");
}

static void test_bad_descriptor(void) {
  rest_method_rules_t *m;
  size_t n;
  cgrpc_error_t err = {{0}};
  CHECK_EQ_INT(rest_rules_from_file((const uint8_t *)"\xff", 1, &arena, &m, &n, &err),
               CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK(strstr(err.message, "does not decode") != NULL);
}

int main(void) {
  cgrpc_arena_init(&arena, NULL, 0);
  TEST_RUN(test_rules_of_generated_file);
  TEST_RUN(test_decode_errors);
  TEST_RUN(test_decode_custom_and_bindings);
  TEST_RUN(test_bad_descriptor);
  cgrpc_arena_free(&arena);
  return TEST_DONE();
}

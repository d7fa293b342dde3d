/* Unit tests: the strict JSON reader of JWT headers, claims and JWKS
 * (src/base/json_tree.h): what it reads, and each thing it refuses. */
#include "base/json_tree.h"
#include "test.h"

static cgrpc_arena_t arena;

static const cgrpc_json_tree_t *parse_ok(const char *text) {
  const cgrpc_json_tree_t *root = NULL;
  cgrpc_error_t err = {{0}};
  cgrpc_status_code_t rc = cgrpc_json_tree_parse(text, strlen(text), 8, &arena, &root, &err);
  if (rc != CGRPC_STATUS_OK) TEST_FAIL_("parse %s: %s", text, err.message);
  return root;
}

/* Parses `text`, which must fail with a message containing `why`. */
static void check_refused(const char *text, size_t len, const char *why) {
  const cgrpc_json_tree_t *root = NULL;
  cgrpc_error_t err = {{0}};
  cgrpc_status_code_t rc = cgrpc_json_tree_parse(text, len, 8, &arena, &root, &err);
  if (rc != CGRPC_STATUS_INVALID_ARGUMENT || !strstr(err.message, why))
    TEST_FAIL_("parse %.*s: got %d \"%s\", want INVALID_ARGUMENT \"%s\"", (int)len, text, rc,
               err.message, why);
}
#define REFUSED(text, why) check_refused(text, sizeof(text) - 1, why)

static void test_values(void) {
  const cgrpc_json_tree_t *v = parse_ok(
      " {\"s\":\"a\\\"b\\\\c\\/\\n\\u00e9\\ud83d\\ude00\", \"i\": -42, \"big\": "
      "9223372036854775807,"
      "\"min\":-9223372036854775808, \"over\": 9223372036854775808, \"f\": 1.5e3, \"t\": true,"
      "\"n\": null, \"a\": [1, \"x\", {}], \"o\": {\"k\": false}} ");
  CHECK(v && v->kind == CGRPC_JSON_TREE_OBJECT);
  CHECK_EQ_UINT(v->count, 10);
  const cgrpc_json_tree_t *s = cgrpc_json_tree_get(v, "s");
  CHECK(s && s->kind == CGRPC_JSON_TREE_STRING);
  CHECK_EQ_STR(s->str, "a\"b\\c/\n\xc3\xa9\xf0\x9f\x98\x80");
  CHECK_EQ_UINT(s->str_len, strlen("a\"b\\c/\n\xc3\xa9\xf0\x9f\x98\x80"));
  const cgrpc_json_tree_t *i = cgrpc_json_tree_get(v, "i");
  CHECK(i->is_int && i->integer == -42 && i->number == -42.0);
  CHECK(cgrpc_json_tree_get(v, "big")->integer == INT64_MAX);
  CHECK(cgrpc_json_tree_get(v, "min")->integer == INT64_MIN);
  CHECK(!cgrpc_json_tree_get(v, "over")->is_int); /* too big for int64: a double only */
  CHECK(cgrpc_json_tree_get(v, "over")->number > 9.2e18);
  const cgrpc_json_tree_t *f = cgrpc_json_tree_get(v, "f");
  CHECK(!f->is_int && f->number == 1500.0);
  CHECK(cgrpc_json_tree_get(v, "t")->boolean);
  CHECK(cgrpc_json_tree_get(v, "n")->kind == CGRPC_JSON_TREE_NULL);
  const cgrpc_json_tree_t *a = cgrpc_json_tree_get(v, "a");
  CHECK(a->kind == CGRPC_JSON_TREE_ARRAY && a->count == 3);
  CHECK(a->child->next->kind == CGRPC_JSON_TREE_STRING);
  CHECK(a->child->next->next->kind == CGRPC_JSON_TREE_OBJECT);
  CHECK(!cgrpc_json_tree_get(cgrpc_json_tree_get(v, "o"), "k")->boolean);
  CHECK(cgrpc_json_tree_get(v, "missing") == NULL);
  CHECK(cgrpc_json_tree_get(a, "x") == NULL); /* not an object */
  CHECK_EQ_STR(cgrpc_json_tree_get_string(v, "s"), s->str);
  CHECK(cgrpc_json_tree_get_string(v, "i") == NULL);
}

static void test_numbers(void) {
  CHECK(parse_ok("0")->is_int);
  CHECK(parse_ok("-0")->integer == 0);
  CHECK(parse_ok("1e2")->number == 100.0);
  CHECK(!parse_ok("1e2")->is_int);
  CHECK(parse_ok("2.5E-1")->number == 0.25);
  CHECK(parse_ok("0e99999")->number == 0.0);
  CHECK(parse_ok("1e99999")->number > 1e308); /* saturates to infinity */
  CHECK(parse_ok("1e-99999")->number == 0.0);
  CHECK(parse_ok("1699999999.25")->number > 1699999999.0);
  REFUSED("01", "leading zero");
  REFUSED("-", "bad number");
  REFUSED("1.", "bad fraction");
  REFUSED(".5", "unexpected character");
  REFUSED("1e", "bad exponent");
  REFUSED("+1", "unexpected character");
  REFUSED("NaN", "unexpected character");
}

static void test_strict_refusals(void) {
  REFUSED("", "expected a value");
  REFUSED("{\"a\":1,\"a\":2}", "duplicate member name");
  REFUSED("{\"a\":1,}", "expected a member name");
  REFUSED("[1,]", "unexpected character");
  REFUSED("{\"a\" 1}", "expected ':'");
  REFUSED("{'a':1}", "expected a member name");
  REFUSED("{\"a\":1} x", "bytes after the value");
  REFUSED("{} {}", "bytes after the value");
  REFUSED("/* c */ {}", "unexpected character");
  REFUSED("tru", "unknown literal");
  REFUSED("\"abc", "unterminated string");
  REFUSED("\"a\\", "unterminated string");
  REFUSED("[1", "unterminated array");
  REFUSED("{\"a\":1", "unterminated object");
  REFUSED("\"\\x\"", "bad escape");
  REFUSED("\"\\u12\"", "bad \\u escape");
  REFUSED("\"\\u0000\"", "\\u0000");
  REFUSED("\"\\ud83d\"", "lone surrogate");
  REFUSED("\"\\ude00\"", "lone surrogate");
  REFUSED("\"\\ud83d\\u0041\"", "lone surrogate");
  REFUSED("\"a\nb\"", "control character");
  REFUSED("\"\xc3\"", "invalid UTF-8");
  REFUSED("\"\xc0\xaf\"", "invalid UTF-8");         /* overlong '/' */
  REFUSED("\"\xed\xa0\x80\"", "invalid UTF-8");     /* encoded surrogate */
  REFUSED("\"\xf4\x90\x80\x80\"", "invalid UTF-8"); /* past U+10FFFF */
  REFUSED("\"\xff\"", "invalid UTF-8");
  check_refused("\"a\0b\"", 5, "control character");
  check_refused("{\"a\":1}\0", 8, "bytes after the value");
}

static void test_depth_limit(void) {
  CHECK(parse_ok("[[[[[[[[1]]]]]]]]") != NULL); /* 8 deep: the limit */
  REFUSED("[[[[[[[[[1]]]]]]]]]", "nested too deeply");
  REFUSED("{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{}}}}}}}}}",
          "nested too deeply");
  /* Far deeper than any stack could take recursively: refused at the limit. */
  static char deep[100001];
  memset(deep, '[', sizeof deep - 1);
  check_refused(deep, sizeof deep - 1, "nested too deeply");
}

static void test_member_limit(void) {
  char text[CGRPC_JSON_TREE_MAX_MEMBERS * 12 + 32];
  size_t n = 0;
  text[n++] = '{';
  for (int i = 0; i <= CGRPC_JSON_TREE_MAX_MEMBERS; i++)
    n += (size_t)snprintf(text + n, sizeof text - n, "%s\"m%d\":1", i ? "," : "", i);
  text[n++] = '}';
  text[n] = '\0'; /* strrchr() below reads to the terminator */
  check_refused(text, n, "too many members");
  /* One fewer member is fine. */
  char *last_comma = strrchr(text, ',');
  last_comma[0] = '}';
  const cgrpc_json_tree_t *root = NULL;
  CHECK_EQ_INT(cgrpc_json_tree_parse(text, (size_t)(last_comma + 1 - text), 8, &arena, &root, NULL),
               CGRPC_STATUS_OK);
  CHECK(root && root->count == CGRPC_JSON_TREE_MAX_MEMBERS);
}

static void test_out_of_memory(void) {
  char buf[64];
  cgrpc_arena_t small;
  cgrpc_arena_init(&small, buf, sizeof buf);
  cgrpc_arena_set_limit(&small, 1); /* nothing from the heap */
  const cgrpc_json_tree_t *root = NULL;
  cgrpc_error_t err;
  const char *text = "{\"a\":[1,2,3,4,5,6,7,8,9,10],\"b\":\"some text here\"}";
  CHECK_EQ_INT(cgrpc_json_tree_parse(text, strlen(text), 8, &small, &root, &err),
               CGRPC_STATUS_RESOURCE_EXHAUSTED);
  CHECK(strstr(err.message, "out of memory") != NULL);
  cgrpc_arena_free(&small);
}

int main(void) {
  cgrpc_arena_init(&arena, NULL, 0);
  TEST_RUN(test_values);
  TEST_RUN(test_numbers);
  TEST_RUN(test_strict_refusals);
  TEST_RUN(test_depth_limit);
  TEST_RUN(test_member_limit);
  TEST_RUN(test_out_of_memory);
  cgrpc_arena_free(&arena);
  return TEST_DONE();
}

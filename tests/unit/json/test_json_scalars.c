/* Scalars, names, repeated fields, maps and oneofs, both directions. */
#include "json_test_util.h"

static void test_empty_message_prints_braces(void) { CHECK_ROUND("{}", "{}"); }

static void test_integers(void) {
  CHECK_ROUND("{\"i32\": -5, \"i64\": \"-9223372036854775808\", \"u32\": 4294967295,"
              " \"u64\": \"18446744073709551615\", \"s32\": 7, \"s64\": 8, \"f32\": 9,"
              " \"f64\": 10, \"sf32\": -11, \"sf64\": -12}",
              "{\"i32\":-5,\"i64\":\"-9223372036854775808\",\"u32\":4294967295,"
              "\"u64\":\"18446744073709551615\",\"s32\":7,\"s64\":\"8\",\"f32\":9,\"f64\":\"10\","
              "\"sf32\":-11,\"sf64\":\"-12\"}");
}

static void test_integers_accept_strings_and_exponents(void) {
  CHECK_ROUND("{\"i32\": \"12\", \"i64\": 34, \"u32\": 1e2, \"u64\": \"1.5e3\", \"s32\": -0}",
              "{\"i32\":12,\"i64\":\"34\",\"u32\":100,\"u64\":\"1500\"}");
}

static void test_integer_errors(void) {
  CHECK_PARSE_ERR("{\"i32\": 2147483648}", "ERROR 3: i32: 2147483648 is out of range for int32");
  CHECK_PARSE_ERR("{\"i32\": -2147483649}",
                  "ERROR 3: i32: -2147483649 is out of range for int32");
  CHECK_PARSE_ERR("{\"u32\": -1}", "ERROR 3: u32: -1 is out of range for uint32");
  CHECK_PARSE_ERR("{\"u64\": \"18446744073709551616\"}",
                  "ERROR 3: u64: 18446744073709551616 is out of range for uint64");
  CHECK_PARSE_ERR("{\"i64\": 0.5}", "ERROR 3: i64: 0.5 is not an integer for int64");
  CHECK_PARSE_ERR("{\"i32\": \"x\"}", "ERROR 3: i32: expected an integer, got the string \"x\"");
  CHECK_PARSE_ERR("{\"i32\": \" 1\"}", "ERROR 3: i32: expected an integer, got the string \" 1\"");
  CHECK_PARSE_ERR("{\"i32\": true}", "ERROR 3: i32: expected an integer, got a boolean (at byte 8)");
  CHECK_PARSE_ERR("{\"i32\": 01}", "ERROR 3: expected ',' or '}', got a number (at byte 9)");
  CHECK_PARSE_ERR("{\"i32\": 1e400}", "ERROR 3: i32: 1e400 is out of range for int32");
  CHECK_PARSE_ERR("{\"i32\": 2.5e9}", "ERROR 3: i32: 2.5e9 is out of range for int32");
  CHECK_PARSE_ERR("{\"u32\": -0.5}", "ERROR 3: u32: -0.5 is not an integer for uint32");
  CHECK_PARSE_ERR("{\"u32\": -1e0}", "ERROR 3: u32: -1e0 is out of range for uint32");
  CHECK_PARSE_ERR("{\"u64\": 1.8446744073709552e19}",
                  "ERROR 3: u64: 1.8446744073709552e19 is out of range for uint64");
  CHECK_PARSE_ERR("{\"i64\": 9.3e18}", "ERROR 3: i64: 9.3e18 is out of range for int64");
  CHECK_ROUND("{\"u32\": -0.0, \"i64\": -9.2e18, \"u64\": 1.8e19}",
              "{\"i64\":\"-9200000000000000000\",\"u64\":\"18000000000000000000\"}");
}

static void test_floats(void) {
  CHECK_ROUND("{\"fl\": 0.1, \"db\": 0.1}", "{\"fl\":0.1,\"db\":0.1}");
  CHECK_ROUND("{\"db\": 1e300}", "{\"db\":1e+300}");
  CHECK_ROUND("{\"db\": 5e-324}", "{\"db\":5e-324}");
  CHECK_ROUND("{\"db\": 123456789012}", "{\"db\":123456789012}");
  CHECK_ROUND("{\"db\": -0}", "{\"db\":-0}");
  CHECK_ROUND("{\"fl\": \"NaN\", \"db\": \"-Infinity\"}", "{\"fl\":\"NaN\",\"db\":\"-Infinity\"}");
  CHECK_ROUND("{\"fl\": \"Infinity\", \"db\": \"1.25\"}", "{\"fl\":\"Infinity\",\"db\":1.25}");
  CHECK_ROUND("{\"fl\": 3.4028235e38}", "{\"fl\":3.4028235e+38}");
  CHECK_ROUND("{\"fl\": 1.17549435e-38}", "{\"fl\":1.1754944e-38}");
  CHECK_PARSE_ERR("{\"fl\": 3.5e38}", "ERROR 3: fl: 3.5e38 is out of range for float");
  CHECK_PARSE_ERR("{\"db\": -1.9e308}", "ERROR 3: db: -1.9e308 is out of range for double");
  CHECK_PARSE_ERR("{\"db\": \"nan\"}", "ERROR 3: db: expected a number, got the string \"nan\"");
  CHECK_PARSE_ERR("{\"db\": NaN}", "ERROR 3: db: expected a number, got an invalid character (at byte 7)");
  CHECK_PARSE_ERR("{\"db\": .5}", "ERROR 3: db: expected a number, got an invalid character (at byte 7)");
  CHECK_PARSE_ERR("{\"db\": 1.}", "ERROR 3: db: expected a number, got a number (at byte 7)");
}

static void test_shortest_doubles_round_trip(void) {
  /* Random bit patterns: the printed text reads back to the same double. */
  uint64_t x = 88172645463325252ull;
  for (int i = 0; i < 20000; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    double d;
    memcpy(&d, &x, sizeof d);
    if (d != d || d - d != 0) continue;
    jsontest_All m = jsontest_All_INIT;
    m.db = d;
    const char *s = to_json(&m, &jsontest_All_table, NULL);
    jsontest_All back;
    CHECK_EQ_STR(from_json(s, &back, &jsontest_All_table, NULL), "");
    CHECK(memcmp(&back.db, &d, sizeof d) == 0);
    float f;
    uint32_t fx = (uint32_t)x;
    memcpy(&f, &fx, sizeof f);
    if (f != f || f - f != 0) continue;
    m.db = 0;
    m.fl = f;
    s = to_json(&m, &jsontest_All_table, NULL);
    CHECK_EQ_STR(from_json(s, &back, &jsontest_All_table, NULL), "");
    CHECK(memcmp(&back.fl, &f, sizeof f) == 0);
  }
}

static void test_bool_string_bytes(void) {
  CHECK_ROUND("{\"flag\": true, \"str\": \"h\\u00e9\\n\\\"\\\\\\/\\t\\u0001\", \"raw\": \"AQID\"}",
              "{\"flag\":true,\"str\":\"h\xc3\xa9\\n\\\"\\\\/\\t\\u0001\",\"raw\":\"AQID\"}");
  CHECK_ROUND("{\"raw\": \"-_8\"}", "{\"raw\":\"+/8=\"}");
  CHECK_ROUND("{\"raw\": \"AQ==\"}", "{\"raw\":\"AQ==\"}");
  CHECK_ROUND("{\"raw\": \"AQ\"}", "{\"raw\":\"AQ==\"}");
  CHECK_ROUND("{\"str\": \"\\ud83d\\ude00\"}", "{\"str\":\"\xf0\x9f\x98\x80\"}");
  CHECK_PARSE_ERR("{\"raw\": \"A\"}",
                  "ERROR 3: raw: expected base64 for bytes, got an invalid base64 string");
  CHECK_PARSE_ERR("{\"raw\": \"A*==\"}",
                  "ERROR 3: raw: expected base64 for bytes, got an invalid base64 string");
  CHECK_PARSE_ERR("{\"flag\": \"true\"}", "ERROR 3: flag: expected true or false, got a string (at byte 9)");
  CHECK_PARSE_ERR("{\"str\": \"\\ud83d\"}", "ERROR 3: str: lone high surrogate in a \\u escape (at byte 9)");
  CHECK_PARSE_ERR("{\"str\": \"\\ude00\"}", "ERROR 3: str: lone low surrogate in a \\u escape (at byte 9)");
  CHECK_PARSE_ERR("{\"str\": \"\xff\"}", "ERROR 3: str: invalid UTF-8 in a string (at byte 9)");
  CHECK_PARSE_ERR("{\"str\": \"a\nb\"}",
                  "ERROR 3: str: control character in a string (escape it) (at byte 10)");
  CHECK_PARSE_ERR("{\"str\": \"\\x\"}", "ERROR 3: str: invalid escape in a string (at byte 9)");
  CHECK_PARSE_ERR("{\"str\": \"abc", "ERROR 3: str: unterminated string (at byte 8)");
  CHECK_PARSE_ERR("{\"str\": 5}", "ERROR 3: str: expected a string, got a number (at byte 8)");
}

static void test_enums(void) {
  CHECK_ROUND("{\"color\": \"GREEN\"}", "{\"color\":\"GREEN\"}");
  CHECK_ROUND("{\"color\": 1}", "{\"color\":\"RED\"}");
  CHECK_ROUND("{\"color\": -1}", "{\"color\":\"NEGATIVE\"}");
  CHECK_ROUND("{\"color\": 77}", "{\"color\":77}");
  CHECK_ROUND("{\"rColor\": [\"RED\", 2, 9]}", "{\"rColor\":[\"RED\",\"GREEN\",9]}");
  CHECK_PARSE_ERR("{\"color\": \"BLUE\"}",
                  "ERROR 3: color: \"BLUE\" is not a value of enum jsontest.Color");
  jsontest_All m;
  cgrpc_json_options_t ignore = {.flags = CGRPC_JSON_IGNORE_UNKNOWN};
  CHECK_EQ_STR(from_json("{\"color\": \"BLUE\", \"rColor\": [\"RED\", \"BLUE\", \"GREEN\"],"
                         " \"mU64Color\": {\"1\": \"BLUE\", \"2\": \"RED\"}}",
                         &m, &jsontest_All_table, &ignore),
               "");
  CHECK_EQ_STR(to_json(&m, &jsontest_All_table, NULL),
               "{\"rColor\":[\"RED\",\"GREEN\"],\"mU64Color\":{\"2\":\"RED\"}}");
  cgrpc_json_options_t ints = {.flags = CGRPC_JSON_ENUMS_AS_INTS};
  CHECK_EQ_STR(to_json(&m, &jsontest_All_table, &ints), "{\"rColor\":[1,2],\"mU64Color\":{\"2\":1}}");
}

static void test_enum_aliases(void) {
  CHECK_ROUND("{\"aliased\": \"A_UNO\"}", "{\"aliased\":\"A_ONE\"}");
  CHECK_ROUND("{\"aliased\": \"A_ONE\"}", "{\"aliased\":\"A_ONE\"}");
  CHECK_PARSE_ERR("{\"aliased\": \"a_uno\"}",
                  "ERROR 3: aliased: \"a_uno\" is not a value of enum jsontest.Aliased");
}

static void test_names(void) {
  CHECK_ROUND("{\"snake_case_name\": \"a\"}", "{\"snakeCaseName\":\"a\"}");
  CHECK_ROUND("{\"snakeCaseName\": \"a\", \"customName\": \"b\"}",
              "{\"snakeCaseName\":\"a\",\"customName\":\"b\"}");
  CHECK_ROUND("{\"renamed\": \"b\"}", "{\"customName\":\"b\"}");
  jsontest_All m = jsontest_All_INIT;
  m.snake_case_name = CGRPC_STR("x");
  m.renamed = CGRPC_STR("y");
  cgrpc_json_options_t proto = {.flags = CGRPC_JSON_PROTO_NAMES};
  CHECK_EQ_STR(to_json(&m, &jsontest_All_table, &proto),
               "{\"snake_case_name\":\"x\",\"renamed\":\"y\"}");
  CHECK_PARSE_ERR("{\"snakeCaseName\": \"a\", \"snake_case_name\": \"b\"}",
                  "ERROR 3: snake_case_name: the field appears twice (by json_name or proto name)");
  CHECK_PARSE_ERR("{\"i32\": 1, \"i32\": 1}",
                  "ERROR 3: i32: the field appears twice (by json_name or proto name)");
  CHECK_PARSE_ERR("{\"nope\": 1}", "ERROR 3: jsontest.All has no field named \"nope\"");
  CHECK_PARSE_ERR("{\"inner\": {\"zz\": 1}}",
                  "ERROR 3: inner: jsontest.Inner has no field named \"zz\"");
  cgrpc_json_options_t ignore = {.flags = CGRPC_JSON_IGNORE_UNKNOWN};
  CHECK_EQ_STR(from_json("{\"nope\": {\"deep\": [1, {\"x\": null}]}, \"i32\": 3}", &m,
                         &jsontest_All_table, &ignore),
               "");
  CHECK_EQ_INT(m.i32, 3);
}

static void test_defaults_and_presence(void) {
  jsontest_All m = jsontest_All_INIT;
  cgrpc_json_options_t defaults = {.flags = CGRPC_JSON_EMIT_DEFAULTS};
  const char *s = to_json(&m, &jsontest_All_table, &defaults);
  CHECK(strstr(s, "{\"i32\":0,\"i64\":\"0\",\"u32\":0,") == s);
  CHECK(strstr(s, "\"color\":\"COLOR_UNSPECIFIED\"") != NULL);
  CHECK(strstr(s, "\"rI32\":[]") != NULL);
  CHECK(strstr(s, "\"mStrI32\":{}") != NULL);
  CHECK(strstr(s, "optI32") == NULL);  /* presence: unset stays out */
  CHECK(strstr(s, "inner") == NULL);
  CHECK(strstr(s, "oI32") == NULL);
  CHECK(strstr(s, "\"nullVal\":null") != NULL);
  CHECK_ROUND("{\"optI32\": 0}", "{\"optI32\":0}");
  CHECK_ROUND("{\"i32\": 0, \"inner\": {}}", "{\"inner\":{}}");
  CHECK_ROUND("{\"i32\": null, \"inner\": null, \"rI32\": null, \"mStrI32\": null}", "{}");
}

static void test_repeated_and_maps(void) {
  CHECK_ROUND("{\"rI32\": [1, -2], \"rI64\": [\"3\", 4], \"rStr\": [\"a\"], "
              "\"rInner\": [{\"a\": 1}, {}], \"rRaw\": [\"AA==\"], \"rDb\": [1.5, \"NaN\"]}",
              "{\"rI32\":[1,-2],\"rI64\":[\"3\",\"4\"],\"rStr\":[\"a\"],\"rInner\":[{\"a\":1},{}],"
              "\"rRaw\":[\"AA==\"],\"rDb\":[1.5,\"NaN\"]}");
  CHECK_ROUND("{\"mStrI32\": {\"b\": 2, \"a\": 1}, \"mI32Str\": {\"-5\": \"x\"},"
              " \"mBoolInner\": {\"true\": {\"a\": 1}, \"false\": {}}, \"mI64Db\": {\"1e2\": 1}}",
              "{\"mStrI32\":{\"b\":2,\"a\":1},\"mI32Str\":{\"-5\":\"x\"},"
              "\"mBoolInner\":{\"true\":{\"a\":1},\"false\":{}},\"mI64Db\":{\"100\":1}}");
  CHECK_PARSE_ERR("{\"rI32\": [1, null]}",
                  "ERROR 3: rI32[1]: null is not allowed here (only as a whole field's value)");
  CHECK_PARSE_ERR("{\"rI32\": [1, \"a\"]}",
                  "ERROR 3: rI32[1]: expected an integer, got the string \"a\"");
  CHECK_PARSE_ERR("{\"rI32\": [1,]}", "ERROR 3: rI32: expected a value after ',', got ']' (at byte 12)");
  CHECK_PARSE_ERR("{\"rI32\": 1}", "ERROR 3: rI32: expected '[', got a number (at byte 9)");
  CHECK_PARSE_ERR("{\"mStrI32\": {\"a\": 1, \"a\": 2}}", "ERROR 3: mStrI32: the map has a key twice");
  CHECK_PARSE_ERR("{\"mI32Str\": {\"x\": \"a\"}}",
                  "ERROR 3: mI32Str[\"x\"]: map key is not a number for an integer key");
  CHECK_PARSE_ERR("{\"mI32Str\": {\"3000000000\": \"a\"}}",
                  "ERROR 3: mI32Str[\"3000000000\"]: map key is out of range for an integer key");
  CHECK_PARSE_ERR("{\"mBoolInner\": {\"True\": {}}}",
                  "ERROR 3: mBoolInner[\"True\"]: a bool map key must be \"true\" or \"false\"");
  CHECK_PARSE_ERR("{\"mStrI32\": {\"a\": null}}",
                  "ERROR 3: mStrI32[\"a\"]: null is not allowed here (only as a whole field's value)");
  CHECK_PARSE_ERR("{\"children\": [{}, {\"rInner\": [{}, {\"a\": \"x\"}]}]}",
                  "ERROR 3: children[1].rInner[1].a: expected an integer, got the string \"x\"");
}

static void test_oneofs(void) {
  CHECK_ROUND("{\"oStr\": \"x\"}", "{\"oStr\":\"x\"}");
  CHECK_ROUND("{\"oInner\": {\"a\": 2}}", "{\"oInner\":{\"a\":2}}");
  CHECK_ROUND("{\"oI32\": null, \"oStr\": \"x\"}", "{\"oStr\":\"x\"}");
  CHECK_ROUND("{\"oStr\": \"x\", \"oI32\": null}", "{\"oStr\":\"x\"}");
  CHECK_ROUND("{\"oNull\": null}", "{\"oNull\":null}");
  CHECK_ROUND("{\"oI32\": 0}", "{\"oI32\":0}");
  CHECK_PARSE_ERR("{\"oI32\": 1, \"oStr\": \"x\"}",
                  "ERROR 3: oStr: another member of its oneof, \"o_i32\", is already set");
}

static void test_syntax_errors(void) {
  CHECK_PARSE_ERR("", "ERROR 3: expected '{', got the end of the input (at byte 0)");
  CHECK_PARSE_ERR("{} x", "ERROR 3: unexpected characters after the JSON value (at byte 3)");
  CHECK_PARSE_ERR("{\"i32\": 1,}", "ERROR 3: expected a member name string, got '}' (at byte 10)");
  CHECK_PARSE_ERR("{\"i32\" 1}", "ERROR 3: expected ':', got a number (at byte 7)");
  CHECK_PARSE_ERR("{\"i32\": 1 \"i64\": 1}", "ERROR 3: expected ',' or '}', got a string (at byte 10)");
  CHECK_PARSE_ERR("[]", "ERROR 3: expected '{', got an array (at byte 0)");
  CHECK_PARSE_ERR("{\"flag\": tru}", "ERROR 3: flag: invalid literal (at byte 9)");
  CHECK_PARSE_ERR("{\"inner\": nul}", "ERROR 3: inner: invalid literal (at byte 10)");
  CHECK_PARSE_ERR("{'i32': 1}", "ERROR 3: expected a member name string or '}', got an invalid character (at byte 1)");
  CHECK_EQ_STR(all_round(" \t\r\n{ \"i32\" : 1 } \n"), "{\"i32\":1}");
}

static void test_depth_limit(void) {
  char buf[4096];
  size_t n = 0;
  for (int i = 0; i < 120; i++) n += (size_t)sprintf(buf + n, "{\"child\":");
  n += (size_t)sprintf(buf + n, "{}");
  for (int i = 0; i < 120; i++) buf[n++] = '}';
  buf[n] = 0;
  jsontest_All m;
  const char *r = from_json(buf, &m, &jsontest_All_table, NULL);
  CHECK(strstr(r, "ERROR 3: child.child.") == r);
  CHECK(strstr(r, "...: nesting is deeper than 100 levels (at byte 900)") != NULL);
  if (test_current_failed_) fprintf(stderr, "%s\n", r);
  cgrpc_json_options_t deep = {.max_depth = 200};
  CHECK_EQ_STR(from_json(buf, &m, &jsontest_All_table, &deep), "");
  /* Printing has the same limit. */
  CHECK(strstr(to_json(&m, &jsontest_All_table, NULL), "ERROR 3: the message is nested deeper than 100 levels") != NULL);
  CHECK(strncmp(to_json(&m, &jsontest_All_table, &deep), "{\"child\":{\"child\":", 18) == 0);
}

static void test_indent(void) {
  jsontest_All m;
  CHECK_EQ_STR(from_json("{\"i32\": 1, \"rI32\": [1, 2], \"inner\": {}, \"mStrI32\": {\"k\": 1}}", &m,
                         &jsontest_All_table, NULL),
               "");
  cgrpc_json_options_t o = {.indent = 2};
  CHECK_EQ_STR(to_json(&m, &jsontest_All_table, &o),
               "{\n  \"i32\": 1,\n  \"inner\": {},\n  \"rI32\": [\n    1,\n    2\n  ],\n"
               "  \"mStrI32\": {\n    \"k\": 1\n  }\n}");
}

static void test_proto2(void) {
  jsontest2_Msg2 m;
  CHECK_EQ_STR(from_json("{\"str\": \"x\", \"level\": \"HIGH\", \"levels\": [1, \"LOW\"],"
                         " \"req\": {\"id\": 0}, \"mLevel\": {\"a\": 2}, \"grp\": {\"x\": 1}}",
                         &m, &jsontest2_Msg2_table, NULL),
               "");
  CHECK_EQ_STR(to_json(&m, &jsontest2_Msg2_table, NULL),
               "{\"str\":\"x\",\"level\":\"HIGH\",\"levels\":[\"LOW\",\"LOW\"],\"req\":{\"id\":0},"
               "\"mLevel\":{\"a\":2},\"grp\":{\"x\":1}}");
  CHECK_EQ_STR(from_json("{\"level\": 3}", &m, &jsontest2_Msg2_table, NULL),
               "ERROR 3: level: 3 is not a value of enum jsontest2.Level");
  CHECK_EQ_STR(from_json("{\"req\": {}}", &m, &jsontest2_Msg2_table, NULL),
               "ERROR 3: req: required field \"id\" of jsontest2.Req is missing");
  CHECK_EQ_STR(from_json("{}", &m, &jsontest2_Msg2_table, NULL), "");
  CHECK_EQ_STR(to_json(&m, &jsontest2_Msg2_table, NULL), "{}");
  cgrpc_json_options_t defaults = {.flags = CGRPC_JSON_EMIT_DEFAULTS};
  CHECK_EQ_STR(to_json(&m, &jsontest2_Msg2_table, &defaults), "{\"levels\":[],\"mLevel\":{}}");
}

static void test_invalid_utf8_in_message_fails_to_print(void) {
  jsontest_All m = jsontest_All_INIT;
  m.str = CGRPC_STR("a\xc0");
  CHECK_EQ_STR(to_json(&m, &jsontest_All_table, NULL),
               "ERROR 3: a string is not valid UTF-8 (at byte 1 of it); JSON needs UTF-8");
}

static void test_arena_limit_gives_resource_exhausted(void) {
  cgrpc_arena_t small;
  cgrpc_arena_init(&small, NULL, 0);
  cgrpc_arena_set_limit(&small, 1024);
  char big[8192];
  size_t n = (size_t)sprintf(big, "{\"rStr\": [");
  for (int i = 0; i < 500; i++) n += (size_t)sprintf(big + n, "%s\"abcdefgh\\n\"", i ? "," : "");
  sprintf(big + n, "]}");
  jsontest_All m = jsontest_All_INIT;
  cgrpc_error_t err;
  CHECK_EQ_INT(cgrpc_json_decode(big, strlen(big), &m, &jsontest_All_table, &small, NULL, &err),
               CGRPC_STATUS_RESOURCE_EXHAUSTED);
  CHECK_EQ_STR(err.message,
               "out of memory parsing JSON: the arena refused an allocation (raise its limit)");
  cgrpc_arena_free(&small);
  cgrpc_arena_init(&small, NULL, 0);
  cgrpc_arena_set_limit(&small, 1024);
  jsontest_All *p = jsontest_All_new(&test_arena);
  CHECK_EQ_STR(from_json(big, p, &jsontest_All_table, NULL), "");
  cgrpc_str_t out;
  CHECK_EQ_INT(cgrpc_json_encode(p, &jsontest_All_table, NULL, &small, &out, &err),
               CGRPC_STATUS_RESOURCE_EXHAUSTED);
  CHECK(out.data == NULL);
  cgrpc_arena_free(&small);
}

static void test_generated_wrappers(void) {
  jsontest_Inner in;
  jsontest_Inner_init(&in);
  const char *text = "{\"a\": 7, \"b\": \"x\"}";
  CHECK_EQ_INT(jsontest_Inner_from_json(text, strlen(text), &in, &test_arena, NULL, &test_err),
               CGRPC_STATUS_OK);
  CHECK_EQ_INT(in.a, 7);
  cgrpc_str_t out;
  CHECK_EQ_INT(jsontest_Inner_to_json(&in, NULL, &test_arena, &out, &test_err), CGRPC_STATUS_OK);
  CHECK_EQ_STR(out.data, "{\"a\":7,\"b\":\"x\"}");
}

int main(void) {
  cgrpc_arena_init(&test_arena, NULL, 0);
  TEST_RUN(test_empty_message_prints_braces);
  TEST_RUN(test_integers);
  TEST_RUN(test_integers_accept_strings_and_exponents);
  TEST_RUN(test_integer_errors);
  TEST_RUN(test_floats);
  TEST_RUN(test_shortest_doubles_round_trip);
  TEST_RUN(test_bool_string_bytes);
  TEST_RUN(test_enums);
  TEST_RUN(test_enum_aliases);
  TEST_RUN(test_names);
  TEST_RUN(test_defaults_and_presence);
  TEST_RUN(test_repeated_and_maps);
  TEST_RUN(test_oneofs);
  TEST_RUN(test_syntax_errors);
  TEST_RUN(test_depth_limit);
  TEST_RUN(test_indent);
  TEST_RUN(test_proto2);
  TEST_RUN(test_invalid_utf8_in_message_fails_to_print);
  TEST_RUN(test_arena_limit_gives_resource_exhausted);
  TEST_RUN(test_generated_wrappers);
  int rc = TEST_DONE();
  cgrpc_arena_free(&test_arena);
  return rc;
}

/* The well-known types' JSON forms, both directions, and their errors. */
#include "google/protobuf/any.pb.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "json_test_util.h"

static void test_timestamp(void) {
  CHECK_ROUND("{\"ts\": \"1970-01-01T00:00:00Z\"}", "{\"ts\":\"1970-01-01T00:00:00Z\"}");
  CHECK_ROUND("{\"ts\": \"1972-01-01T10:00:20.021Z\"}", "{\"ts\":\"1972-01-01T10:00:20.021Z\"}");
  CHECK_ROUND("{\"ts\": \"2000-02-29T23:59:59.1Z\"}", "{\"ts\":\"2000-02-29T23:59:59.100Z\"}");
  CHECK_ROUND("{\"ts\": \"2000-01-01T00:00:00.000001Z\"}", "{\"ts\":\"2000-01-01T00:00:00.000001Z\"}");
  CHECK_ROUND("{\"ts\": \"2000-01-01T00:00:00.123456789Z\"}",
              "{\"ts\":\"2000-01-01T00:00:00.123456789Z\"}");
  CHECK_ROUND("{\"ts\": \"2000-01-01T08:00:00+08:00\"}", "{\"ts\":\"2000-01-01T00:00:00Z\"}");
  CHECK_ROUND("{\"ts\": \"1999-12-31T23:00:00-01:30\"}", "{\"ts\":\"2000-01-01T00:30:00Z\"}");
  CHECK_ROUND("{\"ts\": \"0001-01-01T00:00:00Z\"}", "{\"ts\":\"0001-01-01T00:00:00Z\"}");
  CHECK_ROUND("{\"ts\": \"9999-12-31T23:59:59.999999999Z\"}",
              "{\"ts\":\"9999-12-31T23:59:59.999999999Z\"}");
  CHECK_ROUND("{\"ts\": \"1969-12-31T23:59:59.5Z\"}", "{\"ts\":\"1969-12-31T23:59:59.500Z\"}");
  const char *bad[] = {"0000-12-31T23:59:59Z", "10000-01-01T00:00:00Z", "2001-02-29T00:00:00Z",
                       "2000-01-01t00:00:00Z", "2000-01-01T00:00:00z", "2000-01-01T00:00:00",
                       "2000-01-01T00:00:00.Z", "2000-01-01T00:00:00.1234567890Z",
                       "2000-01-01 00:00:00Z", "0001-01-01T00:00:00+00:01"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char in[128], want[256];
    snprintf(in, sizeof in, "{\"ts\": \"%s\"}", bad[i]);
    snprintf(want, sizeof want,
             "ERROR 3: ts: invalid Timestamp \"%s\": expected RFC 3339 such as "
             "\"1972-01-01T10:00:20.021Z\", from year 0001 to 9999",
             bad[i]);
    CHECK_PARSE_ERR(in, want);
  }
  CHECK_PARSE_ERR("{\"ts\": 0}", "ERROR 3: ts: expected an RFC 3339 Timestamp string, got a number (at byte 7)");
  google_protobuf_Timestamp t = {.seconds = 253402300800};
  CHECK_EQ_STR(to_json(&t, &google_protobuf_Timestamp_table, NULL),
               "ERROR 3: Timestamp {seconds: 253402300800, nanos: 0} is outside 0001-01-01 to 9999-12-31");
  t.seconds = 0;
  t.nanos = -1;
  CHECK(strncmp(to_json(&t, &google_protobuf_Timestamp_table, NULL), "ERROR 3:", 8) == 0);
}

static void test_duration(void) {
  CHECK_ROUND("{\"dur\": \"0s\"}", "{\"dur\":\"0s\"}");
  CHECK_ROUND("{\"dur\": \"1.5s\"}", "{\"dur\":\"1.500s\"}");
  CHECK_ROUND("{\"dur\": \"-0.000000001s\"}", "{\"dur\":\"-0.000000001s\"}");
  CHECK_ROUND("{\"dur\": \"-3.25s\"}", "{\"dur\":\"-3.250s\"}");
  CHECK_ROUND("{\"dur\": \"315576000000.999999999s\"}", "{\"dur\":\"315576000000.999999999s\"}");
  CHECK_ROUND("{\"dur\": \"-315576000000s\"}", "{\"dur\":\"-315576000000s\"}");
  const char *bad[] = {"315576000001s", "1", "1.s", "s", "1.0000000001s", "+1s", " 1s", "1S"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char in[128], want[256];
    snprintf(in, sizeof in, "{\"dur\": \"%s\"}", bad[i]);
    snprintf(want, sizeof want,
             "ERROR 3: dur: invalid Duration \"%s\": expected seconds with up to 9 fractional "
             "digits and a final 's', within +-315576000000s",
             bad[i]);
    CHECK_PARSE_ERR(in, want);
  }
  google_protobuf_Duration d = {.seconds = 1, .nanos = -1};
  CHECK_EQ_STR(to_json(&d, &google_protobuf_Duration_table, NULL),
               "ERROR 3: Duration {seconds: 1, nanos: -1} is out of range or has mixed signs");
}

static void test_field_mask(void) {
  CHECK_ROUND("{\"mask\": \"\"}", "{\"mask\":\"\"}");
  CHECK_ROUND("{\"mask\": \"fooBar.baz,qux\"}", "{\"mask\":\"fooBar.baz,qux\"}");
  jsontest_All *m = jsontest_All_new(&test_arena);
  CHECK_EQ_STR(from_json("{\"mask\": \"fooBar.bazQux\"}", m, &jsontest_All_table, NULL), "");
  CHECK_EQ_INT(m->mask->paths.count, 1);
  CHECK_EQ_MEM(m->mask->paths.data[0].data, m->mask->paths.data[0].len, "foo_bar.baz_qux", 15);
  CHECK_PARSE_ERR("{\"mask\": \"foo_bar\"}",
                  "ERROR 3: mask: invalid FieldMask path \"foo_bar\": use lowerCamelCase, not '_'");
  CHECK_PARSE_ERR("{\"mask\": \"a,,b\"}", "ERROR 3: mask: invalid FieldMask: an empty path");
  CHECK_PARSE_ERR("{\"mask\": \"a b\"}",
                  "ERROR 3: mask: invalid FieldMask path \"a b\": only letters, digits and '.'");
  CHECK_ROUND("{\"mask\": \"Foo.a1B\"}", "{\"mask\":\"Foo.a1B\"}");
  cgrpc_str_t paths[] = {CGRPC_STR("foo_3")};
  m->mask->paths.data = paths;
  m->mask->paths.count = 1;
  CHECK_EQ_STR(to_json(m->mask, &google_protobuf_FieldMask_table, NULL),
               "ERROR 3: FieldMask path \"foo_3\" has a '_' not before a lower-case letter, so it "
               "has no JSON form");
  paths[0] = CGRPC_STR("a-b");
  CHECK_EQ_STR(to_json(m->mask, &google_protobuf_FieldMask_table, NULL),
               "ERROR 3: FieldMask path \"a-b\" is not a field path");
  paths[0] = CGRPC_STR("fooBar");
  CHECK_EQ_STR(to_json(m->mask, &google_protobuf_FieldMask_table, NULL),
               "ERROR 3: FieldMask path \"fooBar\" has an upper-case letter, so it has no JSON form");
}

static void test_struct_value_list(void) {
  CHECK_ROUND("{\"st\": {\"a\": 1, \"b\": [true, null, \"x\", {\"c\": {}}], \"d\": {}}}",
              "{\"st\":{\"a\":1,\"b\":[true,null,\"x\",{\"c\":{}}],\"d\":{}}}");
  CHECK_ROUND("{\"val\": null}", "{\"val\":null}");
  CHECK_ROUND("{\"val\": 1.5}", "{\"val\":1.5}");
  CHECK_ROUND("{\"val\": \"NaN\"}", "{\"val\":\"NaN\"}");
  CHECK_ROUND("{\"val\": []}", "{\"val\":[]}");
  CHECK_ROUND("{\"list\": [1, [2], {}]}", "{\"list\":[1,[2],{}]}");
  CHECK_ROUND("{\"rVal\": [null, 1]}", "{\"rVal\":[null,1]}");
  CHECK_ROUND("{\"mVal\": {\"k\": null}}", "{\"mVal\":{\"k\":null}}");
  CHECK_ROUND("{\"nullVal\": null}", "{}");
  CHECK_ROUND("{\"nullVal\": \"NULL_VALUE\"}", "{}");
  CHECK_PARSE_ERR("{\"st\": {\"a\": 1, \"a\": 2}}", "ERROR 3: st: the map has a key twice");
  CHECK_PARSE_ERR("{\"st\": []}", "ERROR 3: st: expected an object for a Struct, got an array (at byte 7)");
  CHECK_PARSE_ERR("{\"val\": 1e999}", "ERROR 3: val: 1e999 is out of range for a Value's number");
  CHECK_PARSE_ERR("{\"st\": {\"a\": [1, tru]}}", "ERROR 3: st[\"a\"][1]: invalid literal (at byte 17)");
  google_protobuf_Value v = google_protobuf_Value_INIT;
  CHECK_EQ_STR(to_json(&v, &google_protobuf_Value_table, NULL),
               "ERROR 3: a google.protobuf.Value has no kind set, so it has no JSON form");
  v.kind_case = google_protobuf_Value_kind_number_value;
  v.kind.number_value = 1.0 / 0.0;
  CHECK_EQ_STR(to_json(&v, &google_protobuf_Value_table, NULL),
               "ERROR 3: a google.protobuf.Value cannot hold NaN or Infinity in JSON");
}

static void test_wrappers_and_empty(void) {
  CHECK_ROUND("{\"wI32\": 1, \"wI64\": \"2\", \"wU32\": 3, \"wU64\": 4, \"wFl\": 0.5, \"wDb\": \"NaN\","
              " \"wBool\": false, \"wStr\": \"\", \"wRaw\": \"\", \"empty\": {}}",
              "{\"wI32\":1,\"wI64\":\"2\",\"wU32\":3,\"wU64\":\"4\",\"wFl\":0.5,\"wDb\":\"NaN\","
              "\"wBool\":false,\"wStr\":\"\",\"wRaw\":\"\",\"empty\":{}}");
  CHECK_ROUND("{\"wI32\": null, \"empty\": null}", "{}");
  CHECK_PARSE_ERR("{\"wI32\": {\"value\": 1}}",
                  "ERROR 3: wI32: expected an integer, got an object (at byte 9)");
  CHECK_PARSE_ERR("{\"empty\": {\"a\": 1}}",
                  "ERROR 3: empty: google.protobuf.Empty has no field named \"a\"");
}

static const cgrpc_pb_file_t *const files[] = {&jsontest_all3_proto_file, NULL};

static void test_any(void) {
  cgrpc_json_options_t o = {.resolve = cgrpc_json_resolve_in_files, .resolve_ctx = (void *)files};
  const char *in =
      "{\"any\": {\"a\": 5, \"@type\": \"type.googleapis.com/jsontest.Inner\", \"b\": \"x\"},"
      " \"rAny\": [{\"@type\": \"type.googleapis.com/google.protobuf.Duration\", \"value\": \"1s\"},"
      " {\"@type\": \"type.googleapis.com/google.protobuf.Struct\", \"value\": {\"k\": [1]}},"
      " {\"@type\": \"type.googleapis.com/jsontest.All\", \"any\": {\"@type\":"
      " \"type.googleapis.com/google.protobuf.Empty\"}}, {}]}";
  jsontest_All *m = jsontest_All_new(&test_arena);
  CHECK_EQ_STR(from_json(in, m, &jsontest_All_table, &o), "");
  CHECK_EQ_STR(to_json(m, &jsontest_All_table, &o),
               "{\"any\":{\"@type\":\"type.googleapis.com/jsontest.Inner\",\"a\":5,\"b\":\"x\"},"
               "\"rAny\":[{\"@type\":\"type.googleapis.com/google.protobuf.Duration\",\"value\":\"1s\"},"
               "{\"@type\":\"type.googleapis.com/google.protobuf.Struct\",\"value\":{\"k\":[1]}},"
               "{\"@type\":\"type.googleapis.com/jsontest.All\",\"any\":{\"@type\":"
               "\"type.googleapis.com/google.protobuf.Empty\"}},{}]}");
  /* The payload is the binary encoding of the message. */
  CHECK_EQ_MEM(m->any->value.data, m->any->value.len, "\x08\x05\x12\x01x", 5);
  /* Without a resolver, user types fail and well-known types work. */
  CHECK_EQ_STR(to_json(m, &jsontest_All_table, NULL),
               "ERROR 3: cannot print the Any of type \"type.googleapis.com/jsontest.Inner\": no "
               "resolver in the options knows the type");
  CHECK_PARSE_ERR("{\"any\": {\"@type\": \"type.googleapis.com/jsontest.Inner\"}}",
                  "ERROR 3: any: cannot resolve the Any type \"type.googleapis.com/jsontest.Inner\" "
                  "(give the options a resolver that knows it)");
  CHECK_ROUND("{\"any\": {\"@type\": \"type.googleapis.com/google.protobuf.Int32Value\", \"value\": 3}}",
              "{\"any\":{\"@type\":\"type.googleapis.com/google.protobuf.Int32Value\",\"value\":3}}");
  CHECK_PARSE_ERR("{\"any\": {\"a\": 1}}", "ERROR 3: any: an Any with fields needs an \"@type\" member");
  CHECK_PARSE_ERR("{\"any\": {\"@type\": \"x\"}}",
                  "ERROR 3: any: invalid Any type URL \"x\": expected \"type.googleapis.com/<full name>\"");
  /* Empty has no special form, so an Any holds it as an ordinary message with
   * no fields: {"@type": url}; a "value" member is an unknown field, as in
   * protobuf's json_format. Any in Any does use "value". */
  CHECK_ROUND("{\"any\": {\"@type\": \"type.googleapis.com/google.protobuf.Empty\"}}",
              "{\"any\":{\"@type\":\"type.googleapis.com/google.protobuf.Empty\"}}");
  CHECK_PARSE_ERR("{\"any\": {\"@type\": \"a/google.protobuf.Empty\", \"value\": {}}}",
                  "ERROR 3: any: google.protobuf.Empty has no field named \"value\"");
  {
    cgrpc_json_options_t lax = o;
    lax.flags = CGRPC_JSON_IGNORE_UNKNOWN;
    jsontest_All *e = jsontest_All_new(&test_arena);
    CHECK_EQ_STR(from_json("{\"any\": {\"@type\": \"a/google.protobuf.Empty\", \"value\": {}}}", e,
                           &jsontest_All_table, &lax),
                 "");
    CHECK_EQ_STR(to_json(e, &jsontest_All_table, &o), "{\"any\":{\"@type\":\"a/google.protobuf.Empty\"}}");
  }
  CHECK_ROUND("{\"any\": {\"@type\": \"a/google.protobuf.Any\", \"value\": {\"@type\": "
              "\"a/google.protobuf.Empty\"}}}",
              "{\"any\":{\"@type\":\"a/google.protobuf.Any\",\"value\":{\"@type\":"
              "\"a/google.protobuf.Empty\"}}}");
  CHECK_PARSE_ERR("{\"any\": {\"@type\": \"a/google.protobuf.Empty\", \"@type\": \"a/b\"}}",
                  "ERROR 3: any: an Any has \"@type\" twice");
  CHECK_PARSE_ERR("{\"any\": {\"@type\": \"a/google.protobuf.Duration\", \"value\": \"1s\", \"x\": 1}}",
                  "ERROR 3: any: an Any holding google.protobuf.Duration has only \"@type\" and "
                  "\"value\", not \"x\"");
  CHECK_PARSE_ERR("{\"any\": {\"@type\": \"a/google.protobuf.Duration\", \"value\": \"1\"}}",
                  "ERROR 3: any.value: invalid Duration \"1\": expected seconds with up to 9 "
                  "fractional digits and a final 's', within +-315576000000s");
  jsontest_All *m2 = jsontest_All_new(&test_arena);
  CHECK_EQ_STR(from_json("{\"any\": {\"@type\": \"t/jsontest.Inner\", \"a\": \"x\"}}", m2,
                         &jsontest_All_table, &o),
               "ERROR 3: any.a: expected an integer, got the string \"x\"");
  /* A payload that does not decode cannot be printed. */
  google_protobuf_Any bad = {.type_url = CGRPC_STR("t/jsontest.Inner"), .value = CGRPC_STR("\x08")};
  CHECK_EQ_STR(to_json(&bad, &google_protobuf_Any_table, &o),
               "ERROR 3: the Any of type \"t/jsontest.Inner\" does not decode: truncated input");
}

static void test_resolver_finds_dependencies(void) {
  CHECK(cgrpc_json_resolve_in_files((void *)files, CGRPC_STR("type.googleapis.com/jsontest.Inner")) ==
        &jsontest_Inner_table);
  CHECK(cgrpc_json_resolve_in_files((void *)files, CGRPC_STR("jsontest.All")) == &jsontest_All_table);
  CHECK(cgrpc_json_resolve_in_files((void *)files, CGRPC_STR("x/google.protobuf.Timestamp")) != NULL);
  CHECK(cgrpc_json_resolve_in_files((void *)files, CGRPC_STR("x/jsontest.Nope")) == NULL);
  CHECK(cgrpc_json_resolve_in_files(NULL, CGRPC_STR("x/jsontest.All")) == NULL);
}

int main(void) {
  cgrpc_arena_init(&test_arena, NULL, 0);
  TEST_RUN(test_timestamp);
  TEST_RUN(test_duration);
  TEST_RUN(test_field_mask);
  TEST_RUN(test_struct_value_list);
  TEST_RUN(test_wrappers_and_empty);
  TEST_RUN(test_any);
  TEST_RUN(test_resolver_finds_dependencies);
  int rc = TEST_DONE();
  cgrpc_arena_free(&test_arena);
  return rc;
}

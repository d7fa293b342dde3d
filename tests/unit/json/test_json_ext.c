/* proto2 extensions in JSON: "[full.name]" members, kept in the unknown
 * fields, through cgrpc_json_options_t.extensions, with the descriptor
 * pool's resolver (cgrpc_pool_json_extensions) and a hand-written one. */
#include "cgrpc/descriptor.h"
#include "json_test_util.h"

static cgrpc_pool_t *pool;
static cgrpc_json_extensions_t pool_exts;

static cgrpc_json_options_t with_exts(uint32_t flags) {
  cgrpc_json_options_t o = {.flags = flags, .extensions = &pool_exts};
  return o;
}

static const char *round2(const char *in, const cgrpc_json_options_t *o) {
  jsontest2_Msg2 *m = jsontest2_Msg2_new(&test_arena);
  const char *r = from_json(in, m, &jsontest2_Msg2_table, o);
  /* The flags are parse flags; print with the same resolver and indent. */
  cgrpc_json_options_t print = *o;
  print.flags = 0;
  return *r ? r : to_json(m, &jsontest2_Msg2_table, &print);
}

static void test_every_kind_round_trips(void) {
  cgrpc_json_options_t o = with_exts(0);
  const char *in =
      "{\"i32\": 1, \"[jsontest2.ext_i32]\": 0, \"[jsontest2.ext_strs]\": [\"a\", \"b\"],"
      " \"[jsontest2.ext_req]\": {\"id\": 7}, \"[jsontest2.ext_level]\": \"HIGH\","
      " \"[jsontest2.ext_packed]\": [\"-1\", 2], \"[jsontest2.ext_bytes]\": \"AQI=\"}";
  const char *want =
      "{\"i32\":1,\"[jsontest2.ext_i32]\":0,\"[jsontest2.ext_strs]\":[\"a\",\"b\"],"
      "\"[jsontest2.ext_req]\":{\"id\":7},\"[jsontest2.ext_level]\":\"HIGH\","
      "\"[jsontest2.ext_packed]\":[\"-1\",\"2\"],\"[jsontest2.ext_bytes]\":\"AQI=\"}";
  CHECK_EQ_STR(round2(in, &o), want);

  /* The values are the unknown fields' wire bytes, in JSON order; binary
   * round trips keep them, and a printer without a resolver leaves them out. */
  jsontest2_Msg2 *m = jsontest2_Msg2_new(&test_arena);
  CHECK_EQ_STR(from_json(in, m, &jsontest2_Msg2_table, &o), "");
  CHECK(m->_unknown.len > 3);
  CHECK_EQ_MEM(m->_unknown.data, 3, "\xa0\x06\x00", 3); /* field 100, varint 0 */
  uint8_t *bin;
  size_t len;
  CHECK_EQ_INT(cgrpc_pb_encode(m, &jsontest2_Msg2_table, &test_arena, 0, &bin, &len, NULL),
               CGRPC_PB_OK);
  jsontest2_Msg2 *back = jsontest2_Msg2_new(&test_arena);
  CHECK_EQ_INT(cgrpc_pb_decode(bin, len, back, &jsontest2_Msg2_table, &test_arena, 0, NULL),
               CGRPC_PB_OK);
  CHECK_EQ_STR(to_json(back, &jsontest2_Msg2_table, &o), want);
  CHECK_EQ_STR(to_json(back, &jsontest2_Msg2_table, NULL), "{\"i32\":1}");

  /* The example of docs/json.md. */
  CHECK_EQ_STR(
      round2("{\"i32\": 1, \"[jsontest2.ext_i32]\": 0, \"[jsontest2.ext_strs]\": [\"a\", \"b\"]}",
             &o),
      "{\"i32\":1,\"[jsontest2.ext_i32]\":0,\"[jsontest2.ext_strs]\":[\"a\",\"b\"]}");

  cgrpc_json_options_t indented = with_exts(0);
  indented.indent = 1;
  CHECK_EQ_STR(round2("{\"[jsontest2.ext_i32]\": 5}", &indented),
               "{\n \"[jsontest2.ext_i32]\": 5\n}");
  CHECK_EQ_STR(round2("{\"[jsontest2.ext_strs]\": [], \"[jsontest2.ext_req]\": null}", &o), "{}");
}

static void test_printing_from_binary(void) {
  cgrpc_json_options_t o = with_exts(0);
  /* A repeated extension's elements are gathered from records apart, in
   * number order after the fields; an unknown field 150 is left out; of a
   * singular one the last record wins. */
  static const char bin[] =
      "\xaa\x06\x01"
      "a"
      "\xb0\x09\x01"
      "\xaa\x06\x01"
      "b"
      "\xa0\x06\x05"
      "\x08\x03"
      "\xa0\x06\x06";
  jsontest2_Msg2 *m = jsontest2_Msg2_new(&test_arena);
  CHECK_EQ_INT(cgrpc_pb_decode(bin, sizeof bin - 1, m, &jsontest2_Msg2_table, &test_arena, 0, NULL),
               CGRPC_PB_OK);
  CHECK_EQ_STR(to_json(m, &jsontest2_Msg2_table, &o),
               "{\"i32\":3,\"[jsontest2.ext_i32]\":6,\"[jsontest2.ext_strs]\":[\"a\",\"b\"]}");
  /* Malformed unknown bytes: the numbers before them are still found, and
   * decoding them as the extension says what is wrong. */
  m->_unknown = (cgrpc_str_t){"\xa0\x06\x05\xa0\x06", 5};
  const char *r = to_json(m, &jsontest2_Msg2_table, &o);
  CHECK(strncmp(r, "ERROR 3: the extension jsontest2.ext_i32 of jsontest2.Msg2 does not decode",
                74) == 0);
}

static void test_errors(void) {
  jsontest2_Msg2 *m = jsontest2_Msg2_new(&test_arena);
  CHECK_EQ_STR(from_json("{\"[jsontest2.ext_i32]\": 1}", m, &jsontest2_Msg2_table, NULL),
               "ERROR 3: jsontest2.Msg2 has no extension named \"[jsontest2.ext_i32]\" (give the "
               "options an extension resolver)");
  cgrpc_json_options_t o = with_exts(0);
  CHECK_EQ_STR(from_json("{\"[jsontest2.nope]\": 1}", m, &jsontest2_Msg2_table, &o),
               "ERROR 3: jsontest2.Msg2 has no extension named \"[jsontest2.nope]\"");
  /* An extension of another message is not one of this message. */
  jsontest2_Req *req = jsontest2_Req_new(&test_arena);
  CHECK_EQ_STR(from_json("{\"id\": 1, \"[jsontest2.ext_i32]\": 1}", req, &jsontest2_Req_table, &o),
               "ERROR 3: jsontest2.Req has no extension named \"[jsontest2.ext_i32]\"");
  CHECK_EQ_STR(from_json("{\"[jsontest2.ext_i32]\": \"x\"}", m, &jsontest2_Msg2_table, &o),
               "ERROR 3: [jsontest2.ext_i32]: expected an integer, got the string \"x\"");
  CHECK_EQ_STR(from_json("{\"[jsontest2.ext_req]\": {}}", m, &jsontest2_Msg2_table, &o),
               "ERROR 3: [jsontest2.ext_req]: required field \"id\" of jsontest2.Req is missing");
  CHECK_EQ_STR(
      from_json(
          "{\"[jsontest2.ext_bytes]\": \"AQI=\", \"i32\": 1, \"[jsontest2.ext_bytes]\": \"\"}", m,
          &jsontest2_Msg2_table, &o),
      "ERROR 3: [jsontest2.ext_bytes]: the extension appears twice");
  /* IGNORE_UNKNOWN skips what no resolver knows, with or without one. */
  cgrpc_json_options_t lax = with_exts(CGRPC_JSON_IGNORE_UNKNOWN);
  CHECK_EQ_STR(round2("{\"[jsontest2.nope]\": {\"a\": [1]}, \"i32\": 2}", &lax), "{\"i32\":2}");
  lax.extensions = NULL;
  CHECK_EQ_STR(round2("{\"[jsontest2.ext_i32]\": 1, \"i32\": 2}", &lax), "{\"i32\":2}");
}

/* A hand-written resolver whose answer lacks the table a message needs. */
static bool bad_find(void *ctx, const char *extendee, cgrpc_str_t name,
                     cgrpc_json_extension_t *out) {
  (void)ctx, (void)extendee, (void)name;
  *out = (cgrpc_json_extension_t){.full_name = "x.y", .number = 100, .type = CGRPC_PB_MESSAGE};
  return true;
}
static bool bad_find_by_number(void *ctx, const char *extendee, uint32_t number,
                               cgrpc_json_extension_t *out) {
  (void)number;
  return bad_find(ctx, extendee, (cgrpc_str_t){"", 0}, out);
}

static void test_unusable_resolver_answer(void) {
  cgrpc_json_extensions_t bad = {bad_find, bad_find_by_number, NULL};
  cgrpc_json_options_t o = {.extensions = &bad};
  jsontest2_Msg2 *m = jsontest2_Msg2_new(&test_arena);
  CHECK_EQ_STR(from_json("{\"[x.y]\": {}}", m, &jsontest2_Msg2_table, &o),
               "ERROR 3: [x.y]: the extension resolver gave an unusable answer for it");
  m->_unknown = (cgrpc_str_t){"\xa0\x06\x05", 3};
  CHECK_EQ_STR(to_json(m, &jsontest2_Msg2_table, &o),
               "ERROR 3: the extension resolver gave an unusable answer for field 100 of "
               "jsontest2.Msg2");
}

int main(void) {
  cgrpc_arena_init(&test_arena, NULL, 0);
  cgrpc_error_t err;
  if (cgrpc_pool_new(&pool, &err) != CGRPC_STATUS_OK ||
      cgrpc_pool_add_generated(pool, &jsontest_all2_proto_file, &err) != CGRPC_STATUS_OK) {
    fprintf(stderr, "pool: %s\n", err.message);
    return 1;
  }
  cgrpc_pool_json_extensions(pool, &pool_exts);
  TEST_RUN(test_every_kind_round_trips);
  TEST_RUN(test_printing_from_binary);
  TEST_RUN(test_errors);
  TEST_RUN(test_unusable_resolver_answer);
  int rc = TEST_DONE();
  cgrpc_pool_free(pool);
  cgrpc_arena_free(&test_arena);
  return rc;
}

/* tests/oom/test_protoparse.c — the .proto parser when the heap refuses.
 *
 * A parser (and its pool) parses, from memory, a proto3 file that imports a
 * well-known type and a proto2 file, declares custom options and uses them
 * itself (so a scratch pool is built for the second pass of its options),
 * then writes the descriptor set, while the n-th heap allocation fails, for
 * every n until a run needs fewer, transient and persistent.
 * cgrpc/proto_parser.h promises RESOURCE_EXHAUSTED, and nothing may crash
 * or leak.
 */
#include <stdlib.h>
#include <string.h>

#include "cgrpc/proto_parser.h"
#include "oom_alloc.h"
#include "test.h"

static const char kMain[] =
    "syntax = \"proto3\";\n"
    "package oomp;\n"
    "import \"google/protobuf/timestamp.proto\";\n"
    "import \"google/protobuf/descriptor.proto\";\n"
    "import \"dep.proto\";\n"
    "extend google.protobuf.MessageOptions { Dep meta = 50000; }\n"
    "message Item {\n"
    "  option (meta) = { name: \"item\" sizes: [1, 2] };\n"
    "  int64 id = 1 [json_name = \"ident\"];\n"
    "  optional string label = 2;\n"
    "  map<string, Item> children = 3;\n"
    "  oneof pick { Dep dep = 4; google.protobuf.Timestamp at = 5; }\n"
    "  enum Kind { KIND_UNSPECIFIED = 0; KIND_A = 1; }\n"
    "  Kind kind = 6;\n"
    "}\n"
    "service Items { rpc Get(Item) returns (stream Item); }\n";
static const char kDep[] =
    "syntax = \"proto2\";\n"
    "package oomp;\n"
    "message Dep {\n"
    "  optional string name = 1 [default = \"x\"];\n"
    "  repeated int32 sizes = 2;\n"
    "  optional group G = 3 { optional int32 g = 1; }\n"
    "}\n";

static bool source(void *user_data, const char *name, const char **data, size_t *len) {
  (void)user_data;
  const char *text = strcmp(name, "main.proto") == 0  ? kMain
                     : strcmp(name, "dep.proto") == 0 ? kDep
                                                      : NULL;
  if (!text) return false;
  *data = text;
  *len = strlen(text);
  return true;
}

/* The whole path; returns the first failure's code, or OK. */
static cgrpc_status_code_t run(void) {
  cgrpc_proto_parser_t *parser = NULL;
  cgrpc_error_t err;
  cgrpc_status_code_t code = cgrpc_proto_parser_new(NULL, &parser, &err);
  if (code) return code;
  code = cgrpc_proto_parser_add_import_path(parser, "/nonexistent-oom-dir", &err);
  cgrpc_proto_parser_set_source(parser, source, NULL);
  const char *const names[] = {"main.proto"};
  uint8_t *set = NULL;
  size_t len = 0;
  if (!code) code = cgrpc_proto_parser_descriptor_set(parser, names, 1, &set, &len, &err);
  if (!code) {
    CHECK(len > 0);
    CHECK(cgrpc_pool_find_message(cgrpc_proto_parser_pool(parser), "oomp.Item") != NULL);
  }
  if (code && code != CGRPC_STATUS_RESOURCE_EXHAUSTED) fprintf(stderr, "  %s\n", err.message);
  free(set);
  cgrpc_proto_parser_free(parser);
  return code;
}

static void sweep(oom_mode_t mode) {
  size_t n;
  for (n = 1;; n++) {
    long live = oom_live_blocks();
    oom_arm(n, mode);
    cgrpc_status_code_t code = run();
    size_t failures = oom_failures();
    oom_disarm();
    CHECK_EQ_INT(oom_live_blocks(), live);
    if (failures == 0) {
      CHECK_EQ_INT(code, CGRPC_STATUS_OK);
      break;
    }
    if (code != CGRPC_STATUS_OK && code != CGRPC_STATUS_RESOURCE_EXHAUSTED)
      TEST_FAIL_("n=%zu: got status %d, want RESOURCE_EXHAUSTED", n, (int)code);
    if (mode == OOM_PERSISTENT) CHECK_EQ_INT(code, CGRPC_STATUS_RESOURCE_EXHAUSTED);
  }
  printf("  %s: %zu runs\n", mode == OOM_PERSISTENT ? "persistent" : "transient", n);
}

static void test_parser_transient(void) { sweep(OOM_TRANSIENT); }
static void test_parser_persistent(void) { sweep(OOM_PERSISTENT); }

int main(void) {
  oom_install();
  TEST_RUN(test_parser_transient);
  TEST_RUN(test_parser_persistent);
  return TEST_DONE();
}

/* The parser object of cgrpc/proto_parser.h: sources from memory and from
 * import paths, the pool it fills, built-in well-known types, descriptor
 * sets in dependency order, paths on disk, failures that leave it usable. */
#define _GNU_SOURCE /* mkdtemp */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgrpc/proto_parser.h"
#include "test.h"

static const char *const shop_proto =
    "syntax = \"proto3\";\n"
    "package shop;\n"
    "import \"google/protobuf/timestamp.proto\";\n"
    "import \"common.proto\";\n"
    "message Product {\n"
    "  string unit_price = 1;\n"
    "  map<string, int32> stock = 2;\n"
    "  optional Money price = 3;\n"
    "  google.protobuf.Timestamp created = 4;\n"
    "}\n"
    "service Shop { rpc Get(Product) returns (stream Product); }\n";
static const char *const common_proto =
    "syntax = \"proto3\";\npackage shop;\nmessage Money { int64 units = 1; }\n";

static int calls_;

static bool from_memory(void *user_data, const char *name, const char **data, size_t *len) {
  (void)user_data;
  calls_++;
  const char *text = strcmp(name, "shop.proto") == 0     ? shop_proto
                     : strcmp(name, "common.proto") == 0 ? common_proto
                                                         : NULL;
  if (!text) return false;
  *data = text;
  *len = strlen(text);
  return true;
}

static cgrpc_proto_parser_t *memory_parser(void) {
  cgrpc_proto_parser_t *parser = NULL;
  CHECK_EQ_INT(cgrpc_proto_parser_new(NULL, &parser, NULL), CGRPC_STATUS_OK);
  /* No import path has the well-known types: they come from the pool. */
  CHECK_EQ_INT(cgrpc_proto_parser_add_import_path(parser, "/nonexistent-protoparse-dir", NULL),
               CGRPC_STATUS_OK);
  cgrpc_proto_parser_set_source(parser, from_memory, NULL);
  return parser;
}

static void test_parse_fills_the_pool(void) {
  cgrpc_proto_parser_t *parser = memory_parser();
  const cgrpc_file_desc_t *file = NULL;
  cgrpc_error_t err;
  CHECK_EQ_INT(cgrpc_proto_parser_parse_file(parser, "shop.proto", &file, &err), CGRPC_STATUS_OK);
  CHECK(file != NULL);
  if (!file) goto done;
  CHECK_EQ_STR(file->name, "shop.proto");
  CHECK(file->proto3);
  CHECK_EQ_UINT(file->dep_count, 2);
  cgrpc_pool_t *pool = cgrpc_proto_parser_pool(parser);
  const cgrpc_msg_desc_t *product = cgrpc_pool_find_message(pool, "shop.Product");
  CHECK(product != NULL);
  if (product) {
    const cgrpc_field_desc_t *f = cgrpc_msg_desc_field(product, "unit_price");
    CHECK(f && strcmp(f->json_name, "unitPrice") == 0);
    f = cgrpc_msg_desc_field(product, "stock");
    CHECK(f && f->is_map);
    f = cgrpc_msg_desc_field(product, "price");
    CHECK(f && f->proto3_optional && f->message == cgrpc_pool_find_message(pool, "shop.Money"));
    f = cgrpc_msg_desc_field(product, "created");
    CHECK(f && f->message == cgrpc_pool_find_message(pool, "google.protobuf.Timestamp"));
  }
  const cgrpc_method_desc_t *get = cgrpc_pool_find_method(pool, "shop.Shop.Get");
  CHECK(get && get->server_streaming && !get->client_streaming);
  CHECK(get && strcmp(get->path, "/shop.Shop/Get") == 0);
  /* A second parse of the same file reads nothing and changes nothing. */
  size_t files = cgrpc_pool_file_count(pool);
  int calls = calls_;
  CHECK_EQ_INT(cgrpc_proto_parser_parse_file(parser, "shop.proto", &file, &err), CGRPC_STATUS_OK);
  CHECK_EQ_UINT(cgrpc_pool_file_count(pool), files);
  CHECK_EQ_INT(calls_, calls);
done:
  cgrpc_proto_parser_free(parser);
}

/* The names of the files of a serialized FileDescriptorSet, in order. */
static size_t set_file_names(const uint8_t *p, size_t len, char names[][64], size_t cap) {
  size_t count = 0, i = 0;
  while (i < len && count < cap) {
    if (p[i++] != 0x0a) return count;
    size_t n = 0;
    for (int shift = 0; i < len; shift += 7) {
      n |= (size_t)(p[i] & 0x7f) << shift;
      if (!(p[i++] & 0x80)) break;
    }
    /* The file's first field is its name (field 1, short here). */
    if (p[i] == 0x0a && p[i + 1] < 64) {
      memcpy(names[count], p + i + 2, p[i + 1]);
      names[count][p[i + 1]] = '\0';
      count++;
    }
    i += n;
  }
  return count;
}

static void test_descriptor_set_in_dependency_order(void) {
  cgrpc_proto_parser_t *parser = memory_parser();
  const char *const files[] = {"shop.proto", "common.proto"};
  uint8_t *set = NULL;
  size_t len = 0;
  cgrpc_error_t err;
  CHECK_EQ_INT(cgrpc_proto_parser_descriptor_set(parser, files, 2, &set, &len, &err),
               CGRPC_STATUS_OK);
  char names[8][64];
  size_t n = set_file_names(set, len, names, 8);
  CHECK_EQ_UINT(n, 3);
  if (n == 3) {
    CHECK_EQ_STR(names[0], "google/protobuf/timestamp.proto");
    CHECK_EQ_STR(names[1], "common.proto");
    CHECK_EQ_STR(names[2], "shop.proto");
  }
  /* The set is one another pool takes. */
  cgrpc_pool_t *other;
  CHECK_EQ_INT(cgrpc_pool_new(&other, NULL), CGRPC_STATUS_OK);
  CHECK_EQ_INT(cgrpc_pool_add_file_set(other, set, len, &err), CGRPC_STATUS_OK);
  CHECK(cgrpc_pool_find_message(other, "shop.Product") != NULL);
  cgrpc_pool_free(other);
  free(set);

  const uint8_t *bytes;
  size_t blen;
  CHECK_EQ_INT(cgrpc_proto_parser_file_bytes(parser, "common.proto", &bytes, &blen, NULL),
               CGRPC_STATUS_OK);
  CHECK(blen > 0 && bytes[0] == 0x0a);
  CHECK_EQ_INT(cgrpc_proto_parser_file_bytes(parser, "nope.proto", &bytes, &blen, &err),
               CGRPC_STATUS_NOT_FOUND);
  CHECK_EQ_STR(err.message, "\"nope.proto\" has not been parsed by this parser");
  cgrpc_proto_parser_free(parser);
}

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  CHECK(f != NULL);
  if (!f) return;
  fputs(text, f);
  fclose(f);
}

static void test_import_paths_and_disk_names(void) {
  char dir[] = "/tmp/protoparse-test-XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  char path[256];
  snprintf(path, sizeof path, "%s/sub", dir);
  mkdir(path, 0700);
  snprintf(path, sizeof path, "%s/sub/b.proto", dir);
  write_file(path, "syntax = \"proto3\";\npackage t;\nmessage B {}\n");
  snprintf(path, sizeof path, "%s/sub/a.proto", dir);
  write_file(path, "syntax = \"proto3\";\npackage t;\nimport \"sub/b.proto\";\nmessage A { B b = 1; }\n");

  cgrpc_pool_t *pool;
  CHECK_EQ_INT(cgrpc_pool_new(&pool, NULL), CGRPC_STATUS_OK);
  cgrpc_proto_parser_t *parser;
  CHECK_EQ_INT(cgrpc_proto_parser_new(pool, &parser, NULL), CGRPC_STATUS_OK);
  CHECK(cgrpc_proto_parser_pool(parser) == pool);
  CHECK_EQ_INT(cgrpc_proto_parser_add_import_path(parser, dir, NULL), CGRPC_STATUS_OK);
  /* A path on disk under an import path is named relative to it. */
  const cgrpc_file_desc_t *file = NULL;
  cgrpc_error_t err;
  CHECK_EQ_INT(cgrpc_proto_parser_parse_file(parser, path, &file, &err), CGRPC_STATUS_OK);
  CHECK(file && strcmp(file->name, "sub/a.proto") == 0);
  /* Paths that only name the same file once made canonical do too. */
  char odd_path[300];
  snprintf(odd_path, sizeof odd_path, "%s/sub/..//sub/./a.proto", dir);
  CHECK_EQ_INT(cgrpc_proto_parser_parse_file(parser, odd_path, &file, &err), CGRPC_STATUS_OK);
  CHECK(file && strcmp(file->name, "sub/a.proto") == 0);
  cgrpc_proto_parser_free(parser);
  /* The pool was the caller's: it outlives the parser. */
  CHECK(cgrpc_pool_find_message(pool, "t.A") != NULL);
  CHECK(cgrpc_pool_find_file(pool, "sub/b.proto") != NULL);
  cgrpc_pool_free(pool);

  remove(path);
  snprintf(path, sizeof path, "%s/sub/b.proto", dir);
  remove(path);
  snprintf(path, sizeof path, "%s/sub", dir);
  rmdir(path);
  rmdir(dir);
}

static const char *flaky_text_;
static bool flaky(void *user_data, const char *name, const char **data, size_t *len) {
  (void)user_data;
  if (strcmp(name, "f.proto") != 0) return false;
  *data = flaky_text_;
  *len = strlen(flaky_text_);
  return true;
}

static void test_failure_leaves_the_parser_usable(void) {
  cgrpc_proto_parser_t *parser;
  CHECK_EQ_INT(cgrpc_proto_parser_new(NULL, &parser, NULL), CGRPC_STATUS_OK);
  cgrpc_proto_parser_set_source(parser, flaky, NULL);
  flaky_text_ = "syntax = \"proto3\"; message F { int32 x = 1 }";
  cgrpc_error_t err;
  CHECK_EQ_INT(cgrpc_proto_parser_parse_file(parser, "f.proto", NULL, &err),
               CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK(cgrpc_pool_find_message(cgrpc_proto_parser_pool(parser), "F") == NULL);
  flaky_text_ = "syntax = \"proto3\"; message F { int32 x = 1; }";
  CHECK_EQ_INT(cgrpc_proto_parser_parse_file(parser, "f.proto", NULL, &err), CGRPC_STATUS_OK);
  CHECK(cgrpc_pool_find_message(cgrpc_proto_parser_pool(parser), "F") != NULL);
  /* Without a callback the import paths (none: ".") are searched. */
  cgrpc_proto_parser_set_source(parser, NULL, NULL);
  CHECK_EQ_INT(cgrpc_proto_parser_parse_file(parser, "no-such-file.proto", NULL, &err),
               CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK_EQ_STR(err.message, "no-such-file.proto: file not found (searched ./no-such-file.proto); "
                            "add its directory with -I");
  cgrpc_proto_parser_free(parser);
  cgrpc_proto_parser_free(NULL);
}

int main(void) {
  TEST_RUN(test_parse_fills_the_pool);
  TEST_RUN(test_descriptor_set_in_dependency_order);
  TEST_RUN(test_import_paths_and_disk_names);
  TEST_RUN(test_failure_leaves_the_parser_usable);
  return TEST_DONE();
}

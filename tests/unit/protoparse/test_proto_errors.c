/* Every kind of error the .proto parser reports, with its exact
 * "file:line:column: message" (columns as protoc counts them: a tab moves
 * to the next multiple of 8). */
#include <stdlib.h>
#include <string.h>

#include "cgrpc/proto_parser.h"
#include "test.h"

typedef struct source_file {
  const char *name;
  const char *text;
} source_file_t;

static const source_file_t *files_;

static bool from_memory(void *user_data, const char *name, const char **data, size_t *len) {
  (void)user_data;
  for (const source_file_t *f = files_; f && f->name; f++) {
    if (strcmp(f->name, name) == 0) {
      *data = f->text;
      *len = strlen(f->text);
      return true;
    }
  }
  return false;
}

/* Parses e.proto (and what it imports) from `files`; returns the error. */
static const char *parse_error(const source_file_t *files, cgrpc_status_code_t *code) {
  static cgrpc_error_t err;
  cgrpc_proto_parser_t *parser;
  memset(&err, 0, sizeof err);
  if (cgrpc_proto_parser_new(NULL, &parser, &err) != CGRPC_STATUS_OK) return "no parser";
  cgrpc_proto_parser_add_import_path(parser, "/nonexistent-protoparse-dir", NULL);
  files_ = files;
  cgrpc_proto_parser_set_source(parser, from_memory, NULL);
  *code = cgrpc_proto_parser_parse_file(parser, "e.proto", NULL, &err);
  cgrpc_proto_parser_free(parser);
  return *code == CGRPC_STATUS_OK ? "OK" : err.message;
}

#define CHECK_ERROR(source, expected)                                   \
  do {                                                                  \
    source_file_t files[] = {{"e.proto", source}, {NULL, NULL}};        \
    cgrpc_status_code_t code_;                                          \
    CHECK_EQ_STR(parse_error(files, &code_), expected);                 \
    CHECK_EQ_INT(code_, CGRPC_STATUS_INVALID_ARGUMENT);                 \
  } while (0)

#define P3 "syntax = \"proto3\";\n"
#define P2 "syntax = \"proto2\";\n"

static void test_syntax_errors(void) {
  CHECK_ERROR(P3 "message M { int32 a = 1 }", "e.proto:2:25: expected \";\", found \"}\"");
  CHECK_ERROR(P3 "message M { int32 a = 1; int32 b = 2 }",
              "e.proto:2:38: expected \";\", found \"}\"");
  CHECK_ERROR("syntax = proto3;",
              "e.proto:1:10: expected the syntax in quotes (\"proto2\" or \"proto3\"), found "
              "\"proto3\"");
  CHECK_ERROR("syntax = \"proto4\";",
              "e.proto:1:10: unknown syntax \"proto4\": expected \"proto2\" or \"proto3\"");
  CHECK_ERROR(P3 "message M {\n  int32 a = 1;",
              "e.proto:3:15: expected \"}\" closing the message, found the end of the file");
  CHECK_ERROR(P3 "rpc",
              "e.proto:2:1: expected a top-level statement (message, enum, service, extend, "
              "import, package or option), found \"rpc\"");
  CHECK_ERROR(P3 "package a.b;\npackage c;",
              "e.proto:3:1: a file can have only one package statement");
  CHECK_ERROR(P2 "message M { int32 a = 1; }",
              "e.proto:2:13: expected \"required\", \"optional\" or \"repeated\" (proto2 fields "
              "need a label), found \"int32\"");
  CHECK_ERROR(P3 "message M { oneof o { repeated int32 a = 1; } }",
              "e.proto:2:23: fields in a oneof must not have labels (required, optional, "
              "repeated)");
  CHECK_ERROR(P2 "message M { optional group g = 1 {} }",
              "e.proto:2:28: a group name must start with a capital letter");
  CHECK_ERROR(P2 "message M { extensions 5 to 9; }\nextend M {}",
              "e.proto:3:11: expected a field (an extend block cannot be empty), found \"}\"");
  CHECK_ERROR(P3 "message M { map<double, string> m = 1; }",
              "e.proto:2:17: a map key must be an integer type, bool or string (not a float, "
              "bytes, message or enum)");
}

static void test_lexical_errors(void) {
  CHECK_ERROR(P3 "option java_package = \"abc;",
              "e.proto:2:28: string literal is not closed with \" on its line");
  CHECK_ERROR("/* never closed", "e.proto:1:1: block comment is not closed with \"*/\"");
  CHECK_ERROR(P3 "option java_package = \"a\\qb\";",
              "e.proto:2:25: invalid escape sequence \"\\q\" in string literal");
  CHECK_ERROR(P3 "message M { int32 a = 1abc; }",
              "e.proto:2:24: a number must be followed by a space or a symbol, not 'a'");
  CHECK_ERROR(P3 "message M { string s = 1; } // caf\xc3\xa9 in a comment is fine\nmessage \xc3\xa9 {}",
              "e.proto:3:9: unexpected byte 0xc3: outside strings and comments a .proto file is "
              "ASCII text");
  /* A tab moves the column to the next multiple of 8, as in protoc. */
  CHECK_ERROR(P3 "message M {\n\tint32 a = 1;\n\tFoo b = 2;\n}",
              "e.proto:4:9: unknown type \"Foo\": it is not defined in this file, its package or "
              "the files it imports");
}

static void test_semantic_errors(void) {
  CHECK_ERROR(P3 "message M {\n  Foo a = 1;\n}",
              "e.proto:3:3: unknown type \"Foo\": it is not defined in this file, its package or "
              "the files it imports");
  CHECK_ERROR(P3 "message M {\n  int32 a = 1;\n  string b = 1;\n}",
              "e.proto:4:14: field number 1 has already been used in \"M\" by field \"a\"");
  CHECK_ERROR(P3 "message M {}\nenum M { Z = 0; }",
              "e.proto:3:6: \"M\" is already defined (as a message)");
  CHECK_ERROR(P3 "message M { int32 a = 0; }",
              "e.proto:2:23: a field number must be between 1 and 536870911");
  CHECK_ERROR(P3 "message M { int32 a = 536870912; }",
              "e.proto:2:23: a field number must be between 1 and 536870911");
  CHECK_ERROR(P3 "message M {\n  reserved 5 to 10;\n  int32 a = 7;\n}",
              "e.proto:4:13: field \"a\" uses number 7, which \"M\" reserves");
  CHECK_ERROR(P3 "message M {\n  reserved \"a\";\n  int32 a = 1;\n}",
              "e.proto:4:9: field name \"a\" is reserved in \"M\"");
  CHECK_ERROR(P2 "message M {\n  reserved 5 to 10;\n  reserved 8 to 12;\n}",
              "e.proto:4:12: reserved range 8 to 12 overlaps with reserved range 5 to 10");
  CHECK_ERROR(P2 "message M {\n  extensions 5 to 10;\n  extensions 10;\n}",
              "e.proto:4:14: extension range 10 to 10 overlaps with extension range 5 to 10");
  CHECK_ERROR(P2 "message M {\n  extensions 5 to 10;\n  reserved 7;\n}",
              "e.proto:3:14: extension range 5 to 10 overlaps with reserved range 7 to 7");
  CHECK_ERROR(P2 "enum E {\n  A = 0;\n  reserved 5 to 10, 8 to 12;\n}",
              "e.proto:4:21: reserved range 8 to 12 overlaps with reserved range 5 to 10");
  CHECK_ERROR(P3 "message M { int32 a = 19001; }",
              "e.proto:2:23: field numbers 19000 to 19999 are reserved for the protobuf "
              "implementation; \"a\" cannot use 19001");
  CHECK_ERROR(P3 "message M { required int32 a = 1; }",
              "e.proto:2:13: required fields are not allowed in proto3");
  CHECK_ERROR(P3 "message M { optional group G = 1 { } }",
              "e.proto:2:22: groups are not supported in proto3: use a message field");
  CHECK_ERROR(P3 "message M { extensions 100 to 200; }",
              "e.proto:2:24: extension ranges are not allowed in proto3");
  source_file_t p3_extend[] = {
      {"e.proto", P3 "import \"p2.proto\";\nextend P2 { int32 b = 2; }"},
      {"p2.proto", P2 "message P2 { extensions 1 to 10; }\nenum E2 { A = 0; }"},
      {NULL, NULL}};
  cgrpc_status_code_t code;
  CHECK_EQ_STR(parse_error(p3_extend, &code),
               "e.proto:3:8: extensions in proto3 are only allowed for defining options "
               "(extending google.protobuf.*Options), not \"P2\"");
  source_file_t p3_enum[] = {{"e.proto", P3 "import \"p2.proto\";\nmessage M { E2 e = 1; }"},
                             {"p2.proto", P2 "message P2 { extensions 1 to 10; }\nenum E2 { A = 0; }"},
                             {NULL, NULL}};
  CHECK_EQ_STR(parse_error(p3_enum, &code),
               "e.proto:3:13: enum \"E2\" is a proto2 enum: a proto3 message cannot use it");
  CHECK_ERROR(P3 "enum E { A = 1; }",
              "e.proto:2:10: the first value of enum \"E\" must be 0 in proto3 (it is the default)");
  CHECK_ERROR(P3 "message M { int32 foobar = 1; int32 foo_bar = 2; }",
              "e.proto:2:37: the JSON name of field \"foo_bar\" conflicts with field \"foobar\" "
              "(not allowed in proto3)");
  CHECK_ERROR(P3 "enum E { E_UNKNOWN = 0; UNKNOWN = 1; }",
              "e.proto:2:25: enum value \"UNKNOWN\" is \"E_UNKNOWN\" once the enum's name is "
              "stripped as a prefix and case ignored (proto3 forbids it unless both have the same "
              "number)");
  CHECK_ERROR(P3 "enum E {\n  A = 0;\n  B = 0;\n}",
              "e.proto:4:3: \"B\" uses the number 0 of \"A\": set option allow_alias = true; in "
              "enum \"E\" to allow aliases");
  CHECK_ERROR(P3 "service S {}\nmessage M { S s = 1; }",
              "e.proto:3:13: \"S\" is not a type (it is a service)");
  CHECK_ERROR(P2 "message M { extensions 10 to 20; }\nextend M { optional int32 x = 30; }",
              "e.proto:3:31: \"M\" does not declare 30 as an extension number (add it to an "
              "\"extensions\" range)");
  CHECK_ERROR(P2 "enum E { A = 0; }\nextend E { optional int32 x = 1; }",
              "e.proto:3:8: \"E\" is not a message type, so it cannot be extended");
}

static void test_default_errors(void) {
  CHECK_ERROR(P3 "message M { int32 a = 1 [default = 5]; }",
              "e.proto:2:26: explicit default values are not allowed in proto3");
  CHECK_ERROR(P2 "message M { optional int32 a = 1 [default = \"x\"]; }",
              "e.proto:2:35: the default of an integer field must be an integer");
  CHECK_ERROR(P2 "message M { optional int32 a = 1 [default = 3000000000]; }",
              "e.proto:2:35: the default of field \"a\" is out of the range of its type");
  CHECK_ERROR(P2 "enum E { A = 0; }\nmessage M { optional E e = 1 [default = B]; }",
              "e.proto:3:31: enum \"E\" has no value named \"B\"");
}

static void test_option_errors(void) {
  CHECK_ERROR(P3 "option jave_package = \"x\";",
              "e.proto:2:8: option \"jave_package\" is unknown: google.protobuf.FileOptions has "
              "no such field (custom options go in parentheses)");
  CHECK_ERROR(P3 "option (my.opt) = 1;",
              "e.proto:2:8: option \"(my.opt)\" is unknown: no extension of that name is defined "
              "here or in an imported file");
  CHECK_ERROR(P3 "option java_multiple_files = \"yes\";",
              "e.proto:2:30: option \"java_multiple_files\" is a bool: its value must be true or "
              "false");
  CHECK_ERROR(P3 "option java_package = \"a\";\noption java_package = \"b\";",
              "e.proto:3:8: option \"java_package\" is set twice");
  CHECK_ERROR(P3 "import \"google/protobuf/any.proto\";\n"
                 "import \"google/protobuf/descriptor.proto\";\n"
                 "extend google.protobuf.FileOptions { google.protobuf.Any a = 50000; }\n"
                 "option (a) = { [example.com/x.Y] { } };",
              "e.proto:5:16: cannot find the type \"example.com/x.Y\" of an Any (the prefix must "
              "be type.googleapis.com/ and the message known)");
  CHECK_ERROR(P3 "import \"google/protobuf/descriptor.proto\";\n"
                 "extend google.protobuf.FileOptions { int32 x = 50000; }\n"
                 "option (x) = 1;\noption (x) = 2;",
              "e.proto:5:8: option \"(x)\" is set twice");
  CHECK_ERROR(P2 "message M { extensions 10 to 20; }\n"
                 "extend M { optional int32 x = 10 [json_name = \"y\"]; }",
              "e.proto:3:35: option json_name is not allowed on extension fields");
}

static void test_import_errors(void) {
  CHECK_ERROR(P3 "import \"missing/dep.proto\";",
              "e.proto:2:8: import \"missing/dep.proto\" was not found (searched "
              "/nonexistent-protoparse-dir/missing/dep.proto)");
  source_file_t cycle[] = {{"e.proto", P3 "import \"b.proto\";"},
                           {"b.proto", P3 "import \"e.proto\";"},
                           {NULL, NULL}};
  cgrpc_status_code_t code;
  CHECK_EQ_STR(parse_error(cycle, &code),
               "b.proto:2:8: import cycle: \"b.proto\" imports \"e.proto\", which is still being "
               "parsed");
  source_file_t none[] = {{NULL, NULL}};
  CHECK_EQ_STR(parse_error(none, &code),
               "e.proto: file not found (searched /nonexistent-protoparse-dir/e.proto); add its "
               "directory with -I");
  /* Only what a file imports (and what that imports publicly) is visible. */
  source_file_t hidden[] = {{"e.proto", P3 "import \"b.proto\";\nmessage E { C c = 1; B b = 2; }"},
                            {"b.proto", P3 "import \"c.proto\";\nmessage B {}"},
                            {"c.proto", P3 "message C {}"},
                            {NULL, NULL}};
  CHECK_EQ_STR(parse_error(hidden, &code),
               "e.proto:3:13: unknown type \"C\": it is not defined in this file, its package or "
               "the files it imports (\"c.proto\" defines it, but this file does not import it)");
  source_file_t public_dep[] = {
      {"e.proto", P3 "import \"b.proto\";\nmessage E { C c = 1; B b = 2; }"},
      {"b.proto", P3 "import public \"c.proto\";\nmessage B {}"},
      {"c.proto", P3 "message C {}"},
      {NULL, NULL}};
  CHECK_EQ_STR(parse_error(public_dep, &code), "OK");
  /* The error of an imported file names that file. */
  source_file_t bad_dep[] = {{"e.proto", P3 "import \"b.proto\";"},
                             {"b.proto", P3 "message B { int32 x = 1 }"},
                             {NULL, NULL}};
  CHECK_EQ_STR(parse_error(bad_dep, &code), "b.proto:2:25: expected \";\", found \"}\"");
}

/* Deep nesting is refused before it can exhaust the stack. */
static void test_depth_limits(void) {
  static char text[8192];
  int n = snprintf(text, sizeof text,
                   "syntax = \"proto2\";\nimport \"google/protobuf/descriptor.proto\";\n"
                   "message R { optional R r = 1; }\n"
                   "extend google.protobuf.FileOptions { optional R deep = 50000; }\n"
                   "option (deep) = {");
  for (int i = 0; i < 150; i++) n += snprintf(text + n, sizeof text - (size_t)n, " r {");
  for (int i = 0; i < 150; i++) n += snprintf(text + n, sizeof text - (size_t)n, "}");
  snprintf(text + n, sizeof text - (size_t)n, "};\n");
  CHECK_ERROR(text, "e.proto:5:421: aggregate value nested more than 100 deep");

  /* A chain of 150 imports: a0 imports a1 imports a2 ... */
  static char names[151][16], bodies[151][64];
  static source_file_t chain[152];
  for (int i = 0; i <= 150; i++) {
    snprintf(names[i], sizeof names[i], i ? "a%d.proto" : "e.proto", i);
    if (i < 150)
      snprintf(bodies[i], sizeof bodies[i], "import \"a%d.proto\";", i + 1);
    else
      bodies[i][0] = '\0';
    chain[i] = (source_file_t){names[i], bodies[i]};
  }
  chain[151] = (source_file_t){NULL, NULL};
  cgrpc_status_code_t code;
  CHECK_EQ_STR(parse_error(chain, &code),
               "a99.proto:1:8: imports are nested more than 100 deep (at \"a100.proto\")");
}

int main(void) {
  TEST_RUN(test_depth_limits);
  TEST_RUN(test_syntax_errors);
  TEST_RUN(test_lexical_errors);
  TEST_RUN(test_semantic_errors);
  TEST_RUN(test_default_errors);
  TEST_RUN(test_option_errors);
  TEST_RUN(test_import_errors);
  return TEST_DONE();
}

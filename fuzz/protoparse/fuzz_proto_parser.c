/* fuzz_proto_parser — arbitrary bytes as .proto source into the parser.
 *
 * The input is the text of "f.proto"; when it contains a line "//--", what
 * follows is "dep.proto", which f.proto may import (other imports are not
 * found; the well-known types come from the pool). Each input gets a fresh
 * parser and pool. On success the descriptor set of f.proto must be taken
 * by another fresh pool (what the parser writes is always a valid
 * descriptor) and the file must be in the parser's pool; on failure the code
 * is INVALID_ARGUMENT with a message that starts with the file's name. No
 * crash, no out-of-bounds access, no leak, no UB, whatever the text says.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgrpc/proto_parser.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(bool ok, const char *what) {
  if (ok) return;
  fprintf(stderr, "fuzz_proto_parser: %s\n", what);
  abort();
}

typedef struct sources {
  const char *main_text, *dep_text;
  size_t main_len, dep_len;
} sources_t;

static bool from_input(void *user_data, const char *name, const char **data, size_t *len) {
  const sources_t *s = user_data;
  if (strcmp(name, "f.proto") == 0) {
    *data = s->main_text;
    *len = s->main_len;
    return true;
  }
  if (strcmp(name, "dep.proto") == 0 && s->dep_text) {
    *data = s->dep_text;
    *len = s->dep_len;
    return true;
  }
  return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 65536) return 0;
  sources_t s = {(const char *)data, NULL, size, 0};
  static const char split[] = "\n//--\n";
  for (size_t i = 0; i + sizeof split - 1 <= size; i++) {
    if (memcmp(data + i, split, sizeof split - 1) == 0) {
      s.main_len = i;
      s.dep_text = (const char *)data + i + sizeof split - 1;
      s.dep_len = size - i - (sizeof split - 1);
      break;
    }
  }
  cgrpc_proto_parser_t *parser;
  if (cgrpc_proto_parser_new(NULL, &parser, NULL) != CGRPC_STATUS_OK) return 0;
  cgrpc_proto_parser_add_import_path(parser, "/nonexistent-fuzz-dir", NULL);
  cgrpc_proto_parser_set_source(parser, from_input, &s);
  const char *const names[] = {"f.proto"};
  uint8_t *set = NULL;
  size_t len = 0;
  cgrpc_error_t err;
  memset(&err, 0, sizeof err);
  cgrpc_status_code_t code = cgrpc_proto_parser_descriptor_set(parser, names, 1, &set, &len, &err);
  if (code == CGRPC_STATUS_OK) {
    require(cgrpc_pool_find_file(cgrpc_proto_parser_pool(parser), "f.proto") != NULL,
            "a parsed file is not in the pool");
    cgrpc_pool_t *other;
    if (cgrpc_pool_new(&other, NULL) == CGRPC_STATUS_OK) {
      cgrpc_error_t perr;
      code = cgrpc_pool_add_file_set(other, set, len, &perr);
      if (code != CGRPC_STATUS_OK) fprintf(stderr, "%s\n", perr.message);
      require(code == CGRPC_STATUS_OK || code == CGRPC_STATUS_RESOURCE_EXHAUSTED,
              "another pool refuses the descriptor set the parser wrote");
      cgrpc_pool_free(other);
    }
    free(set);
  } else {
    require(code == CGRPC_STATUS_INVALID_ARGUMENT || code == CGRPC_STATUS_RESOURCE_EXHAUSTED,
            "failure is not INVALID_ARGUMENT");
    require(strncmp(err.message, "f.proto", 7) == 0 || strncmp(err.message, "dep.proto", 9) == 0 ||
                strncmp(err.message, "google/protobuf/", 16) == 0,
            "an error message does not start with the file's name");
  }
  cgrpc_proto_parser_free(parser);
  return 0;
}

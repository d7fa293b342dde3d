/* protoparse_dump — writes the descriptor set cgrpc's .proto parser makes of
 * some files, as `protoc --include_imports -o OUT -I DIR... FILE...` does;
 * compare_with_protoc.py compares the two.
 *
 *   protoparse_dump [-I DIR]... OUT FILE...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgrpc/proto_parser.h"

int main(int argc, char **argv) {
  cgrpc_proto_parser_t *parser;
  cgrpc_error_t err;
  if (cgrpc_proto_parser_new(NULL, &parser, &err) != CGRPC_STATUS_OK) {
    fprintf(stderr, "%s\n", err.message);
    return 1;
  }
  int i = 1;
  for (; i < argc; i++) {
    const char *dir = NULL;
    if (strcmp(argv[i], "-I") == 0 && i + 1 < argc)
      dir = argv[++i];
    else if (strncmp(argv[i], "-I", 2) == 0)
      dir = argv[i] + 2;
    else
      break;
    cgrpc_proto_parser_add_import_path(parser, dir, NULL);
  }
  if (argc - i < 2) {
    fprintf(stderr, "usage: protoparse_dump [-I DIR]... OUT FILE...\n");
    cgrpc_proto_parser_free(parser);
    return 2;
  }
  const char *out_path = argv[i++];
  uint8_t *set;
  size_t len;
  int rc = 0;
  if (cgrpc_proto_parser_descriptor_set(parser, (const char *const *)argv + i, (size_t)(argc - i),
                                        &set, &len, &err) != CGRPC_STATUS_OK) {
    fprintf(stderr, "%s\n", err.message);
    rc = 1;
  } else {
    FILE *f = fopen(out_path, "wb");
    if (!f || fwrite(set, 1, len, f) != len || fclose(f) != 0) {
      perror(out_path);
      rc = 1;
    }
    free(set);
  }
  cgrpc_proto_parser_free(parser);
  return rc;
}

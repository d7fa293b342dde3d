/* tools/cgrpc/cli_proto_files.c — --proto FILE -I DIR: .proto files parsed
 * by the library's native parser (cgrpc/proto_parser.h), no protoc at run
 * time. */
#include "cli_schema.h"

int cli_schema_add_proto_files(cgrpc_pool_t *pool, const cli_args_t *args) {
  (void)pool;
  if (!args->proto_count) return CLI_EXIT_OK;
  return cli_fail(CLI_EXIT_FAILURE,
                  "--proto needs the .proto parser, which this build lacks; write a descriptor "
                  "set with protoc --include_imports -o FILE and use --protoset FILE");
}

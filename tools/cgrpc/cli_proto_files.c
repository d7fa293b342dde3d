/* tools/cgrpc/cli_proto_files.c — --proto FILE -I DIR: .proto files parsed
 * by the library's native parser (cgrpc/proto_parser.h) into the user's
 * pool, no protoc at run time. Errors come as the parser words them,
 * "file.proto:LINE:COLUMN: message". */
#include "cli_schema.h"

#if CGRPC_CLI_PROTO_PARSER
#include "cgrpc/proto_parser.h"

int cli_schema_add_proto_files(cgrpc_pool_t *pool, const cli_args_t *args) {
  if (!args->proto_count) return CLI_EXIT_OK;
  cgrpc_proto_parser_t *parser = NULL;
  cgrpc_error_t err;
  int rc = CLI_EXIT_OK;
  if (cgrpc_proto_parser_new(pool, &parser, &err) != CGRPC_STATUS_OK)
    return cli_fail(CLI_EXIT_FAILURE, "%s", err.message);
  for (size_t i = 0; !rc && i < args->import_path_count; i++)
    if (cgrpc_proto_parser_add_import_path(parser, args->import_paths[i], &err))
      rc = cli_fail(CLI_EXIT_FAILURE, "%s", err.message);
  for (size_t i = 0; !rc && i < args->proto_count; i++)
    if (cgrpc_proto_parser_parse_file(parser, args->protos[i], NULL, &err))
      rc = cli_fail(CLI_EXIT_FAILURE, "--proto %s: %s", args->protos[i], err.message);
  cgrpc_proto_parser_free(parser);
  return rc;
}
#else
int cli_schema_add_proto_files(cgrpc_pool_t *pool, const cli_args_t *args) {
  (void)pool;
  if (!args->proto_count) return CLI_EXIT_OK;
  return cli_fail(CLI_EXIT_FAILURE,
                  "--proto needs the .proto parser, which this build lacks; write a descriptor "
                  "set with protoc --include_imports -o FILE and use --protoset FILE");
}
#endif

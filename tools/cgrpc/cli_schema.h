/* tools/cgrpc/cli_schema.h — where the schemas of a run come from: server
 * reflection over the channel to ADDRESS, or files (--protoset descriptor
 * sets, --proto files parsed natively). Plus the tool's own pool, which
 * holds the reflection, health and google.rpc schemas (tool_schemas.c). */
#ifndef CGRPC_TOOL_CLI_SCHEMA_H
#define CGRPC_TOOL_CLI_SCHEMA_H

#include "cli.h"
#include "cli_reflection.h"

typedef struct cli_schema {
  cgrpc_pool_t *pool;           /* the user's schemas */
  cgrpc_pool_t *tool_pool;      /* the tool's own */
  cgrpc_channel_t *ch;          /* to ADDRESS, or NULL */
  cli_reflection_t *reflection; /* NULL when schemas come from files */
  cgrpc_arena_t arena;          /* lists handed out, until cli_schema_close */
} cli_schema_t;

/* Whether --protoset or --proto was given (then reflection is not used). */
bool cli_schema_from_files(const cli_args_t *args);

/* A pool holding the tool's own schemas. Exit code. */
int cli_schema_tool_pool(cgrpc_pool_t **out);

/* Loads the tool's pool, opens a channel to `address` (when not NULL) and
 * the user's files or a reflection client. Returns an exit code, after
 * saying what went wrong; *s is then still safe to close. */
int cli_schema_open(cli_schema_t *s, const cli_args_t *args, const char *address);
void cli_schema_close(cli_schema_t *s);

/* Makes sure the pool knows `symbol` (reflection asks the server): *found
 * says whether it does. Exit code. */
int cli_schema_load_symbol(cli_schema_t *s, const char *symbol, bool *found);

/* Every service's full name (reflection: the server's list). Exit code. */
int cli_schema_services(cli_schema_t *s, const char *const **names, size_t *count);

/* The method named `name` ("pkg.Service/Method", "/pkg.Service/Method" or
 * "pkg.Service.Method"). When there is none, says so with the services or
 * methods there are, and returns CLI_EXIT_FAILURE. */
int cli_schema_find_method(cli_schema_t *s, const char *name, const cgrpc_method_desc_t **out);

/* Parses the .proto files of --proto (cli_proto_files.c) into the pool. */
int cli_schema_add_proto_files(cgrpc_pool_t *pool, const cli_args_t *args);

#endif /* CGRPC_TOOL_CLI_SCHEMA_H */

/* tools/cgrpc/cli_reflection.h — a client of gRPC server reflection
 * (grpc.reflection.v1, falling back to v1alpha when the server does not
 * know v1): one ServerReflectionInfo stream per run, one question at a
 * time. */
#ifndef CGRPC_TOOL_CLI_REFLECTION_H
#define CGRPC_TOOL_CLI_REFLECTION_H

#include "cli.h"

typedef struct cli_reflection cli_reflection_t;

/* Prepares a client over `ch` (the stream starts with the first question).
 * `tool_pool` holds the reflection schemas and must outlive the client.
 * NULL when memory runs out. */
cli_reflection_t *cli_reflection_new(cgrpc_channel_t *ch, const cgrpc_pool_t *tool_pool,
                                     const cli_args_t *args);
void cli_reflection_free(cli_reflection_t *r);

/* The server's services, in its order: *names (an array of NUL-terminated
 * strings, valid until cli_reflection_free) and *count. Returns an exit
 * code, after printing why when not CLI_EXIT_OK. */
int cli_reflection_list(cli_reflection_t *r, const char *const **names, size_t *count);

/* Adds to `pool` the file that declares `symbol` and every file it imports
 * (asking for those the server did not send), leaving out files the pool
 * has already. *found says whether the server knows the symbol. Returns an
 * exit code, after printing why when not CLI_EXIT_OK. */
int cli_reflection_load_symbol(cli_reflection_t *r, cgrpc_pool_t *pool, const char *symbol,
                               bool *found);

#endif /* CGRPC_TOOL_CLI_REFLECTION_H */

/* tools/cgrpc/cli_status.h — how a call's end is shown: the status code
 * name and message on stderr, the decoded google.rpc.Status details, and
 * with -v the response headers and trailers. */
#ifndef CGRPC_TOOL_CLI_STATUS_H
#define CGRPC_TOOL_CLI_STATUS_H

#include <stdio.h>

#include "cli.h"
#include "cli_output.h"

/* Prints metadata as "key: value" lines under `title` (binary values in
 * base64, as they travel). */
void cli_print_metadata(FILE *out, const char *title, const cgrpc_metadata_t *md);

/* Prints a failed status ("ERROR: NOT_FOUND: no such product") and its
 * details, each as JSON when `output` can resolve its type. */
void cli_print_status_error(const cgrpc_status_t *status, const cli_output_t *output,
                            cgrpc_arena_t *arena);

#endif /* CGRPC_TOOL_CLI_STATUS_H */

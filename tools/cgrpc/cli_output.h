/* tools/cgrpc/cli_output.h — printing messages: JSON (the proto3 mapping,
 * indented) or protobuf text format, with google.protobuf.Any payloads and
 * extensions resolved in the user's schemas, then in the tool's own. */
#ifndef CGRPC_TOOL_CLI_OUTPUT_H
#define CGRPC_TOOL_CLI_OUTPUT_H

#include <stdio.h>

#include "cli.h"

typedef struct cli_output {
  cli_format_t format;
  cgrpc_json_options_t json;
  cgrpc_json_extensions_t extensions;
  const cgrpc_pool_t *pools[2]; /* where types are looked up, in order; either may be NULL */
  size_t printed;               /* messages printed so far */
} cli_output_t;

/* Sets *o up for the flags in `args` (--format, --emit-defaults,
 * --proto-names). The pools must outlive *o. */
void cli_output_init(cli_output_t *o, const cli_args_t *args, const cgrpc_pool_t *pool,
                     const cgrpc_pool_t *tool_pool);

/* The message named `name` (a full name, or a type URL), or NULL. */
const cgrpc_msg_desc_t *cli_output_find_message(const cli_output_t *o, cgrpc_str_t name);

/* Prints `msg` (of `desc`): JSON followed by a newline; text format with a
 * blank line before every message but the first. Returns CLI_EXIT_OK, or
 * CLI_EXIT_FAILURE after saying why the message cannot be printed. */
int cli_output_message(cli_output_t *o, FILE *out, const void *msg, const cgrpc_msg_desc_t *desc,
                       cgrpc_arena_t *arena);

/* The text format printer (cli_text_format.c): the fields of `msg`, one a
 * line, at `indent` levels of two spaces. */
void cli_text_format_print(const cli_output_t *o, FILE *out, const void *msg,
                           const cgrpc_msg_desc_t *desc, int indent, cgrpc_arena_t *arena);

#endif /* CGRPC_TOOL_CLI_OUTPUT_H */

/* tools/cgrpc/cli.h — what the parts of the `cgrpc` command share: the
 * parsed command line, the exit codes, and the small helpers every command
 * uses. Each command lives in its own file (cmd_*.c); main.c only dispatches.
 *
 * Exit codes (docs/cli.md has the table for users):
 *   0        success (health: the service is SERVING)
 *   1        a local failure: a file that cannot be read, a schema that does
 *            not load, a method or symbol not found, a request that is not
 *            valid JSON for its message
 *   2        usage: an unknown flag, a missing or extra argument
 *   3        health: the server answered, and the status is not SERVING
 *   64 + N   the call (or the reflection or health call) ended with gRPC
 *            status N: 68 DEADLINE_EXCEEDED, 76 UNIMPLEMENTED, 78 UNAVAILABLE...
 *            (grpcurl's convention)
 */
#ifndef CGRPC_TOOL_CLI_H
#define CGRPC_TOOL_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgrpc/cgrpc.h"

enum {
  CLI_EXIT_OK = 0,
  CLI_EXIT_FAILURE = 1,
  CLI_EXIT_USAGE = 2,
  CLI_EXIT_NOT_SERVING = 3,
  CLI_EXIT_STATUS_BASE = 64,
};

/* The exit code of a call that ended with `code`. */
static inline int cli_exit_for_status(cgrpc_status_code_t code) {
  return code == CGRPC_STATUS_OK ? CLI_EXIT_OK : CLI_EXIT_STATUS_BASE + (int)code;
}

#define CLI_MAX_REPEATED 64 /* -H, --protoset, --proto, -I: each at most this many times */

typedef enum cli_format { CLI_FORMAT_JSON, CLI_FORMAT_TEXT } cli_format_t;

/* The command line, parsed (cli_args.c). Strings point into argv. */
typedef struct cli_args {
  const char *command; /* "list", "describe", "call", "health" */
  const char *positional[4];
  size_t positional_count;
  /* Schemas. */
  const char *protosets[CLI_MAX_REPEATED];
  size_t protoset_count;
  const char *protos[CLI_MAX_REPEATED];
  size_t proto_count;
  const char *import_paths[CLI_MAX_REPEATED];
  size_t import_path_count;
  /* Connection. */
  bool tls;
  bool plaintext;
  const char *cacert;
  const char *cert;
  const char *key;
  const char *servername;
  const char *authority;
  int64_t connect_timeout_ns; /* 0: the channel's default */
  int64_t timeout_ns;         /* 0: none (health: 1 s) */
  /* Calls. */
  const char *data; /* -d: JSON text, "@file" or "@" for stdin; NULL: none */
  const char *headers[CLI_MAX_REPEATED];
  size_t header_count;
  bool verbose;
  bool emit_defaults;
  bool proto_names;
  cli_format_t format;
} cli_args_t;

/* Parses argv. Returns CLI_EXIT_OK, or CLI_EXIT_USAGE after printing what
 * was wrong and how to get help, or -1 after printing help (--help) or the
 * version (the caller then exits 0). */
int cli_args_parse(int argc, char **argv, cli_args_t *args);

/* Usage (cli_usage.c). */
void cli_usage_print(const char *command); /* NULL: the overview */
/* Prints "cgrpc: <message>" and a pointer to --help; returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *command, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Prints "cgrpc: <message>" to stderr; returns `exit_code`. */
int cli_fail(int exit_code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Request metadata from the -H flags (cli_metadata.c): "key: value", the
 * value of a key ending in -bin given in base64. Returns CLI_EXIT_OK, or
 * CLI_EXIT_USAGE after naming the bad header. */
int cli_metadata_from_args(const cli_args_t *args, cgrpc_arena_t *arena, cgrpc_metadata_t *md);

/* Standard base64 (cli_base64.c). encode: out needs 4 * ((len + 2) / 3) + 1
 * bytes, NUL-terminated. decode: padded or not, also URL-safe; returns the
 * byte count, or -1 for text that is not base64; out needs len bytes. */
void cli_base64_encode(const void *in, size_t len, char *out);
long cli_base64_decode(const char *in, size_t len, unsigned char *out);

/* The commands (cmd_*.c): each returns the process exit code. */
int cli_cmd_list(const cli_args_t *args);
int cli_cmd_describe(const cli_args_t *args);
int cli_cmd_call(const cli_args_t *args);
int cli_cmd_health(const cli_args_t *args);

#endif /* CGRPC_TOOL_CLI_H */

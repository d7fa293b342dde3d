/* tools/cgrpc/cli_requests.h — the requests of a call as a stream of JSON
 * values (whitespace between them is optional), from -d's text, a file
 * (-d @FILE) or stdin (-d @), read as they arrive so that a bidirectional
 * call can answer each line a user types. */
#ifndef CGRPC_TOOL_CLI_REQUESTS_H
#define CGRPC_TOOL_CLI_REQUESTS_H

#include <stddef.h>

#include "cli.h"

typedef struct cli_requests {
  int fd;           /* -1: everything is in buf already */
  const char *name; /* for messages: "stdin", the file's name, "-d" */
  char *buf;        /* heap; the unread bytes are [start, len) */
  size_t start, len, cap;
  bool eof;
  size_t count; /* values returned so far */
} cli_requests_t;

/* Opens the source `data` names (NULL: no requests). Exit code. */
int cli_requests_open(cli_requests_t *r, const char *data);
void cli_requests_close(cli_requests_t *r);

/* The next JSON value: 1 with *json and *len (valid until the next call), 0 at
 * the end, -1 after printing why the input is broken (an unterminated
 * value, a read error). Blocks on stdin. */
int cli_requests_next(cli_requests_t *r, const char **json, size_t *len);

#endif /* CGRPC_TOOL_CLI_REQUESTS_H */

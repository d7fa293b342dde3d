/* rpc/options.h — the option tables of cgrpc/server.h and cgrpc/channel.h
 * as data: one spec per option (name, type, where it lives in the struct,
 * legal range, documentation), for validation at creation and for the
 * generated table in docs/options.md (tests/unit/rpc/test_options_docs.c).
 *
 * Thread-safety: the specs are constant; every function is pure.
 */
#ifndef CGRPC_SRC_RPC_OPTIONS_H
#define CGRPC_SRC_RPC_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "cgrpc/channel.h"
#include "cgrpc/error.h"
#include "cgrpc/server.h"

typedef enum cgrpc_option_type {
  CGRPC_OPTION_INT,
  CGRPC_OPTION_COUNT,
  CGRPC_OPTION_BYTES,
  CGRPC_OPTION_NS,
  CGRPC_OPTION_BOOL,
  CGRPC_OPTION_STR,
} cgrpc_option_type_t;

typedef struct cgrpc_option_spec {
  const char *name;
  cgrpc_option_type_t type;
  size_t offset; /* of the field in its options struct */
  int64_t min, max;
  const char *doc;
} cgrpc_option_spec_t;

/* One options struct: what it is called in messages, its specs, and how a
 * user initialises it. */
typedef struct cgrpc_option_table {
  const char *what; /* "server", "channel" */
  const char *init_macro, *init_function;
  const cgrpc_option_spec_t *specs;
  size_t count;
  size_t magic_offset;
} cgrpc_option_table_t;

extern const cgrpc_option_table_t cgrpc_server_option_table;
extern const cgrpc_option_table_t cgrpc_channel_option_table;

/* The value of a numeric or bool option of `opts` (not STR). */
int64_t cgrpc_option_get(const cgrpc_option_spec_t *spec, const void *opts);

/* Writes `v`, a value of an option of that type, as a message shows it:
 * the number, or CGRPC_INFINITE / CGRPC_UNLIMITED. */
void cgrpc_option_format(cgrpc_option_type_t type, int64_t v, char *buf, size_t size);

/* OK when `opts` started from its table's INIT or init function and every
 * option is within its range; else INVALID_ARGUMENT with a message in `err`
 * (may be NULL) that names the first option out of range, its value and the
 * range. */
cgrpc_status_code_t cgrpc_options_check(const cgrpc_option_table_t *table, const void *opts,
                                        cgrpc_error_t *err);

#endif /* CGRPC_SRC_RPC_OPTIONS_H */

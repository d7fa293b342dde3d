/* h2/wire_error.h — the error value the gRPC wire pieces return.
 *
 * A failure on the wire always ends a call with a gRPC status, so errors here
 * are exactly that: a status code and a sentence for `grpc-message` or a log.
 * The message lives inside the struct (no allocation on the error path) and is
 * truncated to fit; it never contains bytes outside printable ASCII, so it can
 * go out as `grpc-message` after percent-encoding without surprises.
 *
 * Functions in src/h2 that can fail return a cgrpc_status_code_t (OK on
 * success) and, when given a non-NULL cgrpc_wire_error_t, fill it on failure.
 */
#ifndef CGRPC_SRC_H2_WIRE_ERROR_H
#define CGRPC_SRC_H2_WIRE_ERROR_H

#include "cgrpc/status.h"

/* Room for the message including its NUL. */
#define CGRPC_WIRE_ERROR_MESSAGE_SIZE 160

typedef struct cgrpc_wire_error {
  cgrpc_status_code_t code;
  char message[CGRPC_WIRE_ERROR_MESSAGE_SIZE];
} cgrpc_wire_error_t;

/* Formats the message (printf-style) into `err` when it is non-NULL, and
 * returns `code` so callers can write `return cgrpc_wire_error_set(...)`. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
cgrpc_status_code_t
cgrpc_wire_error_set(cgrpc_wire_error_t *err, cgrpc_status_code_t code, const char *fmt, ...);

#endif /* CGRPC_SRC_H2_WIRE_ERROR_H */

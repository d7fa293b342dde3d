/* h2/grpc_timeout.h — the `grpc-timeout` request header.
 *
 * The value is 1 to 8 ASCII digits followed by one unit letter: H (hours),
 * M (minutes), S (seconds), m (milliseconds), u (microseconds), n
 * (nanoseconds). Durations here are int64_t nanoseconds, the unit of the
 * library's clocks.
 *
 * Encoding picks the smallest unit in which the value fits in 8 digits,
 * rounding up so a peer never sees a shorter deadline than ours. Parsing is
 * strict (the header comes from the network) and saturates: "99999999H" is
 * more than int64 nanoseconds can hold and parses as CGRPC_INFINITE, which means
 * "effectively no deadline" rather than a wrapped-around negative one.
 *
 * All functions are pure: no allocation, thread-safe.
 */
#ifndef CGRPC_SRC_H2_GRPC_TIMEOUT_H
#define CGRPC_SRC_H2_GRPC_TIMEOUT_H

#include <stddef.h>
#include <stdint.h>

#include "h2/wire_error.h"

/* Buffer size for an encoded value: 8 digits, a unit and a NUL. */
#define CGRPC_GRPC_TIMEOUT_BUFSIZE 10

/* Writes the header value for a timeout of `ns` nanoseconds into `out`,
 * NUL-terminated, and returns its length (2 to 9). Zero or negative timeouts
 * encode as "0n" (already expired). Never fails. */
size_t cgrpc_grpc_timeout_encode(int64_t ns, char out[CGRPC_GRPC_TIMEOUT_BUFSIZE]);

/* Parses a header value of `len` bytes (no NUL needed) into *ns.
 * Returns CGRPC_STATUS_OK, or CGRPC_STATUS_INTERNAL with a message starting
 * "malformed grpc-timeout: " (what a server sends back) for anything but 1-8
 * digits and a unit; *ns is untouched on error. */
cgrpc_status_code_t cgrpc_grpc_timeout_parse(const char *value, size_t len, int64_t *ns,
                                             cgrpc_wire_error_t *err);

#endif /* CGRPC_SRC_H2_GRPC_TIMEOUT_H */

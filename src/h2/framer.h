/* h2/framer.h — the 5-byte prefix in front of every gRPC message.
 *
 * On the wire each message is: 1 flag byte (0 = as is, 1 = compressed with
 * the call's grpc-encoding), a 4-byte big-endian length, then the bytes.
 * Senders reserve CGRPC_MESSAGE_PREFIX_SIZE bytes in front of the buffer they
 * encode (or compress) into and write the prefix there afterwards, so prefix
 * and message leave in one contiguous buffer without a copy. Reading is
 * h2/deframer.h's job. Pure functions; thread-safe.
 */
#ifndef CGRPC_SRC_H2_FRAMER_H
#define CGRPC_SRC_H2_FRAMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "h2/wire_error.h"

#define CGRPC_MESSAGE_PREFIX_SIZE 5

/* Flag byte values; any other value is a protocol error. */
#define CGRPC_MESSAGE_FLAG_PLAIN 0
#define CGRPC_MESSAGE_FLAG_COMPRESSED 1

/* Writes the prefix for a message of `len` bytes into out[0..5). Returns
 * CGRPC_STATUS_OK, or CGRPC_STATUS_RESOURCE_EXHAUSTED when `len` does not fit
 * the 32-bit length field (nothing is written then). */
cgrpc_status_code_t cgrpc_message_prefix_write(uint8_t out[CGRPC_MESSAGE_PREFIX_SIZE],
                                               bool compressed, size_t len,
                                               cgrpc_wire_error_t *err);

#endif /* CGRPC_SRC_H2_FRAMER_H */

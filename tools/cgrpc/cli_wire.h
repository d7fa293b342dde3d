/* tools/cgrpc/cli_wire.h — the little of the protobuf wire format the tool
 * reads by hand: the files of a FileDescriptorSet and the name and imports
 * of a FileDescriptorProto, so it can leave out files a pool already has
 * and find the imports reflection did not send. */
#ifndef CGRPC_TOOL_CLI_WIRE_H
#define CGRPC_TOOL_CLI_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgrpc/cgrpc.h"

/* Calls `fn` for each length-delimited field numbered `number` at the top
 * level of msg[0..len), in order; stops early when `fn` returns false.
 * Returns false when the bytes do not parse. */
bool cli_wire_each_bytes(const uint8_t *msg, size_t len, uint32_t number,
                         bool (*fn)(void *ctx, cgrpc_str_t value), void *ctx);

/* The first length-delimited field `number` ({NULL, 0} when absent). */
cgrpc_str_t cli_wire_first_bytes(const uint8_t *msg, size_t len, uint32_t number);

/* A growing byte buffer (heap), for a FileDescriptorSet being assembled. */
typedef struct cli_buf {
  uint8_t *data;
  size_t len, cap;
} cli_buf_t;

/* Appends field `number` (length-delimited) holding value[0..len). False
 * when memory runs out. */
bool cli_buf_add_bytes(cli_buf_t *b, uint32_t number, const void *value, size_t len);
void cli_buf_free(cli_buf_t *b);

#endif /* CGRPC_TOOL_CLI_WIRE_H */

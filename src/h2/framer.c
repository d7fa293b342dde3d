/* gRPC message prefix writer. See h2/framer.h. */
#include "h2/framer.h"

cgrpc_status_code_t cgrpc_message_prefix_write(uint8_t out[CGRPC_MESSAGE_PREFIX_SIZE],
                                               bool compressed, size_t len,
                                               cgrpc_wire_error_t *err) {
  if (len > UINT32_MAX) {
    return cgrpc_wire_error_set(err, CGRPC_STATUS_RESOURCE_EXHAUSTED,
                                "message of %zu bytes is too large for gRPC framing (max %u)", len,
                                (unsigned)UINT32_MAX);
  }
  out[0] = compressed ? CGRPC_MESSAGE_FLAG_COMPRESSED : CGRPC_MESSAGE_FLAG_PLAIN;
  out[1] = (uint8_t)(len >> 24);
  out[2] = (uint8_t)(len >> 16);
  out[3] = (uint8_t)(len >> 8);
  out[4] = (uint8_t)len;
  return CGRPC_STATUS_OK;
}

/* Fuzz target: grpc-status-details-bin as a client and a server read it.
 *
 * Byte 0 is the call's status code (mod 17), the rest the trailer's value.
 * The client side (cgrpc_status_details_get) and the server's check
 * (cgrpc_status_details_check) must agree: details the client accepts are
 * exactly those the server lets through; accepted details repeat the code
 * and message, and every Any in them unpacks as an Any (or fails with a
 * code) and re-encodes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cgrpc/pb.h"
#include "rpc/status_details_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  cgrpc_status_code_t code = (cgrpc_status_code_t)(data[0] % 17);
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  /* The message the call carries: the one the details hold, when they
   * parse, so that matching inputs reach the accepting path too. */
  cgrpc_rpc_status_t probe;
  cgrpc_pb_msg_init(&probe, &cgrpc_rpc_status_table);
  cgrpc_pb_decode(data + 1, size - 1, &probe, &cgrpc_rpc_status_table, &arena, 0, NULL);
  char *message = cgrpc_arena_alloc(&arena, probe.message.len + 1);
  if (!message) abort();
  if (probe.message.len) memcpy(message, probe.message.data, probe.message.len);
  message[probe.message.len] = '\0';

  cgrpc_status_t st = {.code = code, .message = {message, strlen(message)}};
  if (!cgrpc_metadata_add(&st.trailing_metadata, &arena, CGRPC_STATUS_DETAILS_KEY, data + 1,
                          size - 1)) {
    abort();
  }
  cgrpc_rpc_status_t out;
  cgrpc_error_t err;
  cgrpc_status_code_t got = cgrpc_status_details_get(&st, &arena, &out, &err);
  bool server_ok = cgrpc_status_details_check(code, message, &st.trailing_metadata, NULL);
  if ((got == CGRPC_STATUS_OK) != server_ok) abort();
  if (got != CGRPC_STATUS_OK) {
    if (got != CGRPC_STATUS_INVALID_ARGUMENT && got != CGRPC_STATUS_FAILED_PRECONDITION) abort();
    if (err.message[0] == '\0' || out.details.count != 0) abort();
  } else {
    if (out.code != (int32_t)code || out.message.len != strlen(message)) abort();
    for (size_t i = 0; i < out.details.count; i++) {
      cgrpc_any_t inner;
      cgrpc_status_code_t c =
          cgrpc_any_unpack(out.details.data[i], &cgrpc_any_table, &inner, &arena, NULL);
      if (c != CGRPC_STATUS_OK && c != CGRPC_STATUS_INVALID_ARGUMENT) abort();
    }
    uint8_t *bytes;
    size_t len;
    if (cgrpc_pb_encode(&out, &cgrpc_rpc_status_table, &arena, 0, &bytes, &len, NULL) !=
        CGRPC_PB_OK) {
      abort();
    }
  }
  cgrpc_arena_free(&arena);
  return 0;
}

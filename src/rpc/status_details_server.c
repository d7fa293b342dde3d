/* rpc/status_details_server.c — a server call finished with rich error
 * details (cgrpc_server_call_finish_with_details). */
#include <string.h>

#include "base/log.h"
#include "cgrpc/status_details.h"

void cgrpc_server_call_finish_with_details(cgrpc_server_call_t *call, cgrpc_status_code_t code,
                                           const char *message,
                                           const cgrpc_status_detail_t *details, size_t count,
                                           const cgrpc_metadata_t *trailers) {
  /* Error paths only: a heap arena is fine, and finish copies from it. */
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  cgrpc_error_t err;
  cgrpc_str_t bytes;
  cgrpc_metadata_t md = CGRPC_METADATA_INIT;
  cgrpc_status_code_t c =
      cgrpc_status_details_encode(code, message, details, count, &arena, &bytes, &err);
  if (c == CGRPC_STATUS_OK && trailers && !cgrpc_metadata_copy(&md, &arena, trailers)) {
    c = CGRPC_STATUS_RESOURCE_EXHAUSTED;
    strcpy(err.message, "out of memory for the trailers");
  }
  if (c == CGRPC_STATUS_OK &&
      !cgrpc_metadata_add(&md, &arena, CGRPC_STATUS_DETAILS_KEY, bytes.data, bytes.len)) {
    c = CGRPC_STATUS_RESOURCE_EXHAUSTED;
    strcpy(err.message, "out of memory for the trailers");
  }
  if (c != CGRPC_STATUS_OK) {
    cgrpc_log(CGRPC_LOG_ERROR, "the status details of %s could not be sent: %s",
              cgrpc_server_call_method(call)->path, err.message);
    cgrpc_server_call_finish(call, c == CGRPC_STATUS_RESOURCE_EXHAUSTED ? c : CGRPC_STATUS_INTERNAL,
                             "server error: the status details could not be serialized", NULL);
  } else {
    cgrpc_server_call_finish(call, code, message, &md);
  }
  cgrpc_arena_free(&arena);
}

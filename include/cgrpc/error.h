/* cgrpc/error.h — why a setup call failed.
 *
 * Calls end with a gRPC status (cgrpc/call.h). Setting things up (creating a
 * server or a channel, listening on an address, registering a method) can
 * fail too, and the user needs to know what to fix: those functions return a
 * status code and, when given a cgrpc_error_t, fill it with a sentence such
 * as `cannot listen on "127.0.0.1:50051": Address already in use`.
 */
#ifndef CGRPC_ERROR_H
#define CGRPC_ERROR_H

#include "cgrpc/status.h"

#pragma GCC visibility push(default) /* exported: see cgrpc/cgrpc.h */
#ifdef __cplusplus
extern "C" {
#endif

#define CGRPC_ERROR_MESSAGE_SIZE 256

typedef struct cgrpc_error {
  cgrpc_status_code_t code;               /* CGRPC_STATUS_OK when nothing failed */
  char message[CGRPC_ERROR_MESSAGE_SIZE]; /* NUL-terminated, empty on success */
} cgrpc_error_t;

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif

#endif /* CGRPC_ERROR_H */

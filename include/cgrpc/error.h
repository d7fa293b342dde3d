/* cgrpc/error.h — why a setup call failed.
 *
 * The one error convention of the API: every function that can fail returns
 * a cgrpc_status_code_t (CGRPC_STATUS_OK, which is 0, on success), and
 * takes as its last parameter an optional `cgrpc_error_t *err` (NULL when
 * the caller does not want the words) that it fills, on failure, with a
 * sentence saying what to fix, such as `cannot listen on "127.0.0.1:50051":
 * Address already in use`. The code is only ever the return value. Calls
 * end with a cgrpc_status_t instead (cgrpc/call.h), which carries code,
 * message and metadata together.
 *
 *   cgrpc_error_t err;
 *   if (cgrpc_server_listen(srv, address, NULL, &err) != CGRPC_STATUS_OK)
 *     fprintf(stderr, "%s\n", err.message);
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
  char message[CGRPC_ERROR_MESSAGE_SIZE]; /* NUL-terminated; written on failure */
} cgrpc_error_t;

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif

#endif /* CGRPC_ERROR_H */

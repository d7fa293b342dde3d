/* rpc/status_details_internal.h — the server's check of the details a call
 * ends with (rpc/status_details.c). */
#ifndef CGRPC_SRC_RPC_STATUS_DETAILS_INTERNAL_H
#define CGRPC_SRC_RPC_STATUS_DETAILS_INTERNAL_H

#include "cgrpc/status_details.h"

/* False when `trailers` hold grpc-status-details-bin that does not parse or
 * whose code and message differ from `code` and `message` (NULL: empty);
 * why in `err`. True when they match or there are none. */
bool cgrpc_status_details_check(cgrpc_status_code_t code, const char *message,
                                const cgrpc_metadata_t *trailers, cgrpc_error_t *err);

#endif /* CGRPC_SRC_RPC_STATUS_DETAILS_INTERNAL_H */

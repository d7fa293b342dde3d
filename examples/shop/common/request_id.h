/* request_id.h — the `x-request-id` every call carries across services.
 * The interceptor gives a call that arrives without one a fresh id, and
 * logs the id with the method, so one order can be followed through the
 * logs of every service it touched. Outgoing calls copy it with
 * shop_outgoing_options(). */
#ifndef SHOP_REQUEST_ID_H
#define SHOP_REQUEST_ID_H

#include "cgrpc/cgrpc.h"

#define SHOP_REQUEST_ID_KEY "x-request-id"

/* Register with user_data NULL, before the access interceptor. */
const cgrpc_interceptor_t *shop_request_id_interceptor(void);

/* The call's request id ("" when none). */
const char *shop_request_id(const cgrpc_server_call_t *call);

/* Options for a call a handler makes on behalf of `call`: its request id
 * and authorization go along, and `call` is the parent (cgrpc/call.h), so
 * the caller's deadline (when earlier than `fallback_ns` from now) and its
 * cancellation propagate. Memory from the call's arena. */
cgrpc_call_options_t shop_outgoing_options(cgrpc_server_call_t *call, int64_t fallback_ns);

#endif

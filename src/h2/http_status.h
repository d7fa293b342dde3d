/* h2/http_status.h — gRPC status from what HTTP/2 says when gRPC does not.
 *
 * A client normally learns a call's status from the `grpc-status` trailer.
 * When that is missing, the status is synthesised from the HTTP response
 * (grpc/grpc doc/http-grpc-status-mapping.md) or from the RST_STREAM error
 * code that ended the stream (doc/PROTOCOL-HTTP2.md). All functions are pure
 * and thread-safe.
 */
#ifndef CGRPC_SRC_H2_HTTP_STATUS_H
#define CGRPC_SRC_H2_HTTP_STATUS_H

#include <stddef.h>
#include <stdint.h>

#include "cgrpc/status.h"

/* Status for a response without `grpc-status` (non-200 `:status`, or a
 * content-type that is not gRPC): 400 -> INTERNAL, 401 -> UNAUTHENTICATED,
 * 403 -> PERMISSION_DENIED, 404 -> UNIMPLEMENTED, 429/502/503/504 ->
 * UNAVAILABLE, 431 -> INTERNAL, anything else (200 included) -> UNKNOWN.
 * The caller skips 1xx informational responses before getting here. */
cgrpc_status_code_t cgrpc_status_from_http(int http_status);

/* Status for a stream reset by the peer with HTTP/2 error code `h2_error`:
 * REFUSED_STREAM -> UNAVAILABLE (safe to retry transparently), CANCEL ->
 * CANCELLED (the caller reports DEADLINE_EXCEEDED instead when its deadline
 * has passed), ENHANCE_YOUR_CALM -> RESOURCE_EXHAUSTED, INADEQUATE_SECURITY
 * -> PERMISSION_DENIED, every other code, known or not -> INTERNAL. */
cgrpc_status_code_t cgrpc_status_from_h2_error(uint32_t h2_error);

/* Parses a `grpc-status` value: decimal digits naming one of the 17 codes
 * ("0" .. "16", leading zeros allowed). Anything else is UNKNOWN, as the
 * spec asks for an unparseable status. */
cgrpc_status_code_t cgrpc_status_from_grpc_status(const char *value, size_t len);

#endif /* CGRPC_SRC_H2_HTTP_STATUS_H */

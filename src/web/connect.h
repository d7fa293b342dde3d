/* web/connect.h — the Connect protocol (connectrpc.com/docs/protocol) on
 * the seam of web/protocol.h: unary calls as POST application/proto and
 * application/json (and GET for methods with idempotency_level =
 * NO_SIDE_EFFECTS), streaming calls as application/connect+proto and
 * +json envelopes ending with the end-of-stream JSON message, errors as
 * Connect's JSON with its HTTP statuses, gzip both ways, and
 * connect-timeout-ms. The protocol itself is web/connect.c; the codes and
 * the error JSON web/connect_codes.c. */
#ifndef CGRPC_WEB_CONNECT_H
#define CGRPC_WEB_CONNECT_H

#include "web/protocol.h"

extern const cgrpc_web_protocol_t cgrpc_web_connect_protocol;

/* "not_found" for NOT_FOUND, ... ("unknown" for codes out of range). */
const char *connect_code_name(cgrpc_status_code_t code);

/* The HTTP status of a unary Connect error (the same as google.rpc.Code's). */
int connect_http_status(cgrpc_status_code_t code);

/* Appends {"code":"not_found","message":"...","details":[...]} to out; the
 * details come from a grpc-status-details-bin trailer (google.rpc.Status),
 * each {"type":"google.rpc.ErrorInfo","value":"<base64 of the Any value>"}.
 * False when out of memory. */
bool connect_error_json(cgrpc_status_code_t code, cgrpc_str_t message,
                        const cgrpc_metadata_t *trailers, cgrpc_web_buf_t *out);

/* The details array of a serialized google.rpc.Status; false when out of
 * memory or when it does not decode. */
bool connect_details_json(const uint8_t *status, size_t len, cgrpc_web_buf_t *out);

#endif /* CGRPC_WEB_CONNECT_H */

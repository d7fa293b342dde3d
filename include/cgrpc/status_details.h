/* cgrpc/status_details.h — rich error details: a google.rpc.Status in the
 * `grpc-status-details-bin` trailer.
 *
 * A server that fails a call can say more than a code and a message: a list
 * of typed details, each a google.protobuf.Any holding a message such as
 * google.rpc.ErrorInfo, BadRequest or RetryInfo (google/rpc/error_details.proto;
 * generate it with protoc-gen-cgrpc like any .proto, see docs/errors.md).
 *
 *   server:
 *     google_rpc_BadRequest_FieldViolation v = {.field = CGRPC_STR("sku"),
 *                                               .description = CGRPC_STR("empty")};
 *     google_rpc_BadRequest_FieldViolation *vs[] = {&v};
 *     google_rpc_BadRequest bad = {.field_violations = {vs, 1, 1}};
 *     cgrpc_status_detail_t d[] = {{&google_rpc_BadRequest_table, &bad}};
 *     cgrpc_server_call_finish_with_details(call, CGRPC_STATUS_INVALID_ARGUMENT,
 *                                           "sku is empty", d, 1, NULL);
 *
 *   client:
 *     cgrpc_rpc_status_t details;
 *     if (cgrpc_result_status_details(result, arena, &details, NULL) == CGRPC_STATUS_OK) {
 *       const cgrpc_any_t *any = cgrpc_rpc_status_find(&details, &google_rpc_BadRequest_table);
 *       google_rpc_BadRequest bad;
 *       if (any && cgrpc_any_unpack(any, &google_rpc_BadRequest_table, &bad, arena, NULL) == 0)
 *         ...
 *     }
 *
 * The code and message inside the details must be the call's own (the gRPC
 * rule). A server call finished with details that do not match ends with
 * INTERNAL instead, and an ERROR is logged; a client that receives details
 * that do not match keeps the call's status and ignores them
 * (cgrpc_status_details_get() says so).
 *
 * cgrpc_rpc_status_t and cgrpc_any_t have the C layout protoc-gen-cgrpc
 * gives google.rpc.Status and google.protobuf.Any, so the same bytes decode
 * into either; the library needs no generated code of its own.
 */
#ifndef CGRPC_STATUS_DETAILS_H
#define CGRPC_STATUS_DETAILS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgrpc/call.h"
#include "cgrpc/error.h"
#include "cgrpc/server.h"

#pragma GCC visibility push(default) /* exported: see cgrpc/cgrpc.h */
#ifdef __cplusplus
extern "C" {
#endif

/* The trailer that carries the details. */
#define CGRPC_STATUS_DETAILS_KEY "grpc-status-details-bin"

/* google.protobuf.Any: a message's serialized bytes and its type,
 * "type.googleapis.com/<full name>". */
typedef struct cgrpc_any {
  cgrpc_str_t _unknown;
  cgrpc_str_t type_url;
  cgrpc_str_t value;
} cgrpc_any_t;

/* google.rpc.Status. */
typedef struct cgrpc_rpc_status {
  cgrpc_str_t _unknown;
  int32_t code;
  cgrpc_str_t message;
  struct {
    cgrpc_any_t **data;
    size_t count;
    size_t capacity;
  } details;
} cgrpc_rpc_status_t;

/* Their tables, for the functions of cgrpc/pb.h. */
extern const cgrpc_pb_msg_table_t cgrpc_any_table;
extern const cgrpc_pb_msg_table_t cgrpc_rpc_status_table;

/* One detail to send: a message and its table. */
typedef struct cgrpc_status_detail {
  const cgrpc_pb_msg_table_t *table;
  const void *msg;
} cgrpc_status_detail_t;

/* ---- Any ------------------------------------------------------------------------------ */

/* Packs `msg` (of `table`) into *out: the type URL and the serialized
 * message, memory from `arena`. OK; INVALID_ARGUMENT when the message cannot
 * be serialized; RESOURCE_EXHAUSTED. */
cgrpc_status_code_t cgrpc_any_pack(const cgrpc_pb_msg_table_t *table, const void *msg,
                                   cgrpc_arena_t *arena, cgrpc_any_t *out, cgrpc_error_t *err);

/* True when `any` holds a message of `table` (its type URL ends in
 * "/<full name>"). */
bool cgrpc_any_is(const cgrpc_any_t *any, const cgrpc_pb_msg_table_t *table);

/* Decodes `any` into `msg` (a message of `table`, initialised here), memory
 * from `arena`. OK; INVALID_ARGUMENT when it holds another type or its bytes
 * do not parse (the message says which); RESOURCE_EXHAUSTED. */
cgrpc_status_code_t cgrpc_any_unpack(const cgrpc_any_t *any, const cgrpc_pb_msg_table_t *table,
                                     void *msg, cgrpc_arena_t *arena, cgrpc_error_t *err);

/* The first detail holding a message of `table`, or NULL. */
const cgrpc_any_t *cgrpc_rpc_status_find(const cgrpc_rpc_status_t *status,
                                         const cgrpc_pb_msg_table_t *table);

/* ---- Server ---------------------------------------------------------------------------- */

/* Serializes a google.rpc.Status of `code`, `message` (NULL: empty) and the
 * `count` details into *out (memory from `arena`): the value of the
 * grpc-status-details-bin trailer, for a caller that builds its trailers
 * itself. OK; INVALID_ARGUMENT when a detail cannot be serialized (or has no
 * table); RESOURCE_EXHAUSTED. */
cgrpc_status_code_t cgrpc_status_details_encode(cgrpc_status_code_t code, const char *message,
                                                const cgrpc_status_detail_t *details, size_t count,
                                                cgrpc_arena_t *arena, cgrpc_str_t *out,
                                                cgrpc_error_t *err);

/* cgrpc_server_call_finish() with details: sends `trailers` (may be NULL)
 * plus grpc-status-details-bin holding code, message and the `count`
 * details (`details` may be NULL when count is 0). Everything is copied.
 * When the details cannot be serialized the call ends with INTERNAL (or
 * RESOURCE_EXHAUSTED) and an ERROR is logged. Same rules as _finish(). */
void cgrpc_server_call_finish_with_details(cgrpc_server_call_t *call, cgrpc_status_code_t code,
                                           const char *message,
                                           const cgrpc_status_detail_t *details, size_t count,
                                           const cgrpc_metadata_t *trailers);

/* ---- Client ------------------------------------------------------------------------------ */

/* Decodes the grpc-status-details-bin trailer of a finished call's status
 * into *out (memory from `arena`). OK; NOT_FOUND when the call has none;
 * INVALID_ARGUMENT when they do not parse; FAILED_PRECONDITION when their
 * code or message differ from the status's: such details are ignored, as
 * the gRPC specification says (the status itself stands). *out is zeroed
 * unless OK. */
cgrpc_status_code_t cgrpc_status_details_get(const cgrpc_status_t *status, cgrpc_arena_t *arena,
                                             cgrpc_rpc_status_t *out, cgrpc_error_t *err);

/* cgrpc_status_details_get() of a result's status. */
cgrpc_status_code_t cgrpc_result_status_details(const cgrpc_result_t *result, cgrpc_arena_t *arena,
                                                cgrpc_rpc_status_t *out, cgrpc_error_t *err);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif

#endif /* CGRPC_STATUS_DETAILS_H */

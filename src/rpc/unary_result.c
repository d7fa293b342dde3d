/* rpc/unary_result.c — a blocking unary call whose memory the library
 * manages: the result object owns an arena for the response, the status
 * message and the metadata, so a caller writes one call and one free.
 *
 * The result and the first kilobyte of its arena are one heap block, so a
 * small call costs a single allocation beyond what cgrpc_unary() costs.
 * When even that block cannot be had, a static result says so: callers
 * never need to check for NULL before reading the outcome.
 */
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "cgrpc/call.h"
#include "cgrpc/pb.h"

#define RESULT_INLINE_ARENA 1024
#define NO_RESULT_MEMORY "out of memory for the call's result"

struct cgrpc_result {
  const cgrpc_pb_method_t *method;
  cgrpc_status_t status;
  void *response; /* NULL unless the call ended OK */
  const char *error;
  cgrpc_arena_t arena;
};

static cgrpc_result_t out_of_memory = {
    .status = {.code = CGRPC_STATUS_RESOURCE_EXHAUSTED,
               .message = {NO_RESULT_MEMORY, sizeof NO_RESULT_MEMORY - 1}},
    .error = "RESOURCE_EXHAUSTED: " NO_RESULT_MEMORY,
};

/* "CODE: message", or the code name alone when there is no message. */
static const char *describe(cgrpc_result_t *r) {
  const char *name = cgrpc_status_code_name(r->status.code);
  if (!name) name = "UNKNOWN";
  if (r->status.code == CGRPC_STATUS_OK || r->status.message.len == 0) return name;
  size_t len = strlen(name) + 2 + r->status.message.len + 1;
  char *text = cgrpc_arena_alloc(&r->arena, len);
  if (!text) return name;
  snprintf(text, len, "%s: %.*s", name, (int)r->status.message.len, r->status.message.data);
  return text;
}

cgrpc_result_t *cgrpc_unary_result(cgrpc_channel_t *ch, const cgrpc_pb_method_t *method,
                                   const void *request, const cgrpc_call_options_t *opts) {
  cgrpc_result_t *r = cgrpc_malloc(sizeof *r + RESULT_INLINE_ARENA);
  if (!r) return &out_of_memory;
  memset(r, 0, sizeof *r);
  r->method = method;
  cgrpc_arena_init(&r->arena, r + 1, RESULT_INLINE_ARENA);
  void *response = ch ? cgrpc_pb_msg_new(method->output, &r->arena) : NULL;
  if (!ch) {
    r->status.code = CGRPC_STATUS_RESOURCE_EXHAUSTED;
    r->status.message = CGRPC_STR("no channel: cgrpc_channel_new() ran out of memory");
  } else if (!response) {
    r->status.code = CGRPC_STATUS_RESOURCE_EXHAUSTED;
    r->status.message = CGRPC_STR("out of memory for the response");
  } else if (cgrpc_unary(ch, method, request, response, &r->arena, opts, &r->status) ==
             CGRPC_STATUS_OK) {
    r->response = response;
  }
  r->error = describe(r);
  return r;
}

cgrpc_status_code_t cgrpc_result_code(const cgrpc_result_t *result) {
  return result->status.code;
}

const cgrpc_status_t *cgrpc_result_status(const cgrpc_result_t *result) {
  return &result->status;
}

const void *cgrpc_result_response(const cgrpc_result_t *result) { return result->response; }

const cgrpc_pb_method_t *cgrpc_result_method(const cgrpc_result_t *result) {
  return result->method;
}

const char *cgrpc_result_error(const cgrpc_result_t *result) { return result->error; }

cgrpc_status_code_t cgrpc_result_free(cgrpc_result_t *result) {
  if (!result) return CGRPC_STATUS_OK;
  cgrpc_status_code_t code = result->status.code;
  if (result == &out_of_memory) return code;
  cgrpc_arena_free(&result->arena);
  cgrpc_free(result);
  return code;
}

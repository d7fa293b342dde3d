/* json/stub.c — placeholder until the codec lands. */
#include "cgrpc/json.h"

#include <stdio.h>

static cgrpc_status_code_t unimplemented(cgrpc_error_t *err) {
  if (err) snprintf(err->message, sizeof err->message, "JSON is not implemented yet");
  return CGRPC_STATUS_UNIMPLEMENTED;
}

cgrpc_status_code_t cgrpc_json_encode(const void *msg, const cgrpc_pb_msg_table_t *table,
                                      const cgrpc_json_options_t *opts, cgrpc_arena_t *arena,
                                      cgrpc_str_t *out, cgrpc_error_t *err) {
  (void)msg, (void)table, (void)opts, (void)arena;
  out->data = NULL;
  out->len = 0;
  return unimplemented(err);
}

cgrpc_status_code_t cgrpc_json_decode(const char *json, size_t len, void *msg,
                                      const cgrpc_pb_msg_table_t *table, cgrpc_arena_t *arena,
                                      const cgrpc_json_options_t *opts, cgrpc_error_t *err) {
  (void)json, (void)len, (void)msg, (void)table, (void)arena, (void)opts;
  return unimplemented(err);
}

const cgrpc_pb_msg_table_t *cgrpc_json_resolve_in_files(void *ctx, cgrpc_str_t type_url) {
  (void)ctx, (void)type_url;
  return NULL;
}

/* request_id.c — see request_id.h. */
#include "request_id.h"

#include "errors.h"
#include "ids.h"

static cgrpc_status_code_t rid_start(cgrpc_interceptor_call_t *ic, cgrpc_metadata_t *md,
                                     cgrpc_arena_t *arena, void *user_data, cgrpc_error_t *err) {
  (void)user_data;
  const char *rid = cgrpc_metadata_get_cstr(md, SHOP_REQUEST_ID_KEY);
  if (!rid) {
    char fresh[SHOP_ID_MAX];
    shop_new_id("req", fresh);
    if (!cgrpc_metadata_add_str(md, arena, SHOP_REQUEST_ID_KEY, fresh))
      return shop_error(err, CGRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory adding a request id");
    rid = cgrpc_metadata_get_cstr(md, SHOP_REQUEST_ID_KEY);
  }
  shop_log("INFO", "%s %s from %s", rid ? rid : "-", cgrpc_interceptor_call_method(ic)->path,
           cgrpc_interceptor_call_peer(ic));
  return CGRPC_STATUS_OK;
}

const cgrpc_interceptor_t *shop_request_id_interceptor(void) {
  static const cgrpc_interceptor_t kRid = {"x-request-id", rid_start, NULL, NULL, NULL};
  return &kRid;
}

const char *shop_request_id(const cgrpc_server_call_t *call) {
  const char *rid = cgrpc_metadata_get_cstr(cgrpc_server_call_metadata(call), SHOP_REQUEST_ID_KEY);
  return rid ? rid : "";
}

cgrpc_call_options_t shop_outgoing_options(cgrpc_server_call_t *call, int64_t fallback_ns) {
  cgrpc_arena_t *arena = cgrpc_server_call_arena(call);
  cgrpc_metadata_t *md = cgrpc_arena_calloc(arena, sizeof *md);
  const cgrpc_metadata_t *in = cgrpc_server_call_metadata(call);
  if (md) {
    const char *keys[] = {SHOP_REQUEST_ID_KEY, "authorization"};
    for (size_t i = 0; i < 2; i++) {
      const cgrpc_str_t *v = cgrpc_metadata_get(in, keys[i]);
      if (v) cgrpc_metadata_add(md, arena, keys[i], v->data, v->len);
    }
  }
  /* The caller's deadline and cancellation go along (the library takes
   * the earlier of the parent's deadline and fallback_ns); a cancelled
   * request stops the calls made for it. */
  return (cgrpc_call_options_t){.timeout_ns = fallback_ns, .metadata = md, .parent = call};
}

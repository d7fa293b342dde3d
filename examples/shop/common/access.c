/* access.c — see access.h. */
#include "access.h"

#include <string.h>

#include "errors.h"

static shop_access_kind_t kind_of(const shop_access_t *a, const cgrpc_pb_method_t *m) {
  /* Health checks (probes, load balancers) and reflection (tools listing
   * the services) carry no user: they are open on every service. */
  static const char *const kOpen[] = {"/grpc.health.v1.Health/", "/grpc.reflection.v1.",
                                      "/grpc.reflection.v1alpha."};
  for (size_t i = 0; i < sizeof kOpen / sizeof kOpen[0]; i++)
    if (strncmp(m->path, kOpen[i], strlen(kOpen[i])) == 0) return SHOP_ACCESS_PUBLIC;
  for (const shop_access_rule_t *r = a->rules; r && r->method; r++)
    if (strcmp(r->method, m->name) == 0) return r->kind;
  return SHOP_ACCESS_USER;
}

static bool caller_allowed(const shop_access_t *a, const cgrpc_peer_identity_t *id) {
  if (!id || !id->verified) return false;
  for (size_t i = 0; i < id->dns_san_count; i++)
    for (const char *const *c = a->callers; c && *c; c++)
      if (strcmp(id->dns_sans[i], *c) == 0) return true;
  return false;
}

static cgrpc_status_code_t access_start(cgrpc_interceptor_call_t *ic, cgrpc_metadata_t *md,
                                        cgrpc_arena_t *arena, void *user_data, cgrpc_error_t *err) {
  const shop_access_t *a = user_data;
  const cgrpc_pb_method_t *m = cgrpc_interceptor_call_method(ic);
  switch (kind_of(a, m)) {
    case SHOP_ACCESS_PUBLIC:
      return CGRPC_STATUS_OK;
    case SHOP_ACCESS_INTERNAL: {
      cgrpc_server_call_t *call = cgrpc_interceptor_call_server_call(ic);
      if (caller_allowed(a, call ? cgrpc_server_call_peer_identity(call) : NULL))
        return CGRPC_STATUS_OK;
      return shop_error(
          err, CGRPC_STATUS_PERMISSION_DENIED,
          "%s is for other shop services; the caller's certificate is not one of them", m->name);
    }
    case SHOP_ACCESS_USER:
    default:
      return cgrpc_jwt_interceptor()->on_start(ic, md, arena, a->verifier, err);
  }
}

static void access_end(cgrpc_interceptor_call_t *ic, const cgrpc_call_summary_t *summary,
                       void *user_data) {
  /* Forgets the claims the JWT interceptor kept (a no-op when it did not
   * run for this call). */
  cgrpc_jwt_interceptor()->on_end(ic, summary, ((const shop_access_t *)user_data)->verifier);
}

const cgrpc_interceptor_t *shop_access_interceptor(void) {
  static const cgrpc_interceptor_t kAccess = {"shop-access", access_start, NULL, NULL, access_end};
  return &kAccess;
}

const char *shop_access_user(const cgrpc_server_call_t *call) {
  const char *sub = cgrpc_jwt_claims_get_string(cgrpc_jwt_call_claims(call), "sub");
  return sub ? sub : "";
}

/* auth/jwt_interceptor.c — the ready-made server interceptor that verifies
 * the bearer token of every call, and the handler's way to its claims.
 *
 * on_start verifies the `authorization` metadata with the verifier given as
 * user_data and ends the call with UNAUTHENTICATED or PERMISSION_DENIED when
 * the token fails; the handler never runs then. A verified call's claims live
 * in the call's arena. The handler finds them by its cgrpc_server_call_t in
 * a small table keyed by the call: entries are allocated in the call's arena
 * too (no heap), added in on_start and removed in on_end, which the chain
 * runs for every call whose on_start ran. The table is shared by every
 * server and loop, so it is striped over a few mutexes; servers without this
 * interceptor never touch it.
 */
#include <pthread.h>
#include <stdint.h>

#include "auth/fail.h"
#include "auth/jwt_internal.h"
#include "cgrpc/interceptor.h"

#define BUCKETS 256
#define STRIPES 16

typedef struct claims_entry {
  const cgrpc_server_call_t *call;
  const cgrpc_jwt_claims_t *claims;
  struct claims_entry *next;
} claims_entry_t;

static claims_entry_t *g_buckets[BUCKETS];
#define M PTHREAD_MUTEX_INITIALIZER
static pthread_mutex_t g_stripes[STRIPES] = {M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M};
#undef M

static size_t bucket_of(const cgrpc_server_call_t *call) {
  uintptr_t p = (uintptr_t)call;
  return (size_t)((p >> 4) ^ (p >> 12)) % BUCKETS;
}

static pthread_mutex_t *stripe_of(size_t bucket) { return &g_stripes[bucket % STRIPES]; }

static void table_add(claims_entry_t *e) {
  size_t b = bucket_of(e->call);
  pthread_mutex_lock(stripe_of(b));
  e->next = g_buckets[b];
  g_buckets[b] = e;
  pthread_mutex_unlock(stripe_of(b));
}

static void table_remove(const cgrpc_server_call_t *call) {
  size_t b = bucket_of(call);
  pthread_mutex_lock(stripe_of(b));
  for (claims_entry_t **p = &g_buckets[b]; *p; p = &(*p)->next) {
    if ((*p)->call == call) {
      *p = (*p)->next;
      break;
    }
  }
  pthread_mutex_unlock(stripe_of(b));
}

const cgrpc_jwt_claims_t *cgrpc_jwt_call_claims(const cgrpc_server_call_t *call) {
  if (!call) return NULL;
  size_t b = bucket_of(call);
  const cgrpc_jwt_claims_t *claims = NULL;
  pthread_mutex_lock(stripe_of(b));
  for (const claims_entry_t *e = g_buckets[b]; e; e = e->next) {
    if (e->call == call) {
      claims = e->claims;
      break;
    }
  }
  pthread_mutex_unlock(stripe_of(b));
  return claims;
}

static cgrpc_status_code_t jwt_start(cgrpc_interceptor_call_t *ic, cgrpc_metadata_t *md,
                                     cgrpc_arena_t *arena, void *user_data, cgrpc_error_t *err) {
  const cgrpc_jwt_verifier_t *v = user_data;
  cgrpc_server_call_t *call = cgrpc_interceptor_call_server_call(ic);
  if (!call)
    return cgrpc_auth_fail(err, CGRPC_STATUS_UNIMPLEMENTED,
                           "the JWT interceptor verifies tokens on a server; a channel sends "
                           "them with call credentials (cgrpc_call_credentials_bearer())");
  if (!v)
    return cgrpc_auth_fail(err, CGRPC_STATUS_INTERNAL,
                           "the JWT interceptor was registered without a verifier as user_data");
  size_t count = cgrpc_metadata_count(md, "authorization");
  if (count > 1)
    return cgrpc_auth_fail(err, CGRPC_STATUS_UNAUTHENTICATED,
                           "the call has %zu authorization entries; send exactly one", count);
  const cgrpc_str_t *auth = cgrpc_metadata_get(md, "authorization");
  const cgrpc_jwt_claims_t *claims;
  cgrpc_status_code_t rc =
      cgrpc_jwt_verify_bearer(v, auth ? auth->data : NULL, auth ? auth->len : 0,
                              cgrpc_jwt_unix_now_ns(), arena, &claims, err);
  if (rc != CGRPC_STATUS_OK) return rc;
  claims_entry_t *e = cgrpc_arena_alloc(arena, sizeof *e);
  if (!e)
    return cgrpc_auth_fail(err, CGRPC_STATUS_RESOURCE_EXHAUSTED,
                           "out of memory while keeping the token's claims");
  e->call = call;
  e->claims = claims;
  table_add(e);
  return CGRPC_STATUS_OK;
}

static void jwt_end(cgrpc_interceptor_call_t *ic, const cgrpc_call_summary_t *summary,
                    void *user_data) {
  (void)summary, (void)user_data;
  cgrpc_server_call_t *call = cgrpc_interceptor_call_server_call(ic);
  if (call) table_remove(call);
}

const cgrpc_interceptor_t *cgrpc_jwt_interceptor(void) {
  static const cgrpc_interceptor_t kJwt = {"jwt", jwt_start, NULL, NULL, jwt_end};
  return &kJwt;
}

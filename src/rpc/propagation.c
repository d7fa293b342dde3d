/* rpc/propagation.c — a server call's cancellation reaching the client
 * calls made for it (see propagation.h). */
#include "rpc/propagation.h"

#include "base/alloc.h"
#include "base/log.h"
#include "rpc/channel_internal.h"
#include "rpc/server_internal.h"

/* The parent's record, created by the first child. Handlers may start
 * children from several threads at once: the first to install wins. */
static cgrpc_propagation_t *record_of(cgrpc_server_call_t *parent) {
  cgrpc_propagation_t *p = atomic_load(&parent->propagation);
  if (p) return p;
  cgrpc_propagation_t *fresh = cgrpc_malloc(sizeof *fresh);
  if (!fresh) return NULL;
  if (pthread_mutex_init(&fresh->mu, NULL) != 0) {
    cgrpc_free(fresh);
    return NULL;
  }
  atomic_init(&fresh->refs, 1); /* the parent's */
  fresh->cancelled = false;
  fresh->children = NULL;
  if (atomic_compare_exchange_strong(&parent->propagation, &p, fresh)) return fresh;
  pthread_mutex_destroy(&fresh->mu);
  cgrpc_free(fresh);
  return p;
}

bool cgrpc_propagation_join(cgrpc_server_call_t *parent, cgrpc_call_t *child) {
  if (atomic_load(&parent->cancelled)) return false;
  cgrpc_propagation_t *p = record_of(parent);
  if (!p) {
    cgrpc_log(CGRPC_LOG_WARNING,
              "out of memory: a call to %s will not be cancelled with the "
              "server call it was made for",
              child->method->path);
    return true;
  }
  pthread_mutex_lock(&p->mu);
  bool ok = !p->cancelled;
  if (ok) {
    atomic_fetch_add(&p->refs, 1);
    child->prop = p;
    child->prop_prev = NULL;
    child->prop_next = p->children;
    if (p->children) p->children->prop_prev = child;
    p->children = child;
  }
  pthread_mutex_unlock(&p->mu);
  return ok;
}

void cgrpc_propagation_leave(cgrpc_call_t *child) {
  cgrpc_propagation_t *p = child->prop;
  if (!p) return;
  child->prop = NULL;
  pthread_mutex_lock(&p->mu);
  if (child->prop_prev) {
    child->prop_prev->prop_next = child->prop_next;
  } else {
    p->children = child->prop_next;
  }
  if (child->prop_next) child->prop_next->prop_prev = child->prop_prev;
  pthread_mutex_unlock(&p->mu);
  child->prop_next = child->prop_prev = NULL;
  cgrpc_propagation_unref(p);
}

void cgrpc_propagation_cancel(cgrpc_propagation_t *p) {
  pthread_mutex_lock(&p->mu);
  p->cancelled = true;
  /* A child leaves only under mu, before its status is decided and so
   * before it can be freed: every child seen here is alive. */
  for (cgrpc_call_t *c = p->children; c; c = c->prop_next) cgrpc_call_cancel_propagated(c);
  pthread_mutex_unlock(&p->mu);
}

void cgrpc_propagation_unref(cgrpc_propagation_t *p) {
  if (!p || atomic_fetch_sub(&p->refs, 1) != 1) return;
  pthread_mutex_destroy(&p->mu);
  cgrpc_free(p);
}

/* rpc/propagation.h — deadline and cancellation passed from a server call
 * to the client calls its handler makes (cgrpc_call_options_t.parent).
 *
 * A server call gets a propagation record when its first child registers
 * (no cost for calls that have none): the children under a mutex, and
 * whether the parent was cancelled. Cancelling the parent cancels every
 * child still registered (cgrpc_call_cancel, which any thread may call);
 * a child leaves the record when its status is decided, before it can be
 * freed, so the parent never reaches a freed child. The record is
 * reference-counted by the parent and its children: either may go first.
 */
#ifndef CGRPC_SRC_RPC_PROPAGATION_H
#define CGRPC_SRC_RPC_PROPAGATION_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "cgrpc/call.h"

typedef struct cgrpc_propagation {
  pthread_mutex_t mu;
  atomic_int refs;
  bool cancelled;         /* under mu */
  cgrpc_call_t *children; /* under mu: linked through the calls' prop_next */
} cgrpc_propagation_t;

/* Registers `child` (not yet shared with its loop) with the server call
 * `parent`. False when the parent was already cancelled (the child must end
 * CANCELLED) or there is no memory for the record (the child then runs
 * without cancellation propagation, and says so in the log). */
bool cgrpc_propagation_join(cgrpc_server_call_t *parent, cgrpc_call_t *child);
/* The child's status is decided: it leaves its parent's record. Idempotent;
 * any thread. */
void cgrpc_propagation_leave(cgrpc_call_t *child);
/* server_call.c: the parent was cancelled (its loop), and its end. */
void cgrpc_propagation_cancel(cgrpc_propagation_t *p);
void cgrpc_propagation_unref(cgrpc_propagation_t *p);

#endif /* CGRPC_SRC_RPC_PROPAGATION_H */

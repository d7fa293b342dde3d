/* services/health_internal.h — the health service's state, shared by
 * health.c (statuses, Check, enabling, shutdown) and health_watch.c (the
 * Watch streams).
 *
 * One mutex guards the status table and the list of Watch streams. It is
 * never held while calling into a server call (a write on the loop thread
 * may complete at once, and its callback takes the mutex): whoever changes
 * a watch under the mutex gets from health_watch_step_locked() the one
 * operation to run after unlocking, and the right to run it alone.
 */
#ifndef CGRPC_SRC_SERVICES_HEALTH_INTERNAL_H
#define CGRPC_SRC_SERVICES_HEALTH_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>

#include "cgrpc/health.h"
#include "rpc/server_internal.h"

typedef struct health_entry {
  char *name; /* heap, NUL-terminated */
  cgrpc_health_status_t status;
} health_entry_t;

typedef struct health_watch health_watch_t;

/* One Watch stream (health_watch.c says how it moves), in its call's arena. */
struct health_watch {
  cgrpc_health_t *h;
  cgrpc_server_call_t *call;
  cgrpc_str_t service; /* the request's, in the call's arena */
  int want, sent, sending;
  bool busy;   /* an operation is in flight (or the call was finished) */
  bool linked; /* in h->watches */
  bool ending; /* to finish: at once (end_now) or once `want` is sent */
  bool end_now;
  cgrpc_status_code_t end_code;
  const char *end_message; /* static */
  health_watch_t *prev, *next;
  /* health_watch_notify()'s list of operations to run, and each one's. */
  health_watch_t *batch;
  int batch_act;
};

struct cgrpc_health {
  pthread_mutex_t mu;
  health_entry_t *entries; /* unsorted; a server has few services */
  size_t count, cap;
  bool shutting_down;       /* every status NOT_SERVING for good */
  health_watch_t *watches;  /* open Watch streams, linked through prev/next */
  cgrpc_server_hook_t hook; /* shutdown and free (src/rpc/server_internal.h) */
};

/* The status of `name` (len bytes) under h->mu: the entry's, or
 * SERVICE_UNKNOWN when there is none. */
cgrpc_health_status_t health_lookup_locked(const cgrpc_health_t *h, const char *name, size_t len);

/* health_watch.c */

/* The Watch handler (INLINE; user_data is the cgrpc_health_t). */
void health_watch_handler(cgrpc_server_call_t *call, const void *request, void *user_data);

/* Tells the watches of `name` (NULL: every watch) their service's status
 * changed; with `end`, each also ends (UNAVAILABLE) once it has sent it.
 * Takes h->mu. */
void health_watch_notify(cgrpc_health_t *h, const char *name, bool end);

#endif /* CGRPC_SRC_SERVICES_HEALTH_INTERNAL_H */

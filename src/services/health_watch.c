/* services/health_watch.c — grpc.health.v1.Health/Watch: a server stream
 * per watcher that sends the status now and then every change.
 *
 * A watch lives in its call's arena (it goes with the call) and is linked
 * in the service's list while it may still send. Three kinds of event move
 * it, from three places: a status change (any application thread), its
 * write completing (the call's loop), and its call being cancelled (the
 * loop: the client cancelled or went away, the deadline passed, or the
 * server closed the connection). Server calls are used by one thread at a
 * time, so under the mutex each event records what it wants (a status to
 * send, an end) and step_locked() hands at most one operation at a time to
 * whoever then runs it, outside the mutex: `busy` says one is in flight.
 * A write's completion clears it and steps again, so changes that arrive
 * during a write are sent after it, latest first (a slow reader sees the
 * newest status, not every one in between).
 *
 * The call is finished exactly once, by the holder of the last operation;
 * after that the watch is out of the list and only the call's own
 * callbacks (which run while the call, and so its arena, still exists)
 * can reach it, and they find it busy for good.
 */
#include <string.h>

#include "grpc/health/v1/health.pb.h"
#include "services/health_internal.h"

#define NOTHING_SENT (-1)

typedef enum { ACT_NONE, ACT_WRITE, ACT_FINISH } action_t;

static void unlink_locked(health_watch_t *w) {
  if (!w->linked) return;
  if (w->prev) {
    w->prev->next = w->next;
  } else {
    w->h->watches = w->next;
  }
  if (w->next) w->next->prev = w->prev;
  w->prev = w->next = NULL;
  w->linked = false;
}

/* The next operation on the call, if nobody runs one: the caller then
 * runs it (run()) after unlocking. */
static action_t step_locked(health_watch_t *w) {
  if (w->busy) return ACT_NONE;
  if (w->ending && (w->end_now || w->sent == w->want)) {
    w->busy = true; /* for good: the call is about to be finished */
    unlink_locked(w);
    return ACT_FINISH;
  }
  if (w->want != w->sent) {
    w->busy = true;
    w->sending = w->want;
    return ACT_WRITE;
  }
  return ACT_NONE;
}

static void end_locked(health_watch_t *w, cgrpc_status_code_t code, const char *message, bool now) {
  if (!w->ending) {
    w->ending = true;
    w->end_code = code;
    w->end_message = message;
  }
  w->end_now = w->end_now || now;
}

static void on_written(void *user_data, bool ok);

/* Runs an operation step_locked() gave. The watch must not be touched
 * after a write was started or the call finished: either may end the call
 * and free its arena. */
static void run(health_watch_t *w, action_t act) {
  while (act == ACT_WRITE) {
    grpc_health_v1_HealthCheckResponse resp = {
        .status = (grpc_health_v1_HealthCheckResponse_ServingStatus)w->sending};
    if (cgrpc_server_call_write(w->call, &resp, 0, on_written, w)) return;
    /* Not even started (out of memory): the call is ending; finish it. */
    pthread_mutex_lock(&w->h->mu);
    w->busy = false;
    end_locked(w, CGRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory", true);
    act = step_locked(w);
    pthread_mutex_unlock(&w->h->mu);
  }
  if (act == ACT_FINISH) cgrpc_server_call_finish(w->call, w->end_code, w->end_message, NULL);
}

static void on_written(void *user_data, bool ok) {
  health_watch_t *w = user_data;
  pthread_mutex_lock(&w->h->mu);
  w->busy = false;
  if (ok) {
    w->sent = w->sending;
  } else {
    end_locked(w, CGRPC_STATUS_CANCELLED, "the watch was cancelled", true);
  }
  action_t act = step_locked(w);
  pthread_mutex_unlock(&w->h->mu);
  run(w, act);
}

static void on_cancel(void *user_data) {
  health_watch_t *w = user_data;
  pthread_mutex_lock(&w->h->mu);
  end_locked(w, CGRPC_STATUS_CANCELLED, "the watch was cancelled", true);
  action_t act = step_locked(w);
  pthread_mutex_unlock(&w->h->mu);
  run(w, act);
}

void health_watch_handler(cgrpc_server_call_t *call, const void *request, void *user_data) {
  const grpc_health_v1_HealthCheckRequest *req = request;
  cgrpc_health_t *h = user_data;
  health_watch_t *w = cgrpc_arena_calloc(cgrpc_server_call_arena(call), sizeof *w);
  if (!w) {
    cgrpc_server_call_finish(call, CGRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory", NULL);
    return;
  }
  w->h = h;
  w->call = call;
  w->service = req->service;
  w->sent = NOTHING_SENT;
  pthread_mutex_lock(&h->mu);
  if (h->shutting_down) {
    pthread_mutex_unlock(&h->mu);
    cgrpc_server_call_finish(call, CGRPC_STATUS_UNAVAILABLE, "the server is shutting down", NULL);
    return;
  }
  w->want = (int)health_lookup_locked(h, w->service.data, w->service.len);
  w->next = h->watches;
  if (w->next) w->next->prev = w;
  h->watches = w;
  w->linked = true;
  action_t act = step_locked(w); /* the first write: ours, so nobody else ends the call */
  pthread_mutex_unlock(&h->mu);
  /* On this loop thread, so it takes effect now; a call cancelled already
   * runs on_cancel at once, which finds the write in flight and leaves the
   * end to its completion. */
  cgrpc_server_call_on_cancel(call, on_cancel, w);
  run(w, act);
}

void health_watch_notify(cgrpc_health_t *h, const char *name, bool end) {
  size_t len = name ? strlen(name) : 0;
  health_watch_t *todo = NULL;
  pthread_mutex_lock(&h->mu);
  health_watch_t *next;
  for (health_watch_t *w = h->watches; w; w = next) {
    next = w->next; /* step_locked() may unlink w */
    if (name && (w->service.len != len || (len && memcmp(w->service.data, name, len) != 0))) {
      continue;
    }
    w->want = (int)health_lookup_locked(h, w->service.data, w->service.len);
    if (end) end_locked(w, CGRPC_STATUS_UNAVAILABLE, "the server is shutting down", false);
    action_t act = step_locked(w);
    if (act != ACT_NONE) {
      w->batch_act = act;
      w->batch = todo;
      todo = w;
    }
  }
  pthread_mutex_unlock(&h->mu);
  while (todo) {
    health_watch_t *w = todo;
    todo = w->batch;
    run(w, (action_t)w->batch_act);
  }
}

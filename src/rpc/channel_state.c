/* rpc/channel_state.c — the channel's connectivity state for applications
 * (cgrpc/connectivity.h): the loop publishes each change under a mutex and
 * wakes the threads waiting for one. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <time.h>

#include "base/time.h"
#include "rpc/channel_internal.h"

static cgrpc_connectivity_state_t public_of(channel_state_t st) {
  switch (st) {
    case CH_IDLE:
      return CGRPC_CHANNEL_IDLE;
    case CH_CONNECTING:
      return CGRPC_CHANNEL_CONNECTING;
    case CH_READY:
      return CGRPC_CHANNEL_READY;
    case CH_SHUTDOWN:
      return CGRPC_CHANNEL_SHUTDOWN;
    default: /* TRANSIENT_FAILURE, FAILED */
      return CGRPC_CHANNEL_TRANSIENT_FAILURE;
  }
}

int cgrpc_channel_state_init(cgrpc_channel_t *ch) {
  pthread_condattr_t attr;
  if (pthread_condattr_init(&attr) != 0) return -ENOMEM;
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  int rv = pthread_cond_init(&ch->state_cv, &attr);
  pthread_condattr_destroy(&attr);
  if (rv != 0) return -rv;
  rv = pthread_mutex_init(&ch->state_mu, NULL);
  if (rv != 0) {
    pthread_cond_destroy(&ch->state_cv);
    return -rv;
  }
  ch->state_sync_ready = true;
  atomic_store(&ch->public_state, (int)public_of(ch->state));
  return 0;
}

void cgrpc_channel_state_destroy(cgrpc_channel_t *ch) {
  if (!ch->state_sync_ready) return;
  pthread_cond_destroy(&ch->state_cv);
  pthread_mutex_destroy(&ch->state_mu);
  ch->state_sync_ready = false;
}

void cgrpc_channel_set_state(cgrpc_channel_t *ch, channel_state_t st) {
  if (ch->state == st) return;
  ch->state = st;
  int pub = (int)public_of(st);
  if (!ch->state_sync_ready || atomic_load(&ch->public_state) == pub) return;
  pthread_mutex_lock(&ch->state_mu);
  atomic_store(&ch->public_state, pub);
  pthread_cond_broadcast(&ch->state_cv);
  pthread_mutex_unlock(&ch->state_mu);
}

const char *cgrpc_connectivity_state_name(cgrpc_connectivity_state_t state) {
  switch (state) {
    case CGRPC_CHANNEL_IDLE:
      return "IDLE";
    case CGRPC_CHANNEL_CONNECTING:
      return "CONNECTING";
    case CGRPC_CHANNEL_READY:
      return "READY";
    case CGRPC_CHANNEL_TRANSIENT_FAILURE:
      return "TRANSIENT_FAILURE";
    case CGRPC_CHANNEL_SHUTDOWN:
      return "SHUTDOWN";
  }
  return "?";
}

static void exit_idle_on_loop(void *arg) { lb_exit_idle(arg); }

cgrpc_connectivity_state_t cgrpc_channel_get_state(cgrpc_channel_t *ch, bool try_to_connect) {
  if (!ch) return CGRPC_CHANNEL_SHUTDOWN;
  cgrpc_connectivity_state_t st = (cgrpc_connectivity_state_t)atomic_load(&ch->public_state);
  /* Out of memory the post fails: the next call connects instead. */
  if (try_to_connect && st == CGRPC_CHANNEL_IDLE)
    (void)cgrpc_loop_post(ch->loop, exit_idle_on_loop, ch);
  return st;
}

cgrpc_status_code_t cgrpc_channel_wait_for_state_change(cgrpc_channel_t *ch,
                                                        cgrpc_connectivity_state_t last_observed,
                                                        int64_t deadline,
                                                        cgrpc_connectivity_state_t *new_state,
                                                        cgrpc_error_t *err) {
  if (!ch) {
    if (err) snprintf(err->message, sizeof err->message, "no channel (NULL)");
    return CGRPC_STATUS_INVALID_ARGUMENT;
  }
  if (cgrpc_loop_in_thread(ch->loop)) {
    if (new_state) *new_state = (cgrpc_connectivity_state_t)atomic_load(&ch->public_state);
    if (err) {
      snprintf(err->message, sizeof err->message,
               "cgrpc_channel_wait_for_state_change called on the channel's own loop (a "
               "callback), where it would wait for itself: call it from another thread");
    }
    return CGRPC_STATUS_FAILED_PRECONDITION;
  }
  struct timespec ts = {.tv_sec = deadline / CGRPC_NS_PER_SEC,
                        .tv_nsec = (long)(deadline % CGRPC_NS_PER_SEC)};
  pthread_mutex_lock(&ch->state_mu);
  while (atomic_load(&ch->public_state) == (int)last_observed) {
    if (deadline == CGRPC_INFINITE) {
      pthread_cond_wait(&ch->state_cv, &ch->state_mu);
    } else if (pthread_cond_timedwait(&ch->state_cv, &ch->state_mu, &ts) == ETIMEDOUT) {
      break;
    }
  }
  cgrpc_connectivity_state_t st = (cgrpc_connectivity_state_t)atomic_load(&ch->public_state);
  pthread_mutex_unlock(&ch->state_mu);
  if (new_state) *new_state = st;
  if (st == last_observed) {
    if (err) {
      snprintf(err->message, sizeof err->message, "the channel stayed %s until the deadline",
               cgrpc_connectivity_state_name(st));
    }
    return CGRPC_STATUS_DEADLINE_EXCEEDED;
  }
  return CGRPC_STATUS_OK;
}

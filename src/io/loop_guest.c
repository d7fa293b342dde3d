/* Guests: a thread that waits for its loop to finish something runs the
 * loop itself while it waits, instead of sleeping until the loop's own
 * thread (the owner) wakes it.
 *
 * Why: a blocking call that waits for the owner costs two thread hand-offs
 * per round trip (the request to the owner, the answer back), each a
 * futex, an eventfd and a context switch, and the kernel time of those is
 * larger than the call's own work. A guest sends the request and reads the
 * answer on its own thread.
 *
 * One thread drives at a time. The owner runs iterations while no guest
 * wants the loop; a guest that arrives while the owner is inside an
 * iteration sets `guest_waiting`, wakes the loop (eventfd) and waits for
 * that iteration to end. When the guest leaves, the owner does not take the
 * loop back at once: it lingers for LINGER_NS, so a thread that makes one
 * blocking call after another keeps the loop to itself and the owner stays
 * asleep. A guest that knows other threads are waiting for the loop leaves
 * with `wake_owner`, and the owner takes over at once; so does a post made
 * while the owner is parked (post.c nudges it), so work handed to the loop
 * never waits for a linger to end. While a guest drives, the owner sleeps
 * in waits of CHECK_NS: it cannot know when the guest leaves without being
 * woken every call, which is the cost guests avoid, so after the last call
 * of a burst the owner takes the loop back within CHECK_NS (events nobody
 * waits for, a PING or a GOAWAY, wait that long at most). The timed waits
 * also let it notice cgrpc_loop_stop(), which must stay async-signal-safe
 * and so cannot signal a condition variable.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <stdatomic.h>
#include <time.h>

#include "base/time.h"
#include "io/loop.h"
#include "io/loop_internal.h"

/* How long the owner leaves the loop alone after a guest left: long next
 * to the gap between two blocking calls of one thread, short enough that
 * events nobody waits for (a PING, a GOAWAY) wait little. */
#define LINGER_NS (1 * CGRPC_NS_PER_MS)
/* How often the owner looks at the loop while a guest drives it. */
#define CHECK_NS (100 * CGRPC_NS_PER_MS)

int cgrpc_loop_enable_guests(cgrpc_loop_t *loop) {
  cgrpc_loop_guests_t *g = &loop->guests;
  if (g->enabled) return 0;
  pthread_condattr_t attr;
  int err = pthread_condattr_init(&attr);
  if (err) return -err;
  /* Timed waits on the monotonic clock, the clock of loop deadlines. */
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  err = pthread_mutex_init(&g->mu, NULL);
  if (!err) {
    err = pthread_cond_init(&g->owner_cv, &attr);
    if (err) pthread_mutex_destroy(&g->mu);
  }
  if (!err) {
    err = pthread_cond_init(&g->guest_cv, NULL);
    if (err) {
      pthread_cond_destroy(&g->owner_cv);
      pthread_mutex_destroy(&g->mu);
    }
  }
  pthread_condattr_destroy(&attr);
  if (err) return -err;
  g->driver = CGRPC_DRIVER_NONE;
  g->enabled = true;
  return 0;
}

void cgrpc_loop_guests_destroy(cgrpc_loop_t *loop) {
  cgrpc_loop_guests_t *g = &loop->guests;
  if (!g->enabled) return;
  pthread_cond_destroy(&g->guest_cv);
  pthread_cond_destroy(&g->owner_cv);
  pthread_mutex_destroy(&g->mu);
  g->enabled = false;
}

static void wait_until(cgrpc_loop_guests_t *g, int64_t deadline_ns) {
  struct timespec ts = {(time_t)(deadline_ns / CGRPC_NS_PER_SEC),
                        (long)(deadline_ns % CGRPC_NS_PER_SEC)};
  g->owner_parked = true;
  pthread_cond_timedwait(&g->owner_cv, &g->mu, &ts);
  g->owner_parked = false;
}

void cgrpc_loop_guests_nudge(cgrpc_loop_t *loop) {
  cgrpc_loop_guests_t *g = &loop->guests;
  if (!g->enabled) return;
  pthread_mutex_lock(&g->mu);
  if (g->owner_parked) {
    g->left_at = 0; /* work is waiting: no linger */
    pthread_cond_signal(&g->owner_cv);
  }
  pthread_mutex_unlock(&g->mu);
}

int cgrpc_loop_run_owner(cgrpc_loop_t *loop) {
  cgrpc_loop_guests_t *g = &loop->guests;
  int err = 0;
  pthread_mutex_lock(&g->mu);
  while (err == 0 && !atomic_exchange(&loop->stop_requested, false)) {
    int64_t now = cgrpc_now_ns();
    if (g->driver == CGRPC_DRIVER_GUEST || g->guest_waiting) {
      wait_until(g, now + CHECK_NS);
      continue;
    }
    if (g->left_at != 0 && now - g->left_at < LINGER_NS) {
      wait_until(g, g->left_at + LINGER_NS);
      continue;
    }
    g->left_at = 0;
    g->driver = CGRPC_DRIVER_OWNER;
    pthread_mutex_unlock(&g->mu);
    err = cgrpc_loop_run_once(loop, -1);
    pthread_mutex_lock(&g->mu);
    g->driver = CGRPC_DRIVER_NONE;
    if (g->guest_waiting) pthread_cond_broadcast(&g->guest_cv);
  }
  pthread_mutex_unlock(&g->mu);
  return err;
}

bool cgrpc_loop_guest_enter(cgrpc_loop_t *loop) {
  cgrpc_loop_guests_t *g = &loop->guests;
  if (!g->enabled || cgrpc_loop_thread_busy()) return false;
  pthread_mutex_lock(&g->mu);
  bool entered = false;
  if (!g->disabled && g->driver != CGRPC_DRIVER_GUEST && !g->guest_waiting) {
    g->guest_waiting = true;
    while (g->driver == CGRPC_DRIVER_OWNER) {
      cgrpc_loop_wake(loop); /* end the owner's epoll_wait */
      pthread_cond_wait(&g->guest_cv, &g->mu);
    }
    g->guest_waiting = false;
    if (!g->disabled) {
      g->driver = CGRPC_DRIVER_GUEST;
      entered = true;
    } else {
      pthread_cond_broadcast(&g->owner_cv);
    }
  }
  pthread_mutex_unlock(&g->mu);
  return entered;
}

bool cgrpc_loop_guest_may_stay(cgrpc_loop_t *loop) {
  cgrpc_loop_guests_t *g = &loop->guests;
  pthread_mutex_lock(&g->mu);
  bool stay = !g->disabled;
  pthread_mutex_unlock(&g->mu);
  return stay;
}

void cgrpc_loop_guest_leave(cgrpc_loop_t *loop, bool wake_owner) {
  cgrpc_loop_guests_t *g = &loop->guests;
  pthread_mutex_lock(&g->mu);
  g->driver = CGRPC_DRIVER_NONE;
  wake_owner = wake_owner || g->disabled;
  if (wake_owner) {
    g->left_at = 0;
    pthread_cond_signal(&g->owner_cv);
  } else {
    g->left_at = cgrpc_now_ns();
  }
  pthread_cond_broadcast(&g->guest_cv); /* a cgrpc_loop_disable_guests() waiting */
  pthread_mutex_unlock(&g->mu);
  /* A post that came after this guest's last iteration woke the owner,
   * which saw a guest driving and went back to sleep for up to CHECK_NS:
   * wake it again, now that nobody drives. (Checked after the unlock: the
   * queue's lock comes first.) A later post wakes the owner itself. */
  if (!wake_owner && cgrpc_post_queue_pending(loop)) cgrpc_loop_guests_nudge(loop);
}

void cgrpc_loop_disable_guests(cgrpc_loop_t *loop) {
  cgrpc_loop_guests_t *g = &loop->guests;
  if (!g->enabled) return;
  pthread_mutex_lock(&g->mu);
  g->disabled = true;
  /* The guest itself (a posted function it runs) must not wait for itself:
   * it leaves after this iteration. */
  while (g->driver == CGRPC_DRIVER_GUEST && !cgrpc_loop_in_thread(loop)) {
    cgrpc_loop_wake(loop); /* end the guest's epoll_wait */
    pthread_cond_wait(&g->guest_cv, &g->mu);
  }
  pthread_mutex_unlock(&g->mu);
}

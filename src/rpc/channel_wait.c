/* rpc/channel_wait.c — how a blocking client operation is started and
 * waited for. On a channel that runs no application callbacks the waiting
 * thread becomes the loop's guest (io/loop.h, "Guests"): it starts the
 * operation itself, with no copy and no post, and runs the loop until the
 * operation completes, so a blocking unary call sends its request and reads
 * its answer on the caller's thread with no thread hand-off. Otherwise, or
 * while another thread drives the loop, the operation is posted and the
 * thread sleeps on its waiter until the loop completes it.
 *
 * Why callbacks rule guests out: a callback must run on the channel's
 * thread (cgrpc/channel.h says so, and an application may hold a lock
 * around a blocking call that its callbacks take too). The first callback-
 * style operation therefore disables guests for good, before it is posted.
 */
#include "rpc/channel_internal.h"

static bool waiter_done(cgrpc_waiter_t *w) {
  pthread_mutex_lock(&w->mu);
  bool done = w->done;
  pthread_mutex_unlock(&w->mu);
  return done;
}

/* `sleepers` counts the threads that wait for the loop without driving it,
 * including those about to try, so a guest leaving knows whether the owner
 * must take over at once. */
static bool enter(cgrpc_blocking_op_t *b) {
  cgrpc_channel_t *ch = b->ch;
  if (!b->guest && !atomic_load(&ch->callbacks_used)) {
    atomic_fetch_add(&ch->sleepers, 1);
    b->guest = cgrpc_loop_guest_enter(ch->loop);
    atomic_fetch_sub(&ch->sleepers, 1);
  }
  return b->guest;
}

bool cgrpc_blocking_op_start(cgrpc_blocking_op_t *b, void (*fn)(void *arg), void *arg,
                             size_t size) {
  if (enter(b)) {
    cgrpc_loop_run_here(b->ch->loop, fn, arg);
    return true;
  }
  return cgrpc_run_on_loop(b->ch->loop, fn, arg, size);
}

bool cgrpc_blocking_op_wait(cgrpc_blocking_op_t *b, cgrpc_waiter_t *w) {
  cgrpc_channel_t *ch = b->ch;
  atomic_fetch_add(&ch->sleepers, 1);
  if (enter(b)) {
    atomic_fetch_sub(&ch->sleepers, 1);
    while (!waiter_done(w) && cgrpc_loop_guest_may_stay(ch->loop)) {
      if (cgrpc_loop_run_once(ch->loop, -1) != 0) break;
    }
    /* Others asleep on their waiters need the loop driven now. */
    cgrpc_loop_guest_leave(ch->loop, atomic_load(&ch->sleepers) > 0);
    b->guest = false;
    atomic_fetch_add(&ch->sleepers, 1);
  }
  bool ok = cgrpc_waiter_wait(w);
  atomic_fetch_sub(&ch->sleepers, 1);
  return ok;
}

void cgrpc_channel_use_callbacks(cgrpc_channel_t *ch) {
  if (!atomic_exchange(&ch->callbacks_used, true)) cgrpc_loop_disable_guests(ch->loop);
}

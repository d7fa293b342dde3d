/* rpc/channel_rescue.c — the way to a channel's loop that needs no memory.
 *
 * Application threads reach the loop by posting (rpc/completion.h), and a
 * post allocates. When memory runs out, most operations can simply fail,
 * but not those a call's end depends on: a cancel or half-close that is
 * lost can leave the call running forever, and a finish that never runs
 * leaks the call and hangs its caller (or never calls its callback). Such
 * an operation is noted in the call itself (call_rescue_t, no allocation),
 * the call linked on the channel's rescue list under a mutex, and an
 * eventfd the loop watches, created with the channel, wakes the loop, which
 * runs what was noted (cgrpc_call_run_rescued). A channel shutdown whose
 * post failed comes this way too. Only failure paths take the mutex.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "rpc/channel_internal.h"

static void on_rescue(cgrpc_loop_t *loop, int fd, unsigned events, void *arg) {
  cgrpc_channel_t *ch = arg;
  uint64_t n;
  (void)!read(fd, &n, sizeof n);
  for (;;) {
    pthread_mutex_lock(&ch->rescue_mu);
    cgrpc_call_t *call = ch->rescue_head;
    call_rescue_t r = {0};
    if (call) {
      r = call->rescue;
      ch->rescue_head = r.next;
      call->rescue = (call_rescue_t){0};
    }
    bool shutdown = !call && ch->rescue_shutdown;
    ch->rescue_shutdown = ch->rescue_shutdown && !shutdown;
    pthread_mutex_unlock(&ch->rescue_mu);
    if (call) {
      cgrpc_call_run_rescued(call, &r);
    } else {
      if (shutdown) cgrpc_channel_shutdown_on_loop(ch);
      return;
    }
  }
}

int cgrpc_channel_rescue_init(cgrpc_channel_t *ch) {
  ch->rescue_fd = -1;
  int rv = -pthread_mutex_init(&ch->rescue_mu, NULL);
  if (rv != 0) return rv;
  ch->rescue_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (ch->rescue_fd < 0) {
    rv = -errno;
  } else {
    rv = cgrpc_loop_watch_add(ch->loop, ch->rescue_fd, CGRPC_IO_READ, on_rescue, ch,
                              &ch->rescue_watch);
  }
  if (rv != 0) cgrpc_channel_rescue_destroy(ch);
  return rv;
}

void cgrpc_channel_rescue_destroy(cgrpc_channel_t *ch) {
  if (ch->rescue_watch) cgrpc_loop_watch_remove(ch->loop, ch->rescue_watch);
  ch->rescue_watch = 0;
  if (ch->rescue_fd >= 0) close(ch->rescue_fd);
  ch->rescue_fd = -1;
  pthread_mutex_destroy(&ch->rescue_mu);
}

void cgrpc_channel_rescue_wake(cgrpc_channel_t *ch) {
  uint64_t one = 1;
  /* Fails only when the counter would overflow: the loop is woken anyway. */
  (void)!write(ch->rescue_fd, &one, sizeof one);
}

void cgrpc_channel_rescue_shutdown(cgrpc_channel_t *ch) {
  pthread_mutex_lock(&ch->rescue_mu);
  ch->rescue_shutdown = true;
  pthread_mutex_unlock(&ch->rescue_mu);
  cgrpc_channel_rescue_wake(ch);
}

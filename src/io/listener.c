/* Accept loop with a batch limit and an out-of-fds back-off; see
 * io/listener.h for why both exist. */
#include "io/listener.h"

#include <errno.h>

#include "base/time.h"
#include "io/socket.h"

/* Connections accepted per wakeup before giving other fds a turn. */
#define ACCEPT_BATCH 64
#define FD_EXHAUSTED_BACKOFF_NS (100 * CGRPC_NS_PER_MS)

static void on_backoff_done(void *arg) {
  cgrpc_listener_t *l = arg;
  cgrpc_loop_watch_set(l->loop, l->watch, CGRPC_IO_READ);
}

static void pause_accepting(cgrpc_listener_t *l) {
  if (cgrpc_loop_watch_set(l->loop, l->watch, 0) != 0) return;
  if (cgrpc_timer_start(l->loop, &l->backoff, cgrpc_loop_now(l->loop) + FD_EXHAUSTED_BACKOFF_NS)) {
    /* No timer, no resume: keep accepting rather than go deaf. */
    cgrpc_loop_watch_set(l->loop, l->watch, CGRPC_IO_READ);
  }
}

static void on_readable(cgrpc_loop_t *loop, int fd, unsigned events, void *arg) {
  cgrpc_listener_t *l = arg;
  for (int i = 0; i < ACCEPT_BATCH && l->loop; i++) {
    cgrpc_address_t peer;
    int conn = cgrpc_socket_accept(fd, &peer);
    if (conn >= 0) {
      l->fn(l->arg, conn, &peer);
      continue;
    }
    if (conn == -EMFILE || conn == -ENFILE || conn == -ENOBUFS || conn == -ENOMEM) {
      pause_accepting(l);
      return;
    }
    /* -EAGAIN: drained. Anything else (ECONNABORTED, a peer that reset
     * before we got to it) concerns that one connection only. */
    if (conn == -EAGAIN) return;
  }
}

int cgrpc_listener_start(cgrpc_listener_t *l, cgrpc_loop_t *loop, int listen_fd, cgrpc_accept_fn fn,
                         void *arg) {
  l->fn = fn;
  l->arg = arg;
  cgrpc_timer_init(&l->backoff, on_backoff_done, l);
  int err = cgrpc_loop_watch_add(loop, listen_fd, CGRPC_IO_READ, on_readable, l, &l->watch);
  l->loop = err ? NULL : loop;
  return err;
}

void cgrpc_listener_stop(cgrpc_listener_t *l) {
  if (!l->loop) return;
  cgrpc_timer_cancel(&l->backoff);
  cgrpc_loop_watch_remove(l->loop, l->watch);
  l->watch = 0;
  l->loop = NULL;
}

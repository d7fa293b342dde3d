/* Outgoing connections: a non-blocking connect(2), a write watch until the
 * handshake ends, and SO_ERROR for the outcome. Results known immediately are
 * delivered through a deferred task so the callback never runs inside
 * cgrpc_connect_start(). */
#include "io/connect.h"

#include <errno.h>

#include "io/socket.h"

/* Hands the outcome to the callback. The attempt is idle before the call,
 * so the callback may start a new one on the same struct. */
static void finish(cgrpc_connect_t *c) {
  int fd = c->fd, err = c->err;
  c->fd = -1;
  c->loop = NULL;
  if (err) {
    cgrpc_socket_close(fd);
    fd = -1;
  }
  c->fn(c->arg, fd, err);
}

static void on_report(void *arg) { finish(arg); }

static void on_writable(cgrpc_loop_t *loop, int fd, unsigned events, void *arg) {
  cgrpc_connect_t *c = arg;
  cgrpc_loop_watch_remove(loop, c->watch);
  c->watch = 0;
  c->err = cgrpc_socket_connect_result(fd);
  finish(c);
}

void cgrpc_connect_start(cgrpc_connect_t *c, cgrpc_loop_t *loop, const cgrpc_address_t *addr,
                         cgrpc_connect_fn fn, void *arg) {
  c->loop = loop;
  c->watch = 0;
  c->fn = fn;
  c->arg = arg;
  cgrpc_loop_task_init(&c->report, on_report, c);
  c->err = cgrpc_socket_connect(addr, &c->fd);
  if (c->err == -EINPROGRESS) {
    c->err = cgrpc_loop_watch_add(loop, c->fd, CGRPC_IO_WRITE, on_writable, c, &c->watch);
    if (!c->err) return;
  }
  cgrpc_loop_defer(loop, &c->report);
}

void cgrpc_connect_cancel(cgrpc_connect_t *c) {
  if (!c->loop) return;
  cgrpc_loop_task_cancel(&c->report);
  cgrpc_loop_watch_remove(c->loop, c->watch);
  c->watch = 0;
  cgrpc_socket_close(c->fd);
  c->fd = -1;
  c->loop = NULL;
}

bool cgrpc_connect_pending(const cgrpc_connect_t *c) { return c->loop != NULL; }

/* io/connect.h — an outgoing connection attempt driven by a loop.
 *
 * Starts a non-blocking connect and reports its outcome once, through a
 * callback on the loop thread: the connected fd, or an error such as
 * -ECONNREFUSED. Every outcome goes through the callback, including the ones
 * known at once (a unix socket connects or fails immediately, socket() can
 * fail with -EMFILE), and always from a later point of the loop iteration,
 * never from inside cgrpc_connect_start(): callers have one code path and no
 * re-entrancy to think about. A connect timeout is a loop timer whose
 * callback calls cgrpc_connect_cancel().
 *
 * Threads: loop thread only (see io/loop.h).
 */
#ifndef CGRPC_SRC_IO_CONNECT_H
#define CGRPC_SRC_IO_CONNECT_H

#include <stdbool.h>

#include "io/address.h"
#include "io/loop.h"

/* On success `fd` is the connected non-blocking socket, now owned by the
 * callback, and `err` is 0. On failure `fd` is -1 and `err` a negative io
 * error (cgrpc_io_strerror() gives "Connection refused" etc.). */
typedef void (*cgrpc_connect_fn)(void *arg, int fd, int err);

/* Fields are private; public only so an attempt can be embedded. */
typedef struct cgrpc_connect {
  cgrpc_loop_t *loop;
  cgrpc_watch_id_t watch;
  cgrpc_loop_task_t report; /* delivers outcomes known without waiting */
  int fd;
  int err;
  cgrpc_connect_fn fn;
  void *arg;
} cgrpc_connect_t;

/* Starts connecting to `addr`; fn(arg, fd, err) runs exactly once, later on
 * this loop, unless cgrpc_connect_cancel() comes first. `c` must stay valid
 * until then; it may be reused from inside the callback. */
void cgrpc_connect_start(cgrpc_connect_t *c, cgrpc_loop_t *loop, const cgrpc_address_t *addr,
                         cgrpc_connect_fn fn, void *arg);

/* Abandons a pending attempt: closes its socket; the callback will not run.
 * A no-op when no attempt is pending (reported, cancelled, or never started
 * on a zero-initialised struct), so a timeout and the outcome may race freely
 * on the loop thread. */
void cgrpc_connect_cancel(cgrpc_connect_t *c);

/* True from cgrpc_connect_start() until the callback runs or cancel. */
bool cgrpc_connect_pending(const cgrpc_connect_t *c);

#endif /* CGRPC_SRC_IO_CONNECT_H */

/* io/listener.h — accepting connections on a loop.
 *
 * Watches a listening socket and hands each accepted connection to a
 * callback. It accepts a bounded batch per wakeup, so one busy listener
 * cannot hold its loop, and the level-triggered watch brings the rest on the
 * next iteration. When the process runs out of fds (EMFILE/ENFILE) the
 * pending connection cannot be accepted, and a level-triggered listener
 * would then spin at 100% CPU; instead the listener pauses for a short
 * back-off and retries, and the connections wait in the kernel's backlog.
 *
 * Threads: loop thread only (see io/loop.h).
 */
#ifndef CGRPC_SRC_IO_LISTENER_H
#define CGRPC_SRC_IO_LISTENER_H

#include "io/address.h"
#include "io/loop.h"

/* `fd` is a new non-blocking connection owned by the callback, `peer` its
 * address (valid during the call only). */
typedef void (*cgrpc_accept_fn)(void *arg, int fd, const cgrpc_address_t *peer);

/* Fields are private; public only so a listener can be embedded. */
typedef struct cgrpc_listener {
  cgrpc_loop_t *loop; /* NULL when stopped */
  cgrpc_watch_id_t watch;
  cgrpc_timer_t backoff; /* resumes accepting after running out of fds */
  cgrpc_accept_fn fn;
  void *arg;
} cgrpc_listener_t;

/* Starts accepting on `listen_fd` (from cgrpc_socket_listen(); still owned
 * by the caller). Returns 0 or -errno from the watch. */
int cgrpc_listener_start(cgrpc_listener_t *l, cgrpc_loop_t *loop, int listen_fd, cgrpc_accept_fn fn,
                         void *arg);

/* Stops accepting; the callback is not called again. Does not close the
 * listening fd. May be called from the accept callback. Idempotent, and a
 * no-op on a zero-initialised listener. */
void cgrpc_listener_stop(cgrpc_listener_t *l);

#endif /* CGRPC_SRC_IO_LISTENER_H */

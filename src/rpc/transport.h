/* rpc/transport.h — an h2 connection engine wired to a socket on a loop.
 *
 * The engine (h2/conn.h) does no I/O; this glue does: it reads the socket
 * when readable and feeds the engine, and flushes the engine's output with
 * one writev(): right after a read, for everything that input produced, and
 * otherwise at the end of the loop iteration (a deferred task, so every
 * operation of the iteration leaves in one system call), watching for writability
 * only while the socket is full. One timer follows the engine's earliest
 * stream deadline. When the engine is finished, the peer goes away, or the
 * owner closes it, the transport ends its streams, closes the socket and
 * tells its owner once.
 *
 * Servers and channels embed one per connection. Loop thread only.
 */
#ifndef CGRPC_SRC_RPC_TRANSPORT_H
#define CGRPC_SRC_RPC_TRANSPORT_H

#include <stdbool.h>

#include "h2/conn.h"
#include "io/loop.h"

typedef struct cgrpc_transport cgrpc_transport_t;

/* The read buffer: one per loop, shared by its transports (input is
 * consumed before the next read), of this many bytes; the most a
 * transport reads at once. */
#define CGRPC_TRANSPORT_READ_BUFFER_SIZE (64 * 1024)

/* The transport is closed (socket closed, every stream ended). The owner
 * may free the memory holding it from here. */
typedef void (*cgrpc_transport_closed_fn)(void *owner, cgrpc_transport_t *t, const char *reason);

/* Fields are private; public so owners can embed a transport. */
struct cgrpc_transport {
  cgrpc_loop_t *loop;
  int fd;
  cgrpc_watch_id_t watch;
  unsigned interest;
  cgrpc_h2_conn_t *h2;
  cgrpc_loop_task_t flush_task;
  cgrpc_timer_t deadline_timer;
  uint8_t *rbuf; /* the loop's, CGRPC_TRANSPORT_READ_BUFFER_SIZE bytes */
  bool closed;
  bool broken; /* the engine failed: close once its GOAWAY is out */
  cgrpc_transport_closed_fn on_closed;
  void *owner;
};

/* Takes over `fd` (connected, non-blocking) and starts an engine on it with
 * `events` (their ctx is `owner`). Returns 0 or a negative error; on error
 * the fd has been closed. */
int cgrpc_transport_start(cgrpc_transport_t *t, cgrpc_loop_t *loop, int fd, cgrpc_h2_role_t role,
                          const cgrpc_h2_options_t *opts, const cgrpc_h2_events_t *events,
                          void *owner, uint8_t *rbuf, cgrpc_transport_closed_fn on_closed);

/* Schedules a flush for the end of this loop iteration: call after stream
 * operations. */
void cgrpc_transport_kick(cgrpc_transport_t *t);

/* Closes now (open streams end as by CGRPC_H2_END_ABORT); on_closed runs
 * before this returns. No-op when already closed. */
void cgrpc_transport_close(cgrpc_transport_t *t, const char *reason);

/* Frees the engine. Call from on_closed or after it ran. */
void cgrpc_transport_release(cgrpc_transport_t *t);

#endif /* CGRPC_SRC_RPC_TRANSPORT_H */

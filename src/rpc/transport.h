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
 * With TLS (transport_tls.c) a TLS session sits between the socket and the
 * engine: ciphertext read goes to the session and the plaintext it yields
 * to the engine; the engine's output is encrypted and the ciphertext
 * written. A plaintext transport pays one branch for it.
 *
 * Servers and channels embed one per connection. Loop thread only.
 */
#ifndef CGRPC_SRC_RPC_TRANSPORT_H
#define CGRPC_SRC_RPC_TRANSPORT_H

#include <stdbool.h>

#include "h2/conn.h"
#include "io/loop.h"
#include "tls/tls.h"

typedef struct cgrpc_transport cgrpc_transport_t;
typedef struct cgrpc_transport_tls cgrpc_transport_tls_t;

/* The read buffer: one per loop, shared by its transports (input is
 * consumed before the next read), of this many bytes; the most a
 * transport reads at once. */
#define CGRPC_TRANSPORT_READ_BUFFER_SIZE (64 * 1024)

/* What the owner of a transport does with its engine's events
 * (h2/conn.h), for both roles. The transport adapts the engine's events
 * once, for channels and servers alike: the clock is the loop's, a stream
 * event goes to the call on that stream (the stream's user pointer), and
 * what every call does the same way — receiving a message into the
 * cgrpc_call_io_t it embeds at `io_offset` — needs no hook. A NULL hook is
 * one the owner's role never gets; for on_end_of_stream and on_sent, NULL
 * means the call_io's own handling is all there is to do. */
typedef struct cgrpc_transport_events {
  size_t io_offset; /* of the cgrpc_call_io_t in a call */
  /* Server: a new stream; the call's, initialised, or NULL to refuse. */
  cgrpc_h2_stream_t *(*stream_new)(void *owner);
  void (*on_request)(void *call); /* server */
  void (*on_headers)(void *call); /* client */
  void (*on_end_of_stream)(void *call);
  void (*on_sent)(void *call);
  void (*on_close)(void *call);
  void (*on_ready)(void *owner);                       /* client */
  void (*on_goaway)(void *owner, uint32_t error_code); /* client */
} cgrpc_transport_events_t;

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
  const cgrpc_transport_events_t *events;
  void *owner;
  cgrpc_transport_tls_t *tls; /* NULL: plaintext */
};

/* Takes over `fd` (connected, non-blocking) and starts an engine on it
 * whose events go to `events` (which must outlive the transport) with
 * `owner`. Returns 0 or a negative error; on error the fd has been closed. */
int cgrpc_transport_start(cgrpc_transport_t *t, cgrpc_loop_t *loop, int fd, cgrpc_h2_role_t role,
                          const cgrpc_h2_options_t *opts, const cgrpc_transport_events_t *events,
                          void *owner, uint8_t *rbuf, cgrpc_transport_closed_fn on_closed);

/* TLS for a transport (cgrpc_transport_start_tls()). */
typedef struct cgrpc_transport_tls_config {
  cgrpc_tls_session_t *session; /* taken over, also on failure */
  /* Servers: the handshake must be done within this (CGRPC_INFINITE: no
   * limit), and this counter of handshakes in progress, which the caller
   * raised for this one, goes down when it ends (NULL: none). */
  int64_t handshake_timeout_ns;
  atomic_uint *handshakes;
  const char *peer; /* for log lines; must outlive the transport */
} cgrpc_transport_tls_config_t;

/* cgrpc_transport_start() over TLS: the engine sees bytes only once the
 * handshake is done; a handshake that fails closes the transport with the
 * reason (servers also log it). */
int cgrpc_transport_start_tls(cgrpc_transport_t *t, cgrpc_loop_t *loop, int fd,
                              cgrpc_h2_role_t role, const cgrpc_h2_options_t *opts,
                              const cgrpc_transport_events_t *events, void *owner, uint8_t *rbuf,
                              cgrpc_transport_closed_fn on_closed,
                              const cgrpc_transport_tls_config_t *tls);

/* Whether the connection runs over TLS. For the call-credentials check. */
bool cgrpc_transport_is_secure(const cgrpc_transport_t *t);

/* The peer's TLS identity once the handshake is done (the transport's
 * reference: take one with cgrpc_tls_identity_ref() to keep it), NULL
 * over plaintext. */
cgrpc_tls_identity_t *cgrpc_transport_identity(const cgrpc_transport_t *t);

/* Schedules a flush for the end of this loop iteration: call after stream
 * operations. */
void cgrpc_transport_kick(cgrpc_transport_t *t);

/* Closes now (open streams end as by CGRPC_H2_END_ABORT); on_closed runs
 * before this returns. No-op when already closed. */
void cgrpc_transport_close(cgrpc_transport_t *t, const char *reason);

/* Frees the engine. Call from on_closed or after it ran. */
void cgrpc_transport_release(cgrpc_transport_t *t);

#endif /* CGRPC_SRC_RPC_TRANSPORT_H */

/* rpc/server_conn.c — one accepted connection of a server: its transport,
 * the engine events routed to calls, and its part in shutdown.
 *
 * A connection is created on the loop it was assigned to and never leaves
 * it. It keeps a list of the calls created on it that are not yet freed:
 * that count, not the number of open streams, bounds how many calls a client
 * can have in flight (a call whose stream was reset still holds a handler),
 * which is the defence against "rapid reset" floods; and when the
 * connection goes, calls still held by handlers are told it is gone.
 */
#include <stddef.h>
#include <string.h>

#include "base/alloc.h"
#include "io/socket.h"
#include "rpc/server_internal.h"

/* ---- Transport events (rpc/transport.h) ------------------------------------------ */

static cgrpc_h2_stream_t *conn_stream_new(void *owner) {
  server_conn_t *conn = owner;
  if (conn->call_count >= 2 * (size_t)conn->sl->srv->h2opts.max_concurrent_streams) return NULL;
  cgrpc_server_call_t *call = cgrpc_server_call_new(conn);
  return call ? &call->stream : NULL;
}

static void call_on_request(void *call) { cgrpc_server_call_on_request(call); }

static void call_on_eos(void *call) { cgrpc_server_call_on_eos(call); }

static void call_on_close(void *call) { cgrpc_server_call_on_close(call); }

static const cgrpc_transport_events_t kServerEvents = {
    .io_offset = offsetof(cgrpc_server_call_t, io),
    .stream_new = conn_stream_new,
    .on_request = call_on_request,
    .on_end_of_stream = call_on_eos,
    .on_close = call_on_close,
};

static void unlink_conn(server_conn_t *conn) {
  if (conn->prev) {
    conn->prev->next = conn->next;
  } else {
    conn->sl->conns = conn->next;
  }
  if (conn->next) conn->next->prev = conn->prev;
}

static void on_closed(void *owner, cgrpc_transport_t *t, const char *reason) {
  server_conn_t *conn = owner;
  while (conn->calls) cgrpc_server_call_detach(conn->calls);
  unlink_conn(conn);
  cgrpc_transport_release(t);
  cgrpc_server_t *srv = conn->sl->srv;
  cgrpc_free(conn);
  cgrpc_server_conn_gone(srv);
}

typedef struct accept_arg {
  server_loop_t *sl;
  int fd;
  cgrpc_address_t peer;
} accept_arg_t;

/* Over max_connections a new connection is closed at once: the client sees
 * the connection fail (UNAVAILABLE) and may try elsewhere, and the server
 * keeps its descriptors. */
static void accept_on_loop(void *arg) {
  accept_arg_t *a = arg;
  server_loop_t *sl = a->sl;
  cgrpc_server_t *srv = sl->srv;
  pthread_mutex_lock(&srv->mu);
  bool closing = srv->shutting_down || (srv->max_connections != CGRPC_UNLIMITED &&
                                        srv->live_conns >= srv->max_connections);
  if (!closing) srv->live_conns++;
  pthread_mutex_unlock(&srv->mu);
  server_conn_t *conn = closing ? NULL : cgrpc_malloc(sizeof *conn);
  if (!conn) {
    cgrpc_socket_close(a->fd);
    if (!closing) cgrpc_server_conn_gone(srv);
    return;
  }
  memset(conn, 0, sizeof *conn);
  conn->sl = sl;
  cgrpc_address_format(&a->peer, conn->peer);
  conn->next = sl->conns;
  if (sl->conns) sl->conns->prev = conn;
  sl->conns = conn;
  if (cgrpc_transport_start(&conn->t, sl->loop, a->fd, CGRPC_H2_SERVER, &srv->h2opts,
                            &kServerEvents, conn, sl->rbuf, on_closed) != 0) {
    unlink_conn(conn);
    cgrpc_free(conn);
    cgrpc_server_conn_gone(srv);
  }
}

void cgrpc_server_conn_accept(server_loop_t *sl, int fd, const cgrpc_address_t *peer) {
  accept_arg_t a = {sl, fd, *peer};
  if (!cgrpc_run_on_loop(sl->loop, accept_on_loop, &a, sizeof a)) cgrpc_socket_close(fd);
}

void cgrpc_server_conn_shutdown_all(server_loop_t *sl, bool now) {
  server_conn_t *next;
  for (server_conn_t *conn = sl->conns; conn; conn = next) {
    next = conn->next;
    if (!now) {
      cgrpc_h2_conn_end(conn->t.h2, CGRPC_H2_END_DRAIN, 0, NULL, NULL);
    } else if (!conn->terminated) {
      conn->terminated = true;
      cgrpc_h2_conn_end(conn->t.h2, CGRPC_H2_END_CANCEL, 0, NULL, "the server is shutting down");
    } else {
      /* Second round: the GOAWAY had its chance to leave. */
      cgrpc_transport_close(&conn->t, "the server is shutting down");
      continue;
    }
    cgrpc_transport_kick(&conn->t);
  }
}

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
#include "base/log.h"
#include "io/socket.h"
#include "rpc/server_internal.h"
#include "tls/tls.h"

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
  /* The one mistake worth a log line on a plaintext port: TLS handshake
   * failures are logged by the TLS layer, this is their mirror image. */
  if (!conn->creds && strncmp(reason, "a TLS client on a plaintext port", 31) == 0) {
    cgrpc_log(CGRPC_LOG_WARNING, "client %s: %s", conn->peer, reason);
  }
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
  cgrpc_server_credentials_t *creds;
} accept_arg_t;

/* A TLS connection's handshake takes a place among the server's
 * max_concurrent_tls_handshakes, or the connection is refused: handshakes
 * cost CPU the attacker does not spend, so their number is what is
 * bounded. Logged on the first refusal and every 1024th after it. */
static bool take_handshake_slot(cgrpc_server_t *srv, const cgrpc_address_t *peer) {
  uint32_t max = srv->opts.max_concurrent_tls_handshakes;
  unsigned now = atomic_fetch_add(&srv->tls_handshakes, 1);
  if (max == CGRPC_UNLIMITED || now < max) return true;
  atomic_fetch_sub(&srv->tls_handshakes, 1);
  unsigned refused = atomic_fetch_add(&srv->tls_refused, 1);
  if (refused % 1024 == 0) {
    char text[CGRPC_ADDRESS_STRLEN];
    cgrpc_address_format(peer, text);
    cgrpc_log(CGRPC_LOG_WARNING,
              "TLS: %u handshakes in progress (max_concurrent_tls_handshakes): closed the new "
              "connection from %s (%u refused so far)",
              max, text, refused + 1);
  }
  return false;
}

static int start_transport(server_conn_t *conn, int fd) {
  server_loop_t *sl = conn->sl;
  cgrpc_server_t *srv = sl->srv;
  if (!conn->creds) {
    return cgrpc_transport_start(&conn->t, sl->loop, fd, CGRPC_H2_SERVER, &srv->h2opts,
                                 &kServerEvents, conn, sl->rbuf, on_closed);
  }
  cgrpc_tls_session_t *session = cgrpc_tls_session_new_server(conn->creds);
  if (!session) {
    atomic_fetch_sub(&srv->tls_handshakes, 1);
    cgrpc_socket_close(fd);
    return -1;
  }
  cgrpc_tls_session_allow_http1(session, srv->opts.http1);
  cgrpc_transport_tls_config_t tls = {
      .session = session,
      .handshake_timeout_ns = srv->opts.tls_handshake_timeout_ns,
      .handshakes = &srv->tls_handshakes,
      .peer = conn->peer,
  };
  return cgrpc_transport_start_tls(&conn->t, sl->loop, fd, CGRPC_H2_SERVER, &srv->h2opts,
                                   &kServerEvents, conn, sl->rbuf, on_closed, &tls);
}

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
  if (!closing && a->creds && !take_handshake_slot(srv, &a->peer)) {
    cgrpc_socket_close(a->fd);
    cgrpc_server_conn_gone(srv);
    return;
  }
  server_conn_t *conn = closing ? NULL : cgrpc_malloc(sizeof *conn);
  if (!conn) {
    cgrpc_socket_close(a->fd);
    if (!closing && a->creds) atomic_fetch_sub(&srv->tls_handshakes, 1);
    if (!closing) cgrpc_server_conn_gone(srv);
    return;
  }
  memset(conn, 0, sizeof *conn);
  conn->sl = sl;
  conn->creds = a->creds;
  cgrpc_address_format(&a->peer, conn->peer);
  conn->next = sl->conns;
  if (sl->conns) sl->conns->prev = conn;
  sl->conns = conn;
  if (start_transport(conn, a->fd) != 0) {
    unlink_conn(conn);
    cgrpc_free(conn);
    cgrpc_server_conn_gone(srv);
  }
}

void cgrpc_server_conn_accept(server_loop_t *sl, int fd, const cgrpc_address_t *peer,
                              cgrpc_server_credentials_t *creds) {
  accept_arg_t a = {sl, fd, *peer, creds};
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

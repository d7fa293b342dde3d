/* rpc/transport.c — socket I/O for an h2 connection engine. See transport.h. */
#include "rpc/transport.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>

#include "io/error.h"
#include "io/socket.h"
#include "rpc/call_io.h"
#include "rpc/transport_tls.h"

#define READS_PER_WAKEUP CGRPC_TRANSPORT_READS_PER_WAKEUP
#define IOV_BATCH 64

void cgrpc_transport_set_interest(cgrpc_transport_t *t, unsigned interest) {
  if (t->interest == interest) return;
  t->interest = interest;
  cgrpc_loop_watch_set(t->loop, t->watch, interest);
}

void cgrpc_transport_close(cgrpc_transport_t *t, const char *reason) {
  if (t->closed) return;
  t->closed = true;
  /* `reason` may live in the engine, which the owner may free from
   * on_closed. */
  char why[192];
  snprintf(why, sizeof why, "%s", reason);
  cgrpc_loop_watch_remove(t->loop, t->watch);
  if (t->tls) cgrpc_transport_tls_closing(t);
  cgrpc_socket_close(t->fd);
  t->fd = -1;
  cgrpc_timer_cancel(&t->deadline_timer);
  cgrpc_loop_task_cancel(&t->flush_task);
  cgrpc_h2_conn_end(t->h2, CGRPC_H2_END_ABORT, 0, NULL, why);
  t->on_closed(t->owner, t, why);
}

/* The transport ends the connection itself (EOF, a failed write, the engine
 * is done or broken): the engine may know better than the socket why — a
 * peer that is not HTTP/2, a protocol error, the peer's GOAWAY code. */
void cgrpc_transport_close_ended(cgrpc_transport_t *t, const char *fallback) {
  const char *why = cgrpc_h2_conn_error(t->h2);
  cgrpc_transport_close(t, why[0] ? why : fallback);
}

void cgrpc_transport_release(cgrpc_transport_t *t) {
  if (t->tls) cgrpc_transport_tls_release(t);
  cgrpc_h2_conn_free(t->h2);
  t->h2 = NULL;
}

/* The socket is full: wait for it to drain. A server whose output is full
 * too stops reading meanwhile: the client is not reading, and every request
 * it sends would only queue more output (h2/guard.h). */
void cgrpc_transport_wait_writable(cgrpc_transport_t *t) {
  bool stop_reading = cgrpc_h2_conn_output_full(t->h2);
  cgrpc_transport_set_interest(t, CGRPC_IO_WRITE | (stop_reading ? 0 : CGRPC_IO_READ));
}

/* Writes what the engine has, refilling it as the socket takes bytes.
 * Returns false when the transport was closed. */
static bool write_out(cgrpc_transport_t *t) {
  if (t->tls) return cgrpc_transport_tls_write_out(t);
  for (;;) {
    if (cgrpc_h2_conn_flush(t->h2) != 0) t->broken = true;
    struct iovec iov[IOV_BATCH];
    size_t n = cgrpc_h2_conn_output(t->h2, iov, IOV_BATCH);
    if (n == 0) {
      cgrpc_transport_set_interest(t, CGRPC_IO_READ);
      return true;
    }
    size_t total = 0;
    for (size_t i = 0; i < n; i++) total += iov[i].iov_len;
    ssize_t w = cgrpc_socket_writev(t->fd, iov, (int)n);
    if (w == -EAGAIN) {
      cgrpc_transport_wait_writable(t);
      return true;
    }
    if (w < 0) {
      char why[96];
      snprintf(why, sizeof why, "write failed: %s", cgrpc_io_strerror((int)w));
      cgrpc_transport_close_ended(t, why);
      return false;
    }
    cgrpc_h2_conn_written(t->h2, (size_t)w);
    if ((size_t)w < total) {
      cgrpc_transport_wait_writable(t);
      return true;
    }
  }
}

static void flush(void *arg) {
  cgrpc_transport_t *t = arg;
  if (t->closed || !write_out(t)) return;
  /* Over TLS the engine's output counts as written once encrypted: the
   * ciphertext still waiting for the socket (a GOAWAY, say) must leave
   * before the connection is closed. */
  bool sent = !t->tls || cgrpc_transport_tls_sent(t);
  if (sent && cgrpc_h2_conn_finished(t->h2)) {
    cgrpc_transport_close_ended(t, "the connection was closed");
    return;
  }
  if (sent && t->broken && cgrpc_h2_conn_output_size(t->h2) == 0) {
    cgrpc_transport_close_ended(t, "HTTP/2 protocol error");
    return;
  }
  int64_t next = cgrpc_h2_conn_next_deadline(t->h2);
  if (next == CGRPC_INFINITE) {
    cgrpc_timer_cancel(&t->deadline_timer);
  } else if (!cgrpc_timer_pending(&t->deadline_timer) || t->deadline_timer.deadline != next) {
    cgrpc_timer_start(t->loop, &t->deadline_timer, next);
  }
}

void cgrpc_transport_kick(cgrpc_transport_t *t) {
  if (!t->closed) cgrpc_loop_defer(t->loop, &t->flush_task);
}

static void on_deadline(void *arg) {
  cgrpc_transport_t *t = arg;
  cgrpc_h2_conn_expire(t->h2, cgrpc_loop_now(t->loop));
  cgrpc_transport_kick(t);
}

static void on_io(cgrpc_loop_t *loop, int fd, unsigned events, void *arg) {
  cgrpc_transport_t *t = arg;
  if ((events & CGRPC_IO_READ) && !t->broken) {
    if (t->tls) {
      if (!cgrpc_transport_tls_read(t)) return;
    } else {
      for (int i = 0; i < READS_PER_WAKEUP; i++) {
        ssize_t n = cgrpc_socket_read(fd, t->rbuf, CGRPC_TRANSPORT_READ_BUFFER_SIZE);
        if (n == -EAGAIN) break;
        if (n <= 0) {
          char why[96];
          snprintf(why, sizeof why, "%s",
                   n == 0 ? "the peer closed the connection" : cgrpc_io_strerror((int)n));
          cgrpc_transport_close_ended(t, why);
          return;
        }
        if (cgrpc_h2_conn_recv(t->h2, t->rbuf, (size_t)n) != 0) {
          t->broken = true;
          break;
        }
        if ((size_t)n < CGRPC_TRANSPORT_READ_BUFFER_SIZE) break;
      }
    }
  }
  /* Writable, or new frames to answer with: flush now, once for all the
   * input just read, rather than at the end of the iteration. The calls
   * that input started and finished then end here (their streams close as
   * their trailers are serialized), so a loop serving many connections
   * holds one connection's calls at a time instead of every connection's
   * that was readable in this iteration. A flush already scheduled is
   * covered by this one. */
  cgrpc_loop_task_cancel(&t->flush_task);
  flush(t);
}

/* ---- The engine's events, adapted for the owner (transport.h) ------------------ */

static const cgrpc_transport_events_t *events_of(void *ctx) {
  return ((cgrpc_transport_t *)ctx)->events;
}

static cgrpc_call_io_t *io_of(void *ctx, cgrpc_h2_stream_t *s) {
  return (cgrpc_call_io_t *)((char *)cgrpc_h2_stream_user(s) + events_of(ctx)->io_offset);
}

static int64_t ev_now(void *ctx) { return cgrpc_loop_now(((cgrpc_transport_t *)ctx)->loop); }

static cgrpc_h2_stream_t *ev_stream_new(void *ctx, cgrpc_h2_conn_t *h2) {
  return events_of(ctx)->stream_new(((cgrpc_transport_t *)ctx)->owner);
}

static void ev_on_request(void *ctx, cgrpc_h2_stream_t *s) {
  events_of(ctx)->on_request(cgrpc_h2_stream_user(s));
}

static void ev_on_headers(void *ctx, cgrpc_h2_stream_t *s) {
  events_of(ctx)->on_headers(cgrpc_h2_stream_user(s));
}

static void ev_on_message(void *ctx, cgrpc_h2_stream_t *s, const uint8_t *data, size_t len) {
  cgrpc_call_io_on_message(io_of(ctx, s), data, len);
}

static void ev_on_eos(void *ctx, cgrpc_h2_stream_t *s) {
  const cgrpc_transport_events_t *ev = events_of(ctx);
  if (ev->on_end_of_stream) {
    ev->on_end_of_stream(cgrpc_h2_stream_user(s));
  } else {
    cgrpc_call_io_on_eos(io_of(ctx, s));
  }
}

static void ev_on_sent(void *ctx, cgrpc_h2_stream_t *s) {
  const cgrpc_transport_events_t *ev = events_of(ctx);
  if (ev->on_sent) {
    ev->on_sent(cgrpc_h2_stream_user(s));
  } else {
    cgrpc_call_io_on_sent(io_of(ctx, s));
  }
}

static void ev_on_close(void *ctx, cgrpc_h2_stream_t *s) {
  events_of(ctx)->on_close(cgrpc_h2_stream_user(s));
}

static void ev_on_ready(void *ctx, cgrpc_h2_conn_t *h2) {
  const cgrpc_transport_events_t *ev = events_of(ctx);
  if (ev->on_ready) ev->on_ready(((cgrpc_transport_t *)ctx)->owner);
}

static void ev_on_goaway(void *ctx, cgrpc_h2_conn_t *h2, uint32_t error_code) {
  const cgrpc_transport_events_t *ev = events_of(ctx);
  if (ev->on_goaway) ev->on_goaway(((cgrpc_transport_t *)ctx)->owner, error_code);
}

static const cgrpc_h2_events_t kEngineEvents = {
    .now = ev_now,
    .stream_new = ev_stream_new,
    .on_request = ev_on_request,
    .on_headers = ev_on_headers,
    .on_message = ev_on_message,
    .on_end_of_stream = ev_on_eos,
    .on_sent = ev_on_sent,
    .on_close = ev_on_close,
    .on_ready = ev_on_ready,
    .on_goaway = ev_on_goaway,
};

static int start(cgrpc_transport_t *t, cgrpc_loop_t *loop, int fd, cgrpc_h2_role_t role,
                 const cgrpc_h2_options_t *opts, const cgrpc_transport_events_t *events,
                 void *owner, uint8_t *rbuf, cgrpc_transport_closed_fn on_closed,
                 const cgrpc_transport_tls_config_t *tls) {
  t->loop = loop;
  t->fd = fd;
  t->rbuf = rbuf;
  t->closed = false;
  t->broken = false;
  t->on_closed = on_closed;
  t->events = events;
  t->owner = owner;
  t->tls = NULL;
  t->h2 = NULL;
  t->interest = CGRPC_IO_READ;
  cgrpc_loop_task_init(&t->flush_task, flush, t);
  cgrpc_timer_init(&t->deadline_timer, on_deadline, t);
  int rv = tls ? cgrpc_transport_tls_attach(t, tls, role == CGRPC_H2_SERVER) : 0;
  if (rv == 0) rv = cgrpc_h2_conn_new(role, opts, &kEngineEvents, t, &t->h2);
  if (rv == 0) rv = cgrpc_loop_watch_add(loop, fd, CGRPC_IO_READ, on_io, t, &t->watch);
  if (rv != 0) {
    cgrpc_transport_release(t);
    cgrpc_socket_close(fd);
    t->closed = true;
    return rv;
  }
  cgrpc_transport_kick(t); /* the preface and SETTINGS, or the ClientHello */
  return 0;
}

int cgrpc_transport_start(cgrpc_transport_t *t, cgrpc_loop_t *loop, int fd, cgrpc_h2_role_t role,
                          const cgrpc_h2_options_t *opts, const cgrpc_transport_events_t *events,
                          void *owner, uint8_t *rbuf, cgrpc_transport_closed_fn on_closed) {
  return start(t, loop, fd, role, opts, events, owner, rbuf, on_closed, NULL);
}

int cgrpc_transport_start_tls(cgrpc_transport_t *t, cgrpc_loop_t *loop, int fd,
                              cgrpc_h2_role_t role, const cgrpc_h2_options_t *opts,
                              const cgrpc_transport_events_t *events, void *owner, uint8_t *rbuf,
                              cgrpc_transport_closed_fn on_closed,
                              const cgrpc_transport_tls_config_t *tls) {
  return start(t, loop, fd, role, opts, events, owner, rbuf, on_closed, tls);
}

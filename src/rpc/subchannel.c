/* rpc/subchannel.c — one backend address of a channel: its connection, the
 * attempts to make one, and the backoff between them.
 *
 *   IDLE --lb_sub_connect--> CONNECTING --SETTINGS--> READY
 *     ^                          |                     |
 *     +--backoff timer-- TRANSIENT_FAILURE <--failed---+ (lost, GOAWAY: IDLE)
 *
 * An attempt is TCP connect, TLS when configured, and the server's SETTINGS;
 * it is bounded by max(backoff, connect_timeout_ns) and the next one starts
 * no earlier than the backoff after this one started (lb_backoff.c). A
 * connection that was READY and is lost, or told us GOAWAY, leaves the
 * subchannel IDLE: the policy decides whether to connect again at once. Each
 * change is reported to the policy (lb_on_sub_change), and a loss or a
 * failure asks the resolver for fresh addresses.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/time.h"
#include "io/error.h"
#include "io/socket.h"
#include "rpc/channel_internal.h"

/* ---- Transport events (rpc/transport.h) -------------------------------------------- */

static void call_on_headers(void *call) { cgrpc_call_on_headers(call); }

static void call_on_sent(void *call) { cgrpc_call_on_sent(call); }

static void call_on_close(void *call) { cgrpc_call_on_close(call); }

static void call_on_eos(void *call) { cgrpc_call_on_eos(call); }

static void set_state(lb_sub_t *s, cgrpc_connectivity_state_t state) {
  cgrpc_connectivity_state_t old = s->state;
  if (old == state) return;
  s->state = state;
  if (old == CGRPC_CHANNEL_READY) lb_health_stop(s);
  if (state == CGRPC_CHANNEL_READY) lb_health_start(s);
  lb_on_sub_change(s->ch, s, old);
}

static void conn_on_ready(void *owner) {
  subchannel_t *conn = owner;
  conn->ready = true;
  cgrpc_channel_keepalive_start(conn);
  lb_sub_t *s = conn->owner;
  if (!s || s->conn != conn) return;
  cgrpc_timer_cancel(&s->connect_timer);
  lb_backoff_reset(&s->backoff);
  s->last_error[0] = '\0';
  set_state(s, CGRPC_CHANNEL_READY);
}

static void conn_on_goaway(void *owner, uint32_t error_code) {
  subchannel_t *conn = owner;
  cgrpc_channel_keepalive_on_goaway(conn->ch, error_code);
  lb_sub_t *s = conn->owner;
  if (!s || s->conn != conn) return;
  /* Calls in flight finish on this connection; new ones need another. */
  s->conn = NULL;
  cgrpc_timer_cancel(&s->connect_timer);
  cgrpc_resolver_request(s->ch);
  set_state(s, CGRPC_CHANNEL_IDLE);
}

static const cgrpc_transport_events_t kClientEvents = {
    .io_offset = offsetof(cgrpc_call_t, io),
    .on_headers = call_on_headers,
    .on_sent = call_on_sent,
    .on_end_of_stream = call_on_eos,
    .on_close = call_on_close,
    .on_ready = conn_on_ready,
    .on_goaway = conn_on_goaway,
};

/* ---- Attempts ------------------------------------------------------------------------ */

static void attempt_failed(lb_sub_t *s, const char *why) {
  cgrpc_channel_t *ch = s->ch;
  cgrpc_timer_cancel(&s->connect_timer);
  snprintf(s->last_error, sizeof s->last_error, "%s", why);
  /* With one address the channel's authority already names it. */
  if (ch->lb.count > 1) {
    snprintf(ch->last_error, sizeof ch->last_error, "%s: %s", s->name, why);
  } else {
    snprintf(ch->last_error, sizeof ch->last_error, "%s", why);
  }
  int64_t now = cgrpc_loop_now(ch->loop);
  int64_t at = s->next_attempt > now ? s->next_attempt : now;
  if (cgrpc_timer_start(ch->loop, &s->backoff_timer, at) != 0) {
    /* No memory for the timer: without it the subchannel would never try
     * again. Idle, quietly (the policy would connect again at once, and
     * fail again): the next call connects (lb_kick). */
    s->state = CGRPC_CHANNEL_IDLE;
    lb_refresh(ch);
    return;
  }
  cgrpc_resolver_request(ch);
  set_state(s, CGRPC_CHANNEL_TRANSIENT_FAILURE);
}

static void on_backoff(void *arg) {
  lb_sub_t *s = arg;
  set_state(s, CGRPC_CHANNEL_IDLE);
}

static void conn_closed(void *owner, cgrpc_transport_t *t, const char *reason) {
  subchannel_t *conn = owner;
  cgrpc_channel_t *ch = conn->ch;
  for (subchannel_t **pp = &ch->subs; *pp; pp = &(*pp)->next) {
    if (*pp == conn) {
      *pp = conn->next;
      break;
    }
  }
  lb_sub_t *s = conn->owner;
  bool current = s && s->conn == conn;
  bool was_ready = conn->ready;
  if (was_ready) cgrpc_channel_keepalive_stop(conn);
  cgrpc_transport_release(t);
  cgrpc_free(conn);
  if (!current || ch->state == CH_SHUTDOWN) return;
  s->conn = NULL;
  if (!was_ready) {
    attempt_failed(s, reason); /* closed before SETTINGS: the attempt failed */
    return;
  }
  cgrpc_resolver_request(ch);
  set_state(s, CGRPC_CHANNEL_IDLE);
}

static void on_connect_timeout(void *arg) {
  lb_sub_t *s = arg;
  cgrpc_connect_cancel(&s->connect);
  if (s->conn && !s->conn->ready) {
    /* -> conn_closed -> attempt_failed */
    cgrpc_transport_close(&s->conn->t, "connection attempt timed out");
    return;
  }
  attempt_failed(s, "connection attempt timed out");
}

/* Over TLS the handshake is part of the attempt: the connect timer runs
 * until the server's SETTINGS, which come after it. */
static int start_transport(cgrpc_channel_t *ch, subchannel_t *conn, int fd) {
  if (!ch->creds) {
    return cgrpc_transport_start(&conn->t, ch->loop, fd, CGRPC_H2_CLIENT, &ch->h2opts,
                                 &kClientEvents, conn, ch->rbuf, conn_closed);
  }
  const char *host = ch->target.host[0] ? ch->target.host : "localhost";
  cgrpc_tls_session_t *session = cgrpc_tls_session_new_client(ch->creds, host, &ch->tls_cache);
  if (!session) {
    cgrpc_socket_close(fd);
    return -ENOMEM;
  }
  cgrpc_transport_tls_config_t tls = {
      .session = session, .handshake_timeout_ns = CGRPC_INFINITE, .peer = ch->authority};
  return cgrpc_transport_start_tls(&conn->t, ch->loop, fd, CGRPC_H2_CLIENT, &ch->h2opts,
                                   &kClientEvents, conn, ch->rbuf, conn_closed, &tls);
}

static void on_connected(void *arg, int fd, int err) {
  lb_sub_t *s = arg;
  cgrpc_channel_t *ch = s->ch;
  if (err != 0) {
    attempt_failed(s, cgrpc_io_strerror(err));
    return;
  }
  subchannel_t *conn = cgrpc_malloc(sizeof *conn);
  if (!conn) {
    cgrpc_socket_close(fd);
    attempt_failed(s, "out of memory");
    return;
  }
  memset(conn, 0, sizeof *conn);
  conn->ch = ch;
  conn->owner = s;
  int rv = start_transport(ch, conn, fd);
  if (rv != 0) {
    cgrpc_free(conn);
    attempt_failed(s, cgrpc_io_strerror(rv));
    return;
  }
  conn->next = ch->subs;
  ch->subs = conn;
  s->conn = conn; /* READY once its SETTINGS arrive; the timer still runs */
}

void lb_sub_connect(lb_sub_t *s) {
  if (s->state != CGRPC_CHANNEL_IDLE) return;
  cgrpc_channel_t *ch = s->ch;
  int64_t now = cgrpc_loop_now(ch->loop);
  int64_t backoff = lb_backoff_next(&s->backoff, lb_rand_unit(ch));
  s->next_attempt = cgrpc_time_add(now, backoff);
  /* The attempt's limit is connect_timeout_ns, as the option promises (the
   * spec's MIN_CONNECT_TIMEOUT, 20 s by default; the spec lets an attempt
   * run for the backoff when that is longer, from the eighth failure on
   * with the defaults: here the next attempt waits for it instead). */
  int64_t timeout = ch->opts.connect_timeout_ns;
  s->state = CGRPC_CHANNEL_CONNECTING; /* the policy that asked refreshes */
  if (cgrpc_timer_start(ch->loop, &s->connect_timer, cgrpc_time_add(now, timeout)) != 0) {
    /* An attempt without its timeout could wait on a silent peer for ever. */
    attempt_failed(s, "out of memory");
    return;
  }
  cgrpc_connect_start(&s->connect, ch->loop, &s->addr, on_connected, s);
}

void lb_sub_enter_idle(lb_sub_t *s) {
  cgrpc_timer_cancel(&s->connect_timer);
  cgrpc_timer_cancel(&s->backoff_timer);
  cgrpc_connect_cancel(&s->connect);
  /* The connection is no longer this subchannel's: its close (the caller
   * drains it) neither asks for a re-resolution nor changes the state. */
  s->conn = NULL;
  lb_backoff_reset(&s->backoff);
  set_state(s, CGRPC_CHANNEL_IDLE);
}

lb_sub_t *lb_sub_new(cgrpc_channel_t *ch, const cgrpc_address_t *addr) {
  lb_sub_t *s = cgrpc_malloc(sizeof *s);
  if (!s) return NULL;
  memset(s, 0, sizeof *s);
  s->ch = ch;
  s->addr = *addr;
  cgrpc_address_format(addr, s->name);
  s->state = CGRPC_CHANNEL_IDLE;
  s->health = ch->lb.health_check ? LB_HEALTH_UNKNOWN : LB_HEALTH_OFF;
  cgrpc_timer_init(&s->connect_timer, on_connect_timeout, s);
  cgrpc_timer_init(&s->backoff_timer, on_backoff, s);
  lb_backoff_init(&s->backoff, ch->opts.initial_backoff_ns, ch->opts.max_backoff_ns);
  lb_health_init(s);
  return s;
}

void lb_sub_free(lb_sub_t *s) {
  cgrpc_channel_t *ch = s->ch;
  cgrpc_timer_cancel(&s->connect_timer);
  cgrpc_timer_cancel(&s->backoff_timer);
  cgrpc_connect_cancel(&s->connect);
  lb_health_stop(s);
  for (subchannel_t *conn = ch->subs; conn; conn = conn->next) {
    if (conn->owner != s) continue;
    conn->owner = NULL;
    if (ch->state == CH_SHUTDOWN) continue; /* the shutdown ends every connection */
    /* Calls in flight finish; an idle connection goes now. */
    cgrpc_h2_end_t step =
        conn->ready && s->outstanding > 0 ? CGRPC_H2_END_DRAIN : CGRPC_H2_END_CANCEL;
    cgrpc_h2_conn_end(conn->t.h2, step, 0, NULL, "the address was removed by the resolver");
    cgrpc_transport_kick(&conn->t);
  }
  cgrpc_free(s);
}

bool lb_sub_pickable(const lb_sub_t *s) {
  return s->state == CGRPC_CHANNEL_READY && s->conn && cgrpc_h2_conn_ready(s->conn->t.h2) &&
         (s->health == LB_HEALTH_OFF || s->health == LB_HEALTH_SERVING);
}

cgrpc_connectivity_state_t lb_sub_lb_state(const lb_sub_t *s) {
  if (s->state != CGRPC_CHANNEL_READY) return s->state;
  switch (s->health) {
    case LB_HEALTH_UNKNOWN:
      return CGRPC_CHANNEL_CONNECTING;
    case LB_HEALTH_NOT_SERVING:
      return CGRPC_CHANNEL_TRANSIENT_FAILURE;
    default:
      return CGRPC_CHANNEL_READY;
  }
}

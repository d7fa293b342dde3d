/* h2/guard.c — the rules of h2/guard.h: rate limits, the ping policy and the
 * connection timers of a server connection.
 *
 * Every rule is a comparison against the engine's clock, evaluated when a
 * frame arrives or leaves and when the transport's timer fires
 * (cgrpc_h2_conn_expire). Timers are one-shot: each is cleared or acted on
 * when due, so cgrpc_h2_guard_next() never reports a past time that
 * cgrpc_h2_guard_expire() would ignore (the transport would spin).
 */
#include "h2/guard.h"

#include <string.h>

#include "base/time.h"
#include "h2/conn_internal.h"

#define OFF CGRPC_INFINITE
#define NEVER INT64_MIN

/* Without open calls a client has no reason to ping more often than this
 * (gRPC's rule when keepalive without calls is not permitted). */
#define PING_INTERVAL_WITHOUT_CALLS (2 * 3600 * CGRPC_NS_PER_SEC)

static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

/* ---- Rate limits ---------------------------------------------------------------- */

void cgrpc_h2_ratelimit_init(cgrpc_h2_ratelimit_t *r, uint32_t per_second) {
  r->tat = NEVER;
  if (per_second == 0 || per_second == CGRPC_UNLIMITED) {
    r->interval = 0;
    return;
  }
  r->interval = CGRPC_NS_PER_SEC / per_second;
  if (r->interval == 0) r->interval = 1;
}

bool cgrpc_h2_ratelimit_take(cgrpc_h2_ratelimit_t *r, int64_t now) {
  if (r->interval == 0) return true;
  int64_t tat = (r->tat > now ? r->tat : now) + r->interval;
  if (tat - now > CGRPC_H2_BURST_SECONDS * CGRPC_NS_PER_SEC) return false;
  r->tat = tat;
  return true;
}

/* ---- Setup -------------------------------------------------------------------------- */

/* splitmix64: enough randomness to spread connection ages apart. */
static uint64_t next_random(uint64_t *state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15u);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
  return z ^ (z >> 31);
}

/* `d` ±10%, so connections accepted together do not all leave together. */
static int64_t jittered(cgrpc_h2_guard_t *g, int64_t d) {
  if (d <= 0 || d > INT64_MAX / 2) return d;
  int64_t span = d / 5;
  return d - d / 10 + (int64_t)(next_random(&g->rng) % (uint64_t)(span + 1));
}

void cgrpc_h2_guard_init(cgrpc_h2_conn_t *c, int64_t now) {
  cgrpc_h2_guard_t *g = &c->guard;
  const cgrpc_h2_options_t *o = &c->opts;
  memset(g, 0, sizeof *g);
  g->on = c->role == CGRPC_H2_SERVER;
  g->handshake_due = g->settings_due = g->keepalive_sent = OFF;
  g->age_due = g->grace_due = g->drain_started = g->stall_since = OFF;
  g->idle_since = g->last_read = now;
  g->last_ping = NEVER;
  g->rng = (uint64_t)now ^ (uint64_t)(uintptr_t)c;
  cgrpc_h2_ratelimit_init(&g->settings, g->on ? o->max_settings_per_second : 0);
  cgrpc_h2_ratelimit_init(&g->resets, g->on ? o->max_resets_per_second : 0);
  cgrpc_h2_ratelimit_init(&g->empty, g->on ? o->max_empty_frames_per_second : 0);
  if (!g->on) return;
  g->handshake_due = cgrpc_time_add(now, o->handshake_timeout);
  if (o->max_connection_age != OFF) {
    g->age_due = cgrpc_time_add(now, jittered(g, o->max_connection_age));
  }
}

/* ---- Frames -------------------------------------------------------------------------- */

static bool violation(cgrpc_h2_conn_t *c, const char *debug, const char *reason) {
  cgrpc_h2_conn_end(c, CGRPC_H2_END_REFUSE, NGHTTP2_ENHANCE_YOUR_CALM, debug, reason);
  return false;
}

static bool empty_frame(cgrpc_h2_conn_t *c) {
  if (cgrpc_h2_ratelimit_take(&c->guard.empty, c->ev->now(c->ctx))) return true;
  return violation(c, "too_many_empty_frames", "the client sent too many frames carrying nothing");
}

static bool reset(cgrpc_h2_conn_t *c) {
  if (cgrpc_h2_ratelimit_take(&c->guard.resets, c->ev->now(c->ctx))) return true;
  return violation(c, "too_many_resets", "the client caused too many stream resets");
}

/* gRPC's keepalive enforcement (grpc/grpc doc/keepalive.md): a PING sooner
 * than allowed is a strike. */
static bool ping(cgrpc_h2_conn_t *c) {
  cgrpc_h2_guard_t *g = &c->guard;
  const cgrpc_h2_options_t *o = &c->opts;
  int64_t now = c->ev->now(c->ctx);
  int64_t interval = c->stream_count > 0 || o->permit_keepalive_without_calls
                         ? o->permit_keepalive_time
                         : PING_INTERVAL_WITHOUT_CALLS;
  if (g->last_ping != NEVER && now < cgrpc_time_add(g->last_ping, interval)) g->ping_strikes++;
  g->last_ping = now;
  if (o->max_ping_strikes == CGRPC_UNLIMITED || g->ping_strikes <= o->max_ping_strikes) return true;
  return violation(c, "too_many_pings", "the client sent too many PINGs");
}

bool cgrpc_h2_guard_frame_begin(cgrpc_h2_conn_t *c, const nghttp2_frame_hd *hd) {
  if (!c->guard.on) return true;
  bool nothing =
      hd->type == NGHTTP2_PRIORITY || (hd->type == NGHTTP2_CONTINUATION && hd->length == 0 &&
                                       !(hd->flags & NGHTTP2_FLAG_END_HEADERS));
  return !nothing || empty_frame(c);
}

bool cgrpc_h2_guard_frame_recv(cgrpc_h2_conn_t *c, const nghttp2_frame *frame) {
  cgrpc_h2_guard_t *g = &c->guard;
  const cgrpc_h2_options_t *o = &c->opts;
  if (!g->on) return true;
  bool ack = (frame->hd.flags & NGHTTP2_FLAG_ACK) != 0;
  switch (frame->hd.type) {
    case NGHTTP2_DATA:
      if (frame->hd.length <= frame->data.padlen && !(frame->hd.flags & NGHTTP2_FLAG_END_STREAM)) {
        return empty_frame(c);
      }
      return true;
    case NGHTTP2_SETTINGS:
      if (ack) {
        g->settings_due = OFF;
        return true;
      }
      /* The handshake is done; the client has seen our SETTINGS by now and
       * owes their ACK within settings_timeout. */
      if (g->handshake_due != OFF) {
        g->handshake_due = OFF;
        g->settings_due = cgrpc_time_add(c->ev->now(c->ctx), o->settings_timeout);
      }
      if (cgrpc_h2_ratelimit_take(&g->settings, c->ev->now(c->ctx))) return true;
      return violation(c, "too_many_settings", "the client sent too many SETTINGS frames");
    case NGHTTP2_PING:
      if (!ack) return ping(c);
      if (memcmp(frame->ping.opaque_data, cgrpc_h2_keepalive_ping, 8) == 0) {
        g->keepalive_sent = OFF;
        return true;
      }
      if (memcmp(frame->ping.opaque_data, cgrpc_h2_shutdown_ping, 8) == 0) return true;
      return empty_frame(c);
    case NGHTTP2_RST_STREAM:
      return reset(c);
    default:
      return true;
  }
}

void cgrpc_h2_guard_frame_sent(cgrpc_h2_conn_t *c, const nghttp2_frame *frame) {
  cgrpc_h2_guard_t *g = &c->guard;
  if (!g->on) return;
  if (frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) {
    g->ping_strikes = 0;
    g->last_ping = NEVER;
  } else if (frame->hd.type == NGHTTP2_RST_STREAM) {
    uint32_t code = frame->rst_stream.error_code;
    /* NO_ERROR ends a stream we answered early, CANCEL one we gave up on;
     * refusals are counted where the client is to blame for them. */
    if (code != NGHTTP2_NO_ERROR && code != NGHTTP2_CANCEL && code != NGHTTP2_REFUSED_STREAM) {
      reset(c);
    }
  }
}

bool cgrpc_h2_guard_settled(const cgrpc_h2_conn_t *c) {
  const cgrpc_h2_guard_t *g = &c->guard;
  return g->handshake_due == OFF && g->settings_due == OFF && g->keepalive_sent == OFF &&
         g->drain_started == OFF;
}

bool cgrpc_h2_guard_stream_refused(cgrpc_h2_conn_t *c) { return !c->guard.on || reset(c); }

bool cgrpc_h2_guard_output_over(const cgrpc_h2_conn_t *c) {
  size_t max = c->opts.max_outbound_bytes;
  return c->guard.on && max != SIZE_MAX && c->out.pending + c->send_queued > max;
}

/* ---- Clocks -------------------------------------------------------------------------- */

void cgrpc_h2_guard_on_read(cgrpc_h2_conn_t *c, int64_t now) {
  c->guard.last_read = now;
  c->guard.keepalive_sent = OFF; /* any byte proves the client is there */
}

void cgrpc_h2_guard_on_written(cgrpc_h2_conn_t *c, int64_t now) {
  c->guard.stall_since = c->out.pending > 0 ? now : OFF;
}

void cgrpc_h2_guard_after_flush(cgrpc_h2_conn_t *c, int64_t now) {
  cgrpc_h2_guard_t *g = &c->guard;
  if (c->stream_count > 0) {
    g->idle_since = OFF;
  } else if (g->idle_since == OFF) {
    g->idle_since = now;
  }
  if (c->out.pending == 0) {
    g->stall_since = OFF;
  } else if (g->stall_since == OFF) {
    g->stall_since = now;
  }
}

void cgrpc_h2_guard_on_drain(cgrpc_h2_conn_t *c, int64_t now) { c->guard.drain_started = now; }

/* Timers that run only while the connection is open for new streams. */
static bool accepting(const cgrpc_h2_conn_t *c) {
  return !(c->flags & (CONN_GOAWAY_SENT | CONN_SHUTDOWN_PING | CONN_GOAWAY_RECV));
}

int64_t cgrpc_h2_guard_next(const cgrpc_h2_conn_t *c) {
  const cgrpc_h2_guard_t *g = &c->guard;
  const cgrpc_h2_options_t *o = &c->opts;
  if (!g->on || (c->flags & CONN_DEAD)) return OFF;
  int64_t t = g->stall_since == OFF ? OFF : cgrpc_time_add(g->stall_since, o->write_stall_timeout);
  if (c->flags & CONN_CLOSING) return t;
  t = min64(t, min64(g->handshake_due, min64(g->settings_due, g->grace_due)));
  if (g->keepalive_sent != OFF) {
    t = min64(t, cgrpc_time_add(g->keepalive_sent, o->keepalive_timeout));
  }
  if (c->flags & CONN_SHUTDOWN_PING) {
    t = min64(t, cgrpc_time_add(g->drain_started, o->keepalive_timeout));
  }
  if (accepting(c)) {
    t = min64(t, g->age_due);
    if (g->idle_since != OFF) t = min64(t, cgrpc_time_add(g->idle_since, o->max_connection_idle));
    if (g->keepalive_sent == OFF) t = min64(t, cgrpc_time_add(g->last_read, o->keepalive_time));
  }
  return t;
}

void cgrpc_h2_guard_expire(cgrpc_h2_conn_t *c, int64_t now) {
  cgrpc_h2_guard_t *g = &c->guard;
  const cgrpc_h2_options_t *o = &c->opts;
  if (!g->on || (c->flags & CONN_DEAD)) return;
  if (g->stall_since != OFF && now >= cgrpc_time_add(g->stall_since, o->write_stall_timeout)) {
    cgrpc_h2_conn_end(c, CGRPC_H2_END_ABORT, 0, NULL,
                      "the client stopped reading (no output written within the write stall "
                      "timeout)");
    return;
  }
  if (c->flags & CONN_CLOSING) return;
  if (now >= g->handshake_due) {
    g->handshake_due = OFF;
    cgrpc_h2_conn_end(c, CGRPC_H2_END_REFUSE, NGHTTP2_NO_ERROR, "handshake_timeout",
                      "the client did not complete the HTTP/2 handshake in time");
    return;
  }
  if (now >= g->settings_due) {
    g->settings_due = OFF;
    cgrpc_h2_conn_end(c, CGRPC_H2_END_REFUSE, NGHTTP2_SETTINGS_TIMEOUT, "settings_timeout",
                      "the client did not acknowledge our SETTINGS in time");
    return;
  }
  if (g->keepalive_sent != OFF && now >= cgrpc_time_add(g->keepalive_sent, o->keepalive_timeout)) {
    cgrpc_h2_conn_end(c, CGRPC_H2_END_ABORT, 0, NULL,
                      "keepalive timeout: the client did not answer a PING");
    return;
  }
  if (now >= g->grace_due) {
    g->grace_due = OFF;
    cgrpc_h2_conn_end(c, CGRPC_H2_END_REFUSE, NGHTTP2_NO_ERROR, "max_age",
                      "the connection reached its maximum age and grace period");
    return;
  }
  if ((c->flags & CONN_SHUTDOWN_PING) &&
      now >= cgrpc_time_add(g->drain_started, o->keepalive_timeout)) {
    cgrpc_h2_conn_final_goaway(c);
  }
  if (!accepting(c)) return;
  if (now >= g->age_due) {
    g->age_due = OFF;
    g->grace_due = cgrpc_time_add(now, o->max_connection_age_grace);
    cgrpc_h2_conn_end(c, CGRPC_H2_END_DRAIN, 0, "max_age", NULL);
  } else if (g->idle_since != OFF && c->stream_count == 0 &&
             now >= cgrpc_time_add(g->idle_since, o->max_connection_idle)) {
    cgrpc_h2_conn_end(c, CGRPC_H2_END_DRAIN, 0, "max_idle", NULL);
  } else if (g->keepalive_sent == OFF && now >= cgrpc_time_add(g->last_read, o->keepalive_time)) {
    if (cgrpc_h2_conn_wake(c) != 0) return;
    g->keepalive_sent = now;
    nghttp2_submit_ping(c->session, NGHTTP2_FLAG_NONE, cgrpc_h2_keepalive_ping);
  }
}

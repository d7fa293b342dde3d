/* h2/guard.h — a server connection's defences against a misbehaving client.
 *
 * A gRPC server faces the open network, and HTTP/2 lets a client make the
 * server work for frames that cost the client almost nothing. nghttp2 1.52
 * guards a few of them (more than 8 CONTINUATIONs, more than 1000 unsent
 * PING/SETTINGS ACKs, a token bucket on incoming RST_STREAM); everything else
 * is here, one small policy per threat, all driven by the same clock as the
 * rest of the engine, so every rule is testable in memory:
 *
 *   rates      SETTINGS frames, stream resets the peer causes (its own
 *              RST_STREAMs, streams refused because its calls are still
 *              running, streams reset for its protocol errors: "rapid
 *              reset" and "made you reset"), and frames that carry nothing:
 *              a rate limiter each. Over the limit: GOAWAY
 *              ENHANCE_YOUR_CALM with debug data naming the rule.
 *   pings      gRPC's keepalive enforcement: a PING sooner than
 *              permit_keepalive_time after the previous one (or any PING
 *              while no call is open, unless permitted) is a strike; one
 *              strike more than allowed: GOAWAY ENHANCE_YOUR_CALM
 *              "too_many_pings". Sending HEADERS or DATA forgives (the
 *              client's BDP probes ride on our data).
 *   timers     handshake (the client's preface and SETTINGS), SETTINGS ACK,
 *              keepalive (PING after keepalive_time of silence, close when
 *              the ACK does not come), max idle and max age with grace
 *              (graceful GOAWAY "max_idle" / "max_age"), a graceful
 *              shutdown whose PING is never answered, and output that does
 *              not move (a client that stops reading).
 *   output     queued outbound bytes over max_outbound_bytes: new streams are
 *              refused until it drains.
 *
 * A client connection has the structure but every rule is off.
 *
 * Thread-safety: none; part of the connection (h2/conn.h).
 */
#ifndef CGRPC_SRC_H2_GUARD_H
#define CGRPC_SRC_H2_GUARD_H

#include <nghttp2/nghttp2.h>
#include <stdbool.h>
#include <stdint.h>

/* A rate limit with bursts, as a "virtual scheduling" clock (GCRA): each
 * event moves `tat` one interval later, never earlier than now; an event is
 * refused when `tat` would run more than the burst window ahead of now. So
 * `per_second` events a second pass forever, and an idle limiter saves up
 * at most CGRPC_H2_BURST_SECONDS worth. Integer-only, no overflow. */
#define CGRPC_H2_BURST_SECONDS 10

typedef struct cgrpc_h2_ratelimit {
  int64_t tat;      /* theoretical arrival time of the next event */
  int64_t interval; /* ns per event; 0: unlimited */
} cgrpc_h2_ratelimit_t;

/* `per_second` of 0 or CGRPC_UNLIMITED means unlimited. */
void cgrpc_h2_ratelimit_init(cgrpc_h2_ratelimit_t *r, uint32_t per_second);

/* Counts one event at `now`; false (and nothing counted) when over the limit. */
bool cgrpc_h2_ratelimit_take(cgrpc_h2_ratelimit_t *r, int64_t now);

/* The connection's guard state. Times are the engine's clock (ns);
 * CGRPC_INFINITE means "not running", INT64_MIN "never". */
typedef struct cgrpc_h2_guard {
  bool on;                /* server role */
  int64_t handshake_due;  /* the client's SETTINGS are expected by then */
  int64_t settings_due;   /* our SETTINGS must be acknowledged by then (from the client's) */
  int64_t last_read;      /* last bytes from the peer */
  int64_t keepalive_sent; /* our keepalive PING is out since */
  int64_t idle_since;     /* no stream open since */
  int64_t age_due, grace_due;
  int64_t drain_started; /* graceful GOAWAY sent, its PING unanswered */
  int64_t stall_since;   /* output waiting without progress since */
  int64_t last_ping;     /* the client's previous PING */
  uint32_t ping_strikes;
  cgrpc_h2_ratelimit_t settings, resets, empty;
  uint64_t rng; /* jitter */
} cgrpc_h2_guard_t;

typedef struct cgrpc_h2_conn cgrpc_h2_conn_t;

/* Sets the guard up at connection creation (rules on for servers only). */
void cgrpc_h2_guard_init(cgrpc_h2_conn_t *c, int64_t now);

/* Frame hooks, from the nghttp2 callbacks. A false return means the peer
 * broke a rule: the connection is already failing (GOAWAY queued) and the
 * callback should stop nghttp2 (NGHTTP2_ERR_CALLBACK_FAILURE). */
bool cgrpc_h2_guard_frame_begin(cgrpc_h2_conn_t *c, const nghttp2_frame_hd *hd);
bool cgrpc_h2_guard_frame_recv(cgrpc_h2_conn_t *c, const nghttp2_frame *frame);

/* A frame went out: HEADERS and DATA forgive ping strikes; RST_STREAMs for
 * the peer's protocol errors count as resets it caused (a violation fails
 * the connection; sending carries on so the GOAWAY leaves). */
void cgrpc_h2_guard_frame_sent(cgrpc_h2_conn_t *c, const nghttp2_frame *frame);

/* A stream refused because too many of the peer's calls are still running:
 * a reset it caused. False on a violation (as the frame hooks). */
bool cgrpc_h2_guard_stream_refused(cgrpc_h2_conn_t *c);

/* No timer of the handshake, keepalive or shutdown is waiting on the
 * client (what h2/dormant.c needs before the session may sleep). */
bool cgrpc_h2_guard_settled(const cgrpc_h2_conn_t *c);

/* True when queued output is over max_outbound_bytes: refuse new streams. */
bool cgrpc_h2_guard_output_over(const cgrpc_h2_conn_t *c);

/* Bytes arrived from the peer / output was written / a flush ended: keep
 * the keepalive, stall and idle clocks. */
void cgrpc_h2_guard_on_read(cgrpc_h2_conn_t *c, int64_t now);
void cgrpc_h2_guard_on_written(cgrpc_h2_conn_t *c, int64_t now);
void cgrpc_h2_guard_after_flush(cgrpc_h2_conn_t *c, int64_t now);

/* A graceful GOAWAY went out with its PING (for the unanswered-PING timer). */
void cgrpc_h2_guard_on_drain(cgrpc_h2_conn_t *c, int64_t now);

/* The earliest guard timer (CGRPC_INFINITE: none). */
int64_t cgrpc_h2_guard_next(const cgrpc_h2_conn_t *c);

/* Runs the guard timers due at `now`. May fail, drain or abort the
 * connection (stream events fire from inside). */
void cgrpc_h2_guard_expire(cgrpc_h2_conn_t *c, int64_t now);

#endif /* CGRPC_SRC_H2_GUARD_H */

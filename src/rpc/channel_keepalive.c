/* rpc/channel_keepalive.c — client keepalive (gRFC A8) and idle mode.
 *
 * Keepalive. With keepalive_time_ns set, a READY connection that has heard
 * nothing from the server for that long sends a PING (only while calls are
 * open, unless keepalive_permit_without_calls), and is closed when nothing
 * at all arrives within keepalive_timeout_ns after it: its calls end
 * UNAVAILABLE and new ones reconnect. A server that answers GOAWAY
 * ENHANCE_YOUR_CALM (gRPC's "too_many_pings") doubles the channel's
 * keepalive time for its later connections, as A8 says.
 *
 * Idle mode. When the channel has had no call for idle_timeout_ns, its
 * connections are closed (GOAWAY, then the socket) and it goes IDLE; the
 * next call connects again. The timer is armed when the last call ends and
 * checks the time of that end when it fires, so a busy channel pays nothing
 * per call.
 */
#include <nghttp2/nghttp2.h>

#include "base/log.h"
#include "base/time.h"
#include "rpc/channel_internal.h"

static int64_t now_of(const cgrpc_channel_t *ch) { return cgrpc_loop_now(ch->loop); }

/* ---- Keepalive ------------------------------------------------------------------------ */

static void on_keepalive(void *arg) {
  subchannel_t *sub = arg;
  cgrpc_channel_t *ch = sub->ch;
  cgrpc_h2_conn_t *h2 = sub->t.h2;
  int64_t now = now_of(ch);
  int64_t last_read = cgrpc_h2_conn_last_read(h2);
  if (sub->ping_sent != CGRPC_INFINITE) {
    if (last_read >= sub->ping_sent) {
      sub->ping_sent = CGRPC_INFINITE; /* the server answered (anything counts) */
    } else if (now >= cgrpc_time_add(sub->ping_sent, ch->opts.keepalive_timeout_ns)) {
      cgrpc_log(CGRPC_LOG_WARNING, "%s: keepalive timeout: the server did not answer a PING",
                ch->authority);
      cgrpc_h2_conn_end(h2, CGRPC_H2_END_ABORT, 0, NULL,
                        "keepalive timeout: the server did not answer a PING");
      cgrpc_transport_kick(&sub->t);
      return;
    } else {
      /* Unanswered so far: look again at the timeout, or sooner (the
       * answer is noticed here, not when it arrives). */
      int64_t t = cgrpc_time_add(sub->ping_sent, ch->opts.keepalive_timeout_ns);
      int64_t soon = cgrpc_time_add(now, ch->keepalive_time);
      cgrpc_timer_start(ch->loop, &sub->keepalive_timer, soon < t ? soon : t);
      return;
    }
  }
  int64_t due = cgrpc_time_add(last_read, ch->keepalive_time);
  bool calls = cgrpc_h2_conn_stream_count(h2) > 0;
  if (now >= due && (calls || ch->opts.keepalive_permit_without_calls) && cgrpc_h2_conn_ping(h2)) {
    sub->ping_sent = now;
    cgrpc_transport_kick(&sub->t);
    int64_t t = cgrpc_time_add(now, ch->opts.keepalive_timeout_ns);
    due = cgrpc_time_add(now, ch->keepalive_time);
    if (t < due) due = t;
  } else if (now >= due) {
    due = cgrpc_time_add(now, ch->keepalive_time); /* no calls: look again later */
  }
  cgrpc_timer_start(ch->loop, &sub->keepalive_timer, due);
}

static void on_idle(void *arg);

void cgrpc_channel_keepalive_init(cgrpc_channel_t *ch) {
  ch->keepalive_time = ch->opts.keepalive_time_ns;
  cgrpc_timer_init(&ch->idle_timer, on_idle, ch);
}

void cgrpc_channel_keepalive_start(subchannel_t *sub) {
  cgrpc_channel_t *ch = sub->ch;
  sub->ping_sent = CGRPC_INFINITE;
  cgrpc_timer_init(&sub->keepalive_timer, on_keepalive, sub);
  if (ch->keepalive_time == CGRPC_INFINITE) return;
  cgrpc_timer_start(ch->loop, &sub->keepalive_timer,
                    cgrpc_time_add(now_of(ch), ch->keepalive_time));
}

void cgrpc_channel_keepalive_stop(subchannel_t *sub) { cgrpc_timer_cancel(&sub->keepalive_timer); }

void cgrpc_channel_keepalive_on_goaway(cgrpc_channel_t *ch, uint32_t error_code) {
  if (error_code != NGHTTP2_ENHANCE_YOUR_CALM || ch->keepalive_time == CGRPC_INFINITE) return;
  int64_t doubled =
      ch->keepalive_time > CGRPC_INFINITE / 2 ? CGRPC_INFINITE : ch->keepalive_time * 2;
  cgrpc_log(CGRPC_LOG_WARNING,
            "%s: the server said too_many_pings: keepalive time doubled to %lld ms", ch->authority,
            (long long)(doubled / CGRPC_NS_PER_MS));
  ch->keepalive_time = doubled;
}

/* ---- Idle mode -------------------------------------------------------------------------- */

static void on_idle(void *arg) {
  cgrpc_channel_t *ch = arg;
  if (ch->calls || ch->state == CH_SHUTDOWN || ch->state == CH_FAILED) return;
  int64_t due = cgrpc_time_add(ch->last_call_end, ch->opts.idle_timeout_ns);
  if (now_of(ch) < due) {
    cgrpc_timer_start(ch->loop, &ch->idle_timer, due);
    return;
  }
  if (!ch->subs && !ch->lb.active) return;
  cgrpc_log(CGRPC_LOG_DEBUG, "%s: idle for %lld ms: connections closed", ch->authority,
            (long long)(ch->opts.idle_timeout_ns / CGRPC_NS_PER_MS));
  /* The policy stops connecting (the next call starts it again, lb_exit_idle)
   * and every subchannel lets go of its connection, which is drained. */
  ch->lb.active = false;
  for (size_t i = 0; i < ch->lb.count; i++) lb_sub_enter_idle(ch->lb.subs[i]);
  for (subchannel_t *sub = ch->subs; sub; sub = sub->next) {
    cgrpc_h2_conn_end(sub->t.h2, CGRPC_H2_END_DRAIN, 0, NULL, "the channel went idle");
    cgrpc_transport_kick(&sub->t);
  }
  cgrpc_channel_set_state(ch, CH_IDLE);
}

void cgrpc_channel_idle_arm(cgrpc_channel_t *ch) {
  if (ch->opts.idle_timeout_ns == CGRPC_INFINITE) return;
  ch->last_call_end = now_of(ch);
  if (cgrpc_timer_pending(&ch->idle_timer)) return;
  cgrpc_timer_start(ch->loop, &ch->idle_timer,
                    cgrpc_time_add(ch->last_call_end, ch->opts.idle_timeout_ns));
}

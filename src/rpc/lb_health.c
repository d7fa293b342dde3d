/* rpc/lb_health.c — client-side health checking (gRFC A17).
 *
 * With health_check_service_name set (or healthCheckConfig.serviceName in
 * the service config), every READY subchannel runs one server-streaming
 * call, grpc.health.v1.Health/Watch for that service, pinned to its own
 * connection. The policy may pick the subchannel only while the latest
 * answer is SERVING; until the first answer it counts as CONNECTING, and
 * any other answer as TRANSIENT_FAILURE. A server that does not implement
 * the health service (UNIMPLEMENTED) counts as healthy, as A17 says; a
 * Watch that fails otherwise makes the subchannel NOT_SERVING and is
 * started again after a backoff while the connection stays READY.
 *
 * The Watch is an ordinary call with callbacks (so a channel that checks
 * health runs its callbacks, these included, on its loop thread: blocking
 * calls then hand off to that thread instead of driving the loop
 * themselves, channel_wait.c).
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/log.h"
#include "base/time.h"
#include "rpc/channel_internal.h"

/* message HealthCheckRequest { string service = 1; } */
typedef struct health_request {
  cgrpc_str_t _unknown;
  cgrpc_str_t service;
} health_request_t;

/* message HealthCheckResponse { ServingStatus status = 1; } (an enum: a
 * varint on the wire, read as int32) */
typedef struct health_response {
  cgrpc_str_t _unknown;
  int32_t status;
} health_response_t;

enum { SERVING_STATUS_SERVING = 1 };

static const cgrpc_pb_field_t kRequestFields[] = {
    {1, offsetof(health_request_t, service), 0, 0, CGRPC_PB_STRING, 0, 0}};
static const cgrpc_pb_field_t kResponseFields[] = {
    {1, offsetof(health_response_t, status), 0, 0, CGRPC_PB_INT32, 0, 0}};
static const char *const kServiceName[] = {"service"};
static const char *const kStatusName[] = {"status"};
static const cgrpc_pb_msg_table_t kRequestTable = {"grpc.health.v1.HealthCheckRequest",
                                                   kRequestFields,
                                                   NULL,
                                                   kServiceName,
                                                   kServiceName,
                                                   NULL,
                                                   sizeof(health_request_t),
                                                   1,
                                                   1,
                                                   0};
static const cgrpc_pb_msg_table_t kResponseTable = {"grpc.health.v1.HealthCheckResponse",
                                                    kResponseFields,
                                                    NULL,
                                                    kStatusName,
                                                    kStatusName,
                                                    NULL,
                                                    sizeof(health_response_t),
                                                    1,
                                                    1,
                                                    0};
static const cgrpc_pb_method_t kWatch = {
    "Watch", "/grpc.health.v1.Health/Watch", &kRequestTable, &kResponseTable, false, true};

/* One Watch. Freed when both the last receive and the finish reported. */
struct lb_health_watch {
  lb_sub_t *sub; /* NULL once the subchannel stopped watching */
  cgrpc_call_t *call;
  cgrpc_arena_t arena;        /* responses */
  cgrpc_arena_t status_arena; /* the final status */
  health_response_t resp;
  int pending; /* the receive chain and the finish */
};

static void watch_unref(struct lb_health_watch *w) {
  if (--w->pending > 0) return;
  cgrpc_arena_free(&w->arena);
  cgrpc_arena_free(&w->status_arena);
  cgrpc_free(w);
}

static void set_health(lb_sub_t *s, lb_health_t h) {
  if (s->health == h) return;
  s->health = h;
  lb_on_sub_change(s->ch, s, s->state);
}

static void on_recv(void *arg, bool ok) {
  struct lb_health_watch *w = arg;
  if (ok && w->sub) {
    lb_sub_t *s = w->sub;
    set_health(
        s, w->resp.status == SERVING_STATUS_SERVING ? LB_HEALTH_SERVING : LB_HEALTH_NOT_SERVING);
    cgrpc_arena_reset(&w->arena, 1);
    if (w->sub && cgrpc_call_recv(w->call, &w->resp, &w->arena, on_recv, w)) return;
  }
  watch_unref(w);
}

static void on_finished(void *arg, const cgrpc_status_t *status) {
  struct lb_health_watch *w = arg;
  lb_sub_t *s = w->sub;
  if (s && s->ch->state != CH_SHUTDOWN) {
    s->watch = NULL;
    if (status->code == CGRPC_STATUS_UNIMPLEMENTED) {
      cgrpc_log(CGRPC_LOG_INFO, "%s has no health service: health checking is off for it", s->name);
      set_health(s, LB_HEALTH_SERVING);
    } else {
      set_health(s, LB_HEALTH_NOT_SERVING);
      /* Again after a backoff, while the connection lasts. */
      int64_t wait = lb_backoff_next(&s->health_backoff, lb_rand_unit(s->ch));
      (void)cgrpc_timer_start(s->ch->loop, &s->health_timer,
                              cgrpc_time_add(cgrpc_loop_now(s->ch->loop), wait));
    }
  }
  watch_unref(w);
}

static void on_sent(void *arg, bool ok) {
  (void)arg;
  (void)ok; /* a failed send ends the call: on_finished says how */
}

static void on_retry(void *arg) {
  lb_sub_t *s = arg;
  if (s->state == CGRPC_CHANNEL_READY && !s->watch) lb_health_start(s);
}

void lb_health_init(lb_sub_t *s) {
  cgrpc_timer_init(&s->health_timer, on_retry, s);
  lb_backoff_init(&s->health_backoff, s->ch->opts.initial_backoff_ns, s->ch->opts.max_backoff_ns);
}

void lb_health_start(lb_sub_t *s) {
  if (s->health == LB_HEALTH_OFF || s->watch) return;
  cgrpc_channel_t *ch = s->ch;
  struct lb_health_watch *w = cgrpc_malloc(sizeof *w);
  if (!w) {
    set_health(s, LB_HEALTH_NOT_SERVING); /* tried again on the next connection */
    return;
  }
  memset(w, 0, sizeof *w);
  cgrpc_arena_init(&w->arena, NULL, 0);
  cgrpc_arena_init(&w->status_arena, NULL, 0);
  w->sub = s;
  w->pending = 2;
  s->watch = w;
  cgrpc_call_options_t opts = {0};
  w->call = cgrpc_call_start_pinned(ch, &kWatch, &opts, w);
  health_request_t req = {.service = {ch->lb.health_service, strlen(ch->lb.health_service)}};
  (void)cgrpc_call_send(w->call, &req, 0, on_sent, NULL);
  cgrpc_call_half_close(w->call);
  if (!cgrpc_call_recv(w->call, &w->resp, &w->arena, on_recv, w)) w->pending--;
  cgrpc_call_finish_async(w->call, &w->status_arena, on_finished, w);
}

void lb_health_stop(lb_sub_t *s) {
  if (s->health == LB_HEALTH_OFF) return;
  cgrpc_timer_cancel(&s->health_timer);
  s->health = LB_HEALTH_UNKNOWN;
  struct lb_health_watch *w = s->watch;
  if (!w) return;
  s->watch = NULL;
  w->sub = NULL;
  cgrpc_call_cancel(w->call);
}

/* Where a Watch goes: its own subchannel's connection, or nowhere. */
void lb_health_route(cgrpc_call_t *call) {
  struct lb_health_watch *w = call->pin;
  lb_sub_t *s = w->sub;
  if (s && s->state == CGRPC_CHANNEL_READY && s->conn && cgrpc_h2_conn_ready(s->conn->t.h2)) {
    cgrpc_call_attach(call, s->conn);
  } else {
    cgrpc_call_end(call, CGRPC_STATUS_UNAVAILABLE, "the subchannel is no longer connected");
  }
}

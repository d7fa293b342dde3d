/* rpc/channel.c — a channel's connections: resolving, connecting, backing
 * off, and moving on after GOAWAY.
 *
 * The channel is a small state machine on its own loop thread (gRPC's
 * connectivity states): IDLE until a call needs a connection; CONNECTING
 * while the target is resolved and its addresses tried in order (first to
 * connect wins: pick_first), each attempt bounded by the connect timeout
 * and counted as done only when the server's SETTINGS arrive; READY while
 * that connection takes calls; TRANSIENT_FAILURE after every address
 * failed, when calls that do not wait for ready fail UNAVAILABLE and the
 * next attempt waits for an exponentially growing, jittered backoff. A
 * connection that breaks or says GOAWAY sends the channel back to IDLE: its
 * calls in flight finish on it, new ones trigger a new connection.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/time.h"
#include "h2/options.h"
#include "io/error.h"
#include "io/socket.h"
#include "rpc/channel_internal.h"
#include "rpc/options.h"

static void connect_next(cgrpc_channel_t *ch);
static void channel_connect(cgrpc_channel_t *ch);

/* ---- Client transport events (rpc/transport.h) --------------------------------- */

static void call_on_headers(void *call) { cgrpc_call_on_headers(call); }

static void call_on_sent(void *call) { cgrpc_call_on_sent(call); }

static void call_on_close(void *call) { cgrpc_call_on_close(call); }

static void call_on_eos(void *call) { cgrpc_call_on_eos(call); }

/* Starts the calls that waited for a connection. */
static void start_waiting(cgrpc_channel_t *ch) {
  while (ch->waiting_head && ch->state == CH_READY) {
    cgrpc_call_attach(ch->waiting_head, ch->active); /* it leaves the list */
  }
}

static void sub_on_ready(void *owner) {
  subchannel_t *sub = owner;
  cgrpc_channel_t *ch = sub->ch;
  sub->ready = true;
  cgrpc_channel_keepalive_start(sub);
  if (sub != ch->active) return;
  cgrpc_timer_cancel(&ch->connect_timer);
  ch->state = CH_READY;
  ch->backoff = 0;
  start_waiting(ch);
}

static void sub_on_goaway(void *owner, uint32_t error_code) {
  subchannel_t *sub = owner;
  cgrpc_channel_t *ch = sub->ch;
  cgrpc_channel_keepalive_on_goaway(ch, error_code);
  if (sub != ch->active) return;
  /* Calls in flight finish on this connection; new ones need another. */
  ch->active = NULL;
  cgrpc_timer_cancel(&ch->connect_timer);
  ch->state = CH_IDLE;
  if (ch->waiting_head) channel_connect(ch);
}

static const cgrpc_transport_events_t kClientEvents = {
    .io_offset = offsetof(cgrpc_call_t, io),
    .on_headers = call_on_headers,
    .on_sent = call_on_sent,
    .on_end_of_stream = call_on_eos,
    .on_close = call_on_close,
    .on_ready = sub_on_ready,
    .on_goaway = sub_on_goaway,
};

/* ---- Waiting calls ----------------------------------------------------------------- */

void cgrpc_channel_link_waiting(cgrpc_channel_t *ch, cgrpc_call_t *call) {
  call->wait_next = NULL;
  if (ch->waiting_tail) {
    ch->waiting_tail->wait_next = call;
  } else {
    ch->waiting_head = call;
  }
  ch->waiting_tail = call;
}

void cgrpc_channel_unlink_waiting(cgrpc_channel_t *ch, cgrpc_call_t *call) {
  cgrpc_call_t *prev = NULL;
  for (cgrpc_call_t *it = ch->waiting_head; it; prev = it, it = it->wait_next) {
    if (it != call) continue;
    if (prev) {
      prev->wait_next = call->wait_next;
    } else {
      ch->waiting_head = call->wait_next;
    }
    if (ch->waiting_tail == call) ch->waiting_tail = prev;
    break;
  }
  call->wait_next = NULL;
}

static void fail_message(cgrpc_channel_t *ch, char *buf, size_t size) {
  snprintf(buf, size, "failed to connect to %s: %s", ch->authority, ch->last_error);
}

void cgrpc_channel_enqueue(cgrpc_channel_t *ch, cgrpc_call_t *call) {
  if (ch->state == CH_SHUTDOWN) {
    cgrpc_call_end(call, CGRPC_STATUS_CANCELLED, "the channel is closed");
    return;
  }
  if (ch->state == CH_FAILED) {
    cgrpc_call_end(call, ch->failure, ch->last_error);
    return;
  }
  if (ch->state == CH_READY && ch->active && cgrpc_h2_conn_ready(ch->active->t.h2)) {
    cgrpc_call_attach(call, ch->active);
    return;
  }
  if (ch->state == CH_TRANSIENT_FAILURE && !call->wait_for_ready) {
    char msg[CGRPC_TARGET_HOST_MAX + 448];
    fail_message(ch, msg, sizeof msg);
    cgrpc_call_end(call, CGRPC_STATUS_UNAVAILABLE, msg);
    return;
  }
  cgrpc_call_wait(call);
  if (ch->state == CH_IDLE || (ch->state == CH_READY && !ch->active)) channel_connect(ch);
}

/* ---- Connecting -------------------------------------------------------------------- */

double cgrpc_channel_random(cgrpc_channel_t *ch) {
  ch->rng ^= ch->rng << 13;
  ch->rng ^= ch->rng >> 7;
  ch->rng ^= ch->rng << 17;
  return (double)(ch->rng >> 11) / (double)(UINT64_C(1) << 53);
}

static void on_backoff(void *arg) {
  cgrpc_channel_t *ch = arg;
  ch->state = CH_IDLE;
  if (ch->waiting_head) channel_connect(ch);
}

/* Every address failed: fail-fast calls end, the rest wait for the next
 * attempt after the backoff (gRPC connection-backoff: 1 s, x1.6, +-20%). */
static void connect_failed(cgrpc_channel_t *ch) {
  ch->state = CH_TRANSIENT_FAILURE;
  char msg[CGRPC_TARGET_HOST_MAX + 448];
  fail_message(ch, msg, sizeof msg);
  /* Ending a call takes it off the list and can run callbacks that start
   * calls (which fail at once or join the list): look from the start. */
  for (;;) {
    cgrpc_call_t *call = ch->waiting_head;
    while (call && call->wait_for_ready) call = call->wait_next;
    if (!call) break;
    cgrpc_call_end(call, CGRPC_STATUS_UNAVAILABLE, msg);
  }
  /* In double, so a backoff of up to CGRPC_INFINITE cannot overflow. */
  double next = ch->backoff ? (double)ch->backoff * 1.6 : (double)ch->opts.initial_backoff_ns;
  double max = (double)ch->opts.max_backoff_ns;
  ch->backoff = next < max ? (int64_t)next : ch->opts.max_backoff_ns;
  double delay = (double)ch->backoff * (0.8 + 0.4 * cgrpc_channel_random(ch));
  int64_t wait = delay < (double)CGRPC_INFINITE ? (int64_t)delay : CGRPC_INFINITE;
  if (cgrpc_timer_start(ch->loop, &ch->backoff_timer,
                        cgrpc_time_add(cgrpc_loop_now(ch->loop), wait)) != 0) {
    /* No memory for the timer: without it the channel would never try
     * again. Idle instead, so that the next call connects. */
    ch->state = CH_IDLE;
  }
}

static void sub_closed(void *owner, cgrpc_transport_t *t, const char *reason) {
  subchannel_t *sub = owner;
  cgrpc_channel_t *ch = sub->ch;
  for (subchannel_t **pp = &ch->subs; *pp; pp = &(*pp)->next) {
    if (*pp == sub) {
      *pp = sub->next;
      break;
    }
  }
  bool was_active = sub == ch->active;
  bool was_ready = sub->ready;
  if (was_ready) cgrpc_channel_keepalive_stop(sub);
  cgrpc_transport_release(t);
  cgrpc_free(sub);
  if (!was_active || ch->state == CH_SHUTDOWN) return;
  ch->active = NULL;
  if (!was_ready) {
    /* Closed before SETTINGS: this address did not work out. */
    snprintf(ch->last_error, sizeof ch->last_error, "%s", reason);
    cgrpc_timer_cancel(&ch->connect_timer);
    connect_next(ch);
    return;
  }
  ch->state = CH_IDLE;
  if (ch->waiting_head) channel_connect(ch);
}

static void on_connect_timeout(void *arg) {
  cgrpc_channel_t *ch = arg;
  snprintf(ch->last_error, sizeof ch->last_error, "connection attempt timed out");
  cgrpc_connect_cancel(&ch->connect);
  if (ch->active && !ch->active->ready) {
    cgrpc_transport_close(&ch->active->t, "connection attempt timed out"); /* -> connect_next */
    return;
  }
  connect_next(ch);
}

/* Over TLS the handshake is part of the attempt: the connect timer runs
 * until the server's SETTINGS, which come after it. */
static int start_transport(cgrpc_channel_t *ch, subchannel_t *sub, int fd) {
  if (!ch->creds) {
    return cgrpc_transport_start(&sub->t, ch->loop, fd, CGRPC_H2_CLIENT, &ch->h2opts,
                                 &kClientEvents, sub, ch->rbuf, sub_closed);
  }
  const char *host = ch->target.host[0] ? ch->target.host : "localhost";
  cgrpc_tls_session_t *session = cgrpc_tls_session_new_client(ch->creds, host, &ch->tls_cache);
  if (!session) {
    cgrpc_socket_close(fd);
    return -ENOMEM;
  }
  cgrpc_transport_tls_config_t tls = {
      .session = session, .handshake_timeout_ns = CGRPC_INFINITE, .peer = ch->authority};
  return cgrpc_transport_start_tls(&sub->t, ch->loop, fd, CGRPC_H2_CLIENT, &ch->h2opts,
                                   &kClientEvents, sub, ch->rbuf, sub_closed, &tls);
}

static void on_connected(void *arg, int fd, int err) {
  cgrpc_channel_t *ch = arg;
  if (err != 0) {
    snprintf(ch->last_error, sizeof ch->last_error, "%s", cgrpc_io_strerror(err));
    cgrpc_timer_cancel(&ch->connect_timer);
    connect_next(ch);
    return;
  }
  subchannel_t *sub = cgrpc_malloc(sizeof *sub);
  if (!sub) {
    cgrpc_socket_close(fd);
    snprintf(ch->last_error, sizeof ch->last_error, "out of memory");
    connect_next(ch);
    return;
  }
  memset(sub, 0, sizeof *sub);
  sub->ch = ch;
  int rv = start_transport(ch, sub, fd);
  if (rv != 0) {
    cgrpc_free(sub);
    snprintf(ch->last_error, sizeof ch->last_error, "%s", cgrpc_io_strerror(rv));
    connect_next(ch);
    return;
  }
  sub->next = ch->subs;
  ch->subs = sub;
  ch->active = sub; /* READY once its SETTINGS arrive; the timer still runs */
}

/* Tries the next address, or gives up when none is left. */
static void connect_next(cgrpc_channel_t *ch) {
  if (ch->state != CH_CONNECTING) return;
  if (ch->addr_index >= ch->addrs->count) {
    connect_failed(ch);
    return;
  }
  const cgrpc_address_t *addr = &ch->addrs->items[ch->addr_index++];
  if (cgrpc_timer_start(ch->loop, &ch->connect_timer,
                        cgrpc_time_add(cgrpc_loop_now(ch->loop), ch->opts.connect_timeout_ns)) !=
      0) {
    /* An attempt without its timeout could wait on a silent peer for ever. */
    snprintf(ch->last_error, sizeof ch->last_error, "out of memory");
    connect_failed(ch);
    return;
  }
  cgrpc_connect_start(&ch->connect, ch->loop, addr, on_connected, ch);
}

static void on_resolved(void *arg, int err, cgrpc_address_list_t addrs) {
  cgrpc_channel_t *ch = arg;
  ch->resolving = NULL;
  cgrpc_address_list_free(&ch->resolved);
  ch->resolved = addrs;
  ch->addrs = &ch->resolved;
  ch->addr_index = 0;
  if (err != 0) {
    snprintf(ch->last_error, sizeof ch->last_error, "cannot resolve \"%s\": %s", ch->target.host,
             cgrpc_io_strerror(err));
  }
  connect_next(ch);
}

static void channel_connect(cgrpc_channel_t *ch) {
  ch->state = CH_CONNECTING;
  ch->addr_index = 0;
  if (ch->target.addrs.count > 0) {
    ch->addrs = &ch->target.addrs;
    connect_next(ch);
    return;
  }
  int rv =
      cgrpc_resolve_start(ch->resolver, ch->loop, &ch->target, on_resolved, ch, &ch->resolving);
  if (rv != 0) {
    snprintf(ch->last_error, sizeof ch->last_error, "cannot resolve: %s", cgrpc_io_strerror(rv));
    connect_failed(ch);
  }
}

/* ---- Lifecycle ------------------------------------------------------------------- */

static void *loop_main(void *arg) {
  cgrpc_channel_t *ch = arg;
  cgrpc_loop_run(ch->loop);
  return NULL;
}

/* The table's ranges, the one rule that joins two options, and the room
 * for the authority. */
static cgrpc_status_code_t check_options(const cgrpc_channel_options_t *o, cgrpc_error_t *err) {
  cgrpc_status_code_t code = cgrpc_options_check(&cgrpc_channel_option_table, o, err);
  if (code != CGRPC_STATUS_OK) return code;
  const size_t authority_max = sizeof(((cgrpc_channel_t *)0)->authority) - 1;
  char why[CGRPC_ERROR_MESSAGE_SIZE];
  if (o->initial_backoff_ns > o->max_backoff_ns) {
    snprintf(why, sizeof why,
             "channel option initial_backoff_ns is %" PRId64 ", above max_backoff_ns (%" PRId64 ")",
             o->initial_backoff_ns, o->max_backoff_ns);
  } else if (o->authority && strlen(o->authority) > authority_max) {
    snprintf(why, sizeof why, "channel option authority is %zu bytes long, over the limit of %zu",
             strlen(o->authority), authority_max);
  } else {
    return CGRPC_STATUS_OK;
  }
  if (err) snprintf(err->message, sizeof err->message, "%s", why);
  return CGRPC_STATUS_INVALID_ARGUMENT;
}

/* A channel that could not be set up still gets its loop, so that its
 * calls end the way every call ends; the reason is kept for them. */
static void fail_setup(cgrpc_channel_t *ch, cgrpc_status_code_t code, const char *why) {
  static const cgrpc_channel_options_t kDefaults = CGRPC_CHANNEL_OPTIONS_INIT;
  ch->state = CH_FAILED;
  ch->failure = code;
  ch->opts = kDefaults;
  snprintf(ch->last_error, sizeof ch->last_error, "%s", why);
}

static cgrpc_status_code_t setup(cgrpc_channel_t *ch, const char *target,
                                 const cgrpc_channel_options_t *opts, cgrpc_error_t *err) {
  cgrpc_status_code_t code = check_options(opts, err);
  if (code != CGRPC_STATUS_OK) return code;
  char why[192];
  int rv = cgrpc_target_parse(target ? target : "", &ch->target, why, sizeof why);
  if (rv == -ENOMEM) return CGRPC_STATUS_RESOURCE_EXHAUSTED;
  if (rv != 0) {
    if (err) {
      snprintf(err->message, sizeof err->message, "bad target \"%s\": %s", target ? target : "",
               rv == CGRPC_IO_EBADTARGET ? why : cgrpc_io_strerror(rv));
    }
    return CGRPC_STATUS_INVALID_ARGUMENT;
  }
  if (opts->service_config_json) {
    const char *json = opts->service_config_json;
    code = cgrpc_service_config_parse(json, strlen(json), &ch->default_config, err);
    if (code != CGRPC_STATUS_OK) return code;
    ch->config = cgrpc_service_config_ref(ch->default_config);
    cgrpc_channel_throttle_setup(ch);
  }
  ch->opts = *opts;
  snprintf(ch->authority, sizeof ch->authority, "%s",
           ch->opts.authority ? ch->opts.authority : ch->target.authority);
  ch->opts.authority = NULL;           /* copied; the caller's string may go */
  ch->opts.service_config_json = NULL; /* parsed */
  return CGRPC_STATUS_OK;
}

bool cgrpc_channel_uses_tls(const cgrpc_channel_t *ch) { return ch->creds != NULL; }

static cgrpc_status_code_t channel_new(const char *target, cgrpc_channel_credentials_t *creds,
                                       const cgrpc_channel_options_t *opts, cgrpc_channel_t **out,
                                       cgrpc_error_t *err) {
  static const cgrpc_channel_options_t kDefaults = CGRPC_CHANNEL_OPTIONS_INIT;
  *out = NULL;
  if (!opts) opts = &kDefaults;
  cgrpc_error_t local;
  if (!err) err = &local;
  err->message[0] = '\0';
  cgrpc_channel_t *ch = cgrpc_malloc(sizeof *ch);
  if (!ch) goto no_memory;
  memset(ch, 0, sizeof *ch);
  cgrpc_status_code_t code = setup(ch, target, opts, err);
  if (code == CGRPC_STATUS_RESOURCE_EXHAUSTED) {
    cgrpc_target_free(&ch->target);
    cgrpc_free(ch);
    goto no_memory;
  }
  if (code != CGRPC_STATUS_OK) fail_setup(ch, code, err->message);
  ch->creds = creds ? cgrpc_channel_credentials_ref(creds) : NULL;
  cgrpc_h2_options_from_channel(&ch->h2opts, &ch->opts);
  ch->rng = (uint64_t)cgrpc_now_ns() | 1;
  cgrpc_timer_init(&ch->connect_timer, on_connect_timeout, ch);
  cgrpc_timer_init(&ch->backoff_timer, on_backoff, ch);
  cgrpc_channel_keepalive_init(ch);
  ch->rbuf = cgrpc_malloc(CGRPC_TRANSPORT_READ_BUFFER_SIZE);
  bool ready =
      ch->rbuf && cgrpc_loop_new(&ch->loop) == 0 && cgrpc_workers_new(1, &ch->resolver) == 0;
  bool rescue = ready && cgrpc_channel_rescue_init(ch) == 0;
  ready = rescue && (ch->no_memory_call = cgrpc_call_new_no_memory(ch)) != NULL;
  if (ready) {
    cgrpc_loop_set_busy_poll(ch->loop, ch->opts.busy_poll_ns);
    /* Without guests blocking calls still work, through the loop thread. */
    (void)cgrpc_loop_enable_guests(ch->loop);
    ready = pthread_create(&ch->thread, NULL, loop_main, ch) == 0;
  }
  if (!ready) {
    cgrpc_call_free_no_memory(ch->no_memory_call);
    if (rescue) cgrpc_channel_rescue_destroy(ch);
    cgrpc_workers_free(ch->resolver);
    cgrpc_loop_free(ch->loop);
    cgrpc_free(ch->rbuf);
    cgrpc_target_free(&ch->target);
    cgrpc_channel_credentials_free(ch->creds);
    cgrpc_service_config_unref(ch->config);
    cgrpc_service_config_unref(ch->default_config);
    cgrpc_free(ch);
    goto no_memory;
  }
  *out = ch;
  return code;
no_memory:
  snprintf(err->message, sizeof err->message, "cannot create a channel: out of memory");
  return CGRPC_STATUS_RESOURCE_EXHAUSTED;
}

cgrpc_status_code_t cgrpc_channel_new(const char *target, const cgrpc_channel_options_t *opts,
                                      cgrpc_channel_t **out, cgrpc_error_t *err) {
  return channel_new(target, NULL, opts, out, err);
}

cgrpc_status_code_t cgrpc_channel_new_secure(const char *target, cgrpc_channel_credentials_t *creds,
                                             const cgrpc_channel_options_t *opts,
                                             cgrpc_channel_t **out, cgrpc_error_t *err) {
  return channel_new(target, creds, opts, out, err);
}

/* On the loop: end everything, say GOAWAY, and stop the loop after this
 * iteration (whose deferred flushes send the GOAWAYs). */
void cgrpc_channel_shutdown_on_loop(void *arg) {
  cgrpc_channel_t *ch = arg;
  ch->state = CH_SHUTDOWN;
  cgrpc_timer_cancel(&ch->backoff_timer);
  cgrpc_timer_cancel(&ch->connect_timer);
  cgrpc_timer_cancel(&ch->idle_timer);
  for (subchannel_t *sub = ch->subs; sub; sub = sub->next) {
    if (sub->ready) cgrpc_channel_keepalive_stop(sub);
  }
  cgrpc_connect_cancel(&ch->connect);
  if (ch->resolving) cgrpc_resolve_cancel(ch->resolving);
  ch->resolving = NULL;
  /* Ending a call can run callbacks that touch the list, so look for the
   * next one to end from the start each time. */
  for (;;) {
    cgrpc_call_t *call = ch->calls;
    while (call && call->state == CALL_ENDING) call = call->next;
    if (!call) break;
    cgrpc_call_end(call, CGRPC_STATUS_CANCELLED, "the channel was closed");
  }
  for (subchannel_t *sub = ch->subs; sub; sub = sub->next) {
    cgrpc_h2_conn_end(sub->t.h2, CGRPC_H2_END_CANCEL, 0, NULL, "the channel was closed");
    cgrpc_transport_kick(&sub->t);
  }
  cgrpc_loop_stop(ch->loop);
}

void cgrpc_channel_free(cgrpc_channel_t *ch) {
  if (!ch) return;
  /* Out of memory for the post, the loop is told through the rescue fd:
   * the calls still running must end (and their callbacks run) there. */
  if (cgrpc_loop_post(ch->loop, cgrpc_channel_shutdown_on_loop, ch) != 0) {
    cgrpc_channel_rescue_shutdown(ch);
  }
  pthread_join(ch->thread, NULL);
  /* The loop has stopped: close what did not finish on its own. */
  while (ch->subs) cgrpc_transport_close(&ch->subs->t, "the channel was closed");
  cgrpc_channel_rescue_destroy(ch);
  cgrpc_call_free_no_memory(ch->no_memory_call);
  cgrpc_workers_free(ch->resolver);
  cgrpc_loop_free(ch->loop);
  cgrpc_address_list_free(&ch->resolved);
  cgrpc_target_free(&ch->target);
  cgrpc_tls_session_cache_clear(&ch->tls_cache);
  cgrpc_channel_credentials_free(ch->creds);
  cgrpc_service_config_unref(ch->config);
  cgrpc_service_config_unref(ch->default_config);
  cgrpc_free(ch->rbuf);
  cgrpc_free(ch);
}

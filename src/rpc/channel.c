/* rpc/channel.c — a channel: its set-up and shutdown, and the routing of
 * calls to connections.
 *
 * The connections themselves are the load-balancing policy's business
 * (rpc/lb.h): the resolver gives address lists, the policy keeps
 * subchannels (one per address) connected and picks one per call, and the
 * channel's connectivity state follows from theirs: IDLE until a call needs
 * a connection, CONNECTING while the target is resolved and backends
 * connected, READY while the policy can pick one, TRANSIENT_FAILURE when
 * every backend failed (calls that do not wait for ready fail UNAVAILABLE,
 * subchannels retry with backoff).
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

void cgrpc_channel_enqueue(cgrpc_channel_t *ch, cgrpc_call_t *call) {
  if (call->pin) {
    lb_health_route(call);
    return;
  }
  if (ch->state == CH_READY) {
    lb_sub_t *s = lb_pick(ch);
    if (s) {
      cgrpc_call_attach(call, s->conn);
      return;
    }
  }
  if (ch->state == CH_SHUTDOWN) {
    cgrpc_call_end(call, CGRPC_STATUS_CANCELLED, "the channel is closed");
    return;
  }
  if (ch->state == CH_FAILED) {
    cgrpc_call_end(call, ch->failure, ch->last_error);
    return;
  }
  if (ch->state == CH_TRANSIENT_FAILURE && !call->wait_for_ready) {
    char msg[CGRPC_TARGET_HOST_MAX + 448];
    cgrpc_channel_fail_message(ch, msg, sizeof msg);
    cgrpc_call_end(call, CGRPC_STATUS_UNAVAILABLE, msg);
    return;
  }
  cgrpc_call_wait(call);
  if (ch->state == CH_IDLE || !ch->lb.active) {
    lb_exit_idle(ch);
  } else {
    lb_kick(ch);
  }
}

void cgrpc_channel_apply_resolver_config(cgrpc_channel_t *ch, const char *json) {
  cgrpc_error_t err;
  if (cgrpc_channel_set_resolver_config(ch, json, strlen(json), &err) != CGRPC_STATUS_OK) {
    /* Invalid, and nothing to fall back on (channel_config.c): the channel
     * has no usable config, as gRPC's resolver owner says. */
    snprintf(ch->last_error, sizeof ch->last_error, "%s", err.message);
    ch->res.failing = true;
    return;
  }
  lb_apply_config(ch);
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
  if (lb_policy_parse(opts->lb_policy, &ch->lb.option_policy) != 0) {
    if (err) {
      snprintf(err->message, sizeof err->message,
               "channel option lb_policy is \"%.64s\" (expected pick_first, round_robin or "
               "least_request)",
               opts->lb_policy);
    }
    return CGRPC_STATUS_INVALID_ARGUMENT;
  }
  if (opts->health_check_service_name &&
      strlen(opts->health_check_service_name) >= sizeof ch->lb.option_health_service) {
    if (err) {
      snprintf(err->message, sizeof err->message,
               "channel option health_check_service_name is %zu bytes long, over the limit of "
               "%zu",
               strlen(opts->health_check_service_name), sizeof ch->lb.option_health_service - 1);
    }
    return CGRPC_STATUS_INVALID_ARGUMENT;
  }
  char why[192];
  int rv = 0;
  if (cgrpc_resolver_is_custom(target)) {
    /* A registered scheme: the text after the last '/' (or the scheme's
     * ':') is the authority, as in gRPC ("scheme://authority/name"). */
    const char *name = strrchr(target, '/');
    name = name ? name + 1 : strchr(target, ':') + 1;
    snprintf(ch->target.authority, sizeof ch->target.authority, "%s", name);
    ch->target.kind = CGRPC_TARGET_DNS;
  } else {
    rv = cgrpc_target_parse(target ? target : "", &ch->target, why, sizeof why);
  }
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
  ch->opts.authority = NULL; /* copied; the caller's string may go */
  ch->lb.option_shuffle = opts->shuffle_address_list;
  ch->lb.option_health_check = opts->health_check_service_name != NULL;
  if (ch->lb.option_health_check) {
    snprintf(ch->lb.option_health_service, sizeof ch->lb.option_health_service, "%s",
             opts->health_check_service_name);
  }
  ch->opts.lb_policy = NULL; /* parsed; the caller's strings may go */
  ch->opts.health_check_service_name = NULL;
  lb_apply_config(ch); /* the default service config, or the options */
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
  cgrpc_resolver_init(ch);
  cgrpc_channel_keepalive_init(ch);
  ch->rbuf = cgrpc_malloc(CGRPC_TRANSPORT_READ_BUFFER_SIZE);
  bool ready = ch->rbuf && cgrpc_channel_state_init(ch) == 0 && cgrpc_loop_new(&ch->loop) == 0 &&
               cgrpc_workers_new(1, &ch->resolver) == 0;
  bool rescue = ready && cgrpc_channel_rescue_init(ch) == 0;
  ready = rescue && (ch->no_memory_call = cgrpc_call_new_no_memory(ch)) != NULL;
  if (ready && code == CGRPC_STATUS_OK) {
    /* A registered resolver starts before the loop runs: what it pushes
     * meanwhile waits in the loop's queue. */
    cgrpc_status_code_t rcode = CGRPC_STATUS_OK;
    if (cgrpc_resolver_setup_custom(ch, target, &rcode, err) && rcode != CGRPC_STATUS_OK) {
      code = rcode;
      fail_setup(ch, code, err->message);
      atomic_store(&ch->public_state, (int)CGRPC_CHANNEL_TRANSIENT_FAILURE);
    }
  }
  if (ready) {
    cgrpc_loop_set_busy_poll(ch->loop, ch->opts.busy_poll_ns);
    /* Without guests blocking calls still work, through the loop thread. */
    (void)cgrpc_loop_enable_guests(ch->loop);
    ready = pthread_create(&ch->thread, NULL, loop_main, ch) == 0;
  }
  if (!ready) {
    cgrpc_resolver_stop_custom(ch);
    cgrpc_call_free_no_memory(ch->no_memory_call);
    if (rescue) cgrpc_channel_rescue_destroy(ch);
    cgrpc_workers_free(ch->resolver);
    cgrpc_loop_free(ch->loop);
    cgrpc_free(ch->rbuf);
    cgrpc_target_free(&ch->target);
    cgrpc_channel_credentials_free(ch->creds);
    cgrpc_channel_state_destroy(ch);
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
  cgrpc_channel_set_state(ch, CH_SHUTDOWN);
  cgrpc_resolver_shutdown(ch);
  cgrpc_timer_cancel(&ch->idle_timer);
  for (subchannel_t *sub = ch->subs; sub; sub = sub->next) {
    if (sub->ready) cgrpc_channel_keepalive_stop(sub);
  }
  /* Ending a call can run callbacks that touch the list, so look for the
   * next one to end from the start each time. */
  for (;;) {
    cgrpc_call_t *call = ch->calls;
    while (call && call->state == CALL_ENDING) call = call->next;
    if (!call) break;
    cgrpc_call_end(call, CGRPC_STATUS_CANCELLED, "the channel was closed");
  }
  lb_clear(ch);
  for (subchannel_t *sub = ch->subs; sub; sub = sub->next) {
    cgrpc_h2_conn_end(sub->t.h2, CGRPC_H2_END_CANCEL, 0, NULL, "the channel was closed");
    cgrpc_transport_kick(&sub->t);
  }
  cgrpc_loop_stop(ch->loop);
}

void cgrpc_channel_free(cgrpc_channel_t *ch) {
  if (!ch) return;
  cgrpc_resolver_stop_custom(ch); /* no push after this */
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
  cgrpc_target_free(&ch->target);
  cgrpc_channel_state_destroy(ch);
  cgrpc_tls_session_cache_clear(&ch->tls_cache);
  cgrpc_channel_credentials_free(ch->creds);
  cgrpc_service_config_unref(ch->config);
  cgrpc_service_config_unref(ch->default_config);
  cgrpc_free(ch->rbuf);
  cgrpc_free(ch);
}

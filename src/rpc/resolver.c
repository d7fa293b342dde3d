/* rpc/resolver.c — where a channel's addresses come from.
 *
 *   ipv4:, ipv6:, unix:, unix-abstract:, IP literals: the target's own
 *       addresses, once;
 *   dns: (and targets without a scheme): a lookup of A and AAAA records
 *       with c-ares (resolver_dns.c) on the channel's worker thread, at the
 *       first call and again when a connection is lost or a backend fails,
 *       at most once per min_resolution_interval_ns; a failed lookup is
 *       retried with backoff;
 *   a registered scheme (cgrpc/resolver.h): whatever the user's resolver
 *       pushes, whenever it pushes, from any thread.
 *
 * Every result ends in on_resolved(), on the loop, which hands the list to
 * the policy (lb_update).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/log.h"
#include "base/time.h"
#include "io/error.h"
#include "rpc/channel_internal.h"

/* ---- The registry ---------------------------------------------------------------- */

#define MAX_SCHEMES 16

struct resolver_entry {
  char scheme[32];
  const cgrpc_resolver_vtable_t *vt;
  void *user_data;
};

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static resolver_entry_t g_entries[MAX_SCHEMES];
static size_t g_count;

static cgrpc_status_code_t fail(cgrpc_error_t *err, cgrpc_status_code_t code, const char *why) {
  if (err) snprintf(err->message, sizeof err->message, "%s", why);
  return code;
}

static bool valid_scheme(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n >= sizeof g_entries[0].scheme) return false;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    bool other = (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
    if (!letter && (i == 0 || !other)) return false;
  }
  return true;
}

cgrpc_status_code_t cgrpc_resolver_register(const char *scheme,
                                            const cgrpc_resolver_vtable_t *vtable, void *user_data,
                                            cgrpc_error_t *err) {
  static const char *const kBuiltin[] = {"dns", "ipv4", "ipv6", "unix", "unix-abstract"};
  if (!scheme || !valid_scheme(scheme)) {
    return fail(err, CGRPC_STATUS_INVALID_ARGUMENT,
                "a resolver scheme is 1-31 letters, digits, '+', '-' or '.', starting with a "
                "letter");
  }
  if (!vtable || !vtable->start || !vtable->stop) {
    return fail(err, CGRPC_STATUS_INVALID_ARGUMENT,
                "a resolver vtable needs start and stop functions");
  }
  for (size_t i = 0; i < sizeof kBuiltin / sizeof kBuiltin[0]; i++) {
    if (strcasecmp(scheme, kBuiltin[i]) == 0) {
      return fail(err, CGRPC_STATUS_INVALID_ARGUMENT,
                  "the scheme is built in (dns, ipv4, ipv6, unix, unix-abstract): choose "
                  "another name");
    }
  }
  cgrpc_status_code_t code = CGRPC_STATUS_OK;
  pthread_mutex_lock(&g_mu);
  for (size_t i = 0; i < g_count; i++) {
    if (strcasecmp(g_entries[i].scheme, scheme) == 0) code = CGRPC_STATUS_ALREADY_EXISTS;
  }
  if (code == CGRPC_STATUS_OK && g_count == MAX_SCHEMES) code = CGRPC_STATUS_RESOURCE_EXHAUSTED;
  if (code == CGRPC_STATUS_OK) {
    resolver_entry_t *e = &g_entries[g_count];
    snprintf(e->scheme, sizeof e->scheme, "%s", scheme);
    e->vt = vtable;
    e->user_data = user_data;
    g_count++;
  }
  pthread_mutex_unlock(&g_mu);
  if (code == CGRPC_STATUS_ALREADY_EXISTS) {
    return fail(err, code, "a resolver is already registered for this scheme");
  }
  if (code != CGRPC_STATUS_OK) return fail(err, code, "at most 16 resolver schemes");
  return CGRPC_STATUS_OK;
}

/* The entry for the scheme `target` starts with, or NULL. Entries are
 * never removed, so the pointer stays valid. */
static const resolver_entry_t *find_entry(const char *target) {
  const char *colon = target ? strchr(target, ':') : NULL;
  if (!colon) return NULL;
  size_t n = (size_t)(colon - target);
  const resolver_entry_t *found = NULL;
  pthread_mutex_lock(&g_mu);
  for (size_t i = 0; i < g_count && !found; i++) {
    if (strlen(g_entries[i].scheme) == n && strncasecmp(g_entries[i].scheme, target, n) == 0) {
      found = &g_entries[i];
    }
  }
  pthread_mutex_unlock(&g_mu);
  return found;
}

bool cgrpc_resolver_is_custom(const char *target) { return find_entry(target) != NULL; }

bool cgrpc_resolver_setup_custom(cgrpc_channel_t *ch, const char *target, cgrpc_status_code_t *code,
                                 cgrpc_error_t *err) {
  const resolver_entry_t *e = find_entry(target);
  if (!e) return false;
  ch->res.custom = e;
  ch->res.sink.ch = ch;
  cgrpc_error_t local = {{0}};
  *code =
      e->vt->start(e->user_data, target, &ch->res.sink, &ch->res.custom_state, err ? err : &local);
  if (*code != CGRPC_STATUS_OK) ch->res.custom = NULL; /* no stop() for a failed start() */
  return true;
}

void cgrpc_resolver_stop_custom(cgrpc_channel_t *ch) {
  if (ch->res.custom) ch->res.custom->vt->stop(ch->res.custom_state);
}

/* ---- Pushes ----------------------------------------------------------------------- */

typedef struct push {
  cgrpc_channel_t *ch;
  cgrpc_address_list_t addrs;
  char *service_config; /* NULL: none */
} push_t;

static void on_resolved(cgrpc_channel_t *ch, int err, cgrpc_address_list_t *addrs, const char *why);

static void apply_push(void *arg) {
  push_t *p = arg;
  if (p->service_config) cgrpc_channel_apply_resolver_config(p->ch, p->service_config);
  on_resolved(p->ch, 0, &p->addrs, NULL);
  cgrpc_free(p->service_config);
  cgrpc_free(p);
}

cgrpc_status_code_t cgrpc_resolver_push(cgrpc_resolver_sink_t *sink, const char *const *addresses,
                                        size_t count, const char *service_config_json,
                                        cgrpc_error_t *err) {
  if (!sink || !sink->ch || (count > 0 && !addresses)) {
    return fail(err, CGRPC_STATUS_INVALID_ARGUMENT,
                "cgrpc_resolver_push needs a sink and addresses");
  }
  push_t *p = cgrpc_malloc(sizeof *p);
  if (!p) return fail(err, CGRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory for the addresses");
  *p = (push_t){.ch = sink->ch};
  p->addrs.items = count ? cgrpc_malloc(count * sizeof *p->addrs.items) : NULL;
  if (count && !p->addrs.items) goto no_memory;
  for (size_t i = 0; i < count; i++) {
    cgrpc_target_t t;
    char why[160];
    int rv = addresses[i] ? cgrpc_target_parse(addresses[i], &t, why, sizeof why) : -EINVAL;
    if (rv == -ENOMEM) goto no_memory;
    bool literal = rv == 0 && t.addrs.count == 1;
    if (literal) p->addrs.items[p->addrs.count++] = t.addrs.items[0];
    if (rv == 0) cgrpc_target_free(&t);
    if (!literal) {
      if (err) {
        snprintf(err->message, sizeof err->message,
                 "address %zu (\"%s\") is not one IP address with its port or a unix socket "
                 "(expected e.g. \"10.0.0.7:50051\", \"[fd00::7]:50051\", \"unix:/path\")",
                 i, addresses[i] ? addresses[i] : "(null)");
      }
      cgrpc_address_list_free(&p->addrs);
      cgrpc_free(p);
      return CGRPC_STATUS_INVALID_ARGUMENT;
    }
  }
  if (service_config_json) {
    size_t n = strlen(service_config_json);
    p->service_config = cgrpc_malloc(n + 1);
    if (!p->service_config) goto no_memory;
    memcpy(p->service_config, service_config_json, n + 1);
  }
  if (cgrpc_loop_post(sink->ch->loop, apply_push, p) != 0) goto no_memory;
  return CGRPC_STATUS_OK;
no_memory:
  cgrpc_address_list_free(&p->addrs);
  cgrpc_free(p->service_config);
  cgrpc_free(p);
  return fail(err, CGRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory for the addresses");
}

/* ---- DNS lookups on the worker ------------------------------------------------------ */

typedef struct dns_req dns_req_t;

struct dns_req {
  cgrpc_channel_t *ch;
  char host[CGRPC_TARGET_HOST_MAX];
  char server[64];
  uint16_t port;
  int err;
  cgrpc_address_list_t result;
  bool cancelled; /* loop thread only, like delivery */
};

static void deliver(void *arg) {
  dns_req_t *req = arg;
  if (req->cancelled) {
    cgrpc_address_list_free(&req->result);
  } else {
    cgrpc_channel_t *ch = req->ch;
    ch->res.dns = NULL;
    char why[CGRPC_TARGET_HOST_MAX + 96];
    snprintf(why, sizeof why, "cannot resolve \"%s\": %s", req->host,
             req->err ? cgrpc_io_strerror(req->err) : "");
    on_resolved(ch, req->err, &req->result, why);
  }
  cgrpc_free(req);
}

static void lookup_job(void *arg) {
  dns_req_t *req = arg;
  req->err = cgrpc_dns_lookup(req->server, req->host, req->port, &req->result);
  if (cgrpc_loop_post(req->ch->loop, deliver, req) != 0) {
    /* Out of memory for one queue slot: the result cannot reach the loop.
     * The channel's retry covers it, as it does a server that never
     * answers. */
    cgrpc_address_list_free(&req->result);
    cgrpc_free(req);
  }
}

static void resolve_now(cgrpc_channel_t *ch) {
  resolver_state_t *res = &ch->res;
  res->last_start = cgrpc_loop_now(ch->loop);
  if (res->custom) {
    if (res->custom->vt->resolve_now) res->custom->vt->resolve_now(res->custom_state);
    return;
  }
  if (ch->target.addrs.count > 0) {
    cgrpc_address_list_t copy = {0};
    copy.items = cgrpc_malloc(ch->target.addrs.count * sizeof *copy.items);
    if (copy.items) {
      memcpy(copy.items, ch->target.addrs.items, ch->target.addrs.count * sizeof *copy.items);
      copy.count = ch->target.addrs.count;
    }
    on_resolved(ch, copy.items ? 0 : -ENOMEM, &copy, "cannot resolve: out of memory");
    return;
  }
  if (res->dns) return;
  dns_req_t *req = cgrpc_malloc(sizeof *req);
  int rv = -ENOMEM;
  if (req) {
    *req = (dns_req_t){.ch = ch, .port = ch->target.port};
    memcpy(req->host, ch->target.host, sizeof req->host);
    memcpy(req->server, res->dns_server, sizeof req->server);
    rv = cgrpc_workers_submit(ch->resolver, lookup_job, req);
    if (rv != 0) cgrpc_free(req);
  }
  if (rv != 0) {
    char why[96];
    snprintf(why, sizeof why, "cannot resolve: %s", cgrpc_io_strerror(rv));
    cgrpc_address_list_t none = {0};
    on_resolved(ch, rv, &none, why);
    return;
  }
  res->dns = req;
}

static void on_timer(void *arg) {
  cgrpc_channel_t *ch = arg;
  ch->res.timer_armed = false;
  resolve_now(ch);
}

static void arm_timer(cgrpc_channel_t *ch, int64_t at) {
  if (ch->res.timer_armed) return;
  ch->res.timer_armed = cgrpc_timer_start(ch->loop, &ch->res.timer, at) == 0;
}

/* Takes the list (frees it). */
static void on_resolved(cgrpc_channel_t *ch, int err, cgrpc_address_list_t *addrs,
                        const char *why) {
  resolver_state_t *res = &ch->res;
  if (ch->state == CH_SHUTDOWN || ch->state == CH_FAILED) {
    cgrpc_address_list_free(addrs);
    return;
  }
  if (err != 0) {
    cgrpc_address_list_free(addrs);
    res->failing = true;
    snprintf(ch->last_error, sizeof ch->last_error, "%s", why);
    cgrpc_log(CGRPC_LOG_DEBUG, "channel %s: %s", ch->authority, why);
    /* Try again after a backoff; the addresses known before stay in use. */
    int64_t wait = lb_backoff_next(&res->backoff, lb_rand_unit(ch));
    arm_timer(ch, cgrpc_time_add(cgrpc_loop_now(ch->loop), wait));
    lb_refresh(ch);
    return;
  }
  if (!lb_update(ch, addrs)) {
    cgrpc_address_list_free(addrs);
    res->failing = true; /* out of memory: like a failed lookup, tried again */
    int64_t wait = lb_backoff_next(&res->backoff, lb_rand_unit(ch));
    arm_timer(ch, cgrpc_time_add(cgrpc_loop_now(ch->loop), wait));
    lb_refresh(ch);
    return;
  }
  res->failing = false;
  res->have_result = true;
  lb_backoff_reset(&res->backoff);
  cgrpc_address_list_free(addrs);
}

void cgrpc_resolver_kick(cgrpc_channel_t *ch) {
  resolver_state_t *res = &ch->res;
  if (!res->started || !res->failing || res->dns || res->timer_armed) return;
  resolve_now(ch);
}

void cgrpc_resolver_init(cgrpc_channel_t *ch) {
  cgrpc_timer_init(&ch->res.timer, on_timer, ch);
  lb_backoff_init(&ch->res.backoff, ch->opts.initial_backoff_ns, ch->opts.max_backoff_ns);
  memcpy(ch->res.dns_server, ch->target.dns_server, sizeof ch->res.dns_server);
}

void cgrpc_resolver_start(cgrpc_channel_t *ch) {
  if (ch->res.started) return;
  ch->res.started = true;
  resolve_now(ch);
}

void cgrpc_resolver_request(cgrpc_channel_t *ch) {
  resolver_state_t *res = &ch->res;
  if (!res->started || ch->state == CH_SHUTDOWN) return;
  if (!res->custom && ch->target.addrs.count > 0) return; /* nothing to look up again */
  if (res->dns || res->timer_armed) return;
  int64_t now = cgrpc_loop_now(ch->loop);
  int64_t earliest = cgrpc_time_add(res->last_start, ch->opts.min_resolution_interval_ns);
  if (now >= earliest) {
    resolve_now(ch);
  } else {
    arm_timer(ch, earliest);
  }
}

void cgrpc_resolver_shutdown(cgrpc_channel_t *ch) {
  cgrpc_timer_cancel(&ch->res.timer);
  ch->res.timer_armed = false;
  if (ch->res.dns) ch->res.dns->cancelled = true;
  ch->res.dns = NULL;
}

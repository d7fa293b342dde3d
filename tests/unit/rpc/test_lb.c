/* Load balancing inside a channel: the policies over ipv4: address lists
 * and a registered resolver, shared subchannels, connectivity state, and
 * the backoff arithmetic. The DNS-driven proof is tests/lb/. */
#define _GNU_SOURCE
#include <pthread.h>

#include "cgrpc/connectivity.h"
#include "cgrpc/resolver.h"
#include "lb_test_util.h"
#include "rpc/lb.h"

enum { NB = 4 };

static cgrpc_channel_t *channel_with(const char *target, const char *policy) {
  cgrpc_channel_options_t o = CGRPC_CHANNEL_OPTIONS_INIT;
  o.lb_policy = policy;
  o.initial_backoff_ns = 50 * CGRPC_NS_PER_MS;
  o.max_backoff_ns = 200 * CGRPC_NS_PER_MS;
  cgrpc_channel_t *ch = NULL;
  cgrpc_error_t err;
  CHECK_EQ_INT(cgrpc_channel_new(target, &o, &ch, &err), CGRPC_STATUS_OK);
  return ch;
}

static void start_backends(backend_t *bs, int n, char *target, size_t size) {
  size_t at = (size_t)snprintf(target, size, "ipv4:");
  for (int i = 0; i < n; i++) {
    char ip[32];
    snprintf(ip, sizeof ip, "127.0.0.%d", i + 1);
    CHECK(backend_start(&bs[i], ip, 0));
    at += (size_t)snprintf(target + at, size - at, "%s%s:%d", i ? "," : "", ip, bs[i].port);
  }
}

/* Waits until the channel is READY with every backend connected: calls
 * until each one answered. */
static void warm_up(cgrpc_channel_t *ch, backend_t *bs, int n) {
  for (int round = 0; round < 200; round++) {
    int all = 1;
    for (int i = 0; i < n; i++) all &= atomic_load(&bs[i].calls) > 0;
    if (all) break;
    CHECK_EQ_INT(lb_call(ch, true), CGRPC_STATUS_OK);
    if (round > 20) test_sleep_ms(10);
  }
  for (int i = 0; i < n; i++) atomic_store(&bs[i].calls, 0);
}

static void test_round_robin_spreads_evenly(void) {
  backend_t bs[NB];
  memset(bs, 0, sizeof bs);
  char target[256];
  start_backends(bs, NB, target, sizeof target);
  cgrpc_channel_t *ch = channel_with(target, "round_robin");
  warm_up(ch, bs, NB);
  for (int i = 0; i < 400; i++) CHECK_EQ_INT(lb_call(ch, false), CGRPC_STATUS_OK);
  for (int i = 0; i < NB; i++) {
    /* Round robin over four READY backends: exactly one in four. */
    CHECK_EQ_INT(atomic_load(&bs[i].calls), 100);
  }
  cgrpc_channel_free(ch);
  for (int i = 0; i < NB; i++) backend_stop(&bs[i]);
}

static void test_round_robin_skips_a_dead_backend(void) {
  backend_t bs[NB];
  memset(bs, 0, sizeof bs);
  char target[256];
  start_backends(bs, NB, target, sizeof target);
  cgrpc_channel_t *ch = channel_with(target, "round_robin");
  warm_up(ch, bs, NB);
  backend_stop(&bs[1]);
  /* Calls during the loss may be lost with the connection (retries are not
   * this test's business); afterwards every call succeeds elsewhere. */
  test_sleep_ms(100);
  for (int i = 0; i < 10; i++) (void)lb_call(ch, false);
  for (int i = 0; i < NB; i++) atomic_store(&bs[i].calls, 0);
  for (int i = 0; i < 300; i++) CHECK_EQ_INT(lb_call(ch, false), CGRPC_STATUS_OK);
  CHECK_EQ_INT(atomic_load(&bs[0].calls), 100);
  CHECK_EQ_INT(atomic_load(&bs[2].calls), 100);
  CHECK_EQ_INT(atomic_load(&bs[3].calls), 100);
  cgrpc_channel_free(ch);
  for (int i = 0; i < NB; i++) backend_stop(&bs[i]);
}

/* Idle mode (idle_timeout_ns) over round_robin: every subchannel lets go
 * of its connection and the policy stops connecting, so the channel stays
 * IDLE (round_robin would otherwise reconnect at once); the next call
 * brings every backend back. */
static void test_idle_mode_stops_round_robin(void) {
  backend_t bs[NB];
  memset(bs, 0, sizeof bs);
  char target[256];
  start_backends(bs, NB, target, sizeof target);
  cgrpc_channel_options_t o = CGRPC_CHANNEL_OPTIONS_INIT;
  o.lb_policy = "round_robin";
  o.idle_timeout_ns = 300 * CGRPC_NS_PER_MS;
  cgrpc_channel_t *ch = NULL;
  CHECK_EQ_INT(cgrpc_channel_new(target, &o, &ch, NULL), CGRPC_STATUS_OK);
  warm_up(ch, bs, NB);
  CHECK_EQ_INT(cgrpc_channel_get_state(ch, false), CGRPC_CHANNEL_READY);
  cgrpc_connectivity_state_t st = CGRPC_CHANNEL_READY;
  int64_t deadline = cgrpc_deadline_after(5 * CGRPC_NS_PER_SEC);
  while (st != CGRPC_CHANNEL_IDLE) {
    CHECK_EQ_INT(cgrpc_channel_wait_for_state_change(ch, st, deadline, &st, NULL), CGRPC_STATUS_OK);
  }
  test_sleep_ms(200); /* no reconnection behind the application's back */
  CHECK_EQ_INT(cgrpc_channel_get_state(ch, false), CGRPC_CHANNEL_IDLE);
  warm_up(ch, bs, NB);
  for (int i = 0; i < 400; i++) CHECK_EQ_INT(lb_call(ch, false), CGRPC_STATUS_OK);
  for (int i = 0; i < NB; i++) CHECK_EQ_INT(atomic_load(&bs[i].calls), 100);
  CHECK_EQ_INT(cgrpc_channel_get_state(ch, false), CGRPC_CHANNEL_READY);
  cgrpc_channel_free(ch);
  for (int i = 0; i < NB; i++) backend_stop(&bs[i]);
}

static void test_pick_first_uses_the_first_that_connects(void) {
  backend_t bs[3];
  memset(bs, 0, sizeof bs);
  char target[256];
  start_backends(bs, 3, target, sizeof target);
  backend_stop(&bs[0]); /* the first address refuses: the second wins */
  cgrpc_channel_t *ch = channel_with(target, NULL);
  for (int i = 0; i < 50; i++) CHECK_EQ_INT(lb_call(ch, false), CGRPC_STATUS_OK);
  CHECK_EQ_INT(atomic_load(&bs[1].calls), 50);
  CHECK_EQ_INT(atomic_load(&bs[2].calls), 0);
  /* It goes away: the channel moves on to the third. */
  backend_stop(&bs[1]);
  test_sleep_ms(50);
  CHECK_EQ_INT(lb_call(ch, true), CGRPC_STATUS_OK);
  for (int i = 0; i < 20; i++) CHECK_EQ_INT(lb_call(ch, false), CGRPC_STATUS_OK);
  CHECK_EQ_INT(atomic_load(&bs[2].calls), 21);
  cgrpc_channel_free(ch);
  for (int i = 0; i < 3; i++) backend_stop(&bs[i]);
}

static void test_pick_first_shuffle_spreads_channels(void) {
  backend_t bs[NB];
  memset(bs, 0, sizeof bs);
  char target[256];
  start_backends(bs, NB, target, sizeof target);
  cgrpc_channel_options_t o = CGRPC_CHANNEL_OPTIONS_INIT;
  o.shuffle_address_list = true;
  /* 40 channels, each with one backend for all its calls; with A62's
   * shuffling they do not all choose the first address. */
  for (int i = 0; i < 40; i++) {
    cgrpc_channel_t *ch = NULL;
    CHECK_EQ_INT(cgrpc_channel_new(target, &o, &ch, NULL), CGRPC_STATUS_OK);
    CHECK_EQ_INT(lb_call(ch, false), CGRPC_STATUS_OK);
    cgrpc_channel_free(ch);
  }
  int used = 0;
  for (int i = 0; i < NB; i++) used += atomic_load(&bs[i].calls) > 0;
  CHECK(used >= 3); /* all four but with probability 4 * (3/4)^40 */
  for (int i = 0; i < NB; i++) backend_stop(&bs[i]);
}

static void test_least_request_uses_every_backend(void) {
  backend_t bs[NB];
  memset(bs, 0, sizeof bs);
  char target[256];
  start_backends(bs, NB, target, sizeof target);
  cgrpc_channel_t *ch = channel_with(target, "least_request");
  warm_up(ch, bs, NB);
  for (int i = 0; i < 400; i++) CHECK_EQ_INT(lb_call(ch, false), CGRPC_STATUS_OK);
  for (int i = 0; i < NB; i++) {
    /* Sequential calls leave no call outstanding: the choice is random. */
    int n = atomic_load(&bs[i].calls);
    CHECK(n >= 50 && n <= 150);
  }
  cgrpc_channel_free(ch);
  for (int i = 0; i < NB; i++) backend_stop(&bs[i]);
}

static void test_one_subchannel_per_address(void) {
  backend_t bs[2];
  memset(bs, 0, sizeof bs);
  char target[256];
  start_backends(bs, 2, target, sizeof target);
  /* The first address twice: one subchannel, so round robin halves. */
  char twice[300];
  snprintf(twice, sizeof twice, "ipv4:127.0.0.1:%d,%s", bs[0].port, target + 5);
  cgrpc_channel_t *ch = channel_with(twice, "round_robin");
  warm_up(ch, bs, 2);
  for (int i = 0; i < 100; i++) CHECK_EQ_INT(lb_call(ch, false), CGRPC_STATUS_OK);
  CHECK_EQ_INT(atomic_load(&bs[0].calls), 50);
  CHECK_EQ_INT(atomic_load(&bs[1].calls), 50);
  cgrpc_channel_free(ch);
  for (int i = 0; i < 2; i++) backend_stop(&bs[i]);
}

static void test_bad_policy_name(void) {
  cgrpc_channel_options_t o = CGRPC_CHANNEL_OPTIONS_INIT;
  o.lb_policy = "weighted";
  cgrpc_channel_t *ch = NULL;
  cgrpc_error_t err;
  CHECK_EQ_INT(cgrpc_channel_new("127.0.0.1:1", &o, &ch, &err), CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK(strstr(err.message, "lb_policy is \"weighted\"") != NULL);
  CHECK_EQ_INT(lb_call(ch, false), CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK_EQ_INT(cgrpc_channel_get_state(ch, true), CGRPC_CHANNEL_TRANSIENT_FAILURE);
  cgrpc_channel_free(ch);
}

/* ---- Connectivity state -------------------------------------------------------------- */

static void test_state_idle_connecting_ready(void) {
  backend_t b;
  memset(&b, 0, sizeof b);
  CHECK(backend_start(&b, "127.0.0.1", 0));
  char target[64];
  snprintf(target, sizeof target, "127.0.0.1:%d", b.port);
  cgrpc_channel_t *ch = channel_with(target, NULL);
  CHECK_EQ_INT(cgrpc_channel_get_state(ch, false), CGRPC_CHANNEL_IDLE);
  CHECK_EQ_INT(cgrpc_channel_get_state(ch, true), CGRPC_CHANNEL_IDLE);
  cgrpc_connectivity_state_t st = CGRPC_CHANNEL_IDLE;
  int64_t deadline = cgrpc_deadline_after(5 * CGRPC_NS_PER_SEC);
  while (st != CGRPC_CHANNEL_READY) {
    CHECK_EQ_INT(cgrpc_channel_wait_for_state_change(ch, st, deadline, &st, NULL), CGRPC_STATUS_OK);
    if (st == CGRPC_CHANNEL_TRANSIENT_FAILURE) break;
  }
  CHECK_EQ_INT(st, CGRPC_CHANNEL_READY);
  cgrpc_error_t err;
  CHECK_EQ_INT(cgrpc_channel_wait_for_state_change(
                   ch, CGRPC_CHANNEL_READY, cgrpc_deadline_after(20 * CGRPC_NS_PER_MS), &st, &err),
               CGRPC_STATUS_DEADLINE_EXCEEDED);
  CHECK_EQ_INT(st, CGRPC_CHANNEL_READY);
  CHECK(strstr(err.message, "stayed READY") != NULL);
  cgrpc_channel_free(ch);
  backend_stop(&b);
}

static void test_state_transient_failure(void) {
  backend_t b;
  memset(&b, 0, sizeof b);
  CHECK(backend_start(&b, "127.0.0.1", 0));
  char target[64];
  snprintf(target, sizeof target, "127.0.0.1:%d", b.port);
  backend_stop(&b); /* nothing listens there now */
  cgrpc_channel_t *ch = channel_with(target, "round_robin");
  CHECK_EQ_INT(lb_call(ch, false), CGRPC_STATUS_UNAVAILABLE);
  cgrpc_connectivity_state_t st = cgrpc_channel_get_state(ch, false);
  int64_t deadline = cgrpc_deadline_after(2 * CGRPC_NS_PER_SEC);
  while (st != CGRPC_CHANNEL_TRANSIENT_FAILURE &&
         cgrpc_channel_wait_for_state_change(ch, st, deadline, &st, NULL) == CGRPC_STATUS_OK) {
  }
  CHECK_EQ_INT(st, CGRPC_CHANNEL_TRANSIENT_FAILURE);
  CHECK_EQ_STR(cgrpc_connectivity_state_name(st), "TRANSIENT_FAILURE");
  cgrpc_channel_free(ch);
  CHECK_EQ_INT(cgrpc_channel_get_state(NULL, false), CGRPC_CHANNEL_SHUTDOWN);
}

/* ---- A registered resolver ------------------------------------------------------------- */

typedef struct static_registry {
  cgrpc_resolver_sink_t *sink;
  int starts, stops, resolve_nows;
} static_registry_t;

static static_registry_t g_registry;

static cgrpc_status_code_t reg_start(void *user_data, const char *target,
                                     cgrpc_resolver_sink_t *sink, void **state,
                                     cgrpc_error_t *err) {
  static_registry_t *r = user_data;
  if (strstr(target, "/missing")) {
    snprintf(err->message, sizeof err->message, "no service \"missing\" in the registry");
    return CGRPC_STATUS_NOT_FOUND;
  }
  r->sink = sink;
  r->starts++;
  *state = r;
  return CGRPC_STATUS_OK;
}

static void reg_resolve_now(void *state) { ((static_registry_t *)state)->resolve_nows++; }

static void reg_stop(void *state) {
  static_registry_t *r = state;
  r->stops++;
  r->sink = NULL;
}

static const cgrpc_resolver_vtable_t kRegistry = {reg_start, reg_resolve_now, reg_stop};

static void test_registered_resolver_pushes_addresses(void) {
  cgrpc_error_t err;
  CHECK_EQ_INT(cgrpc_resolver_register("static-test", &kRegistry, &g_registry, &err),
               CGRPC_STATUS_OK);
  CHECK_EQ_INT(cgrpc_resolver_register("static-test", &kRegistry, &g_registry, &err),
               CGRPC_STATUS_ALREADY_EXISTS);
  CHECK_EQ_INT(cgrpc_resolver_register("dns", &kRegistry, NULL, &err),
               CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK_EQ_INT(cgrpc_resolver_register("1bad", &kRegistry, NULL, &err),
               CGRPC_STATUS_INVALID_ARGUMENT);

  backend_t bs[2];
  memset(bs, 0, sizeof bs);
  char target[256];
  start_backends(bs, 2, target, sizeof target);
  cgrpc_channel_t *ch = channel_with("static-test://cluster/orders", "round_robin");
  CHECK_EQ_INT(g_registry.starts, 1);
  char a0[64], a1[64];
  snprintf(a0, sizeof a0, "127.0.0.1:%d", bs[0].port);
  snprintf(a1, sizeof a1, "127.0.0.2:%d", bs[1].port);
  const char *both[] = {a0, a1};
  CHECK_EQ_INT(cgrpc_resolver_push(g_registry.sink, both, 2, NULL, &err), CGRPC_STATUS_OK);
  warm_up(ch, bs, 2);
  for (int i = 0; i < 100; i++) CHECK_EQ_INT(lb_call(ch, false), CGRPC_STATUS_OK);
  CHECK_EQ_INT(atomic_load(&bs[0].calls), 50);
  CHECK_EQ_INT(atomic_load(&bs[1].calls), 50);

  /* A new list: only the second backend. */
  const char *one[] = {a1};
  CHECK_EQ_INT(cgrpc_resolver_push(g_registry.sink, one, 1, NULL, &err), CGRPC_STATUS_OK);
  test_sleep_ms(50);
  atomic_store(&bs[0].calls, 0);
  atomic_store(&bs[1].calls, 0);
  for (int i = 0; i < 20; i++) CHECK_EQ_INT(lb_call(ch, true), CGRPC_STATUS_OK);
  CHECK_EQ_INT(atomic_load(&bs[0].calls), 0);
  CHECK_EQ_INT(atomic_load(&bs[1].calls), 20);

  const char *bad[] = {a0, "backend.example:80"};
  CHECK_EQ_INT(cgrpc_resolver_push(g_registry.sink, bad, 2, NULL, &err),
               CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK(strstr(err.message, "address 1 (\"backend.example:80\")") != NULL);
  /* An empty list: no backend, calls fail fast. */
  CHECK_EQ_INT(cgrpc_resolver_push(g_registry.sink, NULL, 0, NULL, &err), CGRPC_STATUS_OK);
  test_sleep_ms(50);
  CHECK_EQ_INT(lb_call(ch, false), CGRPC_STATUS_UNAVAILABLE);
  cgrpc_channel_free(ch);
  CHECK_EQ_INT(g_registry.stops, 1);

  /* A start that fails: the channel's calls fail with its code. */
  CHECK_EQ_INT(cgrpc_channel_new("static-test:///missing", NULL, &ch, &err),
               CGRPC_STATUS_NOT_FOUND);
  CHECK(strstr(err.message, "no service") != NULL);
  CHECK_EQ_INT(lb_call(ch, false), CGRPC_STATUS_NOT_FOUND);
  cgrpc_channel_free(ch);
  CHECK_EQ_INT(g_registry.stops, 1);
  for (int i = 0; i < 2; i++) backend_stop(&bs[i]);
}

/* The resolver's service config chooses the policy (the option says
 * pick_first); an invalid one later keeps the last good one in force. */
static void test_resolver_service_config_chooses_the_policy(void) {
  backend_t bs[2];
  memset(bs, 0, sizeof bs);
  char target[256];
  start_backends(bs, 2, target, sizeof target);
  cgrpc_channel_t *ch = channel_with("static-test:///svc", NULL);
  char a0[64], a1[64];
  snprintf(a0, sizeof a0, "127.0.0.1:%d", bs[0].port);
  snprintf(a1, sizeof a1, "127.0.0.2:%d", bs[1].port);
  const char *both[] = {a0, a1};
  cgrpc_error_t err;
  CHECK_EQ_INT(cgrpc_resolver_push(g_registry.sink, both, 2,
                                   "{\"loadBalancingConfig\": [{\"round_robin\": {}}]}", &err),
               CGRPC_STATUS_OK);
  warm_up(ch, bs, 2);
  for (int i = 0; i < 100; i++) CHECK_EQ_INT(lb_call(ch, false), CGRPC_STATUS_OK);
  CHECK_EQ_INT(atomic_load(&bs[0].calls), 50);
  CHECK_EQ_INT(atomic_load(&bs[1].calls), 50);
  CHECK_EQ_INT(cgrpc_resolver_push(g_registry.sink, both, 2, "{\"methodConfig\": 7}", &err),
               CGRPC_STATUS_OK);
  test_sleep_ms(50);
  atomic_store(&bs[0].calls, 0);
  atomic_store(&bs[1].calls, 0);
  for (int i = 0; i < 100; i++) CHECK_EQ_INT(lb_call(ch, false), CGRPC_STATUS_OK);
  CHECK_EQ_INT(atomic_load(&bs[0].calls), 50);
  CHECK_EQ_INT(atomic_load(&bs[1].calls), 50);
  cgrpc_channel_free(ch);
  for (int i = 0; i < 2; i++) backend_stop(&bs[i]);
}

/* ---- Health checking (gRFC A17) ------------------------------------------------------- */

static void test_health_not_serving_gets_no_traffic(void) {
  backend_t bs[3];
  memset(bs, 0, sizeof bs);
  for (int i = 0; i < 3; i++) bs[i].with_health = true;
  atomic_store(&bs[1].health, 2); /* NOT_SERVING */
  char target[256];
  start_backends(bs, 3, target, sizeof target);
  cgrpc_channel_options_t o = CGRPC_CHANNEL_OPTIONS_INIT;
  o.lb_policy = "round_robin";
  o.health_check_service_name = "test.Svc";
  o.initial_backoff_ns = 50 * CGRPC_NS_PER_MS;
  cgrpc_channel_t *ch = NULL;
  CHECK_EQ_INT(cgrpc_channel_new(target, &o, &ch, NULL), CGRPC_STATUS_OK);
  CHECK_EQ_INT(lb_call(ch, true), CGRPC_STATUS_OK);
  test_sleep_ms(100); /* every Watch has answered */
  for (int i = 0; i < 3; i++) atomic_store(&bs[i].calls, 0);
  for (int i = 0; i < 100; i++) CHECK_EQ_INT(lb_call(ch, false), CGRPC_STATUS_OK);
  CHECK_EQ_INT(atomic_load(&bs[0].calls), 50);
  CHECK_EQ_INT(atomic_load(&bs[1].calls), 0);
  CHECK_EQ_INT(atomic_load(&bs[2].calls), 50);
  for (int i = 0; i < 3; i++) CHECK_EQ_INT(atomic_load(&bs[i].watches), 1);
  /* It turns SERVING: it gets its share; the first one stops: it gets none. */
  atomic_store(&bs[1].health, 1);
  atomic_store(&bs[0].health, 2);
  test_sleep_ms(100);
  for (int i = 0; i < 3; i++) atomic_store(&bs[i].calls, 0);
  for (int i = 0; i < 100; i++) CHECK_EQ_INT(lb_call(ch, false), CGRPC_STATUS_OK);
  CHECK_EQ_INT(atomic_load(&bs[0].calls), 0);
  CHECK_EQ_INT(atomic_load(&bs[1].calls), 50);
  CHECK_EQ_INT(atomic_load(&bs[2].calls), 50);
  /* None SERVING: the channel is in TRANSIENT_FAILURE, calls fail fast. */
  atomic_store(&bs[1].health, 2);
  atomic_store(&bs[2].health, 2);
  test_sleep_ms(100);
  CHECK_EQ_INT(cgrpc_channel_get_state(ch, false), CGRPC_CHANNEL_TRANSIENT_FAILURE);
  CHECK_EQ_INT(lb_call(ch, false), CGRPC_STATUS_UNAVAILABLE);
  cgrpc_channel_free(ch);
  for (int i = 0; i < 3; i++) backend_stop(&bs[i]);
}

static void test_health_unimplemented_means_healthy(void) {
  backend_t bs[2];
  memset(bs, 0, sizeof bs);
  char target[256];
  start_backends(bs, 2, target, sizeof target); /* no health service */
  cgrpc_channel_options_t o = CGRPC_CHANNEL_OPTIONS_INIT;
  o.lb_policy = "round_robin";
  o.health_check_service_name = "";
  cgrpc_channel_t *ch = NULL;
  CHECK_EQ_INT(cgrpc_channel_new(target, &o, &ch, NULL), CGRPC_STATUS_OK);
  warm_up(ch, bs, 2);
  for (int i = 0; i < 100; i++) CHECK_EQ_INT(lb_call(ch, false), CGRPC_STATUS_OK);
  CHECK_EQ_INT(atomic_load(&bs[0].calls), 50);
  CHECK_EQ_INT(atomic_load(&bs[1].calls), 50);
  cgrpc_channel_free(ch);
  for (int i = 0; i < 2; i++) backend_stop(&bs[i]);
}

/* ---- Backoff ------------------------------------------------------------------------ */

static void test_backoff_follows_the_spec(void) {
  lb_backoff_t b;
  lb_backoff_init(&b, CGRPC_NS_PER_SEC, 120 * CGRPC_NS_PER_SEC);
  /* INITIAL_BACKOFF first, with no jitter. */
  CHECK_EQ_INT(lb_backoff_next(&b, 0.0), CGRPC_NS_PER_SEC);
  /* Then x1.6 with +-20%: unit 0.5 is the middle, 0 and 1 the ends. */
  CHECK_EQ_INT(lb_backoff_next(&b, 0.5), 1600 * CGRPC_NS_PER_MS);
  int64_t lo = lb_backoff_next(&b, 0.0); /* 2.56 s * 0.8 */
  CHECK(lo >= 2047 * CGRPC_NS_PER_MS && lo <= 2049 * CGRPC_NS_PER_MS);
  int64_t hi = lb_backoff_next(&b, 1.0); /* 4.096 s * 1.2 */
  CHECK(hi >= 4915 * CGRPC_NS_PER_MS && hi <= 4916 * CGRPC_NS_PER_MS);
  /* Capped at MAX_BACKOFF (before jitter). */
  for (int i = 0; i < 20; i++) (void)lb_backoff_next(&b, 0.5);
  CHECK_EQ_INT(b.current, 120 * CGRPC_NS_PER_SEC);
  CHECK_EQ_INT(lb_backoff_next(&b, 0.5), 120 * CGRPC_NS_PER_SEC);
  /* A success starts over. */
  lb_backoff_reset(&b);
  CHECK_EQ_INT(lb_backoff_next(&b, 0.9), CGRPC_NS_PER_SEC);
  /* An infinite maximum does not overflow. */
  lb_backoff_init(&b, CGRPC_INFINITE / 2, CGRPC_INFINITE);
  (void)lb_backoff_next(&b, 0.5);
  (void)lb_backoff_next(&b, 0.5); /* 0.8 of the maximum */
  CHECK_EQ_INT(lb_backoff_next(&b, 1.0), CGRPC_INFINITE);
}

static void test_policy_names(void) {
  lb_policy_kind_t k;
  CHECK_EQ_INT(lb_policy_parse(NULL, &k), 0);
  CHECK_EQ_INT(k, LB_PICK_FIRST);
  CHECK_EQ_INT(lb_policy_parse("round_robin", &k), 0);
  CHECK_EQ_STR(lb_policy_name(k), "round_robin");
  CHECK_EQ_INT(lb_policy_parse("least_request", &k), 0);
  CHECK_EQ_STR(lb_policy_name(k), "least_request");
  CHECK_EQ_INT(lb_policy_parse("ROUND_ROBIN", &k), -1);
}

int main(void) {
  TEST_RUN(test_backoff_follows_the_spec);
  TEST_RUN(test_policy_names);
  TEST_RUN(test_round_robin_spreads_evenly);
  TEST_RUN(test_round_robin_skips_a_dead_backend);
  TEST_RUN(test_idle_mode_stops_round_robin);
  TEST_RUN(test_pick_first_uses_the_first_that_connects);
  TEST_RUN(test_pick_first_shuffle_spreads_channels);
  TEST_RUN(test_least_request_uses_every_backend);
  TEST_RUN(test_one_subchannel_per_address);
  TEST_RUN(test_bad_policy_name);
  TEST_RUN(test_state_idle_connecting_ready);
  TEST_RUN(test_state_transient_failure);
  TEST_RUN(test_registered_resolver_pushes_addresses);
  TEST_RUN(test_resolver_service_config_chooses_the_policy);
  TEST_RUN(test_health_not_serving_gets_no_traffic);
  TEST_RUN(test_health_unimplemented_means_healthy);
  return TEST_DONE();
}

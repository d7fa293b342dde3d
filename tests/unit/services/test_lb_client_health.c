/* Client-side health checking (gRFC A17) against cgrpc's own health service
 * (cgrpc/health.h): three backends each enable it, the channel's service
 * config names "shop.Orders" in healthCheckConfig, and what the servers set
 * decides which backends round_robin sends calls to. */
#define _GNU_SOURCE
#include "cgrpc/connectivity.h"
#include "cgrpc/health.h"
#include "unit/rpc/lb_test_util.h"

enum { N = 3 };

static void enable_health(backend_t *b) {
  cgrpc_health_t *h = NULL;
  cgrpc_error_t err;
  CHECK_EQ_INT(cgrpc_server_enable_health(b->srv, &h, &err), CGRPC_STATUS_OK);
  CHECK_EQ_INT(cgrpc_health_set_status(h, "shop.Orders", CGRPC_HEALTH_SERVING, &err),
               CGRPC_STATUS_OK);
  b->extra = h;
}

static void set(backend_t *b, cgrpc_health_status_t st) {
  CHECK_EQ_INT(cgrpc_health_set_status(b->extra, "shop.Orders", st, NULL), CGRPC_STATUS_OK);
}

static void calls(cgrpc_channel_t *ch, backend_t *bs, int n) {
  for (int i = 0; i < N; i++) atomic_store(&bs[i].calls, 0);
  for (int i = 0; i < n; i++) CHECK_EQ_INT(lb_call(ch, false), CGRPC_STATUS_OK);
}

static void test_health_service_decides(void) {
  backend_t bs[N];
  memset(bs, 0, sizeof bs);
  char target[256];
  size_t at = (size_t)snprintf(target, sizeof target, "ipv4:");
  for (int i = 0; i < N; i++) {
    char ip[32];
    snprintf(ip, sizeof ip, "127.0.0.%d", i + 1);
    bs[i].before_start = enable_health;
    CHECK(backend_start(&bs[i], ip, 0));
    at +=
        (size_t)snprintf(target + at, sizeof target - at, "%s%s:%d", i ? "," : "", ip, bs[i].port);
  }
  set(&bs[1], CGRPC_HEALTH_NOT_SERVING);
  cgrpc_channel_options_t o = CGRPC_CHANNEL_OPTIONS_INIT;
  o.service_config_json =
      "{\"loadBalancingConfig\": [{\"round_robin\": {}}],"
      " \"healthCheckConfig\": {\"serviceName\": \"shop.Orders\"}}";
  cgrpc_channel_t *ch = NULL;
  cgrpc_error_t err;
  CHECK_EQ_INT(cgrpc_channel_new(target, &o, &ch, &err), CGRPC_STATUS_OK);
  CHECK_EQ_INT(lb_call(ch, true), CGRPC_STATUS_OK);
  test_sleep_ms(100); /* every Watch has answered */
  calls(ch, bs, 100);
  CHECK_EQ_INT(atomic_load(&bs[0].calls), 50);
  CHECK_EQ_INT(atomic_load(&bs[1].calls), 0); /* NOT_SERVING: no traffic */
  CHECK_EQ_INT(atomic_load(&bs[2].calls), 50);

  /* Back to SERVING, and another one's service forgotten (SERVICE_UNKNOWN). */
  set(&bs[1], CGRPC_HEALTH_SERVING);
  cgrpc_health_clear_status(bs[2].extra, "shop.Orders");
  test_sleep_ms(100);
  calls(ch, bs, 100);
  CHECK_EQ_INT(atomic_load(&bs[0].calls), 50);
  CHECK_EQ_INT(atomic_load(&bs[1].calls), 50);
  CHECK_EQ_INT(atomic_load(&bs[2].calls), 0);

  /* None SERVING: the channel fails fast. */
  set(&bs[0], CGRPC_HEALTH_NOT_SERVING);
  set(&bs[1], CGRPC_HEALTH_NOT_SERVING);
  test_sleep_ms(100);
  CHECK_EQ_INT(cgrpc_channel_get_state(ch, false), CGRPC_CHANNEL_TRANSIENT_FAILURE);
  CHECK_EQ_INT(lb_call(ch, false), CGRPC_STATUS_UNAVAILABLE);
  cgrpc_channel_free(ch);
  for (int i = 0; i < N; i++) backend_stop(&bs[i]);
}

/* A default method config (every method) with a short timeout and a retry
 * policy applies to the application's calls, not to the health Watch: the
 * Watch outlives the timeout and both backends keep their traffic. */
static void test_method_config_spares_the_watch(void) {
  backend_t bs[2];
  memset(bs, 0, sizeof bs);
  char target[128];
  for (int i = 0; i < 2; i++) {
    char ip[32];
    snprintf(ip, sizeof ip, "127.0.0.%d", i + 1);
    bs[i].before_start = enable_health;
    CHECK(backend_start(&bs[i], ip, 0));
  }
  snprintf(target, sizeof target, "ipv4:127.0.0.1:%d,127.0.0.2:%d", bs[0].port, bs[1].port);
  cgrpc_channel_options_t o = CGRPC_CHANNEL_OPTIONS_INIT;
  o.service_config_json =
      "{\"loadBalancingConfig\": [{\"round_robin\": {}}],"
      " \"healthCheckConfig\": {\"serviceName\": \"shop.Orders\"},"
      " \"methodConfig\": [{\"name\": [{}], \"timeout\": \"0.25s\","
      " \"retryPolicy\": {\"maxAttempts\": 2, \"initialBackoff\": \"0.01s\","
      " \"maxBackoff\": \"0.01s\", \"backoffMultiplier\": 1,"
      " \"retryableStatusCodes\": [\"UNAVAILABLE\"]}}]}";
  cgrpc_channel_t *ch = NULL;
  cgrpc_error_t err;
  CHECK_EQ_INT(cgrpc_channel_new(target, &o, &ch, &err), CGRPC_STATUS_OK);
  CHECK_EQ_INT(lb_call(ch, true), CGRPC_STATUS_OK);
  test_sleep_ms(600); /* twice the method timeout and more */
  for (int i = 0; i < 2; i++) atomic_store(&bs[i].calls, 0);
  for (int i = 0; i < 40; i++) CHECK_EQ_INT(lb_call(ch, false), CGRPC_STATUS_OK);
  CHECK_EQ_INT(atomic_load(&bs[0].calls), 20);
  CHECK_EQ_INT(atomic_load(&bs[1].calls), 20);
  CHECK_EQ_INT(cgrpc_channel_get_state(ch, false), CGRPC_CHANNEL_READY);
  cgrpc_channel_free(ch);
  for (int i = 0; i < 2; i++) backend_stop(&bs[i]);
}

int main(void) {
  TEST_RUN(test_health_service_decides);
  TEST_RUN(test_method_config_spares_the_watch);
  return TEST_DONE();
}

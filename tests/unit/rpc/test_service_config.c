/* tests/unit/rpc/test_service_config.c — the service config parser
 * (src/rpc/service_config.h): every field read, method lookup by service,
 * method and default, the loadBalancingConfig list kept as raw JSON, each
 * rule of gRFC A6 refused with the JSON path in the message, the channel
 * option (invalid: INVALID_ARGUMENT at creation, and every call says why)
 * and the resolver's fallback rules. */
#include <stdio.h>
#include <string.h>

#include "cgrpc/channel.h"
#include "rpc/channel_internal.h"
#include "rpc/service_config.h"
#include "test.h"

static bool contains(const char *s, const char *part) { return strstr(s, part) != NULL; }

static cgrpc_service_config_t *parse_ok(const char *json) {
  cgrpc_service_config_t *sc = NULL;
  cgrpc_error_t err = {{0}};
  cgrpc_status_code_t rc = cgrpc_service_config_parse(json, strlen(json), &sc, &err);
  if (rc != CGRPC_STATUS_OK) TEST_FAIL_("parse %s: %s", json, err.message);
  return sc;
}

/* The config is refused and the message contains `part`. */
static void refused(const char *json, const char *part) {
  cgrpc_service_config_t *sc = (cgrpc_service_config_t *)1;
  cgrpc_error_t err = {{0}};
  cgrpc_status_code_t rc = cgrpc_service_config_parse(json, strlen(json), &sc, &err);
  CHECK_EQ_INT(rc, CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK(sc == NULL);
  if (!contains(err.message, part))
    TEST_FAIL_("%s: message \"%s\" lacks \"%s\"", json, err.message, part);
}

static const char kFull[] =
    "{\"loadBalancingConfig\": [{\"round_robin\": {}}, {\"pick_first\": {\"shuffleAddressList\": "
    "true}}],"
    " \"loadBalancingPolicy\": \"round_robin\","
    " \"healthCheckConfig\": {\"serviceName\": \"shop.Health\"},"
    " \"retryThrottling\": {\"maxTokens\": 10, \"tokenRatio\": 0.1234},"
    " \"methodConfig\": ["
    "  {\"name\": [{\"service\": \"shop.Cart\"}], \"timeout\": \"1.5s\", \"waitForReady\": true,"
    "   \"maxRequestMessageBytes\": 1024, \"maxResponseMessageBytes\": \"2048\","
    "   \"retryPolicy\": {\"maxAttempts\": 9, \"initialBackoff\": \"0.1s\", \"maxBackoff\": \"1s\","
    "     \"backoffMultiplier\": 2, \"retryableStatusCodes\": [\"UNAVAILABLE\", 4]}},"
    "  {\"name\": [{\"service\": \"shop.Cart\", \"method\": \"Get\"}],"
    "   \"hedgingPolicy\": {\"maxAttempts\": 3, \"hedgingDelay\": \"0.005s\","
    "     \"nonFatalStatusCodes\": [\"UNAVAILABLE\"]}},"
    "  {\"name\": [{}], \"timeout\": \"10s\", \"unknownField\": 1}"
    " ]}";

static void test_every_field(void) {
  cgrpc_service_config_t *sc = parse_ok(kFull);
  CHECK_EQ_UINT(sc->method_count, 3);
  const cgrpc_sc_method_config_t *cart = &sc->methods[0];
  CHECK(cart->has_timeout);
  CHECK_EQ_INT(cart->timeout_ns, 1500000000);
  CHECK(cart->has_wait_for_ready && cart->wait_for_ready);
  CHECK_EQ_UINT(cart->max_request_bytes, 1024);
  CHECK_EQ_UINT(cart->max_response_bytes, 2048);
  CHECK(cart->retry && !cart->hedging);
  CHECK_EQ_INT(cart->retry->max_attempts, 5); /* 9 capped */
  CHECK_EQ_INT(cart->retry->initial_backoff_ns, 100000000);
  CHECK_EQ_INT(cart->retry->max_backoff_ns, 1000000000);
  CHECK(cart->retry->backoff_multiplier == 2.0);
  CHECK_EQ_UINT(cart->retry->retryable_codes, CGRPC_SC_CODE(CGRPC_STATUS_UNAVAILABLE) |
                                                  CGRPC_SC_CODE(CGRPC_STATUS_DEADLINE_EXCEEDED));
  const cgrpc_sc_method_config_t *get = &sc->methods[1];
  CHECK(get->hedging && !get->retry);
  CHECK_EQ_INT(get->hedging->max_attempts, 3);
  CHECK_EQ_INT(get->hedging->hedging_delay_ns, 5000000);
  CHECK_EQ_UINT(get->hedging->non_fatal_codes, CGRPC_SC_CODE(CGRPC_STATUS_UNAVAILABLE));
  CHECK_EQ_UINT(sc->max_milli_tokens, 10000);
  CHECK_EQ_UINT(sc->token_ratio_milli, 123); /* the fourth decimal place is dropped */
  CHECK_EQ_UINT(sc->lb_config_count, 2);
  CHECK_EQ_STR(sc->lb_configs[0].policy, "round_robin");
  CHECK_EQ_STR(sc->lb_configs[0].config_json, "{}");
  CHECK_EQ_STR(sc->lb_configs[1].policy, "pick_first");
  CHECK_EQ_STR(sc->lb_configs[1].config_json, "{\"shuffleAddressList\": true}");
  CHECK_EQ_STR(sc->lb_policy, "round_robin");
  CHECK_EQ_STR(sc->health_check_service, "shop.Health");
  cgrpc_service_config_unref(sc);
}

static void test_lookup(void) {
  cgrpc_service_config_t *sc = parse_ok(kFull);
  CHECK(cgrpc_service_config_lookup(sc, "/shop.Cart/Get") == &sc->methods[1]);
  CHECK(cgrpc_service_config_lookup(sc, "/shop.Cart/Put") == &sc->methods[0]);
  CHECK(cgrpc_service_config_lookup(sc, "/shop.CartX/Get") == &sc->methods[2]);
  CHECK(cgrpc_service_config_lookup(sc, "/shop.Car/Get") == &sc->methods[2]);
  CHECK(cgrpc_service_config_lookup(NULL, "/shop.Cart/Get") == NULL);
  cgrpc_service_config_unref(sc);
  sc = parse_ok("{\"methodConfig\": [{\"name\": [{\"service\": \"a.B\", \"method\": \"C\"}]}]}");
  CHECK(cgrpc_service_config_lookup(sc, "/a.B/C") == &sc->methods[0]);
  CHECK(cgrpc_service_config_lookup(sc, "/a.B/D") == NULL);
  cgrpc_service_config_unref(sc);
  sc = parse_ok("{}");
  CHECK_EQ_UINT(sc->method_count, 0);
  CHECK(cgrpc_service_config_lookup(sc, "/a.B/C") == NULL);
  cgrpc_service_config_unref(sc);
}

static void test_durations(void) {
  int64_t ns = 0;
  CHECK(cgrpc_sc_parse_duration("1s", 2, &ns) && ns == 1000000000);
  CHECK(cgrpc_sc_parse_duration("0.000000001s", 12, &ns) && ns == 1);
  CHECK(cgrpc_sc_parse_duration("-2.5s", 5, &ns) && ns == -2500000000);
  CHECK(!cgrpc_sc_parse_duration("1", 1, &ns));
  CHECK(!cgrpc_sc_parse_duration("1.s", 3, &ns));
  CHECK(!cgrpc_sc_parse_duration(".5s", 3, &ns));
  CHECK(!cgrpc_sc_parse_duration("1.0000000001s", 13, &ns));
  CHECK(!cgrpc_sc_parse_duration("1ms", 3, &ns));
  CHECK(!cgrpc_sc_parse_duration("99999999999999999999s", 21, &ns));
}

#define RETRY(body) "{\"methodConfig\": [{\"name\": [{}], \"retryPolicy\": " body "}]}"
#define GOOD_RETRY_REST                                                              \
  "\"initialBackoff\": \"1s\", \"maxBackoff\": \"2s\", \"backoffMultiplier\": 1.5, " \
  "\"retryableStatusCodes\": [\"UNAVAILABLE\"]"

static void test_invalid_configs(void) {
  refused("", "service config: invalid JSON at byte 0");
  refused("[]", "service config: (top level): must be a JSON object, not an array");
  refused("{\"methodConfig\": {}}", "service config: methodConfig: must be an array");
  refused(RETRY("{\"maxAttempts\": 1, " GOOD_RETRY_REST "}"),
          "service config: methodConfig[0].retryPolicy.maxAttempts: must be at least 2, not 1");
  refused(RETRY("{\"maxAttempts\": 2.5, " GOOD_RETRY_REST "}"),
          "methodConfig[0].retryPolicy.maxAttempts: must be a whole number, not a fraction");
  refused(RETRY("{\"maxAttempts\": 2, \"initialBackoff\": \"0s\", \"maxBackoff\": \"2s\", "
                "\"backoffMultiplier\": 1.5, \"retryableStatusCodes\": [\"UNAVAILABLE\"]}"),
          "methodConfig[0].retryPolicy.initialBackoff: must be greater than zero");
  refused(RETRY("{\"maxAttempts\": 2, \"initialBackoff\": \"1s\", \"maxBackoff\": \"-1s\", "
                "\"backoffMultiplier\": 1.5, \"retryableStatusCodes\": [\"UNAVAILABLE\"]}"),
          "methodConfig[0].retryPolicy.maxBackoff: must be greater than zero");
  refused(RETRY("{\"maxAttempts\": 2, \"initialBackoff\": \"1s\", \"maxBackoff\": \"2s\", "
                "\"backoffMultiplier\": 0, \"retryableStatusCodes\": [\"UNAVAILABLE\"]}"),
          "methodConfig[0].retryPolicy.backoffMultiplier: must be a number greater than zero");
  refused(RETRY("{\"maxAttempts\": 2, \"initialBackoff\": \"1s\", \"maxBackoff\": \"2s\", "
                "\"backoffMultiplier\": 2, \"retryableStatusCodes\": []}"),
          "methodConfig[0].retryPolicy.retryableStatusCodes: must name at least one status code");
  refused(RETRY("{\"maxAttempts\": 2, \"initialBackoff\": \"1s\", \"maxBackoff\": \"2s\", "
                "\"backoffMultiplier\": 2, \"retryableStatusCodes\": [\"UNAVAILABLE\", \"NOPE\"]}"),
          "retryableStatusCodes[1]: \"NOPE\" is not a status code name");
  refused(RETRY("{\"maxAttempts\": 2, \"initialBackoff\": \"1s\", \"maxBackoff\": \"2s\", "
                "\"backoffMultiplier\": 2, \"retryableStatusCodes\": [17]}"),
          "retryableStatusCodes[0]: must be a status code name or a number from 0 to 16");
  refused(RETRY("{\"maxAttempts\": 2, \"initialBackoff\": \"1s\", \"maxBackoff\": \"2s\", "
                "\"backoffMultiplier\": 2, \"retryableStatusCodes\": [\"OK\"]}"),
          "retryableStatusCodes[0]: OK is not a failure");
  refused(RETRY("{\"maxAttempts\": 3}"), "methodConfig[0].retryPolicy: initialBackoff is required");
  refused(RETRY("{\"maxAttempts\": 3, \"initialBackoff\": \"1\", \"maxBackoff\": \"2s\", "
                "\"backoffMultiplier\": 2, \"retryableStatusCodes\": [14]}"),
          "retryPolicy.initialBackoff: \"1\" is not a duration");
  refused(
      "{\"methodConfig\": [{\"name\": [{}], \"retryPolicy\": {\"maxAttempts\": 2, " GOOD_RETRY_REST
      "}, \"hedgingPolicy\": {\"maxAttempts\": 2}}]}",
      "methodConfig[0]: retryPolicy and hedgingPolicy cannot both be set");
  refused("{\"methodConfig\": [{\"hedgingPolicy\": {\"maxAttempts\": 1}}]}",
          "methodConfig[0].hedgingPolicy.maxAttempts: must be at least 2");
  refused(
      "{\"methodConfig\": [{\"hedgingPolicy\": {\"maxAttempts\": 2, \"hedgingDelay\": \"-1s\"}}]}",
      "methodConfig[0].hedgingPolicy.hedgingDelay: must not be negative");
  refused("{\"methodConfig\": [{\"timeout\": \"0s\"}]}",
          "methodConfig[0].timeout: must be greater than zero");
  refused("{\"methodConfig\": [{\"waitForReady\": \"yes\"}]}",
          "methodConfig[0].waitForReady: must be true or false, not a string");
  refused("{\"methodConfig\": [{\"maxRequestMessageBytes\": -1}]}",
          "methodConfig[0].maxRequestMessageBytes: must be a whole number of at least 0");
  refused("{\"methodConfig\": [{\"name\": [{\"method\": \"Get\"}]}]}",
          "methodConfig[0].name[0]: a method (\"Get\") needs its service");
  refused(
      "{\"methodConfig\": [{\"name\": [{\"service\": \"a.B\"}]}, {\"name\": [{\"service\": \"x\"}, "
      "{\"service\": \"a.B\"}]}]}",
      "methodConfig[1].name[1]: \"a.B/\" is named twice (also in methodConfig[0])");
  refused("{\"methodConfig\": [{\"name\": [{}, {\"service\": \"\"}]}]}",
          "methodConfig[0].name[1]: the default (empty name) is given twice");
  refused("{\"retryThrottling\": {\"maxTokens\": 0, \"tokenRatio\": 1}}",
          "retryThrottling.maxTokens: must be a whole number from 1 to 1000");
  refused("{\"retryThrottling\": {\"maxTokens\": 1001, \"tokenRatio\": 1}}",
          "retryThrottling.maxTokens: must be a whole number from 1 to 1000");
  refused("{\"retryThrottling\": {\"maxTokens\": 10, \"tokenRatio\": 0}}",
          "retryThrottling.tokenRatio: must be a number greater than zero");
  refused("{\"retryThrottling\": {\"maxTokens\": 10}}", "retryThrottling: tokenRatio is required");
  refused("{\"loadBalancingConfig\": [{\"round_robin\": {}, \"pick_first\": {}}]}",
          "loadBalancingConfig[0]: must hold exactly one policy, not 2");
  refused("{\"loadBalancingConfig\": [{\"round_robin\": 1}]}",
          "loadBalancingConfig[0].round_robin: must be an object");
  refused("{\"healthCheckConfig\": {\"serviceName\": 5}}",
          "healthCheckConfig.serviceName: must be a string, not a number");
}

/* Every prefix of a valid config is refused or parsed, never more. */
static void test_truncations(void) {
  size_t len = strlen(kFull);
  for (size_t i = 0; i < len; i++) {
    cgrpc_service_config_t *sc = NULL;
    cgrpc_status_code_t rc = cgrpc_service_config_parse(kFull, i, &sc, NULL);
    CHECK_EQ_INT(rc, CGRPC_STATUS_INVALID_ARGUMENT);
    CHECK(sc == NULL);
  }
}

static void test_channel_option(void) {
  cgrpc_channel_options_t o = CGRPC_CHANNEL_OPTIONS_INIT;
  o.service_config_json = RETRY("{\"maxAttempts\": 1, " GOOD_RETRY_REST "}");
  cgrpc_channel_t *ch = NULL;
  cgrpc_error_t err = {{0}};
  CHECK_EQ_INT(cgrpc_channel_new("127.0.0.1:1", &o, &ch, &err), CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK(contains(err.message, "methodConfig[0].retryPolicy.maxAttempts: must be at least 2"));
  CHECK(ch != NULL);
  cgrpc_channel_free(ch);

  char json[] = "{\"methodConfig\": [{\"name\": [{}], \"timeout\": \"3s\"}]}";
  o.service_config_json = json;
  CHECK_EQ_INT(cgrpc_channel_new("127.0.0.1:1", &o, &ch, &err), CGRPC_STATUS_OK);
  memset(json, 'x', sizeof json - 1); /* copied at creation */
  CHECK(ch->config && ch->config == ch->default_config);
  CHECK_EQ_INT(ch->config->methods[0].timeout_ns, 3000000000);
  cgrpc_channel_free(ch);
}

/* gRPC's fallback rules (channel_config.c). Run here on the test's thread:
 * the channel has no calls and its loop sleeps. */
static void test_resolver_fallback(void) {
  static const char kGood[] = "{\"methodConfig\": [{\"name\": [{}], \"timeout\": \"1s\"}]}";
  static const char kOther[] = "{\"methodConfig\": [{\"name\": [{}], \"timeout\": \"2s\"}]}";
  static const char kBad[] = "{\"methodConfig\": 5}";
  cgrpc_error_t err = {{0}};
  cgrpc_channel_t *ch = NULL;
  CHECK_EQ_INT(cgrpc_channel_new("127.0.0.1:1", NULL, &ch, NULL), CGRPC_STATUS_OK);
  /* No config ever, and an invalid one: nothing to fall back on. */
  CHECK_EQ_INT(cgrpc_channel_set_resolver_config(ch, kBad, strlen(kBad), &err),
               CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK(contains(err.message, "methodConfig: must be an array"));
  CHECK(ch->config == NULL);
  CHECK_EQ_INT(cgrpc_channel_set_resolver_config(ch, kGood, strlen(kGood), &err), CGRPC_STATUS_OK);
  CHECK_EQ_INT(ch->config->methods[0].timeout_ns, 1000000000);
  /* The last good one stays. */
  CHECK_EQ_INT(cgrpc_channel_set_resolver_config(ch, kBad, strlen(kBad), &err), CGRPC_STATUS_OK);
  CHECK_EQ_INT(ch->config->methods[0].timeout_ns, 1000000000);
  /* None from the resolver: the default (none here). */
  CHECK_EQ_INT(cgrpc_channel_set_resolver_config(ch, NULL, 0, &err), CGRPC_STATUS_OK);
  CHECK(ch->config == NULL);
  cgrpc_channel_free(ch);

  cgrpc_channel_options_t o = CGRPC_CHANNEL_OPTIONS_INIT;
  o.service_config_json = kOther;
  CHECK_EQ_INT(cgrpc_channel_new("127.0.0.1:1", &o, &ch, NULL), CGRPC_STATUS_OK);
  /* Invalid first: the default is used. */
  CHECK_EQ_INT(cgrpc_channel_set_resolver_config(ch, kBad, strlen(kBad), &err), CGRPC_STATUS_OK);
  CHECK_EQ_INT(ch->config->methods[0].timeout_ns, 2000000000);
  CHECK_EQ_INT(cgrpc_channel_set_resolver_config(ch, kGood, strlen(kGood), &err), CGRPC_STATUS_OK);
  CHECK_EQ_INT(ch->config->methods[0].timeout_ns, 1000000000);
  CHECK_EQ_INT(cgrpc_channel_set_resolver_config(ch, NULL, 0, &err), CGRPC_STATUS_OK);
  CHECK_EQ_INT(ch->config->methods[0].timeout_ns, 2000000000);
  cgrpc_channel_free(ch);
}

int main(void) {
  TEST_RUN(test_every_field);
  TEST_RUN(test_lookup);
  TEST_RUN(test_durations);
  TEST_RUN(test_invalid_configs);
  TEST_RUN(test_truncations);
  TEST_RUN(test_channel_option);
  TEST_RUN(test_resolver_fallback);
  return TEST_DONE();
}

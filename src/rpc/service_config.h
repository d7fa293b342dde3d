/* rpc/service_config.h — a channel's service config, parsed.
 *
 * The JSON of gRPC's service_config.proto (doc/service_config.md; gRFC A6
 * for retries and hedging): per-method settings in methodConfig, retry
 * throttling, the load-balancing policy list and the health-check service
 * name. Parsing checks every rule gRPC checks and names the JSON path of
 * what is wrong ("methodConfig[0].retryPolicy.maxAttempts: ..."); unknown
 * fields are ignored, as gRPC does.
 *
 * A parsed config is immutable and reference-counted: the channel holds the
 * one in force, each call the one it started with, so a config replaced by
 * the resolver lives on until the last call using it ends. Refs may be
 * taken and dropped from any thread.
 */
#ifndef CGRPC_SRC_RPC_SERVICE_CONFIG_H
#define CGRPC_SRC_RPC_SERVICE_CONFIG_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgrpc/arena.h"
#include "cgrpc/error.h"
#include "cgrpc/status.h"

/* gRFC A6: attempts beyond this are not made, whatever the config says. */
#define CGRPC_SC_MAX_ATTEMPTS 5

/* A set of status codes: bit (1u << code). */
typedef uint32_t cgrpc_sc_codes_t;
#define CGRPC_SC_CODE(code) ((cgrpc_sc_codes_t)1u << (unsigned)(code))

typedef struct cgrpc_sc_retry_policy {
  int max_attempts; /* 2..CGRPC_SC_MAX_ATTEMPTS (larger values capped) */
  int64_t initial_backoff_ns;
  int64_t max_backoff_ns;
  double backoff_multiplier;
  cgrpc_sc_codes_t retryable_codes; /* never empty */
} cgrpc_sc_retry_policy_t;

typedef struct cgrpc_sc_hedging_policy {
  int max_attempts;                 /* 2..CGRPC_SC_MAX_ATTEMPTS (larger values capped) */
  int64_t hedging_delay_ns;         /* 0: every attempt at once */
  cgrpc_sc_codes_t non_fatal_codes; /* may be empty: any failure ends the call */
} cgrpc_sc_hedging_policy_t;

/* One "name" entry: service "" (with method "") is the default for every
 * method; method "" is every method of the service. */
typedef struct cgrpc_sc_name {
  const char *service;
  const char *method;
} cgrpc_sc_name_t;

typedef struct cgrpc_sc_method_config {
  const cgrpc_sc_name_t *names;
  size_t name_count;
  bool has_timeout;
  int64_t timeout_ns; /* > 0 */
  bool has_wait_for_ready;
  bool wait_for_ready;
  bool has_max_request_bytes;
  uint32_t max_request_bytes; /* capped at UINT32_MAX - 1 */
  bool has_max_response_bytes;
  uint32_t max_response_bytes;
  const cgrpc_sc_retry_policy_t *retry;     /* NULL: none */
  const cgrpc_sc_hedging_policy_t *hedging; /* NULL: none; never both */
} cgrpc_sc_method_config_t;

/* One entry of loadBalancingConfig, in the order given: the policy's name
 * and its config object as the JSON text it was written in (the LB policy
 * parses its own config). */
typedef struct cgrpc_sc_lb_config {
  const char *policy;
  const char *config_json; /* NUL-terminated copy */
  size_t config_len;
} cgrpc_sc_lb_config_t;

typedef struct cgrpc_service_config {
  atomic_int refs;
  cgrpc_arena_t arena; /* everything below lives here */
  const char *json;    /* the text parsed (NUL-terminated copy) */
  size_t json_len;
  const cgrpc_sc_method_config_t *methods;
  size_t method_count;
  /* retryThrottling: tokens counted in thousandths (tokenRatio has three
   * decimal places); max_milli_tokens 0: no throttling. */
  uint32_t max_milli_tokens;
  uint32_t token_ratio_milli;
  const cgrpc_sc_lb_config_t *lb_configs;
  size_t lb_config_count;
  const char *lb_policy;            /* the deprecated loadBalancingPolicy; NULL: absent */
  const char *health_check_service; /* healthCheckConfig.serviceName; NULL: absent */
} cgrpc_service_config_t;

/* Parses `len` bytes of service config JSON. OK with a config holding one
 * reference in *out; INVALID_ARGUMENT with "service config: PATH: what is
 * wrong" in err; RESOURCE_EXHAUSTED without memory. */
cgrpc_status_code_t cgrpc_service_config_parse(const char *json, size_t len,
                                               cgrpc_service_config_t **out, cgrpc_error_t *err);

cgrpc_service_config_t *cgrpc_service_config_ref(cgrpc_service_config_t *sc);
/* Drops a reference; the last frees the config. NULL is a no-op. */
void cgrpc_service_config_unref(cgrpc_service_config_t *sc);

/* The method config for a call path "/package.Service/Method": the entry
 * naming the service and method, else the service, else the default; NULL
 * when none applies (or sc is NULL). No allocation. */
const cgrpc_sc_method_config_t *cgrpc_service_config_lookup(const cgrpc_service_config_t *sc,
                                                            const char *path);

/* Parses a google.protobuf.Duration in JSON form ("1.5s", at most nine
 * fractional digits) into *ns. False when malformed or out of range. */
bool cgrpc_sc_parse_duration(const char *s, size_t len, int64_t *ns);

#endif /* CGRPC_SRC_RPC_SERVICE_CONFIG_H */

/* Fuzz target: service config JSON (rpc/service_config.h), as the option
 * service_config_json and a resolver hand it to a channel.
 *
 * Parsing succeeds or fails INVALID_ARGUMENT / RESOURCE_EXHAUSTED with a
 * message starting "service config: "; a parsed config keeps every rule the
 * parser promises (attempts 2..5, positive backoffs, non-empty retryable
 * codes, never both policies, LB configs NUL-terminated objects), and a
 * lookup of any path finds an entry of the config or none. */
#include <stdlib.h>
#include <string.h>

#include "rpc/service_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok) {
  if (!ok) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  cgrpc_service_config_t *sc = NULL;
  cgrpc_error_t err = {{0}};
  cgrpc_status_code_t rc = cgrpc_service_config_parse((const char *)data, size, &sc, &err);
  if (rc != CGRPC_STATUS_OK) {
    check(sc == NULL);
    check(rc == CGRPC_STATUS_INVALID_ARGUMENT || rc == CGRPC_STATUS_RESOURCE_EXHAUSTED);
    check(strncmp(err.message, "service config: ", 16) == 0);
    return 0;
  }
  for (size_t i = 0; i < sc->method_count; i++) {
    const cgrpc_sc_method_config_t *mc = &sc->methods[i];
    check(!(mc->retry && mc->hedging));
    if (mc->retry) {
      check(mc->retry->max_attempts >= 2 && mc->retry->max_attempts <= CGRPC_SC_MAX_ATTEMPTS);
      check(mc->retry->initial_backoff_ns > 0 && mc->retry->max_backoff_ns > 0);
      check(mc->retry->backoff_multiplier > 0);
      check(mc->retry->retryable_codes != 0 && !(mc->retry->retryable_codes & 1u));
    }
    if (mc->hedging) {
      check(mc->hedging->max_attempts >= 2 && mc->hedging->max_attempts <= CGRPC_SC_MAX_ATTEMPTS);
      check(mc->hedging->hedging_delay_ns >= 0);
    }
    if (mc->has_timeout) check(mc->timeout_ns > 0);
    for (size_t j = 0; j < mc->name_count; j++) {
      check(mc->names[j].service[0] != '\0' || mc->names[j].method[0] == '\0');
    }
  }
  for (size_t i = 0; i < sc->lb_config_count; i++) {
    check(sc->lb_configs[i].config_json[0] == '{');
    check(strlen(sc->lb_configs[i].config_json) <= sc->lb_configs[i].config_len);
  }
  /* Lookups with the input's own first names, and an unrelated path. */
  const char *paths[] = {"/a.B/C", "/", "", "/x/", "/shop.Cart/Get"};
  for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
    const cgrpc_sc_method_config_t *mc = cgrpc_service_config_lookup(sc, paths[i]);
    check(!mc || (mc >= sc->methods && mc < sc->methods + sc->method_count));
  }
  cgrpc_service_config_unref(sc);
  return 0;
}

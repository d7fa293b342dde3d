/* rpc/channel_config.c — which service config a channel uses.
 *
 * Two sources: the option service_config_json (the channel's default) and
 * the resolver. gRPC's fallback rules (doc/service_config.md, gRFC A21):
 *   - the resolver gave a valid config: it is used;
 *   - the resolver gave none: the default is used (or none at all);
 *   - the resolver gave an invalid one: the last good config from the
 *     resolver stays in force; when there never was one, the default is
 *     used if there is one, else the update fails and the resolver's owner
 *     puts the channel into TRANSIENT_FAILURE.
 * Calls keep the config they started with (a reference).
 */
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "rpc/channel_internal.h"

static void use(cgrpc_channel_t *ch, cgrpc_service_config_t *sc) {
  cgrpc_service_config_t *old = ch->config;
  ch->config = cgrpc_service_config_ref(sc);
  memset(ch->mc_cache, 0, sizeof ch->mc_cache);
  cgrpc_service_config_unref(old);
  cgrpc_channel_throttle_setup(ch);
}

cgrpc_status_code_t cgrpc_channel_set_resolver_config(cgrpc_channel_t *ch, const char *json,
                                                      size_t len, cgrpc_error_t *err) {
  if (!json) {
    use(ch, ch->default_config);
    ch->resolver_config_ok = false;
    return CGRPC_STATUS_OK;
  }
  cgrpc_service_config_t *sc = NULL;
  cgrpc_status_code_t code = cgrpc_service_config_parse(json, len, &sc, err);
  if (code == CGRPC_STATUS_OK) {
    use(ch, sc);
    cgrpc_service_config_unref(sc);
    ch->resolver_config_ok = true;
    return CGRPC_STATUS_OK;
  }
  const char *why = err ? err->message : "invalid";
  if (ch->resolver_config_ok) {
    cgrpc_log(CGRPC_LOG_WARNING,
              "%s: the resolver's new service config is ignored (%s); the last "
              "good one stays in force",
              ch->authority, why);
    return CGRPC_STATUS_OK;
  }
  if (ch->default_config) {
    cgrpc_log(CGRPC_LOG_WARNING,
              "%s: the resolver's service config is ignored (%s); the channel's "
              "service_config_json is used",
              ch->authority, why);
    use(ch, ch->default_config);
    return CGRPC_STATUS_OK;
  }
  return code;
}

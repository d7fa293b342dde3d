/* rpc/interceptor_register.c — installing interceptors and call
 * credentials on servers and channels (cgrpc/interceptor.h). Both are
 * fixed before calls run, so calls read them without locks. */
#include <stdio.h>

#include "rpc/channel_internal.h"
#include "rpc/server_internal.h"

cgrpc_status_code_t cgrpc_server_add_interceptor(cgrpc_server_t *srv,
                                                 const cgrpc_interceptor_t *interceptor,
                                                 void *user_data, cgrpc_error_t *err) {
  if (srv->started) {
    if (err) {
      snprintf(err->message, sizeof err->message,
               "cannot add an interceptor: the server is started; add interceptors before "
               "cgrpc_server_start()");
    }
    return CGRPC_STATUS_FAILED_PRECONDITION;
  }
  return cgrpc_icept_chain_add(&srv->icept, interceptor, user_data, err);
}

/* Channels take interceptors and credentials until their first call. */
static cgrpc_status_code_t channel_unused(cgrpc_channel_t *ch, const char *what,
                                          cgrpc_error_t *err) {
  if (!atomic_load(&ch->calls_begun)) return CGRPC_STATUS_OK;
  if (err) {
    snprintf(err->message, sizeof err->message,
             "cannot set %s: the channel has made calls already; set it before the first call",
             what);
  }
  return CGRPC_STATUS_FAILED_PRECONDITION;
}

cgrpc_status_code_t cgrpc_channel_add_interceptor(cgrpc_channel_t *ch,
                                                  const cgrpc_interceptor_t *interceptor,
                                                  void *user_data, cgrpc_error_t *err) {
  cgrpc_status_code_t code = channel_unused(ch, "an interceptor", err);
  if (code != CGRPC_STATUS_OK) return code;
  return cgrpc_icept_chain_add(&ch->icept, interceptor, user_data, err);
}

cgrpc_status_code_t cgrpc_channel_set_call_credentials(cgrpc_channel_t *ch,
                                                       const cgrpc_call_credentials_t *creds,
                                                       cgrpc_error_t *err) {
  cgrpc_status_code_t code = channel_unused(ch, "call credentials", err);
  if (code != CGRPC_STATUS_OK) return code;
  if (creds && !creds->fn) {
    if (err) snprintf(err->message, sizeof err->message, "call credentials need a callback (fn)");
    return CGRPC_STATUS_INVALID_ARGUMENT;
  }
  ch->has_call_creds = creds != NULL;
  if (creds) ch->call_creds = *creds;
  if (err) err->message[0] = '\0';
  return CGRPC_STATUS_OK;
}

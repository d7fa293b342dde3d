/* rpc/call_credentials.c — per-call credentials (cgrpc/interceptor.h): run
 * the callback for each call, on TLS channels only unless the credentials
 * allow plaintext, and the static bearer-token helper. */
#include <stdio.h>
#include <string.h>

#include "rpc/channel_internal.h"

cgrpc_status_code_t cgrpc_call_credentials_apply(const cgrpc_call_credentials_t *creds,
                                                 const cgrpc_channel_t *ch,
                                                 const cgrpc_pb_method_t *method,
                                                 cgrpc_metadata_t *md, cgrpc_arena_t *arena,
                                                 cgrpc_error_t *err) {
  if (!creds->allow_insecure && !cgrpc_channel_uses_tls(ch)) {
    snprintf(err->message, sizeof err->message,
             "call credentials need a TLS channel; this channel to %.64s is plaintext (set "
             "allow_insecure in the credentials to send them anyway, e.g. in tests)",
             ch->authority);
    return CGRPC_STATUS_UNAUTHENTICATED;
  }
  if (!creds->fn) {
    snprintf(err->message, sizeof err->message, "call credentials without a callback");
    return CGRPC_STATUS_UNAVAILABLE;
  }
  err->message[0] = '\0';
  cgrpc_status_code_t code = creds->fn(creds->user_data, method, ch->authority, md, arena, err);
  if (code == CGRPC_STATUS_OK) return CGRPC_STATUS_OK;
  if (err->message[0] == '\0') {
    snprintf(err->message, sizeof err->message, "call credentials failed with %s",
             cgrpc_status_code_name(code));
  }
  return CGRPC_STATUS_UNAVAILABLE;
}

static cgrpc_status_code_t add_bearer(void *user_data, const cgrpc_pb_method_t *method,
                                      const char *authority, cgrpc_metadata_t *md,
                                      cgrpc_arena_t *arena, cgrpc_error_t *err) {
  (void)method;
  (void)authority;
  const char *token = user_data ? user_data : "";
  size_t len = strlen(token);
  char *value = cgrpc_arena_alloc(arena, len + sizeof "Bearer ");
  if (!value) {
    snprintf(err->message, sizeof err->message, "out of memory for the bearer token");
    return CGRPC_STATUS_RESOURCE_EXHAUSTED;
  }
  memcpy(value, "Bearer ", 7);
  memcpy(value + 7, token, len + 1);
  if (!cgrpc_metadata_add(md, arena, "authorization", value, len + 7)) {
    /* The token is not echoed: it is a secret. */
    snprintf(err->message, sizeof err->message,
             "the bearer token cannot be sent: it holds bytes outside printable ASCII (or memory "
             "ran out)");
    return CGRPC_STATUS_INVALID_ARGUMENT;
  }
  return CGRPC_STATUS_OK;
}

cgrpc_call_credentials_t cgrpc_call_credentials_bearer(const char *token) {
  return (cgrpc_call_credentials_t){.fn = add_bearer, .user_data = (void *)token};
}

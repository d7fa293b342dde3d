/* rpc/interceptor_chain.c — walking an interceptor chain for one call event.
 * See rpc/interceptor_internal.h for the order and cgrpc/interceptor.h for
 * the contract. */
#include <stdio.h>
#include <string.h>

#include "base/time.h"
#include "rpc/interceptor_internal.h"

cgrpc_status_code_t cgrpc_icept_chain_add(cgrpc_icept_chain_t *chain,
                                          const cgrpc_interceptor_t *hooks, void *user_data,
                                          cgrpc_error_t *err) {
  if (!hooks) {
    if (err) snprintf(err->message, sizeof err->message, "the interceptor is NULL");
    return CGRPC_STATUS_INVALID_ARGUMENT;
  }
  if (chain->count == CGRPC_MAX_INTERCEPTORS) {
    if (err) {
      snprintf(err->message, sizeof err->message,
               "cannot add interceptor \"%s\": %d are already installed, the most there can be",
               hooks->name ? hooks->name : "", CGRPC_MAX_INTERCEPTORS);
    }
    return CGRPC_STATUS_RESOURCE_EXHAUSTED;
  }
  chain->entries[chain->count++] = (cgrpc_icept_entry_t){hooks, user_data};
  if (err) err->message[0] = '\0';
  return CGRPC_STATUS_OK;
}

/* A hook ended the call: make sure the status has a message. */
static cgrpc_status_code_t stopped(cgrpc_status_code_t code, const cgrpc_interceptor_t *hooks,
                                   cgrpc_error_t *err) {
  if (err->message[0] == '\0') {
    snprintf(err->message, sizeof err->message, "%s (ended by interceptor \"%s\")",
             cgrpc_status_code_name(code), hooks->name ? hooks->name : "");
  }
  return code;
}

/* Index of the i-th interceptor to run for an event that walks forward
 * (or backward) over n. */
static uint32_t nth(uint32_t i, uint32_t n, bool forward) { return forward ? i : n - 1 - i; }

cgrpc_status_code_t cgrpc_icept_start(cgrpc_interceptor_call_t *ic, cgrpc_metadata_t *md,
                                      cgrpc_arena_t *arena, cgrpc_error_t *err) {
  ic->start_ns = cgrpc_now_ns();
  const cgrpc_icept_chain_t *chain = ic->chain;
  for (uint32_t i = 0; i < chain->count; i++) {
    const cgrpc_icept_entry_t *e = &chain->entries[i];
    ic->started = i + 1;
    if (!e->hooks->on_start) continue;
    err->message[0] = '\0';
    cgrpc_status_code_t code = e->hooks->on_start(ic, md, arena, e->user_data, err);
    if (code != CGRPC_STATUS_OK) return stopped(code, e->hooks, err);
  }
  return CGRPC_STATUS_OK;
}

cgrpc_status_code_t cgrpc_icept_receive(cgrpc_interceptor_call_t *ic, void *msg,
                                        cgrpc_arena_t *arena, cgrpc_error_t *err) {
  const cgrpc_icept_chain_t *chain = ic->chain;
  uint32_t n = ic->started;
  for (uint32_t i = 0; i < n; i++) {
    const cgrpc_icept_entry_t *e = &chain->entries[nth(i, n, !ic->client)];
    if (!e->hooks->on_receive) continue;
    err->message[0] = '\0';
    cgrpc_status_code_t code = e->hooks->on_receive(ic, msg, arena, e->user_data, err);
    if (code != CGRPC_STATUS_OK) return stopped(code, e->hooks, err);
  }
  return CGRPC_STATUS_OK;
}

cgrpc_status_code_t cgrpc_icept_send(cgrpc_interceptor_call_t *ic, const void **msg,
                                     cgrpc_arena_t *arena, cgrpc_error_t *err) {
  const cgrpc_icept_chain_t *chain = ic->chain;
  uint32_t n = ic->started;
  for (uint32_t i = 0; i < n; i++) {
    const cgrpc_icept_entry_t *e = &chain->entries[nth(i, n, ic->client)];
    if (!e->hooks->on_send) continue;
    err->message[0] = '\0';
    cgrpc_status_code_t code = e->hooks->on_send(ic, msg, arena, e->user_data, err);
    if (code != CGRPC_STATUS_OK) return stopped(code, e->hooks, err);
  }
  return CGRPC_STATUS_OK;
}

void cgrpc_icept_end(cgrpc_interceptor_call_t *ic, cgrpc_call_summary_t *summary) {
  if (ic->ended || ic->started == 0) return;
  ic->ended = true;
  static const cgrpc_metadata_t kNone = CGRPC_METADATA_INIT;
  if (!summary->trailing_metadata) summary->trailing_metadata = &kNone;
  if (!summary->message.data) summary->message = (cgrpc_str_t){"", 0};
  summary->start_ns = ic->start_ns;
  summary->end_ns = cgrpc_now_ns();
  uint32_t n = ic->started;
  for (uint32_t i = 0; i < n; i++) {
    const cgrpc_icept_entry_t *e = &ic->chain->entries[n - 1 - i];
    if (e->hooks->on_end) e->hooks->on_end(ic, summary, e->user_data);
  }
}

bool cgrpc_interceptor_call_is_client(const cgrpc_interceptor_call_t *call) { return call->client; }

const cgrpc_pb_method_t *cgrpc_interceptor_call_method(const cgrpc_interceptor_call_t *call) {
  return call->method;
}

const char *cgrpc_interceptor_call_peer(const cgrpc_interceptor_call_t *call) {
  return call->peer ? call->peer : "";
}

cgrpc_server_call_t *cgrpc_interceptor_call_server_call(cgrpc_interceptor_call_t *call) {
  return call->server_call;
}

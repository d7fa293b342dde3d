/* rpc/interceptor_internal.h — running interceptor chains (cgrpc/interceptor.h)
 * for server and client calls.
 *
 * A server or channel keeps its chain in a fixed array (no allocation, read
 * without locks once calls run). Each call embeds a cgrpc_interceptor_call_t
 * whose `chain` is NULL when nothing is installed: that NULL test is all a
 * call pays then. The hooks' order is the one cgrpc/interceptor.h promises:
 * "inbound" events (a server's start and received messages, a client's
 * start and sent messages) walk the chain forward, the others backward.
 */
#ifndef CGRPC_SRC_RPC_INTERCEPTOR_INTERNAL_H
#define CGRPC_SRC_RPC_INTERCEPTOR_INTERNAL_H

#include "cgrpc/interceptor.h"

typedef struct cgrpc_icept_entry {
  const cgrpc_interceptor_t *hooks;
  void *user_data;
} cgrpc_icept_entry_t;

typedef struct cgrpc_icept_chain {
  cgrpc_icept_entry_t entries[CGRPC_MAX_INTERCEPTORS];
  uint32_t count;
} cgrpc_icept_chain_t;

struct cgrpc_interceptor_call {
  const cgrpc_icept_chain_t *chain; /* NULL: no interceptor, nothing else is used */
  bool client;
  const cgrpc_pb_method_t *method;
  const char *peer;
  cgrpc_server_call_t *server_call;
  int64_t start_ns;
  uint32_t started; /* interceptors whose on_start ran */
  bool ended;
};

/* Appends to a chain (registration). */
cgrpc_status_code_t cgrpc_icept_chain_add(cgrpc_icept_chain_t *chain,
                                          const cgrpc_interceptor_t *hooks, void *user_data,
                                          cgrpc_error_t *err);

/* The hooks, run over the chain in its order for the side. A code other
 * than OK stops the walk; `err` then holds a message (never empty). */
cgrpc_status_code_t cgrpc_icept_start(cgrpc_interceptor_call_t *ic, cgrpc_metadata_t *md,
                                      cgrpc_arena_t *arena, cgrpc_error_t *err);
cgrpc_status_code_t cgrpc_icept_receive(cgrpc_interceptor_call_t *ic, void *msg,
                                        cgrpc_arena_t *arena, cgrpc_error_t *err);
cgrpc_status_code_t cgrpc_icept_send(cgrpc_interceptor_call_t *ic, const void **msg,
                                     cgrpc_arena_t *arena, cgrpc_error_t *err);
/* Runs on_end once, for the interceptors that started. The caller fills
 * `summary`'s status, trailers (may be NULL) and counts; the times are set
 * here. */
void cgrpc_icept_end(cgrpc_interceptor_call_t *ic, cgrpc_call_summary_t *summary);

#endif /* CGRPC_SRC_RPC_INTERCEPTOR_INTERNAL_H */

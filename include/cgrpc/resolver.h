/* cgrpc/resolver.h — plugging a name registry (etcd, Consul, a file, a
 * static table) into channels.
 *
 * Built in are "dns:" (c-ares, A and AAAA records, "dns://server:port/name"
 * to ask a given DNS server), "ipv4:" and "ipv6:" address lists, "unix:" and
 * "unix-abstract:". Any other scheme can be registered: a channel whose
 * target starts with "SCHEME:" then gets its addresses from the registered
 * resolver, which pushes lists to the channel whenever its registry changes,
 * from any thread, for as long as the channel lives. Each list replaces the
 * one before it: the load-balancing policy keeps the connections to
 * addresses still listed, opens connections to new ones and drains those to
 * addresses gone. docs/load-balancing.md has a complete example.
 *
 * Threads: register before creating channels that use the scheme (any
 * thread). start() and stop() run on the thread that creates and frees the
 * channel; resolve_now() runs on the channel's loop and must not block.
 */
#ifndef CGRPC_RESOLVER_H
#define CGRPC_RESOLVER_H

#include <stddef.h>

#include "cgrpc/call.h"
#include "cgrpc/error.h"
#include "cgrpc/status.h"

#pragma GCC visibility push(default) /* exported: see cgrpc/cgrpc.h */
#ifdef __cplusplus
extern "C" {
#endif

/* The channel's end of a resolver: what cgrpc_resolver_push() feeds. Valid
 * from start() until stop() returns. */
typedef struct cgrpc_resolver_sink cgrpc_resolver_sink_t;

typedef struct cgrpc_resolver_vtable {
  /* A channel was created with a target of this scheme (`target` is the
   * whole text, e.g. "registry://cluster-a/orders"; valid only during the
   * call). Store what the resolver needs in *state, and push addresses to
   * `sink` now or later. Return OK, or a code and a sentence in `err`: the
   * channel then ends every call with them (as for a bad target). */
  cgrpc_status_code_t (*start)(void *user_data, const char *target, cgrpc_resolver_sink_t *sink,
                               void **state, cgrpc_error_t *err);
  /* The channel lost a connection or could reach no backend and would like
   * fresh addresses. May be NULL. On the channel's loop: do not block, push
   * later (or from here). At most once per min_resolution_interval_ns. */
  void (*resolve_now)(void *state);
  /* The channel is being freed. No push may start after this returns (wait
   * for a pushing thread here), and `sink` is invalid from then on. */
  void (*stop)(void *state);
} cgrpc_resolver_vtable_t;

/* Makes channels resolve targets "SCHEME:..." with `vtable` (kept by
 * pointer: it must outlive every such channel; `user_data` is passed to
 * start()). `scheme` is copied: letters, digits, '+', '-', '.', starting
 * with a letter, at most 31 bytes. Returns OK, INVALID_ARGUMENT for a bad
 * scheme, a vtable without start or stop, or a built-in scheme (dns, ipv4,
 * ipv6, unix, unix-abstract), ALREADY_EXISTS when the scheme is registered,
 * RESOURCE_EXHAUSTED past 16 schemes. Any thread. */
cgrpc_status_code_t cgrpc_resolver_register(const char *scheme,
                                            const cgrpc_resolver_vtable_t *vtable, void *user_data,
                                            cgrpc_error_t *err);

/* Gives the channel a new list of `count` addresses, each an IP literal
 * with its port ("10.0.0.7:50051", "[fd00::7]:50051") or a unix socket
 * ("unix:/run/app.sock", "unix-abstract:name"), and optionally a service
 * config (JSON text; NULL: keep the channel's own; the channel applies its
 * loadBalancingConfig and healthCheckConfig). The lists are copied; the
 * update reaches the channel's loop shortly after this returns. count 0
 * means no backend: calls fail UNAVAILABLE (or wait for ready) until a
 * non-empty list arrives. Returns OK; INVALID_ARGUMENT naming the first
 * address that is not an IP literal or unix socket (nothing is applied);
 * RESOURCE_EXHAUSTED out of memory. Any thread, between start() and the
 * return of stop(). */
cgrpc_status_code_t cgrpc_resolver_push(cgrpc_resolver_sink_t *sink, const char *const *addresses,
                                        size_t count, const char *service_config_json,
                                        cgrpc_error_t *err);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif

#endif /* CGRPC_RESOLVER_H */

/* io/resolve.h — turning a parsed target into socket addresses.
 *
 * Targets whose addresses are in the text (IP literals, unix sockets) need
 * no lookup. Host names go through getaddrinfo(3), which blocks for as long
 * as DNS takes (seconds when a server is down), so:
 *   - cgrpc_resolve() is the blocking call: use it where blocking is fine
 *     (setting a server up before its loops run, a command-line tool, a
 *     worker job), never in a loop callback;
 *   - cgrpc_resolve_start() runs the same lookup as a job on a worker pool
 *     and delivers the result on a loop, for channels that resolve (and
 *     re-resolve) while their loop serves other connections.
 * getaddrinfo honours /etc/hosts and nsswitch.conf, and orders addresses
 * by RFC 6724 (usually IPv6 first when the host has IPv6 connectivity).
 */
#ifndef CGRPC_SRC_IO_RESOLVE_H
#define CGRPC_SRC_IO_RESOLVE_H

#include "io/address.h"
#include "io/loop.h"
#include "io/workers.h"

/* Fills *out (overwritten) with the target's addresses, in preference order.
 * Blocks while a host name is looked up. Returns 0, CGRPC_IO_ENOTFOUND (no
 * such host, or no address), CGRPC_IO_ERESOLVE (DNS unreachable or
 * temporarily failing: retry later), -ENOMEM, or -errno. On error *out is
 * empty. The caller frees *out with cgrpc_address_list_free(). Any thread. */
int cgrpc_resolve(const cgrpc_target_t *target, cgrpc_address_list_t *out);

/* Gets the resolved addresses, which the callback now owns (free them with
 * cgrpc_address_list_free()), or, when err < 0, an empty list. */
typedef void (*cgrpc_resolve_fn)(void *arg, int err, cgrpc_address_list_t addrs);

typedef struct cgrpc_resolve_req cgrpc_resolve_req_t;

/* Resolves `target` (copied; it need not outlive the call) on a worker of
 * `workers` and runs fn(arg, err, addrs) on `loop`'s thread, always later,
 * never inside this call. Stores a handle in *req_out for cancelling; the
 * handle is invalid once the callback has run. Loop thread. Returns 0,
 * -ENOMEM, or -ESHUTDOWN when the pool is shutting down (fn will not run).
 * The pool and loop must outlive the request: shut the pool down before
 * freeing the loop (io/workers.h); a request still in flight then completes
 * inside cgrpc_loop_free(), so cancel requests first. */
int cgrpc_resolve_start(cgrpc_workers_t *workers, cgrpc_loop_t *loop, const cgrpc_target_t *target,
                        cgrpc_resolve_fn fn, void *arg, cgrpc_resolve_req_t **req_out);

/* Cancels a request whose callback has not run: the callback never runs and
 * the request's memory is released when the lookup ends. Loop thread. */
void cgrpc_resolve_cancel(cgrpc_resolve_req_t *req);

#endif /* CGRPC_SRC_IO_RESOLVE_H */

/* cgrpc/time.h — the time vocabulary: durations, deadlines and "never".
 *
 * Every duration and deadline in cgrpc is an int64_t count of nanoseconds.
 * A deadline is a point on the monotonic clock cgrpc_clock_now() reads, so
 * it survives changes of the date. One value means "no time": no deadline,
 * a timer switched off, no limit in time. It is CGRPC_INFINITE, wherever a
 * duration or a deadline is taken or returned.
 *
 *   cgrpc_call_options_t opts = {.timeout_ns = 2 * CGRPC_NS_PER_SEC};
 *   int64_t deadline = cgrpc_deadline_after(500 * CGRPC_NS_PER_MS);
 *   server_opts.keepalive_time_ns = CGRPC_INFINITE;   (a timer off)
 */
#ifndef CGRPC_TIME_H
#define CGRPC_TIME_H

#include <stdint.h>

#pragma GCC visibility push(default) /* exported: see cgrpc/cgrpc.h */
#ifdef __cplusplus
extern "C" {
#endif

#define CGRPC_NS_PER_US INT64_C(1000)
#define CGRPC_NS_PER_MS INT64_C(1000000)
#define CGRPC_NS_PER_SEC INT64_C(1000000000)

/* No deadline; a timer that is off; no limit in time. Arithmetic on times
 * in cgrpc saturates here instead of wrapping around. */
#define CGRPC_INFINITE INT64_MAX

/* The clock deadlines are measured on: monotonic nanoseconds, unrelated to
 * the date. Any thread. */
int64_t cgrpc_clock_now(void);

/* The deadline `timeout_ns` from now: cgrpc_clock_now() + timeout_ns,
 * saturating at CGRPC_INFINITE (so CGRPC_INFINITE, or any timeout too long
 * to represent, gives CGRPC_INFINITE). A timeout of zero or less gives a
 * deadline that has already passed. Any thread. */
int64_t cgrpc_deadline_after(int64_t timeout_ns);

/* The timeout that ends at `deadline`, for a call's timeout_ns (cgrpc/call.h):
 * CGRPC_INFINITE for CGRPC_INFINITE, else deadline - cgrpc_clock_now(), or
 * -1 once the deadline has passed (never 0, which a call reads as "no
 * deadline"). Passes a server call's deadline on to the calls it makes:
 *   opts.timeout_ns = cgrpc_timeout_until(cgrpc_server_call_deadline(call));
 * Any thread. */
int64_t cgrpc_timeout_until(int64_t deadline);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif

#endif /* CGRPC_TIME_H */

/* base/time.h — clocks and nanosecond arithmetic for deadlines and timers.
 *
 * All cgrpc durations and deadlines are int64_t nanoseconds. Deadlines are
 * points on the monotonic clock, so they survive wall-clock jumps (NTP, the
 * admin changing the date); the wall clock is only for timestamps that leave
 * the process (logs, metrics). int64 nanoseconds cover 292 years, so the
 * arithmetic here saturates at CGRPC_INFINITE ("no time", cgrpc/time.h,
 * with the unit constants) instead of wrapping.
 *
 * Thread-safety: every function is safe to call from any thread.
 */
#ifndef CGRPC_SRC_BASE_TIME_H
#define CGRPC_SRC_BASE_TIME_H

#include <stdint.h>

#include "cgrpc/time.h"

/* Nanoseconds on CLOCK_MONOTONIC: never goes back, unrelated to the date.
 * Use it for deadlines, timeouts and measuring elapsed time. */
int64_t cgrpc_now_ns(void);

/* Nanoseconds since the Unix epoch on CLOCK_REALTIME. It can jump; use it
 * only for timestamps shown to people or other processes. */
int64_t cgrpc_realtime_ns(void);

/* t + d, clamped to [INT64_MIN, CGRPC_INFINITE] instead of overflowing,
 * so "now + a huge timeout" is simply "no deadline". */
int64_t cgrpc_time_add(int64_t t, int64_t d);

#endif /* CGRPC_SRC_BASE_TIME_H */

/* rpc/clock.c — the clock deadlines are measured on, for applications.
 *
 * Deadlines are points on the monotonic clock (base/time.h), so they survive
 * changes of the date; cgrpc_clock_now() lets applications compute them and
 * compare a server call's deadline with the time now.
 */
#include "base/time.h"
#include "cgrpc/time.h"

int64_t cgrpc_clock_now(void) { return cgrpc_now_ns(); }

int64_t cgrpc_deadline_after(int64_t timeout_ns) {
  return cgrpc_time_add(cgrpc_now_ns(), timeout_ns);
}

int64_t cgrpc_timeout_until(int64_t deadline) {
  if (deadline == CGRPC_INFINITE) return CGRPC_INFINITE;
  int64_t left = cgrpc_time_add(deadline, -cgrpc_now_ns());
  return left > 0 ? left : -1;
}

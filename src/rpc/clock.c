/* rpc/clock.c — the clock deadlines are measured on, for applications.
 *
 * Deadlines are points on the monotonic clock (base/time.h), so they survive
 * changes of the date; cgrpc_clock_now() lets applications compute them and
 * compare a server call's deadline with the time now.
 */
#include "base/time.h"
#include "cgrpc/call.h"

int64_t cgrpc_clock_now(void) { return cgrpc_now_ns(); }

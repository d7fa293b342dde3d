/* Clock helpers: thin wrappers over clock_gettime(2); see base/time.h.
 * clock_gettime on Linux is a vDSO call (no syscall), cheap enough for the
 * event loop to read the clock once per iteration. */
#define _POSIX_C_SOURCE 200809L

#include "base/time.h"

#include <time.h>

static int64_t read_clock(clockid_t id) {
  struct timespec ts;
  /* Cannot fail for these clocks with a valid pointer. */
  clock_gettime(id, &ts);
  return (int64_t)ts.tv_sec * CGRPC_NS_PER_SEC + ts.tv_nsec;
}

int64_t cgrpc_now_ns(void) { return read_clock(CLOCK_MONOTONIC); }

int64_t cgrpc_realtime_ns(void) { return read_clock(CLOCK_REALTIME); }

int64_t cgrpc_time_add(int64_t t, int64_t d) {
  if (d > 0 && t > INT64_MAX - d) return CGRPC_INFINITE;
  if (d < 0 && t < INT64_MIN - d) return INT64_MIN;
  return t + d;
}

/* rpc/lb_backoff.c — gRPC's connection backoff (doc/connection-backoff.md):
 *
 *   current_backoff = INITIAL_BACKOFF
 *   current_deadline = now() + INITIAL_BACKOFF
 *   while (TryConnect(Max(current_deadline, now() + MIN_CONNECT_TIMEOUT)) != SUCCESS)
 *     SleepUntil(current_deadline)
 *     current_backoff = Min(current_backoff * MULTIPLIER, MAX_BACKOFF)
 *     current_deadline = now() + current_backoff +
 *       UniformRandom(-JITTER * current_backoff, JITTER * current_backoff)
 *
 * Pure arithmetic, so that the unit test checks every step without a clock;
 * subchannel.c keeps the timers.
 */
#include "rpc/lb.h"

#include "cgrpc/time.h"

void lb_backoff_init(lb_backoff_t *b, int64_t initial, int64_t max) {
  *b = (lb_backoff_t){.initial = initial, .max = max, .multiplier = 1.6, .jitter = 0.2};
}

void lb_backoff_reset(lb_backoff_t *b) { b->current = 0; }

int64_t lb_backoff_next(lb_backoff_t *b, double unit) {
  if (b->current == 0) {
    b->current = b->initial;
    return b->initial;
  }
  /* In double, so that a backoff of up to CGRPC_INFINITE cannot overflow. */
  double next = (double)b->current * b->multiplier;
  b->current = next < (double)b->max ? (int64_t)next : b->max;
  double delay = (double)b->current * (1.0 + b->jitter * (2.0 * unit - 1.0));
  return delay < (double)CGRPC_INFINITE ? (int64_t)delay : CGRPC_INFINITE;
}

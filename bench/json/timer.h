/* bench/json/timer.h — the timing loop every JSON benchmark program shares:
 * BATCHES batches of OPS calls, after a warm-up, and the median ns per call.
 * Each program prints "<impl> decode <ns>" and "<impl> encode <ns>". */
#ifndef BENCH_JSON_TIMER_H
#define BENCH_JSON_TIMER_H

#if !defined(_POSIX_C_SOURCE) && !defined(__cplusplus)
#define _POSIX_C_SOURCE 200809L /* clock_gettime in strict C11 */
#endif

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

static inline double bench_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static inline int bench_cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Median ns per call of fn() (which returns non-zero on failure). */
static inline double bench_time(int (*fn)(void), int batches, int ops) {
  for (int i = 0; i < ops; i++) {
    if (fn()) {
      fprintf(stderr, "bench json: a call failed\n");
      exit(1);
    }
  }
  double samples[64];
  if (batches > 64) batches = 64;
  for (int b = 0; b < batches; b++) {
    double t0 = bench_now_ns();
    for (int i = 0; i < ops; i++) fn();
    samples[b] = (bench_now_ns() - t0) / ops;
  }
  qsort(samples, (size_t)batches, sizeof samples[0], bench_cmp_double);
  return samples[batches / 2];
}

static inline void bench_args(int argc, char **argv, int *batches, int *ops) {
  *batches = argc > 1 ? atoi(argv[1]) : 5;
  *ops = argc > 2 ? atoi(argv[2]) : 20000;
  if (*batches < 1) *batches = 1;
  if (*ops < 1) *ops = 1;
}

#ifdef __cplusplus
}
#endif

#endif

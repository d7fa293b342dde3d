/* bench/grpc/alloc_count.h — counts the heap allocations of a call.
 *
 * cgrpc takes its heap memory through cgrpc_set_allocator()'s hooks, and
 * routes nghttp2's through them too, so wrapping the C library's allocator
 * in counters shows how many allocations a call costs. Anything else in the
 * process that allocates on its own shows in the preloadable
 * malloc_count.c's count. The benchmark server reads both between two
 * points of a steady load.
 */
#ifndef CGRPC_BENCH_GRPC_ALLOC_COUNT_H
#define CGRPC_BENCH_GRPC_ALLOC_COUNT_H

#include <stdbool.h>
#include <stdint.h>

typedef struct bench_alloc_counts {
  uint64_t allocs; /* malloc and realloc calls that returned memory */
  uint64_t frees;  /* free calls with a non-NULL pointer */
  uint64_t bytes;  /* bytes asked for by those allocations */
} bench_alloc_counts_t;

/* Routes cgrpc's heap use through the counters. Call before any other cgrpc
 * function (cgrpc_set_allocator's rule). Not thread-safe itself; the
 * counters it installs are. */
void bench_alloc_count_install(void);

/* The counts so far. Any thread. */
bench_alloc_counts_t bench_alloc_count_read(void);

/* Every allocation of the process so far (malloc, calloc and realloc from
 * any library, cgrpc's included) into *allocs, when the bench_malloc_count
 * module is preloaded (LD_PRELOAD); false when it is not. Any thread. */
bool bench_alloc_count_process(uint64_t *allocs);

#endif /* CGRPC_BENCH_GRPC_ALLOC_COUNT_H */

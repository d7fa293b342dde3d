/* bench/grpc/alloc_count.c — the C library's allocator behind relaxed atomic
 * counters for cgrpc's heap use, and the whole process's count when
 * malloc_count.c is preloaded. Relaxed is enough: the counters are read
 * between two points of a load, long after the allocations they count. See
 * alloc_count.h. */
#include "alloc_count.h"

#include <dlfcn.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "cgrpc/alloc.h"

static atomic_uint_fast64_t g_allocs, g_frees, g_bytes;

static void counted(size_t size) {
  atomic_fetch_add_explicit(&g_allocs, 1, memory_order_relaxed);
  atomic_fetch_add_explicit(&g_bytes, size, memory_order_relaxed);
}

static void *count_malloc(void *ctx, size_t size) {
  void *p = malloc(size);
  if (p) counted(size);
  return p;
}

static void *count_realloc(void *ctx, void *p, size_t size) {
  void *q = realloc(p, size);
  if (q) counted(size);
  return q;
}

static void count_free(void *ctx, void *p) {
  if (p) atomic_fetch_add_explicit(&g_frees, 1, memory_order_relaxed);
  free(p);
}

void bench_alloc_count_install(void) {
  static const cgrpc_allocator_t counting = {count_malloc, count_realloc, count_free, NULL};
  cgrpc_set_allocator(&counting);
}

bench_alloc_counts_t bench_alloc_count_read(void) {
  return (bench_alloc_counts_t){
      atomic_load_explicit(&g_allocs, memory_order_relaxed),
      atomic_load_explicit(&g_frees, memory_order_relaxed),
      atomic_load_explicit(&g_bytes, memory_order_relaxed),
  };
}

bool bench_alloc_count_process(uint64_t *allocs) {
  static uint64_t (*read_fn)(void);
  static bool looked_up;
  if (!looked_up) {
    /* The program's handle searches the preloaded modules too. */
    void *self = dlopen(NULL, RTLD_LAZY);
    if (self) *(void **)&read_fn = dlsym(self, "bench_malloc_count_read");
    looked_up = true;
  }
  if (!read_fn) return false;
  *allocs = read_fn();
  return true;
}

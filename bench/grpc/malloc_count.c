/* bench/grpc/malloc_count.c — counts every malloc, calloc and realloc of a
 * process; a module preloaded (LD_PRELOAD) into bench_server for the
 * allocation pass of the benchmark.
 *
 * cgrpc's allocator hook (alloc_count.c) sees only the memory cgrpc itself
 * takes. The libraries under it (nghttp2) call the C library directly, and
 * a call costs what the whole process allocates, so the benchmark reports
 * both. The definitions here take the place of the C library's for the
 * whole process and forward to glibc's own entry points.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

void *__libc_malloc(size_t size);
void *__libc_calloc(size_t count, size_t size);
void *__libc_realloc(void *p, size_t size);

/* Looked up by name at run time (alloc_count.c), so declared only here. */
uint64_t bench_malloc_count_read(void);

static atomic_uint_fast64_t g_calls;

static void *counted(void *p) {
  if (p) atomic_fetch_add_explicit(&g_calls, 1, memory_order_relaxed);
  return p;
}

void *malloc(size_t size) { return counted(__libc_malloc(size)); }

void *calloc(size_t count, size_t size) { return counted(__libc_calloc(count, size)); }

void *realloc(void *p, size_t size) { return counted(__libc_realloc(p, size)); }

uint64_t bench_malloc_count_read(void) {
  return atomic_load_explicit(&g_calls, memory_order_relaxed);
}

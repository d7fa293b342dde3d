/* cgrpc/alloc.h — the heap allocator every part of cgrpc uses.
 *
 * All heap memory cgrpc takes goes through cgrpc_malloc/cgrpc_realloc/
 * cgrpc_free, so an application can route it to its own allocator, and tests
 * and benchmarks can count allocations (the zero-allocations-per-call goal).
 */
#ifndef CGRPC_ALLOC_H
#define CGRPC_ALLOC_H

#include <stddef.h>

#pragma GCC visibility push(default) /* exported: see cgrpc/cgrpc.h */
#ifdef __cplusplus
extern "C" {
#endif

typedef struct cgrpc_allocator {
  void *(*malloc_fn)(void *ctx, size_t size);
  void *(*realloc_fn)(void *ctx, void *p, size_t size);
  void (*free_fn)(void *ctx, void *p);
  void *ctx;
} cgrpc_allocator_t;

/* Replaces the allocator (NULL restores the C library's). Call it before any
 * other cgrpc function; memory must be freed by the allocator that gave it. */
void cgrpc_set_allocator(const cgrpc_allocator_t *allocator);

void *cgrpc_malloc(size_t size);
void *cgrpc_realloc(void *p, size_t size);
void cgrpc_free(void *p);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif

#endif /* CGRPC_ALLOC_H */

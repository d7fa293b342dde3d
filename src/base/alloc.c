/* Heap hooks: one indirection so applications and tests can own the heap. */
#include "cgrpc/alloc.h"

#include <stdlib.h>

static void *libc_malloc(void *ctx, size_t size) { (void)ctx; return malloc(size); }
static void *libc_realloc(void *ctx, void *p, size_t size) { (void)ctx; return realloc(p, size); }
static void libc_free(void *ctx, void *p) { (void)ctx; free(p); }

static cgrpc_allocator_t current = {libc_malloc, libc_realloc, libc_free, NULL};

void cgrpc_set_allocator(const cgrpc_allocator_t *allocator) {
  if (allocator) {
    current = *allocator;
  } else {
    current = (cgrpc_allocator_t){libc_malloc, libc_realloc, libc_free, NULL};
  }
}

void *cgrpc_malloc(size_t size) { return current.malloc_fn(current.ctx, size ? size : 1); }
void *cgrpc_realloc(void *p, size_t size) { return current.realloc_fn(current.ctx, p, size ? size : 1); }
void cgrpc_free(void *p) {
  if (p) current.free_fn(current.ctx, p);
}

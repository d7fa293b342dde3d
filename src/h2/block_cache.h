/* h2/block_cache.h — heap blocks for nghttp2 and outgoing messages, recycled
 * per thread so that a steady stream of calls stops touching the heap.
 *
 * Every call makes and drops the same few blocks: nghttp2's stream object,
 * its queued frames and their header copies, the encoded response. Freed on
 * the thread that owns a cache, a block of a small size class goes onto that
 * cache's free list instead of back to the heap, and the next call takes it
 * from there. A server binds one cache to each of its loop threads
 * (cgrpc_h2_block_cache_bind); threads without one (clients, worker pools)
 * allocate and free as usual. A block may be freed on any thread: it goes
 * back into a cache only on a thread that has one, so a cache is touched by
 * its own thread alone and needs no lock.
 *
 * All memory still comes from cgrpc_malloc(), so the application's allocator
 * and allocation counters see it. Each block carries a 16-byte header with
 * its size class; small sizes are rounded up to the class (classes are a
 * half power of two apart, so at most a third of a block is slack).
 */
#ifndef CGRPC_SRC_H2_BLOCK_CACHE_H
#define CGRPC_SRC_H2_BLOCK_CACHE_H

#include <stddef.h>

/* Size classes: 64, 96, 128, 192, ... 4096 usable bytes. Larger blocks are
 * never cached. */
#define CGRPC_H2_BLOCK_CLASSES 13

typedef struct cgrpc_h2_block_cache {
  void *free[CGRPC_H2_BLOCK_CLASSES]; /* singly linked through each block */
  size_t bytes;                       /* usable bytes on the free lists */
  size_t max_bytes;                   /* above this, freed blocks go to the heap */
} cgrpc_h2_block_cache_t;

/* An empty cache that keeps at most `max_bytes` of free blocks. */
void cgrpc_h2_block_cache_init(cgrpc_h2_block_cache_t *c, size_t max_bytes);

/* Returns every cached block to the heap. Only once no thread has it bound. */
void cgrpc_h2_block_cache_destroy(cgrpc_h2_block_cache_t *c);

/* Makes `c` the calling thread's cache (NULL: none) for the functions below.
 * `c` must stay alive until the thread unbinds it. */
void cgrpc_h2_block_cache_bind(cgrpc_h2_block_cache_t *c);

/* malloc, realloc and free with the calling thread's cache. NULL when out of
 * memory; a failed realloc leaves `p` valid. Any thread. */
void *cgrpc_h2_block_alloc(size_t size);
void *cgrpc_h2_block_realloc(void *p, size_t size);
void cgrpc_h2_block_free(void *p);

#endif /* CGRPC_SRC_H2_BLOCK_CACHE_H */

/* Arena allocator: bump allocation through a chain of growing heap blocks,
 * optionally starting on a caller-supplied buffer. See cgrpc/arena.h. */
#include "cgrpc/arena.h"

#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"

struct cgrpc_arena_block {
  cgrpc_arena_block_t *next;
  size_t size; /* usable bytes after the header */
};

/* Header size rounded up so the data that follows stays aligned. */
#define BLOCK_HEADER \
  ((sizeof(cgrpc_arena_block_t) + CGRPC_ARENA_ALIGN - 1) & ~(size_t)(CGRPC_ARENA_ALIGN - 1))
#define FIRST_BLOCK_SIZE 1024
/* Doubling stops here so a long-lived arena does not over-reserve. */
#define MAX_BLOCK_SIZE (1u << 20)

static char *align_up(char *p) {
  uintptr_t v = (uintptr_t)p;
  v = (v + CGRPC_ARENA_ALIGN - 1) & ~(uintptr_t)(CGRPC_ARENA_ALIGN - 1);
  return (char *)v;
}

/* An arena with no room points here, not at NULL, so a zero-byte request is
 * served by the inline fast path with a valid, non-NULL pointer. */
static _Alignas(CGRPC_ARENA_ALIGN) char empty_block[CGRPC_ARENA_ALIGN];

static void use_initial(cgrpc_arena_t *a) {
  if (a->initial && a->initial_size > 0) {
    char *start = align_up(a->initial);
    char *end = a->initial + a->initial_size;
    a->ptr = start <= end ? start : end;
    a->end = end;
  } else {
    a->ptr = a->end = empty_block;
  }
}

void cgrpc_arena_init(cgrpc_arena_t *a, void *initial, size_t initial_size) {
  memset(a, 0, sizeof(*a));
  a->initial = initial;
  a->initial_size = initial ? initial_size : 0;
  a->next_block_size = FIRST_BLOCK_SIZE;
  use_initial(a);
}

void cgrpc_arena_set_limit(cgrpc_arena_t *a, size_t max_heap_bytes) { a->limit = max_heap_bytes; }

void *cgrpc_arena_alloc_slow(cgrpc_arena_t *a, size_t size) {
  size_t block_size = a->next_block_size;
  if (size > block_size / 2) {
    /* A large allocation gets a block of its own; keep the current block's
     * free space for the small allocations that follow. */
    if (size > SIZE_MAX - BLOCK_HEADER) return NULL;
    block_size = size;
  } else if (a->next_block_size < MAX_BLOCK_SIZE) {
    a->next_block_size *= 2;
  }
  if (a->limit && (a->heap_bytes + block_size + BLOCK_HEADER > a->limit ||
                   block_size + BLOCK_HEADER > a->limit)) {
    return NULL;
  }
  cgrpc_arena_block_t *b = cgrpc_malloc(BLOCK_HEADER + block_size);
  if (!b) return NULL;
  b->size = block_size;
  b->next = a->blocks;
  a->blocks = b;
  a->heap_bytes += BLOCK_HEADER + block_size;
  char *data = (char *)b + BLOCK_HEADER;
  if (block_size == size) return data; /* dedicated block: current block stays */
  a->ptr = data + size;
  a->end = data + block_size;
  return data;
}

void *cgrpc_arena_calloc(cgrpc_arena_t *a, size_t size) {
  void *p = cgrpc_arena_alloc(a, size);
  if (p) memset(p, 0, size);
  return p;
}

void *cgrpc_arena_realloc(cgrpc_arena_t *a, void *p, size_t old_size, size_t new_size) {
  size_t old_rounded = (old_size + CGRPC_ARENA_ALIGN - 1) & ~(size_t)(CGRPC_ARENA_ALIGN - 1);
  size_t new_rounded = (new_size + CGRPC_ARENA_ALIGN - 1) & ~(size_t)(CGRPC_ARENA_ALIGN - 1);
  if (p && (char *)p + old_rounded == a->ptr) {
    /* Last allocation: grow or shrink in place when it fits. */
    if (new_rounded <= old_rounded || (size_t)(a->end - (char *)p) >= new_rounded) {
      a->ptr = (char *)p + new_rounded;
      return p;
    }
  } else if (new_size <= old_size) {
    return p;
  }
  void *q = cgrpc_arena_alloc(a, new_size);
  if (!q) return NULL;
  if (p && old_size) memcpy(q, p, old_size < new_size ? old_size : new_size);
  return q;
}

void *cgrpc_arena_memdup(cgrpc_arena_t *a, const void *src, size_t len) {
  void *p = cgrpc_arena_alloc(a, len);
  if (p && len) memcpy(p, src, len);
  return p;
}

static void free_blocks(cgrpc_arena_block_t *b) {
  while (b) {
    cgrpc_arena_block_t *next = b->next;
    cgrpc_free(b);
    b = next;
  }
}

void cgrpc_arena_reset(cgrpc_arena_t *a, int keep_one) {
  cgrpc_arena_block_t *keep = NULL;
  if (keep_one) {
    /* Keep the largest block: it holds the arena's working set next time. */
    for (cgrpc_arena_block_t *b = a->blocks; b; b = b->next) {
      if (!keep || b->size > keep->size) keep = b;
    }
  }
  cgrpc_arena_block_t *b = a->blocks;
  while (b) {
    cgrpc_arena_block_t *next = b->next;
    if (b != keep) cgrpc_free(b);
    b = next;
  }
  a->blocks = NULL;
  a->heap_bytes = 0;
  use_initial(a);
  if (keep) {
    keep->next = NULL;
    a->blocks = keep;
    a->heap_bytes = BLOCK_HEADER + keep->size;
    /* Prefer the larger of the caller's buffer and the kept block. */
    if (keep->size > (size_t)(a->end - a->ptr)) {
      a->ptr = (char *)keep + BLOCK_HEADER;
      a->end = a->ptr + keep->size;
    }
  }
}

void cgrpc_arena_free(cgrpc_arena_t *a) {
  free_blocks(a->blocks);
  a->blocks = NULL;
  a->heap_bytes = 0;
  a->ptr = a->end = empty_block;
}

size_t cgrpc_arena_heap_bytes(const cgrpc_arena_t *a) { return a->heap_bytes; }

/* cgrpc/arena.h — region allocator for message trees and per-call state.
 *
 * An arena hands out memory by bumping a pointer through a block; when the
 * block is full it takes a new one from the heap, twice as large as the last.
 * Nothing is freed one piece at a time: cgrpc_arena_free() (or _reset())
 * releases everything at once. This is what makes decoding a message tree
 * cheap and leak-proof: one arena per call, one free at the end.
 *
 * An arena may start on memory the caller provides (for example a stack
 * buffer), so small messages need no heap allocation at all.
 *
 * Thread-safety: an arena belongs to one thread at a time; no locking.
 */
#ifndef CGRPC_ARENA_H
#define CGRPC_ARENA_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "cgrpc/pb_table.h"

#pragma GCC visibility push(default) /* exported: see cgrpc/cgrpc.h */
#ifdef __cplusplus
extern "C" {
#endif

/* Every allocation is aligned to this many bytes. */
#define CGRPC_ARENA_ALIGN 8

typedef struct cgrpc_arena_block cgrpc_arena_block_t;

/* Fields are private; they are in the header only so arenas can live on the
 * stack and the fast path of cgrpc_arena_alloc() can be inlined. */
typedef struct cgrpc_arena {
  char *ptr;                   /* next free byte of the current block */
  char *end;                   /* end of the current block */
  cgrpc_arena_block_t *blocks; /* heap blocks, newest first */
  char *initial;               /* caller's buffer, or NULL */
  size_t initial_size;
  size_t next_block_size;      /* size of the next heap block */
  size_t heap_bytes;           /* total bytes taken from the heap */
  size_t limit;                /* max heap bytes; 0 = unlimited */
} cgrpc_arena_t;

/* Initialises an arena. `initial` (may be NULL) is caller-owned memory the
 * arena uses first; it must outlive the arena and is never freed by it. */
void cgrpc_arena_init(cgrpc_arena_t *a, void *initial, size_t initial_size);

/* Caps the heap memory the arena may take (0 = no cap). Allocations past the
 * cap fail (return NULL) instead of growing without bound. */
void cgrpc_arena_set_limit(cgrpc_arena_t *a, size_t max_heap_bytes);

/* Slow path of cgrpc_arena_alloc(); do not call directly. */
void *cgrpc_arena_alloc_slow(cgrpc_arena_t *a, size_t size);

/* Returns `size` bytes aligned to CGRPC_ARENA_ALIGN, uninitialised, or NULL
 * when the heap (or the arena's limit) refuses. Never returns NULL for 0. */
static inline void *cgrpc_arena_alloc(cgrpc_arena_t *a, size_t size) {
  size = (size + (CGRPC_ARENA_ALIGN - 1)) & ~(size_t)(CGRPC_ARENA_ALIGN - 1);
  if ((size_t)(a->end - a->ptr) >= size) {
    void *p = a->ptr;
    a->ptr += size;
    return p;
  }
  return cgrpc_arena_alloc_slow(a, size);
}

/* Like cgrpc_arena_alloc() but zero-filled. */
void *cgrpc_arena_calloc(cgrpc_arena_t *a, size_t size);

/* Grows (or shrinks) an allocation. When `p` is the most recent allocation
 * and there is room, it grows in place; otherwise the old bytes are copied to
 * a new allocation. `p` may be NULL when old_size is 0. Returns NULL on
 * failure, leaving `p` valid. */
void *cgrpc_arena_realloc(cgrpc_arena_t *a, void *p, size_t old_size,
                          size_t new_size);

/* Copies `len` bytes into the arena. Returns NULL on failure. */
void *cgrpc_arena_memdup(cgrpc_arena_t *a, const void *src, size_t len);

/* Formats like printf() into the arena: returns the text, NUL-terminated
 * (`len` excludes the NUL), or {NULL, 0} when the arena refuses memory or
 * the format is invalid. The common case formats once, in place. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
cgrpc_str_t cgrpc_arena_printf(cgrpc_arena_t *a, const char *fmt, ...);

/* cgrpc_arena_printf() with a va_list (which it consumes, as vprintf does). */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 0)))
#endif
cgrpc_str_t cgrpc_arena_vprintf(cgrpc_arena_t *a, const char *fmt, va_list ap);

/* Releases all heap blocks and rewinds to the caller's initial buffer, ready
 * for reuse. Everything allocated before is invalid afterwards. Keeps the
 * largest block when `keep_one` is non-zero so a reused arena stops touching
 * the heap once it has seen its working-set size. */
void cgrpc_arena_reset(cgrpc_arena_t *a, int keep_one);

/* Releases all heap memory. The arena must be re-initialised before reuse. */
void cgrpc_arena_free(cgrpc_arena_t *a);

/* Heap bytes the arena currently holds (blocks, not what was handed out). */
size_t cgrpc_arena_heap_bytes(const cgrpc_arena_t *a);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif

#endif /* CGRPC_ARENA_H */

/* h2/block_cache.c — size-class free lists in front of cgrpc_malloc(), one
 * set per thread that binds a cache. See block_cache.h.
 *
 * Under AddressSanitizer a cached block is poisoned, so a use after free
 * is still reported although the block never went back to the heap. */
#include "h2/block_cache.h"

#include <stdint.h>
#include <string.h>

#include "base/alloc.h"

#if defined(__SANITIZE_ADDRESS__)
#define CACHE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CACHE_ASAN 1
#endif
#endif
#ifdef CACHE_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

/* In front of every block: its class (CGRPC_H2_BLOCK_CLASSES for a large
 * block) and usable size. 16 bytes keep the block malloc-aligned. */
typedef struct block_header {
  size_t cls;
  size_t size;
} block_header_t;

#define LARGE CGRPC_H2_BLOCK_CLASSES
#define SMALLEST 64
#define LARGEST 4096

static _Thread_local cgrpc_h2_block_cache_t *bound;

/* Class k holds 64, 96, 128, 192, ...: 64 << k/2, times 1.5 for odd k. */
static size_t class_size(size_t cls) {
  return cls % 2 ? (size_t)96 << (cls / 2) : (size_t)SMALLEST << (cls / 2);
}

static size_t class_of(size_t size) {
  if (size <= SMALLEST) return 0;
  if (size > LARGEST) return LARGE;
  unsigned top = 63u - (unsigned)__builtin_clzll((unsigned long long)(size - 1));
  size_t half = ((size_t)1 << top) + ((size_t)1 << (top - 1));
  return 2 * (top - 6) + (size > half ? 2 : 1);
}

static block_header_t *header_of(void *p) { return (block_header_t *)p - 1; }

void cgrpc_h2_block_cache_init(cgrpc_h2_block_cache_t *c, size_t max_bytes) {
  memset(c, 0, sizeof *c);
  c->max_bytes = max_bytes;
}

void cgrpc_h2_block_cache_destroy(cgrpc_h2_block_cache_t *c) {
  for (size_t k = 0; k < CGRPC_H2_BLOCK_CLASSES; k++) {
    while (c->free[k]) {
      void *p = c->free[k];
      UNPOISON(p, class_size(k));
      memcpy(&c->free[k], p, sizeof(void *));
      cgrpc_free(header_of(p));
    }
  }
  c->bytes = 0;
}

void cgrpc_h2_block_cache_bind(cgrpc_h2_block_cache_t *c) { bound = c; }

void *cgrpc_h2_block_alloc(size_t size) {
  size_t cls = class_of(size);
  cgrpc_h2_block_cache_t *c = bound;
  if (cls != LARGE && c && c->free[cls]) {
    void *p = c->free[cls];
    UNPOISON(p, class_size(cls));
    memcpy(&c->free[cls], p, sizeof(void *));
    c->bytes -= class_size(cls);
    return p;
  }
  size_t usable = cls == LARGE ? size : class_size(cls);
  if (usable > SIZE_MAX - sizeof(block_header_t)) return NULL;
  block_header_t *h = cgrpc_malloc(sizeof *h + usable);
  if (!h) return NULL;
  h->cls = cls;
  h->size = usable;
  return h + 1;
}

void cgrpc_h2_block_free(void *p) {
  if (!p) return;
  block_header_t *h = header_of(p);
  cgrpc_h2_block_cache_t *c = bound;
  if (h->cls == LARGE || !c || c->bytes + h->size > c->max_bytes) {
    cgrpc_free(h);
    return;
  }
  memcpy(p, &c->free[h->cls], sizeof(void *));
  POISON(p, h->size);
  c->free[h->cls] = p;
  c->bytes += h->size;
}

void *cgrpc_h2_block_realloc(void *p, size_t size) {
  if (!p) return cgrpc_h2_block_alloc(size);
  block_header_t *h = header_of(p);
  if (size <= h->size && (h->cls != LARGE || size > LARGEST)) return p;
  if (h->cls == LARGE && size > LARGEST) {
    if (size > SIZE_MAX - sizeof *h) return NULL;
    block_header_t *grown = cgrpc_realloc(h, sizeof *h + size);
    if (!grown) return NULL;
    grown->size = size;
    return grown + 1;
  }
  void *q = cgrpc_h2_block_alloc(size);
  if (!q) return NULL;
  memcpy(q, p, h->size < size ? h->size : size);
  cgrpc_h2_block_free(p);
  return q;
}

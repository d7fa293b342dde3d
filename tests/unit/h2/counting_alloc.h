/* Test helper: a cgrpc allocator that counts calls and live/peak bytes, so
 * tests can prove that something did not allocate, or stayed within a
 * memory bound. Each block carries its size in a 16-byte header. */
#ifndef CGRPC_TESTS_UNIT_H2_COUNTING_ALLOC_H
#define CGRPC_TESTS_UNIT_H2_COUNTING_ALLOC_H

#include <stdlib.h>
#include <string.h>

#include "cgrpc/alloc.h"

#define COUNTING_HEADER 16

typedef struct counting_stats {
  size_t allocations; /* malloc and realloc calls */
  size_t live_bytes;
  size_t peak_bytes;
} counting_stats_t;

static counting_stats_t counting_stats;

static inline void counting_note(size_t add, size_t remove) {
  counting_stats.live_bytes = counting_stats.live_bytes + add - remove;
  if (counting_stats.live_bytes > counting_stats.peak_bytes) {
    counting_stats.peak_bytes = counting_stats.live_bytes;
  }
}

static inline void *counting_malloc(void *ctx, size_t size) {
  (void)ctx;
  unsigned char *p = malloc(size + COUNTING_HEADER);
  if (!p) return NULL;
  memcpy(p, &size, sizeof size);
  counting_stats.allocations++;
  counting_note(size, 0);
  return p + COUNTING_HEADER;
}

static inline void counting_free(void *ctx, void *user) {
  (void)ctx;
  if (!user) return;
  unsigned char *p = (unsigned char *)user - COUNTING_HEADER;
  size_t size;
  memcpy(&size, p, sizeof size);
  counting_note(0, size);
  free(p);
}

/* Realloc as malloc + copy + free, so the transient peak of both blocks is
 * counted as it would be in the worst case. */
static inline void *counting_realloc(void *ctx, void *user, size_t size) {
  void *q = counting_malloc(ctx, size);
  if (!q) return NULL;
  if (user) {
    size_t old;
    memcpy(&old, (unsigned char *)user - COUNTING_HEADER, sizeof old);
    memcpy(q, user, old < size ? old : size);
    counting_free(ctx, user);
  }
  return q;
}

/* Installs the counting allocator and zeroes the statistics. */
static inline void counting_install(void) {
  static const cgrpc_allocator_t allocator = {counting_malloc, counting_realloc, counting_free,
                                              NULL};
  memset(&counting_stats, 0, sizeof counting_stats);
  cgrpc_set_allocator(&allocator);
}

/* Zeroes the call count and restarts peak tracking from the live bytes. */
static inline void counting_reset(void) {
  counting_stats.allocations = 0;
  counting_stats.peak_bytes = counting_stats.live_bytes;
}

#endif /* CGRPC_TESTS_UNIT_H2_COUNTING_ALLOC_H */

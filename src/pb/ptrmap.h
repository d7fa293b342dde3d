/* pb/ptrmap.h — a small map from pointers to words, kept in an arena.
 *
 * The decoder needs a few facts about objects it has already seen during one
 * call (the capacity of an unknown-field buffer it owns, the map fields that
 * received entries, the messages still missing a required field) without
 * rescanning them, which would make crafted inputs quadratic. Entries keep
 * their insertion order, so walking them is deterministic. All memory comes
 * from the arena and is dropped with it; nothing is ever removed.
 */
#ifndef CGRPC_SRC_PB_PTRMAP_H
#define CGRPC_SRC_PB_PTRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgrpc/arena.h"

typedef struct cgrpc_pb_ptrmap_entry {
  const void *key;
  uintptr_t value;
} cgrpc_pb_ptrmap_entry_t;

/* Zero-initialise to get an empty map. */
typedef struct cgrpc_pb_ptrmap {
  cgrpc_pb_ptrmap_entry_t *entries; /* insertion order, `count` of them */
  size_t count;
  size_t capacity;
  size_t *slots; /* open addressing: entry index + 1, 0 = empty */
  size_t slot_mask;
} cgrpc_pb_ptrmap_t;

/* Sets key's value, inserting the key if new. False when the arena refuses. */
bool cgrpc_pb_ptrmap_put(cgrpc_pb_ptrmap_t *m, cgrpc_arena_t *arena, const void *key,
                         uintptr_t value);

/* Finds key; on success stores its value in *value (when not NULL). */
bool cgrpc_pb_ptrmap_get(const cgrpc_pb_ptrmap_t *m, const void *key, uintptr_t *value);

#endif /* CGRPC_SRC_PB_PTRMAP_H */

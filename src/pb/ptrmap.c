/* pb/ptrmap.c — insertion-ordered pointer map in an arena (see pb/ptrmap.h).
 *
 * Entries live in an array that grows by doubling; a power-of-two slot table
 * twice the entry capacity indexes them by a multiplicative hash with linear
 * probing. Growing rebuilds the slot table; the old arrays stay in the arena,
 * which at most doubles the memory used. */
#include "pb/ptrmap.h"

static size_t slot_of(const cgrpc_pb_ptrmap_t *m, const void *key) {
  uint64_t h = (uint64_t)(uintptr_t)key * 0x9E3779B97F4A7C15ull;
  return (size_t)(h >> 32) & m->slot_mask;
}

/* Index of key's entry, or m->count when absent. */
static size_t find(const cgrpc_pb_ptrmap_t *m, const void *key) {
  if (!m->count) return m->count;
  for (size_t s = slot_of(m, key);; s = (s + 1) & m->slot_mask) {
    size_t e = m->slots[s];
    if (e == 0) return m->count;
    if (m->entries[e - 1].key == key) return e - 1;
  }
}

static bool grow(cgrpc_pb_ptrmap_t *m, cgrpc_arena_t *arena) {
  size_t cap = m->capacity ? m->capacity * 2 : 8;
  cgrpc_pb_ptrmap_entry_t *entries =
      cgrpc_arena_realloc(arena, m->entries, m->capacity * sizeof *entries, cap * sizeof *entries);
  size_t nslots = cap * 2;
  size_t *slots = entries ? cgrpc_arena_calloc(arena, nslots * sizeof *slots) : NULL;
  if (!slots) return false;
  m->entries = entries;
  m->capacity = cap;
  m->slots = slots;
  m->slot_mask = nslots - 1;
  for (size_t i = 0; i < m->count; i++) {
    size_t s = slot_of(m, entries[i].key);
    while (slots[s]) s = (s + 1) & m->slot_mask;
    slots[s] = i + 1;
  }
  return true;
}

bool cgrpc_pb_ptrmap_put(cgrpc_pb_ptrmap_t *m, cgrpc_arena_t *arena, const void *key,
                         uintptr_t value) {
  size_t i = find(m, key);
  if (i < m->count) {
    m->entries[i].value = value;
    return true;
  }
  if (m->count == m->capacity && !grow(m, arena)) return false;
  size_t s = slot_of(m, key);
  while (m->slots[s]) s = (s + 1) & m->slot_mask;
  m->slots[s] = m->count + 1;
  m->entries[m->count].key = key;
  m->entries[m->count].value = value;
  m->count++;
  return true;
}

bool cgrpc_pb_ptrmap_get(const cgrpc_pb_ptrmap_t *m, const void *key, uintptr_t *value) {
  size_t i = find(m, key);
  if (i == m->count) return false;
  if (value) *value = m->entries[i].value;
  return true;
}

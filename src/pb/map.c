/* pb/map.c — key order for map entries (see pb/map.h), and the map
 * accessors of cgrpc/pb.h (get, put, delete) that generated code wraps.
 *
 * The sort is a bottom-up merge sort over indices: stable (the decoder relies
 * on it to keep the last of equal keys), O(n log n) on any input (an attacker
 * controls the keys), and allocation-free because callers bring the scratch
 * space from wherever they allocate. Short runs are insertion-sorted first,
 * which is faster for the small maps that are the usual case. */
#include "pb/map.h"

#include <stdint.h>
#include <string.h>

#include "cgrpc/pb.h"
#include "pb/table.h"

#define RUN 16

const cgrpc_pb_field_t *cgrpc_pb_map_key_field(const cgrpc_pb_msg_table_t *entry) {
  if (entry->field_count == 0 || entry->fields[0].number != 1) return NULL;
  return &entry->fields[0];
}

#define CMP(x, y) (((x) > (y)) - ((x) < (y)))

int cgrpc_pb_map_key_compare(const void *a, const void *b, const cgrpc_pb_field_t *key) {
  if (!key) return 0;
  static const uint64_t zero[2];
  const char *ka = a ? (const char *)a + key->offset : (const char *)zero;
  const char *kb = b ? (const char *)b + key->offset : (const char *)zero;
  switch (key->type) {
    case CGRPC_PB_INT32:
    case CGRPC_PB_SINT32:
    case CGRPC_PB_SFIXED32:
    case CGRPC_PB_ENUM:
      return CMP(*(const int32_t *)ka, *(const int32_t *)kb);
    case CGRPC_PB_INT64:
    case CGRPC_PB_SINT64:
    case CGRPC_PB_SFIXED64:
      return CMP(*(const int64_t *)ka, *(const int64_t *)kb);
    case CGRPC_PB_UINT32:
    case CGRPC_PB_FIXED32:
    case CGRPC_PB_FLOAT:
      return CMP(*(const uint32_t *)ka, *(const uint32_t *)kb);
    case CGRPC_PB_UINT64:
    case CGRPC_PB_FIXED64:
    case CGRPC_PB_DOUBLE:
      return CMP(*(const uint64_t *)ka, *(const uint64_t *)kb);
    case CGRPC_PB_BOOL:
      return CMP(*(const uint8_t *)ka != 0, *(const uint8_t *)kb != 0);
    case CGRPC_PB_STRING:
    case CGRPC_PB_BYTES: {
      const cgrpc_str_t *sa = (const cgrpc_str_t *)ka, *sb = (const cgrpc_str_t *)kb;
      size_t n = sa->len < sb->len ? sa->len : sb->len;
      int c = n ? memcmp(sa->data, sb->data, n) : 0;
      return c ? c : CMP(sa->len, sb->len);
    }
    default:
      return 0;
  }
}

static int compare_at(void *const *entries, size_t i, size_t j, const cgrpc_pb_field_t *key) {
  return cgrpc_pb_map_key_compare(entries[i], entries[j], key);
}

void cgrpc_pb_map_sort(void *const *entries, size_t n, const cgrpc_pb_field_t *key, size_t *order,
                       size_t *scratch) {
  for (size_t i = 0; i < n; i++) order[i] = i;
  for (size_t lo = 0; lo < n; lo += RUN) {
    size_t hi = lo + RUN < n ? lo + RUN : n;
    for (size_t i = lo + 1; i < hi; i++) {
      size_t v = order[i], j = i;
      for (; j > lo && compare_at(entries, order[j - 1], v, key) > 0; j--) order[j] = order[j - 1];
      order[j] = v;
    }
  }
  size_t *src = order, *dst = scratch;
  for (size_t width = RUN; width < n; width *= 2) {
    for (size_t lo = 0; lo < n; lo += 2 * width) {
      size_t mid = lo + width < n ? lo + width : n;
      size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
      size_t i = lo, j = mid, k = lo;
      while (i < mid && j < hi) {
        /* <= keeps the left (earlier) element first among equal keys. */
        dst[k++] = compare_at(entries, src[i], src[j], key) <= 0 ? src[i++] : src[j++];
      }
      while (i < mid) dst[k++] = src[i++];
      while (j < hi) dst[k++] = src[j++];
    }
    size_t *t = src;
    src = dst;
    dst = t;
  }
  if (src != order) memcpy(order, src, n * sizeof *order);
}

/* ---- Accessors ---------------------------------------------------------
 *
 * A map is searched linearly from its last entry: maps built through these
 * functions or decoded hold each key once, and of entries with equal keys
 * put into the array by hand the last one counts, as it does for the decoder,
 * equality and the receiving end of an encoding. A NULL entry pointer is an
 * entry with the zero key and the zero value, as the encoder writes it. */

/* Whether the key of entry `e` (NULL: the zero key) equals *key. */
static inline bool key_equal(const char *e, const cgrpc_pb_field_t *kf, const void *key) {
  static const uint64_t zero[2];
  const char *k = e ? e + kf->offset : (const char *)zero;
  switch (cgrpc_pb_type_size[kf->type]) {
    case 1:
      return (*(const uint8_t *)k != 0) == (*(const uint8_t *)key != 0);
    case 4:
      return *(const uint32_t *)k == *(const uint32_t *)key;
    case 8:
      return *(const uint64_t *)k == *(const uint64_t *)key;
    default: {
      const cgrpc_str_t *a = (const cgrpc_str_t *)k, *b = key;
      return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
    }
  }
}

/* The index of the last entry whose key is *key, or -1. */
static ptrdiff_t find_last(const cgrpc_pb_array_t *map, const cgrpc_pb_field_t *kf,
                           const void *key) {
  char *const *entries = map->data;
  for (size_t i = map->count; i-- > 0;) {
    if (key_equal(entries[i], kf, key)) return (ptrdiff_t)i;
  }
  return -1;
}

bool cgrpc_pb_map_get(const cgrpc_pb_array_t *map, const cgrpc_pb_msg_table_t *entry,
                      const void *key, void *value) {
  const cgrpc_pb_field_t *kf = &entry->fields[0], *vf = &entry->fields[1];
  ptrdiff_t i = find_last(map, kf, key);
  if (i < 0) return false;
  if (value) {
    const char *e = ((char *const *)map->data)[i];
    size_t size = cgrpc_pb_type_size[vf->type];
    if (e) {
      memcpy(value, e + vf->offset, size);
    } else {
      memset(value, 0, size);
    }
  }
  return true;
}

/* Room for one more entry pointer, growing the array in `arena` the way the
 * decoder does: an array the caller set up (capacity < count) is copied,
 * never written past its end. */
static bool reserve_one(cgrpc_pb_array_t *map, cgrpc_arena_t *arena) {
  if (map->capacity > map->count) return true;
  bool ours = map->capacity >= map->count;
  size_t cap = map->count < 2 ? 4 : 2 * map->count;
  size_t bytes;
  if (cap < map->count || __builtin_mul_overflow(cap, sizeof(void *), &bytes)) return false;
  void *data;
  if (ours && map->capacity) {
    data = cgrpc_arena_realloc(arena, map->data, map->capacity * sizeof(void *), bytes);
  } else {
    data = cgrpc_arena_alloc(arena, bytes);
    if (data && map->count) memcpy(data, map->data, map->count * sizeof(void *));
  }
  if (!data) return false;
  map->data = data;
  map->capacity = cap;
  return true;
}

int cgrpc_pb_map_put(cgrpc_pb_array_t *map, const cgrpc_pb_msg_table_t *entry, const void *key,
                     const void *value, cgrpc_arena_t *arena) {
  const cgrpc_pb_field_t *kf = &entry->fields[0], *vf = &entry->fields[1];
  size_t vsize = cgrpc_pb_type_size[vf->type];
  ptrdiff_t i = find_last(map, kf, key);
  char **entries = map->data;
  if (i >= 0 && entries[i]) {
    memcpy(entries[i] + vf->offset, value, vsize);
    return CGRPC_PB_OK;
  }
  /* Everything that can fail happens before the map changes. */
  if (!arena || (i < 0 && !reserve_one(map, arena))) return CGRPC_PB_ERR_NO_MEMORY;
  char *e = cgrpc_pb_msg_new(entry, arena);
  if (!e) return CGRPC_PB_ERR_NO_MEMORY;
  if (kf->type == CGRPC_PB_BOOL) {
    *(bool *)(e + kf->offset) = *(const uint8_t *)key != 0;
  } else {
    memcpy(e + kf->offset, key, cgrpc_pb_type_size[kf->type]);
  }
  memcpy(e + vf->offset, value, vsize);
  entries = map->data;
  if (i >= 0) {
    entries[i] = e; /* was a NULL entry */
  } else {
    entries[map->count++] = e;
  }
  return CGRPC_PB_OK;
}

bool cgrpc_pb_map_delete(cgrpc_pb_array_t *map, const cgrpc_pb_msg_table_t *entry,
                         const void *key) {
  const cgrpc_pb_field_t *kf = &entry->fields[0];
  char **entries = map->data;
  size_t n = map->count, kept = 0;
  while (kept < n && !key_equal(entries[kept], kf, key)) kept++;
  if (kept == n) return false; /* nothing written: the array may be the caller's */
  /* Every entry with the key goes (one, unless the array was filled by
   * hand), and the others keep their order. */
  for (size_t i = kept + 1; i < n; i++) {
    if (!key_equal(entries[i], kf, key)) entries[kept++] = entries[i];
  }
  map->count = kept;
  return true;
}

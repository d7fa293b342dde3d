/* pb/message.c — whole-message operations driven by the table: init, new,
 * equality and deep copy.
 *
 * Equality is semantic rather than bytewise on the struct: fields without
 * presence compare by value, fields with presence compare presence first and
 * values only when set (an unset has_ field may hold anything), only the set
 * member of a oneof is looked at, and maps compare as maps. Copy duplicates
 * everything a message points to into the destination's arena, so the copy
 * outlives the source's memory.
 */
#include <string.h>

#include "base/alloc.h"
#include "cgrpc/pb.h"
#include "pb/map.h"
#include "pb/table.h"

/* Maps up to this many entries (both sides together) sort on the stack; it
 * is small because equality recurses through it. */
#define STACK_MAP_ENTRIES 16

void cgrpc_pb_msg_init(void *msg, const cgrpc_pb_msg_table_t *table) {
  if (table->default_instance) {
    memcpy(msg, table->default_instance, table->size);
  } else {
    memset(msg, 0, table->size);
  }
}

void *cgrpc_pb_msg_new(const cgrpc_pb_msg_table_t *table, cgrpc_arena_t *arena) {
  void *msg = cgrpc_arena_alloc(arena, table->size);
  if (msg) cgrpc_pb_msg_init(msg, table);
  return msg;
}

/* ---- Equality ---------------------------------------------------------- */

static bool message_equal(const void *a, const void *b, const cgrpc_pb_msg_table_t *t, int depth);

static bool str_equal(const cgrpc_str_t *a, const cgrpc_str_t *b) {
  return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

/* Whether a message would encode to nothing: no unknown bytes, no field set. */
static bool message_is_empty(const void *msg, const cgrpc_pb_msg_table_t *t) {
  if (((const cgrpc_str_t *)msg)->len) return false;
  for (size_t i = 0; i < t->field_count; i++) {
    const cgrpc_pb_field_t *f = &t->fields[i];
    const char *v = (const char *)msg + f->offset;
    bool set = (f->flags & CGRPC_PB_FIELD_REPEATED) ? ((const cgrpc_pb_array_t *)v)->count != 0
                                                    : cgrpc_pb_field_is_set(msg, f);
    if (set) return false;
  }
  return true;
}

/* Compares one value of field f; a and b point at the values (for messages,
 * at the pointers). Scalars compare by bits, except bools by truth. A map
 * entry's message value always exists on the wire, so there an absent
 * message equals an empty one. */
static bool value_equal(const cgrpc_pb_field_t *f, const cgrpc_pb_msg_table_t *t, const void *a,
                        const void *b, int depth) {
  switch (f->type) {
    case CGRPC_PB_STRING:
    case CGRPC_PB_BYTES:
      return str_equal(a, b);
    case CGRPC_PB_MESSAGE:
    case CGRPC_PB_GROUP: {
      const void *ma = *(void *const *)a, *mb = *(void *const *)b;
      const cgrpc_pb_msg_table_t *sub = cgrpc_pb_field_msg(t, f);
      if (!ma || !mb) {
        if (ma == mb) return true;
        return (t->flags & CGRPC_PB_MSG_MAP_ENTRY) && message_is_empty(ma ? ma : mb, sub);
      }
      return message_equal(ma, mb, sub, depth + 1);
    }
    case CGRPC_PB_BOOL:
      return (*(const uint8_t *)a != 0) == (*(const uint8_t *)b != 0);
    default:
      return memcmp(a, b, cgrpc_pb_type_size[f->type]) == 0;
  }
}

/* In a key-sorted entry list, the last index of the run of equal keys that
 * starts at i (the entry that wins), or n past the end. */
static size_t last_of_run(void *const *entries, const size_t *order, size_t n, size_t i,
                          const cgrpc_pb_field_t *key) {
  if (i >= n) return n;
  while (i + 1 < n &&
         cgrpc_pb_map_key_compare(entries[order[i]], entries[order[i + 1]], key) == 0) {
    i++;
  }
  return i;
}

/* Maps as maps: both sorted by key, duplicates resolved (the last wins),
 * then entry by entry. */
static bool map_equal(const cgrpc_pb_array_t *x, const cgrpc_pb_array_t *y,
                      const cgrpc_pb_msg_table_t *entry, int depth) {
  size_t nx = x->count, ny = y->count;
  if (nx == 0 || ny == 0) return nx == ny;
  size_t stack[2 * STACK_MAP_ENTRIES];
  size_t *mem = stack;
  if (nx + ny > STACK_MAP_ENTRIES) {
    if (nx + ny > SIZE_MAX / (2 * sizeof(size_t))) return false;
    mem = cgrpc_malloc(2 * (nx + ny) * sizeof(size_t));
    if (!mem) return false;
  }
  size_t *ox = mem, *oy = mem + nx, *scratch = mem + nx + ny;
  void *const *ex = x->data, *const *ey = y->data;
  const cgrpc_pb_field_t *key = cgrpc_pb_map_key_field(entry);
  cgrpc_pb_map_sort(ex, nx, key, ox, scratch);
  cgrpc_pb_map_sort(ey, ny, key, oy, scratch);
  bool equal;
  for (size_t i = 0, j = 0;; i++, j++) {
    i = last_of_run(ex, ox, nx, i, key);
    j = last_of_run(ey, oy, ny, j, key);
    if (i == nx || j == ny) {
      equal = i == nx && j == ny;
      break;
    }
    const void *ea = ex[ox[i]], *eb = ey[oy[j]];
    if (!ea || !eb ? ea != eb : !message_equal(ea, eb, entry, depth + 1)) {
      equal = false;
      break;
    }
  }
  if (mem != stack) cgrpc_free(mem);
  return equal;
}

static bool repeated_equal(const cgrpc_pb_field_t *f, const cgrpc_pb_msg_table_t *t,
                           const cgrpc_pb_array_t *x, const cgrpc_pb_array_t *y, int depth) {
  if (f->flags & CGRPC_PB_FIELD_MAP) return map_equal(x, y, cgrpc_pb_field_msg(t, f), depth);
  if (x->count != y->count) return false;
  size_t size = cgrpc_pb_type_size[f->type];
  const char *dx = x->data, *dy = y->data;
  for (size_t i = 0; i < x->count; i++) {
    if (!value_equal(f, t, dx + i * size, dy + i * size, depth)) return false;
  }
  return true;
}

static bool message_equal(const void *a, const void *b, const cgrpc_pb_msg_table_t *t, int depth) {
  if (depth > CGRPC_PB_DEFAULT_MAX_DEPTH) return false;
  if (!str_equal(a, b)) return false; /* the unknown fields */
  const char *ma = (const char *)a, *mb = (const char *)b;
  for (size_t i = 0; i < t->field_count; i++) {
    const cgrpc_pb_field_t *f = &t->fields[i];
    const void *va = ma + f->offset, *vb = mb + f->offset;
    if (f->flags & CGRPC_PB_FIELD_REPEATED) {
      if (!repeated_equal(f, t, va, vb, depth)) return false;
      continue;
    }
    if (f->flags & (CGRPC_PB_FIELD_ONEOF | CGRPC_PB_FIELD_HAS)) {
      bool set_a = cgrpc_pb_field_is_set(ma, f), set_b = cgrpc_pb_field_is_set(mb, f);
      if (set_a != set_b) return false;
      if (!set_a) continue;
    }
    if (!value_equal(f, t, va, vb, depth)) return false;
  }
  return true;
}

bool cgrpc_pb_msg_equal(const void *a, const void *b, const cgrpc_pb_msg_table_t *table) {
  return message_equal(a, b, table, 0);
}

/* ---- Copy -------------------------------------------------------------- */

static int copy_message(void *dst, const void *src, const cgrpc_pb_msg_table_t *t,
                        cgrpc_arena_t *arena, int depth);

/* Points s at an arena copy of its bytes (an empty string at static
 * storage). */
static bool dup_str(cgrpc_str_t *s, cgrpc_arena_t *arena) {
  if (s->len == 0) {
    s->data = "";
    return true;
  }
  const char *data = cgrpc_arena_memdup(arena, s->data, s->len);
  if (!data) return false;
  s->data = data;
  return true;
}

/* Replaces the sub-message pointer at *slot by a deep copy of what it
 * points to. */
static int dup_message(void **slot, const cgrpc_pb_msg_table_t *t, cgrpc_arena_t *arena,
                       int depth) {
  const void *src = *slot;
  if (!src) return CGRPC_PB_OK;
  void *copy = cgrpc_arena_alloc(arena, t->size);
  *slot = NULL;
  if (!copy) return CGRPC_PB_ERR_NO_MEMORY;
  int rc = copy_message(copy, src, t, arena, depth + 1);
  *slot = copy;
  return rc;
}

/* Replaces the value at v (already a shallow copy) by a deep one. */
static int dup_value(const cgrpc_pb_field_t *f, const cgrpc_pb_msg_table_t *t, void *v,
                     cgrpc_arena_t *arena, int depth) {
  if (cgrpc_pb_type_is_string(f->type)) {
    return dup_str(v, arena) ? CGRPC_PB_OK : CGRPC_PB_ERR_NO_MEMORY;
  }
  if (cgrpc_pb_type_is_message(f->type)) {
    return dup_message(v, cgrpc_pb_field_msg(t, f), arena, depth);
  }
  return CGRPC_PB_OK;
}

static int dup_array(const cgrpc_pb_field_t *f, const cgrpc_pb_msg_table_t *t, cgrpc_pb_array_t *a,
                     cgrpc_arena_t *arena, int depth) {
  size_t size = cgrpc_pb_type_size[f->type];
  const void *src = a->data;
  size_t count = a->count;
  /* Empty until the copy is complete, so a failure leaves a valid array. */
  a->data = NULL;
  a->count = a->capacity = 0;
  if (!count) return CGRPC_PB_OK;
  char *data = count <= SIZE_MAX / size ? cgrpc_arena_alloc(arena, count * size) : NULL;
  if (!data) return CGRPC_PB_ERR_NO_MEMORY;
  memcpy(data, src, count * size);
  a->data = data;
  a->count = a->capacity = count;
  for (size_t i = 0; i < count; i++) {
    int rc = dup_value(f, t, data + i * size, arena, depth);
    if (rc != CGRPC_PB_OK) return rc;
  }
  return CGRPC_PB_OK;
}

static int copy_message(void *dst, const void *src, const cgrpc_pb_msg_table_t *t,
                        cgrpc_arena_t *arena, int depth) {
  memcpy(dst, src, t->size);
  char *m = (char *)dst;
  if (depth > CGRPC_PB_DEFAULT_MAX_DEPTH) {
    cgrpc_pb_msg_init(dst, t);
    return CGRPC_PB_ERR_TOO_DEEP;
  }
  if (!dup_str((cgrpc_str_t *)dst, arena)) return CGRPC_PB_ERR_NO_MEMORY;
  for (size_t i = 0; i < t->field_count; i++) {
    const cgrpc_pb_field_t *f = &t->fields[i];
    void *v = m + f->offset;
    int rc;
    if (f->flags & CGRPC_PB_FIELD_REPEATED) {
      rc = dup_array(f, t, v, arena, depth);
    } else if ((f->flags & CGRPC_PB_FIELD_ONEOF) && !cgrpc_pb_field_is_set(m, f)) {
      continue; /* another member of the oneof owns the bytes */
    } else {
      rc = dup_value(f, t, v, arena, depth);
    }
    if (rc != CGRPC_PB_OK) return rc;
  }
  return CGRPC_PB_OK;
}

int cgrpc_pb_msg_copy(void *dst, const void *src, const cgrpc_pb_msg_table_t *table,
                      cgrpc_arena_t *arena) {
  return copy_message(dst, src, table, arena, 0);
}

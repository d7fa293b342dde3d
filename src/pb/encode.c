/* pb/encode.c — the table-driven protobuf encoder and sizer
 * (cgrpc_pb_encode, cgrpc_pb_encode_to, cgrpc_pb_encoded_size).
 *
 * The encoder fills its buffer back to front: the last field first, and a
 * sub-message's body before its length prefix. Once a body is written its
 * length is simply how far the write position moved, so no separate pass is
 * needed to learn sub-message sizes (the same idea as upb's encoder). Every
 * write checks the room left first; when the caller's buffer turns out too
 * small, the sizer below computes the exact size to report.
 *
 * The sizer walks the message the same way and adds up what the encoder
 * would write. cgrpc_pb_encode() uses it to allocate exactly, then encodes
 * into that allocation, which the encoder fills completely.
 */
#include <string.h>

#include "base/alloc.h"
#include "cgrpc/pb.h"
#include "pb/map.h"
#include "pb/table.h"
#include "pb/wire.h"

/* Room a scalar value with its tag can need. */
#define SCALAR_ROOM (CGRPC_PB_MAX_TAG + CGRPC_PB_MAX_VARINT)
/* Maps up to this many entries sort their order on the stack; it is small
 * because the encoder recurses through it. */
#define STACK_MAP_ENTRIES 16

static int max_depth_of(int options) {
  int n = (int)((unsigned)options >> 16);
  return n ? n : CGRPC_PB_DEFAULT_MAX_DEPTH;
}

static void set_error(cgrpc_pb_error_t *err, int code, const cgrpc_pb_msg_table_t *t,
                      uint32_t number) {
  if (!err) return;
  err->code = code;
  err->field_number = number;
  err->table = t;
  err->offset = CGRPC_PB_NO_OFFSET;
  err->detail = NULL;
}

/* The value a varint-typed field puts on the wire: int32 and enums
 * sign-extend to 64 bits, sint32/sint64 zigzag, bools are 0 or 1. */
static inline uint64_t varint_value(unsigned type, const void *v) {
  switch (type) {
    case CGRPC_PB_INT32:
    case CGRPC_PB_ENUM:
      return (uint64_t)(int64_t) * (const int32_t *)v;
    case CGRPC_PB_UINT32:
      return *(const uint32_t *)v;
    case CGRPC_PB_SINT32:
      return cgrpc_pb_zigzag_encode32(*(const int32_t *)v);
    case CGRPC_PB_SINT64:
      return cgrpc_pb_zigzag_encode64(*(const int64_t *)v);
    case CGRPC_PB_BOOL:
      return *(const uint8_t *)v != 0;
    default:
      return *(const uint64_t *)v; /* int64, uint64 */
  }
}

static inline size_t tag_size(uint32_t number) {
  return cgrpc_pb_varint_size(cgrpc_pb_make_tag(number, 0));
}

/* The order in which to write a map's entries: sorted by key when asked to
 * be deterministic. Returns NULL for "as stored"; *heap says whether the
 * caller must cgrpc_free() the result. Fails only when the heap refuses. */
static const size_t *map_order(const cgrpc_pb_array_t *a, const cgrpc_pb_msg_table_t *entry,
                               size_t *stack, bool *heap, bool *failed) {
  *heap = false;
  *failed = false;
  if (a->count < 2) return NULL;
  size_t *order = stack;
  if (a->count > STACK_MAP_ENTRIES) {
    order = a->count <= SIZE_MAX / (2 * sizeof(size_t))
                ? cgrpc_malloc(2 * a->count * sizeof(size_t))
                : NULL;
    if (!order) {
      *failed = true;
      return NULL;
    }
    *heap = true;
  }
  cgrpc_pb_map_sort(a->data, a->count, cgrpc_pb_map_key_field(entry), order, order + a->count);
  return order;
}

/* ---- Sizing ------------------------------------------------------------ */

typedef struct sizer {
  int options;
  int max_depth;
  const cgrpc_pb_msg_table_t *too_deep; /* where nesting went too deep */
} sizer_t;

static size_t size_message(sizer_t *s, const void *msg, const cgrpc_pb_msg_table_t *t, int depth);

/* Bytes of one scalar value, without its tag. */
static inline size_t scalar_size(unsigned type, const void *v) {
  if (cgrpc_pb_type_wire_type[type] != CGRPC_PB_WT_VARINT) return cgrpc_pb_type_size[type];
  return cgrpc_pb_varint_size(varint_value(type, v));
}

/* Bytes of one value with its tag; v points at the value (for messages, at
 * the pointer to the message). */
static size_t size_value(sizer_t *s, const cgrpc_pb_field_t *f, const cgrpc_pb_msg_table_t *t,
                         const void *v, int depth) {
  size_t tag = tag_size(f->number);
  switch (f->type) {
    case CGRPC_PB_STRING:
    case CGRPC_PB_BYTES: {
      size_t len = ((const cgrpc_str_t *)v)->len;
      return tag + cgrpc_pb_varint_size(len) + len;
    }
    case CGRPC_PB_MESSAGE:
    case CGRPC_PB_GROUP: {
      const void *child = *(void *const *)v;
      size_t len = child ? size_message(s, child, cgrpc_pb_field_msg(t, f), depth + 1) : 0;
      if (f->type == CGRPC_PB_GROUP) return 2 * tag + len;
      return tag + cgrpc_pb_varint_size(len) + len;
    }
    default:
      return tag + scalar_size(f->type, v);
  }
}

static size_t size_repeated(sizer_t *s, const cgrpc_pb_field_t *f, const cgrpc_pb_msg_table_t *t,
                            const cgrpc_pb_array_t *a, int depth) {
  unsigned type = f->type;
  size_t size = cgrpc_pb_type_size[type];
  const char *data = a->data;
  size_t total = 0;
  if ((f->flags & CGRPC_PB_FIELD_PACKED) && cgrpc_pb_type_is_packable(type)) {
    for (size_t i = 0; i < a->count; i++) total += scalar_size(type, data + i * size);
    return tag_size(f->number) + cgrpc_pb_varint_size(total) + total;
  }
  for (size_t i = 0; i < a->count; i++) total += size_value(s, f, t, data + i * size, depth);
  return total;
}

static size_t size_message(sizer_t *s, const void *msg, const cgrpc_pb_msg_table_t *t, int depth) {
  if (depth > s->max_depth) {
    if (!s->too_deep) s->too_deep = t;
    return 0;
  }
  const char *m = (const char *)msg;
  bool entry = (t->flags & CGRPC_PB_MSG_MAP_ENTRY) != 0;
  size_t total = (s->options & CGRPC_PB_ENCODE_SKIP_UNKNOWN) ? 0 : ((const cgrpc_str_t *)msg)->len;
  for (size_t i = 0; i < t->field_count; i++) {
    const cgrpc_pb_field_t *f = &t->fields[i];
    if (f->flags & CGRPC_PB_FIELD_REPEATED) {
      const cgrpc_pb_array_t *a = (const cgrpc_pb_array_t *)(m + f->offset);
      if (a->count) total += size_repeated(s, f, t, a, depth);
    } else if (entry || cgrpc_pb_field_is_set(m, f)) {
      total += size_value(s, f, t, m + f->offset, depth);
    }
  }
  return total;
}

size_t cgrpc_pb_encoded_size(const void *msg, const cgrpc_pb_msg_table_t *table, int options) {
  sizer_t s = {options, max_depth_of(options), NULL};
  size_t n = size_message(&s, msg, table, 0);
  return s.too_deep ? 0 : n;
}

/* ---- Encoding ---------------------------------------------------------- */

typedef struct encoder {
  char *limit; /* the buffer's start: writing moves down toward it */
  int options;
  int max_depth;
  int code;
  cgrpc_pb_error_t *err;
} encoder_t;

__attribute__((cold, noinline)) static char *fail(encoder_t *e, int code,
                                                  const cgrpc_pb_msg_table_t *t, uint32_t number) {
  e->code = code;
  set_error(e->err, code, t, number);
  return NULL;
}

static char *no_room(encoder_t *e, const cgrpc_pb_msg_table_t *t, const cgrpc_pb_field_t *f) {
  return fail(e, CGRPC_PB_ERR_BUFFER_TOO_SMALL, t, f->number);
}

static inline bool has_room(const encoder_t *e, const char *p, size_t n) {
  return (size_t)(p - e->limit) >= n;
}

/* Room checks compare with a bound first (SCALAR_ROOM) and only near the
 * start of the buffer compute the exact size, so a buffer of exactly
 * cgrpc_pb_encoded_size() bytes is always enough. */
#define HAS_ROOM_FOR(e, p, bound, exact) (has_room(e, p, bound) || has_room(e, p, exact))

static inline char *put_tag(char *p, uint32_t number, unsigned wt) {
  return cgrpc_pb_write_varint_before(p, cgrpc_pb_make_tag(number, wt));
}

static char *encode_message(encoder_t *e, char *p, const void *msg, const cgrpc_pb_msg_table_t *t,
                            int depth);

/* A sub-message or group (NULL: an empty one), with its tags and length. */
__attribute__((noinline)) static char *put_submessage(encoder_t *e, char *p,
                                                      const cgrpc_pb_field_t *f,
                                                      const cgrpc_pb_msg_table_t *t,
                                                      const void *child, int depth) {
  bool group = f->type == CGRPC_PB_GROUP;
  if (group) {
    if (!HAS_ROOM_FOR(e, p, CGRPC_PB_MAX_TAG, tag_size(f->number))) return no_room(e, t, f);
    p = put_tag(p, f->number, CGRPC_PB_WT_EGROUP);
  }
  char *body_end = p;
  if (child) {
    p = encode_message(e, p, child, cgrpc_pb_field_msg(t, f), depth + 1);
    if (!p) return NULL;
  }
  if (group) {
    if (!HAS_ROOM_FOR(e, p, CGRPC_PB_MAX_TAG, tag_size(f->number))) return no_room(e, t, f);
    return put_tag(p, f->number, CGRPC_PB_WT_SGROUP);
  }
  size_t len = (size_t)(body_end - p);
  if (!HAS_ROOM_FOR(e, p, SCALAR_ROOM, tag_size(f->number) + cgrpc_pb_varint_size(len))) {
    return no_room(e, t, f);
  }
  p = cgrpc_pb_write_varint_before(p, len);
  return put_tag(p, f->number, CGRPC_PB_WT_LEN);
}

/* Writes one value of field f with its tag so that it ends at p; v points
 * at the value (for messages, at the pointer). With skip_zero (fields
 * without presence) a zero value writes nothing. Returns the new start, or
 * NULL on failure. Inlined into its two callers. */
static inline __attribute__((always_inline)) char *put_field(encoder_t *e, char *p,
                                                             const cgrpc_pb_field_t *f,
                                                             const cgrpc_pb_msg_table_t *t,
                                                             const void *v, int depth,
                                                             bool skip_zero) {
  unsigned type = f->type;
  switch (type) {
    case CGRPC_PB_FIXED32:
    case CGRPC_PB_SFIXED32:
    case CGRPC_PB_FLOAT: {
      uint32_t x = *(const uint32_t *)v;
      if (skip_zero && !x) return p;
      if (!HAS_ROOM_FOR(e, p, SCALAR_ROOM, tag_size(f->number) + 4)) return no_room(e, t, f);
      p -= 4;
      memcpy(p, &x, 4);
      return put_tag(p, f->number, CGRPC_PB_WT_I32);
    }
    case CGRPC_PB_FIXED64:
    case CGRPC_PB_SFIXED64:
    case CGRPC_PB_DOUBLE: {
      uint64_t x = *(const uint64_t *)v;
      if (skip_zero && !x) return p;
      if (!HAS_ROOM_FOR(e, p, SCALAR_ROOM, tag_size(f->number) + 8)) return no_room(e, t, f);
      p -= 8;
      memcpy(p, &x, 8);
      return put_tag(p, f->number, CGRPC_PB_WT_I64);
    }
    case CGRPC_PB_STRING:
    case CGRPC_PB_BYTES: {
      const cgrpc_str_t *s = v;
      if (skip_zero && !s->len) return p;
      if (s->len > (size_t)(p - e->limit) ||
          !HAS_ROOM_FOR(e, p - s->len, SCALAR_ROOM,
                        tag_size(f->number) + cgrpc_pb_varint_size(s->len))) {
        return no_room(e, t, f);
      }
      p -= s->len;
      cgrpc_pb_copy(p, s->data, s->len);
      p = cgrpc_pb_write_varint_before(p, s->len);
      return put_tag(p, f->number, CGRPC_PB_WT_LEN);
    }
    case CGRPC_PB_MESSAGE:
    case CGRPC_PB_GROUP: {
      const void *child = *(void *const *)v;
      if (skip_zero && !child) return p;
      return put_submessage(e, p, f, t, child, depth);
    }
    default: {
      uint64_t x = varint_value(type, v);
      if (skip_zero && !x) return p;
      if (!HAS_ROOM_FOR(e, p, SCALAR_ROOM, tag_size(f->number) + cgrpc_pb_varint_size(x))) {
        return no_room(e, t, f);
      }
      p = cgrpc_pb_write_varint_before(p, x);
      return put_tag(p, f->number, CGRPC_PB_WT_VARINT);
    }
  }
}

/* The values of a packed varint field, last first. Every call site passes a
 * constant `type`, so the loop converts without a switch per value. */
static inline __attribute__((always_inline)) char *pack_varints(encoder_t *e, char *p,
                                                                const cgrpc_pb_field_t *f,
                                                                const cgrpc_pb_msg_table_t *t,
                                                                const char *data, size_t count,
                                                                unsigned type) {
  size_t size = cgrpc_pb_type_size[type];
  for (size_t i = count; i-- > 0;) {
    uint64_t x = varint_value(type, data + i * size);
    if (!HAS_ROOM_FOR(e, p, CGRPC_PB_MAX_VARINT, cgrpc_pb_varint_size(x))) return no_room(e, t, f);
    p = cgrpc_pb_write_varint_before(p, x);
  }
  return p;
}

static char *encode_packed(encoder_t *e, char *p, const cgrpc_pb_field_t *f,
                           const cgrpc_pb_msg_table_t *t, const cgrpc_pb_array_t *a) {
  unsigned type = f->type;
  const char *data = a->data;
  char *body_end = p;
  switch (type) {
    case CGRPC_PB_SINT32:
      p = pack_varints(e, p, f, t, data, a->count, CGRPC_PB_SINT32);
      break;
    case CGRPC_PB_SINT64:
      p = pack_varints(e, p, f, t, data, a->count, CGRPC_PB_SINT64);
      break;
    case CGRPC_PB_UINT32:
      p = pack_varints(e, p, f, t, data, a->count, CGRPC_PB_UINT32);
      break;
    case CGRPC_PB_INT64:
    case CGRPC_PB_UINT64:
      p = pack_varints(e, p, f, t, data, a->count, CGRPC_PB_INT64);
      break;
    case CGRPC_PB_BOOL:
      p = pack_varints(e, p, f, t, data, a->count, CGRPC_PB_BOOL);
      break;
    case CGRPC_PB_INT32:
    case CGRPC_PB_ENUM:
      p = pack_varints(e, p, f, t, data, a->count, CGRPC_PB_INT32);
      break;
    default: { /* fixed-width: the host's little-endian bytes are the wire's */
      size_t size = cgrpc_pb_type_size[type];
      if (a->count > (size_t)(p - e->limit) / size) return no_room(e, t, f);
      p -= a->count * size;
      memcpy(p, data, a->count * size);
      break;
    }
  }
  if (!p) return NULL;
  size_t len = (size_t)(body_end - p);
  if (!HAS_ROOM_FOR(e, p, SCALAR_ROOM, tag_size(f->number) + cgrpc_pb_varint_size(len))) {
    return no_room(e, t, f);
  }
  p = cgrpc_pb_write_varint_before(p, len);
  return put_tag(p, f->number, CGRPC_PB_WT_LEN);
}

/* A map in key order (DETERMINISTIC). Kept apart from encode_repeated()
 * because of its stack buffer: other repeated fields, which recurse far
 * more often, do not pay for it. */
__attribute__((noinline)) static char *encode_map_sorted(encoder_t *e, char *p,
                                                         const cgrpc_pb_field_t *f,
                                                         const cgrpc_pb_msg_table_t *t,
                                                         const cgrpc_pb_array_t *a, int depth) {
  size_t stack[2 * STACK_MAP_ENTRIES];
  bool heap, failed;
  const size_t *order = map_order(a, cgrpc_pb_field_msg(t, f), stack, &heap, &failed);
  if (failed) return fail(e, CGRPC_PB_ERR_NO_MEMORY, t, f->number);
  void *const *entries = a->data;
  for (size_t i = a->count; i-- > 0 && p;) {
    p = put_field(e, p, f, t, &entries[order ? order[i] : i], depth, false);
  }
  if (heap) cgrpc_free((void *)order);
  return p;
}

__attribute__((noinline)) static char *encode_repeated(encoder_t *e, char *p,
                                                       const cgrpc_pb_field_t *f,
                                                       const cgrpc_pb_msg_table_t *t,
                                                       const cgrpc_pb_array_t *a, int depth) {
  unsigned type = f->type;
  if ((f->flags & CGRPC_PB_FIELD_PACKED) && cgrpc_pb_type_is_packable(type)) {
    return encode_packed(e, p, f, t, a);
  }
  if ((f->flags & CGRPC_PB_FIELD_MAP) && (e->options & CGRPC_PB_ENCODE_DETERMINISTIC)) {
    return encode_map_sorted(e, p, f, t, a, depth);
  }
  size_t size = cgrpc_pb_type_size[type];
  const char *data = a->data;
  for (size_t i = a->count; i-- > 0 && p;) p = put_field(e, p, f, t, data + i * size, depth, false);
  return p;
}

static char *encode_message(encoder_t *e, char *p, const void *msg, const cgrpc_pb_msg_table_t *t,
                            int depth) {
  if (depth > e->max_depth) return fail(e, CGRPC_PB_ERR_TOO_DEEP, t, 0);
  if ((t->flags & CGRPC_PB_MSG_HAS_REQUIRED) && !(e->options & CGRPC_PB_ENCODE_PARTIAL)) {
    const cgrpc_pb_field_t *missing = cgrpc_pb_find_missing_required(msg, t);
    if (missing) return fail(e, CGRPC_PB_ERR_MISSING_REQUIRED, t, missing->number);
  }
  const char *m = (const char *)msg;
  const cgrpc_str_t *unknown = (const cgrpc_str_t *)msg;
  if (unknown->len && !(e->options & CGRPC_PB_ENCODE_SKIP_UNKNOWN)) {
    if (!has_room(e, p, unknown->len)) return fail(e, CGRPC_PB_ERR_BUFFER_TOO_SMALL, t, 0);
    p -= unknown->len;
    memcpy(p, unknown->data, unknown->len);
  }
  /* Map entries always carry key and value, even when they are zero. */
  bool entry = (t->flags & CGRPC_PB_MSG_MAP_ENTRY) != 0;
  for (size_t i = t->field_count; i-- > 0;) { /* back to front: the output is written backwards */
    const cgrpc_pb_field_t *f = &t->fields[i];
    const void *v = m + f->offset;
    if (f->flags & CGRPC_PB_FIELD_REPEATED) {
      if (!((const cgrpc_pb_array_t *)v)->count) continue;
      p = encode_repeated(e, p, f, t, v, depth);
    } else if (f->flags & (CGRPC_PB_FIELD_HAS | CGRPC_PB_FIELD_ONEOF)) {
      if (!cgrpc_pb_field_is_set(m, f)) continue;
      p = put_field(e, p, f, t, v, depth, false);
    } else {
      p = put_field(e, p, f, t, v, depth, !entry);
    }
    if (!p) return NULL;
  }
  return p;
}

/* Encodes into buf[0..cap) back to front. Returns where the bytes start, or
 * NULL with e->code set (BUFFER_TOO_SMALL when they do not fit). */
static char *encode_into(encoder_t *e, const void *msg, const cgrpc_pb_msg_table_t *table,
                         char *buf, size_t cap, int options, cgrpc_pb_error_t *err) {
  e->limit = buf;
  e->options = options;
  e->max_depth = max_depth_of(options);
  e->code = CGRPC_PB_OK;
  e->err = err;
  return encode_message(e, buf + cap, msg, table, 0);
}

int cgrpc_pb_encode(const void *msg, const cgrpc_pb_msg_table_t *table, cgrpc_arena_t *arena,
                    int options, uint8_t **out, size_t *out_len, cgrpc_pb_error_t *err) {
  sizer_t s = {options, max_depth_of(options), NULL};
  size_t size = size_message(&s, msg, table, 0);
  if (s.too_deep) {
    set_error(err, CGRPC_PB_ERR_TOO_DEEP, s.too_deep, 0);
    return CGRPC_PB_ERR_TOO_DEEP;
  }
  if (size > CGRPC_PB_MAX_MESSAGE) {
    set_error(err, CGRPC_PB_ERR_TOO_LARGE, table, 0);
    return CGRPC_PB_ERR_TOO_LARGE;
  }
  /* One byte at least, so an empty message still gets a valid pointer. */
  char *buf = cgrpc_arena_alloc(arena, size ? size : 1);
  if (!buf) {
    set_error(err, CGRPC_PB_ERR_NO_MEMORY, table, 0);
    return CGRPC_PB_ERR_NO_MEMORY;
  }
  encoder_t e;
  char *start = encode_into(&e, msg, table, buf, size, options, err);
  if (!start) return e.code;
  *out = (uint8_t *)start;
  *out_len = (size_t)(buf + size - start);
  return CGRPC_PB_OK;
}

int cgrpc_pb_encode_to(const void *msg, const cgrpc_pb_msg_table_t *table, void *buf, size_t cap,
                       int options, size_t *out_len, cgrpc_pb_error_t *err) {
  char none;
  char *b = buf ? (char *)buf : &none;
  if (!buf) cap = 0;
  encoder_t e;
  char *start = encode_into(&e, msg, table, b, cap, options, err);
  if (!start) {
    if (e.code != CGRPC_PB_ERR_BUFFER_TOO_SMALL) return e.code;
    sizer_t s = {options, max_depth_of(options), NULL};
    size_t need = size_message(&s, msg, table, 0);
    int code = s.too_deep                    ? CGRPC_PB_ERR_TOO_DEEP
               : need > CGRPC_PB_MAX_MESSAGE ? CGRPC_PB_ERR_TOO_LARGE
                                             : CGRPC_PB_ERR_BUFFER_TOO_SMALL;
    set_error(err, code, s.too_deep ? s.too_deep : table, 0);
    *out_len = need;
    return code;
  }
  size_t len = (size_t)(b + cap - start);
  if (len > CGRPC_PB_MAX_MESSAGE) {
    set_error(err, CGRPC_PB_ERR_TOO_LARGE, table, 0);
    return CGRPC_PB_ERR_TOO_LARGE;
  }
  memmove(b, start, len);
  *out_len = len;
  return CGRPC_PB_OK;
}

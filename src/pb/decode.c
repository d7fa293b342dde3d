/* pb/decode.c — the table-driven protobuf decoder (cgrpc_pb_decode).
 *
 * decode_message() decodes one message: it reads a tag, finds the field (by
 * the table's dense index when the number is small, else by guessing the
 * field after the previous one, since encoders write fields in number
 * order, else by binary search), and decode_field() jumps once on the
 * field's type; each case checks the wire type against a constant and
 * stores the value, with one move when the field needs no presence
 * bookkeeping. The cases are small functions inlined there; whatever is
 * not a match (unknown fields, the end of a group) is out of line. A sub-message or group is a
 * recursive call on the same input with a nearer end. Packed varints, most
 * often small, are decoded eight bytes at a time while the bytes hold only
 * one-byte or only two-byte values. The position and the end stay in
 * locals; every read is checked against the end of the current message, so
 * no input can make the decoder read outside it.
 *
 * Everything the message needs comes from the arena, and nothing is visible
 * half-written: a value is stored, or an array's count raised, only once the
 * value is complete, so a message is safe to read after any failure.
 *
 * Work that would be quadratic if redone per occurrence is deferred or
 * remembered per call instead: duplicate map keys are resolved once at the
 * end, required fields are checked once at the end (a later occurrence of a
 * sub-message may still supply them), and the capacity of each unknown-field
 * buffer the decoder owns is remembered so merging into it again appends
 * rather than copies.
 */
#include <string.h>

#include "cgrpc/pb.h"
#include "pb/map.h"
#include "pb/ptrmap.h"
#include "pb/table.h"
#include "pb/utf8.h"
#include "pb/wire.h"

typedef struct decoder {
  const char *input; /* error offsets count from here */
  const char *input_end;
  cgrpc_arena_t *arena;
  int options;
  int max_depth;
  int code;
  cgrpc_pb_error_t *err;
  cgrpc_pb_ptrmap_t unknown_caps; /* unknown buffer the decoder owns -> capacity */
  cgrpc_pb_ptrmap_t maps;         /* map array that got entries -> entry table */
  cgrpc_pb_ptrmap_t incomplete;   /* message lacking a required field -> table */
  const void *last_map;           /* spares a map lookup per entry */
} decoder_t;

/* The unknown-field buffer of the message being decoded. */
typedef struct unknown_buf {
  cgrpc_str_t *str; /* the message's _unknown */
  size_t cap;       /* bytes we own at str->data, 0 when not ours */
} unknown_buf_t;

__attribute__((cold, noinline)) static const char *fail(decoder_t *d, int code, const char *detail,
                                                        const cgrpc_pb_msg_table_t *t,
                                                        uint32_t number, const char *at) {
  d->code = code;
  if (d->err) {
    d->err->code = code;
    d->err->field_number = number;
    d->err->table = t;
    d->err->offset = (size_t)(at - d->input);
    d->err->detail = detail;
  }
  return NULL;
}

/* A varint at `at` could not be read: too long, or cut off by `end`. */
__attribute__((cold, noinline)) static const char *fail_varint(decoder_t *d,
                                                               const cgrpc_pb_msg_table_t *t,
                                                               uint32_t number, const char *at,
                                                               const char *end) {
  if (end - at >= CGRPC_PB_MAX_VARINT) {
    return fail(d, CGRPC_PB_ERR_MALFORMED, "varint longer than 10 bytes", t, number, at);
  }
  return fail(d, CGRPC_PB_ERR_TRUNCATED, NULL, t, number, at);
}

static const char *fail_memory(decoder_t *d, const cgrpc_pb_msg_table_t *t, uint32_t number,
                               const char *at) {
  return fail(d, CGRPC_PB_ERR_NO_MEMORY, NULL, t, number, at);
}

/* Reads a length prefix and checks that many bytes follow before `end`. */
static inline const char *read_length(decoder_t *d, const char *p, const char *end, size_t *len,
                                      const cgrpc_pb_msg_table_t *t, uint32_t number) {
  uint64_t v;
  const char *q = cgrpc_pb_read_varint(p, end, &v);
  if (CGRPC_PB_UNLIKELY(!q)) return fail_varint(d, t, number, p, end);
  if (CGRPC_PB_UNLIKELY(v > (uint64_t)(end - q))) {
    return fail(d, CGRPC_PB_ERR_TRUNCATED, "length goes past the end of the message", t, number, p);
  }
  *len = (size_t)v;
  return q;
}

/* Tags of two bytes or more: at most 5 bytes and 32 bits, so field numbers
 * stay within 1..2^29-1. */
static const char *read_tag_slow(decoder_t *d, const char *p, const char *end, uint32_t *tag,
                                 const cgrpc_pb_msg_table_t *t) {
  uint64_t v;
  const char *q = cgrpc_pb_read_varint(p, end, &v);
  if (!q) return fail_varint(d, t, 0, p, end);
  if (q - p > CGRPC_PB_MAX_TAG) {
    return fail(d, CGRPC_PB_ERR_MALFORMED, "tag longer than 5 bytes", t, 0, p);
  }
  if (v > UINT32_MAX) {
    return fail(d, CGRPC_PB_ERR_MALFORMED, "field number above 2^29-1", t, 0, p);
  }
  *tag = (uint32_t)v;
  return q;
}

static inline const char *read_tag(decoder_t *d, const char *p, const char *end, uint32_t *tag,
                                   const cgrpc_pb_msg_table_t *t) {
  if (CGRPC_PB_LIKELY((uint8_t)*p < 0x80)) {
    *tag = (uint8_t)*p;
    return p + 1;
  }
  return read_tag_slow(d, p, end, tag, t);
}

/* ---- Unknown fields ---------------------------------------------------- */

/* Appends n bytes to the message's unknown fields. Bytes of the input are
 * aliased when allowed and they continue what is there; otherwise they are
 * copied into a buffer that grows geometrically. */
static bool unknown_add(decoder_t *d, unknown_buf_t *u, const char *src, size_t n,
                        bool from_input) {
  cgrpc_str_t *s = u->str;
  if (u->cap == 0 && from_input && (d->options & CGRPC_PB_DECODE_ALIAS)) {
    if (s->len == 0) {
      s->data = src;
      s->len = n;
      return true;
    }
    if ((uintptr_t)s->data + s->len == (uintptr_t)src) {
      s->len += n;
      return true;
    }
  }
  if (u->cap == 0 || u->cap - s->len < n) {
    size_t need = s->len + n;
    size_t cap = u->cap * 2 > need ? u->cap * 2 : need;
    if (cap < 64) cap = 64;
    char *buf = u->cap ? cgrpc_arena_realloc(d->arena, (void *)s->data, u->cap, cap)
                       : cgrpc_arena_alloc(d->arena, cap);
    if (!buf) return false;
    if (!u->cap && s->len) memcpy(buf, s->data, s->len);
    s->data = buf;
    u->cap = cap;
  }
  memcpy((char *)s->data + s->len, src, n);
  s->len += n;
  return true;
}

/* Keeps a closed-enum value the enum does not define, as the varint field
 * it would be on the wire. */
static bool unknown_add_enum(decoder_t *d, unknown_buf_t *u, uint32_t number, int32_t v) {
  if (d->options & CGRPC_PB_DECODE_DISCARD_UNKNOWN) return true;
  char buf[CGRPC_PB_MAX_TAG + CGRPC_PB_MAX_VARINT];
  char *q = cgrpc_pb_write_varint(buf, cgrpc_pb_make_tag(number, CGRPC_PB_WT_VARINT));
  q = cgrpc_pb_write_varint(q, (uint64_t)(int64_t)v);
  return unknown_add(d, u, buf, (size_t)(q - buf), false);
}

/* Skips one field whose tag has been read; returns the position after it.
 * Groups are walked to their matching end-group, within the depth limit. */
static const char *skip_field(decoder_t *d, const char *p, const char *end, uint32_t number,
                              unsigned wt, const cgrpc_pb_msg_table_t *t, int depth,
                              const char *start) {
  size_t len = 0;
  uint64_t v;
  switch (wt) {
    case CGRPC_PB_WT_VARINT: {
      const char *q = cgrpc_pb_read_varint(p, end, &v);
      return q ? q : fail_varint(d, t, number, p, end);
    }
    case CGRPC_PB_WT_I64:
      len = 8;
      break;
    case CGRPC_PB_WT_I32:
      len = 4;
      break;
    case CGRPC_PB_WT_LEN:
      p = read_length(d, p, end, &len, t, number);
      if (!p) return NULL;
      break;
    case CGRPC_PB_WT_SGROUP:
      if (depth >= d->max_depth) return fail(d, CGRPC_PB_ERR_TOO_DEEP, NULL, t, number, start);
      for (;;) {
        if (p == end) {
          return fail(d, CGRPC_PB_ERR_TRUNCATED, "group has no end-group tag", t, number, start);
        }
        const char *inner = p;
        uint32_t tag;
        p = read_tag(d, p, end, &tag, t);
        if (!p) return NULL;
        if ((tag & 7) == CGRPC_PB_WT_EGROUP) {
          if (tag >> 3 == number) return p;
          return fail(d, CGRPC_PB_ERR_MALFORMED, "end-group tag does not match its group", t,
                      tag >> 3, inner);
        }
        if (tag >> 3 == 0) {
          return fail(d, CGRPC_PB_ERR_MALFORMED, "field number 0", t, 0, inner);
        }
        p = skip_field(d, p, end, tag >> 3, tag & 7, t, depth + 1, inner);
        if (!p) return NULL;
      }
    default:
      return fail(d, CGRPC_PB_ERR_MALFORMED, "invalid wire type", t, number, start);
  }
  if ((size_t)(end - p) < len) return fail(d, CGRPC_PB_ERR_TRUNCATED, NULL, t, number, p);
  return p + len;
}

/* ---- Storing values ---------------------------------------------------- */

__attribute__((noinline)) static void *array_grow(decoder_t *d, cgrpc_pb_array_t *a, size_t elem,
                                                  size_t n) {
  /* capacity < count marks an array the caller set up: copy, never grow it. */
  bool ours = a->capacity >= a->count;
  size_t need = a->count + n;
  size_t cap = a->count * 2 > need ? a->count * 2 : need;
  if (cap < 4) cap = 4;
  size_t bytes;
  /* Not SIZE_MAX / elem: a division costs more than the rest together. */
  if (__builtin_mul_overflow(cap, elem, &bytes)) return NULL;
  void *data;
  if (ours && a->capacity) {
    data = cgrpc_arena_realloc(d->arena, a->data, a->capacity * elem, bytes);
  } else {
    data = cgrpc_arena_alloc(d->arena, bytes);
    if (data && a->count) memcpy(data, a->data, a->count * elem);
  }
  if (!data) return NULL;
  a->data = data;
  a->capacity = cap;
  return (char *)data + a->count * elem;
}

/* Room for n more elements at the end of a repeated field; the caller fills
 * them and then raises the count. NULL when the arena refuses. */
static inline void *array_reserve(decoder_t *d, cgrpc_pb_array_t *a, size_t elem, size_t n) {
  if (CGRPC_PB_LIKELY(a->capacity >= a->count && a->capacity - a->count >= n)) {
    return (char *)a->data + a->count * elem;
  }
  return array_grow(d, a, elem, n);
}

static inline void set_presence(char *m, const cgrpc_pb_field_t *f) {
  if (f->flags & CGRPC_PB_FIELD_HAS) {
    *(bool *)(m + f->presence) = true;
  } else if (f->flags & CGRPC_PB_FIELD_ONEOF) {
    *(uint32_t *)(m + f->presence) = f->number;
  }
}

/* Turns a raw varint or fixed value into the field's C representation. */
static inline uint64_t convert(unsigned type, uint64_t v) {
  switch (type) {
    case CGRPC_PB_SINT32:
      return (uint32_t)cgrpc_pb_zigzag_decode32((uint32_t)v);
    case CGRPC_PB_SINT64:
      return (uint64_t)cgrpc_pb_zigzag_decode64(v);
    case CGRPC_PB_BOOL:
      return v != 0;
    default:
      return v;
  }
}

static inline void store_raw(void *dst, size_t size, uint64_t v) {
  switch (size) {
    case 1:
      *(uint8_t *)dst = (uint8_t)v;
      break;
    case 4:
      *(uint32_t *)dst = (uint32_t)v;
      break;
    default:
      *(uint64_t *)dst = v;
      break;
  }
}

/* The flags that make a store more than one move: appending to an array,
 * or recording presence. Proto3 scalars and strings have none of them. */
#define STORE_FLAGS (CGRPC_PB_FIELD_REPEATED | CGRPC_PB_FIELD_HAS | CGRPC_PB_FIELD_ONEOF)

/* Stores a converted scalar of `size` bytes: appended to a repeated field,
 * else set. Callers pass a constant size so the store is one instruction. */
static inline bool store_scalar(decoder_t *d, char *m, const cgrpc_pb_field_t *f, uint64_t v,
                                size_t size) {
  if (CGRPC_PB_LIKELY(!(f->flags & STORE_FLAGS))) {
    store_raw(m + f->offset, size, v);
    return true;
  }
  if (f->flags & CGRPC_PB_FIELD_REPEATED) {
    cgrpc_pb_array_t *a = (cgrpc_pb_array_t *)(m + f->offset);
    void *dst = array_reserve(d, a, size, 1);
    if (!dst) return false;
    store_raw(dst, size, v);
    a->count++;
    return true;
  }
  store_raw(m + f->offset, size, v);
  set_presence(m, f);
  return true;
}

static inline bool store_string(decoder_t *d, char *m, const cgrpc_pb_field_t *f, cgrpc_str_t s) {
  if (CGRPC_PB_LIKELY(!(f->flags & STORE_FLAGS))) {
    *(cgrpc_str_t *)(m + f->offset) = s;
    return true;
  }
  if (f->flags & CGRPC_PB_FIELD_REPEATED) {
    cgrpc_pb_array_t *a = (cgrpc_pb_array_t *)(m + f->offset);
    cgrpc_str_t *dst = array_reserve(d, a, sizeof s, 1);
    if (!dst) return false;
    *dst = s;
    a->count++;
    return true;
  }
  *(cgrpc_str_t *)(m + f->offset) = s;
  set_presence(m, f);
  return true;
}

/* The message a sub-message field's bytes merge into: a new element of a
 * repeated field, or the existing (else a new) singular one. A oneof member
 * that was not the set one starts empty. NULL when the arena refuses. */
static inline __attribute__((always_inline)) void *submessage(decoder_t *d, char *m,
                                                              const cgrpc_pb_field_t *f,
                                                              const cgrpc_pb_msg_table_t *sub) {
  if (f->flags & CGRPC_PB_FIELD_REPEATED) {
    cgrpc_pb_array_t *a = (cgrpc_pb_array_t *)(m + f->offset);
    if ((f->flags & CGRPC_PB_FIELD_MAP) && d->last_map != a) {
      if (!cgrpc_pb_ptrmap_put(&d->maps, d->arena, a, (uintptr_t)sub)) return NULL;
      d->last_map = a;
    }
    void **slot = array_reserve(d, a, sizeof(void *), 1);
    void *child = slot ? cgrpc_pb_msg_new(sub, d->arena) : NULL;
    if (!child) return NULL;
    *slot = child;
    a->count++;
    return child;
  }
  void **slot = (void **)(m + f->offset);
  if (f->flags & CGRPC_PB_FIELD_ONEOF) {
    uint32_t *c = (uint32_t *)(m + f->presence);
    if (*c != f->number) {
      *slot = NULL;
      *c = f->number;
    }
  }
  if (!*slot) *slot = cgrpc_pb_msg_new(sub, d->arena);
  return *slot;
}

/* ---- Fields and messages ----------------------------------------------- */

/* Decodes the varints of a packed field from p to q into dst, counting the
 * stored values in *stored. The caller has checked that the byte before q
 * ends a varint, so every varint that starts before q also ends before it:
 * the one- and two-byte cases read without a bounds check, and only longer
 * ones go to the general reader (which still enforces the 10-byte limit).
 * Every call site passes a constant `type` (and a constant NULL `closed`
 * where the field cannot be a closed enum), so after inlining each loop
 * converts and stores without a switch per value. */
static inline __attribute__((always_inline)) const char *unpack_varints(
    decoder_t *d, const char *p, const char *q, char *dst, unsigned type,
    const cgrpc_pb_enum_table_t *closed, const cgrpc_pb_field_t *f, const cgrpc_pb_msg_table_t *t,
    unknown_buf_t *u, size_t *stored) {
  size_t size = cgrpc_pb_type_size[type];
  char *out = dst;
  while (p < q) {
    if (!closed && q - p >= 8) {
      /* Runs of small values, the common case of packed fields, go eight
       * bytes at a time: eight one-byte varints, or four two-byte ones. */
      uint64_t w = cgrpc_pb_load64(p);
      uint64_t cont = w & 0x8080808080808080ull;
      if (cont == 0) {
        for (unsigned i = 0; i < 8; i++) {
          store_raw(out + i * size, size, convert(type, (w >> (8 * i)) & 0xff));
        }
        p += 8;
        out += 8 * size;
        continue;
      }
      if (cont == 0x0080008000800080ull) {
        uint64_t x = (w & 0x007f007f007f007full) | ((w & 0x7f007f007f007f00ull) >> 1);
        for (unsigned i = 0; i < 4; i++) {
          store_raw(out + i * size, size, convert(type, (x >> (16 * i)) & 0xffff));
        }
        p += 8;
        out += 4 * size;
        continue;
      }
    }
    const char *vp = p;
    uint64_t v = (uint8_t)p[0];
    if (CGRPC_PB_LIKELY(v < 0x80)) {
      p++;
    } else if (CGRPC_PB_LIKELY((uint8_t)p[1] < 0x80)) {
      v = (v & 0x7f) | ((uint64_t)(uint8_t)p[1] << 7);
      p += 2;
    } else {
      p = cgrpc_pb_read_varint_slow(p, q, &v);
      if (!p) return fail_varint(d, t, f->number, vp, q);
    }
    if (closed && !cgrpc_pb_enum_contains(closed, (int32_t)v)) {
      if (!unknown_add_enum(d, u, f->number, (int32_t)v)) return fail_memory(d, t, f->number, vp);
      continue;
    }
    store_raw(out, size, convert(type, v));
    out += size;
  }
  *stored = (size_t)(out - dst) / size;
  return q;
}

/* Number of varints in p[0..n): the bytes without the high bit. */
static size_t count_varints(const char *p, size_t n) {
  size_t count = 0, i = 0;
  for (; n - i >= 8; i += 8) {
    /* One bit per terminating byte, summed by a multiply into the top byte. */
    uint64_t ends = (~cgrpc_pb_load64(p + i) >> 7) & 0x0101010101010101ull;
    count += (ends * 0x0101010101010101ull) >> 56;
  }
  for (; i < n; i++) count += (uint8_t)p[i] < 0x80;
  return count;
}

/* Packed varint runs whose upper-bound reservation takes at most this many
 * bytes skip counting their values first. */
#define PACKED_RESERVE_BYTES 512

/* A packed repeated scalar field (its tag is read; p is at the length).
 * The array grows at most once per run; fixed-width values are copied as
 * they are (the host is little endian). Accepted whatever the table's
 * PACKED flag says. */
static const char *decode_packed(decoder_t *d, const char *p, const char *end, char *m,
                                 const cgrpc_pb_field_t *f, const cgrpc_pb_msg_table_t *t,
                                 unknown_buf_t *u) {
  size_t len = 0;
  const char *lp = p;
  p = read_length(d, p, end, &len, t, f->number);
  if (!p) return NULL;
  const char *q = p + len;
  unsigned type = f->type;
  size_t size = cgrpc_pb_type_size[type];
  cgrpc_pb_array_t *a = (cgrpc_pb_array_t *)(m + f->offset);
  if (len == 0) return q;
  if (cgrpc_pb_type_wire_type[type] != CGRPC_PB_WT_VARINT) {
    if (len % size) {
      return fail(d, CGRPC_PB_ERR_MALFORMED, "packed length is not a multiple of the value size", t,
                  f->number, lp);
    }
    void *dst = array_reserve(d, a, size, len / size);
    if (!dst) return fail_memory(d, t, f->number, lp);
    memcpy(dst, p, len);
    a->count += len / size;
    return q;
  }
  if ((uint8_t)q[-1] >= 0x80) {
    return fail(d, CGRPC_PB_ERR_TRUNCATED, "packed varint runs past the field", t, f->number,
                q - 1);
  }
  /* Every varint takes a byte or more, so len bounds the count. A short run
   * reserves that bound rather than count first; the slack stays with the
   * array as capacity. A long one counts, so that memory follows the values. */
  size_t most = len <= PACKED_RESERVE_BYTES / size ? len : count_varints(p, len);
  char *dst = array_reserve(d, a, size, most);
  if (!dst) return fail_memory(d, t, f->number, lp);
  size_t n = 0;
  switch (type) {
    case CGRPC_PB_SINT32:
      p = unpack_varints(d, p, q, dst, CGRPC_PB_SINT32, NULL, f, t, u, &n);
      break;
    case CGRPC_PB_SINT64:
      p = unpack_varints(d, p, q, dst, CGRPC_PB_SINT64, NULL, f, t, u, &n);
      break;
    case CGRPC_PB_BOOL:
      p = unpack_varints(d, p, q, dst, CGRPC_PB_BOOL, NULL, f, t, u, &n);
      break;
    case CGRPC_PB_INT64:
    case CGRPC_PB_UINT64:
      p = unpack_varints(d, p, q, dst, CGRPC_PB_INT64, NULL, f, t, u, &n);
      break;
    case CGRPC_PB_ENUM:
      p = unpack_varints(d, p, q, dst, CGRPC_PB_ENUM,
                         (f->flags & CGRPC_PB_FIELD_CLOSED_ENUM) ? t->subs[f->sub].enm : NULL, f, t,
                         u, &n);
      break;
    default: /* int32, uint32 */
      p = unpack_varints(d, p, q, dst, CGRPC_PB_INT32, NULL, f, t, u, &n);
      break;
  }
  a->count += n;
  return p;
}

/* Whether a map entry's value is of a closed enum that does not define it. */
static bool entry_value_undefined(const void *entry, const cgrpc_pb_msg_table_t *t) {
  const cgrpc_pb_field_t *v = cgrpc_pb_table_find(t, 2);
  return v && (v->flags & CGRPC_PB_FIELD_CLOSED_ENUM) &&
         !cgrpc_pb_enum_contains(t->subs[v->sub].enm,
                                 *(const int32_t *)((const char *)entry + v->offset));
}

/* Bookkeeping when a message ends: remember an owned unknown buffer's
 * capacity, and messages still lacking a required field. */
static const char *finish_message(decoder_t *d, const char *p, void *msg,
                                  const cgrpc_pb_msg_table_t *t, const unknown_buf_t *u) {
  if (u->cap && !cgrpc_pb_ptrmap_put(&d->unknown_caps, d->arena, u->str->data, u->cap)) {
    return fail_memory(d, t, 0, p);
  }
  if ((t->flags & CGRPC_PB_MSG_HAS_REQUIRED) && !(d->options & CGRPC_PB_DECODE_PARTIAL) &&
      cgrpc_pb_find_missing_required(msg, t) &&
      !cgrpc_pb_ptrmap_put(&d->incomplete, d->arena, msg, (uintptr_t)t)) {
    return fail_memory(d, t, 0, p);
  }
  return p;
}

/* ---- One field --------------------------------------------------------- */

/* The functions below decode one field whose tag is read (p is after it)
 * and return the position after the field, or NULL with the error recorded
 * in d. The per-type ones are inlined into decode_field(), with constant
 * types and sizes, so that each case of its one switch compiles to the
 * read and the store and nothing else. */

/* A varint field of `type` (a constant at every call). */
static inline __attribute__((always_inline)) const char *decode_varint(
    decoder_t *d, const char *p, const char *end, char *m, const cgrpc_pb_field_t *f,
    const cgrpc_pb_msg_table_t *t, unknown_buf_t *u, unsigned type) {
  uint64_t v;
  const char *vp = p;
  p = cgrpc_pb_read_varint(p, end, &v);
  if (CGRPC_PB_UNLIKELY(!p)) return fail_varint(d, t, f->number, vp, end);
  /* A map entry's enum value is checked once the entry is complete. */
  if (type == CGRPC_PB_ENUM && CGRPC_PB_UNLIKELY(f->flags & CGRPC_PB_FIELD_CLOSED_ENUM) &&
      !(t->flags & CGRPC_PB_MSG_MAP_ENTRY) &&
      !cgrpc_pb_enum_contains(t->subs[f->sub].enm, (int32_t)v)) {
    if (!unknown_add_enum(d, u, f->number, (int32_t)v)) return fail_memory(d, t, f->number, vp);
    return p;
  }
  if (!store_scalar(d, m, f, convert(type, v), cgrpc_pb_type_size[type])) {
    return fail_memory(d, t, f->number, vp);
  }
  return p;
}

/* A fixed-width field of `size` bytes (a constant at every call). */
static inline __attribute__((always_inline)) const char *decode_fixed(decoder_t *d, const char *p,
                                                                      const char *end, char *m,
                                                                      const cgrpc_pb_field_t *f,
                                                                      const cgrpc_pb_msg_table_t *t,
                                                                      size_t size) {
  if (end - p < (ptrdiff_t)size) return fail(d, CGRPC_PB_ERR_TRUNCATED, NULL, t, f->number, p);
  uint64_t v = size == 4 ? cgrpc_pb_load32(p) : cgrpc_pb_load64(p);
  if (!store_scalar(d, m, f, v, size)) return fail_memory(d, t, f->number, p);
  return p + size;
}

/* A string or bytes field: checked for UTF-8 when the field says so, then
 * aliased or copied into the arena. */
static inline __attribute__((always_inline)) const char *decode_bytes(decoder_t *d, const char *p,
                                                                      const char *end, char *m,
                                                                      const cgrpc_pb_field_t *f,
                                                                      const cgrpc_pb_msg_table_t *t,
                                                                      bool alias) {
  const char *vp = p;
  size_t len = 0;
  p = read_length(d, p, end, &len, t, f->number);
  if (!p) return NULL;
  size_t bad;
  if ((f->flags & CGRPC_PB_FIELD_UTF8) && !cgrpc_utf8_validate(p, len, &bad)) {
    return fail(d, CGRPC_PB_ERR_BAD_UTF8, NULL, t, f->number, p + bad);
  }
  cgrpc_str_t s = {p, len};
  if (!alias) {
    /* An empty copy points at static storage, not into the input. */
    s.data = "";
    if (len) {
      char *copy = cgrpc_arena_alloc(d->arena, len);
      if (!copy) return fail_memory(d, t, f->number, vp);
      cgrpc_pb_copy(copy, p, len);
      s.data = copy;
    }
  }
  if (!store_string(d, m, f, s)) return fail_memory(d, t, f->number, vp);
  return p + len;
}

static const char *decode_message(decoder_t *d, const char *p, const char *end, void *msg,
                                  const cgrpc_pb_msg_table_t *t, int depth, uint32_t group);

/* A sub-message or group field (`type` says which): the child is decoded
 * by a recursive call, up to its length or its end-group tag. `start` is
 * where the field's tag began. */
static inline __attribute__((always_inline)) const char *decode_child(
    decoder_t *d, const char *p, const char *end, char *m, const cgrpc_pb_field_t *f,
    const cgrpc_pb_msg_table_t *t, unknown_buf_t *u, int depth, unsigned type, const char *start) {
  uint32_t number = f->number;
  const char *sub_end = end;
  if (type == CGRPC_PB_MESSAGE) {
    size_t len = 0;
    p = read_length(d, p, end, &len, t, number);
    if (!p) return NULL;
    sub_end = p + len;
  }
  if (depth >= d->max_depth) return fail(d, CGRPC_PB_ERR_TOO_DEEP, NULL, t, number, start);
  const cgrpc_pb_msg_table_t *sub = cgrpc_pb_field_msg(t, f);
  void *child = submessage(d, m, f, sub);
  if (!child) return fail_memory(d, t, number, start);
  p = decode_message(d, p, sub_end, child, sub, depth + 1, type == CGRPC_PB_GROUP ? number : 0);
  if (!p) return NULL;
  if (CGRPC_PB_UNLIKELY(f->flags & CGRPC_PB_FIELD_MAP) && entry_value_undefined(child, sub)) {
    /* As protobuf does: the map does not get the key, and the whole entry,
     * as it arrived, joins the unknown fields. */
    ((cgrpc_pb_array_t *)(m + f->offset))->count--;
    if (!(d->options & CGRPC_PB_DECODE_DISCARD_UNKNOWN) &&
        !unknown_add(d, u, start, (size_t)(p - start), true)) {
      return fail_memory(d, t, number, start);
    }
  }
  return p;
}

/* A field the table does not know (f NULL), or one whose wire type is not
 * its type's (and not a packed run): the end of the group being decoded
 * (then *group_end is set to the position after it and `end` returned,
 * which ends the loop), or an unknown field, skipped and kept. */
__attribute__((noinline)) static const char *decode_other(
    decoder_t *d, const char *p, const char *end, char *m, const cgrpc_pb_field_t *f,
    const cgrpc_pb_msg_table_t *t, unknown_buf_t *u, int depth, uint32_t tag, const char *start,
    uint32_t group, const char **group_end) {
  uint32_t number = tag >> 3;
  unsigned wt = tag & 7;
  if (wt == CGRPC_PB_WT_EGROUP) {
    if (group && number == group) {
      *group_end = p;
      return end;
    }
    return fail(d, CGRPC_PB_ERR_MALFORMED, "end-group tag without a matching start-group", t,
                number, start);
  }
  if (number == 0) return fail(d, CGRPC_PB_ERR_MALFORMED, "field number 0", t, 0, start);
  p = skip_field(d, p, end, number, wt, t, depth, start);
  if (!p) return NULL;
  if (!(d->options & CGRPC_PB_DECODE_DISCARD_UNKNOWN) &&
      !unknown_add(d, u, start, (size_t)(p - start), true)) {
    return fail_memory(d, t, number, start);
  }
  return p;
}

/* The field `f` of the message: one jump on its type; each case checks the
 * wire type against a constant. A scalar that does not match may be a
 * packed run of a repeated field, accepted whatever the table's PACKED flag
 * says; any other mismatch goes to decode_other(). */
static inline __attribute__((always_inline)) const char *decode_field(
    decoder_t *d, const char *p, const char *end, char *m, const cgrpc_pb_field_t *f,
    const cgrpc_pb_msg_table_t *t, unknown_buf_t *u, int depth, uint32_t tag, const char *start,
    uint32_t group, const char **group_end, bool alias) {
  unsigned wt = tag & 7;
  switch (f->type) {
    case CGRPC_PB_INT32:
    case CGRPC_PB_UINT32:
      if (CGRPC_PB_LIKELY(wt == CGRPC_PB_WT_VARINT)) {
        return decode_varint(d, p, end, m, f, t, u, CGRPC_PB_INT32);
      }
      break;
    case CGRPC_PB_ENUM:
      if (CGRPC_PB_LIKELY(wt == CGRPC_PB_WT_VARINT)) {
        return decode_varint(d, p, end, m, f, t, u, CGRPC_PB_ENUM);
      }
      break;
    case CGRPC_PB_INT64:
    case CGRPC_PB_UINT64:
      if (CGRPC_PB_LIKELY(wt == CGRPC_PB_WT_VARINT)) {
        return decode_varint(d, p, end, m, f, t, u, CGRPC_PB_INT64);
      }
      break;
    case CGRPC_PB_SINT32:
      if (CGRPC_PB_LIKELY(wt == CGRPC_PB_WT_VARINT)) {
        return decode_varint(d, p, end, m, f, t, u, CGRPC_PB_SINT32);
      }
      break;
    case CGRPC_PB_SINT64:
      if (CGRPC_PB_LIKELY(wt == CGRPC_PB_WT_VARINT)) {
        return decode_varint(d, p, end, m, f, t, u, CGRPC_PB_SINT64);
      }
      break;
    case CGRPC_PB_BOOL:
      if (CGRPC_PB_LIKELY(wt == CGRPC_PB_WT_VARINT)) {
        return decode_varint(d, p, end, m, f, t, u, CGRPC_PB_BOOL);
      }
      break;
    case CGRPC_PB_FIXED32:
    case CGRPC_PB_SFIXED32:
    case CGRPC_PB_FLOAT:
      if (CGRPC_PB_LIKELY(wt == CGRPC_PB_WT_I32)) return decode_fixed(d, p, end, m, f, t, 4);
      break;
    case CGRPC_PB_FIXED64:
    case CGRPC_PB_SFIXED64:
    case CGRPC_PB_DOUBLE:
      if (CGRPC_PB_LIKELY(wt == CGRPC_PB_WT_I64)) return decode_fixed(d, p, end, m, f, t, 8);
      break;
    case CGRPC_PB_STRING:
    case CGRPC_PB_BYTES:
      if (CGRPC_PB_LIKELY(wt == CGRPC_PB_WT_LEN)) return decode_bytes(d, p, end, m, f, t, alias);
      return decode_other(d, p, end, m, f, t, u, depth, tag, start, group, group_end);
    case CGRPC_PB_MESSAGE:
      if (CGRPC_PB_LIKELY(wt == CGRPC_PB_WT_LEN)) {
        return decode_child(d, p, end, m, f, t, u, depth, CGRPC_PB_MESSAGE, start);
      }
      return decode_other(d, p, end, m, f, t, u, depth, tag, start, group, group_end);
    case CGRPC_PB_GROUP:
      if (CGRPC_PB_LIKELY(wt == CGRPC_PB_WT_SGROUP)) {
        return decode_child(d, p, end, m, f, t, u, depth, CGRPC_PB_GROUP, start);
      }
      return decode_other(d, p, end, m, f, t, u, depth, tag, start, group, group_end);
    default:
      return decode_other(d, p, end, m, f, t, u, depth, tag, start, group, group_end);
  }
  /* A scalar whose wire type did not match. */
  if (wt == CGRPC_PB_WT_LEN && (f->flags & CGRPC_PB_FIELD_REPEATED)) {
    return decode_packed(d, p, end, m, f, t, u);
  }
  return decode_other(d, p, end, m, f, t, u, depth, tag, start, group, group_end);
}

/* ---- Messages ---------------------------------------------------------- */

/* Decodes fields from p up to end (or, for a group, up to its end-group tag)
 * into msg: reads each tag, finds its field (see the top of the file) and
 * hands it to decode_field(). Returns the position after the message, or
 * NULL with the error recorded in d. */
static const char *decode_message(decoder_t *d, const char *p, const char *end, void *msg,
                                  const cgrpc_pb_msg_table_t *t, int depth, uint32_t group) {
  char *m = (char *)msg;
  unknown_buf_t u = {(cgrpc_str_t *)msg, 0};
  uintptr_t cap;
  if (u.str->len && d->unknown_caps.count &&
      cgrpc_pb_ptrmap_get(&d->unknown_caps, u.str->data, &cap)) {
    u.cap = cap;
  }
  /* A message with no fields may have a NULL field array; NULL + 0 is
   * undefined, so point at a harmless empty array instead. */
  static const cgrpc_pb_field_t no_fields[1];
  const cgrpc_pb_field_t *fields = t->field_count ? t->fields : no_fields;
  const cgrpc_pb_field_t *fields_end = fields + t->field_count;
  const cgrpc_pb_field_t *next = fields; /* expected next: the one after the last seen */
  const char *group_end = NULL;
  /* In locals, because every store into the message could alias the table
   * or the decoder as far as the compiler knows. */
  const uint32_t dense = t->dense_count;
  const bool alias = d->options & CGRPC_PB_DECODE_ALIAS;
  while (p < end) {
    const char *start = p;
    uint32_t tag;
    if (CGRPC_PB_LIKELY((uint8_t)*p < 0x80)) {
      tag = (uint8_t)*p++;
    } else {
      uint32_t long_tag; /* its address is taken; `tag` stays in a register */
      p = read_tag_slow(d, p, end, &long_tag, t);
      if (!p) return NULL;
      tag = long_tag;
    }
    uint32_t number = tag >> 3;
    const cgrpc_pb_field_t *f;
    if (CGRPC_PB_LIKELY(number - 1 < dense)) {
      f = &fields[number - 1];
    } else if (next < fields_end && next->number == number) {
      f = next;
    } else {
      f = cgrpc_pb_table_find(t, number);
      if (!f) {
        p = decode_other(d, p, end, m, NULL, t, &u, depth, tag, start, group, &group_end);
        if (!p) return NULL;
        continue;
      }
    }
    p = decode_field(d, p, end, m, f, t, &u, depth, tag, start, group, &group_end, alias);
    if (!p) return NULL;
    next = f + 1;
  }
  if (group) {
    if (!group_end) {
      return fail(d, CGRPC_PB_ERR_TRUNCATED, "group has no end-group tag", t, group, end);
    }
    return finish_message(d, group_end, msg, t, &u);
  }
  if (CGRPC_PB_UNLIKELY(u.cap || (t->flags & CGRPC_PB_MSG_HAS_REQUIRED))) {
    return finish_message(d, p, msg, t, &u);
  }
  return p;
}

/* Of map entries with equal keys only the last survives; the survivors keep
 * their order. One stable sort per map field per call. */
static bool dedupe_map(decoder_t *d, cgrpc_pb_array_t *a, const cgrpc_pb_msg_table_t *entry) {
  size_t n = a->count;
  if (n < 2) return true;
  if (n > SIZE_MAX / (2 * sizeof(size_t))) return false;
  size_t *order = cgrpc_arena_alloc(d->arena, 2 * n * sizeof(size_t));
  if (!order) return false;
  size_t *lost = order + n;
  void **entries = a->data;
  const cgrpc_pb_field_t *key = cgrpc_pb_map_key_field(entry);
  cgrpc_pb_map_sort(entries, n, key, order, lost);
  memset(lost, 0, n * sizeof *lost);
  bool any = false;
  for (size_t i = 0; i + 1 < n; i++) {
    if (cgrpc_pb_map_key_compare(entries[order[i]], entries[order[i + 1]], key) == 0) {
      lost[order[i]] = 1;
      any = true;
    }
  }
  if (!any) return true;
  size_t kept = 0;
  for (size_t i = 0; i < n; i++) {
    if (!lost[i]) entries[kept++] = entries[i];
  }
  a->count = kept;
  return true;
}

int cgrpc_pb_decode(const void *buf, size_t len, void *msg, const cgrpc_pb_msg_table_t *table,
                    cgrpc_arena_t *arena, int options, cgrpc_pb_error_t *err) {
  const char *in = buf ? (const char *)buf : "";
  int max_depth = (int)((unsigned)options >> 16);
  decoder_t d = {
      .input = in,
      .input_end = in + len,
      .arena = arena,
      .options = options,
      .max_depth = max_depth ? max_depth : CGRPC_PB_DEFAULT_MAX_DEPTH,
      .err = err,
  };
  if (!decode_message(&d, in, in + len, msg, table, 0, 0)) return d.code;
  for (size_t i = 0; i < d.maps.count; i++) {
    const cgrpc_pb_ptrmap_entry_t *e = &d.maps.entries[i];
    if (!dedupe_map(&d, (cgrpc_pb_array_t *)e->key, (const cgrpc_pb_msg_table_t *)e->value)) {
      fail_memory(&d, table, 0, d.input_end);
      return d.code;
    }
  }
  for (size_t i = 0; i < d.incomplete.count; i++) {
    const cgrpc_pb_ptrmap_entry_t *e = &d.incomplete.entries[i];
    const cgrpc_pb_msg_table_t *t = (const cgrpc_pb_msg_table_t *)e->value;
    const cgrpc_pb_field_t *f = cgrpc_pb_find_missing_required(e->key, t);
    if (f) {
      fail(&d, CGRPC_PB_ERR_MISSING_REQUIRED, NULL, t, f->number, d.input_end);
      return d.code;
    }
  }
  return CGRPC_PB_OK;
}

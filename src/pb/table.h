/* pb/table.h — what every walker of messages needs to know about a table:
 * where a field lives, how wide its value is, which wire type it uses, and
 * whether it is set.
 *
 * The decoder, the encoder, the sizer, equality and copy all answer these
 * questions the same way, so the answers live here once. Tables come from
 * generated code and are trusted: field types are valid cgrpc_pb_type_t
 * values and offsets lie inside the struct.
 */
#ifndef CGRPC_SRC_PB_TABLE_H
#define CGRPC_SRC_PB_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgrpc/pb_table.h"
#include "pb/wire.h"

#define CGRPC_PB_STR_SIZE ((uint8_t)sizeof(cgrpc_str_t))
#define CGRPC_PB_PTR_SIZE ((uint8_t)sizeof(void *))

/* Indexed by cgrpc_pb_type_t: the wire type of one value of that type, and
 * the bytes one value takes in the C struct (or in a repeated array). Static
 * in every file that includes this, so lookups with a constant type fold
 * into constants. */
static const uint8_t cgrpc_pb_type_wire_type[19] = {
    [CGRPC_PB_DOUBLE] = CGRPC_PB_WT_I64,    [CGRPC_PB_FLOAT] = CGRPC_PB_WT_I32,
    [CGRPC_PB_INT64] = CGRPC_PB_WT_VARINT,  [CGRPC_PB_UINT64] = CGRPC_PB_WT_VARINT,
    [CGRPC_PB_INT32] = CGRPC_PB_WT_VARINT,  [CGRPC_PB_FIXED64] = CGRPC_PB_WT_I64,
    [CGRPC_PB_FIXED32] = CGRPC_PB_WT_I32,   [CGRPC_PB_BOOL] = CGRPC_PB_WT_VARINT,
    [CGRPC_PB_STRING] = CGRPC_PB_WT_LEN,    [CGRPC_PB_GROUP] = CGRPC_PB_WT_SGROUP,
    [CGRPC_PB_MESSAGE] = CGRPC_PB_WT_LEN,   [CGRPC_PB_BYTES] = CGRPC_PB_WT_LEN,
    [CGRPC_PB_UINT32] = CGRPC_PB_WT_VARINT, [CGRPC_PB_ENUM] = CGRPC_PB_WT_VARINT,
    [CGRPC_PB_SFIXED32] = CGRPC_PB_WT_I32,  [CGRPC_PB_SFIXED64] = CGRPC_PB_WT_I64,
    [CGRPC_PB_SINT32] = CGRPC_PB_WT_VARINT, [CGRPC_PB_SINT64] = CGRPC_PB_WT_VARINT,
};

static const uint8_t cgrpc_pb_type_size[19] = {
    [CGRPC_PB_DOUBLE] = 8,
    [CGRPC_PB_FLOAT] = 4,
    [CGRPC_PB_INT64] = 8,
    [CGRPC_PB_UINT64] = 8,
    [CGRPC_PB_INT32] = 4,
    [CGRPC_PB_FIXED64] = 8,
    [CGRPC_PB_FIXED32] = 4,
    [CGRPC_PB_BOOL] = 1,
    [CGRPC_PB_STRING] = CGRPC_PB_STR_SIZE,
    [CGRPC_PB_GROUP] = CGRPC_PB_PTR_SIZE,
    [CGRPC_PB_MESSAGE] = CGRPC_PB_PTR_SIZE,
    [CGRPC_PB_BYTES] = CGRPC_PB_STR_SIZE,
    [CGRPC_PB_UINT32] = 4,
    [CGRPC_PB_ENUM] = 4,
    [CGRPC_PB_SFIXED32] = 4,
    [CGRPC_PB_SFIXED64] = 8,
    [CGRPC_PB_SINT32] = 4,
    [CGRPC_PB_SINT64] = 8,
};

static inline bool cgrpc_pb_type_is_packable(unsigned type) {
  unsigned wt = cgrpc_pb_type_wire_type[type];
  return wt != CGRPC_PB_WT_LEN && wt != CGRPC_PB_WT_SGROUP;
}

static inline bool cgrpc_pb_type_is_message(unsigned type) {
  return type == CGRPC_PB_MESSAGE || type == CGRPC_PB_GROUP;
}

static inline bool cgrpc_pb_type_is_string(unsigned type) {
  return type == CGRPC_PB_STRING || type == CGRPC_PB_BYTES;
}

/* Looks a field up by number: direct index for the dense prefix, binary
 * search for the rest. NULL when the message has no such field. */
static inline const cgrpc_pb_field_t *cgrpc_pb_table_find(const cgrpc_pb_msg_table_t *t,
                                                          uint32_t number) {
  if (number - 1 < t->dense_count) return &t->fields[number - 1];
  size_t lo = t->dense_count, hi = t->field_count;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    uint32_t n = t->fields[mid].number;
    if (n == number) return &t->fields[mid];
    if (n < number) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return NULL;
}

/* The name of a field for messages, or NULL when the table has no names. */
const char *cgrpc_pb_table_field_name(const cgrpc_pb_msg_table_t *t, uint32_t number);

static inline const cgrpc_pb_msg_table_t *cgrpc_pb_field_msg(const cgrpc_pb_msg_table_t *t,
                                                             const cgrpc_pb_field_t *f) {
  return t->subs[f->sub].msg;
}

/* Whether the bytes of a value of `type` at v are all zero (proto3's
 * "implicit presence" test; floats compare by bit pattern, so -0.0 is set). */
static inline bool cgrpc_pb_value_is_zero(unsigned type, const void *v) {
  switch (cgrpc_pb_type_size[type]) {
    case 1:
      return *(const uint8_t *)v == 0;
    case 4:
      return *(const uint32_t *)v == 0;
    case 8:
      return *(const uint64_t *)v == 0;
    default:
      return ((const cgrpc_str_t *)v)->len == 0;
  }
}

/* Whether a singular field of msg is set: its oneof case names it, its
 * message pointer is non-NULL, its has_ flag is true, or (no explicit
 * presence) its value is not zero. */
static inline bool cgrpc_pb_field_is_set(const void *msg, const cgrpc_pb_field_t *f) {
  const char *m = (const char *)msg;
  if (f->flags & CGRPC_PB_FIELD_ONEOF) return *(const uint32_t *)(m + f->presence) == f->number;
  if (cgrpc_pb_type_is_message(f->type)) return *(void *const *)(m + f->offset) != NULL;
  if (f->flags & CGRPC_PB_FIELD_HAS) return *(const bool *)(m + f->presence);
  return !cgrpc_pb_value_is_zero(f->type, m + f->offset);
}

/* The first required field msg lacks, or NULL when all are present. */
const cgrpc_pb_field_t *cgrpc_pb_find_missing_required(const void *msg,
                                                       const cgrpc_pb_msg_table_t *t);

/* Whether a closed enum defines value v. */
bool cgrpc_pb_enum_contains(const cgrpc_pb_enum_table_t *e, int32_t v);

#endif /* CGRPC_SRC_PB_TABLE_H */

/* json/extension.c — what the printer and parser share for extensions:
 * a one-field message table made for an extension, so that its value can
 * go through the ordinary field code and the binary codec, and a scan of
 * the field numbers in a message's unknown fields.
 *
 * An extension's value is kept in the extended message's unknown fields as
 * wire bytes. Decoding those bytes with the one-field table collects the
 * extension's value (every occurrence: a repeated extension's elements, or
 * the last one of a singular extension, as the binary format says), and
 * encoding that table's message gives the bytes to append after parsing. */
#include <stdlib.h>
#include <string.h>

#include "json/json_internal.h"
#include "pb/wire.h"

void cgrpc_json_ext_table_init(json_ext_table_t *et, const cgrpc_json_extension_t *ext) {
  memset(et, 0, sizeof *et);
  cgrpc_pb_field_t *f = &et->field;
  f->number = ext->number;
  f->offset = (uint32_t)offsetof(json_ext_holder_t, v);
  f->type = (uint8_t)ext->type;
  if (ext->repeated) {
    f->flags = CGRPC_PB_FIELD_REPEATED;
    if (ext->packed) f->flags |= CGRPC_PB_FIELD_PACKED;
  } else if (!cgrpc_pb_type_is_message(ext->type)) {
    /* Explicit presence, as every proto2 field has: a zero that was
     * written is printed and encoded. */
    f->flags = CGRPC_PB_FIELD_HAS;
    f->presence = (uint16_t)offsetof(json_ext_holder_t, has);
  }
  if (ext->type == CGRPC_PB_ENUM && ext->closed_enum) f->flags |= CGRPC_PB_FIELD_CLOSED_ENUM;
  if (cgrpc_pb_type_is_message(ext->type)) {
    et->sub.msg = ext->message;
  } else if (ext->type == CGRPC_PB_ENUM) {
    et->sub.enm = ext->enum_type;
  }
  et->name = ext->full_name;
  et->table.full_name = ext->full_name;
  et->table.fields = &et->field;
  et->table.subs = &et->sub;
  et->table.field_names = &et->name;
  et->table.json_names = &et->name;
  et->table.size = (uint32_t)sizeof(json_ext_holder_t);
  et->table.field_count = 1;
  et->table.dense_count = ext->number == 1 ? 1 : 0;
}

bool cgrpc_json_ext_usable(const cgrpc_json_extension_t *ext) {
  if (!ext->full_name || ext->number < 1 || ext->number > 536870911u) return false;
  if (ext->type < CGRPC_PB_DOUBLE || ext->type > CGRPC_PB_SINT64) return false;
  if (cgrpc_pb_type_is_message(ext->type)) return ext->message != NULL;
  if (ext->type == CGRPC_PB_ENUM) return ext->enum_type != NULL;
  return true;
}

/* Skips one field's value of wire type `wt` at p; NULL when malformed. */
static const char *skip_value(const char *p, const char *end, unsigned wt, uint32_t number,
                              int depth) {
  uint64_t v;
  switch (wt) {
    case 0:
      return cgrpc_pb_read_varint(p, end, &v);
    case 1:
      return end - p >= 8 ? p + 8 : NULL;
    case 5:
      return end - p >= 4 ? p + 4 : NULL;
    case 2:
      p = cgrpc_pb_read_varint(p, end, &v);
      return p && v <= (uint64_t)(end - p) ? p + v : NULL;
    case 3:
      if (depth > 64) return NULL;
      while (p && p < end) {
        uint64_t tag;
        p = cgrpc_pb_read_varint(p, end, &tag);
        if (!p) return NULL;
        if ((tag & 7) == 4) return (tag >> 3) == number ? p : NULL;
        p = skip_value(p, end, (unsigned)(tag & 7), (uint32_t)(tag >> 3), depth + 1);
      }
      return NULL;
    default:
      return NULL;
  }
}

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return (x > y) - (x < y);
}

bool cgrpc_json_unknown_numbers(cgrpc_str_t unknown, cgrpc_arena_t *arena, uint32_t **out,
                                size_t *count) {
  const char *p = unknown.data, *end = p + unknown.len;
  /* A field takes at least two bytes, so len / 2 + 1 bounds the count. */
  uint32_t *nums = cgrpc_arena_alloc(arena, (unknown.len / 2 + 1) * sizeof *nums);
  if (!nums) return false;
  size_t n = 0;
  while (p && p < end) {
    uint64_t tag;
    p = cgrpc_pb_read_varint(p, end, &tag);
    if (!p || (tag >> 3) == 0 || (tag >> 3) > 536870911u) break;
    uint32_t number = (uint32_t)(tag >> 3);
    p = skip_value(p, end, (unsigned)(tag & 7), number, 0);
    if (!p) break; /* malformed: the numbers so far */
    nums[n++] = number;
  }
  qsort(nums, n, sizeof *nums, cmp_u32);
  size_t u = 0;
  for (size_t i = 0; i < n; i++) {
    if (u == 0 || nums[u - 1] != nums[i]) nums[u++] = nums[i];
  }
  *out = nums;
  *count = u;
  return true;
}

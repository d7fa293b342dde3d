/* pb/table.c — table lookups shared by the decoder, encoder, equality and
 * copy that are too long to inline (see pb/table.h). */
#include "pb/table.h"

const char *cgrpc_pb_table_field_name(const cgrpc_pb_msg_table_t *t, uint32_t number) {
  const cgrpc_pb_field_t *f = number ? cgrpc_pb_table_find(t, number) : NULL;
  if (!f || !t->field_names) return NULL;
  return t->field_names[f - t->fields];
}

const cgrpc_pb_field_t *cgrpc_pb_find_missing_required(const void *msg,
                                                       const cgrpc_pb_msg_table_t *t) {
  for (size_t i = 0; i < t->field_count; i++) {
    const cgrpc_pb_field_t *f = &t->fields[i];
    if ((f->flags & CGRPC_PB_FIELD_REQUIRED) && !cgrpc_pb_field_is_set(msg, f)) return f;
  }
  return NULL;
}

bool cgrpc_pb_enum_contains(const cgrpc_pb_enum_table_t *e, int32_t v) {
  size_t lo = 0, hi = e->value_count;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (e->values[mid] == v) return true;
    if (e->values[mid] < v) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return false;
}

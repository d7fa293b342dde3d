/* reflect/dyn.c — reading and writing fields of any message by descriptor
 * (the cgrpc_dyn_* functions of cgrpc/descriptor.h). Each field descriptor
 * carries its table row (`slot`), so an access is an offset and a type
 * switch: the same memory the engine decodes into, with no lookup. */
#include <string.h>

#include "pb/table.h"
#include "pb/utf8.h"
#include "reflect/pool.h"

static char *at(void *msg, uint32_t offset) { return (char *)msg + offset; }
static const char *cat(const void *msg, uint32_t offset) { return (const char *)msg + offset; }

static cgrpc_dyn_value_t load(const void *p, cgrpc_pb_type_t type) {
  cgrpc_dyn_value_t v;
  memset(&v, 0, sizeof v);
  switch (cgrpc_dyn_kind_of(type)) {
    case CGRPC_DYN_MSG:
      memcpy(&v.msg, p, sizeof(void *));
      break;
    case CGRPC_DYN_STR:
      memcpy(&v.str, p, sizeof(cgrpc_str_t));
      break;
    default:
      memcpy(&v, p, cgrpc_pb_type_size[type]);
      break;
  }
  return v;
}

static void store(void *p, cgrpc_pb_type_t type, cgrpc_dyn_value_t v) {
  switch (cgrpc_dyn_kind_of(type)) {
    case CGRPC_DYN_MSG:
      memcpy(p, &v.msg, sizeof(void *));
      break;
    case CGRPC_DYN_STR:
      memcpy(p, &v.str, sizeof(cgrpc_str_t));
      break;
    default:
      memcpy(p, &v, cgrpc_pb_type_size[type]);
      break;
  }
}

static size_t elem_size(cgrpc_pb_type_t type) {
  return cgrpc_pb_type_is_message(type) ? sizeof(void *) : cgrpc_pb_type_size[type];
}

bool cgrpc_dyn_has(const void *msg, const cgrpc_field_desc_t *field) {
  const cgrpc_pb_field_t *r = field->slot;
  if (!r) return false;
  if (r->flags & CGRPC_PB_FIELD_REPEATED) {
    return ((const cgrpc_pb_array_t *)cat(msg, r->offset))->count > 0;
  }
  return cgrpc_pb_field_is_set(msg, r);
}

/* The default of a singular field's value, from the table's default
 * instance (zero without one). */
static void reset_value(void *msg, const cgrpc_field_desc_t *field) {
  const cgrpc_pb_field_t *r = field->slot;
  const cgrpc_pb_msg_table_t *t = field->containing->table;
  size_t size = elem_size(field->type);
  if (t->default_instance && !(r->flags & CGRPC_PB_FIELD_ONEOF)) {
    memcpy(at(msg, r->offset), (const char *)t->default_instance + r->offset, size);
  } else {
    memset(at(msg, r->offset), 0, size);
  }
}

void cgrpc_dyn_clear(void *msg, const cgrpc_field_desc_t *field) {
  const cgrpc_pb_field_t *r = field->slot;
  if (!r) return;
  if (r->flags & CGRPC_PB_FIELD_REPEATED) {
    memset(at(msg, r->offset), 0, sizeof(cgrpc_pb_array_t));
    return;
  }
  if (r->flags & CGRPC_PB_FIELD_ONEOF) {
    uint32_t *c = (uint32_t *)at(msg, r->presence);
    if (*c != r->number) return;
    *c = 0;
  } else if (r->flags & CGRPC_PB_FIELD_HAS) {
    *(bool *)at(msg, r->presence) = false;
  }
  reset_value(msg, field);
}

cgrpc_dyn_value_t cgrpc_dyn_get(const void *msg, const cgrpc_field_desc_t *field) {
  cgrpc_dyn_value_t v;
  memset(&v, 0, sizeof v);
  const cgrpc_pb_field_t *r = field->slot;
  if (!r || (r->flags & CGRPC_PB_FIELD_REPEATED)) return v;
  if ((r->flags & CGRPC_PB_FIELD_ONEOF) && *(const uint32_t *)cat(msg, r->presence) != r->number) {
    return v;
  }
  return load(cat(msg, r->offset), field->type);
}

static cgrpc_status_code_t check_value(const cgrpc_field_desc_t *field, cgrpc_dyn_kind_t kind,
                                       cgrpc_dyn_value_t value, cgrpc_error_t *err) {
  if (!field->slot) {
    return reflect_fail(err, CGRPC_STATUS_INVALID_ARGUMENT,
                        "%s is an extension; its values stay in the unknown fields",
                        field->full_name);
  }
  if (kind != cgrpc_dyn_kind_of(field->type)) {
    return reflect_fail(err, CGRPC_STATUS_INVALID_ARGUMENT,
                        "field %s does not take a value of this kind", field->full_name);
  }
  if ((field->slot->flags & CGRPC_PB_FIELD_UTF8) &&
      !cgrpc_utf8_validate(value.str.data, value.str.len, NULL)) {
    return reflect_fail(err, CGRPC_STATUS_INVALID_ARGUMENT,
                        "field %s: the string is not valid UTF-8", field->full_name);
  }
  if (field->enum_type && field->enum_type->closed &&
      !cgrpc_pb_enum_contains(field->enum_type->table, value.i32)) {
    return reflect_fail(err, CGRPC_STATUS_INVALID_ARGUMENT, "field %s: enum %s has no value %d",
                        field->full_name, field->enum_type->full_name, (int)value.i32);
  }
  return CGRPC_STATUS_OK;
}

cgrpc_status_code_t cgrpc_dyn_set(void *msg, const cgrpc_field_desc_t *field,
                                  cgrpc_dyn_kind_t kind, cgrpc_dyn_value_t value,
                                  cgrpc_error_t *err) {
  cgrpc_status_code_t code = check_value(field, kind, value, err);
  if (code != CGRPC_STATUS_OK) return code;
  const cgrpc_pb_field_t *r = field->slot;
  if (r->flags & CGRPC_PB_FIELD_REPEATED) {
    return reflect_fail(err, CGRPC_STATUS_INVALID_ARGUMENT,
                        "field %s is repeated; use cgrpc_dyn_add", field->full_name);
  }
  if (kind == CGRPC_DYN_MSG && !value.msg) {
    cgrpc_dyn_clear(msg, field);
    return CGRPC_STATUS_OK;
  }
  if (r->flags & CGRPC_PB_FIELD_ONEOF) {
    uint32_t *c = (uint32_t *)at(msg, r->presence);
    *c = r->number;
  } else if (r->flags & CGRPC_PB_FIELD_HAS) {
    *(bool *)at(msg, r->presence) = true;
  }
  store(at(msg, r->offset), field->type, value);
  return CGRPC_STATUS_OK;
}

cgrpc_status_code_t cgrpc_dyn_mutable_msg(void *msg, const cgrpc_field_desc_t *field,
                                          cgrpc_arena_t *arena, void **sub, cgrpc_error_t *err) {
  *sub = NULL;
  if (!field->slot || field->label == CGRPC_LABEL_REPEATED || !field->message) {
    return reflect_fail(err, CGRPC_STATUS_INVALID_ARGUMENT,
                        "field %s is not a singular message field", field->full_name);
  }
  void *cur = cgrpc_dyn_get(msg, field).msg;
  if (!cur) {
    cur = arena ? cgrpc_pb_msg_new(field->message->table, arena) : NULL;
    if (!cur) {
      return reflect_fail(err, CGRPC_STATUS_RESOURCE_EXHAUSTED,
                          "cannot create message %s: out of memory", field->message->full_name);
    }
    cgrpc_dyn_value_t v = {.msg = cur};
    cgrpc_dyn_set(msg, field, CGRPC_DYN_MSG, v, NULL);
  }
  *sub = cur;
  return CGRPC_STATUS_OK;
}

size_t cgrpc_dyn_count(const void *msg, const cgrpc_field_desc_t *field) {
  const cgrpc_pb_field_t *r = field->slot;
  if (!r || !(r->flags & CGRPC_PB_FIELD_REPEATED)) return 0;
  return ((const cgrpc_pb_array_t *)cat(msg, r->offset))->count;
}

cgrpc_dyn_value_t cgrpc_dyn_get_at(const void *msg, const cgrpc_field_desc_t *field,
                                   size_t index) {
  cgrpc_dyn_value_t v;
  memset(&v, 0, sizeof v);
  const cgrpc_pb_field_t *r = field->slot;
  if (!r || !(r->flags & CGRPC_PB_FIELD_REPEATED)) return v;
  const cgrpc_pb_array_t *arr = (const cgrpc_pb_array_t *)cat(msg, r->offset);
  if (index >= arr->count) return v;
  return load((const char *)arr->data + index * elem_size(field->type), field->type);
}

cgrpc_status_code_t cgrpc_dyn_add(void *msg, const cgrpc_field_desc_t *field,
                                  cgrpc_dyn_kind_t kind, cgrpc_dyn_value_t value,
                                  cgrpc_arena_t *arena, void **added, cgrpc_error_t *err) {
  if (added) *added = NULL;
  bool new_msg = kind == CGRPC_DYN_MSG && !value.msg;
  cgrpc_status_code_t code = check_value(field, kind, value, err);
  if (code != CGRPC_STATUS_OK) return code;
  const cgrpc_pb_field_t *r = field->slot;
  if (!(r->flags & CGRPC_PB_FIELD_REPEATED) || (r->flags & CGRPC_PB_FIELD_MAP)) {
    return reflect_fail(err, CGRPC_STATUS_INVALID_ARGUMENT,
                        "field %s is %s", field->full_name,
                        (r->flags & CGRPC_PB_FIELD_MAP) ? "a map; use cgrpc_dyn_map_put"
                                                         : "not repeated; use cgrpc_dyn_set");
  }
  cgrpc_pb_array_t *arr = (cgrpc_pb_array_t *)at(msg, r->offset);
  size_t size = elem_size(field->type);
  if (new_msg) {
    value.msg = arena ? cgrpc_pb_msg_new(field->message->table, arena) : NULL;
    if (!value.msg) goto no_memory;
  }
  if (arr->count >= arr->capacity) {
    /* Also when capacity < count: an array the caller set up is copied. */
    size_t cap = arr->count < 4 ? 8 : arr->count * 2;
    void *data = arena && cap <= SIZE_MAX / size ? cgrpc_arena_alloc(arena, cap * size) : NULL;
    if (!data) goto no_memory;
    if (arr->count) memcpy(data, arr->data, arr->count * size);
    arr->data = data;
    arr->capacity = cap;
  }
  store((char *)arr->data + arr->count * size, field->type, value);
  arr->count++;
  if (added) *added = value.msg;
  return CGRPC_STATUS_OK;
no_memory:
  return reflect_fail(err, CGRPC_STATUS_RESOURCE_EXHAUSTED, "field %s: out of memory",
                      field->full_name);
}

const cgrpc_field_desc_t *cgrpc_dyn_which_oneof(const void *msg, const cgrpc_oneof_desc_t *oneof) {
  for (size_t i = 0; i < oneof->field_count; i++) {
    if (cgrpc_dyn_has(msg, oneof->fields[i])) return oneof->fields[i];
  }
  return NULL;
}

bool cgrpc_dyn_map_get(const void *msg, const cgrpc_field_desc_t *field, cgrpc_dyn_value_t key,
                       cgrpc_dyn_value_t *value) {
  const cgrpc_pb_field_t *r = field->slot;
  if (!r || !field->is_map) return false;
  cgrpc_dyn_value_t v;
  memset(&v, 0, sizeof v);
  bool found = cgrpc_pb_map_get((const cgrpc_pb_array_t *)cat(msg, r->offset),
                                field->message->table, &key, &v);
  if (found && value) *value = v;
  return found;
}

cgrpc_status_code_t cgrpc_dyn_map_put(void *msg, const cgrpc_field_desc_t *field,
                                      cgrpc_dyn_value_t key, cgrpc_dyn_value_t value,
                                      cgrpc_arena_t *arena, cgrpc_error_t *err) {
  const cgrpc_pb_field_t *r = field->slot;
  if (!r || !field->is_map) {
    return reflect_fail(err, CGRPC_STATUS_INVALID_ARGUMENT, "field %s is not a map",
                        field->full_name);
  }
  const cgrpc_field_desc_t *kf = &field->message->fields[0], *vf = &field->message->fields[1];
  cgrpc_status_code_t code = check_value(kf, cgrpc_dyn_kind_of(kf->type), key, err);
  if (code == CGRPC_STATUS_OK) code = check_value(vf, cgrpc_dyn_kind_of(vf->type), value, err);
  if (code != CGRPC_STATUS_OK) return code;
  if (cgrpc_pb_map_put((cgrpc_pb_array_t *)at(msg, r->offset), field->message->table, &key, &value,
                       arena) != CGRPC_PB_OK) {
    return reflect_fail(err, CGRPC_STATUS_RESOURCE_EXHAUSTED, "field %s: out of memory",
                        field->full_name);
  }
  return CGRPC_STATUS_OK;
}

/* reflect/json_ext.c — a descriptor pool as the JSON codec's extension
 * resolver (cgrpc_json_extensions_t of cgrpc/json.h). Only the struct
 * types come from json.h: the reflect layer does not link the JSON layer,
 * nor the other way round. */
#include <string.h>

#include "cgrpc/descriptor.h"
#include "cgrpc/json.h"
#include "reflect/pool.h"

static bool describe(const cgrpc_field_desc_t *f, const char *extendee,
                     cgrpc_json_extension_t *out) {
  if (!f || !f->is_extension || !f->containing || strcmp(f->containing->full_name, extendee) != 0) {
    return false;
  }
  memset(out, 0, sizeof *out);
  out->full_name = f->full_name;
  out->number = f->number;
  out->type = f->type;
  out->repeated = f->label == CGRPC_LABEL_REPEATED;
  out->packed = f->packed;
  if (f->message) out->message = f->message->table;
  if (f->enum_type) {
    out->enum_type = f->enum_type->table;
    out->closed_enum = f->enum_type->closed;
  }
  return true;
}

static bool find(void *ctx, const char *extendee, cgrpc_str_t full_name,
                 cgrpc_json_extension_t *out) {
  const reflect_symbol_t *s = reflect_pool_lookup(ctx, full_name.data, full_name.len);
  if (!s || s->kind != REFLECT_SYM_EXTENSION) return false;
  return describe(s->desc, extendee, out);
}

static bool find_by_number(void *ctx, const char *extendee, uint32_t number,
                           cgrpc_json_extension_t *out) {
  return describe(cgrpc_pool_find_extension_by_number(ctx, extendee, number), extendee, out);
}

void cgrpc_pool_json_extensions(const cgrpc_pool_t *pool, cgrpc_json_extensions_t *out) {
  out->find = find;
  out->find_by_number = find_by_number;
  out->ctx = (void *)pool;
}

/* reflect/build.c — turns one decoded FileDescriptorProto into descriptors.
 *
 * Three passes, as protobuf's own pools do them. The first records every
 * element with its full name and puts it into the pool's symbol table
 * (which is where duplicates show up). The second resolves what names other
 * elements: field types, extendees, method input and output types, by the
 * protobuf scoping rules. The third gives every message and enum a table:
 * the generated one for generated files, one built at run time for the
 * rest. Only when all three succeed does the file join the pool's lists;
 * before that, a failure takes the file's symbols out again.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "reflect/pool.h"

/* The largest field number protobuf allows (2^29 - 1). */
#define MAX_FIELD_NUMBER 536870911

typedef struct builder {
  cgrpc_pool_t *pool;
  cgrpc_arena_t *a;
  cgrpc_error_t *err;
  cgrpc_status_code_t code; /* the first failure */
  const google_protobuf_FileDescriptorProto *proto;
  cgrpc_file_desc_t *file;
  reflect_symbol_t **added; /* symbols inserted, for the rollback */
  size_t added_count;
  size_t added_cap;
  cgrpc_msg_desc_t **msgs;
  const google_protobuf_DescriptorProto **msg_protos;
  size_t msg_count;
  cgrpc_enum_desc_t **enums;
  size_t enum_count;
  cgrpc_field_desc_t *exts;
  const google_protobuf_FieldDescriptorProto **ext_protos;
  size_t ext_count;
} builder_t;

static bool fail(builder_t *b, cgrpc_status_code_t code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool fail(builder_t *b, cgrpc_status_code_t code, const char *fmt, ...) {
  if (b->code != CGRPC_STATUS_OK) return false;
  b->code = code;
  if (b->err) {
    char *msg = b->err->message;
    size_t size = sizeof b->err->message;
    int n = snprintf(msg, size, "%s: ", b->file && b->file->name ? b->file->name : "descriptor");
    size_t used = n < 0 ? 0 : (size_t)n < size ? (size_t)n : size - 1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg + used, size - used, fmt, ap);
    va_end(ap);
  }
  return false;
}

static bool oom(builder_t *b) { return fail(b, CGRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory"); }

static void *alloc(builder_t *b, size_t n, size_t size) {
  if (n && size > SIZE_MAX / n) {
    oom(b);
    return NULL;
  }
  void *p = cgrpc_arena_calloc(b->a, n * size > 0 ? n * size : 1);
  if (!p) oom(b);
  return p;
}

static const char *dup(builder_t *b, cgrpc_str_t s) {
  char *p = alloc(b, s.len + 1, 1);
  if (p && s.len) memcpy(p, s.data, s.len);
  return p;
}

static const char *join(builder_t *b, const char *scope, const char *name) {
  if (!scope || !name) return NULL;
  if (!scope[0]) return name;
  size_t ls = strlen(scope), ln = strlen(name);
  char *p = alloc(b, ls + ln + 2, 1);
  if (!p) return NULL;
  memcpy(p, scope, ls);
  p[ls] = '.';
  memcpy(p + ls + 1, name, ln + 1);
  return p;
}

static bool is_ident(cgrpc_str_t s) {
  if (s.len == 0 || (s.data[0] >= '0' && s.data[0] <= '9')) return false;
  for (size_t i = 0; i < s.len; i++) {
    char c = s.data[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) {
      return false;
    }
  }
  return true;
}

/* A name that must be an identifier; NULL (and a failure) otherwise. */
static const char *ident(builder_t *b, cgrpc_str_t s, const char *what, const char *scope) {
  if (!is_ident(s)) {
    fail(b, CGRPC_STATUS_INVALID_ARGUMENT, "%s name \"%.*s\"%s%s is not a valid identifier", what,
         (int)(s.len > 64 ? 64 : s.len), s.data ? s.data : "", scope && scope[0] ? " in " : "",
         scope ? scope : "");
    return NULL;
  }
  return dup(b, s);
}

/* ---- Symbols ----------------------------------------------------------- */

static const char *kind_name(reflect_sym_kind_t k) {
  static const char *const kNames[] = {"",         "package", "message",   "enum",    "enum value",
                                       "field",    "oneof",   "extension", "service", "method"};
  return kNames[k];
}

static bool add_symbol(builder_t *b, const char *name, reflect_sym_kind_t kind, const void *desc) {
  if (!name) return false;
  size_t len = strlen(name);
  const reflect_symbol_t *old = reflect_pool_lookup(b->pool, name, len);
  if (old) {
    if (old->kind == REFLECT_SYM_PACKAGE && kind == REFLECT_SYM_PACKAGE) return true;
    return fail(b, CGRPC_STATUS_INVALID_ARGUMENT,
                "%s \"%s\" is already defined, as a %s in %s", kind_name(kind), name,
                kind_name(old->kind), old->file ? old->file->name : "the pool");
  }
  if (b->added_count == b->added_cap) return oom(b); /* counted in advance: cannot happen */
  reflect_symbol_t *s = alloc(b, 1, sizeof(*s));
  if (!s) return false;
  *s = (reflect_symbol_t){name,     len,  reflect_hash(REFLECT_NS_SYMBOL, name, len, 0),
                          REFLECT_NS_SYMBOL, 0, kind, desc, b->file, NULL};
  reflect_pool_insert(b->pool, s);
  b->added[b->added_count++] = s;
  return true;
}

/* Inserts a file-name or extension-number key (see reflect_ns_t). */
static bool add_key(builder_t *b, reflect_ns_t ns, const char *name, uint32_t number,
                    const void *desc) {
  if (b->added_count == b->added_cap) return oom(b);
  reflect_symbol_t *s = alloc(b, 1, sizeof(*s));
  if (!s) return false;
  size_t len = strlen(name);
  uint32_t hash = reflect_hash(ns, name, len, ns == REFLECT_NS_FILE ? 0 : number);
  *s = (reflect_symbol_t){name, len, hash, ns, number, REFLECT_SYM_PACKAGE, desc, b->file, NULL};
  reflect_pool_insert(b->pool, s);
  b->added[b->added_count++] = s;
  return true;
}

static void rollback(builder_t *b) {
  while (b->added_count) reflect_pool_remove(b->pool, b->added[--b->added_count]);
}

/* ---- Pass 1: elements and their names ---------------------------------- */

typedef struct counts {
  size_t msgs, enums, exts, symbols;
} counts_t;

static void count_msg(const google_protobuf_DescriptorProto *d, counts_t *c) {
  c->msgs++;
  c->exts += d->extension.count;
  c->symbols += 1 + d->field.count + d->oneof_decl.count + d->extension.count;
  c->enums += d->enum_type.count;
  for (size_t i = 0; i < d->enum_type.count; i++) {
    c->symbols += 1 + d->enum_type.data[i]->value.count;
  }
  for (size_t i = 0; i < d->nested_type.count; i++) count_msg(d->nested_type.data[i], c);
}

static void count_file(const google_protobuf_FileDescriptorProto *d, counts_t *c) {
  c->symbols += 2; /* the first package component, and the file's name */
  for (size_t i = 0; i < d->package.len; i++) c->symbols += d->package.data[i] == '.';
  c->enums += d->enum_type.count;
  for (size_t i = 0; i < d->enum_type.count; i++) {
    c->symbols += 1 + d->enum_type.data[i]->value.count;
  }
  c->exts += d->extension.count;
  c->symbols += d->extension.count;
  for (size_t i = 0; i < d->message_type.count; i++) count_msg(d->message_type.data[i], c);
  c->symbols += c->exts; /* an extension-number key each */
  for (size_t i = 0; i < d->service.count; i++) c->symbols += 1 + d->service.data[i]->method.count;
}

/* `scope` is the full name of the enum's parent (a message or the package):
 * protobuf scopes enum values as siblings of their enum. */
static void add_enum(builder_t *b, const google_protobuf_EnumDescriptorProto *d, const char *scope,
                     const cgrpc_msg_desc_t *containing) {
  cgrpc_enum_desc_t *e = alloc(b, 1, sizeof(*e));
  if (!e) return;
  e->name = ident(b, d->name, "enum", scope);
  e->full_name = join(b, scope, e->name);
  e->file = b->file;
  e->containing = containing;
  e->closed = !b->file->proto3;
  b->enums[b->enum_count++] = e;
  if (!add_symbol(b, e->full_name, REFLECT_SYM_ENUM, e)) return;
  if (d->value.count == 0) {
    fail(b, CGRPC_STATUS_INVALID_ARGUMENT, "enum %s has no values", e->full_name);
    return;
  }
  cgrpc_enum_value_desc_t *values = alloc(b, d->value.count, sizeof(*values));
  if (!values) return;
  for (size_t i = 0; i < d->value.count; i++) {
    const google_protobuf_EnumValueDescriptorProto *v = d->value.data[i];
    values[i].name = ident(b, v->name, "enum value", e->full_name);
    values[i].number = v->number;
    values[i].enum_type = e;
    if (!add_symbol(b, join(b, scope, values[i].name), REFLECT_SYM_ENUM_VALUE, &values[i])) return;
  }
  if (b->file->proto3 && values[0].number != 0) {
    fail(b, CGRPC_STATUS_INVALID_ARGUMENT, "enum %s: the first value of a proto3 enum must be 0",
         e->full_name);
    return;
  }
  e->values = values;
  e->value_count = d->value.count;
}

static void add_extensions(builder_t *b, google_protobuf_FieldDescriptorProto *const *d, size_t n,
                           const char *scope, const cgrpc_msg_desc_t *scope_msg) {
  for (size_t i = 0; i < n && b->code == CGRPC_STATUS_OK; i++) {
    cgrpc_field_desc_t *f = &b->exts[b->ext_count];
    b->ext_protos[b->ext_count++] = d[i];
    f->name = ident(b, d[i]->name, "extension", scope);
    f->full_name = join(b, scope, f->name);
    f->scope = scope_msg;
    f->is_extension = true;
    add_symbol(b, f->full_name, REFLECT_SYM_EXTENSION, f);
  }
}

static void add_msg(builder_t *b, const google_protobuf_DescriptorProto *d, const char *scope,
                    const cgrpc_msg_desc_t *containing) {
  if (b->code != CGRPC_STATUS_OK) return;
  cgrpc_msg_desc_t *m = alloc(b, 1, sizeof(*m));
  if (!m) return;
  m->name = ident(b, d->name, "message", scope);
  m->full_name = join(b, scope, m->name);
  m->file = b->file;
  m->containing = containing;
  m->map_entry = d->options && d->options->has_map_entry && d->options->map_entry;
  b->msg_protos[b->msg_count] = d;
  b->msgs[b->msg_count++] = m;
  if (!add_symbol(b, m->full_name, REFLECT_SYM_MESSAGE, m)) return;
  if (d->field.count > UINT16_MAX) {
    fail(b, CGRPC_STATUS_INVALID_ARGUMENT, "message %s has %zu fields; at most %u are supported",
         m->full_name, d->field.count, (unsigned)UINT16_MAX);
    return;
  }
  cgrpc_field_desc_t *fields = alloc(b, d->field.count, sizeof(*fields));
  cgrpc_oneof_desc_t *oneofs = alloc(b, d->oneof_decl.count, sizeof(*oneofs));
  if (!fields || !oneofs) return;
  m->fields = fields;
  m->field_count = d->field.count;
  m->oneofs = oneofs;
  m->oneof_count = d->oneof_decl.count;
  for (size_t i = 0; i < d->oneof_decl.count; i++) {
    oneofs[i].name = ident(b, d->oneof_decl.data[i]->name, "oneof", m->full_name);
    oneofs[i].containing = m;
    if (!add_symbol(b, join(b, m->full_name, oneofs[i].name), REFLECT_SYM_ONEOF, &oneofs[i])) {
      return;
    }
  }
  for (size_t i = 0; i < d->field.count; i++) {
    fields[i].name = ident(b, d->field.data[i]->name, "field", m->full_name);
    fields[i].full_name = join(b, m->full_name, fields[i].name);
    fields[i].containing = m;
    fields[i].scope = m;
    if (!add_symbol(b, fields[i].full_name, REFLECT_SYM_FIELD, &fields[i])) return;
  }
  for (size_t i = 0; i < d->enum_type.count; i++) add_enum(b, d->enum_type.data[i], m->full_name, m);
  add_extensions(b, d->extension.data, d->extension.count, m->full_name, m);
  for (size_t i = 0; i < d->nested_type.count; i++) add_msg(b, d->nested_type.data[i], m->full_name, m);
}

static void add_services(builder_t *b) {
  const google_protobuf_FileDescriptorProto *d = b->proto;
  cgrpc_service_desc_t *services = alloc(b, d->service.count, sizeof(*services));
  if (!services) return;
  b->file->services = services;
  b->file->service_count = d->service.count;
  for (size_t i = 0; i < d->service.count && b->code == CGRPC_STATUS_OK; i++) {
    const google_protobuf_ServiceDescriptorProto *sd = d->service.data[i];
    cgrpc_service_desc_t *s = &services[i];
    s->name = ident(b, sd->name, "service", b->file->package);
    s->full_name = join(b, b->file->package, s->name);
    s->file = b->file;
    if (!add_symbol(b, s->full_name, REFLECT_SYM_SERVICE, s)) return;
    cgrpc_method_desc_t *methods = alloc(b, sd->method.count, sizeof(*methods));
    if (!methods) return;
    s->methods = methods;
    s->method_count = sd->method.count;
    for (size_t j = 0; j < sd->method.count; j++) {
      const google_protobuf_MethodDescriptorProto *md = sd->method.data[j];
      cgrpc_method_desc_t *m = &methods[j];
      m->name = ident(b, md->name, "method", s->full_name);
      m->full_name = join(b, s->full_name, m->name);
      m->service = s;
      m->client_streaming = md->client_streaming;
      m->server_streaming = md->server_streaming;
      if (!m->name || !add_symbol(b, m->full_name, REFLECT_SYM_METHOD, m)) return;
      size_t len = strlen(s->full_name) + strlen(m->name) + 3;
      char *path = alloc(b, len, 1);
      if (!path) return;
      snprintf(path, len, "/%s/%s", s->full_name, m->name);
      m->path = path;
    }
  }
}

static bool add_package(builder_t *b, cgrpc_str_t package) {
  if (package.len == 0) return true;
  size_t start = 0;
  for (size_t i = 0; i <= package.len; i++) {
    if (i < package.len && package.data[i] != '.') continue;
    cgrpc_str_t part = {package.data + start, i - start};
    if (!is_ident(part)) {
      return fail(b, CGRPC_STATUS_INVALID_ARGUMENT, "package \"%.*s\" is not a valid name",
                  (int)(package.len > 64 ? 64 : package.len), package.data);
    }
    if (!add_symbol(b, dup(b, (cgrpc_str_t){package.data, i}), REFLECT_SYM_PACKAGE, NULL)) {
      return false;
    }
    start = i + 1;
  }
  return true;
}

/* ---- Pass 2: references ------------------------------------------------ */

static bool is_type(const reflect_symbol_t *s) {
  return s && (s->kind == REFLECT_SYM_MESSAGE || s->kind == REFLECT_SYM_ENUM);
}

static bool is_aggregate(const reflect_symbol_t *s) {
  return s && (s->kind == REFLECT_SYM_MESSAGE || s->kind == REFLECT_SYM_ENUM ||
               s->kind == REFLECT_SYM_PACKAGE || s->kind == REFLECT_SYM_SERVICE);
}

/* Resolves a type name as protoc does: ".a.B" is fully qualified; otherwise
 * the first component is looked up in `scope`, then in each enclosing scope
 * out to the root, and the rest of the name is resolved inside what it
 * found (without searching further out when that fails). */
static const reflect_symbol_t *resolve(builder_t *b, cgrpc_str_t name, const char *scope) {
  if (name.len && name.data[0] == '.') {
    return reflect_pool_lookup(b->pool, name.data + 1, name.len - 1);
  }
  size_t first = 0;
  while (first < name.len && name.data[first] != '.') first++;
  size_t scope_len = strlen(scope);
  char *buf = alloc(b, scope_len + name.len + 2, 1);
  if (!buf) return NULL;
  for (;;) {
    size_t n = 0;
    if (scope_len) {
      memcpy(buf, scope, scope_len);
      buf[scope_len] = '.';
      n = scope_len + 1;
    }
    memcpy(buf + n, name.data, first);
    const reflect_symbol_t *s = reflect_pool_lookup(b->pool, buf, n + first);
    if (s) {
      if (first == name.len) {
        if (is_type(s)) return s;
      } else if (is_aggregate(s)) {
        memcpy(buf + n, name.data, name.len);
        return reflect_pool_lookup(b->pool, buf, n + name.len);
      }
    }
    if (scope_len == 0) return NULL;
    while (scope_len && scope[scope_len - 1] != '.') scope_len--;
    if (scope_len) scope_len--;
  }
}

static const char *json_name_of(builder_t *b, const char *name) {
  size_t n = strlen(name);
  char *out = alloc(b, n + 1, 1);
  if (!out) return NULL;
  size_t k = 0;
  bool upper = false;
  for (size_t i = 0; i < n; i++) {
    if (name[i] == '_') {
      upper = true;
    } else {
      out[k++] = upper && name[i] >= 'a' && name[i] <= 'z' ? (char)(name[i] - 'a' + 'A') : name[i];
      upper = false;
    }
  }
  out[k] = '\0';
  return out;
}

static bool map_key_type_ok(cgrpc_pb_type_t t) {
  return t != CGRPC_PB_DOUBLE && t != CGRPC_PB_FLOAT && t != CGRPC_PB_BYTES &&
         t != CGRPC_PB_MESSAGE && t != CGRPC_PB_GROUP && t != CGRPC_PB_ENUM;
}

static bool resolve_field(builder_t *b, cgrpc_field_desc_t *f,
                          const google_protobuf_FieldDescriptorProto *d, const char *scope,
                          const google_protobuf_DescriptorProto *msg_proto) {
  const char *what = f->is_extension ? "extension" : "field";
  if (!d->has_number || d->number < 1 || d->number > MAX_FIELD_NUMBER) {
    return fail(b, CGRPC_STATUS_INVALID_ARGUMENT, "%s %s: number %d is out of range (1 to %d)",
                what, f->full_name, (int)d->number, MAX_FIELD_NUMBER);
  }
  f->number = (uint32_t)d->number;
  int label = d->has_label ? d->label : CGRPC_LABEL_OPTIONAL;
  if (label < CGRPC_LABEL_OPTIONAL || label > CGRPC_LABEL_REPEATED) {
    return fail(b, CGRPC_STATUS_INVALID_ARGUMENT, "%s %s has no valid label", what, f->full_name);
  }
  if (label == CGRPC_LABEL_REQUIRED && b->file->proto3) {
    return fail(b, CGRPC_STATUS_INVALID_ARGUMENT, "%s %s: proto3 has no required fields", what,
                f->full_name);
  }
  f->label = (cgrpc_field_label_t)label;
  int type = d->has_type ? d->type : 0;
  if (d->has_type && (type < CGRPC_PB_DOUBLE || type > CGRPC_PB_SINT64)) {
    return fail(b, CGRPC_STATUS_INVALID_ARGUMENT, "%s %s has no valid type", what, f->full_name);
  }
  bool named = type == CGRPC_PB_MESSAGE || type == CGRPC_PB_GROUP || type == CGRPC_PB_ENUM;
  if (named || (!d->has_type && d->has_type_name)) {
    const reflect_symbol_t *s = resolve(b, d->type_name, scope);
    if (b->code != CGRPC_STATUS_OK) return false;
    if (!is_type(s)) {
      return fail(b, CGRPC_STATUS_INVALID_ARGUMENT, "%s %s: type \"%.*s\" %s", what, f->full_name,
                  (int)(d->type_name.len > 128 ? 128 : d->type_name.len), d->type_name.data,
                  s ? "is not a message or enum" : "is not defined");
    }
    if (!type) type = s->kind == REFLECT_SYM_ENUM ? CGRPC_PB_ENUM : CGRPC_PB_MESSAGE;
    if ((type == CGRPC_PB_ENUM) != (s->kind == REFLECT_SYM_ENUM)) {
      return fail(b, CGRPC_STATUS_INVALID_ARGUMENT, "%s %s: type %s is not %s", what, f->full_name,
                  s->name, type == CGRPC_PB_ENUM ? "an enum" : "a message");
    }
    if (type == CGRPC_PB_ENUM) {
      f->enum_type = s->desc;
    } else {
      f->message = s->desc;
    }
  } else if (!type) {
    return fail(b, CGRPC_STATUS_INVALID_ARGUMENT, "%s %s has no type", what, f->full_name);
  }
  f->type = (cgrpc_pb_type_t)type;
  bool repeated = label == CGRPC_LABEL_REPEATED;
  bool is_msg = type == CGRPC_PB_MESSAGE || type == CGRPC_PB_GROUP;
  f->json_name = d->has_json_name ? dup(b, d->json_name) : json_name_of(b, f->name);
  if (d->has_default_value) {
    if (repeated || is_msg) {
      return fail(b, CGRPC_STATUS_INVALID_ARGUMENT, "%s %s: only singular scalar fields have "
                  "defaults", what, f->full_name);
    }
    f->default_text = dup(b, d->default_value);
  }
  f->proto3_optional = d->has_proto3_optional && d->proto3_optional;
  if (d->has_oneof_index) {
    if (f->is_extension || !msg_proto || d->oneof_index < 0 ||
        (size_t)d->oneof_index >= msg_proto->oneof_decl.count) {
      return fail(b, CGRPC_STATUS_INVALID_ARGUMENT, "%s %s: oneof index %d is out of range", what,
                  f->full_name, (int)d->oneof_index);
    }
  }
  if (repeated) {
    f->is_map = f->message && f->message->map_entry && !f->is_extension;
    const google_protobuf_FieldOptions *o = d->options;
    bool packed = b->file->proto3 ? !(o && o->has_packed && !o->packed)
                                  : (o && o->has_packed && o->packed);
    f->packed = packed && !is_msg && type != CGRPC_PB_STRING && type != CGRPC_PB_BYTES;
  }
  return b->code == CGRPC_STATUS_OK;
}

static int compare_numbers(const void *x, const void *y) {
  const cgrpc_field_desc_t *a = *(const cgrpc_field_desc_t *const *)x;
  const cgrpc_field_desc_t *b = *(const cgrpc_field_desc_t *const *)y;
  if (a->number != b->number) return (a->number > b->number) - (a->number < b->number);
  return (a > b) - (a < b);
}

static bool resolve_msg(builder_t *b, cgrpc_msg_desc_t *m, const google_protobuf_DescriptorProto *d) {
  cgrpc_field_desc_t *fields = (cgrpc_field_desc_t *)m->fields;
  cgrpc_oneof_desc_t *oneofs = (cgrpc_oneof_desc_t *)m->oneofs;
  size_t *members = alloc(b, m->oneof_count, sizeof(size_t));
  if (!members) return false;
  for (size_t i = 0; i < m->field_count; i++) {
    if (!resolve_field(b, &fields[i], d->field.data[i], m->full_name, d)) return false;
    if (d->field.data[i]->has_oneof_index) members[d->field.data[i]->oneof_index]++;
  }
  for (size_t i = 0; i < m->oneof_count; i++) {
    const cgrpc_field_desc_t **list = alloc(b, members[i], sizeof(*list));
    if (!list) return false;
    oneofs[i].fields = list;
    oneofs[i].synthetic = members[i] > 0;
  }
  for (size_t i = 0; i < m->field_count; i++) {
    const google_protobuf_FieldDescriptorProto *fd = d->field.data[i];
    if (!fd->has_oneof_index) continue;
    cgrpc_oneof_desc_t *o = &oneofs[fd->oneof_index];
    ((const cgrpc_field_desc_t **)o->fields)[o->field_count++] = &fields[i];
    if (!fields[i].proto3_optional) o->synthetic = false;
  }
  for (size_t i = 0; i < m->field_count; i++) {
    cgrpc_field_desc_t *f = &fields[i];
    const google_protobuf_FieldDescriptorProto *fd = d->field.data[i];
    if (fd->has_oneof_index && !oneofs[fd->oneof_index].synthetic) {
      if (f->label == CGRPC_LABEL_REPEATED) {
        return fail(b, CGRPC_STATUS_INVALID_ARGUMENT, "field %s: a oneof member cannot be repeated",
                    f->full_name);
      }
      f->oneof = &oneofs[fd->oneof_index];
    }
    bool is_msg = f->type == CGRPC_PB_MESSAGE || f->type == CGRPC_PB_GROUP;
    f->has_presence = f->label != CGRPC_LABEL_REPEATED &&
                      (is_msg || f->oneof || f->proto3_optional || !b->file->proto3);
    if (m->map_entry) f->has_presence = f->label != CGRPC_LABEL_REPEATED && is_msg;
  }
  /* Numbers are unique: sorted, neighbours differ (n log n, whatever the
   * field count). */
  const cgrpc_field_desc_t **by_number = alloc(b, m->field_count, sizeof(*by_number));
  if (!by_number) return false;
  for (size_t i = 0; i < m->field_count; i++) by_number[i] = &fields[i];
  qsort(by_number, m->field_count, sizeof(*by_number), compare_numbers);
  for (size_t i = 1; i < m->field_count; i++) {
    const cgrpc_field_desc_t *x = by_number[i - 1], *y = by_number[i];
    if (x->number == y->number) {
      if (x > y) {
        const cgrpc_field_desc_t *t = x;
        x = y;
        y = t;
      }
      return fail(b, CGRPC_STATUS_INVALID_ARGUMENT,
                  "message %s: fields %s and %s have the same number %u", m->full_name, x->name,
                  y->name, (unsigned)x->number);
    }
  }
  if (m->map_entry) {
    const cgrpc_field_desc_t *key = cgrpc_msg_desc_field_by_number(m, 1);
    const cgrpc_field_desc_t *value = cgrpc_msg_desc_field_by_number(m, 2);
    if (m->field_count != 2 || !key || !value || key->label == CGRPC_LABEL_REPEATED ||
        value->label == CGRPC_LABEL_REPEATED || !map_key_type_ok(key->type) || key->oneof ||
        value->oneof) {
      return fail(b, CGRPC_STATUS_INVALID_ARGUMENT,
                  "map entry %s must have a singular key = 1 (an integer, bool or string) and a "
                  "singular value = 2",
                  m->full_name);
    }
    /* The accessors take fields[0] as the key, as protoc declares it. */
    if (m->fields[0].number != 1) {
      return fail(b, CGRPC_STATUS_INVALID_ARGUMENT, "map entry %s must declare its key first",
                  m->full_name);
    }
  }
  return true;
}

static bool resolve_extensions(builder_t *b) {
  for (size_t i = 0; i < b->ext_count; i++) {
    cgrpc_field_desc_t *f = &b->exts[i];
    const google_protobuf_FieldDescriptorProto *d = b->ext_protos[i];
    const char *scope = f->scope ? f->scope->full_name : b->file->package;
    if (!resolve_field(b, f, d, scope, NULL)) return false;
    const reflect_symbol_t *s = resolve(b, d->extendee, scope);
    if (b->code != CGRPC_STATUS_OK) return false;
    if (!s || s->kind != REFLECT_SYM_MESSAGE) {
      return fail(b, CGRPC_STATUS_INVALID_ARGUMENT, "extension %s: extendee \"%.*s\" %s",
                  f->full_name, (int)(d->extendee.len > 128 ? 128 : d->extendee.len),
                  d->extendee.data, s ? "is not a message" : "is not defined");
    }
    f->containing = s->desc;
    f->has_presence = f->label != CGRPC_LABEL_REPEATED;
    const char *extendee = f->containing->full_name;
    const reflect_symbol_t *twin = reflect_pool_lookup_in(
        b->pool, REFLECT_NS_EXTENSION_NUMBER, extendee, strlen(extendee), f->number);
    if (twin) {
      return fail(b, CGRPC_STATUS_INVALID_ARGUMENT,
                  "extension %s: number %u of %s is already used by extension %s", f->full_name,
                  (unsigned)f->number, extendee, ((const cgrpc_field_desc_t *)twin->desc)->full_name);
    }
    if (!add_key(b, REFLECT_NS_EXTENSION_NUMBER, extendee, f->number, f)) return false;
  }
  return true;
}

static bool resolve_services(builder_t *b) {
  const google_protobuf_FileDescriptorProto *d = b->proto;
  for (size_t i = 0; i < b->file->service_count; i++) {
    const cgrpc_service_desc_t *s = &b->file->services[i];
    for (size_t j = 0; j < s->method_count; j++) {
      cgrpc_method_desc_t *m = (cgrpc_method_desc_t *)&s->methods[j];
      const google_protobuf_MethodDescriptorProto *md = d->service.data[i]->method.data[j];
      cgrpc_str_t names[2] = {md->input_type, md->output_type};
      const cgrpc_msg_desc_t **ends[2] = {&m->input, &m->output};
      for (int k = 0; k < 2; k++) {
        const reflect_symbol_t *sym = resolve(b, names[k], s->full_name);
        if (b->code != CGRPC_STATUS_OK) return false;
        if (!sym || sym->kind != REFLECT_SYM_MESSAGE) {
          return fail(b, CGRPC_STATUS_INVALID_ARGUMENT, "method %s: %s type \"%.*s\" %s",
                      m->full_name, k ? "output" : "input",
                      (int)(names[k].len > 128 ? 128 : names[k].len), names[k].data,
                      sym ? "is not a message" : "is not defined");
        }
        *ends[k] = sym->desc;
      }
    }
  }
  return true;
}

/* ---- Pass 3: tables ---------------------------------------------------- */

static bool map_generated(builder_t *b, const cgrpc_pb_file_t *g) {
  for (size_t i = 0; i < b->enum_count; i++) {
    cgrpc_enum_desc_t *e = b->enums[i];
    for (size_t j = 0; j < g->enum_count && !e->table; j++) {
      if (strcmp(g->enums[j]->full_name, e->full_name) == 0) e->table = g->enums[j];
    }
    if (!e->table) {
      return fail(b, CGRPC_STATUS_INVALID_ARGUMENT, "the generated code has no table for enum %s",
                  e->full_name);
    }
  }
  for (size_t i = 0; i < b->msg_count; i++) {
    cgrpc_msg_desc_t *m = b->msgs[i];
    const cgrpc_pb_msg_table_t *t = NULL;
    for (size_t j = 0; j < g->message_count && !t; j++) {
      if (strcmp(g->messages[j]->full_name, m->full_name) == 0) t = g->messages[j];
    }
    if (!t || t->field_count != m->field_count) {
      return fail(b, CGRPC_STATUS_INVALID_ARGUMENT,
                  "the generated table of message %s does not match its descriptor", m->full_name);
    }
    for (size_t k = 0; k < m->field_count; k++) {
      cgrpc_field_desc_t *f = (cgrpc_field_desc_t *)&m->fields[k];
      for (size_t j = 0; j < t->field_count && !f->slot; j++) {
        if (t->fields[j].number == f->number && t->fields[j].type == f->type) f->slot = &t->fields[j];
      }
      if (!f->slot) {
        return fail(b, CGRPC_STATUS_INVALID_ARGUMENT,
                    "the generated table of message %s does not match its field %s", m->full_name,
                    f->name);
      }
    }
    m->table = t;
  }
  return true;
}

static bool build_tables(builder_t *b) {
  for (size_t i = 0; i < b->enum_count; i++) {
    b->enums[i]->table = reflect_build_enum_table(b->a, b->enums[i]);
    if (!b->enums[i]->table) return oom(b);
  }
  cgrpc_error_t why;
  cgrpc_status_code_t code = reflect_build_tables(b->a, b->msgs, b->msg_count, &why);
  if (code != CGRPC_STATUS_OK) return fail(b, code, "%s", why.message);
  return true;
}

/* ---- The whole file ---------------------------------------------------- */

static bool grow(void **items, size_t *cap, size_t need, size_t size) {
  if (need <= *cap) return true;
  size_t n = *cap ? *cap : 16;
  while (n < need) n *= 2;
  void *p = cgrpc_realloc(*items, n * size);
  if (!p) return false;
  *items = p;
  *cap = n;
  return true;
}

static bool begin_file(builder_t *b, const google_protobuf_FileDescriptorProto *d,
                       const void *bytes, size_t len) {
  cgrpc_file_desc_t *file = b->file;
  if (d->name.len == 0 || memchr(d->name.data, 0, d->name.len)) {
    return fail(b, CGRPC_STATUS_INVALID_ARGUMENT, "the file has no valid name");
  }
  file->name = dup(b, d->name);
  file->package = dup(b, d->package);
  if (!file->name || !file->package) return false;
  if (d->syntax.len == 6 && memcmp(d->syntax.data, "proto3", 6) == 0) {
    file->proto3 = true;
  } else if (d->syntax.len && !(d->syntax.len == 6 && memcmp(d->syntax.data, "proto2", 6) == 0)) {
    return fail(b, CGRPC_STATUS_INVALID_ARGUMENT,
                "syntax \"%.*s\" is not supported (only proto2 and proto3)",
                (int)(d->syntax.len > 32 ? 32 : d->syntax.len), d->syntax.data);
  }
  const cgrpc_file_desc_t **deps = alloc(b, d->dependency.count, sizeof(*deps));
  if (!deps) return false;
  for (size_t i = 0; i < d->dependency.count; i++) {
    cgrpc_str_t dep = d->dependency.data[i];
    long k = reflect_pool_file_index(b->pool, dep.data, dep.len);
    if (k >= 0) deps[i] = b->pool->files[k];
    if (!deps[i]) {
      return fail(b, CGRPC_STATUS_INVALID_ARGUMENT,
                  "imports %.*s, which is not in the descriptor pool; add it first",
                  (int)(dep.len > 128 ? 128 : dep.len), dep.data);
    }
  }
  file->deps = deps;
  file->dep_count = d->dependency.count;
  if (!add_key(b, REFLECT_NS_FILE, file->name, (uint32_t)b->pool->file_count, file)) return false;
  uint8_t *copy = alloc(b, len, 1);
  if (!copy) return false;
  if (len) memcpy(copy, bytes, len);
  file->descriptor = copy;
  file->descriptor_len = len;
  return true;
}

cgrpc_status_code_t reflect_build_file(cgrpc_pool_t *pool, google_protobuf_FileDescriptorProto *d,
                                       const void *bytes, size_t len,
                                       const cgrpc_pb_file_t *generated, cgrpc_error_t *err) {
  builder_t b = {.pool = pool, .a = &pool->arena, .err = err, .proto = d};
  b.file = alloc(&b, 1, sizeof(*b.file));
  if (!b.file) return b.code;
  b.file->generated = generated;
  counts_t c = {0, 0, 0, 0};
  count_file(d, &c);
  b.added = alloc(&b, c.symbols, sizeof(*b.added));
  b.added_cap = c.symbols;
  b.msgs = alloc(&b, c.msgs, sizeof(*b.msgs));
  b.msg_protos = alloc(&b, c.msgs, sizeof(*b.msg_protos));
  b.enums = alloc(&b, c.enums, sizeof(*b.enums));
  b.exts = alloc(&b, c.exts, sizeof(*b.exts));
  b.ext_protos = alloc(&b, c.exts, sizeof(*b.ext_protos));
  if (b.code != CGRPC_STATUS_OK) return b.code;
  /* Room in the pool's lists first, so that once the file is built, joining
   * them cannot fail. */
  if (!reflect_pool_reserve(pool, c.symbols) ||
      !grow((void **)&pool->files, &pool->file_cap, pool->file_count + 1, sizeof(*pool->files)) ||
      !grow((void **)&pool->protos, &pool->proto_cap, pool->file_count + 1,
            sizeof(*pool->protos)) ||
      !grow((void **)&pool->extensions, &pool->extension_cap, pool->extension_count + c.exts,
            sizeof(*pool->extensions))) {
    oom(&b);
    return b.code;
  }
  if (begin_file(&b, d, bytes, len) && add_package(&b, d->package)) {
    for (size_t i = 0; i < d->enum_type.count; i++) add_enum(&b, d->enum_type.data[i], b.file->package, NULL);
    add_extensions(&b, d->extension.data, d->extension.count, b.file->package, NULL);
    for (size_t i = 0; i < d->message_type.count; i++) add_msg(&b, d->message_type.data[i], b.file->package, NULL);
    if (b.code == CGRPC_STATUS_OK) add_services(&b);
  }
  for (size_t i = 0; i < b.msg_count && b.code == CGRPC_STATUS_OK; i++) {
    resolve_msg(&b, b.msgs[i], b.msg_protos[i]);
  }
  if (b.code == CGRPC_STATUS_OK) resolve_extensions(&b);
  if (b.code == CGRPC_STATUS_OK) resolve_services(&b);
  if (b.code == CGRPC_STATUS_OK) generated ? map_generated(&b, generated) : build_tables(&b);
  if (b.code != CGRPC_STATUS_OK) {
    rollback(&b);
    return b.code;
  }
  cgrpc_file_desc_t *file = b.file;
  file->messages = (const cgrpc_msg_desc_t *const *)b.msgs;
  file->message_count = b.msg_count;
  file->enums = (const cgrpc_enum_desc_t *const *)b.enums;
  file->enum_count = b.enum_count;
  file->extensions = b.exts;
  file->extension_count = b.ext_count;
  pool->files[pool->file_count] = file;
  pool->protos[pool->file_count++] = d;
  for (size_t i = 0; i < b.ext_count; i++) pool->extensions[pool->extension_count++] = &b.exts[i];
  return CGRPC_STATUS_OK;
}

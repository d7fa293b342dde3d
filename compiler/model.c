/* model.c — resolves a CodeGeneratorRequest into the generator's model.
 *
 * Two passes. The first walks every file of the request and records each
 * message, enum and service with its full and C names, and indexes types by
 * full name. The second resolves every field against that index and decides
 * everything the emitters print: member names, presence, table flags, sub
 * table indexes, defaults. Name clashes are checked separately per generated
 * file, because what clashes depends on which headers end up in one
 * translation unit.
 */
#include "model.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "text.h"

typedef struct gen_type_entry {
  const char *full_name;
  gen_msg_t *msg;
  gen_enum_t *enm;
} gen_type_entry_t;

static const char *str_of(cgrpc_arena_t *arena, cgrpc_str_t s) {
  return gen_strndup(arena, s.data, s.len);
}

static bool fail(gen_model_t *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool fail(gen_model_t *m, const char *fmt, ...) {
  if (m->error) return false;
  va_list ap;
  va_start(ap, fmt);
  m->error = gen_vstrprintf(m->arena, fmt, ap);
  va_end(ap);
  return false;
}

static const char *join_name(cgrpc_arena_t *arena, const char *scope, const char *name) {
  return scope[0] ? gen_strprintf(arena, "%s.%s", scope, name) : name;
}

/* ---- Pass 1: files, messages, enums, services ------------------------- */

static size_t count_msgs(const google_protobuf_DescriptorProto *d) {
  size_t n = 1;
  for (size_t i = 0; i < d->nested_type.count; i++) n += count_msgs(d->nested_type.data[i]);
  return n;
}

static size_t count_enums(const google_protobuf_DescriptorProto *d) {
  size_t n = d->enum_type.count;
  for (size_t i = 0; i < d->nested_type.count; i++) n += count_enums(d->nested_type.data[i]);
  return n;
}

static int compare_enum_values(const void *a, const void *b) {
  const gen_enum_value_t *x = a, *y = b;
  return (x->number > y->number) - (x->number < y->number);
}

/* `value_prefix` is the C name of the enum's scope plus '_' ("" when the
 * enum is top-level in a file without a package): protobuf scopes enum
 * values as siblings of their enum, and C enum constants follow that. */
static void add_enum(gen_model_t *m, gen_file_t *file, const google_protobuf_EnumDescriptorProto *d,
                     const char *scope, const char *value_prefix) {
  cgrpc_arena_t *a = m->arena;
  gen_enum_t *e = gen_calloc(a, 1, sizeof(*e));
  e->full_name = join_name(a, scope, str_of(a, d->name));
  e->c_name = gen_name_mangle(a, e->full_name);
  e->file = file;
  e->closed = !file->proto3;
  e->value_count = d->value.count;
  e->values = gen_calloc(a, e->value_count, sizeof(*e->values));
  for (size_t i = 0; i < d->value.count; i++) {
    const google_protobuf_EnumValueDescriptorProto *v = d->value.data[i];
    e->values[i].proto_name = str_of(a, v->name);
    e->values[i].c_name =
        gen_name_escape(a, gen_strprintf(a, "%s%s", value_prefix, e->values[i].proto_name));
    e->values[i].number = v->number;
  }
  /* Aliases (allow_alias) share a number; the table keeps the first name, so
   * the sort must be stable: an insertion sort, enums are short. */
  e->sorted = gen_calloc(a, e->value_count, sizeof(*e->sorted));
  if (e->value_count) memcpy(e->sorted, e->values, e->value_count * sizeof(*e->values));
  for (size_t i = 1; i < e->value_count; i++) {
    gen_enum_value_t v = e->sorted[i];
    size_t j = i;
    while (j > 0 && compare_enum_values(&e->sorted[j - 1], &v) > 0) {
      e->sorted[j] = e->sorted[j - 1];
      j--;
    }
    e->sorted[j] = v;
  }
  e->aliases = gen_calloc(a, e->value_count, sizeof(*e->aliases));
  for (size_t i = 0; i < e->value_count; i++) {
    if (e->sorted_count == 0 || e->sorted[e->sorted_count - 1].number != e->sorted[i].number) {
      e->sorted[e->sorted_count++] = e->sorted[i];
    } else {
      e->aliases[e->alias_count++] = e->sorted[i]; /* JSON parsing accepts these names too */
    }
  }
  file->enums[file->enum_count++] = e;
  m->types[m->type_count++] = (gen_type_entry_t){e->full_name, NULL, e};
}

static void add_msg(gen_model_t *m, gen_file_t *file, const google_protobuf_DescriptorProto *d,
                    const char *scope) {
  cgrpc_arena_t *a = m->arena;
  gen_msg_t *msg = gen_calloc(a, 1, sizeof(*msg));
  msg->d = d;
  msg->full_name = join_name(a, scope, str_of(a, d->name));
  msg->c_name = gen_name_mangle(a, msg->full_name);
  msg->file = file;
  msg->map_entry = d->options && d->options->has_map_entry && d->options->map_entry;
  file->msgs[file->msg_count++] = msg;
  m->types[m->type_count++] = (gen_type_entry_t){msg->full_name, msg, NULL};
  const char *prefix = gen_strprintf(a, "%s_", msg->c_name);
  for (size_t i = 0; i < d->enum_type.count; i++) {
    add_enum(m, file, d->enum_type.data[i], msg->full_name, prefix);
  }
  for (size_t i = 0; i < d->nested_type.count; i++) {
    add_msg(m, file, d->nested_type.data[i], msg->full_name);
  }
}

static bool add_file(gen_model_t *m, const google_protobuf_FileDescriptorProto *d) {
  cgrpc_arena_t *a = m->arena;
  gen_file_t *f = gen_calloc(a, 1, sizeof(*f));
  f->d = d;
  f->name = str_of(a, d->name);
  f->package = str_of(a, d->package);
  f->symbol = gen_name_from_path(a, f->name);
  const char *syntax = str_of(a, d->syntax);
  if (strcmp(syntax, "proto3") == 0) {
    f->proto3 = true;
  } else if (syntax[0] && strcmp(syntax, "proto2") != 0) {
    return fail(m, "%s: syntax \"%s\" is not supported (only proto2 and proto3)", f->name, syntax);
  }
  f->deps = gen_calloc(a, d->dependency.count, sizeof(*f->deps));
  for (size_t i = 0; i < d->dependency.count; i++) {
    const char *dep = str_of(a, d->dependency.data[i]);
    f->deps[i] = gen_model_find_file(m, dep);
    if (!f->deps[i]) {
      return fail(m, "%s: imports %s, which protoc did not send before it", f->name, dep);
    }
  }
  f->dep_count = d->dependency.count;

  size_t msgs = 0, enums = d->enum_type.count;
  for (size_t i = 0; i < d->message_type.count; i++) {
    msgs += count_msgs(d->message_type.data[i]);
    enums += count_enums(d->message_type.data[i]);
  }
  f->msgs = gen_calloc(a, msgs, sizeof(*f->msgs));
  f->enums = gen_calloc(a, enums, sizeof(*f->enums));
  const char *prefix =
      f->package[0] ? gen_strprintf(a, "%s_", gen_name_flatten(a, f->package)) : "";
  for (size_t i = 0; i < d->enum_type.count; i++) {
    add_enum(m, f, d->enum_type.data[i], f->package, prefix);
  }
  for (size_t i = 0; i < d->message_type.count; i++) {
    add_msg(m, f, d->message_type.data[i], f->package);
  }
  m->files[m->file_count++] = f;
  return true;
}

static int compare_types(const void *a, const void *b) {
  return strcmp(((const gen_type_entry_t *)a)->full_name, ((const gen_type_entry_t *)b)->full_name);
}

/* The type a field's type_name (".a.b.Msg") names, or NULL. */
static const gen_type_entry_t *find_type(const gen_model_t *m, const char *type_name) {
  gen_type_entry_t key = {type_name[0] == '.' ? type_name + 1 : type_name, NULL, NULL};
  return bsearch(&key, m->types, m->type_count, sizeof(key), compare_types);
}

const gen_file_t *gen_model_find_file(const gen_model_t *m, const char *name) {
  for (size_t i = 0; i < m->file_count; i++) {
    if (strcmp(m->files[i]->name, name) == 0) return m->files[i];
  }
  return NULL;
}

/* ---- Pass 2: fields ---------------------------------------------------- */

/* Member names of one struct (or one oneof union) handed out so far. */
typedef struct member_set {
  const char **names;
  size_t count;
} member_set_t;

static bool member_taken(const member_set_t *s, const char *name) {
  for (size_t i = 0; i < s->count; i++) {
    if (strcmp(s->names[i], name) == 0) return true;
  }
  return false;
}

/* Picks a member name for `proto_name`: escaped, and with trailing
 * underscores until neither it nor its companion (has_X or X_case, when
 * `companion_fmt` is given) is taken. Earlier fields keep their names. */
static const char *pick_member(cgrpc_arena_t *a, member_set_t *s, const char *proto_name,
                               const char *companion_fmt, const char **companion) {
  const char *name = gen_name_escape(a, proto_name);
  for (;;) {
    const char *other = companion_fmt ? gen_strprintf(a, companion_fmt, name) : NULL;
    if (!member_taken(s, name) && !(other && member_taken(s, other))) {
      s->names[s->count++] = name;
      if (other) s->names[s->count++] = other;
      if (companion) *companion = other;
      return name;
    }
    name = gen_strprintf(a, "%s_", name);
  }
}

static bool is_packable(int type) {
  return type != CGRPC_PB_STRING && type != CGRPC_PB_BYTES && type != CGRPC_PB_MESSAGE &&
         type != CGRPC_PB_GROUP;
}

/* A C floating literal for protoc's text of a float/double default. */
static const char *float_default(gen_model_t *m, gen_file_t *file, const char *text,
                                 bool is_float) {
  if (strcmp(text, "inf") == 0 || strcmp(text, "-inf") == 0 || strcmp(text, "nan") == 0) {
    file->needs_math = true;
    if (strcmp(text, "nan") == 0) return "NAN";
    return text[0] == '-' ? "-INFINITY" : "INFINITY";
  }
  bool has_point = strpbrk(text, ".eE") != NULL;
  return gen_strprintf(m->arena, "%s%s%s", text, has_point ? "" : ".0", is_float ? "f" : "");
}

/* Sets f->default_c from the field's default (explicit, or an enum's first
 * value), leaving it NULL when the default is all-zero bytes. */
static bool resolve_default(gen_model_t *m, gen_file_t *file, const gen_msg_t *msg,
                            gen_field_t *f) {
  cgrpc_arena_t *a = m->arena;
  const google_protobuf_FieldDescriptorProto *d = f->d;
  if (!d->has_default_value) {
    if (f->type == CGRPC_PB_ENUM && f->enm->value_count && f->enm->values[0].number != 0) {
      f->default_c = f->enm->values[0].c_name;
    }
    return true;
  }
  const char *text = str_of(a, d->default_value);
  char *end = NULL;
  errno = 0;
  switch (f->type) {
    case CGRPC_PB_INT32:
    case CGRPC_PB_SINT32:
    case CGRPC_PB_SFIXED32:
    case CGRPC_PB_INT64:
    case CGRPC_PB_SINT64:
    case CGRPC_PB_SFIXED64: {
      long long v = strtoll(text, &end, 10);
      if (errno || *end || end == text) break;
      bool wide =
          f->type == CGRPC_PB_INT64 || f->type == CGRPC_PB_SINT64 || f->type == CGRPC_PB_SFIXED64;
      if (v == 0) return true;
      /* The most negative value is not a literal in C: write it as a macro. */
      if (v == (wide ? INT64_MIN : INT32_MIN)) {
        f->default_c = wide ? "INT64_MIN" : "INT32_MIN";
      } else {
        f->default_c = gen_strprintf(a, wide ? "INT64_C(%lld)" : "%lld", v);
      }
      return true;
    }
    case CGRPC_PB_UINT32:
    case CGRPC_PB_FIXED32:
    case CGRPC_PB_UINT64:
    case CGRPC_PB_FIXED64: {
      unsigned long long v = strtoull(text, &end, 10);
      if (errno || *end || end == text || text[0] == '-') break;
      if (v == 0) return true;
      bool wide = f->type == CGRPC_PB_UINT64 || f->type == CGRPC_PB_FIXED64;
      f->default_c = gen_strprintf(a, wide ? "UINT64_C(%llu)" : "%lluu", v);
      return true;
    }
    case CGRPC_PB_DOUBLE:
    case CGRPC_PB_FLOAT: {
      double v = strtod(text, &end);
      if (*end || end == text) break;
      /* -0.0 is not all-zero bytes, so it needs an initialiser. */
      if (v == 0 && text[0] != '-') return true;
      f->default_c = float_default(m, file, text, f->type == CGRPC_PB_FLOAT);
      return true;
    }
    case CGRPC_PB_BOOL:
      if (strcmp(text, "true") == 0) f->default_c = "true";
      if (strcmp(text, "true") != 0 && strcmp(text, "false") != 0) break;
      return true;
    case CGRPC_PB_ENUM:
      for (size_t i = 0; i < f->enm->value_count; i++) {
        if (strcmp(f->enm->values[i].proto_name, text) == 0) {
          if (f->enm->values[i].number != 0) f->default_c = f->enm->values[i].c_name;
          return true;
        }
      }
      break;
    case CGRPC_PB_STRING:
    case CGRPC_PB_BYTES: {
      char *bytes = (char *)text;
      size_t len = strlen(text);
      if (f->type == CGRPC_PB_BYTES && !gen_name_unescape_bytes(a, text, &bytes, &len)) break;
      if (len == 0) return true;
      gen_text_t t;
      gen_text_init(&t, a);
      gen_text_put(&t, "{");
      gen_text_put_cstring(&t, bytes, len);
      gen_text_printf(&t, ", %zu}", len);
      f->default_c = t.data;
      return true;
    }
    default:
      break;
  }
  return fail(m, "%s: field %s.%s: cannot use default value \"%s\"", file->name, msg->full_name,
              f->proto_name, text);
}

/* The index of `sub` in msg->subs, appending it when new. */
static uint16_t sub_index(gen_msg_t *msg, const gen_msg_t *sub_msg, const gen_enum_t *sub_enum) {
  for (size_t i = 0; i < msg->sub_count; i++) {
    if (msg->subs[i].msg == sub_msg && msg->subs[i].enm == sub_enum) return (uint16_t)i;
  }
  msg->subs[msg->sub_count] = (gen_sub_t){sub_msg, sub_enum};
  return (uint16_t)msg->sub_count++;
}

static int compare_numbers(const void *a, const void *b) {
  const gen_field_t *x = *(const gen_field_t *const *)a, *y = *(const gen_field_t *const *)b;
  return (x->number > y->number) - (x->number < y->number);
}

/* A oneof is synthetic (proto3 `optional`) when its members are all
 * proto3_optional; such oneofs become has_ fields, not unions. */
static bool oneof_is_synthetic(const google_protobuf_DescriptorProto *d, int32_t index) {
  for (size_t i = 0; i < d->field.count; i++) {
    const google_protobuf_FieldDescriptorProto *fd = d->field.data[i];
    if (fd->has_oneof_index && fd->oneof_index == index && !fd->proto3_optional) return false;
  }
  return true;
}

static bool resolve_field(gen_model_t *m, gen_file_t *file, gen_msg_t *msg, gen_field_t *f,
                          gen_oneof_t **oneof_of_index, member_set_t *members,
                          member_set_t *union_members) {
  cgrpc_arena_t *a = m->arena;
  const google_protobuf_FieldDescriptorProto *d = f->d;
  f->type = d->type;
  f->json_name = d->has_json_name ? str_of(a, d->json_name) : gen_name_json(a, f->proto_name);
  if (!d->has_type || f->type < CGRPC_PB_DOUBLE || f->type > CGRPC_PB_SINT64) {
    return fail(m, "%s: field %s.%s has no valid type", file->name, msg->full_name, f->proto_name);
  }
  if (f->type == CGRPC_PB_MESSAGE || f->type == CGRPC_PB_GROUP || f->type == CGRPC_PB_ENUM) {
    const char *type_name = str_of(a, d->type_name);
    const gen_type_entry_t *t = find_type(m, type_name);
    if (!t || (f->type == CGRPC_PB_ENUM ? !t->enm : !t->msg)) {
      return fail(m, "%s: field %s.%s: unknown type %s", file->name, msg->full_name, f->proto_name,
                  type_name);
    }
    f->msg = t->msg;
    f->enm = t->enm;
  }

  bool repeated = d->label == google_protobuf_FieldDescriptorProto_LABEL_REPEATED;
  bool is_msg = f->type == CGRPC_PB_MESSAGE || f->type == CGRPC_PB_GROUP;
  if (d->has_oneof_index) {
    if (d->oneof_index < 0 || (size_t)d->oneof_index >= msg->d->oneof_decl.count) {
      return fail(m, "%s: field %s.%s: oneof index %" PRId32 " out of range", file->name,
                  msg->full_name, f->proto_name, d->oneof_index);
    }
    f->oneof = oneof_of_index[d->oneof_index];
  }
  bool explicit_presence =
      !repeated && !is_msg && !f->oneof && !msg->map_entry &&
      (file->proto3 ? d->proto3_optional
                    : (d->label == google_protobuf_FieldDescriptorProto_LABEL_OPTIONAL ||
                       d->label == google_protobuf_FieldDescriptorProto_LABEL_REQUIRED));

  if (f->oneof) {
    gen_oneof_t *o = f->oneof;
    if (!o->member) {
      f->oneof_first = true;
      o->member = pick_member(a, members, o->proto_name, "%s_case", &o->case_member);
      union_members[o - msg->oneofs].names = gen_calloc(a, msg->d->field.count, sizeof(char *));
    }
    f->member = pick_member(a, &union_members[o - msg->oneofs], f->proto_name, NULL, NULL);
    f->case_const = gen_strprintf(a, "%s_%s_%s", msg->c_name, o->proto_name, f->proto_name);
    f->flags |= CGRPC_PB_FIELD_ONEOF;
  } else {
    f->member =
        pick_member(a, members, f->proto_name, explicit_presence ? "has_%s" : NULL, &f->has_member);
  }
  if (explicit_presence) f->flags |= CGRPC_PB_FIELD_HAS;
  if (f->oneof || explicit_presence) {
    f->setter = gen_strprintf(a, "%s_set_%s", msg->c_name, f->proto_name);
  }

  if (repeated) {
    f->flags |= CGRPC_PB_FIELD_REPEATED;
    if (f->msg && f->msg->map_entry) {
      f->flags |= CGRPC_PB_FIELD_MAP;
      f->map_prefix = gen_strprintf(a, "%s_%s", msg->c_name, f->proto_name);
    }
    const google_protobuf_FieldOptions *opt = d->options;
    bool packed = file->proto3 ? !(opt && opt->has_packed && !opt->packed)
                               : (opt && opt->has_packed && opt->packed);
    if (packed && is_packable(f->type)) f->flags |= CGRPC_PB_FIELD_PACKED;
  }
  if (f->type == CGRPC_PB_STRING && file->proto3) f->flags |= CGRPC_PB_FIELD_UTF8;
  if (f->enm && f->enm->closed) f->flags |= CGRPC_PB_FIELD_CLOSED_ENUM;
  if (d->label == google_protobuf_FieldDescriptorProto_LABEL_REQUIRED) {
    f->flags |= CGRPC_PB_FIELD_REQUIRED;
    msg->flags |= CGRPC_PB_MSG_HAS_REQUIRED;
  }
  if (!repeated && !f->oneof && !is_msg && !resolve_default(m, file, msg, f)) return false;
  if (f->default_c) msg->has_defaults = true;
  return true;
}

static bool resolve_msg(gen_model_t *m, gen_file_t *file, gen_msg_t *msg) {
  cgrpc_arena_t *a = m->arena;
  const google_protobuf_DescriptorProto *d = msg->d;
  if (d->field.count > UINT16_MAX) {
    return fail(m, "%s: message %s has %zu fields; at most %u are supported", file->name,
                msg->full_name, d->field.count, (unsigned)UINT16_MAX);
  }
  if (msg->map_entry) msg->flags |= CGRPC_PB_MSG_MAP_ENTRY;

  gen_oneof_t **oneof_of_index = gen_calloc(a, d->oneof_decl.count, sizeof(gen_oneof_t *));
  msg->oneofs = gen_calloc(a, d->oneof_decl.count, sizeof(*msg->oneofs));
  for (size_t i = 0; i < d->oneof_decl.count; i++) {
    if (oneof_is_synthetic(d, (int32_t)i)) continue;
    gen_oneof_t *o = &msg->oneofs[msg->oneof_count++];
    o->proto_name = str_of(a, d->oneof_decl.data[i]->name);
    o->case_type = gen_strprintf(a, "%s_%s_case", msg->c_name, o->proto_name);
    o->not_set = gen_strprintf(a, "%s_%s_NOT_SET", msg->c_name, o->proto_name);
    oneof_of_index[i] = o;
  }

  /* Each field takes at most two struct names (itself and has_X or X_case),
   * plus _unknown. */
  member_set_t members = {gen_calloc(a, 2 * d->field.count + 1, sizeof(char *)), 0};
  members.names[members.count++] = "_unknown";
  member_set_t *union_members = gen_calloc(a, msg->oneof_count, sizeof(member_set_t));
  msg->field_count = d->field.count;
  msg->fields = gen_calloc(a, msg->field_count, sizeof(*msg->fields));
  msg->by_number = gen_calloc(a, msg->field_count, sizeof(*msg->by_number));
  msg->subs = gen_calloc(a, msg->field_count, sizeof(*msg->subs));
  for (size_t i = 0; i < msg->field_count; i++) {
    gen_field_t *f = &msg->fields[i];
    f->d = d->field.data[i];
    f->proto_name = str_of(a, f->d->name);
    f->number = (uint32_t)f->d->number;
    msg->by_number[i] = f;
    if (!resolve_field(m, file, msg, f, oneof_of_index, &members, union_members)) return false;
  }
  qsort(msg->by_number, msg->field_count, sizeof(*msg->by_number), compare_numbers);
  if (msg->map_entry && !(msg->field_count == 2 && msg->by_number[0]->number == 1 &&
                          msg->by_number[1]->number == 2)) {
    return fail(m, "%s: map entry %s must have exactly the fields key = 1 and value = 2",
                file->name, msg->full_name);
  }
  /* Sub-tables are listed in the order the table's fields use them. */
  for (size_t i = 0; i < msg->field_count; i++) {
    gen_field_t *f = msg->by_number[i];
    /* Open enums get their table too: the JSON codec prints value names. */
    if (f->msg || f->enm) {
      f->sub = sub_index(msg, f->msg, f->msg ? NULL : f->enm);
    }
  }
  return true;
}

static bool resolve_services(gen_model_t *m, gen_file_t *file) {
  cgrpc_arena_t *a = m->arena;
  const google_protobuf_FileDescriptorProto *d = file->d;
  file->service_count = d->service.count;
  file->services = gen_calloc(a, file->service_count, sizeof(*file->services));
  for (size_t i = 0; i < d->service.count; i++) {
    const google_protobuf_ServiceDescriptorProto *sd = d->service.data[i];
    gen_service_t *s = &file->services[i];
    s->full_name = join_name(a, file->package, str_of(a, sd->name));
    s->c_name = gen_name_mangle(a, s->full_name);
    s->method_count = sd->method.count;
    s->methods = gen_calloc(a, s->method_count, sizeof(*s->methods));
    /* Members of the service's handler struct: one per method, then the
     * user_data the generator adds. */
    member_set_t members = {gen_calloc(a, s->method_count + 1, sizeof(char *)), 1};
    members.names[0] = "user_data";
    for (size_t j = 0; j < sd->method.count; j++) {
      const google_protobuf_MethodDescriptorProto *md = sd->method.data[j];
      gen_method_t *meth = &s->methods[j];
      meth->name = str_of(a, md->name);
      meth->path = gen_strprintf(a, "/%s/%s", s->full_name, meth->name);
      meth->c_name = gen_name_mangle(a, gen_strprintf(a, "%s.%s", s->full_name, meth->name));
      meth->member = pick_member(a, &members, meth->name, NULL, NULL);
      const char *types[2] = {str_of(a, md->input_type), str_of(a, md->output_type)};
      const gen_msg_t **ends[2] = {&meth->input, &meth->output};
      for (int k = 0; k < 2; k++) {
        const gen_type_entry_t *t = find_type(m, types[k]);
        if (!t || !t->msg) {
          return fail(m, "%s: method %s.%s: unknown message type %s", file->name, s->full_name,
                      meth->name, types[k]);
        }
        *ends[k] = t->msg;
      }
      meth->client_streaming = md->client_streaming;
      meth->server_streaming = md->server_streaming;
    }
  }
  return true;
}

static void count_file_types(const google_protobuf_FileDescriptorProto *d, size_t *count) {
  *count += d->enum_type.count;
  for (size_t i = 0; i < d->message_type.count; i++) {
    *count += count_msgs(d->message_type.data[i]) + count_enums(d->message_type.data[i]);
  }
}

bool gen_model_build(gen_model_t *m, cgrpc_arena_t *arena,
                     const google_protobuf_compiler_CodeGeneratorRequest *req) {
  memset(m, 0, sizeof(*m));
  m->arena = arena;
  size_t types = 0;
  for (size_t i = 0; i < req->proto_file.count; i++)
    count_file_types(req->proto_file.data[i], &types);
  m->types = gen_calloc(arena, types, sizeof(*m->types));
  m->files = gen_calloc(arena, req->proto_file.count, sizeof(*m->files));
  for (size_t i = 0; i < req->proto_file.count; i++) {
    if (!add_file(m, req->proto_file.data[i])) return false;
  }
  qsort(m->types, m->type_count, sizeof(*m->types), compare_types);
  for (size_t i = 0; i < m->file_count; i++) {
    gen_file_t *f = m->files[i];
    for (size_t j = 0; j < f->msg_count; j++) {
      if (!resolve_msg(m, f, f->msgs[j])) return false;
    }
    if (!resolve_services(m, f)) return false;
  }
  return true;
}

/* ---- C name clashes ------------------------------------------------------ */

const char *const gen_map_accessors[4] = {"_get", "_put", "_delete", "_size"};

typedef struct c_symbol {
  const char *name;
  const char *owner; /* "message a.b.Msg" */
  const char *role;  /* "_table", "setter", ..., or NULL for the owner's own name */
  const gen_file_t *file;
  size_t order; /* keeps reports deterministic */
} c_symbol_t;

typedef struct symbol_list {
  cgrpc_arena_t *arena;
  c_symbol_t *items;
  size_t count;
  size_t cap;
  const gen_file_t *file;
} symbol_list_t;

static void add_symbol(symbol_list_t *l, const char *name, const char *owner, const char *role) {
  if (l->count == l->cap) {
    size_t cap = l->cap ? 2 * l->cap : 64;
    c_symbol_t *items =
        cgrpc_arena_realloc(l->arena, l->items, l->cap * sizeof(*items), cap * sizeof(*items));
    if (!items) gen_oom();
    l->items = items;
    l->cap = cap;
  }
  l->items[l->count] = (c_symbol_t){name, owner, role, l->file, l->count};
  l->count++;
}

/* Adds `base` + `suffix` for `owner` when `present` (the emitters leave out
 * arrays that would be empty). */
static void add_derived(symbol_list_t *l, const char *base, const char *suffix, const char *owner,
                        bool present) {
  if (present) add_symbol(l, gen_strprintf(l->arena, "%s%s", base, suffix), owner, suffix);
}

static void collect_msg_symbols(symbol_list_t *l, const gen_msg_t *msg, bool with_source) {
  static const char *const kHeader[] = {"_table",   "_INIT",   "_init",       "_new",
                                        "_decode",  "_encode", "_encode_to",  "_encoded_size",
                                        "_to_json", "_from_json"};
  cgrpc_arena_t *a = l->arena;
  const char *owner = gen_strprintf(a, "message %s", msg->full_name);
  add_symbol(l, msg->c_name, owner, NULL);
  for (size_t i = 0; i < sizeof(kHeader) / sizeof(kHeader[0]); i++) {
    add_derived(l, msg->c_name, kHeader[i], owner, true);
  }
  add_derived(l, msg->c_name, "_fields", owner, with_source && msg->field_count);
  add_derived(l, msg->c_name, "_field_names", owner, with_source && msg->field_count);
  add_derived(l, msg->c_name, "_json_names", owner, with_source && msg->field_count);
  add_derived(l, msg->c_name, "_subs", owner, with_source && msg->sub_count);
  add_derived(l, msg->c_name, "_default", owner, with_source && msg->has_defaults);
  for (size_t j = 0; j < msg->oneof_count; j++) {
    const gen_oneof_t *o = &msg->oneofs[j];
    const char *what = gen_strprintf(a, "oneof %s.%s", msg->full_name, o->proto_name);
    add_symbol(l, o->case_type, what, "case enum");
    add_symbol(l, o->not_set, what, "NOT_SET constant");
  }
  for (size_t j = 0; j < msg->field_count; j++) {
    const gen_field_t *f = &msg->fields[j];
    const char *what = gen_strprintf(a, "field %s.%s", msg->full_name, f->proto_name);
    if (f->setter) add_symbol(l, f->setter, what, "setter");
    if (f->case_const) add_symbol(l, f->case_const, what, "oneof case constant");
    for (size_t k = 0; f->map_prefix && k < 4; k++) {
      const char *suffix = gen_map_accessors[k];
      add_symbol(l, gen_strprintf(a, "%s%s", f->map_prefix, suffix), what,
                 gen_strprintf(a, "map accessor %s", suffix));
    }
  }
}

/* What emit_header.c and emit_stubs.c declare for a service: its tables and,
 * when it has methods, the handler struct, the register function and per
 * method its table macro, dispatcher and client stubs. */
static void collect_service_symbols(symbol_list_t *l, const gen_service_t *s) {
  cgrpc_arena_t *a = l->arena;
  const char *owner = gen_strprintf(a, "service %s", s->full_name);
  bool stubs = s->method_count > 0;
  add_derived(l, s->c_name, "_service", owner, true);
  add_derived(l, s->c_name, "_methods", owner, stubs);
  add_derived(l, s->c_name, "_handlers", owner, stubs);
  add_derived(l, s->c_name, "_register", owner, stubs);
  for (size_t j = 0; j < s->method_count; j++) {
    const gen_method_t *m = &s->methods[j];
    const char *what = gen_strprintf(a, "method %s.%s", s->full_name, m->name);
    bool unary = gen_method_unary(m);
    if (unary) add_symbol(l, m->c_name, what, "client stub");
    add_derived(l, m->c_name, "_method", what, true);
    add_derived(l, m->c_name, "_dispatch", what, true);
    add_derived(l, m->c_name, "_async", what, unary);
    add_derived(l, m->c_name, "_response", what, unary);
    add_derived(l, m->c_name, "_into", what, unary);
    add_derived(l, m->c_name, "_start", what, !unary);
    add_derived(l, m->c_name, "_send", what, m->client_streaming);
    add_derived(l, m->c_name, "_recv", what, m->server_streaming);
    add_derived(l, m->c_name, "_reply", what, !m->server_streaming);
    add_derived(l, m->c_name, "_write", what, m->server_streaming);
    add_derived(l, m->c_name, "_read", what, m->client_streaming);
  }
}

/* Every file-scope identifier (and macro) the generated code of `f` declares;
 * `with_source` adds the static ones of its .pb.c. The suffixes are the ones
 * emit_header.c, emit_stubs.c and emit_source.c append to C names. */
static void collect_symbols(symbol_list_t *l, const gen_file_t *f, bool with_source) {
  cgrpc_arena_t *a = l->arena;
  l->file = f;
  for (size_t i = 0; i < f->enum_count; i++) {
    const gen_enum_t *e = f->enums[i];
    const char *owner = gen_strprintf(a, "enum %s", e->full_name);
    add_symbol(l, e->c_name, owner, NULL);
    add_derived(l, e->c_name, "_table", owner, true);
    add_derived(l, e->c_name, "_values", owner, with_source);
    add_derived(l, e->c_name, "_names", owner, with_source);
    for (size_t j = 0; j < e->value_count; j++) {
      add_symbol(l, e->values[j].c_name,
                 gen_strprintf(a, "enum value %s of %s", e->values[j].proto_name, e->full_name),
                 NULL);
    }
  }
  for (size_t i = 0; i < f->msg_count; i++) collect_msg_symbols(l, f->msgs[i], with_source);
  for (size_t i = 0; i < f->service_count; i++) collect_service_symbols(l, &f->services[i]);
  const char *owner = gen_strprintf(a, "file %s", f->name);
  add_derived(l, f->symbol, "_file", owner, true);
  add_derived(l, f->symbol, "_descriptor", owner, with_source);
  add_derived(l, f->symbol, "_deps", owner, with_source && f->dep_count);
  add_derived(l, f->symbol, "_messages", owner, with_source && f->msg_count);
  add_derived(l, f->symbol, "_enums", owner, with_source && f->enum_count);
  add_derived(l, f->symbol, "_services", owner, with_source && f->service_count);
}

/* Appends `f` and everything it imports, each once, to `out`. */
static void collect_closure(const gen_file_t *f, const gen_file_t **out, size_t *n) {
  for (size_t i = 0; i < *n; i++) {
    if (out[i] == f) return;
  }
  out[(*n)++] = f;
  for (size_t i = 0; i < f->dep_count; i++) collect_closure(f->deps[i], out, n);
}

static int compare_symbols(const void *a, const void *b) {
  const c_symbol_t *x = a, *y = b;
  int c = strcmp(x->name, y->name);
  return c ? c : (x->order > y->order) - (x->order < y->order);
}

bool gen_model_check_names(gen_model_t *m, const gen_file_t *file) {
  symbol_list_t l = {m->arena, NULL, 0, 0, NULL};
  const gen_file_t **closure = gen_calloc(m->arena, m->file_count, sizeof(*closure));
  size_t n = 0;
  collect_closure(file, closure, &n);
  for (size_t i = 0; i < n; i++) collect_symbols(&l, closure[i], closure[i] == file);
  qsort(l.items, l.count, sizeof(*l.items), compare_symbols);
  for (size_t i = 1; i < l.count; i++) {
    const c_symbol_t *x = &l.items[i - 1], *y = &l.items[i];
    if (strcmp(x->name, y->name) != 0) continue;
    const char *by[2];
    for (int k = 0; k < 2; k++) {
      const c_symbol_t *c = k ? y : x;
      by[k] = c->role
                  ? gen_strprintf(m->arena, "%s of %s (its %s)", c->owner, c->file->name, c->role)
                  : gen_strprintf(m->arena, "%s of %s", c->owner, c->file->name);
    }
    return fail(m, "%s: C name %s is needed twice, by %s and by %s; rename one of them", file->name,
                x->name, by[0], by[1]);
  }
  return true;
}

const char *gen_field_ctype(cgrpc_arena_t *arena, const gen_field_t *f) {
  switch (f->type) {
    case CGRPC_PB_DOUBLE:
      return "double";
    case CGRPC_PB_FLOAT:
      return "float";
    case CGRPC_PB_INT64:
    case CGRPC_PB_SINT64:
    case CGRPC_PB_SFIXED64:
      return "int64_t";
    case CGRPC_PB_UINT64:
    case CGRPC_PB_FIXED64:
      return "uint64_t";
    case CGRPC_PB_UINT32:
    case CGRPC_PB_FIXED32:
      return "uint32_t";
    case CGRPC_PB_BOOL:
      return "bool";
    case CGRPC_PB_STRING:
    case CGRPC_PB_BYTES:
      return "cgrpc_str_t";
    case CGRPC_PB_MESSAGE:
    case CGRPC_PB_GROUP:
      return gen_strprintf(arena, "%s *", f->msg->c_name);
    default:
      return "int32_t"; /* int32, sint32, sfixed32, enum */
  }
}

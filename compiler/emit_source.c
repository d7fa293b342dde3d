/* emit_source.c — writes foo.pb.c: the tables behind one .proto file.
 *
 * Everything here is const data the generic engine walks: per enum its sorted
 * values and names, per message its field table (sorted by number, offsets
 * taken with offsetof so the compiler, not the generator, decides layout),
 * sub-table list, field and JSON names and, when some default is not zero, a
 * default instance; then service method tables and the file record with the
 * embedded serialized FileDescriptorProto.
 */
#include <stdbool.h>
#include <string.h>

#include "emit.h"
#include "names.h"

static const char *cstring(cgrpc_arena_t *a, const char *s) {
  gen_text_t t;
  gen_text_init(&t, a);
  gen_text_put_cstring(&t, s, strlen(s));
  return t.data;
}

/* `static const <decl>[] = {items};`, wrapped. */
static void emit_array(gen_text_t *t, const char *decl, const char *const *items, size_t n) {
  gen_text_put_wrapped(t, gen_strprintf(t->arena, "static const %s[] = {", decl), items, n, "};");
}

static void emit_enum(gen_text_t *t, const gen_enum_t *e) {
  cgrpc_arena_t *a = t->arena;
  const char **items = gen_calloc(a, e->sorted_count, sizeof(*items));
  gen_text_printf(t, "\n/* %s */\n", e->full_name);
  for (size_t i = 0; i < e->sorted_count; i++) {
    items[i] = gen_strprintf(a, "%d", (int)e->sorted[i].number);
  }
  emit_array(t, gen_strprintf(a, "int32_t %s_values", e->c_name), items, e->sorted_count);
  for (size_t i = 0; i < e->sorted_count; i++) items[i] = cstring(a, e->sorted[i].proto_name);
  emit_array(t, gen_strprintf(a, "char *const %s_names", e->c_name), items, e->sorted_count);
  /* Designated, so tables stay valid C when the struct gains fields. */
  size_t field_count = 4;
  const char *fields[7] = {gen_strprintf(a, ".full_name = %s", cstring(a, e->full_name)),
                           gen_strprintf(a, ".values = %s_values", e->c_name),
                           gen_strprintf(a, ".names = %s_names", e->c_name),
                           gen_strprintf(a, ".value_count = %zu", e->sorted_count)};
  if (e->alias_count) {
    const char **aliases = gen_calloc(a, e->alias_count, sizeof(*aliases));
    for (size_t i = 0; i < e->alias_count; i++) {
      aliases[i] = gen_strprintf(a, "%d", (int)e->aliases[i].number);
    }
    emit_array(t, gen_strprintf(a, "int32_t %s_alias_values", e->c_name), aliases, e->alias_count);
    for (size_t i = 0; i < e->alias_count; i++) aliases[i] = cstring(a, e->aliases[i].proto_name);
    emit_array(t, gen_strprintf(a, "char *const %s_alias_names", e->c_name), aliases,
               e->alias_count);
    fields[field_count++] = gen_strprintf(a, ".alias_count = %zu", e->alias_count);
    fields[field_count++] = gen_strprintf(a, ".alias_values = %s_alias_values", e->c_name);
    fields[field_count++] = gen_strprintf(a, ".alias_names = %s_alias_names", e->c_name);
  }
  gen_text_put_wrapped(t, gen_strprintf(a, "const cgrpc_pb_enum_table_t %s_table = {", e->c_name),
                       fields, field_count, "};");
}

static const char *type_constant(int type) {
  static const char *const kTypes[] = {
      "",
      "CGRPC_PB_DOUBLE",
      "CGRPC_PB_FLOAT",
      "CGRPC_PB_INT64",
      "CGRPC_PB_UINT64",
      "CGRPC_PB_INT32",
      "CGRPC_PB_FIXED64",
      "CGRPC_PB_FIXED32",
      "CGRPC_PB_BOOL",
      "CGRPC_PB_STRING",
      "CGRPC_PB_GROUP",
      "CGRPC_PB_MESSAGE",
      "CGRPC_PB_BYTES",
      "CGRPC_PB_UINT32",
      "CGRPC_PB_ENUM",
      "CGRPC_PB_SFIXED32",
      "CGRPC_PB_SFIXED64",
      "CGRPC_PB_SINT32",
      "CGRPC_PB_SINT64",
  };
  return kTypes[type];
}

static void put_flags(gen_text_t *t, unsigned flags, const char *const *names, size_t n) {
  const char *sep = "";
  for (size_t i = 0; i < n; i++) {
    if (flags & (1u << i)) {
      gen_text_printf(t, "%s%s", sep, names[i]);
      sep = " | ";
    }
  }
  if (!sep[0]) gen_text_put(t, "0");
}

static void emit_field_row(gen_text_t *t, const gen_msg_t *msg, const gen_field_t *f) {
  static const char *const kFlags[] = {
      "CGRPC_PB_FIELD_REPEATED",    "CGRPC_PB_FIELD_PACKED",   "CGRPC_PB_FIELD_MAP",
      "CGRPC_PB_FIELD_ONEOF",       "CGRPC_PB_FIELD_HAS",      "CGRPC_PB_FIELD_UTF8",
      "CGRPC_PB_FIELD_CLOSED_ENUM", "CGRPC_PB_FIELD_REQUIRED",
  };
  const char *n = msg->c_name;
  gen_text_printf(t, "    {%u, ", (unsigned)f->number);
  if (f->oneof) {
    gen_text_printf(t, "offsetof(%s, %s.%s), offsetof(%s, %s), ", n, f->oneof->member, f->member, n,
                    f->oneof->case_member);
  } else if (f->has_member) {
    gen_text_printf(t, "offsetof(%s, %s), offsetof(%s, %s), ", n, f->member, n, f->has_member);
  } else {
    gen_text_printf(t, "offsetof(%s, %s), 0, ", n, f->member);
  }
  gen_text_printf(t, "%u, %s, ", (unsigned)f->sub, type_constant(f->type));
  put_flags(t, f->flags, kFlags, sizeof(kFlags) / sizeof(kFlags[0]));
  gen_text_put(t, ", 0},\n");
}

/* The static names written here (<Msg>_fields, _subs, _field_names,
 * _json_names, _default) are known to the clash check in model.c. */
static void emit_message(gen_text_t *t, const gen_msg_t *msg) {
  cgrpc_arena_t *a = t->arena;
  const char *n = msg->c_name;
  gen_text_printf(t, "\n/* %s */\n", msg->full_name);
  if (msg->field_count) {
    gen_text_printf(t, "static const cgrpc_pb_field_t %s_fields[] = {\n", n);
    for (size_t i = 0; i < msg->field_count; i++) emit_field_row(t, msg, msg->by_number[i]);
    gen_text_put(t, "};\n");
  }
  const char **items = gen_calloc(a, msg->field_count ? msg->field_count : 1, sizeof(*items));
  for (size_t i = 0; i < msg->sub_count; i++) {
    const gen_sub_t *s = &msg->subs[i];
    items[i] = s->msg ? gen_strprintf(a, "{.msg = &%s_table}", s->msg->c_name)
                      : gen_strprintf(a, "{.enm = &%s_table}", s->enm->c_name);
  }
  if (msg->sub_count) {
    emit_array(t, gen_strprintf(a, "cgrpc_pb_sub_t %s_subs", n), items, msg->sub_count);
  }
  if (msg->field_count) {
    for (size_t i = 0; i < msg->field_count; i++) {
      items[i] = cstring(a, msg->by_number[i]->proto_name);
    }
    emit_array(t, gen_strprintf(a, "char *const %s_field_names", n), items, msg->field_count);
    for (size_t i = 0; i < msg->field_count; i++) {
      items[i] = cstring(a, msg->by_number[i]->json_name);
    }
    emit_array(t, gen_strprintf(a, "char *const %s_json_names", n), items, msg->field_count);
  }
  if (msg->has_defaults) gen_text_printf(t, "static const %s %s_default = %s_INIT;\n", n, n, n);

  /* dense_count is a uint8_t: numbers 1..255 at most take the direct path. */
  size_t dense = 0;
  while (dense < msg->field_count && dense < 255 && msg->by_number[dense]->number == dense + 1) {
    dense++;
  }
  gen_text_printf(t, "const cgrpc_pb_msg_table_t %s_table = {\n", n);
  gen_text_printf(t, "    .full_name = %s,\n", cstring(a, msg->full_name));
  if (msg->field_count) {
    gen_text_printf(t, "    .fields = %s_fields,\n", n);
    if (msg->sub_count) gen_text_printf(t, "    .subs = %s_subs,\n", n);
    gen_text_printf(t, "    .field_names = %s_field_names,\n    .json_names = %s_json_names,\n", n,
                    n);
  }
  if (msg->has_defaults) gen_text_printf(t, "    .default_instance = &%s_default,\n", n);
  gen_text_printf(t, "    .size = sizeof(%s),\n    .field_count = %zu,\n    .dense_count = %zu,\n",
                  n, msg->field_count, dense);
  static const char *const kMsgFlags[] = {"CGRPC_PB_MSG_MAP_ENTRY", "CGRPC_PB_MSG_HAS_REQUIRED"};
  gen_text_put(t, "    .flags = ");
  put_flags(t, msg->flags, kMsgFlags, 2);
  gen_text_put(t, ",\n};\n");
}

static void emit_service(gen_text_t *t, const gen_service_t *s, const char *file_symbol) {
  cgrpc_arena_t *a = t->arena;
  gen_text_printf(t, "\n/* Service %s */\n", s->full_name);
  if (s->method_count) {
    gen_text_printf(t, "const cgrpc_pb_method_t %s_methods[%zu] = {\n", s->c_name, s->method_count);
    for (size_t i = 0; i < s->method_count; i++) {
      const gen_method_t *m = &s->methods[i];
      gen_text_printf(t, "    {%s, %s,\n     &%s_table, &%s_table, %s, %s},\n", cstring(a, m->name),
                      cstring(a, m->path), m->input->c_name, m->output->c_name,
                      m->client_streaming ? "true" : "false",
                      m->server_streaming ? "true" : "false");
    }
    gen_text_put(t, "};\n");
  }
  const char *items[4] = {cstring(a, s->full_name),
                          s->method_count ? gen_strprintf(a, "%s_methods", s->c_name) : "NULL",
                          gen_strprintf(a, "%zu", s->method_count),
                          gen_strprintf(a, "&%s_file", file_symbol)};
  gen_text_put_wrapped(t, gen_strprintf(a, "const cgrpc_pb_service_t %s_service = {", s->c_name),
                       items, 4, "};");
}

static void emit_descriptor(gen_text_t *t, const gen_file_t *file, const uint8_t *bytes,
                            size_t len) {
  gen_text_printf(t,
                  "\n/* The FileDescriptorProto of %s, serialized, without source_code_info. */\n"
                  "static const uint8_t %s_descriptor[] = {\n",
                  file->name, file->symbol);
  for (size_t i = 0; i < len; i++) {
    gen_text_printf(t, "%s0x%02x,", i % 16 == 0 ? "    " : " ", bytes[i]);
    if (i % 16 == 15 || i + 1 == len) gen_text_put(t, "\n");
  }
  gen_text_put(t, "};\n");
}

/* A static pointer array `<symbol>_<kind>` of `count` items "&<names[i]><suffix>". */
static void emit_pointer_array(gen_text_t *t, const char *symbol, const char *kind,
                               const char *elem_type, const char *const *names, size_t count,
                               const char *suffix) {
  if (!count) return;
  const char **items = gen_calloc(t->arena, count, sizeof(*items));
  for (size_t i = 0; i < count; i++) items[i] = gen_strprintf(t->arena, "&%s%s", names[i], suffix);
  emit_array(t, gen_strprintf(t->arena, "%s *const %s_%s", elem_type, symbol, kind), items, count);
}

static void emit_file_record(gen_text_t *t, const gen_file_t *file) {
  cgrpc_arena_t *a = t->arena;
  const char *sym = file->symbol;
  size_t most = file->dep_count + file->msg_count + file->enum_count + file->service_count;
  const char **names = gen_calloc(a, most ? most : 1, sizeof(*names));
  for (size_t i = 0; i < file->dep_count; i++) names[i] = file->deps[i]->symbol;
  emit_pointer_array(t, sym, "deps", "cgrpc_pb_file_t", names, file->dep_count, "_file");
  for (size_t i = 0; i < file->msg_count; i++) names[i] = file->msgs[i]->c_name;
  emit_pointer_array(t, sym, "messages", "cgrpc_pb_msg_table_t", names, file->msg_count, "_table");
  for (size_t i = 0; i < file->enum_count; i++) names[i] = file->enums[i]->c_name;
  emit_pointer_array(t, sym, "enums", "cgrpc_pb_enum_table_t", names, file->enum_count, "_table");
  for (size_t i = 0; i < file->service_count; i++) names[i] = file->services[i].c_name;
  emit_pointer_array(t, sym, "services", "cgrpc_pb_service_t", names, file->service_count,
                     "_service");

  gen_text_printf(t, "const cgrpc_pb_file_t %s_file = {\n    .name = %s,\n", sym,
                  cstring(a, file->name));
  gen_text_printf(t, "    .descriptor = %s_descriptor,\n", sym);
  gen_text_printf(t, "    .descriptor_len = sizeof(%s_descriptor),\n", sym);
  const char *kinds[4] = {"deps", "messages", "enums", "services"};
  const char *counts[4] = {"dep_count", "message_count", "enum_count", "service_count"};
  size_t n[4] = {file->dep_count, file->msg_count, file->enum_count, file->service_count};
  for (int k = 0; k < 4; k++) {
    if (!n[k]) continue;
    gen_text_printf(t, "    .%s = %s_%s,\n    .%s = %zu,\n", kinds[k], sym, kinds[k], counts[k],
                    n[k]);
  }
  gen_text_put(t, "};\n");
}

void gen_emit_source(gen_text_t *t, const gen_file_t *file, const uint8_t *descriptor,
                     size_t descriptor_len) {
  gen_text_printf(t, "/* Generated by protoc-gen-cgrpc from %s. Do not edit. */\n", file->name);
  gen_text_printf(t, "#include \"%s\"\n", gen_name_output(t->arena, file->name, ".pb.h"));
  for (size_t i = 0; i < file->enum_count; i++) emit_enum(t, file->enums[i]);
  for (size_t i = 0; i < file->msg_count; i++) emit_message(t, file->msgs[i]);
  for (size_t i = 0; i < file->service_count; i++) {
    emit_service(t, &file->services[i], file->symbol);
  }
  emit_descriptor(t, file, descriptor, descriptor_len);
  emit_file_record(t, file);
}

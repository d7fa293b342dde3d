/* emit_header.c — writes foo.pb.h: the C view of one .proto file.
 *
 * Layout of a generated header: includes (its imports' headers first, so
 * their types are complete names here), forward typedefs of every message
 * (messages refer to each other only through pointers, so any order of
 * definitions works, recursion included), enums, then one section per
 * message: struct, oneof case enums, table, initialiser and inline wrappers
 * over the generic engine in cgrpc/pb.h. Services with their stubs
 * (emit_stubs.c) and the file descriptor come last.
 */
#include <ctype.h>
#include <string.h>

#include "emit.h"
#include "names.h"

static const char *proto_type_name(const gen_field_t *f) {
  static const char *const kNames[] = {
      "",        "double",   "float",    "int64",  "uint64",  "int32", "fixed64",
      "fixed32", "bool",     "string",   "group",  "message", "bytes", "uint32",
      "enum",    "sfixed32", "sfixed64", "sint32", "sint64",
  };
  if (f->msg) return f->msg->full_name;
  if (f->enm) return f->enm->full_name;
  return kNames[f->type];
}

/* A comment naming what int32_t or a map entry pointer stands for. */
static void put_type_comment(gen_text_t *t, const gen_field_t *f) {
  if (f->flags & CGRPC_PB_FIELD_MAP) {
    const gen_msg_t *entry = f->msg;
    const gen_field_t *key = entry->by_number[0], *value = entry->by_number[1];
    gen_text_printf(t, " /* map<%s, %s> */", proto_type_name(key), proto_type_name(value));
  } else if (f->enm) {
    gen_text_printf(t, " /* %s */", f->enm->full_name);
  }
}

/* "int32_t x", "a_b_Msg *x": a declaration of `name` with type `ctype`. */
static const char *declare(cgrpc_arena_t *a, const char *ctype, const char *name) {
  bool pointer = ctype[strlen(ctype) - 1] == '*';
  return gen_strprintf(a, "%s%s%s", ctype, pointer ? "" : " ", name);
}

static void emit_member(gen_text_t *t, cgrpc_arena_t *a, const gen_field_t *f, const char *indent) {
  const char *ctype = gen_field_ctype(a, f);
  if (gen_field_repeated(f)) {
    gen_text_printf(t, "%sstruct {\n%s  %s;\n%s  size_t count;\n%s  size_t capacity;\n%s} %s;",
                    indent, indent, declare(a, ctype, "*data"), indent, indent, indent, f->member);
  } else {
    gen_text_printf(t, "%s%s;", indent, declare(a, ctype, f->member));
  }
  put_type_comment(t, f);
  gen_text_put(t, "\n");
}

static void emit_struct(gen_text_t *t, cgrpc_arena_t *a, const gen_msg_t *msg) {
  gen_text_printf(t, "struct %s {\n  cgrpc_str_t _unknown;\n", msg->c_name);
  /* Presence flags sit together so they pack without padding. */
  for (size_t i = 0; i < msg->field_count; i++) {
    if (msg->fields[i].has_member) gen_text_printf(t, "  bool %s;\n", msg->fields[i].has_member);
  }
  for (size_t i = 0; i < msg->field_count; i++) {
    const gen_field_t *f = &msg->fields[i];
    if (!f->oneof) {
      emit_member(t, a, f, "  ");
      continue;
    }
    if (!f->oneof_first) continue;
    const gen_oneof_t *o = f->oneof;
    gen_text_printf(t, "  uint32_t %s; /* %s */\n  union {\n", o->case_member, o->case_type);
    for (size_t j = i; j < msg->field_count; j++) {
      if (msg->fields[j].oneof == o) emit_member(t, a, &msg->fields[j], "    ");
    }
    gen_text_printf(t, "  } %s;\n", o->member);
  }
  gen_text_put(t, "};\n");
}

static void emit_oneof_cases(gen_text_t *t, const gen_msg_t *msg) {
  for (size_t i = 0; i < msg->oneof_count; i++) {
    const gen_oneof_t *o = &msg->oneofs[i];
    gen_text_printf(t, "typedef enum %s {\n  %s = 0,\n", o->case_type, o->not_set);
    for (size_t j = 0; j < msg->field_count; j++) {
      const gen_field_t *f = &msg->fields[j];
      if (f->oneof == o) gen_text_printf(t, "  %s = %u,\n", f->case_const, (unsigned)f->number);
    }
    gen_text_printf(t, "} %s;\n", o->case_type);
  }
}

/* The initialiser lists only non-zero defaults; designated initialisers let
 * everything else be zero. */
static void emit_init_macro(gen_text_t *t, const gen_msg_t *msg) {
  if (!msg->has_defaults) {
    gen_text_printf(t, "#define %s_INIT {0}\n", msg->c_name);
    return;
  }
  gen_text_printf(t, "#define %s_INIT \\\n  {", msg->c_name);
  const char *sep = "";
  for (size_t i = 0; i < msg->field_count; i++) {
    const gen_field_t *f = &msg->fields[i];
    if (!f->default_c) continue;
    gen_text_printf(t, "%s.%s = %s", sep, f->member, f->default_c);
    sep = ", \\\n   ";
  }
  gen_text_put(t, "}\n");
}

/* Replaces every "$T" in `pattern` with `type`. */
static char *subst(cgrpc_arena_t *a, const char *pattern, const char *type) {
  gen_text_t t;
  gen_text_init(&t, a);
  for (const char *p = pattern; *p;) {
    const char *hit = strstr(p, "$T");
    size_t len = hit ? (size_t)(hit - p) : strlen(p);
    gen_text_putn(&t, p, len);
    if (!hit) break;
    gen_text_put(&t, type);
    p = hit + 2;
  }
  return t.data;
}

/* Splits "a, b, c" (after $T substitution) into items for
 * gen_text_put_wrapped(). Returns the item count. */
static size_t split_list(cgrpc_arena_t *a, const char *list, const char *type, const char **items,
                         size_t max) {
  char *s = subst(a, list, type);
  size_t n = 0;
  while (n < max) {
    items[n++] = s;
    char *comma = strstr(s, ", ");
    if (!comma) break;
    *comma = '\0';
    s = comma + 2;
  }
  return n;
}

/* Emits `static inline <signature> { <body>(<args>); }`, each part wrapped to
 * 100 columns. */
static void emit_inline(gen_text_t *t, const char *type, const char *decl, const char *params,
                        const char *call, const char *args) {
  cgrpc_arena_t *a = t->arena;
  const char *items[8];
  size_t n = split_list(a, params, type, items, 8);
  gen_text_put_wrapped(t, gen_strprintf(a, "static inline %s(", subst(a, decl, type)), items, n,
                       ") {");
  n = split_list(a, args, type, items, 8);
  gen_text_put_wrapped(t, gen_strprintf(a, "  %s(", subst(a, call, type)), items, n, ");");
  gen_text_put(t, "}\n");
}

/* Typed wrappers over the generic engines (cgrpc/pb.h, cgrpc/json.h) for one message. The
 * name clash check in model.c knows these suffixes; keep the two in step. */
static void emit_wrappers(gen_text_t *t, const gen_msg_t *msg) {
  static const struct {
    const char *decl, *params, *call, *args;
  } kWrappers[] = {
      {"void $T_init", "$T *m", "cgrpc_pb_msg_init", "m, &$T_table"},
      {"$T *$T_new", "cgrpc_arena_t *arena", "return ($T *)cgrpc_pb_msg_new", "&$T_table, arena"},
      {"int $T_decode",
       "const void *buf, size_t len, $T *m, cgrpc_arena_t *arena, int options, "
       "cgrpc_pb_error_t *err",
       "return cgrpc_pb_decode", "buf, len, m, &$T_table, arena, options, err"},
      {"int $T_encode",
       "const $T *m, cgrpc_arena_t *arena, int options, uint8_t **out, size_t *out_len, "
       "cgrpc_pb_error_t *err",
       "return cgrpc_pb_encode", "m, &$T_table, arena, options, out, out_len, err"},
      {"int $T_encode_to",
       "const $T *m, void *buf, size_t cap, int options, size_t *out_len, cgrpc_pb_error_t *err",
       "return cgrpc_pb_encode_to", "m, &$T_table, buf, cap, options, out_len, err"},
      {"size_t $T_encoded_size", "const $T *m, int options", "return cgrpc_pb_encoded_size",
       "m, &$T_table, options"},
      {"cgrpc_status_code_t $T_to_json",
       "const $T *m, const cgrpc_json_options_t *opts, cgrpc_arena_t *arena, cgrpc_str_t *out, "
       "cgrpc_error_t *err",
       "return cgrpc_json_encode", "m, &$T_table, opts, arena, out, err"},
      {"cgrpc_status_code_t $T_from_json",
       "const char *json, size_t len, $T *m, cgrpc_arena_t *arena, "
       "const cgrpc_json_options_t *opts, cgrpc_error_t *err",
       "return cgrpc_json_decode", "json, len, m, &$T_table, arena, opts, err"},
  };
  for (size_t i = 0; i < sizeof(kWrappers) / sizeof(kWrappers[0]); i++) {
    emit_inline(t, msg->c_name, kWrappers[i].decl, kWrappers[i].params, kWrappers[i].call,
                kWrappers[i].args);
  }
}

/* Setters exist where one call replaces two assignments: a value plus its
 * has_ flag, or a oneof member plus the case. */
static void emit_setters(gen_text_t *t, cgrpc_arena_t *a, const gen_msg_t *msg) {
  for (size_t i = 0; i < msg->field_count; i++) {
    const gen_field_t *f = &msg->fields[i];
    if (!f->setter) continue;
    const char *params[2] = {gen_strprintf(a, "%s *m", msg->c_name),
                             declare(a, gen_field_ctype(a, f), "v")};
    gen_text_put_wrapped(t, gen_strprintf(a, "static inline void %s(", f->setter), params, 2,
                         ") {");
    if (f->oneof) {
      gen_text_printf(t, "  m->%s.%s = v;\n  m->%s = %s;\n", f->oneof->member, f->member,
                      f->oneof->case_member, f->case_const);
    } else {
      gen_text_printf(t, "  m->%s = v;\n  m->%s = true;\n", f->member, f->has_member);
    }
    gen_text_put(t, "}\n");
  }
}

/* "int32_t *", "a_b_Msg **": a pointer to a value of C type `ctype`. */
static const char *pointer_to(cgrpc_arena_t *a, const char *ctype) {
  bool pointer = ctype[strlen(ctype) - 1] == '*';
  return gen_strprintf(a, "%s%s*", ctype, pointer ? "" : " ");
}

/* The accessors of map field `f` of `owner`: small wrappers over the
 * cgrpc_pb_map_* functions (cgrpc/pb.h). They come after the entry message,
 * whose table they name. The name clash check in model.c knows the
 * suffixes (gen_map_accessors). */
static void emit_map_accessors(gen_text_t *t, cgrpc_arena_t *a, const gen_msg_t *owner,
                               const gen_field_t *f) {
  const gen_msg_t *entry = f->msg;
  const char *key = gen_field_ctype(a, entry->by_number[0]);
  const char *value = gen_field_ctype(a, entry->by_number[1]);
  const char *self = gen_strprintf(a, "%s *m", owner->c_name);
  const char *cself = gen_strprintf(a, "const %s *m", owner->c_name);
  const char *map = gen_strprintf(a, "(cgrpc_pb_array_t *)(void *)&m->%s", f->member);
  const char *cmap = gen_strprintf(a, "(const cgrpc_pb_array_t *)(const void *)&m->%s", f->member);
  const char *table = gen_strprintf(a, "&%s_table", entry->c_name);
  const char *p = f->map_prefix;
  gen_text_printf(t, "/* Map %s.%s (see \"Maps\" in cgrpc/pb.h). */\n", owner->full_name,
                  f->proto_name);
  {
    const char *params[] = {cself, declare(a, key, "key"),
                            declare(a, pointer_to(a, value), "value")};
    const char *args[] = {cmap, table, "&key", "value"};
    gen_text_put_wrapped(t, gen_strprintf(a, "static inline bool %s_get(", p), params, 3, ") {");
    gen_text_put_wrapped(t, "  return cgrpc_pb_map_get(", args, 4, ");");
    gen_text_put(t, "}\n");
  }
  {
    const char *params[] = {self, declare(a, key, "key"), declare(a, value, "value"),
                            "cgrpc_arena_t *arena"};
    const char *args[] = {map, table, "&key", "&value", "arena"};
    gen_text_put_wrapped(t, gen_strprintf(a, "static inline int %s_put(", p), params, 4, ") {");
    gen_text_put_wrapped(t, "  return cgrpc_pb_map_put(", args, 5, ");");
    gen_text_put(t, "}\n");
  }
  {
    const char *params[] = {self, declare(a, key, "key")};
    const char *args[] = {map, table, "&key"};
    gen_text_put_wrapped(t, gen_strprintf(a, "static inline bool %s_delete(", p), params, 2, ") {");
    gen_text_put_wrapped(t, "  return cgrpc_pb_map_delete(", args, 3, ");");
    gen_text_put(t, "}\n");
  }
  gen_text_put_wrapped(t, gen_strprintf(a, "static inline size_t %s_size(", p), &cself, 1, ") {");
  gen_text_printf(t, "  return m->%s.count;\n}\n", f->member);
}

/* Emits the accessors of the map whose entry message is `entry`. */
static void emit_maps_of_entry(gen_text_t *t, cgrpc_arena_t *a, const gen_file_t *file,
                               const gen_msg_t *entry) {
  for (size_t i = 0; i < file->msg_count; i++) {
    const gen_msg_t *owner = file->msgs[i];
    for (size_t j = 0; j < owner->field_count; j++) {
      const gen_field_t *f = &owner->fields[j];
      if (f->map_prefix && f->msg == entry) emit_map_accessors(t, a, owner, f);
    }
  }
}

static void emit_enum(gen_text_t *t, const gen_enum_t *e) {
  gen_text_printf(t, "\n/* %s */\ntypedef enum %s {\n", e->full_name, e->c_name);
  for (size_t i = 0; i < e->value_count; i++) {
    gen_text_printf(t, "  %s = %d,\n", e->values[i].c_name, (int)e->values[i].number);
  }
  gen_text_printf(t, "} %s;\nextern const cgrpc_pb_enum_table_t %s_table;\n", e->c_name, e->c_name);
}

static void emit_message(gen_text_t *t, cgrpc_arena_t *a, const gen_msg_t *msg) {
  gen_text_printf(t, "\n/* %s */\n", msg->full_name);
  emit_struct(t, a, msg);
  emit_oneof_cases(t, msg);
  gen_text_printf(t, "extern const cgrpc_pb_msg_table_t %s_table;\n", msg->c_name);
  emit_init_macro(t, msg);
  emit_wrappers(t, msg);
  emit_setters(t, a, msg);
}

static const char *guard_name(cgrpc_arena_t *a, const gen_file_t *file) {
  char *guard = gen_strprintf(a, "CGRPC_GEN_%s_H", file->symbol);
  for (char *p = guard; *p; p++) *p = (char)toupper((unsigned char)*p);
  return guard;
}

/* Stubs need the gRPC API; files with only messages must not depend on it. */
static bool has_stubs(const gen_file_t *file) {
  for (size_t i = 0; i < file->service_count; i++) {
    if (file->services[i].method_count) return true;
  }
  return false;
}

void gen_emit_header(gen_text_t *t, const gen_file_t *file) {
  cgrpc_arena_t *a = t->arena;
  const char *guard = guard_name(a, file);
  gen_text_printf(t, "/* Generated by protoc-gen-cgrpc from %s. Do not edit. */\n", file->name);
  gen_text_printf(t, "#ifndef %s\n#define %s\n\n", guard, guard);
  gen_text_put(t, "#include <stdbool.h>\n#include <stddef.h>\n#include <stdint.h>\n");
  if (file->needs_math) gen_text_put(t, "#include <math.h>\n");
  gen_text_put(t, "\n#include \"cgrpc/json.h\"\n#include \"cgrpc/pb.h\"\n");
  if (has_stubs(file)) {
    gen_text_put(t, "#include \"cgrpc/channel.h\"\n#include \"cgrpc/server.h\"\n");
  }
  for (size_t i = 0; i < file->dep_count; i++) {
    gen_text_printf(t, "#include \"%s\"\n", gen_name_output(a, file->deps[i]->name, ".pb.h"));
  }
  gen_text_put(t, "\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n");

  if (file->msg_count) gen_text_put(t, "\n");
  for (size_t i = 0; i < file->msg_count; i++) {
    const char *name = file->msgs[i]->c_name;
    bool fits = strlen("typedef struct  ;") + 2 * strlen(name) <= 100;
    gen_text_printf(t, "typedef struct %s%s%s;\n", name, fits ? " " : "\n    ", name);
  }
  for (size_t i = 0; i < file->enum_count; i++) emit_enum(t, file->enums[i]);
  for (size_t i = 0; i < file->msg_count; i++) {
    emit_message(t, a, file->msgs[i]);
    if (file->msgs[i]->map_entry) emit_maps_of_entry(t, a, file, file->msgs[i]);
  }

  for (size_t i = 0; i < file->service_count; i++) gen_emit_service(t, &file->services[i]);
  gen_text_printf(
      t,
      "\n/* Everything above, with the serialized FileDescriptorProto, for reflection. */\n"
      "extern const cgrpc_pb_file_t %s_file;\n",
      file->symbol);
  gen_text_printf(t, "\n#ifdef __cplusplus\n}\n#endif\n\n#endif /* %s */\n", guard);
}

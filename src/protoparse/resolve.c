/* protoparse/resolve.c — full names, the symbol table, and type names
 * resolved protoc's way (DescriptorBuilder::LookupSymbol): a relative name
 * is searched from the innermost scope outwards, its first component
 * deciding the scope, so "Foo.Bar" inside package a.b tries a.b.M.Foo,
 * a.b.Foo, a.Foo, Foo and then looks for Bar inside the first Foo found.
 * Symbols of this file are in a hash table here; those of the imports come
 * from the pool, which holds every file this one imports. Also checks what
 * needs all names: duplicates, field numbers against each other and
 * against reserved and extension ranges. */
#include <stdio.h>
#include <string.h>

#include "protoparse/pp.h"

/* ---- The table ----------------------------------------------------------- */

static uint64_t hash_name(const char *s) {
  uint64_t h = 1469598103934665603ull;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h;
}

static pp_sym_t *slot_for(pp_ctx_t *c, const char *name) {
  size_t mask = c->sym_cap - 1;
  for (size_t i = (size_t)hash_name(name) & mask;; i = (i + 1) & mask) {
    pp_sym_t *s = &c->syms[i];
    if (!s->name || strcmp(s->name, name) == 0) return s;
  }
}

static void grow(pp_ctx_t *c) {
  size_t old_cap = c->sym_cap;
  pp_sym_t *old = c->syms;
  c->sym_cap = old_cap ? old_cap * 2 : 256;
  c->syms = pp_alloc(c, c->sym_cap * sizeof *c->syms);
  for (size_t i = 0; i < old_cap; i++)
    if (old[i].name) *slot_for(c, old[i].name) = old[i];
}

static const char *kind_name(pp_sym_kind_t k) {
  switch (k) {
    case PP_SYM_PACKAGE: return "a package";
    case PP_SYM_MESSAGE: return "a message";
    case PP_SYM_ENUM: return "an enum";
    case PP_SYM_SERVICE: return "a service";
    case PP_SYM_EXTENSION: return "an extension";
    default: return "a field, enum value, oneof or method";
  }
}

/* Adds a symbol of this file; a second definition of a name is an error
 * (packages may repeat). */
static void define(pp_ctx_t *c, const char *name, pp_sym_kind_t kind, void *item, pp_pos_t pos) {
  if ((c->sym_count + 1) * 2 > c->sym_cap) grow(c);
  pp_sym_t *s = slot_for(c, name);
  if (s->name) {
    if (kind == PP_SYM_PACKAGE && s->kind == PP_SYM_PACKAGE) return;
    pp_fail_at(c, pos, "\"%s\" is already defined (as %s)", name, kind_name(s->kind));
  }
  if (kind != PP_SYM_PACKAGE) {
    /* A name the imports define already clashes too. */
    const cgrpc_pool_t *pool = c->pool;
    if (cgrpc_pool_find_message(pool, name) || cgrpc_pool_find_enum(pool, name) ||
        cgrpc_pool_find_service(pool, name) || cgrpc_pool_find_extension(pool, name)) {
      /* The pool may hold this very file (a built-in well-known type):
       * adding it checks the two are the same. */
      const cgrpc_file_desc_t *other = cgrpc_pool_find_file_containing(pool, name);
      if (!other || strcmp(other->name, c->file_name) != 0)
        pp_fail_at(c, pos, "\"%s\" is already defined in file \"%s\"", name,
                   other ? other->name : "?");
    }
  }
  s->name = name;
  s->kind = kind;
  s->item = item;
  c->sym_count++;
}

static void define_package(pp_ctx_t *c, const char *package) {
  if (!*package) return;
  for (const char *p = package;; p++) {
    if (*p == '.' || *p == '\0') {
      define(c, pp_strndup(c, package, (size_t)(p - package)), PP_SYM_PACKAGE, NULL,
             (pp_pos_t){1, 1});
      if (!*p) return;
    }
  }
}

const pp_sym_t *pp_sym_find(pp_ctx_t *c, const char *name) {
  if (!c->sym_cap) return NULL;
  pp_sym_t *s = slot_for(c, name);
  return s->name ? s : NULL;
}

static bool is_visible(const pp_ctx_t *c, const char *file_name) {
  for (size_t i = 0; i < c->visible_count; i++)
    if (strcmp(c->visible[i], file_name) == 0) return true;
  return false;
}

static pp_sym_kind_t find_kind(pp_ctx_t *c, const char *name) {
  const pp_sym_t *s = pp_sym_find(c, name);
  if (s) return s->kind;
  pp_sym_kind_t kind = PP_SYM_OTHER;
  if (cgrpc_pool_find_message(c->pool, name))
    kind = PP_SYM_MESSAGE;
  else if (cgrpc_pool_find_enum(c->pool, name))
    kind = PP_SYM_ENUM;
  else if (cgrpc_pool_find_service(c->pool, name))
    kind = PP_SYM_SERVICE;
  else if (cgrpc_pool_find_extension(c->pool, name))
    kind = PP_SYM_EXTENSION;
  const cgrpc_file_desc_t *file = cgrpc_pool_find_file_containing(c->pool, name);
  if (!file) return PP_SYM_NONE;
  if (!is_visible(c, file->name)) {
    c->undeclared = file->name;
    return PP_SYM_NONE;
  }
  return kind;
}

/* " (it is defined in x.proto, which this file does not import)" after a
 * failed lookup that met such a definition. */
static const char *undeclared_hint(pp_ctx_t *c) {
  if (!c->undeclared) return "";
  return pp_strcat3(c, " (\"", c->undeclared, "\" defines it, but this file does not import it)");
}

static bool is_aggregate(pp_sym_kind_t k) {
  return k == PP_SYM_MESSAGE || k == PP_SYM_ENUM || k == PP_SYM_PACKAGE || k == PP_SYM_SERVICE;
}

pp_sym_kind_t pp_lookup(pp_ctx_t *c, const char *name, const char *scope, bool types_only,
                        const char **full) {
  c->undeclared = NULL;
  if (name[0] == '.') {
    *full = name + 1;
    return find_kind(c, name + 1);
  }
  size_t name_len = strlen(name);
  size_t first_len = strcspn(name, ".");
  size_t scope_len = strlen(scope);
  char *buf = pp_alloc(c, scope_len + name_len + 2);
  memcpy(buf, scope, scope_len);
  size_t len = scope_len;
  for (;;) {
    while (len > 0 && buf[len - 1] != '.') len--;
    if (len == 0) {
      *full = name;
      return find_kind(c, name);
    }
    len--; /* drop the dot: buf[0, len) is the next scope out */
    buf[len] = '.';
    memcpy(buf + len + 1, name, first_len);
    buf[len + 1 + first_len] = '\0';
    pp_sym_kind_t kind = find_kind(c, buf);
    if (kind != PP_SYM_NONE) {
      if (first_len < name_len) {
        if (is_aggregate(kind)) {
          memcpy(buf + len + 1, name, name_len + 1);
          *full = pp_strndup(c, buf, len + 1 + name_len);
          return find_kind(c, *full);
        }
      } else if (!types_only || kind == PP_SYM_MESSAGE || kind == PP_SYM_ENUM) {
        *full = pp_strndup(c, buf, len + 1 + first_len);
        return kind;
      }
    }
  }
}

/* ---- Full names and definitions ------------------------------------------ */

static const char *join(pp_ctx_t *c, const char *scope, const char *name) {
  return *scope ? pp_strcat3(c, scope, ".", name) : name;
}

static void define_enum(pp_ctx_t *c, pp_enum_t *e, const char *scope) {
  e->full_name = join(c, scope, e->name);
  define(c, e->full_name, PP_SYM_ENUM, e, e->pos);
  for (size_t i = 0; i < e->values.n; i++) {
    pp_enum_value_t *v = &e->values.items[i];
    /* Enum values are siblings of their enum, as in C++. */
    define(c, join(c, scope, v->name), PP_SYM_OTHER, v, v->pos);
  }
}

static void define_message(pp_ctx_t *c, pp_msg_t *m, const char *scope) {
  m->full_name = join(c, scope, m->name);
  define(c, m->full_name, PP_SYM_MESSAGE, m, m->pos);
  for (size_t i = 0; i < m->fields.n; i++) {
    pp_field_t *f = &m->fields.items[i];
    f->scope = m->full_name;
    define(c, join(c, m->full_name, f->name), PP_SYM_OTHER, f, f->pos);
  }
  for (size_t i = 0; i < m->oneofs.n; i++)
    define(c, join(c, m->full_name, m->oneofs.items[i].name), PP_SYM_OTHER, &m->oneofs.items[i],
           m->oneofs.items[i].pos);
  for (size_t i = 0; i < m->extensions.n; i++) {
    pp_field_t *f = &m->extensions.items[i];
    f->scope = m->full_name;
    define(c, join(c, m->full_name, f->name), PP_SYM_EXTENSION, f, f->pos);
  }
  for (size_t i = 0; i < m->nested.n; i++) define_message(c, m->nested.items[i], m->full_name);
  for (size_t i = 0; i < m->enums.n; i++) define_enum(c, m->enums.items[i], m->full_name);
}

/* ---- Resolution ----------------------------------------------------------- */

static bool in_ranges(const void *ranges_vec, int64_t n) {
  const PP_VEC(pp_range_t) *ranges = ranges_vec;
  for (size_t i = 0; i < ranges->n; i++)
    if (n >= ranges->items[i].start && n <= ranges->items[i].end) return true;
  return false;
}

static bool is_options_message(const char *full) {
  static const char *const names[] = {
      "google.protobuf.FileOptions",      "google.protobuf.MessageOptions",
      "google.protobuf.FieldOptions",     "google.protobuf.EnumOptions",
      "google.protobuf.EnumValueOptions", "google.protobuf.ServiceOptions",
      "google.protobuf.MethodOptions",    "google.protobuf.OneofOptions",
      "google.protobuf.ExtensionRangeOptions"};
  for (size_t i = 0; i < sizeof names / sizeof *names; i++)
    if (strcmp(names[i], full) == 0) return true;
  return false;
}

static void resolve_field(pp_ctx_t *c, pp_field_t *f) {
  const char *self = join(c, f->scope, f->name);
  if (f->extendee) {
    const char *full;
    pp_sym_kind_t k = pp_lookup(c, f->extendee, self, false, &full);
    if (k == PP_SYM_NONE)
      pp_fail_at(c, f->extendee_pos, "unknown type \"%s\": it is not defined in this file, its "
                 "package or the files it imports%s", f->extendee, undeclared_hint(c));
    if (k != PP_SYM_MESSAGE)
      pp_fail_at(c, f->extendee_pos, "\"%s\" is not a message type, so it cannot be extended",
                 f->extendee);
    if (c->file->proto3 && !is_options_message(full))
      pp_fail_at(c, f->extendee_pos, "extensions in proto3 are only allowed for defining options "
                 "(extending google.protobuf.*Options), not \"%s\"", full);
    const pp_sym_t *own = pp_sym_find(c, full);
    if (own && own->kind == PP_SYM_MESSAGE && !in_ranges(&((pp_msg_t *)own->item)->ext_ranges, f->number))
      pp_fail_at(c, f->number_pos, "\"%s\" does not declare %lld as an extension number (add it "
                 "to an \"extensions\" range)", full, (long long)f->number);
    f->extendee = pp_strcat3(c, ".", full, "");
  }
  if (!f->type_name) return;
  const char *full;
  pp_sym_kind_t k = pp_lookup(c, f->type_name, self, true, &full);
  if (k == PP_SYM_NONE)
    pp_fail_at(c, f->type_pos, "unknown type \"%s\": it is not defined in this file, its package "
               "or the files it imports%s", f->type_name, undeclared_hint(c));
  if (k != PP_SYM_MESSAGE && k != PP_SYM_ENUM)
    pp_fail_at(c, f->type_pos, "\"%s\" is not a type (it is %s)", f->type_name, kind_name(k));
  if (k == PP_SYM_ENUM && c->file->proto3 && !f->extendee) {
    const cgrpc_enum_desc_t *e = cgrpc_pool_find_enum(c->pool, full);
    if (e && e->closed && !pp_sym_find(c, full))
      pp_fail_at(c, f->type_pos, "enum \"%s\" is a proto2 enum: a proto3 message cannot use it",
                 f->type_name);
  }
  if (f->type == 10) {
    if (k != PP_SYM_MESSAGE) pp_fail_at(c, f->type_pos, "a group must be a message");
  } else {
    f->type = k == PP_SYM_MESSAGE ? 11 : 14;
  }
  f->type_name = pp_strcat3(c, ".", full, "");
}

/* The name lower-cased without underscores: two fields of a proto3 message
 * may not share it, since their JSON names would clash. */
static bool same_json_key(const char *a, const char *b) {
  for (;;) {
    while (*a == '_') a++;
    while (*b == '_') b++;
    char x = (*a >= 'A' && *a <= 'Z') ? (char)(*a - 'A' + 'a') : *a;
    char y = (*b >= 'A' && *b <= 'Z') ? (char)(*b - 'A' + 'a') : *b;
    if (x != y) return false;
    if (!x) return true;
    a++;
    b++;
  }
}

/* Ranges of one list may not overlap, nor (when `other` is given) a range
 * of the other list. */
static void check_overlaps(pp_ctx_t *c, void *ranges_vec, void *other_vec, const char *what,
                           const char *other_what) {
  PP_VEC(pp_range_t) *ranges = ranges_vec;
  PP_VEC(pp_range_t) *other = other_vec;
  for (size_t i = 0; i < ranges->n; i++) {
    const pp_range_t *r = &ranges->items[i];
    for (size_t k = 0; k < (other ? other->n : i); k++) {
      const pp_range_t *o = other ? &other->items[k] : &ranges->items[k];
      if (r->start <= o->end && o->start <= r->end)
        pp_fail_at(c, r->pos, "%s %lld to %lld overlaps with %s %lld to %lld", what,
                   (long long)r->start, (long long)r->end, other_what, (long long)o->start,
                   (long long)o->end);
    }
  }
}

static void check_message(pp_ctx_t *c, pp_msg_t *m) {
  check_overlaps(c, &m->reserved, NULL, "reserved range", "reserved range");
  check_overlaps(c, &m->ext_ranges, NULL, "extension range", "extension range");
  check_overlaps(c, &m->ext_ranges, &m->reserved, "extension range", "reserved range");
  for (size_t i = 0; i < m->fields.n; i++) {
    pp_field_t *f = &m->fields.items[i];
    for (size_t k = 0; k < i && c->file->proto3; k++)
      if (same_json_key(m->fields.items[k].name, f->name))
        pp_fail_at(c, f->pos, "the JSON name of field \"%s\" conflicts with field \"%s\" "
                   "(not allowed in proto3)", f->name, m->fields.items[k].name);
    if (f->number >= 19000 && f->number <= 19999)
      pp_fail_at(c, f->number_pos, "field numbers 19000 to 19999 are reserved for the protobuf "
                 "implementation; \"%s\" cannot use %lld", f->name, (long long)f->number);
    for (size_t k = 0; k < i; k++)
      if (m->fields.items[k].number == f->number)
        pp_fail_at(c, f->number_pos, "field number %lld has already been used in \"%s\" by field "
                   "\"%s\"", (long long)f->number, m->full_name, m->fields.items[k].name);
    if (in_ranges(&m->reserved, f->number))
      pp_fail_at(c, f->number_pos, "field \"%s\" uses number %lld, which \"%s\" reserves", f->name,
                 (long long)f->number, m->full_name);
    if (in_ranges(&m->ext_ranges, f->number))
      pp_fail_at(c, f->number_pos, "field \"%s\" uses number %lld, which is in an extension range "
                 "of \"%s\"", f->name, (long long)f->number, m->full_name);
    for (size_t k = 0; k < m->reserved_names.n; k++)
      if (strcmp(m->reserved_names.items[k], f->name) == 0)
        pp_fail_at(c, f->pos, "field name \"%s\" is reserved in \"%s\"", f->name, m->full_name);
    resolve_field(c, f);
  }
  for (size_t i = 0; i < m->extensions.n; i++) resolve_field(c, &m->extensions.items[i]);
  for (size_t i = 0; i < m->nested.n; i++) check_message(c, m->nested.items[i]);
}

/* protoc's EnumValueToPascalCase of a value name without the enum's name
 * as prefix ("MY_ENUM_FOO_BAR" in MyEnum: "FooBar"). */
static char *stripped_value_name(pp_ctx_t *c, const char *enum_name, const char *value) {
  const char *p = value, *q = enum_name;
  for (; *p && *q; p++) {
    if (*p == '_') continue;
    char x = (*p >= 'A' && *p <= 'Z') ? (char)(*p - 'A' + 'a') : *p;
    while (*q == '_') q++;
    char y = (*q >= 'A' && *q <= 'Z') ? (char)(*q - 'A' + 'a') : *q;
    if (x != y) break;
    q++;
    while (*q == '_') q++;
  }
  const char *rest = value;
  if (!*q) {
    while (*p == '_') p++;
    if (*p) rest = p;
  }
  char *out = pp_alloc(c, strlen(rest) + 1);
  size_t n = 0;
  bool upper = true;
  for (; *rest; rest++) {
    if (*rest == '_') {
      upper = true;
      continue;
    }
    char ch = *rest;
    if (upper && ch >= 'a' && ch <= 'z') ch = (char)(ch - 'a' + 'A');
    if (!upper && ch >= 'A' && ch <= 'Z') ch = (char)(ch - 'A' + 'a');
    out[n++] = ch;
    upper = false;
  }
  return out;
}

static void check_enum(pp_ctx_t *c, pp_enum_t *e) {
  check_overlaps(c, &e->reserved, NULL, "reserved range", "reserved range");
  if (c->file->proto3) {
    char **stripped = pp_alloc(c, (e->values.n + 1) * sizeof *stripped);
    for (size_t i = 0; i < e->values.n; i++) {
      pp_enum_value_t *v = &e->values.items[i];
      stripped[i] = stripped_value_name(c, e->name, v->name);
      for (size_t k = 0; k < i; k++)
        if (strcmp(stripped[k], stripped[i]) == 0 && e->values.items[k].number != v->number)
          pp_fail_at(c, v->pos, "enum value \"%s\" is \"%s\" once the enum's name is stripped "
                     "as a prefix and case ignored (proto3 forbids it unless both have the same "
                     "number)", v->name, e->values.items[k].name);
    }
  }
  bool allow_alias = false;
  for (size_t i = 0; i < e->options.n; i++) {
    pp_option_t *o = &e->options.items[i];
    if (o->parts.n == 1 && !o->parts.items[0].extension &&
        strcmp(o->parts.items[0].name, "allow_alias") == 0) {
      const pp_token_t *t = &c->toks.items[o->value_tok];
      allow_alias = t->len == 4 && memcmp(t->text, "true", 4) == 0;
    }
  }
  for (size_t i = 0; i < e->values.n; i++) {
    pp_enum_value_t *v = &e->values.items[i];
    for (size_t k = 0; k < i && !allow_alias; k++)
      if (e->values.items[k].number == v->number)
        pp_fail_at(c, v->pos, "\"%s\" uses the number %lld of \"%s\": set option allow_alias = "
                   "true; in enum \"%s\" to allow aliases", v->name, (long long)v->number,
                   e->values.items[k].name, e->name);
    if (in_ranges(&e->reserved, v->number))
      pp_fail_at(c, v->pos, "enum value \"%s\" uses number %lld, which \"%s\" reserves", v->name,
                 (long long)v->number, e->full_name);
  }
}

static void check_enums_of(pp_ctx_t *c, pp_msg_t *m) {
  for (size_t i = 0; i < m->enums.n; i++) check_enum(c, m->enums.items[i]);
  for (size_t i = 0; i < m->nested.n; i++) check_enums_of(c, m->nested.items[i]);
}

static void resolve_method_type(pp_ctx_t *c, const char **name, const char *self, pp_pos_t pos) {
  const char *full;
  pp_sym_kind_t k = pp_lookup(c, *name, self, false, &full);
  if (k == PP_SYM_NONE)
    pp_fail_at(c, pos, "unknown type \"%s\": it is not defined in this file, its package or the "
               "files it imports%s", *name, undeclared_hint(c));
  if (k != PP_SYM_MESSAGE) pp_fail_at(c, pos, "\"%s\" is not a message type", *name);
  *name = pp_strcat3(c, ".", full, "");
}

void pp_resolve(pp_ctx_t *c) {
  pp_file_t *f = c->file;
  /* A package is visible when a visible file is in it. */
  for (size_t i = 0; i < c->visible_count; i++) {
    const cgrpc_file_desc_t *dep = cgrpc_pool_find_file(c->pool, c->visible[i]);
    if (dep) define_package(c, dep->package);
  }
  define_package(c, f->package);
  for (size_t i = 0; i < f->messages.n; i++) define_message(c, f->messages.items[i], f->package);
  for (size_t i = 0; i < f->enums.n; i++) define_enum(c, f->enums.items[i], f->package);
  for (size_t i = 0; i < f->extensions.n; i++) {
    pp_field_t *x = &f->extensions.items[i];
    x->scope = f->package;
    define(c, join(c, f->package, x->name), PP_SYM_EXTENSION, x, x->pos);
  }
  for (size_t i = 0; i < f->services.n; i++) {
    pp_service_t *s = f->services.items[i];
    s->full_name = join(c, f->package, s->name);
    define(c, s->full_name, PP_SYM_SERVICE, s, s->pos);
    for (size_t k = 0; k < s->methods.n; k++)
      define(c, join(c, s->full_name, s->methods.items[k].name), PP_SYM_OTHER,
             &s->methods.items[k], s->methods.items[k].pos);
  }

  for (size_t i = 0; i < f->messages.n; i++) check_message(c, f->messages.items[i]);
  for (size_t i = 0; i < f->messages.n; i++) check_enums_of(c, f->messages.items[i]);
  for (size_t i = 0; i < f->enums.n; i++) check_enum(c, f->enums.items[i]);
  for (size_t i = 0; i < f->extensions.n; i++) resolve_field(c, &f->extensions.items[i]);
  for (size_t i = 0; i < f->services.n; i++) {
    pp_service_t *s = f->services.items[i];
    for (size_t k = 0; k < s->methods.n; k++) {
      pp_method_t *m = &s->methods.items[k];
      const char *self = join(c, s->full_name, m->name);
      resolve_method_type(c, &m->input, self, m->input_pos);
      resolve_method_type(c, &m->output, self, m->output_pos);
    }
  }
}

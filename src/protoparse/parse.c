/* protoparse/parse.c — tokens to the model of a FileDescriptorProto, by
 * recursive descent over protoc's grammar (proto2 and proto3). Names stay
 * as written; resolve.c makes them full names later, and options.c encodes
 * the options, so this file only checks what the grammar itself says. Map
 * fields get their XxxEntry message and groups their message type right
 * where they are declared, and proto3 `optional` fields their synthetic
 * oneof at the end of the message, in the order protoc makes them. */
#include <stdio.h>
#include <string.h>

#include "protoparse/pp.h"

#define MAX_FIELD_NUMBER 536870911
#define MAX_DEPTH 64

static const pp_token_t *tok(pp_ctx_t *c) { return &c->toks.items[c->pos]; }
static const pp_token_t *peek(pp_ctx_t *c, size_t ahead) {
  size_t i = c->pos + ahead;
  return i < c->toks.n ? &c->toks.items[i] : &c->toks.items[c->toks.n - 1];
}
static pp_pos_t tok_pos(const pp_token_t *t) { return (pp_pos_t){t->line, t->col}; }
static void next(pp_ctx_t *c) {
  if (tok(c)->kind != PP_TOK_END) c->pos++;
}
static bool tok_is(const pp_token_t *t, const char *s) {
  size_t n = strlen(s);
  return (t->kind == PP_TOK_IDENT || t->kind == PP_TOK_SYMBOL) && t->len == n &&
         memcmp(t->text, s, n) == 0;
}
static bool is(pp_ctx_t *c, const char *s) { return tok_is(tok(c), s); }
static bool accept(pp_ctx_t *c, const char *s) {
  if (!is(c, s)) return false;
  next(c);
  return true;
}

/* Describes the current token for an error message. */
static const char *found(pp_ctx_t *c) {
  const pp_token_t *t = tok(c);
  if (t->kind == PP_TOK_END) return "the end of the file";
  size_t n = t->len > 40 ? 40 : t->len;
  char *s = pp_alloc(c, n + 3);
  s[0] = '"';
  memcpy(s + 1, t->text, n);
  s[n + 1] = '"';
  return s;
}

static _Noreturn void fail_expected(pp_ctx_t *c, const char *what) {
  pp_fail_at(c, tok_pos(tok(c)), "expected %s, found %s", what, found(c));
}

static void expect(pp_ctx_t *c, const char *s) {
  if (accept(c, s)) return;
  char what[32];
  snprintf(what, sizeof what, "\"%s\"", s);
  fail_expected(c, what);
}

static const char *expect_ident(pp_ctx_t *c, const char *what) {
  const pp_token_t *t = tok(c);
  if (t->kind != PP_TOK_IDENT) fail_expected(c, what);
  next(c);
  return pp_strndup(c, t->text, t->len);
}

/* One string value: adjacent literals concatenate ("a" "b" is "ab"). */
static char *expect_string(pp_ctx_t *c, const char *what, size_t *len_out) {
  if (tok(c)->kind != PP_TOK_STRING) fail_expected(c, what);
  char *all = NULL;
  size_t all_len = 0;
  while (tok(c)->kind == PP_TOK_STRING) {
    char *s;
    size_t n;
    pp_unescape(c, tok(c), &s, &n);
    if (!all) {
      all = s;
      all_len = n;
    } else {
      char *joined = pp_alloc(c, all_len + n + 1);
      memcpy(joined, all, all_len);
      memcpy(joined + all_len, s, n);
      all = joined;
      all_len += n;
    }
    next(c);
  }
  if (len_out) *len_out = all_len;
  return all;
}

/* An integer, with "-" when `allow_negative`; fails past [min, max]. */
static int64_t expect_int(pp_ctx_t *c, const char *what, int64_t min, int64_t max) {
  pp_pos_t pos = tok_pos(tok(c));
  bool negative = false;
  if (min < 0 && accept(c, "-")) negative = true;
  if (tok(c)->kind != PP_TOK_INT) fail_expected(c, what);
  uint64_t v;
  bool ok = pp_parse_uint(tok(c), &v);
  int64_t value = 0;
  if (ok) {
    if (negative) {
      ok = v <= (uint64_t)INT64_MAX + 1 && (int64_t)(0 - v) >= min;
      value = ok ? (int64_t)(0 - v) : 0;
    } else {
      ok = v <= (uint64_t)max && (min < 0 || v >= (uint64_t)min);
      value = (int64_t)v;
    }
  }
  if (!ok)
    pp_fail_at(c, pos, "%s must be between %lld and %lld", what, (long long)min, (long long)max);
  next(c);
  return value;
}

/* [.]ident(.ident)* as one string. */
static const char *expect_type_name(pp_ctx_t *c, const char *what) {
  const char *start_text = tok(c)->text;
  bool dot = accept(c, ".");
  const pp_token_t *first = tok(c);
  if (first->kind != PP_TOK_IDENT) fail_expected(c, what);
  (void)first;
  next(c);
  while (is(c, ".")) {
    next(c);
    if (tok(c)->kind != PP_TOK_IDENT) fail_expected(c, "an identifier after \".\"");
    next(c);
  }
  const pp_token_t *last = &c->toks.items[c->pos - 1];
  /* The tokens may be separated by spaces: rebuild without them. */
  size_t cap = (size_t)(last->text + last->len - start_text) + 1;
  char *s = pp_alloc(c, cap);
  size_t n = 0;
  (void)dot;
  for (const pp_token_t *t = first - (dot ? 1 : 0); t <= last; t++) {
    memcpy(s + n, t->text, t->len);
    n += t->len;
  }
  s[n] = '\0';
  return s;
}

/* ---- Options ------------------------------------------------------------- */

/* The value of an option or a default: its tokens are kept for options.c. */
static void parse_value(pp_ctx_t *c, size_t *first, size_t *end, bool *negative,
                        bool is_default) {
  *negative = false;
  if (accept(c, "-")) {
    *negative = true;
    const pp_token_t *t = tok(c);
    if (t->kind != PP_TOK_INT && t->kind != PP_TOK_FLOAT &&
        !(is_default && t->kind == PP_TOK_IDENT && (tok_is(t, "inf") || tok_is(t, "nan"))))
      fail_expected(c, "a number after \"-\"");
    *first = c->pos;
    next(c);
  } else if (is(c, "{")) {
    *first = c->pos;
    int depth = 0;
    do {
      if (tok(c)->kind == PP_TOK_END) fail_expected(c, "\"}\" closing the aggregate value");
      if (is(c, "{")) depth++;
      if (is(c, "}")) depth--;
      next(c);
    } while (depth > 0);
  } else if (tok(c)->kind == PP_TOK_STRING) {
    *first = c->pos;
    while (tok(c)->kind == PP_TOK_STRING) next(c);
  } else if (tok(c)->kind == PP_TOK_INT || tok(c)->kind == PP_TOK_FLOAT ||
             tok(c)->kind == PP_TOK_IDENT) {
    *first = c->pos;
    next(c);
  } else {
    fail_expected(c, "an option value (a number, string, identifier or {...})");
  }
  *end = c->pos;
}

static void parse_option_name(pp_ctx_t *c, pp_option_t *opt) {
  for (;;) {
    pp_opt_part_t *part = PP_PUSH(c, &opt->parts);
    part->pos = tok_pos(tok(c));
    if (accept(c, "(")) {
      part->extension = true;
      part->name = expect_type_name(c, "an extension name inside \"(...)\"");
      expect(c, ")");
    } else {
      part->name = expect_ident(c, "an option name");
    }
    if (!accept(c, ".")) break;
  }
}

/* name = value, after "option" or inside [...]. */
static pp_option_t *parse_option_assignment(pp_ctx_t *c, pp_options_t *opts) {
  pp_option_t *opt = PP_PUSH(c, opts);
  opt->pos = tok_pos(tok(c));
  parse_option_name(c, opt);
  expect(c, "=");
  parse_value(c, &opt->value_tok, &opt->value_end, &opt->negative, false);
  return opt;
}

static void parse_option_statement(pp_ctx_t *c, pp_options_t *opts) {
  expect(c, "option");
  parse_option_assignment(c, opts);
  expect(c, ";");
}

/* [a = 1, (b) = 2]; `field` gets default and json_name. */
static void parse_bracket_options(pp_ctx_t *c, pp_options_t *opts, pp_field_t *field) {
  if (!accept(c, "[")) return;
  do {
    if (field && is(c, "default") && tok_is(peek(c, 1), "=")) {
      if (field->has_default) pp_fail_at(c, tok_pos(tok(c)), "\"default\" is set twice");
      field->default_pos = tok_pos(tok(c));
      next(c);
      next(c);
      size_t end;
      field->has_default = true;
      parse_value(c, &field->default_tok, &end, &field->default_negative, true);
      if (c->toks.items[field->default_tok].text[0] == '{')
        pp_fail_at(c, field->default_pos, "a default value cannot be an aggregate {...}");
    } else if (field && is(c, "json_name") && tok_is(peek(c, 1), "=")) {
      pp_pos_t pos = tok_pos(tok(c));
      if (field->json_name) pp_fail_at(c, pos, "\"json_name\" is set twice");
      if (field->extendee) pp_fail_at(c, pos, "option json_name is not allowed on extension fields");
      next(c);
      next(c);
      field->json_name = expect_string(c, "a string for json_name", NULL);
    } else {
      parse_option_assignment(c, opts);
    }
  } while (accept(c, ","));
  expect(c, "]");
}

/* ---- Ranges and reserved ------------------------------------------------- */

static void parse_ranges(pp_ctx_t *c, void *ranges_vec, int64_t min, int64_t max,
                         const char *what) {
  PP_VEC(pp_range_t) *ranges = ranges_vec;
  do {
    pp_range_t *r = PP_PUSH(c, ranges);
    r->pos = tok_pos(tok(c));
    r->start = expect_int(c, what, min, max);
    r->end = r->start;
    if (accept(c, "to")) {
      if (accept(c, "max")) {
        r->end = max;
        r->to_max = true;
      }
      else
        r->end = expect_int(c, what, min, max);
    }
    if (r->end < r->start)
      pp_fail_at(c, r->pos, "range %lld to %lld is empty: its end is below its start",
                 (long long)r->start, (long long)r->end);
  } while (accept(c, ","));
}

static void parse_reserved(pp_ctx_t *c, void *ranges, void *names_vec, int64_t min, int64_t max) {
  PP_VEC(const char *) *names = names_vec;
  expect(c, "reserved");
  if (tok(c)->kind == PP_TOK_STRING) {
    do {
      pp_pos_t pos = tok_pos(tok(c));
      const char *name = expect_string(c, "a reserved name in quotes", NULL);
      if (!*name) pp_fail_at(c, pos, "a reserved name cannot be empty");
      *PP_PUSH(c, names) = name;
    } while (accept(c, ","));
  } else {
    parse_ranges(c, ranges, min, max, "a reserved field number or a name in quotes");
  }
  expect(c, ";");
}

/* ---- Enums --------------------------------------------------------------- */

static void parse_enum(pp_ctx_t *c, void *enums_vec) {
  PP_VEC(pp_enum_t *) *enums = enums_vec;
  expect(c, "enum");
  pp_enum_t *e = pp_alloc(c, sizeof *e);
  *PP_PUSH(c, enums) = e;
  e->pos = tok_pos(tok(c));
  e->name = expect_ident(c, "an enum name");
  expect(c, "{");
  while (!accept(c, "}")) {
    if (tok(c)->kind == PP_TOK_END) fail_expected(c, "\"}\" closing the enum");
    if (accept(c, ";")) continue;
    /* As in protoc, these words always start their statement here: no
     * enum value can be named "option" or "reserved". */
    if (is(c, "option")) {
      parse_option_statement(c, &e->options);
      continue;
    }
    if (is(c, "reserved")) {
      parse_reserved(c, &e->reserved, &e->reserved_names, INT32_MIN, INT32_MAX);
      continue;
    }
    pp_enum_value_t *v = PP_PUSH(c, &e->values);
    v->pos = tok_pos(tok(c));
    v->name = expect_ident(c, "an enum value name");
    expect(c, "=");
    v->number = expect_int(c, "an enum value number", INT32_MIN, INT32_MAX);
    parse_bracket_options(c, &v->options, NULL);
    expect(c, ";");
  }
  if (e->values.n == 0) pp_fail_at(c, e->pos, "enum \"%s\" must have at least one value", e->name);
  if (c->file->proto3 && e->values.items[0].number != 0)
    pp_fail_at(c, e->values.items[0].pos,
               "the first value of enum \"%s\" must be 0 in proto3 (it is the default)", e->name);
}

/* ---- Fields -------------------------------------------------------------- */

static const char *const scalar_names[] = {
    NULL,     "double", "float",   "int64",    "uint64",   "int32",  "fixed64",
    "fixed32", "bool",  "string",  NULL /*group*/, NULL /*message*/, "bytes", "uint32",
    NULL /*enum*/, "sfixed32", "sfixed64", "sint32", "sint64"};

static int scalar_type(const char *name) {
  for (int i = 1; i < (int)(sizeof scalar_names / sizeof *scalar_names); i++)
    if (scalar_names[i] && strcmp(scalar_names[i], name) == 0) return i;
  return 0;
}

/* A type as written: sets field->type for a scalar, else type_name. */
static void parse_field_type(pp_ctx_t *c, pp_field_t *f) {
  f->type_pos = tok_pos(tok(c));
  const char *name = expect_type_name(c, "a field type");
  f->type = scalar_type(name);
  if (!f->type) f->type_name = name;
}

typedef struct msg_ctx {
  pp_msg_t *msg;           /* NULL at file level */
  void *nested;            /* where group and map entry types go */
  int depth;
} msg_ctx_t;

static pp_msg_t *parse_message_body(pp_ctx_t *c, pp_msg_t *m, int depth);

static char *map_entry_name(pp_ctx_t *c, const char *field) {
  size_t n = strlen(field);
  char *s = pp_alloc(c, n + 6);
  size_t k = 0;
  bool cap = true;
  for (size_t i = 0; i < n; i++) {
    char ch = field[i];
    if (ch == '_') {
      cap = true;
    } else if (cap) {
      s[k++] = (ch >= 'a' && ch <= 'z') ? (char)(ch - 'a' + 'A') : ch;
      cap = false;
    } else {
      s[k++] = ch;
    }
  }
  memcpy(s + k, "Entry", 6);
  return s;
}

static void parse_map_field(pp_ctx_t *c, pp_field_t *f, void *nested_vec) {
  PP_VEC(pp_msg_t *) *nested = nested_vec;
  pp_field_t key = {0}, value = {0};
  expect(c, "map");
  expect(c, "<");
  parse_field_type(c, &key);
  switch (key.type) {
    case 0:
    case 1:  /* double */
    case 2:  /* float */
    case 12: /* bytes */
      pp_fail_at(c, key.type_pos,
                 "a map key must be an integer type, bool or string (not a float, bytes, "
                 "message or enum)");
    default:
      break;
  }
  expect(c, ",");
  parse_field_type(c, &value);
  expect(c, ">");
  f->label = 3;
  f->type = 11;
  f->pos = tok_pos(tok(c));
  f->name = expect_ident(c, "a field name");
  f->type_name = map_entry_name(c, f->name);
  pp_msg_t *entry = pp_alloc(c, sizeof *entry);
  entry->name = f->type_name;
  entry->pos = f->pos;
  entry->map_entry = true;
  key.name = "key";
  key.number = 1;
  key.label = 1;
  key.oneof_index = -1;
  key.pos = f->pos;
  value.name = "value";
  value.number = 2;
  value.label = 1;
  value.oneof_index = -1;
  value.pos = f->pos;
  *PP_PUSH(c, &entry->fields) = key;
  *PP_PUSH(c, &entry->fields) = value;
  *PP_PUSH(c, nested) = entry;
}

/* A field (or group) of a message, a oneof or an extend block. */
static void parse_field(pp_ctx_t *c, void *fields_vec, void *nested_vec, int oneof_index,
                        const char *extendee, pp_pos_t extendee_pos, int depth) {
  PP_VEC(pp_field_t) *fields = fields_vec;
  PP_VEC(pp_msg_t *) *nested = nested_vec;
  bool proto3 = c->file->proto3;
  pp_field_t *f = PP_PUSH(c, fields);
  f->oneof_index = oneof_index;
  f->extendee = extendee;
  f->extendee_pos = extendee_pos;
  pp_pos_t label_pos = tok_pos(tok(c));
  if (accept(c, "optional")) {
    f->label = 1;
    if (proto3) f->proto3_optional = true;
  } else if (accept(c, "required")) {
    f->label = 2;
    if (proto3) pp_fail_at(c, label_pos, "required fields are not allowed in proto3");
  } else if (accept(c, "repeated")) {
    f->label = 3;
  }
  if (f->label && oneof_index >= 0)
    pp_fail_at(c, label_pos, "fields in a oneof must not have labels (required, optional, repeated)");

  if (is(c, "map") && tok_is(peek(c, 1), "<")) {
    if (f->label) pp_fail_at(c, label_pos, "a map field cannot have a label (it is repeated already)");
    if (oneof_index >= 0) pp_fail_at(c, label_pos, "a map field cannot be in a oneof");
    if (extendee) pp_fail_at(c, label_pos, "a map field cannot be an extension");
    f->oneof_index = -1;
    parse_map_field(c, f, nested);
  } else if (is(c, "group") && peek(c, 1)->kind == PP_TOK_IDENT) {
    pp_pos_t group_pos = tok_pos(tok(c));
    if (proto3) pp_fail_at(c, group_pos, "groups are not supported in proto3: use a message field");
    if (!f->label && oneof_index < 0) fail_expected(c, "\"required\", \"optional\" or \"repeated\"");
    next(c);
    f->pos = tok_pos(tok(c));
    const char *group_name = expect_ident(c, "a group name");
    if (!(group_name[0] >= 'A' && group_name[0] <= 'Z'))
      pp_fail_at(c, f->pos, "a group name must start with a capital letter");
    char *lower = pp_strndup(c, group_name, strlen(group_name));
    for (char *p = lower; *p; p++)
      if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
    f->name = lower;
    f->type = 10;
    f->type_name = group_name;
    f->type_pos = f->pos;
    if (!f->label) f->label = 1;
  } else {
    if (!f->label) {
      if (!proto3 && oneof_index < 0)
        fail_expected(c, "\"required\", \"optional\" or \"repeated\" (proto2 fields need a label)");
      f->label = 1;
    }
    parse_field_type(c, f);
    f->pos = tok_pos(tok(c));
    f->name = expect_ident(c, "a field name");
  }
  expect(c, "=");
  f->number_pos = tok_pos(tok(c));
  f->number = expect_int(c, "a field number", 1, MAX_FIELD_NUMBER);
  /* The field may move when the vector grows in a group body: keep an index. */
  size_t index = (size_t)(f - fields->items);
  parse_bracket_options(c, &f->options, f);
  if (f->type == 10) {
    pp_msg_t *group = pp_alloc(c, sizeof *group);
    group->name = f->type_name;
    group->pos = f->pos;
    *PP_PUSH(c, nested) = group;
    expect(c, "{");
    parse_message_body(c, group, depth + 1);
  } else {
    expect(c, ";");
  }
  (void)index;
}

static void parse_extend(pp_ctx_t *c, void *fields_vec, void *nested_vec, int depth) {
  expect(c, "extend");
  pp_pos_t pos = tok_pos(tok(c));
  const char *extendee = expect_type_name(c, "the name of the message to extend");
  expect(c, "{");
  if (is(c, "}")) fail_expected(c, "a field (an extend block cannot be empty)");
  while (!accept(c, "}")) {
    if (tok(c)->kind == PP_TOK_END) fail_expected(c, "\"}\" closing the extend block");
    if (accept(c, ";")) continue;
    parse_field(c, fields_vec, nested_vec, -1, extendee, pos, depth);
  }
}

static void parse_oneof(pp_ctx_t *c, pp_msg_t *m, int depth) {
  expect(c, "oneof");
  pp_oneof_t *o = PP_PUSH(c, &m->oneofs);
  int index = (int)(m->oneofs.n - 1);
  o->pos = tok_pos(tok(c));
  o->name = expect_ident(c, "a oneof name");
  expect(c, "{");
  size_t before = m->fields.n;
  while (!accept(c, "}")) {
    if (tok(c)->kind == PP_TOK_END) fail_expected(c, "\"}\" closing the oneof");
    if (accept(c, ";")) continue;
    if (is(c, "option") && !tok_is(peek(c, 1), "=")) {
      parse_option_statement(c, &m->oneofs.items[index].options);
      continue;
    }
    parse_field(c, &m->fields, &m->nested, index, NULL, (pp_pos_t){0, 0}, depth);
  }
  if (m->fields.n == before)
    pp_fail_at(c, m->oneofs.items[index].pos, "oneof \"%s\" must have at least one field",
               m->oneofs.items[index].name);
}

/* ---- Messages ------------------------------------------------------------ */

static void add_synthetic_oneofs(pp_ctx_t *c, pp_msg_t *m) {
  for (size_t i = 0; i < m->fields.n; i++) {
    pp_field_t *f = &m->fields.items[i];
    if (!f->proto3_optional) continue;
    const char *name = f->name[0] == '_' ? f->name : pp_strcat3(c, "_", f->name, "");
    for (;;) {
      bool clash = false;
      for (size_t k = 0; k < m->fields.n && !clash; k++)
        clash = strcmp(m->fields.items[k].name, name) == 0;
      for (size_t k = 0; k < m->oneofs.n && !clash; k++)
        clash = strcmp(m->oneofs.items[k].name, name) == 0;
      if (!clash) break;
      name = pp_strcat3(c, "X", name, "");
    }
    f->oneof_index = (int)m->oneofs.n;
    PP_PUSH(c, &m->oneofs)->name = name;
  }
}

static void parse_message(pp_ctx_t *c, void *msgs_vec, int depth);

/* After "{": declarations up to the closing "}". */
static pp_msg_t *parse_message_body(pp_ctx_t *c, pp_msg_t *m, int depth) {
  if (depth > MAX_DEPTH) pp_fail_at(c, m->pos, "messages are nested more than %d deep", MAX_DEPTH);
  while (!accept(c, "}")) {
    const pp_token_t *t = tok(c);
    if (t->kind == PP_TOK_END) fail_expected(c, "\"}\" closing the message");
    if (accept(c, ";")) continue;
    bool keyword = t->kind == PP_TOK_IDENT && peek(c, 1)->kind == PP_TOK_IDENT;
    if (is(c, "message") && keyword) {
      parse_message(c, &m->nested, depth + 1);
    } else if (is(c, "enum") && keyword) {
      parse_enum(c, &m->enums);
    } else if (is(c, "extend") && !tok_is(peek(c, 1), "=")) {
      parse_extend(c, &m->extensions, &m->nested, depth + 1);
    } else if (is(c, "option") && !tok_is(peek(c, 1), "=")) {
      parse_option_statement(c, &m->options);
    } else if (is(c, "oneof") && keyword) {
      parse_oneof(c, m, depth + 1);
    } else if (is(c, "extensions") && !tok_is(peek(c, 1), "=")) {
      next(c);
      if (c->file->proto3)
        pp_fail_at(c, tok_pos(tok(c)), "extension ranges are not allowed in proto3");
      size_t first = m->ext_ranges.n;
      parse_ranges(c, &m->ext_ranges, 1, MAX_FIELD_NUMBER, "an extension number");
      pp_options_t opts = {0};
      parse_bracket_options(c, &opts, NULL);
      for (size_t i = first; i < m->ext_ranges.n; i++) m->ext_ranges.items[i].options = opts;
      expect(c, ";");
    } else if (is(c, "reserved") && !tok_is(peek(c, 1), "=")) {
      parse_reserved(c, &m->reserved, &m->reserved_names, 1, MAX_FIELD_NUMBER);
    } else {
      parse_field(c, &m->fields, &m->nested, -1, NULL, (pp_pos_t){0, 0}, depth);
    }
  }
  add_synthetic_oneofs(c, m);
  return m;
}

static void parse_message(pp_ctx_t *c, void *msgs_vec, int depth) {
  PP_VEC(pp_msg_t *) *msgs = msgs_vec;
  expect(c, "message");
  pp_msg_t *m = pp_alloc(c, sizeof *m);
  *PP_PUSH(c, msgs) = m;
  m->pos = tok_pos(tok(c));
  m->name = expect_ident(c, "a message name");
  expect(c, "{");
  parse_message_body(c, m, depth);
}

/* ---- Services ------------------------------------------------------------ */

static const char *parse_method_type(pp_ctx_t *c, bool *streaming, pp_pos_t *pos) {
  expect(c, "(");
  if (is(c, "stream") && peek(c, 1)->kind == PP_TOK_IDENT) {
    next(c);
    *streaming = true;
  } else if (is(c, "stream") && tok_is(peek(c, 1), ".")) {
    next(c);
    *streaming = true;
  }
  *pos = tok_pos(tok(c));
  const char *name = expect_type_name(c, "a message type");
  expect(c, ")");
  return name;
}

static void parse_service(pp_ctx_t *c) {
  expect(c, "service");
  pp_service_t *s = pp_alloc(c, sizeof *s);
  *PP_PUSH(c, &c->file->services) = s;
  s->pos = tok_pos(tok(c));
  s->name = expect_ident(c, "a service name");
  expect(c, "{");
  while (!accept(c, "}")) {
    if (tok(c)->kind == PP_TOK_END) fail_expected(c, "\"}\" closing the service");
    if (accept(c, ";")) continue;
    if (is(c, "option")) {
      parse_option_statement(c, &s->options);
      continue;
    }
    if (!accept(c, "rpc")) fail_expected(c, "\"rpc\", \"option\" or \"}\"");
    pp_method_t *m = PP_PUSH(c, &s->methods);
    m->pos = tok_pos(tok(c));
    m->name = expect_ident(c, "a method name");
    m->input = parse_method_type(c, &m->client_streaming, &m->input_pos);
    expect(c, "returns");
    m->output = parse_method_type(c, &m->server_streaming, &m->output_pos);
    if (accept(c, "{")) {
      m->has_body = true;
      while (!accept(c, "}")) {
        if (tok(c)->kind == PP_TOK_END) fail_expected(c, "\"}\" closing the method");
        if (accept(c, ";")) continue;
        parse_option_statement(c, &m->options);
      }
      accept(c, ";");
    } else {
      expect(c, ";");
    }
  }
}

/* ---- The file ------------------------------------------------------------ */

static void parse_import(pp_ctx_t *c) {
  pp_file_t *f = c->file;
  expect(c, "import");
  int32_t index = (int32_t)f->deps.n;
  if (accept(c, "public"))
    *PP_PUSH(c, &f->public_deps) = index;
  else if (accept(c, "weak"))
    *PP_PUSH(c, &f->weak_deps) = index;
  pp_pos_t pos = tok_pos(tok(c));
  const char *name = expect_string(c, "the imported file's name in quotes", NULL);
  for (size_t i = 0; i < f->deps.n; i++)
    if (strcmp(f->deps.items[i], name) == 0)
      pp_fail_at(c, pos, "\"%s\" is imported twice", name);
  *PP_PUSH(c, &f->deps) = name;
  *PP_PUSH(c, &f->dep_pos) = pos;
  expect(c, ";");
}

void pp_parse(pp_ctx_t *c) {
  pp_file_t *f = c->file;
  f->package = "";
  if (is(c, "syntax")) {
    next(c);
    expect(c, "=");
    pp_pos_t pos = tok_pos(tok(c));
    const char *syntax = expect_string(c, "the syntax in quotes (\"proto2\" or \"proto3\")", NULL);
    if (strcmp(syntax, "proto3") == 0)
      f->proto3 = true;
    else if (strcmp(syntax, "proto2") != 0)
      pp_fail_at(c, pos, "unknown syntax \"%s\": expected \"proto2\" or \"proto3\"", syntax);
    expect(c, ";");
  }
  bool have_package = false;
  while (tok(c)->kind != PP_TOK_END) {
    if (accept(c, ";")) continue;
    if (is(c, "import")) {
      parse_import(c);
    } else if (is(c, "package")) {
      pp_pos_t pos = tok_pos(tok(c));
      if (have_package) pp_fail_at(c, pos, "a file can have only one package statement");
      next(c);
      f->package = expect_type_name(c, "a package name");
      if (f->package[0] == '.') pp_fail_at(c, pos, "a package name cannot start with \".\"");
      have_package = true;
      expect(c, ";");
    } else if (is(c, "option")) {
      parse_option_statement(c, &f->options);
    } else if (is(c, "message")) {
      parse_message(c, &f->messages, 0);
    } else if (is(c, "enum")) {
      parse_enum(c, &f->enums);
    } else if (is(c, "service")) {
      parse_service(c);
    } else if (is(c, "extend")) {
      parse_extend(c, &f->extensions, &f->messages, 0);
    } else if (is(c, "syntax")) {
      pp_fail_at(c, tok_pos(tok(c)), "the syntax statement must come first in the file");
    } else {
      fail_expected(c, "a top-level statement (message, enum, service, extend, import, package "
                       "or option)");
    }
  }
}

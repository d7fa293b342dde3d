/* protoparse/write.c — the model to FileDescriptorProto bytes, in the byte
 * order protoc's C++ serializer writes: fields by number, repeated ones in
 * declaration order; in options, the known fields by number and then the
 * custom options (extensions protoc keeps as unknown fields) in the order
 * they were written. Defaults and json_name are formatted as protoc's
 * FieldDescriptor::CopyTo and CopyJsonNameTo format them. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protoparse/pp.h"

/* ---- Bytes ---------------------------------------------------------------- */

void pp_bytes_append(pp_ctx_t *c, pp_bytes_t *b, const void *data, size_t len) {
  if (b->len + len > b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 64;
    while (cap < b->len + len) cap *= 2;
    uint8_t *grown = cgrpc_arena_realloc(&c->arena, b->data, b->cap, cap);
    if (!grown) pp_fail_oom(c);
    b->data = grown;
    b->cap = cap;
  }
  if (len) memcpy(b->data + b->len, data, len);
  b->len += len;
}

void pp_put_varint(pp_ctx_t *c, pp_bytes_t *b, uint64_t v) {
  uint8_t buf[10];
  size_t n = 0;
  do {
    buf[n] = (uint8_t)(v & 0x7f);
    v >>= 7;
    if (v) buf[n] |= 0x80;
    n++;
  } while (v);
  pp_bytes_append(c, b, buf, n);
}

void pp_put_tag(pp_ctx_t *c, pp_bytes_t *b, uint32_t number, int wire_type) {
  pp_put_varint(c, b, ((uint64_t)number << 3) | (uint64_t)wire_type);
}

void pp_put_lenbytes(pp_ctx_t *c, pp_bytes_t *b, uint32_t number, const void *data, size_t len) {
  pp_put_tag(c, b, number, 2);
  pp_put_varint(c, b, len);
  pp_bytes_append(c, b, data, len);
}

static void put_str(pp_ctx_t *c, pp_bytes_t *b, uint32_t number, const char *s) {
  pp_put_lenbytes(c, b, number, s, strlen(s));
}

static void put_int(pp_ctx_t *c, pp_bytes_t *b, uint32_t number, int64_t v) {
  pp_put_tag(c, b, number, 0);
  pp_put_varint(c, b, (uint64_t)v);
}

static void put_sub(pp_ctx_t *c, pp_bytes_t *b, uint32_t number, const pp_bytes_t *sub) {
  pp_put_lenbytes(c, b, number, sub->data, sub->len);
}

/* ---- Defaults and JSON names --------------------------------------------- */

float pp_double_to_float(double v) {
  /* Past FLT_MAX by less than half a unit in the last place still rounds
   * to FLT_MAX (as protoc's conversion does); further is infinity. */
  const double limit = 3.4028235677973366e38;
  if (v >= limit) return INFINITY;
  if (v <= -limit) return -INFINITY;
  if (v > FLT_MAX) return FLT_MAX;
  if (v < -FLT_MAX) return -FLT_MAX;
  return (float)v;
}

static char *format_double(pp_ctx_t *c, double v, bool is_float) {
  char buf[40];
  if (isinf(v)) return pp_strndup(c, v > 0 ? "inf" : "-inf", v > 0 ? 3 : 4);
  if (isnan(v)) return pp_strndup(c, "nan", 3);
  if (is_float) {
    float f = pp_double_to_float(v);
    snprintf(buf, sizeof buf, "%.*g", FLT_DIG, (double)f);
    if (strtof(buf, NULL) != f) snprintf(buf, sizeof buf, "%.*g", FLT_DIG + 3, (double)f);
  } else {
    snprintf(buf, sizeof buf, "%.*g", DBL_DIG, v);
    if (strtod(buf, NULL) != v) snprintf(buf, sizeof buf, "%.*g", DBL_DIG + 2, v);
  }
  return pp_strndup(c, buf, strlen(buf));
}

/* protoc's CEscape: \n \r \t \" \' \\ by name, other bytes outside
 * printable ASCII as three octal digits. */
static char *c_escape(pp_ctx_t *c, const char *s, size_t len) {
  char *out = pp_alloc(c, len * 4 + 1);
  size_t n = 0;
  for (size_t i = 0; i < len; i++) {
    unsigned char ch = (unsigned char)s[i];
    switch (ch) {
      case '\n': out[n++] = '\\'; out[n++] = 'n'; break;
      case '\r': out[n++] = '\\'; out[n++] = 'r'; break;
      case '\t': out[n++] = '\\'; out[n++] = 't'; break;
      case '"': out[n++] = '\\'; out[n++] = '"'; break;
      case '\'': out[n++] = '\\'; out[n++] = '\''; break;
      case '\\': out[n++] = '\\'; out[n++] = '\\'; break;
      default:
        if (ch < 0x20 || ch >= 0x7f) {
          n += (size_t)snprintf(out + n, 5, "\\%03o", ch);
        } else {
          out[n++] = (char)ch;
        }
    }
  }
  out[n] = '\0';
  return out;
}

static bool tok_eq(const pp_token_t *t, const char *s) {
  return t->len == strlen(s) && memcmp(t->text, s, t->len) == 0;
}

static bool enum_has_value(pp_ctx_t *c, const char *enum_full, const char *name) {
  const pp_sym_t *s = pp_sym_find(c, enum_full);
  if (s && s->kind == PP_SYM_ENUM) {
    const pp_enum_t *e = s->item;
    for (size_t i = 0; i < e->values.n; i++)
      if (strcmp(e->values.items[i].name, name) == 0) return true;
    return false;
  }
  const cgrpc_enum_desc_t *e = cgrpc_pool_find_enum(c->pool, enum_full);
  return e && cgrpc_enum_desc_value(e, name);
}

static void format_default(pp_ctx_t *c, pp_field_t *f) {
  const pp_token_t *t = &c->toks.items[f->default_tok];
  pp_pos_t pos = f->default_pos;
  const char *sign = f->default_negative ? "-" : "";
  switch (f->type) {
    case 11:
    case 10:
      pp_fail_at(c, pos, "message fields cannot have default values");
    case 9: /* string */
    case 12: /* bytes */ {
      if (t->kind != PP_TOK_STRING || f->default_negative)
        pp_fail_at(c, pos, "the default of a %s field must be a string in quotes",
                   f->type == 9 ? "string" : "bytes");
      char *all = NULL;
      size_t all_len = 0;
      for (; t->kind == PP_TOK_STRING; t++) {
        char *s;
        size_t n;
        pp_unescape(c, t, &s, &n);
        char *joined = pp_alloc(c, all_len + n + 1);
        if (all_len) memcpy(joined, all, all_len);
        memcpy(joined + all_len, s, n);
        all = joined;
        all_len += n;
      }
      f->default_text = f->type == 9 ? all : c_escape(c, all, all_len);
      f->default_len = f->type == 9 ? all_len : strlen(f->default_text);
      return;
    }
    case 8: /* bool */
      if (t->kind != PP_TOK_IDENT || f->default_negative || !(tok_eq(t, "true") || tok_eq(t, "false")))
        pp_fail_at(c, pos, "the default of a bool field must be true or false");
      f->default_text = pp_strndup(c, t->text, t->len);
      return;
    case 14: /* enum */
      if (t->kind != PP_TOK_IDENT || f->default_negative)
        pp_fail_at(c, pos, "the default of an enum field must be one of its value names");
      f->default_text = pp_strndup(c, t->text, t->len);
      if (!enum_has_value(c, f->type_name + 1, f->default_text))
        pp_fail_at(c, pos, "enum \"%s\" has no value named \"%s\"", f->type_name + 1,
                   f->default_text);
      return;
    case 1: /* double */
    case 2: /* float */ {
      double v;
      if (t->kind == PP_TOK_IDENT && tok_eq(t, "inf")) {
        v = INFINITY;
      } else if (t->kind == PP_TOK_IDENT && tok_eq(t, "nan")) {
        v = NAN;
      } else if (t->kind == PP_TOK_INT) {
        uint64_t u;
        if (!pp_parse_uint(t, &u)) pp_fail_at(c, pos, "number out of range");
        v = (double)u;
      } else if (t->kind == PP_TOK_FLOAT) {
        char *text = pp_strndup(c, t->text, t->len);
        v = strtod(text, NULL);
      } else {
        pp_fail_at(c, pos, "the default of a %s field must be a number, inf or nan",
                   f->type == 1 ? "double" : "float");
      }
      if (f->default_negative) v = -v;
      f->default_text = format_double(c, v, f->type == 2);
      return;
    }
    default: { /* the integer types */
      if (t->kind != PP_TOK_INT)
        pp_fail_at(c, pos, "the default of an integer field must be an integer");
      uint64_t u;
      bool is_signed = f->type == 3 || f->type == 5 || f->type == 15 || f->type == 16 ||
                       f->type == 17 || f->type == 18;
      bool is64 = f->type == 3 || f->type == 4 || f->type == 6 || f->type == 16 || f->type == 18;
      uint64_t max = is64 ? (is_signed ? (uint64_t)INT64_MAX : UINT64_MAX)
                          : (is_signed ? (uint64_t)INT32_MAX : UINT32_MAX);
      if (f->default_negative) {
        if (!is_signed) pp_fail_at(c, pos, "an unsigned field cannot have a negative default");
        max++;
      }
      if (!pp_parse_uint(t, &u) || u > max)
        pp_fail_at(c, pos, "the default of field \"%s\" is out of the range of its type", f->name);
      char buf[32];
      snprintf(buf, sizeof buf, "%s%llu", u == 0 ? "" : sign, (unsigned long long)u);
      f->default_text = pp_strndup(c, buf, strlen(buf));
      return;
    }
  }
}

static void format_defaults_of(pp_ctx_t *c, void *fields_vec) {
  PP_VEC(pp_field_t) *fields = fields_vec;
  for (size_t i = 0; i < fields->n; i++)
    if (fields->items[i].has_default) {
      if (fields->items[i].label == 3)
        pp_fail_at(c, fields->items[i].default_pos, "repeated fields cannot have default values");
      if (c->file->proto3)
        pp_fail_at(c, fields->items[i].default_pos,
                   "explicit default values are not allowed in proto3");
      format_default(c, &fields->items[i]);
      if (fields->items[i].type != 9)
        fields->items[i].default_len = strlen(fields->items[i].default_text);
    }
}

static void format_message_defaults(pp_ctx_t *c, pp_msg_t *m) {
  format_defaults_of(c, &m->fields);
  format_defaults_of(c, &m->extensions);
  for (size_t i = 0; i < m->nested.n; i++) format_message_defaults(c, m->nested.items[i]);
}

void pp_format_defaults(pp_ctx_t *c) {
  for (size_t i = 0; i < c->file->messages.n; i++) format_message_defaults(c, c->file->messages.items[i]);
  format_defaults_of(c, &c->file->extensions);
}

static const char *json_name(pp_ctx_t *c, const pp_field_t *f) {
  if (f->json_name) return f->json_name;
  size_t n = strlen(f->name);
  char *s = pp_alloc(c, n + 1);
  size_t k = 0;
  bool cap = false;
  for (size_t i = 0; i < n; i++) {
    char ch = f->name[i];
    if (ch == '_') {
      cap = true;
    } else if (cap) {
      s[k++] = (ch >= 'a' && ch <= 'z') ? (char)(ch - 'a' + 'A') : ch;
      cap = false;
    } else {
      s[k++] = ch;
    }
  }
  s[k] = '\0';
  return s;
}

/* ---- Messages of descriptor.proto ---------------------------------------- */

static void write_options(pp_ctx_t *c, pp_bytes_t *out, uint32_t number, const pp_options_t *opts,
                          bool map_entry, bool always) {
  if (opts->n == 0 && !map_entry && !always) return;
  pp_bytes_t b = {0};
  /* Known fields by number (stable: repeated ones keep their order)... */
  uint32_t last = 0;
  for (;;) {
    uint32_t next = UINT32_MAX;
    for (size_t i = 0; i < opts->n; i++) {
      const pp_option_t *o = &opts->items[i];
      if (!o->custom && o->done && o->number > last && o->number < next) next = o->number;
    }
    if (map_entry && 7 > last && 7 < next) next = 7;
    if (next == UINT32_MAX) break;
    if (map_entry && next == 7) {
      put_int(c, &b, 7, 1);
    }
    for (size_t i = 0; i < opts->n; i++) {
      const pp_option_t *o = &opts->items[i];
      if (!o->custom && o->done && o->number == next)
        pp_bytes_append(c, &b, o->encoded.data, o->encoded.len);
    }
    last = next;
  }
  /* ...then the extensions, as written. */
  for (size_t i = 0; i < opts->n; i++) {
    const pp_option_t *o = &opts->items[i];
    if (o->custom && o->done) pp_bytes_append(c, &b, o->encoded.data, o->encoded.len);
  }
  if (b.len == 0 && !always && opts->n != 0) return;
  put_sub(c, out, number, &b);
}

static void write_field(pp_ctx_t *c, pp_bytes_t *out, uint32_t number, const pp_field_t *f) {
  pp_bytes_t b = {0};
  put_str(c, &b, 1, f->name);
  if (f->extendee) put_str(c, &b, 2, f->extendee);
  put_int(c, &b, 3, f->number);
  put_int(c, &b, 4, f->label);
  put_int(c, &b, 5, f->type);
  if (f->type_name) put_str(c, &b, 6, f->type_name);
  if (f->default_text) pp_put_lenbytes(c, &b, 7, f->default_text, f->default_len);
  write_options(c, &b, 8, &f->options, false, false);
  if (f->oneof_index >= 0) put_int(c, &b, 9, f->oneof_index);
  put_str(c, &b, 10, json_name(c, f));
  if (f->proto3_optional) put_int(c, &b, 17, 1);
  put_sub(c, out, number, &b);
}

/* Message ranges "to max" end at INT32_MAX in a MessageSet, as protoc has it. */
static bool is_message_set(pp_ctx_t *c, const pp_msg_t *m) {
  for (size_t i = 0; i < m->options.n; i++) {
    const pp_option_t *o = &m->options.items[i];
    const pp_token_t *t = &c->toks.items[o->value_tok];
    if (o->parts.n == 1 && !o->parts.items[0].extension &&
        strcmp(o->parts.items[0].name, "message_set_wire_format") == 0)
      return t->len == 4 && memcmp(t->text, "true", 4) == 0;
  }
  return false;
}

static void write_range(pp_ctx_t *c, pp_bytes_t *out, uint32_t number, const pp_range_t *r,
                        bool exclusive_end, bool with_options, bool message_set) {
  pp_bytes_t b = {0};
  put_int(c, &b, 1, r->start);
  int64_t end = r->to_max && message_set ? INT32_MAX - 1 : r->end;
  put_int(c, &b, 2, exclusive_end ? end + 1 : end);
  if (with_options) write_options(c, &b, 3, &r->options, false, false);
  put_sub(c, out, number, &b);
}

static void write_enum(pp_ctx_t *c, pp_bytes_t *out, uint32_t number, const pp_enum_t *e) {
  pp_bytes_t b = {0};
  put_str(c, &b, 1, e->name);
  for (size_t i = 0; i < e->values.n; i++) {
    const pp_enum_value_t *v = &e->values.items[i];
    pp_bytes_t vb = {0};
    put_str(c, &vb, 1, v->name);
    put_int(c, &vb, 2, v->number);
    write_options(c, &vb, 3, &v->options, false, false);
    put_sub(c, &b, 2, &vb);
  }
  write_options(c, &b, 3, &e->options, false, false);
  for (size_t i = 0; i < e->reserved.n; i++)
    write_range(c, &b, 4, &e->reserved.items[i], false, false, false);
  for (size_t i = 0; i < e->reserved_names.n; i++) put_str(c, &b, 5, e->reserved_names.items[i]);
  put_sub(c, out, number, &b);
}

static void write_message(pp_ctx_t *c, pp_bytes_t *out, uint32_t number, const pp_msg_t *m) {
  pp_bytes_t b = {0};
  put_str(c, &b, 1, m->name);
  for (size_t i = 0; i < m->fields.n; i++) write_field(c, &b, 2, &m->fields.items[i]);
  for (size_t i = 0; i < m->nested.n; i++) write_message(c, &b, 3, m->nested.items[i]);
  for (size_t i = 0; i < m->enums.n; i++) write_enum(c, &b, 4, m->enums.items[i]);
  bool message_set = is_message_set(c, m);
  for (size_t i = 0; i < m->ext_ranges.n; i++)
    write_range(c, &b, 5, &m->ext_ranges.items[i], true, true, message_set);
  for (size_t i = 0; i < m->extensions.n; i++) write_field(c, &b, 6, &m->extensions.items[i]);
  write_options(c, &b, 7, &m->options, m->map_entry, false);
  for (size_t i = 0; i < m->oneofs.n; i++) {
    pp_bytes_t ob = {0};
    put_str(c, &ob, 1, m->oneofs.items[i].name);
    write_options(c, &ob, 2, &m->oneofs.items[i].options, false, false);
    put_sub(c, &b, 8, &ob);
  }
  for (size_t i = 0; i < m->reserved.n; i++)
    write_range(c, &b, 9, &m->reserved.items[i], true, false, message_set);
  for (size_t i = 0; i < m->reserved_names.n; i++) put_str(c, &b, 10, m->reserved_names.items[i]);
  put_sub(c, out, number, &b);
}

static void write_service(pp_ctx_t *c, pp_bytes_t *out, const pp_service_t *s) {
  pp_bytes_t b = {0};
  put_str(c, &b, 1, s->name);
  for (size_t i = 0; i < s->methods.n; i++) {
    const pp_method_t *m = &s->methods.items[i];
    pp_bytes_t mb = {0};
    put_str(c, &mb, 1, m->name);
    put_str(c, &mb, 2, m->input);
    put_str(c, &mb, 3, m->output);
    write_options(c, &mb, 4, &m->options, false, m->has_body);
    if (m->client_streaming) put_int(c, &mb, 5, 1);
    if (m->server_streaming) put_int(c, &mb, 6, 1);
    put_sub(c, &b, 2, &mb);
  }
  write_options(c, &b, 3, &s->options, false, false);
  put_sub(c, out, 6, &b);
}

void pp_write_file(pp_ctx_t *c, pp_bytes_t *out) {
  const pp_file_t *f = c->file;
  put_str(c, out, 1, f->name);
  if (*f->package) put_str(c, out, 2, f->package);
  for (size_t i = 0; i < f->deps.n; i++) put_str(c, out, 3, f->deps.items[i]);
  for (size_t i = 0; i < f->messages.n; i++) write_message(c, out, 4, f->messages.items[i]);
  for (size_t i = 0; i < f->enums.n; i++) write_enum(c, out, 5, f->enums.items[i]);
  for (size_t i = 0; i < f->services.n; i++) write_service(c, out, f->services.items[i]);
  for (size_t i = 0; i < f->extensions.n; i++) write_field(c, out, 7, &f->extensions.items[i]);
  write_options(c, out, 8, &f->options, false, false);
  for (size_t i = 0; i < f->public_deps.n; i++) put_int(c, out, 10, f->public_deps.items[i]);
  for (size_t i = 0; i < f->weak_deps.n; i++) put_int(c, out, 11, f->weak_deps.items[i]);
  if (f->proto3) put_str(c, out, 12, "proto3");
}

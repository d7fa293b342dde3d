/* protoparse/options.c — options to the bytes protoc's option interpreter
 * writes. A built-in option ("java_package", "deprecated") is a field of
 * the *Options message of descriptor.proto; a custom one ("(my.opt)",
 * "(my.opt).sub.(ext)") is an extension of it. Either way the value is
 * encoded as that field (sub-fields nest as length-delimited messages), and
 * an aggregate value `{ a: 1 b { c: "x" } }` is protobuf text format parsed
 * against the option's message type and serialized with its fields by
 * number, as protoc's DynamicMessage does. The field descriptors come from
 * the pool: descriptor.proto's are always there, imported extensions are,
 * and a file that uses its own extensions is interpreted a second time
 * with a pool that holds the file itself (see parser.c). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "protoparse/pp.h"

typedef struct interp {
  pp_ctx_t *c;
  cgrpc_pool_t *pool;
  bool final;          /* the pool holds this file: every extension can be found */
  bool deferred;       /* some option waits for that */
  bool own_extensions; /* the file declares extensions */
} interp_t;

static pp_pos_t tpos(const pp_token_t *t) { return (pp_pos_t){t->line, t->col}; }

static bool tok_eq(const pp_token_t *t, const char *s) {
  return t->len == strlen(s) && memcmp(t->text, s, t->len) == 0;
}

static const char *tok_str(pp_ctx_t *c, const pp_token_t *t) {
  return pp_strndup(c, t->text, t->len);
}

static int wire_type_of(cgrpc_pb_type_t type) {
  switch (type) {
    case CGRPC_PB_DOUBLE:
    case CGRPC_PB_FIXED64:
    case CGRPC_PB_SFIXED64:
      return 1;
    case CGRPC_PB_FLOAT:
    case CGRPC_PB_FIXED32:
    case CGRPC_PB_SFIXED32:
      return 5;
    case CGRPC_PB_STRING:
    case CGRPC_PB_BYTES:
    case CGRPC_PB_MESSAGE:
      return 2;
    case CGRPC_PB_GROUP:
      return 3;
    default:
      return 0;
  }
}

static void put_fixed(pp_ctx_t *c, pp_bytes_t *b, uint64_t v, int bytes) {
  uint8_t buf[8];
  for (int i = 0; i < bytes; i++) buf[i] = (uint8_t)(v >> (8 * i));
  pp_bytes_append(c, b, buf, (size_t)bytes);
}

/* ---- Scalars --------------------------------------------------------------- */

/* Appends the value (no tag) of one scalar or enum field, from the token at
 * *i (after an optional "-"), and moves *i past it. `text_format` allows
 * the spellings text format allows (t/f, enum numbers). */
static void encode_scalar(interp_t *in, const cgrpc_field_desc_t *f, size_t *i, bool negative,
                          bool text_format, pp_bytes_t *out) {
  pp_ctx_t *c = in->c;
  const pp_token_t *t = &c->toks.items[*i];
  pp_pos_t pos = tpos(t);
  switch (f->type) {
    case CGRPC_PB_STRING:
    case CGRPC_PB_BYTES: {
      if (t->kind != PP_TOK_STRING || negative)
        pp_fail_at(c, pos, "option \"%s\" needs a string value in quotes", f->name);
      pp_bytes_t s = {0};
      for (; c->toks.items[*i].kind == PP_TOK_STRING; (*i)++) {
        char *part;
        size_t n;
        pp_unescape(c, &c->toks.items[*i], &part, &n);
        pp_bytes_append(c, &s, part, n);
      }
      pp_bytes_append(c, out, s.data, s.len); /* the caller writes the length */
      return;
    }
    case CGRPC_PB_BOOL: {
      bool v;
      if (!negative && t->kind == PP_TOK_IDENT && tok_eq(t, "true"))
        v = true;
      else if (!negative && t->kind == PP_TOK_IDENT && tok_eq(t, "false"))
        v = false;
      else if (text_format && !negative && (tok_eq(t, "t") || tok_eq(t, "True") || tok_eq(t, "1")))
        v = true;
      else if (text_format && !negative && (tok_eq(t, "f") || tok_eq(t, "False") || tok_eq(t, "0")))
        v = false;
      else
        pp_fail_at(c, pos, "option \"%s\" is a bool: its value must be true or false", f->name);
      pp_put_varint(c, out, v);
      (*i)++;
      return;
    }
    case CGRPC_PB_ENUM: {
      const cgrpc_enum_desc_t *e = f->enum_type;
      int32_t number;
      if (t->kind == PP_TOK_IDENT && !negative) {
        const char *name = tok_str(c, t);
        const cgrpc_enum_value_desc_t *v = e ? cgrpc_enum_desc_value(e, name) : NULL;
        if (!v)
          pp_fail_at(c, pos, "enum \"%s\" has no value named \"%s\" (option \"%s\")",
                     e ? e->full_name : "?", name, f->name);
        number = v->number;
      } else if (text_format && t->kind == PP_TOK_INT) {
        uint64_t u;
        if (!pp_parse_uint(t, &u) || u > (negative ? 2147483648u : 2147483647u))
          pp_fail_at(c, pos, "enum number out of the int32 range");
        number = negative ? (int32_t)(0 - (int64_t)u) : (int32_t)u;
      } else {
        pp_fail_at(c, pos, "option \"%s\" is an enum: its value must be one of the enum's names",
                   f->name);
      }
      pp_put_varint(c, out, (uint64_t)(int64_t)number);
      (*i)++;
      return;
    }
    case CGRPC_PB_FLOAT:
    case CGRPC_PB_DOUBLE: {
      double v;
      if (t->kind == PP_TOK_IDENT && !text_format) {
        pp_fail_at(c, pos, "option \"%s\" needs a number (protoc takes no inf or nan here)",
                   f->name);
      } else if (t->kind == PP_TOK_IDENT && (tok_eq(t, "inf") || tok_eq(t, "infinity"))) {
        v = INFINITY;
      } else if (t->kind == PP_TOK_IDENT && tok_eq(t, "nan")) {
        v = NAN;
      } else if (t->kind == PP_TOK_INT) {
        uint64_t u;
        if (!pp_parse_uint(t, &u)) pp_fail_at(c, pos, "number out of range");
        v = (double)u;
      } else if (t->kind == PP_TOK_FLOAT) {
        v = strtod(tok_str(c, t), NULL);
      } else {
        pp_fail_at(c, pos, "option \"%s\" needs a number", f->name);
      }
      if (negative) v = -v;
      if (f->type == CGRPC_PB_FLOAT) {
        float fv = pp_double_to_float(v);
        uint32_t bits;
        memcpy(&bits, &fv, 4);
        put_fixed(c, out, bits, 4);
      } else {
        uint64_t bits;
        memcpy(&bits, &v, 8);
        put_fixed(c, out, bits, 8);
      }
      (*i)++;
      return;
    }
    default:
      break;
  }
  /* The integer types. */
  if (t->kind != PP_TOK_INT)
    pp_fail_at(c, pos, "option \"%s\" needs an integer value", f->name);
  uint64_t u;
  bool is_signed = f->type == CGRPC_PB_INT32 || f->type == CGRPC_PB_INT64 ||
                   f->type == CGRPC_PB_SINT32 || f->type == CGRPC_PB_SINT64 ||
                   f->type == CGRPC_PB_SFIXED32 || f->type == CGRPC_PB_SFIXED64;
  bool is64 = f->type == CGRPC_PB_INT64 || f->type == CGRPC_PB_UINT64 ||
              f->type == CGRPC_PB_SINT64 || f->type == CGRPC_PB_FIXED64 ||
              f->type == CGRPC_PB_SFIXED64;
  uint64_t max = is64 ? (is_signed ? (uint64_t)INT64_MAX : UINT64_MAX)
                      : (is_signed ? (uint64_t)INT32_MAX : UINT32_MAX);
  if (negative && !is_signed)
    pp_fail_at(c, pos, "option \"%s\" is unsigned: its value cannot be negative", f->name);
  if (negative) max++;
  if (!pp_parse_uint(t, &u) || u > max)
    pp_fail_at(c, pos, "value out of range for option \"%s\"", f->name);
  int64_t v = negative ? (int64_t)(0 - u) : (int64_t)u;
  switch (f->type) {
    case CGRPC_PB_SINT32:
      pp_put_varint(c, out, (uint32_t)(((uint32_t)v << 1) ^ (uint32_t)((int32_t)v >> 31)));
      break;
    case CGRPC_PB_SINT64:
      pp_put_varint(c, out, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
      break;
    case CGRPC_PB_FIXED32:
    case CGRPC_PB_SFIXED32:
      put_fixed(c, out, (uint32_t)v, 4);
      break;
    case CGRPC_PB_FIXED64:
    case CGRPC_PB_SFIXED64:
      put_fixed(c, out, (uint64_t)v, 8);
      break;
    default:
      pp_put_varint(c, out, (uint64_t)v);
  }
  (*i)++;
}

/* ---- Text format (aggregate values) --------------------------------------- */

typedef struct entry {
  const cgrpc_field_desc_t *field;
  pp_bytes_t payload; /* the value without tag; LEN payloads without length */
} entry_t;

static void encode_message_text(interp_t *in, const cgrpc_msg_desc_t *msg, size_t *i, size_t end,
                                const char *closer, pp_bytes_t *out, int depth);

#define MAX_AGGREGATE_DEPTH 100

static bool at_sym(pp_ctx_t *c, size_t i, const char *s) {
  const pp_token_t *t = &c->toks.items[i];
  return t->kind == PP_TOK_SYMBOL && tok_eq(t, s);
}

static const cgrpc_field_desc_t *text_field(interp_t *in, const cgrpc_msg_desc_t *msg, size_t *i,
                                            size_t end) {
  pp_ctx_t *c = in->c;
  const pp_token_t *t = &c->toks.items[*i];
  if (at_sym(c, *i, "[")) {
    (*i)++;
    pp_bytes_t name = {0};
    while (*i < end && !at_sym(c, *i, "]")) {
      const pp_token_t *p = &c->toks.items[*i];
      pp_bytes_append(c, &name, p->text, p->len);
      (*i)++;
    }
    if (*i >= end) pp_fail_at(c, tpos(t), "\"[\" of an extension name is not closed with \"]\"");
    (*i)++;
    pp_bytes_append(c, &name, "", 1);
    const char *full = (const char *)name.data;
    if (full[0] == '.') full++;
    const cgrpc_field_desc_t *x = cgrpc_pool_find_extension(in->pool, full);
    if (!x || x->containing != msg)
      pp_fail_at(c, tpos(t), "\"%s\" is not an extension of \"%s\"", full, msg->full_name);
    return x;
  }
  if (t->kind != PP_TOK_IDENT)
    pp_fail_at(c, tpos(t), "expected a field name in the aggregate value of \"%s\"", msg->full_name);
  const char *name = tok_str(c, t);
  (*i)++;
  const cgrpc_field_desc_t *f = cgrpc_msg_desc_field(msg, name);
  if (!f || f->type == CGRPC_PB_GROUP) {
    /* A group is named by its type ("MyGroup"), not its field ("mygroup"). */
    for (size_t k = 0; k < msg->field_count; k++) {
      const cgrpc_field_desc_t *g = &msg->fields[k];
      if (g->type == CGRPC_PB_GROUP && g->message && strcmp(g->message->name, name) == 0) return g;
    }
  }
  if (!f)
    pp_fail_at(c, tpos(t), "message \"%s\" has no field named \"%s\"", msg->full_name, name);
  return f;
}

static void text_value(interp_t *in, const cgrpc_field_desc_t *f, size_t *i, size_t end,
                       void *entries_vec, int depth) {
  pp_ctx_t *c = in->c;
  PP_VEC(entry_t) *entries = entries_vec;
  if (*i >= end) pp_fail_at(c, tpos(&c->toks.items[*i]), "aggregate value ends early");
  entry_t *e = PP_PUSH(c, entries);
  size_t index = entries->n - 1;
  pp_bytes_t payload = {0};
  if (f->type == CGRPC_PB_MESSAGE || f->type == CGRPC_PB_GROUP) {
    const char *closer;
    if (at_sym(c, *i, "{"))
      closer = "}";
    else if (at_sym(c, *i, "<"))
      closer = ">";
    else
      pp_fail_at(c, tpos(&c->toks.items[*i]), "field \"%s\" is a message: its value goes in {...}",
                 f->name);
    (*i)++;
    if (depth >= MAX_AGGREGATE_DEPTH)
      pp_fail_at(c, tpos(&c->toks.items[*i - 1]), "aggregate value nested more than %d deep",
                 MAX_AGGREGATE_DEPTH);
    encode_message_text(in, f->message, i, end, closer, &payload, depth + 1);
  } else {
    bool negative = false;
    if (at_sym(c, *i, "-")) {
      negative = true;
      (*i)++;
    }
    encode_scalar(in, f, i, negative, true, &payload);
  }
  e = &entries->items[index];
  e->field = f;
  e->payload = payload;
}

/* An Any written out: [type.googleapis.com/pkg.Msg] { fields of pkg.Msg }
 * becomes its type_url and value. Returns false when *i is not at one. */
static bool any_expansion(interp_t *in, const cgrpc_msg_desc_t *msg, size_t *i, size_t end,
                          void *entries_vec, int depth) {
  pp_ctx_t *c = in->c;
  PP_VEC(entry_t) *entries = entries_vec;
  if (!at_sym(c, *i, "[") || strcmp(msg->full_name, "google.protobuf.Any") != 0) return false;
  size_t k = *i + 1;
  bool slash = false;
  pp_bytes_t url = {0};
  for (; k < end && !at_sym(c, k, "]"); k++) {
    const pp_token_t *p = &c->toks.items[k];
    slash = slash || at_sym(c, k, "/");
    pp_bytes_append(c, &url, p->text, p->len);
  }
  if (!slash || k >= end) return false;
  pp_pos_t pos = tpos(&c->toks.items[*i]);
  pp_bytes_append(c, &url, "", 1);
  const char *type = strrchr((const char *)url.data, '/') + 1;
  /* protoc finds the types of Any values in option values under this
   * prefix only. */
  const char *prefix = (const char *)url.data;
  bool known_prefix = type - prefix == 20 && memcmp(prefix, "type.googleapis.com/", 20) == 0;
  const cgrpc_msg_desc_t *inner = known_prefix ? cgrpc_pool_find_message(in->pool, type) : NULL;
  if (!inner)
    pp_fail_at(c, pos, "cannot find the type \"%s\" of an Any (the prefix must be "
               "type.googleapis.com/ and the message known)", (const char *)url.data);
  *i = k + 1;
  if (*i < end && at_sym(c, *i, ":")) (*i)++;
  const char *closer = *i < end && at_sym(c, *i, "<") ? ">" : "}";
  if (!(*i < end && (at_sym(c, *i, "{") || at_sym(c, *i, "<"))))
    pp_fail_at(c, pos, "the Any value of \"%s\" goes in {...}", type);
  if (depth >= MAX_AGGREGATE_DEPTH)
    pp_fail_at(c, pos, "aggregate value nested more than %d deep", MAX_AGGREGATE_DEPTH);
  (*i)++;
  pp_bytes_t value = {0};
  encode_message_text(in, inner, i, end, closer, &value, depth + 1);
  const cgrpc_field_desc_t *type_url = cgrpc_msg_desc_field(msg, "type_url");
  const cgrpc_field_desc_t *value_field = cgrpc_msg_desc_field(msg, "value");
  if (!type_url || !value_field) pp_fail_at(c, pos, "google.protobuf.Any has no type_url or value");
  entry_t *e = PP_PUSH(c, entries);
  e->field = type_url;
  pp_bytes_append(c, &e->payload, url.data, url.len - 1);
  e = PP_PUSH(c, entries);
  e->field = value_field;
  e->payload = value;
  return true;
}

static void encode_message_text(interp_t *in, const cgrpc_msg_desc_t *msg, size_t *i, size_t end,
                                const char *closer, pp_bytes_t *out, int depth) {
  pp_ctx_t *c = in->c;
  PP_VEC(entry_t) entries = {0};
  for (;;) {
    if (*i >= end) {
      if (!closer) break;
      pp_fail_at(c, tpos(&c->toks.items[*i]), "expected \"%s\" closing the aggregate value", closer);
    }
    if (closer && at_sym(c, *i, closer)) {
      (*i)++;
      break;
    }
    if (any_expansion(in, msg, i, end, &entries, depth)) {
      if (*i < end && (at_sym(c, *i, ",") || at_sym(c, *i, ";"))) (*i)++;
      continue;
    }
    const cgrpc_field_desc_t *f = text_field(in, msg, i, end);
    bool is_msg = f->type == CGRPC_PB_MESSAGE || f->type == CGRPC_PB_GROUP;
    if (*i < end && at_sym(c, *i, ":")) {
      (*i)++;
    } else if (!is_msg) {
      pp_fail_at(c, tpos(&c->toks.items[*i]), "expected \":\" after field name \"%s\"", f->name);
    }
    if (*i < end && at_sym(c, *i, "[")) {
      if (f->label != CGRPC_LABEL_REPEATED)
        pp_fail_at(c, tpos(&c->toks.items[*i]), "field \"%s\" is not repeated: no [...] list",
                   f->name);
      (*i)++;
      if (!(*i < end && at_sym(c, *i, "]"))) {
        do {
          text_value(in, f, i, end, &entries, depth);
        } while (*i < end && at_sym(c, *i, ",") && ++*i);
      }
      if (!(*i < end && at_sym(c, *i, "]")))
        pp_fail_at(c, tpos(&c->toks.items[*i]), "expected \"]\" closing the list of \"%s\"",
                   f->name);
      (*i)++;
    } else {
      if (f->label != CGRPC_LABEL_REPEATED) {
        for (size_t k = 0; k < entries.n; k++)
          if (entries.items[k].field == f)
            pp_fail_at(c, tpos(&c->toks.items[*i]), "field \"%s\" is set twice", f->name);
      }
      text_value(in, f, i, end, &entries, depth);
    }
    if (*i < end && (at_sym(c, *i, ",") || at_sym(c, *i, ";"))) (*i)++;
  }
  /* Serialize by field number; repeated fields keep their order. */
  uint32_t last = 0;
  for (;;) {
    uint32_t next = UINT32_MAX;
    for (size_t k = 0; k < entries.n; k++) {
      uint32_t n = entries.items[k].field->number;
      if (n > last && n < next) next = n;
    }
    if (next == UINT32_MAX) break;
    const cgrpc_field_desc_t *f = NULL;
    pp_bytes_t packed = {0};
    for (size_t k = 0; k < entries.n; k++) {
      entry_t *e = &entries.items[k];
      if (e->field->number != next) continue;
      f = e->field;
      int wt = wire_type_of(f->type);
      if (f->packed && f->label == CGRPC_LABEL_REPEATED && wt != 2 && wt != 3) {
        pp_bytes_append(c, &packed, e->payload.data, e->payload.len);
        continue;
      }
      pp_put_tag(c, out, next, wt);
      if (wt == 2) pp_put_varint(c, out, e->payload.len);
      pp_bytes_append(c, out, e->payload.data, e->payload.len);
      if (wt == 3) pp_put_tag(c, out, next, 4);
    }
    if (packed.len || (f && f->packed && f->label == CGRPC_LABEL_REPEATED &&
                       wire_type_of(f->type) != 2 && wire_type_of(f->type) != 3))
      pp_put_lenbytes(c, out, next, packed.data, packed.len);
    last = next;
  }
}

/* ---- Options -------------------------------------------------------------- */

static const cgrpc_field_desc_t *find_extension(interp_t *in, const pp_opt_part_t *part,
                                                const char *scope, const cgrpc_msg_desc_t *of,
                                                bool *defer) {
  pp_ctx_t *c = in->c;
  const char *full;
  pp_sym_kind_t k = pp_lookup(c, part->name, scope, false, &full);
  if (k == PP_SYM_NONE)
    pp_fail_at(c, part->pos, "option \"(%s)\" is unknown: no extension of that name is defined "
               "here or in an imported file", part->name);
  if (k != PP_SYM_EXTENSION)
    pp_fail_at(c, part->pos, "\"(%s)\" is not an extension, so it cannot be an option",
               part->name);
  const pp_sym_t *own = pp_sym_find(c, full);
  if (own && !in->final) {
    *defer = true;
    return NULL;
  }
  const cgrpc_field_desc_t *x = cgrpc_pool_find_extension(in->pool, full);
  if (!x) pp_fail_at(c, part->pos, "option \"(%s)\" cannot be found", part->name);
  if (x->containing != of)
    pp_fail_at(c, part->pos, "\"(%s)\" extends \"%s\", not \"%s\", so it is not an option here",
               part->name, x->containing ? x->containing->full_name : "?", of->full_name);
  return x;
}

/* An aggregate value that names extensions ("[pkg.ext]: 1") may name one
 * of this file's: those are in the pool only on the second pass. */
static bool defers_aggregate(pp_ctx_t *c, const pp_option_t *o) {
  for (size_t i = o->value_tok; i < o->value_end; i++)
    if (at_sym(c, i, "[")) return true;
  return false;
}

static void interpret_one(interp_t *in, pp_option_t *o, const cgrpc_msg_desc_t *options_msg,
                          const char *scope) {
  pp_ctx_t *c = in->c;
  const cgrpc_field_desc_t *path[32];
  size_t depth = o->parts.n;
  if (depth > 32) pp_fail_at(c, o->pos, "option name has more than 32 parts");
  const cgrpc_msg_desc_t *msg = options_msg;
  for (size_t k = 0; k < depth; k++) {
    const pp_opt_part_t *part = &o->parts.items[k];
    if (!msg)
      pp_fail_at(c, part->pos, "option \"%s\" is not a message, so \"%s\" cannot follow it",
                 o->parts.items[k - 1].name, part->name);
    const cgrpc_field_desc_t *f;
    if (part->extension) {
      bool defer = false;
      f = find_extension(in, part, scope, msg, &defer);
      if (defer) {
        in->deferred = true;
        return;
      }
    } else {
      f = cgrpc_msg_desc_field(msg, part->name);
      if (!f || strcmp(f->name, "uninterpreted_option") == 0)
        pp_fail_at(c, part->pos, "option \"%s\" is unknown: %s has no such field (custom options "
                   "go in parentheses)", part->name, msg->full_name);
    }
    if (k + 1 < depth && f->label == CGRPC_LABEL_REPEATED)
      pp_fail_at(c, part->pos, "option \"%s\" is repeated, so it cannot have sub-fields", f->name);
    path[k] = f;
    msg = (f->type == CGRPC_PB_MESSAGE || f->type == CGRPC_PB_GROUP) ? f->message : NULL;
  }
  const cgrpc_field_desc_t *last = path[depth - 1];
  if (!in->final && in->own_extensions && defers_aggregate(c, o)) {
    in->deferred = true;
    return;
  }
  pp_bytes_t value = {0};
  size_t i = o->value_tok;
  const pp_token_t *t = &c->toks.items[i];
  int wt = wire_type_of(last->type);
  if (last->type == CGRPC_PB_MESSAGE || last->type == CGRPC_PB_GROUP) {
    if (!(t->kind == PP_TOK_SYMBOL && tok_eq(t, "{")))
      pp_fail_at(c, tpos(t), "option \"%s\" is a message: set it with an aggregate value {...} "
                 "or set its fields one by one", last->name);
    i++;
    pp_bytes_t body = {0};
    encode_message_text(in, last->message, &i, o->value_end - 1, NULL, &body, 0);
    if (wt == 2) pp_put_varint(c, &value, body.len);
    pp_bytes_append(c, &value, body.data, body.len);
  } else {
    if (t->kind == PP_TOK_SYMBOL && tok_eq(t, "{"))
      pp_fail_at(c, tpos(t), "option \"%s\" is not a message: it takes a single value", last->name);
    pp_bytes_t payload = {0};
    encode_scalar(in, last, &i, o->negative, false, &payload);
    if (wt == 2) pp_put_varint(c, &value, payload.len);
    pp_bytes_append(c, &value, payload.data, payload.len);
  }
  /* Wrap from the innermost field outwards. */
  pp_bytes_t cur = {0};
  pp_put_tag(c, &cur, last->number, wt);
  pp_bytes_append(c, &cur, value.data, value.len);
  if (wt == 3) pp_put_tag(c, &cur, last->number, 4);
  for (size_t k = depth - 1; k-- > 0;) {
    pp_bytes_t outer = {0};
    if (path[k]->type == CGRPC_PB_GROUP) {
      pp_put_tag(c, &outer, path[k]->number, 3);
      pp_bytes_append(c, &outer, cur.data, cur.len);
      pp_put_tag(c, &outer, path[k]->number, 4);
    } else {
      pp_put_lenbytes(c, &outer, path[k]->number, cur.data, cur.len);
    }
    cur = outer;
  }
  o->custom = o->parts.items[0].extension;
  o->number = path[0]->number;
  o->repeated = path[0]->label == CGRPC_LABEL_REPEATED;
  o->encoded = cur;
  o->done = true;
}

static void interpret_list(interp_t *in, pp_options_t *opts, const char *options_type,
                           const char *scope) {
  if (opts->n == 0) return;
  const cgrpc_msg_desc_t *m = cgrpc_pool_find_message(in->pool, options_type);
  if (!m) pp_fail_at(in->c, opts->items[0].pos, "the pool has no %s", options_type);
  for (size_t i = 0; i < opts->n; i++) {
    pp_option_t *o = &opts->items[i];
    if (o->done) continue;
    interpret_one(in, o, m, scope);
    if (!o->done || o->repeated || o->parts.n != 1) continue;
    /* A singular option may be set once. */
    for (size_t k = 0; k < i; k++) {
      pp_option_t *p = &opts->items[k];
      if (p->done && p->custom == o->custom && p->number == o->number && p->parts.n == 1)
        pp_fail_at(in->c, o->pos, "option \"%s%s%s\" is set twice", o->custom ? "(" : "",
                   o->parts.items[0].name, o->custom ? ")" : "");
    }
  }
}

static const char *join(pp_ctx_t *c, const char *scope, const char *name) {
  return *scope ? pp_strcat3(c, scope, ".", name) : name;
}

static void interpret_fields(interp_t *in, void *fields_vec) {
  PP_VEC(pp_field_t) *fields = fields_vec;
  for (size_t i = 0; i < fields->n; i++) {
    pp_field_t *f = &fields->items[i];
    interpret_list(in, &f->options, "google.protobuf.FieldOptions", join(in->c, f->scope, f->name));
  }
}

static void interpret_enum(interp_t *in, pp_enum_t *e, const char *scope) {
  interpret_list(in, &e->options, "google.protobuf.EnumOptions", e->full_name);
  for (size_t i = 0; i < e->values.n; i++)
    interpret_list(in, &e->values.items[i].options, "google.protobuf.EnumValueOptions",
                   join(in->c, scope, e->values.items[i].name));
}

static void interpret_message(interp_t *in, pp_msg_t *m) {
  interpret_list(in, &m->options, "google.protobuf.MessageOptions", m->full_name);
  interpret_fields(in, &m->fields);
  interpret_fields(in, &m->extensions);
  for (size_t i = 0; i < m->oneofs.n; i++)
    interpret_list(in, &m->oneofs.items[i].options, "google.protobuf.OneofOptions",
                   join(in->c, m->full_name, m->oneofs.items[i].name));
  /* The ranges of one statement share their options: interpret once. */
  for (size_t i = 0; i < m->ext_ranges.n; i++) {
    pp_range_t *r = &m->ext_ranges.items[i];
    if (i > 0 && r->options.items == m->ext_ranges.items[i - 1].options.items) continue;
    interpret_list(in, &r->options, "google.protobuf.ExtensionRangeOptions", m->full_name);
  }
  for (size_t i = 0; i < m->nested.n; i++) interpret_message(in, m->nested.items[i]);
  for (size_t i = 0; i < m->enums.n; i++) interpret_enum(in, m->enums.items[i], m->full_name);
}

bool pp_interpret_options(pp_ctx_t *c, cgrpc_pool_t *pool, bool final) {
  interp_t in = {c, pool, final, false, false};
  for (size_t i = 0; i < c->sym_cap && !in.own_extensions; i++)
    in.own_extensions = c->syms[i].name && c->syms[i].kind == PP_SYM_EXTENSION;
  pp_file_t *f = c->file;
  interpret_list(&in, &f->options, "google.protobuf.FileOptions", join(c, f->package, "dummy"));
  for (size_t i = 0; i < f->messages.n; i++) interpret_message(&in, f->messages.items[i]);
  for (size_t i = 0; i < f->enums.n; i++) interpret_enum(&in, f->enums.items[i], f->package);
  interpret_fields(&in, &f->extensions);
  for (size_t i = 0; i < f->services.n; i++) {
    pp_service_t *s = f->services.items[i];
    interpret_list(&in, &s->options, "google.protobuf.ServiceOptions", s->full_name);
    for (size_t k = 0; k < s->methods.n; k++)
      interpret_list(&in, &s->methods.items[k].options, "google.protobuf.MethodOptions",
                     join(c, s->full_name, s->methods.items[k].name));
  }
  return in.deferred;
}

/* json/parse.c — JSON into a message, in one pass and without a tree: each
 * member's value is converted and stored in the message as it is read.
 *
 * Field names are looked up in the table's json_names and field_names,
 * starting at the field after the one found last: JSON printed by protobuf
 * (or by cgrpc) lists fields in number order, so the first comparison
 * usually hits, and no index has to be built or cached. Each object keeps a
 * bitmap of the fields it has seen, which finds duplicates (by either name)
 * and a second member of a oneof.
 *
 * Values go to a temporary first and into the message only when complete,
 * so a failure never leaves a oneof naming a member whose bytes are not
 * there. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "cgrpc/pb.h"
#include "json/json_internal.h"
#include "pb/map.h"

/* ---- Small helpers ----------------------------------------------------- */

bool cgrpc_json_own(json_parser_t *ps, cgrpc_str_t *s) {
  if (s->len == 0) {
    s->data = "";
    return true;
  }
  if (s->data >= ps->start && s->data < ps->end) {
    const char *copy = cgrpc_arena_memdup(ps->arena, s->data, s->len);
    if (!copy) return cgrpc_json_fail_oom(ps);
    s->data = copy;
  }
  return true;
}

void *cgrpc_json_array_push(json_parser_t *ps, cgrpc_pb_array_t *a, size_t size) {
  if (a->count >= a->capacity) {
    bool ours = a->capacity >= a->count;
    size_t cap = a->count < 4 ? 8 : 2 * a->count;
    size_t bytes;
    if (__builtin_mul_overflow(cap, size, &bytes)) {
      cgrpc_json_fail_oom(ps);
      return NULL;
    }
    void *data;
    if (ours && a->capacity) {
      data = cgrpc_arena_realloc(ps->arena, a->data, a->capacity * size, bytes);
    } else {
      data = cgrpc_arena_alloc(ps->arena, bytes);
      if (data && a->count) memcpy(data, a->data, a->count * size);
    }
    if (!data) {
      cgrpc_json_fail_oom(ps);
      return NULL;
    }
    a->data = data;
    a->capacity = cap;
  }
  void *slot = (char *)a->data + a->count * size;
  memset(slot, 0, size);
  a->count++;
  return slot;
}

/* Lengths first: a key may hold NUL bytes ("\u0000" in JSON), and strncmp
 * would stop there and read name[key.len] past a shorter name. */
static bool name_eq(const char *name, cgrpc_str_t key) {
  return name && strlen(name) == key.len && memcmp(name, key.data, key.len) == 0;
}

static const cgrpc_pb_field_t *find_field(const cgrpc_pb_msg_table_t *t, cgrpc_str_t key,
                                          size_t *hint) {
  size_t n = t->field_count;
  if (!n || (key.len && memchr(key.data, 0, key.len))) return NULL;
  size_t i = *hint < n ? *hint : 0;
  for (size_t k = 0; k < n; k++) {
    if ((t->json_names && name_eq(t->json_names[i], key)) ||
        (t->field_names && name_eq(t->field_names[i], key))) {
      *hint = i + 1;
      return &t->fields[i];
    }
    if (++i == n) i = 0;
  }
  return NULL;
}

static const char *field_name(const cgrpc_pb_msg_table_t *t, const cgrpc_pb_field_t *f) {
  return t->field_names ? t->field_names[f - t->fields] : "?";
}

static void *new_message(json_parser_t *ps, const cgrpc_pb_msg_table_t *t) {
  void *m = cgrpc_pb_msg_new(t, ps->arena);
  if (!m) cgrpc_json_fail_oom(ps);
  return m;
}

/* ---- Scalars ----------------------------------------------------------- */

/* The text of an integer: a number token, or a string holding one. */
static bool integer_text(json_parser_t *ps, cgrpc_str_t *tok) {
  char c = cgrpc_json_peek(ps);
  bool is_int;
  if (c == '"') {
    if (!cgrpc_json_string(ps, tok)) return false;
    if (!tok->len || cgrpc_json_scan_number(tok->data, tok->len, &is_int) != tok->len) {
      return cgrpc_json_fail(ps, "expected an integer, got the string \"%.*s\"",
                             (int)(tok->len > 64 ? 64 : tok->len), tok->data);
    }
    return true;
  }
  if (c == '-' || (c >= '0' && c <= '9')) return cgrpc_json_number_token(ps, tok, &is_int);
  return cgrpc_json_fail_expected(ps, "an integer");
}

static bool parse_i64(json_parser_t *ps, int64_t min, int64_t max, const char *type,
                      int64_t *out) {
  cgrpc_str_t tok;
  const char *why;
  if (!integer_text(ps, &tok)) return false;
  if (!cgrpc_json_number_to_i64(tok.data, tok.len, min, max, out, &why)) {
    return cgrpc_json_fail(ps, "%.*s %s for %s", (int)(tok.len > 64 ? 64 : tok.len), tok.data,
                           why, type);
  }
  return true;
}

static bool parse_u64(json_parser_t *ps, uint64_t max, const char *type, uint64_t *out) {
  cgrpc_str_t tok;
  const char *why;
  if (!integer_text(ps, &tok)) return false;
  if (!cgrpc_json_number_to_u64(tok.data, tok.len, max, out, &why)) {
    return cgrpc_json_fail(ps, "%.*s %s for %s", (int)(tok.len > 64 ? 64 : tok.len), tok.data,
                           why, type);
  }
  return true;
}

static bool parse_double(json_parser_t *ps, bool is_float, double *out) {
  const char *type = is_float ? "float" : "double";
  char c = cgrpc_json_peek(ps);
  cgrpc_str_t tok;
  bool is_int;
  if (c == '"') {
    if (!cgrpc_json_string(ps, &tok)) return false;
    if (tok.len == 3 && memcmp(tok.data, "NaN", 3) == 0) {
      *out = NAN;
      return true;
    }
    if (tok.len == 8 && memcmp(tok.data, "Infinity", 8) == 0) {
      *out = INFINITY;
      return true;
    }
    if (tok.len == 9 && memcmp(tok.data, "-Infinity", 9) == 0) {
      *out = -INFINITY;
      return true;
    }
    if (!tok.len || cgrpc_json_scan_number(tok.data, tok.len, &is_int) != tok.len) {
      return cgrpc_json_fail(ps, "expected a number, got the string \"%.*s\"",
                             (int)(tok.len > 64 ? 64 : tok.len), tok.data);
    }
  } else if (c == '-' || (c >= '0' && c <= '9')) {
    if (!cgrpc_json_number_token(ps, &tok, &is_int)) return false;
  } else {
    return cgrpc_json_fail_expected(ps, "a number");
  }
  double d;
  if (!cgrpc_json_number_to_double(tok.data, tok.len, &d)) {
    return cgrpc_json_fail(ps, "%.*s is out of range for %s", (int)(tok.len > 64 ? 64 : tok.len),
                           tok.data, type);
  }
  if (is_float && fabs(d) > FLT_MAX) {
    /* Up to half a unit in the last place above FLT_MAX still rounds to it. */
    if (fabs(d) >= 3.4028235677973366e38) {
      return cgrpc_json_fail(ps, "%.*s is out of range for float",
                             (int)(tok.len > 64 ? 64 : tok.len), tok.data);
    }
    d = d < 0 ? -FLT_MAX : FLT_MAX;
  }
  *out = d;
  return true;
}

static bool parse_bool(json_parser_t *ps, bool *out) {
  char c = cgrpc_json_peek(ps);
  if (c == 't') {
    *out = true;
    return cgrpc_json_literal(ps, "true", 4);
  }
  if (c == 'f') {
    *out = false;
    return cgrpc_json_literal(ps, "false", 5);
  }
  return cgrpc_json_fail_expected(ps, "true or false");
}

static bool parse_bytes(json_parser_t *ps, cgrpc_str_t *out) {
  cgrpc_str_t s;
  if (!cgrpc_json_string(ps, &s)) return false;
  uint8_t *buf = cgrpc_arena_alloc(ps->arena, s.len / 4 * 3 + 3);
  if (!buf) return cgrpc_json_fail_oom(ps);
  size_t n;
  if (!cgrpc_json_base64_decode(s.data, s.len, buf, &n)) {
    return cgrpc_json_fail(ps, "expected base64 for bytes, got an invalid base64 string");
  }
  out->data = n ? (const char *)buf : "";
  out->len = n;
  return true;
}

static bool parse_enum(json_parser_t *ps, const cgrpc_pb_msg_table_t *t, const cgrpc_pb_field_t *f,
                       int32_t *out, bool *skipped) {
  const cgrpc_pb_enum_table_t *e = cgrpc_json_field_enum(t, f);
  char c = cgrpc_json_peek(ps);
  if (c == 'n' && cgrpc_json_is_null_value_enum(e)) {
    *out = 0;
    return cgrpc_json_literal(ps, "null", 4);
  }
  if (c == '"') {
    cgrpc_str_t name;
    if (!cgrpc_json_string(ps, &name)) return false;
    for (uint32_t i = 0; e && i < e->value_count; i++) {
      if (name_eq(e->names[i], name) && (name.len == 0 || !memchr(name.data, 0, name.len))) {
        *out = e->values[i];
        return true;
      }
    }
    for (uint32_t i = 0; e && i < e->alias_count; i++) {
      if (name_eq(e->alias_names[i], name) && (name.len == 0 || !memchr(name.data, 0, name.len))) {
        *out = e->alias_values[i];
        return true;
      }
    }
    if (ps->flags & CGRPC_JSON_IGNORE_UNKNOWN) {
      *skipped = true;
      return true;
    }
    return cgrpc_json_fail(ps, "\"%.*s\" is not a value of enum %s",
                           (int)(name.len > 64 ? 64 : name.len), name.data,
                           e && e->full_name ? e->full_name : "?");
  }
  if (c == '-' || (c >= '0' && c <= '9')) {
    int64_t v;
    if (!parse_i64(ps, INT32_MIN, INT32_MAX, "an enum", &v)) return false;
    if ((f->flags & CGRPC_PB_FIELD_CLOSED_ENUM) && e && !cgrpc_pb_enum_contains(e, (int32_t)v)) {
      if (ps->flags & CGRPC_JSON_IGNORE_UNKNOWN) {
        *skipped = true;
        return true;
      }
      return cgrpc_json_fail(ps, "%d is not a value of enum %s", (int)v,
                             e->full_name ? e->full_name : "?");
    }
    *out = (int32_t)v;
    return true;
  }
  return cgrpc_json_fail_expected(ps, "an enum name or number");
}

bool cgrpc_json_parse_scalar(json_parser_t *ps, const cgrpc_pb_msg_table_t *t,
                             const cgrpc_pb_field_t *f, void *dst, bool *skipped) {
  int64_t i;
  uint64_t u;
  double d;
  switch (f->type) {
    case CGRPC_PB_INT32:
    case CGRPC_PB_SINT32:
    case CGRPC_PB_SFIXED32:
      if (!parse_i64(ps, INT32_MIN, INT32_MAX, "int32", &i)) return false;
      *(int32_t *)dst = (int32_t)i;
      return true;
    case CGRPC_PB_INT64:
    case CGRPC_PB_SINT64:
    case CGRPC_PB_SFIXED64:
      if (!parse_i64(ps, INT64_MIN, INT64_MAX, "int64", &i)) return false;
      *(int64_t *)dst = i;
      return true;
    case CGRPC_PB_UINT32:
    case CGRPC_PB_FIXED32:
      if (!parse_u64(ps, UINT32_MAX, "uint32", &u)) return false;
      *(uint32_t *)dst = (uint32_t)u;
      return true;
    case CGRPC_PB_UINT64:
    case CGRPC_PB_FIXED64:
      if (!parse_u64(ps, UINT64_MAX, "uint64", &u)) return false;
      *(uint64_t *)dst = u;
      return true;
    case CGRPC_PB_DOUBLE:
      if (!parse_double(ps, false, &d)) return false;
      *(double *)dst = d;
      return true;
    case CGRPC_PB_FLOAT:
      if (!parse_double(ps, true, &d)) return false;
      *(float *)dst = (float)d;
      return true;
    case CGRPC_PB_BOOL:
      return parse_bool(ps, (bool *)dst);
    case CGRPC_PB_STRING:
      return cgrpc_json_string(ps, (cgrpc_str_t *)dst) && cgrpc_json_own(ps, (cgrpc_str_t *)dst);
    case CGRPC_PB_BYTES:
      return parse_bytes(ps, (cgrpc_str_t *)dst);
    case CGRPC_PB_ENUM:
      return parse_enum(ps, t, f, (int32_t *)dst, skipped);
    default:
      return cgrpc_json_fail(ps, "field type %u cannot be a scalar", (unsigned)f->type);
  }
}

/* ---- Fields ------------------------------------------------------------ */

static bool is_value_msg(const cgrpc_pb_msg_table_t *t) {
  return cgrpc_json_wkt_of(t) == JSON_WKT_VALUE;
}

/* Whether `null` is a value of the field's type rather than "absent":
 * google.protobuf.Value and the NullValue enum. */
static bool null_is_value(const cgrpc_pb_msg_table_t *t, const cgrpc_pb_field_t *f) {
  if (cgrpc_pb_type_is_message(f->type)) return is_value_msg(cgrpc_pb_field_msg(t, f));
  return f->type == CGRPC_PB_ENUM && cgrpc_json_is_null_value_enum(cgrpc_json_field_enum(t, f));
}

/* One element or map value: a message (new, into *slot) or a scalar. */
static bool parse_element(json_parser_t *ps, const cgrpc_pb_msg_table_t *t,
                          const cgrpc_pb_field_t *f, void *dst, bool *skipped) {
  if (cgrpc_json_peek(ps) == 'n' && !null_is_value(t, f)) {
    return cgrpc_json_fail(ps, "null is not allowed here (only as a whole field's value)");
  }
  if (cgrpc_pb_type_is_message(f->type)) {
    const cgrpc_pb_msg_table_t *sub = cgrpc_pb_field_msg(t, f);
    void *m = new_message(ps, sub);
    if (!m || !cgrpc_json_parse_message(ps, m, sub)) return false;
    *(void **)dst = m;
    return true;
  }
  return cgrpc_json_parse_scalar(ps, t, f, dst, skipped);
}

static bool parse_repeated(json_parser_t *ps, const cgrpc_pb_msg_table_t *t,
                           const cgrpc_pb_field_t *f, cgrpc_pb_array_t *a) {
  if (cgrpc_json_peek(ps) == 'n') return cgrpc_json_literal(ps, "null", 4);
  if (!cgrpc_json_array_begin(ps)) return false;
  size_t size = cgrpc_pb_type_size[f->type];
  bool first = true;
  for (size_t i = 0; cgrpc_json_array_next(ps, &first); i++) {
    uint64_t tmp[2] = {0, 0};
    bool skipped = false;
    cgrpc_json_path_push_index(ps, i);
    bool ok = parse_element(ps, t, f, tmp, &skipped);
    cgrpc_json_path_pop(ps);
    if (!ok) return false;
    if (skipped) continue;
    void *slot = cgrpc_json_array_push(ps, a, size);
    if (!slot) return false;
    memcpy(slot, tmp, size);
  }
  return ps->code == CGRPC_STATUS_OK;
}

bool cgrpc_json_check_map_keys(json_parser_t *ps, const cgrpc_pb_array_t *a, size_t start,
                               const cgrpc_pb_msg_table_t *entry) {
  size_t n = a->count - start;
  if (n < 2) return true;
  const cgrpc_pb_field_t *key = cgrpc_pb_map_key_field(entry);
  void *const *entries = (void *const *)a->data + start;
  if (n == 2) {
    if (cgrpc_pb_map_key_compare(entries[0], entries[1], key) == 0) {
      return cgrpc_json_fail(ps, "the map has a key twice");
    }
    return true;
  }
  size_t *order = n <= SIZE_MAX / (2 * sizeof(size_t))
                      ? cgrpc_arena_alloc(ps->arena, 2 * n * sizeof(size_t))
                      : NULL;
  if (!order) return cgrpc_json_fail_oom(ps);
  cgrpc_pb_map_sort(entries, n, key, order, order + n);
  for (size_t i = 1; i < n; i++) {
    if (cgrpc_pb_map_key_compare(entries[order[i - 1]], entries[order[i]], key) == 0) {
      return cgrpc_json_fail(ps, "the map has a key twice");
    }
  }
  return true;
}

/* A map key (always a JSON string) as the key field's type. */
static bool parse_map_key(json_parser_t *ps, const cgrpc_pb_field_t *kf, cgrpc_str_t key,
                          void *dst) {
  int64_t i;
  uint64_t u;
  const char *why = "is not a number";
  bool is_int;
  bool number = key.len && cgrpc_json_scan_number(key.data, key.len, &is_int) == key.len;
  switch (kf->type) {
    case CGRPC_PB_STRING:
      *(cgrpc_str_t *)dst = key;
      return cgrpc_json_own(ps, dst);
    case CGRPC_PB_BOOL:
      if (key.len == 4 && memcmp(key.data, "true", 4) == 0) {
        *(bool *)dst = true;
        return true;
      }
      if (key.len == 5 && memcmp(key.data, "false", 5) == 0) {
        *(bool *)dst = false;
        return true;
      }
      return cgrpc_json_fail(ps, "a bool map key must be \"true\" or \"false\"");
    case CGRPC_PB_INT32:
    case CGRPC_PB_SINT32:
    case CGRPC_PB_SFIXED32:
      if (!number || !cgrpc_json_number_to_i64(key.data, key.len, INT32_MIN, INT32_MAX, &i, &why)) {
        break;
      }
      *(int32_t *)dst = (int32_t)i;
      return true;
    case CGRPC_PB_INT64:
    case CGRPC_PB_SINT64:
    case CGRPC_PB_SFIXED64:
      if (!number || !cgrpc_json_number_to_i64(key.data, key.len, INT64_MIN, INT64_MAX, &i, &why)) {
        break;
      }
      *(int64_t *)dst = i;
      return true;
    case CGRPC_PB_UINT32:
    case CGRPC_PB_FIXED32:
      if (!number || !cgrpc_json_number_to_u64(key.data, key.len, UINT32_MAX, &u, &why)) break;
      *(uint32_t *)dst = (uint32_t)u;
      return true;
    case CGRPC_PB_UINT64:
    case CGRPC_PB_FIXED64:
      if (!number || !cgrpc_json_number_to_u64(key.data, key.len, UINT64_MAX, &u, &why)) break;
      *(uint64_t *)dst = u;
      return true;
    default:
      return cgrpc_json_fail(ps, "map keys of type %u are not supported", (unsigned)kf->type);
  }
  return cgrpc_json_fail(ps, "map key %s for an integer key", why);
}

static bool parse_map(json_parser_t *ps, const cgrpc_pb_msg_table_t *t, const cgrpc_pb_field_t *f,
                      cgrpc_pb_array_t *a) {
  if (cgrpc_json_peek(ps) == 'n') return cgrpc_json_literal(ps, "null", 4);
  const cgrpc_pb_msg_table_t *et = cgrpc_pb_field_msg(t, f);
  const cgrpc_pb_field_t *kf = cgrpc_pb_table_find(et, 1), *vf = cgrpc_pb_table_find(et, 2);
  if (!kf || !vf) return cgrpc_json_fail(ps, "map entry %s lacks a key or value", et->full_name);
  if (!cgrpc_json_object_begin(ps)) return false;
  size_t start = a->count;
  bool first = true;
  cgrpc_str_t key;
  while (cgrpc_json_object_next(ps, &first, &key)) {
    cgrpc_json_path_push_key(ps, key.data, key.len);
    char *entry = new_message(ps, et);
    bool skipped = false;
    bool ok = entry && parse_map_key(ps, kf, key, entry + kf->offset) &&
              parse_element(ps, et, vf, entry + vf->offset, &skipped);
    cgrpc_json_path_pop(ps);
    if (!ok) return false;
    if (skipped) continue;
    void **slot = cgrpc_json_array_push(ps, a, sizeof(void *));
    if (!slot) return false;
    *slot = entry;
  }
  return ps->code == CGRPC_STATUS_OK && cgrpc_json_check_map_keys(ps, a, start, et);
}

/* A field that is neither repeated nor a map. `null` leaves it as it is
 * (protobuf: the field is absent), except for google.protobuf.Value and
 * NullValue, where null is a value. */
static bool parse_singular(json_parser_t *ps, char *m, const cgrpc_pb_msg_table_t *t,
                           const cgrpc_pb_field_t *f) {
  if (cgrpc_json_peek(ps) == 'n' && !null_is_value(t, f)) return cgrpc_json_literal(ps, "null", 4);
  bool oneof = (f->flags & CGRPC_PB_FIELD_ONEOF) != 0;
  uint32_t *ocase = oneof ? (uint32_t *)(m + f->presence) : NULL;
  if (cgrpc_pb_type_is_message(f->type)) {
    const cgrpc_pb_msg_table_t *sub = cgrpc_pb_field_msg(t, f);
    void **slot = (void **)(m + f->offset);
    void *child = (!oneof || *ocase == f->number) ? *slot : NULL;
    if (!child && !(child = new_message(ps, sub))) return false;
    if (!cgrpc_json_parse_message(ps, child, sub)) return false;
    *slot = child;
    if (oneof) *ocase = f->number;
    return true;
  }
  uint64_t tmp[2] = {0, 0};
  bool skipped = false;
  if (!cgrpc_json_parse_scalar(ps, t, f, tmp, &skipped)) return false;
  if (skipped) return true;
  memcpy(m + f->offset, tmp, cgrpc_pb_type_size[f->type]);
  if (oneof) {
    *ocase = f->number;
  } else if (f->flags & CGRPC_PB_FIELD_HAS) {
    *(bool *)(m + f->presence) = true;
  }
  return true;
}

/* A member "[full.name]": the extension's value, parsed through a one-field
 * table and appended to the message's unknown fields as wire bytes. */
/* The extensions one object has set, to refuse one named twice (by the same
 * name: an extension has only its full name in JSON). */
typedef struct ext_seen {
  uint32_t *numbers;
  size_t count, cap;
} ext_seen_t;

static bool parse_extension(json_parser_t *ps, char *m, const cgrpc_pb_msg_table_t *t,
                            cgrpc_str_t key, ext_seen_t *seen) {
  const cgrpc_json_extensions_t *exts = ps->opts->extensions;
  cgrpc_str_t name = {key.data + 1, key.len - 2};
  cgrpc_json_extension_t ext = {0};
  if (!exts || !exts->find || !t->full_name ||
      !exts->find(exts->ctx, t->full_name, name, &ext)) {
    if (ps->flags & CGRPC_JSON_IGNORE_UNKNOWN) return cgrpc_json_skip_value(ps);
    return cgrpc_json_fail(ps,
                           "%s has no extension named \"%.*s\"%s", t->full_name,
                           (int)(key.len > 64 ? 64 : key.len), key.data,
                           exts ? "" : " (give the options an extension resolver)");
  }
  cgrpc_json_path_push_name(ps, key.data, key.len);
  if (!cgrpc_json_ext_usable(&ext)) {
    return cgrpc_json_fail(ps, "the extension resolver gave an unusable answer for it");
  }
  for (size_t i = 0; i < seen->count; i++) {
    if (seen->numbers[i] == ext.number) return cgrpc_json_fail(ps, "the extension appears twice");
  }
  if (seen->count == seen->cap) {
    size_t cap = seen->cap ? 2 * seen->cap : 8;
    uint32_t *grown = cgrpc_arena_alloc(ps->arena, cap * sizeof *grown);
    if (!grown) return cgrpc_json_fail_oom(ps);
    if (seen->count) memcpy(grown, seen->numbers, seen->count * sizeof *grown);
    seen->numbers = grown;
    seen->cap = cap;
  }
  seen->numbers[seen->count++] = ext.number;
  json_ext_table_t et;
  cgrpc_json_ext_table_init(&et, &ext);
  json_ext_holder_t h;
  memset(&h, 0, sizeof h);
  bool ok = ext.repeated ? parse_repeated(ps, &et.table, &et.field, &h.v.arr)
                         : parse_singular(ps, (char *)&h, &et.table, &et.field);
  if (!ok) return false;
  cgrpc_json_path_pop(ps);
  uint8_t *bytes;
  size_t len;
  int rc = cgrpc_pb_encode(&h, &et.table, ps->arena, CGRPC_PB_ENCODE_PARTIAL, &bytes, &len, NULL);
  if (rc == CGRPC_PB_ERR_NO_MEMORY) return cgrpc_json_fail_oom(ps);
  if (rc != CGRPC_PB_OK) {
    return cgrpc_json_fail(ps, "the extension %s cannot be encoded: %s", ext.full_name,
                           cgrpc_pb_strerror(rc));
  }
  if (!len) return true;
  cgrpc_str_t *unknown = (cgrpc_str_t *)m;
  char *joined = cgrpc_arena_alloc(ps->arena, unknown->len + len);
  if (!joined) return cgrpc_json_fail_oom(ps);
  if (unknown->len) memcpy(joined, unknown->data, unknown->len);
  memcpy(joined + unknown->len, bytes, len);
  *unknown = (cgrpc_str_t){joined, unknown->len + len};
  return true;
}

bool cgrpc_json_parse_members(json_parser_t *ps, void *msg, const cgrpc_pb_msg_table_t *t,
                              bool skip_type) {
  char *m = msg;
  uint64_t seen_stack[4] = {0, 0, 0, 0};
  uint64_t *seen = seen_stack;
  if (t->field_count > 256) {
    seen = cgrpc_arena_calloc(ps->arena, ((size_t)t->field_count + 63) / 64 * sizeof(uint64_t));
    if (!seen) return cgrpc_json_fail_oom(ps);
  }
  size_t hint = 0;
  ext_seen_t exts_seen = {NULL, 0, 0};
  bool first = true;
  cgrpc_str_t key;
  while (cgrpc_json_object_next(ps, &first, &key)) {
    if (skip_type && key.len == 5 && memcmp(key.data, "@type", 5) == 0) {
      if (!cgrpc_json_skip_value(ps)) return false;
      continue;
    }
    if (key.len >= 2 && key.data[0] == '[' && key.data[key.len - 1] == ']') {
      if (!parse_extension(ps, m, t, key, &exts_seen)) return false;
      continue;
    }
    const cgrpc_pb_field_t *f = find_field(t, key, &hint);
    if (!f) {
      if (ps->flags & CGRPC_JSON_IGNORE_UNKNOWN) {
        if (!cgrpc_json_skip_value(ps)) return false;
        continue;
      }
      return cgrpc_json_fail(ps, "%s has no field named \"%.*s\"", t->full_name,
                             (int)(key.len > 64 ? 64 : key.len), key.data);
    }
    size_t idx = (size_t)(f - t->fields);
    cgrpc_json_path_push_name(ps, key.data, key.len);
    if (seen[idx / 64] & (1ull << (idx % 64))) {
      return cgrpc_json_fail(ps, "the field appears twice (by json_name or proto name)");
    }
    seen[idx / 64] |= 1ull << (idx % 64);
    /* A null member sets nothing, so it cannot clash with another. */
    if ((f->flags & CGRPC_PB_FIELD_ONEOF) && (cgrpc_json_peek(ps) != 'n' || null_is_value(t, f))) {
      uint32_t c = *(const uint32_t *)(m + f->presence);
      const cgrpc_pb_field_t *other = c && c != f->number ? cgrpc_pb_table_find(t, c) : NULL;
      if (other) {
        size_t oi = (size_t)(other - t->fields);
        if (seen[oi / 64] & (1ull << (oi % 64))) {
          return cgrpc_json_fail(ps, "another member of its oneof, \"%s\", is already set",
                                 field_name(t, other));
        }
      }
    }
    bool ok;
    if (f->flags & CGRPC_PB_FIELD_MAP) {
      ok = parse_map(ps, t, f, (cgrpc_pb_array_t *)(m + f->offset));
    } else if (f->flags & CGRPC_PB_FIELD_REPEATED) {
      ok = parse_repeated(ps, t, f, (cgrpc_pb_array_t *)(m + f->offset));
    } else {
      ok = parse_singular(ps, m, t, f);
    }
    if (!ok) return false;
    cgrpc_json_path_pop(ps);
  }
  if (ps->code != CGRPC_STATUS_OK) return false;
  if (t->flags & CGRPC_PB_MSG_HAS_REQUIRED) {
    const cgrpc_pb_field_t *missing = cgrpc_pb_find_missing_required(msg, t);
    if (missing) {
      return cgrpc_json_fail(ps, "required field \"%s\" of %s is missing",
                             field_name(t, missing), t->full_name);
    }
  }
  return true;
}

bool cgrpc_json_parse_message(json_parser_t *ps, void *msg, const cgrpc_pb_msg_table_t *t) {
  json_wkt_t kind = cgrpc_json_wkt_of(t);
  if (kind != JSON_WKT_NONE && kind != JSON_WKT_EMPTY) return cgrpc_json_parse_wkt(ps, kind, msg, t);
  return cgrpc_json_object_begin(ps) && cgrpc_json_parse_members(ps, msg, t, false);
}

cgrpc_status_code_t cgrpc_json_decode(const char *json, size_t len, void *msg,
                                      const cgrpc_pb_msg_table_t *table, cgrpc_arena_t *arena,
                                      const cgrpc_json_options_t *opts, cgrpc_error_t *err) {
  static const cgrpc_json_options_t defaults;
  json_parser_t ps;
  ps.p = ps.start = json ? json : "";
  ps.end = ps.p + (json ? len : 0);
  ps.arena = arena;
  ps.opts = opts ? opts : &defaults;
  ps.flags = ps.opts->flags;
  ps.depth = 0;
  ps.max_depth = ps.opts->max_depth > 0 ? ps.opts->max_depth : CGRPC_JSON_DEFAULT_MAX_DEPTH;
  ps.npath = 0;
  ps.err = err;
  ps.code = CGRPC_STATUS_OK;
  if (err) err->message[0] = '\0';
  if (cgrpc_json_parse_message(&ps, msg, table)) {
    cgrpc_json_skip_ws(&ps);
    if (ps.p != ps.end) {
      cgrpc_json_fail(&ps, "unexpected characters after the JSON value (at byte %zu)",
                      (size_t)(ps.p - ps.start));
    }
  }
  return ps.code;
}

/* json/print.c — a message as JSON text, written straight into one growing
 * buffer in the arena.
 *
 * Fields come out in the table's order (field-number order), map entries in
 * the map's order, so the same message always prints the same bytes. Names,
 * numbers, base64 and escapes are produced by hand; only floats and
 * doubles go through snprintf (see number.c). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cgrpc/pb.h"
#include "json/json_internal.h"
#include "pb/utf8.h"

typedef struct printer {
  char *buf;
  size_t len, cap;
  cgrpc_arena_t *arena;
  const cgrpc_json_options_t *opts;
  uint32_t flags;
  int indent;
  int depth, max_depth;
  cgrpc_error_t *err;
  cgrpc_status_code_t code;
} printer_t;

JSON_PRINTF(2, 3) static bool fail(printer_t *pr, const char *fmt, ...) {
  if (pr->code != CGRPC_STATUS_OK) return false;
  pr->code = CGRPC_STATUS_INVALID_ARGUMENT;
  if (pr->err) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(pr->err->message, sizeof pr->err->message, fmt, ap);
    va_end(ap);
  }
  return false;
}

static bool fail_oom(printer_t *pr) {
  if (pr->code == CGRPC_STATUS_OK) {
    pr->code = CGRPC_STATUS_RESOURCE_EXHAUSTED;
    if (pr->err) {
      snprintf(pr->err->message, sizeof pr->err->message,
               "out of memory printing JSON: the arena refused an allocation (raise its limit)");
    }
  }
  return false;
}

static bool grow(printer_t *pr, size_t n) {
  if (pr->code != CGRPC_STATUS_OK) return false;
  size_t need = pr->len + n + 1; /* room for the final NUL too */
  if (need < n) return fail_oom(pr);
  size_t cap = pr->cap ? 2 * pr->cap : 256;
  while (cap < need) cap *= 2;
  char *b = cgrpc_arena_realloc(pr->arena, pr->buf, pr->cap, cap);
  if (!b) return fail_oom(pr);
  pr->buf = b;
  pr->cap = cap;
  return true;
}

static inline bool reserve(printer_t *pr, size_t n) {
  return JSON_LIKELY(pr->cap - pr->len > n) || grow(pr, n);
}

static inline bool put(printer_t *pr, const char *s, size_t n) {
  if (!reserve(pr, n)) return false;
  memcpy(pr->buf + pr->len, s, n);
  pr->len += n;
  return true;
}

static inline bool putc_(printer_t *pr, char c) {
  if (!reserve(pr, 1)) return false;
  pr->buf[pr->len++] = c;
  return true;
}

static bool newline(printer_t *pr) {
  if (!pr->indent) return true;
  size_t n = 1 + (size_t)pr->indent * (size_t)pr->depth;
  if (!reserve(pr, n)) return false;
  pr->buf[pr->len] = '\n';
  memset(pr->buf + pr->len + 1, ' ', n - 1);
  pr->len += n;
  return true;
}

static bool enter(printer_t *pr, char open) {
  if (++pr->depth > pr->max_depth) {
    return fail(pr, "the message is nested deeper than %d levels", pr->max_depth);
  }
  return putc_(pr, open);
}

static bool leave(printer_t *pr, char close, bool any) {
  pr->depth--;
  return (!any || newline(pr)) && putc_(pr, close);
}

/* ',' between members or elements, then the line break of indented output. */
static bool separator(printer_t *pr, bool *first) {
  if (!*first && !putc_(pr, ',')) return false;
  *first = false;
  return newline(pr);
}

/* A member name that needs no escaping (field names are identifiers). */
static bool key(printer_t *pr, bool *first, const char *name) {
  size_t n = strlen(name);
  if (!separator(pr, first) || !reserve(pr, n + 4)) return false;
  char *o = pr->buf + pr->len;
  *o++ = '"';
  memcpy(o, name, n);
  o += n;
  *o++ = '"';
  *o++ = ':';
  if (pr->indent) *o++ = ' ';
  pr->len = (size_t)(o - pr->buf);
  return true;
}

static bool string(printer_t *pr, const char *s, size_t n) {
  size_t bad;
  if (!cgrpc_utf8_validate(s, n, &bad)) {
    return fail(pr, "a string is not valid UTF-8 (at byte %zu of it); JSON needs UTF-8", bad);
  }
  static const char hex[] = "0123456789abcdef";
  if (!reserve(pr, n + 2)) return false;
  pr->buf[pr->len++] = '"';
  size_t i = 0;
  while (i < n) {
    size_t run = i;
    while (run < n && (unsigned char)s[run] >= 0x20 && s[run] != '"' && s[run] != '\\') run++;
    if (run > i && !put(pr, s + i, run - i)) return false;
    if (run == n) break;
    unsigned char c = (unsigned char)s[run];
    char esc[6] = {'\\', 0, 0, 0, 0, 0};
    size_t len = 2;
    switch (c) {
      case '"': esc[1] = '"'; break;
      case '\\': esc[1] = '\\'; break;
      case '\b': esc[1] = 'b'; break;
      case '\f': esc[1] = 'f'; break;
      case '\n': esc[1] = 'n'; break;
      case '\r': esc[1] = 'r'; break;
      case '\t': esc[1] = 't'; break;
      default:
        esc[1] = 'u';
        esc[2] = '0';
        esc[3] = '0';
        esc[4] = hex[c >> 4];
        esc[5] = hex[c & 15];
        len = 6;
    }
    if (!put(pr, esc, len)) return false;
    i = run + 1;
  }
  return putc_(pr, '"');
}

static bool put_i64(printer_t *pr, int64_t v, bool quoted) {
  if (!reserve(pr, 24)) return false;
  char *o = pr->buf + pr->len;
  if (quoted) *o++ = '"';
  o += cgrpc_json_format_i64(v, o);
  if (quoted) *o++ = '"';
  pr->len = (size_t)(o - pr->buf);
  return true;
}

static bool put_u64(printer_t *pr, uint64_t v, bool quoted) {
  if (!reserve(pr, 24)) return false;
  char *o = pr->buf + pr->len;
  if (quoted) *o++ = '"';
  o += cgrpc_json_format_u64(v, o);
  if (quoted) *o++ = '"';
  pr->len = (size_t)(o - pr->buf);
  return true;
}

static bool put_double(printer_t *pr, double v, bool is_float) {
  if (isnan(v)) return put(pr, "\"NaN\"", 5);
  if (isinf(v)) return v > 0 ? put(pr, "\"Infinity\"", 10) : put(pr, "\"-Infinity\"", 11);
  if (!reserve(pr, 32)) return false;
  pr->len += is_float ? cgrpc_json_format_float((float)v, pr->buf + pr->len)
                      : cgrpc_json_format_double(v, pr->buf + pr->len);
  return true;
}

static bool put_bytes(printer_t *pr, cgrpc_str_t b) {
  size_t n = (b.len + 2) / 3 * 4;
  if (b.len > SIZE_MAX / 2 || !reserve(pr, n + 2)) return b.len > SIZE_MAX / 2 ? fail_oom(pr) : false;
  char *o = pr->buf + pr->len;
  *o++ = '"';
  o += cgrpc_json_base64_encode((const uint8_t *)b.data, b.len, o);
  *o++ = '"';
  pr->len = (size_t)(o - pr->buf);
  return true;
}

static const char *enum_name(const cgrpc_pb_enum_table_t *e, int32_t v) {
  if (!e) return NULL;
  size_t lo = 0, hi = e->value_count;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (e->values[mid] == v) return e->names[mid];
    if (e->values[mid] < v) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return NULL;
}

static bool print_message(printer_t *pr, const void *msg, const cgrpc_pb_msg_table_t *t);

/* One value of field f at v (for messages, v points at the pointer). */
static bool print_value(printer_t *pr, const cgrpc_pb_msg_table_t *t, const cgrpc_pb_field_t *f,
                        const void *v) {
  switch (f->type) {
    case CGRPC_PB_INT32:
    case CGRPC_PB_SINT32:
    case CGRPC_PB_SFIXED32:
      return put_i64(pr, *(const int32_t *)v, false);
    case CGRPC_PB_INT64:
    case CGRPC_PB_SINT64:
    case CGRPC_PB_SFIXED64:
      return put_i64(pr, *(const int64_t *)v, true);
    case CGRPC_PB_UINT32:
    case CGRPC_PB_FIXED32:
      return put_u64(pr, *(const uint32_t *)v, false);
    case CGRPC_PB_UINT64:
    case CGRPC_PB_FIXED64:
      return put_u64(pr, *(const uint64_t *)v, true);
    case CGRPC_PB_BOOL:
      return *(const uint8_t *)v ? put(pr, "true", 4) : put(pr, "false", 5);
    case CGRPC_PB_FLOAT:
      return put_double(pr, *(const float *)v, true);
    case CGRPC_PB_DOUBLE:
      return put_double(pr, *(const double *)v, false);
    case CGRPC_PB_STRING: {
      const cgrpc_str_t *s = v;
      return string(pr, s->data, s->len);
    }
    case CGRPC_PB_BYTES:
      return put_bytes(pr, *(const cgrpc_str_t *)v);
    case CGRPC_PB_ENUM: {
      const cgrpc_pb_enum_table_t *e = cgrpc_json_field_enum(t, f);
      int32_t x = *(const int32_t *)v;
      if (cgrpc_json_is_null_value_enum(e)) return put(pr, "null", 4);
      const char *name = (pr->flags & CGRPC_JSON_ENUMS_AS_INTS) ? NULL : enum_name(e, x);
      if (!name) return put_i64(pr, x, false);
      size_t n = strlen(name);
      if (!reserve(pr, n + 2)) return false;
      pr->buf[pr->len++] = '"';
      memcpy(pr->buf + pr->len, name, n);
      pr->len += n;
      pr->buf[pr->len++] = '"';
      return true;
    }
    case CGRPC_PB_MESSAGE:
    case CGRPC_PB_GROUP: {
      const cgrpc_pb_msg_table_t *sub = cgrpc_pb_field_msg(t, f);
      const void *m = *(void *const *)v;
      if (!m) {
        /* An absent element or map value prints as the empty message. */
        m = cgrpc_pb_msg_new(sub, pr->arena);
        if (!m) return fail_oom(pr);
      }
      return print_message(pr, m, sub);
    }
    default:
      return fail(pr, "unknown field type %u", (unsigned)f->type);
  }
}

static bool print_map_key(printer_t *pr, bool *first, const cgrpc_pb_field_t *kf, const char *k) {
  if (!separator(pr, first)) return false;
  bool ok;
  switch (kf->type) {
    case CGRPC_PB_STRING: {
      const cgrpc_str_t *s = (const cgrpc_str_t *)k;
      ok = string(pr, s->data, s->len);
      break;
    }
    case CGRPC_PB_BOOL:
      ok = *(const uint8_t *)k ? put(pr, "\"true\"", 6) : put(pr, "\"false\"", 7);
      break;
    case CGRPC_PB_INT32:
    case CGRPC_PB_SINT32:
    case CGRPC_PB_SFIXED32:
      ok = put_i64(pr, *(const int32_t *)k, true);
      break;
    case CGRPC_PB_INT64:
    case CGRPC_PB_SINT64:
    case CGRPC_PB_SFIXED64:
      ok = put_i64(pr, *(const int64_t *)k, true);
      break;
    case CGRPC_PB_UINT32:
    case CGRPC_PB_FIXED32:
      ok = put_u64(pr, *(const uint32_t *)k, true);
      break;
    case CGRPC_PB_UINT64:
    case CGRPC_PB_FIXED64:
      ok = put_u64(pr, *(const uint64_t *)k, true);
      break;
    default:
      return fail(pr, "map keys of type %u cannot be printed", (unsigned)kf->type);
  }
  return ok && putc_(pr, ':') && (!pr->indent || putc_(pr, ' '));
}

static bool print_map(printer_t *pr, const cgrpc_pb_msg_table_t *t, const cgrpc_pb_field_t *f,
                      const cgrpc_pb_array_t *a) {
  const cgrpc_pb_msg_table_t *et = cgrpc_pb_field_msg(t, f);
  const cgrpc_pb_field_t *kf = cgrpc_pb_table_find(et, 1), *vf = cgrpc_pb_table_find(et, 2);
  if (!kf || !vf) return fail(pr, "map entry %s lacks a key or value", et->full_name);
  if (!enter(pr, '{')) return false;
  bool first = true;
  const char *zero = NULL;
  for (size_t i = 0; i < a->count; i++) {
    const char *e = ((char *const *)a->data)[i];
    if (!e) {
      if (!zero && !(zero = cgrpc_pb_msg_new(et, pr->arena))) return fail_oom(pr);
      e = zero;
    }
    if (!print_map_key(pr, &first, kf, e + kf->offset) || !print_value(pr, et, vf, e + vf->offset)) {
      return false;
    }
  }
  return leave(pr, '}', a->count != 0);
}

static bool print_array(printer_t *pr, const cgrpc_pb_msg_table_t *t, const cgrpc_pb_field_t *f,
                        const cgrpc_pb_array_t *a) {
  if (!enter(pr, '[')) return false;
  size_t size = cgrpc_pb_type_size[f->type];
  bool first = true;
  for (size_t i = 0; i < a->count; i++) {
    if (!separator(pr, &first) || !print_value(pr, t, f, (const char *)a->data + i * size)) {
      return false;
    }
  }
  return leave(pr, ']', a->count != 0);
}

/* The members of msg, without braces (an Any adds its "@type" first). */
/* The extensions the options' resolver knows among the unknown fields of
 * message m, as "[full.name]": value, in number order. */
static bool print_extensions(printer_t *pr, const char *m, const cgrpc_pb_msg_table_t *t,
                             bool *first) {
  const cgrpc_json_extensions_t *exts = pr->opts->extensions;
  cgrpc_str_t unknown = *(const cgrpc_str_t *)m;
  if (!exts || !exts->find_by_number || !unknown.len || !t->full_name) return true;
  uint32_t *numbers;
  size_t count;
  if (!cgrpc_json_unknown_numbers(unknown, pr->arena, &numbers, &count)) return fail_oom(pr);
  for (size_t i = 0; i < count; i++) {
    cgrpc_json_extension_t ext = {0};
    if (!exts->find_by_number(exts->ctx, t->full_name, numbers[i], &ext)) continue;
    ext.number = numbers[i];
    if (!cgrpc_json_ext_usable(&ext)) {
      return fail(pr, "the extension resolver gave an unusable answer for field %u of %s",
                  (unsigned)numbers[i], t->full_name);
    }
    json_ext_table_t et;
    cgrpc_json_ext_table_init(&et, &ext);
    json_ext_holder_t h;
    memset(&h, 0, sizeof h);
    int rc = cgrpc_pb_decode(unknown.data, unknown.len, &h, &et.table, pr->arena,
                             CGRPC_PB_DECODE_PARTIAL | CGRPC_PB_DECODE_DISCARD_UNKNOWN, NULL);
    if (rc == CGRPC_PB_ERR_NO_MEMORY) return fail_oom(pr);
    if (rc != CGRPC_PB_OK) {
      return fail(pr, "the extension %s of %s does not decode from the unknown fields: %s",
                  ext.full_name, t->full_name, cgrpc_pb_strerror(rc));
    }
    const cgrpc_pb_field_t *f = &et.field;
    if (ext.repeated && !h.v.arr.count) continue;
    if (!ext.repeated && !cgrpc_pb_field_is_set((const char *)&h, f)) continue;
    cgrpc_str_t name = cgrpc_arena_printf(pr->arena, "[%s]", ext.full_name);
    if (!name.data) return fail_oom(pr);
    /* Escaped like any string: the name comes from the resolver. */
    if (!separator(pr, first) || !string(pr, name.data, name.len) || !putc_(pr, ':')) return false;
    if (pr->indent && !putc_(pr, ' ')) return false;
    bool ok = ext.repeated ? print_array(pr, &et.table, f, &h.v.arr)
                           : print_value(pr, &et.table, f, &h.v);
    if (!ok) return false;
  }
  return true;
}

static bool print_fields(printer_t *pr, const char *m, const cgrpc_pb_msg_table_t *t,
                         bool *first) {
  bool defaults = (pr->flags & CGRPC_JSON_EMIT_DEFAULTS) != 0;
  const char *const *names = (pr->flags & CGRPC_JSON_PROTO_NAMES) || !t->json_names
                                 ? t->field_names
                                 : t->json_names;
  for (size_t i = 0; i < t->field_count; i++) {
    const cgrpc_pb_field_t *f = &t->fields[i];
    const void *v = m + f->offset;
    const char *name = names ? names[i] : "?";
    if (f->flags & CGRPC_PB_FIELD_REPEATED) {
      const cgrpc_pb_array_t *a = v;
      if (!a->count && !defaults) continue;
      if (!key(pr, first, name)) return false;
      bool ok = (f->flags & CGRPC_PB_FIELD_MAP) ? print_map(pr, t, f, a) : print_array(pr, t, f, a);
      if (!ok) return false;
      continue;
    }
    if (!cgrpc_pb_field_is_set(m, f)) {
      /* Without presence a default value is printed only on request; a
       * field with presence that is unset never is. */
      if (!defaults || (f->flags & (CGRPC_PB_FIELD_ONEOF | CGRPC_PB_FIELD_HAS)) ||
          cgrpc_pb_type_is_message(f->type)) {
        continue;
      }
    }
    if (!key(pr, first, name) || !print_value(pr, t, f, v)) return false;
  }
  return print_extensions(pr, m, t, first);
}

/* ---- Well-known types -------------------------------------------------- */

static const cgrpc_pb_field_t *wkt_field(printer_t *pr, const cgrpc_pb_msg_table_t *t,
                                         uint32_t number) {
  const cgrpc_pb_field_t *f = cgrpc_pb_table_find(t, number);
  if (!f) fail(pr, "%s has no field %u", t->full_name, (unsigned)number);
  return f;
}

static bool print_time(printer_t *pr, const char *m, const cgrpc_pb_msg_table_t *t,
                       bool duration) {
  const cgrpc_pb_field_t *fs = wkt_field(pr, t, 1), *fn = wkt_field(pr, t, 2);
  if (!fs || !fn) return false;
  int64_t s = *(const int64_t *)(m + fs->offset);
  int32_t n = *(const int32_t *)(m + fn->offset);
  char buf[48];
  size_t len;
  bool ok = duration ? cgrpc_json_format_duration(s, n, buf, &len)
                     : cgrpc_json_format_timestamp(s, n, buf, &len);
  if (!ok) {
    return fail(pr,
                duration ? "Duration {seconds: %lld, nanos: %d} is out of range or has mixed signs"
                         : "Timestamp {seconds: %lld, nanos: %d} is outside 0001-01-01 to 9999-12-31",
                (long long)s, (int)n);
  }
  return putc_(pr, '"') && put(pr, buf, len) && putc_(pr, '"');
}

static bool print_field_mask(printer_t *pr, const char *m, const cgrpc_pb_msg_table_t *t) {
  const cgrpc_pb_field_t *f = wkt_field(pr, t, 1);
  if (!f) return false;
  const cgrpc_pb_array_t *a = (const cgrpc_pb_array_t *)(m + f->offset);
  const cgrpc_str_t *paths = a->data;
  if (!putc_(pr, '"')) return false;
  for (size_t i = 0; i < a->count; i++) {
    const cgrpc_str_t *p = &paths[i];
    if ((i && !putc_(pr, ',')) || !reserve(pr, p->len)) return false;
    for (size_t k = 0; k < p->len; k++) {
      char c = p->data[k];
      if (c >= 'A' && c <= 'Z') {
        return fail(pr, "FieldMask path \"%.*s\" has an upper-case letter, so it has no JSON form",
                    (int)(p->len > 64 ? 64 : p->len), p->data);
      }
      if (c == '_') {
        char next = k + 1 < p->len ? p->data[k + 1] : 0;
        if (!(next >= 'a' && next <= 'z')) {
          return fail(pr,
                      "FieldMask path \"%.*s\" has a '_' not before a lower-case letter, so it "
                      "has no JSON form",
                      (int)(p->len > 64 ? 64 : p->len), p->data);
        }
        c = (char)(next - 'a' + 'A');
        k++;
      }
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '.')) {
        return fail(pr, "FieldMask path \"%.*s\" is not a field path",
                    (int)(p->len > 64 ? 64 : p->len), p->data);
      }
      pr->buf[pr->len++] = c;
    }
  }
  return putc_(pr, '"');
}

static bool print_wkt_value(printer_t *pr, const char *m, const cgrpc_pb_msg_table_t *t);

static bool print_struct(printer_t *pr, const char *m, const cgrpc_pb_msg_table_t *t) {
  const cgrpc_pb_field_t *f = wkt_field(pr, t, 1);
  return f && print_map(pr, t, f, (const cgrpc_pb_array_t *)(m + f->offset));
}

static bool print_wkt_value(printer_t *pr, const char *m, const cgrpc_pb_msg_table_t *t) {
  const cgrpc_pb_field_t *any = wkt_field(pr, t, 1);
  if (!any) return false;
  uint32_t kind = (any->flags & CGRPC_PB_FIELD_ONEOF) ? *(const uint32_t *)(m + any->presence) : 0;
  const cgrpc_pb_field_t *f = kind ? cgrpc_pb_table_find(t, kind) : NULL;
  if (!f) return fail(pr, "a google.protobuf.Value has no kind set, so it has no JSON form");
  const void *v = m + f->offset;
  switch (kind) {
    case 1:
      return put(pr, "null", 4);
    case 2: {
      double d = *(const double *)v;
      if (isnan(d) || isinf(d)) {
        return fail(pr, "a google.protobuf.Value cannot hold NaN or Infinity in JSON");
      }
      return put_double(pr, d, false);
    }
    case 5:
    case 6: {
      const void *child = *(void *const *)v;
      if (!child) return put(pr, kind == 5 ? "{}" : "[]", 2);
      return print_message(pr, child, cgrpc_pb_field_msg(t, f));
    }
    default:
      return print_value(pr, t, f, v);
  }
}

static bool print_any(printer_t *pr, const char *m, const cgrpc_pb_msg_table_t *t) {
  const cgrpc_pb_field_t *furl = wkt_field(pr, t, 1), *fval = wkt_field(pr, t, 2);
  if (!furl || !fval) return false;
  cgrpc_str_t url = *(const cgrpc_str_t *)(m + furl->offset);
  cgrpc_str_t value = *(const cgrpc_str_t *)(m + fval->offset);
  if (!url.len && !value.len) return put(pr, "{}", 2);
  int shown = (int)(url.len > 96 ? 96 : url.len);
  const cgrpc_pb_msg_table_t *sub = memchr(url.data, '/', url.len)
                                        ? cgrpc_json_resolve_any(pr->opts, url)
                                        : NULL;
  if (!sub) {
    return fail(pr,
                "cannot print the Any of type \"%.*s\": no resolver in the options knows the type",
                shown, url.data);
  }
  void *inner = cgrpc_pb_msg_new(sub, pr->arena);
  if (!inner) return fail_oom(pr);
  int rc = cgrpc_pb_decode(value.data, value.len, inner, sub, pr->arena, CGRPC_PB_DECODE_PARTIAL,
                           NULL);
  if (rc == CGRPC_PB_ERR_NO_MEMORY) return fail_oom(pr);
  if (rc != CGRPC_PB_OK) {
    return fail(pr, "the Any of type \"%.*s\" does not decode: %s", shown, url.data,
                cgrpc_pb_strerror(rc));
  }
  bool first = true;
  if (!enter(pr, '{') || !key(pr, &first, "@type") || !string(pr, url.data, url.len)) return false;
  if (cgrpc_json_any_uses_value(cgrpc_json_wkt_of(sub))) {
    if (!key(pr, &first, "value") || !print_message(pr, inner, sub)) return false;
  } else if (!print_fields(pr, inner, sub, &first)) {
    return false;
  }
  return leave(pr, '}', true);
}

static bool print_message(printer_t *pr, const void *msg, const cgrpc_pb_msg_table_t *t) {
  const char *m = msg;
  switch (cgrpc_json_wkt_of(t)) {
    case JSON_WKT_NONE:
    case JSON_WKT_EMPTY:
      break;
    case JSON_WKT_ANY:
      return print_any(pr, m, t);
    case JSON_WKT_TIMESTAMP:
      return print_time(pr, m, t, false);
    case JSON_WKT_DURATION:
      return print_time(pr, m, t, true);
    case JSON_WKT_FIELD_MASK:
      return print_field_mask(pr, m, t);
    case JSON_WKT_STRUCT:
      return print_struct(pr, m, t);
    case JSON_WKT_VALUE:
      return print_wkt_value(pr, m, t);
    case JSON_WKT_LIST_VALUE: {
      const cgrpc_pb_field_t *f = wkt_field(pr, t, 1);
      return f && print_array(pr, t, f, (const cgrpc_pb_array_t *)(m + f->offset));
    }
    case JSON_WKT_WRAPPER: {
      const cgrpc_pb_field_t *f = wkt_field(pr, t, 1);
      return f && print_value(pr, t, f, m + f->offset);
    }
  }
  bool first = true;
  if (!enter(pr, '{') || !print_fields(pr, m, t, &first)) return false;
  return leave(pr, '}', !first);
}

cgrpc_status_code_t cgrpc_json_encode(const void *msg, const cgrpc_pb_msg_table_t *table,
                                      const cgrpc_json_options_t *opts, cgrpc_arena_t *arena,
                                      cgrpc_str_t *out, cgrpc_error_t *err) {
  static const cgrpc_json_options_t defaults;
  printer_t pr = {0};
  pr.arena = arena;
  pr.opts = opts ? opts : &defaults;
  pr.flags = pr.opts->flags;
  pr.indent = pr.opts->indent > 0 ? (pr.opts->indent < 32 ? pr.opts->indent : 32) : 0;
  pr.max_depth = pr.opts->max_depth > 0 ? pr.opts->max_depth : CGRPC_JSON_DEFAULT_MAX_DEPTH;
  pr.err = err;
  if (err) err->message[0] = '\0';
  out->data = NULL;
  out->len = 0;
  if (!print_message(&pr, msg, table) || !reserve(&pr, 1)) return pr.code;
  pr.buf[pr.len] = '\0';
  out->data = pr.buf;
  out->len = pr.len;
  return CGRPC_STATUS_OK;
}

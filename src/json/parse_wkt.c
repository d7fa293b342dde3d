/* json/parse_wkt.c — the special JSON forms of the well-known types:
 * Any ({"@type": url, ...fields} or {"@type": url, "value": <special>}),
 * Timestamp and Duration (strings), FieldMask ("a.bC,d"), Struct, Value and
 * ListValue (any JSON), and the wrappers (their bare value).
 *
 * Fields are reached through the table by number, so any generated copy of
 * these types works, not only the library's own. */
#include <string.h>

#include "cgrpc/pb.h"
#include "json/json_internal.h"

/* Field `number` of t; a well-known type's table always has it, but a
 * hand-made table with the same name may not. */
static const cgrpc_pb_field_t *field(json_parser_t *ps, const cgrpc_pb_msg_table_t *t,
                                     uint32_t number) {
  const cgrpc_pb_field_t *f = cgrpc_pb_table_find(t, number);
  if (!f) cgrpc_json_fail(ps, "%s has no field %u", t->full_name, (unsigned)number);
  return f;
}

static bool set_seconds_nanos(json_parser_t *ps, char *m, const cgrpc_pb_msg_table_t *t,
                              int64_t seconds, int32_t nanos) {
  const cgrpc_pb_field_t *fs = field(ps, t, 1), *fn = field(ps, t, 2);
  if (!fs || !fn) return false;
  *(int64_t *)(m + fs->offset) = seconds;
  *(int32_t *)(m + fn->offset) = nanos;
  return true;
}

static bool parse_time(json_parser_t *ps, bool duration, char *m, const cgrpc_pb_msg_table_t *t) {
  cgrpc_str_t s;
  if (cgrpc_json_peek(ps) != '"') {
    return cgrpc_json_fail_expected(ps, duration ? "a Duration string such as \"1.5s\""
                                                 : "an RFC 3339 Timestamp string");
  }
  if (!cgrpc_json_string(ps, &s)) return false;
  int64_t seconds;
  int32_t nanos;
  int shown = (int)(s.len > 64 ? 64 : s.len);
  if (duration) {
    if (!cgrpc_json_parse_duration(s.data, s.len, &seconds, &nanos)) {
      return cgrpc_json_fail(ps,
                             "invalid Duration \"%.*s\": expected seconds with up to 9 fractional "
                             "digits and a final 's', within +-315576000000s",
                             shown, s.data);
    }
  } else if (!cgrpc_json_parse_timestamp(s.data, s.len, &seconds, &nanos)) {
    return cgrpc_json_fail(ps,
                           "invalid Timestamp \"%.*s\": expected RFC 3339 such as "
                           "\"1972-01-01T10:00:20.021Z\", from year 0001 to 9999",
                           shown, s.data);
  }
  return set_seconds_nanos(ps, m, t, seconds, nanos);
}

/* "fooBar.baz,qux" into paths "foo_bar.baz" and "qux". */
static bool parse_field_mask(json_parser_t *ps, char *m, const cgrpc_pb_msg_table_t *t) {
  const cgrpc_pb_field_t *f = field(ps, t, 1);
  cgrpc_str_t s;
  if (!f) return false;
  if (cgrpc_json_peek(ps) != '"') return cgrpc_json_fail_expected(ps, "a FieldMask string");
  if (!cgrpc_json_string(ps, &s)) return false;
  if (s.len == 0) return true;
  cgrpc_pb_array_t *a = (cgrpc_pb_array_t *)(m + f->offset);
  size_t i = 0;
  while (i <= s.len) {
    size_t j = i;
    while (j < s.len && s.data[j] != ',') j++;
    size_t uppers = 0;
    for (size_t k = i; k < j; k++) {
      char c = s.data[k];
      if (c == '_') {
        return cgrpc_json_fail(ps, "invalid FieldMask path \"%.*s\": use lowerCamelCase, not '_'",
                               (int)(j - i > 64 ? 64 : j - i), s.data + i);
      }
      if (c >= 'A' && c <= 'Z') {
        uppers++;
      } else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.')) {
        return cgrpc_json_fail(ps, "invalid FieldMask path \"%.*s\": only letters, digits and '.'",
                               (int)(j - i > 64 ? 64 : j - i), s.data + i);
      }
    }
    if (j == i) return cgrpc_json_fail(ps, "invalid FieldMask: an empty path");
    char *path = cgrpc_arena_alloc(ps->arena, j - i + uppers);
    if (!path) return cgrpc_json_fail_oom(ps);
    size_t n = 0;
    for (size_t k = i; k < j; k++) {
      char c = s.data[k];
      if (c >= 'A' && c <= 'Z') {
        path[n++] = '_';
        c = (char)(c - 'A' + 'a');
      }
      path[n++] = c;
    }
    cgrpc_str_t *slot = cgrpc_json_array_push(ps, a, sizeof(cgrpc_str_t));
    if (!slot) return false;
    *slot = (cgrpc_str_t){path, n};
    i = j + 1;
  }
  return true;
}

static bool parse_value(json_parser_t *ps, char *m, const cgrpc_pb_msg_table_t *t);

static bool parse_struct(json_parser_t *ps, char *m, const cgrpc_pb_msg_table_t *t) {
  const cgrpc_pb_field_t *f = field(ps, t, 1);
  if (!f) return false;
  const cgrpc_pb_msg_table_t *et = cgrpc_pb_field_msg(t, f);
  const cgrpc_pb_field_t *kf = field(ps, et, 1), *vf = field(ps, et, 2);
  if (!kf || !vf) return false;
  const cgrpc_pb_msg_table_t *vt = cgrpc_pb_field_msg(et, vf);
  if (cgrpc_json_peek(ps) != '{') return cgrpc_json_fail_expected(ps, "an object for a Struct");
  if (!cgrpc_json_object_begin(ps)) return false;
  cgrpc_pb_array_t *a = (cgrpc_pb_array_t *)(m + f->offset);
  size_t start = a->count;
  bool first = true;
  cgrpc_str_t key;
  while (cgrpc_json_object_next(ps, &first, &key)) {
    cgrpc_json_path_push_key(ps, key.data, key.len);
    char *entry = cgrpc_pb_msg_new(et, ps->arena);
    char *value = cgrpc_pb_msg_new(vt, ps->arena);
    if (!entry || !value) return cgrpc_json_fail_oom(ps);
    *(cgrpc_str_t *)(entry + kf->offset) = key;
    if (!cgrpc_json_own(ps, (cgrpc_str_t *)(entry + kf->offset)) || !parse_value(ps, value, vt)) {
      return false;
    }
    *(void **)(entry + vf->offset) = value;
    void **slot = cgrpc_json_array_push(ps, a, sizeof(void *));
    if (!slot) return false;
    *slot = entry;
    cgrpc_json_path_pop(ps);
  }
  return ps->code == CGRPC_STATUS_OK && cgrpc_json_check_map_keys(ps, a, start, et);
}

static bool parse_list(json_parser_t *ps, char *m, const cgrpc_pb_msg_table_t *t) {
  const cgrpc_pb_field_t *f = field(ps, t, 1);
  if (!f) return false;
  const cgrpc_pb_msg_table_t *vt = cgrpc_pb_field_msg(t, f);
  if (cgrpc_json_peek(ps) != '[') return cgrpc_json_fail_expected(ps, "an array for a ListValue");
  if (!cgrpc_json_array_begin(ps)) return false;
  cgrpc_pb_array_t *a = (cgrpc_pb_array_t *)(m + f->offset);
  bool first = true;
  for (size_t i = 0; cgrpc_json_array_next(ps, &first); i++) {
    cgrpc_json_path_push_index(ps, i);
    char *value = cgrpc_pb_msg_new(vt, ps->arena);
    if (!value) return cgrpc_json_fail_oom(ps);
    if (!parse_value(ps, value, vt)) return false;
    void **slot = cgrpc_json_array_push(ps, a, sizeof(void *));
    if (!slot) return false;
    *slot = value;
    cgrpc_json_path_pop(ps);
  }
  return ps->code == CGRPC_STATUS_OK;
}

/* google.protobuf.Value: whichever kind the JSON value is. */
static bool parse_value(json_parser_t *ps, char *m, const cgrpc_pb_msg_table_t *t) {
  uint32_t kind;
  char c = cgrpc_json_peek(ps);
  switch (c) {
    case 'n': kind = 1; break;
    case '"': kind = 3; break;
    case 't':
    case 'f': kind = 4; break;
    case '{': kind = 5; break;
    case '[': kind = 6; break;
    default: kind = 2; break;
  }
  const cgrpc_pb_field_t *f = field(ps, t, kind);
  if (!f) return false;
  uint64_t tmp[2] = {0, 0};
  bool ok, skipped = false;
  if (kind == 5 || kind == 6) {
    const cgrpc_pb_msg_table_t *sub = cgrpc_pb_field_msg(t, f);
    char *child = cgrpc_pb_msg_new(sub, ps->arena);
    if (!child) return cgrpc_json_fail_oom(ps);
    ok = kind == 5 ? parse_struct(ps, child, sub) : parse_list(ps, child, sub);
    *(void **)tmp = child;
  } else if (kind == 1) {
    ok = cgrpc_json_literal(ps, "null", 4);
  } else if (kind == 2) {
    /* A number only: "NaN" and "Infinity" are strings here. */
    cgrpc_str_t tok;
    bool is_int;
    double d;
    ok = cgrpc_json_number_token(ps, &tok, &is_int);
    if (ok && !cgrpc_json_number_to_double(tok.data, tok.len, &d)) {
      ok = cgrpc_json_fail(ps, "%.*s is out of range for a Value's number",
                           (int)(tok.len > 64 ? 64 : tok.len), tok.data);
    }
    if (ok) memcpy(tmp, &d, sizeof d);
  } else {
    ok = cgrpc_json_parse_scalar(ps, t, f, tmp, &skipped);
  }
  if (!ok) return false;
  memcpy(m + f->offset, tmp, cgrpc_pb_type_size[f->type]);
  if (f->flags & CGRPC_PB_FIELD_ONEOF) *(uint32_t *)(m + f->presence) = kind;
  return true;
}

static bool is_key(cgrpc_str_t k, const char *s) {
  size_t n = strlen(s);
  return k.len == n && memcmp(k.data, s, n) == 0;
}

static bool parse_any(json_parser_t *ps, char *m, const cgrpc_pb_msg_table_t *t) {
  const cgrpc_pb_field_t *furl = field(ps, t, 1), *fval = field(ps, t, 2);
  if (!furl || !fval) return false;
  if (cgrpc_json_peek(ps) != '{') return cgrpc_json_fail_expected(ps, "an object for an Any");
  /* First pass: find "@type" wherever it is, checking the syntax. */
  const char *object = ps->p;
  cgrpc_str_t url = {NULL, 0}, key;
  bool first = true, members = false;
  if (!cgrpc_json_object_begin(ps)) return false;
  while (cgrpc_json_object_next(ps, &first, &key)) {
    members = true;
    if (is_key(key, "@type")) {
      if (url.data) return cgrpc_json_fail(ps, "an Any has \"@type\" twice");
      if (cgrpc_json_peek(ps) != '"') return cgrpc_json_fail_expected(ps, "a type URL string");
      if (!cgrpc_json_string(ps, &url)) return false;
    } else if (!cgrpc_json_skip_value(ps)) {
      return false;
    }
  }
  if (ps->code != CGRPC_STATUS_OK) return false;
  if (!url.data) {
    if (!members) return true; /* {}: the empty Any */
    return cgrpc_json_fail(ps, "an Any with fields needs an \"@type\" member");
  }
  int shown = (int)(url.len > 96 ? 96 : url.len);
  if (!memchr(url.data, '/', url.len)) {
    return cgrpc_json_fail(ps, "invalid Any type URL \"%.*s\": expected \"type.googleapis.com/<full name>\"",
                           shown, url.data);
  }
  const cgrpc_pb_msg_table_t *sub = cgrpc_json_resolve_any(ps->opts, url);
  if (!sub) {
    return cgrpc_json_fail(ps,
                           "cannot resolve the Any type \"%.*s\" (give the options a resolver "
                           "that knows it)",
                           shown, url.data);
  }
  /* Second pass: the payload's fields. */
  const char *after = ps->p;
  ps->p = object;
  char *inner = cgrpc_pb_msg_new(sub, ps->arena);
  if (!inner) return cgrpc_json_fail_oom(ps);
  if (!cgrpc_json_object_begin(ps)) return false;
  if (cgrpc_json_any_uses_value(cgrpc_json_wkt_of(sub))) {
    first = true;
    bool have_value = false;
    while (cgrpc_json_object_next(ps, &first, &key)) {
      if (is_key(key, "@type")) {
        if (!cgrpc_json_skip_value(ps)) return false;
      } else if (is_key(key, "value")) {
        cgrpc_json_path_push_name(ps, "value", 5);
        if (have_value || !cgrpc_json_parse_message(ps, inner, sub)) return false;
        have_value = true;
        cgrpc_json_path_pop(ps);
      } else {
        return cgrpc_json_fail(ps,
                               "an Any holding %s has only \"@type\" and \"value\", not \"%.*s\"",
                               sub->full_name, (int)(key.len > 64 ? 64 : key.len), key.data);
      }
    }
    if (ps->code != CGRPC_STATUS_OK) return false;
  } else if (!cgrpc_json_parse_members(ps, inner, sub, true)) {
    return false;
  }
  if (ps->p != after) return cgrpc_json_fail(ps, "internal error: Any passes disagree");
  uint8_t *bytes;
  size_t len;
  cgrpc_pb_error_t perr;
  int rc = cgrpc_pb_encode(inner, sub, ps->arena, CGRPC_PB_ENCODE_PARTIAL, &bytes, &len, &perr);
  if (rc == CGRPC_PB_ERR_NO_MEMORY) return cgrpc_json_fail_oom(ps);
  if (rc != CGRPC_PB_OK) {
    return cgrpc_json_fail(ps, "the Any's payload cannot be encoded: %s", cgrpc_pb_strerror(rc));
  }
  cgrpc_str_t *u = (cgrpc_str_t *)(m + furl->offset);
  *u = url;
  if (!cgrpc_json_own(ps, u)) return false;
  *(cgrpc_str_t *)(m + fval->offset) = (cgrpc_str_t){len ? (const char *)bytes : "", len};
  return true;
}

bool cgrpc_json_parse_wkt(json_parser_t *ps, json_wkt_t kind, void *msg,
                          const cgrpc_pb_msg_table_t *t) {
  char *m = msg;
  switch (kind) {
    case JSON_WKT_ANY:
      return parse_any(ps, m, t);
    case JSON_WKT_TIMESTAMP:
      return parse_time(ps, false, m, t);
    case JSON_WKT_DURATION:
      return parse_time(ps, true, m, t);
    case JSON_WKT_FIELD_MASK:
      return parse_field_mask(ps, m, t);
    case JSON_WKT_STRUCT:
      return parse_struct(ps, m, t);
    case JSON_WKT_VALUE:
      return parse_value(ps, m, t);
    case JSON_WKT_LIST_VALUE:
      return parse_list(ps, m, t);
    case JSON_WKT_WRAPPER: {
      const cgrpc_pb_field_t *f = field(ps, t, 1);
      bool skipped = false;
      return f && cgrpc_json_parse_scalar(ps, t, f, m + f->offset, &skipped);
    }
    default:
      return cgrpc_json_object_begin(ps) && cgrpc_json_parse_members(ps, msg, t, false);
  }
}

/* src/web/rest_request.c — a REST request (path bindings, query string,
 * JSON body) into the request message of its method (rest_router.h).
 *
 * A path or query value sets its field through the JSON layer: the value is
 * written as the JSON the proto3 mapping gives that field ("name" for a
 * string, a number as a string, an enum name, a Timestamp's RFC 3339 text)
 * and parsed into the message that holds the field. So every conversion
 * rule (ranges, enum names, base64 bytes, well-known types) is the JSON
 * codec's, tested by protobuf's conformance suite, and errors read the same. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "web/rest_router.h"

static cgrpc_status_code_t fail(cgrpc_error_t *err, const char *fmt, ...) {
  if (err) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
  }
  return CGRPC_STATUS_INVALID_ARGUMENT;
}

static const cgrpc_pb_msg_table_t *resolve_in_pool(void *ctx, cgrpc_str_t type_url) {
  const char *name = type_url.data;
  for (size_t i = 0; i < type_url.len; i++)
    if (type_url.data[i] == '/') name = type_url.data + i + 1;
  size_t len = type_url.len - (size_t)(name - type_url.data);
  char buf[256];
  if (len >= sizeof buf) return NULL;
  memcpy(buf, name, len);
  buf[len] = '\0';
  const cgrpc_msg_desc_t *m = cgrpc_pool_find_message(ctx, buf);
  return m ? m->table : NULL;
}

void rest_json_options(const cgrpc_pool_t *pool, uint32_t flags, cgrpc_json_options_t *opts) {
  memset(opts, 0, sizeof *opts);
  opts->flags = flags;
  opts->resolve = resolve_in_pool;
  opts->resolve_ctx = (void *)pool;
}

size_t rest_json_quote(char *buf, size_t len, size_t cap, const char *s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  if (len >= cap) return (size_t)-1;
  buf[len++] = '"';
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (cap - len < 7) return (size_t)-1;
    if (c == '"' || c == '\\') {
      buf[len++] = '\\';
      buf[len++] = (char)c;
    } else if (c < 0x20) {
      memcpy(buf + len, "\\u00", 4);
      buf[len + 4] = hex[c >> 4];
      buf[len + 5] = hex[c & 15];
      len += 6;
    } else {
      buf[len++] = (char)c;
    }
  }
  if (len >= cap) return (size_t)-1;
  buf[len++] = '"';
  return len;
}

static bool is_integer_text(cgrpc_str_t v) {
  size_t i = v.len && v.data[0] == '-';
  if (i == v.len) return false;
  for (; i < v.len; i++)
    if (v.data[i] < '0' || v.data[i] > '9') return false;
  return true;
}

static bool is_bool_text(cgrpc_str_t v) {
  return (v.len == 4 && memcmp(v.data, "true", 4) == 0) ||
         (v.len == 5 && memcmp(v.data, "false", 5) == 0);
}

/* Sets field `f` of `msg` (of `md`) from a text value: {"name": value}. */
static cgrpc_status_code_t set_leaf(void *msg, const cgrpc_msg_desc_t *md,
                                    const cgrpc_field_desc_t *f, cgrpc_str_t value,
                                    const rest_route_t *route, const char *what, cgrpc_str_t key,
                                    cgrpc_arena_t *arena, cgrpc_error_t *err) {
  bool raw = false;
  if (f->type == CGRPC_PB_BOOL || (f->type == CGRPC_PB_MESSAGE &&
                                   strcmp(f->message->full_name, "google.protobuf.BoolValue") == 0))
    raw = is_bool_text(value);
  else if (f->type == CGRPC_PB_ENUM)
    raw = is_integer_text(value);
  size_t cap = strlen(f->name) + value.len * 6 + 16;
  char *json = cgrpc_arena_alloc(arena, cap);
  if (!json) return CGRPC_STATUS_RESOURCE_EXHAUSTED;
  json[0] = '{';
  size_t n = rest_json_quote(json, 1, cap, f->name, strlen(f->name));
  json[n++] = ':';
  bool repeated = f->label == CGRPC_LABEL_REPEATED;
  if (repeated) json[n++] = '[';
  if (raw) {
    memcpy(json + n, value.data, value.len);
    n += value.len;
  } else {
    n = rest_json_quote(json, n, cap, value.data, value.len);
  }
  if (repeated) json[n++] = ']';
  json[n++] = '}';
  cgrpc_json_options_t opts;
  rest_json_options(route->pool, 0, &opts);
  cgrpc_error_t jerr;
  cgrpc_status_code_t code = cgrpc_json_decode(json, n, msg, md->table, arena, &opts, &jerr);
  if (code == CGRPC_STATUS_INVALID_ARGUMENT)
    return fail(err, "%s \"%.*s\": %s", what, (int)key.len, key.data, jerr.message);
  return code;
}

/* Sets the field at dotted path `key` (proto or JSON names) in the request. */
static cgrpc_status_code_t set_path(void *msg, const cgrpc_msg_desc_t *md, cgrpc_str_t key,
                                    cgrpc_str_t value, bool query, bool ignore_unknown,
                                    const rest_route_t *route, cgrpc_arena_t *arena,
                                    cgrpc_error_t *err) {
  const char *what = query ? "query parameter" : "path variable";
  const char *p = key.data, *end = key.data + key.len;
  for (;;) {
    const char *dot = memchr(p, '.', (size_t)(end - p));
    size_t len = dot ? (size_t)(dot - p) : (size_t)(end - p);
    const cgrpc_field_desc_t *f = rest_field_named(md, p, len);
    if (!f && ignore_unknown) return CGRPC_STATUS_OK;
    if (!f)
      return fail(err, "%s \"%.*s\": %s has no field \"%.*s\"", what, (int)key.len, key.data,
                  md->full_name, (int)len, p);
    if (!dot) {
      if (f->is_map || (f->type == CGRPC_PB_MESSAGE && !rest_wkt_is_scalar(f->message)) ||
          f->type == CGRPC_PB_GROUP)
        return fail(err,
                    "%s \"%.*s\": %s is a map or message field, which a query parameter "
                    "cannot set; send it in the body",
                    what, (int)key.len, key.data, f->full_name);
      return set_leaf(msg, md, f, value, route, what, key, arena, err);
    }
    if (f->type != CGRPC_PB_MESSAGE || f->label == CGRPC_LABEL_REPEATED ||
        rest_wkt_is_scalar(f->message))
      return fail(err, "%s \"%.*s\": %s is not a singular message field", what, (int)key.len,
                  key.data, f->full_name);
    void *sub;
    cgrpc_status_code_t code = cgrpc_dyn_mutable_msg(msg, f, arena, &sub, err);
    if (code) return code;
    msg = sub;
    md = f->message;
    p = dot + 1;
  }
}

/* Query-string decoding: '+' is a space, %XX a byte. Returns the length or
 * (size_t)-1 for a bad escape. */
static size_t query_decode(const char *src, size_t len, char *dst) {
  size_t n = 0;
  for (size_t i = 0; i < len; i++) {
    if (src[i] == '+') {
      dst[n++] = ' ';
    } else if (src[i] == '%') {
      size_t got = rest_percent_decode(src + i, len - i < 3 ? len - i : 3, dst + n, false);
      if (got != 1) return (size_t)-1;
      n++;
      i += 2;
    } else {
      dst[n++] = src[i];
    }
  }
  return n;
}

static cgrpc_status_code_t apply_query(const rest_route_t *route, const char *query, size_t len,
                                       bool ignore_unknown, void *msg, cgrpc_arena_t *arena,
                                       cgrpc_error_t *err) {
  const char *p = query, *end = query + len;
  while (p < end) {
    const char *amp = memchr(p, '&', (size_t)(end - p));
    const char *stop = amp ? amp : end;
    if (stop > p) {
      const char *eq = memchr(p, '=', (size_t)(stop - p));
      const char *kend = eq ? eq : stop;
      char *buf = cgrpc_arena_alloc(arena, (size_t)(stop - p) + 1);
      if (!buf) return CGRPC_STATUS_RESOURCE_EXHAUSTED;
      size_t klen = query_decode(p, (size_t)(kend - p), buf), vlen = 0;
      if (klen != (size_t)-1 && eq)
        vlen = query_decode(eq + 1, (size_t)(stop - eq - 1), buf + klen);
      if (klen == (size_t)-1 || vlen == (size_t)-1)
        return fail(err, "query string: a '%%' must be followed by two hex digits");
      cgrpc_str_t key = {buf, klen}, value = {buf + klen, vlen};
      if (route->body_all)
        return fail(err,
                    "query parameter \"%.*s\": this method takes every field from the body "
                    "(body \"*\"); put it there",
                    (int)klen, buf);
      cgrpc_status_code_t code =
          set_path(msg, route->method->input, key, value, true, ignore_unknown, route, arena, err);
      if (code) return code;
    }
    p = stop + 1;
  }
  return CGRPC_STATUS_OK;
}

static bool blank(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n') return false;
  return true;
}

static cgrpc_status_code_t apply_body(const rest_route_t *route, const char *body, size_t len,
                                      bool ignore_unknown, void *msg, cgrpc_arena_t *arena,
                                      cgrpc_error_t *err) {
  if (!route->body_all && !route->body_field) {
    if (blank(body, len)) return CGRPC_STATUS_OK;
    return fail(err,
                "this method takes no request body (its google.api.http rule has no \"body\"); "
                "send the fields in the path and query string");
  }
  if (blank(body, len)) return CGRPC_STATUS_OK;
  cgrpc_json_options_t opts;
  rest_json_options(route->pool, ignore_unknown ? CGRPC_JSON_IGNORE_UNKNOWN : 0, &opts);
  cgrpc_error_t jerr;
  cgrpc_status_code_t code;
  const cgrpc_field_desc_t *f = route->body_field;
  if (route->body_all) {
    code = cgrpc_json_decode(body, len, msg, route->method->input->table, arena, &opts, &jerr);
  } else if (f->type == CGRPC_PB_MESSAGE && f->label != CGRPC_LABEL_REPEATED) {
    void *sub;
    if ((code = cgrpc_dyn_mutable_msg(msg, f, arena, &sub, err))) return code;
    code = cgrpc_json_decode(body, len, sub, f->message->table, arena, &opts, &jerr);
  } else {
    /* A scalar or repeated body field: {"field": body}. */
    size_t nlen = strlen(f->name);
    char *json = cgrpc_arena_alloc(arena, nlen + len + 8);
    if (!json) return CGRPC_STATUS_RESOURCE_EXHAUSTED;
    size_t n = 0;
    json[n++] = '{';
    n = rest_json_quote(json, n, nlen + len + 8, f->name, nlen);
    json[n++] = ':';
    memcpy(json + n, body, len);
    n += len;
    json[n++] = '}';
    code = cgrpc_json_decode(json, n, msg, route->method->input->table, arena, &opts, &jerr);
  }
  if (code == CGRPC_STATUS_INVALID_ARGUMENT) return fail(err, "request body: %s", jerr.message);
  return code;
}

cgrpc_status_code_t rest_request_build(const rest_route_t *route, const rest_binding_t *bindings,
                                       const char *query, size_t query_len, const char *body,
                                       size_t body_len, bool ignore_unknown, void *msg,
                                       cgrpc_arena_t *arena, cgrpc_error_t *err) {
  cgrpc_status_code_t code = apply_body(route, body, body_len, ignore_unknown, msg, arena, err);
  if (!code && query_len)
    code = apply_query(route, query, query_len, ignore_unknown, msg, arena, err);
  for (size_t i = 0; !code && i < route->rule->tpl.variable_count; i++)
    code = set_path(msg, route->method->input, bindings[i].field_path, bindings[i].value, false,
                    false, route, arena, err);
  return code;
}

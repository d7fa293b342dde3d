/* src/web/rest_router.c — building the REST routes from generated files and
 * finding the route of a request (rest_router.h). */
#include "web/rest_router.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static cgrpc_status_code_t fail(cgrpc_error_t *err, const char *fmt, ...) {
  if (err) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
  }
  return CGRPC_STATUS_INVALID_ARGUMENT;
}

cgrpc_status_code_t rest_router_init(rest_router_t *router, cgrpc_error_t *err) {
  memset(router, 0, sizeof *router);
  cgrpc_arena_init(&router->arena, NULL, 0);
  return cgrpc_pool_new(&router->pool, err);
}

void rest_router_free(rest_router_t *router) {
  if (!router) return;
  cgrpc_pool_free(router->pool);
  cgrpc_arena_free(&router->arena);
  memset(router, 0, sizeof *router);
}

/* Well-known types whose JSON form is a string or a scalar, so a path or
 * query value can set them. */
bool rest_wkt_is_scalar(const cgrpc_msg_desc_t *m) {
  static const char *const names[] = {
      "google.protobuf.Timestamp",   "google.protobuf.Duration",    "google.protobuf.FieldMask",
      "google.protobuf.StringValue", "google.protobuf.BytesValue",  "google.protobuf.Int32Value",
      "google.protobuf.Int64Value",  "google.protobuf.UInt32Value", "google.protobuf.UInt64Value",
      "google.protobuf.FloatValue",  "google.protobuf.DoubleValue", "google.protobuf.BoolValue"};
  for (size_t i = 0; i < sizeof names / sizeof *names; i++)
    if (strcmp(m->full_name, names[i]) == 0) return true;
  return false;
}

const cgrpc_field_desc_t *rest_field_named(const cgrpc_msg_desc_t *msg, const char *name,
                                           size_t len) {
  char buf[128];
  if (len >= sizeof buf) return NULL;
  memcpy(buf, name, len);
  buf[len] = '\0';
  const cgrpc_field_desc_t *f = cgrpc_msg_desc_field(msg, buf);
  return f ? f : cgrpc_msg_desc_field_by_json_name(msg, buf);
}

/* Resolves "a.b.c" from `msg`: every part but the last a singular message.
 * Returns the last field or NULL (and a sentence in why). */
const cgrpc_field_desc_t *rest_resolve_path(const cgrpc_msg_desc_t *msg, cgrpc_str_t path,
                                            char *why, size_t why_cap) {
  const char *p = path.data, *end = path.data + path.len;
  for (;;) {
    const char *dot = memchr(p, '.', (size_t)(end - p));
    size_t len = dot ? (size_t)(dot - p) : (size_t)(end - p);
    const cgrpc_field_desc_t *f = rest_field_named(msg, p, len);
    if (!f) {
      snprintf(why, why_cap, "%s has no field \"%.*s\"", msg->full_name, (int)len, p);
      return NULL;
    }
    if (!dot) return f;
    if (f->type != CGRPC_PB_MESSAGE || f->label == CGRPC_LABEL_REPEATED ||
        rest_wkt_is_scalar(f->message)) {
      snprintf(why, why_cap, "%s is not a singular message field", f->full_name);
      return NULL;
    }
    msg = f->message;
    p = dot + 1;
  }
}

static cgrpc_status_code_t add_route(rest_router_t *r, const rest_rule_t *rule,
                                     const cgrpc_method_desc_t *method, cgrpc_error_t *err) {
  rest_route_t route = {.rule = rule, .method = method, .pool = r->pool};
  char why[160];
  for (size_t v = 0; v < rule->tpl.variable_count; v++) {
    const cgrpc_field_desc_t *f =
        rest_resolve_path(method->input, rule->tpl.variables[v].field_path, why, sizeof why);
    if (!f) return fail(err, "%s: path \"%s\": %s", method->full_name, rule->tpl.text.data, why);
    if (f->label == CGRPC_LABEL_REPEATED ||
        (f->type == CGRPC_PB_MESSAGE && !rest_wkt_is_scalar(f->message)))
      return fail(err,
                  "%s: path \"%s\": %s is a repeated, map or message field; path variables "
                  "must name scalar fields",
                  method->full_name, rule->tpl.text.data, f->full_name);
  }
  if (rule->body.len == 1 && rule->body.data[0] == '*') {
    route.body_all = true;
  } else if (rule->body.len) {
    route.body_field = rest_field_named(method->input, rule->body.data, rule->body.len);
    if (!route.body_field)
      return fail(err, "%s: body \"%s\": %s has no such field", method->full_name, rule->body.data,
                  method->input->full_name);
  }
  if (rule->response_body.len) {
    route.response_field =
        rest_field_named(method->output, rule->response_body.data, rule->response_body.len);
    if (!route.response_field)
      return fail(err, "%s: response_body \"%s\": %s has no such field", method->full_name,
                  rule->response_body.data, method->output->full_name);
  }
  for (size_t i = 0; i < rule->tpl.segment_count; i++)
    route.literal_count += rule->tpl.segments[i].kind == REST_SEG_LITERAL;
  if (r->route_count == r->route_cap) {
    size_t cap = r->route_cap ? 2 * r->route_cap : 16;
    rest_route_t *grown = cgrpc_arena_realloc(&r->arena, r->routes, r->route_cap * sizeof *grown,
                                              cap * sizeof *grown);
    if (!grown) return CGRPC_STATUS_RESOURCE_EXHAUSTED;
    r->routes = grown;
    r->route_cap = cap;
  }
  r->routes[r->route_count++] = route;
  return CGRPC_STATUS_OK;
}

cgrpc_status_code_t rest_router_add_file(rest_router_t *r, const cgrpc_pb_file_t *file,
                                         cgrpc_error_t *err) {
  cgrpc_status_code_t code = cgrpc_pool_add_generated(r->pool, file, err);
  if (code) return code;
  rest_method_rules_t *methods;
  size_t count;
  if ((code = rest_rules_from_file(file->descriptor, file->descriptor_len, &r->arena, &methods,
                                   &count, err)))
    return code;
  for (size_t i = 0; i < count; i++) {
    const cgrpc_method_desc_t *md = cgrpc_pool_find_method(r->pool, methods[i].full_name);
    if (!md) return fail(err, "%s: not in the descriptor pool", methods[i].full_name);
    for (size_t k = 0; k < methods[i].rule_count; k++)
      if ((code = add_route(r, &methods[i].rules[k], md, err))) return code;
  }
  size_t need = r->method_count + count;
  if (need > r->method_cap) {
    size_t cap = need * 2;
    rest_method_rules_t *grown = cgrpc_arena_realloc(
        &r->arena, r->methods, r->method_cap * sizeof *grown, cap * sizeof *grown);
    if (!grown) return CGRPC_STATUS_RESOURCE_EXHAUSTED;
    r->methods = grown;
    r->method_cap = cap;
  }
  memcpy(r->methods + r->method_count, methods, count * sizeof *methods);
  r->method_count = need;
  return CGRPC_STATUS_OK;
}

/* "/pkg.Service/Method" names "pkg.Service.Method". */
static bool path_names(const char *path, const char *full_name) {
  if (*path++ != '/') return false;
  for (; *path && *full_name; path++, full_name++)
    if (*path != *full_name && !(*path == '/' && *full_name == '.')) return false;
  return !*path && !*full_name;
}

const rest_method_rules_t *rest_router_method(const rest_router_t *r, const char *path) {
  for (size_t i = 0; i < r->method_count; i++)
    if (path_names(path, r->methods[i].full_name)) return &r->methods[i];
  return NULL;
}

static bool better(const rest_route_t *a, const rest_route_t *b) {
  if (!b) return true;
  if ((a->rule->tpl.verb.len != 0) != (b->rule->tpl.verb.len != 0)) return a->rule->tpl.verb.len;
  return a->literal_count > b->literal_count;
}

rest_find_result_t rest_router_find(const rest_router_t *r, const char *http_method,
                                    const char *path, size_t path_len, cgrpc_arena_t *arena,
                                    const rest_route_t **route, rest_binding_t *bindings) {
  const rest_route_t *best = NULL, *head_get = NULL;
  bool other_method = false, bad = false;
  rest_binding_t scratch[REST_MAX_VARIABLES], head_bindings[REST_MAX_VARIABLES];
  bool head = strcmp(http_method, "HEAD") == 0;
  for (size_t i = 0; i < r->route_count; i++) {
    const rest_route_t *rt = &r->routes[i];
    bool same = strcmp(rt->rule->http_method, http_method) == 0;
    bool get_for_head = !same && head && strcmp(rt->rule->http_method, "GET") == 0;
    if (same && !better(rt, best)) continue;
    if (get_for_head && !better(rt, head_get)) continue;
    bool bad_escape = false;
    if (!rest_template_match(&rt->rule->tpl, path, path_len, arena, scratch, &bad_escape)) {
      bad |= bad_escape;
      continue;
    }
    size_t nbytes = rt->rule->tpl.variable_count * sizeof *scratch;
    if (same) {
      best = rt;
      memcpy(bindings, scratch, nbytes);
    } else if (get_for_head) {
      head_get = rt;
      memcpy(head_bindings, scratch, nbytes);
    } else {
      other_method = true;
    }
  }
  if (!best && head_get) {
    best = head_get;
    memcpy(bindings, head_bindings, head_get->rule->tpl.variable_count * sizeof *bindings);
  }
  *route = best;
  if (best) return REST_FOUND;
  if (other_method) return REST_METHOD_NOT_ALLOWED;
  return bad ? REST_BAD_PATH : REST_NOT_FOUND;
}

size_t rest_router_allowed(const rest_router_t *r, const char *path, size_t path_len,
                           cgrpc_arena_t *arena, char *buf, size_t cap) {
  size_t n = 0;
  rest_binding_t scratch[REST_MAX_VARIABLES];
  if (cap) buf[0] = '\0';
  for (size_t i = 0; i < r->route_count; i++) {
    const char *m = r->routes[i].rule->http_method;
    if (!rest_template_match(&r->routes[i].rule->tpl, path, path_len, arena, scratch, NULL))
      continue;
    bool seen = false; /* listed already? */
    for (size_t j = 0; j < i && !seen; j++)
      seen = strcmp(r->routes[j].rule->http_method, m) == 0 &&
             rest_template_match(&r->routes[j].rule->tpl, path, path_len, arena, scratch, NULL);
    if (seen) continue;
    int w = snprintf(buf + n, cap > n ? cap - n : 0, "%s%s", n ? ", " : "", m);
    if (w < 0 || (size_t)w >= cap - n) break;
    n += (size_t)w;
  }
  return n;
}

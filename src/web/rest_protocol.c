/* web/rest_protocol.c — REST/JSON transcoding on the seam of
 * web/protocol.h: requests that match a google.api.http rule of a file
 * given to cgrpc_server_serve_rest() become calls of its method.
 *
 * The request message is built from the path, the query string and the
 * body at the end of the request (rest_request_build), encoded and handed
 * to the call as one gRPC frame; the reply is printed as JSON. Unary calls
 * are BUFFERED, so an error gets its HTTP status (grpc-gateway's) and a
 * google.rpc.Status body. Server streaming sends one {"result": ...} line
 * per message and, for an error after the first, an {"error": ...} line, as
 * grpc-gateway does. A path no rule matches gets 404 and one that matches
 * with another verb 405, both with a google.rpc.Status body — unless the
 * path is under a static file route, which then answers. Metadata go out
 * as grpc-metadata-<key> headers (trailers: grpc-trailer-<key>). */
#include <stdio.h>
#include <string.h>

#include "cgrpc/pb.h"
#include "web/protocol.h"
#include "web/rest_router.h"

typedef struct rest_server {
  rest_router_t router;
  const cgrpc_web_server_t *web;
} rest_server_t;

typedef struct rest_state {
  const rest_route_t *route;
  rest_binding_t bindings[REST_MAX_VARIABLES];
  cgrpc_str_t query;
  bool head_request, stream;
  uint8_t *body;
  size_t body_len, body_cap;
} rest_state_t;

static bool is(cgrpc_str_t s, const char *lit) {
  return s.len == strlen(lit) && memcmp(s.data, lit, s.len) == 0;
}

static bool under_static_route(const cgrpc_web_server_t *web, cgrpc_str_t path) {
  for (size_t i = 0; i < web->static_dir_count; i++) {
    size_t n = strlen(web->static_dirs[i].prefix);
    if (path.len >= n && memcmp(path.data, web->static_dirs[i].prefix, n) == 0) return true;
    if (n > 1 && path.len == n - 1 && memcmp(path.data, web->static_dirs[i].prefix, n - 1) == 0)
      return true; /* "/app" for "/app/" */
  }
  return false;
}

static cgrpc_web_match_t respond_status(cgrpc_web_exchange_t *x, int http, cgrpc_status_code_t code,
                                        const char *message) {
  cgrpc_str_t json = rest_error_json(code, (cgrpc_str_t){message, strlen(message)}, NULL, x->arena);
  if (!json.data || !cgrpc_web_respond_text(x, http, "application/json", json.data, json.len))
    return CGRPC_WEB_NO;
  return CGRPC_WEB_RESPOND;
}

static cgrpc_web_match_t rest_match(cgrpc_web_exchange_t *x, void *server_state) {
  rest_server_t *srv = server_state;
  if (!srv || !srv->router.route_count) return CGRPC_WEB_NO;
  cgrpc_str_t path = x->req->path;
  const char *q = memchr(path.data, '?', path.len);
  size_t path_len = q ? (size_t)(q - path.data) : path.len;
  char method[16];
  if (x->req->method.len >= sizeof method) return CGRPC_WEB_NO;
  memcpy(method, x->req->method.data, x->req->method.len);
  method[x->req->method.len] = '\0';
  rest_state_t *st = cgrpc_arena_alloc(x->arena, sizeof *st);
  if (!st) return CGRPC_WEB_NO;
  memset(st, 0, sizeof *st);
  const rest_route_t *route;
  switch (
      rest_router_find(&srv->router, method, path.data, path_len, x->arena, &route, st->bindings)) {
    case REST_FOUND:
      break;
    case REST_METHOD_NOT_ALLOWED: {
      char allow[128];
      rest_router_allowed(&srv->router, path.data, path_len, x->arena, allow, sizeof allow);
      cgrpc_web_match_t m =
          respond_status(x, 405, CGRPC_STATUS_UNIMPLEMENTED,
                         "Method Not Allowed: this path takes other HTTP methods");
      if (m == CGRPC_WEB_RESPOND &&
          !cgrpc_web_head_add(x, &x->respond.head, "allow", (cgrpc_str_t){allow, strlen(allow)}))
        return CGRPC_WEB_NO;
      return m;
    }
    case REST_BAD_PATH:
      return respond_status(x, 400, CGRPC_STATUS_INVALID_ARGUMENT,
                            "the path holds a '%' that is not followed by two hex digits");
    case REST_NOT_FOUND:
    default:
      if (under_static_route(srv->web, (cgrpc_str_t){path.data, path_len})) return CGRPC_WEB_NO;
      if (srv->web->lookup(srv->web->ctx, path.data, path_len))
        return CGRPC_WEB_NO; /* a gRPC path */
      return respond_status(x, 404, CGRPC_STATUS_NOT_FOUND, "Not Found: no route for this path");
  }
  st->route = route;
  st->query = q ? (cgrpc_str_t){q + 1, path.len - path_len - 1} : (cgrpc_str_t){"", 0};
  st->head_request = is(x->req->method, "HEAD");
  st->stream = route->method->server_streaming;
  x->state = st;
  x->flags = st->stream ? 0 : CGRPC_WEB_BUFFERED;
  x->call_path = (cgrpc_str_t){route->method->path, strlen(route->method->path)};
  return CGRPC_WEB_CALL;
}

static cgrpc_status_code_t rest_on_method(cgrpc_web_exchange_t *x, cgrpc_error_t *err) {
  rest_state_t *st = x->state;
  if (x->method->client_streaming) {
    cgrpc_web_error(err,
                    "%s is a client-streaming method, which REST cannot carry: call it over "
                    "gRPC or Connect",
                    x->method->path);
    return CGRPC_STATUS_UNIMPLEMENTED;
  }
  if (x->method->input != st->route->method->input->table) {
    cgrpc_web_error(err,
                    "%s is registered with other message types than the file given to "
                    "cgrpc_server_serve_rest",
                    x->method->path);
    return CGRPC_STATUS_INTERNAL;
  }
  return CGRPC_STATUS_OK;
}

static cgrpc_status_code_t rest_request_body(cgrpc_web_exchange_t *x, const uint8_t *data,
                                             size_t len, bool end, cgrpc_web_buf_t *out,
                                             cgrpc_error_t *err) {
  rest_state_t *st = x->state;
  if (len) {
    if (st->body_len + len > x->max_request_bytes) {
      cgrpc_web_error(err, "the request body is larger than the limit of %zu bytes",
                      x->max_request_bytes);
      return CGRPC_STATUS_RESOURCE_EXHAUSTED;
    }
    if (st->body_cap - st->body_len < len) {
      size_t cap = st->body_cap ? st->body_cap * 2 : 1024;
      while (cap - st->body_len < len) cap *= 2;
      uint8_t *grown = cgrpc_arena_realloc(x->arena, st->body, st->body_cap, cap);
      if (!grown) {
        cgrpc_web_error(err, "out of memory for a request");
        return CGRPC_STATUS_RESOURCE_EXHAUSTED;
      }
      st->body = grown;
      st->body_cap = cap;
    }
    memcpy(st->body + st->body_len, data, len);
    st->body_len += len;
  }
  if (!end) return CGRPC_STATUS_OK;
  const rest_route_t *route = st->route;
  void *msg = cgrpc_pb_msg_new(route->method->input->table, x->arena);
  if (!msg) return CGRPC_STATUS_RESOURCE_EXHAUSTED;
  cgrpc_status_code_t code =
      rest_request_build(route, st->bindings, st->query.data, st->query.len, (const char *)st->body,
                         st->body_len, x->server->rest_ignore_unknown, msg, x->arena, err);
  if (code) return code;
  uint8_t *bytes;
  size_t blen;
  if (cgrpc_pb_encode(msg, route->method->input->table, x->arena, 0, &bytes, &blen, NULL) != 0 ||
      !cgrpc_web_buf_frame(out, 0, bytes, blen)) {
    cgrpc_web_error(err, "out of memory for a request");
    return CGRPC_STATUS_RESOURCE_EXHAUSTED;
  }
  return CGRPC_STATUS_OK;
}

static bool add_metadata(cgrpc_web_exchange_t *x, cgrpc_web_head_t *head,
                         const cgrpc_metadata_t *md, const char *prefix) {
  for (size_t i = 0; md && i < md->count; i++) {
    const cgrpc_metadata_entry_t *e = &md->entries[i];
    if (e->key.len >= 5 && memcmp(e->key.data, "grpc-", 5) == 0) continue;
    char name[256];
    int n = snprintf(name, sizeof name, "%s%.*s", prefix, (int)e->key.len, e->key.data);
    if (n < 0 || (size_t)n >= sizeof name) continue;
    if (!cgrpc_web_head_add(x, head, name, e->value)) return false;
  }
  return true;
}

static bool rest_head(cgrpc_web_exchange_t *x, const cgrpc_metadata_t *md, cgrpc_web_head_t *head) {
  head->content_type = (cgrpc_str_t){"application/json", 16};
  return add_metadata(x, head, md, "grpc-metadata-");
}

static bool rest_message(cgrpc_web_exchange_t *x, const uint8_t *payload, size_t len,
                         bool compressed, cgrpc_web_buf_t *out) {
  (void)compressed;
  rest_state_t *st = x->state;
  if (st->head_request) return true;
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  const rest_route_t *route = st->route;
  void *msg = cgrpc_pb_msg_new(route->method->output->table, &arena);
  cgrpc_str_t json;
  bool ok =
      msg &&
      cgrpc_pb_decode(payload, len, msg, route->method->output->table, &arena, 0, NULL) == 0 &&
      rest_response_json(route, msg, &arena, &json, NULL) == CGRPC_STATUS_OK;
  if (ok && st->stream)
    ok = cgrpc_web_buf_append(out, "{\"result\":", 10) &&
         cgrpc_web_buf_append(out, json.data, json.len) && cgrpc_web_buf_append(out, "}\n", 2);
  else if (ok)
    ok = cgrpc_web_buf_append(out, json.data, json.len);
  cgrpc_arena_free(&arena);
  return ok;
}

static bool rest_finish(cgrpc_web_exchange_t *x, cgrpc_status_code_t code, cgrpc_str_t message,
                        const cgrpc_metadata_t *trailers, const cgrpc_metadata_t *md,
                        cgrpc_web_head_t *head, cgrpc_web_buf_t *body, cgrpc_web_buf_t *out) {
  rest_state_t *st = x->state;
  cgrpc_str_t error = {0};
  if (code != CGRPC_STATUS_OK) {
    const char *details = NULL;
    for (size_t i = 0; trailers && i < trailers->count; i++)
      if (trailers->entries[i].key.len == 23 &&
          memcmp(trailers->entries[i].key.data, "grpc-status-details-bin", 23) == 0)
        details = rest_details_json(st->route->pool, trailers->entries[i].value.data,
                                    trailers->entries[i].value.len, x->arena);
    error = rest_error_json(code, message, details, x->arena);
    if (!error.data) return false;
  }
  if (!head) { /* a stream already under way: the error as its last line */
    if (code == CGRPC_STATUS_OK) return true;
    return cgrpc_web_buf_append(out, "{\"error\":", 9) &&
           cgrpc_web_buf_append(out, error.data, error.len) && cgrpc_web_buf_append(out, "}\n", 2);
  }
  if (!rest_head(x, md, head) || !add_metadata(x, head, trailers, "grpc-trailer-")) return false;
  if (code != CGRPC_STATUS_OK) {
    head->status = rest_http_status(code);
    if (body) body->len = 0;
    return st->head_request || cgrpc_web_buf_append(body ? body : out, error.data, error.len);
  }
  return true;
}

static cgrpc_status_code_t rest_server_start(const cgrpc_web_server_t *web, void **state,
                                             cgrpc_error_t *err) {
  rest_server_t *s = cgrpc_malloc(sizeof *s);
  if (!s) {
    cgrpc_web_error(err, "out of memory");
    return CGRPC_STATUS_RESOURCE_EXHAUSTED;
  }
  s->web = web;
  cgrpc_status_code_t code = rest_router_init(&s->router, err);
  *state = s;
  for (size_t i = 0; !code && i < web->rest_file_count; i++)
    code = rest_router_add_file(&s->router, web->rest_files[i], err);
  return code;
}

static void rest_server_stop(void *state) {
  rest_server_t *s = state;
  rest_router_free(&s->router);
  cgrpc_free(s);
}

const cgrpc_web_protocol_t cgrpc_web_rest_protocol = {
    .name = "rest",
    .match = rest_match,
    .on_method = rest_on_method,
    .request_body = rest_request_body,
    .response_head = rest_head,
    .response_message = rest_message,
    .finish = rest_finish,
    .server_start = rest_server_start,
    .server_stop = rest_server_stop,
};

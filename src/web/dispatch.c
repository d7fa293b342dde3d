/* web/dispatch.c — who answers a request that is not plain gRPC: CORS
 * first (preflights are answered here; the actual response's CORS headers
 * are decided here), then the server's protocols in order. See
 * web/protocol.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "h2/metadata.h"
#include "web/protocol.h"

static bool str_eq(cgrpc_str_t a, const char *b) {
  size_t n = strlen(b);
  return a.len == n && memcmp(a.data, b, n) == 0;
}

void cgrpc_web_error(cgrpc_error_t *err, const char *fmt, ...) {
  if (!err) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->message, sizeof err->message, fmt, ap);
  va_end(ap);
}

cgrpc_str_t cgrpc_web_header(const cgrpc_web_exchange_t *x, const char *name) {
  const cgrpc_metadata_t *md = x->req->headers;
  for (size_t i = 0; md && i < md->count; i++) {
    if (str_eq(md->entries[i].key, name)) return md->entries[i].value;
  }
  return (cgrpc_str_t){NULL, 0};
}

bool cgrpc_web_head_add(cgrpc_web_exchange_t *x, cgrpc_web_head_t *head, const char *name,
                        cgrpc_str_t value) {
  return cgrpc_h2_metadata_append_copy(&head->headers, x->arena, name, strlen(name), value.data,
                                       value.len);
}

bool cgrpc_web_respond_text(cgrpc_web_exchange_t *x, int status, const char *content_type,
                            const char *body, size_t len) {
  x->respond.head.status = status;
  x->respond.head.content_type = (cgrpc_str_t){content_type, strlen(content_type)};
  x->respond.head.headers = (cgrpc_metadata_t)CGRPC_METADATA_INIT;
  x->respond.body.len = 0;
  return cgrpc_web_buf_append(&x->respond.body, body, len);
}

static bool add_cors(cgrpc_web_exchange_t *x, const char *name, cgrpc_str_t value) {
  return cgrpc_h2_metadata_append_copy(&x->cors, x->arena, name, strlen(name), value.data,
                                       value.len);
}

/* Whether `origin` may call: 2 when listed exactly, 1 when only "*" lets
 * it, 0 when not. */
static int origin_allowed(const cgrpc_web_server_t *srv, cgrpc_str_t origin) {
  int any = 0;
  for (size_t i = 0; i < srv->cors_origin_count; i++) {
    const char *o = srv->cors_origins[i];
    if (str_eq(origin, o)) return 2;
    if (strcmp(o, "*") == 0) any = 1;
  }
  return any;
}

/* The headers a browser may send on calls: the protocols' own, and the
 * ones the preflight asks for (custom metadata is the application's
 * business; the origin check is what guards the server). */
static const char kAllowHeaders[] =
    "content-type,x-grpc-web,x-user-agent,grpc-timeout,grpc-encoding,grpc-accept-encoding,"
    "connect-protocol-version,connect-timeout-ms,connect-content-encoding,"
    "connect-accept-encoding,authorization";

static cgrpc_web_match_t preflight(cgrpc_web_exchange_t *x, cgrpc_str_t origin) {
  if (!origin.data || !origin_allowed(x->server, origin)) {
    static const char kNo[] = "CORS: this origin may not call this server\n";
    return cgrpc_web_respond_text(x, 403, "text/plain", kNo, sizeof kNo - 1) ? CGRPC_WEB_RESPOND
                                                                             : CGRPC_WEB_NO;
  }
  if (!cgrpc_web_respond_text(x, 204, "", "", 0)) return CGRPC_WEB_NO;
  cgrpc_web_head_t *h = &x->respond.head;
  cgrpc_str_t asked = cgrpc_web_header(x, "access-control-request-headers");
  char allow[1024];
  int n = snprintf(allow, sizeof allow, "%s%s%.*s", kAllowHeaders, asked.len ? "," : "",
                   (int)(asked.len > 512 ? 512 : asked.len), asked.data ? asked.data : "");
  bool ok = cgrpc_web_head_add(x, h, "access-control-allow-methods",
                               (cgrpc_str_t){"GET, POST, OPTIONS", 18}) &&
            cgrpc_web_head_add(x, h, "access-control-allow-headers",
                               (cgrpc_str_t){allow, n < 0 ? 0 : strlen(allow)}) &&
            cgrpc_web_head_add(x, h, "access-control-max-age", (cgrpc_str_t){"7200", 4});
  return ok ? CGRPC_WEB_RESPOND : CGRPC_WEB_NO;
}

cgrpc_web_match_t cgrpc_web_dispatch(const cgrpc_web_server_t *srv, cgrpc_web_exchange_t *x) {
  cgrpc_str_t origin = cgrpc_web_header(x, "origin");
  int allowed = origin.data ? origin_allowed(srv, origin) : 0;
  if (allowed == 2) {
    /* A listed origin is echoed, with credentials (cookies, HTTP auth)
     * allowed; Vary tells caches the answer depends on it. */
    if (!add_cors(x, "access-control-allow-origin", origin) ||
        !add_cors(x, "access-control-allow-credentials", (cgrpc_str_t){"true", 4}) ||
        !add_cors(x, "vary", (cgrpc_str_t){"Origin", 6})) {
      return CGRPC_WEB_NO;
    }
  } else if (allowed == 1 && !add_cors(x, "access-control-allow-origin", (cgrpc_str_t){"*", 1})) {
    /* "*": anyone, without credentials (browsers refuse them with "*"). */
    return CGRPC_WEB_NO;
  }
  if (str_eq(x->req->method, "OPTIONS") &&
      cgrpc_web_header(x, "access-control-request-method").data) {
    cgrpc_web_match_t m = preflight(x, origin);
    if (m == CGRPC_WEB_RESPOND) x->proto = NULL;
    return m;
  }
  for (size_t i = 0; i < srv->protocol_count; i++) {
    x->proto = srv->protocols[i];
    cgrpc_web_match_t m = x->proto->match(x, srv->protocol_state[i]);
    if (m != CGRPC_WEB_NO) return m;
    x->flags = 0;
    x->call_path = (cgrpc_str_t){NULL, 0};
  }
  x->proto = NULL;
  return CGRPC_WEB_NO;
}

/* rpc/server_web.c — a server's web side: which protocols it speaks next
 * to gRPC (web/protocol.h) and its CORS origins. (The HTTP/1.1 limits go to
 * the engine with the other options: h2/options.c.)
 *
 * Every server speaks gRPC-Web (and the protocols that join the list
 * below) unless an option turns it off; the list is fixed when the server
 * starts and shared read-only by its loops.
 */
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "rpc/server_internal.h"

static const cgrpc_pb_method_t *web_lookup(void *ctx, const char *path, size_t len) {
  const method_entry_t *e = cgrpc_server_lookup(ctx, path, len);
  return e ? e->method : NULL;
}

static void web_each_method(void *ctx, void (*fn)(void *arg, const cgrpc_pb_method_t *m),
                            void *arg) {
  const cgrpc_server_t *srv = ctx;
  for (size_t i = 0; i < srv->method_slots; i++) {
    if (srv->methods[i].method) fn(arg, srv->methods[i].method);
  }
}

/* "a, b,c" into its items, trimmed; empty items skipped. */
static bool split_origins(cgrpc_server_t *srv, const char *text) {
  size_t len = strlen(text), n = 1;
  for (size_t i = 0; i < len; i++) n += text[i] == ',';
  srv->cors_text = cgrpc_malloc(len + 1);
  srv->cors_list = cgrpc_malloc(n * sizeof *srv->cors_list);
  if (!srv->cors_text || !srv->cors_list) return false;
  memcpy(srv->cors_text, text, len + 1);
  size_t count = 0;
  char *p = srv->cors_text;
  for (;;) {
    char *comma = strchr(p, ',');
    if (comma) *comma = '\0';
    while (*p == ' ' || *p == '\t') p++;
    size_t k = strlen(p);
    while (k && (p[k - 1] == ' ' || p[k - 1] == '\t' || p[k - 1] == '/')) p[--k] = '\0';
    if (k) srv->cors_list[count++] = p;
    if (!comma) break;
    p = comma + 1;
  }
  srv->web.cors_origins = srv->cors_list;
  srv->web.cors_origin_count = count;
  return true;
}

bool cgrpc_server_web_init(cgrpc_server_t *srv, cgrpc_error_t *err) {
  (void)err;
  cgrpc_web_server_t *w = &srv->web;
  memset(w, 0, sizeof *w);
  w->lookup = web_lookup;
  w->each_method = web_each_method;
  w->ctx = srv;
  w->dispatch = cgrpc_web_dispatch;
  if (srv->opts.grpc_web) w->protocols[w->protocol_count++] = &cgrpc_web_grpc_web_protocol;
  const char *origins = srv->opts.cors_allowed_origins;
  srv->opts.cors_allowed_origins = NULL; /* the caller's string is not kept */
  if (origins && !split_origins(srv, origins)) return false;
  return true;
}

cgrpc_status_code_t cgrpc_server_web_start(cgrpc_server_t *srv, cgrpc_error_t *err) {
  cgrpc_web_server_t *w = &srv->web;
  for (size_t i = 0; i < w->protocol_count; i++) {
    const cgrpc_web_protocol_t *p = w->protocols[i];
    if (!p->server_start) continue;
    cgrpc_status_code_t code = p->server_start(w, &w->protocol_state[i], err);
    if (code != CGRPC_STATUS_OK) return code;
  }
  /* Nothing to offer and no CORS to answer: the engine keeps its old
   * answers (405/415) without asking. */
  srv->h2opts.web = w->protocol_count || w->cors_origin_count ? w : NULL;
  return CGRPC_STATUS_OK;
}

void cgrpc_server_web_free(cgrpc_server_t *srv) {
  cgrpc_web_server_t *w = &srv->web;
  for (size_t i = 0; i < w->protocol_count; i++) {
    if (w->protocols[i]->server_stop && w->protocol_state[i]) {
      w->protocols[i]->server_stop(w->protocol_state[i]);
    }
    w->protocol_state[i] = NULL;
  }
  cgrpc_free(srv->cors_text);
  cgrpc_free(srv->cors_list);
  srv->cors_text = NULL;
  srv->cors_list = NULL;
}

/* Fuzz target: REST requests into messages (src/web/rest_router.c,
 * rest_request.c, rest_response.c) on the Library schema of
 * tests/rest/proto/resttest/library.proto, and the static route's path
 * check (src/web/static_files.c).
 *
 * Input: an HTTP method, a newline, a path (with query string), a newline,
 * a body. The route is found, the request message built from path, query
 * and body, then printed back as JSON through the route's response rule
 * (the request and response types differ, so the request is re-encoded
 * into the output type only when they are the same table); nothing may
 * crash, leak or overread, and a built message always encodes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cgrpc/pb.h"
#include "resttest/library.pb.h"
#include "web/rest_router.h"
#include "web/static_files.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static rest_router_t router;
static int ready;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!ready) {
    if (rest_router_init(&router, NULL) ||
        rest_router_add_file(&router, &resttest_library_proto_file, NULL))
      abort();
    ready = 1;
  }
  const char *text = (const char *)data, *end = text + size;
  const char *nl1 = memchr(text, '\n', size);
  if (!nl1) return 0;
  const char *nl2 = memchr(nl1 + 1, '\n', (size_t)(end - nl1 - 1));
  if (!nl2) nl2 = end;
  char method[16];
  size_t mlen = (size_t)(nl1 - text);
  if (mlen >= sizeof method) return 0;
  memcpy(method, text, mlen);
  method[mlen] = '\0';
  const char *path = nl1 + 1;
  size_t plen = (size_t)(nl2 - path);
  const char *q = memchr(path, '?', plen);
  size_t path_only = q ? (size_t)(q - path) : plen;
  const char *body = nl2 < end ? nl2 + 1 : end;
  size_t blen = (size_t)(end - body);

  char rel[256];
  int n = static_relative_path(path, path_only, rel, sizeof rel);
  if (n >= 0 && (strstr(rel, "/../") || strncmp(rel, "../", 3) == 0 || strcmp(rel, "..") == 0 ||
                 (n >= 3 && strcmp(rel + n - 3, "/..") == 0)))
    abort(); /* a ".." segment got through */

  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  cgrpc_arena_set_limit(&arena, 16u << 20);
  const rest_route_t *route;
  rest_binding_t bindings[REST_MAX_VARIABLES];
  if (rest_router_find(&router, method, path, path_only, &arena, &route, bindings) == REST_FOUND) {
    void *msg = cgrpc_pb_msg_new(route->method->input->table, &arena);
    if (msg && rest_request_build(route, bindings, q ? q + 1 : "", q ? plen - path_only - 1 : 0,
                                  body, blen, size & 1, msg, &arena, NULL) == CGRPC_STATUS_OK) {
      uint8_t *bytes;
      size_t len;
      if (cgrpc_pb_encode(msg, route->method->input->table, &arena, 0, &bytes, &len, NULL) != 0)
        abort();
      if (route->method->input->table == route->method->output->table) {
        cgrpc_str_t json;
        rest_response_json(route, msg, &arena, &json, NULL);
      }
    }
  }
  char allow[64];
  rest_router_allowed(&router, path, path_only, &arena, allow, sizeof allow);
  cgrpc_arena_free(&arena);
  return 0;
}

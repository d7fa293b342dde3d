/* src/web/rest_router.h — REST/JSON transcoding: routes, request building,
 * responses (google.api.http, as grpc-gateway and Envoy's transcoder do it).
 *
 * A router is built once, before the server starts: for each generated file
 * added, it reads the google.api.http rules of its methods (rest_rule.h),
 * resolves every field path against the method's input and output messages
 * through a descriptor pool, and refuses rules that could never work (a path
 * variable naming a repeated, map or message field that is not a
 * well-known-type scalar, a body or response_body naming no field). After
 * that it is read-only and may be used by every loop thread at once.
 *
 * Per request (all memory from the call's arena, no locks):
 *   rest_router_find()        method + raw path -> route and path bindings
 *   rest_request_build()      bindings, query string, body -> request message
 *   rest_response_json()      response message -> JSON (or its response_body field)
 *   rest_error_json()         status -> google.rpc.Status JSON and HTTP status
 */
#ifndef CGRPC_WEB_REST_ROUTER_H
#define CGRPC_WEB_REST_ROUTER_H

#include "cgrpc/descriptor.h"
#include "web/rest_rule.h"

typedef struct rest_route {
  const rest_rule_t *rule;
  const cgrpc_method_desc_t *method;        /* in the router's pool */
  const cgrpc_field_desc_t *body_field;     /* body: "field"; NULL for none or "*" */
  bool body_all;                            /* body: "*" */
  const cgrpc_field_desc_t *response_field; /* response_body, or NULL */
  size_t literal_count;                     /* literal segments: more wins a tie */
  const cgrpc_pool_t *pool;                 /* resolves Any types in JSON */
} rest_route_t;

typedef struct rest_router {
  cgrpc_pool_t *pool; /* owned */
  cgrpc_arena_t arena;
  rest_route_t *routes;
  size_t route_count, route_cap;
  rest_method_rules_t *methods; /* every method of every file added (Connect GET needs them) */
  size_t method_count, method_cap;
} rest_router_t;

/* Initialises an empty router. RESOURCE_EXHAUSTED when memory runs out. */
cgrpc_status_code_t rest_router_init(rest_router_t *router, cgrpc_error_t *err);
void rest_router_free(rest_router_t *router);

/* Adds a generated file (and its imports) to the router's pool and its
 * methods' rules to the routes. Errors: INVALID_ARGUMENT naming the method
 * and rule for a rule that cannot work (see above), for a path template
 * that does not parse, or from the pool. */
cgrpc_status_code_t rest_router_add_file(rest_router_t *router, const cgrpc_pb_file_t *file,
                                         cgrpc_error_t *err);

/* The rules of a method by its path ("/pkg.Service/Method"), or NULL. */
const rest_method_rules_t *rest_router_method(const rest_router_t *router, const char *path);

typedef enum rest_find_result {
  REST_FOUND,
  REST_NOT_FOUND,          /* no template matches the path: 404 */
  REST_METHOD_NOT_ALLOWED, /* a template matches, with another HTTP method: 405 */
  REST_BAD_PATH,           /* a variable is not valid percent-encoding: 400 */
} rest_find_result_t;

/* Finds the route for an HTTP method and a raw path (query cut off).
 * Among matching routes one with a custom verb, then one with more literal
 * segments wins; then the first added. bindings[] needs room for
 * REST_MAX_VARIABLES; values go into `arena`. HEAD finds GET routes when no
 * HEAD route matches. */
#define REST_MAX_VARIABLES 32
rest_find_result_t rest_router_find(const rest_router_t *router, const char *http_method,
                                    const char *path, size_t path_len, cgrpc_arena_t *arena,
                                    const rest_route_t **route, rest_binding_t *bindings);

/* Writes the allowed methods of `path` ("GET, POST") into buf for a 405's
 * Allow header; returns the length. */
size_t rest_router_allowed(const rest_router_t *router, const char *path, size_t path_len,
                           cgrpc_arena_t *arena, char *buf, size_t cap);

/* Builds the request message `msg` (initialised, of route->method->input's
 * table): the body first (all of it for body "*", into the body field for
 * body "field"; none allowed otherwise), then the query string (for fields
 * not bound by the path; "a.b=1&tags=x&tags=y", proto or JSON field names,
 * enums by name or number, well-known types from their JSON strings), then
 * the path bindings. INVALID_ARGUMENT with a sentence such as
 * "query parameter \"page_sise\": no such field in resttest.ListBooksRequest"
 * for unknown fields, values that do not fit their field, JSON that does not
 * parse (unknown JSON fields and query parameters are errors unless
 * ignore_unknown, which skips them), a body where
 * the rule has none; RESOURCE_EXHAUSTED when the arena refuses. */
cgrpc_status_code_t rest_request_build(const rest_route_t *route, const rest_binding_t *bindings,
                                       const char *query, size_t query_len, const char *body,
                                       size_t body_len, bool ignore_unknown, void *msg,
                                       cgrpc_arena_t *arena, cgrpc_error_t *err);

/* Prints the response (of route->method->output's table), or its
 * response_body field, as JSON into *out (arena). Errors from cgrpc_json_encode. */
cgrpc_status_code_t rest_response_json(const rest_route_t *route, const void *msg,
                                       cgrpc_arena_t *arena, cgrpc_str_t *out, cgrpc_error_t *err);

/* The HTTP status grpc-gateway answers a gRPC status code with. */
int rest_http_status(cgrpc_status_code_t code);

/* {"code":5,"message":"...","details":[]}: google.rpc.Status as JSON, the
 * error body of grpc-gateway. `details_json` is a JSON array text or NULL
 * for []. Returns {NULL, 0} when the arena refuses. */
cgrpc_str_t rest_error_json(cgrpc_status_code_t code, cgrpc_str_t message, const char *details_json,
                            cgrpc_arena_t *arena);

/* The details of a serialized google.rpc.Status (a grpc-status-details-bin
 * value) as a JSON array of Any, {"@type": "type.googleapis.com/pkg.Msg",
 * ...fields}, for rest_error_json(); details of types `pool` does not know
 * are left out. NULL when it does not decode or the arena refuses. */
const char *rest_details_json(const cgrpc_pool_t *pool, const void *status, size_t len,
                              cgrpc_arena_t *arena);

/* Appends `s` as a JSON string (quotes included, escaped) to buf; returns the
 * new length, or (size_t)-1 when it does not fit in cap. */
size_t rest_json_quote(char *buf, size_t len, size_t cap, const char *s, size_t n);

/* Shared by the files of the router. */
bool rest_wkt_is_scalar(const cgrpc_msg_desc_t *m);
const cgrpc_field_desc_t *rest_field_named(const cgrpc_msg_desc_t *msg, const char *name,
                                           size_t len);
const cgrpc_field_desc_t *rest_resolve_path(const cgrpc_msg_desc_t *msg, cgrpc_str_t path,
                                            char *why, size_t why_cap);
/* JSON options for messages of the pool: Any types resolved in it. */
void rest_json_options(const cgrpc_pool_t *pool, uint32_t flags, cgrpc_json_options_t *opts);

#endif /* CGRPC_WEB_REST_ROUTER_H */

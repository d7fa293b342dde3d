/* REST transcoding without a server (src/web/rest_router.c, rest_request.c,
 * rest_response.c): routing, 404/405, request building from path, query
 * and body, responses and errors as JSON. */
#include "test.h"
#include "cgrpc/pb.h"
#include "resttest/library.pb.h"
#include "web/rest_router.h"

static rest_router_t router;
static cgrpc_arena_t arena;

#define CHECK_STR(s, want) CHECK_EQ_MEM((s).data, (s).len, want, strlen(want))

static const rest_route_t *route_of(const char *method, const char *path, rest_binding_t *b) {
  const rest_route_t *route = NULL;
  rest_find_result_t r = rest_router_find(&router, method, path, strlen(path), &arena, &route, b);
  if (r != REST_FOUND) TEST_FAIL_("%s %s: result %d", method, path, (int)r);
  return route;
}

/* Routes and builds the request; returns its status code, message in *msg. */
static cgrpc_status_code_t build(const char *method, const char *path, const char *query,
                                 const char *body, void **msg, cgrpc_error_t *err) {
  rest_binding_t b[REST_MAX_VARIABLES];
  const rest_route_t *route = route_of(method, path, b);
  if (!route) return CGRPC_STATUS_INTERNAL;
  *msg = cgrpc_pb_msg_new(route->method->input->table, &arena);
  return rest_request_build(route, b, query, strlen(query), body, strlen(body), false, *msg, &arena,
                            err);
}

static void test_routing(void) {
  rest_binding_t b[REST_MAX_VARIABLES];
  const rest_route_t *route = route_of("GET", "/v1/shelves/1/books/2", b);
  CHECK_EQ_STR(route->method->name, "GetBook");
  CHECK_STR(b[0].value, "shelves/1/books/2");
  CHECK_EQ_STR(route_of("GET", "/v1/books/abc", b)->method->name, "GetBook");
  CHECK_EQ_STR(route_of("GET", "/v1/shelves/1/books", b)->method->name, "ListBooks");
  CHECK_EQ_STR(route_of("POST", "/v1/shelves/1/books", b)->method->name, "CreateBook");
  CHECK_EQ_STR(route_of("GET", "/v1/shelves/1/books:stream", b)->method->name, "StreamBooks");
  CHECK_EQ_STR(route_of("PATCH", "/v1/shelves/1/books/2", b)->method->name, "UpdateBook");
  CHECK_EQ_STR(route_of("DELETE", "/v1/shelves/1/books/2", b)->method->name, "DeleteBook");
  CHECK_EQ_STR(route_of("POST", "/v1/shelves/1/books/2:cancel", b)->method->name, "CancelBook");
  CHECK_EQ_STR(route_of("GET", "/v1/shelves/1/books/2/author", b)->method->name, "GetAuthor");
  CHECK_EQ_STR(route_of("HEAD", "/files/a/b", b)->method->name, "GetFile");
  CHECK_EQ_STR(route_of("HEAD", "/v1/books/x", b)->method->name, "GetBook"); /* HEAD -> GET */
  /* A colon in the last segment without a verb in the template. */
  route = route_of("GET", "/v1/books/urn:isbn:1", b);
  CHECK_STR(b[0].value, "urn:isbn:1");

  const rest_route_t *none;
  CHECK_EQ_INT(rest_router_find(&router, "GET", "/v2/x", 5, &arena, &none, b), REST_NOT_FOUND);
  CHECK(none == NULL);
  CHECK_EQ_INT(rest_router_find(&router, "PUT", "/v1/shelves/1/books/2", 21, &arena, &none, b),
               REST_METHOD_NOT_ALLOWED);
  CHECK_EQ_INT(rest_router_find(&router, "POST", "/v1/books/x", 11, &arena, &none, b),
               REST_METHOD_NOT_ALLOWED);
  CHECK_EQ_INT(rest_router_find(&router, "GET", "/v1/books/%zz", 13, &arena, &none, b),
               REST_BAD_PATH);
  char allow[64];
  rest_router_allowed(&router, "/v1/shelves/1/books/2", 21, &arena, allow, sizeof allow);
  CHECK_EQ_STR(allow, "GET, PATCH, DELETE");
  CHECK(rest_router_method(&router, "/resttest.Library/GetBook") != NULL);
  CHECK(rest_router_method(&router, "/resttest.Library/GetBook")->no_side_effects);
  CHECK(rest_router_method(&router, "/resttest.Library/Nope") == NULL);
}

static void test_path_and_query(void) {
  void *msg;
  cgrpc_error_t err = {{0}};
  CHECK_EQ_INT(build("GET", "/v1/shelves/7/books",
                     "page_size=10&tags=a&tags=b%20c&genre=SCIENCE&author.name=Ann+Lee"
                     "&author.born=1970&since=2024-01-02T03:04:05Z&available=true",
                     "", &msg, &err),
               CGRPC_STATUS_OK);
  if (err.message[0]) fprintf(stderr, "%s\n", err.message);
  const resttest_ListBooksRequest *req = msg;
  CHECK_STR(req->parent, "shelves/7");
  CHECK_EQ_INT(req->page_size, 10);
  CHECK_EQ_INT(req->tags.count, 2);
  if (req->tags.count == 2) CHECK_STR(req->tags.data[1], "b c");
  CHECK_EQ_INT(req->genre, resttest_SCIENCE);
  CHECK(req->author && req->author->born == 1970);
  if (req->author) CHECK_STR(req->author->name, "Ann Lee");
  CHECK(req->since && req->since->seconds == 1704164645);
  CHECK(req->available);
  /* JSON names and enum numbers work too. */
  CHECK_EQ_INT(build("GET", "/v1/shelves/7/books", "pageSize=3&genre=1", "", &msg, &err),
               CGRPC_STATUS_OK);
  req = msg;
  CHECK_EQ_INT(req->page_size, 3);
  CHECK_EQ_INT(req->genre, resttest_FICTION);
  /* The path variable wins over the query. */
  CHECK_EQ_INT(build("GET", "/v1/shelves/7/books", "parent=shelves/9", "", &msg, &err),
               CGRPC_STATUS_OK);
  CHECK_STR(((resttest_ListBooksRequest *)msg)->parent, "shelves/7");
  /* One-segment variables are fully decoded, multi-segment ones keep %2F. */
  CHECK_EQ_INT(build("GET", "/v1/books/a%2Fb", "", "", &msg, &err), CGRPC_STATUS_OK);
  CHECK_STR(((resttest_GetBookRequest *)msg)->name, "a/b");
  CHECK_EQ_INT(build("GET", "/v1/shelves/1/books/a%2Fb", "", "", &msg, &err), CGRPC_STATUS_OK);
  CHECK_STR(((resttest_GetBookRequest *)msg)->name, "shelves/1/books/a%2Fb");
  CHECK_EQ_INT(build("GET", "/files/dir/a%20b.txt", "", "", &msg, &err), CGRPC_STATUS_OK);
  CHECK_STR(((resttest_FileRequest *)msg)->path, "dir/a b.txt");
}

static void expect_error(const char *method, const char *path, const char *query, const char *body,
                         const char *fragment) {
  void *msg;
  cgrpc_error_t err = {{0}};
  CHECK_EQ_INT(build(method, path, query, body, &msg, &err), CGRPC_STATUS_INVALID_ARGUMENT);
  if (!strstr(err.message, fragment))
    TEST_FAIL_("error \"%s\" lacks \"%s\"", err.message, fragment);
}

static void test_request_errors(void) {
  expect_error("GET", "/v1/shelves/7/books", "page_sise=1", "", "no field \"page_sise\"");
  expect_error("GET", "/v1/shelves/7/books", "page_size=ten", "", "query parameter \"page_size\"");
  expect_error("GET", "/v1/shelves/7/books", "page_size=99999999999", "", "page_size");
  expect_error("GET", "/v1/shelves/7/books", "genre=POETRY", "", "genre");
  /* A NUL in an enum name (fuzz_rest_request found the JSON parser reading past a shorter name). */
  expect_error("GET", "/v1/shelves/7/books", "genre=SCIENCE%00", "", "genre");
  expect_error("GET", "/v1/shelves/7/books", "genre=SCI%00NCE", "", "genre");
  expect_error("GET", "/v1/shelves/7/books", "since=yesterday", "", "since");
  expect_error("GET", "/v1/shelves/7/books", "available=yes", "", "available");
  expect_error("GET", "/v1/shelves/7/books", "author=x", "", "map or message field");
  expect_error("GET", "/v1/shelves/7/books", "parent.x=1", "", "not a singular message");
  expect_error("GET", "/v1/shelves/7/books", "tags=%zz", "", "two hex digits");
  expect_error("GET", "/v1/shelves/7/books", "", "{}", "takes no request body");
  expect_error("POST", "/v1/shelves/1/books", "", "{\"title\":\"x\",\"titel\":\"y\"}", "titel");
  expect_error("POST", "/v1/shelves/1/books", "", "{\"title\":", "request body");
  expect_error("PATCH", "/v1/shelves/1/books/2", "request_id=1", "{}", "body \"*\"");
}

static void test_bodies(void) {
  void *msg;
  cgrpc_error_t err = {{0}};
  /* body: "book" — the JSON is the Book; parent from the path; request_id from the query. */
  CHECK_EQ_INT(build("POST", "/v1/shelves/1/books", "request_id=r1",
                     "{\"title\":\"Dune\",\"pages\":\"412\",\"tags\":[\"sf\"],"
                     "\"published\":\"1965-08-01T00:00:00Z\",\"genre\":\"FICTION\"}",
                     &msg, &err),
               CGRPC_STATUS_OK);
  const resttest_CreateBookRequest *create = msg;
  CHECK_STR(create->parent, "shelves/1");
  CHECK_STR(create->request_id, "r1");
  CHECK(create->book != NULL);
  if (create->book) {
    CHECK_STR(create->book->title, "Dune");
    CHECK_EQ_INT(create->book->pages, 412);
    CHECK_EQ_INT(create->book->genre, resttest_FICTION);
  }
  /* body: "*" — the whole request; the path sets book.name over the body's. */
  CHECK_EQ_INT(build("PATCH", "/v1/shelves/1/books/2", "",
                     "{\"book\":{\"name\":\"other\",\"title\":\"T\"}}", &msg, &err),
               CGRPC_STATUS_OK);
  const resttest_UpdateBookRequest *update = msg;
  CHECK(update->book != NULL);
  if (update->book) {
    CHECK_STR(update->book->name, "shelves/1/books/2");
    CHECK_STR(update->book->title, "T");
  }
  /* Unknown JSON fields may be ignored when asked. */
  rest_binding_t b[REST_MAX_VARIABLES];
  const rest_route_t *route = route_of("POST", "/v1/shelves/1/books", b);
  msg = cgrpc_pb_msg_new(route->method->input->table, &arena);
  const char *body = "{\"title\":\"x\",\"extra\":1}";
  CHECK_EQ_INT(rest_request_build(route, b, "", 0, body, strlen(body), true, msg, &arena, &err),
               CGRPC_STATUS_OK);
  CHECK_STR(((resttest_CreateBookRequest *)msg)->book->title, "x");
  msg = cgrpc_pb_msg_new(route->method->input->table, &arena);
  CHECK_EQ_INT(
      rest_request_build(route, b, "nope=1&request_id=q", 19, "", 0, true, msg, &arena, &err),
      CGRPC_STATUS_OK);
  CHECK_STR(((resttest_CreateBookRequest *)msg)->request_id, "q");
}

static void test_responses(void) {
  rest_binding_t b[REST_MAX_VARIABLES];
  resttest_Book book = resttest_Book_INIT;
  resttest_Author author = {.name = {"Ann", 3}, .born = 1970};
  book.name = (cgrpc_str_t){"shelves/1/books/2", 17};
  book.author = &author;
  book.pages = 5;
  cgrpc_str_t out;
  cgrpc_error_t err;
  CHECK_EQ_INT(rest_response_json(route_of("GET", "/v1/books/x", b), &book, &arena, &out, &err),
               CGRPC_STATUS_OK);
  CHECK_STR(out,
            "{\"name\":\"shelves/1/books/2\",\"author\":{\"name\":\"Ann\",\"born\":1970},"
            "\"pages\":\"5\"}");
  /* response_body: "author", a message field */
  const rest_route_t *route = route_of("GET", "/v1/shelves/1/books/2/author", b);
  CHECK_EQ_INT(rest_response_json(route, &book, &arena, &out, &err), CGRPC_STATUS_OK);
  CHECK_STR(out, "{\"name\":\"Ann\",\"born\":1970}");
  resttest_Book empty = resttest_Book_INIT;
  CHECK_EQ_INT(rest_response_json(route, &empty, &arena, &out, &err), CGRPC_STATUS_OK);
  CHECK_STR(out, "{}");
  /* response_body: "title", a string; "tags", a repeated field */
  book.title = (cgrpc_str_t){"A \"B\", C", 8};
  route = route_of("GET", "/v1/shelves/1/books/2/title", b);
  CHECK_EQ_INT(rest_response_json(route, &book, &arena, &out, &err), CGRPC_STATUS_OK);
  CHECK_STR(out, "\"A \\\"B\\\", C\"");
  cgrpc_str_t tags[2] = {{"x,y", 3}, {"z}", 2}};
  book.tags.data = tags;
  book.tags.count = 2;
  route = route_of("GET", "/v1/shelves/1/books/2/tags", b);
  CHECK_EQ_INT(rest_response_json(route, &book, &arena, &out, &err), CGRPC_STATUS_OK);
  CHECK_STR(out, "[\"x,y\",\"z}\"]");
  CHECK_EQ_INT(rest_response_json(route, &empty, &arena, &out, &err), CGRPC_STATUS_OK);
  CHECK_STR(out, "[]");
}

static void test_status_mapping(void) {
  CHECK_EQ_INT(rest_http_status(CGRPC_STATUS_OK), 200);
  CHECK_EQ_INT(rest_http_status(CGRPC_STATUS_CANCELLED), 499);
  CHECK_EQ_INT(rest_http_status(CGRPC_STATUS_UNKNOWN), 500);
  CHECK_EQ_INT(rest_http_status(CGRPC_STATUS_INVALID_ARGUMENT), 400);
  CHECK_EQ_INT(rest_http_status(CGRPC_STATUS_DEADLINE_EXCEEDED), 504);
  CHECK_EQ_INT(rest_http_status(CGRPC_STATUS_NOT_FOUND), 404);
  CHECK_EQ_INT(rest_http_status(CGRPC_STATUS_ALREADY_EXISTS), 409);
  CHECK_EQ_INT(rest_http_status(CGRPC_STATUS_PERMISSION_DENIED), 403);
  CHECK_EQ_INT(rest_http_status(CGRPC_STATUS_RESOURCE_EXHAUSTED), 429);
  CHECK_EQ_INT(rest_http_status(CGRPC_STATUS_FAILED_PRECONDITION), 400);
  CHECK_EQ_INT(rest_http_status(CGRPC_STATUS_ABORTED), 409);
  CHECK_EQ_INT(rest_http_status(CGRPC_STATUS_OUT_OF_RANGE), 400);
  CHECK_EQ_INT(rest_http_status(CGRPC_STATUS_UNIMPLEMENTED), 501);
  CHECK_EQ_INT(rest_http_status(CGRPC_STATUS_INTERNAL), 500);
  CHECK_EQ_INT(rest_http_status(CGRPC_STATUS_UNAVAILABLE), 503);
  CHECK_EQ_INT(rest_http_status(CGRPC_STATUS_DATA_LOSS), 500);
  CHECK_EQ_INT(rest_http_status(CGRPC_STATUS_UNAUTHENTICATED), 401);
  cgrpc_str_t e =
      rest_error_json(CGRPC_STATUS_NOT_FOUND, (cgrpc_str_t){"no \"x\"\n", 7}, NULL, &arena);
  CHECK_STR(e, "{\"code\":5,\"message\":\"no \\\"x\\\"\\u000a\",\"details\":[]}");
}

static void test_error_details(void) {
  /* google.rpc.Status{code 9, details [Any(resttest.Author{"Ann", 1970}), Any(x.Unknown)]} */
  static const char status[] =
      "\x08\x09"
      "\x1a\x2f\x0a\x23type.googleapis.com/resttest.Author"
      "\x12\x08\x0a\x03\x41nn\x10\xb2\x0f"
      "\x1a\x1f\x0a\x1dtype.googleapis.com/x.Unknown";
  const char *details = rest_details_json(router.pool, status, sizeof status - 1, &arena);
  CHECK_EQ_STR(details,
               "[{\"@type\":\"type.googleapis.com/resttest.Author\",\"name\":\"Ann\","
               "\"born\":1970}]");
  CHECK_EQ_STR(rest_details_json(router.pool, "", 0, &arena), "[]");
  CHECK(rest_details_json(router.pool, "\x1a\x7f", 2, &arena) == NULL);
  cgrpc_str_t e =
      rest_error_json(CGRPC_STATUS_FAILED_PRECONDITION, (cgrpc_str_t){"m", 1}, details, &arena);
  CHECK_STR(e,
            "{\"code\":9,\"message\":\"m\",\"details\":[{\"@type\":\"type.googleapis.com/"
            "resttest.Author\",\"name\":\"Ann\",\"born\":1970}]}");
}

int main(void) {
  cgrpc_arena_init(&arena, NULL, 0);
  cgrpc_error_t err = {{0}};
  if (rest_router_init(&router, &err) ||
      rest_router_add_file(&router, &resttest_library_proto_file, &err)) {
    fprintf(stderr, "router: %s\n", err.message);
    return 1;
  }
  TEST_RUN(test_routing);
  TEST_RUN(test_path_and_query);
  TEST_RUN(test_request_errors);
  TEST_RUN(test_bodies);
  TEST_RUN(test_responses);
  TEST_RUN(test_status_mapping);
  TEST_RUN(test_error_details);
  rest_router_free(&router);
  cgrpc_arena_free(&arena);
  return TEST_DONE();
}

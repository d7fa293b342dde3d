/* A Library server (tests/rest/proto/resttest/library.proto) for the REST,
 * Connect and static-file tests: gRPC, gRPC-Web, Connect and REST on one
 * port. Usage: rest_server [static_dir]. Prints "port N" once listening
 * and serves until stdin closes.
 *
 * Handlers echo what they got, so the tests see how the request was built:
 * GetBook returns a Book named after the request (name "missing..." gives
 * NOT_FOUND, "details..." FAILED_PRECONDITION with an Author as detail,
 * "slow..." sleeps 0.5 s); ListBooks puts the request's fields into the first
 * book; StreamBooks sends page_size books, then fails when parent is
 * "shelves/error". */
#define _POSIX_C_SOURCE 200809L /* nanosleep */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cgrpc/cgrpc.h"
#include "resttest/library.pb.h"

static void get_book(cgrpc_server_call_t *call, const resttest_GetBookRequest *req, void *ud) {
  (void)ud;
  cgrpc_str_t n = req->name;
  if (n.len >= 7 && memcmp(n.data, "missing", 7) == 0) {
    cgrpc_server_call_finishf(call, CGRPC_STATUS_NOT_FOUND, "no book \"%.*s\"", CGRPC_STR_ARGS(n));
    return;
  }
  if (n.len >= 7 && memcmp(n.data, "details", 7) == 0) {
    resttest_Author who = {.name = {"Ann", 3}, .born = 1970};
    cgrpc_status_detail_t d[] = {{&resttest_Author_table, &who}};
    cgrpc_server_call_finish_with_details(call, CGRPC_STATUS_FAILED_PRECONDITION,
                                          "book is lent out", d, 1, NULL);
    return;
  }
  if (n.len >= 4 && memcmp(n.data, "slow", 4) == 0)
    nanosleep(&(struct timespec){0, 500 * 1000 * 1000}, NULL);
  cgrpc_metadata_t md = CGRPC_METADATA_INIT;
  cgrpc_metadata_add_str(&md, cgrpc_server_call_arena(call), "x-served-by", "cgrpc");
  cgrpc_server_call_send_initial_metadata(call, &md);
  resttest_Author author = {.name = {"Ann", 3}, .born = 1970};
  cgrpc_str_t tags[2] = {{"sf", 2}, {"classic", 7}};
  resttest_Book book = resttest_Book_INIT;
  book.name = n;
  book.title = cgrpc_server_call_printf(call, "Title of %.*s", CGRPC_STR_ARGS(n));
  book.author = &author;
  book.tags.data = tags;
  book.tags.count = 2;
  book.pages = 412;
  book.genre = resttest_FICTION;
  resttest_Library_GetBook_reply(call, &book);
}

static void list_books(cgrpc_server_call_t *call, const resttest_ListBooksRequest *req, void *ud) {
  (void)ud;
  resttest_Book book = resttest_Book_INIT;
  resttest_ListBooksResponse resp = resttest_ListBooksResponse_INIT;
  resttest_Book *books[1] = {&book};
  book.name = req->parent;
  book.tags.data = req->tags.data;
  book.tags.count = req->tags.count;
  book.genre = req->genre;
  book.author = req->author;
  book.published = req->since;
  book.pages = req->page_size;
  book.available = req->available;
  resp.books.data = books;
  resp.books.count = 1;
  resp.next_page_token = (cgrpc_str_t){"next", 4};
  resttest_Library_ListBooks_reply(call, &resp);
}

static void stream_books(cgrpc_server_call_t *call, const resttest_ListBooksRequest *req,
                         void *ud) {
  (void)ud;
  for (int i = 0; i < req->page_size; i++) {
    resttest_Book book = resttest_Book_INIT;
    book.name = cgrpc_server_call_printf(call, "%.*s/books/%d", CGRPC_STR_ARGS(req->parent), i);
    if (!resttest_Library_StreamBooks_write(call, &book, 0, NULL, NULL)) return;
  }
  if (req->parent.len == 13 && memcmp(req->parent.data, "shelves/error", 13) == 0) {
    cgrpc_server_call_finish(call, CGRPC_STATUS_UNAVAILABLE, "shelf on fire", NULL);
    return;
  }
  cgrpc_metadata_t tr = CGRPC_METADATA_INIT;
  cgrpc_metadata_add_str(&tr, cgrpc_server_call_arena(call), "x-count", "done");
  cgrpc_server_call_finish(call, CGRPC_STATUS_OK, NULL, &tr);
}

static void create_book(cgrpc_server_call_t *call, const resttest_CreateBookRequest *req,
                        void *ud) {
  (void)ud;
  resttest_Book book = resttest_Book_INIT;
  if (req->book) book = *req->book;
  book.name = cgrpc_server_call_printf(call, "%.*s/books/%.*s", CGRPC_STR_ARGS(req->parent),
                                       CGRPC_STR_ARGS(req->request_id));
  resttest_Library_CreateBook_reply(call, &book);
}

static void update_book(cgrpc_server_call_t *call, const resttest_UpdateBookRequest *req,
                        void *ud) {
  (void)ud;
  resttest_Book empty = resttest_Book_INIT;
  resttest_Library_UpdateBook_reply(call, req->book ? req->book : &empty);
}

static void delete_book(cgrpc_server_call_t *call, const resttest_DeleteBookRequest *req,
                        void *ud) {
  (void)ud;
  (void)req;
  resttest_Empty e = resttest_Empty_INIT;
  resttest_Library_DeleteBook_reply(call, &e);
}

static void cancel_book(cgrpc_server_call_t *call, const resttest_GetBookRequest *req, void *ud) {
  (void)ud;
  resttest_Book book = resttest_Book_INIT;
  book.name = req->name;
  book.title = (cgrpc_str_t){"cancelled", 9};
  resttest_Library_CancelBook_reply(call, &book);
}

static void get_file(cgrpc_server_call_t *call, const resttest_FileRequest *req, void *ud) {
  (void)ud;
  resttest_FileReply r = {.path = req->path};
  resttest_Library_GetFile_reply(call, &r);
}

static void echo(cgrpc_server_call_t *call, const resttest_FileRequest *req, void *ud) {
  (void)ud;
  resttest_FileReply r = {.path = req->path};
  resttest_Library_Echo_reply(call, &r);
}

int main(int argc, char **argv) {
  static const resttest_Library_handlers handlers = {
      .GetBook = get_book,
      .ListBooks = list_books,
      .StreamBooks = stream_books,
      .CreateBook = create_book,
      .UpdateBook = update_book,
      .DeleteBook = delete_book,
      .CancelBook = cancel_book,
      .GetAuthor = get_book,
      .GetTitle = get_book,
      .GetTags = get_book,
      .GetFile = get_file,
      .Echo = echo,
  };
  cgrpc_server_t *srv = NULL;
  cgrpc_error_t err;
  int port = 0;
  cgrpc_server_options_t opts;
  cgrpc_server_options_init(&opts);
  opts.cors_allowed_origins = "*";
  cgrpc_status_code_t code = cgrpc_server_new(&opts, &srv, &err);
  if (!code) code = cgrpc_server_listen(srv, "127.0.0.1:0", &port, &err);
  if (!code) code = resttest_Library_register(srv, &handlers, CGRPC_HANDLER_BLOCKING, &err);
  if (!code) code = cgrpc_server_serve_rest(srv, &resttest_library_proto_file, &err);
  if (!code && argc > 1) code = cgrpc_server_serve_directory(srv, "/static/", argv[1], &err);
  if (!code) code = cgrpc_server_start(srv, &err);
  if (code) {
    fprintf(stderr, "rest_server: %s\n", err.message);
    cgrpc_server_free(srv);
    return 1;
  }
  printf("port %d\n", port);
  fflush(stdout);
  char buf[64];
  while (read(0, buf, sizeof buf) > 0) {
  }
  cgrpc_server_shutdown(srv, CGRPC_NS_PER_SEC);
  cgrpc_server_free(srv);
  return 0;
}

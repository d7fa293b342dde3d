/* tests/unit/rpc/test_server_handlers.c — what a handler writes with, over
 * a real channel on loopback: printf into the call's arena (and running out
 * of it), printf-style finish, metadata read as C strings and numbers, and
 * the loud end of two mistakes: a blocking read or write in an INLINE
 * handler, and a BLOCKING handler that returns without ending its call
 * (unless it deferred it). */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#include "rpc_test_util.h"
#include "server_log_capture.h"

#define H_METHOD(name, cs, ss) \
  { #name, "/t.H/" #name, &test_Msg_table, &test_Msg_table, cs, ss }

static const cgrpc_pb_method_t h_methods[] = {
    H_METHOD(Printf, false, false),      H_METHOD(Finishf, false, false),
    H_METHOD(Meta, false, false),        H_METHOD(InlineRead, true, false),
    H_METHOD(InlineWrite, false, true),  H_METHOD(Forgot, false, false),
    H_METHOD(Deferred, false, false),    H_METHOD(QuitOnCancel, true, true),
    H_METHOD(InlineLater, false, false),
};
enum { PRINTF, FINISHF, META, INLINE_READ, INLINE_WRITE, FORGOT, DEFERRED, QUIT, INLINE_LATER };

/* ---- Handlers ------------------------------------------------------------------------ */

/* "Hello <text> #<num>"; num < 0 first caps the arena so the printf runs
 * out of memory. */
static void h_printf(cgrpc_server_call_t *call, const void *request, void *ud) {
  const test_Msg *req = request;
  static char huge[8192];
  if (req->num < 0) {
    memset(huge, 'h', sizeof huge - 1);
    cgrpc_arena_set_limit(cgrpc_server_call_arena(call), 1);
  }
  test_Msg resp = {.text = cgrpc_server_call_printf(call, "Hello %.*s #%d%s", (int)req->text.len,
                                                    req->text.data, req->num,
                                                    req->num < 0 ? huge : "")};
  resp.num = resp.text.data[resp.text.len] == '\0'; /* NUL-terminated */
  cgrpc_server_call_reply(call, &resp);
}

/* NOT_FOUND "no product <text> (<num>)"; num == 1: a 600-byte message. */
static void h_finishf(cgrpc_server_call_t *call, const void *request, void *ud) {
  const test_Msg *req = request;
  static char pad[601];
  memset(pad, 'p', 600);
  cgrpc_server_call_finishf(call, CGRPC_STATUS_NOT_FOUND, "no product %.*s (%d)%s",
                            (int)req->text.len, req->text.data, req->num, req->num == 1 ? pad : "");
}

/* x-name as a C string, x-count as a number; x-blob-bin checked for its
 * trailing NUL. */
static void h_meta(cgrpc_server_call_t *call, const void *request, void *ud) {
  const cgrpc_metadata_t *md = cgrpc_server_call_metadata(call);
  int64_t count = 0;
  cgrpc_status_code_t code = cgrpc_metadata_get_int(md, "x-count", &count);
  if (code != CGRPC_STATUS_OK) {
    cgrpc_server_call_finishf(call, code, "x-count: %s", cgrpc_status_code_name(code));
    return;
  }
  const char *name = cgrpc_metadata_get_cstr(md, "x-name");
  const cgrpc_str_t *blob = cgrpc_metadata_get(md, "x-blob-bin");
  test_Msg resp = {.text = cgrpc_str(name), .num = (int32_t)count * 10};
  if (blob && blob->len == 3 && blob->data[3] == '\0') resp.num += 1;
  cgrpc_server_call_reply(call, &resp);
}

static atomic_int g_inline_io = -1;

/* INLINE, client streaming: a read without a callback. */
static void h_inline_read(cgrpc_server_call_t *call, const void *request, void *ud) {
  test_Msg m;
  atomic_store(&g_inline_io,
               cgrpc_server_call_read(call, &m, cgrpc_server_call_arena(call), NULL, NULL));
  cgrpc_server_call_finish(call, CGRPC_STATUS_OK, NULL, NULL); /* too late: ignored */
}

/* INLINE, server streaming: a write without a callback. */
static void h_inline_write(cgrpc_server_call_t *call, const void *request, void *ud) {
  test_Msg m = {.num = 1};
  atomic_store(&g_inline_io, cgrpc_server_call_write(call, &m, 0, NULL, NULL));
  cgrpc_server_call_finish(call, CGRPC_STATUS_OK, NULL, NULL);
}

/* BLOCKING, and forgets to answer. */
static void h_forgot(cgrpc_server_call_t *call, const void *request, void *ud) {}

static void *reply_later(void *arg) {
  cgrpc_server_call_t *call = arg;
  test_sleep_ms(30);
  test_Msg resp = {.text = test_str("later")};
  cgrpc_server_call_reply(call, &resp);
  return NULL;
}

/* BLOCKING, answers from another thread after returning (deferred). */
static void h_deferred(cgrpc_server_call_t *call, const void *request, void *ud) {
  cgrpc_server_call_defer(call);
  pthread_t t;
  pthread_create(&t, NULL, reply_later, call);
  pthread_detach(t);
}

/* INLINE, answers from another thread: no defer needed. */
static void h_inline_later(cgrpc_server_call_t *call, const void *request, void *ud) {
  pthread_t t;
  pthread_create(&t, NULL, reply_later, call);
  pthread_detach(t);
}

static atomic_int g_quit_returned;

/* BLOCKING bidi: reads until the end; a cancelled call is simply left. */
static void h_quit_on_cancel(cgrpc_server_call_t *call, const void *request, void *ud) {
  test_Msg m;
  while (cgrpc_server_call_read(call, &m, cgrpc_server_call_arena(call), NULL, NULL)) {
  }
  if (!cgrpc_server_call_cancelled(call)) {
    cgrpc_server_call_finish(call, CGRPC_STATUS_OK, NULL, NULL);
  }
  atomic_store(&g_quit_returned, 1);
}

/* ---- Fixture -------------------------------------------------------------------------- */

typedef struct fixture {
  cgrpc_server_t *srv;
  cgrpc_channel_t *ch;
  log_capture_t log;
} fixture_t;

static void fixture_start(fixture_t *f) {
  static const cgrpc_server_handler_fn handlers[] = {
      h_printf, h_finishf,  h_meta,           h_inline_read, h_inline_write,
      h_forgot, h_deferred, h_quit_on_cancel, h_inline_later};
  cgrpc_error_t err;
  int port = 0;
  log_capture_start(&f->log);
  CHECK_EQ_INT(cgrpc_server_new(NULL, &f->srv, &err), CGRPC_STATUS_OK);
  CHECK_EQ_INT(cgrpc_server_listen(f->srv, "127.0.0.1:0", &port, &err), CGRPC_STATUS_OK);
  for (size_t i = 0; i < sizeof handlers / sizeof handlers[0]; i++) {
    bool inline_mode = i == INLINE_READ || i == INLINE_WRITE || i == INLINE_LATER;
    CHECK_EQ_INT(
        cgrpc_server_register(f->srv, &h_methods[i], handlers[i], NULL,
                              inline_mode ? CGRPC_HANDLER_INLINE : CGRPC_HANDLER_BLOCKING, &err),
        CGRPC_STATUS_OK);
  }
  CHECK_EQ_INT(cgrpc_server_start(f->srv, &err), CGRPC_STATUS_OK);
  char target[64];
  snprintf(target, sizeof target, "127.0.0.1:%d", port);
  CHECK_EQ_INT(cgrpc_channel_new(target, NULL, &f->ch, &err), CGRPC_STATUS_OK);
}

static void fixture_stop(fixture_t *f) {
  cgrpc_channel_free(f->ch);
  cgrpc_server_free(f->srv);
  log_capture_stop(&f->log);
}

/* A unary call; the status message is copied to `message` (may be NULL). */
static cgrpc_status_code_t unary(fixture_t *f, int method, const test_Msg *req, test_Msg *resp,
                                 cgrpc_arena_t *arena, const cgrpc_call_options_t *opts,
                                 char *message, size_t size) {
  cgrpc_status_t st;
  cgrpc_status_code_t code = cgrpc_unary(f->ch, &h_methods[method], req, resp, arena, opts, &st);
  if (message) snprintf(message, size, "%.*s", (int)st.message.len, st.message.data);
  return code;
}

/* ---- Tests ----------------------------------------------------------------------------- */

static void test_printf_into_the_call_arena(void) {
  fixture_t f;
  fixture_start(&f);
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  test_Msg req = {.text = test_str("world"), .num = 7}, resp;
  CHECK_EQ_INT(unary(&f, PRINTF, &req, &resp, &arena, NULL, NULL, 0), CGRPC_STATUS_OK);
  CHECK(test_str_is(resp.text, "Hello world #7"));
  CHECK_EQ_INT(resp.num, 1);
  cgrpc_arena_free(&arena);
  fixture_stop(&f);
}

/* Out of memory: no reply is sent, the call ends RESOURCE_EXHAUSTED; the
 * next call (which may reuse the same call object) is not affected. */
static void test_printf_out_of_memory_ends_resource_exhausted(void) {
  fixture_t f;
  fixture_start(&f);
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  test_Msg req = {.text = test_str("world"), .num = -1}, resp;
  char message[256];
  CHECK_EQ_INT(unary(&f, PRINTF, &req, &resp, &arena, NULL, message, sizeof message),
               CGRPC_STATUS_RESOURCE_EXHAUSTED);
  CHECK_EQ_STR(message, "out of memory formatting a string in the handler");
  req.num = 3;
  CHECK_EQ_INT(unary(&f, PRINTF, &req, &resp, &arena, NULL, NULL, 0), CGRPC_STATUS_OK);
  CHECK(test_str_is(resp.text, "Hello world #3"));
  cgrpc_arena_free(&arena);
  fixture_stop(&f);
}

static void test_finishf_formats_the_status_message(void) {
  fixture_t f;
  fixture_start(&f);
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  test_Msg req = {.text = test_str("sku-9"), .num = 2}, resp;
  char message[1024];
  CHECK_EQ_INT(unary(&f, FINISHF, &req, &resp, &arena, NULL, message, sizeof message),
               CGRPC_STATUS_NOT_FOUND);
  CHECK_EQ_STR(message, "no product sku-9 (2)");
  /* Longer than the stack buffer: whole, from the arena. */
  req.num = 1;
  CHECK_EQ_INT(unary(&f, FINISHF, &req, &resp, &arena, NULL, message, sizeof message),
               CGRPC_STATUS_NOT_FOUND);
  CHECK_EQ_UINT(strlen(message), strlen("no product sku-9 (1)") + 600);
  CHECK(strncmp(message, "no product sku-9 (1)ppp", 23) == 0);
  cgrpc_arena_free(&arena);
  fixture_stop(&f);
}

static cgrpc_status_code_t call_meta(fixture_t *f, const char *count, test_Msg *resp,
                                     cgrpc_arena_t *arena, char *message, size_t size) {
  cgrpc_metadata_t md = CGRPC_METADATA_INIT;
  if (count) CHECK(cgrpc_metadata_add_str(&md, arena, "x-count", count));
  CHECK(cgrpc_metadata_add_str(&md, arena, "x-name", "ada"));
  CHECK(cgrpc_metadata_add(&md, arena, "x-blob-bin", "\1\0\2", 3));
  cgrpc_call_options_t opts = {.metadata = &md};
  test_Msg req = {.num = 0};
  return unary(f, META, &req, resp, arena, &opts, message, size);
}

/* Received metadata: text and binary values NUL-terminated, numbers read in
 * one call, and the documented codes for a missing or malformed number. */
static void test_metadata_lookups_on_received_metadata(void) {
  fixture_t f;
  fixture_start(&f);
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  test_Msg resp;
  char message[256];
  CHECK_EQ_INT(call_meta(&f, "42", &resp, &arena, NULL, 0), CGRPC_STATUS_OK);
  CHECK(test_str_is(resp.text, "ada"));
  CHECK_EQ_INT(resp.num, 421);
  CHECK_EQ_INT(call_meta(&f, "4x2", &resp, &arena, message, sizeof message),
               CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK_EQ_STR(message, "x-count: INVALID_ARGUMENT");
  CHECK_EQ_INT(call_meta(&f, NULL, &resp, &arena, message, sizeof message), CGRPC_STATUS_NOT_FOUND);
  cgrpc_arena_free(&arena);
  fixture_stop(&f);
}

/* A blocking read (client streaming) and a blocking write (server
 * streaming) in INLINE handlers: false at once, an ERROR naming the method
 * and the fix, and INTERNAL for the client; the handler's own finish after
 * that changes nothing. */
static void inline_blocking_op(fixture_t *f, int method, const char *op) {
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  atomic_store(&g_inline_io, -1);
  cgrpc_call_t *call = cgrpc_call_start(f->ch, &h_methods[method], NULL);
  test_Msg m = {.num = 5};
  cgrpc_call_send(call, &m, 0, NULL, NULL);
  cgrpc_call_half_close(call);
  while (cgrpc_call_recv(call, &m, &arena, NULL, NULL)) {
  }
  cgrpc_status_t st;
  CHECK_EQ_INT(cgrpc_call_finish(call, &arena, &st), CGRPC_STATUS_INTERNAL);
  char want[128];
  snprintf(want, sizeof want, "server error: a blocking %s on the event loop in the handler of %s",
           op, h_methods[method].path);
  CHECK(test_str_is(st.message, want));
  CHECK_EQ_INT(atomic_load(&g_inline_io), 0);
  snprintf(want, sizeof want, "ERROR: cgrpc_server_call_%s() without a callback in %s", op,
           h_methods[method].path);
  CHECK(log_capture_has(&f->log, want));
  CHECK(log_capture_has(&f->log, "Register the method CGRPC_HANDLER_BLOCKING, or pass a done"));
  cgrpc_arena_free(&arena);
}

static void test_blocking_read_or_write_in_an_inline_handler_is_loud(void) {
  fixture_t f;
  fixture_start(&f);
  inline_blocking_op(&f, INLINE_READ, "read");
  inline_blocking_op(&f, INLINE_WRITE, "write");
  CHECK_EQ_INT(log_capture_count(&f.log), 2);
  fixture_stop(&f);
}

static void test_blocking_handler_returning_without_finishing_ends_internal(void) {
  fixture_t f;
  fixture_start(&f);
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  test_Msg req = {.num = 1}, resp;
  char message[256];
  for (int i = 0; i < 3; i++) {
    CHECK_EQ_INT(unary(&f, FORGOT, &req, &resp, &arena, NULL, message, sizeof message),
                 CGRPC_STATUS_INTERNAL);
    CHECK_EQ_STR(message, "handler for /t.H/Forgot returned without finishing the call");
  }
  CHECK_EQ_INT(log_capture_count(&f.log), 3);
  CHECK(log_capture_has(&f.log, "ERROR: the handler for /t.H/Forgot returned without finishing"));
  CHECK(log_capture_has(&f.log, "cgrpc_server_call_defer()"));
  cgrpc_arena_free(&arena);
  fixture_stop(&f);
}

/* Deferred BLOCKING handlers and INLINE handlers answer after returning,
 * without a word in the log. */
static void test_deferred_and_inline_handlers_may_finish_later(void) {
  fixture_t f;
  fixture_start(&f);
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  test_Msg req = {.num = 1}, resp;
  for (int i = 0; i < 3; i++) {
    CHECK_EQ_INT(unary(&f, DEFERRED, &req, &resp, &arena, NULL, NULL, 0), CGRPC_STATUS_OK);
    CHECK(test_str_is(resp.text, "later"));
    CHECK_EQ_INT(unary(&f, INLINE_LATER, &req, &resp, &arena, NULL, NULL, 0), CGRPC_STATUS_OK);
    CHECK(test_str_is(resp.text, "later"));
  }
  CHECK_EQ_INT(log_capture_count(&f.log), 0);
  cgrpc_arena_free(&arena);
  fixture_stop(&f);
}

/* A handler may leave a cancelled call: nothing logged, nothing leaked (the
 * server frees cleanly, which the sanitizer build checks). */
static void test_handler_may_return_from_a_cancelled_call(void) {
  fixture_t f;
  fixture_start(&f);
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  atomic_store(&g_quit_returned, 0);
  cgrpc_call_t *call = cgrpc_call_start(f.ch, &h_methods[QUIT], NULL);
  test_Msg m = {.num = 1};
  CHECK(cgrpc_call_send(call, &m, 0, NULL, NULL));
  test_sleep_ms(20);
  cgrpc_call_cancel(call);
  CHECK_EQ_INT(cgrpc_call_finish(call, &arena, NULL), CGRPC_STATUS_CANCELLED);
  for (int i = 0; i < 400 && !atomic_load(&g_quit_returned); i++) test_sleep_ms(5);
  CHECK_EQ_INT(atomic_load(&g_quit_returned), 1);
  test_sleep_ms(20);
  CHECK_EQ_INT(log_capture_count(&f.log), 0);
  cgrpc_arena_free(&arena);
  fixture_stop(&f);
}

int main(void) {
  TEST_RUN(test_printf_into_the_call_arena);
  TEST_RUN(test_printf_out_of_memory_ends_resource_exhausted);
  TEST_RUN(test_finishf_formats_the_status_message);
  TEST_RUN(test_metadata_lookups_on_received_metadata);
  TEST_RUN(test_blocking_read_or_write_in_an_inline_handler_is_loud);
  TEST_RUN(test_blocking_handler_returning_without_finishing_ends_internal);
  TEST_RUN(test_deferred_and_inline_handlers_may_finish_later);
  TEST_RUN(test_handler_may_return_from_a_cancelled_call);
  return TEST_DONE();
}

/* tests/unit/rpc/test_server_posts.c — what a BLOCKING handler hands to the
 * loop while its own thread has no memory: the end of the call must still
 * arrive (the client gets a status, not its deadline), and an operation that
 * cannot be carried ends the call instead of being dropped.
 *
 * The allocator fails every allocation made on a thread that raised its
 * thread-local flag, so the handler alone runs out; the loops, the client
 * and the rest of the process keep working.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdatomic.h>
#include <stdio.h>

#include "cgrpc/alloc.h"
#include "rpc_test_util.h"

static _Thread_local bool g_fail_here;
static atomic_int g_failed;

static void *fail_malloc(void *ctx, size_t size) {
  if (g_fail_here) {
    atomic_fetch_add(&g_failed, 1);
    return NULL;
  }
  return malloc(size);
}

static void *fail_realloc(void *ctx, void *p, size_t size) {
  if (g_fail_here) {
    atomic_fetch_add(&g_failed, 1);
    return NULL;
  }
  return realloc(p, size);
}

static void fail_free(void *ctx, void *p) { free(p); }

/* Replies with no memory at all: encoding the response fails, so does the
 * copy of the status message, and so would a heap copy of the operation. */
static void h_reply_starved(cgrpc_server_call_t *call, const void *request, void *ud) {
  const test_Msg *req = request;
  test_Msg resp = {.text = req->text, .num = req->num + 1};
  g_fail_here = true;
  cgrpc_server_call_reply(call, &resp);
  g_fail_here = false;
}

/* What the handler saw: 0 not yet, 1 not cancelled, 2 cancelled. */
static atomic_int g_saw_cancelled;

/* The initial metadata cannot be copied for the loop: the call ends, and
 * the handler sees it cancelled at once. Its reply still ends it as usual. */
static void h_headers_starved(cgrpc_server_call_t *call, const void *request, void *ud) {
  cgrpc_arena_t *arena = cgrpc_server_call_arena(call);
  cgrpc_metadata_t md = CGRPC_METADATA_INIT;
  CHECK(cgrpc_metadata_add_str(&md, arena, "x-name", "ada"));
  g_fail_here = true;
  cgrpc_server_call_send_initial_metadata(call, &md);
  g_fail_here = false;
  atomic_store(&g_saw_cancelled, cgrpc_server_call_cancelled(call) ? 2 : 1);
  test_Msg resp = {.num = 1};
  cgrpc_server_call_reply(call, &resp);
}

typedef test_pair_t fixture_t;

static void fixture_start(fixture_t *f) {
  const test_route_t routes[] = {
      {&test_methods[M_UNARY], h_reply_starved, CGRPC_HANDLER_BLOCKING},
      {&test_methods[M_ECHO], h_headers_starved, CGRPC_HANDLER_BLOCKING}};
  test_pair_start(f, routes, sizeof routes / sizeof routes[0]);
}

/* One call with a deadline far beyond what the test should take: the
 * status must come from the server, not from the deadline. */
static cgrpc_status_code_t call(fixture_t *f, int method, char *message, size_t size) {
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  cgrpc_call_options_t opts = {.timeout_ns = 20 * CGRPC_NS_PER_SEC};
  test_Msg req = {.text = test_str("hi"), .num = 1}, resp;
  cgrpc_status_t st;
  cgrpc_status_code_t code =
      cgrpc_unary(f->ch, &test_methods[method], &req, &resp, &arena, &opts, &st);
  snprintf(message, size, "%.*s", (int)st.message.len, st.message.data ? st.message.data : "");
  cgrpc_arena_free(&arena);
  return code;
}

static void test_a_starved_reply_still_ends_the_call(void) {
  fixture_t f;
  fixture_start(&f);
  char message[256];
  atomic_store(&g_failed, 0);
  for (int i = 0; i < 3; i++) {
    CHECK_EQ_INT(call(&f, M_UNARY, message, sizeof message), CGRPC_STATUS_RESOURCE_EXHAUSTED);
    CHECK(strstr(message, "out of memory") != NULL);
  }
  CHECK(atomic_load(&g_failed) > 0);
  test_pair_stop(&f);
}

static void test_an_operation_that_cannot_be_carried_ends_the_call(void) {
  fixture_t f;
  fixture_start(&f);
  char message[256];
  atomic_store(&g_saw_cancelled, 0);
  CHECK_EQ_INT(call(&f, M_ECHO, message, sizeof message), CGRPC_STATUS_RESOURCE_EXHAUSTED);
  CHECK(strstr(message, "out of memory carrying an operation") != NULL);
  /* The client may have its status before the handler goes on. */
  for (int i = 0; i < 5000 && atomic_load(&g_saw_cancelled) == 0; i++) test_sleep_ms(1);
  CHECK_EQ_INT(atomic_load(&g_saw_cancelled), 2);
  test_pair_stop(&f);
}

int main(void) {
  static const cgrpc_allocator_t failing = {fail_malloc, fail_realloc, fail_free, NULL};
  cgrpc_set_allocator(&failing);
  TEST_RUN(test_a_starved_reply_still_ends_the_call);
  TEST_RUN(test_an_operation_that_cannot_be_carried_ends_the_call);
  return TEST_DONE();
}

/* tests/unit/rpc/test_interceptor_allocs.c — a server with an interceptor
 * installed still makes no heap allocation per unary call: the chain's
 * per-call state lives in the call object, a replacement message in a stack
 * arena, metadata an interceptor adds in the call's arena.
 *
 * As tests/unit/rpc/test_server_allocs.c: a counting allocator sees every
 * allocation, those on the server's loop thread (the inline handler names
 * it) are counted, and after a warm-up the measured calls must add none. */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "cgrpc/alloc.h"
#include "interceptor_test_util.h"

static pthread_t g_loop_thread;
static atomic_bool g_loop_known;
static atomic_size_t g_loop_allocs;
static atomic_size_t g_ends;

static void note(void) {
  if (atomic_load(&g_loop_known) && pthread_equal(pthread_self(), g_loop_thread)) {
    atomic_fetch_add(&g_loop_allocs, 1);
  }
}
static void *count_malloc(void *ctx, size_t size) {
  (void)ctx;
  void *p = malloc(size);
  if (p) note();
  return p;
}
static void *count_realloc(void *ctx, void *p, size_t size) {
  (void)ctx;
  void *q = realloc(p, size);
  if (q) note();
  return q;
}
static void count_free(void *ctx, void *p) {
  (void)ctx;
  free(p);
}

/* Every hook, each doing a little: a metadata entry, a look at the
 * message, a replacement response, a count at the end. */
static cgrpc_status_code_t a_start(cgrpc_interceptor_call_t *call, cgrpc_metadata_t *md,
                                   cgrpc_arena_t *arena, void *ud, cgrpc_error_t *err) {
  (void)call, (void)ud, (void)err;
  return cgrpc_metadata_add_str(md, arena, "x-seen", "1") ? CGRPC_STATUS_OK
                                                          : CGRPC_STATUS_RESOURCE_EXHAUSTED;
}
static cgrpc_status_code_t a_receive(cgrpc_interceptor_call_t *call, void *msg,
                                     cgrpc_arena_t *arena, void *ud, cgrpc_error_t *err) {
  (void)call, (void)arena, (void)ud, (void)err;
  return ((test_Msg *)msg)->num >= 0 ? CGRPC_STATUS_OK : CGRPC_STATUS_INVALID_ARGUMENT;
}
static cgrpc_status_code_t a_send(cgrpc_interceptor_call_t *call, const void **msg,
                                  cgrpc_arena_t *arena, void *ud, cgrpc_error_t *err) {
  (void)call, (void)ud, (void)err;
  test_Msg *copy = cgrpc_arena_alloc(arena, sizeof *copy);
  if (!copy) return CGRPC_STATUS_RESOURCE_EXHAUSTED;
  *copy = *(const test_Msg *)*msg;
  *msg = copy;
  return CGRPC_STATUS_OK;
}
static void a_end(cgrpc_interceptor_call_t *call, const cgrpc_call_summary_t *s, void *ud) {
  (void)call, (void)s, (void)ud;
  atomic_fetch_add(&g_ends, 1);
}
static const cgrpc_interceptor_t busy = {"busy", a_start, a_receive, a_send, a_end};

static void h_echo(cgrpc_server_call_t *call, const void *request, void *ud) {
  (void)ud;
  if (!atomic_load(&g_loop_known)) {
    g_loop_thread = pthread_self();
    atomic_store(&g_loop_known, true);
  }
  const test_Msg *req = request;
  bool seen = cgrpc_metadata_get_cstr(cgrpc_server_call_metadata(call), "x-seen") != NULL;
  test_Msg resp = {.text = req->text, .num = req->num + (seen ? 1 : 0)};
  cgrpc_server_call_reply(call, &resp);
}

static void call_once(test_pair_t *p, int num) {
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  test_Msg req = {.text = test_str("steady"), .num = num}, resp;
  CHECK_EQ_INT(cgrpc_unary(p->ch, &test_methods[M_INLINE], &req, &resp, &arena, NULL, NULL),
               CGRPC_STATUS_OK);
  CHECK_EQ_INT(resp.num, num + 1);
  cgrpc_arena_free(&arena);
}

static void measure(const icept_reg_t *ic, size_t n) {
  const test_route_t routes[] = {{&test_methods[M_INLINE], h_echo, CGRPC_HANDLER_INLINE}};
  test_pair_t p;
  atomic_store(&g_loop_known, false);
  icept_pair_start(&p, routes, 1, ic, n, NULL, 0);
  for (int i = 0; i < 1000; i++) call_once(&p, i);
  CHECK(atomic_load(&g_loop_known));
  /* A few windows, as in test_server_allocs.c: a loaded machine may show a
   * pool miss after the warm-up, a per-call allocation shows in each. */
  size_t server = SIZE_MAX;
  for (int window = 0; window < 5 && server != 0; window++) {
    size_t before = atomic_load(&g_loop_allocs);
    for (int i = 0; i < 500; i++) call_once(&p, i);
    server = atomic_load(&g_loop_allocs) - before;
    CHECK(server < 50);
  }
  CHECK_EQ_UINT(server, 0);
  test_pair_stop(&p);
}

static void test_one_interceptor_allocates_nothing(void) {
  const icept_reg_t ic[] = {{&busy, NULL}};
  atomic_store(&g_ends, 0);
  measure(ic, 1);
  CHECK(atomic_load(&g_ends) >= 1500);
}

/* The logging interceptor at the default level (WARNING: OK calls are not
 * logged) after the busy one. */
static void test_logging_interceptor_allocates_nothing(void) {
  const icept_reg_t ic[] = {{&busy, NULL}, {cgrpc_logging_interceptor(), NULL}};
  measure(ic, 2);
}

int main(void) {
  static const cgrpc_allocator_t counting = {count_malloc, count_realloc, count_free, NULL};
  cgrpc_set_allocator(&counting);
  TEST_RUN(test_one_interceptor_allocates_nothing);
  TEST_RUN(test_logging_interceptor_allocates_nothing);
  return TEST_DONE();
}

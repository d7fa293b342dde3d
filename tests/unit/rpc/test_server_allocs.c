/* tests/unit/rpc/test_server_allocs.c — a server in a steady state makes no
 * heap allocation per call: not cgrpc, and not nghttp2, whose memory goes
 * through cgrpc's allocator too.
 *
 * The counting allocator is installed before anything else, so it sees every
 * allocation of the process; it counts those made on the server's loop
 * thread, which the inline handler identifies (the client's calls run on the
 * test thread and the channel's own loop). After a warm-up on the same
 * connection, the calls measured must add nothing to that count: one by
 * one, and 32 at a time with metadata.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#include "cgrpc/alloc.h"
#include "rpc_test_util.h"

static pthread_t g_loop_thread;
static atomic_bool g_loop_known;
static atomic_size_t g_loop_allocs, g_allocs, g_loop_largest;

static void note(size_t size) {
  atomic_fetch_add(&g_allocs, 1);
  if (atomic_load(&g_loop_known) && pthread_equal(pthread_self(), g_loop_thread)) {
    atomic_fetch_add(&g_loop_allocs, 1);
    if (size > atomic_load(&g_loop_largest)) atomic_store(&g_loop_largest, size);
  }
}

static void *count_malloc(void *ctx, size_t size) {
  void *p = malloc(size);
  if (p) note(size);
  return p;
}

static void *count_realloc(void *ctx, void *p, size_t size) {
  void *q = realloc(p, size);
  if (q) note(size);
  return q;
}

static void count_free(void *ctx, void *p) { free(p); }

/* Echo, inline on the loop: the fast path whose cost is being checked. */
static void h_echo(cgrpc_server_call_t *call, const void *request, void *ud) {
  if (!atomic_load(&g_loop_known)) {
    g_loop_thread = pthread_self();
    atomic_store(&g_loop_known, true);
  }
  const test_Msg *req = request;
  test_Msg resp = {.text = req->text, .num = req->num + 1, .blob = req->blob};
  cgrpc_server_call_reply(call, &resp);
}

typedef test_pair_t fixture_t;

static void fixture_start(fixture_t *f) {
  const test_route_t routes[] = {{&test_methods[M_INLINE], h_echo, CGRPC_HANDLER_INLINE}};
  test_pair_start(f, routes, sizeof routes / sizeof routes[0]);
}

/* One blocking call; checks the echo. */
static void call_once(fixture_t *f, int num) {
  char blob[100];
  memset(blob, num & 0xff, sizeof blob);
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  test_Msg req = {.text = test_str("steady"), .num = num, .blob = {blob, sizeof blob}}, resp;
  CHECK_EQ_INT(cgrpc_unary(f->ch, &test_methods[M_INLINE], &req, &resp, &arena, NULL, NULL),
               CGRPC_STATUS_OK);
  CHECK_EQ_INT(resp.num, num + 1);
  CHECK(resp.blob.len == sizeof blob && memcmp(resp.blob.data, blob, sizeof blob) == 0);
  cgrpc_arena_free(&arena);
}

/* ---- A batch of calls in flight at once ---------------------------------------------------- */

#define BATCH 32
#define WARM_UP 1000

typedef struct batch {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int left, ok;
} batch_t;

typedef struct slot {
  batch_t *batch;
  cgrpc_arena_t arena;
  test_Msg req, resp;
} slot_t;

static void slot_done(void *user_data, const cgrpc_status_t *status) {
  slot_t *s = user_data;
  bool echoed = status->code == CGRPC_STATUS_OK && s->resp.num == s->req.num + 1 &&
                test_str_is(s->resp.text, "batch");
  pthread_mutex_lock(&s->batch->mu);
  s->batch->ok += echoed;
  if (--s->batch->left == 0) pthread_cond_signal(&s->batch->cv);
  pthread_mutex_unlock(&s->batch->mu);
}

/* BATCH calls at once, each with metadata, and with a deadline when
 * `deadline` (grpc-timeout then differs from call to call); true when all
 * echoed. */
static bool call_batch(fixture_t *f, int round, bool deadline) {
  static slot_t slots[BATCH];
  batch_t b = {.left = BATCH};
  pthread_mutex_init(&b.mu, NULL);
  pthread_cond_init(&b.cv, NULL);
  cgrpc_metadata_t md = CGRPC_METADATA_INIT;
  cgrpc_arena_t md_arena;
  cgrpc_arena_init(&md_arena, NULL, 0);
  cgrpc_metadata_add_str(&md, &md_arena, "x-tenant", "steady");
  cgrpc_call_options_t opts = {.timeout_ns = deadline ? 10 * CGRPC_NS_PER_SEC : 0, .metadata = &md};
  for (int i = 0; i < BATCH; i++) {
    slot_t *s = &slots[i];
    s->batch = &b;
    cgrpc_arena_init(&s->arena, NULL, 0);
    s->req = (test_Msg){.text = test_str("batch"), .num = round * BATCH + i};
    cgrpc_unary_async(f->ch, &test_methods[M_INLINE], &s->req, &s->resp, &s->arena, &opts,
                      slot_done, s);
  }
  pthread_mutex_lock(&b.mu);
  while (b.left > 0) pthread_cond_wait(&b.cv, &b.mu);
  pthread_mutex_unlock(&b.mu);
  for (int i = 0; i < BATCH; i++) cgrpc_arena_free(&slots[i].arena);
  cgrpc_arena_free(&md_arena);
  pthread_cond_destroy(&b.cv);
  pthread_mutex_destroy(&b.mu);
  return b.ok == BATCH;
}

/* ---- Tests ------------------------------------------------------------------------------ */

/* Calls whose headers repeat (HPACK sends them all as table indices). */
static void test_unary_calls_allocate_nothing_on_the_server(void) {
  fixture_t f;
  atomic_store(&g_loop_known, false);
  fixture_start(&f);
  for (int i = 0; i < WARM_UP; i++) call_once(&f, i);
  for (int r = 0; r < WARM_UP / BATCH; r++) CHECK(call_batch(&f, r, false));
  CHECK(atomic_load(&g_loop_known));

  /* Steady state: a window of 1140 calls that allocates nothing. On a loaded
   * machine the concurrency of a batch can still reach a new peak after the
   * warm-up (a pool or cache miss or two), so up to five windows are
   * measured; a per-call allocation would show in every one of them, and no
   * window may come near one allocation per ten calls. */
  size_t server = SIZE_MAX, all = 0;
  for (int window = 0; window < 5 && server != 0; window++) {
    size_t before = atomic_load(&g_loop_allocs), all_before = atomic_load(&g_allocs);
    for (int i = 0; i < 500; i++) call_once(&f, i);
    for (int r = 0; r < 20; r++) CHECK(call_batch(&f, r, false));
    server = atomic_load(&g_loop_allocs) - before;
    all += atomic_load(&g_allocs) - all_before;
    if (server != 0)
      fprintf(stderr, "  window %d: server loop allocations over 1140 calls: %zu\n", window,
              server);
    CHECK(server < 114);
  }
  CHECK_EQ_UINT(server, 0);
  /* The counter works: the client side allocates for its calls. */
  CHECK(all > 0);
  test_pair_stop(&f);
}

/* With deadlines every request carries a new grpc-timeout value, which
 * HPACK adds to its table, evicting an old one. Those blocks are recycled
 * too, but the mix of sizes in the table wanders, and a size class misses
 * whenever its demand reaches a new peak. The peaks are bounded (the table
 * holds 4 KiB, a few calls are in flight), so misses die out; well before
 * that they are a small fraction of the ten or so blocks each call would
 * otherwise take from the heap. */
static void test_deadline_calls_allocate_almost_nothing(void) {
  fixture_t f;
  atomic_store(&g_loop_known, false);
  fixture_start(&f);
  int rounds = 2 * WARM_UP / BATCH;
  for (int r = 0; r < rounds; r++) CHECK(call_batch(&f, r, true));
  size_t before = atomic_load(&g_loop_allocs);
  for (int r = 0; r < rounds; r++) CHECK(call_batch(&f, r, true));
  size_t server = atomic_load(&g_loop_allocs) - before;
  if (server * 10 >= (size_t)(rounds * BATCH)) fprintf(stderr, "  allocations: %zu\n", server);
  CHECK(server * 10 < (size_t)(rounds * BATCH));
  test_pair_stop(&f);
}

/* A new connection does allocate on the loop, nghttp2's session included
 * (its 16 KiB frame buffer, larger than anything cgrpc takes per
 * connection): the count is real, and nghttp2 is in it. */
static void test_a_new_connection_is_counted(void) {
  fixture_t f;
  atomic_store(&g_loop_known, false);
  fixture_start(&f);
  call_once(&f, 1);
  CHECK(atomic_load(&g_loop_known));
  size_t before = atomic_load(&g_loop_allocs);
  atomic_store(&g_loop_largest, 0);
  cgrpc_channel_free(f.ch);
  cgrpc_error_t err;
  CHECK_EQ_INT(cgrpc_channel_new(f.target, NULL, &f.ch, &err), CGRPC_STATUS_OK);
  call_once(&f, 2);
  CHECK(atomic_load(&g_loop_allocs) > before);
  CHECK(atomic_load(&g_loop_largest) >= 16384);
  test_pair_stop(&f);
}

int main(void) {
  static const cgrpc_allocator_t counting = {count_malloc, count_realloc, count_free, NULL};
  cgrpc_set_allocator(&counting);
  TEST_RUN(test_unary_calls_allocate_nothing_on_the_server);
  TEST_RUN(test_deadline_calls_allocate_almost_nothing);
  TEST_RUN(test_a_new_connection_is_counted);
  return TEST_DONE();
}

/* tests/unit/rpc/test_call_contracts.c — what cgrpc/call.h and
 * cgrpc/channel.h promise, on the paths where memory runs out.
 *
 * The allocator hook fails the Nth allocation made by the test's own thread
 * (the one calling the API), for every N along an operation until it runs
 * without a failure, SQLite-style: the channel's loop thread and the
 * server allocate normally, so each run fails exactly the allocation
 * chosen. Every run must end the way the header says: a call object (never
 * NULL), `done` exactly once, on the loop thread, a status that says what
 * happened, and nothing leaked (the ASan build checks that) or hung.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#include "cgrpc/alloc.h"
#include "rpc_test_util.h"

/* ---- An allocator that fails on request ------------------------------------------------ */

static _Thread_local long t_countdown; /* the allocation to fail; 0: none */
static _Thread_local bool t_fail_rest; /* and every later one */
static _Thread_local bool t_fired;

static bool should_fail(void) {
  if (t_countdown <= 0) return false;
  if (--t_countdown > 0) return false;
  t_fired = true;
  if (t_fail_rest) t_countdown = 1;
  return true;
}

static void *f_malloc(void *ctx, size_t size) { return should_fail() ? NULL : malloc(size); }

static void *f_realloc(void *ctx, void *p, size_t size) {
  return should_fail() ? NULL : realloc(p, size);
}

static void f_free(void *ctx, void *p) { free(p); }

/* Fails this thread's `n`th allocation from now (and all after it with
 * `rest`). */
static void arm(long n, bool rest) {
  t_countdown = n;
  t_fail_rest = rest;
  t_fired = false;
}

/* Stops failing; true when a failure was injected. */
static bool disarm(void) {
  t_countdown = 0;
  t_fail_rest = false;
  return t_fired;
}

/* ---- Server: unary echo, and a callback-style bidi echo --------------------------------- */

static void h_unary(cgrpc_server_call_t *call, const void *request, void *ud) {
  const test_Msg *req = request;
  test_Msg resp = {.text = req->text, .num = req->num + 1};
  cgrpc_server_call_reply(call, &resp);
}

typedef struct echo_state {
  cgrpc_server_call_t *call;
  cgrpc_arena_t arena;
  test_Msg m;
} echo_state_t;

static void echo_read_done(void *ud, bool ok);

static void echo_end(echo_state_t *st, cgrpc_status_code_t code) {
  cgrpc_arena_free(&st->arena);
  cgrpc_server_call_finish(st->call, code, "", NULL);
  free(st);
}

static void echo_write_done(void *ud, bool ok) {
  echo_state_t *st = ud;
  if (!ok || !cgrpc_server_call_read(st->call, &st->m, &st->arena, echo_read_done, st)) {
    echo_end(st, CGRPC_STATUS_ABORTED);
  }
}

static void echo_read_done(void *ud, bool ok) {
  echo_state_t *st = ud;
  if (!ok) {
    echo_end(st, CGRPC_STATUS_OK);
    return;
  }
  st->m.num++;
  cgrpc_server_call_write(st->call, &st->m, 0, echo_write_done, st);
}

static void h_bidi(cgrpc_server_call_t *call, const void *request, void *ud) {
  echo_state_t *st = calloc(1, sizeof *st);
  st->call = call;
  cgrpc_arena_init(&st->arena, NULL, 0);
  cgrpc_server_call_read(call, &st->m, &st->arena, echo_read_done, st);
}

typedef struct fixture {
  cgrpc_server_t *srv;
  char target[64];
} fixture_t;

static fixture_t g_fx;

static void server_start(void) {
  cgrpc_error_t err;
  int port = 0;
  cgrpc_server_options_t so = CGRPC_SERVER_OPTIONS_INIT;
  so.loop_threads = 1;
  CHECK_EQ_INT(cgrpc_server_new(&so, &g_fx.srv, &err), CGRPC_STATUS_OK);
  CHECK_EQ_INT(cgrpc_server_listen(g_fx.srv, "127.0.0.1:0", &port, &err), CGRPC_STATUS_OK);
  cgrpc_server_register(g_fx.srv, &test_methods[M_UNARY], h_unary, NULL, CGRPC_HANDLER_INLINE,
                        NULL);
  cgrpc_server_register(g_fx.srv, &test_methods[M_BIDI], h_bidi, NULL, CGRPC_HANDLER_INLINE, NULL);
  CHECK_EQ_INT(cgrpc_server_start(g_fx.srv, &err), CGRPC_STATUS_OK);
  snprintf(g_fx.target, sizeof g_fx.target, "ipv4:127.0.0.1:%d", port);
}

static cgrpc_channel_t *channel_new(void) {
  cgrpc_channel_t *ch = NULL;
  CHECK_EQ_INT(cgrpc_channel_new(g_fx.target, NULL, &ch, NULL), CGRPC_STATUS_OK);
  return ch;
}

/* ---- Callbacks that count ------------------------------------------------------------- */

typedef struct outcome {
  atomic_int runs;
  atomic_bool on_caller; /* ran on the thread that started the operation */
  pthread_t caller;
  cgrpc_status_code_t code;
  char message[128];
} outcome_t;

static void outcome_init(outcome_t *o) {
  memset(o, 0, sizeof *o);
  o->caller = pthread_self();
}

static void on_status(void *ud, const cgrpc_status_t *st) {
  outcome_t *o = ud;
  o->code = st->code;
  snprintf(o->message, sizeof o->message, "%.*s", (int)st->message.len, st->message.data);
  if (pthread_equal(pthread_self(), o->caller)) atomic_store(&o->on_caller, true);
  atomic_fetch_add(&o->runs, 1);
}

static void on_done_count(void *ud, bool ok) { atomic_fetch_add((atomic_int *)ud, 1); }

/* Waits up to 10 s for `done` to have run once. */
static bool wait_runs(outcome_t *o) {
  for (int i = 0; i < 10000 && atomic_load(&o->runs) == 0; i++) test_sleep_ms(1);
  return atomic_load(&o->runs) > 0;
}

/* A bidi exchange of one message; returns the call's code. */
static cgrpc_status_code_t exchange(cgrpc_call_t *call, cgrpc_status_t *st, cgrpc_arena_t *arena) {
  test_Msg req = {.num = 41}, resp;
  if (cgrpc_call_send(call, &req, 0, NULL, NULL) &&
      cgrpc_call_recv(call, &resp, arena, NULL, NULL)) {
    CHECK_EQ_INT(resp.num, 42);
  }
  cgrpc_call_half_close(call);
  while (cgrpc_call_recv(call, &resp, arena, NULL, NULL)) {
  }
  return cgrpc_call_finish(call, arena, st);
}

/* ---- Tests ------------------------------------------------------------------------------ */

/* cgrpc_call_start() never returns NULL: with no memory for the call or its
 * start, it returns a call that fails every operation and reports
 * RESOURCE_EXHAUSTED from finish. */
static void test_call_start_every_failure(void) {
  cgrpc_channel_t *ch = channel_new();
  bool fired = true;
  for (long n = 1; fired && n < 50; n++) {
    cgrpc_arena_t arena;
    cgrpc_arena_init(&arena, NULL, 0);
    arm(n, false);
    cgrpc_call_t *call = cgrpc_call_start(ch, &test_methods[M_BIDI], NULL);
    fired = disarm();
    CHECK(call != NULL);
    cgrpc_status_t st;
    cgrpc_status_code_t code = exchange(call, &st, &arena);
    CHECK_EQ_INT(st.code, code);
    if (fired) {
      CHECK_EQ_INT(code, CGRPC_STATUS_RESOURCE_EXHAUSTED);
      CHECK(strstr(st.message.data, "out of memory") != NULL);
    } else {
      CHECK_EQ_INT(code, CGRPC_STATUS_OK);
    }
    cgrpc_arena_free(&arena);
  }
  CHECK(!fired);
  cgrpc_channel_free(ch);
}

/* The stand-in for a call that could not be allocated is safe to use in
 * every way (it is shared: nothing changes it), and its callbacks keep
 * their contracts: operations with `done` fail at once without calling it,
 * the finish callback runs once on the loop. */
static void test_call_without_memory(void) {
  cgrpc_channel_t *ch = channel_new();
  arm(1, false);
  cgrpc_call_t *call = cgrpc_call_start(ch, &test_methods[M_BIDI], NULL);
  CHECK(disarm());
  cgrpc_call_t *again = cgrpc_call_start(ch, &test_methods[M_BIDI], NULL);
  CHECK(again != call);
  atomic_int dones = 0;
  test_Msg m = {0};
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  CHECK_EQ_INT(exchange(again, NULL, &arena), CGRPC_STATUS_OK);
  CHECK(!cgrpc_call_send(call, &m, 0, on_done_count, &dones));
  CHECK(!cgrpc_call_recv(call, &m, &arena, on_done_count, &dones));
  cgrpc_metadata_t md;
  cgrpc_call_initial_metadata(call, &arena, &md);
  CHECK_EQ_INT(md.count, 0);
  CHECK(!cgrpc_call_last_message_compressed(call));
  cgrpc_call_cancel(call);
  outcome_t o;
  outcome_init(&o);
  cgrpc_call_finish_async(call, &arena, on_status, &o);
  CHECK(wait_runs(&o));
  CHECK_EQ_INT(o.code, CGRPC_STATUS_RESOURCE_EXHAUSTED);
  CHECK(!atomic_load(&o.on_caller));
  cgrpc_channel_free(ch);
  CHECK_EQ_INT(atomic_load(&dones), 0);
  CHECK_EQ_INT(atomic_load(&o.runs), 1);
  cgrpc_arena_free(&arena);
}

/* cgrpc_unary_async(): `done` runs exactly once, on the loop thread,
 * whichever allocation fails. */
static void test_unary_async_every_failure(void) {
  cgrpc_channel_t *ch = channel_new();
  bool fired = true;
  for (long n = 1; fired && n < 50; n++) {
    cgrpc_arena_t arena;
    cgrpc_arena_init(&arena, NULL, 0);
    test_Msg req = {.num = 1}, resp = {0};
    outcome_t o;
    outcome_init(&o);
    arm(n, false);
    cgrpc_unary_async(ch, &test_methods[M_UNARY], &req, &resp, &arena, NULL, on_status, &o);
    fired = disarm();
    CHECK(wait_runs(&o));
    test_sleep_ms(fired ? 5 : 0);
    CHECK_EQ_INT(atomic_load(&o.runs), 1);
    CHECK(!atomic_load(&o.on_caller));
    if (fired) {
      CHECK(o.code == CGRPC_STATUS_RESOURCE_EXHAUSTED || o.code == CGRPC_STATUS_INTERNAL);
      CHECK(o.message[0] != '\0');
    } else {
      CHECK_EQ_INT(o.code, CGRPC_STATUS_OK);
      CHECK_EQ_INT(resp.num, 2);
    }
    cgrpc_arena_free(&arena);
  }
  CHECK(!fired);
  cgrpc_channel_free(ch);
}

/* With no memory at all, not even to tell the loop, `done` runs on the
 * calling thread before cgrpc_unary_async() returns, as call.h says. */
static void test_unary_async_no_memory_at_all(void) {
  cgrpc_channel_t *ch = channel_new();
  test_Msg req = {.num = 1}, resp = {0};
  outcome_t o;
  outcome_init(&o);
  arm(1, true);
  cgrpc_unary_async(ch, &test_methods[M_UNARY], &req, &resp, NULL, NULL, on_status, &o);
  CHECK(disarm());
  CHECK_EQ_INT(atomic_load(&o.runs), 1);
  CHECK(atomic_load(&o.on_caller));
  CHECK_EQ_INT(o.code, CGRPC_STATUS_RESOURCE_EXHAUSTED);
  cgrpc_channel_free(ch);
  CHECK_EQ_INT(atomic_load(&o.runs), 1);
}

/* A half-close that cannot be posted ends the call RESOURCE_EXHAUSTED
 * instead of leaving the server waiting for it. */
static void test_half_close_every_failure(void) {
  cgrpc_channel_t *ch = channel_new();
  bool fired = true;
  for (long n = 1; fired && n < 50; n++) {
    cgrpc_arena_t arena;
    cgrpc_arena_init(&arena, NULL, 0);
    cgrpc_call_t *call = cgrpc_call_start(ch, &test_methods[M_BIDI], NULL);
    test_Msg req = {.num = 1}, resp;
    CHECK(cgrpc_call_send(call, &req, 0, NULL, NULL));
    CHECK(cgrpc_call_recv(call, &resp, &arena, NULL, NULL));
    arm(n, false);
    cgrpc_call_half_close(call);
    fired = disarm();
    while (cgrpc_call_recv(call, &resp, &arena, NULL, NULL)) {
    }
    cgrpc_status_t st;
    cgrpc_status_code_t code = cgrpc_call_finish(call, &arena, &st);
    if (fired) {
      CHECK_EQ_INT(code, CGRPC_STATUS_RESOURCE_EXHAUSTED);
      CHECK(strstr(st.message.data, "half-close") != NULL);
    } else {
      CHECK_EQ_INT(code, CGRPC_STATUS_OK);
    }
    cgrpc_arena_free(&arena);
  }
  CHECK(!fired);
  cgrpc_channel_free(ch);
}

/* A cancel that cannot be posted still cancels: the finish that follows
 * returns instead of waiting for a server that waits for the client. */
static void test_cancel_every_failure(void) {
  cgrpc_channel_t *ch = channel_new();
  bool fired = true;
  for (long n = 1; fired && n < 50; n++) {
    cgrpc_call_t *call = cgrpc_call_start(ch, &test_methods[M_BIDI], NULL);
    test_Msg req = {.num = 1}, resp;
    cgrpc_arena_t arena;
    cgrpc_arena_init(&arena, NULL, 0);
    CHECK(cgrpc_call_send(call, &req, 0, NULL, NULL));
    CHECK(cgrpc_call_recv(call, &resp, &arena, NULL, NULL));
    arm(n, false);
    cgrpc_call_cancel(call);
    fired = disarm();
    CHECK_EQ_INT(cgrpc_call_finish(call, &arena, NULL), CGRPC_STATUS_CANCELLED);
    cgrpc_arena_free(&arena);
  }
  CHECK(!fired);
  cgrpc_channel_free(ch);
}

/* A finish, blocking or with a callback, that cannot be posted still
 * completes (and frees the call). The channel runs callbacks, so blocking
 * operations are posted to its thread rather than run by the caller. */
static void test_finish_every_failure(void) {
  cgrpc_channel_t *ch = channel_new();
  outcome_t warm;
  outcome_init(&warm);
  test_Msg req0 = {.num = 1}, resp0;
  cgrpc_arena_t arena0;
  cgrpc_arena_init(&arena0, NULL, 0);
  cgrpc_unary_async(ch, &test_methods[M_UNARY], &req0, &resp0, &arena0, NULL, on_status, &warm);
  CHECK(wait_runs(&warm));
  CHECK_EQ_INT(warm.code, CGRPC_STATUS_OK);
  cgrpc_arena_free(&arena0);
  for (int async = 0; async < 2; async++) {
    bool fired = true;
    for (long n = 1; fired && n < 50; n++) {
      cgrpc_arena_t arena;
      cgrpc_arena_init(&arena, NULL, 0);
      cgrpc_call_t *call = cgrpc_call_start(ch, &test_methods[M_BIDI], NULL);
      test_Msg req = {.num = 1}, resp;
      CHECK(cgrpc_call_send(call, &req, 0, NULL, NULL));
      CHECK(cgrpc_call_recv(call, &resp, &arena, NULL, NULL));
      cgrpc_call_half_close(call);
      cgrpc_status_code_t code;
      if (async) {
        outcome_t o;
        outcome_init(&o);
        arm(n, false);
        cgrpc_call_finish_async(call, &arena, on_status, &o);
        fired = disarm();
        CHECK(wait_runs(&o));
        CHECK(!atomic_load(&o.on_caller));
        test_sleep_ms(2);
        CHECK_EQ_INT(atomic_load(&o.runs), 1);
        code = o.code;
      } else {
        arm(n, false);
        code = cgrpc_call_finish(call, &arena, NULL);
        fired = disarm();
      }
      CHECK_EQ_INT(code, CGRPC_STATUS_OK);
      cgrpc_arena_free(&arena);
    }
    CHECK(!fired);
  }
  cgrpc_channel_free(ch);
}

/* Sends and receives that cannot be posted fail at once: false, and their
 * `done` never runs. */
static void test_send_recv_no_memory(void) {
  cgrpc_channel_t *ch = channel_new();
  cgrpc_call_t *call = cgrpc_call_start(ch, &test_methods[M_BIDI], NULL);
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  atomic_int dones = 0;
  test_Msg req = {.num = 1}, resp;
  arm(2, true); /* the message is encoded; its post fails */
  bool sent = cgrpc_call_send(call, &req, 0, on_done_count, &dones);
  CHECK(disarm());
  arm(1, true);
  bool received = cgrpc_call_recv(call, &resp, &arena, on_done_count, &dones);
  CHECK(disarm());
  CHECK(!sent);
  CHECK(!received);
  CHECK_EQ_INT(exchange(call, NULL, &arena), CGRPC_STATUS_OK);
  CHECK_EQ_INT(atomic_load(&dones), 0);
  cgrpc_arena_free(&arena);
  cgrpc_channel_free(ch);
}

/* cgrpc_call_finish() from a callback cannot wait: it fails at once with
 * INTERNAL, and the call is still freed when it ends (the channel closing
 * ends it here). */
typedef struct finish_on_loop {
  cgrpc_call_t *call;
  cgrpc_status_code_t code;
  atomic_bool ran;
} finish_on_loop_t;

static void finish_from_callback(void *ud, const cgrpc_status_t *st) {
  finish_on_loop_t *f = ud;
  f->code = cgrpc_call_finish(f->call, NULL, NULL);
  atomic_store(&f->ran, true);
}

static void test_finish_on_loop_thread(void) {
  cgrpc_channel_t *ch = channel_new();
  finish_on_loop_t f = {.call = cgrpc_call_start(ch, &test_methods[M_BIDI], NULL)};
  test_Msg req = {.num = 1}, resp;
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  cgrpc_unary_async(ch, &test_methods[M_UNARY], &req, &resp, &arena, NULL, finish_from_callback,
                    &f);
  for (int i = 0; i < 10000 && !atomic_load(&f.ran); i++) test_sleep_ms(1);
  CHECK(atomic_load(&f.ran));
  CHECK_EQ_INT(f.code, CGRPC_STATUS_INTERNAL);
  cgrpc_channel_free(ch);
  cgrpc_arena_free(&arena);
}

/* A half-close posted after the call ended, then a finish the caller runs
 * as the loop's guest: the finish must not free the call under the
 * half-close still queued. */
static void test_half_close_after_end(void) {
  cgrpc_channel_t *ch = channel_new();
  for (int i = 0; i < 20; i++) {
    cgrpc_call_t *call = cgrpc_call_start(ch, &test_unknown_method, NULL);
    test_Msg req = {.num = 1}, resp;
    cgrpc_arena_t arena;
    cgrpc_arena_init(&arena, NULL, 0);
    cgrpc_call_send(call, &req, 0, NULL, NULL);
    while (cgrpc_call_recv(call, &resp, &arena, NULL, NULL)) {
    }
    cgrpc_call_half_close(call);
    CHECK_EQ_INT(cgrpc_call_finish(call, &arena, NULL), CGRPC_STATUS_UNIMPLEMENTED);
    cgrpc_arena_free(&arena);
  }
  cgrpc_channel_free(ch);
}

/* cgrpc_channel_new() out of memory: RESOURCE_EXHAUSTED with a message,
 * *out NULL, nothing leaked; for every allocation it makes. */
static void test_channel_new_every_failure(void) {
  bool fired = true;
  for (long n = 1; fired && n < 100; n++) {
    cgrpc_channel_t *ch = (cgrpc_channel_t *)&fired;
    cgrpc_error_t err = {0};
    arm(n, false);
    cgrpc_status_code_t code = cgrpc_channel_new("dns:///localhost:1", NULL, &ch, &err);
    fired = disarm();
    if (code != CGRPC_STATUS_OK) {
      CHECK(fired);
      CHECK_EQ_INT(code, CGRPC_STATUS_RESOURCE_EXHAUSTED);
      CHECK(strstr(err.message, "out of memory") != NULL);
      CHECK(ch == NULL);
    } else {
      cgrpc_channel_free(ch);
    }
  }
  CHECK(!fired);
}

/* A channel whose shutdown cannot be posted still ends its calls (their
 * callbacks run) and closes. */
static void test_channel_free_no_memory(void) {
  cgrpc_channel_t *ch = channel_new();
  arm(1, true);
  cgrpc_channel_free(ch);
  disarm();
}

int main(void) {
  static const cgrpc_allocator_t failing = {f_malloc, f_realloc, f_free, NULL};
  cgrpc_set_allocator(&failing);
  server_start();
  TEST_RUN(test_call_start_every_failure);
  TEST_RUN(test_call_without_memory);
  TEST_RUN(test_unary_async_every_failure);
  TEST_RUN(test_unary_async_no_memory_at_all);
  TEST_RUN(test_half_close_every_failure);
  TEST_RUN(test_cancel_every_failure);
  TEST_RUN(test_finish_every_failure);
  TEST_RUN(test_send_recv_no_memory);
  TEST_RUN(test_finish_on_loop_thread);
  TEST_RUN(test_half_close_after_end);
  TEST_RUN(test_channel_new_every_failure);
  TEST_RUN(test_channel_free_no_memory);
  cgrpc_server_free(g_fx.srv);
  return TEST_DONE();
}

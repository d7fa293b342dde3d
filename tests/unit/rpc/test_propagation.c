/* tests/unit/rpc/test_propagation.c — deadline and cancellation passed down
 * a chain of calls with cgrpc_call_options_t.parent: client -> A -> B over
 * loopback, where A's handler calls B on behalf of its own call. The
 * client cancels: B sees its call cancelled. The client sets a deadline: B
 * sees it (A set none). With the flags off, B sees neither. A child started
 * after its parent was cancelled ends at once. */
#define _POSIX_C_SOURCE 200809L

#include <stdatomic.h>

#include "rpc_test_util.h"

static cgrpc_channel_t *g_to_b;      /* A's channel to B */
static atomic_int g_b_started;       /* B's handler is running */
static atomic_int g_b_saw_cancel;    /* B's call was cancelled */
static atomic_llong g_b_timeout;     /* B's deadline, as a timeout when it started */
static atomic_int g_a_child_code;    /* the code A's call to B ended with */
static atomic_uint g_a_no_propagate; /* A's cgrpc_call_options_t.no_propagate */
static atomic_int g_a_cancel_first;  /* A waits for its own cancellation before calling B */

/* B: Slow waits until cancelled (or 3 s); Unary reports its deadline. */
static void b_slow(cgrpc_server_call_t *call, const void *request, void *ud) {
  atomic_store(&g_b_started, 1);
  for (int i = 0; i < 300 && !cgrpc_server_call_cancelled(call); i++) test_sleep_ms(10);
  atomic_store(&g_b_saw_cancel, cgrpc_server_call_cancelled(call) ? 1 : 0);
  cgrpc_server_call_finish(call, CGRPC_STATUS_OK, NULL, NULL);
}

static void b_unary(cgrpc_server_call_t *call, const void *request, void *ud) {
  atomic_store(&g_b_timeout, (long long)cgrpc_timeout_until(cgrpc_server_call_deadline(call)));
  test_Msg resp = {.text = test_str("from B")};
  cgrpc_server_call_reply(call, &resp);
}

/* A: calls the same method on B for its own call. */
static void a_forward(cgrpc_server_call_t *call, const void *request, void *ud) {
  if (atomic_load(&g_a_cancel_first)) {
    while (!cgrpc_server_call_cancelled(call)) test_sleep_ms(5);
  }
  cgrpc_arena_t *arena = cgrpc_server_call_arena(call);
  cgrpc_call_options_t opts = {.parent = call, .no_propagate = atomic_load(&g_a_no_propagate)};
  test_Msg resp;
  cgrpc_status_t st;
  cgrpc_status_code_t code =
      cgrpc_unary(g_to_b, cgrpc_server_call_method(call), request, &resp, arena, &opts, &st);
  atomic_store(&g_a_child_code, code);
  if (code == CGRPC_STATUS_OK) {
    cgrpc_server_call_reply(call, &resp);
  } else {
    cgrpc_server_call_finish(call, code, st.message.data, NULL);
  }
}

typedef struct chain {
  test_pair_t a, b;
  cgrpc_channel_t *client; /* to A */
} chain_t;

static void chain_start(chain_t *c) {
  static const test_route_t b_routes[] = {
      {&test_methods[M_SLOW], b_slow, CGRPC_HANDLER_BLOCKING},
      {&test_methods[M_UNARY], b_unary, CGRPC_HANDLER_BLOCKING},
  };
  static const test_route_t a_routes[] = {
      {&test_methods[M_SLOW], a_forward, CGRPC_HANDLER_BLOCKING},
      {&test_methods[M_UNARY], a_forward, CGRPC_HANDLER_BLOCKING},
  };
  test_pair_start(&c->b, b_routes, 2);
  test_pair_start(&c->a, a_routes, 2);
  g_to_b = c->b.ch;
  c->client = c->a.ch;
  atomic_store(&g_b_started, 0);
  atomic_store(&g_b_saw_cancel, -1);
  atomic_store(&g_a_child_code, -1);
  atomic_store(&g_b_timeout, 0);
}

static void chain_stop(chain_t *c) {
  test_pair_stop(&c->a);
  test_pair_stop(&c->b);
}

/* Starts Slow through A, waits until B runs, cancels; returns the code the
 * client's call ended with. */
static cgrpc_status_code_t cancel_through(chain_t *c) {
  cgrpc_call_t *call = cgrpc_call_start(c->client, &test_methods[M_SLOW], NULL);
  test_Msg req = {.num = 1};
  CHECK(cgrpc_call_send(call, &req, 0, NULL, NULL));
  cgrpc_call_half_close(call);
  for (int i = 0; i < 500 && !atomic_load(&g_b_started); i++) test_sleep_ms(10);
  CHECK(atomic_load(&g_b_started));
  cgrpc_call_cancel(call);
  cgrpc_status_code_t code = cgrpc_call_finish(call, NULL, NULL);
  /* B ends by itself after 3 s; cancelled, much sooner. */
  for (int i = 0; i < 400 && atomic_load(&g_b_saw_cancel) < 0; i++) test_sleep_ms(10);
  return code;
}

static void test_cancel_reaches_the_end_of_the_chain(void) {
  chain_t c;
  chain_start(&c);
  atomic_store(&g_a_no_propagate, 0);
  CHECK_EQ_INT(cancel_through(&c), CGRPC_STATUS_CANCELLED);
  CHECK_EQ_INT(atomic_load(&g_b_saw_cancel), 1);
  for (int i = 0; i < 200 && atomic_load(&g_a_child_code) < 0; i++) test_sleep_ms(10);
  CHECK_EQ_INT(atomic_load(&g_a_child_code), CGRPC_STATUS_CANCELLED);
  chain_stop(&c);
}

static void test_cancel_not_propagated_when_off(void) {
  chain_t c;
  chain_start(&c);
  atomic_store(&g_a_no_propagate, CGRPC_PROPAGATE_CANCELLATION);
  CHECK_EQ_INT(cancel_through(&c), CGRPC_STATUS_CANCELLED);
  CHECK_EQ_INT(atomic_load(&g_b_saw_cancel), 0); /* B ran its 3 s */
  chain_stop(&c);
  atomic_store(&g_a_no_propagate, 0);
}

static void test_deadline_reaches_the_end_of_the_chain(void) {
  chain_t c;
  chain_start(&c);
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  test_Msg req = {.num = 1}, resp;
  cgrpc_call_options_t opts = {.timeout_ns = 2 * CGRPC_NS_PER_SEC};
  CHECK_EQ_INT(cgrpc_unary(c.client, &test_methods[M_UNARY], &req, &resp, &arena, &opts, NULL),
               CGRPC_STATUS_OK);
  CHECK(test_str_is(resp.text, "from B"));
  long long t = atomic_load(&g_b_timeout);
  CHECK(t > 1 * CGRPC_NS_PER_SEC && t <= 2 * CGRPC_NS_PER_SEC);
  /* Off: B sees no deadline. */
  atomic_store(&g_a_no_propagate, CGRPC_PROPAGATE_DEADLINE);
  CHECK_EQ_INT(cgrpc_unary(c.client, &test_methods[M_UNARY], &req, &resp, &arena, &opts, NULL),
               CGRPC_STATUS_OK);
  CHECK_EQ_INT(atomic_load(&g_b_timeout), CGRPC_INFINITE);
  atomic_store(&g_a_no_propagate, 0);
  cgrpc_arena_free(&arena);
  chain_stop(&c);
}

/* A waits for its own call to be cancelled, then calls B: that call ends
 * CANCELLED without reaching B. */
static void test_child_of_cancelled_parent(void) {
  chain_t c;
  chain_start(&c);
  atomic_store(&g_a_cancel_first, 1);
  cgrpc_call_t *call = cgrpc_call_start(c.client, &test_methods[M_UNARY], NULL);
  test_Msg req = {.num = 1};
  CHECK(cgrpc_call_send(call, &req, 0, NULL, NULL));
  cgrpc_call_half_close(call);
  test_sleep_ms(100);
  cgrpc_call_cancel(call);
  CHECK_EQ_INT(cgrpc_call_finish(call, NULL, NULL), CGRPC_STATUS_CANCELLED);
  for (int i = 0; i < 300 && atomic_load(&g_a_child_code) < 0; i++) test_sleep_ms(10);
  CHECK_EQ_INT(atomic_load(&g_a_child_code), CGRPC_STATUS_CANCELLED);
  CHECK_EQ_INT(atomic_load(&g_b_timeout), 0); /* B never ran */
  atomic_store(&g_a_cancel_first, 0);
  chain_stop(&c);
}

int main(void) {
  TEST_RUN(test_cancel_reaches_the_end_of_the_chain);
  TEST_RUN(test_cancel_not_propagated_when_off);
  TEST_RUN(test_deadline_reaches_the_end_of_the_chain);
  TEST_RUN(test_child_of_cancelled_parent);
  return TEST_DONE();
}

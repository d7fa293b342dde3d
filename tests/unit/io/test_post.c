/* Cross-thread posting: exactly-once delivery in per-thread order from many
 * threads, FIFO from one, batching, what happens to posts when the loop
 * is freed, and node posts (cgrpc_loop_post_node), which cannot fail. */
#include <pthread.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "base/alloc.h"
#include "base/time.h"
#include "io/loop.h"
#include "test.h"

#define THREADS 4
#define POSTS_PER_THREAD 20000

typedef struct {
  cgrpc_loop_t *loop;
  uint32_t next[THREADS]; /* next sequence number expected per thread */
  long total;
  long out_of_order;
  long off_thread; /* posted functions that ran off the loop thread */
  int post_errors; /* written by poster threads, read after join */
} post_state_t;

static post_state_t ps;

/* The argument packs (thread, sequence): no allocation per post. */
static void on_post(void *arg) {
  uintptr_t v = (uintptr_t)arg;
  unsigned thread = (unsigned)(v >> 24), seq = (unsigned)(v & 0xffffff);
  if (seq != ps.next[thread]) ps.out_of_order++;
  ps.next[thread] = seq + 1;
  ps.total++;
  if (!cgrpc_loop_in_thread(ps.loop)) ps.off_thread++;
}

static void *poster(void *arg) {
  uintptr_t thread = (uintptr_t)arg;
  int errors = 0;
  for (uintptr_t i = 0; i < POSTS_PER_THREAD; i++) {
    if (cgrpc_loop_post(ps.loop, on_post, (void *)(thread << 24 | i)) != 0) errors++;
  }
  __atomic_add_fetch(&ps.post_errors, errors, __ATOMIC_RELAXED);
  return NULL;
}

static void test_posts_from_many_threads_run_once_in_order(void) {
  ps = (post_state_t){.total = 0};
  CHECK_EQ_INT(cgrpc_loop_new(&ps.loop), 0);
  pthread_t th[THREADS];
  for (uintptr_t i = 0; i < THREADS; i++) pthread_create(&th[i], NULL, poster, (void *)i);
  int64_t give_up = cgrpc_now_ns() + 20 * CGRPC_NS_PER_SEC;
  while (ps.total < THREADS * POSTS_PER_THREAD && cgrpc_now_ns() < give_up) {
    cgrpc_loop_run_once(ps.loop, 100 * CGRPC_NS_PER_MS);
  }
  for (int i = 0; i < THREADS; i++) pthread_join(th[i], NULL);
  /* Nothing may run twice: a few more iterations find no extra posts. */
  for (int i = 0; i < 3; i++) cgrpc_loop_run_once(ps.loop, 0);
  CHECK_EQ_INT(ps.post_errors, 0);
  CHECK_EQ_INT(ps.total, THREADS * POSTS_PER_THREAD);
  CHECK_EQ_INT(ps.out_of_order, 0);
  CHECK_EQ_INT(ps.off_thread, 0);
  for (int i = 0; i < THREADS; i++) CHECK_EQ_UINT(ps.next[i], POSTS_PER_THREAD);
  cgrpc_loop_free(ps.loop);
}

/* ---- Ordering and batching on one thread -------------------------------- */

typedef struct {
  cgrpc_loop_t *loop;
  int order[64];
  int count;
  int reposts; /* how many more times on_repost re-posts itself */
} seq_t;

static seq_t sq;

static void on_seq(void *arg) { sq.order[sq.count++] = (int)(intptr_t)arg; }

static void on_repost(void *arg) {
  on_seq(arg);
  if (sq.reposts-- > 0) cgrpc_loop_post(sq.loop, on_repost, (void *)((intptr_t)arg + 1));
}

static void test_fifo_and_one_batch_per_iteration(void) {
  sq = (seq_t){.count = 0};
  CHECK_EQ_INT(cgrpc_loop_new(&sq.loop), 0);
  for (intptr_t i = 0; i < 10; i++) cgrpc_loop_post(sq.loop, on_seq, (void *)i);
  CHECK_EQ_INT(sq.count, 0); /* never inline */
  cgrpc_loop_run_once(sq.loop, CGRPC_NS_PER_SEC);
  CHECK_EQ_INT(sq.count, 10); /* all ten in one wakeup */
  for (int i = 0; i < 10; i++) CHECK_EQ_INT(sq.order[i], i);
  /* A function that re-posts itself runs once per iteration, no more. */
  sq.count = 0;
  sq.reposts = 100;
  cgrpc_loop_post(sq.loop, on_repost, (void *)(intptr_t)0);
  cgrpc_loop_run_once(sq.loop, CGRPC_NS_PER_SEC);
  CHECK_EQ_INT(sq.count, 1);
  cgrpc_loop_run_once(sq.loop, CGRPC_NS_PER_SEC);
  CHECK_EQ_INT(sq.count, 2);
  CHECK_EQ_INT(sq.order[1], 1);
  sq.reposts = 0;
  cgrpc_loop_run_once(sq.loop, CGRPC_NS_PER_SEC);
  cgrpc_loop_free(sq.loop);
}

/* ---- Nodes: posts that cannot fail -------------------------------------- */

static cgrpc_post_node_t self_node;

static void on_self_node(void *arg) {
  on_seq(arg);
  if (sq.reposts-- > 0) {
    self_node.arg = (void *)((intptr_t)arg + 1);
    cgrpc_loop_post_node(sq.loop, &self_node); /* re-posted from its own run */
  }
}

/* Nodes and plain posts run in the order they were made, whichever came
 * first, and a node re-posted from its own function runs in the next batch. */
static void test_nodes_keep_order_with_posts(void) {
  sq = (seq_t){.count = 0};
  CHECK_EQ_INT(cgrpc_loop_new(&sq.loop), 0);
  cgrpc_post_node_t nodes[4];
  int want[10], n = 0;
  intptr_t next = 0;
  for (int i = 0; i < 4; i++) {
    nodes[i] = (cgrpc_post_node_t){.fn = on_seq, .arg = (void *)(100 + (intptr_t)i)};
  }
  cgrpc_loop_post_node(sq.loop, &nodes[0]);
  want[n++] = 100;
  for (int i = 0; i < 3; i++) {
    cgrpc_loop_post(sq.loop, on_seq, (void *)next);
    want[n++] = (int)next++;
    if (i == 1) {
      cgrpc_loop_post_node(sq.loop, &nodes[1]);
      cgrpc_loop_post_node(sq.loop, &nodes[2]);
      want[n++] = 101;
      want[n++] = 102;
    }
  }
  cgrpc_loop_post_node(sq.loop, &nodes[3]);
  want[n++] = 103;
  CHECK_EQ_INT(sq.count, 0); /* never inline */
  cgrpc_loop_run_once(sq.loop, CGRPC_NS_PER_SEC);
  CHECK_EQ_INT(sq.count, n);
  for (int i = 0; i < n; i++) CHECK_EQ_INT(sq.order[i], want[i]);

  sq.count = 0;
  sq.reposts = 1;
  self_node = (cgrpc_post_node_t){.fn = on_self_node, .arg = (void *)(intptr_t)7};
  cgrpc_loop_post_node(sq.loop, &self_node);
  cgrpc_loop_run_once(sq.loop, CGRPC_NS_PER_SEC);
  CHECK_EQ_INT(sq.count, 1);
  cgrpc_loop_run_once(sq.loop, CGRPC_NS_PER_SEC);
  CHECK_EQ_INT(sq.count, 2);
  CHECK_EQ_INT(sq.order[1], 8);
  cgrpc_loop_free(sq.loop);
}

static bool fail_allocs;

static void *test_malloc(void *ctx, size_t size) { return fail_allocs ? NULL : malloc(size); }
static void *test_realloc(void *ctx, void *p, size_t size) {
  return fail_allocs ? NULL : realloc(p, size);
}
static void test_free(void *ctx, void *p) { free(p); }

/* Out of memory, a plain post fails and says so; a node post still runs,
 * also when the loop is freed without running again. */
static void test_nodes_need_no_memory(void) {
  static const cgrpc_allocator_t failing = {test_malloc, test_realloc, test_free, NULL};
  cgrpc_set_allocator(&failing);
  sq = (seq_t){.count = 0};
  CHECK_EQ_INT(cgrpc_loop_new(&sq.loop), 0);
  fail_allocs = true;
  CHECK_EQ_INT(cgrpc_loop_post(sq.loop, on_seq, (void *)(intptr_t)1), -ENOMEM);
  cgrpc_post_node_t a = {.fn = on_seq, .arg = (void *)(intptr_t)2};
  cgrpc_post_node_t b = {.fn = on_seq, .arg = (void *)(intptr_t)3};
  cgrpc_loop_post_node(sq.loop, &a);
  cgrpc_loop_run_once(sq.loop, CGRPC_NS_PER_SEC);
  CHECK_EQ_INT(sq.count, 1);
  CHECK_EQ_INT(sq.order[0], 2);
  cgrpc_loop_post_node(sq.loop, &b);
  cgrpc_loop_free(sq.loop);
  CHECK_EQ_INT(sq.count, 2);
  CHECK_EQ_INT(sq.order[1], 3);
  fail_allocs = false;
  cgrpc_set_allocator(NULL);
}

/* ---- Posts and loop teardown -------------------------------------------- */

typedef struct {
  cgrpc_loop_t *loop;
  int ran;
  int ran_closing;
  int follow_ups;
} teardown_t;

static teardown_t td;

static void on_follow_up(void *arg) {
  td.ran++;
  td.ran_closing += cgrpc_loop_is_closing(td.loop);
}

static void on_teardown_post(void *arg) {
  td.ran++;
  td.ran_closing += cgrpc_loop_is_closing(td.loop);
  if (td.follow_ups-- > 0) {
    CHECK_EQ_INT(cgrpc_loop_post(td.loop, on_follow_up, NULL), 0);
  }
}

/* Posts queued on a loop that never runs again are run by cgrpc_loop_free,
 * and so are the posts they make: nothing is dropped. */
static void test_free_runs_queued_posts(void) {
  td = (teardown_t){.follow_ups = 2};
  CHECK_EQ_INT(cgrpc_loop_new(&td.loop), 0);
  for (int i = 0; i < 5; i++) cgrpc_loop_post(td.loop, on_teardown_post, NULL);
  CHECK(!cgrpc_loop_is_closing(td.loop));
  cgrpc_loop_free(td.loop);
  CHECK_EQ_INT(td.ran, 7);
  CHECK_EQ_INT(td.ran_closing, 7);
}

int main(void) {
  TEST_RUN(test_posts_from_many_threads_run_once_in_order);
  TEST_RUN(test_fifo_and_one_batch_per_iteration);
  TEST_RUN(test_free_runs_queued_posts);
  TEST_RUN(test_nodes_keep_order_with_posts);
  TEST_RUN(test_nodes_need_no_memory);
  return TEST_DONE();
}

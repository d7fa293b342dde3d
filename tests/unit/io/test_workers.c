/* Worker pool: every job runs once, FIFO on one thread, graceful shutdown
 * finishes queued jobs, and results come back to a loop by posting. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "base/time.h"
#include "io/loop.h"
#include "io/workers.h"
#include "test.h"

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000 * 1000};
  nanosleep(&ts, NULL);
}

static long counter;

static void count_job(void *arg) {
  __atomic_add_fetch(&counter, (long)(intptr_t)arg, __ATOMIC_RELAXED);
}

static void test_every_job_runs_once(void) {
  enum { JOBS = 20000 };
  cgrpc_workers_t *w = NULL;
  CHECK_EQ_INT(cgrpc_workers_new(4, &w), 0);
  counter = 0;
  int errors = 0;
  for (intptr_t i = 1; i <= JOBS; i++) errors += cgrpc_workers_submit(w, count_job, (void *)i) != 0;
  cgrpc_workers_free(w);
  CHECK_EQ_INT(errors, 0);
  CHECK_EQ_INT(counter, (long)JOBS * (JOBS + 1) / 2);
}

/* One worker, a slow first job and many queued behind it: shutdown must
 * wait for all of them, and they run in submission order. */
static int order[200];
static int order_count;

static void ordered_job(void *arg) {
  if (order_count == 0) sleep_ms(30);
  order[order_count++] = (int)(intptr_t)arg;
}

static void test_shutdown_finishes_queued_jobs_in_order(void) {
  cgrpc_workers_t *w = NULL;
  CHECK_EQ_INT(cgrpc_workers_new(1, &w), 0);
  order_count = 0;
  for (intptr_t i = 0; i < 200; i++)
    CHECK_EQ_INT(cgrpc_workers_submit(w, ordered_job, (void *)i), 0);
  cgrpc_workers_shutdown(w);
  CHECK_EQ_INT(order_count, 200);
  bool in_order = true;
  for (int i = 0; i < 200; i++) in_order = in_order && order[i] == i;
  CHECK(in_order);
  CHECK_EQ_INT(cgrpc_workers_submit(w, ordered_job, NULL), -ESHUTDOWN);
  cgrpc_workers_shutdown(w); /* second call: no-op */
  cgrpc_workers_free(w);
  CHECK_EQ_INT(order_count, 200);
}

static void test_rejects_zero_threads(void) {
  cgrpc_workers_t *w = (cgrpc_workers_t *)&counter;
  CHECK_EQ_INT(cgrpc_workers_new(0, &w), -EINVAL);
  CHECK(w == NULL);
  cgrpc_workers_free(NULL);
}

/* ---- Handing results back to a loop -------------------------------------- */

typedef struct {
  cgrpc_loop_t *loop;
  long input;
  long result;
  pthread_t worker;
} request_t;

typedef struct {
  long replies;
  long sum;
  long wrong_thread;
  int post_errors; /* written by workers */
} replies_t;

static replies_t rs;

static void reply_on_loop(void *arg) {
  request_t *r = arg;
  rs.replies++;
  rs.sum += r->result;
  if (!cgrpc_loop_in_thread(r->loop) || pthread_equal(r->worker, pthread_self())) rs.wrong_thread++;
}

static void square_job(void *arg) {
  request_t *r = arg;
  r->result = r->input * r->input;
  r->worker = pthread_self();
  /* The test harness is single-threaded: count failures, check them later. */
  if (cgrpc_loop_post(r->loop, reply_on_loop, r) != 0) {
    __atomic_add_fetch(&rs.post_errors, 1, __ATOMIC_RELAXED);
  }
}

static void test_jobs_post_results_back_to_the_loop(void) {
  enum { N = 1000 };
  static request_t reqs[N];
  cgrpc_loop_t *loop = NULL;
  cgrpc_workers_t *w = NULL;
  CHECK_EQ_INT(cgrpc_loop_new(&loop), 0);
  CHECK_EQ_INT(cgrpc_workers_new(3, &w), 0);
  rs = (replies_t){0};
  long want = 0;
  for (int i = 0; i < N; i++) {
    reqs[i] = (request_t){.loop = loop, .input = i};
    want += (long)i * i;
    CHECK_EQ_INT(cgrpc_workers_submit(w, square_job, &reqs[i]), 0);
  }
  int64_t give_up = cgrpc_now_ns() + 20 * CGRPC_NS_PER_SEC;
  while (rs.replies < N && cgrpc_now_ns() < give_up) {
    cgrpc_loop_run_once(loop, 100 * CGRPC_NS_PER_MS);
  }
  /* The documented shutdown order: pool first, then the loop. */
  cgrpc_workers_free(w);
  cgrpc_loop_free(loop);
  CHECK_EQ_INT(rs.post_errors, 0);
  CHECK_EQ_INT(rs.replies, N);
  CHECK_EQ_INT(rs.sum, want);
  CHECK_EQ_INT(rs.wrong_thread, 0);
}

int main(void) {
  TEST_RUN(test_every_job_runs_once);
  TEST_RUN(test_shutdown_finishes_queued_jobs_in_order);
  TEST_RUN(test_rejects_zero_threads);
  TEST_RUN(test_jobs_post_results_back_to_the_loop);
  return TEST_DONE();
}

/* Loop timers: deadline order, ties, cancel and restart (also from inside
 * callbacks), thousands of timers, and a real wait on the clock. */
#include <stdlib.h>

#include "base/time.h"
#include "io/loop.h"
#include "test.h"

#define MAX_LOG 20000

/* Records the order timers fire in. */
typedef struct {
  int fired[MAX_LOG];
  int count;
} log_t;

typedef struct {
  log_t *log;
  int id;
  cgrpc_timer_t timer;
  cgrpc_timer_t *other; /* for callbacks that act on another timer */
} item_t;

static void record(void *arg) {
  item_t *it = arg;
  if (it->log->count < MAX_LOG) it->log->fired[it->log->count++] = it->id;
}

static void init_item(item_t *it, log_t *log, int id, cgrpc_loop_fn fn) {
  it->log = log;
  it->id = id;
  it->other = NULL;
  cgrpc_timer_init(&it->timer, fn, it);
}

static cgrpc_loop_t *new_loop(void) {
  cgrpc_loop_t *loop = NULL;
  CHECK_EQ_INT(cgrpc_loop_new(&loop), 0);
  return loop;
}

static void test_fire_in_deadline_order_ties_in_start_order(void) {
  cgrpc_loop_t *loop = new_loop();
  log_t log = {0};
  item_t items[6];
  /* Deadlines in the past, so one iteration fires everything that is due. */
  int64_t base = cgrpc_loop_now(loop) - 1000;
  int64_t offsets[6] = {50, 10, 30, 10, 0, 30};
  for (int i = 0; i < 6; i++) {
    init_item(&items[i], &log, i, record);
    CHECK_EQ_INT(cgrpc_timer_start(loop, &items[i].timer, base + offsets[i]), 0);
    CHECK(cgrpc_timer_pending(&items[i].timer));
  }
  CHECK_EQ_INT(cgrpc_loop_run_once(loop, 0), 0);
  int want[6] = {4, 1, 3, 2, 5, 0};
  CHECK_EQ_INT(log.count, 6);
  for (int i = 0; i < 6; i++) CHECK_EQ_INT(log.fired[i], want[i]);
  for (int i = 0; i < 6; i++) CHECK(!cgrpc_timer_pending(&items[i].timer));
  cgrpc_loop_free(loop);
}

static void test_future_timer_does_not_fire_early(void) {
  cgrpc_loop_t *loop = new_loop();
  log_t log = {0};
  item_t it;
  init_item(&it, &log, 1, record);
  cgrpc_timer_start(loop, &it.timer, cgrpc_loop_now(loop) + 3600 * CGRPC_NS_PER_SEC);
  CHECK_EQ_INT(cgrpc_loop_run_once(loop, 0), 0);
  CHECK_EQ_INT(log.count, 0);
  CHECK(cgrpc_timer_pending(&it.timer));
  cgrpc_timer_cancel(&it.timer);
  cgrpc_loop_free(loop);
}

static void test_cancel_and_restart(void) {
  cgrpc_loop_t *loop = new_loop();
  log_t log = {0};
  item_t a, b, c;
  init_item(&a, &log, 1, record);
  init_item(&b, &log, 2, record);
  init_item(&c, &log, 3, record);
  int64_t now = cgrpc_loop_now(loop);
  cgrpc_timer_start(loop, &a.timer, now - 30);
  cgrpc_timer_start(loop, &b.timer, now - 20);
  cgrpc_timer_start(loop, &c.timer, now - 10);
  cgrpc_timer_cancel(&b.timer);
  CHECK(!cgrpc_timer_pending(&b.timer));
  cgrpc_timer_cancel(&b.timer); /* already cancelled: no-op */
  /* Restarting moves a pending timer: a now fires after c. */
  cgrpc_timer_start(loop, &a.timer, now - 5);
  cgrpc_loop_run_once(loop, 0);
  CHECK_EQ_INT(log.count, 2);
  CHECK_EQ_INT(log.fired[0], 3);
  CHECK_EQ_INT(log.fired[1], 1);
  cgrpc_timer_cancel(&a.timer); /* already fired: no-op */
  item_t never;
  init_item(&never, &log, 4, record);
  cgrpc_timer_cancel(&never.timer); /* never started: no-op */
  cgrpc_loop_run_once(loop, 0);
  CHECK_EQ_INT(log.count, 2);
  cgrpc_loop_free(loop);
}

static void cancel_self_and_other(void *arg) {
  item_t *it = arg;
  record(it);
  cgrpc_timer_cancel(&it->timer); /* own timer: already idle, a no-op */
  cgrpc_timer_cancel(it->other);
}

static void test_cancel_from_inside_a_callback(void) {
  cgrpc_loop_t *loop = new_loop();
  log_t log = {0};
  item_t first, victim, last;
  init_item(&first, &log, 1, cancel_self_and_other);
  init_item(&victim, &log, 2, record);
  init_item(&last, &log, 3, record);
  first.other = &victim.timer;
  int64_t now = cgrpc_loop_now(loop);
  cgrpc_timer_start(loop, &first.timer, now - 3);
  cgrpc_timer_start(loop, &victim.timer, now - 2); /* due in the same pass */
  cgrpc_timer_start(loop, &last.timer, now - 1);
  cgrpc_loop_run_once(loop, 0);
  CHECK_EQ_INT(log.count, 2);
  CHECK_EQ_INT(log.fired[0], 1);
  CHECK_EQ_INT(log.fired[1], 3);
  CHECK(!cgrpc_timer_pending(&victim.timer));
  cgrpc_loop_free(loop);
}

typedef struct {
  cgrpc_timer_t timer;
  cgrpc_loop_t *loop;
  int runs;
} rearm_t;

static void rearm_in_the_past(void *arg) {
  rearm_t *r = arg;
  r->runs++;
  cgrpc_timer_start(r->loop, &r->timer, cgrpc_loop_now(r->loop) - 1);
}

/* A timer that restarts itself already due must not spin inside one
 * iteration: it fires once per iteration. */
static void test_restart_from_own_callback_waits_for_next_iteration(void) {
  cgrpc_loop_t *loop = new_loop();
  rearm_t r = {.loop = loop};
  cgrpc_timer_init(&r.timer, rearm_in_the_past, &r);
  cgrpc_timer_start(loop, &r.timer, cgrpc_loop_now(loop) - 1);
  cgrpc_loop_run_once(loop, 0);
  CHECK_EQ_INT(r.runs, 1);
  cgrpc_loop_run_once(loop, 0);
  CHECK_EQ_INT(r.runs, 2);
  CHECK(cgrpc_timer_pending(&r.timer));
  cgrpc_timer_cancel(&r.timer);
  cgrpc_loop_free(loop);
}

static void test_thousands_of_timers_with_random_cancels(void) {
  enum { N = 10000 };
  cgrpc_loop_t *loop = new_loop();
  static log_t log;
  static item_t items[N];
  log.count = 0;
  srand(12345);
  int64_t base = cgrpc_loop_now(loop) - 10 * CGRPC_NS_PER_SEC;
  int64_t deadline[N];
  for (int i = 0; i < N; i++) {
    init_item(&items[i], &log, i, record);
    deadline[i] = base + rand() % 100000;
    CHECK_EQ_INT(cgrpc_timer_start(loop, &items[i].timer, deadline[i]), 0);
  }
  /* Cancel every third, and move every seventh (still due). */
  int expected = 0;
  for (int i = 0; i < N; i++) {
    if (i % 3 == 0) {
      cgrpc_timer_cancel(&items[i].timer);
    } else {
      if (i % 7 == 0) {
        deadline[i] = base + rand() % 100000;
        cgrpc_timer_start(loop, &items[i].timer, deadline[i]);
      }
      expected++;
    }
  }
  cgrpc_loop_run_once(loop, 0);
  CHECK_EQ_INT(log.count, expected);
  bool ordered = true;
  for (int i = 0; i < log.count; i++) {
    int id = log.fired[i];
    if (id % 3 == 0) ordered = false;
    if (i > 0 && deadline[id] < deadline[log.fired[i - 1]]) ordered = false;
  }
  CHECK(ordered);
  cgrpc_loop_free(loop);
}

static void test_waits_for_a_real_deadline(void) {
  cgrpc_loop_t *loop = new_loop();
  log_t log = {0};
  item_t it;
  init_item(&it, &log, 1, record);
  int64_t start = cgrpc_now_ns();
  cgrpc_timer_start(loop, &it.timer, start + 20 * CGRPC_NS_PER_MS);
  /* With no fds ready, each run_once sleeps until the timer is due. */
  for (int i = 0; i < 100 && log.count == 0; i++) cgrpc_loop_run_once(loop, -1);
  int64_t elapsed = cgrpc_now_ns() - start;
  CHECK_EQ_INT(log.count, 1);
  CHECK(elapsed >= 20 * CGRPC_NS_PER_MS);
  CHECK(elapsed < 5 * CGRPC_NS_PER_SEC);
  CHECK(cgrpc_loop_now(loop) >= start + 20 * CGRPC_NS_PER_MS);
  cgrpc_loop_free(loop);
}

static void test_free_leaves_pending_timers_idle(void) {
  cgrpc_loop_t *loop = new_loop();
  log_t log = {0};
  item_t it;
  init_item(&it, &log, 1, record);
  cgrpc_timer_start(loop, &it.timer, cgrpc_loop_now(loop) + CGRPC_NS_PER_SEC);
  cgrpc_loop_free(loop);
  CHECK(!cgrpc_timer_pending(&it.timer));
  cgrpc_timer_cancel(&it.timer); /* must not touch the freed loop */
  CHECK_EQ_INT(log.count, 0);
}

int main(void) {
  TEST_RUN(test_fire_in_deadline_order_ties_in_start_order);
  TEST_RUN(test_future_timer_does_not_fire_early);
  TEST_RUN(test_cancel_and_restart);
  TEST_RUN(test_cancel_from_inside_a_callback);
  TEST_RUN(test_restart_from_own_callback_waits_for_next_iteration);
  TEST_RUN(test_thousands_of_timers_with_random_cancels);
  TEST_RUN(test_waits_for_a_real_deadline);
  TEST_RUN(test_free_leaves_pending_timers_idle);
  return TEST_DONE();
}

/* Loop guests: a waiting thread drives the loop on its own thread; the
 * owner takes the loop back (at once when asked, else after lingering);
 * one guest at a time; disabling guests waits for the guest to leave; a
 * stop reaches the owner while a guest drives. */
#define _GNU_SOURCE

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "base/time.h"
#include "io/loop.h"
#include "test.h"

#define MS CGRPC_NS_PER_MS

typedef struct {
  cgrpc_loop_t *loop;
  pthread_t owner;
} world_t;

static void *owner_main(void *arg) {
  world_t *w = arg;
  CHECK_EQ_INT(cgrpc_loop_run(w->loop), 0);
  return NULL;
}

static void start(world_t *w) {
  CHECK_EQ_INT(cgrpc_loop_new(&w->loop), 0);
  CHECK_EQ_INT(cgrpc_loop_enable_guests(w->loop), 0);
  CHECK_EQ_INT(pthread_create(&w->owner, NULL, owner_main, w), 0);
}

static void stop(world_t *w) {
  cgrpc_loop_stop(w->loop);
  pthread_join(w->owner, NULL);
  cgrpc_loop_free(w->loop);
}

/* A posted function records the thread it ran on. */
typedef struct {
  atomic_int ran;
  pthread_t thread;
} probe_t;

static void record_thread(void *arg) {
  probe_t *p = arg;
  p->thread = pthread_self();
  atomic_store(&p->ran, 1);
}

static bool wait_ran(probe_t *p) {
  for (int i = 0; i < 2000 && !atomic_load(&p->ran); i++) {
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
  }
  return atomic_load(&p->ran);
}

static void test_guest_runs_the_loop_on_its_own_thread(void) {
  world_t w;
  start(&w);
  CHECK(cgrpc_loop_guest_enter(w.loop));
  probe_t p = {0};
  CHECK_EQ_INT(cgrpc_loop_post(w.loop, record_thread, &p), 0);
  int64_t t0 = cgrpc_now_ns();
  while (!atomic_load(&p.ran) && cgrpc_now_ns() - t0 < 5000 * MS) {
    CHECK_EQ_INT(cgrpc_loop_run_once(w.loop, 100 * MS), 0);
  }
  CHECK(atomic_load(&p.ran));
  CHECK(pthread_equal(p.thread, pthread_self()));
  cgrpc_loop_guest_leave(w.loop, true);
  stop(&w);
}

/* After a guest leaves, work posted from elsewhere is done by the owner:
 * at once when the guest woke it, after the linger otherwise; also work
 * posted while the guest drove that the guest did not get to. */
static void test_owner_takes_the_loop_back(void) {
  for (int i = 0; i < 4; i++) {
    bool wake = i & 1, post_first = i & 2;
    world_t w;
    start(&w);
    CHECK(cgrpc_loop_guest_enter(w.loop));
    probe_t p = {0};
    if (post_first) CHECK_EQ_INT(cgrpc_loop_post(w.loop, record_thread, &p), 0);
    cgrpc_loop_guest_leave(w.loop, wake);
    if (!post_first) CHECK_EQ_INT(cgrpc_loop_post(w.loop, record_thread, &p), 0);
    CHECK(wait_ran(&p));
    CHECK(pthread_equal(p.thread, w.owner));
    stop(&w);
  }
}

typedef struct {
  world_t *w;
  atomic_int entered, left;
  atomic_int release; /* tells the guest to leave */
} guest_t;

/* A guest that drives until told to leave or until guests are disabled. */
static void *guest_main(void *arg) {
  guest_t *g = arg;
  if (!cgrpc_loop_guest_enter(g->w->loop)) return NULL;
  atomic_store(&g->entered, 1);
  while (!atomic_load(&g->release) && cgrpc_loop_guest_may_stay(g->w->loop)) {
    cgrpc_loop_run_once(g->w->loop, 10 * MS);
  }
  atomic_store(&g->left, 1); /* before leaving: a disable returns after the leave */
  cgrpc_loop_guest_leave(g->w->loop, false);
  return NULL;
}

/* Starts a loop and a guest thread that drives it, and waits until it does. */
static void start_with_guest(world_t *w, guest_t *g, pthread_t *t) {
  start(w);
  *g = (guest_t){.w = w};
  CHECK_EQ_INT(pthread_create(t, NULL, guest_main, g), 0);
  for (int i = 0; i < 5000 && !atomic_load(&g->entered); i++) {
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
  }
  CHECK(atomic_load(&g->entered));
}

static void test_one_guest_at_a_time(void) {
  world_t w;
  guest_t g;
  pthread_t t;
  start_with_guest(&w, &g, &t);
  CHECK(!cgrpc_loop_guest_enter(w.loop));
  atomic_store(&g.release, 1);
  pthread_join(t, NULL);
  CHECK(cgrpc_loop_guest_enter(w.loop));
  cgrpc_loop_guest_leave(w.loop, true);
  stop(&w);
}

static void test_disable_waits_for_the_guest_to_leave(void) {
  world_t w;
  guest_t g;
  pthread_t t;
  start_with_guest(&w, &g, &t);
  cgrpc_loop_disable_guests(w.loop);
  CHECK(atomic_load(&g.left));
  pthread_join(t, NULL);
  CHECK(!cgrpc_loop_guest_enter(w.loop));
  /* From now on the owner does all the work. */
  probe_t p = {0};
  CHECK_EQ_INT(cgrpc_loop_post(w.loop, record_thread, &p), 0);
  CHECK(wait_ran(&p));
  CHECK(pthread_equal(p.thread, w.owner));
  stop(&w);
}

static void test_stop_reaches_the_owner_while_a_guest_drives(void) {
  world_t w;
  guest_t g;
  pthread_t t;
  start_with_guest(&w, &g, &t);
  cgrpc_loop_stop(w.loop);
  pthread_join(w.owner, NULL); /* returns although the guest still drives */
  CHECK(!atomic_load(&g.left));
  atomic_store(&g.release, 1);
  pthread_join(t, NULL);
  cgrpc_loop_free(w.loop);
}

static void refuse_from_inside(void *arg) {
  cgrpc_loop_t *other = arg;
  CHECK(!cgrpc_loop_guest_enter(other)); /* already inside an iteration */
}

static void test_enter_refused_without_guests_or_inside_a_loop(void) {
  cgrpc_loop_t *plain;
  CHECK_EQ_INT(cgrpc_loop_new(&plain), 0);
  CHECK(!cgrpc_loop_guest_enter(plain));
  world_t w;
  start(&w);
  cgrpc_loop_task_t task;
  cgrpc_loop_task_init(&task, refuse_from_inside, w.loop);
  cgrpc_loop_defer(plain, &task);
  CHECK_EQ_INT(cgrpc_loop_run_once(plain, 0), 0);
  CHECK(!cgrpc_loop_task_pending(&task));
  stop(&w);
  cgrpc_loop_free(plain);
}

/* Work a guest runs "here" comes after what was posted before it: a thread
 * that posts an operation and then starts a blocking one as the guest
 * (cgrpc_call_half_close, then cgrpc_call_finish) must see them in that
 * order, or the second may free what the first still uses. */
typedef struct {
  atomic_int order[3];
  atomic_int count;
} order_t;

static order_t g_order;

static void note_order(int id) {
  int i = atomic_fetch_add(&g_order.count, 1);
  if (i < 3) atomic_store(&g_order.order[i], id);
}

static void busy_first(void *arg) {
  (void)arg;
  note_order(1);
  struct timespec ts = {0, 50 * 1000000L};
  nanosleep(&ts, NULL);
}

static void posted_second(void *arg) {
  (void)arg;
  note_order(2);
}

static void here_third(void *arg) {
  (void)arg;
  note_order(3);
}

static void test_run_here_comes_after_earlier_posts(void) {
  world_t w;
  start(&w);
  memset(&g_order, 0, sizeof g_order);
  CHECK_EQ_INT(cgrpc_loop_post(w.loop, busy_first, NULL), 0);
  struct timespec ts = {0, 10 * 1000000L};
  nanosleep(&ts, NULL); /* the owner is inside busy_first now */
  CHECK_EQ_INT(cgrpc_loop_post(w.loop, posted_second, NULL), 0);
  CHECK(cgrpc_loop_guest_enter(w.loop));
  cgrpc_loop_run_here(w.loop, here_third, NULL);
  cgrpc_loop_guest_leave(w.loop, true);
  stop(&w);
  CHECK_EQ_INT(atomic_load(&g_order.count), 3);
  CHECK_EQ_INT(atomic_load(&g_order.order[0]), 1);
  CHECK_EQ_INT(atomic_load(&g_order.order[1]), 2);
  CHECK_EQ_INT(atomic_load(&g_order.order[2]), 3);
}

int main(void) {
  TEST_RUN(test_run_here_comes_after_earlier_posts);
  TEST_RUN(test_guest_runs_the_loop_on_its_own_thread);
  TEST_RUN(test_owner_takes_the_loop_back);
  TEST_RUN(test_one_guest_at_a_time);
  TEST_RUN(test_disable_waits_for_the_guest_to_leave);
  TEST_RUN(test_stop_reaches_the_owner_while_a_guest_drives);
  TEST_RUN(test_enter_refused_without_guests_or_inside_a_loop);
  return TEST_DONE();
}

/* Loop core: fd watches (including removal from inside callbacks of the
 * same epoll batch), interest changes, deferred tasks, stop, thread check. */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/time.h"
#include "io/loop.h"
#include "test.h"

#define N_CONNS 8

static cgrpc_loop_t *new_loop(void) {
  cgrpc_loop_t *loop = NULL;
  CHECK_EQ_INT(cgrpc_loop_new(&loop), 0);
  return loop;
}

static void make_pipe(int fds[2]) { CHECK_EQ_INT(pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0); }

static void write_byte(int fd) { CHECK_EQ_INT(write(fd, "x", 1), 1); }

/* A watched pipe, heap-allocated so a use after free shows under ASan. */
typedef struct conn {
  int fds[2];
  cgrpc_watch_id_t watch;
  int calls;
  unsigned last_events;
} conn_t;

/* What the callback under test does to the other conns. */
typedef struct {
  conn_t *conns[N_CONNS];
  conn_t *first; /* the conn whose callback ran first */
  conn_t *replacement;
} world_t;

static world_t world;

static conn_t *conn_new(cgrpc_loop_t *loop, cgrpc_watch_fn fn) {
  conn_t *c = cgrpc_malloc(sizeof *c);
  *c = (conn_t){.calls = 0};
  make_pipe(c->fds);
  CHECK_EQ_INT(cgrpc_loop_watch_add(loop, c->fds[0], CGRPC_IO_READ, fn, c, &c->watch), 0);
  CHECK(c->watch != 0);
  return c;
}

static void conn_free(cgrpc_loop_t *loop, conn_t *c) {
  cgrpc_loop_watch_remove(loop, c->watch);
  close(c->fds[0]);
  close(c->fds[1]);
  cgrpc_free(c);
}

static void on_readable_count(cgrpc_loop_t *loop, int fd, unsigned events, void *arg) {
  conn_t *c = arg;
  c->calls++;
  c->last_events = events;
}

/* The first conn to fire frees every other conn, then opens a readable
 * replacement (which reuses a freed watch slot). */
static void on_readable_kill_others(cgrpc_loop_t *loop, int fd, unsigned events, void *arg) {
  conn_t *c = arg;
  c->calls++;
  if (world.first) return;
  world.first = c;
  for (int i = 0; i < N_CONNS; i++) {
    if (world.conns[i] == c) continue;
    conn_free(loop, world.conns[i]);
    world.conns[i] = NULL;
  }
  world.replacement = conn_new(loop, on_readable_count);
  write_byte(world.replacement->fds[1]);
}

/* Every pipe is readable, so all events come in one epoll batch. Whichever
 * conn fires first frees the others; their queued events must be dropped
 * (under ASan a use after free aborts), and the replacement watch in a
 * recycled slot must not receive a stale event meant for a freed one. */
static void test_remove_other_fds_inside_the_same_batch(void) {
  cgrpc_loop_t *loop = new_loop();
  world = (world_t){.first = NULL};
  for (int i = 0; i < N_CONNS; i++) {
    world.conns[i] = conn_new(loop, on_readable_kill_others);
    write_byte(world.conns[i]->fds[1]);
  }
  CHECK_EQ_INT(cgrpc_loop_run_once(loop, CGRPC_NS_PER_SEC), 0);
  CHECK(world.first != NULL);
  if (!world.first) return;
  CHECK_EQ_INT(world.first->calls, 1);
  CHECK_EQ_INT(world.replacement->calls, 0);
  /* The replacement is readable: it fires on the next iteration. */
  CHECK_EQ_INT(cgrpc_loop_run_once(loop, CGRPC_NS_PER_SEC), 0);
  CHECK_EQ_INT(world.replacement->calls, 1);
  conn_free(loop, world.replacement);
  conn_free(loop, world.first);
  cgrpc_loop_free(loop);
}

static void on_readable_free_self(cgrpc_loop_t *loop, int fd, unsigned events, void *arg) {
  conn_t *c = arg;
  world.first = c;
  conn_free(loop, c);
}

static void test_remove_own_watch_and_free_inside_callback(void) {
  cgrpc_loop_t *loop = new_loop();
  world = (world_t){.first = NULL};
  conn_t *c = conn_new(loop, on_readable_free_self);
  cgrpc_watch_id_t stale = c->watch;
  write_byte(c->fds[1]);
  cgrpc_loop_run_once(loop, CGRPC_NS_PER_SEC);
  CHECK(world.first == c);
  /* The id is stale now: operations on it are refused or ignored. */
  CHECK_EQ_INT(cgrpc_loop_watch_set(loop, stale, CGRPC_IO_READ), -ENOENT);
  cgrpc_loop_watch_remove(loop, stale);
  cgrpc_loop_watch_remove(loop, 0);
  cgrpc_loop_free(loop);
}

/* Interest 0 takes the fd out of epoll: a pipe whose writer is closed (a
 * permanent hang-up) must not wake the loop while paused. */
static void test_paused_watch_ignores_hangup(void) {
  cgrpc_loop_t *loop = new_loop();
  conn_t *c = conn_new(loop, on_readable_count);
  close(c->fds[1]);
  c->fds[1] = -1;
  cgrpc_loop_run_once(loop, CGRPC_NS_PER_SEC);
  CHECK_EQ_INT(c->calls, 1);
  CHECK_EQ_UINT(c->last_events, CGRPC_IO_READ); /* hang-up reported as readable */
  CHECK_EQ_INT(cgrpc_loop_watch_set(loop, c->watch, 0), 0);
  CHECK_EQ_INT(cgrpc_loop_watch_set(loop, c->watch, 0), 0); /* unchanged: no-op */
  int64_t start = cgrpc_now_ns();
  cgrpc_loop_run_once(loop, 30 * CGRPC_NS_PER_MS);
  CHECK_EQ_INT(c->calls, 1);
  CHECK(cgrpc_now_ns() - start >= 20 * CGRPC_NS_PER_MS); /* it slept, it did not spin */
  CHECK_EQ_INT(cgrpc_loop_watch_set(loop, c->watch, CGRPC_IO_READ), 0);
  cgrpc_loop_run_once(loop, CGRPC_NS_PER_SEC);
  CHECK_EQ_INT(c->calls, 2);
  conn_free(loop, c);
  cgrpc_loop_free(loop);
}

static void test_write_interest(void) {
  cgrpc_loop_t *loop = new_loop();
  int fds[2];
  make_pipe(fds);
  conn_t c = {.calls = 0};
  cgrpc_watch_id_t id;
  /* Registered paused, then switched to write: an empty pipe is writable. */
  CHECK_EQ_INT(cgrpc_loop_watch_add(loop, fds[1], 0, on_readable_count, &c, &id), 0);
  cgrpc_loop_run_once(loop, 0);
  CHECK_EQ_INT(c.calls, 0);
  CHECK_EQ_INT(cgrpc_loop_watch_set(loop, id, CGRPC_IO_WRITE | CGRPC_IO_READ), 0);
  cgrpc_loop_run_once(loop, CGRPC_NS_PER_SEC);
  CHECK_EQ_INT(c.calls, 1);
  CHECK_EQ_UINT(c.last_events, CGRPC_IO_WRITE);
  cgrpc_loop_watch_remove(loop, id);
  close(fds[0]);
  close(fds[1]);
  cgrpc_loop_free(loop);
}

/* ---- Deferred tasks ----------------------------------------------------- */

typedef struct {
  cgrpc_loop_t *loop;
  cgrpc_loop_task_t task;
  cgrpc_loop_task_t *chain; /* deferred by this task when it runs */
  int id;
  int *order;
  int *count;
} task_item_t;

static void run_task(void *arg) {
  task_item_t *t = arg;
  t->order[(*t->count)++] = t->id;
  if (t->chain) cgrpc_loop_defer(t->loop, t->chain);
}

static void test_deferred_tasks(void) {
  cgrpc_loop_t *loop = new_loop();
  int order[8], count = 0;
  task_item_t t[4];
  for (int i = 0; i < 4; i++) {
    t[i] = (task_item_t){.loop = loop, .id = i, .order = order, .count = &count};
    cgrpc_loop_task_init(&t[i].task, run_task, &t[i]);
  }
  t[0].chain = &t[3].task; /* deferred while tasks run: same iteration */
  cgrpc_loop_defer(loop, &t[1].task);
  cgrpc_loop_defer(loop, &t[0].task);
  cgrpc_loop_defer(loop, &t[1].task); /* already queued: no-op */
  cgrpc_loop_defer(loop, &t[2].task);
  cgrpc_loop_task_cancel(&t[2].task);
  CHECK(!cgrpc_loop_task_pending(&t[2].task));
  CHECK(cgrpc_loop_task_pending(&t[0].task));
  /* Pending tasks make the loop poll instead of sleep for the full timeout. */
  int64_t start = cgrpc_now_ns();
  cgrpc_loop_run_once(loop, 10 * CGRPC_NS_PER_SEC);
  CHECK(cgrpc_now_ns() - start < 5 * CGRPC_NS_PER_SEC);
  CHECK_EQ_INT(count, 3);
  CHECK_EQ_INT(order[0], 1);
  CHECK_EQ_INT(order[1], 0);
  CHECK_EQ_INT(order[2], 3);
  CHECK(!cgrpc_loop_task_pending(&t[0].task));
  /* Dropped, not run, when the loop is freed. */
  cgrpc_loop_defer(loop, &t[2].task);
  cgrpc_loop_free(loop);
  CHECK_EQ_INT(count, 3);
  CHECK(!cgrpc_loop_task_pending(&t[2].task));
}

/* ---- Stop and thread identity ------------------------------------------- */

static void *stop_later(void *arg) {
  struct timespec ts = {0, 20 * 1000 * 1000};
  nanosleep(&ts, NULL);
  cgrpc_loop_stop(arg);
  return NULL;
}

static void test_stop_from_another_thread(void) {
  cgrpc_loop_t *loop = new_loop();
  pthread_t th;
  pthread_create(&th, NULL, stop_later, loop);
  CHECK_EQ_INT(cgrpc_loop_run(loop), 0);
  pthread_join(th, NULL);
  /* A stop before run makes the next run return at once. */
  cgrpc_loop_stop(loop);
  CHECK_EQ_INT(cgrpc_loop_run(loop), 0);
  cgrpc_loop_free(loop);
}

typedef struct {
  cgrpc_loop_t *loop;
  bool inside;
} thread_check_t;

static void check_thread(void *arg) {
  thread_check_t *tc = arg;
  tc->inside = cgrpc_loop_in_thread(tc->loop);
}

static void test_in_thread(void) {
  cgrpc_loop_t *loop = new_loop();
  cgrpc_loop_t *other = new_loop();
  CHECK(!cgrpc_loop_in_thread(loop));
  thread_check_t tc = {loop, false};
  cgrpc_loop_task_t task;
  cgrpc_loop_task_init(&task, check_thread, &tc);
  cgrpc_loop_defer(loop, &task);
  cgrpc_loop_run_once(loop, 0);
  CHECK(tc.inside);
  tc.loop = other; /* a callback of `loop` is not on `other` */
  cgrpc_loop_defer(loop, &task);
  cgrpc_loop_run_once(loop, 0);
  CHECK(!tc.inside);
  CHECK(!cgrpc_loop_in_thread(loop));
  cgrpc_loop_free(other);
  cgrpc_loop_free(loop);
}

int main(void) {
  TEST_RUN(test_remove_other_fds_inside_the_same_batch);
  TEST_RUN(test_remove_own_watch_and_free_inside_callback);
  TEST_RUN(test_paused_watch_ignores_hangup);
  TEST_RUN(test_write_interest);
  TEST_RUN(test_deferred_tasks);
  TEST_RUN(test_stop_from_another_thread);
  TEST_RUN(test_in_thread);
  return TEST_DONE();
}

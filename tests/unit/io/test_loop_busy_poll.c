/* Loop busy polling: the loop spins instead of sleeping for the configured
 * time, and an event, a post, a timer or a stop that comes during the spin
 * is handled at once; a run_once() timeout shorter than the spin still
 * bounds the wait. Time bounds here are generous (10x and more): they tell a
 * spin that saw the event from one that ran to its end. */
#define _GNU_SOURCE

#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <time.h>
#include <unistd.h>

#include "base/time.h"
#include "io/loop.h"
#include "test.h"

#define MS CGRPC_NS_PER_MS

static cgrpc_loop_t *new_loop(int64_t busy_poll_ns) {
  cgrpc_loop_t *loop = NULL;
  CHECK_EQ_INT(cgrpc_loop_new(&loop), 0);
  cgrpc_loop_set_busy_poll(loop, busy_poll_ns);
  return loop;
}

static int64_t thread_cpu_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (int64_t)ts.tv_sec * CGRPC_NS_PER_SEC + ts.tv_nsec;
}

static void sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* Idle, with a spin of 30 ms inside a 60 ms wait: the thread burns CPU for
 * the spin (a sleeping thread burns next to none) and still waits the whole
 * 60 ms. Without busy polling the same wait costs almost no CPU. */
static void test_spins_then_sleeps_for_the_rest_of_the_wait(void) {
  for (int on = 0; on <= 1; on++) {
    /* The spin yields between polls, so on a loaded machine other threads
     * may take most of its 30 ms (seen: 0.3 ms of CPU at a load of 8 on
     * 2 cores): a spin shows as CPU in one of up to 20 tries, a sleep in
     * none. */
    bool spun = false;
    for (int attempt = 0; attempt < 20 && (on ? !spun : attempt == 0); attempt++) {
      cgrpc_loop_t *loop = new_loop(on ? 30 * MS : 0);
      int64_t start = cgrpc_now_ns(), cpu = thread_cpu_ns();
      CHECK_EQ_INT(cgrpc_loop_run_once(loop, 60 * MS), 0);
      int64_t elapsed = cgrpc_now_ns() - start, spent = thread_cpu_ns() - cpu;
      CHECK(elapsed >= 60 * MS);
      spun = spent >= 3 * MS;
      cgrpc_loop_free(loop);
    }
    CHECK(spun == (on == 1));
  }
}

typedef struct {
  int fd;
  int delay_ms;
} delayed_write_t;

static void *write_later(void *arg) {
  delayed_write_t *w = arg;
  sleep_ms(w->delay_ms);
  CHECK_EQ_INT(write(w->fd, "x", 1), 1);
  return NULL;
}

static void on_readable(cgrpc_loop_t *loop, int fd, unsigned events, void *arg) {
  (void)loop;
  (void)events;
  char c;
  if (read(fd, &c, 1) == 1) ++*(int *)arg;
}

static void test_event_during_spin_is_handled_at_once(void) {
  cgrpc_loop_t *loop = new_loop(2000 * MS);
  int fds[2], reads = 0;
  CHECK_EQ_INT(pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
  cgrpc_watch_id_t id;
  CHECK_EQ_INT(cgrpc_loop_watch_add(loop, fds[0], CGRPC_IO_READ, on_readable, &reads, &id), 0);
  delayed_write_t w = {fds[1], 5};
  pthread_t t;
  CHECK_EQ_INT(pthread_create(&t, NULL, write_later, &w), 0);
  int64_t start = cgrpc_now_ns();
  while (reads == 0 && cgrpc_now_ns() - start < 5000 * MS) cgrpc_loop_run_once(loop, -1);
  CHECK_EQ_INT(reads, 1);
  CHECK(cgrpc_now_ns() - start < 1000 * MS);
  pthread_join(t, NULL);
  cgrpc_loop_watch_remove(loop, id);
  close(fds[0]);
  close(fds[1]);
  cgrpc_loop_free(loop);
}

static void set_flag(void *arg) { *(int *)arg = 1; }

static void test_timer_due_during_spin_fires_on_time(void) {
  cgrpc_loop_t *loop = new_loop(2000 * MS);
  int fired = 0;
  cgrpc_timer_t timer;
  cgrpc_timer_init(&timer, set_flag, &fired);
  int64_t start = cgrpc_now_ns();
  cgrpc_timer_start(loop, &timer, start + 20 * MS);
  while (!fired && cgrpc_now_ns() - start < 5000 * MS) cgrpc_loop_run_once(loop, -1);
  CHECK(fired);
  int64_t elapsed = cgrpc_now_ns() - start;
  CHECK(elapsed >= 20 * MS);
  CHECK(elapsed < 1000 * MS);
  cgrpc_loop_free(loop);
}

static void test_timeout_shorter_than_spin_bounds_the_wait(void) {
  cgrpc_loop_t *loop = new_loop(2000 * MS);
  int64_t start = cgrpc_now_ns();
  CHECK_EQ_INT(cgrpc_loop_run_once(loop, 10 * MS), 0);
  CHECK(cgrpc_now_ns() - start < 1000 * MS);
  cgrpc_loop_free(loop);
}

typedef struct {
  cgrpc_loop_t *loop;
  int ran;
} post_stop_t;

static void stop_from_post(void *arg) {
  post_stop_t *ps = arg;
  ps->ran = 1;
  cgrpc_loop_stop(ps->loop);
}

static void *post_later(void *arg) {
  post_stop_t *ps = arg;
  sleep_ms(5);
  CHECK_EQ_INT(cgrpc_loop_post(ps->loop, stop_from_post, ps), 0);
  return NULL;
}

/* A post from another thread reaches a spinning loop (through its eventfd)
 * and the stop it makes ends cgrpc_loop_run() without waiting for the spin. */
static void test_post_and_stop_reach_a_spinning_loop(void) {
  post_stop_t ps = {new_loop(2000 * MS), 0};
  pthread_t t;
  int64_t start = cgrpc_now_ns();
  CHECK_EQ_INT(pthread_create(&t, NULL, post_later, &ps), 0);
  CHECK_EQ_INT(cgrpc_loop_run(ps.loop), 0);
  CHECK(ps.ran);
  CHECK(cgrpc_now_ns() - start < 1000 * MS);
  pthread_join(t, NULL);
  cgrpc_loop_free(ps.loop);
}

int main(void) {
  TEST_RUN(test_spins_then_sleeps_for_the_rest_of_the_wait);
  TEST_RUN(test_event_during_spin_is_handled_at_once);
  TEST_RUN(test_timer_due_during_spin_fires_on_time);
  TEST_RUN(test_timeout_shorter_than_spin_bounds_the_wait);
  TEST_RUN(test_post_and_stop_reach_a_spinning_loop);
  return TEST_DONE();
}

/* The event loop on epoll: iterations, fd watches, deferred tasks, stop.
 * Timers live in timer.c and the cross-thread queue in post.c.
 *
 * Level-triggered, deliberately. A level-triggered fd keeps reporting while
 * it is ready, so the transport may read a bounded amount per connection per
 * iteration (fairness between busy connections) and leave the rest for the
 * next iteration without keeping its own "still readable" list, and a callback
 * that returns early never loses a wakeup. Edge-triggered would save the
 * epoll_ctl() calls that turn write interest on when a socket buffer fills
 * and off when it drains, but those only happen under back-pressure; in the
 * common case a connection watches READ only and writes go straight out.
 * The one trap of level-triggering, an fd with a pending error or hang-up
 * that nobody wants to read, is closed by taking fds with no interest out of
 * epoll altogether (cgrpc_loop_watch_set(..., 0)).
 *
 * Watches live in a slot table owned by the loop. epoll carries a slot's id
 * (index plus generation) rather than a pointer, so a callback may remove any
 * watch and free its owner mid-batch: the later event for it finds a newer
 * generation and is skipped.
 */
#define _GNU_SOURCE

#include "io/loop.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/time.h"
#include "io/loop_internal.h"

#define MAX_EVENTS 256
#define WAKE_ID 0 /* epoll data of the wakeup eventfd; watch ids are never 0 */
#define NO_SLOT UINT32_MAX
#define FIRST_SLOTS 16

/* The loop this thread is running, for cgrpc_loop_in_thread(). */
static _Thread_local const cgrpc_loop_t *running_loop;

int cgrpc_loop_new(cgrpc_loop_t **out) {
  *out = NULL;
  cgrpc_loop_t *loop = cgrpc_malloc(sizeof *loop);
  if (!loop) return -ENOMEM;
  memset(loop, 0, sizeof *loop);
  loop->wakefd = -1;
  loop->free_slot = NO_SLOT;
  loop->tasks.next = loop->tasks.prev = &loop->tasks;
  atomic_init(&loop->stop_requested, false);
  atomic_init(&loop->closing, false);
  int err = cgrpc_post_queue_init(&loop->posts);
  if (err) {
    cgrpc_free(loop);
    return err;
  }
  loop->epfd = epoll_create1(EPOLL_CLOEXEC);
  if (loop->epfd < 0) goto fail;
  loop->wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (loop->wakefd < 0) goto fail;
  struct epoll_event ev = {.events = EPOLLIN, .data.u64 = WAKE_ID};
  if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, loop->wakefd, &ev) != 0) goto fail;
  loop->now = cgrpc_now_ns();
  *out = loop;
  return 0;

fail:
  err = -errno;
  if (loop->wakefd >= 0) close(loop->wakefd);
  if (loop->epfd >= 0) close(loop->epfd);
  cgrpc_post_queue_destroy(&loop->posts);
  cgrpc_free(loop);
  return err;
}

void cgrpc_loop_free(cgrpc_loop_t *loop) {
  if (!loop) return;
  atomic_store(&loop->closing, true);
  const cgrpc_loop_t *outer = running_loop;
  running_loop = loop; /* the posts below run "on the loop thread" */
  while (cgrpc_post_queue_run(loop) > 0) {
  }
  running_loop = outer;
  while (loop->tasks.next != &loop->tasks) cgrpc_loop_task_cancel(loop->tasks.next);
  cgrpc_timers_clear(loop);
  close(loop->wakefd);
  close(loop->epfd);
  cgrpc_free(loop->slots);
  cgrpc_post_queue_destroy(&loop->posts);
  cgrpc_loop_guests_destroy(loop);
  cgrpc_free(loop);
}

void cgrpc_loop_wake(cgrpc_loop_t *loop) {
  uint64_t one = 1;
  /* Only fails with EAGAIN when the counter is about to overflow, and then
   * the loop is already due to wake. */
  ssize_t n = write(loop->wakefd, &one, sizeof one);
  (void)n;
}

void cgrpc_loop_stop(cgrpc_loop_t *loop) {
  int saved_errno = errno; /* callable from signal handlers */
  atomic_store(&loop->stop_requested, true);
  cgrpc_loop_wake(loop);
  errno = saved_errno;
}

bool cgrpc_loop_in_thread(const cgrpc_loop_t *loop) { return running_loop == loop; }

bool cgrpc_loop_thread_busy(void) { return running_loop != NULL; }

bool cgrpc_loop_is_closing(const cgrpc_loop_t *loop) { return atomic_load(&loop->closing); }

int64_t cgrpc_loop_now(const cgrpc_loop_t *loop) { return loop->now; }

void cgrpc_loop_set_busy_poll(cgrpc_loop_t *loop, int64_t ns) {
  loop->busy_poll_ns = ns > 0 ? ns : 0;
}

/* ---- Watches ------------------------------------------------------------ */

static cgrpc_watch_slot_t *slot_of(cgrpc_loop_t *loop, cgrpc_watch_id_t id) {
  uint32_t index = (uint32_t)id;
  if (index >= loop->nslots) return NULL;
  cgrpc_watch_slot_t *s = &loop->slots[index];
  return s->used && s->gen == (uint32_t)(id >> 32) ? s : NULL;
}

static int grow_slots(cgrpc_loop_t *loop) {
  uint32_t n = loop->nslots ? loop->nslots * 2 : FIRST_SLOTS;
  if (n <= loop->nslots || n == NO_SLOT) return -ENOMEM;
  cgrpc_watch_slot_t *slots = cgrpc_realloc(loop->slots, n * sizeof *slots);
  if (!slots) return -ENOMEM;
  /* Thread the new slots onto the free list, lowest index first. */
  for (uint32_t i = loop->nslots; i < n; i++) {
    slots[i] = (cgrpc_watch_slot_t){.gen = 1, .next_free = i + 1 < n ? i + 1 : loop->free_slot};
  }
  loop->free_slot = loop->nslots;
  loop->slots = slots;
  loop->nslots = n;
  return 0;
}

static int epoll_update(cgrpc_loop_t *loop, int op, int fd, unsigned interest,
                        cgrpc_watch_id_t id) {
  struct epoll_event ev = {
      .events = ((interest & CGRPC_IO_READ) ? EPOLLIN : 0u) |
                ((interest & CGRPC_IO_WRITE) ? EPOLLOUT : 0u),
      .data.u64 = id,
  };
  return epoll_ctl(loop->epfd, op, fd, &ev) == 0 ? 0 : -errno;
}

int cgrpc_loop_watch_add(cgrpc_loop_t *loop, int fd, unsigned interest, cgrpc_watch_fn fn,
                         void *arg, cgrpc_watch_id_t *id_out) {
  *id_out = 0;
  interest &= CGRPC_IO_READ | CGRPC_IO_WRITE;
  if (loop->free_slot == NO_SLOT) {
    int err = grow_slots(loop);
    if (err) return err;
  }
  uint32_t index = loop->free_slot;
  cgrpc_watch_slot_t *s = &loop->slots[index];
  cgrpc_watch_id_t id = (uint64_t)s->gen << 32 | index;
  if (interest) {
    int err = epoll_update(loop, EPOLL_CTL_ADD, fd, interest, id);
    if (err) return err;
  }
  loop->free_slot = s->next_free;
  s->fn = fn;
  s->arg = arg;
  s->fd = fd;
  s->interest = interest;
  s->used = true;
  *id_out = id;
  return 0;
}

int cgrpc_loop_watch_set(cgrpc_loop_t *loop, cgrpc_watch_id_t id, unsigned interest) {
  cgrpc_watch_slot_t *s = slot_of(loop, id);
  if (!s) return -ENOENT;
  interest &= CGRPC_IO_READ | CGRPC_IO_WRITE;
  if (interest == s->interest) return 0;
  int op = s->interest == 0 ? EPOLL_CTL_ADD : interest == 0 ? EPOLL_CTL_DEL : EPOLL_CTL_MOD;
  int err = epoll_update(loop, op, s->fd, interest, id);
  if (err) return err;
  s->interest = interest;
  return 0;
}

void cgrpc_loop_watch_remove(cgrpc_loop_t *loop, cgrpc_watch_id_t id) {
  cgrpc_watch_slot_t *s = slot_of(loop, id);
  if (!s) return;
  /* Fails only if the caller closed the fd first, and then the kernel has
   * already dropped it from the epoll set. */
  if (s->interest) epoll_update(loop, EPOLL_CTL_DEL, s->fd, 0, id);
  uint32_t index = (uint32_t)id;
  s->used = false;
  s->gen = s->gen + 1 ? s->gen + 1 : 1;
  s->next_free = loop->free_slot;
  loop->free_slot = index;
}

/* ---- Deferred tasks ----------------------------------------------------- */

void cgrpc_loop_task_init(cgrpc_loop_task_t *task, cgrpc_loop_fn fn, void *arg) {
  task->next = task->prev = NULL;
  task->fn = fn;
  task->arg = arg;
}

void cgrpc_loop_defer(cgrpc_loop_t *loop, cgrpc_loop_task_t *task) {
  if (task->next) return;
  cgrpc_loop_task_t *head = &loop->tasks;
  task->next = head;
  task->prev = head->prev;
  head->prev->next = task;
  head->prev = task;
}

void cgrpc_loop_task_cancel(cgrpc_loop_task_t *task) {
  if (!task->next) return;
  task->prev->next = task->next;
  task->next->prev = task->prev;
  task->next = task->prev = NULL;
}

bool cgrpc_loop_task_pending(const cgrpc_loop_task_t *task) { return task->next != NULL; }

static void run_tasks(cgrpc_loop_t *loop) {
  while (loop->tasks.next != &loop->tasks) {
    cgrpc_loop_task_t *task = loop->tasks.next;
    cgrpc_loop_task_cancel(task);
    task->fn(task->arg);
  }
}

/* ---- Iterations --------------------------------------------------------- */

/* How long epoll_wait may sleep, in ms rounded up (rounding down would wake
 * before the timer is due and spin); -1 for no limit. */
static int wait_ms(cgrpc_loop_t *loop, int64_t timeout_ns) {
  if (loop->tasks.next != &loop->tasks) return 0;
  int64_t wait = timeout_ns;
  int64_t deadline = cgrpc_timers_next_deadline(loop);
  if (deadline != CGRPC_INFINITE) {
    int64_t now = cgrpc_now_ns();
    int64_t until = deadline > now ? deadline - now : 0;
    if (wait < 0 || until < wait) wait = until;
  }
  if (wait < 0) return -1;
  int64_t ms = wait / CGRPC_NS_PER_MS + (wait % CGRPC_NS_PER_MS != 0);
  return ms > INT_MAX ? INT_MAX : (int)ms;
}

static void dispatch(cgrpc_loop_t *loop, const struct epoll_event *ev) {
  if (ev->data.u64 == WAKE_ID) {
    uint64_t count;
    ssize_t n = read(loop->wakefd, &count, sizeof count); /* EAGAIN: nothing to reset */
    (void)n;
    cgrpc_post_queue_run(loop);
    return;
  }
  cgrpc_watch_slot_t *s = slot_of(loop, ev->data.u64);
  if (!s) return;
  unsigned ready = 0;
  if (ev->events & (EPOLLIN | EPOLLERR | EPOLLHUP)) ready |= CGRPC_IO_READ;
  if (ev->events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) ready |= CGRPC_IO_WRITE;
  /* The interest may have shrunk since epoll_wait returned. */
  ready &= s->interest;
  if (ready) s->fn(loop, s->fd, ready, s->arg);
}

/* Busy polling: checks for events without sleeping until `until` (or the
 * next timer, if sooner), offering the CPU to any other runnable thread
 * between checks. The yield matters when that thread is the one waiting for
 * what this loop just delivered (a blocking caller pinned to the same core):
 * without it the spin would hold the core the caller needs. Returns what
 * epoll_wait returned last: events, 0 when the time is up, or -1. */
static int busy_poll(cgrpc_loop_t *loop, struct epoll_event *events, int64_t until) {
  int64_t timer = cgrpc_timers_next_deadline(loop);
  if (timer < until) until = timer;
  for (;;) {
    int n = epoll_wait(loop->epfd, events, MAX_EVENTS, 0);
    if (n != 0 || cgrpc_now_ns() >= until) return n;
    sched_yield();
  }
}

/* Waits for events: busy polling first when it is on and nothing is due
 * now, then sleeping in epoll_wait for what is left of the wait. */
static int wait_events(cgrpc_loop_t *loop, struct epoll_event *events, int64_t timeout_ns) {
  int ms = wait_ms(loop, timeout_ns);
  if (ms == 0 || loop->busy_poll_ns <= 0) return epoll_wait(loop->epfd, events, MAX_EVENTS, ms);
  int64_t start = cgrpc_now_ns();
  int64_t spin =
      timeout_ns >= 0 && timeout_ns < loop->busy_poll_ns ? timeout_ns : loop->busy_poll_ns;
  int n = busy_poll(loop, events, start + spin);
  if (n != 0) return n;
  if (timeout_ns >= 0) {
    int64_t spent = cgrpc_now_ns() - start;
    timeout_ns = spent < timeout_ns ? timeout_ns - spent : 0;
  }
  return epoll_wait(loop->epfd, events, MAX_EVENTS, wait_ms(loop, timeout_ns));
}

int cgrpc_loop_run_once(cgrpc_loop_t *loop, int64_t timeout_ns) {
  struct epoll_event events[MAX_EVENTS];
  int n = wait_events(loop, events, timeout_ns);
  if (n < 0) {
    if (errno != EINTR) return -errno;
    n = 0;
  }
  const cgrpc_loop_t *outer = running_loop;
  running_loop = loop;
  loop->now = cgrpc_now_ns();
  for (int i = 0; i < n; i++) dispatch(loop, &events[i]);
  cgrpc_timers_run(loop);
  run_tasks(loop);
  running_loop = outer;
  return 0;
}

void cgrpc_loop_run_here(cgrpc_loop_t *loop, cgrpc_loop_fn fn, void *arg) {
  const cgrpc_loop_t *outer = running_loop;
  running_loop = loop;
  loop->now = cgrpc_now_ns();
  /* Posts keep their order: what this thread (or another) posted before
   * runs first, or fn could, say, free a call a queued operation uses. */
  cgrpc_post_queue_run(loop);
  fn(arg);
  run_tasks(loop);
  running_loop = outer;
}

int cgrpc_loop_run(cgrpc_loop_t *loop) {
  if (loop->guests.enabled) return cgrpc_loop_run_owner(loop);
  while (!atomic_exchange(&loop->stop_requested, false)) {
    int err = cgrpc_loop_run_once(loop, -1);
    if (err) return err;
  }
  return 0;
}

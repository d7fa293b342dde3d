/* io/loop.h — the event loop: fd readiness, timers, cross-thread posts and
 * end-of-iteration tasks, on one thread.
 *
 * A server runs one loop per core, each on its own thread, and a connection
 * stays on one loop for its whole life. Everything a connection touches
 * (its fd watch, its timers, its deferred flush) therefore belongs to one
 * thread and needs no lock; the only door into a loop from other threads is
 * cgrpc_loop_post() (and cgrpc_loop_stop()).
 *
 * One iteration of the loop:
 *   1. wait in epoll_wait until an fd is ready, the next timer is due, or a
 *      post/stop wakes the loop (never waits when tasks are deferred);
 *   2. refresh the cached clock (cgrpc_loop_now());
 *   3. call the callbacks of ready fds; when the wakeup eventfd is among them,
 *      run every posted function, in the order they were posted;
 *   4. run the timers that are due, earliest deadline first;
 *   5. run the deferred tasks (cgrpc_loop_defer()) until none is left, so
 *      work queued by steps 3-4 (typically: "flush this connection's output")
 *      is done once per iteration, before the loop sleeps again.
 *
 * Threads: unless a function says "any thread", call it on the loop's thread
 * (from inside a callback of this loop), or from any one thread while no
 * thread runs the loop (setting up before cgrpc_loop_run(), tearing down after).
 * Loop functions must not be called re-entrantly: no cgrpc_loop_run_once()
 * from inside a callback.
 *
 * Errors are negative codes from io/error.h (mostly -errno).
 */
#ifndef CGRPC_SRC_IO_LOOP_H
#define CGRPC_SRC_IO_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct cgrpc_loop cgrpc_loop_t;

/* The callback of timers, posts and deferred tasks. */
typedef void (*cgrpc_loop_fn)(void *arg);

/* ---- Lifecycle ---------------------------------------------------------- */

/* Creates a loop (an epoll instance and a wakeup eventfd). On success stores
 * it in *out and returns 0; otherwise returns -errno (-EMFILE, -ENOMEM). */
int cgrpc_loop_new(cgrpc_loop_t **out);

/* Frees the loop. No thread may be running it, and every cgrpc_loop_post()
 * from another thread must have returned (stop the posting threads first, e.g.
 * shut the worker pool down). Posts are never dropped: functions still queued
 * run here, on the calling thread, in order, and so do posts they make in
 * turn, until the queue is empty; they can tell they run during teardown with
 * cgrpc_loop_is_closing() (release what they carry; the connection they were
 * meant for may be gone). Deferred tasks are dropped without running and
 * pending timers become idle (cgrpc_timer_cancel() on them stays a safe
 * no-op). Watched fds are not closed: they are the caller's. NULL is a no-op. */
void cgrpc_loop_free(cgrpc_loop_t *loop);

/* Runs iterations until cgrpc_loop_stop(). Returns 0 when stopped, or -errno
 * if epoll_wait fails (never in normal operation). */
int cgrpc_loop_run(cgrpc_loop_t *loop);

/* Runs one iteration, waiting at most `timeout_ns` for something to happen
 * (negative: no limit; 0: do not block). Timers due earlier shorten the wait;
 * deferred tasks make it 0. Meant for tests and tools that interleave the
 * loop with their own work. Returns 0, or -errno if epoll_wait fails. */
int cgrpc_loop_run_once(cgrpc_loop_t *loop, int64_t timeout_ns);

/* Busy polling: before sleeping, the loop keeps checking for events for up
 * to `ns` (0, the default, turns it off), yielding the CPU between checks to
 * any other thread that is ready to run. It trades CPU time for latency: a
 * thread that sleeps in epoll_wait pays a wake-up for every message that
 * arrives while it sleeps (tens of microseconds on a virtual machine, more
 * than gRPC's own work on a small call), and a loop that is still polling
 * when the answer comes does not. The spin starts anew each time the loop
 * runs out of work, so an idle loop spends at most `ns` of CPU after each
 * burst. Before cgrpc_loop_run(), or on the loop's thread. */
void cgrpc_loop_set_busy_poll(cgrpc_loop_t *loop, int64_t ns);

/* ---- Guests ------------------------------------------------------------------
 * A thread that waits for the loop to finish something it asked for may run
 * the loop itself meanwhile (be its guest), instead of sleeping until the
 * loop's own thread wakes it: the request and the answer then need no
 * thread hand-off. One thread drives the loop at a time, the loop's own
 * thread (the owner, in cgrpc_loop_run()) or one guest; loop_guest.c says
 * how they pass it. Callbacks of the loop run on whichever thread drives
 * it, so a loop whose callbacks must run on its own thread (application
 * callbacks) must disable guests first.
 *
 *   if (cgrpc_loop_guest_enter(loop)) {
 *     while (!done && cgrpc_loop_guest_may_stay(loop)) cgrpc_loop_run_once(loop, -1);
 *     cgrpc_loop_guest_leave(loop, others_are_waiting);
 *   }
 *   ... then wait the ordinary way if not done
 */

/* Allows guests on this loop. Before cgrpc_loop_run(). 0 or -errno. */
int cgrpc_loop_enable_guests(cgrpc_loop_t *loop);

/* Makes the calling thread the loop's driver, waiting for the owner to
 * finish its current iteration. False, at once, when guests are not
 * enabled or disabled, another guest drives or waits to, or the thread is
 * already inside a loop iteration. Any thread. */
bool cgrpc_loop_guest_enter(cgrpc_loop_t *loop);

/* False once cgrpc_loop_disable_guests() was called: the guest should
 * leave after its current iteration. The guest's thread. */
bool cgrpc_loop_guest_may_stay(cgrpc_loop_t *loop);

/* Runs fn(arg) at once on the calling thread as loop work (inside it
 * cgrpc_loop_in_thread() is true), after the functions posted before it and
 * before the deferred tasks it left. For the
 * loop's current driver only: a guest that has work of its own to start
 * does it here rather than posting it to itself. */
void cgrpc_loop_run_here(cgrpc_loop_t *loop, cgrpc_loop_fn fn, void *arg);

/* Gives the loop back. With `wake_owner` the owner takes over at once
 * (other threads wait for the loop); without it the owner leaves the loop
 * alone for a moment, for this thread's next wait. The guest's thread. */
void cgrpc_loop_guest_leave(cgrpc_loop_t *loop, bool wake_owner);

/* Stops letting guests in, for good, and waits until the guest driving
 * now (if any) has left, so from the return on only the owner runs the
 * loop. Any thread; from the guest itself it does not wait. */
void cgrpc_loop_disable_guests(cgrpc_loop_t *loop);

/* Makes cgrpc_loop_run() return after the current iteration. Any thread, and
 * async-signal-safe (an atomic store and a write(2)), so a SIGTERM handler may
 * call it. A stop that arrives while the loop is not running makes the next
 * cgrpc_loop_run() return at once. */
void cgrpc_loop_stop(cgrpc_loop_t *loop);

/* True when the calling thread is inside cgrpc_loop_run()/_run_once() of this
 * loop, i.e. in one of its callbacks (or in a posted function that
 * cgrpc_loop_free() runs). Any thread. Upper layers use it to run a
 * reply inline when already on the connection's loop and to post otherwise. */
bool cgrpc_loop_in_thread(const cgrpc_loop_t *loop);

/* True while cgrpc_loop_free() is running the last posted functions. */
bool cgrpc_loop_is_closing(const cgrpc_loop_t *loop);

/* The monotonic clock (base/time.h) as read at the start of this iteration.
 * Cheap; use it to compute timer deadlines: cgrpc_loop_now(loop) + delay. */
int64_t cgrpc_loop_now(const cgrpc_loop_t *loop);

/* ---- File descriptor watches ------------------------------------------- */
/* The loop is level-triggered: a callback fires on every iteration while the
 * fd is ready for an event in its interest set. See loop.c for why. */

enum {
  CGRPC_IO_READ = 1u,  /* readable, or EOF, or an error is pending */
  CGRPC_IO_WRITE = 2u, /* writable, or the peer is gone, or an error is pending */
};

/* Names one watch. 0 is never a valid id, so it can mean "no watch". Ids are
 * not reused: a stale id is recognised and ignored. */
typedef uint64_t cgrpc_watch_id_t;

/* Called on the loop thread with the subset of the watch's interest that is
 * ready (never 0). Errors and hang-ups are reported as readiness so the next
 * read(2)/write(2) returns the error or EOF. The callback may add, change and
 * remove any watch, its own included, and free the memory behind `arg` of a
 * watch it removed: an event still queued for a removed watch in the same
 * epoll batch is dropped, not delivered. */
typedef void (*cgrpc_watch_fn)(cgrpc_loop_t *loop, int fd, unsigned events, void *arg);

/* Starts watching `fd` (which must be non-blocking) for `interest`
 * (CGRPC_IO_READ | CGRPC_IO_WRITE, or 0 to register the watch paused).
 * One watch per fd. Stores the watch's id in *id_out. Returns 0, -EEXIST if
 * the fd is already in this loop's epoll set, -ENOMEM, or another -errno from
 * epoll_ctl (-EPERM for a regular file, which epoll cannot watch). */
int cgrpc_loop_watch_add(cgrpc_loop_t *loop, int fd, unsigned interest, cgrpc_watch_fn fn,
                         void *arg, cgrpc_watch_id_t *id_out);

/* Replaces the watch's interest set; no system call when it is unchanged.
 * Interest 0 takes the fd out of epoll entirely, so a paused watch costs
 * nothing even if its fd has an error or hang-up pending. Returns 0, -ENOENT
 * for a stale id, or -errno from epoll_ctl. */
int cgrpc_loop_watch_set(cgrpc_loop_t *loop, cgrpc_watch_id_t id, unsigned interest);

/* Stops the watch; its callback will not be called again, even for events
 * already collected in this iteration. Call it before closing the fd. A stale
 * or 0 id is a no-op. */
void cgrpc_loop_watch_remove(cgrpc_loop_t *loop, cgrpc_watch_id_t id);

/* ---- Timers ------------------------------------------------------------- */
/* One-shot timers on a min-heap: start, restart and cancel cost O(log n), so
 * thousands of call deadlines and keepalive timers can be pending at once.
 * The caller owns the cgrpc_timer_t (usually inside its connection or call
 * struct) and must cancel a pending timer before freeing that memory. */

/* Fields are private; public only so a timer can be embedded. */
typedef struct cgrpc_timer {
  int64_t deadline;
  uint64_t seq; /* start order: equal deadlines fire first-started first */
  size_t index; /* slot in the loop's heap, or CGRPC_TIMER_IDLE */
  cgrpc_loop_t *loop;
  cgrpc_loop_fn fn;
  void *arg;
} cgrpc_timer_t;

#define CGRPC_TIMER_IDLE SIZE_MAX

/* Prepares an idle timer that will call fn(arg). Call once before first use. */
void cgrpc_timer_init(cgrpc_timer_t *t, cgrpc_loop_fn fn, void *arg);

/* Schedules the timer to fire at `deadline_ns` on the monotonic clock (a
 * deadline in the past fires on this or the next iteration). Restarting a
 * pending timer moves it; a pending timer may not move to another loop.
 * Timers fire in deadline order, ties in start order. A timer started from a
 * timer callback fires on a later iteration at the earliest, so a timer that
 * keeps restarting itself with a past deadline cannot starve the loop.
 * Returns 0, or -ENOMEM when the heap cannot grow (the timer stays idle). */
int cgrpc_timer_start(cgrpc_loop_t *loop, cgrpc_timer_t *t, int64_t deadline_ns);

/* Stops a pending timer. Cancelling an idle timer (never started, already
 * fired, already cancelled, or its loop freed) is a no-op, so it is safe to
 * call unconditionally, including from the timer's own callback. */
void cgrpc_timer_cancel(cgrpc_timer_t *t);

/* True while the timer is scheduled and has not fired. */
bool cgrpc_timer_pending(const cgrpc_timer_t *t);

/* ---- Posting from other threads ----------------------------------------- */

/* Queues fn(arg) to run on the loop thread. Any thread, the loop's own
 * included (then fn runs on the next iteration, never inline). Posted
 * functions run in the order they were posted (FIFO over all posters, so
 * also per posting thread), on the iteration after the post or, for a loop
 * that is not running, when it next runs or is freed. Posts are batched:
 * however many arrive while the loop is busy, it is woken once. Returns 0, or
 * -ENOMEM (then fn will never run and `arg` stays the caller's). */
int cgrpc_loop_post(cgrpc_loop_t *loop, cgrpc_loop_fn fn, void *arg);

/* A post that cannot fail, for work that must not be lost when memory runs
 * out (ending a call, shutting down): the caller supplies the queue's node,
 * typically embedded in the object the work is about. Set fn and arg, then
 * post; fn(arg) runs on the loop thread like a cgrpc_loop_post() (same FIFO
 * order with those, same batching and wake-up). The node belongs to the queue
 * from the post until fn is called: it must stay valid and must not be posted
 * again until then; fn may free or re-post it. The other fields are the
 * queue's. */
typedef struct cgrpc_post_node {
  cgrpc_loop_fn fn;
  void *arg;
  struct cgrpc_post_node *next; /* the queue's */
  size_t pos;                   /* the queue's */
} cgrpc_post_node_t;

void cgrpc_loop_post_node(cgrpc_loop_t *loop, cgrpc_post_node_t *node);

/* ---- End-of-iteration tasks --------------------------------------------- */
/* A deferred task runs at the end of the current iteration, after fd events,
 * posts and timers. The transport defers "flush this connection" whenever it
 * queues output, so all frames produced in one iteration leave in one
 * writev(). Deferring an already-deferred task does nothing, which is what
 * makes that pattern cheap. The caller owns the task memory (embed it). */

/* Fields are private; public only so a task can be embedded. */
typedef struct cgrpc_loop_task {
  struct cgrpc_loop_task *next; /* NULL when not deferred */
  struct cgrpc_loop_task *prev;
  cgrpc_loop_fn fn;
  void *arg;
} cgrpc_loop_task_t;

/* Prepares a task that calls fn(arg). Call once before first use. */
void cgrpc_loop_task_init(cgrpc_loop_task_t *task, cgrpc_loop_fn fn, void *arg);

/* Queues the task for the end of this iteration (or of the next one when
 * called outside the loop's callbacks); the loop does not block while tasks
 * are queued. Tasks run in the order deferred. A task deferred while tasks are
 * running runs in the same iteration, after those already queued, so a task
 * must not re-defer itself unconditionally. No-op if already deferred. */
void cgrpc_loop_defer(cgrpc_loop_t *loop, cgrpc_loop_task_t *task);

/* Takes a deferred task off the queue (no-op if it is not queued). Call it
 * before freeing the memory that holds the task. */
void cgrpc_loop_task_cancel(cgrpc_loop_task_t *task);

/* True while the task is queued and has not run. */
bool cgrpc_loop_task_pending(const cgrpc_loop_task_t *task);

#endif /* CGRPC_SRC_IO_LOOP_H */

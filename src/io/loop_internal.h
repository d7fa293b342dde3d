/* io/loop_internal.h — the loop's state, shared by the files that implement
 * it (loop.c: epoll and iterations; timer.c: the timer heap; post.c: the
 * cross-thread queue). Nothing outside src/io/loop*.c, timer.c and post.c
 * includes this. */
#ifndef CGRPC_SRC_IO_LOOP_INTERNAL_H
#define CGRPC_SRC_IO_LOOP_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "io/loop.h"

/* One posted call. */
typedef struct {
  cgrpc_loop_fn fn;
  void *arg;
} cgrpc_post_entry_t;

/* A growable array of posted calls. */
typedef struct {
  cgrpc_post_entry_t *items;
  size_t count;
  size_t cap;
} cgrpc_post_vec_t;

/* The only state of a loop other threads touch, all under `mu`. Posters
 * append to `pending`; the loop swaps it with its empty `running` array and
 * runs that outside the lock, so posting never waits for a posted function
 * and steady-state posting allocates nothing. */
typedef struct {
  pthread_mutex_t mu;
  cgrpc_post_vec_t pending;
  /* Nodes posted with cgrpc_loop_post_node(), oldest first; each notes how
   * many entries `pending` held when it came, to run in posting order. */
  cgrpc_post_node_t *nodes_head, *nodes_tail;
  bool wake_pending;        /* eventfd written and not yet consumed by the loop */
  cgrpc_post_vec_t running; /* loop thread only */
} cgrpc_post_queue_t;

/* Who runs the loop at the moment, when guests are enabled (loop_guest.c). */
typedef enum { CGRPC_DRIVER_NONE, CGRPC_DRIVER_OWNER, CGRPC_DRIVER_GUEST } cgrpc_driver_t;

/* Guests (loop_guest.c): the state shared by the loop's own thread and the
 * threads that run the loop while they wait for it, all under `mu`. */
typedef struct {
  bool enabled; /* cgrpc_loop_enable_guests(); set before the loop runs */
  pthread_mutex_t mu;
  pthread_cond_t owner_cv; /* the owner waits here while a guest drives */
  pthread_cond_t guest_cv; /* a guest waits here for the owner to let go */
  cgrpc_driver_t driver;
  bool guest_waiting; /* a guest waits for the owner's iteration to end */
  bool disabled;      /* cgrpc_loop_disable_guests() */
  int64_t left_at;    /* when the last guest left without waking the owner; 0: no linger */
  bool owner_parked;  /* the owner sleeps on owner_cv: posters must signal it */
} cgrpc_loop_guests_t;

/* A watch slot. Watch ids are (generation << 32 | slot index); epoll hands
 * the id back with each event and the generation check drops events of a
 * watch removed earlier in the same batch. */
typedef struct {
  cgrpc_watch_fn fn;
  void *arg;
  int fd;
  unsigned interest;
  uint32_t gen;       /* bumped on removal; never 0 */
  uint32_t next_free; /* free-list link while unused */
  bool used;
} cgrpc_watch_slot_t;

struct cgrpc_loop {
  int epfd;
  int wakefd; /* eventfd: posts and stop write to it */
  int64_t now;
  int64_t busy_poll_ns; /* cgrpc_loop_set_busy_poll(); 0: off */
  atomic_bool stop_requested;
  atomic_bool closing;

  cgrpc_watch_slot_t *slots;
  uint32_t nslots;
  uint32_t free_slot; /* head of the free list, UINT32_MAX if none */

  cgrpc_timer_t **heap; /* min-heap on (deadline, seq) */
  size_t heap_count;
  size_t heap_cap;
  uint64_t timer_seq;

  cgrpc_loop_task_t tasks; /* sentinel of the circular list of deferred tasks */

  cgrpc_post_queue_t posts;
  cgrpc_loop_guests_t guests;
};

/* timer.c */
/* Deadline of the earliest pending timer, or CGRPC_INFINITE. */
int64_t cgrpc_timers_next_deadline(const cgrpc_loop_t *loop);
/* Fires the timers due at loop->now that were started before this call. */
void cgrpc_timers_run(cgrpc_loop_t *loop);
/* Marks every pending timer idle and frees the heap. */
void cgrpc_timers_clear(cgrpc_loop_t *loop);

/* post.c */
int cgrpc_post_queue_init(cgrpc_post_queue_t *q);
/* Runs everything posted so far; returns how many ran. Loop thread. */
size_t cgrpc_post_queue_run(cgrpc_loop_t *loop);
/* True when something is posted and not yet run. Any thread. */
bool cgrpc_post_queue_pending(cgrpc_loop_t *loop);
void cgrpc_post_queue_destroy(cgrpc_post_queue_t *q);

/* loop.c */
/* Makes the loop's epoll_wait return: writes the eventfd. */
void cgrpc_loop_wake(cgrpc_loop_t *loop);
/* True when this thread is inside an iteration of any loop. */
bool cgrpc_loop_thread_busy(void);

/* loop_guest.c */
/* cgrpc_loop_run() for a loop with guests enabled. */
int cgrpc_loop_run_owner(cgrpc_loop_t *loop);
/* Releases what cgrpc_loop_enable_guests() set up (a no-op if it did not). */
void cgrpc_loop_guests_destroy(cgrpc_loop_t *loop);
/* After a post: wakes the owner if it is parked (guests enabled only).
 * Takes the guests' lock, so it sees the owner either parked or about to
 * run an iteration (which runs the post), never in between. */
void cgrpc_loop_guests_nudge(cgrpc_loop_t *loop);

#endif /* CGRPC_SRC_IO_LOOP_INTERNAL_H */

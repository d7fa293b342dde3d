/* Timers: a binary min-heap of caller-owned cgrpc_timer_t, ordered by
 * (deadline, start sequence). Each timer remembers its heap index, so cancel
 * and restart are O(log n) without a search, and the loop only ever looks at
 * the root to know how long it may sleep. The sequence number makes equal
 * deadlines fire in start order and lets a firing pass skip timers started
 * during it (see cgrpc_timers_run). */
#include <errno.h>

#include "base/alloc.h"
#include "base/time.h"
#include "io/loop.h"
#include "io/loop_internal.h"

#define FIRST_HEAP_CAP 64

static bool fires_before(const cgrpc_timer_t *a, const cgrpc_timer_t *b) {
  return a->deadline < b->deadline || (a->deadline == b->deadline && a->seq < b->seq);
}

static void place(cgrpc_loop_t *loop, cgrpc_timer_t *t, size_t i) {
  loop->heap[i] = t;
  t->index = i;
}

static void sift_up(cgrpc_loop_t *loop, size_t i) {
  cgrpc_timer_t *t = loop->heap[i];
  while (i > 0) {
    size_t parent = (i - 1) / 2;
    if (!fires_before(t, loop->heap[parent])) break;
    place(loop, loop->heap[parent], i);
    i = parent;
  }
  place(loop, t, i);
}

static void sift_down(cgrpc_loop_t *loop, size_t i) {
  cgrpc_timer_t *t = loop->heap[i];
  size_t n = loop->heap_count;
  for (;;) {
    size_t child = 2 * i + 1;
    if (child >= n) break;
    if (child + 1 < n && fires_before(loop->heap[child + 1], loop->heap[child])) child++;
    if (!fires_before(loop->heap[child], t)) break;
    place(loop, loop->heap[child], i);
    i = child;
  }
  place(loop, t, i);
}

/* Restores heap order around index i after its timer's key changed. */
static void reposition(cgrpc_loop_t *loop, size_t i) {
  if (i > 0 && fires_before(loop->heap[i], loop->heap[(i - 1) / 2])) {
    sift_up(loop, i);
  } else {
    sift_down(loop, i);
  }
}

static void heap_remove(cgrpc_loop_t *loop, size_t i) {
  cgrpc_timer_t *t = loop->heap[i];
  t->index = CGRPC_TIMER_IDLE;
  cgrpc_timer_t *last = loop->heap[--loop->heap_count];
  if (last == t) return;
  place(loop, last, i);
  reposition(loop, i);
}

void cgrpc_timer_init(cgrpc_timer_t *t, cgrpc_loop_fn fn, void *arg) {
  *t = (cgrpc_timer_t){.index = CGRPC_TIMER_IDLE, .fn = fn, .arg = arg};
}

int cgrpc_timer_start(cgrpc_loop_t *loop, cgrpc_timer_t *t, int64_t deadline_ns) {
  if (t->index == CGRPC_TIMER_IDLE) {
    if (loop->heap_count == loop->heap_cap) {
      size_t cap = loop->heap_cap ? loop->heap_cap * 2 : FIRST_HEAP_CAP;
      cgrpc_timer_t **heap = cgrpc_realloc(loop->heap, cap * sizeof *heap);
      if (!heap) return -ENOMEM;
      loop->heap = heap;
      loop->heap_cap = cap;
    }
    t->loop = loop;
    t->deadline = deadline_ns;
    t->seq = loop->timer_seq++;
    place(loop, t, loop->heap_count++);
    sift_up(loop, t->index);
    return 0;
  }
  t->deadline = deadline_ns;
  t->seq = loop->timer_seq++;
  reposition(loop, t->index);
  return 0;
}

void cgrpc_timer_cancel(cgrpc_timer_t *t) {
  if (t->index != CGRPC_TIMER_IDLE) heap_remove(t->loop, t->index);
}

bool cgrpc_timer_pending(const cgrpc_timer_t *t) { return t->index != CGRPC_TIMER_IDLE; }

int64_t cgrpc_timers_next_deadline(const cgrpc_loop_t *loop) {
  return loop->heap_count ? loop->heap[0]->deadline : CGRPC_INFINITE;
}

void cgrpc_timers_run(cgrpc_loop_t *loop) {
  /* Timers started by the callbacks below get a sequence number at or past
   * `limit` and wait for the next iteration, so this pass always ends. */
  uint64_t limit = loop->timer_seq;
  while (loop->heap_count > 0) {
    cgrpc_timer_t *t = loop->heap[0];
    if (t->deadline > loop->now || t->seq >= limit) break;
    heap_remove(loop, 0);
    t->fn(t->arg);
  }
}

void cgrpc_timers_clear(cgrpc_loop_t *loop) {
  for (size_t i = 0; i < loop->heap_count; i++) loop->heap[i]->index = CGRPC_TIMER_IDLE;
  cgrpc_free(loop->heap);
  loop->heap = NULL;
  loop->heap_count = loop->heap_cap = 0;
}

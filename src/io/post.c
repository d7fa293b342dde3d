/* Cross-thread posting: the one way into a loop from other threads.
 *
 * Posters append (fn, arg) to a mutex-protected array. Only the poster that
 * finds no wakeup outstanding writes the loop's eventfd, so a burst of posts
 * costs one write(2) and one loop wakeup. The lock order is this queue's
 * lock, then the guests' (loop_guest.c), which never takes this one. The loop swaps the array for
 * its empty spare under the lock and runs the batch outside it: posters never wait for posted
 * functions, and posts made by those functions land in the next batch, so a function that re-posts
 * itself cannot starve the loop. Both arrays keep their capacity, so steady-state posting does not
 * allocate.
 */
#include <errno.h>
#include <string.h>

#include "base/alloc.h"
#include "io/loop.h"
#include "io/loop_internal.h"

#define FIRST_POST_CAP 64

int cgrpc_post_queue_init(cgrpc_post_queue_t *q) {
  memset(q, 0, sizeof *q);
  return -pthread_mutex_init(&q->mu, NULL);
}

void cgrpc_post_queue_destroy(cgrpc_post_queue_t *q) {
  pthread_mutex_destroy(&q->mu);
  cgrpc_free(q->pending.items);
  cgrpc_free(q->running.items);
}

static int vec_push(cgrpc_post_vec_t *v, cgrpc_loop_fn fn, void *arg) {
  if (v->count == v->cap) {
    size_t cap = v->cap ? v->cap * 2 : FIRST_POST_CAP;
    cgrpc_post_entry_t *items = cgrpc_realloc(v->items, cap * sizeof *items);
    if (!items) return -ENOMEM;
    v->items = items;
    v->cap = cap;
  }
  v->items[v->count++] = (cgrpc_post_entry_t){fn, arg};
  return 0;
}

int cgrpc_loop_post(cgrpc_loop_t *loop, cgrpc_loop_fn fn, void *arg) {
  cgrpc_post_queue_t *q = &loop->posts;
  pthread_mutex_lock(&q->mu);
  int err = vec_push(&q->pending, fn, arg);
  /* The wake-ups happen before the unlock: once the loop can see the post,
   * it may run it, and its owner may free the loop (cgrpc_loop_free() drains
   * the queue under this lock), so the poster must be done with `loop`. */
  if (!err && !q->wake_pending) {
    q->wake_pending = true;
    cgrpc_loop_wake(loop);
  }
  if (!err) cgrpc_loop_guests_nudge(loop);
  pthread_mutex_unlock(&q->mu);
  return err;
}

bool cgrpc_post_queue_pending(cgrpc_loop_t *loop) {
  cgrpc_post_queue_t *q = &loop->posts;
  pthread_mutex_lock(&q->mu);
  bool pending = q->pending.count > 0;
  pthread_mutex_unlock(&q->mu);
  return pending;
}

size_t cgrpc_post_queue_run(cgrpc_loop_t *loop) {
  cgrpc_post_queue_t *q = &loop->posts;
  pthread_mutex_lock(&q->mu);
  cgrpc_post_vec_t batch = q->pending;
  q->pending = q->running;
  q->wake_pending = false;
  pthread_mutex_unlock(&q->mu);
  for (size_t i = 0; i < batch.count; i++) batch.items[i].fn(batch.items[i].arg);
  size_t ran = batch.count;
  batch.count = 0;
  q->running = batch;
  return ran;
}

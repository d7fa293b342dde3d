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
 *
 * Growing the array can fail for want of memory, and some work must not be
 * lost then (a call's end, a server's shutdown). cgrpc_loop_post_node() takes
 * a node the caller owns (embedded in what the work is about) and links it on
 * a list beside the array, so it cannot fail. Each node notes how many array
 * entries were pending when it came; the loop merges the two on that count,
 * so posts of both kinds run in the order they were made.
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

/* After a post, under the lock. The wake-ups happen before the unlock:
 * once the loop can see the post, it may run it, and its owner may free the
 * loop (cgrpc_loop_free() drains the queue under this lock), so the poster
 * must be done with `loop`. */
static void wake_locked(cgrpc_loop_t *loop) {
  cgrpc_post_queue_t *q = &loop->posts;
  if (!q->wake_pending) {
    q->wake_pending = true;
    cgrpc_loop_wake(loop);
  }
  cgrpc_loop_guests_nudge(loop);
}

int cgrpc_loop_post(cgrpc_loop_t *loop, cgrpc_loop_fn fn, void *arg) {
  cgrpc_post_queue_t *q = &loop->posts;
  pthread_mutex_lock(&q->mu);
  int err = vec_push(&q->pending, fn, arg);
  if (!err) wake_locked(loop);
  pthread_mutex_unlock(&q->mu);
  return err;
}

void cgrpc_loop_post_node(cgrpc_loop_t *loop, cgrpc_post_node_t *node) {
  cgrpc_post_queue_t *q = &loop->posts;
  node->next = NULL;
  pthread_mutex_lock(&q->mu);
  node->pos = q->pending.count;
  if (q->nodes_tail) {
    q->nodes_tail->next = node;
  } else {
    q->nodes_head = node;
  }
  q->nodes_tail = node;
  wake_locked(loop);
  pthread_mutex_unlock(&q->mu);
}

bool cgrpc_post_queue_pending(cgrpc_loop_t *loop) {
  cgrpc_post_queue_t *q = &loop->posts;
  pthread_mutex_lock(&q->mu);
  bool pending = q->pending.count > 0 || q->nodes_head;
  pthread_mutex_unlock(&q->mu);
  return pending;
}

size_t cgrpc_post_queue_run(cgrpc_loop_t *loop) {
  cgrpc_post_queue_t *q = &loop->posts;
  pthread_mutex_lock(&q->mu);
  cgrpc_post_vec_t batch = q->pending;
  cgrpc_post_node_t *node = q->nodes_head;
  q->pending = q->running;
  q->nodes_head = q->nodes_tail = NULL;
  q->wake_pending = false;
  pthread_mutex_unlock(&q->mu);
  size_t ran = batch.count;
  for (size_t i = 0;; i++) {
    /* The nodes posted before entry i; `next` is read first, as fn may
     * re-post or free its node. */
    while (node && (i == batch.count || node->pos <= i)) {
      cgrpc_post_node_t *next = node->next;
      node->fn(node->arg);
      node = next;
      ran++;
    }
    if (i == batch.count) break;
    batch.items[i].fn(batch.items[i].arg);
  }
  batch.count = 0;
  q->running = batch;
  return ran;
}

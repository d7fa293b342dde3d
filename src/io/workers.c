/* Worker pool: one mutex-protected FIFO of jobs and a condition variable
 * that idle workers sleep on. The queue is a growable array with a head
 * index, compacted when it fills, so steady-state submission does not
 * allocate. Shutdown is a flag the workers check once the queue is empty,
 * which is what makes it finish queued jobs first. */
#define _GNU_SOURCE

#include "io/workers.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>

#include "base/alloc.h"

#define FIRST_QUEUE_CAP 64

typedef struct {
  cgrpc_loop_fn fn;
  void *arg;
} job_t;

struct cgrpc_workers {
  pthread_mutex_t mu;
  pthread_cond_t ready; /* a job was queued, or shutdown began */
  job_t *jobs;
  size_t head, tail, cap; /* queued jobs are jobs[head..tail) */
  bool shutting_down;
  bool joined;
  size_t nthreads; /* started successfully */
  pthread_t *threads;
};

static void *worker_main(void *arg) {
  cgrpc_workers_t *w = arg;
  pthread_mutex_lock(&w->mu);
  for (;;) {
    while (w->head == w->tail && !w->shutting_down) pthread_cond_wait(&w->ready, &w->mu);
    if (w->head == w->tail) break; /* shutting down and drained */
    job_t job = w->jobs[w->head++];
    pthread_mutex_unlock(&w->mu);
    job.fn(job.arg);
    pthread_mutex_lock(&w->mu);
  }
  pthread_mutex_unlock(&w->mu);
  return NULL;
}

int cgrpc_workers_new(size_t threads, cgrpc_workers_t **out) {
  *out = NULL;
  if (threads == 0) return -EINVAL;
  cgrpc_workers_t *w = cgrpc_malloc(sizeof *w);
  if (!w) return -ENOMEM;
  memset(w, 0, sizeof *w);
  w->threads = cgrpc_malloc(threads * sizeof *w->threads);
  if (!w->threads) {
    cgrpc_free(w);
    return -ENOMEM;
  }
  pthread_mutex_init(&w->mu, NULL);
  pthread_cond_init(&w->ready, NULL);
  /* Threads inherit the creator's signal mask: block everything for them. */
  sigset_t all, saved;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &saved);
  int err = 0;
  for (size_t i = 0; i < threads && !err; i++) {
    err = -pthread_create(&w->threads[i], NULL, worker_main, w);
    if (!err) w->nthreads++;
  }
  pthread_sigmask(SIG_SETMASK, &saved, NULL);
  if (err) {
    cgrpc_workers_free(w);
    return err;
  }
  *out = w;
  return 0;
}

/* Makes room for one more job at the tail. Called with the lock held. */
static int reserve(cgrpc_workers_t *w) {
  if (w->tail < w->cap) return 0;
  if (w->head > 0) {
    memmove(w->jobs, w->jobs + w->head, (w->tail - w->head) * sizeof *w->jobs);
    w->tail -= w->head;
    w->head = 0;
    return 0;
  }
  size_t cap = w->cap ? w->cap * 2 : FIRST_QUEUE_CAP;
  job_t *jobs = cgrpc_realloc(w->jobs, cap * sizeof *jobs);
  if (!jobs) return -ENOMEM;
  w->jobs = jobs;
  w->cap = cap;
  return 0;
}

int cgrpc_workers_submit(cgrpc_workers_t *w, cgrpc_loop_fn fn, void *arg) {
  pthread_mutex_lock(&w->mu);
  int err = w->shutting_down ? -ESHUTDOWN : reserve(w);
  if (!err) {
    w->jobs[w->tail++] = (job_t){fn, arg};
    pthread_cond_signal(&w->ready);
  }
  pthread_mutex_unlock(&w->mu);
  return err;
}

void cgrpc_workers_shutdown(cgrpc_workers_t *w) {
  pthread_mutex_lock(&w->mu);
  bool join = !w->joined;
  w->shutting_down = true;
  w->joined = true;
  pthread_cond_broadcast(&w->ready);
  pthread_mutex_unlock(&w->mu);
  if (!join) return;
  for (size_t i = 0; i < w->nthreads; i++) pthread_join(w->threads[i], NULL);
}

void cgrpc_workers_free(cgrpc_workers_t *w) {
  if (!w) return;
  cgrpc_workers_shutdown(w);
  pthread_cond_destroy(&w->ready);
  pthread_mutex_destroy(&w->mu);
  cgrpc_free(w->jobs);
  cgrpc_free(w->threads);
  cgrpc_free(w);
}

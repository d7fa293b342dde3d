/* io/workers.h — a pool of threads for blocking work.
 *
 * Loops must never block, so anything that may (a database query, file I/O,
 * getaddrinfo, a handler marked blocking) runs as a job here. A job that has
 * a result for a connection posts it back to that connection's loop:
 *
 *   static void job(void *arg) {            // on a worker thread
 *     struct req *r = arg;
 *     r->result = slow_query(r);
 *     cgrpc_loop_post(r->loop, reply, r);   // reply() runs on r->loop
 *   }
 *
 * Jobs start in submission order (FIFO); with more than one thread they run
 * concurrently, so completion order is not guaranteed. Worker threads block
 * all signals, so process signal handlers run on the application's threads.
 */
#ifndef CGRPC_SRC_IO_WORKERS_H
#define CGRPC_SRC_IO_WORKERS_H

#include <stddef.h>

#include "io/loop.h"

typedef struct cgrpc_workers cgrpc_workers_t;

/* Starts a pool of `threads` threads (at least 1). Stores it in *out and
 * returns 0, or returns -EINVAL, -ENOMEM or -EAGAIN (no more threads). */
int cgrpc_workers_new(size_t threads, cgrpc_workers_t **out);

/* Queues fn(arg) to run on a worker thread. Any thread, workers included.
 * Returns 0; -ESHUTDOWN once cgrpc_workers_shutdown() has begun; -ENOMEM.
 * On error fn will never run and `arg` stays the caller's. */
int cgrpc_workers_submit(cgrpc_workers_t *w, cgrpc_loop_fn fn, void *arg);

/* Graceful shutdown: refuses new jobs, lets the workers finish every job
 * already queued, and joins them. Returns when all jobs have run. Call it
 * from a thread that is not a worker of this pool (it would wait for
 * itself). A second call is a no-op. Posts that jobs make to loops have all been made
 * when it returns, so a loop may be freed after it. */
void cgrpc_workers_shutdown(cgrpc_workers_t *w);

/* Shuts the pool down (if not yet done) and frees it. NULL is a no-op. */
void cgrpc_workers_free(cgrpc_workers_t *w);

#endif /* CGRPC_SRC_IO_WORKERS_H */

/* rpc/completion.h — how an operation started by the application reports
 * back, whether the caller blocks or gave a callback.
 *
 * Call state lives on one loop thread, so every operation an application
 * thread starts is carried to that loop (cgrpc_loop_post) and finishes
 * there. A blocking caller waits on a waiter on its own stack; a callback
 * caller gets its callback run on the loop. A cgrpc_completion_t holds
 * either, so the code that completes an operation has one path.
 *
 * Also here: encoding a message into an outgoing HTTP/2 message buffer (on
 * the application's thread, so the loop never pays for it) and decoding a
 * received one (on the loop, straight from the received bytes).
 */
#ifndef CGRPC_SRC_RPC_COMPLETION_H
#define CGRPC_SRC_RPC_COMPLETION_H

#include <pthread.h>
#include <stdbool.h>

#include "cgrpc/call.h"
#include "cgrpc/pb.h"
#include "h2/conn.h"
#include "io/loop.h"

/* A blocking caller's rendezvous with the loop. Lives on the caller's stack. */
typedef struct cgrpc_waiter {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  bool done;
  bool ok;
} cgrpc_waiter_t;

void cgrpc_waiter_init(cgrpc_waiter_t *w);
/* Blocks until signalled; returns the result and destroys the waiter. */
bool cgrpc_waiter_wait(cgrpc_waiter_t *w);
/* Wakes the waiter with `ok`. Any thread; the waiter may be gone on return. */
void cgrpc_waiter_signal(cgrpc_waiter_t *w, bool ok);

typedef struct cgrpc_completion {
  cgrpc_waiter_t *waiter; /* blocking caller, or */
  cgrpc_done_fn fn;       /* callback (NULL with no waiter: nobody to tell) */
  void *user_data;
} cgrpc_completion_t;

/* Reports `ok` and clears the completion. Loop thread. */
void cgrpc_completion_fire(cgrpc_completion_t *c, bool ok);

/* Runs fn(arg) on `loop`: directly when called on the loop's thread,
 * otherwise by posting a heap copy of the `size`-byte argument (freed after
 * fn returns). Returns false when the post failed (out of memory); fn has
 * not run then. */
bool cgrpc_run_on_loop(cgrpc_loop_t *loop, void (*fn)(void *arg), void *arg, size_t size);

/* Encodes `msg` (of `table`) into a new outgoing message. NULL when it
 * cannot be encoded; then *code (may be NULL) says why: RESOURCE_EXHAUSTED
 * when memory ran out, INTERNAL when the message itself cannot be encoded
 * (a required field is missing, nesting too deep, too large). */
cgrpc_h2_msg_t *cgrpc_encode_message(const void *msg, const cgrpc_pb_msg_table_t *table,
                                     unsigned flags, cgrpc_status_code_t *code);

/* Initialises `msg` and decodes `len` bytes into it, memory from `arena`.
 * Returns OK, or on failure the status the call ends with (RESOURCE_EXHAUSTED
 * when the arena ran out of memory, INTERNAL for input that does not parse)
 * and a sentence for it in `why`. */
cgrpc_status_code_t cgrpc_decode_message(const uint8_t *data, size_t len, void *msg,
                                         const cgrpc_pb_msg_table_t *table, cgrpc_arena_t *arena,
                                         char *why, size_t why_size);

#endif /* CGRPC_SRC_RPC_COMPLETION_H */

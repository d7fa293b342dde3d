/* rpc/completion.c — waiters, completions, loop hand-off, message coding.
 * See completion.h for the idea. */
#include "rpc/completion.h"

#include <stdio.h>
#include <string.h>

#include "base/alloc.h"

void cgrpc_waiter_init(cgrpc_waiter_t *w) {
  pthread_mutex_init(&w->mu, NULL);
  pthread_cond_init(&w->cv, NULL);
  w->done = false;
  w->ok = false;
}

bool cgrpc_waiter_wait(cgrpc_waiter_t *w) {
  pthread_mutex_lock(&w->mu);
  while (!w->done) pthread_cond_wait(&w->cv, &w->mu);
  bool ok = w->ok;
  pthread_mutex_unlock(&w->mu);
  pthread_cond_destroy(&w->cv);
  pthread_mutex_destroy(&w->mu);
  return ok;
}

void cgrpc_waiter_signal(cgrpc_waiter_t *w, bool ok) {
  pthread_mutex_lock(&w->mu);
  w->ok = ok;
  w->done = true;
  /* Signal under the lock: the waiter frees the waiter as soon as it sees
   * `done`, which it cannot before we unlock. */
  pthread_cond_signal(&w->cv);
  pthread_mutex_unlock(&w->mu);
}

void cgrpc_completion_fire(cgrpc_completion_t *c, bool ok) {
  cgrpc_completion_t done = *c;
  memset(c, 0, sizeof *c);
  if (done.waiter) {
    cgrpc_waiter_signal(done.waiter, ok);
  } else if (done.fn) {
    done.fn(done.user_data, ok);
  }
}

typedef struct posted {
  void (*fn)(void *arg);
  max_align_t arg[];
} posted_t;

static void run_posted(void *p) {
  posted_t *post = p;
  post->fn(post->arg);
  cgrpc_free(post);
}

bool cgrpc_run_on_loop(cgrpc_loop_t *loop, void (*fn)(void *arg), void *arg, size_t size) {
  if (cgrpc_loop_in_thread(loop)) {
    fn(arg);
    return true;
  }
  posted_t *post = cgrpc_malloc(sizeof *post + size);
  if (!post) return false;
  post->fn = fn;
  memcpy(post->arg, arg, size);
  if (cgrpc_loop_post(loop, run_posted, post) != 0) {
    cgrpc_free(post);
    return false;
  }
  return true;
}

cgrpc_h2_msg_t *cgrpc_encode_message(const void *msg, const cgrpc_pb_msg_table_t *table,
                                     unsigned flags, cgrpc_status_code_t *code) {
  size_t size = cgrpc_pb_encoded_size(msg, table, 0);
  cgrpc_h2_msg_t *m = cgrpc_h2_msg_new(size);
  if (!m) {
    if (code) *code = CGRPC_STATUS_RESOURCE_EXHAUSTED;
    return NULL;
  }
  if (cgrpc_pb_encode_to(msg, table, cgrpc_h2_msg_payload(m), size, 0, &m->len, NULL) !=
      CGRPC_PB_OK) {
    cgrpc_h2_msg_free(m);
    if (code) *code = CGRPC_STATUS_INTERNAL;
    return NULL;
  }
  m->no_compress = (flags & CGRPC_WRITE_NO_COMPRESS) != 0;
  return m;
}

cgrpc_status_code_t cgrpc_decode_message(const uint8_t *data, size_t len, void *msg,
                                         const cgrpc_pb_msg_table_t *table, cgrpc_arena_t *arena,
                                         char *why, size_t why_size) {
  cgrpc_pb_error_t err;
  cgrpc_pb_msg_init(msg, table);
  int rc = cgrpc_pb_decode(data, len, msg, table, arena, 0, &err);
  if (rc == CGRPC_PB_OK) return CGRPC_STATUS_OK;
  if (rc == CGRPC_PB_ERR_NO_MEMORY) {
    snprintf(why, why_size, "out of memory decoding a %s message", table->full_name);
    return CGRPC_STATUS_RESOURCE_EXHAUSTED;
  }
  char detail[160];
  cgrpc_pb_error_format(&err, detail, sizeof detail);
  snprintf(why, why_size, "could not parse a %s message: %s", table->full_name, detail);
  return CGRPC_STATUS_INTERNAL;
}

/* rpc/server_call.c — a call as a handler sees it.
 *
 * A call is created when a request's stream opens. Unary and
 * server-streaming requests are decoded on the loop, straight from the DATA
 * chunk into the call's arena, and the handler is dispatched when the client
 * half-closes; streaming requests are dispatched at once. Inline handlers run
 * right there on the loop; blocking ones are submitted to the worker pool.
 *
 * Every operation on the call runs on the call's loop. Called from the loop
 * (inline handlers, callbacks) it runs directly; from another thread it is
 * posted, with what it carries copied (the encoded message, the status
 * message and trailers), and a blocking caller waits on a waiter until the
 * loop completes it. So the call's state needs no lock; the one exception is
 * the cancelled flag, which handlers on other threads poll (an atomic).
 *
 * Posting allocates, and an operation lost for want of memory would leave
 * the call hanging or its stream wrong, so what must arrive travels with a
 * node the queue needs no memory for (cgrpc_loop_post_node): the reply or
 * finish and a BLOCKING handler's return in nodes inside the call (each
 * happens once per call), a blocking read or write in a node on its
 * waiting caller's stack. The others (with a callback, headers, on_cancel)
 * are copied to the heap; when that fails the call ends with
 * RESOURCE_EXHAUSTED by a third node in the call, so nothing is silently
 * dropped. No node post allocates or adds a lock: a blocking handler's
 * reply costs one heap block less than before.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/log.h"
#include "h2/metadata.h"
#include "rpc/propagation.h"
#include "rpc/server_internal.h"
#include "rpc/status_details_internal.h"

/* Arena memory inside the call's own allocation, for the application's
 * arena (request, peer string, response) and the stream's (request
 * metadata, header scratch, trailers): a typical call needs no other heap
 * block for them. */
#define CALL_ARENA_INITIAL 2048
#define STREAM_ARENA_INITIAL 1536
/* Ended calls a loop keeps for the next requests, and the largest arena
 * block a kept call may hold on to. */
#define MAX_SPARE_CALLS 128
#define MAX_KEPT_ARENA_BLOCK (16 * 1024)

static void kick(cgrpc_server_call_t *call) {
  if (call->conn) cgrpc_transport_kick(&call->conn->t);
}

/* Calls end on their loop's thread, which keeps them for reuse: the memory
 * and the arena's largest block (when modest) are ready for the next call. */
static void call_free(cgrpc_server_call_t *call) {
  server_conn_t *conn = call->conn;
  server_loop_t *sl = call->sl;
  if (conn) cgrpc_server_call_detach(call);
  if (call->identity) cgrpc_tls_identity_unref(call->identity);
  if (atomic_load_explicit(&call->propagation, memory_order_relaxed)) {
    cgrpc_propagation_unref(atomic_exchange(&call->propagation, NULL));
  }
  cgrpc_call_io_destroy(&call->io);
  cgrpc_h2_stream_destroy(&call->stream);
  if (sl->spare_count >= MAX_SPARE_CALLS) {
    cgrpc_arena_free(&call->arena);
    cgrpc_free(call);
    return;
  }
  if (cgrpc_arena_heap_bytes(&call->arena) > MAX_KEPT_ARENA_BLOCK) {
    cgrpc_arena_free(&call->arena);
    cgrpc_arena_init(&call->arena, call + 1, CALL_ARENA_INITIAL);
  } else {
    cgrpc_arena_reset(&call->arena, 1);
  }
  call->next = sl->spare_calls;
  sl->spare_calls = call;
  sl->spare_count++;
}

void cgrpc_server_call_free_spares(server_loop_t *sl) {
  while (sl->spare_calls) {
    cgrpc_server_call_t *call = sl->spare_calls;
    sl->spare_calls = call->next;
    cgrpc_arena_free(&call->arena);
    cgrpc_free(call);
  }
  sl->spare_count = 0;
}

static void unref(cgrpc_server_call_t *call) {
  if (--call->refs == 0) call_free(call);
}

void cgrpc_server_call_detach(cgrpc_server_call_t *call) {
  server_conn_t *conn = call->conn;
  if (call->prev) {
    call->prev->next = call->next;
  } else {
    conn->calls = call->next;
  }
  if (call->next) call->next->prev = call->prev;
  call->prev = call->next = NULL;
  conn->call_count--;
  call->conn = NULL;
}

/* The call ends with a status of the library's (or an interceptor's). */
static void fail_n(cgrpc_server_call_t *call, cgrpc_status_code_t code, const char *why,
                   size_t len) {
  atomic_store(&call->cancelled, true);
  cgrpc_h2_stream_finish(&call->stream, code, why, len, NULL);
  kick(call);
}

/* The io found a request it cannot take: the call ends with that status. */
static void io_fail(void *owner, cgrpc_status_code_t code, const char *why) {
  fail_n(owner, code, why, strlen(why));
}

cgrpc_server_call_t *cgrpc_server_call_new(server_conn_t *conn) {
  server_loop_t *sl = conn->sl;
  cgrpc_server_call_t *call = sl->spare_calls;
  cgrpc_arena_t arena;
  if (call) {
    sl->spare_calls = call->next;
    sl->spare_count--;
    arena = call->arena;
    cgrpc_arena_set_limit(&arena, 0); /* a cap the last handler set is not the next one's */
  } else {
    call = cgrpc_malloc(sizeof *call + CALL_ARENA_INITIAL + STREAM_ARENA_INITIAL);
    if (!call) return NULL;
    cgrpc_arena_init(&arena, call + 1, CALL_ARENA_INITIAL);
  }
  memset(call, 0, sizeof *call);
  char *room = (char *)(call + 1);
  call->arena = arena;
  cgrpc_h2_stream_init(&call->stream, call, room + CALL_ARENA_INITIAL, STREAM_ARENA_INITIAL);
  call->sl = sl;
  call->conn = conn;
  call->refs = 1; /* the transport's, until the stream closes */
  call->deadline = CGRPC_INFINITE;
  atomic_init(&call->cancelled, false);
  atomic_init(&call->abort_posted, false);
  cgrpc_call_io_init(&call->io, NULL, io_fail, call);
  call->io.ended = true; /* no messages until a method takes them */
  call->next = conn->calls;
  if (conn->calls) conn->calls->prev = call;
  conn->calls = call;
  conn->call_count++;
  return call;
}

/* ---- Operations carried to the loop ----------------------------------------------- */

/* ---- Dispatch ------------------------------------------------------------------ */

/* What the BLOCKING handler running on this worker thread did with its
 * call: the call API records it when called from that thread, so the
 * handler's return is checked without touching a call another thread may
 * have ended (and freed) meanwhile. */
typedef enum handler_outcome { HANDLER_RUNNING, HANDLER_ENDED, HANDLER_DEFERRED } handler_outcome_t;
static _Thread_local cgrpc_server_call_t *handler_call;
static _Thread_local handler_outcome_t handler_outcome;

/* True when `call` is being ended by its own BLOCKING handler's thread: the
 * handler's reference then goes with the application's. */
static bool ended_by_handler(cgrpc_server_call_t *call) {
  if (call->entry->mode != CGRPC_HANDLER_BLOCKING || handler_call != call) return false;
  handler_outcome = HANDLER_ENDED;
  handler_call = NULL;
  return true;
}

static bool submit(call_op_t *op, op_post_t *slot);

static void run_blocking_handler(void *arg) {
  cgrpc_server_call_t *call = arg;
  handler_call = call;
  handler_outcome = HANDLER_RUNNING;
  call->entry->handler(call, call->request, call->entry->user_data);
  handler_call = NULL;
  if (handler_outcome == HANDLER_ENDED) return;
  /* Returned with the call still open: the loop ends it unless the handler
   * deferred it, and drops the handler's reference. */
  call_op_t op = {.kind = OP_HANDLER_RETURNED,
                  .call = call,
                  .deferred = handler_outcome == HANDLER_DEFERRED,
                  .release_handler = true};
  submit(&op, &call->returned_post);
}

static void dispatch(cgrpc_server_call_t *call) {
  call->dispatched = true;
  call->refs++; /* the application's, until it finishes the call */
  if (call->entry->mode == CGRPC_HANDLER_INLINE) {
    call->entry->handler(call, call->request, call->entry->user_data);
    return;
  }
  call->refs++; /* the handler's, until it returns */
  if (cgrpc_workers_submit(call->sl->srv->workers, run_blocking_handler, call) != 0) {
    call->app_done = true;
    cgrpc_h2_stream_finish(&call->stream, CGRPC_STATUS_UNAVAILABLE, "the server is shutting down",
                           27, NULL);
    kick(call);
    unref(call);
    unref(call);
  }
}

static void on_request_read(void *arg, bool ok) {
  cgrpc_server_call_t *call = arg;
  call->have_request = ok;
}

/* Unknown methods get UNIMPLEMENTED, naming the service when it is the
 * service nobody knows. */
static void unimplemented(cgrpc_server_call_t *call, cgrpc_str_t path) {
  char msg[256];
  const char *slash = path.len > 1 ? memchr(path.data + 1, '/', path.len - 1) : NULL;
  if (!slash) {
    snprintf(msg, sizeof msg, "malformed method path \"%.*s\"",
             (int)(path.len > 200 ? 200 : path.len), path.data);
  } else {
    snprintf(msg, sizeof msg, "unknown method %.*s", (int)(path.len > 200 ? 200 : path.len),
             path.data);
  }
  cgrpc_h2_stream_finish(&call->stream, CGRPC_STATUS_UNIMPLEMENTED, msg, strlen(msg), NULL);
}

/* Runs the interceptors' on_start on the request metadata; false when one
 * ended the call (the handler then never runs). */
static bool intercept_start(cgrpc_server_call_t *call) {
  cgrpc_interceptor_call_t *ic = &call->icept;
  ic->chain = &call->sl->srv->icept;
  ic->method = call->entry->method;
  ic->peer = call->peer;
  ic->server_call = call;
  call->io.icept = ic;
  cgrpc_error_t err;
  /* The stream's request metadata is the call's own, for the handler to
   * read: interceptors change it in place. */
  cgrpc_metadata_t *md = (cgrpc_metadata_t *)cgrpc_h2_stream_metadata(&call->stream);
  cgrpc_status_code_t code = cgrpc_icept_start(ic, md, &call->arena, &err);
  if (code == CGRPC_STATUS_OK) return true;
  io_fail(call, code, err.message);
  return false;
}

/* A call that came in on a web protocol (web/protocol.h): the protocol
 * learns its method and may refuse it. */
static bool web_method(cgrpc_server_call_t *call, cgrpc_web_exchange_t *web,
                       const cgrpc_pb_method_t *m) {
  web->method = m;
  if (!web->proto->on_method) return true;
  cgrpc_error_t err = {{0}};
  cgrpc_status_code_t code = web->proto->on_method(web, &err);
  if (code == CGRPC_STATUS_OK) return true;
  fail_n(call, code, err.message, strlen(err.message));
  return false;
}

void cgrpc_server_call_on_request(cgrpc_server_call_t *call) {
  cgrpc_str_t path = cgrpc_h2_stream_path(&call->stream);
  const method_entry_t *entry = cgrpc_server_lookup(call->sl->srv, path.data, path.len);
  if (!entry) {
    unimplemented(call, path);
    return;
  }
  const cgrpc_pb_method_t *m = entry->method;
  call->entry = entry;
  call->deadline = cgrpc_h2_stream_deadline(&call->stream);
  call->peer = call->conn->peer;
  char *peer = cgrpc_arena_memdup(&call->arena, call->conn->peer, strlen(call->conn->peer) + 1);
  if (peer) call->peer = peer;
  if (call->conn->t.tls)
    call->identity = cgrpc_tls_identity_ref(cgrpc_transport_identity(&call->conn->t));
  cgrpc_call_io_init(&call->io, m->input, io_fail, call);
  cgrpc_call_io_attach(&call->io, &call->stream);
  cgrpc_web_exchange_t *web = cgrpc_h2_stream_web(&call->stream);
  if (web && !web_method(call, web, m)) return;
  if (call->sl->srv->icept.count && !intercept_start(call)) return;
  if (m->client_streaming) {
    dispatch(call);
    return;
  }
  /* One request: decode it straight from the wire into the call's arena,
   * then dispatch once the client has half-closed. */
  call->io.expect_one = true;
  call->request = cgrpc_arena_alloc(&call->arena, m->input->size);
  if (!call->request) {
    io_fail(call, CGRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory for the request");
    return;
  }
  cgrpc_call_io_read(&call->io, call->request, &call->arena,
                     (cgrpc_completion_t){NULL, on_request_read, call});
}

void cgrpc_server_call_on_eos(cgrpc_server_call_t *call) {
  cgrpc_call_io_on_eos(&call->io);
  if (!call->entry || call->dispatched || call->io.ended || call->entry->method->client_streaming ||
      atomic_load(&call->cancelled)) {
    return;
  }
  if (!call->have_request) {
    io_fail(call, CGRPC_STATUS_UNIMPLEMENTED, "the client sent no request message");
    return;
  }
  dispatch(call);
}

void cgrpc_server_call_on_close(cgrpc_server_call_t *call) {
  call->stream_closed = true;
  call->refs++; /* callbacks below may finish the call */
  /* The flag goes up before any read or write fails, so a handler woken by
   * that failure already sees why. */
  bool cancelled = call->dispatched && !call->app_done;
  if (cancelled) atomic_store(&call->cancelled, true);
  cgrpc_call_io_end(&call->io);
  if (call->icept.started) {
    const char *message;
    size_t len;
    cgrpc_status_code_t code = cgrpc_h2_stream_status(&call->stream, &message, &len);
    cgrpc_call_summary_t summary = {.code = code,
                                    .message = {message, len},
                                    .trailing_metadata = &call->end_trailers,
                                    .bytes_received = call->io.bytes_in,
                                    .bytes_sent = call->io.bytes_out,
                                    .messages_received = call->io.received,
                                    .messages_sent = call->io.sent};
    cgrpc_icept_end(&call->icept, &summary);
  }
  if (cancelled && atomic_load_explicit(&call->propagation, memory_order_relaxed)) {
    cgrpc_propagation_cancel(atomic_load(&call->propagation));
  }
  if (cancelled) {
    void (*fn)(void *) = call->cancel_fn;
    call->cancel_fn = NULL;
    if (fn) fn(call->cancel_ud);
  }
  unref(call); /* ours */
  unref(call); /* the transport's */
}

/* ---- Request accessors ------------------------------------------------------------ */

const cgrpc_pb_method_t *cgrpc_server_call_method(const cgrpc_server_call_t *call) {
  return call->entry->method;
}

const cgrpc_metadata_t *cgrpc_server_call_metadata(const cgrpc_server_call_t *call) {
  return cgrpc_h2_stream_metadata(&call->stream);
}

int64_t cgrpc_server_call_deadline(const cgrpc_server_call_t *call) { return call->deadline; }

const char *cgrpc_server_call_peer(const cgrpc_server_call_t *call) { return call->peer; }

const cgrpc_peer_identity_t *cgrpc_server_call_peer_identity(const cgrpc_server_call_t *call) {
  return call->identity ? &call->identity->pub : NULL;
}

cgrpc_str_t cgrpc_server_call_authority(const cgrpc_server_call_t *call) {
  return cgrpc_h2_stream_authority(&call->stream);
}

cgrpc_arena_t *cgrpc_server_call_arena(cgrpc_server_call_t *call) { return &call->arena; }

bool cgrpc_server_call_last_message_compressed(const cgrpc_server_call_t *call) {
  return call->io.last_compressed;
}

bool cgrpc_server_call_cancelled(const cgrpc_server_call_t *call) {
  return atomic_load(&call->cancelled);
}

void cgrpc_server_call_set_compression(cgrpc_server_call_t *call, cgrpc_encoding_t encoding) {
  call->compression = encoding;
}

/* ---- Running operations on the loop ------------------------------------------------------ */

/* Server: the response headers go out with the first message or explicitly;
 * either way, with the compression the application chose by then. */
static void start_response(cgrpc_server_call_t *call, const cgrpc_metadata_t *md,
                           cgrpc_encoding_t compression) {
  if (call->response_started) return;
  call->response_started = true;
  cgrpc_h2_stream_set_response(&call->stream, md, (cgrpc_compression_t)compression);
}

static void do_finish(cgrpc_server_call_t *call, cgrpc_status_code_t code, const char *message,
                      size_t message_len, const cgrpc_metadata_t *md) {
  if (call->app_done) return;
  call->app_done = true;
  call->cancel_fn = NULL;
  if (call->icept.started && md && md->count) {
    cgrpc_metadata_copy(&call->end_trailers, &call->arena, md); /* for on_end; best effort */
  }
  if (!call->stream_closed) {
    cgrpc_h2_stream_finish(&call->stream, code, message, message_len, md);
    kick(call);
  }
  unref(call);
}

#define PRINTF_FAILED "out of memory formatting a string in the handler"

/* A BLOCKING handler returned without ending its call or deferring it: the
 * client would wait for its deadline, or forever. End it now, loudly. A
 * call already cancelled needs no answer, so returning is fine then. */
static void handler_returned(cgrpc_server_call_t *call) {
  if (call->app_done) return;
  if (call->stream_closed || atomic_load(&call->cancelled)) {
    do_finish(call, CGRPC_STATUS_CANCELLED, "", 0, NULL);
    return;
  }
  const char *path = call->entry->method->path;
  cgrpc_log(CGRPC_LOG_ERROR,
            "the handler for %s returned without finishing the call; it ends with INTERNAL. "
            "End every call with cgrpc_server_call_reply() or cgrpc_server_call_finish(), or "
            "call cgrpc_server_call_defer() before returning to finish it later from another "
            "thread",
            path);
  char msg[256];
  int n = snprintf(msg, sizeof msg, "handler for %s returned without finishing the call", path);
  do_finish(call, CGRPC_STATUS_INTERNAL, msg, n < 0 ? 0 : strlen(msg), NULL);
}

static void run_op(void *arg) {
  /* A copy: the operation may live in the call (which its end may free) or
   * on a blocked caller's stack (gone once its completion fires). */
  call_op_t op_copy = *(call_op_t *)arg;
  call_op_t *op = &op_copy;
  cgrpc_server_call_t *call = op->call;
  call->refs++; /* completions run from here may finish the call */
  switch (op->kind) {
    case OP_READ:
      cgrpc_call_io_read(&call->io, op->msg, op->arena, op->done);
      break;
    case OP_WRITE:
      if (!op->out) { /* no message: out of memory, or an interceptor ended the call */
        cgrpc_completion_fire(&op->done, false);
        if (op->code != CGRPC_STATUS_OK) {
          fail_n(call, op->code, op->message, op->message_len);
        } else {
          io_fail(call, CGRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory for a message");
        }
        break;
      }
      if (op->finish && call->printf_failed) {
        cgrpc_h2_msg_free(op->out);
        do_finish(call, CGRPC_STATUS_RESOURCE_EXHAUSTED, PRINTF_FAILED, strlen(PRINTF_FAILED),
                  NULL);
        break;
      }
      start_response(call, NULL, op->compression);
      cgrpc_call_io_write(&call->io, op->out, op->done);
      if (op->finish) do_finish(call, CGRPC_STATUS_OK, "", 0, NULL);
      break;
    case OP_FINISH:
      if (op->code == CGRPC_STATUS_OK && call->printf_failed) {
        do_finish(call, CGRPC_STATUS_RESOURCE_EXHAUSTED, PRINTF_FAILED, strlen(PRINTF_FAILED),
                  NULL);
      } else {
        do_finish(call, op->code, op->message, op->message_len, op->md);
      }
      break;
    case OP_HANDLER_RETURNED:
      if (!op->deferred) handler_returned(call);
      break;
    case OP_HEADERS:
      if (!call->stream_closed && !call->response_started) {
        start_response(call, op->md, op->compression);
        cgrpc_h2_stream_send_headers(&call->stream);
      }
      break;
    case OP_ON_CANCEL:
      if (atomic_load(&call->cancelled) && !call->app_done) {
        op->cancel_fn(op->cancel_ud);
      } else if (!call->app_done) {
        call->cancel_fn = op->cancel_fn;
        call->cancel_ud = op->cancel_ud;
      }
      break;
  }
  kick(call);
  if (op->release_handler) unref(call);
  unref(call);
  if (op->copy) {
    cgrpc_arena_free(&op->copy->arena);
    cgrpc_free(op->copy);
  }
}

/* Copies what the operation points at when it has to travel to the loop. */
static bool copy_payload(call_op_t *op) {
  op->copy = cgrpc_malloc(sizeof *op->copy);
  if (!op->copy) return false;
  cgrpc_arena_init(&op->copy->arena, NULL, 0);
  op->copy->md = (cgrpc_metadata_t)CGRPC_METADATA_INIT;
  if (op->md && !cgrpc_metadata_copy(&op->copy->md, &op->copy->arena, op->md)) return false;
  op->md = &op->copy->md;
  if (op->message_len) {
    op->message = cgrpc_arena_memdup(&op->copy->arena, op->message, op->message_len);
    if (!op->message) return false;
  }
  return true;
}

/* The loop's side of abort(): the call ends (unless it has already). */
static void run_abort(void *arg) {
  cgrpc_server_call_t *call = arg;
  if (call->stream_closed || call->app_done) return;
  io_fail(call, CGRPC_STATUS_RESOURCE_EXHAUSTED,
          "out of memory carrying an operation to the call's event loop");
}

/* An operation could not be carried to the loop: the call must not go on
 * without it (a lost write would leave a gap in the stream, lost headers a
 * response without them), so it ends, by the call's own node. Handlers see
 * it cancelled at once. The caller holds a reference to the call (the
 * application's or the handler's), and whatever releases it is posted after
 * this, so the call outlives the node. */
static void abort_call(cgrpc_server_call_t *call) {
  atomic_store(&call->cancelled, true);
  if (atomic_exchange(&call->abort_posted, true)) return;
  call->abort_node = (cgrpc_post_node_t){.fn = run_abort, .arg = call};
  cgrpc_loop_post_node(call->sl->loop, &call->abort_node);
}

/* Runs the operation on the call's loop. From another thread it is posted:
 * with `slot` (a node the operation may use until it has run) it cannot
 * fail; without, it is copied to the heap, and when that or the copy of its
 * payload fails the call ends (abort_call) and this returns false. */
static bool submit(call_op_t *op, op_post_t *slot) {
  cgrpc_loop_t *loop = op->call->sl->loop;
  if (cgrpc_loop_in_thread(loop)) {
    run_op(op);
    return true;
  }
  if ((op->md || op->message_len) && !copy_payload(op)) {
    if (op->copy) {
      cgrpc_arena_free(&op->copy->arena);
      cgrpc_free(op->copy);
      op->copy = NULL;
    }
    if (op->kind != OP_FINISH) {
      abort_call(op->call);
      return false;
    }
    /* The call must end even when its message and trailers cannot be
     * carried: end it with a status that says why, which needs no copy. */
    op->code = CGRPC_STATUS_RESOURCE_EXHAUSTED;
    op->message = "out of memory for the status";
    op->message_len = strlen(op->message);
    op->md = NULL;
  }
  if (slot) {
    slot->op = *op;
    slot->node = (cgrpc_post_node_t){.fn = run_op, .arg = &slot->op};
    cgrpc_loop_post_node(loop, &slot->node);
    return true;
  }
  if (cgrpc_run_on_loop(loop, run_op, op, sizeof *op)) return true;
  if (op->copy) {
    cgrpc_arena_free(&op->copy->arena);
    cgrpc_free(op->copy);
  }
  abort_call(op->call);
  return false;
}

/* A blocking read or write on the loop thread (an INLINE handler, or a
 * callback) would wait for the loop that has to complete it: a programming
 * error, made loud. The call ends with INTERNAL as if the library had
 * cancelled it; the handler still ends its call as usual. */
static void blocking_on_loop(cgrpc_server_call_t *call, const char *what) {
  const char *path = call->entry->method->path;
  cgrpc_log(CGRPC_LOG_ERROR,
            "cgrpc_server_call_%s() without a callback in %s, on its event loop thread (an "
            "INLINE handler or a callback), would block the loop; the call ends with INTERNAL. "
            "Register the method CGRPC_HANDLER_BLOCKING, or pass a done callback",
            what, path);
  char msg[256];
  snprintf(msg, sizeof msg, "server error: a blocking %s on the event loop in the handler of %s",
           what, path);
  io_fail(call, CGRPC_STATUS_INTERNAL, msg);
}

/* Runs an operation that reports through `done`, or blocks for it. */
static bool run_completing(call_op_t *op, cgrpc_done_fn done, void *user_data) {
  cgrpc_waiter_t w;
  if (done) {
    op->done = (cgrpc_completion_t){NULL, done, user_data};
    if (!submit(op, NULL)) {
      cgrpc_h2_msg_free(op->out);
      return false;
    }
    return true;
  }
  /* Blocking on the loop would wait for the loop itself. */
  if (cgrpc_loop_in_thread(op->call->sl->loop)) {
    cgrpc_h2_msg_free(op->out);
    blocking_on_loop(op->call, op->kind == OP_READ ? "read" : "write");
    return false;
  }
  /* The caller waits until the operation has run, so it travels on this
   * stack, with a node of its own: nothing to allocate, nothing to lose. */
  op_post_t slot;
  cgrpc_waiter_init(&w);
  op->done = (cgrpc_completion_t){&w, NULL, NULL};
  if (!submit(op, &slot)) cgrpc_waiter_signal(&w, false); /* not for reads and writes */
  return cgrpc_waiter_wait(&w);
}

bool cgrpc_server_call_read(cgrpc_server_call_t *call, void *msg, cgrpc_arena_t *arena,
                            cgrpc_done_fn done, void *user_data) {
  call_op_t op = {.kind = OP_READ, .call = call, .msg = msg, .arena = arena};
  return run_completing(&op, done, user_data);
}

/* Memory an interceptor's on_send may use for a replacement message: a
 * stack buffer first, freed once the message is encoded. */
typedef struct send_scratch {
  cgrpc_arena_t arena;
  char room[256];
} send_scratch_t;

/* Runs the interceptors' on_send on a message about to be encoded: OK, or
 * the code (and message in err) an interceptor ended the call with. */
static cgrpc_status_code_t intercept_send(cgrpc_server_call_t *call, const void **msg,
                                          send_scratch_t *scratch, cgrpc_error_t *err) {
  cgrpc_arena_init(&scratch->arena, scratch->room, sizeof scratch->room);
  return cgrpc_icept_send(&call->icept, msg, &scratch->arena, err);
}

bool cgrpc_server_call_write(cgrpc_server_call_t *call, const void *msg, unsigned flags,
                             cgrpc_done_fn done, void *user_data) {
  cgrpc_status_code_t why = CGRPC_STATUS_INTERNAL;
  send_scratch_t scratch;
  if (call->icept.started) {
    cgrpc_error_t err;
    cgrpc_status_code_t code = intercept_send(call, &msg, &scratch, &err);
    if (code != CGRPC_STATUS_OK) {
      cgrpc_arena_free(&scratch.arena);
      call_op_t op = {.kind = OP_WRITE,
                      .call = call,
                      .code = code,
                      .message = err.message,
                      .message_len = strlen(err.message)};
      submit(&op, NULL); /* ends the call; `done` never runs, as for a message not encoded */
      return false;
    }
  }
  cgrpc_h2_msg_t *m = cgrpc_encode_message(msg, call->entry->method->output, flags, &why);
  if (call->icept.started) cgrpc_arena_free(&scratch.arena);
  /* Out of memory ends the call (a write with no message, below): the
   * client must not take the messages around the lost one for the stream. */
  if (!m && why != CGRPC_STATUS_RESOURCE_EXHAUSTED) return false;
  call_op_t op = {.kind = OP_WRITE, .call = call, .out = m, .compression = call->compression};
  return run_completing(&op, done, user_data);
}

void cgrpc_server_call_reply(cgrpc_server_call_t *call, const void *response) {
  cgrpc_status_code_t why = CGRPC_STATUS_INTERNAL;
  send_scratch_t scratch;
  if (call->icept.started) {
    cgrpc_error_t err;
    cgrpc_status_code_t code = intercept_send(call, &response, &scratch, &err);
    if (code != CGRPC_STATUS_OK) {
      cgrpc_arena_free(&scratch.arena);
      cgrpc_server_call_finish(call, code, err.message, NULL);
      return;
    }
  }
  cgrpc_h2_msg_t *m = cgrpc_encode_message(response, call->entry->method->output, 0, &why);
  if (call->icept.started) cgrpc_arena_free(&scratch.arena);
  if (!m) {
    cgrpc_server_call_finish(call, why,
                             why == CGRPC_STATUS_RESOURCE_EXHAUSTED
                                 ? "out of memory for the response"
                                 : "the response could not be serialized",
                             NULL);
    return;
  }
  call_op_t op = {.kind = OP_WRITE,
                  .call = call,
                  .out = m,
                  .finish = true,
                  .release_handler = ended_by_handler(call),
                  .compression = call->compression};
  submit(&op, &call->finish_post);
}

void cgrpc_server_call_finish(cgrpc_server_call_t *call, cgrpc_status_code_t code,
                              const char *message, const cgrpc_metadata_t *trailers) {
  if (trailers && trailers->count) {
    /* Details must repeat the call's code and message (the gRPC rule). */
    cgrpc_error_t why;
    if (!cgrpc_status_details_check(code, message, trailers, &why)) {
      cgrpc_log(CGRPC_LOG_ERROR, "%s: %s; the call ends with INTERNAL instead",
                call->entry->method->path, why.message);
      code = CGRPC_STATUS_INTERNAL;
      message = "server error: the status details do not match the status";
      trailers = NULL;
    }
  }
  call_op_t op = {.kind = OP_FINISH,
                  .call = call,
                  .release_handler = ended_by_handler(call),
                  .code = code,
                  .message = message ? message : "",
                  .message_len = message ? strlen(message) : 0,
                  .md = trailers};
  submit(&op, &call->finish_post);
}

void cgrpc_server_call_finishf(cgrpc_server_call_t *call, cgrpc_status_code_t code, const char *fmt,
                               ...) {
  /* Status messages are short: a stack buffer, the call's arena past it.
   * The message is copied before the call ends, so neither needs to last. */
  char buf[256];
  const char *message = buf;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n < 0) {
    message = fmt;
  } else if ((size_t)n >= sizeof buf) {
    va_start(ap, fmt);
    cgrpc_str_t s = cgrpc_arena_vprintf(&call->arena, fmt, ap);
    va_end(ap);
    if (s.data) message = s.data; /* else the first 255 bytes */
  }
  cgrpc_server_call_finish(call, code, message, NULL);
}

void cgrpc_server_call_defer(cgrpc_server_call_t *call) {
  if (handler_call == call) handler_outcome = HANDLER_DEFERRED;
}

cgrpc_str_t cgrpc_server_call_printf(cgrpc_server_call_t *call, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  cgrpc_str_t s = cgrpc_arena_vprintf(&call->arena, fmt, ap);
  va_end(ap);
  if (s.data) return s;
  call->printf_failed = true;
  return (cgrpc_str_t){"", 0};
}

void cgrpc_server_call_send_initial_metadata(cgrpc_server_call_t *call,
                                             const cgrpc_metadata_t *md) {
  call_op_t op = {.kind = OP_HEADERS, .call = call, .md = md, .compression = call->compression};
  submit(&op, NULL);
}

void cgrpc_server_call_on_cancel(cgrpc_server_call_t *call, void (*fn)(void *user_data),
                                 void *user_data) {
  call_op_t op = {.kind = OP_ON_CANCEL, .call = call, .cancel_fn = fn, .cancel_ud = user_data};
  submit(&op, NULL);
}

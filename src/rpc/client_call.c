/* rpc/client_call.c — client calls: unary (blocking and callback),
 * streaming, and their operations.
 *
 * A call is created on the application's thread with everything it needs
 * copied (metadata, deadline), then started on the channel's loop, where it
 * waits for a connection or goes straight onto one. Messages sent before it
 * is on the wire wait in the call. Every later operation is carried to the
 * loop (rpc/completion.h); blocking callers wait there for the loop to
 * complete it.
 *
 * A unary call is one posted operation and one wait: the request is encoded
 * on the caller's thread, the response decoded on the loop straight from
 * the received DATA into the caller's struct and arena (the caller is
 * blocked, so the arena is free to use), and the status copied there too.
 *
 * A call is referenced by the application until its finish has completed
 * and by its transport while its stream lives; it is freed when both let go.
 *
 * Transparent retry. A stream the server never processed — refused with
 * REFUSED_STREAM, beyond a GOAWAY's last-stream-id, or never sent — is safe
 * to send again (the protocol says the server did not act on it), so the
 * call replays it once on a new stream, wherever the channel puts it now.
 * For that, the messages it sent are kept, by reference (no copy), until
 * the call commits: the server's response headers arrive, the messages pass
 * the replay buffer size, or the one retry happened.
 */
#include <stdio.h>
#include <string.h>

#include "cgrpc/version.h"

#include "base/alloc.h"
#include "base/time.h"
#include "h2/metadata.h"
#include "h2/metadata_check.h"
#include "rpc/channel_internal.h"

/* Arena memory inside the call's own allocation (request metadata copy,
 * status message; the stream's request headers and received metadata). */
#define CALL_ARENA_INITIAL 512
#define STREAM_ARENA_INITIAL 1536
#define USER_AGENT CGRPC_USER_AGENT
/* Bytes of sent messages kept for a replay (gRPC's default per-call retry
 * buffer); a call that sends more before the server answers commits. */
#define REPLAY_BUFFER_LIMIT (256 * 1024)

static void *stream_room(cgrpc_call_t *call) { return (char *)(call + 1) + CALL_ARENA_INITIAL; }

/* Empties the replay buffer (its references already dropped or moved). */
static void replay_reset(cgrpc_call_t *call) {
  if (call->replay != call->replay_inline) cgrpc_free(call->replay);
  call->replay = call->replay_inline;
  call->replay_cap = sizeof call->replay_inline / sizeof call->replay_inline[0];
  call->replay_count = call->replay_bytes = 0;
}

/* The call will not be retried: let go of the messages kept for it. */
static void commit(cgrpc_call_t *call) {
  for (size_t i = 0; i < call->replay_count; i++) cgrpc_h2_msg_free(call->replay[i]);
  replay_reset(call);
  call->committed = true;
}

/* Takes over a reference to a message the stream accepted, for a replay. */
static void keep_for_replay(cgrpc_call_t *call, cgrpc_h2_msg_t *m) {
  if (!call->committed && call->replay_bytes + m->len <= REPLAY_BUFFER_LIMIT) {
    if (call->replay_count == call->replay_cap) {
      size_t cap = call->replay_cap * 2;
      cgrpc_h2_msg_t **grown = cgrpc_malloc(cap * sizeof *grown);
      if (grown) {
        memcpy(grown, call->replay, call->replay_count * sizeof *grown);
        if (call->replay != call->replay_inline) cgrpc_free(call->replay);
        call->replay = grown;
        call->replay_cap = cap;
      }
    }
    if (call->replay_count < call->replay_cap) {
      call->replay[call->replay_count++] = m;
      call->replay_bytes += m->len;
      return;
    }
  }
  cgrpc_h2_msg_free(m);
  commit(call);
}

/* Hands a message to the call's stream, keeping it for a replay. */
static void call_write(cgrpc_call_t *call, cgrpc_h2_msg_t *m, cgrpc_completion_t done) {
  if (call->committed) {
    cgrpc_call_io_write(&call->io, m, done);
    return;
  }
  cgrpc_h2_msg_ref(m);
  if (cgrpc_call_io_write(&call->io, m, done)) {
    keep_for_replay(call, m);
  } else {
    cgrpc_h2_msg_free(m);
  }
}

static void kick(cgrpc_call_t *call) {
  if (call->sub) cgrpc_transport_kick(&call->sub->t);
}

static void call_free(cgrpc_call_t *call) {
  commit(call);
  for (size_t i = 0; i < call->early_count; i++) cgrpc_h2_msg_free(call->early[i]);
  cgrpc_free(call->early);
  cgrpc_free(call->early_done);
  cgrpc_call_io_destroy(&call->io);
  cgrpc_h2_stream_destroy(&call->stream);
  cgrpc_arena_free(&call->arena);
  cgrpc_free(call);
}

static void unref(cgrpc_call_t *call) {
  if (--call->refs == 0) call_free(call);
}

static void io_fail(void *owner, cgrpc_status_code_t code, const char *why) {
  cgrpc_call_t *call = owner;
  if (!call->lost_message) {
    /* `why` is the caller's buffer; keep a copy for cgrpc_call_on_close. */
    const char *copy = cgrpc_arena_memdup(&call->arena, why, strlen(why) + 1);
    call->lost_code = code;
    call->lost_message = copy ? copy : "out of memory";
    if (call->done && call->code == CGRPC_STATUS_OK) {
      /* The call ended OK with this message still held for a read: the
       * status the application has yet to collect must say it was lost. */
      call->code = code;
      call->message = call->lost_message;
      call->message_len = strlen(call->message);
    }
  }
  cgrpc_call_end(call, code, why);
}

static void on_deadline(void *arg) {
  cgrpc_call_end(arg, CGRPC_STATUS_DEADLINE_EXCEEDED, "deadline exceeded");
}

static cgrpc_call_t *call_new(cgrpc_channel_t *ch, const cgrpc_pb_method_t *method,
                              const cgrpc_call_options_t *opts) {
  cgrpc_call_t *call = cgrpc_malloc(sizeof *call + CALL_ARENA_INITIAL + STREAM_ARENA_INITIAL);
  if (!call) return NULL;
  memset(call, 0, sizeof *call);
  char *room = (char *)(call + 1);
  cgrpc_arena_init(&call->arena, room, CALL_ARENA_INITIAL);
  cgrpc_h2_stream_init(&call->stream, call, stream_room(call), STREAM_ARENA_INITIAL);
  call->ch = ch;
  call->method = method;
  call->refs = 1; /* the application's, until finish completes */
  call->deadline = CGRPC_DEADLINE_NONE;
  replay_reset(call);
  cgrpc_call_io_init(&call->io, method->output, io_fail, call);
  cgrpc_timer_init(&call->deadline_timer, on_deadline, call);
  if (!opts) return call;
  if (opts->deadline > 0) call->deadline = opts->deadline;
  if (opts->timeout_ns > 0) {
    int64_t d = cgrpc_time_add(cgrpc_now_ns(), opts->timeout_ns);
    if (d < call->deadline) call->deadline = d;
  }
  call->compression = opts->compression;
  call->wait_for_ready = opts->wait_for_ready;
  /* Entries that could not legally go out are left behind. */
  for (size_t i = 0; opts->metadata && i < opts->metadata->count; i++) {
    const cgrpc_metadata_entry_t *e = &opts->metadata->entries[i];
    bool binary = cgrpc_metadata_key_is_binary(e->key.data, e->key.len);
    if (!cgrpc_h2_metadata_key_sendable(e->key.data, e->key.len) ||
        (!binary && !cgrpc_metadata_value_is_printable(e->value.data, e->value.len))) {
      continue;
    }
    cgrpc_h2_metadata_append_copy(&call->metadata, &call->arena, e->key.data, e->key.len,
                                  e->value.data, e->value.len);
  }
  return call;
}

/* ---- Life on the loop ------------------------------------------------------------- */

static void copy_status(cgrpc_call_t *call, cgrpc_status_t *st, cgrpc_arena_t *arena) {
  memset(st, 0, sizeof *st);
  st->code = call->code;
  char *msg = cgrpc_arena_alloc(arena, call->message_len + 1);
  if (msg) {
    memcpy(msg, call->message, call->message_len);
    msg[call->message_len] = '\0';
    st->message = (cgrpc_str_t){msg, call->message_len};
  } else {
    st->message = (cgrpc_str_t){"", 0};
  }
  if (call->started) {
    cgrpc_metadata_copy(&st->initial_metadata, arena, cgrpc_h2_stream_metadata(&call->stream));
    cgrpc_metadata_copy(&st->trailing_metadata, arena, cgrpc_h2_stream_trailers(&call->stream));
  }
}

/* The application asked for the status and the call has one: hand it over
 * and drop the application's reference. */
static void complete_finish(cgrpc_call_t *call) {
  call->finishing = false;
  if (call->finish_status) copy_status(call, call->finish_status, call->finish_arena);
  if (call->finish_waiter) {
    cgrpc_waiter_signal(call->finish_waiter, true);
  } else if (call->finish_fn) {
    copy_status(call, &call->status, call->finish_arena);
    call->finish_fn(call->finish_ud, &call->status);
  }
  unref(call);
}

static void unlink_call(cgrpc_call_t *call) {
  cgrpc_channel_t *ch = call->ch;
  if (call->prev) {
    call->prev->next = call->next;
  } else if (ch->calls == call) {
    ch->calls = call->next;
  }
  if (call->next) call->next->prev = call->prev;
  call->prev = call->next = NULL;
}

/* The status is decided: complete everything that waits on the call. */
static void finalize(cgrpc_call_t *call, cgrpc_status_code_t code, const char *message,
                     size_t message_len) {
  call->done = true;
  commit(call);
  unlink_call(call);
  cgrpc_channel_dequeue(call->ch, call);
  cgrpc_timer_cancel(&call->deadline_timer);
  if (call->unary && code == CGRPC_STATUS_OK && !call->got_response) {
    code = CGRPC_STATUS_UNIMPLEMENTED;
    message = "the server sent no response message for a unary call";
    message_len = strlen(message);
  }
  call->code = code;
  call->message = cgrpc_arena_memdup(&call->arena, message, message_len);
  call->message_len = call->message ? message_len : 0;
  if (!call->message) call->message = "";
  call->refs++;
  for (size_t i = 0; i < call->early_count; i++) {
    cgrpc_h2_msg_free(call->early[i]);
    cgrpc_completion_fire(&call->early_done[i], false);
  }
  call->early_count = 0;
  cgrpc_call_io_end(&call->io);
  cgrpc_completion_fire(&call->headers_done, false);
  if (call->finishing) complete_finish(call);
  unref(call);
}

void cgrpc_call_end(cgrpc_call_t *call, cgrpc_status_code_t code, const char *message) {
  if (call->done || call->cancel_sent) return;
  if (call->sub) {
    /* The stream's close brings the status (this one, unless the server's
     * came first). */
    call->cancel_sent = true;
    cgrpc_h2_stream_cancel(&call->stream, code, message);
    kick(call);
    return;
  }
  finalize(call, code, message, strlen(message));
}

void cgrpc_call_attach(cgrpc_call_t *call, subchannel_t *sub) {
  cgrpc_h2_request_t req = {
      .path = {call->method->path, strlen(call->method->path)},
      .authority = {call->ch->authority, strlen(call->ch->authority)},
      .user_agent = CGRPC_STR(USER_AGENT),
      .deadline = call->deadline,
      .encoding = (cgrpc_compression_t)call->compression,
      .metadata = &call->metadata,
  };
  if (!cgrpc_h2_stream_start(sub->t.h2, &call->stream, &req)) {
    finalize(call, CGRPC_STATUS_UNAVAILABLE, "the connection does not take new calls", 38);
    return;
  }
  call->sub = sub;
  call->refs++; /* the transport's, until the stream closes */
  cgrpc_call_io_attach(&call->io, &call->stream);
  if (call->retried) {
    /* The first stream's messages go out again, ahead of those sent since;
     * the stream takes over the references kept for them. */
    for (size_t i = 0; i < call->replay_count; i++) {
      if (cgrpc_h2_stream_send(&call->stream, call->replay[i])) call->replayed_unsent++;
    }
    call->replay_count = 0;
    commit(call);
  }
  for (size_t i = 0; i < call->early_count; i++) {
    call_write(call, call->early[i], call->early_done[i]);
  }
  call->early_count = 0;
  if (call->half_close_pending) cgrpc_h2_stream_half_close(&call->stream);
  kick(call);
}

void cgrpc_call_on_headers(cgrpc_call_t *call) {
  commit(call); /* the server is processing the call */
  call->headers_received = true;
  if (call->headers_out) {
    cgrpc_metadata_copy(call->headers_out, call->headers_arena,
                        cgrpc_h2_stream_metadata(&call->stream));
  }
  cgrpc_completion_fire(&call->headers_done, true);
}

void cgrpc_call_on_sent(cgrpc_call_t *call) {
  /* A replayed message's send completed the first time round. */
  if (call->replayed_unsent > 0) {
    call->replayed_unsent--;
    return;
  }
  cgrpc_call_io_on_sent(&call->io);
}

/* Sends the call again on a new stream (see the top of the file). */
static void retry(cgrpc_call_t *call) {
  call->retried = true;
  /* Writes still waiting for the old stream are complete: their messages
   * are in the replay buffer. Their callbacks may end the call. */
  while (call->io.w_count > 0 && !call->done) cgrpc_call_io_on_sent(&call->io);
  if (call->done) return;
  cgrpc_h2_stream_destroy(&call->stream);
  cgrpc_h2_stream_init(&call->stream, call, stream_room(call), STREAM_ARENA_INITIAL);
  call->replayed_unsent = 0;
  cgrpc_channel_enqueue(call->ch, call);
}

void cgrpc_call_on_close(cgrpc_call_t *call) {
  call->refs++;
  call->sub = NULL;
  unref(call); /* the transport's */
  if (call->done) {
    unref(call);
    return;
  }
  if (!call->committed && !call->retried && !call->cancel_sent &&
      cgrpc_h2_stream_retryable(&call->stream)) {
    retry(call);
  } else {
    const char *message;
    size_t len;
    cgrpc_status_code_t code = cgrpc_h2_stream_status(&call->stream, &message, &len);
    if (code == CGRPC_STATUS_OK && call->lost_message) {
      /* The server finished, but a message it sent was lost here: the
       * application must not take what it received for the whole stream. */
      code = call->lost_code;
      message = call->lost_message;
      len = strlen(message);
    }
    finalize(call, code, message, len);
  }
  unref(call);
}

static void start_on_loop(cgrpc_call_t *call) {
  cgrpc_channel_t *ch = call->ch;
  call->started = true;
  call->next = ch->calls;
  if (ch->calls) ch->calls->prev = call;
  ch->calls = call;
  if (call->deadline != CGRPC_DEADLINE_NONE &&
      cgrpc_timer_start(ch->loop, &call->deadline_timer, call->deadline) != 0) {
    /* A deadline that cannot fire is worse than a call that fails now. */
    cgrpc_call_end(call, CGRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory for the deadline timer");
    return;
  }
  cgrpc_channel_enqueue(ch, call);
}

/* ---- Operations ------------------------------------------------------------------------ */

typedef enum op_kind {
  OP_START,
  OP_UNARY,
  OP_SEND,
  OP_HALF_CLOSE,
  OP_RECV,
  OP_HEADERS,
  OP_CANCEL,
  OP_FINISH,
} op_kind_t;

typedef struct call_op {
  op_kind_t kind;
  cgrpc_call_t *call;
  cgrpc_completion_t done;
  cgrpc_h2_msg_t *out;
  void *msg;
  cgrpc_arena_t *arena;
  cgrpc_metadata_t *md_out;
  cgrpc_status_t *status;
  cgrpc_waiter_t *waiter;
  cgrpc_status_fn status_fn;
  void *status_ud;
} call_op_t;

static void send_on_loop(cgrpc_call_t *call, cgrpc_h2_msg_t *m, cgrpc_completion_t done) {
  if (call->sub || call->done || call->half_close_pending) {
    call_write(call, m, done); /* fails when done or not yet started */
    return;
  }
  if (call->early_count == call->early_cap) {
    size_t cap = call->early_cap ? call->early_cap * 2 : 2;
    cgrpc_h2_msg_t **msgs = cgrpc_realloc(call->early, cap * sizeof *msgs);
    if (msgs) call->early = msgs;
    cgrpc_completion_t *dones = msgs ? cgrpc_realloc(call->early_done, cap * sizeof *dones) : NULL;
    if (dones) call->early_done = dones;
    if (!msgs || !dones) {
      /* A message the call cannot keep is lost: end the call rather than
       * let the server see the messages around it as the whole stream. */
      cgrpc_h2_msg_free(m);
      cgrpc_completion_fire(&done, false);
      cgrpc_call_end(call, CGRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory for a message");
      return;
    }
    call->early_cap = cap;
  }
  call->early[call->early_count] = m;
  call->early_done[call->early_count++] = done;
}

static void set_finish(cgrpc_call_t *call, const call_op_t *op) {
  call->finishing = true;
  call->finish_arena = op->arena;
  call->finish_status = op->status;
  call->finish_waiter = op->waiter;
  call->finish_fn = op->status_fn;
  call->finish_ud = op->status_ud;
}

static void on_unary_response(void *arg, bool ok) {
  cgrpc_call_t *call = arg;
  call->got_response = call->got_response || ok;
}

static void run_op(void *arg) {
  call_op_t *op = arg;
  cgrpc_call_t *call = op->call;
  call->refs++;
  switch (op->kind) {
    case OP_START:
      start_on_loop(call);
      break;
    case OP_UNARY:
      call->unary = true;
      call->io.expect_one = true;
      send_on_loop(call, op->out, (cgrpc_completion_t){0});
      call->half_close_pending = true;
      cgrpc_call_io_read(&call->io, op->msg, op->arena,
                         (cgrpc_completion_t){NULL, on_unary_response, call});
      set_finish(call, op);
      if (call->done) { /* the request was lost (out of memory) */
        complete_finish(call);
      } else {
        start_on_loop(call);
      }
      break;
    case OP_SEND:
      if (op->out) {
        send_on_loop(call, op->out, op->done);
      } else { /* the message could not be encoded for want of memory */
        cgrpc_completion_fire(&op->done, false);
        cgrpc_call_end(call, CGRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory for a message");
      }
      break;
    case OP_HALF_CLOSE:
      call->half_close_pending = true;
      if (call->sub) cgrpc_h2_stream_half_close(&call->stream);
      break;
    case OP_RECV:
      cgrpc_call_io_read(&call->io, op->msg, op->arena, op->done);
      break;
    case OP_HEADERS:
      if (call->headers_received || call->done) {
        if (call->headers_received) {
          cgrpc_metadata_copy(op->md_out, op->arena, cgrpc_h2_stream_metadata(&call->stream));
        }
        cgrpc_completion_fire(&op->done, true);
      } else {
        call->headers_out = op->md_out;
        call->headers_arena = op->arena;
        call->headers_done = op->done;
      }
      break;
    case OP_CANCEL:
      cgrpc_call_end(call, CGRPC_STATUS_CANCELLED, "cancelled by the client");
      break;
    case OP_FINISH:
      set_finish(call, op);
      if (call->done) complete_finish(call);
      break;
  }
  kick(call);
  unref(call);
}

static bool submit(call_op_t *op) {
  return cgrpc_run_on_loop(op->call->ch->loop, run_op, op, sizeof *op);
}

/* Runs an operation that completes through a callback, or waits for it. */
static bool run_completing(call_op_t *op, cgrpc_done_fn done, void *user_data) {
  if (done) {
    cgrpc_channel_use_callbacks(op->call->ch);
    op->done = (cgrpc_completion_t){NULL, done, user_data};
    if (submit(op)) return true;
    cgrpc_h2_msg_free(op->out);
    return false;
  }
  if (cgrpc_loop_in_thread(op->call->ch->loop)) {
    cgrpc_h2_msg_free(op->out);
    return false;
  }
  cgrpc_waiter_t w;
  cgrpc_waiter_init(&w);
  op->done = (cgrpc_completion_t){&w, NULL, NULL};
  cgrpc_blocking_op_t b = {op->call->ch, false};
  if (!cgrpc_blocking_op_start(&b, run_op, op, sizeof *op)) {
    cgrpc_h2_msg_free(op->out);
    cgrpc_waiter_signal(&w, false);
  }
  return cgrpc_blocking_op_wait(&b, &w);
}

/* ---- Public API ------------------------------------------------------------------------ */

/* cgrpc_call_start() never fails: without memory for a call it returns this
 * one, on which every operation fails at once and which finishes with
 * RESOURCE_EXHAUSTED. No loop owns it, so its callbacks run on the caller's
 * thread. */
static cgrpc_call_t no_memory_call;

static bool no_memory(const cgrpc_call_t *call) { return call == &no_memory_call; }

/* The status of a call that never existed for want of memory. */
static const cgrpc_status_t *no_memory_status(cgrpc_status_t *st) {
  memset(st, 0, sizeof *st);
  st->code = CGRPC_STATUS_RESOURCE_EXHAUSTED;
  st->message = CGRPC_STR("out of memory");
  return st;
}

cgrpc_call_t *cgrpc_call_start(cgrpc_channel_t *ch, const cgrpc_pb_method_t *method,
                               const cgrpc_call_options_t *opts) {
  cgrpc_call_t *call = call_new(ch, method, opts);
  if (!call) return &no_memory_call;
  call_op_t op = {.kind = OP_START, .call = call};
  if (!submit(&op)) {
    call->done = true;
    call->code = CGRPC_STATUS_RESOURCE_EXHAUSTED;
    call->message = "out of memory";
    call->message_len = strlen(call->message);
  }
  return call;
}

bool cgrpc_call_send(cgrpc_call_t *call, const void *msg, unsigned flags, cgrpc_done_fn done,
                     void *user_data) {
  if (no_memory(call)) return false;
  cgrpc_status_code_t why = CGRPC_STATUS_INTERNAL;
  cgrpc_h2_msg_t *m = cgrpc_encode_message(msg, call->method->input, flags, &why);
  /* Out of memory ends the call (a send with no message, below): the
   * server must not take the messages around the lost one for the stream. */
  if (!m && why != CGRPC_STATUS_RESOURCE_EXHAUSTED) return false;
  call_op_t op = {.kind = OP_SEND, .call = call, .out = m};
  return run_completing(&op, done, user_data);
}

void cgrpc_call_half_close(cgrpc_call_t *call) {
  if (no_memory(call)) return;
  call_op_t op = {.kind = OP_HALF_CLOSE, .call = call};
  submit(&op);
}

bool cgrpc_call_recv(cgrpc_call_t *call, void *msg, cgrpc_arena_t *arena, cgrpc_done_fn done,
                     void *user_data) {
  if (no_memory(call)) return false;
  call_op_t op = {.kind = OP_RECV, .call = call, .msg = msg, .arena = arena};
  return run_completing(&op, done, user_data);
}

void cgrpc_call_initial_metadata(cgrpc_call_t *call, cgrpc_arena_t *arena, cgrpc_metadata_t *out) {
  *out = (cgrpc_metadata_t)CGRPC_METADATA_INIT;
  if (no_memory(call)) return;
  call_op_t op = {.kind = OP_HEADERS, .call = call, .arena = arena, .md_out = out};
  run_completing(&op, NULL, NULL);
}

bool cgrpc_call_last_message_compressed(const cgrpc_call_t *call) {
  return call->io.last_compressed;
}

void cgrpc_call_cancel(cgrpc_call_t *call) {
  if (no_memory(call)) return;
  call_op_t op = {.kind = OP_CANCEL, .call = call};
  submit(&op);
}

cgrpc_status_code_t cgrpc_call_finish(cgrpc_call_t *call, cgrpc_arena_t *arena,
                                      cgrpc_status_t *status) {
  cgrpc_status_t local;
  if (no_memory(call)) return no_memory_status(status ? status : &local)->code;
  cgrpc_arena_t scratch;
  cgrpc_arena_init(&scratch, NULL, 0);
  cgrpc_waiter_t w;
  cgrpc_waiter_init(&w);
  call_op_t op = {.kind = OP_FINISH,
                  .call = call,
                  .arena = arena ? arena : &scratch,
                  .status = status ? status : &local,
                  .waiter = &w};
  cgrpc_blocking_op_t b = {call->ch, false};
  if (cgrpc_loop_in_thread(call->ch->loop) ||
      !cgrpc_blocking_op_start(&b, run_op, &op, sizeof op)) {
    cgrpc_waiter_signal(&w, false);
    cgrpc_waiter_wait(&w);
    cgrpc_arena_free(&scratch);
    return CGRPC_STATUS_INTERNAL;
  }
  cgrpc_blocking_op_wait(&b, &w);
  cgrpc_status_code_t code = op.status->code;
  cgrpc_arena_free(&scratch);
  return code;
}

void cgrpc_call_finish_async(cgrpc_call_t *call, cgrpc_arena_t *arena, cgrpc_status_fn done,
                             void *user_data) {
  if (no_memory(call)) {
    cgrpc_status_t st;
    done(user_data, no_memory_status(&st));
    return;
  }
  cgrpc_channel_use_callbacks(call->ch);
  call_op_t op = {
      .kind = OP_FINISH, .call = call, .arena = arena, .status_fn = done, .status_ud = user_data};
  submit(&op);
}

cgrpc_status_code_t cgrpc_unary(cgrpc_channel_t *ch, const cgrpc_pb_method_t *method,
                                const void *request, void *response, cgrpc_arena_t *arena,
                                const cgrpc_call_options_t *opts, cgrpc_status_t *status) {
  cgrpc_status_t local;
  if (!status) status = &local;
  memset(status, 0, sizeof *status);
  status->message = (cgrpc_str_t){"", 0};
  if (cgrpc_loop_in_thread(ch->loop)) {
    status->code = CGRPC_STATUS_INTERNAL;
    status->message = CGRPC_STR("a blocking call cannot run on its channel's thread");
    return status->code;
  }
  cgrpc_status_code_t why = CGRPC_STATUS_INTERNAL;
  cgrpc_h2_msg_t *m = cgrpc_encode_message(request, method->input, 0, &why);
  if (!m) {
    status->code = why;
    status->message = why == CGRPC_STATUS_RESOURCE_EXHAUSTED
                          ? CGRPC_STR("out of memory")
                          : CGRPC_STR("the request could not be serialized");
    return status->code;
  }
  cgrpc_call_t *call = call_new(ch, method, opts);
  if (!call) {
    cgrpc_h2_msg_free(m);
    status->code = CGRPC_STATUS_RESOURCE_EXHAUSTED;
    status->message = CGRPC_STR("out of memory");
    return status->code;
  }
  cgrpc_waiter_t w;
  cgrpc_waiter_init(&w);
  call_op_t op = {.kind = OP_UNARY,
                  .call = call,
                  .out = m,
                  .msg = response,
                  .arena = arena,
                  .status = status,
                  .waiter = &w};
  cgrpc_blocking_op_t b = {ch, false};
  if (!cgrpc_blocking_op_start(&b, run_op, &op, sizeof op)) {
    cgrpc_h2_msg_free(m);
    call_free(call);
    cgrpc_waiter_signal(&w, false);
    cgrpc_waiter_wait(&w);
    status->code = CGRPC_STATUS_RESOURCE_EXHAUSTED;
    status->message = CGRPC_STR("out of memory");
    return status->code;
  }
  cgrpc_blocking_op_wait(&b, &w);
  return status->code;
}

void cgrpc_unary_async(cgrpc_channel_t *ch, const cgrpc_pb_method_t *method, const void *request,
                       void *response, cgrpc_arena_t *arena, const cgrpc_call_options_t *opts,
                       cgrpc_status_fn done, void *user_data) {
  cgrpc_channel_use_callbacks(ch);
  cgrpc_status_code_t why = CGRPC_STATUS_INTERNAL;
  cgrpc_h2_msg_t *m = cgrpc_encode_message(request, method->input, 0, &why);
  cgrpc_call_t *call = call_new(ch, method, opts);
  if (!call) {
    /* No call and no memory to reach the loop: report here, once. */
    cgrpc_h2_msg_free(m);
    cgrpc_status_t st;
    done(user_data, no_memory_status(&st));
    return;
  }
  if (!m) {
    /* Report the failure the way every outcome is reported: from the loop. */
    call_op_t op = {
        .kind = OP_FINISH, .call = call, .arena = arena, .status_fn = done, .status_ud = user_data};
    call->done = true;
    call->code = why;
    call->message = why == CGRPC_STATUS_RESOURCE_EXHAUSTED ? "out of memory"
                                                           : "the request could not be serialized";
    call->message_len = strlen(call->message);
    if (!submit(&op)) {
      call_free(call);
      cgrpc_status_t st;
      done(user_data, no_memory_status(&st));
    }
    return;
  }
  call_op_t op = {.kind = OP_UNARY,
                  .call = call,
                  .out = m,
                  .msg = response,
                  .arena = arena,
                  .status_fn = done,
                  .status_ud = user_data};
  if (!submit(&op)) {
    cgrpc_h2_msg_free(m);
    call_free(call);
    cgrpc_status_t st;
    done(user_data, no_memory_status(&st));
  }
}

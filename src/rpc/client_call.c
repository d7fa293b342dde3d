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
 * A call's life is one state (call_state_t in channel_internal.h) changed
 * in one place, set_state(). It is referenced by the application until its
 * finish has completed and by its transport while its stream lives, and
 * kept by the operations handed to the loop and not yet run; it is freed
 * when all let go.
 *
 * Out of memory. Nothing the header promises is lost for lack of memory: a
 * call that cannot be allocated is the channel's stand-in (ended,
 * RESOURCE_EXHAUSTED), one whose start cannot be posted ends before it is
 * shared, and the operations a call's end depends on (cancel, half-close,
 * finish) reach the loop without allocating when their post fails
 * (channel_rescue.c).
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
#include "base/log.h"
#include "base/time.h"
#include "h2/metadata.h"
#include "h2/metadata_check.h"
#include "rpc/channel_internal.h"
#include "rpc/propagation.h"

/* Arena memory inside the call's own allocation (request metadata copy,
 * status message; the stream's request headers and received metadata). */
#define CALL_ARENA_INITIAL 512
#define STREAM_ARENA_INITIAL 1536
#define USER_AGENT CGRPC_USER_AGENT

static const char kParentCancelled[] = "the server call it was made for was cancelled";

static void *stream_room(cgrpc_call_t *call) { return (char *)(call + 1) + CALL_ARENA_INITIAL; }

/* ---- Transparent retry ----------------------------------------------------------------- */

/* Empties the replay buffer (its references already dropped or moved). */
static void replay_reset(call_replay_t *r) {
  if (r->msgs != r->inline_msgs) cgrpc_free(r->msgs);
  r->msgs = r->inline_msgs;
  r->cap = sizeof r->inline_msgs / sizeof r->inline_msgs[0];
  r->count = r->bytes = 0;
}

/* The call will not be retried: let go of the messages kept for it. */
static void commit(cgrpc_call_t *call) {
  call_replay_t *r = &call->replay;
  for (size_t i = 0; i < r->count; i++) cgrpc_h2_msg_free(r->msgs[i]);
  if (r->bytes) call->ch->replay_bytes -= r->bytes;
  replay_reset(r);
  r->state = REPLAY_COMMITTED;
}

/* Takes over a reference to a message the stream accepted, for a replay. */
static void keep_for_replay(cgrpc_call_t *call, cgrpc_h2_msg_t *m) {
  call_replay_t *r = &call->replay;
  cgrpc_channel_t *ch = call->ch;
  if (r->state == REPLAY_OPEN && r->bytes + m->len <= ch->opts.per_call_retry_buffer_size &&
      ch->replay_bytes + m->len <= ch->opts.retry_buffer_size) {
    if (r->count == r->cap) {
      size_t cap = r->cap * 2;
      cgrpc_h2_msg_t **grown = cgrpc_malloc(cap * sizeof *grown);
      if (grown) {
        memcpy(grown, r->msgs, r->count * sizeof *grown);
        if (r->msgs != r->inline_msgs) cgrpc_free(r->msgs);
        r->msgs = grown;
        r->cap = cap;
      }
    }
    if (r->count < r->cap) {
      r->msgs[r->count++] = m;
      r->bytes += m->len;
      ch->replay_bytes += m->len;
      return;
    }
  }
  cgrpc_h2_msg_free(m);
  commit(call);
}

/* Hands a message to the call's stream, keeping it for a replay. */
static void call_write(cgrpc_call_t *call, cgrpc_h2_msg_t *m, cgrpc_completion_t done) {
  if (call->max_send && m && m->len > call->max_send) {
    char why[160];
    snprintf(why, sizeof why,
             "message of %zu bytes is larger than the send limit of %zu bytes (service config "
             "maxRequestMessageBytes)",
             m->len, call->max_send);
    cgrpc_h2_msg_free(m);
    cgrpc_completion_fire(&done, false);
    cgrpc_call_end(call, CGRPC_STATUS_RESOURCE_EXHAUSTED, why);
    return;
  }
  if (call->replay.state != REPLAY_OPEN) {
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

/* ---- The call object --------------------------------------------------------------------- */

static void kick(cgrpc_call_t *call) {
  if (call->sub) cgrpc_transport_kick(&call->sub->t);
}

static void unref(cgrpc_call_t *call);

static void call_free(cgrpc_call_t *call) {
  cgrpc_propagation_leave(call);
  if (call->hedge_winner) unref(call->hedge_winner);
  if (call->hedge_parent) unref(call->hedge_parent);
  commit(call);
  cgrpc_service_config_unref(call->config);
  for (size_t i = 0; i < call->early.count; i++) cgrpc_h2_msg_free(call->early.msgs[i]);
  cgrpc_free(call->early.msgs);
  cgrpc_free(call->early.done);
  cgrpc_call_io_destroy(&call->io);
  cgrpc_h2_stream_destroy(&call->stream);
  cgrpc_arena_free(&call->arena);
  cgrpc_free(call);
}

/* Operations handed to the loop and not yet run keep the call alive: a
 * posted one may be overtaken by one its thread runs as the loop's guest,
 * or by a rescued one (channel_rescue.c), that ends and frees the call. */
static void unref(cgrpc_call_t *call) {
  if (--call->refs == 0 && atomic_load(&call->handed) == 0) call_free(call);
}

static void io_fail(void *owner, cgrpc_status_code_t code, const char *why) {
  cgrpc_call_t *call = owner;
  if (!call->lost_message) {
    /* `why` is the caller's buffer; keep a copy for cgrpc_call_on_close. */
    const char *copy = cgrpc_arena_memdup(&call->arena, why, strlen(why) + 1);
    call->lost_code = code;
    call->lost_message = copy ? copy : "out of memory";
    if (call->state == CALL_DONE && call->code == CGRPC_STATUS_OK) {
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

/* The backoff between two attempts is over. */
static void on_retry_timer(void *arg) {
  cgrpc_call_t *call = arg;
  if (call->state == CALL_BACKOFF) cgrpc_channel_enqueue(call->ch, call);
}

/* Propagation from a server call: its deadline, and a place among its
 * children so that its cancellation reaches this call. */
static void inherit(cgrpc_call_t *call, const cgrpc_call_options_t *opts) {
  if (!(opts->no_propagate & CGRPC_PROPAGATE_DEADLINE)) {
    int64_t d = cgrpc_server_call_deadline(opts->parent);
    if (d < call->deadline) call->deadline = d;
  }
  if (!(opts->no_propagate & CGRPC_PROPAGATE_CANCELLATION)) {
    call->parent_cancelled = !cgrpc_propagation_join(opts->parent, call);
  }
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
  call->deadline = CGRPC_INFINITE;
  call->state = CALL_IDLE;
  replay_reset(&call->replay);
  call->replay.state = REPLAY_OPEN;
  cgrpc_call_io_init(&call->io, method->output, io_fail, call);
  cgrpc_timer_init(&call->deadline_timer, on_deadline, call);
  cgrpc_timer_init(&call->retry_timer, on_retry_timer, call);
  if (!atomic_load_explicit(&ch->calls_begun, memory_order_relaxed)) {
    atomic_store(&ch->calls_begun, true);
  }
  if (ch->icept.count) {
    call->icept.chain = &ch->icept;
    call->icept.client = true;
    call->icept.method = method;
    call->icept.peer = ch->authority;
    call->io.icept = &call->icept;
  }
  if (!opts) return call;
  if (opts->timeout_ns != 0) call->deadline = cgrpc_time_add(cgrpc_now_ns(), opts->timeout_ns);
  if (opts->parent) inherit(call, opts);
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

/* ---- State --------------------------------------------------------------------------------- */

static void link_call(cgrpc_call_t *call) {
  cgrpc_channel_t *ch = call->ch;
  call->prev = NULL;
  call->next = ch->calls;
  if (ch->calls) ch->calls->prev = call;
  ch->calls = call;
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

/* The one place the call's state changes (see call_state_t). A call that
 * goes from IDLE straight to DONE was never shared with the loop: nothing
 * of the channel's is touched then. */
static void set_state(cgrpc_call_t *call, call_state_t to) {
  call_state_t from = call->state;
  if (from == to) return;
  cgrpc_channel_t *ch = call->ch;
  if (from == CALL_IDLE && to != CALL_DONE) {
    link_call(call);
    if (call->deadline != CGRPC_INFINITE) {
      cgrpc_timer_start(ch->loop, &call->deadline_timer, call->deadline);
    }
  }
  if (from == CALL_WAITING) cgrpc_channel_unlink_waiting(ch, call);
  if (from == CALL_BACKOFF || from == CALL_HEDGING) cgrpc_timer_cancel(&call->retry_timer);
  if (to == CALL_WAITING) cgrpc_channel_link_waiting(ch, call);
  if (to == CALL_DONE && from != CALL_IDLE) {
    unlink_call(call);
    cgrpc_timer_cancel(&call->deadline_timer);
    if (!ch->calls) cgrpc_channel_idle_arm(ch);
  }
  call->state = to;
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
  const cgrpc_h2_stream_t *s = call->hedge_winner ? &call->hedge_winner->stream : &call->stream;
  cgrpc_metadata_copy(&st->initial_metadata, arena, cgrpc_h2_stream_metadata(s));
  cgrpc_metadata_copy(&st->trailing_metadata, arena, cgrpc_h2_stream_trailers(s));
}

/* The application asked for the status and the call has one: hand it over
 * and drop the application's reference. */
static void complete_finish(cgrpc_call_t *call) {
  call->finish_requested = false;
  call_finish_t *f = &call->finish;
  if (f->status) copy_status(call, f->status, f->arena);
  if (f->waiter) {
    cgrpc_waiter_signal(f->waiter, true);
  } else if (f->fn) {
    copy_status(call, &call->status, f->arena);
    f->fn(f->user_data, &call->status);
  }
  unref(call);
}

/* ---- Interceptors and call credentials ------------------------------------------------ */

static void intercept_end(cgrpc_call_t *call, const cgrpc_metadata_t *trailers) {
  cgrpc_call_summary_t summary = {.code = call->code,
                                  .message = {call->message, call->message_len},
                                  .trailing_metadata = trailers,
                                  .bytes_received = call->io.bytes_in,
                                  .bytes_sent = call->io.bytes_out,
                                  .messages_received = call->io.received,
                                  .messages_sent = call->io.sent};
  cgrpc_icept_end(&call->icept, &summary);
}

/* Whether a new call has anything to run before it starts. */
static bool intercepted(const cgrpc_call_t *call, const cgrpc_call_options_t *opts) {
  return call->icept.chain || call->ch->has_call_creds || (opts && opts->call_credentials);
}

/* Memory for a request an on_send replaces: a stack buffer first, freed
 * once the request is encoded. */
typedef struct send_scratch {
  cgrpc_arena_t arena;
  char room[256];
} send_scratch_t;

/* On the application's thread, before the call is shared: the
 * interceptors' on_start (and on_send of `request`, when given), then the
 * call credentials. OK, or the code the call ends with, why in `err`;
 * nothing has gone on the wire then. */
static cgrpc_status_code_t intercept_begin(cgrpc_call_t *call, const cgrpc_call_options_t *opts,
                                           const void **request, send_scratch_t *scratch,
                                           cgrpc_error_t *err) {
  cgrpc_channel_t *ch = call->ch;
  cgrpc_status_code_t code = CGRPC_STATUS_OK;
  if (call->icept.chain) {
    code = cgrpc_icept_start(&call->icept, &call->metadata, &call->arena, err);
    if (code == CGRPC_STATUS_OK && request) {
      code = cgrpc_icept_send(&call->icept, request, &scratch->arena, err);
    }
  }
  if (code == CGRPC_STATUS_OK && ch->has_call_creds) {
    code = cgrpc_call_credentials_apply(&ch->call_creds, ch, call->method, &call->metadata, &call->arena,
                                        err);
  }
  if (code == CGRPC_STATUS_OK && opts && opts->call_credentials) {
    code = cgrpc_call_credentials_apply(opts->call_credentials, ch, call->method, &call->metadata,
                                        &call->arena, err);
  }
  return code;
}

/* ---- Hedging --------------------------------------------------------------------------- */

/* A unary call with a hedging policy (gRFC A6) runs its attempts as child
 * calls of its own: the first at once, the next ones hedgingDelay apart, or
 * at once after an attempt failed with a non-fatal code. The first attempt
 * whose server answers (response headers) wins: the others are cancelled
 * (the servers see RST_STREAM CANCEL), no more start, and the winner reads
 * the response into the caller's struct. A fatal status ends the call with
 * it; when every attempt failed non-fatally, the last status is the call's.
 * The parent holds each attempt until it ends; each attempt holds the
 * parent until it is freed. Streaming calls are not hedged. */

static void finalize(cgrpc_call_t *call, cgrpc_status_code_t code, const char *message,
                     size_t message_len);
static void send_on_loop(cgrpc_call_t *call, cgrpc_h2_msg_t *m, cgrpc_completion_t done);
static void hedge_next(cgrpc_call_t *parent);

static const char kHedgeLost[] = "another hedged attempt answered first";

static void on_hedge_timer(void *arg) { hedge_next(arg); }

/* Starts attempt number `hedges_started` (0-based; its
 * grpc-previous-rpc-attempts). False when it could not be created. */
static bool hedge_start_one(cgrpc_call_t *parent) {
  cgrpc_call_t *a = call_new(parent->ch, parent->method, NULL);
  if (!a) return false;
  a->icept.chain = NULL; /* the parent's interceptors see the call once */
  a->io.icept = parent->io.icept;
  a->hedge_parent = parent;
  parent->refs++;
  a->deadline = parent->deadline;
  a->wait_for_ready = parent->wait_for_ready;
  a->compression = parent->compression;
  a->max_send = parent->max_send;
  a->io.max_recv = parent->io.max_recv;
  a->io.expect_one = true;
  a->attempts = parent->hedges_started;
  for (size_t i = 0; i < parent->metadata.count; i++) {
    const cgrpc_metadata_entry_t *e = &parent->metadata.entries[i];
    cgrpc_h2_metadata_append_copy(&a->metadata, &a->arena, e->key.data, e->key.len, e->value.data,
                                  e->value.len);
  }
  parent->hedges[parent->hedges_started++] = a;
  /* A message is queued on one stream at a time (its queue state is its
   * own): each attempt sends a copy. */
  for (size_t i = 0; i < parent->early.count; i++) {
    const cgrpc_h2_msg_t *m = parent->early.msgs[i];
    cgrpc_h2_msg_t *copy = cgrpc_h2_msg_new(m->len);
    if (!copy) {
      cgrpc_call_end(a, CGRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory for a message");
      return true;
    }
    memcpy(cgrpc_h2_msg_payload(copy), m->data + CGRPC_MESSAGE_PREFIX_SIZE, m->len);
    copy->len = m->len;
    copy->no_compress = m->no_compress;
    send_on_loop(a, copy, (cgrpc_completion_t){0});
  }
  a->half_closed = true;
  cgrpc_channel_enqueue(a->ch, a);
  return true;
}

/* Starts the next attempt if one is due and allowed, and arms the timer
 * for the one after. */
static void hedge_next(cgrpc_call_t *parent) {
  if (parent->state != CALL_HEDGING || parent->hedge_winner) return;
  const cgrpc_sc_hedging_policy_t *p = parent->hedging;
  if (parent->hedges_started >= p->max_attempts) return;
  if (parent->hedges_started > 0 && cgrpc_retry_throttled(parent->ch, 0)) return;
  if (!hedge_start_one(parent)) {
    if (parent->hedges_started == 0) {
      cgrpc_call_end(parent, CGRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory for an attempt");
    }
    return;
  }
  if (parent->state == CALL_HEDGING && parent->hedges_started < p->max_attempts &&
      p->hedging_delay_ns > 0) {
    cgrpc_loop_t *loop = parent->ch->loop;
    cgrpc_timer_start(loop, &parent->retry_timer,
                      cgrpc_time_add(cgrpc_loop_now(loop), p->hedging_delay_ns));
  } else if (parent->state == CALL_HEDGING && p->hedging_delay_ns == 0) {
    hedge_next(parent); /* no delay: every attempt at once */
  }
}

static void hedge_begin(cgrpc_call_t *parent) {
  set_state(parent, CALL_HEDGING);
  cgrpc_timer_init(&parent->retry_timer, on_hedge_timer, parent);
  hedge_next(parent);
}

/* An attempt's server answered: it wins if none did before. */
static void hedge_on_headers(cgrpc_call_t *a) {
  cgrpc_call_t *parent = a->hedge_parent;
  if (parent->state != CALL_HEDGING || parent->hedge_winner) return;
  parent->hedge_winner = a;
  a->refs++; /* kept for the status's metadata */
  cgrpc_timer_cancel(&parent->retry_timer);
  for (int i = 0; i < parent->hedges_started; i++) {
    if (parent->hedges[i] != a) {
      cgrpc_call_end(parent->hedges[i], CGRPC_STATUS_CANCELLED, kHedgeLost);
    }
  }
  /* The caller's read moves to the winner. */
  cgrpc_call_io_t *io = &parent->io;
  if (io->read_pending) {
    io->read_pending = false;
    cgrpc_call_io_read(&a->io, io->read_msg, io->read_arena, io->read_done);
  }
}

/* An attempt ended (from its finalize). */
static void hedge_attempt_done(cgrpc_call_t *a) {
  cgrpc_call_t *parent = a->hedge_parent;
  if (parent->state != CALL_HEDGING) return;
  parent->hedges_done++;
  if (parent->hedge_winner && parent->hedge_winner != a) return; /* cancelled: it lost */
  cgrpc_status_code_t code = a->code;
  bool non_fatal =
      code != CGRPC_STATUS_OK && (parent->hedging->non_fatal_codes & CGRPC_SC_CODE(code));
  if (parent->hedge_winner == a || !non_fatal) {
    (void)cgrpc_retry_throttled(parent->ch, code == CGRPC_STATUS_OK ? 1 : 0);
    if (parent->hedge_winner != a && !parent->hedge_winner) {
      parent->hedge_winner = a; /* a fatal status: the call's */
      a->refs++;
    }
    parent->io.received = a->io.received;
    finalize(parent, code, a->message, a->message_len);
    return;
  }
  (void)cgrpc_retry_throttled(parent->ch, -1);
  /* A non-fatal failure: the next attempt at once, if one is left and
   * allowed; when none is and none runs, this status is the call's. */
  cgrpc_timer_cancel(&parent->retry_timer);
  hedge_next(parent);
  if (parent->state == CALL_HEDGING && parent->hedges_done == parent->hedges_started) {
    finalize(parent, code, a->message, a->message_len);
  }
}

/* The parent ended (answered, cancelled, deadline, channel closed): the
 * attempts still running end too, and are let go. */
static void hedge_parent_done(cgrpc_call_t *parent) {
  for (int i = 0; i < parent->hedges_started; i++) {
    cgrpc_call_t *a = parent->hedges[i];
    parent->hedges[i] = NULL;
    if (a != parent->hedge_winner) cgrpc_call_end(a, CGRPC_STATUS_CANCELLED, kHedgeLost);
    unref(a);
  }
  parent->hedges_started = 0;
}

/* The status is decided (-> DONE): complete everything that waits on the
 * call. */
static void finalize(cgrpc_call_t *call, cgrpc_status_code_t code, const char *message,
                     size_t message_len) {
  set_state(call, CALL_DONE);
  cgrpc_propagation_leave(call);
  commit(call);
  if (call->io.expect_one && code == CGRPC_STATUS_OK && call->io.received == 0) {
    code = CGRPC_STATUS_UNIMPLEMENTED;
    message = "the server sent no response message for a unary call";
    message_len = strlen(message);
  }
  if (call->policy) cgrpc_retry_on_end(call, code);
  call->code = code;
  call->message = cgrpc_arena_memdup(&call->arena, message, message_len);
  call->message_len = call->message ? message_len : 0;
  if (!call->message) call->message = "";
  if (call->icept.started) intercept_end(call, cgrpc_h2_stream_trailers(&call->stream));
  call->refs++;
  if (call->hedging) hedge_parent_done(call);
  if (call->hedge_parent) {
    /* An attempt never looks at its parent again: let go of it now (the
     * parent may hold this attempt, as its winner, until it is freed). */
    cgrpc_call_t *parent = call->hedge_parent;
    hedge_attempt_done(call);
    call->hedge_parent = NULL;
    unref(parent);
  }
  for (size_t i = 0; i < call->early.count; i++) {
    cgrpc_h2_msg_free(call->early.msgs[i]);
    cgrpc_completion_fire(&call->early.done[i], false);
  }
  call->early.count = 0;
  cgrpc_call_io_end(&call->io);
  cgrpc_completion_fire(&call->headers.done, false);
  if (call->finish_requested) complete_finish(call);
  unref(call);
}

void cgrpc_call_end(cgrpc_call_t *call, cgrpc_status_code_t code, const char *message) {
  if (call->state == CALL_DONE || call->state == CALL_ENDING) return;
  if (call->sub) {
    /* The stream's close brings the status (this one, unless the server's
     * came first). */
    set_state(call, CALL_ENDING);
    cgrpc_h2_stream_cancel(&call->stream, code, message);
    kick(call);
    return;
  }
  finalize(call, code, message, strlen(message));
}

void cgrpc_call_wait(cgrpc_call_t *call) { set_state(call, CALL_WAITING); }

/* Whether another attempt may still follow the one starting now. */
static bool may_retry_again(const cgrpc_call_t *call) {
  return !call->transparent_used ||
         (call->policy && call->attempts + 1 < call->policy->max_attempts);
}

/* grpc-previous-rpc-attempts on every attempt after the first (gRFC A6):
 * appended once, its one digit rewritten for later attempts. */
static void note_previous_attempts(cgrpc_call_t *call) {
  char digit = (char)('0' + call->attempts); /* at most CGRPC_SC_MAX_ATTEMPTS - 1 */
  if (call->attempts_md == 0) {
    static const char kKey[] = "grpc-previous-rpc-attempts";
    if (cgrpc_h2_metadata_append_copy(&call->metadata, &call->arena, kKey, sizeof kKey - 1, &digit,
                                      1)) {
      call->attempts_md = call->metadata.count; /* index + 1 */
    }
    return;
  }
  cgrpc_metadata_entry_t *e = &call->metadata.entries[call->attempts_md - 1];
  *(char *)e->value.data = digit;
}

void cgrpc_call_attach(cgrpc_call_t *call, subchannel_t *sub) {
  if (call->attempts > 0) note_previous_attempts(call);
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
  set_state(call, CALL_ACTIVE);
  call->sub = sub;
  if (sub->owner) sub->owner->outstanding++; /* least_request counts them */
  call->refs++; /* the transport's, until the stream closes */
  cgrpc_call_io_attach(&call->io, &call->stream);
  if (call->replay.state == REPLAY_RETRYING) {
    /* The first stream's messages go out again, ahead of those sent since;
     * the stream takes over the references kept for them. */
    call_replay_t *r = &call->replay;
    bool again = may_retry_again(call);
    for (size_t i = 0; i < r->count; i++) {
      if (again) cgrpc_h2_msg_ref(r->msgs[i]); /* kept for the next attempt too */
      if (cgrpc_h2_stream_send(&call->stream, r->msgs[i])) r->unsent++;
    }
    if (again) {
      r->state = REPLAY_OPEN;
    } else {
      r->count = 0;
      commit(call);
    }
  }
  for (size_t i = 0; i < call->early.count; i++) {
    call_write(call, call->early.msgs[i], call->early.done[i]);
  }
  call->early.count = 0;
  if (call->half_closed) cgrpc_h2_stream_half_close(&call->stream);
  kick(call);
}

void cgrpc_call_on_headers(cgrpc_call_t *call) {
  commit(call); /* the server is processing the call */
  if (call->hedge_parent) hedge_on_headers(call);
  call_headers_t *h = &call->headers;
  h->received = true;
  if (h->out) cgrpc_metadata_copy(h->out, h->arena, cgrpc_h2_stream_metadata(&call->stream));
  cgrpc_completion_fire(&h->done, true);
}

void cgrpc_call_on_sent(cgrpc_call_t *call) {
  /* A replayed message's send completed the first time round. */
  if (call->replay.unsent > 0) {
    call->replay.unsent--;
    return;
  }
  cgrpc_call_io_on_sent(&call->io);
}

/* Sends the call again on a new stream (see the top of the file): at once
 * (delay < 0: the transparent retry) or after `delay` ns (a retry policy's
 * backoff or the server's pushback). */
static void retry(cgrpc_call_t *call, int64_t delay) {
  call->replay.state = REPLAY_RETRYING;
  /* Writes still waiting for the old stream are complete: their messages
   * are in the replay buffer. Their callbacks may end the call. */
  while (call->io.w_count > 0 && call->state != CALL_DONE) cgrpc_call_io_on_sent(&call->io);
  if (call->state == CALL_DONE) return;
  cgrpc_h2_stream_destroy(&call->stream);
  cgrpc_h2_stream_init(&call->stream, call, stream_room(call), STREAM_ARENA_INITIAL);
  call->replay.unsent = 0;
  if (delay < 0) {
    call->transparent_used = true;
  } else if (delay > 0) {
    set_state(call, CALL_BACKOFF);
    cgrpc_loop_t *loop = call->ch->loop;
    if (cgrpc_timer_start(loop, &call->retry_timer, cgrpc_time_add(cgrpc_loop_now(loop), delay)) ==
        0) {
      return;
    }
    /* No memory for the timer: retry at once rather than never. */
  }
  cgrpc_channel_enqueue(call->ch, call);
}

/* The end of stream is news for the application only once the call is
 * committed: until then a retry may follow (the close decides). */
void cgrpc_call_on_eos(cgrpc_call_t *call) {
  if (call->policy && call->replay.state == REPLAY_OPEN) return;
  cgrpc_call_io_on_eos(&call->io);
}

void cgrpc_call_on_close(cgrpc_call_t *call) {
  call->refs++;
  if (call->sub->owner) call->sub->owner->outstanding--;
  call->sub = NULL;
  unref(call); /* the transport's */
  if (call->state == CALL_DONE) {
    unref(call);
    return;
  }
  bool open = call->state == CALL_ACTIVE && call->replay.state == REPLAY_OPEN;
  const char *message;
  size_t len;
  cgrpc_status_code_t code = cgrpc_h2_stream_status(&call->stream, &message, &len);
  int64_t delay = -2;
  if (open && !call->transparent_used && cgrpc_h2_stream_retryable(&call->stream)) {
    delay = -1;
  } else if (open && call->policy && code != CGRPC_STATUS_OK && !call->lost_message) {
    delay = cgrpc_retry_next_delay(call, code);
    if (delay < 0) delay = -2;
  }
  if (delay >= -1) {
    retry(call, delay);
  } else {
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
  if (call->state != CALL_IDLE) return; /* a rescued cancel overtook the start */
  if (call->parent_cancelled) {
    cgrpc_call_end(call, CGRPC_STATUS_CANCELLED, kParentCancelled);
    return;
  }
  /* A health Watch (pinned) is the channel's own stream, not an
   * application call: a method config's timeout or retries would end or
   * repeat it and take a healthy backend out of the policy. */
  if (call->ch->config && !call->pin) {
    cgrpc_call_apply_config(call);
    if (call->hedging) {
      hedge_begin(call);
      return;
    }
  }
  cgrpc_channel_enqueue(call->ch, call);
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
  call_finish_t finish;         /* OP_FINISH, OP_UNARY */
  cgrpc_status_code_t end_code; /* OP_SEND without a message: an interceptor ended the call */
} call_op_t;

static void send_on_loop(cgrpc_call_t *call, cgrpc_h2_msg_t *m, cgrpc_completion_t done) {
  if (call->sub || call->state == CALL_DONE || call->half_closed) {
    call_write(call, m, done); /* fails when done or not yet started */
    return;
  }
  call_early_t *e = &call->early;
  if (e->count == e->cap) {
    size_t cap = e->cap ? e->cap * 2 : 2;
    cgrpc_h2_msg_t **msgs = cgrpc_realloc(e->msgs, cap * sizeof *msgs);
    if (msgs) e->msgs = msgs;
    cgrpc_completion_t *dones = msgs ? cgrpc_realloc(e->done, cap * sizeof *dones) : NULL;
    if (dones) e->done = dones;
    if (!msgs || !dones) {
      /* A message the call cannot keep is lost: end the call rather than
       * let the server see the messages around it as the whole stream. */
      cgrpc_h2_msg_free(m);
      cgrpc_completion_fire(&done, false);
      cgrpc_call_end(call, CGRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory for a message");
      return;
    }
    e->cap = cap;
  }
  e->msgs[e->count] = m;
  e->done[e->count++] = done;
}

static void set_finish(cgrpc_call_t *call, const call_finish_t *finish) {
  call->finish_requested = true;
  call->finish = *finish;
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
      call->io.expect_one = true;
      send_on_loop(call, op->out, (cgrpc_completion_t){0});
      call->half_closed = true;
      cgrpc_call_io_read(&call->io, op->msg, op->arena, (cgrpc_completion_t){0});
      set_finish(call, &op->finish);
      if (call->state == CALL_DONE) { /* the request was lost (out of memory) */
        complete_finish(call);
      } else {
        start_on_loop(call);
      }
      break;
    case OP_SEND:
      if (op->out) {
        send_on_loop(call, op->out, op->done);
      } else if (op->end_code != CGRPC_STATUS_OK) { /* an interceptor's on_send */
        cgrpc_call_end(call, op->end_code, call->icept_err.message);
      } else { /* the message could not be encoded for want of memory */
        cgrpc_completion_fire(&op->done, false);
        cgrpc_call_end(call, CGRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory for a message");
      }
      break;
    case OP_HALF_CLOSE:
      call->half_closed = true;
      if (call->sub) cgrpc_h2_stream_half_close(&call->stream);
      break;
    case OP_RECV:
      cgrpc_call_io_read(&call->io, op->msg, op->arena, op->done);
      break;
    case OP_HEADERS:
      if (call->headers.received || call->state == CALL_DONE) {
        if (call->headers.received) {
          cgrpc_metadata_copy(op->md_out, op->arena, cgrpc_h2_stream_metadata(&call->stream));
        }
        cgrpc_completion_fire(&op->done, true);
      } else {
        call->headers.out = op->md_out;
        call->headers.arena = op->arena;
        call->headers.done = op->done;
      }
      break;
    case OP_CANCEL:
      cgrpc_call_end(call, CGRPC_STATUS_CANCELLED,
                     op->end_code ? kParentCancelled : "cancelled by the client");
      break;
    case OP_FINISH:
      set_finish(call, &op->finish);
      if (call->state == CALL_DONE) complete_finish(call);
      break;
  }
  kick(call);
  unref(call);
}

/* Runs an operation handed to the loop (counted in call->handed). */
static void run_handed(void *arg) {
  call_op_t *op = arg;
  cgrpc_call_t *call = op->call;
  call->refs++;
  atomic_fetch_sub(&call->handed, 1);
  run_op(op);
  unref(call);
}

static bool submit(call_op_t *op) {
  atomic_fetch_add(&op->call->handed, 1);
  if (cgrpc_run_on_loop(op->call->ch->loop, run_handed, op, sizeof *op)) return true;
  atomic_fetch_sub(&op->call->handed, 1);
  return false;
}

/* Starts a blocking operation (see channel_wait.c). */
static bool start_blocking(cgrpc_blocking_op_t *b, call_op_t *op) {
  atomic_fetch_add(&op->call->handed, 1);
  if (cgrpc_blocking_op_start(b, run_handed, op, sizeof *op)) return true;
  atomic_fetch_sub(&op->call->handed, 1);
  return false;
}

/* Runs an operation that completes through a callback, or waits for it. */
/* A blocking operation asked for on the channel's own thread (from a
 * callback) would wait for itself: it fails at once, and says so loudly,
 * since the failure alone looks like a broken connection. */
static void blocking_on_loop(const cgrpc_pb_method_t *method, const char *what) {
  cgrpc_log(CGRPC_LOG_ERROR,
            "%s for %s was called from a callback, on the channel's own thread, where it would "
            "wait for itself; it fails at once: use the callback form there",
            what, method && method->path ? method->path : "a call");
}

static bool run_completing(call_op_t *op, cgrpc_done_fn done, void *user_data) {
  if (done) {
    cgrpc_channel_use_callbacks(op->call->ch);
    op->done = (cgrpc_completion_t){NULL, done, user_data};
    if (submit(op)) return true;
    cgrpc_h2_msg_free(op->out);
    return false;
  }
  if (cgrpc_loop_in_thread(op->call->ch->loop)) {
    blocking_on_loop(op->call->method, "a blocking send, receive or metadata wait");
    cgrpc_h2_msg_free(op->out);
    return false;
  }
  cgrpc_waiter_t w;
  cgrpc_waiter_init(&w);
  op->done = (cgrpc_completion_t){&w, NULL, NULL};
  cgrpc_blocking_op_t b = {op->call->ch, false};
  if (!start_blocking(&b, op)) {
    cgrpc_h2_msg_free(op->out);
    cgrpc_waiter_signal(&w, false);
  }
  return cgrpc_blocking_op_wait(&b, &w);
}

/* ---- Failure paths ------------------------------------------------------------------- */

/* Notes operations the loop must run although they could not be posted
 * (out of memory): the end of the call, its finish (channel_rescue.c). */
static void rescue(cgrpc_call_t *call, cgrpc_status_code_t end_code, const char *end_message,
                   const call_finish_t *finish) {
  cgrpc_channel_t *ch = call->ch;
  pthread_mutex_lock(&ch->rescue_mu);
  call_rescue_t *r = &call->rescue;
  if (end_code != CGRPC_STATUS_OK && r->end_code == CGRPC_STATUS_OK) {
    r->end_code = end_code;
    r->end_message = end_message;
  }
  if (finish) {
    r->finish = *finish;
    r->has_finish = true;
  }
  if (!r->linked) {
    r->linked = true;
    r->next = ch->rescue_head;
    ch->rescue_head = call;
    atomic_fetch_add(&call->handed, 1);
  }
  pthread_mutex_unlock(&ch->rescue_mu);
  cgrpc_channel_rescue_wake(ch);
}

void cgrpc_call_run_rescued(cgrpc_call_t *call, const call_rescue_t *r) {
  call->refs++;
  atomic_fetch_sub(&call->handed, 1);
  if (r->end_code != CGRPC_STATUS_OK) cgrpc_call_end(call, r->end_code, r->end_message);
  if (r->has_finish) {
    set_finish(call, &r->finish);
    if (call->state == CALL_DONE) complete_finish(call);
  }
  kick(call);
  unref(call);
}

/* A call that ends before it reached the loop (the application's thread
 * still owns it): its status is decided here. */
static void fail_unstarted(cgrpc_call_t *call, cgrpc_status_code_t code, const char *message) {
  set_state(call, CALL_DONE);
  cgrpc_propagation_leave(call);
  call->code = code;
  call->message = message;
  call->message_len = strlen(message);
  cgrpc_call_io_end(&call->io);
  if (call->icept.started) intercept_end(call, NULL);
}

/* A call an interceptor or its credentials ended before it started: its
 * status is decided here, with a copy of the message. */
static void fail_intercepted(cgrpc_call_t *call, cgrpc_status_code_t code, const char *message) {
  const char *copy = cgrpc_arena_memdup(&call->arena, message, strlen(message) + 1);
  fail_unstarted(call, code, copy ? copy : "out of memory");
}

static const char kNoMemoryCall[] = "out of memory: the call could not be created";
static const char kNoMemoryStart[] = "out of memory: the call could not be started";
static const char kNoMemoryHalfClose[] = "out of memory: the half-close could not be sent";

cgrpc_call_t *cgrpc_call_new_no_memory(cgrpc_channel_t *ch) {
  cgrpc_call_t *call = cgrpc_malloc(sizeof *call);
  if (!call) return NULL;
  memset(call, 0, sizeof *call);
  call->ch = ch;
  fail_unstarted(call, CGRPC_STATUS_RESOURCE_EXHAUSTED, kNoMemoryCall);
  return call;
}

void cgrpc_call_free_no_memory(cgrpc_call_t *call) { cgrpc_free(call); }

/* The channel's stand-in for calls that could not be allocated: shared by
 * every thread that got it, so nothing here changes it. */
static bool is_no_memory(const cgrpc_call_t *call) { return call == call->ch->no_memory_call; }

static cgrpc_status_code_t set_status(cgrpc_status_t *st, cgrpc_status_code_t code,
                                      const char *message) {
  memset(st, 0, sizeof *st);
  st->code = code;
  st->message = (cgrpc_str_t){message, strlen(message)};
  return code;
}

/* A status for a callback, with no call to carry it. */
typedef struct status_report {
  cgrpc_status_fn fn;
  void *user_data;
  cgrpc_status_code_t code;
  const char *message; /* static */
} status_report_t;

static void run_report(void *arg) {
  status_report_t *r = arg;
  cgrpc_status_t st;
  set_status(&st, r->code, r->message);
  r->fn(r->user_data, &st);
}

/* Tells `fn` on the channel's loop; when not even that can be posted, here
 * (cgrpc/call.h says so). */
static void report_status(cgrpc_channel_t *ch, cgrpc_status_fn fn, void *user_data,
                          cgrpc_status_code_t code, const char *message) {
  status_report_t r = {fn, user_data, code, message};
  if (!cgrpc_run_on_loop(ch->loop, run_report, &r, sizeof r)) run_report(&r);
}

/* Hands a finish to the loop; never fails. */
static void finish_on_loop(cgrpc_call_t *call, const call_finish_t *finish) {
  call_op_t op = {.kind = OP_FINISH, .call = call, .finish = *finish};
  if (!submit(&op)) rescue(call, CGRPC_STATUS_OK, NULL, finish);
}

/* ---- Public API ------------------------------------------------------------------------ */

static cgrpc_call_t *call_start(cgrpc_channel_t *ch, const cgrpc_pb_method_t *method,
                               const cgrpc_call_options_t *opts, struct lb_health_watch *pin) {
  cgrpc_call_t *call = call_new(ch, method, opts);
  if (!call) return ch->no_memory_call;
  call->pin = pin;
  if (intercepted(call, opts)) {
    cgrpc_error_t err;
    cgrpc_status_code_t code = intercept_begin(call, opts, NULL, NULL, &err);
    if (code != CGRPC_STATUS_OK) {
      fail_intercepted(call, code, err.message);
      return call;
    }
  }
  call_op_t op = {.kind = OP_START, .call = call};
  if (!submit(&op)) fail_unstarted(call, CGRPC_STATUS_RESOURCE_EXHAUSTED, kNoMemoryStart);
  return call;
}

cgrpc_call_t *cgrpc_call_start(cgrpc_channel_t *ch, const cgrpc_pb_method_t *method,
                               const cgrpc_call_options_t *opts) {
  return call_start(ch, method, opts, NULL);
}

cgrpc_call_t *cgrpc_call_start_pinned(cgrpc_channel_t *ch, const cgrpc_pb_method_t *method,
                                      const cgrpc_call_options_t *opts,
                                      struct lb_health_watch *pin) {
  return call_start(ch, method, opts, pin);
}

bool cgrpc_call_send(cgrpc_call_t *call, const void *msg, unsigned flags, cgrpc_done_fn done,
                     void *user_data) {
  if (is_no_memory(call)) return false;
  cgrpc_status_code_t why = CGRPC_STATUS_INTERNAL;
  send_scratch_t scratch;
  if (call->icept.started) {
    if (atomic_load(&call->icept_failed)) return false;
    cgrpc_arena_init(&scratch.arena, scratch.room, sizeof scratch.room);
    cgrpc_error_t err;
    cgrpc_status_code_t code = cgrpc_icept_send(&call->icept, &msg, &scratch.arena, &err);
    if (code != CGRPC_STATUS_OK) {
      cgrpc_arena_free(&scratch.arena);
      if (!atomic_exchange(&call->icept_failed, true)) {
        call->icept_err = err;
        call_op_t op = {.kind = OP_SEND, .call = call, .end_code = code};
        if (!submit(&op)) rescue(call, code, call->icept_err.message, NULL);
      }
      return false;
    }
  }
  cgrpc_h2_msg_t *m = cgrpc_encode_message(msg, call->method->input, flags, &why);
  if (call->icept.started) cgrpc_arena_free(&scratch.arena);
  /* Out of memory ends the call (a send with no message, below): the
   * server must not take the messages around the lost one for the stream. */
  if (!m && why != CGRPC_STATUS_RESOURCE_EXHAUSTED) return false;
  call_op_t op = {.kind = OP_SEND, .call = call, .out = m};
  return run_completing(&op, done, user_data);
}

void cgrpc_call_half_close(cgrpc_call_t *call) {
  if (is_no_memory(call)) return;
  call_op_t op = {.kind = OP_HALF_CLOSE, .call = call};
  if (!submit(&op)) rescue(call, CGRPC_STATUS_RESOURCE_EXHAUSTED, kNoMemoryHalfClose, NULL);
}

bool cgrpc_call_recv(cgrpc_call_t *call, void *msg, cgrpc_arena_t *arena, cgrpc_done_fn done,
                     void *user_data) {
  if (is_no_memory(call)) return false;
  call_op_t op = {.kind = OP_RECV, .call = call, .msg = msg, .arena = arena};
  return run_completing(&op, done, user_data);
}

void cgrpc_call_initial_metadata(cgrpc_call_t *call, cgrpc_arena_t *arena, cgrpc_metadata_t *out) {
  *out = (cgrpc_metadata_t)CGRPC_METADATA_INIT;
  if (is_no_memory(call)) return;
  call_op_t op = {.kind = OP_HEADERS, .call = call, .arena = arena, .md_out = out};
  run_completing(&op, NULL, NULL);
}

bool cgrpc_call_last_message_compressed(const cgrpc_call_t *call) {
  return call->io.last_compressed;
}

void cgrpc_call_cancel(cgrpc_call_t *call) {
  if (is_no_memory(call)) return;
  call_op_t op = {.kind = OP_CANCEL, .call = call};
  if (!submit(&op)) rescue(call, CGRPC_STATUS_CANCELLED, "cancelled by the client", NULL);
}

void cgrpc_call_cancel_propagated(cgrpc_call_t *call) {
  call_op_t op = {.kind = OP_CANCEL, .call = call, .end_code = CGRPC_STATUS_CANCELLED};
  if (!submit(&op)) rescue(call, CGRPC_STATUS_CANCELLED, kParentCancelled, NULL);
}

cgrpc_status_code_t cgrpc_call_finish(cgrpc_call_t *call, cgrpc_arena_t *arena,
                                      cgrpc_status_t *status) {
  cgrpc_status_t local;
  if (!status) status = &local;
  if (is_no_memory(call)) return set_status(status, CGRPC_STATUS_RESOURCE_EXHAUSTED, kNoMemoryCall);
  if (cgrpc_loop_in_thread(call->ch->loop)) {
    blocking_on_loop(call->method, "cgrpc_call_finish()");
    /* It cannot wait here: the call is let go, to be freed when it ends. */
    call_op_t op = {.kind = OP_FINISH, .call = call};
    run_op(&op);
    return set_status(status, CGRPC_STATUS_INTERNAL,
                      "cgrpc_call_finish() cannot wait on its channel's thread");
  }
  cgrpc_arena_t scratch;
  cgrpc_arena_init(&scratch, NULL, 0);
  cgrpc_waiter_t w;
  cgrpc_waiter_init(&w);
  call_finish_t finish = {.arena = arena ? arena : &scratch, .status = status, .waiter = &w};
  call_op_t op = {.kind = OP_FINISH, .call = call, .finish = finish};
  cgrpc_blocking_op_t b = {call->ch, false};
  if (!start_blocking(&b, &op)) {
    rescue(call, CGRPC_STATUS_OK, NULL, &finish);
  }
  cgrpc_blocking_op_wait(&b, &w);
  cgrpc_status_code_t code = status->code;
  /* Without an arena the strings were in the scratch one: keep the code. */
  if (!arena) set_status(status, code, "");
  cgrpc_arena_free(&scratch);
  return code;
}

void cgrpc_call_finish_async(cgrpc_call_t *call, cgrpc_arena_t *arena, cgrpc_status_fn done,
                             void *user_data) {
  cgrpc_channel_use_callbacks(call->ch);
  if (is_no_memory(call)) {
    report_status(call->ch, done, user_data, CGRPC_STATUS_RESOURCE_EXHAUSTED, kNoMemoryCall);
    return;
  }
  finish_on_loop(call, &(call_finish_t){.arena = arena, .fn = done, .user_data = user_data});
}

cgrpc_status_code_t cgrpc_unary(cgrpc_channel_t *ch, const cgrpc_pb_method_t *method,
                                const void *request, void *response, cgrpc_arena_t *arena,
                                const cgrpc_call_options_t *opts, cgrpc_status_t *status) {
  cgrpc_status_t local;
  if (!status) status = &local;
  if (cgrpc_loop_in_thread(ch->loop)) {
    blocking_on_loop(method, "a blocking unary call");
    return set_status(status, CGRPC_STATUS_INTERNAL,
                      "a blocking call cannot run on its channel's thread");
  }
  cgrpc_call_t *call = call_new(ch, method, opts);
  if (!call) return set_status(status, CGRPC_STATUS_RESOURCE_EXHAUSTED, kNoMemoryCall);
  send_scratch_t scratch;
  cgrpc_arena_init(&scratch.arena, scratch.room, sizeof scratch.room);
  if (intercepted(call, opts)) {
    cgrpc_error_t err;
    cgrpc_status_code_t code = intercept_begin(call, opts, &request, &scratch, &err);
    if (code != CGRPC_STATUS_OK) {
      /* Ended before anything went out: the status is reported here. */
      cgrpc_arena_free(&scratch.arena);
      fail_intercepted(call, code, err.message);
      if (arena) {
        copy_status(call, status, arena);
      } else {
        set_status(status, code, "");
      }
      call_free(call);
      return code;
    }
  }
  cgrpc_status_code_t why = CGRPC_STATUS_INTERNAL;
  cgrpc_h2_msg_t *m = cgrpc_encode_message(request, method->input, 0, &why);
  cgrpc_arena_free(&scratch.arena);
  if (!m) {
    if (call->icept.started) fail_unstarted(call, why, "the request could not be serialized");
    call_free(call);
    return set_status(status, why,
                      why == CGRPC_STATUS_RESOURCE_EXHAUSTED
                          ? "out of memory"
                          : "the request could not be serialized");
  }
  cgrpc_waiter_t w;
  cgrpc_waiter_init(&w);
  call_op_t op = {.kind = OP_UNARY,
                  .call = call,
                  .out = m,
                  .msg = response,
                  .arena = arena,
                  .finish = {.arena = arena, .status = status, .waiter = &w}};
  cgrpc_blocking_op_t b = {ch, false};
  if (!start_blocking(&b, &op)) {
    cgrpc_h2_msg_free(m);
    call_free(call);
    cgrpc_waiter_signal(&w, false);
    cgrpc_waiter_wait(&w);
    return set_status(status, CGRPC_STATUS_RESOURCE_EXHAUSTED, kNoMemoryStart);
  }
  cgrpc_blocking_op_wait(&b, &w);
  return status->code;
}

void cgrpc_unary_async(cgrpc_channel_t *ch, const cgrpc_pb_method_t *method, const void *request,
                       void *response, cgrpc_arena_t *arena, const cgrpc_call_options_t *opts,
                       cgrpc_status_fn done, void *user_data) {
  cgrpc_channel_use_callbacks(ch);
  cgrpc_call_t *call = call_new(ch, method, opts);
  if (!call) {
    /* No call and no memory to reach the loop: report here, once. */
    report_status(ch, done, user_data, CGRPC_STATUS_RESOURCE_EXHAUSTED, kNoMemoryCall);
    return;
  }
  call_finish_t finish = {.arena = arena, .fn = done, .user_data = user_data};
  send_scratch_t scratch;
  cgrpc_arena_init(&scratch.arena, scratch.room, sizeof scratch.room);
  if (intercepted(call, opts)) {
    cgrpc_error_t err;
    cgrpc_status_code_t code = intercept_begin(call, opts, &request, &scratch, &err);
    if (code != CGRPC_STATUS_OK) {
      cgrpc_arena_free(&scratch.arena);
      fail_intercepted(call, code, err.message);
      finish_on_loop(call, &finish);
      return;
    }
  }
  cgrpc_status_code_t why = CGRPC_STATUS_INTERNAL;
  cgrpc_h2_msg_t *m = cgrpc_encode_message(request, method->input, 0, &why);
  cgrpc_arena_free(&scratch.arena);
  if (!m) {
    /* Reported the way every outcome is: from the loop. */
    fail_unstarted(call, why,
                   why == CGRPC_STATUS_RESOURCE_EXHAUSTED ? "out of memory"
                                                          : "the request could not be serialized");
    finish_on_loop(call, &finish);
    return;
  }
  call_op_t op = {
      .kind = OP_UNARY, .call = call, .out = m, .msg = response, .arena = arena, .finish = finish};
  if (!submit(&op)) {
    cgrpc_h2_msg_free(m);
    fail_unstarted(call, CGRPC_STATUS_RESOURCE_EXHAUSTED, kNoMemoryStart);
    finish_on_loop(call, &finish);
  }
}

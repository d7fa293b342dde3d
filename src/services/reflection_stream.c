/* services/reflection_stream.c — ServerReflectionInfo: a bidirectional
 * stream of requests, each answered in order, on the call's loop thread.
 *
 * An INLINE handler in callback style: read a request, write its answer,
 * read the next, until the client half-closes (the call then ends OK) or
 * the call is cancelled. A read or write may complete inside the call that
 * started it (a request already buffered); drive() then goes round its
 * loop instead of recursing, so a client that sends many requests at once
 * cannot deepen the stack. Each exchange uses a message arena reset after
 * its answer is written (the write encodes it first); the set of files
 * sent, which lasts for the stream, grows in the call's arena.
 */
#include <string.h>

#include "services/reflection_internal.h"

typedef enum { READING, WRITING } phase_t;

typedef struct stream {
  cgrpc_reflection_t *r;
  cgrpc_server_call_t *call;
  phase_t phase;
  bool in_op, op_done, op_ok; /* an operation completing inside its own start */
  bool not_started;           /* ... or not even started: out of memory */
  cgrpc_arena_t arena;        /* one request and its answer */
  char room[1024];
  reflection_sent_t sent;
  grpc_reflection_v1_ServerReflectionRequest req;
  grpc_reflection_v1_ServerReflectionResponse resp;
} stream_t;

static void on_done(void *user_data, bool ok);

/* The stream ends: the message arena goes first, then the call (and with
 * it `s`, which lives in the call's arena). */
static void end(stream_t *s, cgrpc_status_code_t code, const char *message) {
  cgrpc_arena_free(&s->arena);
  cgrpc_server_call_finish(s->call, code, message, NULL);
}

/* Starts the next operation; returns true when it completed at once, with
 * its result in s->op_ok. */
static bool start(stream_t *s) {
  s->in_op = true;
  s->op_done = false;
  bool started;
  if (s->phase == READING) {
    started = cgrpc_server_call_read(s->call, &s->req, &s->arena, on_done, s);
  } else {
    started = cgrpc_server_call_write(s->call, &s->resp, 0, on_done, s);
  }
  s->in_op = false;
  if (!started) {
    s->op_done = true;
    s->op_ok = false;
    s->not_started = true;
  }
  return s->op_done;
}

/* The operation of the current phase completed with `ok`: on to the next. */
static void drive(stream_t *s, bool ok) {
  for (;;) {
    if (s->not_started) {
      end(s, CGRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory for a reflection stream");
      return;
    }
    if (s->phase == READING) {
      if (!ok) { /* the client half-closed, or the call is gone */
        end(s, cgrpc_server_call_cancelled(s->call) ? CGRPC_STATUS_CANCELLED : CGRPC_STATUS_OK,
            NULL);
        return;
      }
      if (!reflection_answer(s->r, &s->req, &s->resp, &s->sent, &s->arena,
                             cgrpc_server_call_arena(s->call))) {
        end(s, CGRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory for a reflection answer");
        return;
      }
      s->phase = WRITING;
    } else {
      if (!ok) {
        end(s, CGRPC_STATUS_CANCELLED, NULL);
        return;
      }
      cgrpc_arena_reset(&s->arena, 1);
      s->phase = READING;
    }
    if (!start(s)) return; /* on_done continues */
    ok = s->op_ok;
  }
}

static void on_done(void *user_data, bool ok) {
  stream_t *s = user_data;
  if (s->in_op) { /* inside start(): drive() takes it from there */
    s->op_done = true;
    s->op_ok = ok;
    return;
  }
  drive(s, ok);
}

void reflection_stream_handler(cgrpc_server_call_t *call, const void *request, void *user_data) {
  (void)request;
  cgrpc_reflection_t *r = user_data;
  if (!reflection_ready(r)) {
    cgrpc_server_call_finish(call, CGRPC_STATUS_RESOURCE_EXHAUSTED,
                             "out of memory describing the server's services", NULL);
    return;
  }
  stream_t *s = cgrpc_arena_calloc(cgrpc_server_call_arena(call), sizeof *s);
  if (!s) {
    cgrpc_server_call_finish(call, CGRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory", NULL);
    return;
  }
  s->r = r;
  s->call = call;
  cgrpc_arena_init(&s->arena, s->room, sizeof s->room);
  s->phase = WRITING; /* as if an answer had just gone out: read the first request */
  drive(s, true);
}

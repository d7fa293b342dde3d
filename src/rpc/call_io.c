/* rpc/call_io.c — message reads and writes of one call. See call_io.h. */
#include "rpc/call_io.h"

#include <stdio.h>
#include <string.h>

#include "base/alloc.h"

void cgrpc_call_io_init(cgrpc_call_io_t *io, const cgrpc_pb_msg_table_t *recv_table,
                        void (*fail)(void *, cgrpc_status_code_t, const char *), void *owner) {
  memset(io, 0, sizeof *io);
  io->recv_table = recv_table;
  io->fail = fail;
  io->owner = owner;
}

void cgrpc_call_io_destroy(cgrpc_call_io_t *io) {
  cgrpc_free(io->held);
  io->held = NULL;
  io->held_cap = 0;
  if (io->writes != io->inline_writes) cgrpc_free(io->writes);
  io->writes = NULL;
}

void cgrpc_call_io_attach(cgrpc_call_io_t *io, cgrpc_h2_stream_t *s) { io->stream = s; }

/* The interceptors' on_receive; false when one ended the call (the read
 * then completes false). */
static bool intercept(cgrpc_call_io_t *io) {
  cgrpc_error_t err;
  cgrpc_status_code_t code = cgrpc_icept_receive(io->icept, io->read_msg, io->read_arena, &err);
  if (code == CGRPC_STATUS_OK) return true;
  io->fail(io->owner, code, err.message);
  cgrpc_completion_fire(&io->read_done, false);
  return false;
}

/* Decodes into the waiting read and completes it. */
static void deliver(cgrpc_call_io_t *io, const uint8_t *data, size_t len, bool compressed) {
  char why[256];
  io->read_pending = false;
  io->last_compressed = compressed;
  cgrpc_status_code_t code = cgrpc_decode_message(data, len, io->read_msg, io->recv_table,
                                                  io->read_arena, why, sizeof why);
  if (code != CGRPC_STATUS_OK) {
    io->fail(io->owner, code, why);
    cgrpc_completion_fire(&io->read_done, false);
    return;
  }
  if (io->icept && io->icept->chain && !intercept(io)) return;
  cgrpc_completion_fire(&io->read_done, true);
}

void cgrpc_call_io_read(cgrpc_call_io_t *io, void *msg, cgrpc_arena_t *arena,
                        cgrpc_completion_t done) {
  if (io->has_held) {
    io->read_msg = msg;
    io->read_arena = arena;
    io->read_done = done;
    io->has_held = false;
    deliver(io, io->held, io->held_len, io->held_compressed);
    if (io->stream && !io->ended) cgrpc_h2_stream_pause_read(io->stream, false);
    return;
  }
  if (io->eos || io->ended) {
    cgrpc_completion_fire(&done, false);
    return;
  }
  io->read_pending = true;
  io->read_msg = msg;
  io->read_arena = arena;
  io->read_done = done;
  if (io->stream) cgrpc_h2_stream_pause_read(io->stream, false);
}

void cgrpc_call_io_on_message(cgrpc_call_io_t *io, const uint8_t *data, size_t len) {
  if (io->ended) return;
  bool compressed = io->stream && cgrpc_h2_stream_last_compressed(io->stream);
  if (io->expect_one && io->received > 0) {
    io->fail(io->owner, CGRPC_STATUS_UNIMPLEMENTED,
             "received more than one message for a method that takes one");
    return;
  }
  if (io->max_recv && len > io->max_recv) {
    char why[160];
    snprintf(why, sizeof why,
             "received a message of %zu bytes, larger than the limit of %zu bytes (service "
             "config maxResponseMessageBytes)",
             len, io->max_recv);
    io->fail(io->owner, CGRPC_STATUS_RESOURCE_EXHAUSTED, why);
    return;
  }
  io->received++;
  io->bytes_in += len;
  if (io->read_pending) {
    deliver(io, data, len, compressed);
    return;
  }
  if (len > io->held_cap || !io->held) {
    uint8_t *grown = cgrpc_realloc(io->held, len ? len : 1);
    if (!grown) {
      io->fail(io->owner, CGRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory for a message");
      return;
    }
    io->held = grown;
    io->held_cap = len;
  }
  if (len) memcpy(io->held, data, len);
  io->held_len = len;
  io->held_compressed = compressed;
  io->has_held = true;
  cgrpc_h2_stream_pause_read(io->stream, true);
}

void cgrpc_call_io_on_eos(cgrpc_call_io_t *io) {
  io->eos = true;
  if (io->read_pending) {
    io->read_pending = false;
    cgrpc_completion_fire(&io->read_done, false);
  }
}

bool cgrpc_call_io_write(cgrpc_call_io_t *io, cgrpc_h2_msg_t *m, cgrpc_completion_t done) {
  if (io->ended || !io->stream) {
    cgrpc_h2_msg_free(m);
    cgrpc_completion_fire(&done, false);
    return false;
  }
  if (io->w_cap == 0) {
    io->writes = io->inline_writes;
    io->w_cap = sizeof io->inline_writes / sizeof io->inline_writes[0];
  } else if (io->w_count == io->w_cap) {
    size_t cap = io->w_cap * 2;
    cgrpc_completion_t *grown = cgrpc_malloc(cap * sizeof *grown);
    if (!grown) {
      /* The message is lost: end the call, so that the peer does not take
       * the messages around it for the whole stream. */
      cgrpc_h2_msg_free(m);
      cgrpc_completion_fire(&done, false);
      io->fail(io->owner, CGRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory for a message");
      return false;
    }
    for (size_t i = 0; i < io->w_count; i++) grown[i] = io->writes[(io->w_head + i) % io->w_cap];
    if (io->writes != io->inline_writes) cgrpc_free(io->writes);
    io->writes = grown;
    io->w_cap = cap;
    io->w_head = 0;
  }
  io->bytes_out += m->len;
  io->sent++;
  if (!cgrpc_h2_stream_send(io->stream, m)) {
    cgrpc_completion_fire(&done, false);
    return false;
  }
  io->writes[(io->w_head + io->w_count) % io->w_cap] = done;
  io->w_count++;
  return true;
}

void cgrpc_call_io_on_sent(cgrpc_call_io_t *io) {
  if (io->w_count == 0) return;
  cgrpc_completion_t done = io->writes[io->w_head];
  io->w_head = (io->w_head + 1) % io->w_cap;
  io->w_count--;
  cgrpc_completion_fire(&done, true);
}

void cgrpc_call_io_end(cgrpc_call_io_t *io) {
  io->ended = true;
  if (io->read_pending) {
    io->read_pending = false;
    cgrpc_completion_fire(&io->read_done, false);
  }
  while (io->w_count > 0) {
    cgrpc_completion_t done = io->writes[io->w_head];
    io->w_head = (io->w_head + 1) % io->w_cap;
    io->w_count--;
    cgrpc_completion_fire(&done, false);
  }
}

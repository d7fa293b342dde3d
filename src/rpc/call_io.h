/* rpc/call_io.h — reading and writing the messages of one call, on the
 * call's loop thread; shared by client and server calls.
 *
 * Reads. A read names where the next message goes (struct and arena) and
 * how to report. When a message arrives while a read is waiting, it is
 * decoded straight from the received bytes (usually the DATA chunk itself)
 * into the reader's struct: no copy. When none is waiting, the message is
 * copied aside and the stream paused, so at most one message is held per
 * call and the peer is held back by flow control, not by our memory.
 *
 * Writes. A message is encoded on the writer's thread, queued on the stream
 * here, and its completion fires when the transport has taken it: a
 * blocking writer therefore waits while the peer does not read.
 *
 * When the call ends every pending read and write completes with false.
 */
#ifndef CGRPC_SRC_RPC_CALL_IO_H
#define CGRPC_SRC_RPC_CALL_IO_H

#include "rpc/completion.h"
#include "rpc/interceptor_internal.h"

typedef struct cgrpc_call_io {
  cgrpc_h2_stream_t *stream; /* NULL while not on the wire */
  const cgrpc_pb_msg_table_t *recv_table;
  /* Called when a received message cannot be parsed; the owner ends the
   * call with `why` (INTERNAL, or UNIMPLEMENTED for one message too many). */
  void (*fail)(void *owner, cgrpc_status_code_t code, const char *why);
  void *owner;
  bool expect_one; /* unary side: a second message is a cardinality violation */
  size_t max_recv; /* a per-call limit below the connection's (service config); 0: none */
  /* The call's interceptors (NULL or a NULL chain: none): on_receive runs
   * on each message decoded, before its reader hears of it. */
  cgrpc_interceptor_call_t *icept;
  uint64_t bytes_in, bytes_out; /* message payloads received and queued */
  uint64_t sent;                /* messages queued */

  bool read_pending;
  void *read_msg;
  cgrpc_arena_t *read_arena;
  cgrpc_completion_t read_done;

  uint8_t *held; /* a message nobody was reading yet; the buffer is kept for the next */
  size_t held_len, held_cap;
  bool has_held, held_compressed;

  size_t received;
  bool eos;   /* the peer sends no more messages */
  bool ended; /* the call is over: reads and writes fail */
  bool last_compressed;

  cgrpc_completion_t *writes; /* in send order: inline_writes, or a heap ring once more */
  size_t w_head, w_count, w_cap;
  cgrpc_completion_t inline_writes[2]; /* a unary reply, a short stream: no allocation */
} cgrpc_call_io_t;

void cgrpc_call_io_init(cgrpc_call_io_t *io, const cgrpc_pb_msg_table_t *recv_table,
                        void (*fail)(void *, cgrpc_status_code_t, const char *), void *owner);

/* Frees what the io holds (after cgrpc_call_io_end). */
void cgrpc_call_io_destroy(cgrpc_call_io_t *io);

/* Attaches the stream once the call is on the wire. */
void cgrpc_call_io_attach(cgrpc_call_io_t *io, cgrpc_h2_stream_t *s);

/* Starts a read; completes at once (from here) when a message is held, the
 * peer is done or the call ended. Loop thread. */
void cgrpc_call_io_read(cgrpc_call_io_t *io, void *msg, cgrpc_arena_t *arena,
                        cgrpc_completion_t done);

/* Queues an encoded message (owned by the io from here); completes when it
 * was handed to the transport, or with false at once if the call cannot
 * send. Returns whether the message was queued. Loop thread. */
bool cgrpc_call_io_write(cgrpc_call_io_t *io, cgrpc_h2_msg_t *m, cgrpc_completion_t done);

/* Transport events, forwarded by the owner. */
void cgrpc_call_io_on_message(cgrpc_call_io_t *io, const uint8_t *data, size_t len);
void cgrpc_call_io_on_eos(cgrpc_call_io_t *io);
void cgrpc_call_io_on_sent(cgrpc_call_io_t *io);

/* The call is over: pending and future reads and writes complete false. */
void cgrpc_call_io_end(cgrpc_call_io_t *io);

#endif /* CGRPC_SRC_RPC_CALL_IO_H */

/* rpc/channel_internal.h — the structures behind cgrpc/channel.h and the
 * client half of cgrpc/call.h, shared by channel.c (connections: resolve,
 * connect, backoff, GOAWAY) and client_call.c (calls and their operations).
 *
 * Threads: a channel's state and its calls' state belong to the channel's
 * loop thread. Application threads reach them only through posted
 * operations (rpc/completion.h).
 */
#ifndef CGRPC_SRC_RPC_CHANNEL_INTERNAL_H
#define CGRPC_SRC_RPC_CHANNEL_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "cgrpc/channel.h"
#include "io/address.h"
#include "io/connect.h"
#include "io/resolve.h"
#include "io/workers.h"
#include "rpc/call_io.h"
#include "rpc/transport.h"

/* One connection of the channel. The newest is the one new calls use;
 * older ones (after GOAWAY) live on until their calls are done. */
typedef struct subchannel {
  cgrpc_transport_t t;
  cgrpc_channel_t *ch;
  struct subchannel *next;
  bool ready; /* the server's SETTINGS arrived */
} subchannel_t;

typedef enum channel_state {
  CH_IDLE,              /* no connection, none being made */
  CH_CONNECTING,        /* resolving, connecting, or waiting for SETTINGS */
  CH_READY,             /* `active` carries calls */
  CH_TRANSIENT_FAILURE, /* the last attempt failed; backing off */
  CH_SHUTDOWN,
} channel_state_t;

struct cgrpc_channel {
  cgrpc_target_t target;
  char authority[CGRPC_TARGET_HOST_MAX + 8];
  cgrpc_channel_options_t opts;
  cgrpc_h2_options_t h2opts;
  cgrpc_loop_t *loop;
  pthread_t thread;
  cgrpc_workers_t *resolver; /* one thread for getaddrinfo */
  uint8_t *rbuf;

  /* Any thread (channel_wait.c). */
  atomic_bool callbacks_used; /* a callback-style operation was ever started */
  atomic_int sleepers;        /* threads waiting for the loop's own thread */

  /* Loop thread only. */
  channel_state_t state;
  subchannel_t *subs;
  subchannel_t *active;
  cgrpc_call_t *waiting_head, *waiting_tail; /* calls waiting for a connection */
  cgrpc_call_t *calls;                       /* every call not yet ended */
  cgrpc_address_list_t resolved;
  const cgrpc_address_list_t *addrs; /* target->addrs or `resolved` */
  size_t addr_index;
  cgrpc_connect_t connect;
  cgrpc_timer_t connect_timer;
  cgrpc_resolve_req_t *resolving;
  cgrpc_timer_t backoff_timer;
  int64_t backoff;
  uint64_t rng;
  char last_error[384];
};

struct cgrpc_call {
  cgrpc_h2_stream_t stream;
  cgrpc_channel_t *ch;
  const cgrpc_pb_method_t *method;
  cgrpc_arena_t arena; /* request metadata copy */
  cgrpc_metadata_t metadata;
  int64_t deadline;
  cgrpc_encoding_t compression;
  bool wait_for_ready;
  cgrpc_call_io_t io;
  cgrpc_timer_t deadline_timer;
  int refs;

  /* Loop thread only. */
  subchannel_t *sub;              /* NULL while waiting */
  struct cgrpc_call *wait_next;   /* channel's waiting list */
  struct cgrpc_call *prev, *next; /* channel's call list */
  cgrpc_h2_msg_t **early;         /* sends before the stream started */
  cgrpc_completion_t *early_done;
  size_t early_count, early_cap;
  bool half_close_pending, started, waiting, done, cancel_sent, headers_received;
  bool unary, got_response;
  /* A message received could not be delivered (out of memory): the call
   * ends with this even if the server's status, OK, came first. */
  cgrpc_status_code_t lost_code;
  const char *lost_message;
  cgrpc_status_code_t code;
  const char *message;
  size_t message_len;
  cgrpc_completion_t headers_done; /* cgrpc_call_initial_metadata() */
  cgrpc_metadata_t *headers_out;
  cgrpc_arena_t *headers_arena;
  bool finishing;
  cgrpc_waiter_t *finish_waiter;
  cgrpc_status_fn finish_fn;
  void *finish_ud;
  cgrpc_arena_t *finish_arena;
  cgrpc_status_t *finish_status;
  cgrpc_status_t status; /* handed to finish_fn */
  /* Transparent retry. The messages sent are kept (referenced) until the
   * call commits to its stream — response headers arrived, the replay
   * buffer is full, the call ended or was retried — so that a stream the
   * server never processed can be replayed once on a new one. */
  cgrpc_h2_msg_t **replay; /* replay_inline, or on the heap past two messages */
  cgrpc_h2_msg_t *replay_inline[2];
  size_t replay_count, replay_cap, replay_bytes;
  unsigned replayed_unsent; /* on_sent events due for replayed messages */
  bool committed, retried;
};

/* channel.c: asks for a connection for `call` (loop thread). */
void cgrpc_channel_enqueue(cgrpc_channel_t *ch, cgrpc_call_t *call);
void cgrpc_channel_dequeue(cgrpc_channel_t *ch, cgrpc_call_t *call);
extern const cgrpc_h2_events_t cgrpc_client_events;

/* channel_wait.c: a blocking operation, started and waited for by the
 * application thread, which runs the channel's loop meanwhile when it can
 * (as the loop's guest: the channel has never run an application callback
 * and no other thread drives it). Not on the loop.
 *
 *   cgrpc_blocking_op_t b = {ch};
 *   if (!cgrpc_blocking_op_start(&b, run_op, &op, sizeof op)) ...signal w false
 *   ok = cgrpc_blocking_op_wait(&b, &w);
 */
typedef struct {
  cgrpc_channel_t *ch;
  bool guest; /* this thread drives the channel's loop */
} cgrpc_blocking_op_t;
/* Runs fn(arg) on the loop: here and now as its guest, or posted (a copy of
 * the `size` bytes of arg). False when the post failed; fn did not run. */
bool cgrpc_blocking_op_start(cgrpc_blocking_op_t *b, void (*fn)(void *arg), void *arg, size_t size);
/* Waits for `w`, driving the loop when it can; returns the waiter's result
 * and destroys it. */
bool cgrpc_blocking_op_wait(cgrpc_blocking_op_t *b, cgrpc_waiter_t *w);
/* Called before the first operation with a callback is handed to the loop:
 * from then on only the channel's own thread runs the loop, so callbacks
 * always run there, as cgrpc/channel.h promises. */
void cgrpc_channel_use_callbacks(cgrpc_channel_t *ch);

/* client_call.c */
void cgrpc_call_attach(cgrpc_call_t *call, subchannel_t *sub);
/* Ends a call from the client side (cancel, deadline, channel closing,
 * failure to connect): RST_STREAM when it is on the wire, else at once. */
void cgrpc_call_end(cgrpc_call_t *call, cgrpc_status_code_t code, const char *message);
void cgrpc_call_on_headers(cgrpc_call_t *call);
void cgrpc_call_on_sent(cgrpc_call_t *call);
/* The stream ended: the call ends with its status, or, when the server
 * never processed it, is retried (once) on a new stream. */
void cgrpc_call_on_close(cgrpc_call_t *call);

#endif /* CGRPC_SRC_RPC_CHANNEL_INTERNAL_H */

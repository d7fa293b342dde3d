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
#include "cgrpc/interceptor.h"
#include "rpc/call_io.h"
#include "rpc/lb.h"
#include "rpc/service_config.h"
#include "rpc/transport.h"

/* One connection of the channel, to one backend (rpc/lb.h: its lb_sub_t,
 * the subchannel). A subchannel's newest connection is the one new calls
 * use; older ones (after GOAWAY, or of an address no longer resolved) live
 * on until their calls are done. */
typedef struct subchannel {
  cgrpc_transport_t t;
  cgrpc_channel_t *ch;
  struct subchannel *next;
  struct lb_sub *owner; /* NULL once the subchannel dropped this connection */
  bool ready;           /* the server's SETTINGS arrived */
  /* Keepalive (channel_keepalive.c): the timer, and when the PING went
   * out (CGRPC_INFINITE: none outstanding). */
  cgrpc_timer_t keepalive_timer;
  int64_t ping_sent;
} subchannel_t;

typedef enum channel_state {
  CH_IDLE,              /* no connection, none being made */
  CH_CONNECTING,        /* resolving, connecting, or waiting for SETTINGS */
  CH_READY,             /* `active` carries calls */
  CH_TRANSIENT_FAILURE, /* the last attempt failed; backing off */
  CH_SHUTDOWN,
  CH_FAILED, /* could not be set up (bad target or options): every call fails */
} channel_state_t;

struct cgrpc_channel {
  cgrpc_target_t target;
  char authority[CGRPC_TARGET_HOST_MAX + 8];
  cgrpc_channel_options_t opts;
  cgrpc_h2_options_t h2opts;
  cgrpc_loop_t *loop;
  pthread_t thread;
  cgrpc_workers_t *resolver; /* one thread for DNS lookups (rpc/resolver_dns.c) */
  uint8_t *rbuf;
  cgrpc_channel_credentials_t *creds; /* TLS; NULL: plaintext */
  /* The service config of the option service_config_json (NULL: none), and
   * the one in force (loop thread; see cgrpc_channel_set_service_config). */
  cgrpc_service_config_t *default_config;
  cgrpc_service_config_t *config;
  bool resolver_config_ok; /* the resolver has given a valid config */
  /* Loop thread: method -> method config of `config` (NULL: none applies),
   * direct-mapped by the method descriptor's address, so a call finds its
   * config without comparing names; cleared when `config` changes. */
  struct {
    const cgrpc_pb_method_t *method;
    const char *path; /* method->path when cached: a descriptor reused for another method misses */
    const cgrpc_sc_method_config_t *mc;
  } mc_cache[16];
  /* Loop thread: retry throttling of the config in force (gRFC A6), in
   * thousandths of a token; max 0: none. */
  int64_t throttle_tokens;
  uint32_t throttle_max, throttle_ratio;
  /* Loop thread: bytes kept by every call for replays (retry_buffer_size). */
  size_t replay_bytes;
  /* Loop thread: the keepalive time in force (doubled on each GOAWAY
   * too_many_pings), and the idle timer (channel_keepalive.c). */
  int64_t keepalive_time;
  cgrpc_timer_t idle_timer;
  int64_t last_call_end;               /* loop clock; while no call runs */
  cgrpc_tls_session_cache_t tls_cache; /* loop thread: the last TLS session, to resume */

  /* Interceptors and call credentials, set before the first call
   * (calls_begun) and read-only from then on (interceptor_channel.c). */
  cgrpc_icept_chain_t icept;
  cgrpc_call_credentials_t call_creds;
  bool has_call_creds;
  atomic_bool calls_begun;

  /* Any thread (channel_wait.c). */
  atomic_bool callbacks_used; /* a callback-style operation was ever started */
  atomic_int sleepers;        /* threads waiting for the loop's own thread */

  /* Loop thread only. */
  channel_state_t state;
  subchannel_t *subs;                        /* every connection */
  cgrpc_call_t *waiting_head, *waiting_tail; /* calls waiting for a connection */
  cgrpc_call_t *calls;                       /* every call not yet ended */
  lb_state_t lb;                             /* subchannels and policy (rpc/lb.h) */
  resolver_state_t res;                      /* where addresses come from (rpc/lb.h) */
  uint64_t rng;
  char last_error[384];
  cgrpc_status_code_t failure; /* CH_FAILED: the code calls end with (last_error says why) */

  /* The connectivity state for cgrpc/connectivity.h, published by the loop
   * (channel_state.c). */
  pthread_mutex_t state_mu;
  pthread_cond_t state_cv;
  atomic_int public_state;
  bool state_sync_ready; /* state_mu and state_cv exist */

  /* Any thread, under rescue_mu (channel_rescue.c): calls with operations
   * that could not be posted for lack of memory, and a shutdown that could
   * not; the loop watches rescue_fd for them. */
  pthread_mutex_t rescue_mu;
  cgrpc_call_t *rescue_head;
  bool rescue_shutdown;
  int rescue_fd;
  cgrpc_watch_id_t rescue_watch;
  /* What cgrpc_call_start() returns when it cannot allocate a call: ended
   * with RESOURCE_EXHAUSTED; never handed to the loop, never freed. */
  cgrpc_call_t *no_memory_call;
};

/* What a finish asked for: where the status goes and whom to tell. */
typedef struct call_finish {
  cgrpc_arena_t *arena;
  cgrpc_status_t *status; /* filled before telling; may be NULL */
  cgrpc_waiter_t *waiter; /* a blocking cgrpc_call_finish(), or */
  cgrpc_status_fn fn;     /* cgrpc_call_finish_async()'s callback */
  void *user_data;
} call_finish_t;

/* Operations noted for the loop because they could not be posted
 * (channel_rescue.c). Under the channel's rescue_mu. */
typedef struct call_rescue {
  struct cgrpc_call *next;
  bool linked;
  cgrpc_status_code_t end_code; /* OK: none; else end the call so */
  const char *end_message;      /* static */
  bool has_finish;
  call_finish_t finish;
} call_rescue_t;

/* A client call's life. client_call.c changes it in one place, set_state(),
 * which also does what entering or leaving a state means: the channel's
 * list of calls and the deadline timer (from the first state after IDLE to
 * DONE), the channel's waiting list (WAITING).
 *
 *   IDLE ---start---> WAITING ---connection---> ACTIVE ---stream closed---> DONE
 *     |                  |   ^                  |    |
 *     |                  |   +------retry-------+    +--ended by us--> ENDING
 *     |                  |   (never processed)                           |
 *     +------------------+--ended (cancel, deadline, no connection)--> DONE <--+
 *                                                          stream closed
 *
 * IDLE: created on the application's thread, not yet seen by the loop (a
 * call that fails there, before it is shared, goes straight to DONE).
 * WAITING: on the channel's waiting list until a connection takes it.
 * ACTIVE: on a stream (`sub`). ENDING: on a stream we reset (cancel,
 * deadline); its close brings the status. DONE: the status is decided;
 * only the application's finish (and references) keep the call. A call
 * leaves ACTIVE for WAITING at most once without a retry policy: the
 * transparent retry. With one (service config, gRFC A6) it leaves ACTIVE
 * for BACKOFF after a failed attempt, and BACKOFF for WAITING when the
 * retry timer fires. */
typedef enum call_state {
  CALL_IDLE,
  CALL_BACKOFF, /* between two attempts: the retry timer runs */
  CALL_HEDGING, /* a hedged unary call: its attempts run as child calls */
  CALL_WAITING,
  CALL_ACTIVE,
  CALL_ENDING,
  CALL_DONE,
} call_state_t;

/* Messages sent before the call had a stream, with their completions. */
typedef struct call_early {
  cgrpc_h2_msg_t **msgs;
  cgrpc_completion_t *done;
  size_t count, cap;
} call_early_t;

/* Transparent retry. The messages sent are kept (referenced) until the
 * call commits to its stream — response headers arrived, the replay buffer
 * is full, the call ended or was retried — so that a stream the server
 * never processed can be replayed once on a new one. */
typedef enum replay_state {
  REPLAY_OPEN,      /* keeping messages; a retry is still possible */
  REPLAY_RETRYING,  /* retried: the messages wait for the new stream */
  REPLAY_COMMITTED, /* no retry; nothing kept */
} replay_state_t;

typedef struct call_replay {
  replay_state_t state;
  cgrpc_h2_msg_t **msgs; /* `inline_msgs`, or on the heap past two messages */
  cgrpc_h2_msg_t *inline_msgs[2];
  size_t count, cap, bytes;
  unsigned unsent; /* on_sent events due for replayed messages */
} call_replay_t;

/* cgrpc_call_initial_metadata() waiting for the response headers. */
typedef struct call_headers {
  bool received;
  cgrpc_completion_t done;
  cgrpc_metadata_t *out;
  cgrpc_arena_t *arena;
} call_headers_t;

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

  /* Loop thread only (or the application's before the call is shared). */
  call_state_t state;
  bool half_closed;               /* the application half-closed */
  subchannel_t *sub;              /* ACTIVE, ENDING: the connection */
  struct cgrpc_call *wait_next;   /* WAITING: the channel's waiting list */
  struct cgrpc_call *prev, *next; /* the channel's list of calls not DONE */
  call_early_t early;
  call_headers_t headers;
  call_replay_t replay;
  /* Retries (rpc/client_retry.c). `policy` from the service config the call
   * started with (`config`, referenced); NULL: only the transparent retry. */
  cgrpc_service_config_t *config;
  const cgrpc_sc_retry_policy_t *policy;
  int attempts;          /* policy attempts that ended (the header's value) */
  bool transparent_used; /* the one transparent retry happened */
  int64_t backoff_ns;    /* the next backoff's upper bound */
  size_t attempts_md;    /* index of grpc-previous-rpc-attempts in `metadata`; 0: none yet */
  size_t max_send;       /* per-call send limit (maxRequestMessageBytes); 0: none */
  cgrpc_timer_t retry_timer;
  /* Propagation (rpc/propagation.h): the parent's record while registered
   * there, and the call's neighbours in it (under the record's mutex). */
  struct cgrpc_propagation *prop;
  struct cgrpc_call *prop_prev, *prop_next;
  bool parent_cancelled; /* the parent was cancelled before the call started */
  /* Hedging (client_call.c, "Hedging"): a parent's attempts, started so
   * far, and the one that answered first; an attempt's parent. */
  const cgrpc_sc_hedging_policy_t *hedging;
  struct cgrpc_call *hedges[CGRPC_SC_MAX_ATTEMPTS];
  int hedges_started, hedges_done;
  struct cgrpc_call *hedge_winner;
  struct cgrpc_call *hedge_parent;
  /* A message received could not be delivered (out of memory): the call
   * ends with this even if the server's status, OK, came first. */
  cgrpc_status_code_t lost_code;
  const char *lost_message; /* NULL: nothing lost */
  /* The status, once DONE. */
  cgrpc_status_code_t code;
  const char *message;
  size_t message_len;
  /* The application's finish: once requested, completed when DONE. */
  bool finish_requested;
  call_finish_t finish;
  cgrpc_status_t status; /* handed to finish.fn */

  /* Any thread, under the channel's rescue_mu. */
  call_rescue_t rescue;
  /* Operations handed to the loop (posted, started as its guest, or
   * rescued) and not yet run: the call is not freed before they ran. */
  atomic_uint handed;

  /* Interceptors (icept.chain NULL: none). The status an interceptor's
   * on_send ended the call with travels to the loop in `icept_err`,
   * written once (icept_failed). */
  cgrpc_interceptor_call_t icept;
  /* A health Watch (lb_health.c): goes to this watch's subchannel only. */
  struct lb_health_watch *pin;
  atomic_bool icept_failed;
  cgrpc_error_t icept_err;
};

/* Whether the channel's connections use TLS. Any thread. */
bool cgrpc_channel_uses_tls(const cgrpc_channel_t *ch);

/* channel_state.c: the connectivity state for applications. */
int cgrpc_channel_state_init(cgrpc_channel_t *ch);
void cgrpc_channel_state_destroy(cgrpc_channel_t *ch);
/* Sets ch->state (loop thread) and publishes it. */
void cgrpc_channel_set_state(cgrpc_channel_t *ch, channel_state_t st);
/* lb_policy.c: "failed to connect to AUTHORITY: why" for calls that fail. */
void cgrpc_channel_fail_message(cgrpc_channel_t *ch, char *buf, size_t size);

/* channel.c: routes a call that needs a connection (loop thread): attaches
 * it, ends it, or makes it wait (cgrpc_call_wait). */
void cgrpc_channel_enqueue(cgrpc_channel_t *ch, cgrpc_call_t *call);
/* The waiting list itself, for set_state() (client_call.c). */
void cgrpc_channel_link_waiting(cgrpc_channel_t *ch, cgrpc_call_t *call);
void cgrpc_channel_unlink_waiting(cgrpc_channel_t *ch, cgrpc_call_t *call);

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

/* channel_rescue.c: the allocation-free way to the loop. */
/* Creates the eventfd and its watch (before the loop thread starts). 0 or
 * a negative error. */
int cgrpc_channel_rescue_init(cgrpc_channel_t *ch);
/* Removes them (after the loop thread was joined). */
void cgrpc_channel_rescue_destroy(cgrpc_channel_t *ch);
/* Wakes the loop to run what was noted under rescue_mu (a caller that
 * linked a call there). Any thread. */
void cgrpc_channel_rescue_wake(cgrpc_channel_t *ch);
/* Asks the loop to shut the channel down. Any thread. */
void cgrpc_channel_rescue_shutdown(cgrpc_channel_t *ch);
/* channel.c: ends every call and connection (the loop; see channel.h). */
void cgrpc_channel_shutdown_on_loop(void *ch);

/* Runs call credentials for a call about to start: OK, or the code the
 * call fails with (UNAUTHENTICATED on plaintext, UNAVAILABLE when the
 * callback fails) and why in `err`. */
cgrpc_status_code_t cgrpc_call_credentials_apply(const cgrpc_call_credentials_t *creds,
                                                 const cgrpc_channel_t *ch,
                                                 const cgrpc_pb_method_t *method,
                                                 cgrpc_metadata_t *md, cgrpc_arena_t *arena,
                                                 cgrpc_error_t *err);

/* channel_config.c: the resolver's service config (loop thread), JSON or
 * NULL when the resolver has none; applies gRPC's fallback rules (see the
 * file). OK when a config (or none) is in force; INVALID_ARGUMENT, why in
 * err, when the config is invalid and there is nothing to fall back on:
 * the caller then puts the channel into TRANSIENT_FAILURE. */
cgrpc_status_code_t cgrpc_channel_set_resolver_config(cgrpc_channel_t *ch, const char *json,
                                                      size_t len, cgrpc_error_t *err);

/* Uniform in [0, 1) from the channel's generator (loop thread). */
double cgrpc_channel_random(cgrpc_channel_t *ch);
/* The throttling of a new config in force (channel_config.c). */
void cgrpc_channel_throttle_setup(cgrpc_channel_t *ch);

/* channel_keepalive.c (loop thread). */
void cgrpc_channel_keepalive_init(cgrpc_channel_t *ch);
/* A connection is READY / closed / said GOAWAY with `error_code`. */
void cgrpc_channel_keepalive_start(subchannel_t *sub);
void cgrpc_channel_keepalive_stop(subchannel_t *sub);
void cgrpc_channel_keepalive_on_goaway(cgrpc_channel_t *ch, uint32_t error_code);
/* The channel's list of calls became empty / a call starts. */
void cgrpc_channel_idle_arm(cgrpc_channel_t *ch);

/* client_retry.c: the decisions of gRFC A6 (loop thread). */
/* Applies the method config of the channel's service config to a call
 * about to start: deadline, wait for ready, size limits, retry policy. */
void cgrpc_call_apply_config(cgrpc_call_t *call);
/* An attempt ended with `code` before the call committed: the delay before
 * the next attempt, or -1 when there is none (not retryable, attempts used
 * up, throttled, or the server's pushback said stop). Counts the attempt. */
int64_t cgrpc_retry_next_delay(cgrpc_call_t *call, cgrpc_status_code_t code);
/* Hedging's use of throttling: records an attempt's failure (outcome < 0)
 * or success (> 0), or nothing (0); true when no more attempts may start. */
bool cgrpc_retry_throttled(cgrpc_channel_t *ch, int outcome);
/* A call with a policy ended with `code`: feeds retry throttling. */
void cgrpc_retry_on_end(cgrpc_call_t *call, cgrpc_status_code_t code);

/* client_call.c */
/* cgrpc_call_start() for a call that must use one subchannel (`pin`, a
 * health watch; lb_health_route() places it). */
cgrpc_call_t *cgrpc_call_start_pinned(cgrpc_channel_t *ch, const cgrpc_pb_method_t *method,
                                      const cgrpc_call_options_t *opts, struct lb_health_watch *pin);
/* lb_health.c: attaches a pinned call to its subchannel, or ends it. */
void lb_health_route(cgrpc_call_t *call);
/* The call waits for a connection (-> WAITING). */
void cgrpc_call_wait(cgrpc_call_t *call);
/* Runs the operations rescued for `call` (loop thread). */
void cgrpc_call_run_rescued(cgrpc_call_t *call, const call_rescue_t *r);
cgrpc_call_t *cgrpc_call_new_no_memory(cgrpc_channel_t *ch);
void cgrpc_call_free_no_memory(cgrpc_call_t *call);
void cgrpc_call_attach(cgrpc_call_t *call, subchannel_t *sub);
/* Ends a call from the client side (cancel, deadline, channel closing,
 * failure to connect): RST_STREAM when it is on the wire, else at once. */
void cgrpc_call_end(cgrpc_call_t *call, cgrpc_status_code_t code, const char *message);
void cgrpc_call_on_headers(cgrpc_call_t *call);
void cgrpc_call_on_sent(cgrpc_call_t *call);
void cgrpc_call_on_eos(cgrpc_call_t *call);
/* cgrpc_call_cancel() for a parent's cancellation (another message). */
void cgrpc_call_cancel_propagated(cgrpc_call_t *call);
/* The stream ended: the call ends with its status, or, when the server
 * never processed it, is retried (once) on a new stream. */
void cgrpc_call_on_close(cgrpc_call_t *call);

#endif /* CGRPC_SRC_RPC_CHANNEL_INTERNAL_H */

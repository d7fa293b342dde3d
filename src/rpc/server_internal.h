/* rpc/server_internal.h — the structures behind cgrpc/server.h, shared by
 * server.c (setup, threads, shutdown), server_conn.c (connections and their
 * transport events) and server_call.c (the call API).
 *
 * Ownership and threads: a server owns its loops, each loop owns the
 * connections accepted onto it, and each connection its transport. A call
 * belongs to its connection's loop; it is referenced by the transport until
 * its stream closes, by the application from dispatch until it finishes
 * the call, and by a BLOCKING handler until it returns (released together
 * with the application's when the handler ends the call itself), and freed
 * when all are done. Everything but the shutdown
 * counters is touched on one loop thread only.
 */
#ifndef CGRPC_SRC_RPC_SERVER_INTERNAL_H
#define CGRPC_SRC_RPC_SERVER_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "cgrpc/server.h"
#include "cgrpc/tls.h"
#include "h2/block_cache.h"
#include "io/address.h"
#include "io/listener.h"
#include "io/workers.h"
#include "rpc/call_io.h"
#include "rpc/transport.h"
#include "web/protocol.h"

typedef struct method_entry {
  const cgrpc_pb_method_t *method; /* NULL: empty slot */
  cgrpc_server_handler_fn handler;
  void *user_data;
  cgrpc_handler_mode_t mode;
  size_t path_len;
  const cgrpc_pb_service_t *service; /* registered with its service; else NULL */
} method_entry_t;

/* A built-in service's part in its server's life (src/services: health,
 * reflection). on_shutdown (may be NULL) runs once, on the thread of
 * cgrpc_server_shutdown(), before the listeners close and the GOAWAYs go
 * out, while the loops still run: the health service turns every status to
 * NOT_SERVING there. on_free (may be NULL) runs in cgrpc_server_free()
 * once the threads are gone, and may free the hook itself. */
typedef struct cgrpc_server_hook {
  void (*on_shutdown)(void *user_data);
  void (*on_free)(void *user_data);
  void *user_data;
  struct cgrpc_server_hook *next;
} cgrpc_server_hook_t;

typedef struct server_conn server_conn_t;

typedef struct server_loop {
  cgrpc_server_t *srv;
  cgrpc_loop_t *loop;
  pthread_t thread;
  bool thread_started;
  uint8_t *rbuf;
  server_conn_t *conns;
  /* Recycled on this loop's thread, so calls in a steady state allocate
   * nothing: the loop's blocks (nghttp2's and the responses'), and calls
   * that ended, ready for the next request (linked through `next`). */
  cgrpc_h2_block_cache_t blocks;
  cgrpc_server_call_t *spare_calls;
  size_t spare_count;
  /* cgrpc_server_shutdown()'s posts to this loop, which must not fail:
   * closing the listeners (loop 0), the GOAWAYs, and twice closing what is
   * left. Each posted once per server. */
  cgrpc_post_node_t shutdown_posts[4];
} server_loop_t;

typedef struct server_listener {
  cgrpc_server_t *srv;
  cgrpc_server_credentials_t *creds; /* TLS listeners; NULL: plaintext */
  int fd;
  char *address; /* the bound address as text (heap: stable while listeners grow) */
  cgrpc_listener_t listener;
  char unix_path[sizeof(((struct sockaddr_un *)0)->sun_path)]; /* to unlink; "" for TCP */
} server_listener_t;

struct cgrpc_server {
  cgrpc_server_options_t opts;
  cgrpc_h2_options_t h2opts;
  method_entry_t *methods; /* open-addressing hash table by path */
  size_t method_slots, method_count;
  cgrpc_icept_chain_t icept; /* cgrpc_server_add_interceptor(), before start */
  /* The web side (server_web.c): protocols and CORS, read-only once
   * started; the h2 options point at it. */
  cgrpc_web_server_t web;
  char *cors_text; /* the option's copy, cut into cors_list */
  const char **cors_list;
  server_loop_t *loops;
  size_t loop_count;
  size_t next_loop; /* round robin; loop 0's thread only */
  cgrpc_workers_t *workers;
  server_listener_t *listeners;
  size_t listener_count;
  uint32_t max_connections; /* CGRPC_UNLIMITED: none */
  pthread_mutex_t mu;       /* guards the fields below */
  pthread_cond_t cv;
  size_t live_conns;
  atomic_uint tls_handshakes; /* in progress, server-wide */
  atomic_uint tls_refused;    /* connections closed over max_concurrent_tls_handshakes */
  bool started, starting, shutting_down, stopped;
  /* cgrpc_server_run(): the thread waiting for a stop signal, and whether
   * cgrpc_server_stop_run() asked it to stop (and sent it its signal). */
  pthread_t run_thread;
  bool running, run_waiting, stop_requested, stop_signalled;
  cgrpc_server_hook_t *hooks; /* cgrpc_server_add_hook(), before start */
};

struct server_conn {
  cgrpc_transport_t t;
  server_loop_t *sl;
  server_conn_t *prev, *next;
  cgrpc_server_call_t *calls; /* calls created here and not yet freed */
  size_t call_count;
  bool terminated;                   /* shutdown's grace period ended for it */
  cgrpc_server_credentials_t *creds; /* a TLS connection's (the listener's reference) */
  char peer[CGRPC_ADDRESS_STRLEN];
};

/* An operation on a call, carried from another thread to the call's loop
 * (server_call.c). */
typedef enum op_kind {
  OP_READ,
  OP_WRITE,
  OP_FINISH,
  OP_HEADERS,
  OP_ON_CANCEL,
  OP_HANDLER_RETURNED, /* a BLOCKING handler returned without ending its call */
} op_kind_t;

/* Status message and metadata carried to the loop. When posting they are
 * copied into `copy` (freed after the operation ran). */
typedef struct op_payload {
  cgrpc_arena_t arena;
  cgrpc_metadata_t md;
} op_payload_t;

typedef struct call_op {
  op_kind_t kind;
  cgrpc_server_call_t *call;
  cgrpc_completion_t done;
  void *msg;
  cgrpc_arena_t *arena;
  cgrpc_h2_msg_t *out;
  bool finish;          /* OP_WRITE: then end with OK (reply) */
  bool release_handler; /* drop the BLOCKING handler's reference too */
  bool deferred;        /* OP_HANDLER_RETURNED: cgrpc_server_call_defer() was called */
  cgrpc_encoding_t compression;
  cgrpc_status_code_t code;
  const char *message;
  size_t message_len;
  const cgrpc_metadata_t *md;
  op_payload_t *copy;
  void (*cancel_fn)(void *);
  void *cancel_ud;
} call_op_t;

/* An operation with the queue node that carries it: posting it cannot fail
 * (cgrpc_loop_post_node). */
typedef struct op_post {
  cgrpc_post_node_t node;
  call_op_t op;
} op_post_t;

struct cgrpc_server_call {
  cgrpc_h2_stream_t stream;
  server_loop_t *sl;
  server_conn_t *conn; /* NULL once the connection is gone */
  cgrpc_server_call_t *prev, *next;
  const method_entry_t *entry;
  cgrpc_arena_t arena;
  void *request;
  const char *peer;
  int64_t deadline;
  atomic_bool cancelled;
  cgrpc_call_io_t io;
  int refs;
  bool dispatched, app_done, stream_closed, response_started, have_request;
  bool printf_failed; /* cgrpc_server_call_printf() ran out: end RESOURCE_EXHAUSTED */
  void (*cancel_fn)(void *user_data);
  void *cancel_ud;
  cgrpc_encoding_t compression; /* set by the application before its first write */
  /* What must reach the loop even when memory runs out, posted from other
   * threads with these nodes: the application's reply or finish (once per
   * call), a BLOCKING handler's return without ending the call (once), and
   * the end of a call one of whose operations could not be carried (once,
   * when abort_posted goes up). */
  op_post_t finish_post, returned_post;
  cgrpc_post_node_t abort_node;
  atomic_bool abort_posted;
  /* Interceptors (icept.chain NULL: none), and the trailers the call ended
   * with, kept for their on_end. */
  cgrpc_interceptor_call_t icept;
  cgrpc_metadata_t end_trailers;
  cgrpc_tls_identity_t *identity; /* the client's, over TLS */
  /* The client calls made for this one (rpc/propagation.h); NULL: none. */
  struct cgrpc_propagation *_Atomic propagation;
};

/* server.c */
const method_entry_t *cgrpc_server_lookup(const cgrpc_server_t *srv, const char *path, size_t len);
/* Adds a hook (the caller's memory, until its on_free). Before start. */
void cgrpc_server_add_hook(cgrpc_server_t *srv, cgrpc_server_hook_t *hook);
void cgrpc_server_conn_gone(cgrpc_server_t *srv);

/* server_web.c */
/* Copies the web options (cgrpc_server_new): false when out of memory. */
bool cgrpc_server_web_init(cgrpc_server_t *srv, cgrpc_error_t *err);
/* Starts the protocols (cgrpc_server_start) and points the h2 options at them. */
cgrpc_status_code_t cgrpc_server_web_start(cgrpc_server_t *srv, cgrpc_error_t *err);
void cgrpc_server_web_free(cgrpc_server_t *srv);

/* server_conn.c */
void cgrpc_server_conn_accept(server_loop_t *sl, int fd, const cgrpc_address_t *peer,
                              cgrpc_server_credentials_t *creds);
void cgrpc_server_conn_shutdown_all(server_loop_t *sl, bool now);

/* server_call.c: transport events for calls */
cgrpc_server_call_t *cgrpc_server_call_new(server_conn_t *conn);
void cgrpc_server_call_on_request(cgrpc_server_call_t *call);
void cgrpc_server_call_on_eos(cgrpc_server_call_t *call);
void cgrpc_server_call_on_close(cgrpc_server_call_t *call);
void cgrpc_server_call_detach(cgrpc_server_call_t *call);
/* Frees the loop's spare calls (the loop has stopped). */
void cgrpc_server_call_free_spares(server_loop_t *sl);

#endif /* CGRPC_SRC_RPC_SERVER_INTERNAL_H */

/* cgrpc/server.h — a gRPC server: listening, methods, handlers, calls.
 *
 * A server listens on one or more addresses, serves the methods registered
 * on it (described by the cgrpc_pb_method_t / cgrpc_pb_service_t tables the
 * code generator emits) and runs N event-loop threads, one per core by
 * default. Each connection lives on one loop for its whole life.
 *
 *   cgrpc_server_t *srv;
 *   cgrpc_server_new(NULL, &srv, &err);
 *   cgrpc_server_listen(srv, "0.0.0.0:50051", NULL, &err);
 *   cgrpc_server_register(srv, &shop_ProductService_GetProduct_method, get_product, db,
 *                         CGRPC_HANDLER_BLOCKING, &err);
 *   cgrpc_server_start(srv, &err);
 *   ...
 *   cgrpc_server_shutdown(srv, 5 * CGRPC_NS_PER_SEC);
 *   cgrpc_server_free(srv);
 *
 * Handlers. A handler is called once per call, with the decoded request for
 * unary and server-streaming methods (NULL for client-streaming and bidi,
 * which read their requests). It must end the call exactly once, with
 * cgrpc_server_call_reply() or cgrpc_server_call_finish(), at once or later
 * and from any thread; until then the call stays alive. Handlers registered
 * CGRPC_HANDLER_BLOCKING (the default, the safe choice) run on a worker
 * pool and may block (databases, files) and use the blocking read and write
 * style. CGRPC_HANDLER_INLINE handlers run on the connection's loop thread,
 * with no thread hop: they must not block, and use the callback style.
 *
 * Requests for methods nobody registered get UNIMPLEMENTED.
 */
#ifndef CGRPC_SERVER_H
#define CGRPC_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgrpc/call.h"
#include "cgrpc/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cgrpc_server cgrpc_server_t;
typedef struct cgrpc_server_call cgrpc_server_call_t;

/* Zero fields take the defaults shown. The limits below the windows defend
 * the server against misbehaving clients; docs/security.md explains each:
 * its default, and what a client that exceeds it sees. Durations are in
 * nanoseconds; CGRPC_DURATION_OFF turns a timer off, CGRPC_LIMIT_OFF a
 * count or rate limit. */
typedef struct cgrpc_server_options {
  int loop_threads;                /* event loops: number of cores */
  int worker_threads;              /* threads for blocking handlers: 16 */
  size_t max_receive_message_size; /* 4 MiB, on the wire and decompressed; SIZE_MAX: no limit */
  size_t max_send_message_size;    /* no limit */
  uint32_t max_concurrent_streams; /* calls per connection at once: 100 */
  uint32_t max_header_list_size;   /* request metadata bytes: 16 KiB */
  uint32_t stream_window;          /* HTTP/2 receive window per call: 256 KiB */
  uint32_t connection_window;      /* HTTP/2 receive window per connection: 1 MiB */

  uint32_t max_header_fields;           /* request metadata entries: 128 */
  uint32_t max_connections;             /* server-wide: 90% of RLIMIT_NOFILE */
  int64_t handshake_timeout_ns;         /* client preface and SETTINGS: 20 s */
  int64_t settings_timeout_ns;          /* our SETTINGS acknowledged: 10 s */
  int64_t keepalive_time_ns;            /* PING after silence: 2 h */
  int64_t keepalive_timeout_ns;         /* ... answered within: 20 s */
  int64_t permit_keepalive_time_ns;     /* client PINGs at most this often: 5 min */
  bool permit_keepalive_without_calls;  /* client PINGs without calls: false */
  uint32_t max_ping_strikes;            /* PINGs too early tolerated: 2 */
  int64_t max_connection_idle_ns;       /* GOAWAY "max_idle": off */
  int64_t max_connection_age_ns;        /* GOAWAY "max_age", ±10%: off */
  int64_t max_connection_age_grace_ns;  /* then calls get this long: off (no limit) */
  uint32_t max_settings_per_second;     /* client SETTINGS frames: 10 */
  uint32_t max_resets_per_second;       /* stream resets the client causes: 100 */
  uint32_t max_empty_frames_per_second; /* frames carrying nothing: 10 */
  size_t max_outbound_bytes;            /* queued output per connection: 16 MiB */
  int64_t write_stall_timeout_ns;       /* queued output not moving: 60 s */

  /* Latency for CPU: each loop keeps polling this long after it runs out
   * of work before it sleeps, so a request arriving soon after the last
   * answer finds it awake (docs/performance.md). Off (0) by default. */
  int64_t busy_poll_ns;
} cgrpc_server_options_t;

/* Values that switch a limit off: a duration, a count or rate. */
#define CGRPC_DURATION_OFF INT64_MAX
#define CGRPC_LIMIT_OFF UINT32_MAX

typedef enum cgrpc_handler_mode {
  CGRPC_HANDLER_BLOCKING = 0, /* runs on the worker pool; may block */
  CGRPC_HANDLER_INLINE = 1,   /* runs on the connection's loop; must not block */
} cgrpc_handler_mode_t;

/* A method's handler. `request` is the decoded request (in the call's
 * arena) for unary and server-streaming methods, NULL otherwise. */
typedef void (*cgrpc_server_handler_fn)(cgrpc_server_call_t *call, const void *request,
                                        void *user_data);

/* ---- The server ---------------------------------------------------------------- */

/* Creates a server (options may be NULL). Returns OK and the server in *out,
 * or RESOURCE_EXHAUSTED with a message in `err` (may be NULL). */
cgrpc_status_code_t cgrpc_server_new(const cgrpc_server_options_t *opts, cgrpc_server_t **out,
                                     cgrpc_error_t *err);

/* Listens on `address`: "host:port", "0.0.0.0:50051", "[::]:0",
 * "ipv4:127.0.0.1:0", "ipv6:[::1]:0", "unix:/path" (a stale socket file is
 * replaced). Port 0 picks a free port, stored in *bound_port (may be NULL;
 * 0 for unix sockets). Call before cgrpc_server_start(), any number of
 * times. Errors: INVALID_ARGUMENT for a malformed address, UNAVAILABLE when
 * the socket cannot be bound, RESOURCE_EXHAUSTED when memory runs out, with
 * the reason in `err`. */
cgrpc_status_code_t cgrpc_server_listen(cgrpc_server_t *srv, const char *address, int *bound_port,
                                        cgrpc_error_t *err);

/* Registers a handler for one method (by its path). Before start.
 * ALREADY_EXISTS when the path is taken, RESOURCE_EXHAUSTED when memory runs
 * out. `method` must outlive the server. */
cgrpc_status_code_t cgrpc_server_register(cgrpc_server_t *srv, const cgrpc_pb_method_t *method,
                                          cgrpc_server_handler_fn handler, void *user_data,
                                          cgrpc_handler_mode_t mode, cgrpc_error_t *err);

/* Registers every method of a service: `handlers[i]` serves
 * service->methods[i] (NULL entries stay UNIMPLEMENTED). Before start. */
cgrpc_status_code_t cgrpc_server_register_service(cgrpc_server_t *srv,
                                                  const cgrpc_pb_service_t *service,
                                                  const cgrpc_server_handler_fn *handlers,
                                                  void *user_data, cgrpc_handler_mode_t mode,
                                                  cgrpc_error_t *err);

/* Starts the loop and worker threads and begins accepting connections.
 * Returns OK, or RESOURCE_EXHAUSTED when threads or memory cannot be had. */
cgrpc_status_code_t cgrpc_server_start(cgrpc_server_t *srv, cgrpc_error_t *err);

/* Graceful shutdown: stops accepting, tells every client GOAWAY, lets calls
 * in flight finish for up to `grace_ns`, then cancels what is left (handlers
 * see cancellation) and closes every connection. Blocks until done; the
 * threads are stopped when it returns. Any thread but the server's own;
 * idempotent. */
void cgrpc_server_shutdown(cgrpc_server_t *srv, int64_t grace_ns);

/* Shuts down (grace 0) if still running and frees the server. Every call
 * handed to a handler must have been finished. NULL is a no-op. */
void cgrpc_server_free(cgrpc_server_t *srv);

/* ---- Server calls: the request ------------------------------------------------------ */
/* These read what the call arrived with; any thread, from the handler's
 * start until the call is finished. */

/* The method being called. */
const cgrpc_pb_method_t *cgrpc_server_call_method(const cgrpc_server_call_t *call);

/* The client's metadata (reserved headers excluded; "user-agent" included). */
const cgrpc_metadata_t *cgrpc_server_call_metadata(const cgrpc_server_call_t *call);

/* The deadline (cgrpc_clock_now() clock), CGRPC_DEADLINE_NONE when none.
 * When it passes the call is cancelled (the client gets DEADLINE_EXCEEDED). */
int64_t cgrpc_server_call_deadline(const cgrpc_server_call_t *call);

/* The client's address, e.g. "127.0.0.1:53412" or "unix:/run/app.sock". */
const char *cgrpc_server_call_peer(const cgrpc_server_call_t *call);

/* The ":authority" the client asked for. */
cgrpc_str_t cgrpc_server_call_authority(const cgrpc_server_call_t *call);

/* The call's arena: for the response and anything else the handler needs
 * while the call lives; freed in one step when the call is done. Use it
 * from one thread at a time (the handler's). */
cgrpc_arena_t *cgrpc_server_call_arena(cgrpc_server_call_t *call);

/* True when the last request message read (or the request given to the
 * handler) arrived compressed. */
bool cgrpc_server_call_last_message_compressed(const cgrpc_server_call_t *call);

/* True once the call was cancelled: the client cancelled, the deadline
 * passed, the connection was lost or the server shut down. Any thread. */
bool cgrpc_server_call_cancelled(const cgrpc_server_call_t *call);

/* Runs fn(user_data) once on the connection's loop thread when the call is
 * cancelled (at once, from the next loop iteration, if it already was). Not
 * called for a call that ends normally. One callback per call. */
void cgrpc_server_call_on_cancel(cgrpc_server_call_t *call, void (*fn)(void *user_data),
                                 void *user_data);

/* ---- Server calls: the response ------------------------------------------------------ */

/* Compresses the responses with `encoding` if the client accepts it (else
 * they go uncompressed). Before the first write. */
void cgrpc_server_call_set_compression(cgrpc_server_call_t *call, cgrpc_encoding_t encoding);

/* Sends the response headers now with `md` (copied) as initial metadata.
 * Optional: without it the headers (without metadata) go out with the first
 * message. At most once, before the first write. */
void cgrpc_server_call_send_initial_metadata(cgrpc_server_call_t *call, const cgrpc_metadata_t *md);

/* Reads the next request message (client-streaming and bidi) into `msg`
 * (initialised here), memory from `arena`. Without `done` it blocks (worker
 * pool handlers only) and returns true for a message, false when the client
 * half-closed or the call was cancelled; with `done` it returns true and
 * reports that way later, on the loop thread. One read at a time. */
bool cgrpc_server_call_read(cgrpc_server_call_t *call, void *msg, cgrpc_arena_t *arena,
                            cgrpc_done_fn done, void *user_data);

/* Writes a response message (server-streaming and bidi; encoded before the
 * function returns; `flags` from CGRPC_WRITE_*). Without `done` it blocks
 * until the message has been handed to the connection (so a client that
 * does not read makes the handler wait: flow control) and returns whether
 * it was; with `done` it returns true and reports later. False once the
 * call is cancelled or finished. */
bool cgrpc_server_call_write(cgrpc_server_call_t *call, const void *msg, unsigned flags,
                             cgrpc_done_fn done, void *user_data);

/* Sends `response` and ends the call with OK: the usual end of a unary
 * handler. Ends the call like cgrpc_server_call_finish(). */
void cgrpc_server_call_reply(cgrpc_server_call_t *call, const void *response);

/* Ends the call with a status: `message` (NULL for none; any UTF-8) and
 * `trailers` (NULL for none) are copied. Messages written before go out
 * first. After this the call object must not be used: it is freed once the
 * transport is done with it. Any thread, exactly once per call. */
void cgrpc_server_call_finish(cgrpc_server_call_t *call, cgrpc_status_code_t code,
                              const char *message, const cgrpc_metadata_t *trailers);

#ifdef __cplusplus
}
#endif

#endif /* CGRPC_SERVER_H */

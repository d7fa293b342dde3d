/* cgrpc/server.h — a gRPC server: listening, methods, handlers, calls.
 *
 * A server listens on one or more addresses, serves the methods registered
 * on it (described by the cgrpc_pb_method_t / cgrpc_pb_service_t tables the
 * code generator emits) and runs N event-loop threads, one per core by
 * default. Each connection lives on one loop for its whole life.
 *
 *   static void say_hello(cgrpc_server_call_t *call, const void *request, void *ud) {
 *     const helloworld_HelloRequest *req = request;
 *     helloworld_HelloReply reply = {
 *         .message = cgrpc_server_call_printf(call, "Hello %.*s", (int)req->name.len,
 *                                             req->name.data)};
 *     cgrpc_server_call_reply(call, &reply);
 *   }
 *
 *   int main(void) {
 *     cgrpc_server_t *srv;
 *     cgrpc_error_t err;
 *     if (cgrpc_server_new(NULL, &srv, &err) != CGRPC_STATUS_OK ||
 *         cgrpc_server_listen(srv, "0.0.0.0:50051", NULL, &err) != CGRPC_STATUS_OK ||
 *         cgrpc_server_register(srv, &helloworld_Greeter_SayHello_method, say_hello, NULL,
 *                               CGRPC_HANDLER_BLOCKING, &err) != CGRPC_STATUS_OK) {
 *       fprintf(stderr, "%s\n", err.message);
 *       return 1;
 *     }
 *     printf("listening on %s\n", cgrpc_server_listen_address(srv, 0));
 *     cgrpc_server_run(srv, 5 * CGRPC_NS_PER_SEC, &err);   (until Ctrl-C or SIGTERM)
 *     cgrpc_server_free(srv);
 *   }
 *
 * A program that handles signals itself uses cgrpc_server_start() and, when
 * it wants to stop, cgrpc_server_shutdown() instead of cgrpc_server_run().
 *
 * Handlers. A handler is called once per call, with the decoded request for
 * unary and server-streaming methods (NULL for client-streaming and bidi,
 * which read their requests). It must end the call exactly once, with
 * cgrpc_server_call_reply(), cgrpc_server_call_finish() or _finishf(); after
 * that the call object is gone. Two modes, chosen per method:
 *
 *   CGRPC_HANDLER_BLOCKING (the default, the safe choice) handlers run on a
 *   worker pool and may block (databases, files) and use the blocking read
 *   and write style. They end the call before they return; a handler that
 *   returns with its call open ends it with INTERNAL ("handler for
 *   /pkg.Svc/Method returned without finishing the call") and an ERROR log
 *   line, unless it called cgrpc_server_call_defer() first: then it may end
 *   the call later, from any thread. (A handler that finds its call
 *   cancelled may just return.)
 *
 *   CGRPC_HANDLER_INLINE handlers run on the connection's loop thread, with
 *   no thread hop: they must not block, and use the callback style (a `done`
 *   callback on every read and write). They may end the call at once or
 *   later, from any thread (from a callback, from another thread), with no
 *   defer needed. A read or write without a callback there would block the
 *   loop: it returns false at once, logs an ERROR naming the method, and
 *   ends the call with INTERNAL (the handler still ends its call, as after
 *   a cancellation).
 *
 * Threads. The server's own functions (new, listen, register, start, run,
 * shutdown, free) are for the application's threads, never a handler or
 * callback. The call functions may be used from any thread, one thread at a
 * time per call (cgrpc_server_call_cancelled() and _on_cancel() excepted).
 *
 * Memory. Requests, metadata and anything allocated from the call's arena
 * live until the call ends. Messages written are encoded before the write
 * returns; status messages and trailers are copied. Nothing a handler gets
 * needs freeing.
 *
 * Requests for methods nobody registered get UNIMPLEMENTED. Diagnostics go
 * through cgrpc/log.h (stderr by default).
 */
#ifndef CGRPC_SERVER_H
#define CGRPC_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgrpc/call.h"
#include "cgrpc/error.h"
#include "cgrpc/options.h"

#pragma GCC visibility push(default) /* exported: see cgrpc/cgrpc.h */
#ifdef __cplusplus
extern "C" {
#endif

typedef struct cgrpc_server cgrpc_server_t;
typedef struct cgrpc_server_call cgrpc_server_call_t;

/* ---- Options ------------------------------------------------------------------- */

/* The server's options, one row each: X(type, name, default, min, max, doc)
 * (cgrpc/options.h explains the types). Start from CGRPC_SERVER_OPTIONS_INIT
 * or cgrpc_server_options_init() and change fields; every value in
 * [min, max] is honoured as given, zero included. docs/options.md shows the
 * same table, and docs/security.md what a client that crosses each limit
 * sees. */
/* clang-format off */
#define CGRPC_SERVER_OPTIONS(X)                                                                   \
  X(INT,   loop_threads,                0,                      0, 1024,                           \
    "event-loop threads; 0: one per core")                                                         \
  X(INT,   worker_threads,              16,                     1, 4096,                           \
    "threads that run BLOCKING handlers")                                                          \
  X(BYTES, max_receive_message_size,    4 * 1024 * 1024,        0, CGRPC_UNLIMITED,                \
    "largest request message, on the wire and decompressed")                                \
  X(BYTES, max_send_message_size,       CGRPC_UNLIMITED,        0, CGRPC_UNLIMITED,                \
    "largest response message")                                                             \
  X(COUNT, max_concurrent_streams,      100,                    1, CGRPC_UNLIMITED,                \
    "calls per connection at once")                                                                \
  X(BYTES, max_header_list_size,        16 * 1024,              1, CGRPC_UNLIMITED,                \
    "request metadata (name + value + 32 per entry)")                                       \
  X(BYTES, stream_window,               256 * 1024,             1, INT32_MAX,                      \
    "HTTP/2 receive window per call")                                                       \
  X(BYTES, connection_window,           1024 * 1024,            1, INT32_MAX,                      \
    "HTTP/2 receive window per connection (raised to stream_window if below)")              \
  X(COUNT, max_header_fields,           128,                    1, CGRPC_UNLIMITED,                \
    "request metadata entries")                                                                    \
  X(COUNT, max_connections,             0,                      0, CGRPC_UNLIMITED,                \
    "connections server-wide; 0: 90% of the descriptor limit (RLIMIT_NOFILE)")                     \
  X(NS,    handshake_timeout_ns,        20 * CGRPC_NS_PER_SEC,  1, CGRPC_INFINITE,                 \
    "the client's preface and SETTINGS arrive within")                                             \
  X(NS,    settings_timeout_ns,         10 * CGRPC_NS_PER_SEC,  1, CGRPC_INFINITE,                 \
    "our SETTINGS are acknowledged within")                                                        \
  X(NS,    keepalive_time_ns,           7200 * CGRPC_NS_PER_SEC, 1, CGRPC_INFINITE,                \
    "PING the client after this long without a byte from it")                                      \
  X(NS,    keepalive_timeout_ns,        20 * CGRPC_NS_PER_SEC,  1, CGRPC_INFINITE,                 \
    "... and close when nothing arrives this long after the PING")                                 \
  X(NS,    permit_keepalive_time_ns,    300 * CGRPC_NS_PER_SEC, 0, CGRPC_INFINITE,                 \
    "client PINGs closer together than this are strikes")                                          \
  X(BOOL,  permit_keepalive_without_calls, false,               0, 1,                              \
    "client PINGs without calls open are no strikes")                                              \
  X(COUNT, max_ping_strikes,            2,                      0, CGRPC_UNLIMITED,                \
    "strikes tolerated; one more: GOAWAY too_many_pings")                                          \
  X(NS,    max_connection_idle_ns,      CGRPC_INFINITE,         1, CGRPC_INFINITE,                 \
    "GOAWAY max_idle after this long without calls")                                               \
  X(NS,    max_connection_age_ns,       CGRPC_INFINITE,         1, CGRPC_INFINITE,                 \
    "GOAWAY max_age after this long, +-10%")                                                       \
  X(NS,    max_connection_age_grace_ns, CGRPC_INFINITE,         0, CGRPC_INFINITE,                 \
    "after max_age, calls still running get this long")                                            \
  X(COUNT, max_settings_per_second,     10,                     1, CGRPC_UNLIMITED,                \
    "client SETTINGS frames per second (bursts of 10 s' worth)")                                   \
  X(COUNT, max_resets_per_second,       100,                    1, CGRPC_UNLIMITED,                \
    "stream resets the client causes per second (bursts of 10 s' worth)")                          \
  X(COUNT, max_empty_frames_per_second, 10,                     1, CGRPC_UNLIMITED,                \
    "frames carrying nothing per second (bursts of 10 s' worth)")                                  \
  X(BYTES, max_outbound_bytes,          16 * 1024 * 1024,       1, CGRPC_UNLIMITED,                \
    "output queued per connection above which new calls are refused")                       \
  X(NS,    write_stall_timeout_ns,      60 * CGRPC_NS_PER_SEC,  1, CGRPC_INFINITE,                 \
    "close when queued output has not moved for this long")                                        \
  X(INT,   compression_level,           6,                      0, 9,                              \
    "zlib level of compressed responses: 0 (stored) to 9 (smallest)")                              \
  X(NS,    busy_poll_ns,                0,                      0, CGRPC_NS_PER_SEC,               \
    "a loop out of work polls this long before it sleeps (docs/performance.md)")                  \
  X(NS,    tls_handshake_timeout_ns,    10 * CGRPC_NS_PER_SEC,  1, CGRPC_INFINITE,                 \
    "TLS listeners: a client's TLS handshake is done within")                                      \
  X(COUNT, max_concurrent_tls_handshakes, 1024,                 1, CGRPC_UNLIMITED,                \
    "TLS handshakes in progress server-wide; over it new TLS connections are closed")              \
  X(BOOL,  grpc_web,                    true,                   0, 1,                              \
    "serve gRPC-Web (application/grpc-web*) next to gRPC (docs/web.md)")                          \
  X(BOOL,  http1,                       true,                   0, 1,                              \
    "accept HTTP/1.1 on the same port (gRPC-Web, Connect, REST; docs/web.md)")                    \
  X(STR,   cors_allowed_origins,        NULL,                   0, 0,                              \
    "origins browsers may call from (CORS), comma-separated; * for any; NULL: none")              \
  X(BYTES, http1_max_header_size,       16 * 1024,              256, CGRPC_UNLIMITED,              \
    "HTTP/1.1: request line and headers; more: 431")                                               \
  X(BYTES, http1_max_body_size,         8 * 1024 * 1024,        0, CGRPC_UNLIMITED,                \
    "HTTP/1.1: one request body; more: 413")                                                       \
  X(NS,    http1_header_timeout_ns,     10 * CGRPC_NS_PER_SEC,  1, CGRPC_INFINITE,                 \
    "HTTP/1.1: a request's line and headers arrive within (slow clients: 408)")                   \
  X(NS,    http1_idle_timeout_ns,       120 * CGRPC_NS_PER_SEC, 1, CGRPC_INFINITE,                 \
    "HTTP/1.1: close a keep-alive connection idle this long between requests")
/* clang-format on */

typedef struct cgrpc_server_options {
  CGRPC_SERVER_OPTIONS(CGRPC_OPTION_FIELD_)
  uint32_t _init_magic; /* set by CGRPC_SERVER_OPTIONS_INIT / cgrpc_server_options_init() */
} cgrpc_server_options_t;

/* Every option at its default: `cgrpc_server_options_t o = CGRPC_SERVER_OPTIONS_INIT;` */
#define CGRPC_SERVER_OPTIONS_INIT \
  { CGRPC_SERVER_OPTIONS(CGRPC_OPTION_DEFAULT_) CGRPC_OPTIONS_INIT_MAGIC_ }

/* Sets every option of *opts to its default (what CGRPC_SERVER_OPTIONS_INIT
 * gives). Never fails; any thread. */
void cgrpc_server_options_init(cgrpc_server_options_t *opts);

typedef enum cgrpc_handler_mode {
  CGRPC_HANDLER_BLOCKING = 0, /* runs on the worker pool; may block */
  CGRPC_HANDLER_INLINE = 1,   /* runs on the connection's loop; must not block */
} cgrpc_handler_mode_t;

/* A method's handler. `request` is the decoded request (in the call's
 * arena) for unary and server-streaming methods, NULL otherwise. */
typedef void (*cgrpc_server_handler_fn)(cgrpc_server_call_t *call, const void *request,
                                        void *user_data);

/* ---- The server ---------------------------------------------------------------- */

/* Creates a server. `opts` may be NULL (every default); else it must have
 * started from CGRPC_SERVER_OPTIONS_INIT or cgrpc_server_options_init(), and
 * is copied. Returns OK and the server in *out, INVALID_ARGUMENT when the
 * options were not initialised so or an option is out of its range (the
 * message in `err` names the option, its value and the range), or
 * RESOURCE_EXHAUSTED. `err` may be NULL. */
cgrpc_status_code_t cgrpc_server_new(const cgrpc_server_options_t *opts, cgrpc_server_t **out,
                                     cgrpc_error_t *err);

/* Listens on `address`: "host:port", "0.0.0.0:50051", "[::]:0",
 * "ipv4:127.0.0.1:0", "ipv6:[::1]:0", "unix:/path" (a stale socket file is
 * replaced). Port 0 picks a free port, stored in *bound_port (may be NULL;
 * 0 for unix sockets); cgrpc_server_listen_address() gives the whole bound
 * address as text. Call before cgrpc_server_start(), any number of times.
 * A host name is resolved here (this blocks while it is).
 * Errors: INVALID_ARGUMENT for a malformed address or a host name that does
 * not resolve, UNAVAILABLE when the socket cannot be bound,
 * RESOURCE_EXHAUSTED when out of memory, FAILED_PRECONDITION once started;
 * the reason is in `err`. */
cgrpc_status_code_t cgrpc_server_listen(cgrpc_server_t *srv, const char *address, int *bound_port,
                                        cgrpc_error_t *err);

/* The address the index-th successful cgrpc_server_listen() bound, as text
 * with the real port: "127.0.0.1:41235", "[::1]:5000", "unix:/run/app.sock",
 * ready to print or to give a channel. NULL when `index` is past the last.
 * The string belongs to the server and stays valid (and unchanged, even
 * after shutdown) until cgrpc_server_free(). Any thread, once that listen
 * has returned. */
const char *cgrpc_server_listen_address(const cgrpc_server_t *srv, size_t index);

/* Registers a handler for one method (by its path). Before start.
 * ALREADY_EXISTS when the path is taken, INVALID_ARGUMENT when `handler` is
 * NULL or the path does not start with '/', FAILED_PRECONDITION once
 * started, RESOURCE_EXHAUSTED when out of memory. `method` and `user_data`
 * must outlive the server. */
cgrpc_status_code_t cgrpc_server_register(cgrpc_server_t *srv, const cgrpc_pb_method_t *method,
                                          cgrpc_server_handler_fn handler, void *user_data,
                                          cgrpc_handler_mode_t mode, cgrpc_error_t *err);

/* Registers every method of a service: `handlers[i]` serves
 * service->methods[i] (NULL entries stay UNIMPLEMENTED). Before start.
 * Each method as cgrpc_server_register(), with its codes; the first failure
 * is returned, and the methods registered before it stay registered. */
cgrpc_status_code_t cgrpc_server_register_service(cgrpc_server_t *srv,
                                                  const cgrpc_pb_service_t *service,
                                                  const cgrpc_server_handler_fn *handlers,
                                                  void *user_data, cgrpc_handler_mode_t mode,
                                                  cgrpc_error_t *err);

/* Starts the loop and worker threads and begins accepting connections.
 * Returns OK; RESOURCE_EXHAUSTED when threads cannot be created (nothing is
 * left running); FAILED_PRECONDITION when already started. The threads
 * inherit the caller's signal mask (see cgrpc_server_run()). */
cgrpc_status_code_t cgrpc_server_start(cgrpc_server_t *srv, cgrpc_error_t *err);

/* Serves until the process gets SIGINT or SIGTERM (or
 * cgrpc_server_stop_run()), then shuts down gracefully with `grace_ns` (as
 * cgrpc_server_shutdown()) and returns OK. Starts the server first unless it
 * was started. This is main()'s last call in most servers.
 *
 * How: it blocks SIGINT and SIGTERM in the calling thread, starts the
 * server's threads (which inherit that mask, so none of them can take the
 * signals) and waits for one with sigwait(). So call it from the main thread
 * before the program starts threads of its own (or block both signals in
 * those threads yourself): a thread that does not block them could receive
 * the signal instead, and its default action ends the process at once,
 * without the graceful shutdown. Likewise a server already started with
 * cgrpc_server_start() has threads that do not block them. The caller's
 * signal mask is restored as soon as the signal arrives, before the grace
 * period, so a second Ctrl-C acts as it normally does (by default it ends
 * the process at once: an impatient operator's way out).
 *
 * Errors: the codes of cgrpc_server_start() (nothing is left running, the
 * mask is restored), FAILED_PRECONDITION when the server is already running
 * under cgrpc_server_run() or was shut down. Once per server. */
cgrpc_status_code_t cgrpc_server_run(cgrpc_server_t *srv, int64_t grace_ns, cgrpc_error_t *err);

/* Makes cgrpc_server_run() return as if SIGTERM had arrived: it shuts down
 * with its grace and returns. Called before cgrpc_server_run() waits (even
 * before it is called), that run returns as soon as it has started the
 * server. Any thread, including handlers; not from a signal handler (use
 * kill(getpid(), SIGTERM) there). Calling cgrpc_server_shutdown() from
 * another thread also ends cgrpc_server_run(). */
void cgrpc_server_stop_run(cgrpc_server_t *srv);

/* Graceful shutdown: stops accepting, tells every client GOAWAY, lets calls
 * in flight finish for up to `grace_ns`, then cancels what is left (handlers
 * see cancellation) and closes every connection. Blocks until done; the
 * threads are stopped when it returns, also when another thread had begun
 * the shutdown. Any thread but the server's own (not from a handler or a
 * callback); idempotent. With the health service enabled (cgrpc/health.h),
 * every status turns NOT_SERVING first, before the GOAWAYs. */
void cgrpc_server_shutdown(cgrpc_server_t *srv, int64_t grace_ns);

/* Shuts down (grace 0) if still running and frees the server. Every call
 * an INLINE handler got or a BLOCKING handler deferred must have been
 * finished (the library ends those a BLOCKING handler returned from).
 * cgrpc_server_listen_address() strings go with it. NULL is a no-op. */
void cgrpc_server_free(cgrpc_server_t *srv);

/* ---- Server calls: the request ------------------------------------------------------ */
/* These read what the call arrived with; any thread, from the handler's
 * start until the call is finished. */

/* The method being called. */
const cgrpc_pb_method_t *cgrpc_server_call_method(const cgrpc_server_call_t *call);

/* The client's metadata (reserved headers excluded; "user-agent" included).
 * Read values with cgrpc_metadata_get_cstr() and cgrpc_metadata_get_int(). */
const cgrpc_metadata_t *cgrpc_server_call_metadata(const cgrpc_server_call_t *call);

/* The deadline (cgrpc_clock_now() clock), CGRPC_INFINITE when none.
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

/* Formats like printf() into the call's arena: a NUL-terminated string that
 * lives until the call ends, ready for a response field:
 *
 *   reply.message = cgrpc_server_call_printf(call, "Hello %s", name);
 *
 * When memory runs out it returns an empty string ({"", 0}) and marks the
 * call: it then ends with RESOURCE_EXHAUSTED ("out of memory formatting a
 * string in the handler") instead of OK, and a reply's message is not sent.
 * So a handler needs no check. From the thread that uses the arena. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
cgrpc_str_t cgrpc_server_call_printf(cgrpc_server_call_t *call, const char *fmt, ...);

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
 * (initialised here), memory from `arena`. Without `done` it blocks
 * (BLOCKING handlers and other application threads only) and returns true
 * for a message, false when the client half-closed or the call was
 * cancelled; with `done` it returns true and reports that way later, on the
 * loop thread (false, and `done` never runs, when memory runs out handing
 * the read to the loop: the call then ends with RESOURCE_EXHAUSTED). One
 * read at a time. Without `done` on the loop thread (an
 * INLINE handler or a callback) it would wait for itself: it returns false,
 * logs an ERROR and ends the call with INTERNAL (see the top of this file). */
bool cgrpc_server_call_read(cgrpc_server_call_t *call, void *msg, cgrpc_arena_t *arena,
                            cgrpc_done_fn done, void *user_data);

/* Writes a response message (server-streaming and bidi; encoded before the
 * function returns; `flags` from CGRPC_WRITE_*). Without `done` it blocks
 * until the message has been handed to the connection (so a client that
 * does not read makes the handler wait: flow control) and returns whether
 * it was; with `done` it returns true and reports later. False once the
 * call is cancelled or finished. Returns false at once, and `done` never
 * runs, when the message cannot be encoded or memory runs out (the call
 * then ends with INTERNAL or RESOURCE_EXHAUSTED). Without
 * `done` on the loop thread it fails loudly, as cgrpc_server_call_read()
 * does. */
bool cgrpc_server_call_write(cgrpc_server_call_t *call, const void *msg, unsigned flags,
                             cgrpc_done_fn done, void *user_data);

/* Sends `response` and ends the call with OK: the usual end of a unary
 * handler. Ends the call like cgrpc_server_call_finish(); with INTERNAL
 * instead when the response cannot be encoded. */
void cgrpc_server_call_reply(cgrpc_server_call_t *call, const void *response);

/* Ends the call with a status: `message` (NULL for none; any UTF-8) and
 * `trailers` (NULL for none) are copied. Messages written before go out
 * first. After this the call object must not be used: it is freed once the
 * transport is done with it. Any thread, exactly once per call. */
void cgrpc_server_call_finish(cgrpc_server_call_t *call, cgrpc_status_code_t code,
                              const char *message, const cgrpc_metadata_t *trailers);

/* cgrpc_server_call_finish() with a printf-formatted message and no
 * trailers:
 *
 *   cgrpc_server_call_finishf(call, CGRPC_STATUS_NOT_FOUND, "no product %s", sku);
 *
 * A message longer than 255 bytes takes memory from the call's arena (if
 * that fails, its first 255 bytes are sent). Same rules as _finish(). */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
void cgrpc_server_call_finishf(cgrpc_server_call_t *call, cgrpc_status_code_t code,
                               const char *fmt, ...);

/* Tells the library that this BLOCKING handler will end its call later,
 * from another thread (after a queue, a timer, another service's answer):
 * returning without ending the call is then not an error. Call it from the
 * handler, before it returns and before handing the call to the thread
 * that ends it. Elsewhere it does nothing: INLINE handlers may always end
 * their calls later. */
void cgrpc_server_call_defer(cgrpc_server_call_t *call);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif

#endif /* CGRPC_SERVER_H */

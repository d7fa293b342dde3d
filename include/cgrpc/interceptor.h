/* cgrpc/interceptor.h — interceptors on servers and channels, the ready-made
 * logging interceptor, and per-call credentials.
 *
 * An interceptor is a table of hooks (cgrpc_interceptor_t) and a user_data
 * pointer, registered on a server before it starts or on a channel before
 * its first call. Every call of every kind (unary, server streaming, client
 * streaming, bidi) then passes through the chain:
 *
 *   on_start    the call begins: read and change the request metadata, or
 *               end the call at once by returning a code (the handler never
 *               runs; on a client nothing goes on the wire)
 *   on_receive  each message received, decoded, before the reader gets it:
 *               observe or change it in place, or end the call
 *   on_send     each message about to be sent, before it is encoded:
 *               observe it, replace it, or end the call
 *   on_end      the call is over: status, trailing metadata and timings
 *
 * Messages are the decoded structs (with the method's tables,
 * cgrpc_interceptor_call_method()): interceptors see what handlers and
 * callers see, and pay no extra encode or decode.
 *
 * Order. The first interceptor registered is the outermost:
 *   server  on_start and on_receive in registration order (the first sees
 *           the request first), on_send and on_end in reverse order;
 *   client  on_start and on_send in registration order (the first sees the
 *           request first, as the application made it), on_receive and
 *           on_end in reverse order.
 * Call credentials (below) run after every client interceptor's on_start,
 * closest to the wire.
 *
 * Ending a call early. A hook that returns a code other than
 * CGRPC_STATUS_OK ends the call with that code and the message it wrote to
 * `err` (one sentence; an empty message is sent as the code's name). The
 * hooks after it in the chain do not run for that event. on_end runs for
 * every interceptor whose on_start ran, the one that ended the call
 * included; a call ended in on_start gets no on_receive or on_send.
 *
 * Threads. on_start, on_receive and on_end of a server run on the
 * connection's loop thread: they must not block. on_send runs on the thread
 * that sends (a BLOCKING handler's worker, for instance). On a client,
 * on_start and on_send run on the application's thread that starts the
 * call or sends, on_receive and on_end on the channel's loop (on_end on the
 * starting thread when the call ends before it reaches the loop). A hook
 * may run on several threads at once for different calls: the interceptor's
 * user_data must be safe for that.
 *
 * Cost. With no interceptor registered a call pays one branch. With some,
 * the per-call state lives inside the call object: a server's unary call
 * stays free of heap allocation (tests/unit/rpc/test_interceptor_allocs.c).
 */
#ifndef CGRPC_INTERCEPTOR_H
#define CGRPC_INTERCEPTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgrpc/call.h"
#include "cgrpc/error.h"
#include "cgrpc/server.h"

#pragma GCC visibility push(default) /* exported: see cgrpc/cgrpc.h */
#ifdef __cplusplus
extern "C" {
#endif

/* Most interceptors a server or a channel takes. */
#define CGRPC_MAX_INTERCEPTORS 16

/* One call as its interceptors see it; valid inside the hooks only. */
typedef struct cgrpc_interceptor_call cgrpc_interceptor_call_t;

/* How a call ended, for on_end. Times are cgrpc_clock_now() readings;
 * bytes count the messages' serialized size (before compression, without
 * the 5-byte gRPC prefix). */
typedef struct cgrpc_call_summary {
  cgrpc_status_code_t code;
  cgrpc_str_t message;                       /* NUL-terminated */
  const cgrpc_metadata_t *trailing_metadata; /* never NULL; may be empty */
  int64_t start_ns, end_ns;
  uint64_t bytes_received, bytes_sent;
  uint64_t messages_received, messages_sent;
} cgrpc_call_summary_t;

/* The hooks; any may be NULL. `user_data` is what was registered with them. */
typedef struct cgrpc_interceptor {
  /* A name for logs. */
  const char *name;
  /* The request metadata, before the handler sees it (server) or before it
   * is sent (client); entries added take memory from `arena`, which lives as
   * long as the call. */
  cgrpc_status_code_t (*on_start)(cgrpc_interceptor_call_t *call, cgrpc_metadata_t *metadata,
                                  cgrpc_arena_t *arena, void *user_data, cgrpc_error_t *err);
  /* A message received (a request on a server, a response on a client),
   * decoded into `arena`, which may hold what the hook puts in it. */
  cgrpc_status_code_t (*on_receive)(cgrpc_interceptor_call_t *call, void *msg, cgrpc_arena_t *arena,
                                    void *user_data, cgrpc_error_t *err);
  /* A message about to be sent. To send another, point *msg at a message of
   * the same type; `arena` holds memory that lives until the message is
   * encoded, right after the chain has run. */
  cgrpc_status_code_t (*on_send)(cgrpc_interceptor_call_t *call, const void **msg,
                                 cgrpc_arena_t *arena, void *user_data, cgrpc_error_t *err);
  /* The call is over; `summary` is valid during the hook only. */
  void (*on_end)(cgrpc_interceptor_call_t *call, const cgrpc_call_summary_t *summary,
                 void *user_data);
} cgrpc_interceptor_t;

/* ---- Registration ------------------------------------------------------------------ */

/* Adds an interceptor to the server's chain (after those added before).
 * Before cgrpc_server_start(). `interceptor` and `user_data` must outlive
 * the server. Errors: INVALID_ARGUMENT for a NULL interceptor,
 * RESOURCE_EXHAUSTED past CGRPC_MAX_INTERCEPTORS, FAILED_PRECONDITION once
 * started. */
cgrpc_status_code_t cgrpc_server_add_interceptor(cgrpc_server_t *srv,
                                                 const cgrpc_interceptor_t *interceptor,
                                                 void *user_data, cgrpc_error_t *err);

/* Adds an interceptor to the channel's chain. Before the channel's first
 * call (FAILED_PRECONDITION after it), from one thread at a time; otherwise
 * as cgrpc_server_add_interceptor(). */
cgrpc_status_code_t cgrpc_channel_add_interceptor(cgrpc_channel_t *ch,
                                                  const cgrpc_interceptor_t *interceptor,
                                                  void *user_data, cgrpc_error_t *err);

/* ---- Inside a hook ------------------------------------------------------------------- */

/* True on a channel's call, false on a server's. */
bool cgrpc_interceptor_call_is_client(const cgrpc_interceptor_call_t *call);

/* The method: its path and its request and response tables. */
const cgrpc_pb_method_t *cgrpc_interceptor_call_method(const cgrpc_interceptor_call_t *call);

/* Server: the client's address ("127.0.0.1:53412"); client: the
 * channel's authority ("localhost:50051"). */
const char *cgrpc_interceptor_call_peer(const cgrpc_interceptor_call_t *call);

/* Server: the call as the handler gets it (deadline, authority, ...);
 * NULL on a client. */
cgrpc_server_call_t *cgrpc_interceptor_call_server_call(cgrpc_interceptor_call_t *call);

/* ---- Ready-made --------------------------------------------------------------------- */

/* Logs one line per call through cgrpc/log.h, INFO for OK and WARNING
 * otherwise:
 *
 *   server call /test.Svc/Unary peer=127.0.0.1:53412 status=NOT_FOUND
 *   duration_us=57 bytes_in=12 bytes_out=0 message="no such product"
 *
 * Register it on a server or a channel with user_data NULL. */
const cgrpc_interceptor_t *cgrpc_logging_interceptor(void);

/* ---- Call credentials --------------------------------------------------------------- */

/* Computes the metadata one call carries to prove who calls (a bearer
 * token, a signature): appends it to `metadata` with cgrpc_metadata_add()
 * (memory from `arena`, the call's). `authority` is the channel's. Runs on
 * the thread that starts the call, for every call, so it must be quick and
 * thread-safe (cache tokens). A code other than OK fails the call with
 * UNAVAILABLE (as gRPC does) and the message written to `err`. */
typedef cgrpc_status_code_t (*cgrpc_call_credentials_fn)(void *user_data,
                                                         const cgrpc_pb_method_t *method,
                                                         const char *authority,
                                                         cgrpc_metadata_t *metadata,
                                                         cgrpc_arena_t *arena, cgrpc_error_t *err);

/* Per-call credentials: on a channel (cgrpc_channel_set_call_credentials())
 * for all its calls, or on one call (cgrpc_call_options_t.call_credentials);
 * a call with both runs the channel's first. They are sent over TLS only: on
 * a plaintext channel the call fails with UNAUTHENTICATED ("call credentials
 * need a TLS channel; ...") unless `allow_insecure` is set, gRPC's
 * "insecure call credentials", for tests and trusted networks. */
struct cgrpc_call_credentials {
  cgrpc_call_credentials_fn fn;
  void *user_data;
  bool allow_insecure;
};

/* Credentials that add `authorization: Bearer <token>` to every call.
 * `token` is not copied: it must outlive every call that uses them (a
 * string literal, or a buffer the application keeps). A token with bytes
 * outside printable ASCII fails each call (UNAVAILABLE). */
cgrpc_call_credentials_t cgrpc_call_credentials_bearer(const char *token);

/* Sets the credentials every call on the channel runs (copied; NULL removes
 * them). Before the channel's first call, from one thread at a time:
 * FAILED_PRECONDITION after it, INVALID_ARGUMENT when creds->fn is NULL. */
cgrpc_status_code_t cgrpc_channel_set_call_credentials(cgrpc_channel_t *ch,
                                                       const cgrpc_call_credentials_t *creds,
                                                       cgrpc_error_t *err);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif

#endif /* CGRPC_INTERCEPTOR_H */

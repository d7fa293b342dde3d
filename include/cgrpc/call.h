/* cgrpc/call.h — client calls: unary (blocking or with a callback) and
 * streaming, plus what every call shares with the server side (status,
 * deadlines, completion callbacks).
 *
 * Every call is described by the cgrpc_pb_method_t the code generator emits
 * (path, request and response tables, streaming flags), so a generated stub
 * is a one-line wrapper:
 *
 *   cgrpc_status_t st;
 *   shop_Product resp;
 *   cgrpc_call_options_t opts = {.timeout_ns = 2 * CGRPC_NS_PER_SEC};
 *   if (cgrpc_unary(ch, &shop_ProductService_GetProduct_method, &req, &resp, arena, &opts,
 *                   &st) != CGRPC_STATUS_OK) {
 *     fprintf(stderr, "GetProduct: %s: %s\n", cgrpc_status_code_name(st.code), st.message.data);
 *   }
 *
 * Threads. Channels run their calls on a loop thread of their own. Blocking
 * functions may be called from any thread except that loop (from inside a
 * callback they would wait for themselves; they then fail at once).
 * Callbacks run on the channel's loop thread: they must not block, but may
 * start calls and operations. One call is driven by one application thread
 * (or callback chain) at a time, except cgrpc_call_cancel(), which any
 * thread may call until the call is finished.
 *
 * Memory. Requests are encoded before the function returns, so they need
 * not outlive it. Responses, status messages and metadata received are
 * decoded into the arena the caller passes; an operation in progress owns
 * that arena (do not use it from another thread until the operation
 * completes). Call objects free themselves in cgrpc_call_finish().
 *
 * Errors. Every call ends with a status. Codes produced by the library are
 * those of the gRPC specification (see docs/api.md): UNAVAILABLE when no
 * connection can be made or it breaks, DEADLINE_EXCEEDED, CANCELLED,
 * RESOURCE_EXHAUSTED for messages over a size limit and when memory runs
 * out, INTERNAL for protocol and parse errors (and for a blocking function
 * called on the channel's loop), UNIMPLEMENTED from servers that do not
 * know the method. Running out of memory never loses a call: the functions
 * that end calls (cancel, half-close, finish) still take effect, and every
 * callback that was accepted still runs exactly once.
 */
#ifndef CGRPC_CALL_H
#define CGRPC_CALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgrpc/arena.h"
#include "cgrpc/compression.h"
#include "cgrpc/metadata.h"
#include "cgrpc/pb_table.h"
#include "cgrpc/status.h"
#include "cgrpc/time.h"

#pragma GCC visibility push(default) /* exported: see cgrpc/cgrpc.h */
#ifdef __cplusplus
extern "C" {
#endif

typedef struct cgrpc_channel cgrpc_channel_t;
typedef struct cgrpc_call cgrpc_call_t;
/* A server's call (cgrpc/server.h), the parent of calls made for it. */
typedef struct cgrpc_server_call cgrpc_server_call_t;
/* Per-call credentials: see cgrpc/interceptor.h. */
typedef struct cgrpc_call_credentials cgrpc_call_credentials_t;

/* ---- Shared by clients and servers ------------------------------------------ */

/* Completion of an operation started with a callback: `ok` says whether it
 * succeeded (a message was received or sent; see each function). Runs on the
 * loop thread of the call's connection or channel. */
typedef void (*cgrpc_done_fn)(void *user_data, bool ok);

/* Flags of a message write. */
enum {
  /* Send this message uncompressed even if the call compresses. */
  CGRPC_WRITE_NO_COMPRESS = 1u << 0,
};

/* How a call ended. Strings and metadata are in the arena the caller gave. */
typedef struct cgrpc_status {
  cgrpc_status_code_t code;
  cgrpc_str_t message;                /* grpc-message, decoded; data is NUL-terminated */
  cgrpc_metadata_t initial_metadata;  /* the server's response headers */
  cgrpc_metadata_t trailing_metadata; /* the server's trailers */
} cgrpc_status_t;

/* ---- Call options ------------------------------------------------------------------ */

/* Per-call settings. A zero-initialised struct (or NULL) means: no deadline,
 * no metadata, no compression, fail fast. */
typedef struct cgrpc_call_options {
  /* How long the call may take, in ns, from when it starts. 0 (the zero
   * value) and CGRPC_INFINITE both mean no deadline; a negative value means
   * the deadline has already passed. The deadline goes to the server as
   * grpc-timeout; when it passes the call ends with DEADLINE_EXCEEDED. An
   * absolute deadline (a server call's) becomes a timeout with
   * cgrpc_timeout_until(). */
  int64_t timeout_ns;
  /* Request metadata; copied when the call starts. */
  const cgrpc_metadata_t *metadata;
  /* Compress request messages with this algorithm. */
  cgrpc_encoding_t compression;
  /* Wait for a connection instead of failing UNAVAILABLE at once while
   * the channel cannot connect (the deadline still applies). */
  bool wait_for_ready;
  /* Credentials for this call only (cgrpc/interceptor.h), run after the
   * channel's; NULL for none. */
  const cgrpc_call_credentials_t *call_credentials;
  /* Propagation: the server call this call is made for (a handler calling
   * another service), or NULL. The call takes the parent's deadline when
   * it is earlier than its own, and is cancelled (CANCELLED, "the server
   * call it was made for was cancelled") when the parent is: the client
   * cancelled, its deadline passed or its connection was lost. So a
   * cancelled request stops the whole chain. A call started after its
   * parent was cancelled ends CANCELLED at once. The parent must be alive
   * when the call starts (its handler has not ended it); it may end before
   * the call does. docs/service-config.md, "Propagation". */
  cgrpc_server_call_t *parent;
  /* What the call does NOT take from `parent`: CGRPC_PROPAGATE_* bits; 0
   * (the zero value) takes both. */
  unsigned no_propagate;
} cgrpc_call_options_t;

/* Bits of cgrpc_call_options_t.no_propagate. */
enum {
  CGRPC_PROPAGATE_DEADLINE = 1u << 0,
  CGRPC_PROPAGATE_CANCELLATION = 1u << 1,
};

/* ---- Unary calls --------------------------------------------------------------------- */

/* Calls a unary method and waits for the outcome. `request` is a message of
 * method->input; `response` a message of method->output (initialised here,
 * so any memory will do; read it only when the call ended OK), decoded into
 * `arena`, as are the strings and metadata of `status`. `opts`
 * and `status` may be NULL. Returns the status code (also in status->code):
 * besides the call's own, INTERNAL when the request cannot be serialized or
 * the function is called on the channel's loop, RESOURCE_EXHAUSTED when
 * memory runs out. Any thread but the channel's loop. */
cgrpc_status_code_t cgrpc_unary(cgrpc_channel_t *ch, const cgrpc_pb_method_t *method,
                                const void *request, void *response, cgrpc_arena_t *arena,
                                const cgrpc_call_options_t *opts, cgrpc_status_t *status);

/* The end of a call: `status` (strings and metadata in the arena given)
 * says how it ended. Runs on the channel's loop thread. */
typedef void (*cgrpc_status_fn)(void *user_data, const cgrpc_status_t *status);

/* Starts a unary call and returns at once; `done` runs exactly once, on the
 * channel's loop thread, when it ends (on OK the response was decoded),
 * failures included: INTERNAL when the request cannot be serialized,
 * RESOURCE_EXHAUSTED when memory runs out. Only when memory is so short
 * that not even that outcome can be handed to the loop does `done` run on
 * the calling thread, before this function returns (RESOURCE_EXHAUSTED).
 * `response` (initialised here, as by cgrpc_unary(): any memory will do)
 * and `arena` belong to the call until then. Any thread. */
void cgrpc_unary_async(cgrpc_channel_t *ch, const cgrpc_pb_method_t *method, const void *request,
                       void *response, cgrpc_arena_t *arena, const cgrpc_call_options_t *opts,
                       cgrpc_status_fn done, void *user_data);

/* ---- Unary calls with managed memory --------------------------------------------- */

/* The outcome of a unary call made with cgrpc_unary_result(): the status,
 * and on OK the response, all in memory the result owns. Opaque; read it
 * with the functions below from any thread (it is plain data once
 * returned); free it with cgrpc_result_free(). Results are independent of
 * their channel: a result may outlive it. */
typedef struct cgrpc_result cgrpc_result_t;

/* Calls a unary method and waits, like cgrpc_unary(), but the caller needs
 * no arena: the response, the status message and the metadata are decoded
 * into memory owned by the returned result (its first kilobyte comes with
 * the result's own allocation). Never returns NULL: when not even the
 * result can be allocated, a shared static result with RESOURCE_EXHAUSTED
 * is returned (cgrpc_result_free() ignores it). `opts` may be NULL. `ch`
 * may be NULL (what cgrpc_channel_new() leaves when it runs out of memory):
 * the result is then RESOURCE_EXHAUSTED. Any thread but the channel's loop
 * (there it ends INTERNAL at once). */
cgrpc_result_t *cgrpc_unary_result(cgrpc_channel_t *ch, const cgrpc_pb_method_t *method,
                                   const void *request, const cgrpc_call_options_t *opts);

/* The call's status code. */
cgrpc_status_code_t cgrpc_result_code(const cgrpc_result_t *result);

/* The whole status: code, message (NUL-terminated) and the server's
 * initial and trailing metadata. Valid until cgrpc_result_free(). */
const cgrpc_status_t *cgrpc_result_status(const cgrpc_result_t *result);

/* The response (a message of the method's output type) when the call ended
 * OK, else NULL. Generated code offers a typed accessor per method,
 * <service>_<method>_response(). Valid until cgrpc_result_free(). */
const void *cgrpc_result_response(const cgrpc_result_t *result);

/* The method the call was made to. */
const cgrpc_pb_method_t *cgrpc_result_method(const cgrpc_result_t *result);

/* A sentence for logs and users: "OK", or the code name and the message,
 * e.g. "UNAVAILABLE: failed to connect to 127.0.0.1:50051: Connection
 * refused". Valid until cgrpc_result_free(). */
const char *cgrpc_result_error(const cgrpc_result_t *result);

/* Frees the result and everything it holds, and returns its status code
 * (as pclose() returns the child's status), so that a program can end with
 * `return cgrpc_result_free(r) == CGRPC_STATUS_OK ? 0 : 1;`. NULL is a
 * no-op that returns CGRPC_STATUS_OK. */
cgrpc_status_code_t cgrpc_result_free(cgrpc_result_t *result);

/* ---- Streaming calls ------------------------------------------------------------------ */

/* Starts a call of any kind (for unary and server-streaming methods send
 * exactly one message, then half-close). Never fails and never returns
 * NULL: a call that cannot run (out of memory: RESOURCE_EXHAUSTED) fails
 * its sends and receives and reports its status from cgrpc_call_finish(),
 * which must still be called. Any thread. */
cgrpc_call_t *cgrpc_call_start(cgrpc_channel_t *ch, const cgrpc_pb_method_t *method,
                               const cgrpc_call_options_t *opts);

/* Sends a message of method->input (encoded before the function returns;
 * `flags` from CGRPC_WRITE_*). Without `done` it blocks until the message
 * has been handed to the connection (flow control: a peer that does not
 * read makes it wait) and returns whether it was; with `done` it returns
 * true and reports later. Fails (false) once the call has ended or after
 * cgrpc_call_half_close(). Returns false at once, and `done` never runs,
 * when the message cannot be encoded or memory runs out (and, without
 * `done`, on the channel's loop). Messages go out in order. */
bool cgrpc_call_send(cgrpc_call_t *call, const void *msg, unsigned flags, cgrpc_done_fn done,
                     void *user_data);

/* No more messages from the client. Any thread (of the call's driver).
 * When memory runs out the call ends instead, RESOURCE_EXHAUSTED (a server
 * waiting for the client's last message would otherwise wait forever). */
void cgrpc_call_half_close(cgrpc_call_t *call);

/* Receives the next message of method->output into `msg` (initialised here),
 * memory from `arena`. Without `done` it blocks and returns true for a
 * message, false when there are no more (the server finished or the call
 * failed: cgrpc_call_finish() says which). With `done` it returns true and
 * reports the same way later. Returns false at once, and `done` never
 * runs, when memory runs out (and, without `done`, on the channel's loop).
 * One receive at a time. */
bool cgrpc_call_recv(cgrpc_call_t *call, void *msg, cgrpc_arena_t *arena, cgrpc_done_fn done,
                     void *user_data);

/* The server's initial metadata, copied into `arena`; blocks until it
 * arrived or the call ended (then the metadata may be empty; it is empty
 * too when memory runs out or the function is called on the channel's
 * loop, where it cannot block). */
void cgrpc_call_initial_metadata(cgrpc_call_t *call, cgrpc_arena_t *arena, cgrpc_metadata_t *out);

/* True when the last message received arrived compressed. */
bool cgrpc_call_last_message_compressed(const cgrpc_call_t *call);

/* Ends the call from the client side: the server sees CANCELLED and the
 * call's status becomes CANCELLED unless it had already ended. Never fails
 * (out of memory too). Any thread, while the call is being driven (a
 * blocked send or receive included); not once cgrpc_call_finish() or
 * cgrpc_call_finish_async() was called for it, since a call that has ended
 * is freed as the finish completes. */
void cgrpc_call_cancel(cgrpc_call_t *call);

/* Waits until the call has ended, fills `status` (strings and metadata in
 * `arena`; `status` may be NULL; with a NULL `arena` only its code is
 * filled), frees the call and returns the code. Messages not received are
 * dropped. A call still running is waited for (the server decides when it
 * ends): cancel first when its outcome no longer matters. Never fails for
 * lack of memory. Any thread but the channel's loop: there it cannot wait,
 * so it returns INTERNAL at once and the call, still running, is freed
 * when it ends (use cgrpc_call_finish_async() from callbacks). */
cgrpc_status_code_t cgrpc_call_finish(cgrpc_call_t *call, cgrpc_arena_t *arena,
                                      cgrpc_status_t *status);

/* cgrpc_call_finish() for callback users: returns at once; `done` runs
 * exactly once, on the channel's loop, when the call has ended, then the
 * call is freed (memory running out changes nothing of this, except for a
 * call cgrpc_call_start() could not allocate when not even its status can
 * be handed to the loop: then `done` runs here, before this returns). */
void cgrpc_call_finish_async(cgrpc_call_t *call, cgrpc_arena_t *arena, cgrpc_status_fn done,
                             void *user_data);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif

#endif /* CGRPC_CALL_H */

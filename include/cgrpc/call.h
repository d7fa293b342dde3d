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
 * thread may call at any time.
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
 * RESOURCE_EXHAUSTED for messages over a size limit or when memory runs out
 * (on either side), INTERNAL for protocol and parse errors, UNIMPLEMENTED
 * from servers that do not know the method.
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

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cgrpc_channel cgrpc_channel_t;
typedef struct cgrpc_call cgrpc_call_t;

/* ---- Shared by clients and servers ------------------------------------------ */

#define CGRPC_NS_PER_US INT64_C(1000)
#define CGRPC_NS_PER_MS INT64_C(1000000)
#define CGRPC_NS_PER_SEC INT64_C(1000000000)

/* "No deadline". */
#define CGRPC_DEADLINE_NONE INT64_MAX

/* The clock deadlines are measured on: monotonic nanoseconds (unrelated to
 * the date). A deadline `d` is `cgrpc_clock_now() + timeout`. Any thread. */
int64_t cgrpc_clock_now(void);

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
  /* Relative timeout in ns (0: none) and absolute deadline on
   * cgrpc_clock_now()'s clock (0: none). When both are set the earlier
   * counts. The deadline goes to the server as grpc-timeout; when it passes
   * the call ends with DEADLINE_EXCEEDED. */
  int64_t timeout_ns;
  int64_t deadline;
  /* Request metadata; copied when the call starts. */
  const cgrpc_metadata_t *metadata;
  /* Compress request messages with this algorithm. */
  cgrpc_encoding_t compression;
  /* Wait for a connection instead of failing UNAVAILABLE at once while
   * the channel cannot connect (the deadline still applies). */
  bool wait_for_ready;
} cgrpc_call_options_t;

/* ---- Unary calls --------------------------------------------------------------------- */

/* Calls a unary method and waits for the outcome. `request` is a message of
 * method->input; `response` a message of method->output (initialised here),
 * decoded into `arena`, as are the strings and metadata of `status`. `opts`
 * and `status` may be NULL. Returns the status code (also in status->code).
 * Any thread but the channel's loop. */
cgrpc_status_code_t cgrpc_unary(cgrpc_channel_t *ch, const cgrpc_pb_method_t *method,
                                const void *request, void *response, cgrpc_arena_t *arena,
                                const cgrpc_call_options_t *opts, cgrpc_status_t *status);

/* The end of a call: `status` (strings and metadata in the arena given)
 * says how it ended. Runs on the channel's loop thread. */
typedef void (*cgrpc_status_fn)(void *user_data, const cgrpc_status_t *status);

/* Starts a unary call and returns at once; `done` runs exactly once, on the
 * channel's loop thread, when it ends (on OK the response was decoded).
 * `response` and `arena` belong to the call until then. Any thread. When
 * there is not even memory to start the call, `done` runs at once, on the
 * calling thread, with RESOURCE_EXHAUSTED. */
void cgrpc_unary_async(cgrpc_channel_t *ch, const cgrpc_pb_method_t *method, const void *request,
                       void *response, cgrpc_arena_t *arena, const cgrpc_call_options_t *opts,
                       cgrpc_status_fn done, void *user_data);

/* ---- Streaming calls ------------------------------------------------------------------ */

/* Starts a call of any kind (for unary and server-streaming methods send
 * exactly one message, then half-close). Never fails: a call that cannot
 * run reports its status from cgrpc_call_finish() (RESOURCE_EXHAUSTED
 * when there was no memory for it: then every operation on it fails at
 * once, and cgrpc_call_finish_async() runs its callback on the calling
 * thread). Any thread. */
cgrpc_call_t *cgrpc_call_start(cgrpc_channel_t *ch, const cgrpc_pb_method_t *method,
                               const cgrpc_call_options_t *opts);

/* Sends a message of method->input (encoded before the function returns;
 * `flags` from CGRPC_WRITE_*). Without `done` it blocks until the message
 * has been handed to the connection (flow control: a peer that does not
 * read makes it wait) and returns whether it was; with `done` it returns
 * true and reports later. Fails (false) once the call has ended or after
 * cgrpc_call_half_close(). Messages go out in order. */
bool cgrpc_call_send(cgrpc_call_t *call, const void *msg, unsigned flags, cgrpc_done_fn done,
                     void *user_data);

/* No more messages from the client. Any thread (of the call's driver). */
void cgrpc_call_half_close(cgrpc_call_t *call);

/* Receives the next message of method->output into `msg` (initialised here),
 * memory from `arena`. Without `done` it blocks and returns true for a
 * message, false when there are no more (the server finished or the call
 * failed: cgrpc_call_finish() says which). With `done` it returns true and
 * reports the same way later. One receive at a time. */
bool cgrpc_call_recv(cgrpc_call_t *call, void *msg, cgrpc_arena_t *arena, cgrpc_done_fn done,
                     void *user_data);

/* The server's initial metadata, copied into `arena`; blocks until it
 * arrived or the call ended (then the metadata may be empty). */
void cgrpc_call_initial_metadata(cgrpc_call_t *call, cgrpc_arena_t *arena, cgrpc_metadata_t *out);

/* True when the last message received arrived compressed. */
bool cgrpc_call_last_message_compressed(const cgrpc_call_t *call);

/* Ends the call from the client side: the server sees CANCELLED and the
 * call's status becomes CANCELLED unless it had already ended. Any thread,
 * any time before cgrpc_call_finish() returned. */
void cgrpc_call_cancel(cgrpc_call_t *call);

/* Waits until the call has ended, fills `status` (strings and metadata in
 * `arena`; `status` may be NULL), frees the call and returns the code.
 * Messages not received are dropped. A call still running is waited for
 * (the server decides when it ends): cancel first when its outcome no longer
 * matters. Any thread but the channel's loop. */
cgrpc_status_code_t cgrpc_call_finish(cgrpc_call_t *call, cgrpc_arena_t *arena,
                                      cgrpc_status_t *status);

/* cgrpc_call_finish() for callback users: returns at once; `done` runs on
 * the channel's loop when the call has ended, then the call is freed. */
void cgrpc_call_finish_async(cgrpc_call_t *call, cgrpc_arena_t *arena, cgrpc_status_fn done,
                             void *user_data);

#ifdef __cplusplus
}
#endif

#endif /* CGRPC_CALL_H */

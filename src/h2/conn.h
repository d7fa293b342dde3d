/* h2/conn.h — gRPC over one HTTP/2 connection, on nghttp2, without I/O.
 *
 * The engine is a state machine in the nghttp2 mould: bytes in
 * (cgrpc_h2_conn_recv), bytes out (cgrpc_h2_conn_flush + _output +
 * _written), events out (the cgrpc_h2_events_t callbacks). It owns
 * everything gRPC adds to HTTP/2: request and response headers and their
 * checks, Trailers-Only, 5-byte message framing across DATA frames,
 * compression, flow control with backpressure, deadlines, RST_STREAM,
 * GOAWAY and graceful shutdown. It never touches a socket, a thread or a
 * timer, so a client and a server can be tested against each other in
 * memory, and the socket code above it stays small.
 *
 * Roles. A client connection starts streams for calls
 * (cgrpc_h2_stream_start); a server connection creates one for every request
 * the peer opens (events.stream_new). Both roles share the stream object and
 * the send/receive machinery.
 *
 * Stream memory belongs to the layer above: it embeds a cgrpc_h2_stream_t in
 * its call object, initialises it with cgrpc_h2_stream_init(), and after the
 * stream's last event (on_close) releases it with cgrpc_h2_stream_destroy()
 * whenever it likes. Metadata and status messages received on a stream live
 * in the stream's own arena until then.
 *
 * Events, per stream and in this order: on_request (server) or on_headers
 * (client, unless the response was Trailers-Only), on_message for each
 * message, on_end_of_stream (the peer sent its last message; server side, or
 * client side before a successful close), on_close (always exactly once for
 * a stream that was started or handed out). on_sent reports each outgoing
 * message fully handed to the output. Events fire only from inside
 * cgrpc_h2_conn_recv(), _flush(), _expire() and _end(): stream operations
 * never call back into the caller, so they are safe anywhere, including
 * from inside an event handler (for any stream). Only on_close and later may
 * the handler destroy a stream. After on_close every stream operation is a
 * harmless no-op that never touches the connection (which may be freed by
 * then), so the layer above need not track which of its calls are still on
 * the wire.
 *
 * Flow control. DATA bytes are returned to the peer's stream window as they
 * enter the message reassembler, so a message larger than the window flows
 * through; while the layer above has paused a stream
 * (cgrpc_h2_stream_pause_read) received bytes are kept unconsumed, so the
 * peer stops after one window: real backpressure. The connection window is
 * returned as bytes arrive (a paused stream must not starve the others).
 * Output is produced up to a high-water mark; messages wait in their
 * stream's queue until the peer's window and the socket let them go.
 *
 * Thread-safety: none. A connection and its streams belong to one thread
 * (the event loop thread that owns the socket).
 */
#ifndef CGRPC_SRC_H2_CONN_H
#define CGRPC_SRC_H2_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "cgrpc/arena.h"
#include "cgrpc/metadata.h"
#include "cgrpc/options.h"
#include "cgrpc/status.h"
#include "cgrpc/time.h"
#include "h2/deframer.h"
#include "h2/encoding.h"

typedef struct cgrpc_h2_conn cgrpc_h2_conn_t;
typedef struct cgrpc_h2_stream cgrpc_h2_stream_t;

typedef enum cgrpc_h2_role {
  CGRPC_H2_CLIENT = 0,
  CGRPC_H2_SERVER = 1,
} cgrpc_h2_role_t;

/* ---- Outgoing messages -------------------------------------------------- */

/* One outgoing message: the 5-byte prefix followed by the payload, in one
 * heap block, so it leaves without a copy (its bytes are referenced by the
 * output iovecs until written). Build it on any thread, hand it to a stream
 * on the connection's thread. */
typedef struct cgrpc_h2_msg {
  struct cgrpc_h2_msg *next; /* private: stream queue */
  size_t len;                /* payload bytes (without the prefix) */
  size_t cap;                /* payload capacity */
  size_t queued_off;         /* private: bytes (prefix included) handed to frames */
  unsigned refs;             /* private: queue + output references */
  bool no_compress;          /* send uncompressed even if the stream compresses */
  bool raw;                  /* private: bytes of a web protocol, sent as they are (no prefix) */
  uint8_t data[];            /* prefix (CGRPC_MESSAGE_PREFIX_SIZE) + payload */
} cgrpc_h2_msg_t;

/* Allocates a message with room for `payload_cap` payload bytes (len 0).
 * Returns NULL when out of memory. Any thread. */
cgrpc_h2_msg_t *cgrpc_h2_msg_new(size_t payload_cap);

/* Where the payload goes: data + CGRPC_MESSAGE_PREFIX_SIZE. */
static inline uint8_t *cgrpc_h2_msg_payload(cgrpc_h2_msg_t *m) {
  return m->data + CGRPC_MESSAGE_PREFIX_SIZE;
}

/* Drops the caller's reference: frees a message that was never handed to a
 * stream, or that the stream and the output are done with. NULL is a no-op.
 * Connection's thread once the message was handed to a stream. */
void cgrpc_h2_msg_free(cgrpc_h2_msg_t *m);

/* Adds a reference, so the message outlives the stream it is handed to
 * (e.g. to send it again on another stream when the first one was refused
 * before the peer processed it); release it with cgrpc_h2_msg_free(). The
 * payload is never changed by sending, only the prefix, which is rewritten
 * the same way on every send. Connection's thread. */
void cgrpc_h2_msg_ref(cgrpc_h2_msg_t *m);

/* ---- Connection --------------------------------------------------------- */

/* Limits and sizes. Every field is used as given, so fill the struct with
 * cgrpc_h2_options_init() or a function of h2/options.h first. The defaults
 * are those of the server option table (cgrpc/server.h, docs/options.md);
 * output_high_water, accept_encodings (all) and secure (false) are this
 * layer's own (h2/options.c). Durations are nanoseconds, CGRPC_INFINITE
 * turns a timer off; CGRPC_UNLIMITED (UINT32_MAX) turns a count or rate
 * off, SIZE_MAX a size. */
typedef struct cgrpc_h2_options {
  /* Server: streams the peer may have open at once (SETTINGS). */
  uint32_t max_concurrent_streams;
  /* Receive window per stream, bytes (SETTINGS_INITIAL_WINDOW_SIZE). */
  uint32_t stream_window;
  /* Receive window of the whole connection (at least stream_window). */
  uint32_t connection_window;
  /* Largest header list accepted (name + value + 32 per field). */
  uint32_t max_header_list;
  /* Largest message accepted, after decompression. */
  size_t max_recv_message;
  /* Largest message sent. */
  size_t max_send_message;
  /* Bytes of output produced ahead of the socket before producers pause. */
  size_t output_high_water;
  /* Algorithms this side decompresses (identity always). */
  cgrpc_compression_set_t accept_encodings;
  /* zlib level for compressing messages, 0 to 9 (-1: zlib's default). */
  int compression_level;
  /* Client: ":scheme" https instead of http. */
  bool secure;

  /* Server defences against a misbehaving client (h2/guard.h and
   * docs/security.md); a client connection ignores them. */
  /* Header fields per request header block. */
  uint32_t max_header_fields;
  /* The client's preface and SETTINGS must arrive within this. */
  int64_t handshake_timeout;
  /* Our SETTINGS must be acknowledged within this. */
  int64_t settings_timeout;
  /* PING the client after this long without reading a byte. */
  int64_t keepalive_time;
  /* ... and close when nothing arrives this long after the PING. */
  int64_t keepalive_timeout;
  /* Client PINGs closer together than this are strikes. */
  int64_t permit_keepalive_time;
  /* Client PINGs without open calls are fine (else: strikes). */
  bool permit_keepalive_without_calls;
  /* Strikes tolerated; one more: GOAWAY ENHANCE_YOUR_CALM "too_many_pings". */
  uint32_t max_ping_strikes;
  /* GOAWAY "max_idle" after this long without open calls. */
  int64_t max_connection_idle;
  /* GOAWAY "max_age" after this long (±10% jitter). */
  int64_t max_connection_age;
  /* After max_age, calls still running get this long before the close. */
  int64_t max_connection_age_grace;
  /* Peer SETTINGS frames per second, bursts of 10 s' worth. */
  uint32_t max_settings_per_second;
  /* RST_STREAMs per second caused by the peer (its own, streams refused
   * while too many of its calls run, and streams we reset for its errors),
   * bursts of 10 s' worth. */
  uint32_t max_resets_per_second;
  /* Frames that carry nothing (empty DATA without END_STREAM, PRIORITY,
   * empty CONTINUATION, unsolicited PING ACK) per second, bursts of 10 s'
   * worth. */
  uint32_t max_empty_frames_per_second;
  /* Output queued on the connection (socket buffer plus messages waiting in
   * streams) above which new streams are refused. */
  size_t max_outbound_bytes;
  /* Close when queued output has not moved for this long (a peer that does
   * not read). */
  int64_t write_stall_timeout;

  /* Server: requests that are not plain gRPC (gRPC-Web, Connect, REST,
   * static files, CORS preflights) go to this server's web protocols
   * (web/protocol.h); NULL: answered 405/415 as not gRPC. */
  const struct cgrpc_web_server *web;
  /* Server: HTTP/1.1 on the same connection (the first bytes tell it from
   * the HTTP/2 preface; h2/http1_bridge.c), with its limits. */
  bool http1;
  size_t http1_max_header_bytes; /* request line and headers */
  size_t http1_max_body_bytes;   /* one request body (decoded) */
  int64_t http1_header_timeout;  /* a request's head arrives within this */
  int64_t http1_idle_timeout;    /* close a connection idle between requests */
} cgrpc_h2_options_t;

/* The callbacks, all called on the connection's thread with `ctx`. */
typedef struct cgrpc_h2_events {
  /* The clock for deadlines: monotonic nanoseconds. Required. */
  int64_t (*now)(void *ctx);
  /* Server: the peer opened a stream. Return an initialised stream
   * (cgrpc_h2_stream_init) to take it, or NULL to refuse it
   * (RST_STREAM REFUSED_STREAM; e.g. while too many calls are in flight). */
  cgrpc_h2_stream_t *(*stream_new)(void *ctx, cgrpc_h2_conn_t *conn);
  /* Server: a request's headers arrived and passed every check. Its path,
   * metadata and deadline are on the stream. Reply at once or later. */
  void (*on_request)(void *ctx, cgrpc_h2_stream_t *s);
  /* Client: the response headers (initial metadata) arrived. */
  void (*on_headers)(void *ctx, cgrpc_h2_stream_t *s);
  /* A whole message (decompressed), valid only during the call: decode it
   * or copy it. Pausing the stream from here stops further deliveries. */
  void (*on_message)(void *ctx, cgrpc_h2_stream_t *s, const uint8_t *data, size_t len);
  /* The peer will send no more messages (it half-closed). */
  void (*on_end_of_stream)(void *ctx, cgrpc_h2_stream_t *s);
  /* An outgoing message has been fully handed to the output. */
  void (*on_sent)(void *ctx, cgrpc_h2_stream_t *s);
  /* The stream is over; cgrpc_h2_stream_status() holds the outcome (client:
   * the call's status; server: OK when the status it sent went out, else
   * why the call ended, e.g. CANCELLED). Last event for `s`. */
  void (*on_close)(void *ctx, cgrpc_h2_stream_t *s);
  /* Client: the server's SETTINGS arrived; streams can start. Optional. */
  void (*on_ready)(void *ctx, cgrpc_h2_conn_t *conn);
  /* The peer sent GOAWAY: no new streams on this connection. Streams above
   * `last_stream_id` end with UNAVAILABLE (and cgrpc_h2_stream_retryable()).
   * Optional. */
  void (*on_goaway)(void *ctx, cgrpc_h2_conn_t *conn, uint32_t error_code);
} cgrpc_h2_events_t;

/* Fills `o` with the defaults: those of CGRPC_SERVER_OPTIONS_INIT, through
 * cgrpc_h2_options_from_server() (h2/options.h). */
void cgrpc_h2_options_init(cgrpc_h2_options_t *o);

/* Creates a connection (client: queues the preface and SETTINGS; server:
 * SETTINGS). `opts` (copied) may be NULL for cgrpc_h2_options_init()'s; `events` must outlive the
 * connection. Returns 0 or -ENOMEM. */
int cgrpc_h2_conn_new(cgrpc_h2_role_t role, const cgrpc_h2_options_t *opts,
                      const cgrpc_h2_events_t *events, void *ctx, cgrpc_h2_conn_t **out);

/* Frees the connection. Streams still open are closed first as by
 * CGRPC_H2_END_ABORT (their on_close fires). NULL is a no-op. */
void cgrpc_h2_conn_free(cgrpc_h2_conn_t *c);

/* Feeds bytes read from the peer; events fire from inside. Returns 0, or a
 * negative nghttp2 error when the connection is broken beyond repair (bad
 * preface, flood, protocol error; the engine has taken the REFUSE step or
 * nghttp2 said GOAWAY itself): then flush what output is left (it may
 * hold that GOAWAY) and end with CGRPC_H2_END_ABORT. */
int cgrpc_h2_conn_recv(cgrpc_h2_conn_t *c, const uint8_t *data, size_t len);

/* Runs deferred work (resumed streams, queued closes) and serializes frames
 * into the output until it holds output_high_water bytes. Call it after
 * recv, after stream operations, and after cgrpc_h2_conn_written(); events
 * may fire from inside. Returns 0 or a negative nghttp2 error (as recv). */
int cgrpc_h2_conn_flush(cgrpc_h2_conn_t *c);

/* Describes the output ready to write in at most `max` iovecs and returns
 * how many it filled (0: nothing to write). The memory stays valid until
 * cgrpc_h2_conn_written() or the connection is freed. */
size_t cgrpc_h2_conn_output(cgrpc_h2_conn_t *c, struct iovec *iov, size_t max);

/* Bytes of output waiting to be written. */
size_t cgrpc_h2_conn_output_size(const cgrpc_h2_conn_t *c);

/* Drops the first `n` bytes of output (they were written). */
void cgrpc_h2_conn_written(cgrpc_h2_conn_t *c, size_t n);

/* Server: true while the output holds output_high_water bytes or more. When
 * the socket is also full, the peer is not reading: stop reading its input
 * too (each request it sends makes more output) until the socket drains. */
bool cgrpc_h2_conn_output_full(const cgrpc_h2_conn_t *c);

/* True when the connection has nothing left to do: both sides said GOAWAY
 * and no stream is open, or the REFUSE step's GOAWAY was written, or it
 * was aborted; and all output was written. The caller closes the socket. */
bool cgrpc_h2_conn_finished(const cgrpc_h2_conn_t *c);

/* Client: true once the server's SETTINGS arrived and until GOAWAY. */
bool cgrpc_h2_conn_ready(const cgrpc_h2_conn_t *c);

/* Why the connection failed or is failing, as a phrase for statuses: a
 * peer that is not an HTTP/2 server ("not an HTTP/2 server: it answered
 * "HTTP/1.1 400 Bad Request""), the protocol error that made us end it,
 * the error code and debug data of the peer's GOAWAY, or the reason a limit
 * ended it. "" while nothing went wrong. Valid until the connection is freed. */
const char *cgrpc_h2_conn_error(const cgrpc_h2_conn_t *c);

/* True when the connection accepts no new streams (GOAWAY either way). */
bool cgrpc_h2_conn_draining(const cgrpc_h2_conn_t *c);

/* Streams started or handed out and not closed yet. */
size_t cgrpc_h2_conn_stream_count(const cgrpc_h2_conn_t *c);

/* Client keepalive (gRFC A8, rpc/channel_keepalive.c): queues a PING (flush
 * to send it); false when the connection takes no more frames. */
bool cgrpc_h2_conn_ping(cgrpc_h2_conn_t *c);

/* When bytes last arrived from the peer (the engine's clock). */
int64_t cgrpc_h2_conn_last_read(const cgrpc_h2_conn_t *c);

/* Ending a connection: one verb, cgrpc_h2_conn_end(), and a ladder of four
 * steps, each harder than the one before. A connection only goes down the
 * ladder: asking for a step it has already taken, or one above where it
 * is, does nothing (a graceful end after an error, a second abort), and
 * every step below is still open to it (a drain whose grace ran out is
 * cancelled; a cancelled connection whose socket dies is aborted).
 *
 *   1. DRAIN   GOAWAY without error: no new streams, the ones in flight
 *              finish. A server says it twice, so that requests already on
 *              the wire are not lost: GOAWAY(2^31-1) and a PING, then, when
 *              the PING returns (or keepalive_timeout later), GOAWAY with
 *              the last stream it saw, carrying `debug` ("max_idle",
 *              "max_age"; NULL for a plain shutdown). A client says it
 *              once. cgrpc_h2_conn_finished() turns true when the streams
 *              are done. The server's shutdown, its idle and age limits.
 *   2. REFUSE  GOAWAY(`error_code`, `debug`) now, and no more input: the
 *              peer broke a rule or did not answer in time (h2/guard.h,
 *              protocol errors). Streams stay open until the GOAWAY is
 *              written, then the connection is finished and the socket
 *              closes (step 4), so the peer learns why; they end with
 *              `reason`.
 *   3. CANCEL  GOAWAY(`error_code`) now, and every open stream ends now,
 *              with `reason` (on_close fires from inside): this side is
 *              closing (a channel freed, a server's grace period over).
 *              Flush the GOAWAY, then close the socket.
 *   4. ABORT   The socket is gone (EOF, error) or about to be closed:
 *              every open stream ends now, nothing more is sent. The
 *              statuses say `reason` (e.g. "connection reset by peer"),
 *              or the REFUSE reason when that step came first.
 *
 * Streams that end this way get, when they have no status yet: on a server
 * CANCELLED, on a client UNAVAILABLE ("connection lost: <reason>"; marked
 * retryable when the request never left). DRAIN and REFUSE keep `debug`
 * and `reason`: pass static strings; CANCEL and ABORT use them at once.
 * Arguments a step does not use are ignored (pass 0 and NULL). */
typedef enum cgrpc_h2_end {
  CGRPC_H2_END_DRAIN = 1,
  CGRPC_H2_END_REFUSE = 2,
  CGRPC_H2_END_CANCEL = 3,
  CGRPC_H2_END_ABORT = 4,
} cgrpc_h2_end_t;

void cgrpc_h2_conn_end(cgrpc_h2_conn_t *c, cgrpc_h2_end_t step, uint32_t error_code,
                       const char *debug, const char *reason);

/* Ends the streams whose deadline is at or before `now`: RST_STREAM(CANCEL)
 * and status DEADLINE_EXCEEDED, on either side. A server connection also
 * runs its own timers here (h2/guard.h: handshake, SETTINGS ACK, keepalive,
 * idle, age, stalled output), which may end it. */
void cgrpc_h2_conn_expire(cgrpc_h2_conn_t *c, int64_t now);

/* The earliest deadline among open streams and the connection's own timers
 * (CGRPC_INFINITE: none). Cheap; may be early (a stream with that deadline may
 * have closed): expiring early is a harmless no-op. */
int64_t cgrpc_h2_conn_next_deadline(const cgrpc_h2_conn_t *c);

/* ---- Streams ------------------------------------------------------------ */

/* What a client sends to start a call. Strings need only live during
 * cgrpc_h2_stream_start(). */
typedef struct cgrpc_h2_request {
  cgrpc_str_t path;                 /* "/pkg.Service/Method" */
  cgrpc_str_t authority;            /* ":authority" */
  cgrpc_str_t user_agent;           /* may be empty */
  int64_t deadline;                 /* monotonic ns; CGRPC_INFINITE: none */
  cgrpc_compression_t encoding;     /* compress messages with this */
  const cgrpc_metadata_t *metadata; /* NULL or checked entries */
} cgrpc_h2_request_t;

/* Prepares stream memory; `user` is the layer above's pointer for it.
 * `arena_buf` (may be NULL) is memory the stream's arena uses first, e.g.
 * room at the end of the call object, so a typical call's headers need no
 * heap block; it must live until cgrpc_h2_stream_destroy(). */
void cgrpc_h2_stream_init(cgrpc_h2_stream_t *s, void *user, void *arena_buf, size_t arena_size);

/* Releases what the stream still holds (received metadata, buffers). Call
 * after on_close, or on a stream that was never started. */
void cgrpc_h2_stream_destroy(cgrpc_h2_stream_t *s);

/* Client: starts a call on the connection. The HEADERS go out once the
 * server's SETTINGS arrived and its MAX_CONCURRENT_STREAMS allows: calls
 * beyond it wait in order instead of failing. Returns false (no events will
 * follow; the stream may be started elsewhere) when the connection no longer
 * accepts streams (GOAWAY, closed) or memory runs out. */
bool cgrpc_h2_stream_start(cgrpc_h2_conn_t *c, cgrpc_h2_stream_t *s, const cgrpc_h2_request_t *req);

/* Queues a message; takes ownership of `m` in every case. The stream
 * compresses it with its encoding unless m->no_compress. False (and `m`
 * freed) when the stream can no longer send: closed, half-closed, finished,
 * or the message is over the send limit (then the stream is ended with
 * RESOURCE_EXHAUSTED, as a status from this side). */
bool cgrpc_h2_stream_send(cgrpc_h2_stream_t *s, cgrpc_h2_msg_t *m);

/* Client: no more messages (END_STREAM after the queued ones). */
void cgrpc_h2_stream_half_close(cgrpc_h2_stream_t *s);

/* Server: the initial metadata (copied), and the algorithm to compress
 * responses with; applied only if the client accepts it (else identity).
 * They go out with the first message, cgrpc_h2_stream_send_headers(), or not
 * at all if the call ends first (Trailers-Only). Ignored once sent. */
void cgrpc_h2_stream_set_response(cgrpc_h2_stream_t *s, const cgrpc_metadata_t *md,
                                  cgrpc_compression_t encoding);

/* Server: sends the response headers now, without waiting for a message. */
void cgrpc_h2_stream_send_headers(cgrpc_h2_stream_t *s);

/* Server: ends the call with a status, after the queued messages: trailers
 * (or Trailers-Only when nothing was sent), then RST_STREAM(NO_ERROR) if the
 * client is still sending. `message` (`message_len` bytes, any bytes) and
 * `trailers` are copied. Later calls are no-ops. */
void cgrpc_h2_stream_finish(cgrpc_h2_stream_t *s, cgrpc_status_code_t code, const char *message,
                            size_t message_len, const cgrpc_metadata_t *trailers);

/* Ends the stream from this side: RST_STREAM(CANCEL) when it is on the
 * wire, and the status (client: the call's; server: why it ended) becomes
 * `code`/`message` unless one was already decided. on_close follows (from
 * the next flush). No-op on a closed stream. */
void cgrpc_h2_stream_cancel(cgrpc_h2_stream_t *s, cgrpc_status_code_t code, const char *message);

/* Stops (true) or resumes (false) message delivery. While paused, received
 * bytes stay unconsumed, so the peer's window closes: backpressure. A
 * resumed stream delivers what it holds from the next flush. */
void cgrpc_h2_stream_pause_read(cgrpc_h2_stream_t *s, bool paused);

/* The layer above's pointer given to cgrpc_h2_stream_init(). */
void *cgrpc_h2_stream_user(const cgrpc_h2_stream_t *s);

/* Server: the request path, ":authority", deadline (CGRPC_INFINITE: none) and
 * custom metadata. Valid from on_request until destroy. */
cgrpc_str_t cgrpc_h2_stream_path(const cgrpc_h2_stream_t *s);
cgrpc_str_t cgrpc_h2_stream_authority(const cgrpc_h2_stream_t *s);
int64_t cgrpc_h2_stream_deadline(const cgrpc_h2_stream_t *s);

/* Received metadata: server, the request's; client, the response's initial
 * metadata. Valid until destroy. */
const cgrpc_metadata_t *cgrpc_h2_stream_metadata(const cgrpc_h2_stream_t *s);

/* Client: the trailing metadata (Trailers-Only metadata included). */
const cgrpc_metadata_t *cgrpc_h2_stream_trailers(const cgrpc_h2_stream_t *s);

/* The outcome, valid in and after on_close: code and message (NUL-terminated,
 * `*message_len` bytes when non-NULL, may contain any byte). */
cgrpc_status_code_t cgrpc_h2_stream_status(const cgrpc_h2_stream_t *s, const char **message,
                                           size_t *message_len);

/* Client: true when the call failed without the server having seen it
 * (refused or above a GOAWAY's last stream id): safe to retry elsewhere. */
bool cgrpc_h2_stream_retryable(const cgrpc_h2_stream_t *s);

/* The peer's compression: server, the algorithms the client accepts
 * (grpc-accept-encoding); client, the server's, once its headers came. */
cgrpc_compression_set_t cgrpc_h2_stream_peer_accepts(const cgrpc_h2_stream_t *s);

/* True when the last message delivered arrived compressed. */
bool cgrpc_h2_stream_last_compressed(const cgrpc_h2_stream_t *s);

/* ---- Stream memory (private fields) -------------------------------------- */

/* Fields are private; in the header so the layer above can embed a stream. */
struct cgrpc_h2_stream {
  cgrpc_h2_conn_t *conn;
  void *user;
  struct cgrpc_h2_stream *prev, *next; /* conn's open-stream or queued list */
  struct cgrpc_h2_stream *work_next;   /* conn's work list (resume, close) */
  int32_t id;
  uint32_t state;      /* private bit set */
  cgrpc_arena_t arena; /* received metadata, status message, headers to send */

  /* Received. */
  cgrpc_str_t path, authority;
  int64_t deadline;
  cgrpc_metadata_t metadata, trailers;
  cgrpc_compression_t recv_encoding;
  cgrpc_compression_set_t peer_accepts;
  int http_status;
  cgrpc_deframer_t deframer;
  uint8_t *held; /* bytes received while paused (not yet consumed) */
  size_t held_len, held_cap, held_off;
  bool last_compressed;

  /* Outcome. */
  cgrpc_status_code_t code;
  const char *message;
  size_t message_len;

  /* Send side. */
  cgrpc_compression_t send_encoding;
  cgrpc_h2_msg_t *sendq_head, *sendq_tail;
  size_t send_pending;  /* queued bytes not yet framed */
  unsigned sent_events; /* on_sent events to deliver */
  const void *nva;      /* headers built for later submission (request, response, trailers) */
  size_t nva_len;
  const void *trailers_nva;
  size_t trailers_nva_len;

  /* Header parsing scratch. */
  struct cgrpc_h2_header_state *hs;

  /* A request of a web protocol (web/protocol.h), in the arena; NULL for
   * gRPC. The only field the gRPC path tests. */
  struct cgrpc_web_exchange *web;
};

/* Server: the web exchange of a request that is not plain gRPC (gRPC-Web,
 * Connect, REST), or NULL. Valid from on_request until destroy. */
struct cgrpc_web_exchange *cgrpc_h2_stream_web(const cgrpc_h2_stream_t *s);

#endif /* CGRPC_SRC_H2_CONN_H */

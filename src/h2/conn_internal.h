/* h2/conn_internal.h — what the files of the connection engine share.
 *
 * The engine is split by job: conn.c (the nghttp2 session, connection
 * lifecycle, event dispatch), stream.c (stream operations and the message
 * send/receive paths), headers_in.c (parsing and checking received header
 * blocks), headers_out.c (building the header blocks we send) and output.c
 * (the queue of bytes for the socket). Nothing here is used outside src/h2.
 */
#ifndef CGRPC_SRC_H2_CONN_INTERNAL_H
#define CGRPC_SRC_H2_CONN_INTERNAL_H

#include <nghttp2/nghttp2.h>

#include "h2/compress.h"
#include "h2/conn.h"
#include "h2/dormant.h"
#include "h2/guard.h"
#include "h2/metadata_check.h"
#include "h2/wire_error.h"
#include "web/protocol.h"

/* ---- Output queue (output.c) ------------------------------------------- */

/* One run of output bytes: either in the queue's own buffer (msg == NULL,
 * `off` into buf) or a slice of an outgoing message (referenced, not
 * copied). */
typedef struct cgrpc_h2_seg {
  cgrpc_h2_msg_t *msg;
  const uint8_t *ptr; /* msg slice */
  size_t off;         /* buf offset */
  size_t len;
} cgrpc_h2_seg_t;

typedef struct cgrpc_h2_output {
  uint8_t *buf;
  size_t buf_len, buf_cap;
  cgrpc_h2_seg_t *segs; /* ring */
  size_t seg_head, seg_count, seg_cap;
  size_t pending; /* bytes not yet written */
} cgrpc_h2_output_t;

bool cgrpc_h2_output_copy(cgrpc_h2_output_t *o, const uint8_t *data, size_t len);
bool cgrpc_h2_output_ref(cgrpc_h2_output_t *o, cgrpc_h2_msg_t *m, const uint8_t *ptr, size_t len);
size_t cgrpc_h2_output_iov(const cgrpc_h2_output_t *o, struct iovec *iov, size_t max);
void cgrpc_h2_output_consume(cgrpc_h2_output_t *o, size_t n);
void cgrpc_h2_output_free(cgrpc_h2_output_t *o);

/* Creates the nghttp2 session with our callbacks and options and queues
 * our SETTINGS and connection window (conn.c). 0 or -ENOMEM. */
int cgrpc_h2_conn_session_create(cgrpc_h2_conn_t *c);

/* Drops one reference to an outgoing message, freeing it at zero. */
void cgrpc_h2_msg_unref(cgrpc_h2_msg_t *m);

/* ---- Connection ---------------------------------------------------------- */

enum {
  CONN_READY = 1u << 0,         /* client: server SETTINGS received */
  CONN_GOAWAY_RECV = 1u << 1,   /* peer said GOAWAY */
  CONN_GOAWAY_SENT = 1u << 2,   /* we sent the final GOAWAY (any step of the ladder) */
  CONN_SHUTDOWN_PING = 1u << 3, /* graceful shutdown: waiting for the PING ACK */
  CONN_DEAD = 1u << 4,          /* END_ABORT: no more input or output */
  CONN_IN_FLUSH = 1u << 5,      /* inside cgrpc_h2_conn_flush() */
  CONN_TERMINATED = 1u << 6,    /* END_CANCEL ran */
  CONN_CLOSING = 1u << 7,       /* END_REFUSE: close once its GOAWAY is out */
  CONN_GOAWAY_OUT = 1u << 8,    /* ... and that GOAWAY was serialized */
  CONN_REPLAYING = 1u << 9,     /* h2/dormant.c is waking the session: callbacks stay quiet */
};

struct cgrpc_h2_conn {
  cgrpc_h2_role_t role;
  unsigned flags;
  cgrpc_h2_options_t opts;
  const cgrpc_h2_events_t *ev;
  void *ctx;
  nghttp2_session *session; /* NULL while asleep (h2/dormant.h) */
  cgrpc_h2_dormant_t dormant;
  cgrpc_compressor_t compressor; /* decompresses received messages, compresses sent ones */
  cgrpc_h2_output_t out;
  cgrpc_h2_stream_t *streams; /* every live stream (doubly linked) */
  size_t stream_count;
  cgrpc_h2_stream_t *queued_head, *queued_tail; /* client streams not yet submitted */
  cgrpc_h2_stream_t *work_head, *work_tail;     /* streams with deferred work */
  int64_t next_deadline;
  const char *close_reason; /* static; why END_REFUSE ended it, for the statuses */
  uint32_t fail_code;       /* the error code of that GOAWAY */
  const char *drain_debug;  /* static; debug data of the final graceful GOAWAY */
  size_t send_queued;       /* bytes of messages queued in streams, not yet framed */
  cgrpc_h2_guard_t guard;
  /* What went wrong with the peer, for statuses: the first reason found
   * ("" while none; see cgrpc_h2_conn_error()). nghttp2's latest complaint
   * is kept aside until it turns out to have ended the connection. */
  char error[192];
  char protocol_complaint[128];
  bool got_input;  /* bytes have arrived */
  bool tls_client; /* server: the first bytes were a TLS ClientHello */
  /* Server: the connection speaks HTTP/1.1 (h2/http1_bridge.c); NULL for
   * HTTP/2. */
  struct cgrpc_h2_http1 *http1;
  /* Server: the streams this side reset lately, whose late DATA is
   * ignored rather than answered STREAM_CLOSED (conn.c). */
  int32_t reset_ids[32];
  unsigned reset_next;
  /* ... and those closed lately, any way (conn.c). */
  int32_t closed_ids[32];
  unsigned closed_next;
  /* Server: where the input is in the frame sequence (conn.c,
   * server_recv()): bytes left of the current frame (or the preface), and
   * the part of a frame header seen so far. */
  size_t scan_skip;
  uint8_t scan_hdr[9];
  size_t scan_hdr_len;
  int32_t scan_max_sid; /* the highest stream a HEADERS frame opened so far */
  uint8_t first[24];    /* server: the first bytes, while too few to tell the protocol */
  size_t first_len;
  bool decided;                  /* server: HTTP/2 or HTTP/1.1 is known */
  int32_t goaway_last_stream_id; /* from the peer's GOAWAY */
};

/* ---- Stream state bits (cgrpc_h2_stream_t.state) -------------------------- */

enum {
  ST_LIVE = 1u << 0,           /* started or handed out; on_close pending */
  ST_QUEUED = 1u << 1,         /* client: waiting in conn->queued */
  ST_SUBMITTED = 1u << 2,      /* known to nghttp2 */
  ST_HEADERS_DONE = 1u << 3,   /* client: response headers in; server: request dispatched */
  ST_IGNORE_INPUT = 1u << 4,   /* data is discarded (rejected or failed stream) */
  ST_REMOTE_END = 1u << 5,     /* peer END_STREAM received */
  ST_EOS_DONE = 1u << 6,       /* on_end_of_stream delivered */
  ST_PAUSED = 1u << 7,         /* upper layer paused delivery */
  ST_HALF_CLOSE = 1u << 8,     /* client: END_STREAM after the queue */
  ST_RESP_STARTED = 1u << 9,   /* server: response HEADERS submitted */
  ST_FINISHING = 1u << 10,     /* server: trailers decided */
  ST_DEFERRED = 1u << 11,      /* data provider said DEFERRED: resume on new data */
  ST_STATUS = 1u << 12,        /* code/message decided */
  ST_H2_CLOSED = 1u << 13,     /* nghttp2 closed the stream */
  ST_IN_WORK = 1u << 14,       /* in conn->work list */
  ST_RETRYABLE = 1u << 15,     /* client: never processed by the server */
  ST_CLEAN_END = 1u << 16,     /* client: status came in trailers (drain held messages) */
  ST_LOCAL_END = 1u << 17,     /* we sent END_STREAM */
  ST_CANCEL_RST = 1u << 18,    /* cancelled from this side */
  ST_TRAILERS_ONLY = 1u << 19, /* server: respond with one HEADERS block */
  ST_HDR_1XX = 1u << 20,       /* client: current block is an informational response */
  ST_WEB_XFORM = 1u << 21,     /* server: web request bytes are transformed (consumed on arrival) */
};

/* Header-block scratch, reset at each block (in the stream, no allocation). */
typedef struct cgrpc_h2_header_state {
  cgrpc_header_budget_t budget;
  cgrpc_wire_error_t error; /* first problem found; code OK when none */
  int http_error;           /* server: HTTP status to answer with (0: 200) */
  bool method_post, content_type_ok, te_trailers, grpc_status_seen, content_type_seen;
  bool advertise; /* answer with grpc-accept-encoding (unsupported request encoding) */
  int authority_count, host_count;
  cgrpc_status_code_t grpc_status;
  const char *grpc_message;
  size_t grpc_message_len;
  int64_t timeout;       /* -1: none */
  char content_type[64]; /* for the error message */
  /* Requests that are not plain gRPC only (for web/protocol.h): the
   * method when not POST, the whole content-type when not gRPC. */
  cgrpc_str_t method, content_type_full;
} cgrpc_h2_header_state_t;

/* ---- Cross-file internals ------------------------------------------------- */

/* conn.c */
/* The HTTP/2 engine's own input and flush, under the HTTP/1.1 bridge. */
int cgrpc_h2_conn_recv_frames(cgrpc_h2_conn_t *c, const uint8_t *data, size_t len);
int cgrpc_h2_conn_flush_frames(cgrpc_h2_conn_t *c);
/* Payloads of our own PINGs, recognised when their ACK comes back. */
extern const uint8_t cgrpc_h2_shutdown_ping[8];
extern const uint8_t cgrpc_h2_keepalive_ping[8];
/* The DRAIN step's second phase now: GOAWAY with the last stream seen. */
void cgrpc_h2_conn_final_goaway(cgrpc_h2_conn_t *c);
void cgrpc_h2_conn_add_work(cgrpc_h2_conn_t *c, cgrpc_h2_stream_t *s);
void cgrpc_h2_conn_close_stream(cgrpc_h2_conn_t *c, cgrpc_h2_stream_t *s);
void cgrpc_h2_conn_note_deadline(cgrpc_h2_conn_t *c, int64_t deadline);

/* stream.c */
void cgrpc_h2_stream_set_status(cgrpc_h2_stream_t *s, cgrpc_status_code_t code, const char *message,
                                size_t len);
void cgrpc_h2_stream_reject(cgrpc_h2_stream_t *s, int http_status, cgrpc_status_code_t code,
                            const char *message, bool advertise_encodings);
void cgrpc_h2_stream_fail(cgrpc_h2_stream_t *s, cgrpc_status_code_t code, const char *message);
/* The stream's deadline passed: DEADLINE_EXCEEDED, told to the client as
 * Trailers-Only by a server whose response has not started, otherwise by
 * RST_STREAM(CANCEL). */
void cgrpc_h2_stream_expire(cgrpc_h2_stream_t *s);
void cgrpc_h2_stream_on_data(cgrpc_h2_stream_t *s, const uint8_t *data, size_t len);
void cgrpc_h2_stream_on_remote_end(cgrpc_h2_stream_t *s);
void cgrpc_h2_stream_do_work(cgrpc_h2_stream_t *s);
void cgrpc_h2_stream_release_buffers(cgrpc_h2_stream_t *s);
bool cgrpc_h2_stream_submit_request(cgrpc_h2_stream_t *s);
void cgrpc_h2_stream_wake_data(cgrpc_h2_stream_t *s);
extern const nghttp2_data_source_read_callback cgrpc_h2_data_read;
int cgrpc_h2_send_data_cb(nghttp2_session *session, nghttp2_frame *frame, const uint8_t *framehd,
                          size_t length, nghttp2_data_source *source, void *user_data);

/* stream.c, for web_stream.c: queues bytes on the send queue (`m` taken;
 * `total` bytes of it go out: prefix + payload, or len for a raw one). */
void cgrpc_h2_stream_queue(cgrpc_h2_stream_t *s, cgrpc_h2_msg_t *m);
void cgrpc_h2_stream_feed_framed(cgrpc_h2_stream_t *s, const uint8_t *data, size_t len);

/* web_stream.c: the engine's side of web/protocol.h. */
/* At the end of a request header block that is not plain gRPC: offers it
 * to the server's web protocols. False when none took it (the caller
 * answers as before); true when the stream now belongs to a protocol (the
 * request was dispatched, answered, or failed in the protocol's way). */
bool cgrpc_h2_web_request(cgrpc_h2_stream_t *s);
/* Request body bytes of a transforming protocol (end: the request ended). */
void cgrpc_h2_web_on_body(cgrpc_h2_stream_t *s, const uint8_t *data, size_t len, bool end);
/* The response head for `md` (set_response); false when out of memory. */
bool cgrpc_h2_web_set_response(cgrpc_h2_stream_t *s, const cgrpc_metadata_t *md);
/* A response message (prefix written) in the protocol's form: the message
 * to queue, or NULL when it was buffered or failed (then `m` is freed and
 * the stream ended). */
cgrpc_h2_msg_t *cgrpc_h2_web_message(cgrpc_h2_stream_t *s, cgrpc_h2_msg_t *m, bool compressed);
/* The call ends (ST_FINISHING set, status recorded). */
void cgrpc_h2_web_end(cgrpc_h2_stream_t *s, cgrpc_status_code_t code, const char *message,
                      size_t message_len, const cgrpc_metadata_t *md);
/* A raw message holding `len` bytes of `data`; NULL when out of memory. */
cgrpc_h2_msg_t *cgrpc_h2_raw_msg(const uint8_t *data, size_t len);

/* headers_in.c */
void cgrpc_h2_headers_begin(cgrpc_h2_stream_t *s);
void cgrpc_h2_headers_field(cgrpc_h2_stream_t *s, const nghttp2_frame *frame, nghttp2_rcbuf *name,
                            nghttp2_rcbuf *value);
void cgrpc_h2_headers_end(cgrpc_h2_stream_t *s, const nghttp2_frame *frame);

/* headers_out.c: build nghttp2_nv arrays in the stream's arena. */
bool cgrpc_h2_build_request(cgrpc_h2_stream_t *s, const cgrpc_h2_request_t *req);
bool cgrpc_h2_build_response(cgrpc_h2_stream_t *s, const cgrpc_metadata_t *md);
bool cgrpc_h2_build_trailers(cgrpc_h2_stream_t *s, int http_status, cgrpc_status_code_t code,
                             const char *message, size_t message_len, const cgrpc_metadata_t *md,
                             bool advertise_encodings);
/* A web protocol's head (web/protocol.h) into s->nva, with the exchange's
 * CORS headers, Access-Control-Expose-Headers, and with `grpc_encoding`
 * the response's grpc-encoding/grpc-accept-encoding. */
struct cgrpc_web_head;
bool cgrpc_h2_build_web_head(cgrpc_h2_stream_t *s, const struct cgrpc_web_head *head,
                             bool grpc_encoding);
/* Fills the grpc-timeout slot of a built request for the time left now. */
void cgrpc_h2_request_set_timeout(cgrpc_h2_stream_t *s, int64_t now);

#endif /* CGRPC_SRC_H2_CONN_INTERNAL_H */

/* h2/conn.c — one HTTP/2 connection carrying gRPC calls: the nghttp2
 * session, its callbacks, and the connection's life from preface to GOAWAY.
 *
 * nghttp2 does the HTTP/2 framing, HPACK, stream states and flow-control
 * arithmetic; this file routes its callbacks to the stream code (headers to
 * headers_in.c, DATA to stream.c) and handles what is per connection:
 * SETTINGS, GOAWAY in both directions, graceful shutdown (GOAWAY 2^31-1 and
 * a PING, then the real GOAWAY once the PING returns, so requests already on
 * the wire are not lost), deadlines, and tearing everything down.
 *
 * A server connection also enforces the limits of h2/guard.h: the hooks
 * below hand every frame to the guard, and a rule broken inside a callback
 * stops nghttp2 at once (callback failure) with the GOAWAY already queued by
 * the REFUSE step of the ladder that ends connections (conn.h), which then
 * finishes the connection once that GOAWAY is written, whatever the streams
 * are doing.
 *
 * Work that must not run inside an nghttp2 callback, or inside a stream
 * operation the layer above called (it would see events re-entrantly), is
 * put on the connection's work list and done at the next flush: delivering
 * messages held back while a stream was paused, "message sent" events, and
 * closing streams that never reached the wire.
 */
#include "h2/conn.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/time.h"
#include "h2/block_cache.h"
#include "h2/conn_internal.h"
#include "h2/http_status.h"
#include "h2/http1_bridge.h"

const uint8_t cgrpc_h2_shutdown_ping[8] = {'c', 'g', 'r', 'p', 'c', '-', 's', 'd'};
const uint8_t cgrpc_h2_keepalive_ping[8] = {'c', 'g', 'r', 'p', 'c', '-', 'k', 'a'};

/* The options are used as given (cgrpc_h2_options_init() and its kin fill
 * every field); only combinations HTTP/2 cannot express are adjusted. */
static void options_normalise(cgrpc_h2_options_t *o) {
  o->accept_encodings |= CGRPC_COMPRESSION_SET_OF(CGRPC_COMPRESSION_IDENTITY);
  if (o->connection_window < o->stream_window) o->connection_window = o->stream_window;
}

/* ---- Stream lists ---------------------------------------------------------- */

static void list_add(cgrpc_h2_conn_t *c, cgrpc_h2_stream_t *s) {
  s->prev = NULL;
  s->next = c->streams;
  if (c->streams) c->streams->prev = s;
  c->streams = s;
  c->stream_count++;
}

static void list_remove(cgrpc_h2_conn_t *c, cgrpc_h2_stream_t *s) {
  if (s->prev) {
    s->prev->next = s->next;
  } else {
    c->streams = s->next;
  }
  if (s->next) s->next->prev = s->prev;
  s->prev = s->next = NULL;
  c->stream_count--;
}

/* Unlinks `s` from a singly linked list given by its head and tail. */
static void slist_remove(cgrpc_h2_stream_t **head, cgrpc_h2_stream_t **tail, cgrpc_h2_stream_t *s) {
  cgrpc_h2_stream_t *prev = NULL;
  for (cgrpc_h2_stream_t *it = *head; it; prev = it, it = it->work_next) {
    if (it != s) continue;
    if (prev) {
      prev->work_next = s->work_next;
    } else {
      *head = s->work_next;
    }
    if (*tail == s) *tail = prev;
    s->work_next = NULL;
    return;
  }
}

void cgrpc_h2_conn_add_work(cgrpc_h2_conn_t *c, cgrpc_h2_stream_t *s) {
  if (s->state & (ST_IN_WORK | ST_QUEUED)) return;
  s->state |= ST_IN_WORK;
  s->work_next = NULL;
  if (c->work_tail) {
    c->work_tail->work_next = s;
  } else {
    c->work_head = s;
  }
  c->work_tail = s;
}

void cgrpc_h2_conn_note_deadline(cgrpc_h2_conn_t *c, int64_t deadline) {
  if (deadline < c->next_deadline) c->next_deadline = deadline;
}

void cgrpc_h2_conn_close_stream(cgrpc_h2_conn_t *c, cgrpc_h2_stream_t *s) {
  if (!(s->state & ST_LIVE)) return;
  s->state &= ~ST_LIVE;
  list_remove(c, s);
  if (s->state & ST_IN_WORK) slist_remove(&c->work_head, &c->work_tail, s);
  if (s->state & ST_QUEUED) slist_remove(&c->queued_head, &c->queued_tail, s);
  s->state &= ~(ST_IN_WORK | ST_QUEUED);
  if ((s->state & ST_SUBMITTED) && !(s->state & ST_H2_CLOSED) && c->session) {
    nghttp2_session_set_stream_user_data(c->session, s->id, NULL);
  }
  cgrpc_h2_stream_release_buffers(s);
  if (!(s->state & ST_STATUS)) {
    cgrpc_h2_stream_set_status(s, CGRPC_STATUS_INTERNAL, "stream ended without a status", 29);
  }
  c->ev->on_close(c->ctx, s);
}

static cgrpc_h2_stream_t *stream_of(cgrpc_h2_conn_t *c, int32_t id) {
  return nghttp2_session_get_stream_user_data(c->session, id);
}

/* ---- What went wrong -------------------------------------------------------- */

/* Records why the connection failed. The first reason found is the one the
 * statuses report; what follows is usually its consequence. */
static void set_error(cgrpc_h2_conn_t *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void set_error(cgrpc_h2_conn_t *c, const char *fmt, ...) {
  if (c->error[0]) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->error, sizeof c->error, fmt, ap);
  va_end(ap);
}

/* How many leading bytes of the peer's `data` are printable ASCII (at most
 * `max`): what of them a message may quote. */
static int printable_prefix(const uint8_t *data, size_t len, size_t max) {
  size_t n = 0;
  while (n < len && n < max && data[n] >= 0x20 && data[n] < 0x7f) n++;
  return (int)n;
}

/* A server that answers the preface in HTTP/1.x (a web server or proxy on
 * the wrong port, a plaintext client at a TLS port's neighbour) is named as
 * such instead of as a framing error: that is what the user has to fix. */
static void check_not_http2(cgrpc_h2_conn_t *c, const uint8_t *data, size_t len) {
  bool first = !c->got_input;
  c->got_input = true;
  /* A TLS record (handshake, version 3.x) where the preface should be. */
  if (first && c->role == CGRPC_H2_SERVER && len >= 2 && data[0] == 0x16 && data[1] == 0x03) {
    c->tls_client = true;
  }
  if (!first || c->role != CGRPC_H2_CLIENT || len < 5 || memcmp(data, "HTTP/", 5) != 0) return;
  set_error(c, "not an HTTP/2 server: it answered \"%.*s\"", printable_prefix(data, len, 64),
            (const char *)data);
}

/* nghttp2 explains most connection errors in words before it sends its
 * GOAWAY; keep the latest for note_goaway_sent(). */
static int on_error(nghttp2_session *session, int lib_error, const char *msg, size_t len,
                    void *ud) {
  cgrpc_h2_conn_t *c = ud;
  snprintf(c->protocol_complaint, sizeof c->protocol_complaint, "%.*s", (int)len, msg);
  return 0;
}

static void note_goaway_sent(cgrpc_h2_conn_t *c, uint32_t error_code) {
  if (error_code == NGHTTP2_NO_ERROR) return;
  set_error(c, "HTTP/2 protocol error (%s)%s%s", nghttp2_http2_strerror(error_code),
            c->protocol_complaint[0] ? ": " : "", c->protocol_complaint);
}

static void note_goaway_received(cgrpc_h2_conn_t *c, const nghttp2_goaway *g) {
  c->goaway_last_stream_id = g->last_stream_id;
  if (g->error_code == NGHTTP2_NO_ERROR) return;
  int n = printable_prefix(g->opaque_data, g->opaque_data_len, 96);
  set_error(c, "the %s sent GOAWAY %s%s%.*s", c->role == CGRPC_H2_CLIENT ? "server" : "client",
            nghttp2_http2_strerror(g->error_code), n ? ": " : "", n, (const char *)g->opaque_data);
}

const char *cgrpc_h2_conn_error(const cgrpc_h2_conn_t *c) {
  return c->close_reason ? c->close_reason : c->error;
}

/* ---- nghttp2 callbacks ------------------------------------------------------- */

static int on_begin_headers(nghttp2_session *session, const nghttp2_frame *frame, void *ud) {
  cgrpc_h2_conn_t *c = ud;
  if (frame->hd.type != NGHTTP2_HEADERS) return 0;
  int32_t id = frame->hd.stream_id;
  cgrpc_h2_stream_t *s;
  if (c->role == CGRPC_H2_SERVER && frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
    bool busy = (c->flags & (CONN_GOAWAY_SENT | CONN_DEAD)) || cgrpc_h2_guard_output_over(c);
    s = busy ? NULL : c->ev->stream_new(c->ctx, c);
    if (!s) {
      nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, id, NGHTTP2_REFUSED_STREAM);
      /* Refused by the layer above: its calls are still running after their
       * streams closed, the client resets faster than handlers finish. */
      if (!busy && !cgrpc_h2_guard_stream_refused(c)) return NGHTTP2_ERR_CALLBACK_FAILURE;
      return 0;
    }
    s->conn = c;
    s->id = id;
    s->state |= ST_LIVE | ST_SUBMITTED;
    list_add(c, s);
    nghttp2_session_set_stream_user_data(session, id, s);
  } else {
    s = stream_of(c, id);
  }
  if (s && !(s->state & ST_IGNORE_INPUT)) cgrpc_h2_headers_begin(s);
  return 0;
}

static void end_refuse(cgrpc_h2_conn_t *c, uint32_t error_code, const char *debug,
                       const char *reason);

static bool in_ring(const int32_t *ring, size_t n, int32_t id) {
  for (size_t i = 0; i < n; i++) {
    if (ring[i] == id) return true;
  }
  return false;
}

#define RING_LEN(r) (sizeof(r) / sizeof((r)[0]))

/* A PRIORITY frame on stream 0 is a connection error (RFC 9113 §6.3);
 * nghttp2 ignores PRIORITY altogether with RFC 7540 priorities off. */
static int server_conformance(cgrpc_h2_conn_t *c, const nghttp2_frame_hd *hd) {
  if (hd->type == NGHTTP2_PRIORITY && hd->stream_id == 0) {
    end_refuse(c, NGHTTP2_PROTOCOL_ERROR, "PRIORITY on stream 0",
               "the client sent a PRIORITY frame on stream 0");
    return NGHTTP2_ERR_CALLBACK_FAILURE;
  }
  return 0;
}

/* Frames on streams nghttp2 has forgotten (no_closed_streams, and RFC 7540
 * priorities off: it keeps no closed stream) are dropped by nghttp2 before
 * any callback sees them. RFC 9113 §5.1 wants an answer: DATA on a closed
 * stream is a stream error STREAM_CLOSED, HEADERS on a stream closed by
 * END_STREAMs a connection error STREAM_CLOSED, and HEADERS on a lower
 * stream id never used a connection error PROTOCOL_ERROR (§5.1.1). Frames
 * on a stream this side reset are ignored, as §5.1 asks (the client may
 * have sent them before our RST_STREAM arrived). False when the connection
 * is refused. */
static bool closed_stream_frame(cgrpc_h2_conn_t *c, uint8_t type, int32_t sid) {
  if (nghttp2_session_find_stream(c->session, sid) ||
      in_ring(c->reset_ids, RING_LEN(c->reset_ids), sid)) {
    return true;
  }
  if (type == NGHTTP2_DATA) {
    nghttp2_submit_rst_stream(c->session, NGHTTP2_FLAG_NONE, sid, NGHTTP2_STREAM_CLOSED);
    return true;
  }
  if (in_ring(c->closed_ids, RING_LEN(c->closed_ids), sid)) {
    end_refuse(c, NGHTTP2_STREAM_CLOSED, "HEADERS on a closed stream",
               "the client sent HEADERS on a stream it had ended");
  } else {
    end_refuse(c, NGHTTP2_PROTOCOL_ERROR, "HEADERS on a lower stream id",
               "the client opened a stream with an id lower than one it used before");
  }
  return false;
}

static int on_begin_frame(nghttp2_session *session, const nghttp2_frame_hd *hd, void *ud) {
  cgrpc_h2_conn_t *c = ud;
  if (c->flags & CONN_REPLAYING) return 0; /* h2/dormant.c: heard and checked before */
  if (c->role == CGRPC_H2_SERVER && server_conformance(c, hd) != 0) {
    return NGHTTP2_ERR_CALLBACK_FAILURE;
  }
  return cgrpc_h2_guard_frame_begin(ud, hd) ? 0 : NGHTTP2_ERR_CALLBACK_FAILURE;
}

static int on_header(nghttp2_session *session, const nghttp2_frame *frame, nghttp2_rcbuf *name,
                     nghttp2_rcbuf *value, uint8_t flags, void *ud) {
  cgrpc_h2_stream_t *s = stream_of(ud, frame->hd.stream_id);
  if (s && !(s->state & ST_IGNORE_INPUT) && s->hs) cgrpc_h2_headers_field(s, frame, name, value);
  return 0;
}

void cgrpc_h2_conn_final_goaway(cgrpc_h2_conn_t *c) {
  const char *debug = c->drain_debug;
  c->flags &= ~CONN_SHUTDOWN_PING;
  c->flags |= CONN_GOAWAY_SENT;
  nghttp2_submit_goaway(c->session, NGHTTP2_FLAG_NONE,
                        nghttp2_session_get_last_proc_stream_id(c->session), NGHTTP2_NO_ERROR,
                        (const uint8_t *)debug, debug ? strlen(debug) : 0);
}

/* Client streams that never reached the wire cannot go out on a connection
 * the server is leaving: they end UNAVAILABLE, marked safe to retry. */
static void fail_queued(cgrpc_h2_conn_t *c, const char *why) {
  while (c->queued_head) {
    cgrpc_h2_stream_t *s = c->queued_head;
    c->queued_head = s->work_next;
    if (!c->queued_head) c->queued_tail = NULL;
    s->work_next = NULL;
    s->state &= ~ST_QUEUED;
    s->state |= ST_RETRYABLE;
    cgrpc_h2_stream_set_status(s, CGRPC_STATUS_UNAVAILABLE, why, strlen(why));
    cgrpc_h2_conn_add_work(c, s);
  }
}

static int on_frame_recv(nghttp2_session *session, const nghttp2_frame *frame, void *ud) {
  cgrpc_h2_conn_t *c = ud;
  if (c->flags & CONN_REPLAYING) return 0; /* h2/dormant.c: heard and counted before */
  if (!cgrpc_h2_guard_frame_recv(c, frame)) return NGHTTP2_ERR_CALLBACK_FAILURE;
  cgrpc_h2_stream_t *s = frame->hd.stream_id ? stream_of(c, frame->hd.stream_id) : NULL;
  switch (frame->hd.type) {
    case NGHTTP2_HEADERS:
      if (!s) break;
      if (!(s->state & ST_IGNORE_INPUT)) cgrpc_h2_headers_end(s, frame);
      if ((frame->hd.flags & NGHTTP2_FLAG_END_STREAM) && (s->state & ST_LIVE)) {
        cgrpc_h2_stream_on_remote_end(s);
      }
      break;
    case NGHTTP2_DATA:
      if (s && (frame->hd.flags & NGHTTP2_FLAG_END_STREAM)) cgrpc_h2_stream_on_remote_end(s);
      break;
    case NGHTTP2_SETTINGS:
      if (!(frame->hd.flags & NGHTTP2_FLAG_ACK) && c->role == CGRPC_H2_CLIENT &&
          !(c->flags & CONN_READY)) {
        c->flags |= CONN_READY;
        if (c->ev->on_ready) c->ev->on_ready(c->ctx, c);
      }
      break;
    case NGHTTP2_PING:
      if ((frame->hd.flags & NGHTTP2_FLAG_ACK) && (c->flags & CONN_SHUTDOWN_PING) &&
          memcmp(frame->ping.opaque_data, cgrpc_h2_shutdown_ping, 8) == 0) {
        cgrpc_h2_conn_final_goaway(c);
      }
      break;
    case NGHTTP2_GOAWAY:
      c->flags |= CONN_GOAWAY_RECV;
      note_goaway_received(c, &frame->goaway);
      /* A GOAWAY with an error says why (a TLS-only port answering a
       * plaintext client, say); calls waiting for a stream get that. */
      fail_queued(c, frame->goaway.error_code != NGHTTP2_NO_ERROR && c->error[0]
                         ? c->error
                         : "the server is going away (GOAWAY) before the call started");
      if (c->ev->on_goaway) c->ev->on_goaway(c->ctx, c, frame->goaway.error_code);
      break;
    default:
      break;
  }
  return 0;
}

static int on_data_chunk(nghttp2_session *session, uint8_t flags, int32_t stream_id,
                         const uint8_t *data, size_t len, void *ud) {
  cgrpc_h2_conn_t *c = ud;
  /* The connection window goes back at once: only stream windows carry
   * backpressure, so one paused call cannot stall the others. */
  nghttp2_session_consume_connection(session, len);
  cgrpc_h2_stream_t *s = stream_of(c, stream_id);
  if (!s) {
    nghttp2_session_consume_stream(session, stream_id, len);
    return 0;
  }
  cgrpc_h2_stream_on_data(s, data, len);
  return 0;
}

/* The status a stream gets when it closes before one was decided. */
static void status_on_reset(cgrpc_h2_conn_t *c, cgrpc_h2_stream_t *s, uint32_t error_code) {
  char msg[96];
  if (c->role == CGRPC_H2_SERVER) {
    snprintf(msg, sizeof msg, "the client cancelled the call (RST_STREAM code %u)", error_code);
    cgrpc_h2_stream_set_status(s, CGRPC_STATUS_CANCELLED, msg, strlen(msg));
    return;
  }
  cgrpc_status_code_t code = cgrpc_status_from_h2_error(error_code);
  if (error_code == NGHTTP2_REFUSED_STREAM) s->state |= ST_RETRYABLE;
  if (code == CGRPC_STATUS_CANCELLED && s->deadline != CGRPC_INFINITE &&
      c->ev->now(c->ctx) >= s->deadline) {
    cgrpc_h2_stream_set_status(s, CGRPC_STATUS_DEADLINE_EXCEEDED, "deadline exceeded", 17);
    return;
  }
  if (error_code == NGHTTP2_NO_ERROR) {
    snprintf(msg, sizeof msg, "the server closed the stream without a status");
  } else if (error_code == NGHTTP2_REFUSED_STREAM && (c->flags & CONN_GOAWAY_RECV) &&
             s->id > c->goaway_last_stream_id) {
    /* nghttp2 closes the streams beyond a GOAWAY's last-stream-id so. */
    snprintf(msg, sizeof msg, "the server is going away (GOAWAY) and did not process the call");
  } else if (error_code == NGHTTP2_REFUSED_STREAM) {
    snprintf(msg, sizeof msg, "the server refused the stream (REFUSED_STREAM) unprocessed");
  } else {
    snprintf(msg, sizeof msg, "stream reset by the server with HTTP/2 error %s (%u)",
             nghttp2_http2_strerror(error_code), error_code);
  }
  cgrpc_h2_stream_set_status(s, code, msg, strlen(msg));
}

static int on_stream_close(nghttp2_session *session, int32_t stream_id, uint32_t error_code,
                           void *ud) {
  cgrpc_h2_conn_t *c = ud;
  c->closed_ids[c->closed_next++ % RING_LEN(c->closed_ids)] = stream_id;
  cgrpc_h2_stream_t *s = stream_of(c, stream_id);
  if (!s || !(s->state & ST_LIVE)) return 0;
  s->state |= ST_H2_CLOSED;
  if (!(s->state & ST_STATUS)) status_on_reset(c, s, error_code);
  bool drain = (s->state & ST_CLEAN_END) && !(s->state & ST_IGNORE_INPUT) &&
               (s->held_len > s->held_off || !(s->state & ST_EOS_DONE));
  if (drain) {
    cgrpc_h2_conn_add_work(c, s);
  } else {
    cgrpc_h2_conn_close_stream(c, s);
  }
  return 0;
}

static int on_frame_send(nghttp2_session *session, const nghttp2_frame *frame, void *ud) {
  cgrpc_h2_conn_t *c = ud;
  if (c->flags & CONN_REPLAYING) return 0;
  cgrpc_h2_guard_frame_sent(c, frame);
  if (frame->hd.type == NGHTTP2_RST_STREAM) {
    c->reset_ids[c->reset_next++ % RING_LEN(c->reset_ids)] = frame->hd.stream_id;
  }
  if (frame->hd.type == NGHTTP2_GOAWAY) note_goaway_sent(c, frame->goaway.error_code);
  if (frame->hd.type == NGHTTP2_GOAWAY && (c->flags & CONN_CLOSING) &&
      frame->goaway.error_code == c->fail_code) {
    c->flags |= CONN_GOAWAY_OUT;
  }
  if ((frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA) ||
      !(frame->hd.flags & NGHTTP2_FLAG_END_STREAM)) {
    return 0;
  }
  cgrpc_h2_stream_t *s = stream_of(c, frame->hd.stream_id);
  if (!s) return 0;
  s->state |= ST_LOCAL_END;
  /* A server that answered before the request ended tells the client to
   * stop sending (the client's side of this rule is in stream.c). */
  if (c->role == CGRPC_H2_SERVER && !(s->state & ST_REMOTE_END)) {
    nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, s->id, NGHTTP2_NO_ERROR);
  }
  return 0;
}

static int on_frame_not_send(nghttp2_session *session, const nghttp2_frame *frame, int error,
                             void *ud) {
  cgrpc_h2_conn_t *c = ud;
  if (frame->hd.type != NGHTTP2_HEADERS || c->role != CGRPC_H2_CLIENT) return 0;
  /* A request that could not open its stream (GOAWAY arrived, ids ran out)
   * never reached the server. nghttp2 had not opened the stream, so find it
   * by id. */
  for (cgrpc_h2_stream_t *s = c->streams; s; s = s->next) {
    if (s->id != frame->hd.stream_id || (s->state & ST_H2_CLOSED)) continue;
    s->state |= ST_H2_CLOSED | ST_RETRYABLE;
    char msg[96];
    snprintf(msg, sizeof msg, "the call could not start on this connection: %s",
             nghttp2_strerror(error));
    cgrpc_h2_stream_set_status(s, CGRPC_STATUS_UNAVAILABLE, msg, strlen(msg));
    cgrpc_h2_conn_add_work(c, s);
    break;
  }
  return 0;
}

/* ---- Lifecycle --------------------------------------------------------------- */

/* nghttp2's memory goes through cgrpc's allocator (the application's hooks
 * and allocation counters see it) by way of the thread's block cache: the
 * stream objects, queued frames and header copies it makes for every call
 * are recycled on a server loop instead of going back to the heap. */
static void *mem_malloc(size_t size, void *ud) { return cgrpc_h2_block_alloc(size); }

static void mem_free(void *p, void *ud) { cgrpc_h2_block_free(p); }

static void *mem_calloc(size_t n, size_t size, void *ud) {
  if (size && n > SIZE_MAX / size) return NULL;
  void *p = cgrpc_h2_block_alloc(n * size);
  if (p) memset(p, 0, n * size);
  return p;
}

static void *mem_realloc(void *p, size_t size, void *ud) { return cgrpc_h2_block_realloc(p, size); }

static nghttp2_mem session_mem = {NULL, mem_malloc, mem_free, mem_calloc, mem_realloc};

int cgrpc_h2_conn_session_create(cgrpc_h2_conn_t *c) {
  nghttp2_session_callbacks *cb;
  nghttp2_option *opt;
  if (nghttp2_session_callbacks_new(&cb) != 0) return -ENOMEM;
  if (nghttp2_option_new(&opt) != 0) {
    nghttp2_session_callbacks_del(cb);
    return -ENOMEM;
  }
  nghttp2_session_callbacks_set_on_begin_frame_callback(cb, on_begin_frame);
  nghttp2_session_callbacks_set_on_begin_headers_callback(cb, on_begin_headers);
  nghttp2_session_callbacks_set_on_header_callback2(cb, on_header);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame_recv);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, on_data_chunk);
  nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_stream_close);
  nghttp2_session_callbacks_set_on_frame_send_callback(cb, on_frame_send);
  nghttp2_session_callbacks_set_on_frame_not_send_callback(cb, on_frame_not_send);
  nghttp2_session_callbacks_set_send_data_callback(cb, cgrpc_h2_send_data_cb);
  nghttp2_session_callbacks_set_error_callback2(cb, on_error);
  nghttp2_option_set_no_auto_window_update(opt, 1);
  nghttp2_option_set_no_closed_streams(opt, 1);
  nghttp2_option_set_max_settings(opt, 32);
  /* nghttp2's own RST_STREAM limit answers GOAWAY INTERNAL_ERROR; the
   * guard's (h2/guard.h) answers ENHANCE_YOUR_CALM and counts more kinds of
   * reset, so nghttp2's stays a backstop at twice the guard's rate. */
  uint32_t resets = c->opts.max_resets_per_second;
  if (resets == CGRPC_UNLIMITED) {
    nghttp2_option_set_stream_reset_rate_limit(opt, UINT64_C(1) << 40, UINT64_C(1) << 30);
  } else {
    nghttp2_option_set_stream_reset_rate_limit(opt, 2 * CGRPC_H2_BURST_SECONDS * (uint64_t)resets,
                                               2 * (uint64_t)resets);
  }
  int rv = c->role == CGRPC_H2_SERVER
               ? nghttp2_session_server_new3(&c->session, cb, c, opt, &session_mem)
               : nghttp2_session_client_new3(&c->session, cb, c, opt, &session_mem);
  nghttp2_option_del(opt);
  nghttp2_session_callbacks_del(cb);
  if (rv != 0) return -ENOMEM;

  nghttp2_settings_entry iv[5];
  size_t n = 0;
  iv[n++] = (nghttp2_settings_entry){NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, c->opts.stream_window};
  iv[n++] =
      (nghttp2_settings_entry){NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, c->opts.max_header_list};
  iv[n++] = (nghttp2_settings_entry){NGHTTP2_SETTINGS_NO_RFC7540_PRIORITIES, 1};
  if (c->role == CGRPC_H2_SERVER) {
    iv[n++] = (nghttp2_settings_entry){NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS,
                                       c->opts.max_concurrent_streams};
  } else {
    iv[n++] = (nghttp2_settings_entry){NGHTTP2_SETTINGS_ENABLE_PUSH, 0};
  }
  if (nghttp2_submit_settings(c->session, NGHTTP2_FLAG_NONE, iv, n) != 0 ||
      nghttp2_session_set_local_window_size(c->session, NGHTTP2_FLAG_NONE, 0,
                                            (int32_t)c->opts.connection_window) != 0) {
    return -ENOMEM;
  }
  return 0;
}

int cgrpc_h2_conn_new(cgrpc_h2_role_t role, const cgrpc_h2_options_t *opts,
                      const cgrpc_h2_events_t *events, void *ctx, cgrpc_h2_conn_t **out) {
  cgrpc_h2_conn_t *c = cgrpc_malloc(sizeof *c);
  if (!c) return -ENOMEM;
  memset(c, 0, sizeof *c);
  c->role = role;
  if (opts) {
    c->opts = *opts;
  } else {
    cgrpc_h2_options_init(&c->opts);
  }
  options_normalise(&c->opts);
  c->ev = events;
  c->ctx = ctx;
  c->next_deadline = CGRPC_INFINITE;
  if (role == CGRPC_H2_SERVER) c->scan_skip = 24; /* the client's preface */
  cgrpc_h2_guard_init(c, events->now(ctx));
  cgrpc_compressor_init(&c->compressor, c->opts.compression_level);
  cgrpc_h2_dormant_init(c);
  int rv = cgrpc_h2_conn_session_create(c);
  if (rv != 0) {
    cgrpc_h2_conn_free(c);
    return rv;
  }
  *out = c;
  return 0;
}

/* Ends every live stream with the status for a lost connection. */
static void close_all(cgrpc_h2_conn_t *c, const char *reason) {
  while (c->streams) {
    cgrpc_h2_stream_t *s = c->streams;
    if (!(s->state & ST_STATUS)) {
      char msg[160];
      bool server = c->role == CGRPC_H2_SERVER;
      if (!server && !(s->state & ST_SUBMITTED)) s->state |= ST_RETRYABLE;
      snprintf(msg, sizeof msg, "%s: %s", server ? "connection closed" : "connection lost", reason);
      cgrpc_h2_stream_set_status(s, server ? CGRPC_STATUS_CANCELLED : CGRPC_STATUS_UNAVAILABLE, msg,
                                 strlen(msg));
    }
    s->state |= ST_IGNORE_INPUT;
    cgrpc_h2_conn_close_stream(c, s);
  }
}

void cgrpc_h2_conn_free(cgrpc_h2_conn_t *c) {
  if (!c) return;
  close_all(c, "the connection was freed");
  if (c->session) nghttp2_session_del(c->session);
  cgrpc_h2_http1_free(c->http1);
  cgrpc_h2_output_free(&c->out);
  cgrpc_compressor_destroy(&c->compressor);
  cgrpc_free(c);
}

/* ---- Ending the connection: the ladder of conn.h ------------------------------ */

/* Each step is a no-op once the connection took it or a harder one. */

/* 4. The socket is gone. */
static void end_abort(cgrpc_h2_conn_t *c, const char *reason) {
  if (c->flags & CONN_DEAD) return;
  c->flags |= CONN_DEAD;
  close_all(c, c->close_reason ? c->close_reason : reason);
  cgrpc_h2_output_free(&c->out);
}

/* 3. GOAWAY and every stream ends now. */
static void end_cancel(cgrpc_h2_conn_t *c, uint32_t error_code, const char *reason) {
  if (c->flags & (CONN_DEAD | CONN_TERMINATED)) return;
  c->flags |= CONN_GOAWAY_SENT | CONN_TERMINATED;
  c->flags &= ~CONN_SHUTDOWN_PING;
  nghttp2_session_terminate_session(c->session, error_code);
  close_all(c, reason);
}

/* 2. GOAWAY with an error, no more input, finished once it is written. */
static void end_refuse(cgrpc_h2_conn_t *c, uint32_t error_code, const char *debug,
                       const char *reason) {
  if (c->flags & (CONN_DEAD | CONN_CLOSING | CONN_TERMINATED)) return;
  c->flags |= CONN_CLOSING | CONN_GOAWAY_SENT;
  c->flags &= ~CONN_SHUTDOWN_PING;
  c->fail_code = error_code;
  c->close_reason = reason;
  nghttp2_submit_goaway(c->session, NGHTTP2_FLAG_NONE,
                        nghttp2_session_get_last_proc_stream_id(c->session), error_code,
                        (const uint8_t *)debug, debug ? strlen(debug) : 0);
}

/* 1. Graceful GOAWAY (a server's in two phases; the second is
 * cgrpc_h2_conn_final_goaway()). */
static void end_drain(cgrpc_h2_conn_t *c, const char *debug) {
  if (c->flags & (CONN_DEAD | CONN_GOAWAY_SENT | CONN_SHUTDOWN_PING)) return;
  c->drain_debug = debug;
  if (c->role == CGRPC_H2_CLIENT) {
    c->flags |= CONN_GOAWAY_SENT;
    nghttp2_submit_goaway(c->session, NGHTTP2_FLAG_NONE, 0, NGHTTP2_NO_ERROR, NULL, 0);
    return;
  }
  c->flags |= CONN_SHUTDOWN_PING;
  cgrpc_h2_guard_on_drain(c, c->ev->now(c->ctx));
  nghttp2_submit_shutdown_notice(c->session);
  nghttp2_submit_ping(c->session, NGHTTP2_FLAG_NONE, cgrpc_h2_shutdown_ping);
}

void cgrpc_h2_conn_end(cgrpc_h2_conn_t *c, cgrpc_h2_end_t step, uint32_t error_code,
                       const char *debug, const char *reason) {
  if (cgrpc_h2_conn_wake(c) != 0) return; /* dead: nothing more to say */
  switch (step) {
    case CGRPC_H2_END_DRAIN:
      end_drain(c, debug);
      break;
    case CGRPC_H2_END_REFUSE:
      end_refuse(c, error_code, debug, reason);
      break;
    case CGRPC_H2_END_CANCEL:
      end_cancel(c, error_code, reason);
      break;
    case CGRPC_H2_END_ABORT:
      end_abort(c, reason);
      break;
  }
}

/* ---- Input and output ---------------------------------------------------------- */

/* A server tells the client why nghttp2 gave up on its input: floods are
 * abuse (ENHANCE_YOUR_CALM), the rest broken protocol. A client says
 * PROTOCOL_ERROR. */
static void fail_on_error(cgrpc_h2_conn_t *c, ssize_t error) {
  /* Out of memory is this side's failure, not the peer's protocol's. */
  bool ours = error == NGHTTP2_ERR_NOMEM;
  if (c->role == CGRPC_H2_CLIENT) {
    nghttp2_session_terminate_session(c->session,
                                      ours ? NGHTTP2_INTERNAL_ERROR : NGHTTP2_PROTOCOL_ERROR);
    c->flags |= CONN_GOAWAY_SENT;
    return;
  }
  switch (error) {
    case NGHTTP2_ERR_NOMEM:
      end_refuse(c, NGHTTP2_INTERNAL_ERROR, "out_of_memory", "out of memory");
      break;
    case NGHTTP2_ERR_TOO_MANY_CONTINUATIONS:
      end_refuse(c, NGHTTP2_ENHANCE_YOUR_CALM, "too_many_continuations",
                 "the client split a header block into too many CONTINUATION frames");
      break;
    case NGHTTP2_ERR_FLOODED:
      end_refuse(c, NGHTTP2_ENHANCE_YOUR_CALM, "flood",
                 "the client sent frames faster than it read the answers");
      break;
    case NGHTTP2_ERR_TOO_MANY_SETTINGS:
      end_refuse(c, NGHTTP2_ENHANCE_YOUR_CALM, "too_many_settings",
                 "the client sent a SETTINGS frame with too many entries");
      break;
    case NGHTTP2_ERR_BAD_CLIENT_MAGIC:
      end_refuse(c, NGHTTP2_PROTOCOL_ERROR, "bad_preface",
                 c->tls_client ? "a TLS client on a plaintext port: the client sent a TLS "
                                 "ClientHello instead of the HTTP/2 preface"
                               : "the client did not start with the HTTP/2 preface");
      break;
    default:
      end_refuse(c, NGHTTP2_PROTOCOL_ERROR, "protocol_error", nghttp2_strerror((int)error));
      break;
  }
}

/* A server's first bytes decide between HTTP/2 and HTTP/1.1 (when the
 * server takes HTTP/1.1). Returns 1 when the bytes were kept for later
 * (too few to tell), 0 when decided, or a negative error. */
static int decide_protocol(cgrpc_h2_conn_t *c, const uint8_t *data, size_t len) {
  uint8_t head[sizeof c->first];
  size_t n = c->first_len;
  memcpy(head, c->first, n);
  size_t k = len < sizeof head - n ? len : sizeof head - n;
  memcpy(head + n, data, k);
  bool need_more;
  bool http1 = cgrpc_h2_http1_detect(head, n + k, &need_more);
  if (need_more && n + k < sizeof head) {
    memcpy(c->first + n, data, k);
    c->first_len = n + k;
    return 1;
  }
  c->decided = true;
  if (!http1) return 0;
  /* The bridge keeps the session busy with every request: it never sleeps. */
  c->dormant.eligible = false;
  int rv = cgrpc_h2_http1_new(c, &c->http1);
  if (rv != 0) return NGHTTP2_ERR_NOMEM;
  cgrpc_h2_guard_on_read(c, c->ev->now(c->ctx));
  return 0;
}

int cgrpc_h2_conn_recv(cgrpc_h2_conn_t *c, const uint8_t *data, size_t len) {
  if (c->flags & CONN_DEAD) return NGHTTP2_ERR_EOF;
  if (!c->decided && c->role == CGRPC_H2_SERVER && c->opts.http1 && len > 0) {
    int d = decide_protocol(c, data, len);
    if (d < 0) return d;
    if (d == 1) return 0;
    if (c->first_len) {
      /* The kept bytes first. */
      uint8_t kept[sizeof c->first];
      size_t n = c->first_len;
      memcpy(kept, c->first, n);
      c->first_len = 0;
      int rv = cgrpc_h2_conn_recv(c, kept, n);
      if (rv != 0) return rv;
    }
  }
  if (c->http1) return cgrpc_h2_http1_recv(c->http1, data, len);
  return cgrpc_h2_conn_recv_frames(c, data, len);
}

/* A server looks at the header of each frame before nghttp2 reads the
 * input, for frames on streams nghttp2 no longer knows
 * (closed_stream_frame()). The cost: a look at each frame header, and a
 * stream lookup for DATA or HEADERS on a stream opened by an earlier read
 * (a new call's HEADERS and DATA, arriving together, need none). A stream
 * closed before this read stays closed, so it is checked at once; a
 * HEADERS frame whose id is below one opened earlier in this very read
 * (trailers, or a lower id never used) is checked once nghttp2 has read
 * it. What this leaves out: a stream the client resets and then sends DATA
 * on within one read is still ignored silently. */
static ssize_t server_recv(cgrpc_h2_conn_t *c, const uint8_t *data, size_t len) {
  int32_t known = nghttp2_session_get_last_proc_stream_id(c->session);
  int32_t later[4];
  size_t later_count = 0;
  size_t off = 0;
  while (off < len) {
    if (c->scan_skip > 0) {
      size_t k = len - off < c->scan_skip ? len - off : c->scan_skip;
      off += k;
      c->scan_skip -= k;
      continue;
    }
    size_t k = 9 - c->scan_hdr_len < len - off ? 9 - c->scan_hdr_len : len - off;
    memcpy(c->scan_hdr + c->scan_hdr_len, data + off, k);
    c->scan_hdr_len += k;
    off += k;
    if (c->scan_hdr_len < 9) break;
    const uint8_t *h = c->scan_hdr;
    c->scan_hdr_len = 0;
    c->scan_skip = (size_t)h[0] << 16 | (size_t)h[1] << 8 | h[2];
    if (h[3] != NGHTTP2_DATA && h[3] != NGHTTP2_HEADERS) continue;
    int32_t sid = (int32_t)(((uint32_t)h[5] & 0x7f) << 24 | (uint32_t)h[6] << 16 |
                            (uint32_t)h[7] << 8 | h[8]);
    if (sid == 0 || !(sid & 1)) continue; /* nghttp2's own errors */
    if (h[3] == NGHTTP2_HEADERS && sid > c->scan_max_sid) {
      c->scan_max_sid = sid; /* a new stream */
      continue;
    }
    if (sid <= known) {
      if (!closed_stream_frame(c, h[3], sid)) return NGHTTP2_ERR_CALLBACK_FAILURE;
    } else if (h[3] == NGHTTP2_HEADERS && later_count < 4) {
      later[later_count++] = sid;
    }
  }
  ssize_t n = nghttp2_session_mem_recv(c->session, data, len);
  if (n < 0) return n;
  for (size_t i = 0; i < later_count && !(c->flags & CONN_CLOSING); i++) {
    if (!closed_stream_frame(c, NGHTTP2_HEADERS, later[i])) return NGHTTP2_ERR_CALLBACK_FAILURE;
  }
  return (ssize_t)len;
}

int cgrpc_h2_conn_recv_frames(cgrpc_h2_conn_t *c, const uint8_t *data, size_t len) {
  if (c->flags & CONN_DEAD) return NGHTTP2_ERR_EOF;
  if (c->flags & CONN_CLOSING) return NGHTTP2_ERR_SESSION_CLOSING;
  cgrpc_h2_guard_on_read(c, c->ev->now(c->ctx));
  check_not_http2(c, data, len);
  if (cgrpc_h2_conn_wake(c) != 0) {
    set_error(c, "out of memory");
    return NGHTTP2_ERR_NOMEM;
  }
  if (c->dormant.eligible) cgrpc_h2_dormant_observe(c, data, len);
  ssize_t n = c->role == CGRPC_H2_SERVER ? server_recv(c, data, len)
                                         : nghttp2_session_mem_recv(c->session, data, len);
  if (n < 0) {
    set_error(c, "HTTP/2 protocol error: %s",
              c->protocol_complaint[0] ? c->protocol_complaint : nghttp2_strerror((int)n));
    /* A guard rule already queued its GOAWAY. Flushing sends it. */
    if (!(c->flags & CONN_CLOSING)) fail_on_error(c, n);
    return (int)n;
  }
  return 0;
}

/* Submits client streams waiting for the server's SETTINGS. */
static void submit_queued(cgrpc_h2_conn_t *c) {
  if (!(c->flags & CONN_READY)) return;
  while (c->queued_head && !(c->flags & (CONN_GOAWAY_RECV | CONN_GOAWAY_SENT))) {
    cgrpc_h2_stream_t *s = c->queued_head;
    c->queued_head = s->work_next;
    if (!c->queued_head) c->queued_tail = NULL;
    s->work_next = NULL;
    s->state &= ~ST_QUEUED;
    if (!cgrpc_h2_stream_submit_request(s)) cgrpc_h2_conn_add_work(c, s);
  }
}

static void run_work(cgrpc_h2_conn_t *c) {
  while (c->work_head) {
    cgrpc_h2_stream_t *s = c->work_head;
    c->work_head = s->work_next;
    if (!c->work_head) c->work_tail = NULL;
    s->work_next = NULL;
    s->state &= ~ST_IN_WORK;
    cgrpc_h2_stream_do_work(s);
  }
}

int cgrpc_h2_conn_flush(cgrpc_h2_conn_t *c) {
  if (c->http1) return cgrpc_h2_http1_flush(c->http1);
  return cgrpc_h2_conn_flush_frames(c);
}

int cgrpc_h2_conn_flush_frames(cgrpc_h2_conn_t *c) {
  if (c->flags & (CONN_DEAD | CONN_IN_FLUSH) || !c->session) return 0;
  c->flags |= CONN_IN_FLUSH;
  int rv = 0;
  for (;;) {
    submit_queued(c);
    run_work(c);
    size_t before = c->out.pending;
    while (c->out.pending < c->opts.output_high_water && !(c->flags & CONN_GOAWAY_OUT)) {
      const uint8_t *data;
      /* DATA payloads are added by the send-data callback inside this call
       * (it returns 0 after pausing at the high-water mark). */
      ssize_t n = nghttp2_session_mem_send(c->session, &data);
      if (n <= 0) {
        rv = (int)n;
        break;
      }
      if (!cgrpc_h2_output_copy(&c->out, data, (size_t)n)) {
        rv = NGHTTP2_ERR_NOMEM;
        break;
      }
    }
    /* Sending queues work (messages sent, streams closed) whose handlers
     * may queue more frames: go round until nothing new comes out. */
    if (rv != 0 || c->out.pending == before || !c->work_head) break;
  }
  if (rv == 0) run_work(c);
  c->flags &= ~CONN_IN_FLUSH;
  if (!(c->flags & CONN_DEAD)) cgrpc_h2_guard_after_flush(c, c->ev->now(c->ctx));
  if (rv == 0 && c->dormant.eligible) cgrpc_h2_dormant_maybe_sleep(c);
  return rv;
}

/* A server that takes HTTP/1.1 says nothing until the client's first
 * bytes told which protocol it speaks: its SETTINGS would be garbage to an
 * HTTP/1.1 client (they go to the bridge's loopback instead). */
static bool holding_output(const cgrpc_h2_conn_t *c) {
  /* Ending the connection before the client said anything (the handshake
   * timeout, a shutdown) speaks HTTP/2: its GOAWAY explains. */
  return !c->decided && c->role == CGRPC_H2_SERVER && c->opts.http1 &&
         !(c->flags & (CONN_GOAWAY_SENT | CONN_SHUTDOWN_PING | CONN_CLOSING | CONN_TERMINATED));
}

size_t cgrpc_h2_conn_output(cgrpc_h2_conn_t *c, struct iovec *iov, size_t max) {
  if (c->http1) return cgrpc_h2_http1_output(c->http1, iov, max);
  if (holding_output(c)) return 0;
  return cgrpc_h2_output_iov(&c->out, iov, max);
}

size_t cgrpc_h2_conn_output_size(const cgrpc_h2_conn_t *c) {
  if (c->http1) return cgrpc_h2_http1_output_size(c->http1);
  return holding_output(c) ? 0 : c->out.pending;
}

void cgrpc_h2_conn_written(cgrpc_h2_conn_t *c, size_t n) {
  if (c->http1) {
    cgrpc_h2_http1_written(c->http1, n);
    if (n > 0) cgrpc_h2_guard_on_written(c, c->ev->now(c->ctx));
    return;
  }
  cgrpc_h2_output_consume(&c->out, n);
  if (n > 0) cgrpc_h2_guard_on_written(c, c->ev->now(c->ctx));
  if (c->out.pending > 0 || c->role != CGRPC_H2_SERVER || c->stream_count > 0) return;
  /* A server connection between calls keeps no output memory (output.c). */
  if (c->dormant.eligible) cgrpc_h2_dormant_maybe_sleep(c);
  if (!(c->flags & CONN_IN_FLUSH)) cgrpc_h2_output_free(&c->out);
}

bool cgrpc_h2_conn_output_full(const cgrpc_h2_conn_t *c) {
  return c->role == CGRPC_H2_SERVER && cgrpc_h2_conn_output_size(c) >= c->opts.output_high_water;
}

bool cgrpc_h2_conn_finished(const cgrpc_h2_conn_t *c) {
  if (c->flags & CONN_DEAD) return true;
  if (c->http1) return cgrpc_h2_http1_finished(c->http1);
  if (!c->session) return false; /* asleep (h2/dormant.h): idle, and open */
  if (c->flags & CONN_CLOSING) {
    /* Done once our GOAWAY is written, or when nghttp2 will send nothing
     * more (it ended the session itself first). */
    bool said = (c->flags & CONN_GOAWAY_OUT) || !nghttp2_session_want_write(c->session);
    return said && c->out.pending == 0;
  }
  if (c->out.pending > 0 || c->work_head) return false;
  if (nghttp2_session_want_write(c->session)) return false;
  if (!nghttp2_session_want_read(c->session)) return true;
  return (c->flags & (CONN_GOAWAY_SENT | CONN_GOAWAY_RECV)) && c->stream_count == 0;
}

bool cgrpc_h2_conn_ready(const cgrpc_h2_conn_t *c) {
  return (c->flags & CONN_READY) && !cgrpc_h2_conn_draining(c);
}

bool cgrpc_h2_conn_draining(const cgrpc_h2_conn_t *c) {
  return (c->flags & (CONN_GOAWAY_RECV | CONN_GOAWAY_SENT | CONN_SHUTDOWN_PING | CONN_DEAD)) != 0;
}

size_t cgrpc_h2_conn_stream_count(const cgrpc_h2_conn_t *c) { return c->stream_count; }

void cgrpc_h2_conn_expire(cgrpc_h2_conn_t *c, int64_t now) {
  int64_t next = CGRPC_INFINITE;
  for (cgrpc_h2_stream_t *s = c->streams; s; s = s->next) {
    if (s->deadline == CGRPC_INFINITE || (s->state & ST_H2_CLOSED)) continue;
    if (s->deadline <= now) {
      cgrpc_h2_stream_expire(s);
    } else if (s->deadline < next) {
      next = s->deadline;
    }
  }
  c->next_deadline = next;
  cgrpc_h2_guard_expire(c, now);
  if (c->http1) cgrpc_h2_http1_expire(c->http1, now);
}

int64_t cgrpc_h2_conn_next_deadline(const cgrpc_h2_conn_t *c) {
  int64_t guard = cgrpc_h2_guard_next(c);
  int64_t next = guard < c->next_deadline ? guard : c->next_deadline;
  if (c->http1) {
    int64_t h1 = cgrpc_h2_http1_next_deadline(c->http1);
    if (h1 < next) next = h1;
  }
  return next;
}

bool cgrpc_h2_conn_ping(cgrpc_h2_conn_t *c) {
  if (c->flags & (CONN_DEAD | CONN_CLOSING)) return false;
  return nghttp2_submit_ping(c->session, NGHTTP2_FLAG_NONE, cgrpc_h2_keepalive_ping) == 0;
}

int64_t cgrpc_h2_conn_last_read(const cgrpc_h2_conn_t *c) { return c->guard.last_read; }

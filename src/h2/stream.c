/* h2/stream.c — one gRPC call on an HTTP/2 stream: sending and receiving
 * messages, ending the call, and flow control.
 *
 * Sending. Messages wait in the stream's queue, already framed (5-byte
 * prefix) and compressed. nghttp2 pulls from the queue through a data
 * provider as the peer's window allows; the provider answers with
 * NGHTTP2_DATA_FLAG_NO_COPY, so DATA payloads are slices of the queued
 * messages referenced by the output queue, never copied. When the queue is
 * empty the provider defers; a new message, a half-close or the trailers
 * resume it. The server's trailers are submitted from inside the provider
 * when it reaches the end, which is how nghttp2 orders trailers after data.
 *
 * Receiving. DATA chunks go through the deframer. A message lying wholly in
 * a chunk is handed up as a pointer into the chunk; others are reassembled
 * by the deframer. Stream flow-control credit is returned exactly for the
 * bytes the deframer takes, so large messages flow, and while the layer above
 * has paused the stream the chunk bytes are held back unconsumed: the peer
 * runs out of window after at most one window of bytes.
 */
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "h2/conn_internal.h"
#include "h2/framer.h"
#include "h2/http_status.h"
#include "h2/metadata.h"

void cgrpc_h2_stream_init(cgrpc_h2_stream_t *s, void *user, void *arena_buf, size_t arena_size) {
  memset(s, 0, sizeof *s);
  s->user = user;
  s->deadline = CGRPC_INFINITE;
  s->peer_accepts = CGRPC_COMPRESSION_SET_OF(CGRPC_COMPRESSION_IDENTITY);
  cgrpc_arena_init(&s->arena, arena_buf, arena_size);
  cgrpc_deframer_init(&s->deframer, SIZE_MAX, false);
}

void cgrpc_h2_stream_release_buffers(cgrpc_h2_stream_t *s) {
  while (s->sendq_head) {
    cgrpc_h2_msg_t *m = s->sendq_head;
    s->sendq_head = m->next;
    cgrpc_h2_msg_unref(m);
  }
  s->sendq_tail = NULL;
  if (s->send_pending > 0) s->conn->send_queued -= s->send_pending;
  s->send_pending = 0;
  cgrpc_free(s->held);
  s->held = NULL;
  s->held_len = s->held_off = s->held_cap = 0;
  cgrpc_deframer_destroy(&s->deframer);
}

void cgrpc_h2_stream_destroy(cgrpc_h2_stream_t *s) {
  cgrpc_h2_stream_release_buffers(s);
  cgrpc_arena_free(&s->arena);
}

void cgrpc_h2_stream_set_status(cgrpc_h2_stream_t *s, cgrpc_status_code_t code, const char *message,
                                size_t len) {
  if (s->state & ST_STATUS) return;
  char *copy = cgrpc_arena_alloc(&s->arena, len + 1);
  if (copy) {
    memcpy(copy, message, len);
    copy[len] = '\0';
  } else {
    len = 0;
  }
  s->code = code;
  s->message = copy ? copy : "";
  s->message_len = len;
  s->state |= ST_STATUS;
}

/* ---- Accessors -------------------------------------------------------------- */

void *cgrpc_h2_stream_user(const cgrpc_h2_stream_t *s) { return s->user; }
cgrpc_str_t cgrpc_h2_stream_path(const cgrpc_h2_stream_t *s) { return s->path; }
cgrpc_str_t cgrpc_h2_stream_authority(const cgrpc_h2_stream_t *s) { return s->authority; }
int64_t cgrpc_h2_stream_deadline(const cgrpc_h2_stream_t *s) { return s->deadline; }
const cgrpc_metadata_t *cgrpc_h2_stream_metadata(const cgrpc_h2_stream_t *s) {
  return &s->metadata;
}
const cgrpc_metadata_t *cgrpc_h2_stream_trailers(const cgrpc_h2_stream_t *s) {
  return &s->trailers;
}
bool cgrpc_h2_stream_retryable(const cgrpc_h2_stream_t *s) {
  return (s->state & ST_RETRYABLE) != 0;
}
cgrpc_compression_set_t cgrpc_h2_stream_peer_accepts(const cgrpc_h2_stream_t *s) {
  return s->peer_accepts;
}
bool cgrpc_h2_stream_last_compressed(const cgrpc_h2_stream_t *s) { return s->last_compressed; }

cgrpc_status_code_t cgrpc_h2_stream_status(const cgrpc_h2_stream_t *s, const char **message,
                                           size_t *message_len) {
  if (message) *message = s->message ? s->message : "";
  if (message_len) *message_len = s->message_len;
  return s->code;
}

/* ---- Starting (client) -------------------------------------------------------- */

bool cgrpc_h2_stream_start(cgrpc_h2_conn_t *c, cgrpc_h2_stream_t *s,
                           const cgrpc_h2_request_t *req) {
  if (cgrpc_h2_conn_draining(c)) return false;
  s->conn = c;
  s->deadline = req->deadline;
  s->send_encoding = req->encoding;
  if (!cgrpc_h2_build_request(s, req)) {
    s->conn = NULL;
    return false;
  }
  s->state |= ST_LIVE | ST_QUEUED;
  s->work_next = NULL;
  if (c->queued_tail) {
    c->queued_tail->work_next = s;
  } else {
    c->queued_head = s;
  }
  c->queued_tail = s;
  s->prev = NULL;
  s->next = c->streams;
  if (c->streams) c->streams->prev = s;
  c->streams = s;
  c->stream_count++;
  cgrpc_h2_conn_note_deadline(c, s->deadline);
  return true;
}

static nghttp2_data_provider provider_of(cgrpc_h2_stream_t *s) {
  nghttp2_data_provider prd;
  prd.source.ptr = s;
  prd.read_callback = cgrpc_h2_data_read;
  return prd;
}

bool cgrpc_h2_stream_submit_request(cgrpc_h2_stream_t *s) {
  cgrpc_h2_conn_t *c = s->conn;
  if (s->state & ST_STATUS) return false; /* cancelled while queued */
  int64_t now = c->ev->now(c->ctx);
  if (s->deadline <= now) {
    cgrpc_h2_stream_set_status(s, CGRPC_STATUS_DEADLINE_EXCEEDED,
                               "deadline exceeded before the call started", 41);
    return false;
  }
  cgrpc_h2_request_set_timeout(s, now);
  nghttp2_data_provider prd = provider_of(s);
  int32_t id = nghttp2_submit_request(c->session, NULL, s->nva, s->nva_len, &prd, s);
  if (id < 0) {
    const char *why = nghttp2_strerror(id);
    s->state |= ST_RETRYABLE;
    cgrpc_h2_stream_set_status(s, CGRPC_STATUS_UNAVAILABLE, why, strlen(why));
    return false;
  }
  s->id = id;
  s->state |= ST_SUBMITTED;
  return true;
}

/* ---- Sending -------------------------------------------------------------------- */

/* Resumes the data provider if it was waiting for something to send. */
void cgrpc_h2_stream_wake_data(cgrpc_h2_stream_t *s) {
  if (!(s->state & ST_DEFERRED) || (s->state & ST_H2_CLOSED)) return;
  s->state &= ~ST_DEFERRED;
  nghttp2_session_resume_data(s->conn->session, s->id);
}

/* Server: puts the response HEADERS (and the data provider) on the wire. */
static void start_response(cgrpc_h2_stream_t *s) {
  if (s->state & ST_RESP_STARTED) return;
  if (s->web) {
    /* A buffered web exchange sends its head with its end (web_stream.c). */
    if (s->web->flags & CGRPC_WEB_BUFFERED) return;
    if (!s->nva && !cgrpc_h2_web_set_response(s, NULL)) {
      cgrpc_h2_stream_cancel(s, CGRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
      return;
    }
  } else if (!s->nva && !cgrpc_h2_build_response(s, NULL)) {
    cgrpc_h2_stream_cancel(s, CGRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
    return;
  }
  nghttp2_data_provider prd = provider_of(s);
  s->state |= ST_RESP_STARTED;
  if (nghttp2_submit_response(s->conn->session, s->id, s->nva, s->nva_len, &prd) != 0) {
    cgrpc_h2_stream_cancel(s, CGRPC_STATUS_INTERNAL, "could not submit the response headers");
  }
}

static bool can_send(const cgrpc_h2_stream_t *s) {
  if (!(s->state & ST_LIVE) || (s->state & (ST_STATUS | ST_H2_CLOSED | ST_FINISHING))) {
    return false;
  }
  if (s->conn->role == CGRPC_H2_CLIENT) return !(s->state & ST_HALF_CLOSE);
  return (s->state & ST_HEADERS_DONE) != 0;
}

/* Replaces `m` by its compressed form; the flag byte is set by the caller. */
static cgrpc_h2_msg_t *compress_msg(cgrpc_h2_stream_t *s, cgrpc_h2_msg_t *m) {
  cgrpc_compressor_t *z = &s->conn->compressor;
  size_t bound = cgrpc_compressor_bound(z, s->send_encoding, m->len);
  cgrpc_h2_msg_t *out = bound ? cgrpc_h2_msg_new(bound) : NULL;
  cgrpc_wire_error_t err;
  if (!out ||
      cgrpc_compress(z, s->send_encoding, cgrpc_h2_msg_payload(m), m->len,
                     cgrpc_h2_msg_payload(out), bound, &out->len, &err) != CGRPC_STATUS_OK) {
    cgrpc_h2_msg_free(out);
    return NULL;
  }
  cgrpc_h2_msg_free(m);
  return out;
}

bool cgrpc_h2_stream_send(cgrpc_h2_stream_t *s, cgrpc_h2_msg_t *m) {
  if (!can_send(s)) {
    cgrpc_h2_msg_free(m);
    return false;
  }
  cgrpc_h2_conn_t *c = s->conn;
  if (m->len > c->opts.max_send_message) {
    char why[128];
    snprintf(why, sizeof why, "message of %zu bytes is larger than the send limit of %zu bytes",
             m->len, c->opts.max_send_message);
    cgrpc_h2_msg_free(m);
    cgrpc_h2_stream_fail(s, CGRPC_STATUS_RESOURCE_EXHAUSTED, why);
    return false;
  }
  bool compressed = s->send_encoding != CGRPC_COMPRESSION_IDENTITY && !m->no_compress;
  if (compressed) {
    cgrpc_h2_msg_t *z = compress_msg(s, m);
    if (!z) {
      cgrpc_h2_msg_free(m);
      cgrpc_h2_stream_fail(s, CGRPC_STATUS_RESOURCE_EXHAUSTED, "could not compress a message");
      return false;
    }
    m = z;
  }
  cgrpc_message_prefix_write(m->data, compressed, m->len, NULL);
  if (s->web) {
    m = cgrpc_h2_web_message(s, m, compressed);
    if (!m) return (s->state & ST_STATUS) == 0; /* buffered (true) or failed */
  }
  cgrpc_h2_stream_queue(s, m);
  if (c->role == CGRPC_H2_SERVER) start_response(s);
  cgrpc_h2_stream_wake_data(s);
  return true;
}

static size_t msg_total(const cgrpc_h2_msg_t *m) {
  return m->raw ? m->len : CGRPC_MESSAGE_PREFIX_SIZE + m->len;
}

void cgrpc_h2_stream_queue(cgrpc_h2_stream_t *s, cgrpc_h2_msg_t *m) {
  m->next = NULL;
  m->queued_off = 0;
  if (s->sendq_tail) {
    s->sendq_tail->next = m;
  } else {
    s->sendq_head = m;
  }
  s->sendq_tail = m;
  s->send_pending += msg_total(m);
  s->conn->send_queued += msg_total(m);
}

void cgrpc_h2_stream_half_close(cgrpc_h2_stream_t *s) {
  if (!(s->state & ST_LIVE) || (s->state & ST_HALF_CLOSE)) return;
  s->state |= ST_HALF_CLOSE;
  cgrpc_h2_stream_wake_data(s);
}

void cgrpc_h2_stream_set_response(cgrpc_h2_stream_t *s, const cgrpc_metadata_t *md,
                                  cgrpc_compression_t encoding) {
  if (!(s->state & ST_LIVE) || (s->state & (ST_RESP_STARTED | ST_FINISHING))) return;
  s->send_encoding = (s->peer_accepts & CGRPC_COMPRESSION_SET_OF(encoding))
                         ? encoding
                         : CGRPC_COMPRESSION_IDENTITY;
  if (s->web) {
    bool grpc_compression = (s->web->flags & CGRPC_WEB_GRPC_COMPRESSION) != 0;
    if (!grpc_compression) s->send_encoding = CGRPC_COMPRESSION_IDENTITY;
    if (!cgrpc_h2_web_set_response(s, md)) s->nva = NULL;
    return;
  }
  if (!cgrpc_h2_build_response(s, md)) s->nva = NULL;
}

void cgrpc_h2_stream_send_headers(cgrpc_h2_stream_t *s) {
  if (!can_send(s)) return;
  start_response(s);
  cgrpc_h2_stream_wake_data(s);
}

/* The frame that ends a stream could not be queued (rv != 0: out of
 * memory). Rather than leave the peer waiting for an end that never comes,
 * give up the connection: closing it needs no memory. */
static void ended_or_fail(cgrpc_h2_stream_t *s, int rv) {
  if (rv != 0) {
    cgrpc_h2_conn_end(s->conn, CGRPC_H2_END_REFUSE, NGHTTP2_INTERNAL_ERROR, "out_of_memory",
                      "out of memory ending a stream");
  }
}

/* Server: ends the call; `http_status` is 200 except for requests rejected
 * before they reached the application. */
static void stream_end(cgrpc_h2_stream_t *s, int http_status, cgrpc_status_code_t code,
                       const char *message, size_t message_len, const cgrpc_metadata_t *md,
                       bool advertise_encodings) {
  if (!(s->state & ST_LIVE) || (s->state & (ST_FINISHING | ST_H2_CLOSED))) return;
  s->state |= ST_FINISHING;
  cgrpc_h2_stream_set_status(s, code, message, message_len);
  if (s->web) {
    cgrpc_h2_web_end(s, code, message, message_len, md);
    return;
  }
  if (!cgrpc_h2_build_trailers(s, http_status, code, message, message_len, md,
                               advertise_encodings)) {
    ended_or_fail(s, nghttp2_submit_rst_stream(s->conn->session, NGHTTP2_FLAG_NONE, s->id,
                                               NGHTTP2_INTERNAL_ERROR));
    return;
  }
  if (s->state & ST_TRAILERS_ONLY) {
    s->state |= ST_RESP_STARTED;
    ended_or_fail(s, nghttp2_submit_response(s->conn->session, s->id, s->trailers_nva,
                                             s->trailers_nva_len, NULL));
    return;
  }
  cgrpc_h2_stream_wake_data(s);
}

void cgrpc_h2_stream_finish(cgrpc_h2_stream_t *s, cgrpc_status_code_t code, const char *message,
                            size_t message_len, const cgrpc_metadata_t *trailers) {
  if (!(s->state & ST_LIVE) || s->conn->role != CGRPC_H2_SERVER) return;
  stream_end(s, 200, code, message, message_len, trailers, false);
}

void cgrpc_h2_stream_reject(cgrpc_h2_stream_t *s, int http_status, cgrpc_status_code_t code,
                            const char *message, bool advertise_encodings) {
  s->state |= ST_IGNORE_INPUT;
  stream_end(s, http_status, code, message, strlen(message), NULL, advertise_encodings);
}

void cgrpc_h2_stream_cancel(cgrpc_h2_stream_t *s, cgrpc_status_code_t code, const char *message) {
  if (!(s->state & ST_LIVE) || (s->state & ST_CANCEL_RST)) return;
  cgrpc_h2_conn_t *c = s->conn;
  s->state |= ST_CANCEL_RST | ST_IGNORE_INPUT;
  s->deadline = CGRPC_INFINITE;
  cgrpc_h2_stream_set_status(s, code, message, strlen(message));
  s->held_off = s->held_len;
  if (!(s->state & ST_SUBMITTED) || (s->state & ST_H2_CLOSED)) {
    if (s->state & ST_QUEUED) {
      /* Leave the queue; the work list closes it at the next flush. */
      cgrpc_h2_stream_t **pp = &c->queued_head, *prev = NULL;
      while (*pp && *pp != s) {
        prev = *pp;
        pp = &(*pp)->work_next;
      }
      if (*pp) *pp = s->work_next;
      if (c->queued_tail == s) c->queued_tail = prev;
      s->work_next = NULL;
      s->state &= ~ST_QUEUED;
    }
    cgrpc_h2_conn_add_work(c, s);
    return;
  }
  ended_or_fail(s, nghttp2_submit_rst_stream(c->session, NGHTTP2_FLAG_NONE, s->id, NGHTTP2_CANCEL));
}

void cgrpc_h2_stream_expire(cgrpc_h2_stream_t *s) {
  /* A server whose handler has not started a response tells the client why,
   * in a Trailers-Only HEADERS, as gRPC C-core does: a client whose own timer
   * runs late then still reports DEADLINE_EXCEEDED, not a reset's CANCELLED.
   * No RST_STREAM(CANCEL) then: nghttp2 would drop the queued HEADERS for
   * it. Once the HEADERS is sent, a client still sending gets
   * RST_STREAM(NO_ERROR) (on_frame_send), and the stream's close cancels the
   * handler. */
  if (s->conn->role == CGRPC_H2_SERVER && (s->state & ST_LIVE) &&
      !(s->state & (ST_RESP_STARTED | ST_FINISHING | ST_H2_CLOSED | ST_CANCEL_RST))) {
    s->deadline = CGRPC_INFINITE;
    s->state |= ST_IGNORE_INPUT;
    stream_end(s, 200, CGRPC_STATUS_DEADLINE_EXCEEDED, "deadline exceeded", 17, NULL, false);
    return;
  }
  cgrpc_h2_stream_cancel(s, CGRPC_STATUS_DEADLINE_EXCEEDED, "deadline exceeded");
}

/* A problem with what this side received (or could not send): the server
 * answers with the status, the client cancels with it. */
void cgrpc_h2_stream_fail(cgrpc_h2_stream_t *s, cgrpc_status_code_t code, const char *message) {
  s->state |= ST_IGNORE_INPUT;
  if (s->conn->role == CGRPC_H2_SERVER && !(s->state & (ST_FINISHING | ST_STATUS))) {
    stream_end(s, 200, code, message, strlen(message), NULL, false);
  } else {
    cgrpc_h2_stream_cancel(s, code, message);
  }
}

static bool send_done(const cgrpc_h2_stream_t *s) {
  return (s->state & (s->conn->role == CGRPC_H2_SERVER ? ST_FINISHING : ST_HALF_CLOSE)) != 0;
}

static ssize_t data_read(nghttp2_session *session, int32_t stream_id, uint8_t *buf, size_t length,
                         uint32_t *data_flags, nghttp2_data_source *source, void *ud) {
  cgrpc_h2_stream_t *s = source->ptr;
  size_t n = s->send_pending < length ? s->send_pending : length;
  bool end = n == s->send_pending && send_done(s);
  if (n == 0 && !end) {
    s->state |= ST_DEFERRED;
    return NGHTTP2_ERR_DEFERRED;
  }
  if (n > 0) *data_flags |= NGHTTP2_DATA_FLAG_NO_COPY;
  if (end) {
    *data_flags |= NGHTTP2_DATA_FLAG_EOF;
    if (s->conn->role == CGRPC_H2_SERVER && !s->web) { /* web protocols have no HTTP trailers */
      *data_flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
      if (nghttp2_submit_trailer(session, stream_id, s->trailers_nva, s->trailers_nva_len) != 0) {
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
      }
    }
  }
  return (ssize_t)n;
}

const nghttp2_data_source_read_callback cgrpc_h2_data_read = data_read;

int cgrpc_h2_send_data_cb(nghttp2_session *session, nghttp2_frame *frame, const uint8_t *framehd,
                          size_t length, nghttp2_data_source *source, void *user_data) {
  cgrpc_h2_conn_t *c = user_data;
  cgrpc_h2_stream_t *s = source->ptr;
  if (!cgrpc_h2_output_copy(&c->out, framehd, 9)) return NGHTTP2_ERR_CALLBACK_FAILURE;
  s->send_pending -= length;
  c->send_queued -= length;
  while (length > 0) {
    cgrpc_h2_msg_t *m = s->sendq_head;
    size_t total = msg_total(m);
    size_t k = total - m->queued_off < length ? total - m->queued_off : length;
    if (!cgrpc_h2_output_ref(&c->out, m, m->data + m->queued_off, k)) {
      return NGHTTP2_ERR_CALLBACK_FAILURE;
    }
    m->queued_off += k;
    length -= k;
    if (m->queued_off == total) {
      s->sendq_head = m->next;
      if (!s->sendq_head) s->sendq_tail = NULL;
      cgrpc_h2_msg_unref(m);
      s->sent_events++;
      cgrpc_h2_conn_add_work(c, s);
    }
  }
  /* Stop producing once the socket has enough to chew on. */
  return c->out.pending >= c->opts.output_high_water ? NGHTTP2_ERR_PAUSE : 0;
}

/* ---- Receiving -------------------------------------------------------------------- */

void cgrpc_h2_stream_pause_read(cgrpc_h2_stream_t *s, bool paused) {
  if (paused) {
    s->state |= ST_PAUSED;
    return;
  }
  if (!(s->state & ST_PAUSED)) return;
  s->state &= ~ST_PAUSED;
  if (s->state & ST_LIVE) cgrpc_h2_conn_add_work(s->conn, s);
}

/* Returns stream window credit for bytes taken off the wire's account
 * (transformed web bytes were accounted for as they arrived). */
static void consume(cgrpc_h2_stream_t *s, size_t n) {
  if (n && !(s->state & (ST_H2_CLOSED | ST_WEB_XFORM))) {
    nghttp2_session_consume_stream(s->conn->session, s->id, n);
  }
}

static bool hold(cgrpc_h2_stream_t *s, const uint8_t *data, size_t len) {
  if (s->held_off > 0) {
    memmove(s->held, s->held + s->held_off, s->held_len - s->held_off);
    s->held_len -= s->held_off;
    s->held_off = 0;
  }
  if (s->held_cap - s->held_len < len) {
    size_t cap = s->held_cap ? s->held_cap : 16384;
    while (cap - s->held_len < len) cap *= 2;
    uint8_t *grown = cgrpc_realloc(s->held, cap);
    if (!grown) return false;
    s->held = grown;
    s->held_cap = cap;
  }
  memcpy(s->held + s->held_len, data, len);
  s->held_len += len;
  return true;
}

static bool delivering(const cgrpc_h2_stream_t *s) {
  return (s->state & ST_LIVE) && !(s->state & (ST_PAUSED | ST_IGNORE_INPUT));
}

static void deliver(cgrpc_h2_stream_t *s, const cgrpc_message_view_t *msg) {
  cgrpc_h2_conn_t *c = s->conn;
  const uint8_t *data = msg->data;
  size_t len = msg->len;
  if (msg->compressed) {
    cgrpc_wire_error_t err;
    if (cgrpc_decompress(&c->compressor, s->recv_encoding, data, len, c->opts.max_recv_message,
                         &data, &len, &err) != CGRPC_STATUS_OK) {
      cgrpc_h2_stream_fail(s, err.code, err.message);
      return;
    }
  }
  s->last_compressed = msg->compressed;
  c->ev->on_message(c->ctx, s, data, len);
}

/* Runs bytes through the deframer while the stream accepts messages.
 * Returns how many bytes it used (the rest must be held or dropped). */
static size_t feed(cgrpc_h2_stream_t *s, const uint8_t *data, size_t len) {
  const uint8_t *p = data;
  size_t n = len;
  while (n > 0 && delivering(s)) {
    size_t before = n;
    cgrpc_message_view_t msg;
    cgrpc_deframe_result_t r = cgrpc_deframer_next(&s->deframer, &p, &n, &msg);
    consume(s, before - n);
    if (r == CGRPC_DEFRAME_MESSAGE) {
      deliver(s, &msg);
    } else if (r == CGRPC_DEFRAME_ERROR) {
      const cgrpc_wire_error_t *err = cgrpc_deframer_error(&s->deframer);
      cgrpc_h2_stream_fail(s, err->code, err->message);
    }
  }
  return len - n;
}

/* When the peer is done and every byte went through: check the last
 * message was complete, then report the end of the stream. */
static void maybe_end_of_stream(cgrpc_h2_stream_t *s) {
  if (!(s->state & ST_REMOTE_END) || (s->state & (ST_EOS_DONE | ST_IGNORE_INPUT)) ||
      !(s->state & ST_LIVE) || s->held_len > s->held_off) {
    return;
  }
  cgrpc_wire_error_t err;
  if (cgrpc_deframer_finish(&s->deframer, &err) != CGRPC_STATUS_OK) {
    if ((s->state & ST_STATUS) && s->code == CGRPC_STATUS_OK) {
      /* Trailers said OK but a message was cut off: that is not OK. */
      s->state &= ~ST_STATUS;
    }
    s->state &= ~ST_CLEAN_END;
    cgrpc_h2_stream_fail(s, err.code, err.message);
    if (s->state & ST_H2_CLOSED) cgrpc_h2_conn_add_work(s->conn, s);
    return;
  }
  s->state |= ST_EOS_DONE;
  s->conn->ev->on_end_of_stream(s->conn->ctx, s);
}

void cgrpc_h2_stream_on_data(cgrpc_h2_stream_t *s, const uint8_t *data, size_t len) {
  if (s->state & ST_IGNORE_INPUT) {
    consume(s, len);
    return;
  }
  if (s->state & ST_WEB_XFORM) {
    /* The raw bytes are the protocol's; their gRPC frames come back
     * through cgrpc_h2_stream_feed_framed(). */
    if (!(s->state & ST_H2_CLOSED)) nghttp2_session_consume_stream(s->conn->session, s->id, len);
    cgrpc_h2_web_on_body(s, data, len, false);
    return;
  }
  cgrpc_h2_stream_feed_framed(s, data, len);
}

void cgrpc_h2_stream_feed_framed(cgrpc_h2_stream_t *s, const uint8_t *data, size_t len) {
  if (len == 0 || (s->state & ST_IGNORE_INPUT)) return;
  if ((s->state & ST_PAUSED) || s->held_len > s->held_off) {
    if (!hold(s, data, len))
      cgrpc_h2_stream_fail(s, CGRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
    return;
  }
  size_t used = feed(s, data, len);
  if (used == len) return;
  if (s->state & ST_IGNORE_INPUT) {
    consume(s, len - used);
  } else if (!hold(s, data + used, len - used)) {
    cgrpc_h2_stream_fail(s, CGRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
  }
}

void cgrpc_h2_stream_on_remote_end(cgrpc_h2_stream_t *s) {
  s->state |= ST_REMOTE_END;
  if ((s->state & ST_WEB_XFORM) && !(s->state & ST_IGNORE_INPUT)) {
    cgrpc_h2_web_on_body(s, NULL, 0, true);
  }
  if (s->conn->role == CGRPC_H2_CLIENT) {
    if (!(s->state & ST_STATUS)) {
      int http = s->http_status ? s->http_status : 200;
      char msg[96];
      snprintf(msg, sizeof msg, "the response (HTTP status %d) ended without grpc-status", http);
      cgrpc_h2_stream_set_status(s, cgrpc_status_from_http(http), msg, strlen(msg));
      s->state |= ST_CLEAN_END;
    }
    /* The server is done; if we are not, tell it we stopped too. */
    if (!(s->state & ST_LOCAL_END) && !(s->state & ST_H2_CLOSED)) {
      nghttp2_submit_rst_stream(s->conn->session, NGHTTP2_FLAG_NONE, s->id, NGHTTP2_NO_ERROR);
    }
  }
  maybe_end_of_stream(s);
}

void cgrpc_h2_stream_do_work(cgrpc_h2_stream_t *s) {
  cgrpc_h2_conn_t *c = s->conn;
  while (s->sent_events > 0 && (s->state & ST_LIVE)) {
    s->sent_events--;
    c->ev->on_sent(c->ctx, s);
  }
  if (delivering(s) && s->held_len > s->held_off) {
    size_t used = feed(s, s->held + s->held_off, s->held_len - s->held_off);
    s->held_off += used;
    if (s->held_off == s->held_len) s->held_off = s->held_len = 0;
  }
  maybe_end_of_stream(s);
  if (!(s->state & ST_LIVE)) return;
  bool on_wire = (s->state & ST_SUBMITTED) && !(s->state & ST_H2_CLOSED);
  bool drained =
      (s->state & ST_IGNORE_INPUT) || (s->state & ST_EOS_DONE) || !(s->state & ST_CLEAN_END);
  if (!on_wire && !(s->state & ST_QUEUED) && (s->state & ST_STATUS) && drained) {
    cgrpc_h2_conn_close_stream(c, s);
  }
}

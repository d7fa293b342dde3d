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
 * Work that must not run inside an nghttp2 callback, or inside a stream
 * operation the layer above called (it would see events re-entrantly), is
 * put on the connection's work list and done at the next flush: delivering
 * messages held back while a stream was paused, "message sent" events, and
 * closing streams that never reached the wire.
 */
#include "h2/conn.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "h2/conn_internal.h"
#include "h2/http_status.h"

/* Payload of the graceful-shutdown PING, recognised when it comes back. */
static const uint8_t kShutdownPing[8] = {'c', 'g', 'r', 'p', 'c', '-', 's', 'd'};

void cgrpc_h2_options_init(cgrpc_h2_options_t *o) {
  memset(o, 0, sizeof *o);
  o->max_concurrent_streams = 100;
  o->stream_window = 256 * 1024;
  o->connection_window = 1024 * 1024;
  o->max_header_list = 16 * 1024;
  o->max_recv_message = 4 * 1024 * 1024;
  o->max_send_message = SIZE_MAX;
  o->output_high_water = 256 * 1024;
  o->accept_encodings = CGRPC_COMPRESSION_SET_ALL;
  o->compression_level = -1;
}

/* Zero fields of the caller's options take the defaults. */
static void options_resolve(cgrpc_h2_options_t *o, const cgrpc_h2_options_t *given) {
  cgrpc_h2_options_init(o);
  if (!given) return;
  if (given->max_concurrent_streams) o->max_concurrent_streams = given->max_concurrent_streams;
  if (given->stream_window) o->stream_window = given->stream_window;
  if (given->connection_window) o->connection_window = given->connection_window;
  if (given->max_header_list) o->max_header_list = given->max_header_list;
  if (given->max_recv_message) o->max_recv_message = given->max_recv_message;
  if (given->max_send_message) o->max_send_message = given->max_send_message;
  if (given->output_high_water) o->output_high_water = given->output_high_water;
  if (given->accept_encodings) o->accept_encodings = given->accept_encodings;
  o->accept_encodings |= CGRPC_COMPRESSION_SET_OF(CGRPC_COMPRESSION_IDENTITY);
  if (given->compression_level) o->compression_level = given->compression_level;
  o->secure = given->secure;
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

/* ---- nghttp2 callbacks ------------------------------------------------------- */

static int on_begin_headers(nghttp2_session *session, const nghttp2_frame *frame, void *ud) {
  cgrpc_h2_conn_t *c = ud;
  if (frame->hd.type != NGHTTP2_HEADERS) return 0;
  int32_t id = frame->hd.stream_id;
  cgrpc_h2_stream_t *s;
  if (c->role == CGRPC_H2_SERVER && frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
    s = (c->flags & (CONN_GOAWAY_SENT | CONN_DEAD)) ? NULL : c->ev->stream_new(c->ctx, c);
    if (!s) {
      nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, id, NGHTTP2_REFUSED_STREAM);
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

static int on_header(nghttp2_session *session, const nghttp2_frame *frame, nghttp2_rcbuf *name,
                     nghttp2_rcbuf *value, uint8_t flags, void *ud) {
  cgrpc_h2_stream_t *s = stream_of(ud, frame->hd.stream_id);
  if (s && !(s->state & ST_IGNORE_INPUT) && s->hs) cgrpc_h2_headers_field(s, frame, name, value);
  return 0;
}

static void send_final_goaway(cgrpc_h2_conn_t *c) {
  c->flags &= ~CONN_SHUTDOWN_PING;
  c->flags |= CONN_GOAWAY_SENT;
  nghttp2_submit_goaway(c->session, NGHTTP2_FLAG_NONE,
                        nghttp2_session_get_last_proc_stream_id(c->session), NGHTTP2_NO_ERROR, NULL,
                        0);
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
          memcmp(frame->ping.opaque_data, kShutdownPing, 8) == 0) {
        send_final_goaway(c);
      }
      break;
    case NGHTTP2_GOAWAY:
      c->flags |= CONN_GOAWAY_RECV;
      fail_queued(c, "the server is going away (GOAWAY) before the call started");
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
  if (code == CGRPC_STATUS_CANCELLED && s->deadline != INT64_MAX &&
      c->ev->now(c->ctx) >= s->deadline) {
    cgrpc_h2_stream_set_status(s, CGRPC_STATUS_DEADLINE_EXCEEDED, "deadline exceeded", 17);
    return;
  }
  if (error_code == NGHTTP2_NO_ERROR) {
    snprintf(msg, sizeof msg, "the server closed the stream without a status");
  } else {
    snprintf(msg, sizeof msg, "stream reset by the server with HTTP/2 error code %u", error_code);
  }
  cgrpc_h2_stream_set_status(s, code, msg, strlen(msg));
}

static int on_stream_close(nghttp2_session *session, int32_t stream_id, uint32_t error_code,
                           void *ud) {
  cgrpc_h2_conn_t *c = ud;
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

static int session_create(cgrpc_h2_conn_t *c) {
  nghttp2_session_callbacks *cb;
  nghttp2_option *opt;
  if (nghttp2_session_callbacks_new(&cb) != 0) return -ENOMEM;
  if (nghttp2_option_new(&opt) != 0) {
    nghttp2_session_callbacks_del(cb);
    return -ENOMEM;
  }
  nghttp2_session_callbacks_set_on_begin_headers_callback(cb, on_begin_headers);
  nghttp2_session_callbacks_set_on_header_callback2(cb, on_header);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame_recv);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, on_data_chunk);
  nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_stream_close);
  nghttp2_session_callbacks_set_on_frame_send_callback(cb, on_frame_send);
  nghttp2_session_callbacks_set_on_frame_not_send_callback(cb, on_frame_not_send);
  nghttp2_session_callbacks_set_send_data_callback(cb, cgrpc_h2_send_data_cb);
  nghttp2_option_set_no_auto_window_update(opt, 1);
  nghttp2_option_set_no_closed_streams(opt, 1);
  nghttp2_option_set_max_settings(opt, 32);
  int rv = c->role == CGRPC_H2_SERVER ? nghttp2_session_server_new2(&c->session, cb, c, opt)
                                      : nghttp2_session_client_new2(&c->session, cb, c, opt);
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
  options_resolve(&c->opts, opts);
  c->ev = events;
  c->ctx = ctx;
  c->next_deadline = INT64_MAX;
  cgrpc_compressor_init(&c->compressor, c->opts.compression_level);
  int rv = session_create(c);
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
  cgrpc_h2_output_free(&c->out);
  cgrpc_compressor_destroy(&c->compressor);
  cgrpc_free(c);
}

void cgrpc_h2_conn_abort(cgrpc_h2_conn_t *c, const char *reason) {
  if (c->flags & CONN_DEAD) return;
  c->flags |= CONN_DEAD;
  close_all(c, reason);
  cgrpc_h2_output_free(&c->out);
}

void cgrpc_h2_conn_terminate(cgrpc_h2_conn_t *c, uint32_t error_code, const char *reason) {
  if (c->flags & (CONN_DEAD | CONN_TERMINATED)) return;
  c->flags |= CONN_GOAWAY_SENT | CONN_TERMINATED;
  c->flags &= ~CONN_SHUTDOWN_PING;
  nghttp2_session_terminate_session(c->session, error_code);
  close_all(c, reason);
}

void cgrpc_h2_conn_shutdown(cgrpc_h2_conn_t *c) {
  if (c->flags & (CONN_DEAD | CONN_GOAWAY_SENT | CONN_SHUTDOWN_PING)) return;
  if (c->role == CGRPC_H2_CLIENT) {
    c->flags |= CONN_GOAWAY_SENT;
    nghttp2_submit_goaway(c->session, NGHTTP2_FLAG_NONE, 0, NGHTTP2_NO_ERROR, NULL, 0);
    return;
  }
  c->flags |= CONN_SHUTDOWN_PING;
  nghttp2_submit_shutdown_notice(c->session);
  nghttp2_submit_ping(c->session, NGHTTP2_FLAG_NONE, kShutdownPing);
}

/* ---- Input and output ---------------------------------------------------------- */

int cgrpc_h2_conn_recv(cgrpc_h2_conn_t *c, const uint8_t *data, size_t len) {
  if (c->flags & CONN_DEAD) return NGHTTP2_ERR_EOF;
  ssize_t n = nghttp2_session_mem_recv(c->session, data, len);
  if (n < 0) {
    /* Queue a GOAWAY if nghttp2 has not already; flushing sends it. */
    nghttp2_session_terminate_session(c->session, NGHTTP2_PROTOCOL_ERROR);
    c->flags |= CONN_GOAWAY_SENT;
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
  if (c->flags & (CONN_DEAD | CONN_IN_FLUSH)) return 0;
  c->flags |= CONN_IN_FLUSH;
  int rv = 0;
  for (;;) {
    submit_queued(c);
    run_work(c);
    size_t before = c->out.pending;
    while (c->out.pending < c->opts.output_high_water) {
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
  return rv;
}

size_t cgrpc_h2_conn_output(cgrpc_h2_conn_t *c, struct iovec *iov, size_t max) {
  return cgrpc_h2_output_iov(&c->out, iov, max);
}

size_t cgrpc_h2_conn_output_size(const cgrpc_h2_conn_t *c) { return c->out.pending; }

void cgrpc_h2_conn_written(cgrpc_h2_conn_t *c, size_t n) { cgrpc_h2_output_consume(&c->out, n); }

bool cgrpc_h2_conn_finished(const cgrpc_h2_conn_t *c) {
  if (c->flags & CONN_DEAD) return true;
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
  int64_t next = INT64_MAX;
  for (cgrpc_h2_stream_t *s = c->streams; s; s = s->next) {
    if (s->deadline == INT64_MAX || (s->state & ST_H2_CLOSED)) continue;
    if (s->deadline <= now) {
      cgrpc_h2_stream_cancel(s, CGRPC_STATUS_DEADLINE_EXCEEDED, "deadline exceeded");
    } else if (s->deadline < next) {
      next = s->deadline;
    }
  }
  c->next_deadline = next;
}

int64_t cgrpc_h2_conn_next_deadline(const cgrpc_h2_conn_t *c) { return c->next_deadline; }

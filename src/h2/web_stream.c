/* h2/web_stream.c — the engine's side of web/protocol.h: a stream whose
 * request is not plain gRPC, handed to the protocol that claimed it.
 *
 * The stream stays an ordinary server stream: the layer above gets the
 * same on_request, messages and on_close, and answers with the same
 * operations. What changes is at the edges, each behind `s->web`: the
 * request bytes may go through the protocol's request_body before the
 * deframer, the response head is the protocol's, each message may be
 * re-encoded, and the end is body bytes (a gRPC-Web trailer frame, a
 * Connect end-of-stream message) instead of HTTP/2 trailers.
 */
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/time.h"
#include "h2/conn_internal.h"
#include "h2/metadata.h"

struct cgrpc_web_exchange *cgrpc_h2_stream_web(const cgrpc_h2_stream_t *s) {
  return s->web;
}

cgrpc_h2_msg_t *cgrpc_h2_raw_msg(const uint8_t *data, size_t len) {
  cgrpc_h2_msg_t *m = cgrpc_h2_msg_new(len);
  if (!m) return NULL;
  if (len) memcpy(m->data, data, len);
  m->len = len;
  m->raw = true;
  return m;
}

/* Queues `len` bytes raw; false when out of memory. */
static bool queue_bytes(cgrpc_h2_stream_t *s, const uint8_t *data, size_t len) {
  if (len == 0) return true;
  cgrpc_h2_msg_t *m = cgrpc_h2_raw_msg(data, len);
  if (!m) return false;
  cgrpc_h2_stream_queue(s, m);
  return true;
}

static nghttp2_data_provider provider_of(cgrpc_h2_stream_t *s) {
  nghttp2_data_provider prd;
  prd.source.ptr = s;
  prd.read_callback = cgrpc_h2_data_read;
  return prd;
}

/* The whole answer at once: `head`, then `a` and `b`, then END_STREAM. */
static void send_whole(cgrpc_h2_stream_t *s, const cgrpc_web_head_t *head, const cgrpc_web_buf_t *a,
                       const cgrpc_web_buf_t *b) {
  cgrpc_h2_conn_t *c = s->conn;
  s->state |= ST_RESP_STARTED | ST_FINISHING;
  if (!cgrpc_h2_build_web_head(s, head, false) || !queue_bytes(s, a->data, a->len) ||
      !queue_bytes(s, b->data, b->len)) {
    nghttp2_submit_rst_stream(c->session, NGHTTP2_FLAG_NONE, s->id, NGHTTP2_INTERNAL_ERROR);
    return;
  }
  nghttp2_data_provider prd = provider_of(s);
  int rv =
      nghttp2_submit_response(c->session, s->id, s->nva, s->nva_len, s->sendq_head ? &prd : NULL);
  if (rv != 0) {
    cgrpc_h2_conn_end(c, CGRPC_H2_END_REFUSE, NGHTTP2_INTERNAL_ERROR, "out_of_memory",
                      "out of memory answering a request");
  }
}

static void end_with(cgrpc_h2_stream_t *s, cgrpc_status_code_t code, const char *why) {
  /* Through the normal end: the protocol's finish answers it. */
  cgrpc_h2_stream_fail(s, code, why);
}

bool cgrpc_h2_web_request(cgrpc_h2_stream_t *s) {
  cgrpc_h2_conn_t *c = s->conn;
  cgrpc_h2_header_state_t *hs = s->hs;
  cgrpc_web_request_t *req = cgrpc_arena_alloc(&s->arena, sizeof *req);
  cgrpc_web_exchange_t *x = cgrpc_arena_alloc(&s->arena, sizeof *x);
  if (!req || !x) return false; /* answered as not gRPC: the memory is not there */
  memset(req, 0, sizeof *req);
  memset(x, 0, sizeof *x);
  req->method = hs->method_post ? (cgrpc_str_t){"POST", 4} : hs->method;
  req->path = s->path;
  req->content_type =
      hs->content_type_ok ? (cgrpc_str_t){"application/grpc", 16} : hs->content_type_full;
  if (!req->content_type.data) req->content_type = (cgrpc_str_t){"", 0};
  if (!req->path.data) req->path = (cgrpc_str_t){"", 0};
  if (!req->method.data) req->method = (cgrpc_str_t){"", 0};
  req->authority = s->authority;
  req->headers = &s->metadata;
  req->http1 = c->http1 != NULL;
  req->secure = c->opts.secure;
  x->server = c->opts.web;
  x->req = req;
  x->arena = &s->arena;
  x->timeout_ns = -1;
  x->max_request_bytes = c->opts.max_recv_message;
  cgrpc_web_match_t what = c->opts.web->dispatch(c->opts.web, x);
  if (what == CGRPC_WEB_NO) return false;
  s->web = x;
  if (what == CGRPC_WEB_RESPOND) {
    s->state |= ST_IGNORE_INPUT;
    cgrpc_h2_stream_set_status(s, CGRPC_STATUS_OK, "", 0);
    static const cgrpc_web_buf_t kNone = {0};
    send_whole(s, &x->respond.head, &x->respond.body, &kNone);
    cgrpc_web_buf_free(&x->respond.body);
    return true;
  }
  /* A call. */
  if (x->call_path.len) s->path = x->call_path;
  if (x->proto->request_body) s->state |= ST_WEB_XFORM;
  if (hs->authority_count > 1 || hs->host_count > 1) {
    end_with(s, CGRPC_STATUS_INTERNAL, "more than one :authority or host");
    return true;
  }
  if (hs->error.code != CGRPC_STATUS_OK) {
    end_with(s, hs->error.code, hs->error.message);
    return true;
  }
  int64_t timeout = x->timeout_ns >= 0 ? x->timeout_ns : hs->timeout;
  if (timeout == 0) {
    end_with(s, CGRPC_STATUS_DEADLINE_EXCEEDED, "deadline exceeded before the call started");
    return true;
  }
  s->state |= ST_HEADERS_DONE;
  if (timeout > 0) {
    s->deadline = cgrpc_time_add(c->ev->now(c->ctx), timeout);
    cgrpc_h2_conn_note_deadline(c, s->deadline);
  }
  cgrpc_deframer_init(&s->deframer, c->opts.max_recv_message,
                      s->recv_encoding != CGRPC_COMPRESSION_IDENTITY);
  c->ev->on_request(c->ctx, s);
  return true;
}

void cgrpc_h2_web_on_body(cgrpc_h2_stream_t *s, const uint8_t *data, size_t len, bool end) {
  cgrpc_web_exchange_t *x = s->web;
  if (!(s->state & ST_LIVE) || (s->state & ST_IGNORE_INPUT)) return;
  cgrpc_web_buf_t out = {0};
  cgrpc_error_t err = {0};
  cgrpc_status_code_t code = x->proto->request_body(x, data, len, end, &out, &err);
  if (code != CGRPC_STATUS_OK) {
    cgrpc_web_buf_free(&out);
    end_with(s, code, err.message[0] ? err.message : "the request body could not be read");
    return;
  }
  cgrpc_h2_stream_feed_framed(s, out.data, out.len);
  cgrpc_web_buf_free(&out);
}

bool cgrpc_h2_web_set_response(cgrpc_h2_stream_t *s, const cgrpc_metadata_t *md) {
  cgrpc_web_exchange_t *x = s->web;
  static const cgrpc_metadata_t kEmpty = CGRPC_METADATA_INIT;
  if (!md) md = &kEmpty;
  if (x->flags & CGRPC_WEB_BUFFERED) {
    /* Kept for finish, which sends the only head. */
    x->initial_md = (cgrpc_metadata_t)CGRPC_METADATA_INIT;
    return cgrpc_metadata_copy(&x->initial_md, &s->arena, md) || md->count == 0;
  }
  cgrpc_web_head_t head = {.status = 200, .content_type = {"", 0}};
  if (x->proto->response_head && !x->proto->response_head(x, md, &head)) return false;
  return cgrpc_h2_build_web_head(s, &head, (x->flags & CGRPC_WEB_GRPC_COMPRESSION) != 0);
}

cgrpc_h2_msg_t *cgrpc_h2_web_message(cgrpc_h2_stream_t *s, cgrpc_h2_msg_t *m, bool compressed) {
  cgrpc_web_exchange_t *x = s->web;
  bool buffered = (x->flags & CGRPC_WEB_BUFFERED) != 0;
  if (!x->proto->response_message && !buffered) return m;
  cgrpc_web_buf_t tmp = {0};
  cgrpc_web_buf_t *out = buffered ? &x->body : &tmp;
  bool ok;
  if (x->proto->response_message) {
    ok = x->proto->response_message(x, cgrpc_h2_msg_payload(m), m->len, compressed, out);
  } else {
    ok = cgrpc_web_buf_append(out, m->data, CGRPC_MESSAGE_PREFIX_SIZE + m->len);
  }
  cgrpc_h2_msg_free(m);
  if (!ok) {
    cgrpc_web_buf_free(&tmp);
    cgrpc_h2_stream_fail(s, CGRPC_STATUS_INTERNAL,
                         "the response message could not be encoded for this protocol");
    return NULL;
  }
  if (buffered) {
    /* Taken: the writer hears it was sent, as for a queued message. */
    s->sent_events++;
    cgrpc_h2_conn_add_work(s->conn, s);
    return NULL;
  }
  cgrpc_h2_msg_t *raw = cgrpc_h2_raw_msg(tmp.data, tmp.len);
  cgrpc_web_buf_free(&tmp);
  if (!raw) cgrpc_h2_stream_fail(s, CGRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
  return raw;
}

void cgrpc_h2_web_end(cgrpc_h2_stream_t *s, cgrpc_status_code_t code, const char *message,
                      size_t message_len, const cgrpc_metadata_t *md) {
  cgrpc_web_exchange_t *x = s->web;
  cgrpc_h2_conn_t *c = s->conn;
  static const cgrpc_metadata_t kEmpty = CGRPC_METADATA_INIT;
  bool nothing_sent = !(s->state & ST_RESP_STARTED);
  cgrpc_web_head_t head = {.status = 200, .content_type = {"", 0}};
  cgrpc_web_buf_t out = {0};
  bool ok = x->proto->finish(x, code, (cgrpc_str_t){message, message_len}, md ? md : &kEmpty,
                             &x->initial_md, nothing_sent ? &head : NULL, &x->body, &out);
  if (!ok) {
    cgrpc_web_buf_free(&out);
    cgrpc_web_buf_free(&x->body);
    nghttp2_submit_rst_stream(c->session, NGHTTP2_FLAG_NONE, s->id, NGHTTP2_INTERNAL_ERROR);
    return;
  }
  if (nothing_sent) {
    send_whole(s, &head, &x->body, &out);
  } else if (!queue_bytes(s, out.data, out.len)) {
    nghttp2_submit_rst_stream(c->session, NGHTTP2_FLAG_NONE, s->id, NGHTTP2_INTERNAL_ERROR);
  } else {
    cgrpc_h2_stream_wake_data(s);
  }
  cgrpc_web_buf_free(&out);
  cgrpc_web_buf_free(&x->body);
}

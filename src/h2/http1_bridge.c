/* h2/http1_bridge.c — HTTP/1.1 on a server connection, as in-memory HTTP/2.
 *
 * A server connection whose first bytes are an HTTP/1.1 request line
 * instead of the HTTP/2 preface becomes an HTTP/1.1 connection. The engine
 * stays what it is: the bridge parses each request (http1/parser.h),
 * submits it as a stream on a private nghttp2 client session whose frames
 * go straight into the engine, and turns the frames the engine answers
 * with back into an HTTP/1.1 response. So every protocol of the server
 * (gRPC-Web, Connect, REST, static files, CORS: web/protocol.h), every
 * limit, deadline and interceptor works the same over HTTP/1.1, with no
 * second implementation; the price is an HPACK round trip per request in
 * memory.
 *
 * Requests are served one at a time in order: pipelined requests wait in
 * the input buffer until the response before them is out (RFC 9112 §9.3.2).
 * A response whose end is known when its head is ready (a unary call: the
 * engine produces head, message and status in one flush) goes out with
 * Content-Length; a streaming one with chunked coding, as it comes.
 *
 * Limits (server options http1_*): the head's size (431), the body's size
 * (413, also announced by Content-Length before any body byte is read),
 * a deadline for the whole head from its first byte (408: slowloris), and
 * an idle timeout between requests and between body bytes. Malformed
 * requests get 400, unsupported versions 505, transfer codings other than
 * chunked 501; every error closes the connection after its answer.
 * "Expect: 100-continue" is answered with 100 Continue once the head
 * passed the checks (or with the 413 instead).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/time.h"
#include "h2/conn_internal.h"
#include "h2/http1_bridge.h"
#include "http1/parser.h"

typedef enum { RQ_HEAD, RQ_BODY, RQ_WAIT } rq_state_t;

struct cgrpc_h2_http1 {
  cgrpc_h2_conn_t *c;
  nghttp2_session *client;
  cgrpc_h2_output_t out; /* bytes for the socket */

  uint8_t *in; /* unparsed input */
  size_t in_len, in_cap;
  size_t scanned;

  /* The request being read. */
  rq_state_t rq;
  int32_t sid; /* its loopback stream; 0: none */
  bool chunked, keep_alive, head_method;
  uint64_t body_left; /* Content-Length bytes still to come */
  uint64_t body_total;
  cgrpc_http1_chunked_t ch;
  uint8_t *body; /* body bytes not yet taken by the loopback stream */
  size_t body_len, body_off, body_cap;
  bool body_end, body_deferred;
  bool discarding; /* the response is out: the rest of the body is read and dropped */

  /* Its response. */
  int status;
  cgrpc_web_buf_t head, trailers, resp;
  bool headers_done, committed, resp_chunked, resp_ended, reset;

  bool goaway;  /* the engine said GOAWAY: no more requests */
  bool closing; /* close once the output is written */
  int64_t head_deadline, idle_deadline;
};

static int64_t now(cgrpc_h2_http1_t *b) { return b->c->ev->now(b->c->ctx); }

static bool out_text(cgrpc_h2_http1_t *b, const void *p, size_t n) {
  return cgrpc_h2_output_copy(&b->out, p, n);
}

/* An answer of the bridge's own (errors), then the connection closes. */
static void respond_error(cgrpc_h2_http1_t *b, int status, const char *why) {
  if (b->sid) {
    nghttp2_submit_rst_stream(b->client, NGHTTP2_FLAG_NONE, b->sid, NGHTTP2_CANCEL);
    b->sid = 0;
  }
  b->closing = true;        /* what input is left is never read */
  if (b->committed) return; /* mid-response: closing is all that is left */
  char text[512];
  int n = snprintf(text, sizeof text,
                   "HTTP/1.1 %d %s\r\ncontent-type: text/plain\r\ncontent-length: %zu\r\n"
                   "connection: close\r\n\r\n%s\n",
                   status, cgrpc_http1_reason(status), strlen(why) + 1, why);
  if (n > 0) out_text(b, text, (size_t)n < sizeof text ? (size_t)n : sizeof text - 1);
  b->committed = true;
}

/* ---- The loopback client's callbacks --------------------------------------------- */

static int on_header(nghttp2_session *s, const nghttp2_frame *frame, const uint8_t *name,
                     size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags,
                     void *ud) {
  cgrpc_h2_http1_t *b = ud;
  if (frame->hd.stream_id != b->sid || frame->hd.type != NGHTTP2_HEADERS) return 0;
  if (namelen == 7 && memcmp(name, ":status", 7) == 0) {
    int st = 0;
    for (size_t i = 0; i < valuelen && i < 3; i++) st = st * 10 + (value[i] - '0');
    b->status = st;
    return 0;
  }
  if (b->status >= 100 && b->status < 200) return 0;
  cgrpc_web_buf_t *dst = b->headers_done ? &b->trailers : &b->head;
  if (!cgrpc_web_buf_append(dst, name, namelen) || !cgrpc_web_buf_append(dst, ": ", 2) ||
      !cgrpc_web_buf_append(dst, value, valuelen) || !cgrpc_web_buf_append(dst, "\r\n", 2)) {
    return NGHTTP2_ERR_CALLBACK_FAILURE;
  }
  return 0;
}

static int on_frame_recv(nghttp2_session *s, const nghttp2_frame *frame, void *ud) {
  cgrpc_h2_http1_t *b = ud;
  if (frame->hd.type == NGHTTP2_GOAWAY) {
    b->goaway = true;
    return 0;
  }
  if (frame->hd.stream_id != b->sid || b->sid == 0) return 0;
  if (frame->hd.type == NGHTTP2_HEADERS) {
    if (b->status >= 100 && b->status < 200) {
      b->status = 0; /* an informational answer: the real one follows */
    } else {
      b->headers_done = true;
    }
  }
  if ((frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) &&
      (frame->hd.flags & NGHTTP2_FLAG_END_STREAM)) {
    b->resp_ended = true;
  }
  return 0;
}

static int on_data(nghttp2_session *s, uint8_t flags, int32_t sid, const uint8_t *data, size_t len,
                   void *ud) {
  cgrpc_h2_http1_t *b = ud;
  if (sid != b->sid) return 0;
  return cgrpc_web_buf_append(&b->resp, data, len) ? 0 : NGHTTP2_ERR_CALLBACK_FAILURE;
}

static int on_stream_close(nghttp2_session *s, int32_t sid, uint32_t error_code, void *ud) {
  cgrpc_h2_http1_t *b = ud;
  if (sid == b->sid && !b->resp_ended) b->reset = true;
  return 0;
}

/* The request body, as the loopback stream's DATA. */
static ssize_t body_read(nghttp2_session *s, int32_t sid, uint8_t *buf, size_t length,
                         uint32_t *data_flags, nghttp2_data_source *source, void *ud) {
  cgrpc_h2_http1_t *b = ud;
  size_t avail = b->body_len - b->body_off;
  if (avail == 0 && !b->body_end) {
    b->body_deferred = true;
    return NGHTTP2_ERR_DEFERRED;
  }
  size_t n = avail < length ? avail : length;
  memcpy(buf, b->body + b->body_off, n);
  b->body_off += n;
  if (b->body_off == b->body_len) b->body_off = b->body_len = 0;
  if (b->body_end && b->body_len == 0) *data_flags |= NGHTTP2_DATA_FLAG_EOF;
  return (ssize_t)n;
}

static bool body_push(cgrpc_h2_http1_t *b, const uint8_t *p, size_t n) {
  if (n == 0) return true;
  if (b->body_off > 0 && b->body_off == b->body_len) b->body_off = b->body_len = 0;
  if (b->body_cap - b->body_len < n) {
    if (b->body_off > 0) {
      memmove(b->body, b->body + b->body_off, b->body_len - b->body_off);
      b->body_len -= b->body_off;
      b->body_off = 0;
    }
    if (b->body_cap - b->body_len < n) {
      size_t cap = b->body_cap ? b->body_cap : 16384;
      while (cap - b->body_len < n) cap *= 2;
      uint8_t *grown = cgrpc_realloc(b->body, cap);
      if (!grown) return false;
      b->body = grown;
      b->body_cap = cap;
    }
  }
  memcpy(b->body + b->body_len, p, n);
  b->body_len += n;
  return true;
}

static void body_wake(cgrpc_h2_http1_t *b) {
  if (!b->body_deferred || !b->sid) return;
  b->body_deferred = false;
  nghttp2_session_resume_data(b->client, b->sid);
}

/* ---- Requests --------------------------------------------------------------------- */

static bool skip_header(cgrpc_str_t name, cgrpc_str_t value) {
  static const char *const kHop[] = {
      "connection", "keep-alive",     "proxy-connection", "upgrade",       "transfer-encoding",
      "host",       "content-length", "expect",           "http2-settings"};
  for (size_t i = 0; i < sizeof kHop / sizeof kHop[0]; i++) {
    if (cgrpc_http1_name_is(name, kHop[i])) return true;
  }
  /* HTTP/2 allows "te: trailers" only. */
  return cgrpc_http1_name_is(name, "te") && !cgrpc_http1_name_is(value, "trailers");
}

static nghttp2_nv nv_of(const char *name, size_t nlen, const char *value, size_t vlen) {
  return (nghttp2_nv){(uint8_t *)name, (uint8_t *)value, nlen, vlen, NGHTTP2_NV_FLAG_NONE};
}

/* Submits the parsed head as a loopback stream. False: answered with an error. */
static bool start_request(cgrpc_h2_http1_t *b, const cgrpc_http1_head_t *h) {
  const cgrpc_h2_options_t *o = &b->c->opts;
  bool has_body = h->chunked || h->content_length > 0;
  if (h->content_length >= 0 && (uint64_t)h->content_length > o->http1_max_body_bytes) {
    respond_error(b, 413, "the request body is larger than the server's limit");
    return false;
  }
  cgrpc_str_t path = h->target;
  /* absolute-form ("http://host/path"): the path part. */
  if (path.len > 7 &&
      (memcmp(path.data, "http://", 7) == 0 || memcmp(path.data, "https://", 8) == 0)) {
    const char *p = memchr(path.data + 8, '/', path.len - 8);
    path = p ? (cgrpc_str_t){p, (size_t)(path.data + path.len - p)} : (cgrpc_str_t){"/", 1};
  } else if (path.len == 0 || (path.data[0] != '/' && !(path.len == 1 && path.data[0] == '*'))) {
    respond_error(b, 400, "the request target must be a path");
    return false;
  }
  nghttp2_nv nva[CGRPC_HTTP1_MAX_HEADERS + 4];
  size_t n = 0;
  char lower[CGRPC_HTTP1_MAX_HEADERS][64];
  char *big[CGRPC_HTTP1_MAX_HEADERS];
  size_t big_count = 0;
  nva[n++] = nv_of(":method", 7, h->method.data, h->method.len);
  nva[n++] = nv_of(":scheme", 7, o->secure ? "https" : "http", o->secure ? 5 : 4);
  nva[n++] = nv_of(":path", 5, path.data, path.len);
  if (h->host.data) nva[n++] = nv_of(":authority", 10, h->host.data, h->host.len);
  bool ok = true;
  for (size_t i = 0; i < h->field_count; i++) {
    cgrpc_str_t name = h->fields[i].name, value = h->fields[i].value;
    if (skip_header(name, value)) continue;
    char *dst = name.len < sizeof lower[0] ? lower[i] : (big[big_count++] = cgrpc_malloc(name.len));
    if (!dst) {
      ok = false;
      break;
    }
    for (size_t k = 0; k < name.len; k++) {
      char ch = name.data[k];
      dst[k] = ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
    }
    nva[n++] = nv_of(dst, name.len, value.data, value.len);
  }
  int32_t sid = -1;
  if (ok) {
    nghttp2_data_provider prd = {.source.ptr = b, .read_callback = body_read};
    sid = nghttp2_submit_request(b->client, NULL, nva, n, has_body ? &prd : NULL, NULL);
  }
  for (size_t i = 0; i < big_count; i++) cgrpc_free(big[i]);
  if (sid < 0) {
    respond_error(b, 503, "the server cannot take the request now");
    return false;
  }
  b->sid = sid;
  b->keep_alive = h->keep_alive;
  b->head_method = h->method.len == 4 && memcmp(h->method.data, "HEAD", 4) == 0;
  b->chunked = h->chunked;
  b->body_left = h->content_length > 0 ? (uint64_t)h->content_length : 0;
  b->body_total = 0;
  memset(&b->ch, 0, sizeof b->ch);
  b->body_end = !has_body;
  b->body_deferred = false;
  b->discarding = false;
  b->status = 0;
  b->headers_done = b->committed = b->resp_chunked = b->resp_ended = b->reset = false;
  b->rq = has_body ? RQ_BODY : RQ_WAIT;
  if (has_body && h->expect_continue) out_text(b, "HTTP/1.1 100 Continue\r\n\r\n", 25);
  return true;
}

static void consume_input(cgrpc_h2_http1_t *b, size_t n) {
  if (n > b->in_len) n = b->in_len;
  memmove(b->in, b->in + n, b->in_len - n);
  b->in_len -= n;
}

/* Body bytes from the input, as far as they go. */
static void read_body(cgrpc_h2_http1_t *b) {
  size_t max = b->c->opts.http1_max_body_bytes;
  if (!b->chunked) {
    size_t n = b->in_len < b->body_left ? b->in_len : (size_t)b->body_left;
    if (!b->discarding && !body_push(b, b->in, n)) {
      respond_error(b, 503, "out of memory");
      return;
    }
    consume_input(b, n);
    b->body_left -= n;
    if (b->body_left == 0) b->body_end = true;
  } else {
    const uint8_t *p = b->in;
    size_t len = b->in_len;
    for (;;) {
      const uint8_t *data;
      size_t dlen;
      const char *why = NULL;
      cgrpc_http1_result_t r = cgrpc_http1_chunked_next(&b->ch, &p, &len, &data, &dlen, &why);
      if (r == CGRPC_HTTP1_BAD) {
        respond_error(b, 400, why);
        return;
      }
      if (dlen) {
        b->body_total += dlen;
        if (b->body_total > max) {
          respond_error(b, 413, "the request body is larger than the server's limit");
          return;
        }
        if (!b->discarding && !body_push(b, data, dlen)) {
          respond_error(b, 503, "out of memory");
          return;
        }
      }
      if (r == CGRPC_HTTP1_DONE) {
        b->body_end = true;
        break;
      }
      if (dlen == 0) break;
    }
    consume_input(b, b->in_len - len);
  }
  if (b->body_end && b->discarding) {
    b->discarding = false;
    b->rq = RQ_HEAD;
    b->body_len = b->body_off = 0;
    return;
  }
  if (b->body_end) b->rq = RQ_WAIT;
  body_wake(b);
}

/* Parses what the input holds, as far as the state allows. */
static void read_input(cgrpc_h2_http1_t *b) {
  const cgrpc_h2_options_t *o = &b->c->opts;
  while (!b->closing && !b->goaway) {
    if (b->rq == RQ_HEAD) {
      if (b->in_len == 0) return;
      if (b->head_deadline == CGRPC_INFINITE) {
        b->head_deadline = cgrpc_time_add(now(b), o->http1_header_timeout);
      }
      cgrpc_http1_head_t h;
      size_t used = 0;
      const char *why = NULL;
      cgrpc_http1_result_t r = cgrpc_http1_head_parse(b->in, b->in_len, o->http1_max_header_bytes,
                                                      &b->scanned, &h, &used, &why);
      if (r == CGRPC_HTTP1_NEED_MORE) return;
      if (r != CGRPC_HTTP1_DONE) {
        respond_error(b, -(int)r, why);
        return;
      }
      b->scanned = 0;
      b->head_deadline = CGRPC_INFINITE;
      b->idle_deadline = CGRPC_INFINITE;
      bool started = start_request(b, &h);
      consume_input(b, used);
      if (!started) return;
      continue;
    }
    if (b->rq == RQ_BODY) {
      if (b->in_len == 0) return;
      read_body(b);
      if (b->rq == RQ_BODY) return;
      continue;
    }
    return; /* RQ_WAIT: the next request waits for this response */
  }
}

/* ---- Responses --------------------------------------------------------------------- */

static bool status_has_body(int status) { return status >= 200 && status != 204 && status != 304; }

static bool write_head(cgrpc_h2_http1_t *b, bool chunked, size_t length) {
  char line[160];
  int status = b->status ? b->status : 200;
  int n = snprintf(line, sizeof line, "HTTP/1.1 %d %s\r\n", status, cgrpc_http1_reason(status));
  bool ok = out_text(b, line, (size_t)n) && out_text(b, b->head.data, b->head.len);
  if (status_has_body(status)) {
    n = chunked ? snprintf(line, sizeof line, "transfer-encoding: chunked\r\n")
                : snprintf(line, sizeof line, "content-length: %zu\r\n", length);
    ok = ok && out_text(b, line, (size_t)n);
  }
  bool close = !b->keep_alive || b->goaway;
  if (close) ok = ok && out_text(b, "connection: close\r\n", 19);
  return ok && out_text(b, "\r\n", 2);
}

static bool write_chunk(cgrpc_h2_http1_t *b, const uint8_t *p, size_t n) {
  if (n == 0 || b->head_method) return true;
  char size[24];
  int k = snprintf(size, sizeof size, "%zx\r\n", n);
  return out_text(b, size, (size_t)k) && out_text(b, p, n) && out_text(b, "\r\n", 2);
}

/* The exchange is over: the next request may be read, or the connection
 * closes. */
static void exchange_done(cgrpc_h2_http1_t *b) {
  if (!b->keep_alive || b->goaway) b->closing = true;
  b->sid = 0;
  /* A response that ended before its request's body did (an error, or a
   * client-streaming request gRPC-Web refuses): the rest of the body is
   * read and dropped, so the client, still sending, gets to read the
   * answer, and the connection stays usable. */
  if (b->rq == RQ_BODY) {
    b->discarding = true;
  } else {
    b->rq = RQ_HEAD;
  }
  b->head.len = b->trailers.len = b->resp.len = 0;
  b->body_len = b->body_off = 0;
  b->committed = false;
  b->idle_deadline = cgrpc_time_add(now(b), b->c->opts.http1_idle_timeout);
}

/* Writes what the loopback stream has produced; called when the engine
 * has nothing more to say for now. */
static void write_response(cgrpc_h2_http1_t *b) {
  if (!b->sid || b->closing) return;
  if (b->reset && !b->headers_done) {
    respond_error(b, 502, "the server reset the request");
    return;
  }
  if (!b->headers_done) return;
  /* A head alone (initial metadata sent early) waits for the first body
   * bytes or the end: a unary answer then still gets a Content-Length. */
  if (!b->committed && !b->resp_ended && b->resp.len == 0) return;
  bool ok = true;
  if (!b->committed) {
    b->committed = true;
    if (b->resp_ended) {
      ok = write_head(b, false, b->resp.len) && (b->head_method || !status_has_body(b->status) ||
                                                 out_text(b, b->resp.data, b->resp.len));
      b->resp.len = 0;
      if (ok) exchange_done(b);
      if (!ok) respond_error(b, 503, "out of memory");
      return;
    }
    b->resp_chunked = status_has_body(b->status);
    ok = write_head(b, b->resp_chunked, 0);
  }
  if (b->resp_chunked) {
    ok = ok && write_chunk(b, b->resp.data, b->resp.len);
    b->resp.len = 0;
    if (b->resp_ended) {
      ok = ok && (b->head_method ||
                  (out_text(b, "0\r\n", 3) && out_text(b, b->trailers.data, b->trailers.len) &&
                   out_text(b, "\r\n", 2)));
    }
  }
  if (!ok) {
    respond_error(b, 503, "out of memory");
  } else if (b->resp_ended) {
    exchange_done(b);
  } else if (b->reset) {
    b->closing = true; /* cut off mid-response: the client sees the close */
  }
}

/* Moves frames between the loopback client and the engine until both are
 * quiet, then writes the response as far as it goes. */
static int pump(cgrpc_h2_http1_t *b) {
  cgrpc_h2_conn_t *c = b->c;
  for (int round = 0; round < 64; round++) {
    bool moved = false;
    const uint8_t *data;
    ssize_t n;
    while ((n = nghttp2_session_mem_send(b->client, &data)) > 0) {
      moved = true;
      int rv = cgrpc_h2_conn_recv_frames(c, data, (size_t)n);
      if (rv != 0) return rv;
    }
    if (n < 0) return (int)n;
    int rv = cgrpc_h2_conn_flush_frames(c);
    struct iovec iov[64];
    size_t k;
    while ((k = cgrpc_h2_output_iov(&c->out, iov, 64)) > 0) {
      moved = true;
      size_t total = 0;
      for (size_t i = 0; i < k; i++) {
        ssize_t r = nghttp2_session_mem_recv(b->client, iov[i].iov_base, iov[i].iov_len);
        if (r < 0) return (int)r;
        total += iov[i].iov_len;
      }
      cgrpc_h2_output_consume(&c->out, total);
    }
    if (rv != 0) return rv;
    write_response(b);
    if (!b->sid) read_input(b);
    if (!moved) break;
  }
  return 0;
}

/* ---- The engine's side ----------------------------------------------------------- */

bool cgrpc_h2_http1_detect(const uint8_t *data, size_t len, bool *need_more) {
  static const char kPreface[] = "PRI * HTTP/2.0";
  size_t n = len < sizeof kPreface - 1 ? len : sizeof kPreface - 1;
  *need_more = false;
  if (memcmp(data, kPreface, n) == 0) {
    *need_more = n < 4;
    return false;
  }
  /* A method token followed by a space: upper-case letters. */
  size_t i = 0;
  while (i < len && i < 16 && data[i] >= 'A' && data[i] <= 'Z') i++;
  if (i == len && i < 16) {
    *need_more = true;
    return false;
  }
  return i > 0 && i < len && data[i] == ' ';
}

int cgrpc_h2_http1_new(cgrpc_h2_conn_t *c, cgrpc_h2_http1_t **out) {
  cgrpc_h2_http1_t *b = cgrpc_malloc(sizeof *b);
  if (!b) return -ENOMEM;
  memset(b, 0, sizeof *b);
  b->c = c;
  b->head_deadline = b->idle_deadline = CGRPC_INFINITE;
  nghttp2_session_callbacks *cb;
  if (nghttp2_session_callbacks_new(&cb) != 0) {
    cgrpc_free(b);
    return -ENOMEM;
  }
  nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame_recv);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, on_data);
  nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_stream_close);
  int rv = nghttp2_session_client_new(&b->client, cb, b);
  nghttp2_session_callbacks_del(cb);
  nghttp2_settings_entry iv[2] = {{NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, (1u << 31) - 1},
                                  {NGHTTP2_SETTINGS_ENABLE_PUSH, 0}};
  if (rv != 0 || nghttp2_submit_settings(b->client, NGHTTP2_FLAG_NONE, iv, 2) != 0 ||
      nghttp2_session_set_local_window_size(b->client, NGHTTP2_FLAG_NONE, 0, (1u << 31) - 1) != 0) {
    cgrpc_h2_http1_free(b);
    return -ENOMEM;
  }
  *out = b;
  return 0;
}

void cgrpc_h2_http1_free(cgrpc_h2_http1_t *b) {
  if (!b) return;
  if (b->client) nghttp2_session_del(b->client);
  cgrpc_h2_output_free(&b->out);
  cgrpc_free(b->in);
  cgrpc_free(b->body);
  cgrpc_web_buf_free(&b->head);
  cgrpc_web_buf_free(&b->trailers);
  cgrpc_web_buf_free(&b->resp);
  cgrpc_free(b);
}

int cgrpc_h2_http1_recv(cgrpc_h2_http1_t *b, const uint8_t *data, size_t len) {
  if (b->closing) return 0;
  /* Input waiting behind a request in progress is bounded like a head. */
  size_t cap = b->c->opts.http1_max_header_bytes + 64 * 1024;
  if (b->rq != RQ_BODY && b->in_len + len > cap && b->rq == RQ_WAIT) {
    respond_error(b, 400, "too much pipelined input");
    return 0;
  }
  if (b->in_cap - b->in_len < len) {
    size_t want = b->in_cap ? b->in_cap : 4096;
    while (want - b->in_len < len) want *= 2;
    uint8_t *grown = cgrpc_realloc(b->in, want);
    if (!grown) return NGHTTP2_ERR_NOMEM;
    b->in = grown;
    b->in_cap = want;
  }
  memcpy(b->in + b->in_len, data, len);
  b->in_len += len;
  if (b->rq == RQ_BODY) b->idle_deadline = cgrpc_time_add(now(b), b->c->opts.http1_idle_timeout);
  read_input(b);
  return pump(b);
}

int cgrpc_h2_http1_flush(cgrpc_h2_http1_t *b) {
  int rv = pump(b);
  if (b->c->flags & (CONN_DEAD | CONN_TERMINATED | CONN_CLOSING)) b->closing = true;
  if (b->goaway && !b->sid) b->closing = true;
  return rv;
}

size_t cgrpc_h2_http1_output(cgrpc_h2_http1_t *b, struct iovec *iov, size_t max) {
  return cgrpc_h2_output_iov(&b->out, iov, max);
}

size_t cgrpc_h2_http1_output_size(const cgrpc_h2_http1_t *b) { return b->out.pending; }

void cgrpc_h2_http1_written(cgrpc_h2_http1_t *b, size_t n) { cgrpc_h2_output_consume(&b->out, n); }

bool cgrpc_h2_http1_finished(const cgrpc_h2_http1_t *b) {
  if (b->c->flags & CONN_DEAD) return true;
  return b->closing && b->out.pending == 0;
}

int64_t cgrpc_h2_http1_next_deadline(const cgrpc_h2_http1_t *b) {
  int64_t d = b->head_deadline;
  if (b->idle_deadline < d) d = b->idle_deadline;
  return d;
}

void cgrpc_h2_http1_expire(cgrpc_h2_http1_t *b, int64_t t) {
  if (b->closing) return;
  if (b->head_deadline <= t && b->rq == RQ_HEAD) {
    b->head_deadline = CGRPC_INFINITE;
    respond_error(b, 408, "the request head did not arrive in time");
    return;
  }
  if (b->idle_deadline <= t) {
    b->idle_deadline = CGRPC_INFINITE;
    if (b->rq == RQ_BODY && b->discarding) {
      b->closing = true; /* answered already: nothing more to say */
    } else if (b->rq == RQ_BODY) {
      respond_error(b, 408, "the request body stopped arriving");
    } else if (b->rq == RQ_HEAD && b->in_len == 0 && !b->sid) {
      b->closing = true; /* idle keep-alive connection */
    }
  }
}

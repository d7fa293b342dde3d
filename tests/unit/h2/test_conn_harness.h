/* tests/unit/h2/test_conn_harness.h — a client and a server connection
 * talking in memory, for the transport tests.
 *
 * A "peer" wraps one cgrpc_h2_conn_t with event handlers that record what
 * happened to each call (headers, messages, end of stream, status) on a
 * tcall_t. A "raw" endpoint is a bare nghttp2 session, for sending what our
 * own client never would (GET requests, bad headers, padded frames) and for
 * playing a misbehaving server. pump() moves bytes both ways until both
 * sides are quiet, optionally in small chunks to split frames anywhere.
 * Time is a fake clock the test advances by hand.
 */
#ifndef CGRPC_TESTS_UNIT_H2_TEST_CONN_HARNESS_H
#define CGRPC_TESTS_UNIT_H2_TEST_CONN_HARNESS_H

#include <stdlib.h>
#include <string.h>

#include <nghttp2/nghttp2.h>

#include "h2/conn.h"
#include "test.h"

/* ---- Calls ------------------------------------------------------------------ */

typedef struct tmsg {
  struct tmsg *next;
  size_t len;
  bool compressed;
  uint8_t data[];
} tmsg_t;

typedef struct tpeer tpeer_t;

typedef struct tcall {
  cgrpc_h2_stream_t s;
  tpeer_t *peer;
  tmsg_t *msgs, *msgs_tail;
  size_t msg_count, msg_bytes;
  int got_request, got_headers, eos, closed, sent;
  cgrpc_status_code_t code;
  char message[512];
  size_t message_len;
  bool pause_after_message; /* pause the stream after each delivered message */
  bool keep_bytes;          /* store message bytes (else count them only) */
} tcall_t;

/* ---- Peers ---------------------------------------------------------------------- */

#define TPEER_MAX_CALLS 256

struct tpeer {
  cgrpc_h2_conn_t *conn;
  cgrpc_h2_events_t ev;
  int64_t *clock;
  /* Server behaviour when a request arrives / a message arrives / the
   * client half-closes. NULL: nothing. */
  void (*on_request)(tpeer_t *p, tcall_t *c);
  void (*on_message)(tpeer_t *p, tcall_t *c, const uint8_t *data, size_t len);
  void (*on_eos)(tpeer_t *p, tcall_t *c);
  tcall_t *calls[TPEER_MAX_CALLS];
  size_t ncalls;
  int ready, goaways, refuse;
  bool keep_bytes;
};

static inline int64_t tpeer_now(void *ctx) { return *((tpeer_t *)ctx)->clock; }

static inline tcall_t *tcall_alloc(tpeer_t *p) {
  tcall_t *c = calloc(1, sizeof *c);
  cgrpc_h2_stream_init(&c->s, c, NULL, 0);
  c->peer = p;
  c->keep_bytes = p->keep_bytes;
  CHECK(p->ncalls < TPEER_MAX_CALLS);
  p->calls[p->ncalls++] = c;
  return c;
}

static inline cgrpc_h2_stream_t *tpeer_stream_new(void *ctx, cgrpc_h2_conn_t *conn) {
  tpeer_t *p = ctx;
  if (p->refuse) return NULL;
  return &tcall_alloc(p)->s;
}

static inline void tpeer_on_request(void *ctx, cgrpc_h2_stream_t *s) {
  tpeer_t *p = ctx;
  tcall_t *c = cgrpc_h2_stream_user(s);
  c->got_request++;
  if (p->on_request) p->on_request(p, c);
}

static inline void tpeer_on_headers(void *ctx, cgrpc_h2_stream_t *s) {
  ((tcall_t *)cgrpc_h2_stream_user(s))->got_headers++;
}

static inline void tpeer_on_message(void *ctx, cgrpc_h2_stream_t *s, const uint8_t *data,
                                    size_t len) {
  tpeer_t *p = ctx;
  tcall_t *c = cgrpc_h2_stream_user(s);
  CHECK(!c->closed && !c->eos);
  if (c->keep_bytes) {
    tmsg_t *m = malloc(sizeof *m + len);
    m->next = NULL;
    m->len = len;
    m->compressed = cgrpc_h2_stream_last_compressed(s);
    if (len) memcpy(m->data, data, len);
    if (c->msgs_tail) {
      c->msgs_tail->next = m;
    } else {
      c->msgs = m;
    }
    c->msgs_tail = m;
  }
  c->msg_count++;
  c->msg_bytes += len;
  if (c->pause_after_message) cgrpc_h2_stream_pause_read(s, true);
  if (p->on_message) p->on_message(p, c, data, len);
}

static inline void tpeer_on_eos(void *ctx, cgrpc_h2_stream_t *s) {
  tpeer_t *p = ctx;
  tcall_t *c = cgrpc_h2_stream_user(s);
  CHECK(!c->closed);
  c->eos++;
  if (p->on_eos) p->on_eos(p, c);
}

static inline void tpeer_on_sent(void *ctx, cgrpc_h2_stream_t *s) {
  ((tcall_t *)cgrpc_h2_stream_user(s))->sent++;
}

static inline void tpeer_on_close(void *ctx, cgrpc_h2_stream_t *s) {
  tcall_t *c = cgrpc_h2_stream_user(s);
  const char *msg;
  CHECK_EQ_INT(c->closed, 0);
  c->closed++;
  c->code = cgrpc_h2_stream_status(s, &msg, &c->message_len);
  size_t n = c->message_len < sizeof c->message - 1 ? c->message_len : sizeof c->message - 1;
  memcpy(c->message, msg, n);
  c->message[n] = '\0';
}

static inline void tpeer_on_ready(void *ctx, cgrpc_h2_conn_t *conn) { ((tpeer_t *)ctx)->ready++; }

static inline void tpeer_on_goaway(void *ctx, cgrpc_h2_conn_t *conn, uint32_t code) {
  ((tpeer_t *)ctx)->goaways++;
}

static inline void tpeer_init(tpeer_t *p, cgrpc_h2_role_t role, const cgrpc_h2_options_t *opts,
                              int64_t *clock) {
  memset(p, 0, sizeof *p);
  p->clock = clock;
  p->keep_bytes = true;
  p->ev.now = tpeer_now;
  p->ev.stream_new = tpeer_stream_new;
  p->ev.on_request = tpeer_on_request;
  p->ev.on_headers = tpeer_on_headers;
  p->ev.on_message = tpeer_on_message;
  p->ev.on_end_of_stream = tpeer_on_eos;
  p->ev.on_sent = tpeer_on_sent;
  p->ev.on_close = tpeer_on_close;
  p->ev.on_ready = tpeer_on_ready;
  p->ev.on_goaway = tpeer_on_goaway;
  CHECK_EQ_INT(cgrpc_h2_conn_new(role, opts, &p->ev, p, &p->conn), 0);
}

static inline void tcall_free(tcall_t *c) {
  while (c->msgs) {
    tmsg_t *m = c->msgs;
    c->msgs = m->next;
    free(m);
  }
  cgrpc_h2_stream_destroy(&c->s);
  free(c);
}

static inline void tpeer_free(tpeer_t *p) {
  cgrpc_h2_conn_free(p->conn);
  for (size_t i = 0; i < p->ncalls; i++) tcall_free(p->calls[i]);
}

/* ---- Raw nghttp2 endpoints ------------------------------------------------------- */

#define RAW_MAX_HEADERS 64

typedef struct raw_block {
  int count;
  char names[RAW_MAX_HEADERS][64];
  char values[RAW_MAX_HEADERS][256];
  bool end_stream;
} raw_block_t;

typedef struct raw {
  nghttp2_session *session;
  raw_block_t blocks[4]; /* header blocks received on any stream, in order */
  int nblocks;
  uint8_t data[1 << 16];
  size_t data_len;
  uint32_t rst_code;
  int rst_count, closed, goaways;
  uint8_t padding; /* pad every DATA frame to this many extra bytes */
  /* Data provider content. */
  const uint8_t *body;
  size_t body_len, body_off;
  bool body_end;
  const char *const *trailers; /* "name", "value", ..., NULL: sent after the body */
} raw_t;

static inline int raw_on_begin_headers(nghttp2_session *s, const nghttp2_frame *f, void *ud) {
  raw_t *r = ud;
  if (r->nblocks < 4) memset(&r->blocks[r->nblocks], 0, sizeof r->blocks[0]);
  return 0;
}

static inline int raw_on_header(nghttp2_session *s, const nghttp2_frame *f, const uint8_t *name,
                                size_t namelen, const uint8_t *value, size_t valuelen,
                                uint8_t flags, void *ud) {
  raw_t *r = ud;
  if (r->nblocks >= 4) return 0;
  raw_block_t *b = &r->blocks[r->nblocks];
  if (b->count >= RAW_MAX_HEADERS) return 0;
  snprintf(b->names[b->count], 64, "%.*s", (int)namelen, name);
  snprintf(b->values[b->count], 256, "%.*s", (int)valuelen, value);
  b->count++;
  return 0;
}

static inline int raw_on_frame_recv(nghttp2_session *s, const nghttp2_frame *f, void *ud) {
  raw_t *r = ud;
  if (f->hd.type == NGHTTP2_HEADERS && r->nblocks < 4) {
    r->blocks[r->nblocks].end_stream = (f->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
    r->nblocks++;
  } else if (f->hd.type == NGHTTP2_RST_STREAM) {
    r->rst_code = f->rst_stream.error_code;
    r->rst_count++;
  } else if (f->hd.type == NGHTTP2_GOAWAY) {
    r->goaways++;
  }
  return 0;
}

static inline int raw_on_data(nghttp2_session *s, uint8_t flags, int32_t id, const uint8_t *data,
                              size_t len, void *ud) {
  raw_t *r = ud;
  if (r->data_len + len <= sizeof r->data) {
    memcpy(r->data + r->data_len, data, len);
    r->data_len += len;
  }
  return 0;
}

static inline int raw_on_close(nghttp2_session *s, int32_t id, uint32_t code, void *ud) {
  ((raw_t *)ud)->closed++;
  return 0;
}

static inline ssize_t raw_select_padding(nghttp2_session *s, const nghttp2_frame *f,
                                         size_t max_payload, void *ud) {
  raw_t *r = ud;
  size_t want = f->hd.length + r->padding;
  if (f->hd.type != NGHTTP2_DATA || !r->padding) return (ssize_t)f->hd.length;
  return (ssize_t)(want < max_payload ? want : max_payload);
}

static inline size_t raw_nv(const char *const *hdrs, nghttp2_nv *nv, size_t max) {
  size_t n = 0;
  for (; hdrs && hdrs[2 * n] && n < max; n++) {
    nv[n] = (nghttp2_nv){(uint8_t *)hdrs[2 * n], (uint8_t *)hdrs[2 * n + 1], strlen(hdrs[2 * n]),
                         strlen(hdrs[2 * n + 1]), NGHTTP2_NV_FLAG_NONE};
  }
  return n;
}

static inline ssize_t raw_read_body(nghttp2_session *s, int32_t id, uint8_t *buf, size_t length,
                                    uint32_t *flags, nghttp2_data_source *src, void *ud) {
  raw_t *r = ud;
  size_t n = r->body_len - r->body_off;
  if (n > length) n = length;
  if (n) memcpy(buf, r->body + r->body_off, n);
  r->body_off += n;
  if (r->body_off == r->body_len && r->body_end) {
    *flags |= NGHTTP2_DATA_FLAG_EOF;
    if (r->trailers) {
      nghttp2_nv nv[16];
      *flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
      nghttp2_submit_trailer(s, id, nv, raw_nv(r->trailers, nv, 16));
    }
  }
  if (n == 0 && !(*flags & NGHTTP2_DATA_FLAG_EOF)) return NGHTTP2_ERR_DEFERRED;
  return (ssize_t)n;
}

static inline void raw_init(raw_t *r, bool server) {
  memset(r, 0, sizeof *r);
  nghttp2_session_callbacks *cb;
  nghttp2_session_callbacks_new(&cb);
  nghttp2_session_callbacks_set_on_begin_headers_callback(cb, raw_on_begin_headers);
  nghttp2_session_callbacks_set_on_header_callback(cb, raw_on_header);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cb, raw_on_frame_recv);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, raw_on_data);
  nghttp2_session_callbacks_set_on_stream_close_callback(cb, raw_on_close);
  nghttp2_session_callbacks_set_select_padding_callback(cb, raw_select_padding);
  if (server) {
    nghttp2_session_server_new(&r->session, cb, r);
  } else {
    nghttp2_session_client_new(&r->session, cb, r);
  }
  nghttp2_session_callbacks_del(cb);
  nghttp2_submit_settings(r->session, NGHTTP2_FLAG_NONE, NULL, 0);
}

static inline void raw_free(raw_t *r) { nghttp2_session_del(r->session); }

/* Finds a header in a received block; NULL when absent. */
static inline const char *raw_header(const raw_t *r, int block, const char *name) {
  if (block >= r->nblocks) return NULL;
  for (int i = 0; i < r->blocks[block].count; i++) {
    if (strcmp(r->blocks[block].names[i], name) == 0) return r->blocks[block].values[i];
  }
  return NULL;
}

/* Submits a request with the given "name", "value" pairs (NULL-terminated)
 * and, if body != NULL, a body ending the stream. Returns the stream id. */
static inline int32_t raw_request(raw_t *r, const char *const *hdrs, const uint8_t *body,
                                  size_t len, bool end) {
  nghttp2_nv nv[32];
  size_t n = raw_nv(hdrs, nv, 32);
  r->body = body;
  r->body_len = len;
  r->body_off = 0;
  r->body_end = end;
  nghttp2_data_provider prd = {.source.ptr = r, .read_callback = raw_read_body};
  return nghttp2_submit_request(r->session, NULL, nv, n, body ? &prd : NULL, NULL);
}

/* Answers stream `id` with headers, an optional body and optional trailers
 * (r->trailers); without body and trailers the headers end the stream. */
static inline void raw_respond(raw_t *r, int32_t id, const char *const *hdrs, const uint8_t *body,
                               size_t len) {
  nghttp2_nv nv[32];
  size_t n = raw_nv(hdrs, nv, 32);
  r->body = body;
  r->body_len = len;
  r->body_off = 0;
  r->body_end = true;
  nghttp2_data_provider prd = {.source.ptr = r, .read_callback = raw_read_body};
  nghttp2_submit_response(r->session, id, nv, n, (body || r->trailers) ? &prd : NULL);
}

/* ---- Moving bytes ---------------------------------------------------------------- */

typedef struct endpoint {
  tpeer_t *peer; /* one of the two is set */
  raw_t *raw;
  int recv_error;
} endpoint_t;

static inline size_t ep_take(endpoint_t *e, uint8_t *buf, size_t cap) {
  size_t n = 0;
  if (e->peer) {
    cgrpc_h2_conn_flush(e->peer->conn);
    struct iovec iov[64];
    size_t cnt = cgrpc_h2_conn_output(e->peer->conn, iov, 64);
    for (size_t i = 0; i < cnt && n < cap; i++) {
      size_t k = iov[i].iov_len < cap - n ? iov[i].iov_len : cap - n;
      memcpy(buf + n, iov[i].iov_base, k);
      n += k;
    }
    cgrpc_h2_conn_written(e->peer->conn, n);
    return n;
  }
  while (n < cap) {
    const uint8_t *data;
    ssize_t k = nghttp2_session_mem_send(e->raw->session, &data);
    if (k <= 0) break;
    CHECK((size_t)k <= cap - n);
    memcpy(buf + n, data, (size_t)k);
    n += (size_t)k;
    if (cap - n < 32768) break;
  }
  return n;
}

static inline void ep_give(endpoint_t *e, const uint8_t *data, size_t len, size_t chunk) {
  for (size_t off = 0; off < len;) {
    size_t k = len - off < chunk ? len - off : chunk;
    int rv;
    if (e->peer) {
      rv = cgrpc_h2_conn_recv(e->peer->conn, data + off, k);
    } else {
      ssize_t n = nghttp2_session_mem_recv(e->raw->session, data + off, k);
      rv = n < 0 ? (int)n : 0;
    }
    if (rv != 0 && !e->recv_error) e->recv_error = rv;
    off += k;
  }
}

/* Moves bytes both ways until neither side has anything to say. Returns
 * the number of rounds (bounded). `chunk` splits deliveries (0: whole). */
static inline int pump_eps(endpoint_t *a, endpoint_t *b, size_t chunk) {
  static uint8_t buf[1 << 17];
  if (!chunk) chunk = SIZE_MAX;
  int rounds = 0;
  for (; rounds < 100000; rounds++) {
    size_t n1 = ep_take(a, buf, sizeof buf);
    ep_give(b, buf, n1, chunk);
    size_t n2 = ep_take(b, buf, sizeof buf);
    ep_give(a, buf, n2, chunk);
    if (n1 == 0 && n2 == 0) break;
  }
  return rounds;
}

static inline int pump(tpeer_t *client, tpeer_t *server) {
  endpoint_t a = {client, NULL, 0}, b = {server, NULL, 0};
  return pump_eps(&a, &b, 0);
}

/* ---- Building messages ------------------------------------------------------------ */

static inline cgrpc_h2_msg_t *tmsg_make(const void *data, size_t len) {
  cgrpc_h2_msg_t *m = cgrpc_h2_msg_new(len);
  if (len) memcpy(cgrpc_h2_msg_payload(m), data, len);
  m->len = len;
  return m;
}

static inline bool tsend(tcall_t *c, const char *text) {
  return cgrpc_h2_stream_send(&c->s, tmsg_make(text, strlen(text)));
}

/* Starts a client call on `p` with the given path. */
static inline tcall_t *tstart(tpeer_t *p, const char *path, int64_t deadline,
                              cgrpc_compression_t enc, const cgrpc_metadata_t *md) {
  tcall_t *c = tcall_alloc(p);
  cgrpc_h2_request_t req = {
      .path = {path, strlen(path)},
      .authority = CGRPC_STR("test.local"),
      .user_agent = CGRPC_STR("grpc-c-cgrpc/test"),
      .deadline = deadline,
      .encoding = enc,
      .metadata = md,
  };
  CHECK(cgrpc_h2_stream_start(p->conn, &c->s, &req));
  return c;
}

static inline bool tmsg_is(const tmsg_t *m, const char *text) {
  return m && m->len == strlen(text) && memcmp(m->data, text, m->len) == 0;
}

#endif /* CGRPC_TESTS_UNIT_H2_TEST_CONN_HARNESS_H */

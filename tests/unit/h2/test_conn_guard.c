/* tests/unit/h2/test_conn_guard.c — a server connection's defences
 * (h2/guard.h), frame by frame and on a fake clock.
 *
 * The "client" here is hand-built bytes (frames, HPACK blocks from
 * nghttp2's deflater), so a test can send exactly the flood or the silence
 * it is about, and the server's output is parsed back into frames to check
 * the exact answer: GOAWAY code and debug data, PING and SETTINGS ACKs,
 * RST_STREAMs. Each rule is tested on both sides of its limit. */
#include "h2/guard.h"
#include "h2/options.h"

#include "test_conn_harness.h"

static int64_t g_clock = 1000 * 1000000000LL;

#define SEC 1000000000LL
#define MS 1000000LL

/* ---- Client bytes ------------------------------------------------------------- */

typedef struct wire {
  uint8_t buf[1 << 20];
  size_t len;
  nghttp2_hd_deflater *hpack;
} wire_t;

static wire_t g_wire;

static void put(wire_t *w, const void *p, size_t n) {
  CHECK(w->len + n <= sizeof w->buf);
  memcpy(w->buf + w->len, p, n);
  w->len += n;
}

static void put_frame(wire_t *w, uint8_t type, uint8_t flags, uint32_t sid, const void *payload,
                      size_t n) {
  uint8_t hd[9] = {
      (uint8_t)(n >> 16),   (uint8_t)(n >> 8),    (uint8_t)n,          type,        flags,
      (uint8_t)(sid >> 24), (uint8_t)(sid >> 16), (uint8_t)(sid >> 8), (uint8_t)sid};
  put(w, hd, 9);
  if (n) put(w, payload, n);
}

static void put_ping(wire_t *w, bool ack, const uint8_t *opaque) {
  static const uint8_t zero[8];
  put_frame(w, NGHTTP2_PING, ack ? NGHTTP2_FLAG_ACK : 0, 0, opaque ? opaque : zero, 8);
}

static void put_rst(wire_t *w, uint32_t sid, uint32_t code) {
  uint8_t p[4] = {(uint8_t)(code >> 24), (uint8_t)(code >> 16), (uint8_t)(code >> 8),
                  (uint8_t)code};
  put_frame(w, NGHTTP2_RST_STREAM, 0, sid, p, 4);
}

/* A gRPC request's HEADERS for `path` on stream `sid`. */
static void put_request(wire_t *w, uint32_t sid, const char *path, bool end_stream) {
  const char *h[] = {":method", "POST",       ":scheme", "http",         ":path",
                     path,      ":authority", "x",       "content-type", "application/grpc",
                     "te",      "trailers"};
  nghttp2_nv nv[6];
  for (int i = 0; i < 6; i++) {
    nv[i] = (nghttp2_nv){(uint8_t *)h[2 * i], (uint8_t *)h[2 * i + 1], strlen(h[2 * i]),
                         strlen(h[2 * i + 1]), NGHTTP2_NV_FLAG_NONE};
  }
  uint8_t block[512];
  ssize_t n = nghttp2_hd_deflate_hd(w->hpack, block, sizeof block, nv, 6);
  CHECK(n > 0);
  put_frame(w, NGHTTP2_HEADERS,
            NGHTTP2_FLAG_END_HEADERS | (end_stream ? NGHTTP2_FLAG_END_STREAM : 0), sid, block,
            (size_t)n);
}

/* The connection preface, an empty SETTINGS and (if `ack`) the ACK of the
 * server's SETTINGS: a client that did its part of the handshake. */
static void put_hello(wire_t *w, bool ack) {
  put(w, NGHTTP2_CLIENT_MAGIC, NGHTTP2_CLIENT_MAGIC_LEN);
  put_frame(w, NGHTTP2_SETTINGS, 0, 0, NULL, 0);
  if (ack) put_frame(w, NGHTTP2_SETTINGS, NGHTTP2_FLAG_ACK, 0, NULL, 0);
}

/* ---- The server and what it said --------------------------------------------------- */

typedef struct seen {
  int settings, settings_acks, pings, ping_acks, goaways, rsts, headers, data;
  uint32_t goaway_code, goaway_last, rst_code;
  char debug[64];
  uint8_t ping[8];
} seen_t;

typedef struct rig {
  tpeer_t server;
  seen_t seen;
  int recv_rv;
} rig_t;

static void rig_init(rig_t *r, const cgrpc_h2_options_t *o) {
  memset(r, 0, sizeof *r);
  tpeer_init(&r->server, CGRPC_H2_SERVER, o, &g_clock);
  memset(&g_wire, 0, sizeof g_wire);
  CHECK_EQ_INT(nghttp2_hd_deflate_new(&g_wire.hpack, 4096), 0);
}

static void rig_free(rig_t *r) {
  nghttp2_hd_deflate_del(g_wire.hpack);
  tpeer_free(&r->server);
}

/* Feeds what the client wrote; remembers the first error. */
static void feed(rig_t *r) {
  int rv = cgrpc_h2_conn_recv(r->server.conn, g_wire.buf, g_wire.len);
  if (rv != 0 && r->recv_rv == 0) r->recv_rv = rv;
  g_wire.len = 0;
}

static uint32_t be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Flushes the server, "writes" all its output and records the frames. */
static void drain(rig_t *r) {
  static uint8_t out[1 << 20];
  size_t n = 0;
  cgrpc_h2_conn_flush(r->server.conn);
  for (;;) {
    struct iovec iov[64];
    size_t cnt = cgrpc_h2_conn_output(r->server.conn, iov, 64);
    if (cnt == 0) break;
    size_t took = 0;
    for (size_t i = 0; i < cnt; i++) {
      CHECK(n + iov[i].iov_len <= sizeof out);
      memcpy(out + n, iov[i].iov_base, iov[i].iov_len);
      n += iov[i].iov_len;
      took += iov[i].iov_len;
    }
    cgrpc_h2_conn_written(r->server.conn, took);
    cgrpc_h2_conn_flush(r->server.conn);
  }
  seen_t *s = &r->seen;
  for (size_t off = 0; off + 9 <= n;) {
    size_t len = (size_t)out[off] << 16 | (size_t)out[off + 1] << 8 | out[off + 2];
    uint8_t type = out[off + 3], flags = out[off + 4];
    const uint8_t *p = out + off + 9;
    bool ack = (flags & NGHTTP2_FLAG_ACK) != 0;
    switch (type) {
      case NGHTTP2_SETTINGS:
        ack ? s->settings_acks++ : s->settings++;
        break;
      case NGHTTP2_PING:
        ack ? s->ping_acks++ : s->pings++;
        memcpy(s->ping, p, 8);
        break;
      case NGHTTP2_GOAWAY:
        s->goaways++;
        s->goaway_last = be32(p) & 0x7fffffffu;
        s->goaway_code = be32(p + 4);
        snprintf(s->debug, sizeof s->debug, "%.*s", (int)(len - 8), (const char *)p + 8);
        break;
      case NGHTTP2_RST_STREAM:
        s->rsts++;
        s->rst_code = be32(p);
        break;
      case NGHTTP2_HEADERS:
        s->headers++;
        break;
      case NGHTTP2_DATA:
        s->data++;
        break;
      default:
        break;
    }
    off += 9 + len;
  }
}

/* A server that completed its handshake with a polite client. */
static void rig_hello(rig_t *r, const cgrpc_h2_options_t *o) {
  rig_init(r, o);
  put_hello(&g_wire, true);
  feed(r);
  drain(r);
  CHECK_EQ_INT(r->seen.settings, 1);
  CHECK_EQ_INT(r->seen.goaways, 0);
}

static void expect_goaway(rig_t *r, uint32_t code, const char *debug) {
  CHECK_EQ_INT(r->seen.goaways, 1);
  CHECK_EQ_UINT(r->seen.goaway_code, code);
  CHECK_EQ_STR(r->seen.debug, debug);
  CHECK(cgrpc_h2_conn_finished(r->server.conn));
}

/* ---- Rate limits ----------------------------------------------------------------------- */

static void test_ratelimit(void) {
  cgrpc_h2_ratelimit_t r;
  cgrpc_h2_ratelimit_init(&r, 10);
  int64_t t = 5 * SEC;
  for (int i = 0; i < 10 * CGRPC_H2_BURST_SECONDS; i++) CHECK(cgrpc_h2_ratelimit_take(&r, t));
  CHECK(!cgrpc_h2_ratelimit_take(&r, t));
  CHECK(!cgrpc_h2_ratelimit_take(&r, t + 99 * MS));
  CHECK(cgrpc_h2_ratelimit_take(&r, t + 100 * MS));
  CHECK(!cgrpc_h2_ratelimit_take(&r, t + 100 * MS));
  /* A quiet limiter saves up one burst, not more. */
  t += 3600 * SEC;
  for (int i = 0; i < 10 * CGRPC_H2_BURST_SECONDS; i++) CHECK(cgrpc_h2_ratelimit_take(&r, t));
  CHECK(!cgrpc_h2_ratelimit_take(&r, t));
  cgrpc_h2_ratelimit_init(&r, 0);
  for (int i = 0; i < 100000; i++) CHECK(cgrpc_h2_ratelimit_take(&r, t));
  cgrpc_h2_ratelimit_init(&r, UINT32_MAX);
  CHECK(cgrpc_h2_ratelimit_take(&r, t));
}

/* ---- Pings --------------------------------------------------------------------------------- */

static void test_ping_strikes(void) {
  rig_t r;
  rig_hello(&r, NULL);
  for (int i = 0; i < 3; i++) put_ping(&g_wire, false, NULL);
  feed(&r);
  drain(&r);
  CHECK_EQ_INT(r.recv_rv, 0);
  CHECK_EQ_INT(r.seen.ping_acks, 3); /* the first is free, then two strikes */
  CHECK_EQ_INT(r.seen.goaways, 0);
  put_ping(&g_wire, false, NULL);
  put_ping(&g_wire, false, NULL);
  feed(&r);
  CHECK(r.recv_rv != 0);
  drain(&r);
  expect_goaway(&r, NGHTTP2_ENHANCE_YOUR_CALM, "too_many_pings");
  CHECK(r.seen.ping_acks <= 4);
  rig_free(&r);
}

/* Zero strikes, set through the server's options, means zero: the first
 * ping too soon ends the connection. */
static void test_zero_ping_strikes(void) {
  cgrpc_server_options_t so = CGRPC_SERVER_OPTIONS_INIT;
  so.max_ping_strikes = 0;
  cgrpc_h2_options_t o;
  cgrpc_h2_options_from_server(&o, &so);
  rig_t r;
  rig_hello(&r, &o);
  put_ping(&g_wire, false, NULL);
  feed(&r);
  drain(&r);
  CHECK_EQ_INT(r.recv_rv, 0);
  CHECK_EQ_INT(r.seen.ping_acks, 1); /* the first is free */
  CHECK_EQ_INT(r.seen.goaways, 0);
  put_ping(&g_wire, false, NULL);
  feed(&r);
  CHECK(r.recv_rv != 0);
  drain(&r);
  expect_goaway(&r, NGHTTP2_ENHANCE_YOUR_CALM, "too_many_pings");
  rig_free(&r);
}

/* Pings as far apart as permitted are fine with a call open; without one
 * they must be 2 h apart unless permit_keepalive_without_calls. */
static void test_ping_spacing(void) {
  rig_t r;
  rig_hello(&r, NULL);
  put_request(&g_wire, 1, "/p.S/M", false);
  feed(&r);
  for (int i = 0; i < 10; i++) {
    g_clock += 5 * 60 * SEC;
    put_ping(&g_wire, false, NULL);
    feed(&r);
  }
  drain(&r);
  CHECK_EQ_INT(r.seen.goaways, 0);
  CHECK_EQ_INT(r.seen.ping_acks, 10);
  rig_free(&r);

  rig_hello(&r, NULL); /* no call: 5 minutes is too often */
  for (int i = 0; i < 4; i++) {
    g_clock += 5 * 60 * SEC;
    put_ping(&g_wire, false, NULL);
    feed(&r);
  }
  drain(&r);
  expect_goaway(&r, NGHTTP2_ENHANCE_YOUR_CALM, "too_many_pings");
  rig_free(&r);

  cgrpc_h2_options_t o;
  cgrpc_h2_options_init(&o);
  o.permit_keepalive_without_calls = true;
  o.permit_keepalive_time = 10 * SEC;
  rig_hello(&r, &o);
  for (int i = 0; i < 10; i++) {
    g_clock += 10 * SEC;
    put_ping(&g_wire, false, NULL);
    feed(&r);
  }
  drain(&r);
  CHECK_EQ_INT(r.seen.goaways, 0);
  rig_free(&r);
}

/* The server sending HEADERS or DATA forgives strikes (BDP pings ride on
 * our responses). */
static void srv_reply_at_eos(tpeer_t *p, tcall_t *c) {
  tsend(c, "ok");
  cgrpc_h2_stream_finish(&c->s, CGRPC_STATUS_OK, "", 0, NULL);
}

static void test_ping_strikes_forgiven(void) {
  rig_t r;
  rig_hello(&r, NULL);
  r.server.on_eos = srv_reply_at_eos;
  for (uint32_t sid = 1; sid < 40; sid += 2) {
    put_ping(&g_wire, false, NULL);
    put_ping(&g_wire, false, NULL);
    put_request(&g_wire, sid, "/p.S/M", true);
    feed(&r);
    drain(&r);
  }
  CHECK_EQ_INT(r.recv_rv, 0);
  CHECK_EQ_INT(r.seen.goaways, 0);
  CHECK_EQ_INT(r.seen.ping_acks, 40);
  rig_free(&r);
}

/* Unsolicited PING ACKs carry nothing; ours are recognised. */
static void test_unsolicited_ping_acks(void) {
  rig_t r;
  rig_hello(&r, NULL);
  for (int i = 0; i < 100; i++) put_ping(&g_wire, true, NULL);
  feed(&r);
  drain(&r);
  CHECK_EQ_INT(r.seen.goaways, 0);
  put_ping(&g_wire, true, NULL);
  feed(&r);
  drain(&r);
  expect_goaway(&r, NGHTTP2_ENHANCE_YOUR_CALM, "too_many_empty_frames");
  rig_free(&r);
}

/* ---- SETTINGS, resets, empty frames ------------------------------------------------------- */

static void test_settings_flood(void) {
  rig_t r;
  rig_hello(&r, NULL); /* its SETTINGS was the first */
  for (int i = 1; i < 10 * CGRPC_H2_BURST_SECONDS; i++)
    put_frame(&g_wire, NGHTTP2_SETTINGS, 0, 0, NULL, 0);
  feed(&r);
  g_clock += SEC; /* ten more a second */
  for (int i = 0; i < 10; i++) put_frame(&g_wire, NGHTTP2_SETTINGS, 0, 0, NULL, 0);
  feed(&r);
  drain(&r);
  CHECK_EQ_INT(r.recv_rv, 0);
  CHECK_EQ_INT(r.seen.goaways, 0);
  CHECK_EQ_INT(r.seen.settings_acks, 10 * CGRPC_H2_BURST_SECONDS + 10);
  put_frame(&g_wire, NGHTTP2_SETTINGS, 0, 0, NULL, 0);
  feed(&r);
  drain(&r);
  expect_goaway(&r, NGHTTP2_ENHANCE_YOUR_CALM, "too_many_settings");
  rig_free(&r);
}

/* Rapid reset: HEADERS then RST_STREAM, a burst's worth and one more. */
static void test_reset_flood(void) {
  cgrpc_h2_options_t o;
  cgrpc_h2_options_init(&o);
  o.max_resets_per_second = 20;
  rig_t r;
  rig_hello(&r, &o);
  uint32_t sid = 1;
  for (int i = 0; i < 20 * CGRPC_H2_BURST_SECONDS; i++, sid += 2) {
    put_request(&g_wire, sid, "/p.S/M", false);
    put_rst(&g_wire, sid, NGHTTP2_CANCEL);
  }
  feed(&r);
  drain(&r);
  CHECK_EQ_INT(r.recv_rv, 0);
  CHECK_EQ_INT(r.seen.goaways, 0);
  CHECK_EQ_INT(cgrpc_h2_conn_stream_count(r.server.conn), 0);
  put_request(&g_wire, sid, "/p.S/M", false);
  put_rst(&g_wire, sid, NGHTTP2_CANCEL);
  feed(&r);
  CHECK(r.recv_rv != 0);
  drain(&r);
  expect_goaway(&r, NGHTTP2_ENHANCE_YOUR_CALM, "too_many_resets");
  CHECK_EQ_UINT(r.seen.goaway_last, sid);
  rig_free(&r);
}

/* Streams the server refuses count as resets the client caused. */
static void test_refused_streams_count(void) {
  cgrpc_h2_options_t o;
  cgrpc_h2_options_init(&o);
  o.max_resets_per_second = 5;
  rig_t r;
  rig_hello(&r, &o);
  r.server.refuse = 1;
  uint32_t sid = 1;
  for (int i = 0; i < 5 * CGRPC_H2_BURST_SECONDS; i++, sid += 2) {
    put_request(&g_wire, sid, "/p.S/M", true);
  }
  feed(&r);
  drain(&r);
  CHECK_EQ_INT(r.seen.rsts, 5 * CGRPC_H2_BURST_SECONDS);
  CHECK_EQ_UINT(r.seen.rst_code, NGHTTP2_REFUSED_STREAM);
  CHECK_EQ_INT(r.seen.goaways, 0);
  put_request(&g_wire, sid, "/p.S/M", true);
  feed(&r);
  drain(&r);
  expect_goaway(&r, NGHTTP2_ENHANCE_YOUR_CALM, "too_many_resets");
  rig_free(&r);
}

/* Empty DATA without END_STREAM and PRIORITY frames carry nothing; an empty
 * DATA that ends the stream is a half-close and counts for nothing. */
static void test_empty_frames(void) {
  rig_t r;
  rig_hello(&r, NULL);
  put_request(&g_wire, 1, "/p.S/M", false);
  for (int i = 0; i < 50; i++) put_frame(&g_wire, NGHTTP2_DATA, 0, 1, NULL, 0);
  static const uint8_t prio[5] = {0, 0, 0, 0, 16};
  for (int i = 0; i < 50; i++) put_frame(&g_wire, NGHTTP2_PRIORITY, 0, 1, prio, 5);
  put_request(&g_wire, 3, "/p.S/M", false);
  put_frame(&g_wire, NGHTTP2_DATA, NGHTTP2_FLAG_END_STREAM, 3, NULL, 0);
  feed(&r);
  drain(&r);
  CHECK_EQ_INT(r.recv_rv, 0);
  CHECK_EQ_INT(r.seen.goaways, 0);
  CHECK_EQ_INT(r.server.calls[1]->eos, 1);
  put_frame(&g_wire, NGHTTP2_DATA, 0, 1, NULL, 0);
  feed(&r);
  drain(&r);
  expect_goaway(&r, NGHTTP2_ENHANCE_YOUR_CALM, "too_many_empty_frames");
  CHECK_EQ_UINT(r.seen.goaway_last, 3);
  /* The calls end when the transport closes the connection. */
  cgrpc_h2_conn_end(r.server.conn, CGRPC_H2_END_ABORT, 0, NULL, "closed");
  CHECK_EQ_INT(r.server.calls[0]->closed, 1);
  CHECK_EQ_INT(r.server.calls[0]->code, CGRPC_STATUS_CANCELLED);
  CHECK(strstr(r.server.calls[0]->message, "frames carrying nothing") != NULL);
  rig_free(&r);
}

/* ---- Timers -------------------------------------------------------------------------------- */

static void test_handshake_timeout(void) {
  rig_t r;
  rig_init(&r, NULL);
  put(&g_wire, "PRI * HTTP/2.0\r\n", 16); /* half a preface, then silence */
  feed(&r);
  drain(&r);
  CHECK_EQ_INT(cgrpc_h2_conn_next_deadline(r.server.conn), g_clock + 20 * SEC);
  cgrpc_h2_conn_expire(r.server.conn, g_clock + 20 * SEC - 1);
  drain(&r);
  CHECK_EQ_INT(r.seen.goaways, 0);
  g_clock += 20 * SEC;
  cgrpc_h2_conn_expire(r.server.conn, g_clock);
  drain(&r);
  expect_goaway(&r, NGHTTP2_NO_ERROR, "handshake_timeout");
  CHECK_EQ_INT(cgrpc_h2_conn_next_deadline(r.server.conn), CGRPC_INFINITE);
  rig_free(&r);

  /* Done in time: no timer left but keepalive. */
  rig_hello(&r, NULL);
  CHECK_EQ_INT(cgrpc_h2_conn_next_deadline(r.server.conn), g_clock + 2 * 3600 * SEC);
  rig_free(&r);
}

static void test_settings_ack_timeout(void) {
  rig_t r;
  rig_init(&r, NULL);
  put_hello(&g_wire, false);
  feed(&r);
  drain(&r);
  CHECK_EQ_INT(cgrpc_h2_conn_next_deadline(r.server.conn), g_clock + 10 * SEC);
  g_clock += 10 * SEC;
  cgrpc_h2_conn_expire(r.server.conn, g_clock);
  drain(&r);
  expect_goaway(&r, NGHTTP2_SETTINGS_TIMEOUT, "settings_timeout");
  rig_free(&r);
}

static void test_keepalive(void) {
  cgrpc_h2_options_t o;
  cgrpc_h2_options_init(&o);
  o.keepalive_time = 60 * SEC;
  o.keepalive_timeout = 5 * SEC;
  rig_t r;
  rig_hello(&r, &o);
  put_request(&g_wire, 1, "/p.S/M", false);
  feed(&r);
  CHECK_EQ_INT(cgrpc_h2_conn_next_deadline(r.server.conn), g_clock + 60 * SEC);
  g_clock += 60 * SEC;
  cgrpc_h2_conn_expire(r.server.conn, g_clock);
  drain(&r);
  CHECK_EQ_INT(r.seen.pings, 1);
  CHECK_EQ_MEM(r.seen.ping, 8, "cgrpc-ka", 8);
  CHECK_EQ_INT(cgrpc_h2_conn_next_deadline(r.server.conn), g_clock + 5 * SEC);
  /* Answered: quiet again for keepalive_time. */
  g_clock += SEC;
  put_ping(&g_wire, true, r.seen.ping);
  feed(&r);
  drain(&r);
  CHECK_EQ_INT(cgrpc_h2_conn_next_deadline(r.server.conn), g_clock + 60 * SEC);
  /* Unanswered: the connection is dead and its calls cancelled. */
  g_clock += 60 * SEC;
  cgrpc_h2_conn_expire(r.server.conn, g_clock);
  drain(&r);
  CHECK_EQ_INT(r.seen.pings, 2);
  g_clock += 5 * SEC;
  cgrpc_h2_conn_expire(r.server.conn, g_clock);
  CHECK(cgrpc_h2_conn_finished(r.server.conn));
  CHECK_EQ_INT(r.server.calls[0]->closed, 1);
  CHECK_EQ_INT(r.server.calls[0]->code, CGRPC_STATUS_CANCELLED);
  CHECK(strstr(r.server.calls[0]->message, "keepalive") != NULL);
  rig_free(&r);
}

static void test_max_idle(void) {
  cgrpc_h2_options_t o;
  cgrpc_h2_options_init(&o);
  o.max_connection_idle = 30 * SEC;
  rig_t r;
  rig_hello(&r, &o);
  r.server.on_eos = srv_reply_at_eos;
  g_clock += 20 * SEC;
  put_request(&g_wire, 1, "/p.S/M", false);
  feed(&r);
  drain(&r);
  g_clock += 40 * SEC; /* a call open is not idle */
  cgrpc_h2_conn_expire(r.server.conn, g_clock);
  drain(&r);
  CHECK_EQ_INT(r.seen.goaways, 0);
  put_frame(&g_wire, NGHTTP2_DATA, NGHTTP2_FLAG_END_STREAM, 1, NULL, 0);
  feed(&r);
  drain(&r);
  CHECK_EQ_INT(r.server.calls[0]->closed, 1);
  CHECK_EQ_INT(cgrpc_h2_conn_next_deadline(r.server.conn), g_clock + 30 * SEC);
  g_clock += 30 * SEC;
  cgrpc_h2_conn_expire(r.server.conn, g_clock);
  drain(&r);
  /* Two-phase: GOAWAY(2^31-1) and a PING, then the real GOAWAY. */
  CHECK_EQ_INT(r.seen.goaways, 1);
  CHECK_EQ_UINT(r.seen.goaway_last, 0x7fffffffu);
  CHECK_EQ_INT(r.seen.pings, 1);
  put_ping(&g_wire, true, r.seen.ping);
  feed(&r);
  drain(&r);
  CHECK_EQ_INT(r.seen.goaways, 2);
  CHECK_EQ_UINT(r.seen.goaway_code, NGHTTP2_NO_ERROR);
  CHECK_EQ_UINT(r.seen.goaway_last, 1);
  CHECK_EQ_STR(r.seen.debug, "max_idle");
  CHECK(cgrpc_h2_conn_finished(r.server.conn));
  rig_free(&r);

  /* A client that never answers the PING still gets the final GOAWAY. */
  rig_hello(&r, &o);
  g_clock += 30 * SEC;
  cgrpc_h2_conn_expire(r.server.conn, g_clock);
  drain(&r);
  CHECK_EQ_INT(r.seen.goaways, 1);
  g_clock += 20 * SEC;
  cgrpc_h2_conn_expire(r.server.conn, g_clock);
  drain(&r);
  CHECK_EQ_INT(r.seen.goaways, 2);
  CHECK_EQ_STR(r.seen.debug, "max_idle");
  CHECK(cgrpc_h2_conn_finished(r.server.conn));
  rig_free(&r);
}

static void test_max_age_and_grace(void) {
  cgrpc_h2_options_t o;
  cgrpc_h2_options_init(&o);
  o.max_connection_age = 100 * SEC;
  o.max_connection_age_grace = 10 * SEC;
  int64_t lo = INT64_MAX, hi = INT64_MIN;
  for (int i = 0; i < 20; i++) { /* ±10% jitter */
    rig_t r;
    rig_hello(&r, &o);
    int64_t age = cgrpc_h2_conn_next_deadline(r.server.conn) - g_clock;
    lo = age < lo ? age : lo;
    hi = age > hi ? age : hi;
    rig_free(&r);
    g_clock += 12345;
  }
  CHECK(lo >= 90 * SEC && hi <= 110 * SEC && hi > lo);

  rig_t r;
  rig_hello(&r, &o);
  put_request(&g_wire, 1, "/p.S/M", false);
  feed(&r);
  drain(&r);
  int64_t due = cgrpc_h2_conn_next_deadline(r.server.conn);
  CHECK(due - g_clock >= 90 * SEC && due - g_clock <= 110 * SEC);
  g_clock = due;
  cgrpc_h2_conn_expire(r.server.conn, g_clock);
  drain(&r);
  put_ping(&g_wire, true, r.seen.ping);
  feed(&r);
  drain(&r);
  CHECK_EQ_INT(r.seen.goaways, 2);
  CHECK_EQ_STR(r.seen.debug, "max_age");
  CHECK_EQ_UINT(r.seen.goaway_last, 1);
  CHECK(!cgrpc_h2_conn_finished(r.server.conn)); /* the call carries on */
  CHECK_EQ_INT(cgrpc_h2_conn_next_deadline(r.server.conn), g_clock + 10 * SEC);
  g_clock += 10 * SEC;
  cgrpc_h2_conn_expire(r.server.conn, g_clock);
  drain(&r);
  CHECK_EQ_INT(r.seen.goaways, 3);
  CHECK(cgrpc_h2_conn_finished(r.server.conn));
  cgrpc_h2_conn_end(r.server.conn, CGRPC_H2_END_ABORT, 0, NULL, "closed");
  CHECK_EQ_INT(r.server.calls[0]->code, CGRPC_STATUS_CANCELLED);
  CHECK(strstr(r.server.calls[0]->message, "maximum age") != NULL);
  rig_free(&r);
}

/* Output that does not move for write_stall_timeout ends the connection;
 * any progress restarts the clock. */
static void test_write_stall(void) {
  cgrpc_h2_options_t o;
  cgrpc_h2_options_init(&o);
  o.write_stall_timeout = 3 * SEC;
  rig_t r;
  rig_hello(&r, &o);
  put_request(&g_wire, 1, "/p.S/M", false);
  put_ping(&g_wire, false, NULL);
  feed(&r);
  cgrpc_h2_conn_flush(r.server.conn);
  size_t pending = cgrpc_h2_conn_output_size(r.server.conn);
  CHECK(pending > 1);
  CHECK_EQ_INT(cgrpc_h2_conn_next_deadline(r.server.conn), g_clock + 3 * SEC);
  g_clock += 2 * SEC;
  cgrpc_h2_conn_written(r.server.conn, 1); /* a byte went: not stalled */
  CHECK_EQ_INT(cgrpc_h2_conn_next_deadline(r.server.conn), g_clock + 3 * SEC);
  g_clock += 3 * SEC;
  cgrpc_h2_conn_expire(r.server.conn, g_clock);
  CHECK(cgrpc_h2_conn_finished(r.server.conn));
  CHECK_EQ_INT(r.server.calls[0]->closed, 1);
  CHECK(strstr(r.server.calls[0]->message, "stopped reading") != NULL);
  rig_free(&r);
}

/* ---- Output and headers -------------------------------------------------------------------- */

/* Queued output over max_outbound_bytes refuses new streams (without
 * blaming the client: no reset counted); the server's output is "full"
 * (stop reading) at the high-water mark. */
static void srv_reply_big(tpeer_t *p, tcall_t *c) {
  cgrpc_h2_msg_t *m = cgrpc_h2_msg_new(100 * 1024);
  memset(cgrpc_h2_msg_payload(m), 'x', 100 * 1024);
  m->len = 100 * 1024;
  cgrpc_h2_stream_send(&c->s, m);
}

static void test_outbound_limit(void) {
  cgrpc_h2_options_t o;
  cgrpc_h2_options_init(&o);
  o.max_outbound_bytes = 250 * 1024;
  o.output_high_water = 32 * 1024;
  o.max_resets_per_second = 1;
  rig_t r;
  rig_hello(&r, &o);
  r.server.on_request = srv_reply_big;
  for (uint32_t sid = 1; sid <= 39; sid += 2) put_request(&g_wire, sid, "/p.S/M", false);
  feed(&r);
  cgrpc_h2_conn_flush(r.server.conn);
  CHECK(cgrpc_h2_conn_output_full(r.server.conn));
  CHECK_EQ_INT(r.server.ncalls, 3); /* 300 KiB queued after three */
  drain(&r);
  CHECK_EQ_INT(r.recv_rv, 0);
  CHECK_EQ_INT(r.seen.goaways, 0);
  CHECK_EQ_INT(r.seen.rsts, 17);
  CHECK_EQ_UINT(r.seen.rst_code, NGHTTP2_REFUSED_STREAM);
  CHECK(!cgrpc_h2_conn_output_full(r.server.conn));
  rig_free(&r);
}

static void test_header_field_count(void) {
  cgrpc_h2_options_t o;
  cgrpc_h2_options_init(&o);
  o.max_header_fields = 10;
  for (int extra = 4; extra <= 5; extra++) { /* 6 fields of put_request + extra */
    rig_t r;
    rig_hello(&r, &o);
    r.server.on_eos = srv_reply_at_eos;
    const char *h[] = {":method",      "POST",
                       ":scheme",      "http",
                       ":path",        "/p.S/M",
                       ":authority",   "x",
                       "content-type", "application/grpc",
                       "te",           "trailers",
                       "x-a",          "1",
                       "x-b",          "2",
                       "x-c",          "3",
                       "x-d",          "4",
                       "x-e",          "5"};
    nghttp2_nv nv[11];
    for (int i = 0; i < 6 + extra; i++) {
      nv[i] = (nghttp2_nv){(uint8_t *)h[2 * i], (uint8_t *)h[2 * i + 1], strlen(h[2 * i]),
                           strlen(h[2 * i + 1]), NGHTTP2_NV_FLAG_NONE};
    }
    uint8_t block[512];
    ssize_t n = nghttp2_hd_deflate_hd(g_wire.hpack, block, sizeof block, nv, (size_t)(6 + extra));
    put_frame(&g_wire, NGHTTP2_HEADERS, NGHTTP2_FLAG_END_HEADERS, 1, block, (size_t)n);
    put_frame(&g_wire, NGHTTP2_DATA, NGHTTP2_FLAG_END_STREAM, 1, "\0\0\0\0\0", 5);
    feed(&r);
    drain(&r);
    CHECK_EQ_INT(r.server.calls[0]->got_request, extra == 4 ? 1 : 0);
    CHECK_EQ_INT(r.server.calls[0]->code,
                 extra == 4 ? CGRPC_STATUS_OK : CGRPC_STATUS_RESOURCE_EXHAUSTED);
    if (extra == 5) CHECK(strstr(r.server.calls[0]->message, "10 fields") != NULL);
    rig_free(&r);
  }
}

/* A client connection has no such rules: a server may ping it freely. */
static void test_client_unaffected(void) {
  tpeer_t client;
  tpeer_init(&client, CGRPC_H2_CLIENT, NULL, &g_clock);
  CHECK_EQ_INT(cgrpc_h2_conn_next_deadline(client.conn), CGRPC_INFINITE);
  memset(&g_wire, 0, sizeof g_wire);
  put_frame(&g_wire, NGHTTP2_SETTINGS, 0, 0, NULL, 0);
  for (int i = 0; i < 200; i++) put_ping(&g_wire, false, NULL);
  for (int i = 0; i < 200; i++) put_frame(&g_wire, NGHTTP2_SETTINGS, 0, 0, NULL, 0);
  CHECK_EQ_INT(cgrpc_h2_conn_recv(client.conn, g_wire.buf, g_wire.len), 0);
  g_clock += 24 * 3600 * SEC;
  cgrpc_h2_conn_expire(client.conn, g_clock);
  CHECK(!cgrpc_h2_conn_draining(client.conn));
  tpeer_free(&client);
}

int main(void) {
  TEST_RUN(test_ratelimit);
  TEST_RUN(test_ping_strikes);
  TEST_RUN(test_zero_ping_strikes);
  TEST_RUN(test_ping_spacing);
  TEST_RUN(test_ping_strikes_forgiven);
  TEST_RUN(test_unsolicited_ping_acks);
  TEST_RUN(test_settings_flood);
  TEST_RUN(test_reset_flood);
  TEST_RUN(test_refused_streams_count);
  TEST_RUN(test_empty_frames);
  TEST_RUN(test_handshake_timeout);
  TEST_RUN(test_settings_ack_timeout);
  TEST_RUN(test_keepalive);
  TEST_RUN(test_max_idle);
  TEST_RUN(test_max_age_and_grace);
  TEST_RUN(test_write_stall);
  TEST_RUN(test_outbound_limit);
  TEST_RUN(test_header_field_count);
  TEST_RUN(test_client_unaffected);
  return TEST_DONE();
}

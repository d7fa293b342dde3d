/* tests/unit/h2/test_conn.c — the HTTP/2 transport, client against server,
 * in memory: the four kinds of call, Trailers-Only, metadata, compression,
 * cancellation both ways, deadlines, concurrency limits and GOAWAY. */
#include "test_conn_harness.h"

#include "cgrpc/metadata.h"
#include "h2/metadata.h"

static int64_t g_clock = 1000000000;

typedef struct pair {
  tpeer_t client, server;
} pair_t;

static void pair_init(pair_t *p, const cgrpc_h2_options_t *copts, const cgrpc_h2_options_t *sopts) {
  tpeer_init(&p->client, CGRPC_H2_CLIENT, copts, &g_clock);
  tpeer_init(&p->server, CGRPC_H2_SERVER, sopts, &g_clock);
}

static void pair_free(pair_t *p) {
  tpeer_free(&p->client);
  tpeer_free(&p->server);
}

/* Server behaviours. */

static void srv_echo_each(tpeer_t *p, tcall_t *c, const uint8_t *data, size_t len) {
  cgrpc_h2_stream_send(&c->s, tmsg_make(data, len));
}

static void srv_finish_ok(tpeer_t *p, tcall_t *c) {
  cgrpc_h2_stream_finish(&c->s, CGRPC_STATUS_OK, "", 0, NULL);
}

/* Unary: reply "<request> back" with trailing metadata at the end of the
 * request. */
static void srv_unary_eos(tpeer_t *p, tcall_t *c) {
  char reply[128];
  CHECK_EQ_UINT(c->msg_count, 1);
  snprintf(reply, sizeof reply, "%.*s back", (int)c->msgs->len, (const char *)c->msgs->data);
  CHECK(tsend(c, reply));
  cgrpc_metadata_t md = CGRPC_METADATA_INIT;
  cgrpc_arena_t *a = &c->s.arena;
  CHECK(cgrpc_metadata_add_str(&md, a, "x-trailer", "t1"));
  CHECK(cgrpc_metadata_add(&md, a, "x-trailer-bin", "\x00\xff\x01", 3));
  cgrpc_h2_stream_finish(&c->s, CGRPC_STATUS_OK, "", 0, &md);
}

static void test_unary(void) {
  pair_t p;
  pair_init(&p, NULL, NULL);
  p.server.on_eos = srv_unary_eos;
  tcall_t *c =
      tstart(&p.client, "/pkg.Svc/Unary", CGRPC_INFINITE, CGRPC_COMPRESSION_IDENTITY, NULL);
  CHECK(tsend(c, "hello"));
  cgrpc_h2_stream_half_close(&c->s);
  pump(&p.client, &p.server);

  CHECK_EQ_INT(p.client.ready, 1);
  CHECK_EQ_UINT(p.server.ncalls, 1);
  tcall_t *sc = p.server.calls[0];
  CHECK_EQ_INT(sc->got_request, 1);
  cgrpc_str_t path = cgrpc_h2_stream_path(&sc->s);
  CHECK_EQ_MEM(path.data, path.len, "/pkg.Svc/Unary", 14);
  cgrpc_str_t auth = cgrpc_h2_stream_authority(&sc->s);
  CHECK_EQ_MEM(auth.data, auth.len, "test.local", 10);
  CHECK(cgrpc_h2_stream_deadline(&sc->s) == CGRPC_INFINITE);
  CHECK(tmsg_is(sc->msgs, "hello"));
  CHECK_EQ_INT(sc->eos, 1);
  CHECK_EQ_INT(sc->closed, 1);
  CHECK_EQ_INT(sc->code, CGRPC_STATUS_OK);
  /* user-agent is application-visible metadata; reserved headers are not. */
  const cgrpc_metadata_t *smd = cgrpc_h2_stream_metadata(&sc->s);
  const cgrpc_str_t *ua = cgrpc_metadata_get(smd, "user-agent");
  CHECK(ua && ua->len == 17 && memcmp(ua->data, "grpc-c-cgrpc/test", 17) == 0);
  CHECK(cgrpc_metadata_get(smd, "te") == NULL);
  CHECK(cgrpc_metadata_get(smd, "content-type") == NULL);

  CHECK_EQ_INT(c->got_headers, 1);
  CHECK_EQ_UINT(c->msg_count, 1);
  CHECK(tmsg_is(c->msgs, "hello back"));
  CHECK_EQ_INT(c->eos, 1);
  CHECK_EQ_INT(c->closed, 1);
  CHECK_EQ_INT(c->sent, 1);
  CHECK_EQ_INT(c->code, CGRPC_STATUS_OK);
  const cgrpc_metadata_t *tr = cgrpc_h2_stream_trailers(&c->s);
  CHECK_EQ_UINT(tr->count, 2);
  const cgrpc_str_t *t1 = cgrpc_metadata_get(tr, "x-trailer");
  CHECK(t1 && t1->len == 2 && memcmp(t1->data, "t1", 2) == 0);
  const cgrpc_str_t *tb = cgrpc_metadata_get(tr, "x-trailer-bin");
  CHECK(tb && tb->len == 3 && memcmp(tb->data, "\x00\xff\x01", 3) == 0);
  CHECK_EQ_UINT(cgrpc_h2_conn_stream_count(p.client.conn), 0);
  CHECK_EQ_UINT(cgrpc_h2_conn_stream_count(p.server.conn), 0);
  pair_free(&p);
}

/* Server streaming: three responses, sent as soon as the request is in. */
static void srv_stream_out(tpeer_t *p, tcall_t *c) {
  CHECK(tsend(c, "one"));
  CHECK(tsend(c, ""));
  CHECK(tsend(c, "three"));
  cgrpc_h2_stream_finish(&c->s, CGRPC_STATUS_OK, "", 0, NULL);
}

static void test_server_streaming(void) {
  pair_t p;
  pair_init(&p, NULL, NULL);
  p.server.on_eos = srv_stream_out;
  tcall_t *c = tstart(&p.client, "/pkg.Svc/Out", CGRPC_INFINITE, CGRPC_COMPRESSION_IDENTITY, NULL);
  CHECK(tsend(c, "req"));
  cgrpc_h2_stream_half_close(&c->s);
  pump(&p.client, &p.server);
  CHECK_EQ_UINT(c->msg_count, 3);
  CHECK(tmsg_is(c->msgs, "one"));
  CHECK(tmsg_is(c->msgs->next, ""));
  CHECK(tmsg_is(c->msgs->next->next, "three"));
  CHECK_EQ_INT(c->closed, 1);
  CHECK_EQ_INT(c->code, CGRPC_STATUS_OK);
  pair_free(&p);
}

/* Client streaming: the server answers with the count and total size. */
static void srv_sum(tpeer_t *p, tcall_t *c) {
  char reply[64];
  snprintf(reply, sizeof reply, "%zu/%zu", c->msg_count, c->msg_bytes);
  CHECK(tsend(c, reply));
  cgrpc_h2_stream_finish(&c->s, CGRPC_STATUS_OK, "", 0, NULL);
}

static void test_client_streaming(void) {
  pair_t p;
  pair_init(&p, NULL, NULL);
  p.server.on_eos = srv_sum;
  tcall_t *c = tstart(&p.client, "/pkg.Svc/In", CGRPC_INFINITE, CGRPC_COMPRESSION_IDENTITY, NULL);
  CHECK(tsend(c, "aaaa"));
  pump(&p.client, &p.server);
  CHECK(tsend(c, "bb"));
  pump(&p.client, &p.server);
  CHECK(tsend(c, ""));
  cgrpc_h2_stream_half_close(&c->s);
  CHECK(!tsend(c, "too late")); /* nothing goes after the half-close */
  pump(&p.client, &p.server);
  CHECK(tmsg_is(c->msgs, "3/6"));
  CHECK_EQ_INT(c->code, CGRPC_STATUS_OK);
  CHECK_EQ_INT(c->closed, 1);
  pair_free(&p);
}

/* Bidirectional, lock-step: each request is echoed before the next goes. */
static void test_bidi_ping_pong(void) {
  pair_t p;
  pair_init(&p, NULL, NULL);
  p.server.on_message = srv_echo_each;
  p.server.on_eos = srv_finish_ok;
  tcall_t *c = tstart(&p.client, "/pkg.Svc/Bidi", CGRPC_INFINITE, CGRPC_COMPRESSION_IDENTITY, NULL);
  const char *words[] = {"ping", "pong", "", "pang"};
  for (size_t i = 0; i < 4; i++) {
    CHECK(tsend(c, words[i]));
    pump(&p.client, &p.server);
    CHECK_EQ_UINT(c->msg_count, i + 1);
    CHECK(tmsg_is(c->msgs_tail, words[i]));
    CHECK_EQ_INT(c->closed, 0);
  }
  cgrpc_h2_stream_half_close(&c->s);
  pump(&p.client, &p.server);
  CHECK_EQ_INT(c->eos, 1);
  CHECK_EQ_INT(c->closed, 1);
  CHECK_EQ_INT(c->code, CGRPC_STATUS_OK);
  CHECK_EQ_INT(p.server.calls[0]->eos, 1);
  pair_free(&p);
}

/* An error before any response: one HEADERS block (Trailers-Only); its
 * metadata is trailing metadata, and there are no initial headers. */
static void srv_reject(tpeer_t *p, tcall_t *c) {
  cgrpc_metadata_t md = CGRPC_METADATA_INIT;
  CHECK(cgrpc_metadata_add_str(&md, &c->s.arena, "x-why", "no such thing"));
  const char msg[] =
      "\t\ntest with whitespace\r\nand Unicode BMP \xe2\x98\xba and non-BMP "
      "\xf0\x9f\x98\x88\t\n";
  cgrpc_h2_stream_finish(&c->s, CGRPC_STATUS_NOT_FOUND, msg, sizeof msg - 1, &md);
}

static void test_trailers_only(void) {
  pair_t p;
  pair_init(&p, NULL, NULL);
  p.server.on_request = srv_reject;
  tcall_t *c =
      tstart(&p.client, "/pkg.Svc/Missing", CGRPC_INFINITE, CGRPC_COMPRESSION_IDENTITY, NULL);
  CHECK(tsend(c, "x"));
  cgrpc_h2_stream_half_close(&c->s);
  pump(&p.client, &p.server);
  const char want[] =
      "\t\ntest with whitespace\r\nand Unicode BMP \xe2\x98\xba and non-BMP "
      "\xf0\x9f\x98\x88\t\n";
  CHECK_EQ_INT(c->closed, 1);
  CHECK_EQ_INT(c->got_headers, 0);
  CHECK_EQ_INT(c->code, CGRPC_STATUS_NOT_FOUND);
  CHECK_EQ_MEM(c->message, c->message_len, want, sizeof want - 1);
  const cgrpc_str_t *why = cgrpc_metadata_get(cgrpc_h2_stream_trailers(&c->s), "x-why");
  CHECK(why && why->len == 13);
  CHECK_EQ_UINT(cgrpc_h2_stream_metadata(&c->s)->count, 0);
  /* The server answered before the request ended: it reset the rest. */
  CHECK_EQ_INT(p.server.calls[0]->closed, 1);
  CHECK_EQ_INT(p.server.calls[0]->code, CGRPC_STATUS_NOT_FOUND);
  pair_free(&p);
}

/* Initial metadata from the server, held back until the first message. */
static void srv_headers_then_fail(tpeer_t *p, tcall_t *c) {
  cgrpc_metadata_t md = CGRPC_METADATA_INIT;
  CHECK(cgrpc_metadata_add_str(&md, &c->s.arena, "x-initial", "v1"));
  CHECK(cgrpc_metadata_add_str(&md, &c->s.arena, "x-initial", "v2"));
  cgrpc_h2_stream_set_response(&c->s, &md, CGRPC_COMPRESSION_IDENTITY);
  cgrpc_h2_stream_send_headers(&c->s);
}

static void test_initial_metadata_and_repeated_keys(void) {
  pair_t p;
  pair_init(&p, NULL, NULL);
  p.server.on_request = srv_headers_then_fail;
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  cgrpc_metadata_t md = CGRPC_METADATA_INIT;
  CHECK(cgrpc_metadata_add_str(&md, &arena, "x-a", "1"));
  CHECK(cgrpc_metadata_add_str(&md, &arena, "x-a", "2"));
  CHECK(cgrpc_metadata_add(&md, &arena, "x-b-bin", "\xab\xab\xab", 3));
  CHECK(!cgrpc_metadata_add_str(&md, &arena, "X-Upper", "v"));
  CHECK(!cgrpc_metadata_add_str(&md, &arena, "grpc-status", "0"));
  CHECK(!cgrpc_metadata_add_str(&md, &arena, "x-ctl", "a\nb"));
  CHECK(cgrpc_metadata_add(&md, &arena, "grpc-status-details-bin", "\x08\x01", 2));
  tcall_t *c = tstart(&p.client, "/pkg.Svc/Md", CGRPC_INFINITE, CGRPC_COMPRESSION_IDENTITY, &md);
  cgrpc_arena_free(&arena); /* the transport copied what it needs */
  pump(&p.client, &p.server);
  tcall_t *sc = p.server.calls[0];
  const cgrpc_metadata_t *smd = cgrpc_h2_stream_metadata(&sc->s);
  CHECK_EQ_UINT(cgrpc_metadata_count(smd, "x-a"), 2);
  const cgrpc_str_t *bin = cgrpc_metadata_get(smd, "x-b-bin");
  CHECK(bin && bin->len == 3 && memcmp(bin->data, "\xab\xab\xab", 3) == 0);
  CHECK(cgrpc_metadata_get(smd, "grpc-status-details-bin") != NULL);
  /* Headers went out before any message. */
  CHECK_EQ_INT(c->got_headers, 1);
  const cgrpc_metadata_t *imd = cgrpc_h2_stream_metadata(&c->s);
  CHECK_EQ_UINT(cgrpc_metadata_count(imd, "x-initial"), 2);
  CHECK_EQ_MEM(imd->entries[0].value.data, 2, "v1", 2);
  CHECK_EQ_MEM(imd->entries[1].value.data, 2, "v2", 2);
  cgrpc_h2_stream_finish(&sc->s, CGRPC_STATUS_ABORTED, "late", 4, NULL);
  pump(&p.client, &p.server);
  CHECK_EQ_INT(c->code, CGRPC_STATUS_ABORTED);
  CHECK_EQ_STR(c->message, "late");
  pair_free(&p);
}

/* Compression both ways: the request in gzip, the response in deflate; a
 * message marked no_compress goes out plain. */
static void srv_compressed_reply(tpeer_t *p, tcall_t *c) {
  cgrpc_h2_stream_set_response(&c->s, NULL, CGRPC_COMPRESSION_DEFLATE);
  char big[4000];
  memset(big, 'z', sizeof big);
  cgrpc_h2_stream_send(&c->s, tmsg_make(big, sizeof big));
  cgrpc_h2_msg_t *plain = tmsg_make("plain", 5);
  plain->no_compress = true;
  cgrpc_h2_stream_send(&c->s, plain);
  cgrpc_h2_stream_finish(&c->s, CGRPC_STATUS_OK, "", 0, NULL);
}

static void test_compression(void) {
  pair_t p;
  pair_init(&p, NULL, NULL);
  p.server.on_eos = srv_compressed_reply;
  tcall_t *c = tstart(&p.client, "/pkg.Svc/Z", CGRPC_INFINITE, CGRPC_COMPRESSION_GZIP, NULL);
  char big[5000];
  memset(big, 'q', sizeof big);
  cgrpc_h2_stream_send(&c->s, tmsg_make(big, sizeof big));
  cgrpc_h2_msg_t *plain = tmsg_make("raw", 3);
  plain->no_compress = true;
  cgrpc_h2_stream_send(&c->s, plain);
  cgrpc_h2_stream_half_close(&c->s);
  pump(&p.client, &p.server);
  tcall_t *sc = p.server.calls[0];
  CHECK_EQ_UINT(sc->msg_count, 2);
  CHECK(sc->msgs && sc->msgs->compressed && sc->msgs->len == 5000 && sc->msgs->data[4999] == 'q');
  CHECK(sc->msgs && tmsg_is(sc->msgs->next, "raw") && !sc->msgs->next->compressed);
  CHECK(cgrpc_h2_stream_peer_accepts(&sc->s) ==
        CGRPC_COMPRESSION_SET_ALL); /* our client advertises every algorithm */
  CHECK_EQ_UINT(c->msg_count, 2);
  CHECK(c->msgs && c->msgs->compressed && c->msgs->len == 4000 && c->msgs->data[0] == 'z');
  CHECK(c->msgs && tmsg_is(c->msgs->next, "plain") && !c->msgs->next->compressed);
  CHECK_EQ_INT(c->code, CGRPC_STATUS_OK);
  pair_free(&p);
}

/* A server that does not accept the request's encoding answers
 * UNIMPLEMENTED and lists what it accepts. */
static void test_unsupported_request_encoding(void) {
  cgrpc_h2_options_t so;
  cgrpc_h2_options_init(&so);
  so.accept_encodings = CGRPC_COMPRESSION_SET_OF(CGRPC_COMPRESSION_DEFLATE);
  pair_t p;
  pair_init(&p, NULL, &so);
  tcall_t *c = tstart(&p.client, "/pkg.Svc/Z", CGRPC_INFINITE, CGRPC_COMPRESSION_GZIP, NULL);
  CHECK(tsend(c, "data"));
  cgrpc_h2_stream_half_close(&c->s);
  pump(&p.client, &p.server);
  CHECK_EQ_INT(c->code, CGRPC_STATUS_UNIMPLEMENTED);
  CHECK(strstr(c->message, "gzip") != NULL);
  CHECK_EQ_INT(p.server.calls[0]->got_request, 0);
  pair_free(&p);
}

/* A connected pair with a Bidi call whose first message ("first") reached
 * the server; the server's side of the call in *server_call. */
static tcall_t *open_bidi(pair_t *p, tcall_t **server_call) {
  pair_init(p, NULL, NULL);
  tcall_t *c =
      tstart(&p->client, "/pkg.Svc/Bidi", CGRPC_INFINITE, CGRPC_COMPRESSION_IDENTITY, NULL);
  CHECK(tsend(c, "first"));
  pump(&p->client, &p->server);
  *server_call = p->server.calls[0];
  return c;
}

/* The client cancels mid-call: the server sees CANCELLED. */
static void test_client_cancel(void) {
  pair_t p;
  tcall_t *sc, *c = open_bidi(&p, &sc);
  CHECK_EQ_UINT(sc->msg_count, 1);
  cgrpc_h2_stream_cancel(&c->s, CGRPC_STATUS_CANCELLED, "cancelled by the application");
  cgrpc_h2_stream_cancel(&c->s, CGRPC_STATUS_INTERNAL, "second cancel is a no-op");
  CHECK(!tsend(c, "after cancel"));
  pump(&p.client, &p.server);
  CHECK_EQ_INT(c->closed, 1);
  CHECK_EQ_INT(c->code, CGRPC_STATUS_CANCELLED);
  CHECK_EQ_STR(c->message, "cancelled by the application");
  CHECK_EQ_INT(sc->closed, 1);
  CHECK_EQ_INT(sc->code, CGRPC_STATUS_CANCELLED);
  CHECK_EQ_INT(sc->eos, 0);
  /* The server's late reply goes nowhere. */
  CHECK(!tsend(sc, "late"));
  pair_free(&p);
}

/* The server resets the stream: the client sees CANCELLED. */
static void test_server_cancel(void) {
  pair_t p;
  tcall_t *sc, *c = open_bidi(&p, &sc);
  CHECK(tsend(sc, "reply"));
  cgrpc_h2_stream_cancel(&sc->s, CGRPC_STATUS_CANCELLED, "handler gave up");
  pump(&p.client, &p.server);
  CHECK_EQ_INT(sc->closed, 1);
  CHECK_EQ_INT(c->closed, 1);
  CHECK_EQ_INT(c->code, CGRPC_STATUS_CANCELLED);
  pair_free(&p);
}

/* A call cancelled before it left the client never reaches the server. */
static void test_cancel_while_queued(void) {
  pair_t p;
  pair_init(&p, NULL, NULL);
  tcall_t *c =
      tstart(&p.client, "/pkg.Svc/Unary", CGRPC_INFINITE, CGRPC_COMPRESSION_IDENTITY, NULL);
  cgrpc_h2_stream_cancel(&c->s, CGRPC_STATUS_CANCELLED, "never mind");
  CHECK_EQ_INT(c->closed, 0); /* events come from flush, not from the operation */
  pump(&p.client, &p.server);
  CHECK_EQ_INT(c->closed, 1);
  CHECK_EQ_INT(c->code, CGRPC_STATUS_CANCELLED);
  CHECK_EQ_UINT(p.server.ncalls, 0);
  pair_free(&p);
}

/* grpc-timeout: the server learns the deadline and enforces it; the client
 * reports DEADLINE_EXCEEDED for the CANCEL that follows. */
static void test_deadline_server_side(void) {
  pair_t p;
  pair_init(&p, NULL, NULL);
  int64_t ms = 1000000;
  tcall_t *c =
      tstart(&p.client, "/pkg.Svc/Slow", g_clock + 50 * ms, CGRPC_COMPRESSION_IDENTITY, NULL);
  CHECK(tsend(c, "x"));
  pump(&p.client, &p.server);
  tcall_t *sc = p.server.calls[0];
  int64_t dl = cgrpc_h2_stream_deadline(&sc->s);
  CHECK(dl >= g_clock + 50 * ms && dl <= g_clock + 51 * ms);
  CHECK(cgrpc_h2_conn_next_deadline(p.server.conn) <= dl);
  g_clock += 49 * ms;
  cgrpc_h2_conn_expire(p.server.conn, g_clock);
  pump(&p.client, &p.server);
  CHECK_EQ_INT(sc->closed, 0);
  g_clock += 2 * ms;
  cgrpc_h2_conn_expire(p.server.conn, g_clock);
  pump(&p.client, &p.server);
  CHECK_EQ_INT(sc->closed, 1);
  CHECK_EQ_INT(sc->code, CGRPC_STATUS_DEADLINE_EXCEEDED);
  CHECK_EQ_INT(c->closed, 1);
  CHECK_EQ_INT(c->code, CGRPC_STATUS_DEADLINE_EXCEEDED);
  pair_free(&p);
}

static void test_deadline_client_side(void) {
  pair_t p;
  pair_init(&p, NULL, NULL);
  int64_t ms = 1000000;
  tcall_t *c =
      tstart(&p.client, "/pkg.Svc/Slow", g_clock + 5 * ms, CGRPC_COMPRESSION_IDENTITY, NULL);
  pump(&p.client, &p.server);
  g_clock += 5 * ms;
  cgrpc_h2_conn_expire(p.client.conn, g_clock);
  pump(&p.client, &p.server);
  CHECK_EQ_INT(c->closed, 1);
  CHECK_EQ_INT(c->code, CGRPC_STATUS_DEADLINE_EXCEEDED);
  CHECK_EQ_INT(p.server.calls[0]->code, CGRPC_STATUS_CANCELLED);
  CHECK(cgrpc_h2_conn_next_deadline(p.client.conn) == CGRPC_INFINITE);
  /* Already expired when the stream would start: it never leaves. */
  tcall_t *c2 = tstart(&p.client, "/pkg.Svc/Slow", g_clock - 1, CGRPC_COMPRESSION_IDENTITY, NULL);
  pump(&p.client, &p.server);
  CHECK_EQ_INT(c2->code, CGRPC_STATUS_DEADLINE_EXCEEDED);
  CHECK_EQ_UINT(p.server.ncalls, 1);
  pair_free(&p);
}

/* MAX_CONCURRENT_STREAMS=1: the client queues instead of failing. */
static void test_max_concurrent_streams_queue(void) {
  cgrpc_h2_options_t so;
  cgrpc_h2_options_init(&so);
  so.max_concurrent_streams = 1;
  pair_t p;
  pair_init(&p, NULL, &so);
  p.server.on_eos = srv_unary_eos;
  tcall_t *calls[10];
  for (int i = 0; i < 10; i++) {
    calls[i] =
        tstart(&p.client, "/pkg.Svc/Unary", CGRPC_INFINITE, CGRPC_COMPRESSION_IDENTITY, NULL);
    CHECK(tsend(calls[i], "n"));
    cgrpc_h2_stream_half_close(&calls[i]->s);
  }
  pump(&p.client, &p.server);
  for (int i = 0; i < 10; i++) {
    CHECK_EQ_INT(calls[i]->code, CGRPC_STATUS_OK);
    CHECK(tmsg_is(calls[i]->msgs, "n back"));
  }
  CHECK_EQ_UINT(p.server.ncalls, 10);
  pair_free(&p);
}

/* A server that refuses a stream (too busy): UNAVAILABLE, safe to retry. */
static void test_refused_stream(void) {
  pair_t p;
  pair_init(&p, NULL, NULL);
  p.server.refuse = 1;
  tcall_t *c =
      tstart(&p.client, "/pkg.Svc/Unary", CGRPC_INFINITE, CGRPC_COMPRESSION_IDENTITY, NULL);
  cgrpc_h2_stream_half_close(&c->s);
  pump(&p.client, &p.server);
  CHECK_EQ_INT(c->code, CGRPC_STATUS_UNAVAILABLE);
  CHECK(cgrpc_h2_stream_retryable(&c->s));
  pair_free(&p);
}

/* Graceful shutdown: the call in flight finishes, new calls cannot start,
 * both connections end up finished. */
static void test_graceful_shutdown(void) {
  pair_t p;
  pair_init(&p, NULL, NULL);
  p.server.on_eos = srv_unary_eos;
  tcall_t *c =
      tstart(&p.client, "/pkg.Svc/Unary", CGRPC_INFINITE, CGRPC_COMPRESSION_IDENTITY, NULL);
  CHECK(tsend(c, "in flight"));
  pump(&p.client, &p.server);
  cgrpc_h2_conn_end(p.server.conn, CGRPC_H2_END_DRAIN, 0, NULL, NULL);
  pump(&p.client, &p.server);
  /* Two GOAWAYs: the notice (last id 2^31-1), then the real one after the
   * PING came back. */
  CHECK_EQ_INT(p.client.goaways, 2);
  CHECK(cgrpc_h2_conn_draining(p.client.conn));
  CHECK(!cgrpc_h2_conn_finished(p.server.conn)); /* the call is still open */
  tcall_t dummy;
  cgrpc_h2_stream_init(&dummy.s, &dummy, NULL, 0);
  cgrpc_h2_request_t req = {.path = CGRPC_STR("/x/y"), .deadline = CGRPC_INFINITE};
  CHECK(!cgrpc_h2_stream_start(p.client.conn, &dummy.s, &req));
  cgrpc_h2_stream_destroy(&dummy.s);
  cgrpc_h2_stream_half_close(&c->s);
  pump(&p.client, &p.server);
  CHECK_EQ_INT(c->code, CGRPC_STATUS_OK);
  CHECK(tmsg_is(c->msgs, "in flight back"));
  CHECK(cgrpc_h2_conn_finished(p.server.conn));
  CHECK(cgrpc_h2_conn_finished(p.client.conn));
  pair_free(&p);
}

/* The connection breaks: client calls end UNAVAILABLE, server calls
 * CANCELLED. */
static void test_abort(void) {
  pair_t p;
  pair_init(&p, NULL, NULL);
  tcall_t *c = tstart(&p.client, "/pkg.Svc/Bidi", CGRPC_INFINITE, CGRPC_COMPRESSION_IDENTITY, NULL);
  pump(&p.client, &p.server);
  tcall_t *queued = tstart(&p.client, "/pkg.Svc/Bidi", CGRPC_INFINITE, CGRPC_COMPRESSION_IDENTITY, NULL);
  cgrpc_h2_conn_end(p.client.conn, CGRPC_H2_END_ABORT, 0, NULL, "connection reset by peer");
  cgrpc_h2_conn_end(p.server.conn, CGRPC_H2_END_ABORT, 0, NULL, "connection reset by peer");
  CHECK_EQ_INT(c->code, CGRPC_STATUS_UNAVAILABLE);
  CHECK(strstr(c->message, "connection reset by peer") != NULL);
  CHECK(!cgrpc_h2_stream_retryable(&c->s));
  CHECK_EQ_INT(queued->code, CGRPC_STATUS_UNAVAILABLE);
  CHECK(cgrpc_h2_stream_retryable(&queued->s));
  CHECK_EQ_INT(p.server.calls[0]->code, CGRPC_STATUS_CANCELLED);
  CHECK(cgrpc_h2_conn_finished(p.client.conn));
  pair_free(&p);
}

/* The ladder that ends a connection (conn.h): a drain whose grace ran out
 * is cancelled, which ends the calls at once with the reason given; steps
 * already taken, or softer ones, change nothing after that. */
static void test_end_ladder_cancel(void) {
  pair_t p;
  pair_init(&p, NULL, NULL);
  tcall_t *c = tstart(&p.client, "/pkg.Svc/Bidi", CGRPC_INFINITE, CGRPC_COMPRESSION_IDENTITY, NULL);
  pump(&p.client, &p.server);
  cgrpc_h2_conn_end(p.server.conn, CGRPC_H2_END_DRAIN, 0, NULL, NULL);
  pump(&p.client, &p.server);
  CHECK_EQ_INT(p.client.goaways, 2);
  CHECK(!cgrpc_h2_conn_finished(p.server.conn));
  cgrpc_h2_conn_end(p.server.conn, CGRPC_H2_END_CANCEL, 0, NULL, "the grace period is over");
  CHECK_EQ_INT(p.server.calls[0]->code, CGRPC_STATUS_CANCELLED);
  CHECK(strstr(p.server.calls[0]->message, "the grace period is over") != NULL);
  cgrpc_h2_conn_end(p.server.conn, CGRPC_H2_END_DRAIN, 0, NULL, NULL);
  cgrpc_h2_conn_end(p.server.conn, CGRPC_H2_END_REFUSE, 2, "x", "too late");
  cgrpc_h2_conn_end(p.server.conn, CGRPC_H2_END_CANCEL, 2, NULL, "again");
  pump(&p.client, &p.server);
  CHECK_EQ_INT(p.client.goaways, 3);
  CHECK(!c->closed); /* the client's call ends with the socket */
  cgrpc_h2_conn_end(p.client.conn, CGRPC_H2_END_ABORT, 0, NULL, "the peer closed the connection");
  CHECK_EQ_INT(c->code, CGRPC_STATUS_UNAVAILABLE);
  CHECK(cgrpc_h2_conn_finished(p.server.conn));
  cgrpc_h2_conn_end(p.server.conn, CGRPC_H2_END_ABORT, 0, NULL, "closed");
  cgrpc_h2_conn_end(p.server.conn, CGRPC_H2_END_ABORT, 0, NULL, "closed twice");
  CHECK(strstr(p.server.calls[0]->message, "the grace period is over") != NULL);
  pair_free(&p);
}

/* REFUSE: one GOAWAY with the error, the connection is finished once it is
 * written, and the calls (ended when the socket closes) say why. A drain
 * after it sends nothing more. */
static void test_end_ladder_refuse(void) {
  pair_t p;
  pair_init(&p, NULL, NULL);
  tstart(&p.client, "/pkg.Svc/Bidi", CGRPC_INFINITE, CGRPC_COMPRESSION_IDENTITY, NULL);
  pump(&p.client, &p.server);
  cgrpc_h2_conn_end(p.server.conn, CGRPC_H2_END_REFUSE, NGHTTP2_ENHANCE_YOUR_CALM, "rule",
                    "the client broke a rule");
  cgrpc_h2_conn_end(p.server.conn, CGRPC_H2_END_DRAIN, 0, NULL, NULL);
  pump(&p.client, &p.server);
  CHECK_EQ_INT(p.client.goaways, 1);
  CHECK(strstr(cgrpc_h2_conn_error(p.client.conn), "rule") != NULL);
  CHECK(cgrpc_h2_conn_finished(p.server.conn));
  CHECK(!p.server.calls[0]->closed);
  cgrpc_h2_conn_end(p.server.conn, CGRPC_H2_END_ABORT, 0, NULL, "socket closed");
  CHECK_EQ_INT(p.server.calls[0]->code, CGRPC_STATUS_CANCELLED);
  CHECK(strstr(p.server.calls[0]->message, "the client broke a rule") != NULL);
  pair_free(&p);
}

/* After on_close, stream operations are no-ops that never touch the
 * connection: here it is already freed (ASan would catch any access). */
static void test_ops_after_conn_freed(void) {
  pair_t p;
  pair_init(&p, NULL, NULL);
  tcall_t *c = tstart(&p.client, "/pkg.Svc/Bidi", CGRPC_INFINITE, CGRPC_COMPRESSION_IDENTITY, NULL);
  pump(&p.client, &p.server);
  tcall_t *sc = p.server.calls[0];
  cgrpc_h2_conn_free(p.client.conn);
  cgrpc_h2_conn_free(p.server.conn);
  p.client.conn = p.server.conn = NULL;
  CHECK_EQ_INT(c->closed, 1);
  CHECK_EQ_INT(sc->closed, 1);
  CHECK(!tsend(c, "x"));
  CHECK(!tsend(sc, "y"));
  cgrpc_h2_stream_half_close(&c->s);
  cgrpc_h2_stream_cancel(&c->s, CGRPC_STATUS_CANCELLED, "late");
  cgrpc_h2_stream_pause_read(&c->s, true);
  cgrpc_h2_stream_pause_read(&c->s, false);
  cgrpc_h2_stream_set_response(&sc->s, NULL, CGRPC_COMPRESSION_GZIP);
  cgrpc_h2_stream_send_headers(&sc->s);
  cgrpc_h2_stream_finish(&sc->s, CGRPC_STATUS_OK, "", 0, NULL);
  cgrpc_h2_stream_cancel(&sc->s, CGRPC_STATUS_CANCELLED, "late");
  CHECK_EQ_INT(c->code, CGRPC_STATUS_UNAVAILABLE);
  CHECK_EQ_INT(sc->code, CGRPC_STATUS_CANCELLED);
  pair_free(&p);
}

/* Every byte delivered one at a time: frames and messages split anywhere. */
static void test_byte_by_byte(void) {
  pair_t p;
  pair_init(&p, NULL, NULL);
  p.server.on_eos = srv_unary_eos;
  tcall_t *c = tstart(&p.client, "/pkg.Svc/Unary", CGRPC_INFINITE, CGRPC_COMPRESSION_GZIP, NULL);
  CHECK(tsend(c, "split me"));
  cgrpc_h2_stream_half_close(&c->s);
  endpoint_t a = {&p.client, NULL, 0}, b = {&p.server, NULL, 0};
  pump_eps(&a, &b, 1);
  CHECK_EQ_INT(c->code, CGRPC_STATUS_OK);
  CHECK(tmsg_is(c->msgs, "split me back"));
  pair_free(&p);
}

int main(void) {
  TEST_RUN(test_unary);
  TEST_RUN(test_server_streaming);
  TEST_RUN(test_client_streaming);
  TEST_RUN(test_bidi_ping_pong);
  TEST_RUN(test_trailers_only);
  TEST_RUN(test_initial_metadata_and_repeated_keys);
  TEST_RUN(test_compression);
  TEST_RUN(test_unsupported_request_encoding);
  TEST_RUN(test_client_cancel);
  TEST_RUN(test_server_cancel);
  TEST_RUN(test_cancel_while_queued);
  TEST_RUN(test_deadline_server_side);
  TEST_RUN(test_deadline_client_side);
  TEST_RUN(test_max_concurrent_streams_queue);
  TEST_RUN(test_refused_stream);
  TEST_RUN(test_graceful_shutdown);
  TEST_RUN(test_abort);
  TEST_RUN(test_end_ladder_cancel);
  TEST_RUN(test_end_ladder_refuse);
  TEST_RUN(test_ops_after_conn_freed);
  TEST_RUN(test_byte_by_byte);
  return TEST_DONE();
}

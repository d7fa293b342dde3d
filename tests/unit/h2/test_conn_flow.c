/* tests/unit/h2/test_conn_flow.c — flow control and size limits of the
 * HTTP/2 transport, in memory: a 10 MiB message through a 64 KiB window
 * both ways, backpressure while the receiver is paused, receive and send
 * limits (plain and compressed), and the header-list limit. */
#include "test_conn_harness.h"

static int64_t g_clock = 1;

static const size_t kWindow = 64 * 1024;
static const size_t kBig = 10 * 1024 * 1024;

static void small_window(cgrpc_h2_options_t *o) {
  cgrpc_h2_options_init(o);
  o->stream_window = (uint32_t)kWindow;
  o->connection_window = (uint32_t)kWindow;
  o->max_recv_message = 16 * 1024 * 1024;
}

static uint8_t pattern(size_t i) { return (uint8_t)(i * 31 + (i >> 12)); }

static cgrpc_h2_msg_t *big_msg(size_t len) {
  cgrpc_h2_msg_t *m = cgrpc_h2_msg_new(len);
  uint8_t *p = cgrpc_h2_msg_payload(m);
  for (size_t i = 0; i < len; i++) p[i] = pattern(i);
  m->len = len;
  return m;
}

static bool is_pattern(const uint8_t *p, size_t len) {
  for (size_t i = 0; i < len; i++) {
    if (p[i] != pattern(i)) return false;
  }
  return true;
}

static void srv_echo_big(tpeer_t *p, tcall_t *c) {
  CHECK_EQ_UINT(c->msg_count, 1);
  CHECK(cgrpc_h2_stream_send(&c->s, big_msg(kBig)));
  cgrpc_h2_stream_finish(&c->s, CGRPC_STATUS_OK, "", 0, NULL);
}

/* 10 MiB each way through 64 KiB windows: the window is returned as bytes
 * enter the reassembler, so a message 160 times the window gets through. */
static void test_big_message_small_window(void) {
  cgrpc_h2_options_t o;
  small_window(&o);
  tpeer_t client, server;
  tpeer_init(&client, CGRPC_H2_CLIENT, &o, &g_clock);
  tpeer_init(&server, CGRPC_H2_SERVER, &o, &g_clock);
  server.on_eos = srv_echo_big;
  tcall_t *c = tstart(&client, "/big.Svc/Echo", CGRPC_INFINITE, CGRPC_COMPRESSION_IDENTITY, NULL);
  CHECK(cgrpc_h2_stream_send(&c->s, big_msg(kBig)));
  cgrpc_h2_stream_half_close(&c->s);
  int rounds = pump(&client, &server);
  CHECK(rounds > 100); /* it really went window by window */
  tcall_t *sc = server.calls[0];
  CHECK_EQ_UINT(sc->msg_count, 1);
  CHECK(sc->msgs && sc->msgs->len == kBig && is_pattern(sc->msgs->data, kBig));
  CHECK_EQ_UINT(c->msg_count, 1);
  CHECK(c->msgs && c->msgs->len == kBig && is_pattern(c->msgs->data, kBig));
  CHECK_EQ_INT(c->code, CGRPC_STATUS_OK);
  tpeer_free(&client);
  tpeer_free(&server);
}

static void srv_pause_each(tpeer_t *p, tcall_t *c) { c->pause_after_message = true; }

/* A paused receiver holds at most about a window: the sender's messages
 * stay queued (not "sent") until the receiver reads again. */
static void test_backpressure_while_paused(void) {
  cgrpc_h2_options_t o;
  small_window(&o);
  tpeer_t client, server;
  tpeer_init(&client, CGRPC_H2_CLIENT, &o, &g_clock);
  tpeer_init(&server, CGRPC_H2_SERVER, &o, &g_clock);
  server.on_request = srv_pause_each;
  tcall_t *c = tstart(&client, "/big.Svc/In", CGRPC_INFINITE, CGRPC_COMPRESSION_IDENTITY, NULL);
  const size_t msg_len = 40 * 1024, count = 10;
  for (size_t i = 0; i < count; i++) CHECK(cgrpc_h2_stream_send(&c->s, big_msg(msg_len)));
  cgrpc_h2_stream_half_close(&c->s);
  pump(&client, &server);
  tcall_t *sc = server.calls[0];
  size_t delivered = sc->msg_count;
  CHECK_EQ_UINT(delivered, 1);
  /* What left the client is bounded by what was delivered plus windows. */
  CHECK((size_t)c->sent * (msg_len + 5) <= (delivered + 1) * (msg_len + 5) + 2 * kWindow);
  CHECK((size_t)c->sent < count);
  pump(&client, &server);
  CHECK_EQ_UINT(sc->msg_count, delivered); /* nothing moves while paused */
  /* Read on, one message at a time. */
  for (size_t guard = 0; sc->msg_count < count && guard < 100; guard++) {
    cgrpc_h2_stream_pause_read(&sc->s, false);
    pump(&client, &server);
  }
  CHECK_EQ_UINT(sc->msg_count, count);
  CHECK(sc->msgs_tail && is_pattern(sc->msgs_tail->data, msg_len));
  CHECK_EQ_INT(sc->eos, 1);
  CHECK_EQ_INT(c->sent, (int)count);
  cgrpc_h2_stream_finish(&sc->s, CGRPC_STATUS_OK, "", 0, NULL);
  pump(&client, &server);
  CHECK_EQ_INT(c->code, CGRPC_STATUS_OK);
  tpeer_free(&client);
  tpeer_free(&server);
}

/* Status OK is reported only after the messages held while paused: the
 * client pauses, the server sends three messages and OK. */
static void srv_three_and_ok(tpeer_t *p, tcall_t *c) {
  CHECK(tsend(c, "a"));
  CHECK(tsend(c, "b"));
  CHECK(tsend(c, "c"));
  cgrpc_h2_stream_finish(&c->s, CGRPC_STATUS_OK, "", 0, NULL);
}

static void test_status_after_held_messages(void) {
  tpeer_t client, server;
  tpeer_init(&client, CGRPC_H2_CLIENT, NULL, &g_clock);
  tpeer_init(&server, CGRPC_H2_SERVER, NULL, &g_clock);
  server.on_eos = srv_three_and_ok;
  tcall_t *c = tstart(&client, "/p.S/M", CGRPC_INFINITE, CGRPC_COMPRESSION_IDENTITY, NULL);
  c->pause_after_message = true;
  cgrpc_h2_stream_half_close(&c->s);
  pump(&client, &server);
  CHECK_EQ_UINT(c->msg_count, 1);
  CHECK_EQ_INT(c->closed, 0);
  CHECK_EQ_INT(c->eos, 0);
  for (int i = 0; i < 5 && !c->closed; i++) {
    cgrpc_h2_stream_pause_read(&c->s, false);
    pump(&client, &server);
  }
  CHECK_EQ_UINT(c->msg_count, 3);
  CHECK(tmsg_is(c->msgs_tail, "c"));
  CHECK_EQ_INT(c->eos, 1);
  CHECK_EQ_INT(c->closed, 1);
  CHECK_EQ_INT(c->code, CGRPC_STATUS_OK);
  tpeer_free(&client);
  tpeer_free(&server);
}

/* A message over the receive limit is refused from its 5-byte prefix:
 * RESOURCE_EXHAUSTED, and the handler never sees it. */
static void test_recv_limit_server(void) {
  cgrpc_h2_options_t so;
  cgrpc_h2_options_init(&so);
  so.max_recv_message = 1000;
  tpeer_t client, server;
  tpeer_init(&client, CGRPC_H2_CLIENT, NULL, &g_clock);
  tpeer_init(&server, CGRPC_H2_SERVER, &so, &g_clock);
  tcall_t *c = tstart(&client, "/p.S/M", CGRPC_INFINITE, CGRPC_COMPRESSION_IDENTITY, NULL);
  CHECK(cgrpc_h2_stream_send(&c->s, big_msg(1000)));
  CHECK(cgrpc_h2_stream_send(&c->s, big_msg(1001)));
  cgrpc_h2_stream_half_close(&c->s);
  pump(&client, &server);
  tcall_t *sc = server.calls[0];
  CHECK_EQ_UINT(sc->msg_count, 1); /* exactly at the limit is fine */
  CHECK_EQ_INT(sc->code, CGRPC_STATUS_RESOURCE_EXHAUSTED);
  CHECK_EQ_INT(c->code, CGRPC_STATUS_RESOURCE_EXHAUSTED);
  CHECK(strstr(c->message, "1000") != NULL);
  tpeer_free(&client);
  tpeer_free(&server);
}

static void srv_reply_200(tpeer_t *p, tcall_t *c) {
  CHECK(cgrpc_h2_stream_send(&c->s, big_msg(200)));
  cgrpc_h2_stream_finish(&c->s, CGRPC_STATUS_OK, "", 0, NULL);
}

static void test_recv_limit_client(void) {
  cgrpc_h2_options_t co;
  cgrpc_h2_options_init(&co);
  co.max_recv_message = 100;
  tpeer_t client, server;
  tpeer_init(&client, CGRPC_H2_CLIENT, &co, &g_clock);
  tpeer_init(&server, CGRPC_H2_SERVER, NULL, &g_clock);
  server.on_request = srv_reply_200;
  tcall_t *c = tstart(&client, "/p.S/M", CGRPC_INFINITE, CGRPC_COMPRESSION_IDENTITY, NULL);
  pump(&client, &server);
  CHECK_EQ_UINT(c->msg_count, 0);
  CHECK_EQ_INT(c->code, CGRPC_STATUS_RESOURCE_EXHAUSTED);
  tpeer_free(&client);
  tpeer_free(&server);
}

/* A gzip bomb: 8 MiB of zeros compress to a few KiB; the limit applies to
 * the inflated size, and inflating stops at the limit. */
static void test_recv_limit_compressed(void) {
  cgrpc_h2_options_t so;
  cgrpc_h2_options_init(&so);
  so.max_recv_message = 64 * 1024;
  tpeer_t client, server;
  tpeer_init(&client, CGRPC_H2_CLIENT, NULL, &g_clock);
  tpeer_init(&server, CGRPC_H2_SERVER, &so, &g_clock);
  tcall_t *c = tstart(&client, "/p.S/M", CGRPC_INFINITE, CGRPC_COMPRESSION_GZIP, NULL);
  cgrpc_h2_msg_t *m = cgrpc_h2_msg_new(8 << 20);
  memset(cgrpc_h2_msg_payload(m), 0, 8 << 20);
  m->len = 8 << 20;
  CHECK(cgrpc_h2_stream_send(&c->s, m));
  cgrpc_h2_stream_half_close(&c->s);
  pump(&client, &server);
  CHECK_EQ_UINT(server.calls[0]->msg_count, 0);
  CHECK_EQ_INT(c->code, CGRPC_STATUS_RESOURCE_EXHAUSTED);
  tpeer_free(&client);
  tpeer_free(&server);
}

/* The send limit fails the call on the sending side. */
static void test_send_limit(void) {
  cgrpc_h2_options_t co;
  cgrpc_h2_options_init(&co);
  co.max_send_message = 10;
  tpeer_t client, server;
  tpeer_init(&client, CGRPC_H2_CLIENT, &co, &g_clock);
  tpeer_init(&server, CGRPC_H2_SERVER, NULL, &g_clock);
  tcall_t *c = tstart(&client, "/p.S/M", CGRPC_INFINITE, CGRPC_COMPRESSION_IDENTITY, NULL);
  CHECK(tsend(c, "0123456789"));
  CHECK(!tsend(c, "0123456789A"));
  pump(&client, &server);
  CHECK_EQ_INT(c->code, CGRPC_STATUS_RESOURCE_EXHAUSTED);
  CHECK(strstr(c->message, "send limit") != NULL);
  tpeer_free(&client);
  tpeer_free(&server);
}

/* Request metadata above the header-list limit: RESOURCE_EXHAUSTED, and
 * the connection stays usable. */
static void srv_ok_at_eos(tpeer_t *p, tcall_t *c) {
  cgrpc_h2_stream_finish(&c->s, CGRPC_STATUS_OK, "", 0, NULL);
}

static void test_header_list_limit(void) {
  cgrpc_h2_options_t so;
  cgrpc_h2_options_init(&so);
  so.max_header_list = 1024;
  tpeer_t client, server;
  tpeer_init(&client, CGRPC_H2_CLIENT, NULL, &g_clock);
  tpeer_init(&server, CGRPC_H2_SERVER, &so, &g_clock);
  server.on_eos = srv_ok_at_eos;
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  cgrpc_metadata_t md = CGRPC_METADATA_INIT;
  char value[600];
  memset(value, 'v', sizeof value - 1);
  value[sizeof value - 1] = '\0';
  CHECK(cgrpc_metadata_add_str(&md, &arena, "x-one", value));
  CHECK(cgrpc_metadata_add_str(&md, &arena, "x-two", value));
  tcall_t *c = tstart(&client, "/p.S/M", CGRPC_INFINITE, CGRPC_COMPRESSION_IDENTITY, &md);
  cgrpc_h2_stream_half_close(&c->s);
  pump(&client, &server);
  CHECK_EQ_INT(c->code, CGRPC_STATUS_RESOURCE_EXHAUSTED);
  CHECK_EQ_INT(server.calls[0]->got_request, 0);
  tcall_t *ok = tstart(&client, "/p.S/M", CGRPC_INFINITE, CGRPC_COMPRESSION_IDENTITY, NULL);
  cgrpc_h2_stream_half_close(&ok->s);
  pump(&client, &server);
  CHECK_EQ_INT(ok->code, CGRPC_STATUS_OK);
  cgrpc_arena_free(&arena);
  tpeer_free(&client);
  tpeer_free(&server);
}

/* Output stops at the high-water mark until the socket takes some. */
static void test_output_high_water(void) {
  cgrpc_h2_options_t o;
  cgrpc_h2_options_init(&o);
  o.output_high_water = 32 * 1024;
  o.stream_window = 1 << 20;
  o.connection_window = 1 << 20;
  tpeer_t client, server;
  tpeer_init(&client, CGRPC_H2_CLIENT, &o, &g_clock);
  tpeer_init(&server, CGRPC_H2_SERVER, &o, &g_clock);
  tcall_t *c = tstart(&client, "/p.S/M", CGRPC_INFINITE, CGRPC_COMPRESSION_IDENTITY, NULL);
  pump(&client, &server); /* settings exchanged, windows open */
  CHECK(cgrpc_h2_stream_send(&c->s, big_msg(512 * 1024)));
  cgrpc_h2_conn_flush(client.conn);
  size_t queued = cgrpc_h2_conn_output_size(client.conn);
  CHECK(queued >= 32 * 1024 && queued < 64 * 1024);
  CHECK_EQ_INT(c->sent, 0);
  pump(&client, &server);
  CHECK_EQ_INT(c->sent, 1);
  CHECK_EQ_UINT(server.calls[0]->msg_bytes, 512 * 1024);
  tpeer_free(&client);
  tpeer_free(&server);
}

int main(void) {
  TEST_RUN(test_big_message_small_window);
  TEST_RUN(test_backpressure_while_paused);
  TEST_RUN(test_status_after_held_messages);
  TEST_RUN(test_recv_limit_server);
  TEST_RUN(test_recv_limit_client);
  TEST_RUN(test_recv_limit_compressed);
  TEST_RUN(test_send_limit);
  TEST_RUN(test_header_list_limit);
  TEST_RUN(test_output_high_water);
  return TEST_DONE();
}

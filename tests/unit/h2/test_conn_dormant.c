/* tests/unit/h2/test_conn_dormant.c — server connections sleep without
 * their nghttp2 session until their first call (h2/dormant.h), and wake up
 * with everything the client said during the handshake: its settings and
 * window, the keepalive and shutdown timers. */
#include "test_conn_harness.h"

#include "h2/conn_internal.h"

static int64_t g_clock = 1000000000;

#define SEC INT64_C(1000000000)
enum { BIG_REPLY = 200000 };

typedef struct pair {
  tpeer_t client, server;
} pair_t;

static bool asleep(const tpeer_t *server) { return server->conn->session == NULL; }

static void srv_reply_big(tpeer_t *p, tcall_t *c) {
  static uint8_t reply[BIG_REPLY];
  for (size_t i = 0; i < sizeof reply; i++) reply[i] = (uint8_t)(i * 7);
  CHECK(cgrpc_h2_stream_send(&c->s, tmsg_make(reply, sizeof reply)));
  cgrpc_h2_stream_finish(&c->s, CGRPC_STATUS_OK, "", 0, NULL);
}

static tcall_t *call_big(pair_t *p) {
  tcall_t *c = tstart(&p->client, "/pkg.Svc/Big", CGRPC_INFINITE, CGRPC_COMPRESSION_IDENTITY, NULL);
  CHECK(tsend(c, "give"));
  cgrpc_h2_stream_half_close(&c->s);
  pump(&p->client, &p->server);
  return c;
}

/* The handshake puts the server to sleep; the first call wakes it, and the
 * response respects the client's small stream window, which only the
 * handshake's SETTINGS (replayed to the new session) told it. */
static void test_sleeps_after_handshake_and_wakes_for_a_call(void) {
  cgrpc_h2_options_t copts;
  cgrpc_h2_options_init(&copts);
  copts.stream_window = 1024;
  pair_t p;
  tpeer_init(&p.client, CGRPC_H2_CLIENT, &copts, &g_clock);
  tpeer_init(&p.server, CGRPC_H2_SERVER, NULL, &g_clock);
  p.server.on_eos = srv_reply_big;
  pump(&p.client, &p.server);
  CHECK_EQ_INT(p.client.ready, 1);
  CHECK(asleep(&p.server));
  CHECK(p.server.conn->out.buf == NULL && p.server.conn->out.segs == NULL);
  CHECK(!cgrpc_h2_conn_finished(p.server.conn));

  tcall_t *c = call_big(&p);
  CHECK_EQ_INT(c->closed, 1);
  CHECK_EQ_INT(c->code, CGRPC_STATUS_OK);
  CHECK_EQ_UINT(c->msg_count, 1);
  CHECK_EQ_UINT(c->msg_bytes, BIG_REPLY);
  CHECK_EQ_UINT(c->msgs->data[BIG_REPLY - 1], (uint8_t)((BIG_REPLY - 1) * 7));
  /* A connection that carried a call stays awake (its HPACK state is
   * real now), but gives its output memory back between calls. */
  CHECK(!asleep(&p.server));
  CHECK(!p.server.conn->dormant.eligible);
  CHECK(p.server.conn->out.buf == NULL);
  tcall_t *again = call_big(&p);
  CHECK_EQ_INT(again->code, CGRPC_STATUS_OK);
  CHECK_EQ_UINT(again->msg_bytes, BIG_REPLY);
  tpeer_free(&p.client);
  tpeer_free(&p.server);
}

/* The keepalive timer wakes a sleeping server for its PING; the answer lets
 * it sleep again. */
static void test_keepalive_wakes_and_sleeps_again(void) {
  cgrpc_h2_options_t sopts;
  cgrpc_h2_options_init(&sopts);
  sopts.keepalive_time = 60 * SEC;
  pair_t p;
  tpeer_init(&p.client, CGRPC_H2_CLIENT, NULL, &g_clock);
  tpeer_init(&p.server, CGRPC_H2_SERVER, &sopts, &g_clock);
  pump(&p.client, &p.server);
  CHECK(asleep(&p.server));
  CHECK_EQ_INT(cgrpc_h2_conn_next_deadline(p.server.conn), g_clock + 60 * SEC);
  g_clock += 60 * SEC;
  cgrpc_h2_conn_expire(p.server.conn, g_clock);
  CHECK(!asleep(&p.server));
  pump(&p.client, &p.server);
  CHECK(asleep(&p.server));
  CHECK_EQ_INT(cgrpc_h2_conn_next_deadline(p.server.conn), g_clock + 60 * SEC);
  p.server.on_eos = srv_reply_big;
  CHECK_EQ_INT(call_big(&p)->code, CGRPC_STATUS_OK);
  tpeer_free(&p.client);
  tpeer_free(&p.server);
}

/* A graceful shutdown reaches a sleeping connection: the client gets the
 * GOAWAY and the connection ends. */
static void test_drain_wakes_and_says_goaway(void) {
  pair_t p;
  tpeer_init(&p.client, CGRPC_H2_CLIENT, NULL, &g_clock);
  tpeer_init(&p.server, CGRPC_H2_SERVER, NULL, &g_clock);
  pump(&p.client, &p.server);
  CHECK(asleep(&p.server));
  cgrpc_h2_conn_end(p.server.conn, CGRPC_H2_END_DRAIN, 0, "shutdown", NULL);
  pump(&p.client, &p.server);
  CHECK(p.client.goaways >= 1);
  CHECK(cgrpc_h2_conn_finished(p.server.conn));
  tpeer_free(&p.client);
  tpeer_free(&p.server);
}

/* A client whose first bytes end inside a frame keeps the server awake
 * until the frame is whole; then it sleeps. */
static void test_no_sleep_inside_a_frame(void) {
  pair_t p;
  tpeer_init(&p.client, CGRPC_H2_CLIENT, NULL, &g_clock);
  tpeer_init(&p.server, CGRPC_H2_SERVER, NULL, &g_clock);
  endpoint_t a = {&p.client, NULL, 0}, b = {&p.server, NULL, 0};
  pump_eps(&a, &b, 5); /* every delivery 5 bytes at most */
  CHECK(asleep(&p.server));
  p.server.on_eos = srv_reply_big;
  CHECK_EQ_INT(call_big(&p)->code, CGRPC_STATUS_OK);
  tpeer_free(&p.client);
  tpeer_free(&p.server);
}

int main(void) {
  TEST_RUN(test_sleeps_after_handshake_and_wakes_for_a_call);
  TEST_RUN(test_keepalive_wakes_and_sleeps_again);
  TEST_RUN(test_drain_wakes_and_says_goaway);
  TEST_RUN(test_no_sleep_inside_a_frame);
  return TEST_DONE();
}

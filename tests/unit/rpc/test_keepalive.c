/* tests/unit/rpc/test_keepalive.c — client keepalive (gRFC A8) and idle
 * mode: a server that never answers a PING loses its connection after the
 * keepalive timeout (the call in flight ends UNAVAILABLE, saying so); a
 * cgrpc server that finds the PINGs too frequent says too_many_pings and
 * the channel doubles its keepalive time; a channel idle past idle_timeout
 * closes its connection and the next call opens a new one. */
#define _POSIX_C_SOURCE 200809L

#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rpc_test_util.h"
#include "server_log_capture.h"

/* ---- A server that sends its SETTINGS and then never answers --------------------- */

typedef struct silent {
  int listen_fd;
  int port;
  pthread_t thread;
  atomic_bool stop;
  atomic_bool pinged; /* a keepalive PING arrived */
} silent_t;

static void *silent_main(void *arg) {
  silent_t *s = arg;
  int fd = accept(s->listen_fd, NULL, NULL);
  if (fd < 0) return NULL;
  static const unsigned char kSettings[9] = {0, 0, 0, 4, 0, 0, 0, 0, 0};
  CHECK(write(fd, kSettings, sizeof kSettings) == (ssize_t)sizeof kSettings);
  char buf[4096];
  ssize_t n;
  while (!atomic_load(&s->stop) && (n = read(fd, buf, sizeof buf)) > 0) {
    for (ssize_t i = 0; i + 8 <= n; i++) {
      if (memcmp(buf + i, "cgrpc-ka", 8) == 0) atomic_store(&s->pinged, true);
    }
  }
  close(fd);
  return NULL;
}

static void silent_start(silent_t *s) {
  s->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  CHECK(bind(s->listen_fd, (struct sockaddr *)&a, sizeof a) == 0);
  CHECK(listen(s->listen_fd, 4) == 0);
  socklen_t len = sizeof a;
  CHECK(getsockname(s->listen_fd, (struct sockaddr *)&a, &len) == 0);
  s->port = ntohs(a.sin_port);
  atomic_store(&s->stop, false);
  atomic_store(&s->pinged, false);
  pthread_create(&s->thread, NULL, silent_main, s);
}

static void silent_stop(silent_t *s) {
  atomic_store(&s->stop, true);
  shutdown(s->listen_fd, SHUT_RDWR);
  close(s->listen_fd);
  pthread_join(s->thread, NULL);
}

static void test_keepalive_timeout(void) {
  silent_t s;
  silent_start(&s);
  char target[64];
  snprintf(target, sizeof target, "127.0.0.1:%d", s.port);
  cgrpc_channel_options_t o = CGRPC_CHANNEL_OPTIONS_INIT;
  o.keepalive_time_ns = 100 * CGRPC_NS_PER_MS;
  o.keepalive_timeout_ns = 100 * CGRPC_NS_PER_MS;
  cgrpc_channel_t *ch;
  CHECK_EQ_INT(cgrpc_channel_new(target, &o, &ch, NULL), CGRPC_STATUS_OK);
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  test_Msg req = {.num = 1}, resp;
  cgrpc_status_t st;
  cgrpc_call_options_t co = {.timeout_ns = 10 * CGRPC_NS_PER_SEC};
  log_capture_t logs;
  log_capture_start(&logs);
  CHECK_EQ_INT(cgrpc_unary(ch, &test_methods[M_UNARY], &req, &resp, &arena, &co, &st),
               CGRPC_STATUS_UNAVAILABLE);
  CHECK(strstr(st.message.data, "keepalive timeout") != NULL);
  CHECK(log_capture_has(&logs, "keepalive timeout: the server did not answer a PING"));
  CHECK(atomic_load(&s.pinged));
  log_capture_stop(&logs);
  cgrpc_arena_free(&arena);
  cgrpc_channel_free(ch);
  silent_stop(&s);
}

/* ---- A cgrpc server ------------------------------------------------------------------- */

static atomic_int g_peers_seen;
static char g_peer[64];

static void h_peer(cgrpc_server_call_t *call, const void *request, void *ud) {
  snprintf(g_peer, sizeof g_peer, "%s", cgrpc_server_call_peer(call));
  atomic_fetch_add(&g_peers_seen, 1);
  test_Msg resp = {.text = test_str(g_peer)};
  cgrpc_server_call_reply(call, &resp);
}

static void h_hold(cgrpc_server_call_t *call, const void *request, void *ud) {
  test_sleep_ms(((const test_Msg *)request)->num);
  cgrpc_server_call_finish(call, CGRPC_STATUS_OK, NULL, NULL);
}

static const test_route_t kRoutes[] = {
    {&test_methods[M_UNARY], h_peer, CGRPC_HANDLER_BLOCKING},
    {&test_methods[M_SLOW], h_hold, CGRPC_HANDLER_BLOCKING},
};

static void reopen(test_pair_t *p, const cgrpc_channel_options_t *o) {
  cgrpc_channel_free(p->ch);
  CHECK_EQ_INT(cgrpc_channel_new(p->target, o, &p->ch, NULL), CGRPC_STATUS_OK);
}

/* The peer (client address) of a call: tells connections apart. */
static void peer_of_call(test_pair_t *p, char *out, size_t size) {
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  test_Msg req = {.num = 1}, resp;
  CHECK_EQ_INT(cgrpc_unary(p->ch, &test_methods[M_UNARY], &req, &resp, &arena, NULL, NULL),
               CGRPC_STATUS_OK);
  snprintf(out, size, "%.*s", (int)resp.text.len, resp.text.data);
  cgrpc_arena_free(&arena);
}

static void test_idle_closes_and_reconnects(void) {
  test_pair_t p;
  test_pair_start(&p, kRoutes, 2);
  cgrpc_channel_options_t o = CGRPC_CHANNEL_OPTIONS_INIT;
  o.idle_timeout_ns = 400 * CGRPC_NS_PER_MS;
  reopen(&p, &o);
  char a[64], b[64], c[64];
  peer_of_call(&p, a, sizeof a);
  peer_of_call(&p, b, sizeof b);
  CHECK_EQ_STR(a, b); /* one connection while busy */
  test_sleep_ms(1000);
  peer_of_call(&p, c, sizeof c);
  CHECK(strcmp(a, c) != 0); /* idle closed it; the call opened another */
  /* Off (the default is 30 min): the connection stays. */
  o.idle_timeout_ns = CGRPC_INFINITE;
  reopen(&p, &o);
  peer_of_call(&p, a, sizeof a);
  test_sleep_ms(300);
  peer_of_call(&p, b, sizeof b);
  CHECK_EQ_STR(a, b);
  test_pair_stop(&p);
}

/* A cgrpc server's default policy (one PING per 5 min, 2 strikes) turns
 * PINGs every 20 ms away with GOAWAY too_many_pings: the channel doubles
 * its keepalive time, and a call still works on a new connection. */
static void test_too_many_pings_doubles(void) {
  test_pair_t p;
  test_pair_start(&p, kRoutes, 2);
  cgrpc_channel_options_t o = CGRPC_CHANNEL_OPTIONS_INIT;
  o.keepalive_time_ns = 20 * CGRPC_NS_PER_MS;
  o.keepalive_permit_without_calls = true;
  reopen(&p, &o);
  log_capture_t logs;
  log_capture_start(&logs);
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  test_Msg req = {.num = 400}, resp;
  cgrpc_unary(p.ch, &test_methods[M_SLOW], &req, &resp, &arena, NULL, NULL);
  for (int i = 0; i < 100 && !log_capture_has(&logs, "too_many_pings"); i++) test_sleep_ms(20);
  if (!log_capture_has(&logs, "the server said too_many_pings: keepalive time doubled to 40 ms")) {
    TEST_FAIL_("logs: %s", logs.text);
  }
  log_capture_stop(&logs);
  req.num = 1;
  CHECK_EQ_INT(cgrpc_unary(p.ch, &test_methods[M_UNARY], &req, &resp, &arena, NULL, NULL),
               CGRPC_STATUS_OK);
  cgrpc_arena_free(&arena);
  test_pair_stop(&p);
}

int main(void) {
  TEST_RUN(test_keepalive_timeout);
  TEST_RUN(test_idle_closes_and_reconnects);
  TEST_RUN(test_too_many_pings_doubles);
  return TEST_DONE();
}

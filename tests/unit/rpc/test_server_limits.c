/* tests/unit/rpc/test_server_limits.c — the server's connection limits on
 * real sockets: max_connections, the handshake timeout and keepalive, which
 * the transport's timer must drive (the rules themselves are tested frame by
 * frame in tests/unit/h2/test_conn_guard.c). Clients here are plain TCP
 * sockets that send exactly what a test needs, often nothing. */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rpc_test_util.h"

static const char kPreface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
static const uint8_t kSettings[9] = {0, 0, 0, 4, 0, 0, 0, 0, 0};
static const uint8_t kSettingsAck[9] = {0, 0, 0, 4, 1, 0, 0, 0, 0};

static void on_unary(cgrpc_server_call_t *call, const void *request, void *ud) {
  cgrpc_server_call_reply(call, request);
}

static cgrpc_server_t *start_server(const cgrpc_server_options_t *opts, int *port) {
  cgrpc_server_t *srv;
  cgrpc_error_t err;
  CHECK_EQ_INT(cgrpc_server_new(opts, &srv, &err), CGRPC_STATUS_OK);
  CHECK_EQ_INT(cgrpc_server_listen(srv, "127.0.0.1:0", port, &err), CGRPC_STATUS_OK);
  CHECK_EQ_INT(cgrpc_server_register(srv, &test_methods[M_UNARY], on_unary, NULL,
                                     CGRPC_HANDLER_INLINE, &err),
               CGRPC_STATUS_OK);
  CHECK_EQ_INT(cgrpc_server_start(srv, &err), CGRPC_STATUS_OK);
  return srv;
}

static int dial(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  CHECK_EQ_INT(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
  return fd;
}

/* What a socket received until EOF or `ms` milliseconds. */
typedef struct got {
  uint8_t bytes[4096];
  size_t len;
  bool eof;
  int64_t eof_ms; /* after the call */
} got_t;

static got_t read_for(int fd, int ms) {
  got_t g = {.len = 0};
  int64_t start = cgrpc_clock_now();
  for (;;) {
    int64_t left = ms - (cgrpc_clock_now() - start) / CGRPC_NS_PER_MS;
    struct pollfd p = {fd, POLLIN, 0};
    if (left <= 0 || poll(&p, 1, (int)left) <= 0) return g;
    uint8_t buf[1024];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) {
      g.eof = true;
      g.eof_ms = (cgrpc_clock_now() - start) / CGRPC_NS_PER_MS;
      return g;
    }
    size_t k = (size_t)n < sizeof g.bytes - g.len ? (size_t)n : sizeof g.bytes - g.len;
    memcpy(g.bytes + g.len, buf, k);
    g.len += k;
  }
}

/* The first frame of `type` in what was received, or NULL. */
static const uint8_t *find_frame(const got_t *g, uint8_t type, size_t *len) {
  for (size_t off = 0; off + 9 <= g->len;) {
    size_t n = (size_t)g->bytes[off] << 16 | (size_t)g->bytes[off + 1] << 8 | g->bytes[off + 2];
    if (g->bytes[off + 3] == type && off + 9 + n <= g->len) {
      *len = n;
      return g->bytes + off + 9;
    }
    off += 9 + n;
  }
  return NULL;
}

static void hello(int fd) {
  CHECK(write(fd, kPreface, sizeof kPreface - 1) == (ssize_t)(sizeof kPreface - 1));
  CHECK(write(fd, kSettings, 9) == 9);
  CHECK(write(fd, kSettingsAck, 9) == 9);
}

/* Over max_connections a connection is closed before a byte is exchanged;
 * a slot freed by a closed connection is usable again. */
static void test_max_connections(void) {
  cgrpc_server_options_t opts = CGRPC_SERVER_OPTIONS_INIT;
  opts.loop_threads = 2;
  opts.max_connections = 2;
  int port;
  cgrpc_server_t *srv = start_server(&opts, &port);
  int a = dial(port), b = dial(port);
  hello(a);
  hello(b);
  got_t ga = read_for(a, 300), gb = read_for(b, 300);
  size_t len;
  CHECK(find_frame(&ga, 4, &len) && find_frame(&gb, 4, &len)); /* SETTINGS */
  int c = dial(port);
  got_t gc = read_for(c, 2000);
  CHECK(gc.eof);
  CHECK_EQ_UINT(gc.len, 0);
  close(c);
  close(a);
  bool accepted = false;
  for (int i = 0; i < 40 && !accepted; i++) { /* the server notices the close */
    test_sleep_ms(50);
    int d = dial(port);
    /* The server speaks once the preface told HTTP/2 from HTTP/1.1; this
     * connection may be closed already (no SIGPIPE, no check). */
    (void)send(d, kPreface, sizeof kPreface - 1, MSG_NOSIGNAL);
    got_t gd = read_for(d, 200);
    accepted = !gd.eof && find_frame(&gd, 4, &len);
    close(d);
  }
  CHECK(accepted);
  close(b);
  cgrpc_server_shutdown(srv, 0);
  cgrpc_server_free(srv);
}

/* A client that never sends its preface is told GOAWAY "handshake_timeout"
 * and closed; one that completes the handshake stays. */
static void test_handshake_timeout(void) {
  cgrpc_server_options_t opts = CGRPC_SERVER_OPTIONS_INIT;
  opts.loop_threads = 1;
  opts.handshake_timeout_ns = 200 * CGRPC_NS_PER_MS;
  int port;
  cgrpc_server_t *srv = start_server(&opts, &port);
  int idle = dial(port), good = dial(port);
  hello(good);
  got_t g = read_for(idle, 3000);
  CHECK(g.eof);
  CHECK(g.eof_ms >= 150 && g.eof_ms < 2000);
  size_t len = 0;
  const uint8_t *goaway = find_frame(&g, 7, &len);
  CHECK(goaway != NULL);
  if (goaway) {
    CHECK_EQ_UINT(goaway[7], 0); /* NO_ERROR */
    CHECK_EQ_MEM(goaway + 8, len - 8, "handshake_timeout", 17);
  }
  got_t gg = read_for(good, 100);
  CHECK(!gg.eof);
  close(idle);
  close(good);
  cgrpc_server_shutdown(srv, 0);
  cgrpc_server_free(srv);
}

/* Keepalive through the transport's timer: a silent client is pinged, and
 * closed when it does not answer; a cgrpc channel answers and keeps working. */
static void test_keepalive(void) {
  cgrpc_server_options_t opts = CGRPC_SERVER_OPTIONS_INIT;
  opts.loop_threads = 1;
  opts.keepalive_time_ns = 100 * CGRPC_NS_PER_MS;
  opts.keepalive_timeout_ns = 200 * CGRPC_NS_PER_MS;
  int port;
  cgrpc_server_t *srv = start_server(&opts, &port);
  int fd = dial(port);
  hello(fd);
  got_t g = read_for(fd, 3000);
  CHECK(g.eof);
  CHECK(g.eof_ms >= 250 && g.eof_ms < 2000);
  size_t len = 0;
  const uint8_t *ping = find_frame(&g, 6, &len);
  CHECK(ping && len == 8 && memcmp(ping, "cgrpc-ka", 8) == 0);
  close(fd);

  char target[64];
  snprintf(target, sizeof target, "127.0.0.1:%d", port);
  cgrpc_channel_t *ch;
  cgrpc_error_t err;
  CHECK_EQ_INT(cgrpc_channel_new(target, NULL, &ch, &err), CGRPC_STATUS_OK);
  for (int i = 0; i < 6; i++) {
    cgrpc_arena_t arena;
    cgrpc_arena_init(&arena, NULL, 0);
    test_Msg req = {.text = test_str("ka"), .num = i}, resp;
    cgrpc_status_t st;
    CHECK_EQ_INT(cgrpc_unary(ch, &test_methods[M_UNARY], &req, &resp, &arena, NULL, &st),
                 CGRPC_STATUS_OK);
    CHECK_EQ_INT(resp.num, i);
    cgrpc_arena_free(&arena);
    test_sleep_ms(150); /* pinged in between, answered by the channel */
  }
  cgrpc_channel_free(ch);
  cgrpc_server_shutdown(srv, 0);
  cgrpc_server_free(srv);
}

int main(void) {
  TEST_RUN(test_max_connections);
  TEST_RUN(test_handshake_timeout);
  TEST_RUN(test_keepalive);
  return TEST_DONE();
}

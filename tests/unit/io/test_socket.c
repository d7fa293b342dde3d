/* Sockets on a loop: echo over TCP (127.0.0.1 and [::1]) and unix sockets
 * with a payload far larger than the socket buffers, so reads and writes are
 * partial and write interest toggles; connection refused; listen details
 * (port 0, stale unix paths, TCP_NODELAY); iovec bookkeeping; resolution. */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/time.h"
#include "io/connect.h"
#include "io/error.h"
#include "io/listener.h"
#include "io/loop.h"
#include "io/resolve.h"
#include "io/socket.h"
#include "io/workers.h"
#include "test.h"

#define PAYLOAD (8u << 20)
#define CHUNK (64u << 10)

static cgrpc_loop_t *new_loop(void) {
  cgrpc_loop_t *loop = NULL;
  CHECK_EQ_INT(cgrpc_loop_new(&loop), 0);
  return loop;
}

static bool parse_one(const char *text, cgrpc_address_t *out) {
  cgrpc_target_t t;
  char err[256];
  int rc = cgrpc_target_parse(text, &t, err, sizeof err);
  if (rc != 0) fprintf(stderr, "  %s\n", err);
  CHECK_EQ_INT(rc, 0);
  if (rc != 0 || t.addrs.count == 0) return false;
  *out = t.addrs.items[0];
  cgrpc_target_free(&t);
  return true;
}

/* ---- Echo: one loop runs both ends -------------------------------------- */

typedef struct {
  cgrpc_loop_t *loop;
  cgrpc_listener_t listener;
  /* server side: echoes what it reads; stops reading while its echo waits */
  int sfd;
  cgrpc_watch_id_t swatch;
  unsigned char sbuf[CHUNK];
  size_t s_off, s_len; /* unsent echo bytes: sbuf[s_off, s_off + s_len) */
  bool s_eof;
  /* client side: writes the payload as three iovecs, reads the echo back */
  cgrpc_connect_t connect;
  int cfd;
  cgrpc_watch_id_t cwatch;
  unsigned char *payload, *echo;
  size_t sent, received;
  int partial_writes;
  int connect_err, io_err;
  bool done;
} echo_t;

static void echo_fail(echo_t *e, int err) {
  if (!e->io_err) e->io_err = err;
  e->done = true;
}

static void server_close(echo_t *e) {
  cgrpc_loop_watch_remove(e->loop, e->swatch);
  cgrpc_socket_close(e->sfd);
  e->sfd = -1;
}

/* Writes pending echo bytes; returns false if the connection failed. */
static bool server_flush(echo_t *e) {
  while (e->s_len > 0) {
    struct iovec iov = {e->sbuf + e->s_off, e->s_len};
    ssize_t n = cgrpc_socket_writev(e->sfd, &iov, 1);
    if (n == -EAGAIN) break;
    if (n < 0) {
      echo_fail(e, (int)n);
      return false;
    }
    e->s_off += (size_t)n;
    e->s_len -= (size_t)n;
  }
  if (e->s_len == 0 && e->s_eof) {
    server_close(e);
    return false;
  }
  cgrpc_loop_watch_set(e->loop, e->swatch, e->s_len ? CGRPC_IO_WRITE : CGRPC_IO_READ);
  return true;
}

static void on_server_io(cgrpc_loop_t *loop, int fd, unsigned events, void *arg) {
  echo_t *e = arg;
  if (events & CGRPC_IO_WRITE) {
    server_flush(e);
    return;
  }
  ssize_t n = cgrpc_socket_read(fd, e->sbuf, sizeof e->sbuf);
  if (n == -EAGAIN) return;
  if (n < 0) {
    echo_fail(e, (int)n);
    return;
  }
  if (n == 0) {
    e->s_eof = true; /* the client is done sending: close once echoed */
  } else {
    e->s_off = 0;
    e->s_len = (size_t)n;
  }
  server_flush(e);
}

static void on_accept(void *arg, int fd, const cgrpc_address_t *peer) {
  echo_t *e = arg;
  CHECK(e->sfd < 0);
  e->sfd = fd;
  CHECK_EQ_INT(cgrpc_loop_watch_add(e->loop, fd, CGRPC_IO_READ, on_server_io, e, &e->swatch), 0);
  cgrpc_address_t again;
  char a[CGRPC_ADDRESS_STRLEN], b[CGRPC_ADDRESS_STRLEN];
  CHECK_EQ_INT(cgrpc_socket_peer_address(fd, &again), 0);
  CHECK_EQ_STR(cgrpc_address_format(peer, a), cgrpc_address_format(&again, b));
  if (peer->u.sa.sa_family != AF_UNIX) {
    int nodelay = 0;
    socklen_t len = sizeof nodelay;
    getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, &len);
    CHECK(nodelay != 0);
  }
  cgrpc_listener_stop(&e->listener); /* one connection per test */
}

static void client_write(echo_t *e) {
  /* Three iovecs over the unsent part of the payload. */
  size_t third = PAYLOAD / 3;
  struct iovec iovs[3] = {
      {e->payload, third},
      {e->payload + third, third},
      {e->payload + 2 * third, PAYLOAD - 2 * third},
  };
  struct iovec *iov = iovs;
  int cnt = cgrpc_iov_advance(&iov, 3, e->sent);
  size_t want = PAYLOAD - e->sent;
  ssize_t n = cgrpc_socket_writev(e->cfd, iov, cnt);
  if (n == -EAGAIN) return;
  if (n < 0) {
    echo_fail(e, (int)n);
    return;
  }
  if ((size_t)n < want) e->partial_writes++;
  e->sent += (size_t)n;
  if (e->sent == PAYLOAD) {
    CHECK_EQ_INT(cgrpc_socket_shutdown_write(e->cfd), 0);
    cgrpc_loop_watch_set(e->loop, e->cwatch, CGRPC_IO_READ);
  }
}

static void client_read(echo_t *e) {
  /* With the payload all back, read into a spare byte to see EOF (or a
   * surplus, which fails the byte count below). */
  unsigned char spare[1];
  size_t room = PAYLOAD - e->received;
  ssize_t n = room ? cgrpc_socket_read(e->cfd, e->echo + e->received, room)
                   : cgrpc_socket_read(e->cfd, spare, sizeof spare);
  if (n == -EAGAIN) return;
  if (n < 0) {
    echo_fail(e, (int)n);
    return;
  }
  if (n == 0) {
    e->done = true;
    return;
  }
  e->received += (size_t)n;
}

static void on_client_io(cgrpc_loop_t *loop, int fd, unsigned events, void *arg) {
  echo_t *e = arg;
  if (events & CGRPC_IO_WRITE) client_write(e);
  if ((events & CGRPC_IO_READ) && !e->done) client_read(e);
}

static void on_connected(void *arg, int fd, int err) {
  echo_t *e = arg;
  e->cfd = fd;
  if (err) {
    e->connect_err = err;
    e->done = true;
    return;
  }
  CHECK(fd >= 0);
  CHECK_EQ_INT(cgrpc_loop_watch_add(e->loop, fd, CGRPC_IO_READ | CGRPC_IO_WRITE, on_client_io, e,
                                    &e->cwatch),
               0);
}

static void run_until_done(cgrpc_loop_t *loop, bool *done) {
  int64_t give_up = cgrpc_now_ns() + 20 * CGRPC_NS_PER_SEC;
  while (!*done && cgrpc_now_ns() < give_up) cgrpc_loop_run_once(loop, 100 * CGRPC_NS_PER_MS);
  CHECK(*done);
}

/* Listens on `listen_text`, connects to the bound address and echoes. */
static void echo_over(const char *listen_text) {
  cgrpc_address_t addr;
  if (!parse_one(listen_text, &addr)) return;
  static echo_t e;
  e = (echo_t){.loop = new_loop(), .sfd = -1, .cfd = -1};
  e.payload = cgrpc_malloc(PAYLOAD);
  e.echo = cgrpc_malloc(PAYLOAD);
  for (size_t i = 0; i < PAYLOAD; i++) e.payload[i] = (unsigned char)(i * 131 + (i >> 13));
  int lfd;
  CHECK_EQ_INT(cgrpc_socket_listen(&addr, NULL, &lfd), 0);
  cgrpc_address_t bound;
  CHECK_EQ_INT(cgrpc_socket_local_address(lfd, &bound), 0);
  if (addr.u.sa.sa_family != AF_UNIX) CHECK(cgrpc_address_port(&bound) != 0);
  CHECK_EQ_INT(cgrpc_listener_start(&e.listener, e.loop, lfd, on_accept, &e), 0);
  cgrpc_connect_start(&e.connect, e.loop, &bound, on_connected, &e);
  CHECK(cgrpc_connect_pending(&e.connect));
  run_until_done(e.loop, &e.done);
  CHECK_EQ_INT(e.connect_err, 0);
  CHECK_EQ_INT(e.io_err, 0);
  CHECK_EQ_UINT(e.sent, PAYLOAD);
  CHECK_EQ_UINT(e.received, PAYLOAD);
  CHECK_EQ_MEM(e.echo, e.received, e.payload, PAYLOAD);
  CHECK(e.partial_writes > 0); /* the test exercised partial writes */
  CHECK(e.sfd < 0);            /* the server closed after echoing everything */
  cgrpc_loop_watch_remove(e.loop, e.cwatch);
  cgrpc_socket_close(e.cfd);
  cgrpc_listener_stop(&e.listener);
  cgrpc_socket_close(lfd);
  cgrpc_loop_free(e.loop);
  cgrpc_free(e.payload);
  cgrpc_free(e.echo);
}

static void test_echo_tcp_ipv4(void) { echo_over("127.0.0.1:0"); }

static void test_echo_tcp_ipv6(void) {
  cgrpc_address_t addr;
  if (!parse_one("[::1]:0", &addr)) return;
  int fd;
  int rc = cgrpc_socket_listen(&addr, NULL, &fd);
  if (rc == -EADDRNOTAVAIL || rc == -EAFNOSUPPORT) {
    fprintf(stderr, "  skipped: no IPv6 loopback (%s)\n", cgrpc_io_strerror(rc));
    return;
  }
  CHECK_EQ_INT(rc, 0);
  cgrpc_socket_close(fd);
  echo_over("[::1]:0");
}

static void test_echo_unix(void) {
  char text[64];
  snprintf(text, sizeof text, "unix:/tmp/cgrpc-test-io-%d.sock", (int)getpid());
  echo_over(text);
  unlink(text + 5);
  snprintf(text, sizeof text, "unix-abstract:cgrpc-test-io-%d", (int)getpid());
  echo_over(text);
}

/* ---- Connection errors -------------------------------------------------- */

typedef struct {
  bool done;
  int fd;
  int err;
} outcome_t;

static void on_outcome(void *arg, int fd, int err) {
  outcome_t *o = arg;
  o->done = true;
  o->fd = fd;
  o->err = err;
}

static void test_connect_to_closed_port_is_refused(void) {
  cgrpc_address_t addr, bound;
  if (!parse_one("127.0.0.1:0", &addr)) return;
  int lfd;
  /* Borrow a free port, then close it so nothing listens there. */
  CHECK_EQ_INT(cgrpc_socket_listen(&addr, NULL, &lfd), 0);
  CHECK_EQ_INT(cgrpc_socket_local_address(lfd, &bound), 0);
  cgrpc_socket_close(lfd);
  cgrpc_loop_t *loop = new_loop();
  cgrpc_connect_t c;
  outcome_t o = {.done = false};
  cgrpc_connect_start(&c, loop, &bound, on_outcome, &o);
  CHECK(!o.done); /* never inside start */
  run_until_done(loop, &o.done);
  CHECK_EQ_INT(o.err, -ECONNREFUSED);
  CHECK_EQ_INT(o.fd, -1);
  CHECK_EQ_STR(cgrpc_io_strerror(o.err), "Connection refused");
  CHECK(!cgrpc_connect_pending(&c));
  cgrpc_connect_cancel(&c); /* after the outcome: no-op */
  cgrpc_loop_free(loop);
}

static void test_connect_to_missing_unix_path_fails_later(void) {
  cgrpc_address_t addr;
  if (!parse_one("unix:/nonexistent-dir-cgrpc/x.sock", &addr)) return;
  cgrpc_loop_t *loop = new_loop();
  cgrpc_connect_t c;
  outcome_t o = {.done = false};
  cgrpc_connect_start(&c, loop, &addr, on_outcome, &o);
  CHECK(!o.done);
  run_until_done(loop, &o.done);
  CHECK_EQ_INT(o.err, -ENOENT);
  cgrpc_loop_free(loop);
}

static void test_cancelled_connect_never_reports(void) {
  cgrpc_address_t addr;
  if (!parse_one("unix:/nonexistent-dir-cgrpc/x.sock", &addr)) return;
  cgrpc_loop_t *loop = new_loop();
  cgrpc_connect_t c;
  outcome_t o = {.done = false};
  cgrpc_connect_start(&c, loop, &addr, on_outcome, &o);
  cgrpc_connect_cancel(&c);
  cgrpc_connect_cancel(&c);
  for (int i = 0; i < 3; i++) cgrpc_loop_run_once(loop, 0);
  CHECK(!o.done);
  cgrpc_loop_free(loop);
}

/* ---- Listening ---------------------------------------------------------- */

static void test_unix_listen_replaces_only_stale_sockets(void) {
  char text[64];
  snprintf(text, sizeof text, "unix:/tmp/cgrpc-test-stale-%d.sock", (int)getpid());
  const char *path = text + 5;
  cgrpc_address_t addr;
  if (!parse_one(text, &addr)) return;
  int a, b;
  CHECK_EQ_INT(cgrpc_socket_listen(&addr, NULL, &a), 0);
  /* A live server keeps its path. */
  CHECK_EQ_INT(cgrpc_socket_listen(&addr, NULL, &b), -EADDRINUSE);
  cgrpc_socket_close(a);
  /* The socket file of a dead server is replaced. */
  struct stat st;
  CHECK_EQ_INT(stat(path, &st), 0);
  CHECK_EQ_INT(cgrpc_socket_listen(&addr, NULL, &b), 0);
  cgrpc_socket_close(b);
  unlink(path);
  /* A regular file is never deleted. */
  FILE *f = fopen(path, "w");
  CHECK(f != NULL);
  if (f) fclose(f);
  CHECK_EQ_INT(cgrpc_socket_listen(&addr, NULL, &b), -EADDRINUSE);
  CHECK_EQ_INT(stat(path, &st), 0);
  CHECK(S_ISREG(st.st_mode));
  unlink(path);
}

static void test_tcp_listen_errors_and_reuse_port(void) {
  cgrpc_address_t addr, bound;
  if (!parse_one("127.0.0.1:0", &addr)) return;
  int a, b, c;
  cgrpc_listen_options_t opts = {.reuse_port = true};
  CHECK_EQ_INT(cgrpc_socket_listen(&addr, &opts, &a), 0);
  CHECK_EQ_INT(cgrpc_socket_local_address(a, &bound), 0);
  /* With SO_REUSEPORT on both, a second listener shares the port. */
  CHECK_EQ_INT(cgrpc_socket_listen(&bound, &opts, &b), 0);
  /* Without it the port is taken. */
  CHECK_EQ_INT(cgrpc_socket_listen(&bound, NULL, &c), -EADDRINUSE);
  CHECK_EQ_INT(c, -1);
  CHECK_EQ_INT(cgrpc_socket_accept(a, NULL), -EAGAIN);
  cgrpc_socket_close(a);
  cgrpc_socket_close(b);
}

typedef struct {
  int accepted[4];
  int count;
} accepts_t;

static void on_accept_keep(void *arg, int fd, const cgrpc_address_t *peer) {
  accepts_t *a = arg;
  if (a->count < 4) a->accepted[a->count++] = fd;
}

/* Out of fds, a pending connection cannot be accepted and stays readable; a
 * level-triggered listener must pause instead of spinning, and resume. */
static void test_listener_backs_off_when_out_of_fds(void) {
  cgrpc_address_t addr, bound;
  if (!parse_one("127.0.0.1:0", &addr)) return;
  cgrpc_loop_t *loop = new_loop();
  int lfd, clients[3];
  CHECK_EQ_INT(cgrpc_socket_listen(&addr, NULL, &lfd), 0);
  CHECK_EQ_INT(cgrpc_socket_local_address(lfd, &bound), 0);
  accepts_t acc = {.count = 0};
  cgrpc_listener_t l;
  CHECK_EQ_INT(cgrpc_listener_start(&l, loop, lfd, on_accept_keep, &acc), 0);
  for (int i = 0; i < 3; i++) {
    int rc = cgrpc_socket_connect(&bound, &clients[i]);
    CHECK(rc == 0 || rc == -EINPROGRESS);
  }
  /* Allow no new fd: the lowest free fd number becomes the limit. */
  struct rlimit saved, tight;
  getrlimit(RLIMIT_NOFILE, &saved);
  int lowest_free = dup(0);
  close(lowest_free);
  tight = saved;
  tight.rlim_cur = (rlim_t)lowest_free;
  CHECK_EQ_INT(setrlimit(RLIMIT_NOFILE, &tight), 0);
  cgrpc_loop_run_once(loop, CGRPC_NS_PER_SEC); /* accept fails: pause */
  /* Paused with the connections still pending, the loop sleeps until the
   * back-off timer instead of returning at once. */
  int64_t start = cgrpc_now_ns();
  cgrpc_loop_run_once(loop, 50 * CGRPC_NS_PER_MS);
  int64_t slept = cgrpc_now_ns() - start;
  setrlimit(RLIMIT_NOFILE, &saved);
  CHECK_EQ_INT(acc.count, 0);
  CHECK(slept >= 40 * CGRPC_NS_PER_MS);
  /* The kernel keeps a connection queued when accept fails for lack of fds,
   * so all three arrive once the back-off ends. (Valgrind emulates the fd
   * limit by closing the fd the kernel accepted, which drops that client:
   * count such clients too, so every connection is accounted for.) */
  int dropped = 0;
  int64_t give_up = cgrpc_now_ns() + 10 * CGRPC_NS_PER_SEC;
  while (acc.count + dropped < 3 && cgrpc_now_ns() < give_up) {
    cgrpc_loop_run_once(loop, 100 * CGRPC_NS_PER_MS);
    dropped = 0;
    for (int i = 0; i < 3; i++) {
      char byte;
      dropped += cgrpc_socket_read(clients[i], &byte, 1) != -EAGAIN;
    }
  }
  CHECK_EQ_INT(acc.count + dropped, 3);
  CHECK(acc.count >= 2); /* accepting resumed after the back-off */
  cgrpc_listener_stop(&l);
  cgrpc_listener_stop(&l);
  for (int i = 0; i < acc.count; i++) cgrpc_socket_close(acc.accepted[i]);
  for (int i = 0; i < 3; i++) cgrpc_socket_close(clients[i]);
  cgrpc_socket_close(lfd);
  cgrpc_loop_free(loop);
}

/* ---- iovecs ------------------------------------------------------------- */

static void test_iov_advance(void) {
  char a[4], b[2], c[3];
  struct iovec iovs[4] = {{a, 4}, {b, 2}, {NULL, 0}, {c, 3}};
  struct iovec *iov = iovs;
  CHECK_EQ_INT(cgrpc_iov_advance(&iov, 4, 0), 4);
  CHECK(iov == iovs);
  CHECK_EQ_INT(cgrpc_iov_advance(&iov, 4, 5), 3);
  CHECK(iov == &iovs[1]);
  CHECK(iov->iov_base == b + 1);
  CHECK_EQ_UINT(iov->iov_len, 1);
  /* Finishing b also skips the empty iovec. */
  CHECK_EQ_INT(cgrpc_iov_advance(&iov, 3, 1), 1);
  CHECK(iov == &iovs[3]);
  CHECK_EQ_INT(cgrpc_iov_advance(&iov, 1, 3), 0);
}

/* ---- Resolution --------------------------------------------------------- */

static void test_resolve_blocking(void) {
  cgrpc_target_t t;
  CHECK_EQ_INT(cgrpc_target_parse("localhost:50051", &t, NULL, 0), 0);
  cgrpc_address_list_t list;
  CHECK_EQ_INT(cgrpc_resolve(&t, &list), 0);
  CHECK(list.count >= 1);
  for (size_t i = 0; i < list.count; i++) CHECK_EQ_UINT(cgrpc_address_port(&list.items[i]), 50051);
  cgrpc_address_list_free(&list);
  cgrpc_target_free(&t);
  /* Literal targets resolve to themselves without a lookup. */
  CHECK_EQ_INT(cgrpc_target_parse("ipv4:10.0.0.1:1,10.0.0.2:2", &t, NULL, 0), 0);
  CHECK_EQ_INT(cgrpc_resolve(&t, &list), 0);
  CHECK_EQ_UINT(list.count, 2);
  char buf[CGRPC_ADDRESS_STRLEN];
  if (list.count == 2) CHECK_EQ_STR(cgrpc_address_format(&list.items[1], buf), "10.0.0.2:2");
  cgrpc_address_list_free(&list);
  cgrpc_target_free(&t);
}

typedef struct {
  int calls;
  int err;
  size_t count;
  uint16_t port;
  bool on_loop;
  cgrpc_loop_t *loop;
} resolved_t;

static void on_resolved(void *arg, int err, cgrpc_address_list_t addrs) {
  resolved_t *r = arg;
  r->calls++;
  r->err = err;
  r->count = addrs.count;
  r->port = addrs.count ? cgrpc_address_port(&addrs.items[0]) : 0;
  r->on_loop = cgrpc_loop_in_thread(r->loop);
  cgrpc_address_list_free(&addrs);
}

static void test_resolve_async(void) {
  cgrpc_loop_t *loop = new_loop();
  cgrpc_workers_t *w = NULL;
  CHECK_EQ_INT(cgrpc_workers_new(1, &w), 0);
  const char *targets[] = {"localhost:8080", "unix:/tmp/x.sock", "localhost:8081"};
  resolved_t r[3];
  cgrpc_resolve_req_t *req[3];
  for (int i = 0; i < 3; i++) {
    r[i] = (resolved_t){.loop = loop};
    cgrpc_target_t t;
    CHECK_EQ_INT(cgrpc_target_parse(targets[i], &t, NULL, 0), 0);
    CHECK_EQ_INT(cgrpc_resolve_start(w, loop, &t, on_resolved, &r[i], &req[i]), 0);
    cgrpc_target_free(&t); /* the request keeps its own copy */
  }
  CHECK_EQ_INT(r[0].calls + r[1].calls, 0); /* never inside start */
  cgrpc_resolve_cancel(req[2]);
  int64_t give_up = cgrpc_now_ns() + 20 * CGRPC_NS_PER_SEC;
  while ((r[0].calls == 0 || r[1].calls == 0) && cgrpc_now_ns() < give_up) {
    cgrpc_loop_run_once(loop, 100 * CGRPC_NS_PER_MS);
  }
  cgrpc_workers_free(w);
  cgrpc_loop_free(loop); /* runs the cancelled request's delivery: freed, not called */
  CHECK_EQ_INT(r[0].calls, 1);
  CHECK_EQ_INT(r[0].err, 0);
  CHECK(r[0].count >= 1);
  CHECK_EQ_UINT(r[0].port, 8080);
  CHECK(r[0].on_loop);
  CHECK_EQ_INT(r[1].calls, 1);
  CHECK_EQ_UINT(r[1].count, 1);
  CHECK_EQ_INT(r[2].calls, 0);
}

int main(void) {
  TEST_RUN(test_echo_tcp_ipv4);
  TEST_RUN(test_echo_tcp_ipv6);
  TEST_RUN(test_echo_unix);
  TEST_RUN(test_connect_to_closed_port_is_refused);
  TEST_RUN(test_connect_to_missing_unix_path_fails_later);
  TEST_RUN(test_cancelled_connect_never_reports);
  TEST_RUN(test_unix_listen_replaces_only_stale_sockets);
  TEST_RUN(test_tcp_listen_errors_and_reuse_port);
  TEST_RUN(test_listener_backs_off_when_out_of_fds);
  TEST_RUN(test_iov_advance);
  TEST_RUN(test_resolve_blocking);
  TEST_RUN(test_resolve_async);
  return TEST_DONE();
}

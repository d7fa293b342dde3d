/* bench/grpc/tcp_pingpong.c — the floor under every ping-pong figure: the
 * round trip of a bare TCP exchange on loopback, no HTTP/2 and no gRPC.
 *
 * One process echoes, the other sends --bytes bytes, waits for them to come
 * back and times it, one exchange in flight, as the gRPC ping-pong does.
 * Each side waits with epoll, as the gRPC stacks do, in one of two ways:
 * "sleep" blocks in epoll_wait (the thread is descheduled and woken by the
 * kernel when data arrives) and "poll" calls epoll_wait without a timeout
 * until data is there (the thread never sleeps). The four combinations show
 * what a wake-up costs on this machine: no gRPC implementation whose threads
 * sleep between messages can answer faster than "sleep / sleep".
 *
 * Usage: bench_tcp_pingpong [--seconds=2] [--bytes=150]
 *                           [--echo-cpu=N] [--send-cpu=N]
 * Prints one line per combination:
 *   mode=tcp echo=sleep send=poll calls=N p50_us=X p99_us=Y
 */
#define _GNU_SOURCE

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_BYTES 4096
#define MAX_SAMPLES 2000000

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void die(const char *what) {
  fprintf(stderr, "bench_tcp_pingpong: %s: %s\n", what, strerror(errno));
  exit(1);
}

static void pin(int cpu) {
  if (cpu < 0) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (sched_setaffinity(0, sizeof set, &set) != 0) die("sched_setaffinity");
}

/* An epoll set watching one socket for input. */
static int watch(int fd) {
  int ep = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event ev = {.events = EPOLLIN};
  if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0) die("epoll");
  return ep;
}

/* Waits until the socket is readable, sleeping or polling. */
static void wait_readable(int ep, bool poll) {
  struct epoll_event ev;
  while (epoll_wait(ep, &ev, 1, poll ? 0 : -1) <= 0) {
  }
}

/* Reads exactly `len` bytes (they may come in pieces); false at EOF. */
static bool read_exactly(int fd, int ep, bool poll, char *buf, size_t len) {
  size_t got = 0;
  while (got < len) {
    wait_readable(ep, poll);
    ssize_t n = recv(fd, buf + got, len - got, MSG_DONTWAIT);
    if (n == 0) return false;
    if (n < 0 && errno != EAGAIN && errno != EINTR) die("recv");
    if (n > 0) got += (size_t)n;
  }
  return true;
}

static void send_all(int fd, const char *buf, size_t len) {
  while (len > 0) {
    ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
    if (n < 0 && errno != EINTR) die("send");
    if (n > 0) buf += n, len -= (size_t)n;
  }
}

static void no_delay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static void echo(int listener, bool poll, size_t bytes) {
  int fd = accept(listener, NULL, NULL);
  if (fd < 0) die("accept");
  no_delay(fd);
  int ep = watch(fd);
  char buf[MAX_BYTES];
  while (read_exactly(fd, ep, poll, buf, bytes)) send_all(fd, buf, bytes);
  _exit(0);
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

/* One combination: forks the echo side, times exchanges for `seconds`. */
static void run(bool echo_poll, bool send_poll, double seconds, size_t bytes, int echo_cpu,
                int send_cpu, int64_t *samples) {
  int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t alen = sizeof addr;
  if (listener < 0 || bind(listener, (struct sockaddr *)&addr, sizeof addr) != 0 ||
      listen(listener, 1) != 0 || getsockname(listener, (struct sockaddr *)&addr, &alen) != 0)
    die("listen");
  pid_t pid = fork();
  if (pid < 0) die("fork");
  if (pid == 0) {
    pin(echo_cpu);
    echo(listener, echo_poll, bytes);
  }
  close(listener);
  pin(send_cpu);
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) die("connect");
  no_delay(fd);
  int ep = watch(fd);
  char buf[MAX_BYTES];
  memset(buf, 'x', bytes);
  size_t n = 0;
  int64_t warm_end = now_ns() + 200000000, end = warm_end + (int64_t)(seconds * 1e9);
  for (int64_t t = now_ns(); t < end && n < MAX_SAMPLES; t = now_ns()) {
    send_all(fd, buf, bytes);
    if (!read_exactly(fd, ep, send_poll, buf, bytes)) {
      fprintf(stderr, "bench_tcp_pingpong: the echo side closed\n");
      exit(1);
    }
    if (t >= warm_end) samples[n++] = now_ns() - t;
  }
  close(fd);
  close(ep);
  waitpid(pid, NULL, 0);
  qsort(samples, n, sizeof *samples, cmp_i64);
  printf("mode=tcp echo=%s send=%s calls=%zu p50_us=%.1f p99_us=%.1f\n",
         echo_poll ? "poll" : "sleep", send_poll ? "poll" : "sleep", n,
         n ? (double)samples[n / 2] / 1e3 : 0.0, n ? (double)samples[n * 99 / 100] / 1e3 : 0.0);
  fflush(stdout);
}

int main(int argc, char **argv) {
  double seconds = 2;
  long bytes = 150;
  int echo_cpu = -1, send_cpu = -1;
  for (int i = 1; i < argc; i++) {
    if (strncmp(argv[i], "--seconds=", 10) == 0) {
      seconds = atof(argv[i] + 10);
    } else if (strncmp(argv[i], "--bytes=", 8) == 0) {
      bytes = atol(argv[i] + 8);
    } else if (strncmp(argv[i], "--echo-cpu=", 11) == 0) {
      echo_cpu = atoi(argv[i] + 11);
    } else if (strncmp(argv[i], "--send-cpu=", 11) == 0) {
      send_cpu = atoi(argv[i] + 11);
    } else {
      seconds = -1;
    }
  }
  if (seconds <= 0 || bytes <= 0 || bytes > MAX_BYTES) {
    fprintf(stderr,
            "usage: bench_tcp_pingpong [--seconds=2] [--bytes=150 (max %d)] "
            "[--echo-cpu=N] [--send-cpu=N]\n",
            MAX_BYTES);
    return 2;
  }
  int64_t *samples = malloc(MAX_SAMPLES * sizeof *samples);
  if (!samples) die("malloc");
  for (int echo_poll = 0; echo_poll <= 1; echo_poll++) {
    for (int send_poll = 0; send_poll <= 1; send_poll++) {
      run(echo_poll, send_poll, seconds, (size_t)bytes, echo_cpu, send_cpu, samples);
    }
  }
  free(samples);
  return 0;
}

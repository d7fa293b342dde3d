/* tests/faults/fault_util.c — raw TCP peers, child servers and the clock for
 * the client fault tests. See fault_util.h.
 *
 * The raw peers are plain POSIX sockets driven by poll() on a thread of
 * their own, deliberately independent of the library under test: a peer
 * that shares the client's event loop code could share its bugs.
 */
#define _GNU_SOURCE /* pipe2 */

#include "fault_util.h"

#include "child_process.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef FAULT_PYTHON
#define FAULT_PYTHON "/usr/bin/python3"
#endif

#define PEER_MAX_CONNECTIONS 16

int64_t fault_now_ms(void) { return cgrpc_clock_now() / CGRPC_NS_PER_MS; }

/* ---- Raw TCP peers --------------------------------------------------------------------- */

typedef struct peer_conn {
  int fd;
  bool replied;
} peer_conn_t;

static void peer_on_readable(fault_peer_t *p, peer_conn_t *c) {
  char buf[4096];
  ssize_t n = read(c->fd, buf, sizeof buf);
  if (n <= 0) {
    close(c->fd);
    c->fd = -1;
    return;
  }
  if (p->mode == FAULT_PEER_SILENT || c->replied) return;
  c->replied = true;
  size_t off = 0;
  while (off < p->reply_len) {
    ssize_t w = send(c->fd, p->reply + off, p->reply_len - off, MSG_NOSIGNAL);
    if (w <= 0) break;
    off += (size_t)w;
  }
  if (p->mode == FAULT_PEER_REPLY_CLOSE) {
    close(c->fd);
    c->fd = -1;
  }
}

static void *peer_main(void *arg) {
  fault_peer_t *p = arg;
  peer_conn_t conns[PEER_MAX_CONNECTIONS];
  size_t count = 0;
  for (;;) {
    struct pollfd fds[PEER_MAX_CONNECTIONS + 2];
    fds[0] = (struct pollfd){.fd = p->wake[0], .events = POLLIN};
    fds[1] = (struct pollfd){.fd = p->listen_fd, .events = POLLIN};
    for (size_t i = 0; i < count; i++) fds[i + 2] = (struct pollfd){conns[i].fd, POLLIN, 0};
    if (poll(fds, count + 2, -1) < 0 && errno != EINTR) break;
    if (fds[0].revents) break;
    for (size_t i = 0; i < count; i++) {
      if (fds[i + 2].revents) peer_on_readable(p, &conns[i]);
    }
    size_t kept = 0;
    for (size_t i = 0; i < count; i++) {
      if (conns[i].fd >= 0) conns[kept++] = conns[i];
    }
    count = kept;
    if (fds[1].revents & POLLIN) {
      int fd = accept(p->listen_fd, NULL, NULL);
      if (fd < 0) continue;
      atomic_fetch_add(&p->connections, 1);
      if (count == PEER_MAX_CONNECTIONS) {
        close(fd);
        continue;
      }
      conns[count++] = (peer_conn_t){fd, false};
    }
  }
  for (size_t i = 0; i < count; i++) close(conns[i].fd);
  return NULL;
}

bool fault_peer_start(fault_peer_t *p, fault_peer_mode_t mode, const void *reply,
                      size_t reply_len) {
  memset(p, 0, sizeof *p);
  p->mode = mode;
  p->reply = reply;
  p->reply_len = reply_len;
  p->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof sa;
  if (p->listen_fd < 0 || bind(p->listen_fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
      listen(p->listen_fd, 16) != 0 ||
      getsockname(p->listen_fd, (struct sockaddr *)&sa, &len) != 0 ||
      pipe2(p->wake, O_CLOEXEC) != 0) {
    perror("fault peer");
    if (p->listen_fd >= 0) close(p->listen_fd);
    return false;
  }
  p->port = ntohs(sa.sin_port);
  if (pthread_create(&p->thread, NULL, peer_main, p) != 0) {
    fprintf(stderr, "fault peer: cannot start its thread\n");
    close(p->listen_fd);
    close(p->wake[0]);
    close(p->wake[1]);
    return false;
  }
  return true;
}

void fault_peer_stop(fault_peer_t *p) {
  char byte = 0;
  if (write(p->wake[1], &byte, 1) != 1) perror("fault peer stop");
  pthread_join(p->thread, NULL);
  close(p->listen_fd);
  close(p->wake[0]);
  close(p->wake[1]);
}

/* ---- Child processes ------------------------------------------------------------------- */

/* Reads one line from fd within `timeout_ms`; false on EOF or timeout. */
static bool read_line(int fd, char *line, size_t size, int timeout_ms) {
  size_t n = 0;
  int64_t until = fault_now_ms() + timeout_ms;
  while (n + 1 < size) {
    int left = (int)(until - fault_now_ms());
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    if (left <= 0 || poll(&pfd, 1, left) <= 0) return false;
    char c;
    if (read(fd, &c, 1) != 1) return false;
    if (c == '\n') break;
    line[n++] = c;
  }
  line[n] = '\0';
  return true;
}

bool fault_proc_spawn(fault_proc_t *p, const char *const argv[]) {
  memset(p, 0, sizeof *p);
  p->pid = test_child_spawn(argv, &p->out_fd);
  if (p->pid < 0) return false;
  char line[64];
  if (!read_line(p->out_fd, line, sizeof line, 10000) || sscanf(line, "PORT %d", &p->port) != 1) {
    fprintf(stderr, "  %s did not report its port\n", argv[0]);
    fault_proc_stop(p, SIGKILL);
    close(p->out_fd);
    return false;
  }
  return true;
}

int fault_proc_stop(fault_proc_t *p, int sig) { return test_child_reap(p->pid, sig); }

void fault_proc_output(fault_proc_t *p, char *buf, size_t size) {
  size_t n = 0;
  while (n + 1 < size) {
    ssize_t r = read(p->out_fd, buf + n, size - 1 - n);
    if (r <= 0) break;
    n += (size_t)r;
  }
  buf[n] = '\0';
  close(p->out_fd);
  p->out_fd = -1;
}

bool fault_self_spawn(fault_proc_t *p, const char *exe, int port) {
  char port_arg[16];
  snprintf(port_arg, sizeof port_arg, "%d", port);
  const char *argv[] = {exe, "--serve", port_arg, NULL};
  return fault_proc_spawn(p, argv);
}

bool fault_script_spawn(fault_proc_t *p, const char *scenario) {
  const char *argv[] = {FAULT_PYTHON, FAULT_SCRIPT_SERVER, scenario, NULL};
  return fault_proc_spawn(p, argv);
}

cgrpc_channel_t *fault_script_channel(fault_proc_t *p, const char *scenario) {
  if (!fault_script_spawn(p, scenario)) return NULL;
  cgrpc_channel_t *ch = test_loopback_channel(p->port, NULL);
  if (!ch) fault_proc_end(p);
  return ch;
}

void fault_proc_end(fault_proc_t *p) {
  fault_proc_stop(p, SIGTERM);
  if (p->out_fd >= 0) close(p->out_fd);
  p->out_fd = -1;
}

/* Socket calls with errors as return values; see io/socket.h.
 *
 * Every fd is created with SOCK_NONBLOCK | SOCK_CLOEXEC in the same call, so
 * there is no window in which a fork+exec elsewhere in the process inherits
 * it, and no extra fcntl(2). */
#define _GNU_SOURCE

#include "io/socket.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static bool is_tcp(const cgrpc_address_t *a) {
  return a->u.sa.sa_family == AF_INET || a->u.sa.sa_family == AF_INET6;
}

static int set_int_option(int fd, int level, int name, int value) {
  return setsockopt(fd, level, name, &value, sizeof value) == 0 ? 0 : -errno;
}

static int new_socket(int family) {
  int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  return fd < 0 ? -errno : fd;
}

/* True when a server still holds the unix path: it accepts a connect, or
 * its backlog is full (EAGAIN). A socket file nobody listens on refuses. */
static bool unix_path_is_live(const cgrpc_address_t *addr) {
  int probe = new_socket(AF_UNIX);
  if (probe < 0) return true; /* cannot tell: do not delete */
  bool live = connect(probe, &addr->u.sa, addr->len) == 0 || errno != ECONNREFUSED;
  close(probe);
  return live;
}

/* Called after bind() found the unix path taken. Removes it only when it is
 * a socket file of a server that is gone, so a typo in a listen address
 * cannot delete a regular file or steal a running server's socket. */
static int remove_stale_unix_path(const cgrpc_address_t *addr) {
  const char *path = addr->u.un.sun_path;
  if (path[0] == '\0') return -EADDRINUSE; /* abstract names have no file */
  struct stat st;
  if (lstat(path, &st) != 0) return errno == ENOENT ? 0 : -errno;
  if (!S_ISSOCK(st.st_mode) || unix_path_is_live(addr)) return -EADDRINUSE;
  if (unlink(path) != 0 && errno != ENOENT) return -errno;
  return 0;
}

static int bind_address(int fd, const cgrpc_address_t *addr) {
  return bind(fd, &addr->u.sa, addr->len) == 0 ? 0 : -errno;
}

int cgrpc_socket_listen(const cgrpc_address_t *addr, const cgrpc_listen_options_t *opts,
                        int *fd_out) {
  *fd_out = -1;
  cgrpc_listen_options_t o = opts ? *opts : (cgrpc_listen_options_t){0};
  int fd = new_socket(addr->u.sa.sa_family);
  if (fd < 0) return fd;
  int err = 0;
  if (is_tcp(addr)) {
    err = set_int_option(fd, SOL_SOCKET, SO_REUSEADDR, 1);
    if (!err && o.reuse_port) err = set_int_option(fd, SOL_SOCKET, SO_REUSEPORT, 1);
  }
  if (!err) {
    err = bind_address(fd, addr);
    if (err == -EADDRINUSE && addr->u.sa.sa_family == AF_UNIX) {
      err = remove_stale_unix_path(addr);
      if (!err) err = bind_address(fd, addr);
    }
  }
  if (!err && listen(fd, o.backlog > 0 ? o.backlog : SOMAXCONN) != 0) err = -errno;
  if (err) {
    close(fd);
    return err;
  }
  *fd_out = fd;
  return 0;
}

int cgrpc_socket_accept(int listen_fd, cgrpc_address_t *peer) {
  cgrpc_address_t scratch;
  cgrpc_address_t *a = peer ? peer : &scratch;
  for (;;) {
    a->len = sizeof a->u;
    int fd = accept4(listen_fd, &a->u.sa, &a->len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      /* Best effort: a socket without it still works, only slower. */
      if (is_tcp(a)) set_int_option(fd, IPPROTO_TCP, TCP_NODELAY, 1);
      return fd;
    }
    if (errno != EINTR) return errno == EWOULDBLOCK ? -EAGAIN : -errno;
  }
}

int cgrpc_socket_connect(const cgrpc_address_t *addr, int *fd_out) {
  *fd_out = -1;
  int fd = new_socket(addr->u.sa.sa_family);
  if (fd < 0) return fd;
  if (is_tcp(addr)) set_int_option(fd, IPPROTO_TCP, TCP_NODELAY, 1);
  if (connect(fd, &addr->u.sa, addr->len) == 0) {
    *fd_out = fd;
    return 0;
  }
  int err = errno;
  /* An interrupted connect goes on in the background, like EINPROGRESS. */
  if (err == EINPROGRESS || err == EINTR) {
    *fd_out = fd;
    return -EINPROGRESS;
  }
  close(fd);
  return -err;
}

int cgrpc_socket_connect_result(int fd) {
  int err = 0;
  socklen_t len = sizeof err;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) return -errno;
  return -err;
}

static int address_of(int fd, cgrpc_address_t *out, bool peer) {
  memset(out, 0, sizeof *out);
  out->len = sizeof out->u;
  int rc = peer ? getpeername(fd, &out->u.sa, &out->len) : getsockname(fd, &out->u.sa, &out->len);
  return rc == 0 ? 0 : -errno;
}

int cgrpc_socket_local_address(int fd, cgrpc_address_t *out) { return address_of(fd, out, false); }

int cgrpc_socket_peer_address(int fd, cgrpc_address_t *out) { return address_of(fd, out, true); }

ssize_t cgrpc_socket_read(int fd, void *buf, size_t len) {
  for (;;) {
    ssize_t n = recv(fd, buf, len, 0);
    if (n >= 0) return n;
    if (errno != EINTR) return errno == EWOULDBLOCK ? -EAGAIN : -errno;
  }
}

ssize_t cgrpc_socket_writev(int fd, const struct iovec *iov, int iovcnt) {
  struct msghdr msg = {.msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)iovcnt};
  for (;;) {
    ssize_t n = sendmsg(fd, &msg, MSG_NOSIGNAL);
    if (n >= 0) return n;
    if (errno != EINTR) return errno == EWOULDBLOCK ? -EAGAIN : -errno;
  }
}

int cgrpc_iov_advance(struct iovec **iov, int iovcnt, size_t n) {
  struct iovec *v = *iov;
  while (iovcnt > 0 && n >= v->iov_len) {
    n -= v->iov_len;
    v++;
    iovcnt--;
  }
  if (iovcnt > 0) {
    v->iov_base = (char *)v->iov_base + n;
    v->iov_len -= n;
  }
  *iov = v;
  return iovcnt;
}

int cgrpc_socket_shutdown_write(int fd) { return shutdown(fd, SHUT_WR) == 0 ? 0 : -errno; }

void cgrpc_socket_close(int fd) {
  /* Not retried on EINTR: Linux has released the fd either way, and a retry
   * could close an fd another thread just opened. */
  if (fd >= 0) close(fd);
}

/* io/socket.h — non-blocking stream sockets (TCP and unix) as plain fds.
 *
 * Thin, errno-free wrappers: each returns a negative io error code
 * (io/error.h) instead of setting errno, retries EINTR itself, and creates
 * every fd non-blocking and close-on-exec. They hold no state, so any thread
 * may call them; an fd itself belongs to whoever owns it (normally the loop
 * its watch is on). Waiting for readiness is the loop's job (io/loop.h);
 * io/connect.h and io/listener.h tie these calls to a loop.
 *
 * SIGPIPE: writes use send(2) with MSG_NOSIGNAL, so writing to a socket
 * whose peer has gone returns -EPIPE instead of killing the process, and the
 * library never changes the process-wide SIGPIPE disposition (which belongs
 * to the application). A TLS layer must send through cgrpc_socket_writev()
 * (or its own MSG_NOSIGNAL writes), not write(2).
 */
#ifndef CGRPC_SRC_IO_SOCKET_H
#define CGRPC_SRC_IO_SOCKET_H

#include <stdbool.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "io/address.h"

typedef struct cgrpc_listen_options {
  int backlog;     /* pending-connection queue; 0 means SOMAXCONN */
  bool reuse_port; /* TCP only: SO_REUSEPORT, so each loop can own a listener
                      on one port and the kernel spreads connections across them */
} cgrpc_listen_options_t;

/* Creates a listening socket bound to `addr`. TCP sockets get SO_REUSEADDR
 * (restarts do not wait out TIME_WAIT); port 0 binds a free port, which
 * cgrpc_socket_local_address() then reports. For a unix path that already
 * exists, a stale socket file left by a dead server is unlinked and the bind
 * retried; a path where a server still accepts connections, or that is not a
 * socket, fails with -EADDRINUSE. `opts` may be NULL for the defaults.
 * Stores the fd in *fd_out and returns 0, or returns -errno (-EADDRINUSE,
 * -EACCES, -EADDRNOTAVAIL, ...). The caller owns the fd; the listener does not
 * unlink its unix path when closed (the server decides when to remove it). */
int cgrpc_socket_listen(const cgrpc_address_t *addr, const cgrpc_listen_options_t *opts,
                        int *fd_out);

/* Accepts one pending connection as a non-blocking, close-on-exec fd with
 * TCP_NODELAY set for TCP (gRPC messages are latency-sensitive and the
 * transport already batches writes per loop iteration). Stores the peer's
 * address in *peer when not NULL. Returns the fd, -EAGAIN when no connection
 * is pending, or another -errno: -EMFILE/-ENFILE when out of fds (the
 * connection stays queued), -ECONNABORTED when the peer gave up (try again). */
int cgrpc_socket_accept(int listen_fd, cgrpc_address_t *peer);

/* Starts a non-blocking connect to `addr` on a new socket (TCP_NODELAY for
 * TCP) and stores its fd in *fd_out. Returns 0 when already connected (common
 * for unix sockets), -EINPROGRESS when the fd must be watched for
 * CGRPC_IO_WRITE and then checked with cgrpc_socket_connect_result(); in both
 * cases the caller owns the fd. Any other -errno (-ECONNREFUSED, -ENOENT for
 * a missing unix path, -ENETUNREACH, -EMFILE) means no fd was kept. */
int cgrpc_socket_connect(const cgrpc_address_t *addr, int *fd_out);

/* The outcome of a connect that returned -EINPROGRESS, once the fd is
 * writable: 0 when connected, else -errno (-ECONNREFUSED, -ETIMEDOUT,
 * -EHOSTUNREACH). */
int cgrpc_socket_connect_result(int fd);

/* The socket's own address (its bound port after listening on port 0) or
 * its peer's. Return 0 or -errno. */
int cgrpc_socket_local_address(int fd, cgrpc_address_t *out);
int cgrpc_socket_peer_address(int fd, cgrpc_address_t *out);

/* Reads up to `len` (> 0) bytes into `buf`. Returns the count (> 0), 0 at end of
 * stream (the peer shut down its write side), -EAGAIN when nothing is
 * buffered, or -errno (-ECONNRESET). */
ssize_t cgrpc_socket_read(int fd, void *buf, size_t len);

/* Writes the iovecs in order with one sendmsg(MSG_NOSIGNAL). Returns the
 * bytes written, which may be fewer than asked (the socket buffer filled:
 * advance with cgrpc_iov_advance() and wait for CGRPC_IO_WRITE), -EAGAIN when
 * nothing fit, or -errno (-EPIPE, -ECONNRESET). At most IOV_MAX iovecs. */
ssize_t cgrpc_socket_writev(int fd, const struct iovec *iov, int iovcnt);

/* Drops the first `n` written bytes from an iovec array after a partial
 * write: skips whole iovecs and trims the first remaining one in place.
 * Returns the new count; *iov moves to the first iovec with bytes left. */
int cgrpc_iov_advance(struct iovec **iov, int iovcnt, size_t n);

/* Shuts the write side down (the peer reads EOF once the buffered bytes are
 * delivered); reading stays possible. Returns 0 or -errno. */
int cgrpc_socket_shutdown_write(int fd);

/* Closes the fd. Remove its loop watch first. Negative fds are ignored. */
void cgrpc_socket_close(int fd);

#endif /* CGRPC_SRC_IO_SOCKET_H */

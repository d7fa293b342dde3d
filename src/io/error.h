/* io/error.h — error values of the I/O layer.
 *
 * Every io function that can fail returns a negative int: either -errno from
 * the system call that failed (-ECONNREFUSED, -EADDRINUSE, -EAGAIN, ...) or
 * one of the CGRPC_IO_E* codes below for failures that have no errno (bad
 * target text, name resolution). Zero or a positive count means success.
 * The io layer never aborts on an error and never prints it: callers turn the
 * code into a message with cgrpc_io_strerror() and into a gRPC status.
 */
#ifndef CGRPC_SRC_IO_ERROR_H
#define CGRPC_SRC_IO_ERROR_H

/* Below every errno value Linux defines, so the ranges never collide. */
enum {
  CGRPC_IO_EBADTARGET = -10001, /* malformed target or address text */
  CGRPC_IO_ENOTFOUND = -10002,  /* the host name does not exist or has no address */
  CGRPC_IO_ERESOLVE = -10003,   /* name resolution failed for now; retrying may work */
};

/* A short description of `err` ("Connection refused", "host name not
 * found"), in English whatever the locale. Never NULL; the string is static
 * and must not be freed. Thread-safe. Unknown codes give "unknown error". */
const char *cgrpc_io_strerror(int err);

#endif /* CGRPC_SRC_IO_ERROR_H */

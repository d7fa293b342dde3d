/* cgrpc/channel.h — a client's connection to one target.
 *
 * A channel names a server (a target in gRPC syntax) and carries any number
 * of calls to it (cgrpc/call.h) over one HTTP/2 connection. It connects
 * lazily, on the first call; if the connection fails or breaks it connects
 * again, waiting between attempts with exponential backoff (1 s, growing
 * 1.6 times to 2 min, with jitter). While it cannot connect, calls fail at
 * once with UNAVAILABLE unless they asked to wait for ready. Calls beyond
 * the server's concurrent-stream limit wait their turn. When the server
 * says GOAWAY, calls in flight finish and new ones go to a new connection.
 *
 * Transparent retry. A call the server provably never processed — refused
 * with REFUSED_STREAM, beyond the last stream of a GOAWAY, or never sent on
 * a connection that went away — is sent again once, by the channel, on
 * whatever connection it has by then; the application sees only the
 * outcome of the second attempt. A call that sent more than 256 KiB of
 * messages before the server answered is not retried (its messages are no
 * longer kept), nor is one the server had begun to answer.
 *
 * Failures say what happened: "failed to connect to HOST: Connection
 * refused", "...: not an HTTP/2 server: it answered "HTTP/1.1 400 Bad
 * Request"", "connection lost: the peer closed the connection",
 * "connection lost: HTTP/2 protocol error (...)".
 *
 * Targets: "host:port" or "dns:///host:port" (resolved, first address that
 * connects wins), "ipv4:1.2.3.4:50051", "ipv6:[::1]:50051",
 * "unix:/path/to.sock" or "unix:relative", "unix-abstract:name".
 *
 * Threads. A channel runs a loop thread of its own, where calls execute and
 * callbacks run. All functions here may be called from any thread (except
 * cgrpc_channel_free() from that loop, i.e. from a callback). While a
 * thread waits in a blocking call, it runs the channel's work itself
 * instead of sleeping until the loop thread wakes it (no thread hand-off
 * per call), unless another thread already does, or the channel has ever
 * been given a callback: callbacks always run on the loop thread.
 */
#ifndef CGRPC_CHANNEL_H
#define CGRPC_CHANNEL_H

#include <stddef.h>
#include <stdint.h>

#include "cgrpc/call.h"
#include "cgrpc/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Zero fields take the defaults shown. */
typedef struct cgrpc_channel_options {
  size_t max_receive_message_size; /* 4 MiB; SIZE_MAX: no limit */
  size_t max_send_message_size;    /* no limit */
  const char *authority;           /* ":authority" of calls; default from the target */
  int64_t connect_timeout_ns;      /* per connection attempt: 20 s */
  int64_t initial_backoff_ns;      /* 1 s */
  int64_t max_backoff_ns;          /* 120 s */
  uint32_t stream_window;          /* HTTP/2 receive window per call: 256 KiB */
  uint32_t connection_window;      /* HTTP/2 receive window per connection: 1 MiB */

  /* Latency for CPU: the channel's loop keeps polling this long after it
   * runs out of work before it sleeps, so an answer that comes within that
   * time finds it awake (docs/performance.md). Off (0) by default. */
  int64_t busy_poll_ns;
} cgrpc_channel_options_t;

/* Creates a channel to `target` (options may be NULL). Nothing is connected
 * yet. Returns OK and the channel in *out, or an error (a malformed target:
 * INVALID_ARGUMENT; no thread, file descriptor or memory:
 * RESOURCE_EXHAUSTED) with a message in `err` (may be NULL); *out is left
 * alone then. */
cgrpc_status_code_t cgrpc_channel_new(const char *target, const cgrpc_channel_options_t *opts,
                                      cgrpc_channel_t **out, cgrpc_error_t *err);

/* Closes the channel: calls still running end with CANCELLED (their
 * callbacks run, out of memory too), the connection is closed and the loop
 * thread joined. Every call object must have been finished before
 * (cgrpc_call_finish or cgrpc_call_finish_async). NULL is a no-op. Not
 * from a callback of this channel. */
void cgrpc_channel_free(cgrpc_channel_t *ch);

#ifdef __cplusplus
}
#endif

#endif /* CGRPC_CHANNEL_H */

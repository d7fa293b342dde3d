/* cgrpc/channel.h — a client's connection to one target.
 *
 * A channel names a server (a target in gRPC syntax) and carries any number
 * of calls to it (cgrpc/call.h) over one HTTP/2 connection per backend
 * address its load-balancing policy uses (one in all for pick_first, the
 * default; docs/load-balancing.md). It connects
 * lazily, on the first call; if the connection fails or breaks it connects
 * again, waiting between attempts with exponential backoff (from
 * initial_backoff_ns, growing 1.6 times up to max_backoff_ns, with jitter:
 * the options below). While it cannot connect, calls fail at
 * once with UNAVAILABLE unless they asked to wait for ready. Calls beyond
 * the server's concurrent-stream limit wait their turn. When the server
 * says GOAWAY, calls in flight finish and new ones go to a new connection.
 *
 * Transparent retry. A call the server provably never processed — refused
 * with REFUSED_STREAM, beyond the last stream of a GOAWAY, or never sent on
 * a connection that went away — is sent again once, by the channel, on
 * whatever connection it has by then; the application sees only the
 * outcome of the second attempt. A call that sent more than
 * per_call_retry_buffer_size (256 KiB) of messages before the server
 * answered is not retried (its messages are no longer kept), nor is one the
 * server had begun to answer.
 *
 * Service config (docs/service-config.md). The option service_config_json
 * sets per-method timeouts, waitForReady, message size limits, retries
 * (gRFC A6: backoff, retryable codes, grpc-retry-pushback-ms, throttling,
 * grpc-previous-rpc-attempts) and hedging of unary calls. Keepalive
 * (keepalive_time_ns, off by default) and idle mode (idle_timeout_ns, 30
 * min: connections close, the next call reconnects) are options too.
 *
 * Failures say what happened: "failed to connect to HOST: Connection
 * refused", "...: not an HTTP/2 server: it answered "HTTP/1.1 400 Bad
 * Request"", "connection lost: the peer closed the connection",
 * "connection lost: HTTP/2 protocol error (...)".
 *
 * Targets: "host:port" or "dns:///host:port" (A and AAAA records),
 * "dns://10.0.0.2:53/host:port" (asking that DNS server),
 * "ipv4:1.2.3.4:50051,5.6.7.8:50051", "ipv6:[::1]:50051",
 * "unix:/path/to.sock" or "unix:relative", "unix-abstract:name", or a
 * registered scheme (cgrpc/resolver.h). Which address a call uses is the
 * load-balancing policy's choice (the service config's, else the lb_policy
 * option; pick_first: the first address that connects); each address has
 * its own connection and backoff (docs/load-balancing.md).
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
#include "cgrpc/options.h"

#pragma GCC visibility push(default) /* exported: see cgrpc/cgrpc.h */
#ifdef __cplusplus
extern "C" {
#endif

/* The channel's options, one row each: X(type, name, default, min, max, doc)
 * (cgrpc/options.h explains the types). Start from
 * CGRPC_CHANNEL_OPTIONS_INIT or cgrpc_channel_options_init() and change
 * fields; every value in [min, max] is honoured as given, zero included.
 * initial_backoff_ns must not exceed max_backoff_ns, and an authority is at
 * most 261 bytes. docs/options.md shows the same table. */
/* clang-format off */
#define CGRPC_CHANNEL_OPTIONS(X)                                                                  \
  X(BYTES, max_receive_message_size, 4 * 1024 * 1024,        0, CGRPC_UNLIMITED,                   \
    "largest response message, on the wire and decompressed")                               \
  X(BYTES, max_send_message_size,    CGRPC_UNLIMITED,        0, CGRPC_UNLIMITED,                   \
    "largest request message")                                                              \
  X(STR,   authority,                NULL,                   0, 0,                                 \
    "\":authority\" of calls; NULL: from the target")                                              \
  X(NS,    connect_timeout_ns,       20 * CGRPC_NS_PER_SEC,  1, CGRPC_INFINITE,                    \
    "per connection attempt")                                                                      \
  X(NS,    initial_backoff_ns,       CGRPC_NS_PER_SEC,       CGRPC_NS_PER_MS, CGRPC_INFINITE,      \
    "wait after the first failed attempt; then 1.6 times longer each time")                        \
  X(NS,    max_backoff_ns,           120 * CGRPC_NS_PER_SEC, CGRPC_NS_PER_MS, CGRPC_INFINITE,      \
    "longest wait between attempts")                                                               \
  X(BYTES, stream_window,            256 * 1024,             1, INT32_MAX,                         \
    "HTTP/2 receive window per call")                                                       \
  X(BYTES, connection_window,        1024 * 1024,            1, INT32_MAX,                         \
    "HTTP/2 receive window per connection (raised to stream_window if below)")              \
  X(INT,   compression_level,        6,                      0, 9,                                 \
    "zlib level of compressed requests: 0 (stored) to 9 (smallest)")                               \
  X(NS,    busy_poll_ns,             0,                      0, CGRPC_NS_PER_SEC,                  \
    "the loop, out of work, polls this long before it sleeps (docs/performance.md)")          \
  X(STR,   service_config_json,      NULL,                   0, 0,                                 \
    "service config JSON (docs/service-config.md); NULL: none; invalid: INVALID_ARGUMENT")   \
  X(BYTES, per_call_retry_buffer_size, 256 * 1024,           0, CGRPC_UNLIMITED,                   \
    "request bytes a call keeps for retries; a call that sends more is no longer retried")     \
  X(BYTES, retry_buffer_size,        16 * 1024 * 1024,       0, CGRPC_UNLIMITED,                   \
    "request bytes all calls of the channel keep for retries; past it calls commit")          \
  X(NS,    keepalive_time_ns,        CGRPC_INFINITE,         CGRPC_NS_PER_MS, CGRPC_INFINITE,      \
    "PING the server after this long without hearing from it (gRFC A8); INFINITE: off")       \
  X(NS,    keepalive_timeout_ns,     20 * CGRPC_NS_PER_SEC,  CGRPC_NS_PER_MS, CGRPC_INFINITE,      \
    "close the connection when a keepalive PING gets no answer within this")                   \
  X(BOOL,  keepalive_permit_without_calls, false,            0, 1,                                 \
    "send keepalive PINGs also while no call is open")                                         \
  X(NS,    idle_timeout_ns,          30 * 60 * CGRPC_NS_PER_SEC, CGRPC_NS_PER_MS, CGRPC_INFINITE,  \
    "close connections after this long without calls; the next call reconnects")                    \
  X(STR,   lb_policy,                NULL,                   0, 0,                                 \
    "load balancing: \"pick_first\" (NULL), \"round_robin\" or \"least_request\"")                \
  X(BOOL,  shuffle_address_list,     false,                  0, 1,                                 \
    "pick_first shuffles each address list (gRFC A62)")                                            \
  X(STR,   health_check_service_name, NULL,                  0, 0,                                 \
    "client-side health checking (gRFC A17) of this service (\"\": the server); NULL: off")        \
  X(NS,    min_resolution_interval_ns, 30 * CGRPC_NS_PER_SEC, 0, CGRPC_INFINITE,                   \
    "re-resolution of the target at most this often")
/* clang-format on */

typedef struct cgrpc_channel_options {
  CGRPC_CHANNEL_OPTIONS(CGRPC_OPTION_FIELD_)
  uint32_t _init_magic; /* set by CGRPC_CHANNEL_OPTIONS_INIT / cgrpc_channel_options_init() */
} cgrpc_channel_options_t;

/* Every option at its default: `cgrpc_channel_options_t o = CGRPC_CHANNEL_OPTIONS_INIT;` */
#define CGRPC_CHANNEL_OPTIONS_INIT \
  { CGRPC_CHANNEL_OPTIONS(CGRPC_OPTION_DEFAULT_) CGRPC_OPTIONS_INIT_MAGIC_ }

/* Sets every option of *opts to its default (what CGRPC_CHANNEL_OPTIONS_INIT
 * gives). Never fails; any thread. */
void cgrpc_channel_options_init(cgrpc_channel_options_t *opts);

/* Creates a channel to `target`. `opts` may be NULL (every default); else it
 * must have started from CGRPC_CHANNEL_OPTIONS_INIT or
 * cgrpc_channel_options_init(), and is copied (the authority string too).
 * Nothing is connected yet. Returns OK with the channel in *out, or an
 * error with a message in `err` (may be NULL):
 *   - INVALID_ARGUMENT for a malformed target, options not initialised so,
 *     or an option out of its range (the message names the option, its
 *     value and the range). *out is a channel all the same, as with gRPC's
 *     own channels and sqlite3_open(): every call on it ends with this code
 *     and message, so a program that does not check here still reports the
 *     problem where it calls. Free it like any channel.
 *   - RESOURCE_EXHAUSTED when there is no thread or memory; *out is NULL
 *     (cgrpc_channel_free() and cgrpc_unary_result() accept NULL). */
cgrpc_status_code_t cgrpc_channel_new(const char *target, const cgrpc_channel_options_t *opts,
                                      cgrpc_channel_t **out, cgrpc_error_t *err);

/* Closes the channel: calls still running end with CANCELLED (their
 * callbacks run, out of memory too), the connection is closed and the loop
 * thread joined. Every call object must have been finished before
 * (cgrpc_call_finish or cgrpc_call_finish_async). NULL is a no-op. Not
 * from a callback of this channel. */
void cgrpc_channel_free(cgrpc_channel_t *ch);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif

#endif /* CGRPC_CHANNEL_H */

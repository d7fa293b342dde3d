/* cgrpc/log.h — where the library's diagnostics go.
 *
 * The library logs what an application cannot see from return values: a
 * handler that broke a rule (a blocking read on the loop thread, a handler
 * that returned without ending its call), and later connection-level events.
 * By default each message is one line on stderr,
 *
 *   cgrpc: ERROR: the handler for /helloworld.Greeter/SayHello returned ...
 *
 * and only ERROR and WARNING messages are written. An application that has
 * its own logging routes the messages there with cgrpc_log_set_handler().
 *
 * Thread-safety: every function here may be called from any thread at any
 * time. The library calls the handler from whichever thread logs (loop
 * threads, worker threads, application threads), one message at a time.
 */
#ifndef CGRPC_LOG_H
#define CGRPC_LOG_H

#pragma GCC visibility push(default) /* exported: see cgrpc/cgrpc.h */
#ifdef __cplusplus
extern "C" {
#endif

/* Severity, most severe first: a level enables itself and those above it. */
typedef enum cgrpc_log_level {
  CGRPC_LOG_ERROR = 0,   /* something is wrong and a call or connection paid for it */
  CGRPC_LOG_WARNING = 1, /* unexpected, handled; worth a look */
  CGRPC_LOG_INFO = 2,    /* notable events: a server starting or stopping */
  CGRPC_LOG_DEBUG = 3,   /* detail for chasing a problem */
} cgrpc_log_level_t;

/* Receives one message: `message` is NUL-terminated, has no trailing
 * newline, and is valid only during the call. The handler must not call
 * cgrpc_log_set_handler() (it would wait for itself) and should not block
 * for long: the thread that logs may be an event loop. It may call other
 * cgrpc functions; what they log meanwhile goes to stderr. */
typedef void (*cgrpc_log_fn)(void *user_data, cgrpc_log_level_t level, const char *message);

/* Sends the messages to `fn` (with `user_data`) instead of stderr; NULL
 * restores the default handler. Once it returns the previous handler is not
 * running and will not be called again, so its user_data may be freed. */
void cgrpc_log_set_handler(cgrpc_log_fn fn, void *user_data);

/* Messages less severe than `level` are dropped before they are formatted.
 * The default is CGRPC_LOG_WARNING. */
void cgrpc_log_set_level(cgrpc_log_level_t level);

/* "ERROR", "WARNING", "INFO", "DEBUG"; "UNKNOWN" for other values. */
const char *cgrpc_log_level_name(cgrpc_log_level_t level);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif

#endif /* CGRPC_LOG_H */

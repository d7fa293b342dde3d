/* base/log.c — deliver library messages to the application's handler or to
 * stderr (see cgrpc/log.h).
 *
 * The level is an atomic read on every cgrpc_log() so a disabled message
 * costs nothing else. The handler and its user_data change together, so they
 * live under one mutex that is also held while the handler runs: messages
 * never interleave, and once cgrpc_log_set_handler() returns the old handler
 * is done with its user_data. Logging is rare (misuse, trouble), so the lock
 * is never contended on a path that matters.
 */
#define _POSIX_C_SOURCE 200809L

#include "base/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

static atomic_int current_level = CGRPC_LOG_WARNING;
static pthread_mutex_t handler_mu = PTHREAD_MUTEX_INITIALIZER;
static cgrpc_log_fn handler;
static void *handler_data;
/* Set while this thread runs the handler: a message the handler causes
 * (it called into cgrpc, which logged) goes to stderr instead of waiting
 * for the lock this thread holds. */
static _Thread_local bool in_handler;

const char *cgrpc_log_level_name(cgrpc_log_level_t level) {
  switch (level) {
    case CGRPC_LOG_ERROR:
      return "ERROR";
    case CGRPC_LOG_WARNING:
      return "WARNING";
    case CGRPC_LOG_INFO:
      return "INFO";
    case CGRPC_LOG_DEBUG:
      return "DEBUG";
  }
  return "UNKNOWN";
}

/* One write per line, so lines from other threads or processes sharing
 * stderr do not cut into it. */
static void write_stderr(cgrpc_log_level_t level, const char *message) {
  char line[CGRPC_LOG_MESSAGE_MAX + 32];
  int n = snprintf(line, sizeof line, "cgrpc: %s: %s\n", cgrpc_log_level_name(level), message);
  if (n < 0) return;
  size_t len = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
  fwrite(line, 1, len, stderr);
  fflush(stderr);
}

void cgrpc_log_set_handler(cgrpc_log_fn fn, void *user_data) {
  pthread_mutex_lock(&handler_mu);
  handler = fn;
  handler_data = fn ? user_data : NULL;
  pthread_mutex_unlock(&handler_mu);
}

void cgrpc_log_set_level(cgrpc_log_level_t level) { atomic_store(&current_level, (int)level); }

bool cgrpc_log_enabled(cgrpc_log_level_t level) {
  return (int)level <= atomic_load_explicit(&current_level, memory_order_relaxed);
}

void cgrpc_log(cgrpc_log_level_t level, const char *fmt, ...) {
  if (!cgrpc_log_enabled(level)) return;
  char message[CGRPC_LOG_MESSAGE_MAX];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(message, sizeof message, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n >= sizeof message) memcpy(message + sizeof message - 4, "...", 4);
  if (in_handler) {
    write_stderr(level, message);
    return;
  }
  pthread_mutex_lock(&handler_mu);
  if (handler) {
    in_handler = true;
    handler(handler_data, level, message);
    in_handler = false;
  } else {
    write_stderr(level, message);
  }
  pthread_mutex_unlock(&handler_mu);
}

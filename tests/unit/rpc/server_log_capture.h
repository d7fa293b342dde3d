/* tests/unit/rpc/server_log_capture.h — collects what the library logs
 * (from any thread) so a test can check the lines a misuse produces. */
#ifndef CGRPC_TESTS_UNIT_RPC_SERVER_LOG_CAPTURE_H
#define CGRPC_TESTS_UNIT_RPC_SERVER_LOG_CAPTURE_H

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "cgrpc/log.h"

typedef struct log_capture {
  pthread_mutex_t mu;
  int count;
  char text[8192]; /* every message, one per line */
} log_capture_t;

static inline void log_capture_fn(void *user_data, cgrpc_log_level_t level, const char *message) {
  log_capture_t *c = user_data;
  pthread_mutex_lock(&c->mu);
  c->count++;
  size_t used = strlen(c->text);
  snprintf(c->text + used, sizeof c->text - used, "%s: %s\n", cgrpc_log_level_name(level), message);
  pthread_mutex_unlock(&c->mu);
}

static inline void log_capture_start(log_capture_t *c) {
  pthread_mutex_init(&c->mu, NULL);
  c->count = 0;
  c->text[0] = '\0';
  cgrpc_log_set_handler(log_capture_fn, c);
}

static inline void log_capture_stop(log_capture_t *c) {
  cgrpc_log_set_handler(NULL, NULL);
  pthread_mutex_destroy(&c->mu);
}

/* True when some captured message contains `needle`. */
static inline bool log_capture_has(log_capture_t *c, const char *needle) {
  pthread_mutex_lock(&c->mu);
  bool found = strstr(c->text, needle) != NULL;
  pthread_mutex_unlock(&c->mu);
  return found;
}

static inline int log_capture_count(log_capture_t *c) {
  pthread_mutex_lock(&c->mu);
  int n = c->count;
  pthread_mutex_unlock(&c->mu);
  return n;
}

#endif /* CGRPC_TESTS_UNIT_RPC_SERVER_LOG_CAPTURE_H */

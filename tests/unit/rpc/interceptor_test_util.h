/* tests/unit/rpc/interceptor_test_util.h — a server and channel with
 * interceptors installed before they run, and a thread-safe event trace the
 * test interceptors write to ("A.start B.start A.recv ..."). */
#ifndef CGRPC_TESTS_UNIT_RPC_INTERCEPTOR_TEST_UTIL_H
#define CGRPC_TESTS_UNIT_RPC_INTERCEPTOR_TEST_UTIL_H

#include <pthread.h>

#include "cgrpc/interceptor.h"
#include "rpc_test_util.h"

typedef struct trace {
  pthread_mutex_t mu;
  char text[4096];
} trace_t;

static trace_t g_trace = {PTHREAD_MUTEX_INITIALIZER, ""};

static inline void trace_reset(void) {
  pthread_mutex_lock(&g_trace.mu);
  g_trace.text[0] = '\0';
  pthread_mutex_unlock(&g_trace.mu);
}

static inline void trace_add(const char *who, const char *what) {
  pthread_mutex_lock(&g_trace.mu);
  size_t used = strlen(g_trace.text);
  snprintf(g_trace.text + used, sizeof g_trace.text - used, "%s%s.%s", used ? " " : "", who, what);
  pthread_mutex_unlock(&g_trace.mu);
}

/* A copy of the trace (the loop thread may still be writing on_end). */
static inline void trace_get(char *out, size_t size) {
  pthread_mutex_lock(&g_trace.mu);
  snprintf(out, size, "%s", g_trace.text);
  pthread_mutex_unlock(&g_trace.mu);
}

/* Waits up to 2 s for the trace to end with `suffix` (server on_end runs on
 * the loop after the client has its status). */
static inline bool trace_wait_suffix(const char *suffix) {
  char buf[4096];
  for (int i = 0; i < 200; i++) {
    trace_get(buf, sizeof buf);
    size_t n = strlen(buf), m = strlen(suffix);
    if (n >= m && strcmp(buf + n - m, suffix) == 0) return true;
    test_sleep_ms(10);
  }
  return false;
}

typedef struct icept_reg {
  const cgrpc_interceptor_t *hooks;
  void *user_data;
} icept_reg_t;

/* test_pair_start() with interceptors on the server and the channel. */
static inline void icept_pair_start(test_pair_t *p, const test_route_t *routes, size_t n,
                                    const icept_reg_t *server_ic, size_t ns,
                                    const icept_reg_t *client_ic, size_t nc) {
  cgrpc_error_t err;
  cgrpc_server_options_t so = CGRPC_SERVER_OPTIONS_INIT;
  so.loop_threads = 1;
  int port = 0;
  CHECK_EQ_INT(cgrpc_server_new(&so, &p->srv, &err), CGRPC_STATUS_OK);
  CHECK_EQ_INT(cgrpc_server_listen(p->srv, "127.0.0.1:0", &port, &err), CGRPC_STATUS_OK);
  for (size_t i = 0; i < ns; i++) {
    CHECK_EQ_INT(
        cgrpc_server_add_interceptor(p->srv, server_ic[i].hooks, server_ic[i].user_data, &err),
        CGRPC_STATUS_OK);
  }
  for (size_t i = 0; i < n; i++) {
    CHECK_EQ_INT(cgrpc_server_register(p->srv, routes[i].method, routes[i].handler, NULL,
                                       routes[i].mode, &err),
                 CGRPC_STATUS_OK);
  }
  CHECK_EQ_INT(cgrpc_server_start(p->srv, &err), CGRPC_STATUS_OK);
  snprintf(p->target, sizeof p->target, "127.0.0.1:%d", port);
  CHECK_EQ_INT(cgrpc_channel_new(p->target, NULL, &p->ch, &err), CGRPC_STATUS_OK);
  for (size_t i = 0; i < nc; i++) {
    CHECK_EQ_INT(
        cgrpc_channel_add_interceptor(p->ch, client_ic[i].hooks, client_ic[i].user_data, &err),
        CGRPC_STATUS_OK);
  }
}

#endif /* CGRPC_TESTS_UNIT_RPC_INTERCEPTOR_TEST_UTIL_H */

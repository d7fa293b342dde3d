/* tests/unit/services/services_test_util.h — a server on a free loopback
 * port with the built-in services enabled, and a channel to it. */
#ifndef CGRPC_TESTS_UNIT_SERVICES_SERVICES_TEST_UTIL_H
#define CGRPC_TESTS_UNIT_SERVICES_SERVICES_TEST_UTIL_H

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cgrpc/channel.h"
#include "cgrpc/health.h"
#include "cgrpc/reflection.h"
#include "cgrpc/server.h"
#include "test.h"

typedef struct svc_pair {
  cgrpc_server_t *srv;
  cgrpc_channel_t *ch;
  cgrpc_health_t *health;
  cgrpc_reflection_t *reflection;
  char target[64]; /* "127.0.0.1:PORT" */
} svc_pair_t;

/* Creates the server (one loop) with health and reflection enabled; the
 * caller registers more, then calls svc_pair_start(). */
static inline void svc_pair_new(svc_pair_t *p) {
  memset(p, 0, sizeof *p);
  cgrpc_error_t err;
  cgrpc_server_options_t so = CGRPC_SERVER_OPTIONS_INIT;
  so.loop_threads = 1;
  CHECK_EQ_INT(cgrpc_server_new(&so, &p->srv, &err), CGRPC_STATUS_OK);
  CHECK_EQ_INT(cgrpc_server_enable_health(p->srv, &p->health, &err), CGRPC_STATUS_OK);
  CHECK_EQ_INT(cgrpc_server_enable_reflection(p->srv, &p->reflection, &err), CGRPC_STATUS_OK);
}

static inline void svc_pair_start(svc_pair_t *p) {
  cgrpc_error_t err;
  int port = 0;
  CHECK_EQ_INT(cgrpc_server_listen(p->srv, "127.0.0.1:0", &port, &err), CGRPC_STATUS_OK);
  CHECK_EQ_INT(cgrpc_server_start(p->srv, &err), CGRPC_STATUS_OK);
  snprintf(p->target, sizeof p->target, "127.0.0.1:%d", port);
  CHECK_EQ_INT(cgrpc_channel_new(p->target, NULL, &p->ch, &err), CGRPC_STATUS_OK);
}

static inline void svc_pair_stop(svc_pair_t *p) {
  cgrpc_channel_free(p->ch);
  cgrpc_server_shutdown(p->srv, CGRPC_NS_PER_SEC);
  cgrpc_server_free(p->srv);
}

static inline bool test_str_eq(cgrpc_str_t s, const char *want) {
  return s.len == strlen(want) && (s.len == 0 || memcmp(s.data, want, s.len) == 0);
}

static inline int64_t svc_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline void svc_sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

#endif /* CGRPC_TESTS_UNIT_SERVICES_SERVICES_TEST_UTIL_H */

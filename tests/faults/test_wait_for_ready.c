/* tests/faults/test_wait_for_ready.c — calls while the server is down:
 * fail-fast calls end at once with UNAVAILABLE (whatever their deadline),
 * wait-for-ready calls wait through failed connection attempts until the
 * server comes up (then succeed) or their deadline passes (then
 * DEADLINE_EXCEEDED, on time).
 */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fault_calls.h"

#define PROMPT_MS 1000
#define SLACK_MS 200

/* A port nothing listens on (bound, then released). */
static int unused_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof sa;
  bind(fd, (struct sockaddr *)&sa, sizeof sa);
  getsockname(fd, (struct sockaddr *)&sa, &len);
  close(fd);
  return ntohs(sa.sin_port);
}

/* A channel whose backoff is short enough that a test sees several attempts. */
static cgrpc_channel_t *quick_backoff_channel(int port) {
  cgrpc_channel_options_t o = CGRPC_CHANNEL_OPTIONS_INIT;
  o.initial_backoff_ns = 100 * CGRPC_NS_PER_MS;
  o.max_backoff_ns = 200 * CGRPC_NS_PER_MS;
  return test_loopback_channel(port, &o);
}

static void test_fail_fast_ignores_deadline(void) {
  cgrpc_channel_t *ch = test_loopback_channel(unused_port(), NULL);
  cgrpc_call_options_t opts = {.timeout_ns = 5 * CGRPC_NS_PER_SEC};
  fault_result_t r = fault_unary(ch, M_UNARY, 1, &opts);
  fault_report("fail-fast, 5 s deadline, server down", &r);
  CHECK_EQ_INT(r.code, CGRPC_STATUS_UNAVAILABLE);
  CHECK(strstr(r.message, "Connection refused") != NULL);
  CHECK(r.took_ms < PROMPT_MS);
  /* During the backoff that follows, too. */
  r = fault_unary(ch, M_UNARY, 1, &opts);
  CHECK_EQ_INT(r.code, CGRPC_STATUS_UNAVAILABLE);
  CHECK(r.took_ms < PROMPT_MS);
  cgrpc_channel_free(ch);
}

static void test_wait_for_ready_until_deadline(void) {
  cgrpc_channel_t *ch = quick_backoff_channel(unused_port());
  cgrpc_call_options_t opts = {.timeout_ns = 700 * CGRPC_NS_PER_MS, .wait_for_ready = true};
  fault_result_t r = fault_unary(ch, M_UNARY, 1, &opts);
  fault_report("wait-for-ready, 700 ms deadline, server down", &r);
  CHECK_EQ_INT(r.code, CGRPC_STATUS_DEADLINE_EXCEEDED);
  CHECK(r.took_ms >= 695 && r.took_ms <= 700 + SLACK_MS);
  cgrpc_channel_free(ch);
}

typedef struct bg_call {
  cgrpc_channel_t *ch;
  cgrpc_call_options_t opts;
  fault_result_t r;
  int64_t end_ms;
} bg_call_t;

static void *bg_call_main(void *arg) {
  bg_call_t *b = arg;
  b->r = fault_unary(b->ch, M_UNARY, 10, &b->opts);
  b->end_ms = fault_now_ms();
  return NULL;
}

/* The server starts while calls wait; fail-fast calls made meanwhile do not
 * wait. */
static void test_wait_for_ready_until_server_starts(void) {
  int port = unused_port();
  cgrpc_channel_t *ch = quick_backoff_channel(port);
  enum { N = 3 };
  bg_call_t waiting[N];
  pthread_t threads[N];
  for (int i = 0; i < N; i++) {
    waiting[i] = (bg_call_t){.ch = ch,
                             .opts = {.timeout_ns = 10 * CGRPC_NS_PER_SEC, .wait_for_ready = true}};
    pthread_create(&threads[i], NULL, bg_call_main, &waiting[i]);
  }
  test_sleep_ms(300);
  fault_result_t r = fault_unary(ch, M_UNARY, 1, NULL);
  fault_report("fail-fast call while others wait", &r);
  CHECK_EQ_INT(r.code, CGRPC_STATUS_UNAVAILABLE);
  CHECK(r.took_ms < PROMPT_MS);
  for (int i = 0; i < N; i++) CHECK_EQ_INT(waiting[i].end_ms, 0);

  int64_t up_ms = fault_now_ms();
  cgrpc_server_t *srv = fault_server_start(port, "up", NULL);
  CHECK(srv != NULL);
  for (int i = 0; i < N; i++) {
    pthread_join(threads[i], NULL);
    int64_t after = waiting[i].end_ms - up_ms;
    fault_report("wait-for-ready call", &waiting[i].r);
    fprintf(stderr, "    done %lld ms after the server started\n", (long long)after);
    CHECK_EQ_INT(waiting[i].r.code, CGRPC_STATUS_OK);
    CHECK_EQ_INT(waiting[i].r.num, 11);
    /* The next attempt comes within one backoff (200 ms at most, +20 %). */
    CHECK(after <= 240 + SLACK_MS);
  }
  cgrpc_channel_free(ch);
  cgrpc_server_free(srv);
}

int main(void) {
  TEST_RUN(test_fail_fast_ignores_deadline);
  TEST_RUN(test_wait_for_ready_until_deadline);
  TEST_RUN(test_wait_for_ready_until_server_starts);
  return TEST_DONE();
}

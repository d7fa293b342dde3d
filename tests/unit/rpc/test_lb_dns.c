/* Load balancing driven by DNS, end to end on loopback: a dnsmasq started
 * here (unprivileged, on a free port, answering from a hosts file it
 * re-reads on SIGHUP) names four cgrpc backends on 127.0.0.21-24, and a
 * channel "dns://127.0.0.1:PORT/backends.lb.test:P" whose service config
 * asks for round_robin, health checking and retries:
 *   - calls spread evenly (each backend within 10% of its share);
 *   - a killed backend drops out without a failed call (the service config
 *     has a retry policy for UNAVAILABLE, gRFC A6);
 *   - a backend added to DNS is used after re-resolution, one removed is not;
 *   - a backend whose health Watch says NOT_SERVING gets no traffic.
 * dnsmasq comes from scripts/install-deps.sh (test profile). */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgrpc/connectivity.h"
#include "lb_test_util.h"
#include "rpc/lb.h"

#define DNSMASQ "/usr/sbin/dnsmasq"
#define NAME "backends.lb.test"

static pid_t g_dns_pid = -1;
static int g_dns_port;
static char g_hosts[64];
static char g_server[32];

/* A port free for both UDP and TCP on 127.0.0.1 (dnsmasq takes both). */
static int free_dns_port(void) {
  for (int attempt = 0; attempt < 20; attempt++) {
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (bind(u, (struct sockaddr *)&a, sizeof a) != 0 ||
        getsockname(u, (struct sockaddr *)&a, &len) != 0) {
      close(u);
      continue;
    }
    int t = socket(AF_INET, SOCK_STREAM, 0);
    bool ok = bind(t, (struct sockaddr *)&a, sizeof a) == 0;
    close(t);
    close(u);
    if (ok) return ntohs(a.sin_port);
  }
  return -1;
}

static void write_hosts(backend_t *bs, const bool *listed, int n) {
  FILE *f = fopen(g_hosts, "w");
  CHECK(f != NULL);
  if (!f) return;
  for (int i = 0; i < n; i++) {
    if (listed[i]) fprintf(f, "%s %s\n", bs[i].ip, NAME);
  }
  fclose(f);
}

/* Waits until the DNS server answers NAME with `count` addresses. */
static bool dns_answers(size_t count) {
  for (int i = 0; i < 250; i++) {
    cgrpc_address_list_t list;
    int rv = cgrpc_dns_lookup(g_server, NAME, 1, &list);
    size_t got = rv == 0 ? list.count : 0;
    cgrpc_address_list_free(&list);
    if (got == count) return true;
    test_sleep_ms(20);
  }
  return false;
}

static bool dns_start(size_t count) {
  g_dns_port = free_dns_port();
  snprintf(g_server, sizeof g_server, "127.0.0.1:%d", g_dns_port);
  char port[32], hosts[96];
  snprintf(port, sizeof port, "--port=%d", g_dns_port);
  snprintf(hosts, sizeof hosts, "--addn-hosts=%s", g_hosts);
  const char *argv[] = {DNSMASQ,
                        "--keep-in-foreground",
                        "--conf-file=/dev/null",
                        "--no-resolv",
                        "--no-hosts",
                        hosts,
                        port,
                        "--listen-address=127.0.0.1",
                        "--bind-interfaces",
                        "--pid-file",
                        "--local-ttl=0",
                        "--log-facility=/dev/null",
                        geteuid() == 0 ? "--user=root" : NULL,
                        NULL};
  g_dns_pid = fork();
  if (g_dns_pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* a crashed test leaves no dnsmasq behind */
    execv(DNSMASQ, (char *const *)argv);
    _exit(127);
  }
  return g_dns_pid > 0 && dns_answers(count);
}

static void dns_stop(void) {
  if (g_dns_pid <= 0) return;
  kill(g_dns_pid, SIGTERM);
  waitpid(g_dns_pid, NULL, 0);
  g_dns_pid = -1;
}

static void reset_counts(backend_t *bs, int n) {
  for (int i = 0; i < n; i++) atomic_store(&bs[i].calls, 0);
}

/* Each backend in `want` got `share` calls, within 10%; the others none. */
static void check_spread(backend_t *bs, const bool *want, int n, int share) {
  for (int i = 0; i < n; i++) {
    int got = atomic_load(&bs[i].calls);
    if (want[i]) {
      if (got < share * 9 / 10 || got > share * 11 / 10) {
        TEST_FAIL_("backend %s got %d calls, want %d +-10%%", bs[i].ip, got, share);
      }
    } else {
      CHECK_EQ_INT(got, 0);
    }
  }
}

static int g_failed_calls; /* calls that did not end OK in until_used() */

/* Calls until every backend in `want` has answered (or 5 s). */
static bool until_used(cgrpc_channel_t *ch, backend_t *bs, const bool *want, int n) {
  reset_counts(bs, n);
  for (int round = 0; round < 500; round++) {
    bool all = true;
    for (int i = 0; i < n; i++) all &= !want[i] || atomic_load(&bs[i].calls) > 0;
    if (all) return true;
    if (lb_call(ch, false) != CGRPC_STATUS_OK) g_failed_calls++;
    test_sleep_ms(10);
  }
  return false;
}

enum { N = 5 };

static void test_dns_round_robin(void) {
  backend_t bs[N];
  memset(bs, 0, sizeof bs);
  for (int i = 0; i < N; i++) bs[i].with_health = true;
  int port = backends_start_same_port(bs, N, 21); /* 127.0.0.21-25 */
  CHECK(port > 0);
  if (port <= 0) return;
  bool listed[N] = {true, true, true, true, false};
  write_hosts(bs, listed, N);
  CHECK(dns_start(4));

  char target[96];
  snprintf(target, sizeof target, "dns://%s/%s:%d", g_server, NAME, port);
  cgrpc_channel_options_t o = CGRPC_CHANNEL_OPTIONS_INIT;
  /* The policy, health checking and retries from the service config. */
  o.service_config_json =
      "{\"loadBalancingConfig\": [{\"weighted_target_experimental\": {}}, {\"round_robin\": {}}],"
      " \"healthCheckConfig\": {\"serviceName\": \"\"},"
      " \"methodConfig\": [{\"name\": [{}], \"retryPolicy\": {\"maxAttempts\": 3,"
      " \"initialBackoff\": \"0.01s\", \"maxBackoff\": \"0.05s\", \"backoffMultiplier\": 2,"
      " \"retryableStatusCodes\": [\"UNAVAILABLE\"]}}]}";
  o.min_resolution_interval_ns = 100 * CGRPC_NS_PER_MS;
  o.initial_backoff_ns = 50 * CGRPC_NS_PER_MS;
  o.max_backoff_ns = 200 * CGRPC_NS_PER_MS;
  cgrpc_channel_t *ch = NULL;
  cgrpc_error_t err;
  CHECK_EQ_INT(cgrpc_channel_new(target, &o, &ch, &err), CGRPC_STATUS_OK);

  /* Four addresses from DNS, calls spread evenly. */
  CHECK(until_used(ch, bs, listed, N));
  reset_counts(bs, N);
  for (int i = 0; i < 400; i++) CHECK_EQ_INT(lb_call(ch, false), CGRPC_STATUS_OK);
  check_spread(bs, listed, N, 100);

  /* A backend dies (still in DNS): it drops out, and with the retry policy
   * not one call fails (one that was on its connection is retried). */
  backend_stop(&bs[2]);
  bool alive[N] = {true, true, false, true, false};
  g_failed_calls = 0;
  CHECK(until_used(ch, bs, alive, N));
  CHECK_EQ_INT(g_failed_calls, 0);
  test_sleep_ms(100);
  reset_counts(bs, N);
  for (int i = 0; i < 300; i++) CHECK_EQ_INT(lb_call(ch, false), CGRPC_STATUS_OK);
  check_spread(bs, alive, N, 100);

  /* DNS changes its answer: the dead one goes, a new one (.25) comes; the
   * channel re-resolves (the dead backend's failures ask for it). */
  bool next[N] = {true, true, false, true, true};
  write_hosts(bs, next, N);
  kill(g_dns_pid, SIGHUP);
  CHECK(dns_answers(4));
  g_failed_calls = 0;
  CHECK(until_used(ch, bs, next, N));
  CHECK_EQ_INT(g_failed_calls, 0);
  reset_counts(bs, N);
  for (int i = 0; i < 400; i++) CHECK_EQ_INT(lb_call(ch, false), CGRPC_STATUS_OK);
  check_spread(bs, next, N, 100);

  /* A backend says NOT_SERVING: no traffic for it. */
  atomic_store(&bs[0].health, 2);
  test_sleep_ms(100);
  bool serving[N] = {false, true, false, true, true};
  reset_counts(bs, N);
  for (int i = 0; i < 300; i++) CHECK_EQ_INT(lb_call(ch, false), CGRPC_STATUS_OK);
  check_spread(bs, serving, N, 100);

  cgrpc_channel_free(ch);
  dns_stop();
  for (int i = 0; i < N; i++) backend_stop(&bs[i]);
}

/* A and AAAA records both come back: a name with an IPv4 and an IPv6
 * address, and a channel reaching a backend on [::1] through it. */
static void test_dns_a_and_aaaa(void) {
  backend_t b;
  memset(&b, 0, sizeof b);
  CHECK(backend_start(&b, "[::1]", 0));
  FILE *f = fopen(g_hosts, "w");
  CHECK(f != NULL);
  if (!f) return;
  fprintf(f, "192.0.2.1 %s\n::1 %s\n", NAME, NAME); /* 192.0.2.1: TEST-NET, unreachable */
  fclose(f);
  CHECK(dns_start(2));
  cgrpc_address_list_t list;
  CHECK_EQ_INT(cgrpc_dns_lookup(g_server, NAME, 7, &list), 0);
  int v4 = 0, v6 = 0;
  for (size_t i = 0; i < list.count; i++) {
    v4 += list.items[i].u.sa.sa_family == AF_INET;
    v6 += list.items[i].u.sa.sa_family == AF_INET6;
    CHECK_EQ_INT(cgrpc_address_port(&list.items[i]), 7);
  }
  CHECK_EQ_INT(v4, 1);
  CHECK_EQ_INT(v6, 1);
  cgrpc_address_list_free(&list);
  char target[96];
  snprintf(target, sizeof target, "dns://%s/%s:%d", g_server, NAME, b.port);
  cgrpc_channel_options_t o = CGRPC_CHANNEL_OPTIONS_INIT;
  o.lb_policy = "round_robin"; /* the unreachable IPv4 one never becomes READY */
  o.connect_timeout_ns = CGRPC_NS_PER_SEC;
  cgrpc_channel_t *ch = NULL;
  CHECK_EQ_INT(cgrpc_channel_new(target, &o, &ch, NULL), CGRPC_STATUS_OK);
  for (int i = 0; i < 10; i++) CHECK_EQ_INT(lb_call(ch, true), CGRPC_STATUS_OK);
  CHECK_EQ_INT(atomic_load(&b.calls), 10);
  cgrpc_channel_free(ch);
  dns_stop();
  backend_stop(&b);
}

/* A name the server does not know: UNAVAILABLE naming it. */
static void test_dns_unknown_name(void) {
  bool none[1] = {false};
  backend_t b;
  memset(&b, 0, sizeof b);
  write_hosts(&b, none, 1);
  CHECK(dns_start(0));
  char target[96];
  snprintf(target, sizeof target, "dns://%s/nowhere.lb.test:1", g_server);
  cgrpc_channel_t *ch = NULL;
  CHECK_EQ_INT(cgrpc_channel_new(target, NULL, &ch, NULL), CGRPC_STATUS_OK);
  test_Msg req = {.num = 1};
  cgrpc_result_t *r = cgrpc_unary_result(ch, &test_methods[M_UNARY], &req, NULL);
  CHECK_EQ_INT(cgrpc_result_code(r), CGRPC_STATUS_UNAVAILABLE);
  CHECK(strstr(cgrpc_result_status(r)->message.data, "cannot resolve \"nowhere.lb.test\"") != NULL);
  cgrpc_result_free(r);
  cgrpc_channel_free(ch);
  dns_stop();
}

int main(void) {
  if (access(DNSMASQ, X_OK) != 0) {
    fprintf(stderr, "%s is missing: scripts/install-deps.sh test installs dnsmasq\n", DNSMASQ);
    return 1;
  }
  snprintf(g_hosts, sizeof g_hosts, "/tmp/cgrpc-lb-hosts-%d", (int)getpid());
  TEST_RUN(test_dns_round_robin);
  TEST_RUN(test_dns_a_and_aaaa);
  TEST_RUN(test_dns_unknown_name);
  unlink(g_hosts);
  return TEST_DONE();
}

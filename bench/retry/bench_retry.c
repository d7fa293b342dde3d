/* bench/retry/bench_retry.c — what a retry policy costs a unary call that
 * succeeds at once, in ns of the client's CPU per call.
 *
 * One server (one loop thread, an INLINE echo handler) and two channels to
 * it in one process: `none` without a service config, `retry` with a
 * retryPolicy (5 attempts, UNAVAILABLE and RESOURCE_EXHAUSTED retryable)
 * and retryThrottling for the method. Every call succeeds first time, so
 * the difference is the policy's bookkeeping: the method-config lookup, the
 * config reference, keeping the request for a replay, the throttle's
 * success count.
 *
 * Blocking cgrpc_unary() calls on a channel without callbacks run the
 * channel's loop on the calling thread (channel.h), so the calling
 * thread's CPU time (CLOCK_THREAD_CPUTIME_ID) is the whole client side of
 * a call. Each round makes the same number of calls on both channels, in
 * chunks of 500 taking turns; the cost is the median over rounds of ns per
 * call minus `none`'s median in the same run, so noise that hits both alike
 * cancels out.
 *
 * Usage: bench_retry [ROUNDS [CALLS_PER_ROUND]]   (defaults 21, 20000)
 *        bench_retry only none|retry CALLS
 * The second form makes CALLS calls on one channel only, for instruction
 * counts under valgrind --tool=callgrind: the difference of two such runs
 * divided by CALLS is the policy's cost in instructions per call, free of
 * timing noise (bench/README.md, "Retry policy").
 */
#define _POSIX_C_SOURCE 200809L

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgrpc/cgrpc.h"

typedef struct bench_Msg {
  cgrpc_str_t _unknown;
  cgrpc_str_t text;
  int32_t num;
} bench_Msg;
static const cgrpc_pb_field_t bench_Msg_fields[] = {
    {1, offsetof(bench_Msg, text), 0, 0, CGRPC_PB_STRING, 0, 0},
    {2, offsetof(bench_Msg, num), 0, 0, CGRPC_PB_INT32, 0, 0},
};
static const char *const bench_Msg_names[] = {"text", "num"};
static const cgrpc_pb_msg_table_t bench_Msg_table = {"bench.Msg",
                                                     bench_Msg_fields,
                                                     NULL,
                                                     bench_Msg_names,
                                                     bench_Msg_names,
                                                     NULL,
                                                     sizeof(bench_Msg),
                                                     2,
                                                     2,
                                                     0};
static const cgrpc_pb_method_t kEcho = {
    "Echo", "/bench.Svc/Echo", &bench_Msg_table, &bench_Msg_table, false, false};

static const char kRetryConfig[] =
    "{\"retryThrottling\": {\"maxTokens\": 100, \"tokenRatio\": 0.1},"
    " \"methodConfig\": [{\"name\": [{\"service\": \"bench.Svc\"}], \"retryPolicy\": {"
    "\"maxAttempts\": 5, \"initialBackoff\": \"0.1s\", \"maxBackoff\": \"1s\","
    " \"backoffMultiplier\": 2, \"retryableStatusCodes\": [\"UNAVAILABLE\", "
    "\"RESOURCE_EXHAUSTED\"]}}]}";

static void echo(cgrpc_server_call_t *call, const void *request, void *ud) {
  cgrpc_server_call_reply(call, request);
}

static double thread_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  return v[n / 2];
}

/* Runs `n` calls on `ch`; returns the calling thread's CPU ns. */
static double chunk(cgrpc_channel_t *ch, int n, cgrpc_arena_t *arena) {
  bench_Msg req = {.text = {"hello", 5}, .num = 7}, resp;
  double t0 = thread_ns();
  for (int i = 0; i < n; i++) {
    if (cgrpc_unary(ch, &kEcho, &req, &resp, arena, NULL, NULL) != CGRPC_STATUS_OK) {
      fprintf(stderr, "a call failed\n");
      exit(1);
    }
    cgrpc_arena_reset(arena, 1);
  }
  return thread_ns() - t0;
}

int main(int argc, char **argv) {
  bool only = argc > 1 && strcmp(argv[1], "only") == 0;
  int rounds = argc > 1 && !only ? atoi(argv[1]) : 21;
  int calls = argc > 2 && !only ? atoi(argv[2]) : 20000;
  const int kChunk = 500;
  cgrpc_error_t err;
  cgrpc_server_options_t so = CGRPC_SERVER_OPTIONS_INIT;
  so.loop_threads = 1;
  cgrpc_server_t *srv;
  int port = 0;
  if (cgrpc_server_new(&so, &srv, &err) || cgrpc_server_listen(srv, "127.0.0.1:0", &port, &err) ||
      cgrpc_server_register(srv, &kEcho, echo, NULL, CGRPC_HANDLER_INLINE, &err) ||
      cgrpc_server_start(srv, &err)) {
    fprintf(stderr, "server: %s\n", err.message);
    return 1;
  }
  char target[64];
  snprintf(target, sizeof target, "127.0.0.1:%d", port);
  cgrpc_channel_t *ch[2];
  cgrpc_channel_options_t o = CGRPC_CHANNEL_OPTIONS_INIT;
  if (cgrpc_channel_new(target, &o, &ch[0], &err)) return 1;
  o.service_config_json = kRetryConfig;
  if (cgrpc_channel_new(target, &o, &ch[1], &err)) {
    fprintf(stderr, "channel: %s\n", err.message);
    return 1;
  }
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  if (only) {
    int k = argc > 2 && strcmp(argv[2], "retry") == 0;
    chunk(ch[k], argc > 3 ? atoi(argv[3]) : 10000, &arena);
    printf("%d calls on %s\n", argc > 3 ? atoi(argv[3]) : 10000, k ? "retry" : "none");
    rounds = 0;
  }
  if (rounds == 0) goto done;
  chunk(ch[0], 2000, &arena); /* connect and warm up */
  chunk(ch[1], 2000, &arena);
  double *per[2] = {calloc((size_t)rounds, sizeof(double)), calloc((size_t)rounds, sizeof(double))};
  for (int r = 0; r < rounds; r++) {
    double ns[2] = {0, 0};
    for (int done = 0, turn = r & 1; done < calls; done += kChunk, turn ^= 1) {
      ns[turn] += chunk(ch[turn], kChunk, &arena);
      ns[turn ^ 1] += chunk(ch[turn ^ 1], kChunk, &arena);
    }
    for (int k = 0; k < 2; k++) per[k][r] = ns[k] / calls;
  }
  double m0 = median(per[0], rounds), m1 = median(per[1], rounds);
  printf("%-6s %10s %10s %10s\n", "policy", "ns/call", "q1", "q3");
  printf("%-6s %10.0f %10.0f %10.0f\n", "none", m0, per[0][rounds / 4], per[0][3 * rounds / 4]);
  printf("%-6s %10.0f %10.0f %10.0f\n", "retry", m1, per[1][rounds / 4], per[1][3 * rounds / 4]);
  printf("retry policy overhead: %+.1f ns per call (median difference, %d rounds x %d calls)\n",
         m1 - m0, rounds, calls);
  free(per[0]);
  free(per[1]);
done:
  cgrpc_arena_free(&arena);
  cgrpc_channel_free(ch[0]);
  cgrpc_channel_free(ch[1]);
  cgrpc_server_shutdown(srv, CGRPC_NS_PER_SEC);
  cgrpc_server_free(srv);
  return 0;
}

/* bench/grpc/bench_client.c — cgrpc's client for the gRPC benchmark.
 *
 * Every client of the benchmark (this one, cpp/client.cc, go/client,
 * js/client.js) has the same three modes and prints the same one-line
 * results, so run.sh can put any client in front of any server:
 *
 *   verify      unary and streaming calls whose echoes are compared byte for
 *               byte; exits 1 naming the first difference
 *   pingpong    one unary call in flight at a time, for --seconds after
 *               --warmup; prints the rate and the p50/p99 round trip, and
 *               (this client only) its CPU time and context switches per
 *               call and the number of calls including the warm-up
 *   throughput  --inflight unary calls in flight on one channel, each
 *               completion starting the next; prints the rate and the
 *               client's CPU time (all its threads) per call
 *
 * Loads use a --payload byte request (100) and check every echo. The calls
 * are made the way a fast cgrpc program makes them, with the generated
 * stubs: blocking bench_Bench_Unary_into() for ping-pong, bench_Bench_Unary_async()
 * with one reusable arena per slot for throughput (so a call needs no arena
 * memory from the heap).
 *
 * Usage: bench_client MODE --target=HOST:PORT [--seconds=2] [--warmup=0.5]
 *                          [--inflight=128] [--payload=100] [--busy-poll-us=0]
 *                          [--lb=POLICY]
 * --busy-poll-us sets the channel's busy_poll_ns (docs/performance.md);
 * --lb its lb_policy (round_robin over "ipv4:A:P,B:P,..." for the
 * load-balancing figure, docs/load-balancing.md).
 */
#define _POSIX_C_SOURCE 200809L

#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "bench.pb.h"
#include "cgrpc/alloc.h"
#include "cgrpc/channel.h"

#define MAX_PAYLOAD 100000
#define MAX_INFLIGHT 4096

typedef struct config {
  const char *mode;
  char target[128];
  double seconds, warmup;
  int inflight;
  size_t payload;
  int busy_poll_us;
  const char *lb;
} config_t;

/* The payload every client of the benchmark sends: byte i is (i * 31 + seed)
 * mod 256, so an echo with bytes moved or mixed between messages differs. */
static void fill_payload(uint8_t *buf, size_t len, unsigned seed) {
  for (size_t i = 0; i < len; i++) buf[i] = (uint8_t)(i * 31 + seed);
}

static bool same_bytes(cgrpc_str_t got, const uint8_t *want, size_t len) {
  return got.len == len && (len == 0 || memcmp(got.data, want, len) == 0);
}

static void sleep_seconds(double s) {
  struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
  nanosleep(&ts, NULL);
}

static double seconds_since(int64_t start) { return (double)(cgrpc_clock_now() - start) / 1e9; }

/* CPU time of the whole process (every thread), in seconds. */
static double process_cpu_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Context switches of the whole process so far, voluntary (a thread went to
 * sleep) and not (it was preempted). */
static long process_switches(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_nvcsw + ru.ru_nivcsw;
}

/* ---- verify ------------------------------------------------------------------------ */

static int fail(const char *what, const cgrpc_status_t *st) {
  if (st && st->code != CGRPC_STATUS_OK) {
    fprintf(stderr, "bench_client: verify: %s: %s: %s\n", what, cgrpc_status_code_name(st->code),
            st->message.data ? st->message.data : "");
  } else {
    fprintf(stderr, "bench_client: verify: %s\n", what);
  }
  return 1;
}

static int verify_unary(cgrpc_channel_t *ch, size_t len) {
  static uint8_t buf[MAX_PAYLOAD];
  fill_payload(buf, len, (unsigned)len);
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  bench_Req req = {.payload = {(const char *)buf, len}};
  bench_Resp resp;
  cgrpc_status_t st;
  int rc = 0;
  if (bench_Bench_Unary_into(ch, &req, &resp, &arena, NULL, &st) != CGRPC_STATUS_OK) {
    rc = fail("Unary failed", &st);
  } else if (!same_bytes(resp.payload, buf, len)) {
    rc = fail("Unary echoed a different payload", NULL);
  }
  cgrpc_arena_free(&arena);
  return rc;
}

static bool stream_send(cgrpc_call_t *call, size_t len, uint8_t *buf) {
  fill_payload(buf, len, (unsigned)len);
  bench_Req req = {.payload = {(const char *)buf, len}};
  return cgrpc_call_send(call, &req, 0, NULL, NULL);
}

static bool stream_recv(cgrpc_call_t *call, cgrpc_arena_t *arena, size_t len, uint8_t *buf) {
  bench_Resp resp;
  if (!cgrpc_call_recv(call, &resp, arena, NULL, NULL)) return false;
  fill_payload(buf, len, (unsigned)len);
  return same_bytes(resp.payload, buf, len);
}

/* Messages echoed one by one, then a burst sent before reading any. */
static int verify_stream(cgrpc_channel_t *ch) {
  static const size_t one_by_one[] = {0, 1, 100, 1024, MAX_PAYLOAD};
  static const size_t burst[] = {5, 6, 7, 1024, 2048};
  static uint8_t buf[MAX_PAYLOAD];
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  cgrpc_call_t *call = bench_Bench_Stream_start(ch, NULL);
  const char *problem = NULL;
  for (size_t i = 0; i < 5 && !problem; i++) {
    if (!stream_send(call, one_by_one[i], buf) || !stream_recv(call, &arena, one_by_one[i], buf)) {
      problem = "Stream did not echo a message sent alone";
    }
  }
  for (size_t i = 0; i < 5 && !problem; i++) {
    if (!stream_send(call, burst[i], buf)) problem = "Stream refused a message";
  }
  cgrpc_call_half_close(call);
  for (size_t i = 0; i < 5 && !problem; i++) {
    if (!stream_recv(call, &arena, burst[i], buf)) problem = "Stream did not echo a burst";
  }
  bench_Resp extra;
  if (!problem && cgrpc_call_recv(call, &extra, &arena, NULL, NULL)) {
    problem = "Stream answered more messages than it was sent";
  }
  if (problem) cgrpc_call_cancel(call);
  cgrpc_status_t st;
  cgrpc_call_finish(call, &arena, &st);
  int rc = 0;
  if (problem || st.code != CGRPC_STATUS_OK) rc = fail(problem ? problem : "Stream", &st);
  cgrpc_arena_free(&arena);
  return rc;
}

static int run_verify(cgrpc_channel_t *ch) {
  if (verify_unary(ch, 100) || verify_unary(ch, 0) || verify_unary(ch, MAX_PAYLOAD) ||
      verify_stream(ch)) {
    return 1;
  }
  printf("verify ok: 3 unary calls, 1 stream of 10 messages\n");
  return 0;
}

/* ---- pingpong ------------------------------------------------------------------------ */

static int compare_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

/* The q-quantile of sorted samples: the value at index floor(q * n). */
static double quantile_us(const int64_t *sorted, size_t n, double q) {
  size_t i = (size_t)(q * (double)n);
  return (double)sorted[i < n ? i : n - 1] / 1e3;
}

static int run_pingpong(cgrpc_channel_t *ch, const config_t *cfg) {
  static uint8_t buf[MAX_PAYLOAD];
  fill_payload(buf, cfg->payload, 0);
  bench_Req req = {.payload = {(const char *)buf, cfg->payload}};
  char arena_buf[1024];
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, arena_buf, sizeof arena_buf);
  int64_t *samples = NULL;
  size_t n = 0, cap = 0, all_calls = 0;
  int rc = 0;
  int64_t start = cgrpc_clock_now(), measured_from = 0;
  bool measuring = false;
  double cpu_from = 0;
  long switches_from = 0;
  for (;; all_calls++) {
    double elapsed = seconds_since(start);
    if (!measuring && elapsed >= cfg->warmup) {
      measuring = true;
      measured_from = cgrpc_clock_now();
      cpu_from = process_cpu_seconds();
      switches_from = process_switches();
    }
    if (elapsed >= cfg->warmup + cfg->seconds) break;
    int64_t t0 = cgrpc_clock_now();
    bench_Resp resp;
    cgrpc_status_t st;
    if (bench_Bench_Unary_into(ch, &req, &resp, &arena, NULL, &st) != CGRPC_STATUS_OK) {
      rc = fail("Unary failed", &st);
      break;
    }
    int64_t t1 = cgrpc_clock_now();
    if (!same_bytes(resp.payload, buf, cfg->payload)) {
      rc = fail("Unary echoed a different payload", NULL);
      break;
    }
    cgrpc_arena_reset(&arena, 1);
    if (!measuring) continue;
    if (n == cap) {
      cap = cap ? cap * 2 : 65536;
      int64_t *grown = cgrpc_realloc(samples, cap * sizeof *samples);
      if (!grown) {
        rc = fail("out of memory for the samples", NULL);
        break;
      }
      samples = grown;
    }
    samples[n++] = t1 - t0;
  }
  if (rc == 0 && n == 0) rc = fail("no call completed in the measured time", NULL);
  if (rc == 0) {
    double secs = seconds_since(measured_from);
    double cpu = process_cpu_seconds() - cpu_from;
    long switches = process_switches() - switches_from;
    qsort(samples, n, sizeof *samples, compare_i64);
    printf("mode=pingpong calls=%zu seconds=%.3f rate=%.1f p50_us=%.1f p99_us=%.1f "
           "cpu_us_per_call=%.2f switches_per_call=%.2f all_calls=%zu\n",
           n, secs, (double)n / secs, quantile_us(samples, n, 0.50), quantile_us(samples, n, 0.99),
           cpu * 1e6 / (double)n, (double)switches / (double)n, all_calls);
  }
  cgrpc_free(samples);
  cgrpc_arena_free(&arena);
  return rc;
}

/* ---- throughput ------------------------------------------------------------------------ */

typedef struct load {
  cgrpc_channel_t *ch;
  bench_Req req;
  atomic_uint_fast64_t calls;
  atomic_int active; /* slots with a call in flight */
  atomic_bool stop;
  atomic_bool failed;
  char error[256]; /* the first failure; written on the loop before `failed` */
} load_t;

typedef struct slot {
  load_t *load;
  bench_Resp resp;
  cgrpc_arena_t arena;
  char arena_buf[512];
} slot_t;

static void slot_start(slot_t *s);

/* Runs on the channel's loop thread: counts the call and starts the next. */
static void slot_done(void *user_data, const cgrpc_status_t *st) {
  slot_t *s = user_data;
  load_t *load = s->load;
  bool ok =
      st->code == CGRPC_STATUS_OK &&
      same_bytes(s->resp.payload, (const uint8_t *)load->req.payload.data, load->req.payload.len);
  if (!ok && !atomic_load(&load->failed)) {
    if (st->code == CGRPC_STATUS_OK) {
      snprintf(load->error, sizeof load->error, "Unary echoed a different payload");
    } else {
      snprintf(load->error, sizeof load->error, "Unary failed: %s: %s",
               cgrpc_status_code_name(st->code), st->message.data ? st->message.data : "");
    }
    atomic_store(&load->failed, true);
  }
  if (ok) atomic_fetch_add_explicit(&load->calls, 1, memory_order_relaxed);
  if (!ok || atomic_load_explicit(&load->stop, memory_order_relaxed)) {
    atomic_fetch_sub(&load->active, 1);
    return;
  }
  cgrpc_arena_reset(&s->arena, 1);
  slot_start(s);
}

static void slot_start(slot_t *s) {
  bench_Bench_Unary_async(s->load->ch, &s->load->req, &s->resp, &s->arena, NULL, slot_done, s);
}

static int run_throughput(cgrpc_channel_t *ch, const config_t *cfg) {
  static uint8_t buf[MAX_PAYLOAD];
  static slot_t slots[MAX_INFLIGHT];
  static load_t load;
  fill_payload(buf, cfg->payload, 0);
  load.ch = ch;
  load.req = (bench_Req){.payload = {(const char *)buf, cfg->payload}};
  atomic_init(&load.active, cfg->inflight);
  for (int i = 0; i < cfg->inflight; i++) {
    slots[i].load = &load;
    cgrpc_arena_init(&slots[i].arena, slots[i].arena_buf, sizeof slots[i].arena_buf);
    slot_start(&slots[i]);
  }
  sleep_seconds(cfg->warmup);
  uint64_t c0 = atomic_load(&load.calls);
  int64_t t0 = cgrpc_clock_now();
  double cpu0 = process_cpu_seconds();
  sleep_seconds(cfg->seconds);
  uint64_t c1 = atomic_load(&load.calls);
  double secs = seconds_since(t0), cpu = process_cpu_seconds() - cpu0;
  atomic_store(&load.stop, true);
  for (int waited = 0; atomic_load(&load.active) > 0 && waited < 10000; waited++) {
    sleep_seconds(0.001);
  }
  int rc = 0;
  if (atomic_load(&load.active) > 0) {
    rc = fail("calls still in flight 10 s after the end", NULL);
  } else if (atomic_load(&load.failed)) {
    rc = fail(load.error, NULL);
  } else if (c1 == c0) {
    rc = fail("no call completed in the measured time", NULL);
  }
  if (rc == 0) {
    printf("mode=throughput calls=%llu seconds=%.3f rate=%.1f cpu_us_per_call=%.2f\n",
           (unsigned long long)(c1 - c0), secs, (double)(c1 - c0) / secs,
           cpu * 1e6 / (double)(c1 - c0));
  }
  for (int i = 0; i < cfg->inflight; i++) cgrpc_arena_free(&slots[i].arena);
  return rc;
}

/* ---- main ------------------------------------------------------------------------------- */

static bool parse(int argc, char **argv, config_t *cfg) {
  *cfg = (config_t){.seconds = 2, .warmup = 0.5, .inflight = 128, .payload = 100};
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strncmp(a, "--", 2) != 0 && !cfg->mode) {
      cfg->mode = a;
    } else if (strncmp(a, "--target=", 9) == 0) {
      snprintf(cfg->target, sizeof cfg->target, "%s", a + 9);
    } else if (strncmp(a, "--seconds=", 10) == 0) {
      cfg->seconds = atof(a + 10);
    } else if (strncmp(a, "--warmup=", 9) == 0) {
      cfg->warmup = atof(a + 9);
    } else if (strncmp(a, "--inflight=", 11) == 0) {
      cfg->inflight = atoi(a + 11);
    } else if (strncmp(a, "--payload=", 10) == 0) {
      cfg->payload = (size_t)atol(a + 10);
    } else if (strncmp(a, "--busy-poll-us=", 15) == 0) {
      cfg->busy_poll_us = atoi(a + 15);
    } else if (strncmp(a, "--lb=", 5) == 0) {
      cfg->lb = a + 5;
    } else {
      return false;
    }
  }
  return cfg->mode && cfg->target[0] && cfg->busy_poll_us >= 0 && cfg->seconds > 0 &&
         cfg->warmup >= 0 && cfg->inflight > 0 && cfg->inflight <= MAX_INFLIGHT &&
         cfg->payload <= MAX_PAYLOAD;
}

int main(int argc, char **argv) {
  config_t cfg;
  if (!parse(argc, argv, &cfg)) {
    fprintf(stderr,
            "usage: bench_client verify|pingpong|throughput --target=HOST:PORT [--seconds=2]\n"
            "       [--warmup=0.5] [--inflight=128 (max %d)] [--payload=100 (max %d)]\n"
            "       [--busy-poll-us=0] [--lb=POLICY]\n",
            MAX_INFLIGHT, MAX_PAYLOAD);
    return 2;
  }
  int (*run)(cgrpc_channel_t *, const config_t *) = NULL;
  if (strcmp(cfg.mode, "pingpong") == 0) {
    run = run_pingpong;
  } else if (strcmp(cfg.mode, "throughput") == 0) {
    run = run_throughput;
  } else if (strcmp(cfg.mode, "verify") != 0) {
    fprintf(stderr, "bench_client: unknown mode \"%s\"\n", cfg.mode);
    return 2;
  }
  cgrpc_channel_t *ch;
  cgrpc_error_t err;
  cgrpc_channel_options_t opts = CGRPC_CHANNEL_OPTIONS_INIT;
  opts.busy_poll_ns = (int64_t)cfg.busy_poll_us * CGRPC_NS_PER_US;
  opts.lb_policy = cfg.lb;
  if (cgrpc_channel_new(cfg.target, &opts, &ch, &err) != CGRPC_STATUS_OK) {
    fprintf(stderr, "bench_client: %s\n", err.message);
    return 1;
  }
  int rc = run ? run(ch, &cfg) : run_verify(ch);
  cgrpc_channel_free(ch);
  return rc;
}

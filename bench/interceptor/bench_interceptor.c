/* bench/interceptor/bench_interceptor.c — what an interceptor costs a
 * server, per call, in ns of the server's CPU.
 *
 * Four servers run side by side in one process, each with one loop thread
 * and the same INLINE echo handler; they differ only in their chain:
 *
 *   none            no interceptor (the baseline)
 *   empty           one interceptor whose four hooks return at once
 *   logging         cgrpc_logging_interceptor() at the default level
 *                   (WARNING: an OK call is not logged; the line is skipped)
 *   logging-lines   the same with INFO enabled: one line per call, formatted
 *                   and handed to a log handler that drops it
 *
 * Each round sends the same unary calls (32 in flight, from a channel per
 * server) to every server, in chunks of 256 calls, the servers taking turns
 * chunk by chunk, and adds up the CPU time of each server's loop thread
 * (CLOCK_THREAD_CPUTIME_ID) over its chunks. The
 * cost of a chain is its median ns per call minus the baseline's median in
 * the same run, so machine noise that hits all four alike cancels out.
 *
 * Usage: bench_interceptor [ROUNDS [CALLS_PER_ROUND]]   (defaults 15, 20000)
 * Prints one row per chain: the median ns per call, its quartiles, and the
 * difference of the median to none's. */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgrpc/cgrpc.h"

/* message Msg { string text = 1; int32 num = 2; } */
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

/* ---- The chains -------------------------------------------------------------------------- */

static cgrpc_status_code_t e_start(cgrpc_interceptor_call_t *c, cgrpc_metadata_t *md,
                                   cgrpc_arena_t *a, void *ud, cgrpc_error_t *err) {
  (void)c, (void)md, (void)a, (void)ud, (void)err;
  return CGRPC_STATUS_OK;
}
static cgrpc_status_code_t e_receive(cgrpc_interceptor_call_t *c, void *m, cgrpc_arena_t *a,
                                     void *ud, cgrpc_error_t *err) {
  (void)c, (void)m, (void)a, (void)ud, (void)err;
  return CGRPC_STATUS_OK;
}
static cgrpc_status_code_t e_send(cgrpc_interceptor_call_t *c, const void **m, cgrpc_arena_t *a,
                                  void *ud, cgrpc_error_t *err) {
  (void)c, (void)m, (void)a, (void)ud, (void)err;
  return CGRPC_STATUS_OK;
}
static void e_end(cgrpc_interceptor_call_t *c, const cgrpc_call_summary_t *s, void *ud) {
  (void)c, (void)s, (void)ud;
}
static const cgrpc_interceptor_t kEmpty = {"empty", e_start, e_receive, e_send, e_end};

static void drop_log(void *ud, cgrpc_log_level_t level, const char *message) {
  (void)ud, (void)level, (void)message;
}

/* ---- One server per chain ------------------------------------------------------------------ */

typedef struct server {
  const char *name;
  const cgrpc_interceptor_t *chain; /* NULL: none */
  bool lines;                       /* INFO logging while it is measured */
  cgrpc_server_t *srv;
  cgrpc_channel_t *ch;
  _Atomic clockid_t loop_clock;
  atomic_bool clock_known;
  double samples[64];
} server_t;

static void h_echo(cgrpc_server_call_t *call, const void *request, void *ud) {
  server_t *s = ud;
  if (!atomic_load(&s->clock_known)) {
    clockid_t id;
    pthread_getcpuclockid(pthread_self(), &id);
    atomic_store(&s->loop_clock, id);
    atomic_store(&s->clock_known, true);
  }
  const bench_Msg *req = request;
  bench_Msg resp = {.text = req->text, .num = req->num + 1};
  cgrpc_server_call_reply(call, &resp);
}

static void die(const char *what, const cgrpc_error_t *err) {
  fprintf(stderr, "bench_interceptor: %s: %s\n", what, err ? err->message : "");
  exit(1);
}

static void server_start(server_t *s) {
  cgrpc_error_t err;
  cgrpc_server_options_t so = CGRPC_SERVER_OPTIONS_INIT;
  so.loop_threads = 1;
  int port = 0;
  if (cgrpc_server_new(&so, &s->srv, &err) ||
      cgrpc_server_listen(s->srv, "127.0.0.1:0", &port, &err) ||
      (s->chain && cgrpc_server_add_interceptor(s->srv, s->chain, NULL, &err)) ||
      cgrpc_server_register(s->srv, &kEcho, h_echo, s, CGRPC_HANDLER_INLINE, &err) ||
      cgrpc_server_start(s->srv, &err)) {
    die("server", &err);
  }
  char target[64];
  snprintf(target, sizeof target, "127.0.0.1:%d", port);
  if (cgrpc_channel_new(target, NULL, &s->ch, &err)) die("channel", &err);
}

/* ---- Load ------------------------------------------------------------------------------------ */

#define IN_FLIGHT 32
#define CHUNK (8 * IN_FLIGHT)

typedef struct batch {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int left, failed;
} batch_t;

typedef struct slot {
  batch_t *batch;
  cgrpc_arena_t arena;
  char room[512];
  bench_Msg req, resp;
} slot_t;

static void slot_done(void *ud, const cgrpc_status_t *st) {
  slot_t *s = ud;
  bool ok = st->code == CGRPC_STATUS_OK && s->resp.num == s->req.num + 1;
  pthread_mutex_lock(&s->batch->mu);
  s->batch->failed += !ok;
  if (--s->batch->left == 0) pthread_cond_signal(&s->batch->cv);
  pthread_mutex_unlock(&s->batch->mu);
}

/* `calls` unary calls, IN_FLIGHT at a time; every response checked. */
static void load(server_t *s, int calls) {
  static slot_t slots[IN_FLIGHT];
  for (int done = 0; done < calls; done += IN_FLIGHT) {
    batch_t b = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, IN_FLIGHT, 0};
    for (int i = 0; i < IN_FLIGHT; i++) {
      slot_t *sl = &slots[i];
      sl->batch = &b;
      cgrpc_arena_init(&sl->arena, sl->room, sizeof sl->room);
      sl->req = (bench_Msg){.text = CGRPC_STR("interceptor bench"), .num = done + i};
      cgrpc_unary_async(s->ch, &kEcho, &sl->req, &sl->resp, &sl->arena, NULL, slot_done, sl);
    }
    pthread_mutex_lock(&b.mu);
    while (b.left > 0) pthread_cond_wait(&b.cv, &b.mu);
    pthread_mutex_unlock(&b.mu);
    for (int i = 0; i < IN_FLIGHT; i++) cgrpc_arena_free(&slots[i].arena);
    if (b.failed) die("a call failed or echoed wrong", NULL);
  }
}

static int64_t cpu_ns(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The q-th quantile (0.25, 0.5, 0.75) of the samples. */
static double quantile(const double *samples, int n, double q) {
  double v[64];
  memcpy(v, samples, (size_t)n * sizeof *v);
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  double pos = q * (n - 1);
  int lo = (int)pos;
  return lo + 1 < n ? v[lo] + (pos - lo) * (v[lo + 1] - v[lo]) : v[lo];
}

int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 15;
  int calls = argc > 2 ? atoi(argv[2]) : 20000;
  if (rounds < 1 || rounds > 64 || calls < CHUNK) {
    fprintf(stderr, "usage: bench_interceptor [ROUNDS (1-64) [CALLS_PER_ROUND (>= 256)]]\n");
    return 2;
  }
  server_t servers[] = {{.name = "none"},
                        {.name = "empty", .chain = &kEmpty},
                        {.name = "logging", .chain = NULL},
                        {.name = "logging-lines", .chain = NULL, .lines = true}};
  servers[2].chain = cgrpc_logging_interceptor();
  servers[3].chain = cgrpc_logging_interceptor();
  size_t n = sizeof servers / sizeof servers[0];
  cgrpc_log_set_handler(drop_log, NULL);
  for (size_t i = 0; i < n; i++) {
    server_start(&servers[i]);
    load(&servers[i], calls / 4); /* warm-up: connection, pools */
  }
  /* A round interleaves the chains finely (chunks of CHUNK calls, each
   * chain in turn, starting with another one every time), so load from
   * elsewhere on the machine falls on all of them alike. */
  for (int r = 0; r < rounds; r++) {
    int64_t spent[8] = {0};
    int chunks = calls / CHUNK;
    for (int c = 0; c < chunks; c++) {
      for (size_t k = 0; k < n; k++) {
        size_t i = (k + (size_t)c) % n;
        server_t *s = &servers[i];
        cgrpc_log_set_level(s->lines ? CGRPC_LOG_INFO : CGRPC_LOG_WARNING);
        clockid_t id = atomic_load(&s->loop_clock);
        int64_t before = cpu_ns(id);
        load(s, CHUNK);
        spent[i] += cpu_ns(id) - before;
      }
    }
    for (size_t i = 0; i < n; i++) servers[i].samples[r] = (double)spent[i] / (chunks * CHUNK);
  }
  cgrpc_log_set_level(CGRPC_LOG_WARNING);
  /* Medians, the quartiles to show the noise, and the difference of
   * medians to the baseline: the cost of the chain. */
  double base = quantile(servers[0].samples, rounds, 0.5);
  printf("%-14s %10s %10s %10s %10s\n", "chain", "ns/call", "q1", "q3", "vs none");
  for (size_t i = 0; i < n; i++) {
    double m = quantile(servers[i].samples, rounds, 0.5);
    printf("%-14s %10.0f %10.0f %10.0f %+10.0f\n", servers[i].name, m,
           quantile(servers[i].samples, rounds, 0.25), quantile(servers[i].samples, rounds, 0.75),
           m - base);
  }
  for (size_t i = 0; i < n; i++) {
    cgrpc_channel_free(servers[i].ch);
    cgrpc_server_shutdown(servers[i].srv, CGRPC_NS_PER_SEC);
    cgrpc_server_free(servers[i].srv);
  }
  cgrpc_log_set_handler(NULL, NULL);
  return 0;
}

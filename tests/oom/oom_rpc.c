/* tests/oom/oom_rpc.c — see oom_rpc.h. */
#define _POSIX_C_SOURCE 200809L
#include "oom_rpc.h"

#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* For the test message and methods; its test.h state goes unused here. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-variable"
#include "../unit/rpc/rpc_test_util.h"
#pragma GCC diagnostic pop

const char *const oom_call_names[OOM_CALL_KINDS] = {"unary", "server-streaming", "client-streaming",
                                                    "bidi"};

#define STREAM_MESSAGES 3

/* ---- Handlers (blocking, on the worker pool) ---------------------------- */

static void h_unary(cgrpc_server_call_t *call, const void *request, void *ud) {
  (void)ud;
  const test_Msg *req = request;
  test_Msg resp = {.text = req->text, .num = req->num + 1, .blob = req->blob};
  cgrpc_server_call_reply(call, &resp);
}

static void h_server_stream(cgrpc_server_call_t *call, const void *request, void *ud) {
  (void)ud;
  const test_Msg *req = request;
  for (int i = 0; i < req->num; i++) {
    test_Msg resp = {.text = test_str("stream"), .num = i};
    if (!cgrpc_server_call_write(call, &resp, 0, NULL, NULL)) break;
  }
  cgrpc_server_call_finish(call, CGRPC_STATUS_OK, NULL, NULL);
}

static void h_client_stream(cgrpc_server_call_t *call, const void *request, void *ud) {
  (void)request;
  (void)ud;
  cgrpc_arena_t *arena = cgrpc_server_call_arena(call);
  test_Msg m;
  int sum = 0;
  while (cgrpc_server_call_read(call, &m, arena, NULL, NULL)) sum += m.num;
  test_Msg resp = {.text = test_str("sum"), .num = sum};
  cgrpc_server_call_reply(call, &resp);
}

static void h_bidi(cgrpc_server_call_t *call, const void *request, void *ud) {
  (void)request;
  (void)ud;
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  test_Msg m;
  while (cgrpc_server_call_read(call, &m, &arena, NULL, NULL)) {
    m.num *= 2;
    if (!cgrpc_server_call_write(call, &m, 0, NULL, NULL)) break;
    cgrpc_arena_reset(&arena, 1);
  }
  cgrpc_arena_free(&arena);
  cgrpc_server_call_finish(call, CGRPC_STATUS_OK, NULL, NULL);
}

cgrpc_status_code_t oom_server_start(cgrpc_server_t **out, int *port, cgrpc_error_t *err) {
  cgrpc_server_options_t opts = CGRPC_SERVER_OPTIONS_INIT;
  opts.loop_threads = 1;
  opts.worker_threads = 2;
  cgrpc_server_t *srv = NULL;
  *out = NULL;
  cgrpc_status_code_t rc = cgrpc_server_new(&opts, &srv, err);
  if (rc != CGRPC_STATUS_OK) return rc;
  rc = cgrpc_server_listen(srv, "127.0.0.1:0", port, err);
  static const int methods[] = {M_UNARY, M_SERVER_STREAM, M_CLIENT_STREAM, M_BIDI};
  static const cgrpc_server_handler_fn handlers[] = {h_unary, h_server_stream, h_client_stream,
                                                     h_bidi};
  for (int i = 0; i < 4 && rc == CGRPC_STATUS_OK; i++) {
    rc = cgrpc_server_register(srv, &test_methods[methods[i]], handlers[i], NULL,
                               CGRPC_HANDLER_BLOCKING, err);
  }
  if (rc == CGRPC_STATUS_OK) rc = cgrpc_server_start(srv, err);
  if (rc != CGRPC_STATUS_OK) {
    cgrpc_server_free(srv);
    return rc;
  }
  *out = srv;
  return CGRPC_STATUS_OK;
}

void oom_server_stop(cgrpc_server_t *srv) {
  cgrpc_server_shutdown(srv, 0);
  cgrpc_server_free(srv);
}

cgrpc_status_code_t oom_channel_new(int port, cgrpc_channel_t **ch, cgrpc_error_t *err) {
  char target[64];
  snprintf(target, sizeof target, "ipv4:127.0.0.1:%d", port);
  cgrpc_channel_options_t opts = CGRPC_CHANNEL_OPTIONS_INIT;
  opts.initial_backoff_ns = 10 * CGRPC_NS_PER_MS;
  opts.max_backoff_ns = 50 * CGRPC_NS_PER_MS;
  return cgrpc_channel_new(target, &opts, ch, err);
}

/* ---- Calls -------------------------------------------------------------- */

static void finish(cgrpc_call_t *call, cgrpc_arena_t *arena, bool content_ok,
                   oom_call_result_t *out) {
  cgrpc_status_t st;
  out->code = cgrpc_call_finish(call, arena, &st);
  if (st.code != out->code) out->code = CGRPC_STATUS_UNKNOWN; /* inconsistent: flag it */
  out->content_ok = content_ok;
  snprintf(out->message, sizeof out->message, "%.*s", (int)st.message.len,
           st.message.data ? st.message.data : "");
}

void oom_run_call(cgrpc_channel_t *ch, int kind, bool wait_for_ready, oom_call_result_t *out) {
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  cgrpc_call_options_t opts = {.timeout_ns = OOM_CALL_TIMEOUT_NS, .wait_for_ready = wait_for_ready};
  memset(out, 0, sizeof *out);
  switch (kind) {
    case OOM_UNARY: {
      test_Msg req = {.text = test_str("hello"), .num = 41}, resp;
      cgrpc_status_t st;
      out->code = cgrpc_unary(ch, &test_methods[M_UNARY], &req, &resp, &arena, &opts, &st);
      out->content_ok =
          out->code == CGRPC_STATUS_OK && test_str_is(resp.text, "hello") && resp.num == 42;
      snprintf(out->message, sizeof out->message, "%.*s", (int)st.message.len,
               st.message.data ? st.message.data : "");
      break;
    }
    case OOM_SERVER_STREAM: {
      cgrpc_call_t *call = cgrpc_call_start(ch, &test_methods[M_SERVER_STREAM], &opts);
      test_Msg req = {.num = STREAM_MESSAGES}, m;
      bool ok = cgrpc_call_send(call, &req, 0, NULL, NULL);
      cgrpc_call_half_close(call);
      int n = 0;
      while (cgrpc_call_recv(call, &m, &arena, NULL, NULL)) {
        if (m.num != n) ok = false;
        n++;
      }
      finish(call, &arena, ok && n == STREAM_MESSAGES, out);
      break;
    }
    case OOM_CLIENT_STREAM: {
      cgrpc_call_t *call = cgrpc_call_start(ch, &test_methods[M_CLIENT_STREAM], &opts);
      bool ok = true;
      for (int i = 1; i <= STREAM_MESSAGES && ok; i++) {
        test_Msg m = {.num = i};
        ok = cgrpc_call_send(call, &m, 0, NULL, NULL);
      }
      cgrpc_call_half_close(call);
      test_Msg resp;
      ok = cgrpc_call_recv(call, &resp, &arena, NULL, NULL) && ok &&
           resp.num == STREAM_MESSAGES * (STREAM_MESSAGES + 1) / 2;
      if (ok && cgrpc_call_recv(call, &resp, &arena, NULL, NULL)) ok = false;
      finish(call, &arena, ok, out);
      break;
    }
    case OOM_BIDI: {
      cgrpc_call_t *call = cgrpc_call_start(ch, &test_methods[M_BIDI], &opts);
      bool ok = true;
      for (int i = 1; i <= STREAM_MESSAGES && ok; i++) {
        test_Msg m = {.text = test_str("ping"), .num = i}, r;
        ok = cgrpc_call_send(call, &m, 0, NULL, NULL) &&
             cgrpc_call_recv(call, &r, &arena, NULL, NULL) && r.num == 2 * i;
      }
      cgrpc_call_half_close(call);
      test_Msg r;
      if (ok && cgrpc_call_recv(call, &r, &arena, NULL, NULL)) ok = false;
      finish(call, &arena, ok, out);
      break;
    }
  }
  cgrpc_arena_free(&arena);
}

/* ---- The server process ----------------------------------------------------- */

/* Commands: 'A' + n + mode arms, 'D' disarms (the reply is the failure
 * count), 'Q' stops the server (the reply is the live block count). */
typedef struct command {
  char op;
  int mode;
  size_t n;
} command_t;

/* A server that stays out of memory cannot answer at all (not even with
 * an error), and its clients wait for their deadlines. So persistent
 * failures last until the call is over, or OOM_PERSISTENT_MS at most: long
 * enough for everything the call does to fail, short enough that the sweep
 * stays fast. Then memory comes back and the server must recover the call
 * (end it, or drop its connection) and free it. */
#define OOM_PERSISTENT_MS 200

static pthread_t g_relief;
static bool g_relief_running;
static pthread_mutex_t g_relief_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_relief_cv = PTHREAD_COND_INITIALIZER;
static bool g_relief_now; /* the call is over: no need to wait */

static void *relief_main(void *arg) {
  (void)arg;
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_nsec += OOM_PERSISTENT_MS * 1000000L;
  until.tv_sec += until.tv_nsec / 1000000000L;
  until.tv_nsec %= 1000000000L;
  pthread_mutex_lock(&g_relief_mu);
  while (!g_relief_now && pthread_cond_timedwait(&g_relief_cv, &g_relief_mu, &until) == 0) {
  }
  pthread_mutex_unlock(&g_relief_mu);
  oom_stop_failing();
  return NULL;
}

static void start_relief(void) {
  g_relief_now = false;
  oom_spare_begin(); /* the thread's own memory (libc's, but to be sure) */
  g_relief_running = pthread_create(&g_relief, NULL, relief_main, NULL) == 0;
  oom_spare_end();
}

static void join_relief(void) {
  if (!g_relief_running) return;
  pthread_mutex_lock(&g_relief_mu);
  g_relief_now = true;
  pthread_cond_signal(&g_relief_cv);
  pthread_mutex_unlock(&g_relief_mu);
  pthread_join(g_relief, NULL);
  g_relief_running = false;
}

static void server_child(int cmd_fd, int reply_fd) {
  cgrpc_server_t *srv;
  int port = 0;
  cgrpc_error_t err;
  long baseline = oom_live_blocks();
  if (oom_server_start(&srv, &port, &err) != CGRPC_STATUS_OK) {
    fprintf(stderr, "oom server: %s\n", err.message);
    _exit(2);
  }
  oom_write_all(reply_fd, &port, sizeof port);
  command_t c;
  while (oom_read_all(cmd_fd, &c, sizeof c)) {
    if (c.op == 'A') {
      oom_arm(c.n, (oom_mode_t)c.mode);
      if (c.mode == OOM_PERSISTENT) start_relief();
      size_t ack = 0;
      oom_write_all(reply_fd, &ack, sizeof ack);
    } else if (c.op == 'D') {
      join_relief();
      size_t failures = oom_failures();
      oom_disarm();
      oom_write_all(reply_fd, &failures, sizeof failures);
    } else if (c.op == 'Q') {
      oom_disarm();
      oom_server_stop(srv);
      long live = oom_wait_live(baseline, 1000) - baseline;
      oom_write_all(reply_fd, &live, sizeof live);
      exit(0); /* not _exit: LeakSanitizer checks the server process too */
    }
  }
  _exit(3); /* the parent went away */
}

bool oom_server_proc_start(oom_server_proc_t *p) {
  int cmd[2];
  if (pipe(cmd) != 0) return false;
  int fd;
  pid_t pid = oom_fork(&fd);
  if (pid < 0) return false;
  if (pid == 0) {
    close(cmd[1]);
    server_child(cmd[0], fd);
  }
  close(cmd[0]);
  p->pid = pid;
  p->to_child = cmd[1];
  p->from_child = fd;
  signal(SIGPIPE, SIG_IGN);
  return oom_read_all(p->from_child, &p->port, sizeof p->port);
}

size_t oom_server_proc_arm(oom_server_proc_t *p, size_t n, oom_mode_t mode) {
  command_t c = {n ? 'A' : 'D', (int)mode, n};
  size_t reply = (size_t)-1;
  if (!oom_write_all(p->to_child, &c, sizeof c) ||
      !oom_read_all(p->from_child, &reply, sizeof reply)) {
    return (size_t)-1;
  }
  return reply;
}

long oom_server_proc_stop(oom_server_proc_t *p) {
  command_t c = {'Q', 0, 0};
  long live = -1;
  if (!oom_write_all(p->to_child, &c, sizeof c) ||
      !oom_read_all(p->from_child, &live, sizeof live)) {
    live = -1;
  }
  close(p->to_child);
  close(p->from_child);
  int rc = oom_wait_child(p->pid);
  if (rc != 0) {
    fprintf(stderr, "  server process exited with %d\n", rc);
    return -1;
  }
  return live;
}

/* ---- Sweeps -------------------------------------------------------------- */

/* The statuses a call may end with when memory runs out: RESOURCE_EXHAUSTED
 * (cgrpc/call.h: out of memory), UNAVAILABLE when it cost the connection,
 * and, when the server's memory ran out, INTERNAL for a stream the server
 * reset (HTTP/2 INTERNAL_ERROR). */
static bool allowed(oom_side_t side, cgrpc_status_code_t code) {
  switch (code) {
    case CGRPC_STATUS_OK:
    case CGRPC_STATUS_RESOURCE_EXHAUSTED:
    case CGRPC_STATUS_UNAVAILABLE:
      return true;
    case CGRPC_STATUS_INTERNAL:
      return side == OOM_SERVER;
    default:
      return false;
  }
}

static void describe(const oom_sweep_t *s, size_t n, char *buf, size_t size) {
  snprintf(buf, size, "%s %s, %s, %s, n=%zu", oom_call_names[s->kind],
           s->side == OOM_CLIENT ? "client" : "server", s->warm ? "steady state" : "first call",
           s->mode == OOM_PERSISTENT ? "persistent" : "transient", n);
}

/* Threads of this process (the fork in oom_server_proc_start wants one). */
static int thread_count(void) {
  FILE *f = fopen("/proc/self/stat", "r");
  if (!f) return -1;
  int threads = -1;
  /* Field 20 is num_threads; field 2 (comm) has no spaces for our binaries. */
  if (fscanf(f, "%*d %*s %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %d",
             &threads) != 1) {
    threads = -1;
  }
  fclose(f);
  return threads;
}

int oom_sweep_call(const oom_sweep_t *s, size_t *points) {
  int problems = 0;
  char what[160];
  size_t n;
  long baseline = oom_live_blocks();
#define PROBLEM(...)                      \
  do {                                    \
    fprintf(stderr, "  FAIL %s: ", what); \
    fprintf(stderr, __VA_ARGS__);         \
    fputc('\n', stderr);                  \
    problems++;                           \
  } while (0)
  for (n = 1;; n++) {
    describe(s, n, what, sizeof what);
    oom_watchdog(30, what);
    oom_server_proc_t fresh, *server = s->server;
    if (s->side == OOM_SERVER) {
      int threads = thread_count();
      if (threads != 1) PROBLEM("forking the server with %d threads running", threads);
      if (!oom_server_proc_start(&fresh)) {
        PROBLEM("cannot start the server process");
        break;
      }
      server = &fresh;
    }
    cgrpc_channel_t *ch = NULL;
    cgrpc_error_t err;
    if (oom_channel_new(server->port, &ch, &err) != CGRPC_STATUS_OK) {
      PROBLEM("channel: %s", err.message);
      break;
    }
    oom_call_result_t r;
    if (s->warm) {
      for (int k = 0; k < OOM_CALL_KINDS; k++) {
        oom_run_call(ch, k, false, &r);
        if (r.code != CGRPC_STATUS_OK || !r.content_ok) {
          PROBLEM("warm-up %s call: %s: %s", oom_call_names[k], cgrpc_status_code_name(r.code),
                  r.message);
        }
      }
    }
    if (s->side == OOM_CLIENT) {
      oom_arm(n, s->mode);
    } else {
      oom_server_proc_arm(server, n, s->mode);
    }
    oom_run_call(ch, s->kind, false, &r);
    size_t failures;
    if (s->side == OOM_CLIENT) {
      failures = oom_failures();
      oom_disarm();
    } else {
      failures = oom_server_proc_arm(server, 0, s->mode);
      if (failures == (size_t)-1) {
        PROBLEM("the server process died");
        failures = 1;
      }
    }
    if (!allowed(s->side, r.code)) {
      PROBLEM("call ended %s: \"%s\"", cgrpc_status_code_name(r.code), r.message);
    } else if (r.code == CGRPC_STATUS_OK && !r.content_ok) {
      PROBLEM("call ended OK with the wrong responses");
    } else if (s->side == OOM_SERVER && strstr(r.message, "PROTOCOL_ERROR")) {
      /* The server ran out of memory: it must not blame the client. */
      PROBLEM("call ended %s: \"%s\"", cgrpc_status_code_name(r.code), r.message);
    } else if (failures == 0 && r.code != CGRPC_STATUS_OK) {
      PROBLEM("no failure injected, yet the call ended %s: \"%s\"", cgrpc_status_code_name(r.code),
              r.message);
    }
    if (getenv("OOM_VERBOSE") && failures) {
      fprintf(stderr, "  %s: %s \"%s\"\n", what, cgrpc_status_code_name(r.code), r.message);
    }
    /* Memory is back: the same channel (and server) must work again. */
    oom_call_result_t again;
    oom_run_call(ch, s->kind, true, &again);
    if (again.code != CGRPC_STATUS_OK || !again.content_ok) {
      PROBLEM("the call after the failure ended %s: \"%s\"", cgrpc_status_code_name(again.code),
              again.message);
    }
    cgrpc_channel_free(ch);
    long live = oom_wait_live(baseline, 1000);
    if (live != baseline) PROBLEM("%ld blocks leaked in the client", live - baseline);
    if (s->side == OOM_SERVER) {
      long server_live = oom_server_proc_stop(server);
      if (server_live != 0) PROBLEM("%ld blocks leaked in the server", server_live);
    }
    if (failures == 0) break;
    if (n >= 5000) {
      PROBLEM("still allocating");
      break;
    }
  }
  oom_watchdog(0, "");
#undef PROBLEM
  *points = n - 1;
  return problems;
}

bool oom_selected(int kind, int warm, int mode) {
  const char *only = getenv("OOM_ONLY");
  int k, w, m;
  if (!only || sscanf(only, "%d %d %d", &k, &w, &m) != 3) return true;
  return k == kind && w == warm && m == mode;
}

/* ---- Known bugs ------------------------------------------------------------ */

/* nghttp2 1.52.0 (Debian 12): when the second allocation inside
 * nghttp2_submit_data() fails (nghttp2 calls it itself once a request's or
 * response's HEADERS are out, for the data provider given with them), it
 * frees its outbound item but the stream keeps pointing at it, and
 * nghttp2_session_del() frees it again (ASan: use-after-free in
 * nghttp2_session_del, from cgrpc_h2_conn_free). The session is beyond
 * repair by then; cgrpc cannot work around it. */
static const char *const kNghttp2Bugs[] = {"nghttp2_submit_data", NULL};

void oom_spare_known_bugs(void) { oom_spare_callers(kNghttp2Bugs); }

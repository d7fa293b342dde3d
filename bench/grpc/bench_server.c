/* bench/grpc/bench_server.c — cgrpc's server for the gRPC benchmark.
 *
 * Serves bench.Bench on 127.0.0.1:PORT the way a program that cares about
 * speed would: both handlers run inline on the connection's loop (they do no
 * blocking work), Unary replies at once with the request's payload (a view
 * of it, not a copy), and Stream echoes in callback style, keeping reads
 * going while a bounded number of writes is in flight, so the stream is
 * never idle waiting for a write and a client that stops reading holds it
 * back by flow control.
 *
 * Usage: bench_server --port=N [--threads=N] [--busy-poll-us=N] [--count-allocs]
 *                     [--tls-cert=PEM --tls-key=PEM]
 * With --tls-cert and --tls-key the port speaks TLS (cgrpc/tls.h).
 * --threads sets the event loops (default: one per core), --busy-poll-us
 * the server's busy_poll_ns (docs/performance.md; default off). --count-allocs
 * routes cgrpc's heap use through counters; then each SIGUSR1 prints one
 * line with the allocations, calls and streamed messages since the last
 * one, so the benchmark can read allocations per call in a steady state.
 * With the bench_malloc_count module preloaded the line also counts every
 * allocation of the process (process_allocs), the libraries' included.
 * SIGINT or SIGTERM shuts the server down.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_count.h"
#include "bench.pb.h"
#include "cgrpc/server.h"
#include "cgrpc/tls.h"

/* Writes a stream may have in flight before it stops reading. */
#define STREAM_WRITE_WINDOW 16
/* Arena memory inside each stream's state: a 1 KiB message needs no more. */
#define STREAM_ARENA_BYTES 2048

static bool g_counting;
static atomic_uint_fast64_t g_calls, g_messages;

static void count(atomic_uint_fast64_t *counter) {
  if (g_counting) atomic_fetch_add_explicit(counter, 1, memory_order_relaxed);
}

/* ---- Unary ---------------------------------------------------------------------- */

static void handle_unary(cgrpc_server_call_t *call, const bench_Req *req, void *user_data) {
  bench_Resp resp = {.payload = req->payload};
  count(&g_calls);
  cgrpc_server_call_reply(call, &resp);
}

/* ---- Stream ----------------------------------------------------------------------- */

/* One stream's echo state, in the call's arena (freed with the call). All of
 * it is touched only on the call's loop thread. */
typedef struct stream_echo {
  cgrpc_server_call_t *call;
  bench_Req req;
  cgrpc_arena_t arena; /* the request being echoed; reset after each write */
  int writes;          /* in flight */
  bool reading;        /* a read is pending */
  bool in_write;       /* inside cgrpc_server_call_write(), which may complete at once */
  bool done_reading;   /* the client half-closed, or the call ended */
  bool failed;         /* a write failed: the call is over */
  char arena_buf[STREAM_ARENA_BYTES];
} stream_echo_t;

static void stream_on_read(void *user_data, bool ok);

/* Decides what the stream does next, after every event: read on while the
 * write window has room, or end the call once nothing is pending, so no
 * callback outlives the state. Always the last thing its caller does: the
 * state may be gone when it returns. */
static void stream_next(stream_echo_t *s) {
  if (s->in_write) return; /* the writer decides when the write returns */
  if (!s->done_reading) {
    if (!s->reading && s->writes < STREAM_WRITE_WINDOW) {
      s->reading = true;
      cgrpc_server_call_read(s->call, &s->req, &s->arena, stream_on_read, s);
    }
    return;
  }
  if (s->reading || s->writes > 0) return;
  cgrpc_arena_free(&s->arena);
  cgrpc_server_call_finish(s->call, s->failed ? CGRPC_STATUS_UNAVAILABLE : CGRPC_STATUS_OK,
                           s->failed ? "a response could not be sent" : NULL, NULL);
}

static void stream_on_write(void *user_data, bool ok) {
  stream_echo_t *s = user_data;
  s->writes--;
  if (!ok) {
    s->failed = true;
    s->done_reading = true;
  }
  stream_next(s);
}

static void stream_on_read(void *user_data, bool ok) {
  stream_echo_t *s = user_data;
  s->reading = false;
  if (!ok || s->failed) {
    s->done_reading = true;
    stream_next(s);
    return;
  }
  count(&g_messages);
  bench_Resp resp = {.payload = s->req.payload};
  s->writes++;
  s->in_write = true;
  bool queued = cgrpc_server_call_write(s->call, &resp, 0, stream_on_write, s);
  s->in_write = false;
  /* The response was encoded before the write returned: the arena is free. */
  cgrpc_arena_reset(&s->arena, 1);
  if (!queued) {
    s->writes--;
    s->failed = true;
    s->done_reading = true;
  }
  stream_next(s);
}

static void handle_stream(cgrpc_server_call_t *call, void *user_data) {
  count(&g_calls);
  stream_echo_t *s = cgrpc_arena_alloc(cgrpc_server_call_arena(call), sizeof *s);
  if (!s) {
    cgrpc_server_call_finish(call, CGRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory", NULL);
    return;
  }
  memset(s, 0, offsetof(stream_echo_t, arena_buf));
  s->call = call;
  cgrpc_arena_init(&s->arena, s->arena_buf, sizeof s->arena_buf);
  stream_next(s);
}

/* ---- Main --------------------------------------------------------------------------- */

static void report_allocations(void) {
  static bench_alloc_counts_t last;
  static uint64_t last_calls, last_messages, last_process;
  bench_alloc_counts_t now = bench_alloc_count_read();
  uint64_t calls = atomic_load(&g_calls), messages = atomic_load(&g_messages), process = 0;
  if (bench_alloc_count_process(&process)) {
    printf("process_allocs=%llu ", (unsigned long long)(process - last_process));
    last_process = process;
  }
  printf("allocs=%llu frees=%llu bytes=%llu calls=%llu messages=%llu\n",
         (unsigned long long)(now.allocs - last.allocs),
         (unsigned long long)(now.frees - last.frees), (unsigned long long)(now.bytes - last.bytes),
         (unsigned long long)(calls - last_calls), (unsigned long long)(messages - last_messages));
  fflush(stdout);
  last = now;
  last_calls = calls;
  last_messages = messages;
}

static int usage(void) {
  fprintf(stderr,
          "usage: bench_server --port=N [--threads=N] [--busy-poll-us=N] [--count-allocs] "
          "[--tls-cert=PEM --tls-key=PEM]\n");
  return 2;
}

int main(int argc, char **argv) {
  int port = -1;
  const char *tls_cert = NULL, *tls_key = NULL;
  cgrpc_server_options_t opts = CGRPC_SERVER_OPTIONS_INIT;
  for (int i = 1; i < argc; i++) {
    if (strncmp(argv[i], "--port=", 7) == 0) {
      port = atoi(argv[i] + 7);
    } else if (strncmp(argv[i], "--threads=", 10) == 0) {
      opts.loop_threads = atoi(argv[i] + 10);
    } else if (strncmp(argv[i], "--busy-poll-us=", 15) == 0) {
      opts.busy_poll_ns = (int64_t)atoi(argv[i] + 15) * 1000;
    } else if (strcmp(argv[i], "--count-allocs") == 0) {
      g_counting = true;
    } else if (strncmp(argv[i], "--tls-cert=", 11) == 0) {
      tls_cert = argv[i] + 11;
    } else if (strncmp(argv[i], "--tls-key=", 10) == 0) {
      tls_key = argv[i] + 10;
    } else {
      return usage();
    }
  }
  if (port < 0 || port > 65535 || opts.loop_threads < 0 || opts.busy_poll_ns < 0 ||
      !tls_cert != !tls_key) {
    return usage();
  }
  if (g_counting) bench_alloc_count_install();

  /* Signals are taken by sigwait() below, never by the server's threads,
   * which inherit this mask. */
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &sigs, NULL);

  cgrpc_error_t err = {0};
  cgrpc_server_t *srv = NULL;
  char address[32];
  snprintf(address, sizeof address, "127.0.0.1:%d", port);
  static const bench_Bench_handlers handlers = {.Unary = handle_unary, .Stream = handle_stream};
  cgrpc_server_credentials_t *creds = NULL;
  if ((tls_cert && cgrpc_server_credentials_from_files(tls_cert, tls_key, NULL,
                                                       CGRPC_TLS_CLIENT_CERT_NONE, &creds,
                                                       &err) != CGRPC_STATUS_OK) ||
      cgrpc_server_new(&opts, &srv, &err) != CGRPC_STATUS_OK ||
      (creds ? cgrpc_server_listen_tls(srv, address, creds, NULL, &err)
             : cgrpc_server_listen(srv, address, NULL, &err)) != CGRPC_STATUS_OK ||
      bench_Bench_register(srv, &handlers, CGRPC_HANDLER_INLINE, &err) != CGRPC_STATUS_OK ||
      cgrpc_server_start(srv, &err) != CGRPC_STATUS_OK) {
    fprintf(stderr, "bench_server: %s\n", err.message);
    cgrpc_server_free(srv);
    cgrpc_server_credentials_free(creds);
    return 1;
  }
  cgrpc_server_credentials_free(creds);
  fprintf(stderr, "bench_server: listening on %s%s\n", address, tls_cert ? " (TLS)" : "");

  for (;;) {
    int sig = 0;
    if (sigwait(&sigs, &sig) != 0) continue;
    if (sig != SIGUSR1) break;
    if (g_counting) report_allocations();
  }
  cgrpc_server_shutdown(srv, CGRPC_NS_PER_SEC);
  cgrpc_server_free(srv);
  return 0;
}

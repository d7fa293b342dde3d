/* tests/unit/rpc/test_rpc_lifecycle.c — calls at scale and around the edges
 * of a connection's life, over real sockets: many concurrent calls from
 * several threads and asynchronously, callback-style streaming on both
 * sides, MAX_CONCURRENT_STREAMS queueing, graceful shutdown (in-flight calls
 * finish; past the grace period they are cancelled), unix and IPv6
 * addresses, connection refused, wait-for-ready, and reconnecting to a
 * restarted server. */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>

#include "rpc_test_util.h"

/* ---- Handlers ----------------------------------------------------------------------- */

static void h_unary(cgrpc_server_call_t *call, const void *request, void *ud) {
  const test_Msg *req = request;
  test_Msg resp = {.text = req->text, .num = req->num + 1};
  cgrpc_server_call_reply(call, &resp);
}

static atomic_int g_slow_cancelled;
static void h_slow(cgrpc_server_call_t *call, const void *request, void *ud) {
  const test_Msg *req = request;
  for (int i = 0; i < req->num / 10 && !cgrpc_server_call_cancelled(call); i++) test_sleep_ms(10);
  atomic_store(&g_slow_cancelled, cgrpc_server_call_cancelled(call) ? 1 : 0);
  test_Msg resp = {.text = test_str("slept")};
  cgrpc_server_call_reply(call, &resp);
}

/* Inline bidi echo in callback style: read -> write -> read ... */
typedef struct echo_state {
  cgrpc_server_call_t *call;
  cgrpc_arena_t arena;
  test_Msg m;
  int count;
} echo_state_t;

static void echo_read_done(void *ud, bool ok);

static void echo_write_done(void *ud, bool ok) {
  echo_state_t *st = ud;
  cgrpc_arena_reset(&st->arena, 1);
  if (!ok || !cgrpc_server_call_read(st->call, &st->m, &st->arena, echo_read_done, st)) {
    cgrpc_arena_free(&st->arena);
    cgrpc_server_call_finish(st->call, CGRPC_STATUS_ABORTED, "write failed", NULL);
    free(st);
  }
}

static void echo_read_done(void *ud, bool ok) {
  echo_state_t *st = ud;
  if (!ok) {
    char text[32];
    snprintf(text, sizeof text, "%d", st->count);
    cgrpc_arena_free(&st->arena);
    cgrpc_server_call_finish(st->call, CGRPC_STATUS_OK, text, NULL);
    free(st);
    return;
  }
  st->count++;
  st->m.num *= 3;
  cgrpc_server_call_write(st->call, &st->m, 0, echo_write_done, st);
}

static void h_inline_bidi(cgrpc_server_call_t *call, const void *request, void *ud) {
  echo_state_t *st = calloc(1, sizeof *st);
  st->call = call;
  cgrpc_arena_init(&st->arena, NULL, 0);
  cgrpc_server_call_read(call, &st->m, &st->arena, echo_read_done, st);
}

/* ---- Fixture ------------------------------------------------------------------------- */

typedef struct fixture {
  cgrpc_server_t *srv;
  cgrpc_channel_t *ch;
  int port;
  char target[128];
} fixture_t;

static bool server_start(fixture_t *f, const char *address, const cgrpc_server_options_t *so) {
  cgrpc_error_t err;
  CHECK_EQ_INT(cgrpc_server_new(so, &f->srv, &err), CGRPC_STATUS_OK);
  if (cgrpc_server_listen(f->srv, address, &f->port, &err) != CGRPC_STATUS_OK) {
    fprintf(stderr, "  (listen %s: %s)\n", address, err.message);
    cgrpc_server_free(f->srv);
    f->srv = NULL;
    return false;
  }
  cgrpc_server_register(f->srv, &test_methods[M_UNARY], h_unary, NULL, CGRPC_HANDLER_BLOCKING,
                        NULL);
  cgrpc_server_register(f->srv, &test_methods[M_INLINE], h_unary, NULL, CGRPC_HANDLER_INLINE, NULL);
  cgrpc_server_register(f->srv, &test_methods[M_SLOW], h_slow, NULL, CGRPC_HANDLER_BLOCKING, NULL);
  cgrpc_server_register(f->srv, &test_methods[M_BIDI], h_inline_bidi, NULL, CGRPC_HANDLER_INLINE,
                        NULL);
  CHECK_EQ_INT(cgrpc_server_start(f->srv, &err), CGRPC_STATUS_OK);
  return true;
}

static void channel_open(fixture_t *f, const char *target, const cgrpc_channel_options_t *co) {
  snprintf(f->target, sizeof f->target, "%s", target);
  cgrpc_error_t err;
  CHECK_EQ_INT(cgrpc_channel_new(target, co, &f->ch, &err), CGRPC_STATUS_OK);
}

static void fixture_tcp(fixture_t *f, const cgrpc_server_options_t *so,
                        const cgrpc_channel_options_t *co) {
  CHECK(server_start(f, "127.0.0.1:0", so));
  char target[64];
  snprintf(target, sizeof target, "ipv4:127.0.0.1:%d", f->port);
  channel_open(f, target, co);
}

static void fixture_stop(fixture_t *f) {
  cgrpc_channel_free(f->ch);
  cgrpc_server_free(f->srv);
}

static cgrpc_status_code_t call_unary(cgrpc_channel_t *ch, int method, int num, int *out,
                                      const cgrpc_call_options_t *opts) {
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  test_Msg req = {.num = num}, resp = {0};
  cgrpc_status_code_t code =
      cgrpc_unary(ch, &test_methods[method], &req, &resp, &arena, opts, NULL);
  if (out) *out = resp.num;
  cgrpc_arena_free(&arena);
  return code;
}

/* ---- Tests ---------------------------------------------------------------------------- */

typedef struct worker_arg {
  cgrpc_channel_t *ch;
  int base, ok;
} worker_arg_t;

static void *unary_worker(void *p) {
  worker_arg_t *a = p;
  for (int i = 0; i < 100; i++) {
    int out = 0;
    if (call_unary(a->ch, i % 2 ? M_UNARY : M_INLINE, a->base + i, &out, NULL) == CGRPC_STATUS_OK &&
        out == a->base + i + 1) {
      a->ok++;
    }
  }
  return NULL;
}

static void test_many_threads(void) {
  fixture_t f;
  fixture_tcp(&f, NULL, NULL);
  pthread_t t[4];
  worker_arg_t a[4];
  for (int i = 0; i < 4; i++) {
    a[i] = (worker_arg_t){f.ch, i * 1000, 0};
    pthread_create(&t[i], NULL, unary_worker, &a[i]);
  }
  for (int i = 0; i < 4; i++) {
    pthread_join(t[i], NULL);
    CHECK_EQ_INT(a[i].ok, 100);
  }
  fixture_stop(&f);
}

typedef struct async_ctx {
  atomic_int done, ok;
  test_Msg resp[300];
  cgrpc_arena_t arenas[300];
} async_ctx_t;

typedef struct async_slot {
  async_ctx_t *ctx;
  int index;
} async_slot_t;

static void async_done(void *ud, const cgrpc_status_t *st) {
  async_slot_t *slot = ud;
  if (st->code == CGRPC_STATUS_OK && slot->ctx->resp[slot->index].num == slot->index + 1) {
    atomic_fetch_add(&slot->ctx->ok, 1);
  }
  atomic_fetch_add(&slot->ctx->done, 1);
}

static void run_async(cgrpc_channel_t *ch, int n) {
  static async_ctx_t ctx;
  static async_slot_t slots[300];
  atomic_store(&ctx.done, 0);
  atomic_store(&ctx.ok, 0);
  for (int i = 0; i < n; i++) {
    slots[i] = (async_slot_t){&ctx, i};
    cgrpc_arena_init(&ctx.arenas[i], NULL, 0);
    test_Msg req = {.num = i};
    cgrpc_unary_async(ch, &test_methods[i % 2 ? M_UNARY : M_INLINE], &req, &ctx.resp[i],
                      &ctx.arenas[i], NULL, async_done, &slots[i]);
  }
  for (int i = 0; i < 1000 && atomic_load(&ctx.done) < n; i++) test_sleep_ms(5);
  CHECK_EQ_INT(atomic_load(&ctx.done), n);
  CHECK_EQ_INT(atomic_load(&ctx.ok), n);
  for (int i = 0; i < n; i++) cgrpc_arena_free(&ctx.arenas[i]);
}

static void test_async_unary(void) {
  fixture_t f;
  fixture_tcp(&f, NULL, NULL);
  run_async(f.ch, 300);
  fixture_stop(&f);
}

/* MAX_CONCURRENT_STREAMS=1: the channel queues calls instead of failing. */
static void test_max_concurrent_streams(void) {
  cgrpc_server_options_t so = CGRPC_SERVER_OPTIONS_INIT;
  so.max_concurrent_streams = 1;
  fixture_t f;
  fixture_tcp(&f, &so, NULL);
  run_async(f.ch, 50);
  fixture_stop(&f);
}

/* Callback-style streaming on both sides. */
typedef struct pingpong {
  cgrpc_call_t *call;
  cgrpc_arena_t arena;
  test_Msg in;
  int sent, received;
  atomic_int finished;
  cgrpc_status_code_t code;
  char message[32];
} pingpong_t;

static void pp_recv_done(void *ud, bool ok);

static void pp_finished(void *ud, const cgrpc_status_t *st) {
  pingpong_t *pp = ud;
  pp->code = st->code;
  snprintf(pp->message, sizeof pp->message, "%s", st->message.data);
  atomic_store(&pp->finished, 1);
}

static void pp_send_done(void *ud, bool ok) {
  pingpong_t *pp = ud;
  CHECK(ok);
  CHECK(cgrpc_call_recv(pp->call, &pp->in, &pp->arena, pp_recv_done, pp));
}

static void pp_recv_done(void *ud, bool ok) {
  pingpong_t *pp = ud;
  if (!ok) {
    cgrpc_call_finish_async(pp->call, &pp->arena, pp_finished, pp);
    return;
  }
  CHECK_EQ_INT(pp->in.num, 3 * pp->sent);
  pp->received++;
  if (pp->sent == 30) {
    cgrpc_call_half_close(pp->call);
    CHECK(cgrpc_call_recv(pp->call, &pp->in, &pp->arena, pp_recv_done, pp));
    return;
  }
  test_Msg m = {.num = ++pp->sent};
  CHECK(cgrpc_call_send(pp->call, &m, 0, pp_send_done, pp));
}

static void test_callback_streaming(void) {
  fixture_t f;
  fixture_tcp(&f, NULL, NULL);
  pingpong_t pp = {0};
  cgrpc_arena_init(&pp.arena, NULL, 0);
  pp.call = cgrpc_call_start(f.ch, &test_methods[M_BIDI], NULL);
  test_Msg m = {.num = ++pp.sent};
  CHECK(cgrpc_call_send(pp.call, &m, 0, pp_send_done, &pp));
  for (int i = 0; i < 1000 && !atomic_load(&pp.finished); i++) test_sleep_ms(5);
  CHECK(atomic_load(&pp.finished));
  CHECK_EQ_INT(pp.received, 30);
  CHECK_EQ_INT(pp.code, CGRPC_STATUS_OK);
  CHECK_EQ_STR(pp.message, "30");
  cgrpc_arena_free(&pp.arena);
  fixture_stop(&f);
}

typedef struct bg_call {
  cgrpc_channel_t *ch;
  int num;
  cgrpc_status_code_t code;
} bg_call_t;

static void *bg_slow(void *p) {
  bg_call_t *b = p;
  b->code = call_unary(b->ch, M_SLOW, b->num, NULL, NULL);
  return NULL;
}

/* Graceful shutdown: a call in flight completes; afterwards the address is
 * gone and calls fail UNAVAILABLE. */
static void test_graceful_shutdown(void) {
  fixture_t f;
  fixture_tcp(&f, NULL, NULL);
  CHECK_EQ_INT(call_unary(f.ch, M_UNARY, 1, NULL, NULL), CGRPC_STATUS_OK);
  bg_call_t b = {f.ch, 300, CGRPC_STATUS_UNKNOWN};
  pthread_t t;
  pthread_create(&t, NULL, bg_slow, &b);
  test_sleep_ms(100);
  int64_t t0 = cgrpc_clock_now();
  cgrpc_server_shutdown(f.srv, 5 * CGRPC_NS_PER_SEC);
  int64_t took = cgrpc_clock_now() - t0;
  pthread_join(t, NULL);
  CHECK_EQ_INT(b.code, CGRPC_STATUS_OK);
  CHECK(took >= 100 * CGRPC_NS_PER_MS && took < 4 * CGRPC_NS_PER_SEC);
  CHECK_EQ_INT(call_unary(f.ch, M_UNARY, 1, NULL, NULL), CGRPC_STATUS_UNAVAILABLE);
  fixture_stop(&f);
}

/* Past the grace period the call is cut off: the handler sees cancellation,
 * the client UNAVAILABLE. */
static void test_shutdown_grace_expires(void) {
  fixture_t f;
  fixture_tcp(&f, NULL, NULL);
  atomic_store(&g_slow_cancelled, -1);
  bg_call_t b = {f.ch, 5000, CGRPC_STATUS_OK};
  pthread_t t;
  pthread_create(&t, NULL, bg_slow, &b);
  test_sleep_ms(100);
  int64_t t0 = cgrpc_clock_now();
  cgrpc_server_shutdown(f.srv, 100 * CGRPC_NS_PER_MS);
  int64_t took = cgrpc_clock_now() - t0;
  pthread_join(t, NULL);
  CHECK(took < 3 * CGRPC_NS_PER_SEC);
  CHECK_EQ_INT(b.code, CGRPC_STATUS_UNAVAILABLE);
  CHECK_EQ_INT(atomic_load(&g_slow_cancelled), 1);
  fixture_stop(&f);
}

static void test_unix_socket(void) {
  char path[96], address[112];
  snprintf(path, sizeof path, "/tmp/cgrpc-test-%d.sock", (int)getpid());
  snprintf(address, sizeof address, "unix:%s", path);
  fixture_t f;
  CHECK(server_start(&f, address, NULL));
  CHECK_EQ_INT(f.port, 0);
  channel_open(&f, address, NULL);
  int out = 0;
  CHECK_EQ_INT(call_unary(f.ch, M_UNARY, 9, &out, NULL), CGRPC_STATUS_OK);
  CHECK_EQ_INT(out, 10);
  fixture_stop(&f);
  CHECK(access(path, F_OK) != 0); /* the server removed its socket file */
}

static void test_ipv6(void) {
  fixture_t f;
  if (!server_start(&f, "[::1]:0", NULL)) {
    fprintf(stderr, "  (no IPv6 loopback here: skipped)\n");
    return;
  }
  char target[64];
  snprintf(target, sizeof target, "ipv6:[::1]:%d", f.port);
  channel_open(&f, target, NULL);
  int out = 0;
  CHECK_EQ_INT(call_unary(f.ch, M_INLINE, 1, &out, NULL), CGRPC_STATUS_OK);
  CHECK_EQ_INT(out, 2);
  fixture_stop(&f);
}

/* A host name: resolved on the channel's helper thread; "localhost" may
 * give ::1 before 127.0.0.1, so the channel also tries addresses in turn. */
static void test_dns_target(void) {
  fixture_t f;
  CHECK(server_start(&f, "127.0.0.1:0", NULL));
  char target[64];
  snprintf(target, sizeof target, "localhost:%d", f.port);
  channel_open(&f, target, NULL);
  int out = 0;
  CHECK_EQ_INT(call_unary(f.ch, M_UNARY, 5, &out, NULL), CGRPC_STATUS_OK);
  CHECK_EQ_INT(out, 6);
  fixture_stop(&f);
}

/* One server, several addresses: TCP and a unix socket. */
static void test_several_addresses(void) {
  char path[96], address[112];
  snprintf(path, sizeof path, "/tmp/cgrpc-test-multi-%d.sock", (int)getpid());
  snprintf(address, sizeof address, "unix:%s", path);
  fixture_t f;
  cgrpc_error_t err;
  CHECK_EQ_INT(cgrpc_server_new(NULL, &f.srv, &err), CGRPC_STATUS_OK);
  CHECK_EQ_INT(cgrpc_server_listen(f.srv, "127.0.0.1:0", &f.port, &err), CGRPC_STATUS_OK);
  CHECK_EQ_INT(cgrpc_server_listen(f.srv, address, NULL, &err), CGRPC_STATUS_OK);
  CHECK_EQ_INT(cgrpc_server_listen(f.srv, "no-such-host.invalid:1", NULL, &err),
               CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK(strstr(err.message, "no-such-host.invalid") != NULL);
  cgrpc_server_register(f.srv, &test_methods[M_UNARY], h_unary, NULL, CGRPC_HANDLER_BLOCKING, NULL);
  CHECK_EQ_INT(cgrpc_server_start(f.srv, &err), CGRPC_STATUS_OK);
  char tcp[64];
  snprintf(tcp, sizeof tcp, "127.0.0.1:%d", f.port);
  const char *targets[] = {tcp, address};
  for (int i = 0; i < 2; i++) {
    cgrpc_channel_t *ch;
    CHECK_EQ_INT(cgrpc_channel_new(targets[i], NULL, &ch, NULL), CGRPC_STATUS_OK);
    CHECK_EQ_INT(call_unary(ch, M_UNARY, i, NULL, NULL), CGRPC_STATUS_OK);
    cgrpc_channel_free(ch);
  }
  cgrpc_server_free(f.srv);
}

/* A port nobody listens on: fail fast with the reason; wait-for-ready calls
 * wait until their deadline. */
static int free_port(void) {
  fixture_t f;
  CHECK(server_start(&f, "127.0.0.1:0", NULL));
  int port = f.port;
  cgrpc_server_free(f.srv);
  return port;
}

static void test_connection_refused(void) {
  char target[64];
  snprintf(target, sizeof target, "127.0.0.1:%d", free_port());
  cgrpc_channel_t *ch;
  CHECK_EQ_INT(cgrpc_channel_new(target, NULL, &ch, NULL), CGRPC_STATUS_OK);
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  test_Msg req = {0}, resp;
  cgrpc_status_t st;
  CHECK_EQ_INT(cgrpc_unary(ch, &test_methods[M_UNARY], &req, &resp, &arena, NULL, &st),
               CGRPC_STATUS_UNAVAILABLE);
  CHECK(strstr(st.message.data, "refused") != NULL);
  cgrpc_call_options_t opts = {.wait_for_ready = true, .timeout_ns = 200 * CGRPC_NS_PER_MS};
  CHECK_EQ_INT(cgrpc_unary(ch, &test_methods[M_UNARY], &req, &resp, &arena, &opts, &st),
               CGRPC_STATUS_DEADLINE_EXCEEDED);
  cgrpc_arena_free(&arena);
  cgrpc_channel_free(ch);
  cgrpc_error_t err;
  CHECK_EQ_INT(cgrpc_channel_new("ipv4:300.1.1.1:5", NULL, &ch, &err),
               CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK(strstr(err.message, "300.1.1.1") != NULL);
}

/* The server goes away and comes back on the same port: the channel
 * reconnects (after its backoff) and calls work again. */
static void test_reconnect(void) {
  cgrpc_channel_options_t co = CGRPC_CHANNEL_OPTIONS_INIT;
  co.initial_backoff_ns = 20 * CGRPC_NS_PER_MS;
  co.max_backoff_ns = 100 * CGRPC_NS_PER_MS;
  fixture_t f;
  fixture_tcp(&f, NULL, &co);
  CHECK_EQ_INT(call_unary(f.ch, M_UNARY, 1, NULL, NULL), CGRPC_STATUS_OK);
  char address[64];
  snprintf(address, sizeof address, "127.0.0.1:%d", f.port);
  cgrpc_server_free(f.srv);
  CHECK_EQ_INT(call_unary(f.ch, M_UNARY, 1, NULL, NULL), CGRPC_STATUS_UNAVAILABLE);
  CHECK(server_start(&f, address, NULL));
  int attempts = 0;
  while (call_unary(f.ch, M_UNARY, 1, NULL, NULL) != CGRPC_STATUS_OK && attempts < 200) {
    attempts++;
    test_sleep_ms(10);
  }
  CHECK(attempts < 200);
  fixture_stop(&f);
}

/* Closing a channel with calls in flight: their callbacks report CANCELLED. */
static atomic_int g_cancelled_cb;
static void count_cancelled(void *ud, const cgrpc_status_t *st) {
  if (st->code == CGRPC_STATUS_CANCELLED) atomic_fetch_add(&g_cancelled_cb, 1);
}

static void test_channel_free_in_flight(void) {
  fixture_t f;
  fixture_tcp(&f, NULL, NULL);
  cgrpc_arena_t arenas[5];
  test_Msg resp[5];
  atomic_store(&g_cancelled_cb, 0);
  for (int i = 0; i < 5; i++) {
    cgrpc_arena_init(&arenas[i], NULL, 0);
    test_Msg req = {.num = 2000};
    cgrpc_unary_async(f.ch, &test_methods[M_SLOW], &req, &resp[i], &arenas[i], NULL,
                      count_cancelled, NULL);
  }
  test_sleep_ms(50);
  cgrpc_channel_free(f.ch);
  CHECK_EQ_INT(atomic_load(&g_cancelled_cb), 5);
  for (int i = 0; i < 5; i++) cgrpc_arena_free(&arenas[i]);
  cgrpc_server_free(f.srv);
}

int main(void) {
  TEST_RUN(test_many_threads);
  TEST_RUN(test_async_unary);
  TEST_RUN(test_max_concurrent_streams);
  TEST_RUN(test_callback_streaming);
  TEST_RUN(test_graceful_shutdown);
  TEST_RUN(test_shutdown_grace_expires);
  TEST_RUN(test_unix_socket);
  TEST_RUN(test_ipv6);
  TEST_RUN(test_dns_target);
  TEST_RUN(test_several_addresses);
  TEST_RUN(test_connection_refused);
  TEST_RUN(test_reconnect);
  TEST_RUN(test_channel_free_in_flight);
  return TEST_DONE();
}

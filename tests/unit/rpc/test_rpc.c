/* tests/unit/rpc/test_rpc.c — server and channel over real loopback
 * sockets: the four kinds of call, inline and blocking handlers, replies
 * from another thread, metadata, compression, status messages, unknown
 * methods, large messages and limits. */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#include "cgrpc/log.h"
#include "rpc_test_util.h"

typedef struct fixture {
  cgrpc_server_t *srv;
  cgrpc_channel_t *ch;
  int port;
} fixture_t;

/* ---- Handlers ---------------------------------------------------------------------- */

/* Unary: text echoed, num + 1. */
static void h_unary(cgrpc_server_call_t *call, const void *request, void *ud) {
  const test_Msg *req = request;
  test_Msg resp = {.text = req->text, .num = req->num + 1, .blob = req->blob};
  cgrpc_server_call_reply(call, &resp);
}

/* Server streaming: `num` responses "0".."num-1", blocking writes. */
static void h_server_stream(cgrpc_server_call_t *call, const void *request, void *ud) {
  const test_Msg *req = request;
  for (int i = 0; i < req->num; i++) {
    char text[16];
    snprintf(text, sizeof text, "%d", i);
    test_Msg resp = {.text = test_str(text), .num = i};
    if (!cgrpc_server_call_write(call, &resp, 0, NULL, NULL)) break;
  }
  cgrpc_server_call_finish(call, CGRPC_STATUS_OK, NULL, NULL);
}

/* Client streaming: count and sum of nums, blocking reads. */
static void h_client_stream(cgrpc_server_call_t *call, const void *request, void *ud) {
  CHECK(request == NULL);
  cgrpc_arena_t *arena = cgrpc_server_call_arena(call);
  test_Msg m;
  int count = 0, sum = 0;
  while (cgrpc_server_call_read(call, &m, arena, NULL, NULL)) {
    count++;
    sum += m.num;
  }
  char text[32];
  snprintf(text, sizeof text, "%d messages", count);
  test_Msg resp = {.text = test_str(text), .num = sum};
  cgrpc_server_call_reply(call, &resp);
}

/* Bidi: echoes each message with num * 2 until the client half-closes. */
static void h_bidi(cgrpc_server_call_t *call, const void *request, void *ud) {
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  test_Msg m;
  while (cgrpc_server_call_read(call, &m, &arena, NULL, NULL)) {
    m.num *= 2;
    if (!cgrpc_server_call_write(call, &m, 0, NULL, NULL)) break;
    cgrpc_arena_reset(&arena, 1);
  }
  bool cancelled = cgrpc_server_call_cancelled(call);
  cgrpc_arena_free(&arena);
  if (ud) atomic_store((atomic_int *)ud, cancelled ? 1 : 2);
  cgrpc_server_call_finish(call, CGRPC_STATUS_OK, NULL, NULL);
}

/* Sleeps num ms, then replies; records whether it saw cancellation. */
static atomic_int g_slow_cancelled;
static void h_slow(cgrpc_server_call_t *call, const void *request, void *ud) {
  const test_Msg *req = request;
  for (int i = 0; i < req->num / 10 && !cgrpc_server_call_cancelled(call); i++) test_sleep_ms(10);
  atomic_store(&g_slow_cancelled, cgrpc_server_call_cancelled(call) ? 1 : 0);
  test_Msg resp = {.text = test_str("slept")};
  cgrpc_server_call_reply(call, &resp);
}

/* Fails with the code in num, the message in text, and a trailer. */
static void h_fail(cgrpc_server_call_t *call, const void *request, void *ud) {
  const test_Msg *req = request;
  char *msg = cgrpc_arena_alloc(cgrpc_server_call_arena(call), req->text.len + 1);
  memcpy(msg, req->text.data, req->text.len);
  msg[req->text.len] = '\0';
  cgrpc_metadata_t md = CGRPC_METADATA_INIT;
  cgrpc_metadata_add_str(&md, cgrpc_server_call_arena(call), "x-failed", "yes");
  cgrpc_server_call_finish(call, (cgrpc_status_code_t)req->num, msg, &md);
}

/* Echoes metadata: x-echo-initial back as initial metadata,
 * x-echo-trailing-bin as trailing; compresses with gzip when asked (num ==
 * 1) and reports in num whether the request came compressed. */
static void h_echo(cgrpc_server_call_t *call, const void *request, void *ud) {
  const test_Msg *req = request;
  cgrpc_arena_t *arena = cgrpc_server_call_arena(call);
  const cgrpc_metadata_t *in = cgrpc_server_call_metadata(call);
  cgrpc_metadata_t initial = CGRPC_METADATA_INIT, trailing = CGRPC_METADATA_INIT;
  const cgrpc_str_t *v = cgrpc_metadata_get(in, "x-echo-initial");
  if (v) cgrpc_metadata_add(&initial, arena, "x-echo-initial", v->data, v->len);
  v = cgrpc_metadata_get(in, "x-echo-trailing-bin");
  if (v) cgrpc_metadata_add(&trailing, arena, "x-echo-trailing-bin", v->data, v->len);
  if (req->num == 1) cgrpc_server_call_set_compression(call, CGRPC_ENCODING_GZIP);
  cgrpc_server_call_send_initial_metadata(call, &initial);
  test_Msg resp = {.text = req->text,
                   .num = cgrpc_server_call_last_message_compressed(call) ? 1 : 0,
                   .blob = req->blob};
  CHECK(cgrpc_server_call_write(call, &resp, 0, NULL, NULL));
  cgrpc_server_call_finish(call, CGRPC_STATUS_OK, NULL, &trailing);
}

/* Replies later, from another thread. */
static void *reply_later(void *arg) {
  cgrpc_server_call_t *call = arg;
  test_sleep_ms(20);
  test_Msg resp = {.text = test_str("from another thread")};
  cgrpc_server_call_reply(call, &resp);
  return NULL;
}

static void h_later(cgrpc_server_call_t *call, const void *request, void *ud) {
  pthread_t t;
  pthread_create(&t, NULL, reply_later, call);
  pthread_detach(t);
}

static atomic_int g_bidi_outcome;

static void fixture_start(fixture_t *f, const cgrpc_server_options_t *sopts,
                          const cgrpc_channel_options_t *copts) {
  cgrpc_error_t err;
  CHECK_EQ_INT(cgrpc_server_new(sopts, &f->srv, &err), CGRPC_STATUS_OK);
  CHECK_EQ_INT(cgrpc_server_listen(f->srv, "127.0.0.1:0", &f->port, &err), CGRPC_STATUS_OK);
  CHECK(f->port > 0);
  cgrpc_server_handler_fn handlers[] = {h_unary, h_unary, h_server_stream, h_client_stream, h_bidi,
                                        h_slow,  h_fail,  h_echo,          h_later};
  for (size_t i = 0; i < sizeof handlers / sizeof handlers[0]; i++) {
    cgrpc_handler_mode_t mode =
        (i == M_INLINE || i == M_LATER) ? CGRPC_HANDLER_INLINE : CGRPC_HANDLER_BLOCKING;
    void *ud = i == M_BIDI ? &g_bidi_outcome : NULL;
    CHECK_EQ_INT(cgrpc_server_register(f->srv, &test_methods[i], handlers[i], ud, mode, &err),
                 CGRPC_STATUS_OK);
  }
  CHECK_EQ_INT(
      cgrpc_server_register(f->srv, &test_methods[0], h_unary, NULL, CGRPC_HANDLER_BLOCKING, &err),
      CGRPC_STATUS_ALREADY_EXISTS);
  CHECK_EQ_INT(cgrpc_server_start(f->srv, &err), CGRPC_STATUS_OK);
  char target[64];
  snprintf(target, sizeof target, "127.0.0.1:%d", f->port);
  CHECK_EQ_INT(cgrpc_channel_new(target, copts, &f->ch, &err), CGRPC_STATUS_OK);
}

static void fixture_stop(fixture_t *f) {
  cgrpc_channel_free(f->ch);
  cgrpc_server_shutdown(f->srv, CGRPC_NS_PER_SEC);
  cgrpc_server_free(f->srv);
}

/* ---- Tests ------------------------------------------------------------------------------ */

/* A unary call to the blocking and to the inline handler, `rounds` times. */
static void unary_round_trips(fixture_t *f, int rounds) {
  for (int i = 0; i < 2 * rounds; i++) {
    int which = i % 2 ? M_INLINE : M_UNARY;
    cgrpc_arena_t arena;
    cgrpc_arena_init(&arena, NULL, 0);
    test_Msg req = {.text = test_str("hello"), .num = 41}, resp;
    cgrpc_status_t st;
    CHECK_EQ_INT(cgrpc_unary(f->ch, &test_methods[which], &req, &resp, &arena, NULL, &st),
                 CGRPC_STATUS_OK);
    CHECK_EQ_INT(st.code, CGRPC_STATUS_OK);
    CHECK(test_str_is(resp.text, "hello"));
    CHECK_EQ_INT(resp.num, 42);
    cgrpc_arena_free(&arena);
  }
}

/* A call the server answers from another thread, 20 ms later. */
static void call_answered_later(fixture_t *f) {
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  test_Msg req = {.num = 1}, resp;
  CHECK_EQ_INT(cgrpc_unary(f->ch, &test_methods[M_LATER], &req, &resp, &arena, NULL, NULL),
               CGRPC_STATUS_OK);
  CHECK(test_str_is(resp.text, "from another thread"));
  cgrpc_arena_free(&arena);
}

static void test_unary_blocking_and_inline(void) {
  fixture_t f;
  fixture_start(&f, NULL, NULL);
  unary_round_trips(&f, 1);
  fixture_stop(&f);
}

static void *blocking_caller(void *arg) {
  unary_round_trips(arg, 100);
  return NULL;
}

/* Blocking calls from many threads on one channel: one thread at a time
 * drives the loop as its guest, the others sleep until it (or the loop's
 * own thread) completes their calls. Every call must complete. */
static void test_blocking_calls_from_many_threads(void) {
  fixture_t f;
  fixture_start(&f, NULL, NULL);
  pthread_t threads[8];
  for (int i = 0; i < 8; i++)
    CHECK_EQ_INT(pthread_create(&threads[i], NULL, blocking_caller, &f), 0);
  for (int i = 0; i < 8; i++) pthread_join(threads[i], NULL);
  fixture_stop(&f);
}

typedef struct {
  atomic_int done;
  pthread_t thread;
  cgrpc_status_code_t code;
  test_Msg resp;
  cgrpc_arena_t arena;
} async_probe_t;

static void on_async_status(void *user_data, const cgrpc_status_t *status) {
  async_probe_t *p = user_data;
  p->thread = pthread_self();
  p->code = status->code;
  atomic_store(&p->done, 1);
}

/* Once a channel has been given a callback, callbacks run on its own
 * thread, never on an application thread that happens to be driving the
 * loop inside a blocking call: here the async call's answer arrives while
 * the main thread is in a longer blocking call. */
static void test_callbacks_run_on_the_channel_thread(void) {
  fixture_t f;
  fixture_start(&f, NULL, NULL);
  unary_round_trips(&f, 5); /* the main thread has driven the loop */
  async_probe_t p = {0};
  cgrpc_arena_init(&p.arena, NULL, 0);
  test_Msg req = {.num = 300}, resp;
  cgrpc_unary_async(f.ch, &test_methods[M_LATER], &req, &p.resp, &p.arena, NULL, on_async_status,
                    &p);
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  CHECK_EQ_INT(cgrpc_unary(f.ch, &test_methods[M_SLOW], &req, &resp, &arena, NULL, NULL),
               CGRPC_STATUS_OK);
  for (int i = 0; i < 500 && !atomic_load(&p.done); i++) test_sleep_ms(10);
  CHECK(atomic_load(&p.done));
  CHECK_EQ_INT(p.code, CGRPC_STATUS_OK);
  CHECK(test_str_is(p.resp.text, "from another thread"));
  CHECK(!pthread_equal(p.thread, pthread_self()));
  cgrpc_arena_free(&arena);
  cgrpc_arena_free(&p.arena);
  fixture_stop(&f);
}

/* A blocking call made from a callback (the channel's own thread) would
 * wait for itself: it fails INTERNAL at once and logs an ERROR that names
 * the method, so the mistake does not pass for a network problem. */
typedef struct nested_probe {
  fixture_t *f;
  atomic_int done;
  cgrpc_status_code_t nested_code;
  cgrpc_arena_t arena;
  test_Msg resp;
} nested_probe_t;

static void on_outer_status(void *user_data, const cgrpc_status_t *status) {
  nested_probe_t *p = user_data;
  (void)status;
  test_Msg req = {.num = 1}, resp;
  p->nested_code = cgrpc_unary(p->f->ch, &test_methods[M_UNARY], &req, &resp, &p->arena, NULL,
                               NULL);
  atomic_store(&p->done, 1);
}

typedef struct log_capture {
  pthread_mutex_t mu;
  char last[512];
  int errors;
} log_capture_t;

static void capture_log(void *user_data, cgrpc_log_level_t level, const char *message) {
  log_capture_t *c = user_data;
  pthread_mutex_lock(&c->mu);
  if (level == CGRPC_LOG_ERROR) {
    c->errors++;
    snprintf(c->last, sizeof c->last, "%s", message);
  }
  pthread_mutex_unlock(&c->mu);
}

static void test_blocking_call_in_a_callback_is_loud(void) {
  fixture_t f;
  fixture_start(&f, NULL, NULL);
  log_capture_t cap = {.mu = PTHREAD_MUTEX_INITIALIZER};
  cgrpc_log_set_handler(capture_log, &cap);
  nested_probe_t p = {.f = &f};
  cgrpc_arena_init(&p.arena, NULL, 0);
  test_Msg req = {.num = 2};
  cgrpc_unary_async(f.ch, &test_methods[M_UNARY], &req, &p.resp, &p.arena, NULL, on_outer_status,
                    &p);
  for (int i = 0; i < 500 && !atomic_load(&p.done); i++) test_sleep_ms(10);
  cgrpc_log_set_handler(NULL, NULL);
  CHECK(atomic_load(&p.done));
  CHECK_EQ_INT(p.nested_code, CGRPC_STATUS_INTERNAL);
  pthread_mutex_lock(&cap.mu);
  CHECK_EQ_INT(cap.errors, 1);
  CHECK(strstr(cap.last, test_methods[M_UNARY].path) != NULL);
  CHECK(strstr(cap.last, "callback") != NULL);
  pthread_mutex_unlock(&cap.mu);
  cgrpc_arena_free(&p.arena);
  fixture_stop(&f);
}

/* Busy polling on both ends changes when the loops sleep, nothing else:
 * calls, a reply from another thread (a post into a spinning loop) and a
 * deadline (a timer that comes due during a spin) behave as without it. */
static void test_busy_polling_both_ends(void) {
  fixture_t f;
  cgrpc_server_options_t sopts = CGRPC_SERVER_OPTIONS_INIT;
  cgrpc_channel_options_t copts = CGRPC_CHANNEL_OPTIONS_INIT;
  sopts.busy_poll_ns = 200 * CGRPC_NS_PER_US;
  copts.busy_poll_ns = 200 * CGRPC_NS_PER_US;
  fixture_start(&f, &sopts, &copts);
  unary_round_trips(&f, 50);
  call_answered_later(&f);
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  test_Msg req = {.num = 3000}, resp;
  cgrpc_call_options_t opts = {.timeout_ns = 50 * CGRPC_NS_PER_MS};
  int64_t t0 = cgrpc_clock_now();
  CHECK_EQ_INT(cgrpc_unary(f.ch, &test_methods[M_SLOW], &req, &resp, &arena, &opts, NULL),
               CGRPC_STATUS_DEADLINE_EXCEEDED);
  int64_t took = cgrpc_clock_now() - t0;
  CHECK(took >= 45 * CGRPC_NS_PER_MS && took < 2000 * CGRPC_NS_PER_MS);
  cgrpc_arena_free(&arena);
  fixture_stop(&f);
}

static void test_reply_from_another_thread(void) {
  fixture_t f;
  fixture_start(&f, NULL, NULL);
  call_answered_later(&f);
  fixture_stop(&f);
}

static void test_server_streaming(void) {
  fixture_t f;
  fixture_start(&f, NULL, NULL);
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  cgrpc_call_t *call = cgrpc_call_start(f.ch, &test_methods[M_SERVER_STREAM], NULL);
  test_Msg req = {.num = 50}, m;
  CHECK(cgrpc_call_send(call, &req, 0, NULL, NULL));
  cgrpc_call_half_close(call);
  int n = 0;
  while (cgrpc_call_recv(call, &m, &arena, NULL, NULL)) {
    CHECK_EQ_INT(m.num, n);
    n++;
  }
  CHECK_EQ_INT(n, 50);
  cgrpc_status_t st;
  CHECK_EQ_INT(cgrpc_call_finish(call, &arena, &st), CGRPC_STATUS_OK);
  cgrpc_arena_free(&arena);
  fixture_stop(&f);
}

static void test_client_streaming(void) {
  fixture_t f;
  fixture_start(&f, NULL, NULL);
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  cgrpc_call_t *call = cgrpc_call_start(f.ch, &test_methods[M_CLIENT_STREAM], NULL);
  for (int i = 1; i <= 10; i++) {
    test_Msg m = {.num = i};
    CHECK(cgrpc_call_send(call, &m, 0, NULL, NULL));
  }
  cgrpc_call_half_close(call);
  test_Msg resp;
  CHECK(cgrpc_call_recv(call, &resp, &arena, NULL, NULL));
  CHECK(test_str_is(resp.text, "10 messages"));
  CHECK_EQ_INT(resp.num, 55);
  CHECK(!cgrpc_call_recv(call, &resp, &arena, NULL, NULL));
  CHECK_EQ_INT(cgrpc_call_finish(call, &arena, NULL), CGRPC_STATUS_OK);
  cgrpc_arena_free(&arena);
  fixture_stop(&f);
}

static void test_bidi_and_cancel(void) {
  fixture_t f;
  fixture_start(&f, NULL, NULL);
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  /* Lock-step, then a clean end. */
  cgrpc_call_t *call = cgrpc_call_start(f.ch, &test_methods[M_BIDI], NULL);
  for (int i = 0; i < 20; i++) {
    test_Msg m = {.num = i}, r;
    CHECK(cgrpc_call_send(call, &m, 0, NULL, NULL));
    CHECK(cgrpc_call_recv(call, &r, &arena, NULL, NULL));
    CHECK_EQ_INT(r.num, 2 * i);
  }
  cgrpc_call_half_close(call);
  test_Msg r;
  CHECK(!cgrpc_call_recv(call, &r, &arena, NULL, NULL));
  CHECK_EQ_INT(cgrpc_call_finish(call, &arena, NULL), CGRPC_STATUS_OK);
  CHECK_EQ_INT(atomic_load(&g_bidi_outcome), 2);
  /* Cancelled after the first reply: both sides see it. */
  atomic_store(&g_bidi_outcome, 0);
  call = cgrpc_call_start(f.ch, &test_methods[M_BIDI], NULL);
  test_Msg m = {.num = 7};
  CHECK(cgrpc_call_send(call, &m, 0, NULL, NULL));
  CHECK(cgrpc_call_recv(call, &r, &arena, NULL, NULL));
  cgrpc_call_cancel(call);
  CHECK(!cgrpc_call_recv(call, &r, &arena, NULL, NULL));
  CHECK(!cgrpc_call_send(call, &m, 0, NULL, NULL));
  cgrpc_status_t st;
  CHECK_EQ_INT(cgrpc_call_finish(call, &arena, &st), CGRPC_STATUS_CANCELLED);
  for (int i = 0; i < 200 && atomic_load(&g_bidi_outcome) == 0; i++) test_sleep_ms(5);
  CHECK_EQ_INT(atomic_load(&g_bidi_outcome), 1);
  cgrpc_arena_free(&arena);
  fixture_stop(&f);
}

static void test_deadline(void) {
  fixture_t f;
  fixture_start(&f, NULL, NULL);
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  atomic_store(&g_slow_cancelled, -1);
  test_Msg req = {.num = 3000}, resp;
  cgrpc_call_options_t opts = {.timeout_ns = 100 * CGRPC_NS_PER_MS};
  int64_t t0 = cgrpc_clock_now();
  cgrpc_status_t st;
  CHECK_EQ_INT(cgrpc_unary(f.ch, &test_methods[M_SLOW], &req, &resp, &arena, &opts, &st),
               CGRPC_STATUS_DEADLINE_EXCEEDED);
  int64_t took = cgrpc_clock_now() - t0;
  CHECK(took >= 90 * CGRPC_NS_PER_MS && took < 2000 * CGRPC_NS_PER_MS);
  /* The server enforced the deadline too: the handler saw cancellation. */
  for (int i = 0; i < 400 && atomic_load(&g_slow_cancelled) == -1; i++) test_sleep_ms(5);
  CHECK_EQ_INT(atomic_load(&g_slow_cancelled), 1);
  /* A deadline already passed never leaves. */
  opts = (cgrpc_call_options_t){.timeout_ns = -1};
  CHECK_EQ_INT(cgrpc_unary(f.ch, &test_methods[M_UNARY], &req, &resp, &arena, &opts, NULL),
               CGRPC_STATUS_DEADLINE_EXCEEDED);
  cgrpc_arena_free(&arena);
  fixture_stop(&f);
}

static void test_status_and_unimplemented(void) {
  fixture_t f;
  fixture_start(&f, NULL, NULL);
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  const char special[] =
      "\t\ntest with whitespace\r\nand Unicode BMP \xe2\x98\xba and non-BMP \xf0\x9f\x98\x88\t\n";
  test_Msg req = {.text = test_str(special), .num = CGRPC_STATUS_FAILED_PRECONDITION}, resp;
  cgrpc_status_t st;
  CHECK_EQ_INT(cgrpc_unary(f.ch, &test_methods[M_FAIL], &req, &resp, &arena, NULL, &st),
               CGRPC_STATUS_FAILED_PRECONDITION);
  CHECK(test_str_is(st.message, special));
  const cgrpc_str_t *failed = cgrpc_metadata_get(&st.trailing_metadata, "x-failed");
  CHECK(failed && test_str_is(*failed, "yes"));
  CHECK_EQ_INT(cgrpc_unary(f.ch, &test_unknown_method, &req, &resp, &arena, NULL, &st),
               CGRPC_STATUS_UNIMPLEMENTED);
  CHECK(strstr(st.message.data, "/test.Svc/Nope") != NULL);
  CHECK_EQ_INT(cgrpc_unary(f.ch, &test_unknown_service, &req, &resp, &arena, NULL, &st),
               CGRPC_STATUS_UNIMPLEMENTED);
  cgrpc_arena_free(&arena);
  fixture_stop(&f);
}

static void test_metadata_and_compression(void) {
  fixture_t f;
  fixture_start(&f, NULL, NULL);
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  cgrpc_metadata_t md = CGRPC_METADATA_INIT;
  CHECK(cgrpc_metadata_add_str(&md, &arena, "x-echo-initial", "test_initial_metadata_value"));
  CHECK(cgrpc_metadata_add(&md, &arena, "x-echo-trailing-bin", "\xab\xab\xab", 3));
  char big[3000];
  memset(big, 'c', sizeof big);
  for (int compress = 0; compress <= 1; compress++) {
    cgrpc_call_options_t opts = {
        .metadata = &md, .compression = compress ? CGRPC_ENCODING_GZIP : CGRPC_ENCODING_IDENTITY};
    test_Msg req = {.text = test_str("m"), .num = compress, .blob = {big, sizeof big}}, resp;
    cgrpc_status_t st;
    CHECK_EQ_INT(cgrpc_unary(f.ch, &test_methods[M_ECHO], &req, &resp, &arena, &opts, &st),
                 CGRPC_STATUS_OK);
    CHECK_EQ_INT(resp.num, compress); /* the server saw the request compressed or not */
    CHECK_EQ_UINT(resp.blob.len, sizeof big);
    const cgrpc_str_t *ini = cgrpc_metadata_get(&st.initial_metadata, "x-echo-initial");
    CHECK(ini && test_str_is(*ini, "test_initial_metadata_value"));
    const cgrpc_str_t *tr = cgrpc_metadata_get(&st.trailing_metadata, "x-echo-trailing-bin");
    CHECK(tr && tr->len == 3 && memcmp(tr->data, "\xab\xab\xab", 3) == 0);
  }
  /* The response compression is visible on a streaming call. */
  cgrpc_call_options_t opts = {.compression = CGRPC_ENCODING_DEFLATE};
  cgrpc_call_t *call = cgrpc_call_start(f.ch, &test_methods[M_ECHO], &opts);
  test_Msg req = {.num = 1, .blob = {big, sizeof big}}, resp;
  CHECK(cgrpc_call_send(call, &req, 0, NULL, NULL));
  cgrpc_call_half_close(call);
  CHECK(cgrpc_call_recv(call, &resp, &arena, NULL, NULL));
  CHECK(cgrpc_call_last_message_compressed(call));
  CHECK_EQ_INT(resp.num, 1);
  CHECK_EQ_INT(cgrpc_call_finish(call, &arena, NULL), CGRPC_STATUS_OK);
  /* A message marked "do not compress" goes out plain. */
  call = cgrpc_call_start(f.ch, &test_methods[M_ECHO], &opts);
  CHECK(cgrpc_call_send(call, &req, CGRPC_WRITE_NO_COMPRESS, NULL, NULL));
  cgrpc_call_half_close(call);
  CHECK(cgrpc_call_recv(call, &resp, &arena, NULL, NULL));
  CHECK_EQ_INT(resp.num, 0);
  CHECK_EQ_INT(cgrpc_call_finish(call, &arena, NULL), CGRPC_STATUS_OK);
  cgrpc_arena_free(&arena);
  fixture_stop(&f);
}

static void test_large_message_and_limits(void) {
  cgrpc_server_options_t so = CGRPC_SERVER_OPTIONS_INIT;
  cgrpc_channel_options_t co = CGRPC_CHANNEL_OPTIONS_INIT;
  so.max_receive_message_size = 16 << 20;
  co.max_receive_message_size = 16 << 20;
  fixture_t f;
  fixture_start(&f, &so, &co);
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  size_t len = 10 << 20;
  char *blob = malloc(len);
  for (size_t i = 0; i < len; i++) blob[i] = (char)(i * 7);
  test_Msg req = {.num = 1, .blob = {blob, len}}, resp;
  CHECK_EQ_INT(cgrpc_unary(f.ch, &test_methods[M_UNARY], &req, &resp, &arena, NULL, NULL),
               CGRPC_STATUS_OK);
  CHECK(resp.blob.len == len && memcmp(resp.blob.data, blob, len) == 0);
  cgrpc_arena_free(&arena);
  fixture_stop(&f);
  /* With the default 4 MiB limits: RESOURCE_EXHAUSTED both ways. */
  fixture_start(&f, NULL, NULL);
  cgrpc_arena_init(&arena, NULL, 0);
  cgrpc_status_t st;
  CHECK_EQ_INT(cgrpc_unary(f.ch, &test_methods[M_UNARY], &req, &resp, &arena, NULL, &st),
               CGRPC_STATUS_RESOURCE_EXHAUSTED);
  cgrpc_arena_free(&arena);
  fixture_stop(&f);
  free(blob);
}

int main(void) {
  TEST_RUN(test_unary_blocking_and_inline);
  TEST_RUN(test_reply_from_another_thread);
  TEST_RUN(test_server_streaming);
  TEST_RUN(test_client_streaming);
  TEST_RUN(test_bidi_and_cancel);
  TEST_RUN(test_deadline);
  TEST_RUN(test_status_and_unimplemented);
  TEST_RUN(test_metadata_and_compression);
  TEST_RUN(test_large_message_and_limits);
  TEST_RUN(test_busy_polling_both_ends);
  TEST_RUN(test_blocking_calls_from_many_threads);
  TEST_RUN(test_callbacks_run_on_the_channel_thread);
  TEST_RUN(test_blocking_call_in_a_callback_is_loud);
  return TEST_DONE();
}

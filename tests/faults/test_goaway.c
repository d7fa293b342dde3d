/* tests/faults/test_goaway.c — servers that leave (GOAWAY) or turn calls
 * away (REFUSED_STREAM).
 *
 * After GOAWAY the calls at or below its last-stream-id finish on the old
 * connection, and new calls go to a new one. A call the server never
 * processed — above the last-stream-id, or refused with REFUSED_STREAM —
 * is safe to send again (the protocol guarantees the server did not act on
 * it), so the channel retries it once, transparently; a second refusal
 * reaches the application as UNAVAILABLE.
 *
 * Two kinds of servers: cgrpc itself doing a graceful shutdown while a
 * replacement starts on the same port, and the scripted HTTP/2 server
 * (h2_script_server.py), which sends GOAWAY and RST_STREAM on cue.
 */
#define _POSIX_C_SOURCE 200809L

#include <signal.h>

#include "fault_calls.h"

/* ---- A cgrpc server shuts down gracefully, a new one takes its port ------------------ */

typedef struct bg_call {
  cgrpc_channel_t *ch;
  int method, num;
  fault_result_t r;
} bg_call_t;

static void *bg_call_main(void *arg) {
  bg_call_t *b = arg;
  b->r = fault_unary(b->ch, b->method, b->num, NULL);
  return NULL;
}

static void *bg_shutdown_main(void *srv) {
  cgrpc_server_shutdown(srv, 10 * CGRPC_NS_PER_SEC);
  return NULL;
}

static void test_graceful_shutdown_and_replacement(void) {
  int port = 0;
  cgrpc_server_t *old_srv = fault_server_start(0, "old", &port);
  CHECK(old_srv != NULL);
  if (!old_srv) return;
  cgrpc_channel_t *ch = test_loopback_channel(port, NULL);
  fault_result_t r = fault_unary(ch, M_UNARY, 1, NULL);
  CHECK_EQ_INT(r.code, CGRPC_STATUS_OK);
  CHECK_EQ_STR(r.text, "old");

  /* A call in flight when the old server starts leaving. */
  bg_call_t slow = {.ch = ch, .method = M_SLOW, .num = 1000};
  pthread_t slow_thread, shutdown_thread;
  pthread_create(&slow_thread, NULL, bg_call_main, &slow);
  test_sleep_ms(200);
  pthread_create(&shutdown_thread, NULL, bg_shutdown_main, old_srv);

  /* The old server closes its listener first; the new one binds as soon
   * as the port is free. */
  cgrpc_server_t *new_srv = NULL;
  for (int i = 0; i < 200 && !new_srv; i++) {
    new_srv = fault_server_start(port, "new", NULL);
    if (!new_srv) test_sleep_ms(10);
  }
  CHECK(new_srv != NULL);

  /* New calls while the old connection drains: whichever connection they
   * land on during the handover, they succeed. */
  for (int i = 0; i < 5; i++) {
    r = fault_unary(ch, M_UNARY, i, NULL);
    if (r.code != CGRPC_STATUS_OK) fault_report("call during the handover", &r);
    CHECK_EQ_INT(r.code, CGRPC_STATUS_OK);
  }
  pthread_join(slow_thread, NULL);
  fault_report("call in flight across GOAWAY", &slow.r);
  CHECK_EQ_INT(slow.r.code, CGRPC_STATUS_OK);
  CHECK_EQ_STR(slow.r.text, "old");
  pthread_join(shutdown_thread, NULL);
  cgrpc_server_free(old_srv);

  /* The old server is gone: the channel is on the new one. */
  r = fault_unary(ch, M_UNARY, 1, NULL);
  CHECK_EQ_INT(r.code, CGRPC_STATUS_OK);
  CHECK_EQ_STR(r.text, "new");
  cgrpc_channel_free(ch);
  cgrpc_server_free(new_srv);
}

/* ---- Scripted servers -------------------------------------------------------------------- */

typedef struct async_call {
  cgrpc_arena_t arena;
  test_Msg resp;
  atomic_int done;
  cgrpc_status_code_t code;
  char message[256];
} async_call_t;

static void async_done(void *ud, const cgrpc_status_t *st) {
  async_call_t *a = ud;
  a->code = st->code;
  snprintf(a->message, sizeof a->message, "%s", st->message.data);
  atomic_store(&a->done, 1);
}

static void async_start(cgrpc_channel_t *ch, async_call_t *a, int method) {
  memset(&a->resp, 0, sizeof a->resp);
  cgrpc_arena_init(&a->arena, NULL, 0);
  atomic_store(&a->done, 0);
  test_Msg req = {.num = 1};
  cgrpc_call_options_t opts = {.timeout_ns = 10 * CGRPC_NS_PER_SEC};
  cgrpc_unary_async(ch, &test_methods[method], &req, &a->resp, &a->arena, &opts, async_done, a);
}

static bool async_wait(async_call_t *a) {
  for (int i = 0; i < 2000 && !atomic_load(&a->done); i++) test_sleep_ms(5);
  return atomic_load(&a->done) != 0;
}

static bool text_is(const test_Msg *m, const char *want) { return test_str_is(m->text, want); }

/* Two calls on one connection; GOAWAY names the first as the last stream:
 * it completes there, the second is retried on a new connection. */
static void test_goaway_last_stream_id(void) {
  fault_proc_t script;
  cgrpc_channel_t *ch = fault_script_channel(&script, "goaway");
  if (!ch) {
    CHECK(false);
    return;
  }
  async_call_t a, b;
  async_start(ch, &a, M_UNARY);
  async_start(ch, &b, M_UNARY);
  CHECK(async_wait(&a));
  CHECK(async_wait(&b));
  fprintf(stderr, "  first: %s \"%.*s\"; second: %s \"%.*s\" (%s)\n",
          cgrpc_status_code_name(a.code), (int)a.resp.text.len, a.resp.text.data,
          cgrpc_status_code_name(b.code), (int)b.resp.text.len, b.resp.text.data, b.message);
  CHECK_EQ_INT(a.code, CGRPC_STATUS_OK);
  CHECK_EQ_INT(b.code, CGRPC_STATUS_OK);
  /* One of them was the last stream and stayed; the other moved. */
  CHECK((text_is(&a.resp, "conn1") && text_is(&b.resp, "conn2/stream1")) ||
        (text_is(&b.resp, "conn1") && text_is(&a.resp, "conn2/stream1")));
  /* New calls use the new connection. */
  fault_result_t r = fault_unary(ch, M_UNARY, 1, NULL);
  CHECK_EQ_INT(r.code, CGRPC_STATUS_OK);
  CHECK_EQ_STR(r.text, "conn2/stream3");
  cgrpc_channel_free(ch);
  cgrpc_arena_free(&a.arena);
  cgrpc_arena_free(&b.arena);
  fault_proc_stop(&script, SIGTERM);
  char log[512];
  fault_proc_output(&script, log, sizeof log);
  CHECK(strstr(log, "GOAWAY 1") != NULL);
}

/* REFUSED_STREAM: the server did not process the call; it is retried (on
 * the same connection, which still takes calls) and succeeds. */
static void test_refused_stream_is_retried(void) {
  fault_proc_t script;
  cgrpc_channel_t *ch = fault_script_channel(&script, "refuse");
  if (!ch) {
    CHECK(false);
    return;
  }
  fault_result_t r = fault_unary(ch, M_UNARY, 1, NULL);
  fault_report("refused once", &r);
  CHECK_EQ_INT(r.code, CGRPC_STATUS_OK);
  CHECK_EQ_STR(r.text, "conn1/stream3");
  cgrpc_channel_free(ch);
  fault_proc_end(&script);
}

/* Refused again after the retry: the application sees UNAVAILABLE, and the
 * server saw exactly two attempts (one retry, not a loop). */
static void test_retry_happens_once(void) {
  fault_proc_t script;
  cgrpc_channel_t *ch = fault_script_channel(&script, "refuse_unary");
  if (!ch) {
    CHECK(false);
    return;
  }
  fault_result_t r = fault_unary(ch, M_UNARY, 1, NULL);
  fault_report("refused twice", &r);
  CHECK_EQ_INT(r.code, CGRPC_STATUS_UNAVAILABLE);
  CHECK(strstr(r.message, "REFUSED_STREAM") != NULL || strstr(r.message, "code 7") != NULL);
  r = fault_unary(ch, M_ECHO, 1, NULL);
  CHECK_EQ_INT(r.code, CGRPC_STATUS_OK);
  CHECK_EQ_INT(r.num, 2);
  cgrpc_channel_free(ch);
  fault_proc_end(&script);
}

/* A client-streaming call that sends three messages (num 0, 1, 2, each
 * carrying `blob`) and half-closes. */
static cgrpc_call_t *send_three(cgrpc_channel_t *ch, cgrpc_str_t blob) {
  cgrpc_call_t *call = cgrpc_call_start(ch, &test_methods[M_CLIENT_STREAM], NULL);
  for (int i = 0; i < 3; i++) {
    test_Msg m = {.num = i, .blob = blob};
    CHECK(cgrpc_call_send(call, &m, 0, NULL, NULL));
  }
  cgrpc_call_half_close(call);
  return call;
}

/* A streaming call is retried too when the server refused it, with the
 * messages it had sent before the refusal. */
static void test_refused_stream_keeps_sent_messages(void) {
  fault_proc_t script;
  cgrpc_channel_t *ch = fault_script_channel(&script, "refuse");
  if (!ch) {
    CHECK(false);
    return;
  }
  cgrpc_call_t *call = send_three(ch, (cgrpc_str_t){NULL, 0});
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  test_Msg resp;
  CHECK(cgrpc_call_recv(call, &resp, &arena, NULL, NULL));
  CHECK(text_is(&resp, "conn1/stream3"));
  CHECK_EQ_INT(resp.num, 3); /* the retry carried every message */
  cgrpc_status_t st;
  CHECK_EQ_INT(cgrpc_call_finish(call, &arena, &st), CGRPC_STATUS_OK);
  cgrpc_arena_free(&arena);
  cgrpc_channel_free(ch);
  fault_proc_end(&script);
}

/* A call that sent more than the replay buffer (256 KiB) before the server
 * answered cannot be replayed: the refusal reaches the application. */
static void test_no_retry_past_replay_buffer(void) {
  fault_proc_t script;
  cgrpc_channel_t *ch = fault_script_channel(&script, "refuse");
  if (!ch) {
    CHECK(false);
    return;
  }
  static char blob[100 * 1024];
  memset(blob, 'b', sizeof blob);
  cgrpc_call_t *call = send_three(ch, (cgrpc_str_t){blob, sizeof blob});
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  test_Msg resp;
  CHECK(!cgrpc_call_recv(call, &resp, &arena, NULL, NULL));
  cgrpc_status_t st;
  CHECK_EQ_INT(cgrpc_call_finish(call, &arena, &st), CGRPC_STATUS_UNAVAILABLE);
  CHECK(strstr(st.message.data, "REFUSED_STREAM") != NULL);
  cgrpc_arena_free(&arena);
  cgrpc_channel_free(ch);
  fault_proc_end(&script);
}

int main(void) {
  TEST_RUN(test_graceful_shutdown_and_replacement);
  TEST_RUN(test_goaway_last_stream_id);
  TEST_RUN(test_refused_stream_is_retried);
  TEST_RUN(test_retry_happens_once);
  TEST_RUN(test_refused_stream_keeps_sent_messages);
  TEST_RUN(test_no_retry_past_replay_buffer);
  return TEST_DONE();
}

/* tests/unit/rpc/test_interceptor.c — server and client interceptors: the
 * chain order, for all four call kinds; reading and changing metadata and
 * messages; ending calls early from each hook; the summary on_end sees;
 * registration errors; the logging interceptor. */
#define _POSIX_C_SOURCE 200809L

#include "interceptor_test_util.h"
#include "server_log_capture.h"

/* ---- Interceptors used by the tests ------------------------------------------------------ */

/* Traces every hook under its name (user_data) and marks the metadata. */
static cgrpc_status_code_t tr_start(cgrpc_interceptor_call_t *call, cgrpc_metadata_t *md,
                                    cgrpc_arena_t *arena, void *ud, cgrpc_error_t *err) {
  (void)call;
  (void)err;
  trace_add(ud, "start");
  cgrpc_metadata_add_str(md, arena, "x-by", ud);
  return CGRPC_STATUS_OK;
}
static cgrpc_status_code_t tr_receive(cgrpc_interceptor_call_t *call, void *msg,
                                      cgrpc_arena_t *arena, void *ud, cgrpc_error_t *err) {
  (void)call, (void)msg, (void)arena, (void)err;
  trace_add(ud, "recv");
  return CGRPC_STATUS_OK;
}
static cgrpc_status_code_t tr_send(cgrpc_interceptor_call_t *call, const void **msg,
                                   cgrpc_arena_t *arena, void *ud, cgrpc_error_t *err) {
  (void)call, (void)msg, (void)arena, (void)err;
  trace_add(ud, "send");
  return CGRPC_STATUS_OK;
}

static pthread_mutex_t g_summary_mu = PTHREAD_MUTEX_INITIALIZER;
static cgrpc_call_summary_t g_summary;
static char g_summary_message[128], g_summary_trailer[64];

static void tr_end(cgrpc_interceptor_call_t *call, const cgrpc_call_summary_t *s, void *ud) {
  (void)call;
  pthread_mutex_lock(&g_summary_mu);
  g_summary = *s;
  snprintf(g_summary_message, sizeof g_summary_message, "%.*s", CGRPC_STR_ARGS(s->message));
  const char *t = cgrpc_metadata_get_cstr(s->trailing_metadata, "x-trailer");
  snprintf(g_summary_trailer, sizeof g_summary_trailer, "%s", t ? t : "");
  pthread_mutex_unlock(&g_summary_mu);
  trace_add(ud, "end");
}
static const cgrpc_interceptor_t tracer = {"tracer", tr_start, tr_receive, tr_send, tr_end};

/* Ends every call in on_start. */
static cgrpc_status_code_t deny_start(cgrpc_interceptor_call_t *call, cgrpc_metadata_t *md,
                                      cgrpc_arena_t *arena, void *ud, cgrpc_error_t *err) {
  (void)call, (void)md, (void)arena;
  trace_add(ud, "start");
  snprintf(err->message, sizeof err->message, "denied by %s", (const char *)ud);
  return CGRPC_STATUS_PERMISSION_DENIED;
}
static const cgrpc_interceptor_t denier = {"denier", deny_start, tr_receive, tr_send, tr_end};

/* Ends the call on the first message received / sent. */
static cgrpc_status_code_t refuse_receive(cgrpc_interceptor_call_t *call, void *msg,
                                          cgrpc_arena_t *arena, void *ud, cgrpc_error_t *err) {
  (void)call, (void)msg, (void)arena, (void)ud;
  snprintf(err->message, sizeof err->message, "bad message");
  return CGRPC_STATUS_INVALID_ARGUMENT;
}
static cgrpc_status_code_t refuse_send(cgrpc_interceptor_call_t *call, const void **msg,
                                       cgrpc_arena_t *arena, void *ud, cgrpc_error_t *err) {
  (void)call, (void)msg, (void)arena, (void)ud, (void)err;
  return CGRPC_STATUS_ABORTED; /* no message: the library names the code */
}
static const cgrpc_interceptor_t receive_refuser = {"receive_refuser", NULL, refuse_receive, NULL,
                                                    tr_end};
static const cgrpc_interceptor_t send_refuser = {"send_refuser", NULL, NULL, refuse_send, tr_end};

/* Changes messages: received ones get num + 100, sent ones are replaced by
 * a copy whose text is "changed". */
static cgrpc_status_code_t mut_receive(cgrpc_interceptor_call_t *call, void *msg,
                                       cgrpc_arena_t *arena, void *ud, cgrpc_error_t *err) {
  (void)call, (void)arena, (void)ud, (void)err;
  ((test_Msg *)msg)->num += 100;
  return CGRPC_STATUS_OK;
}
static cgrpc_status_code_t mut_send(cgrpc_interceptor_call_t *call, const void **msg,
                                    cgrpc_arena_t *arena, void *ud, cgrpc_error_t *err) {
  (void)ud, (void)err;
  CHECK(cgrpc_interceptor_call_method(call)->output == &test_Msg_table);
  test_Msg *copy = cgrpc_arena_alloc(arena, sizeof *copy);
  if (!copy) return CGRPC_STATUS_RESOURCE_EXHAUSTED;
  *copy = *(const test_Msg *)*msg;
  copy->text = test_str("changed");
  *msg = copy;
  return CGRPC_STATUS_OK;
}
static const cgrpc_interceptor_t mutator = {"mutator", NULL, mut_receive, mut_send, NULL};

/* ---- Handlers ------------------------------------------------------------------------------ */

/* The "x-by" metadata values, joined: what the interceptors left. */
static cgrpc_str_t joined_by(cgrpc_server_call_t *call) {
  const cgrpc_metadata_t *md = cgrpc_server_call_metadata(call);
  char buf[64] = "";
  for (size_t i = 0; i < md->count; i++) {
    if (!test_str_is(md->entries[i].key, "x-by")) continue;
    size_t used = strlen(buf);
    snprintf(buf + used, sizeof buf - used, "%s%s", used ? "," : "", md->entries[i].value.data);
  }
  return cgrpc_server_call_printf(call, "%s", buf);
}

static void h_unary(cgrpc_server_call_t *call, const void *request, void *ud) {
  (void)ud;
  const test_Msg *req = request;
  trace_add("H", "run");
  if (test_str_is(req->text, "fail")) {
    cgrpc_metadata_t tr = CGRPC_METADATA_INIT;
    cgrpc_metadata_add_str(&tr, cgrpc_server_call_arena(call), "x-trailer", "t1");
    cgrpc_server_call_finish(call, CGRPC_STATUS_NOT_FOUND, "nope", &tr);
    return;
  }
  test_Msg resp = {.text = joined_by(call), .num = req->num};
  cgrpc_server_call_reply(call, &resp);
}

static void h_server_stream(cgrpc_server_call_t *call, const void *request, void *ud) {
  (void)ud;
  const test_Msg *req = request;
  trace_add("H", "run");
  for (int i = 0; i < req->num; i++) {
    test_Msg m = {.text = test_str("item"), .num = i};
    if (!cgrpc_server_call_write(call, &m, 0, NULL, NULL)) break;
  }
  cgrpc_server_call_finish(call, CGRPC_STATUS_OK, NULL, NULL);
}

static void h_client_stream(cgrpc_server_call_t *call, const void *request, void *ud) {
  (void)request, (void)ud;
  trace_add("H", "run");
  test_Msg m;
  int sum = 0;
  while (cgrpc_server_call_read(call, &m, cgrpc_server_call_arena(call), NULL, NULL)) sum += m.num;
  if (cgrpc_server_call_cancelled(call)) return;
  test_Msg resp = {.text = test_str("sum"), .num = sum};
  cgrpc_server_call_reply(call, &resp);
}

static void h_bidi(cgrpc_server_call_t *call, const void *request, void *ud) {
  (void)request, (void)ud;
  trace_add("H", "run");
  test_Msg m;
  while (cgrpc_server_call_read(call, &m, cgrpc_server_call_arena(call), NULL, NULL)) {
    if (!cgrpc_server_call_write(call, &m, 0, NULL, NULL)) break;
  }
  if (cgrpc_server_call_cancelled(call)) return;
  cgrpc_server_call_finish(call, CGRPC_STATUS_OK, NULL, NULL);
}

static const test_route_t kRoutes[] = {
    {&test_methods[M_UNARY], h_unary, CGRPC_HANDLER_BLOCKING},
    {&test_methods[M_INLINE], h_unary, CGRPC_HANDLER_INLINE},
    {&test_methods[M_SERVER_STREAM], h_server_stream, CGRPC_HANDLER_BLOCKING},
    {&test_methods[M_CLIENT_STREAM], h_client_stream, CGRPC_HANDLER_BLOCKING},
    {&test_methods[M_BIDI], h_bidi, CGRPC_HANDLER_BLOCKING},
};
#define N_ROUTES (sizeof kRoutes / sizeof kRoutes[0])

static void start(test_pair_t *p, const icept_reg_t *s, size_t ns, const icept_reg_t *c,
                  size_t nc) {
  trace_reset();
  icept_pair_start(p, kRoutes, N_ROUTES, s, ns, c, nc);
}

static int count_of(const char *hay, const char *needle) {
  int n = 0;
  for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle)) n++;
  return n;
}

/* A unary call; returns the code, the response in *resp (text copied to
 * `text`) and the status message in `message`. */
static cgrpc_status_code_t unary(test_pair_t *p, int method, const char *text, int num,
                                 test_Msg *resp, char *message, size_t message_size) {
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  test_Msg req = {.text = test_str(text), .num = num};
  cgrpc_status_t st;
  cgrpc_status_code_t code =
      cgrpc_unary(p->ch, &test_methods[method], &req, resp, &arena, NULL, &st);
  static char text_copy[64];
  if (code == CGRPC_STATUS_OK) {
    snprintf(text_copy, sizeof text_copy, "%.*s", CGRPC_STR_ARGS(resp->text));
    resp->text = test_str(text_copy);
  }
  if (message) snprintf(message, message_size, "%.*s", CGRPC_STR_ARGS(st.message));
  cgrpc_arena_free(&arena);
  return code;
}

/* ---- Server ------------------------------------------------------------------------------- */

static void test_server_chain_order_unary(void) {
  const icept_reg_t s[] = {{&tracer, "A"}, {&tracer, "B"}};
  test_pair_t p;
  start(&p, s, 2, NULL, 0);
  test_Msg resp;
  CHECK_EQ_INT(unary(&p, M_UNARY, "hi", 7, &resp, NULL, 0), CGRPC_STATUS_OK);
  CHECK(test_str_is(resp.text, "A,B")); /* the handler saw both changes, in order */
  CHECK_EQ_INT(resp.num, 7);
  CHECK(trace_wait_suffix("A.end"));
  char t[4096];
  trace_get(t, sizeof t);
  CHECK_EQ_STR(t, "A.start B.start A.recv B.recv H.run B.send A.send B.end A.end");
  /* An INLINE handler goes through the same chain. */
  trace_reset();
  CHECK_EQ_INT(unary(&p, M_INLINE, "hi", 1, &resp, NULL, 0), CGRPC_STATUS_OK);
  CHECK(trace_wait_suffix("A.end"));
  trace_get(t, sizeof t);
  CHECK_EQ_STR(t, "A.start B.start A.recv B.recv H.run B.send A.send B.end A.end");
  test_pair_stop(&p);
}

static void test_server_streaming_kinds(void) {
  const icept_reg_t s[] = {{&tracer, "A"}};
  test_pair_t p;
  start(&p, s, 1, NULL, 0);
  char t[4096];
  /* Server streaming: one request, three responses. */
  cgrpc_call_t *call = cgrpc_call_start(p.ch, &test_methods[M_SERVER_STREAM], NULL);
  test_Msg req = {.text = test_str("n"), .num = 3}, m;
  CHECK(cgrpc_call_send(call, &req, 0, NULL, NULL));
  cgrpc_call_half_close(call);
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  int got = 0;
  while (cgrpc_call_recv(call, &m, &arena, NULL, NULL)) got++;
  CHECK_EQ_INT(got, 3);
  CHECK_EQ_INT(cgrpc_call_finish(call, NULL, NULL), CGRPC_STATUS_OK);
  CHECK(trace_wait_suffix("A.end"));
  trace_get(t, sizeof t);
  CHECK_EQ_STR(t, "A.start A.recv H.run A.send A.send A.send A.end");
  /* Client streaming: three requests, one response. */
  trace_reset();
  call = cgrpc_call_start(p.ch, &test_methods[M_CLIENT_STREAM], NULL);
  for (int i = 1; i <= 3; i++) {
    req.num = i;
    CHECK(cgrpc_call_send(call, &req, 0, NULL, NULL));
  }
  cgrpc_call_half_close(call);
  CHECK(cgrpc_call_recv(call, &m, &arena, NULL, NULL));
  CHECK_EQ_INT(m.num, 6);
  CHECK_EQ_INT(cgrpc_call_finish(call, NULL, NULL), CGRPC_STATUS_OK);
  CHECK(trace_wait_suffix("A.end"));
  trace_get(t, sizeof t);
  CHECK_EQ_INT(count_of(t, "A.recv"), 3);
  CHECK_EQ_INT(count_of(t, "A.send"), 1);
  CHECK(strncmp(t, "A.start", 7) == 0);
  /* Bidi: two each way. */
  trace_reset();
  call = cgrpc_call_start(p.ch, &test_methods[M_BIDI], NULL);
  for (int i = 0; i < 2; i++) {
    CHECK(cgrpc_call_send(call, &req, 0, NULL, NULL));
    CHECK(cgrpc_call_recv(call, &m, &arena, NULL, NULL));
  }
  cgrpc_call_half_close(call);
  CHECK(!cgrpc_call_recv(call, &m, &arena, NULL, NULL));
  CHECK_EQ_INT(cgrpc_call_finish(call, NULL, NULL), CGRPC_STATUS_OK);
  CHECK(trace_wait_suffix("A.end"));
  trace_get(t, sizeof t);
  CHECK_EQ_STR(t, "A.start H.run A.recv A.send A.recv A.send A.end");
  cgrpc_arena_free(&arena);
  test_pair_stop(&p);
}

static void test_server_on_start_ends_the_call(void) {
  const icept_reg_t s[] = {{&tracer, "A"}, {&denier, "D"}, {&tracer, "C"}};
  test_pair_t p;
  start(&p, s, 3, NULL, 0);
  test_Msg resp;
  char msg[128];
  CHECK_EQ_INT(unary(&p, M_UNARY, "hi", 1, &resp, msg, sizeof msg), CGRPC_STATUS_PERMISSION_DENIED);
  CHECK_EQ_STR(msg, "denied by D");
  CHECK(trace_wait_suffix("A.end"));
  char t[4096];
  trace_get(t, sizeof t);
  CHECK_EQ_STR(t, "A.start D.start D.end A.end"); /* no C, no handler */
  pthread_mutex_lock(&g_summary_mu);
  CHECK_EQ_INT(g_summary.code, CGRPC_STATUS_PERMISSION_DENIED);
  pthread_mutex_unlock(&g_summary_mu);
  /* A streaming call is dispatched at once otherwise: not here either. */
  trace_reset();
  cgrpc_call_t *call = cgrpc_call_start(p.ch, &test_methods[M_BIDI], NULL);
  cgrpc_call_half_close(call);
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  cgrpc_status_t st;
  CHECK_EQ_INT(cgrpc_call_finish(call, &arena, &st), CGRPC_STATUS_PERMISSION_DENIED);
  CHECK(test_str_is(st.message, "denied by D"));
  cgrpc_arena_free(&arena);
  CHECK(trace_wait_suffix("A.end"));
  trace_get(t, sizeof t);
  CHECK(!strstr(t, "H.run"));
  test_pair_stop(&p);
}

/* One bidi message through the mutator: the reply carries "changed" and
 * num + 100, and the caller's own message is left as it was. */
static void check_bidi_message_changed(cgrpc_channel_t *ch) {
  cgrpc_call_t *call = cgrpc_call_start(ch, &test_methods[M_BIDI], NULL);
  test_Msg req = {.text = test_str("original"), .num = 1}, m;
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  CHECK(cgrpc_call_send(call, &req, 0, NULL, NULL));
  CHECK(cgrpc_call_recv(call, &m, &arena, NULL, NULL));
  CHECK(test_str_is(m.text, "changed"));
  CHECK_EQ_INT(m.num, 101);
  CHECK(test_str_is(req.text, "original"));
  cgrpc_call_half_close(call);
  CHECK_EQ_INT(cgrpc_call_finish(call, NULL, NULL), CGRPC_STATUS_OK);
  cgrpc_arena_free(&arena);
}

static void test_server_changes_messages(void) {
  const icept_reg_t s[] = {{&mutator, NULL}};
  test_pair_t p;
  start(&p, s, 1, NULL, 0);
  test_Msg resp;
  CHECK_EQ_INT(unary(&p, M_UNARY, "hi", 5, &resp, NULL, 0), CGRPC_STATUS_OK);
  CHECK_EQ_INT(resp.num, 105);
  CHECK(test_str_is(resp.text, "changed"));
  /* Streamed messages too. */
  check_bidi_message_changed(p.ch);
  test_pair_stop(&p);
}

static void test_server_on_receive_and_on_send_end_the_call(void) {
  const icept_reg_t r[] = {{&receive_refuser, "R"}};
  test_pair_t p;
  start(&p, r, 1, NULL, 0);
  test_Msg resp;
  char msg[128];
  CHECK_EQ_INT(unary(&p, M_UNARY, "hi", 1, &resp, msg, sizeof msg), CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK_EQ_STR(msg, "bad message");
  CHECK(trace_wait_suffix("R.end"));
  char t[4096];
  trace_get(t, sizeof t);
  CHECK(!strstr(t, "H.run"));
  test_pair_stop(&p);

  const icept_reg_t s[] = {{&send_refuser, "S"}};
  start(&p, s, 1, NULL, 0);
  CHECK_EQ_INT(unary(&p, M_UNARY, "hi", 1, &resp, msg, sizeof msg), CGRPC_STATUS_ABORTED);
  CHECK(strstr(msg, "ABORTED") && strstr(msg, "send_refuser"));
  /* A streaming write: the call ends, the handler's write fails. */
  cgrpc_call_t *call = cgrpc_call_start(p.ch, &test_methods[M_SERVER_STREAM], NULL);
  test_Msg req = {.text = test_str("n"), .num = 3};
  CHECK(cgrpc_call_send(call, &req, 0, NULL, NULL));
  cgrpc_call_half_close(call);
  CHECK_EQ_INT(cgrpc_call_finish(call, NULL, NULL), CGRPC_STATUS_ABORTED);
  test_pair_stop(&p);
}

static void test_server_on_end_summary(void) {
  const icept_reg_t s[] = {{&tracer, "A"}};
  test_pair_t p;
  start(&p, s, 1, NULL, 0);
  int64_t before = cgrpc_clock_now();
  test_Msg resp;
  char msg[128];
  CHECK_EQ_INT(unary(&p, M_UNARY, "fail", 1, &resp, msg, sizeof msg), CGRPC_STATUS_NOT_FOUND);
  CHECK(trace_wait_suffix("A.end"));
  pthread_mutex_lock(&g_summary_mu);
  CHECK_EQ_INT(g_summary.code, CGRPC_STATUS_NOT_FOUND);
  CHECK_EQ_STR(g_summary_message, "nope");
  CHECK_EQ_STR(g_summary_trailer, "t1");
  CHECK(g_summary.start_ns >= before && g_summary.end_ns >= g_summary.start_ns);
  CHECK_EQ_UINT(g_summary.bytes_received, 8); /* text "fail" (6) + num (2) */
  CHECK_EQ_UINT(g_summary.bytes_sent, 0);
  CHECK_EQ_UINT(g_summary.messages_received, 1);
  CHECK_EQ_UINT(g_summary.messages_sent, 0);
  pthread_mutex_unlock(&g_summary_mu);
  /* A call the client cancels ends CANCELLED for the interceptors. */
  trace_reset();
  cgrpc_call_t *call = cgrpc_call_start(p.ch, &test_methods[M_BIDI], NULL);
  test_Msg req = {.text = test_str("x")}, m;
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  CHECK(cgrpc_call_send(call, &req, 0, NULL, NULL));
  CHECK(cgrpc_call_recv(call, &m, &arena, NULL, NULL));
  cgrpc_call_cancel(call);
  CHECK_EQ_INT(cgrpc_call_finish(call, NULL, NULL), CGRPC_STATUS_CANCELLED);
  cgrpc_arena_free(&arena);
  CHECK(trace_wait_suffix("A.end"));
  pthread_mutex_lock(&g_summary_mu);
  CHECK_EQ_INT(g_summary.code, CGRPC_STATUS_CANCELLED);
  CHECK_EQ_UINT(g_summary.messages_sent, 1);
  pthread_mutex_unlock(&g_summary_mu);
  test_pair_stop(&p);
}

/* ---- Client ------------------------------------------------------------------------------- */

static void test_client_chain_order_unary(void) {
  const icept_reg_t c[] = {{&tracer, "A"}, {&tracer, "B"}};
  test_pair_t p;
  start(&p, NULL, 0, c, 2);
  test_Msg resp;
  CHECK_EQ_INT(unary(&p, M_UNARY, "hi", 3, &resp, NULL, 0), CGRPC_STATUS_OK);
  CHECK(test_str_is(resp.text, "A,B")); /* metadata the client chain added went out */
  char t[4096];
  trace_get(t, sizeof t);
  CHECK_EQ_STR(t, "A.start B.start A.send B.send H.run B.recv A.recv B.end A.end");
  pthread_mutex_lock(&g_summary_mu);
  CHECK_EQ_INT(g_summary.code, CGRPC_STATUS_OK);
  CHECK_EQ_UINT(g_summary.messages_sent, 1);
  CHECK_EQ_UINT(g_summary.messages_received, 1);
  CHECK(g_summary.bytes_sent == 6 && g_summary.bytes_received > 0);
  pthread_mutex_unlock(&g_summary_mu);
  test_pair_stop(&p);
}

static void test_client_streaming_kinds(void) {
  const icept_reg_t c[] = {{&tracer, "A"}, {&tracer, "B"}};
  test_pair_t p;
  start(&p, NULL, 0, c, 2);
  cgrpc_call_t *call = cgrpc_call_start(p.ch, &test_methods[M_BIDI], NULL);
  test_Msg req = {.text = test_str("x"), .num = 1}, m;
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  CHECK(cgrpc_call_send(call, &req, 0, NULL, NULL));
  CHECK(cgrpc_call_recv(call, &m, &arena, NULL, NULL));
  cgrpc_call_half_close(call);
  CHECK_EQ_INT(cgrpc_call_finish(call, NULL, NULL), CGRPC_STATUS_OK);
  char t[4096];
  trace_get(t, sizeof t);
  CHECK_EQ_STR(t, "A.start B.start A.send B.send H.run B.recv A.recv B.end A.end");
  /* Server streaming and client streaming. */
  trace_reset();
  call = cgrpc_call_start(p.ch, &test_methods[M_SERVER_STREAM], NULL);
  req.num = 2;
  CHECK(cgrpc_call_send(call, &req, 0, NULL, NULL));
  cgrpc_call_half_close(call);
  while (cgrpc_call_recv(call, &m, &arena, NULL, NULL)) {
  }
  CHECK_EQ_INT(cgrpc_call_finish(call, NULL, NULL), CGRPC_STATUS_OK);
  trace_get(t, sizeof t);
  CHECK_EQ_INT(count_of(t, "A.recv"), 2);
  CHECK_EQ_INT(count_of(t, "A.send"), 1);
  trace_reset();
  call = cgrpc_call_start(p.ch, &test_methods[M_CLIENT_STREAM], NULL);
  for (int i = 0; i < 3; i++) CHECK(cgrpc_call_send(call, &req, 0, NULL, NULL));
  cgrpc_call_half_close(call);
  CHECK(cgrpc_call_recv(call, &m, &arena, NULL, NULL));
  CHECK_EQ_INT(cgrpc_call_finish(call, NULL, NULL), CGRPC_STATUS_OK);
  trace_get(t, sizeof t);
  CHECK_EQ_INT(count_of(t, "B.send"), 3);
  CHECK_EQ_INT(count_of(t, "B.recv"), 1);
  cgrpc_arena_free(&arena);
  test_pair_stop(&p);
}

typedef struct async_wait {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  bool done;
  cgrpc_status_code_t code;
  char message[128];
} async_wait_t;

static void async_done(void *ud, const cgrpc_status_t *st) {
  async_wait_t *w = ud;
  pthread_mutex_lock(&w->mu);
  w->code = st->code;
  snprintf(w->message, sizeof w->message, "%.*s", CGRPC_STR_ARGS(st->message));
  w->done = true;
  pthread_cond_signal(&w->cv);
  pthread_mutex_unlock(&w->mu);
}

static void test_client_on_start_ends_the_call_before_the_wire(void) {
  /* The server counts what reaches it. */
  const icept_reg_t s[] = {{&tracer, "S"}};
  const icept_reg_t c[] = {{&tracer, "A"}, {&denier, "D"}, {&tracer, "C"}};
  test_pair_t p;
  start(&p, s, 1, c, 3);
  test_Msg resp;
  char msg[128];
  CHECK_EQ_INT(unary(&p, M_UNARY, "hi", 1, &resp, msg, sizeof msg), CGRPC_STATUS_PERMISSION_DENIED);
  CHECK_EQ_STR(msg, "denied by D");
  char t[4096];
  trace_get(t, sizeof t);
  CHECK_EQ_STR(t, "A.start D.start D.end A.end");
  /* Asynchronous unary. */
  trace_reset();
  async_wait_t w = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, 0, ""};
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  test_Msg req = {.text = test_str("hi")};
  cgrpc_unary_async(p.ch, &test_methods[M_UNARY], &req, &resp, &arena, NULL, async_done, &w);
  pthread_mutex_lock(&w.mu);
  while (!w.done) pthread_cond_wait(&w.cv, &w.mu);
  pthread_mutex_unlock(&w.mu);
  CHECK_EQ_INT(w.code, CGRPC_STATUS_PERMISSION_DENIED);
  CHECK_EQ_STR(w.message, "denied by D");
  /* Streaming: sends fail, the status says why. */
  cgrpc_call_t *call = cgrpc_call_start(p.ch, &test_methods[M_BIDI], NULL);
  CHECK(!cgrpc_call_send(call, &req, 0, NULL, NULL));
  cgrpc_status_t st;
  CHECK_EQ_INT(cgrpc_call_finish(call, &arena, &st), CGRPC_STATUS_PERMISSION_DENIED);
  CHECK(test_str_is(st.message, "denied by D"));
  cgrpc_arena_free(&arena);
  test_sleep_ms(50);
  trace_get(t, sizeof t);
  CHECK(!strstr(t, "S.") && !strstr(t, "H.run")); /* nothing reached the server */
  test_pair_stop(&p);
}

static void test_client_changes_messages(void) {
  const icept_reg_t c[] = {{&mutator, NULL}};
  test_pair_t p;
  start(&p, NULL, 0, c, 1);
  /* The request's text is replaced on its way out; the echo comes back
   * with num + 100. */
  check_bidi_message_changed(p.ch);
  test_Msg resp;
  CHECK_EQ_INT(unary(&p, M_UNARY, "x", 2, &resp, NULL, 0), CGRPC_STATUS_OK);
  CHECK_EQ_INT(resp.num, 102);
  test_pair_stop(&p);
}

static void test_client_on_send_and_on_receive_end_the_call(void) {
  const icept_reg_t c[] = {{&send_refuser, "S"}};
  test_pair_t p;
  start(&p, NULL, 0, c, 1);
  test_Msg resp;
  char msg[128];
  CHECK_EQ_INT(unary(&p, M_UNARY, "hi", 1, &resp, msg, sizeof msg), CGRPC_STATUS_ABORTED);
  cgrpc_call_t *call = cgrpc_call_start(p.ch, &test_methods[M_BIDI], NULL);
  test_Msg req = {.text = test_str("x")};
  CHECK(!cgrpc_call_send(call, &req, 0, NULL, NULL));
  CHECK(!cgrpc_call_send(call, &req, 0, NULL, NULL));
  CHECK_EQ_INT(cgrpc_call_finish(call, NULL, NULL), CGRPC_STATUS_ABORTED);
  test_pair_stop(&p);

  const icept_reg_t r[] = {{&receive_refuser, "R"}};
  start(&p, NULL, 0, r, 1);
  CHECK_EQ_INT(unary(&p, M_UNARY, "hi", 1, &resp, msg, sizeof msg), CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK_EQ_STR(msg, "bad message");
  test_pair_stop(&p);
}

/* ---- Registration ---------------------------------------------------------------------------- */

static void test_registration_errors(void) {
  cgrpc_server_t *srv;
  cgrpc_error_t err;
  CHECK_EQ_INT(cgrpc_server_new(NULL, &srv, &err), CGRPC_STATUS_OK);
  CHECK_EQ_INT(cgrpc_server_add_interceptor(srv, NULL, NULL, &err), CGRPC_STATUS_INVALID_ARGUMENT);
  for (int i = 0; i < CGRPC_MAX_INTERCEPTORS; i++) {
    CHECK_EQ_INT(cgrpc_server_add_interceptor(srv, &tracer, "A", NULL), CGRPC_STATUS_OK);
  }
  CHECK_EQ_INT(cgrpc_server_add_interceptor(srv, &tracer, "A", &err),
               CGRPC_STATUS_RESOURCE_EXHAUSTED);
  CHECK(strstr(err.message, "16"));
  CHECK_EQ_INT(cgrpc_server_listen(srv, "127.0.0.1:0", NULL, &err), CGRPC_STATUS_OK);
  CHECK_EQ_INT(cgrpc_server_start(srv, &err), CGRPC_STATUS_OK);
  CHECK_EQ_INT(cgrpc_server_add_interceptor(srv, &tracer, "A", &err),
               CGRPC_STATUS_FAILED_PRECONDITION);
  CHECK(strstr(err.message, "before cgrpc_server_start()"));
  cgrpc_server_free(srv);

  test_pair_t p;
  start(&p, NULL, 0, NULL, 0);
  test_Msg resp;
  CHECK_EQ_INT(unary(&p, M_UNARY, "hi", 1, &resp, NULL, 0), CGRPC_STATUS_OK);
  CHECK_EQ_INT(cgrpc_channel_add_interceptor(p.ch, &tracer, "A", &err),
               CGRPC_STATUS_FAILED_PRECONDITION);
  CHECK(strstr(err.message, "before the first call"));
  test_pair_stop(&p);
}

/* ---- The logging interceptor ------------------------------------------------------------------
 */

static void test_logging_interceptor(void) {
  const icept_reg_t s[] = {{cgrpc_logging_interceptor(), NULL}};
  const icept_reg_t c[] = {{cgrpc_logging_interceptor(), NULL}};
  test_pair_t p;
  start(&p, s, 1, c, 1);
  log_capture_t cap;
  log_capture_start(&cap);
  cgrpc_log_set_level(CGRPC_LOG_INFO);
  test_Msg resp;
  CHECK_EQ_INT(unary(&p, M_UNARY, "hi", 1, &resp, NULL, 0), CGRPC_STATUS_OK);
  CHECK_EQ_INT(unary(&p, M_UNARY, "fail", 1, &resp, NULL, 0), CGRPC_STATUS_NOT_FOUND);
  for (int i = 0; i < 200 && log_capture_count(&cap) < 4; i++) test_sleep_ms(10);
  CHECK(log_capture_has(&cap, "INFO: server call /test.Svc/Unary peer=127.0.0.1:"));
  CHECK(log_capture_has(&cap, "status=OK duration_us="));
  CHECK(log_capture_has(&cap, "bytes_in=6 bytes_out=2 message=\"\""));
  CHECK(log_capture_has(&cap, "WARNING: server call /test.Svc/Unary"));
  CHECK(log_capture_has(&cap, "status=NOT_FOUND"));
  CHECK(log_capture_has(&cap, "message=\"nope\""));
  CHECK(log_capture_has(&cap, "INFO: client call /test.Svc/Unary peer=127.0.0.1:"));
  CHECK(log_capture_has(&cap, "bytes_in=2 bytes_out=6"));
  cgrpc_log_set_level(CGRPC_LOG_WARNING);
  log_capture_stop(&cap);
  test_pair_stop(&p);
}

int main(void) {
  TEST_RUN(test_server_chain_order_unary);
  TEST_RUN(test_server_streaming_kinds);
  TEST_RUN(test_server_on_start_ends_the_call);
  TEST_RUN(test_server_changes_messages);
  TEST_RUN(test_server_on_receive_and_on_send_end_the_call);
  TEST_RUN(test_server_on_end_summary);
  TEST_RUN(test_client_chain_order_unary);
  TEST_RUN(test_client_streaming_kinds);
  TEST_RUN(test_client_on_start_ends_the_call_before_the_wire);
  TEST_RUN(test_client_changes_messages);
  TEST_RUN(test_client_on_send_and_on_receive_end_the_call);
  TEST_RUN(test_registration_errors);
  TEST_RUN(test_logging_interceptor);
  return TEST_DONE();
}

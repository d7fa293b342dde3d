/* test_stubs.c — the typed client stubs and server handlers protoc-gen-cgrpc
 * writes for a service, at work over a real loopback connection.
 *
 * cgrpc_test/stubs.proto declares a Counter service with every kind of
 * method. The server below implements it through the generated handler
 * struct and register function (leaving Missing unset); the tests call it
 * through the generated client functions, so a wrong method table, a
 * dispatcher that passes the wrong request or user_data, or a stub that
 * sends to the wrong path shows up as a wrong answer.
 */
#define _POSIX_C_SOURCE 200809L /* nanosleep */

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cgrpc/channel.h"
#include "cgrpc/server.h"
#include "cgrpc_test/stubs.pb.h"
#include "test.h"

typedef cgrpc_test_stubs_Number number_t;

#define STR_IS(s, lit) ((s).len == sizeof(lit) - 1 && memcmp((s).data, lit, (s).len) == 0)

/* What the handlers get as user_data; they check it is this one. */
static int g_server_state;

static cgrpc_str_t note_for(const void *user_data, const char *what) {
  if (user_data != &g_server_state) what = "wrong user_data";
  return (cgrpc_str_t){what, strlen(what)};
}

/* ---- The server, through the generated handler struct ------------------------------- */

static void add(cgrpc_server_call_t *call, const number_t *request, void *user_data) {
  number_t resp = {.value = request->value + 1, .note = note_for(user_data, "added")};
  cgrpc_test_stubs_Counter_Add_reply(call, &resp);
}

static void count(cgrpc_server_call_t *call, const number_t *request, void *user_data) {
  for (int64_t i = 0; i < request->value; i++) {
    number_t resp = {.value = i, .note = note_for(user_data, "counted")};
    if (!cgrpc_test_stubs_Counter_Count_write(call, &resp, 0, NULL, NULL)) break;
  }
  cgrpc_server_call_finish(call, CGRPC_STATUS_OK, NULL, NULL);
}

static void sum(cgrpc_server_call_t *call, void *user_data) {
  number_t in, total = {.note = note_for(user_data, "summed")};
  while (cgrpc_test_stubs_Counter_Sum_read(call, &in, cgrpc_server_call_arena(call), NULL, NULL)) {
    total.value += in.value;
  }
  cgrpc_test_stubs_Counter_Sum_reply(call, &total);
}

static void double_each(cgrpc_server_call_t *call, void *user_data) {
  number_t in;
  cgrpc_arena_t *arena = cgrpc_server_call_arena(call);
  while (cgrpc_test_stubs_Counter_Double_read(call, &in, arena, NULL, NULL)) {
    number_t out = {.value = 2 * in.value, .note = note_for(user_data, "doubled")};
    if (!cgrpc_test_stubs_Counter_Double_write(call, &out, 0, NULL, NULL)) break;
  }
  cgrpc_server_call_finish(call, CGRPC_STATUS_OK, NULL, NULL);
}

static void named_user_data(cgrpc_server_call_t *call, const number_t *request, void *user_data) {
  number_t resp = {.value = request->value, .note = note_for(user_data, "user_data method")};
  cgrpc_test_stubs_Counter_user_data_reply(call, &resp);
}

static void named_int(cgrpc_server_call_t *call, const number_t *request, void *user_data) {
  number_t resp = {.value = request->value, .note = note_for(user_data, "int method")};
  cgrpc_test_stubs_Counter_int_reply(call, &resp);
}

/* Missing stays NULL: the library answers it UNIMPLEMENTED. */
static const cgrpc_test_stubs_Counter_handlers kCounter = {
    .Add = add,
    .Count = count,
    .Sum = sum,
    .Double = double_each,
    .user_data_ = named_user_data,
    .int_ = named_int,
    .user_data = &g_server_state,
};

typedef struct fixture {
  cgrpc_server_t *srv;
  cgrpc_channel_t *ch;
  cgrpc_arena_t arena;
} fixture_t;

static void fixture_start(fixture_t *f) {
  cgrpc_error_t err;
  int port = 0;
  CHECK_EQ_INT(cgrpc_server_new(NULL, &f->srv, &err), CGRPC_STATUS_OK);
  CHECK_EQ_INT(cgrpc_server_listen(f->srv, "127.0.0.1:0", &port, &err), CGRPC_STATUS_OK);
  CHECK_EQ_INT(cgrpc_test_stubs_Counter_register(f->srv, &kCounter, CGRPC_HANDLER_BLOCKING, &err),
               CGRPC_STATUS_OK);
  CHECK_EQ_INT(cgrpc_server_start(f->srv, &err), CGRPC_STATUS_OK);
  char target[64];
  snprintf(target, sizeof target, "127.0.0.1:%d", port);
  CHECK_EQ_INT(cgrpc_channel_new(target, NULL, &f->ch, &err), CGRPC_STATUS_OK);
  cgrpc_arena_init(&f->arena, NULL, 0);
}

static void fixture_stop(fixture_t *f) {
  cgrpc_arena_free(&f->arena);
  cgrpc_channel_free(f->ch);
  cgrpc_server_shutdown(f->srv, CGRPC_NS_PER_SEC);
  cgrpc_server_free(f->srv);
}

/* ---- Tests ------------------------------------------------------------------------------ */

static void test_method_names_are_the_service_table(void) {
  const cgrpc_pb_service_t *s = &cgrpc_test_stubs_Counter_service;
  CHECK(s->methods == cgrpc_test_stubs_Counter_methods);
  CHECK(&cgrpc_test_stubs_Counter_Add_method == &s->methods[0]);
  CHECK(&cgrpc_test_stubs_Counter_Double_method == &s->methods[3]);
  CHECK_EQ_STR(cgrpc_test_stubs_Counter_int_method.path, "/cgrpc_test.stubs.Counter/int");
  CHECK_EQ_STR(cgrpc_test_stubs_Counter_user_data_method.path,
               "/cgrpc_test.stubs.Counter/user_data");
  CHECK(cgrpc_test_stubs_Counter_Sum_method.client_streaming);
  CHECK(!cgrpc_test_stubs_Counter_Sum_method.server_streaming);
}

/* The short form: the result owns the response's memory. */
static void test_unary_result(void) {
  fixture_t f;
  fixture_start(&f);
  number_t req = {.value = 41};
  cgrpc_result_t *r = cgrpc_test_stubs_Counter_Add(f.ch, &req, NULL);
  CHECK_EQ_INT(cgrpc_result_code(r), CGRPC_STATUS_OK);
  CHECK_EQ_STR(cgrpc_result_error(r), "OK");
  const number_t *resp = cgrpc_test_stubs_Counter_Add_response(r);
  CHECK(resp != NULL);
  CHECK_EQ_INT(resp->value, 42);
  CHECK(STR_IS(resp->note, "added"));
  /* Asked as another method's response, the typed accessor says no. */
  CHECK(cgrpc_test_stubs_Counter_int_response(r) == NULL);
  CHECK(cgrpc_result_method(r) == &cgrpc_test_stubs_Counter_Add_method);
  cgrpc_result_free(r);

  r = cgrpc_test_stubs_Counter_Missing(f.ch, &req, NULL);
  CHECK_EQ_INT(cgrpc_result_code(r), CGRPC_STATUS_UNIMPLEMENTED);
  CHECK(cgrpc_test_stubs_Counter_Missing_response(r) == NULL);
  CHECK(strncmp(cgrpc_result_error(r), "UNIMPLEMENTED: ", 15) == 0);
  CHECK_EQ_INT(cgrpc_result_status(r)->code, CGRPC_STATUS_UNIMPLEMENTED);
  cgrpc_result_free(r);
  cgrpc_result_free(NULL);
  fixture_stop(&f);
}

/* A result outlives its channel, and a failed connection reads as a
 * sentence that names the target. */
static void test_unary_result_unavailable(void) {
  cgrpc_channel_t *ch;
  CHECK_EQ_INT(cgrpc_channel_new("127.0.0.1:1", NULL, &ch, NULL), CGRPC_STATUS_OK);
  number_t req = {.value = 1};
  cgrpc_result_t *r = cgrpc_test_stubs_Counter_Add(ch, &req, NULL);
  cgrpc_channel_free(ch);
  CHECK_EQ_INT(cgrpc_result_code(r), CGRPC_STATUS_UNAVAILABLE);
  CHECK(cgrpc_test_stubs_Counter_Add_response(r) == NULL);
  CHECK(strstr(cgrpc_result_error(r), "UNAVAILABLE: ") == cgrpc_result_error(r));
  CHECK(strstr(cgrpc_result_error(r), "127.0.0.1:1") != NULL);
  cgrpc_result_free(r);
}

static void test_unary_into_arena(void) {
  fixture_t f;
  fixture_start(&f);
  number_t req = {.value = 41}, resp;
  cgrpc_status_t st;
  CHECK_EQ_INT(cgrpc_test_stubs_Counter_Add_into(f.ch, &req, &resp, &f.arena, NULL, &st),
               CGRPC_STATUS_OK);
  CHECK_EQ_INT(st.code, CGRPC_STATUS_OK);
  CHECK_EQ_INT(resp.value, 42);
  CHECK(STR_IS(resp.note, "added"));
  fixture_stop(&f);
}

typedef struct async_result {
  atomic_int done;
  cgrpc_status_code_t code;
} async_result_t;

static void on_added(void *user_data, const cgrpc_status_t *status) {
  async_result_t *r = user_data;
  r->code = status->code;
  atomic_store(&r->done, 1);
}

static void test_unary_async(void) {
  fixture_t f;
  fixture_start(&f);
  number_t req = {.value = -8}, resp;
  async_result_t r = {0, CGRPC_STATUS_UNKNOWN};
  cgrpc_call_options_t opts = {.timeout_ns = 5 * CGRPC_NS_PER_SEC};
  cgrpc_test_stubs_Counter_Add_async(f.ch, &req, &resp, &f.arena, &opts, on_added, &r);
  for (int i = 0; i < 1000 && !atomic_load(&r.done); i++) {
    nanosleep(&(struct timespec){0, 5 * 1000 * 1000}, NULL);
  }
  CHECK(atomic_load(&r.done));
  CHECK_EQ_INT(r.code, CGRPC_STATUS_OK);
  CHECK_EQ_INT(resp.value, -7);
  fixture_stop(&f);
}

static void test_server_streaming(void) {
  fixture_t f;
  fixture_start(&f);
  number_t req = {.value = 5}, m;
  cgrpc_call_t *call = cgrpc_test_stubs_Counter_Count_start(f.ch, &req, NULL);
  CHECK(call != NULL);
  int64_t got = 0;
  while (cgrpc_test_stubs_Counter_Count_recv(call, &m, &f.arena, NULL, NULL)) {
    CHECK_EQ_INT(m.value, got);
    CHECK(STR_IS(m.note, "counted"));
    got++;
  }
  CHECK_EQ_INT(got, 5);
  CHECK_EQ_INT(cgrpc_call_finish(call, &f.arena, NULL), CGRPC_STATUS_OK);
  fixture_stop(&f);
}

static void test_client_streaming(void) {
  fixture_t f;
  fixture_start(&f);
  cgrpc_call_t *call = cgrpc_test_stubs_Counter_Sum_start(f.ch, NULL);
  for (int64_t i = 1; i <= 10; i++) {
    number_t m = {.value = i};
    CHECK(cgrpc_test_stubs_Counter_Sum_send(call, &m, 0, NULL, NULL));
  }
  cgrpc_call_half_close(call);
  number_t total;
  CHECK(cgrpc_call_recv(call, &total, &f.arena, NULL, NULL));
  CHECK_EQ_INT(total.value, 55);
  CHECK(STR_IS(total.note, "summed"));
  CHECK_EQ_INT(cgrpc_call_finish(call, &f.arena, NULL), CGRPC_STATUS_OK);
  fixture_stop(&f);
}

static void test_bidi(void) {
  fixture_t f;
  fixture_start(&f);
  cgrpc_call_t *call = cgrpc_test_stubs_Counter_Double_start(f.ch, NULL);
  for (int64_t i = 1; i <= 3; i++) {
    number_t out = {.value = i}, in;
    CHECK(cgrpc_test_stubs_Counter_Double_send(call, &out, 0, NULL, NULL));
    CHECK(cgrpc_test_stubs_Counter_Double_recv(call, &in, &f.arena, NULL, NULL));
    CHECK_EQ_INT(in.value, 2 * i);
    CHECK(STR_IS(in.note, "doubled"));
  }
  cgrpc_call_half_close(call);
  number_t extra;
  CHECK(!cgrpc_call_recv(call, &extra, &f.arena, NULL, NULL));
  CHECK_EQ_INT(cgrpc_call_finish(call, &f.arena, NULL), CGRPC_STATUS_OK);
  fixture_stop(&f);
}

static void test_unset_handler_is_unimplemented(void) {
  fixture_t f;
  fixture_start(&f);
  number_t req = {.value = 1}, resp;
  cgrpc_status_t st;
  CHECK_EQ_INT(cgrpc_test_stubs_Counter_Missing_into(f.ch, &req, &resp, &f.arena, NULL, &st),
               CGRPC_STATUS_UNIMPLEMENTED);
  fixture_stop(&f);
}

/* Methods named like C keywords or the struct's user_data reach their own
 * handlers through the escaped members user_data_ and int_. */
static void test_escaped_members(void) {
  fixture_t f;
  fixture_start(&f);
  number_t req = {.value = 3}, resp;
  CHECK_EQ_INT(cgrpc_test_stubs_Counter_user_data_into(f.ch, &req, &resp, &f.arena, NULL, NULL),
               CGRPC_STATUS_OK);
  CHECK(STR_IS(resp.note, "user_data method"));
  CHECK_EQ_INT(cgrpc_test_stubs_Counter_int_into(f.ch, &req, &resp, &f.arena, NULL, NULL),
               CGRPC_STATUS_OK);
  CHECK(STR_IS(resp.note, "int method"));
  fixture_stop(&f);
}

static void test_register_twice_fails(void) {
  cgrpc_server_t *srv;
  cgrpc_error_t err;
  CHECK_EQ_INT(cgrpc_server_new(NULL, &srv, &err), CGRPC_STATUS_OK);
  CHECK_EQ_INT(cgrpc_test_stubs_Counter_register(srv, &kCounter, CGRPC_HANDLER_BLOCKING, &err),
               CGRPC_STATUS_OK);
  CHECK_EQ_INT(cgrpc_test_stubs_Counter_register(srv, &kCounter, CGRPC_HANDLER_BLOCKING, &err),
               CGRPC_STATUS_ALREADY_EXISTS);
  CHECK(strstr(err.message, "/cgrpc_test.stubs.Counter/Add") != NULL);
  cgrpc_server_free(srv);
}

int main(void) {
  TEST_RUN(test_method_names_are_the_service_table);
  TEST_RUN(test_unary_result);
  TEST_RUN(test_unary_result_unavailable);
  TEST_RUN(test_unary_into_arena);
  TEST_RUN(test_unary_async);
  TEST_RUN(test_server_streaming);
  TEST_RUN(test_client_streaming);
  TEST_RUN(test_bidi);
  TEST_RUN(test_unset_handler_is_unimplemented);
  TEST_RUN(test_escaped_members);
  TEST_RUN(test_register_twice_fails);
  return TEST_DONE();
}

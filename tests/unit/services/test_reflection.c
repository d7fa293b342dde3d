/* Server reflection (cgrpc/reflection.h) over loopback, v1 and v1alpha:
 * list_services, files with their dependency closures (each file once per
 * stream), every kind of symbol, extensions, errors, files added by hand
 * and from a pool, many requests in flight, and the setup errors. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>

#include "cgrpc/arena.h"
#include "cgrpc/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "grpc/reflection/v1/reflection.pb.h"
#include "grpc/reflection/v1alpha/reflection.pb.h"
#include "refl_extra.pb.h"
#include "refl_test.pb.h"
#include "services_test_util.h"

typedef grpc_reflection_v1_ServerReflectionRequest request_t;
typedef grpc_reflection_v1_ServerReflectionResponse response_t;

/* ---- The server --------------------------------------------------------------------- */

static void find(cgrpc_server_call_t *call, const refltest_Outer *req, void *ud) {
  (void)req;
  (void)ud;
  cgrpc_server_call_finish(call, CGRPC_STATUS_UNIMPLEMENTED, NULL, NULL);
}

static void echo(cgrpc_server_call_t *call, const void *req, void *ud) {
  (void)ud;
  cgrpc_server_call_reply(call, req);
}

/* refl_pooled.proto, from the descriptor set protoc wrote at build time:
 * its service is registered method by method, as a generic server does. */
static cgrpc_pool_t *pooled;
static cgrpc_pb_method_t pooled_echo;

static void load_pooled(void) {
  FILE *f = fopen(REFL_POOLED_DESC_SET, "rb");
  CHECK(f != NULL);
  if (!f) abort();
  static unsigned char buf[1 << 16];
  size_t n = fread(buf, 1, sizeof buf, f);
  fclose(f);
  cgrpc_error_t err;
  CHECK_EQ_INT(cgrpc_pool_new(&pooled, &err), CGRPC_STATUS_OK);
  CHECK_EQ_INT(cgrpc_pool_add_file_set(pooled, buf, n, &err), CGRPC_STATUS_OK);
  const cgrpc_msg_desc_t *ping = cgrpc_pool_find_message(pooled, "refltest.pooled.Ping");
  CHECK(ping != NULL);
  pooled_echo = (cgrpc_pb_method_t){.name = "Echo",
                                    .path = "/refltest.pooled.Generic/Echo",
                                    .input = ping->table,
                                    .output = ping->table};
}

/* The server of most tests: health, reflection, refltest.Lookup (generated),
 * refltest.pooled.Generic (by hand, described through a pool) and
 * refl_extra.proto added as a file. */
static void start(svc_pair_t *p) {
  static const refltest_Lookup_handlers lookup = {.Find = find};
  cgrpc_error_t err;
  svc_pair_new(p);
  CHECK_EQ_INT(refltest_Lookup_register(p->srv, &lookup, CGRPC_HANDLER_INLINE, &err),
               CGRPC_STATUS_OK);
  CHECK_EQ_INT(cgrpc_server_register(p->srv, &pooled_echo, echo, NULL, CGRPC_HANDLER_INLINE, &err),
               CGRPC_STATUS_OK);
  CHECK_EQ_INT(cgrpc_reflection_add_file(p->reflection, &refl_extra_proto_file, &err),
               CGRPC_STATUS_OK);
  CHECK_EQ_INT(cgrpc_reflection_add_pool(p->reflection, pooled, &err), CGRPC_STATUS_OK);
  svc_pair_start(p);
}

/* ---- A reflection stream ------------------------------------------------------------- */

typedef struct stream {
  cgrpc_call_t *call;
  cgrpc_arena_t arena;
  bool alpha;
} stream_t;

static void open_stream(stream_t *s, cgrpc_channel_t *ch, bool alpha) {
  s->alpha = alpha;
  cgrpc_arena_init(&s->arena, NULL, 0);
  s->call = alpha ? grpc_reflection_v1alpha_ServerReflection_ServerReflectionInfo_start(ch, NULL)
                  : grpc_reflection_v1_ServerReflection_ServerReflectionInfo_start(ch, NULL);
}

/* Sends `req` and returns the answer (in the stream's arena), or NULL when
 * the stream ended. The v1alpha structs have the v1 layout. */
static const response_t *ask(stream_t *s, const request_t *req) {
  bool sent = s->alpha ? grpc_reflection_v1alpha_ServerReflection_ServerReflectionInfo_send(
                             s->call, (const void *)req, 0, NULL, NULL)
                       : grpc_reflection_v1_ServerReflection_ServerReflectionInfo_send(
                             s->call, req, 0, NULL, NULL);
  CHECK(sent);
  response_t *resp = cgrpc_arena_alloc(&s->arena, sizeof *resp);
  bool got = s->alpha ? grpc_reflection_v1alpha_ServerReflection_ServerReflectionInfo_recv(
                            s->call, (void *)resp, &s->arena, NULL, NULL)
                      : grpc_reflection_v1_ServerReflection_ServerReflectionInfo_recv(
                            s->call, resp, &s->arena, NULL, NULL);
  CHECK(got);
  return got ? resp : NULL;
}

static cgrpc_status_code_t close_stream(stream_t *s) {
  cgrpc_call_half_close(s->call);
  response_t extra;
  CHECK(!cgrpc_call_recv(s->call, &extra, &s->arena, NULL, NULL));
  cgrpc_status_code_t code = cgrpc_call_finish(s->call, NULL, NULL);
  cgrpc_arena_free(&s->arena);
  return code;
}

static request_t by_symbol(const char *symbol) {
  request_t r;
  grpc_reflection_v1_ServerReflectionRequest_init(&r);
  grpc_reflection_v1_ServerReflectionRequest_set_file_containing_symbol(&r, cgrpc_str(symbol));
  return r;
}

static request_t by_filename(const char *name) {
  request_t r;
  grpc_reflection_v1_ServerReflectionRequest_init(&r);
  grpc_reflection_v1_ServerReflectionRequest_set_file_by_filename(&r, cgrpc_str(name));
  return r;
}

/* The names of the files in a file answer, joined with ' ' ("" when the
 * answer is not a file answer). */
static const char *file_names(const response_t *resp, cgrpc_arena_t *arena) {
  static char out[1024];
  out[0] = '\0';
  if (!resp ||
      resp->message_response_case !=
          grpc_reflection_v1_ServerReflectionResponse_message_response_file_descriptor_response) {
    return out;
  }
  const grpc_reflection_v1_FileDescriptorResponse *fr =
      resp->message_response.file_descriptor_response;
  for (size_t i = 0; i < fr->file_descriptor_proto.count; i++) {
    cgrpc_str_t bytes = fr->file_descriptor_proto.data[i];
    google_protobuf_FileDescriptorProto fd;
    google_protobuf_FileDescriptorProto_init(&fd);
    CHECK_EQ_INT(
        google_protobuf_FileDescriptorProto_decode(bytes.data, bytes.len, &fd, arena, 0, NULL),
        CGRPC_PB_OK);
    size_t used = strlen(out);
    snprintf(out + used, sizeof out - used, "%s%.*s", used ? " " : "", CGRPC_STR_ARGS(fd.name));
  }
  return out;
}

/* The error of an error answer: "CODE message" ("" for other answers). */
static const char *error_of(const response_t *resp) {
  static char out[512];
  out[0] = '\0';
  if (resp && resp->message_response_case ==
                  grpc_reflection_v1_ServerReflectionResponse_message_response_error_response) {
    const grpc_reflection_v1_ErrorResponse *e = resp->message_response.error_response;
    snprintf(out, sizeof out, "%d %.*s", (int)e->error_code, CGRPC_STR_ARGS(e->error_message));
  }
  return out;
}

/* ---- Tests -------------------------------------------------------------------------- */

static void check_list_services(stream_t *s) {
  request_t req;
  grpc_reflection_v1_ServerReflectionRequest_init(&req);
  req.host = cgrpc_str("example.com");
  grpc_reflection_v1_ServerReflectionRequest_set_list_services(&req, cgrpc_str("*"));
  const response_t *resp = ask(s, &req);
  CHECK(resp != NULL);
  if (!resp) return;
  CHECK(test_str_eq(resp->valid_host, "example.com"));
  CHECK(resp->original_request != NULL &&
        test_str_eq(resp->original_request->message_request.list_services, "*"));
  CHECK_EQ_INT(resp->message_response_case,
               grpc_reflection_v1_ServerReflectionResponse_message_response_list_services_response);
  const grpc_reflection_v1_ListServiceResponse *list =
      resp->message_response.list_services_response;
  static const char *const want[] = {"grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection",
                                     "grpc.reflection.v1alpha.ServerReflection", "refltest.Lookup",
                                     "refltest.pooled.Generic"};
  CHECK_EQ_INT(list->service.count, 5);
  for (size_t i = 0; i < 5 && i < list->service.count; i++) {
    CHECK(test_str_eq(list->service.data[i]->name, want[i]));
  }
}

static void test_list_services_v1_and_v1alpha(void) {
  svc_pair_t p;
  start(&p);
  for (int alpha = 0; alpha < 2; alpha++) {
    stream_t s;
    open_stream(&s, p.ch, alpha);
    check_list_services(&s);
    CHECK_EQ_INT(close_stream(&s), CGRPC_STATUS_OK);
  }
  svc_pair_stop(&p);
}

static void test_file_closures_once_per_stream(void) {
  svc_pair_t p;
  start(&p);
  for (int alpha = 0; alpha < 2; alpha++) {
    stream_t s;
    open_stream(&s, p.ch, alpha);
    request_t req = by_filename("refl_test.proto");
    CHECK_EQ_STR(file_names(ask(&s, &req), &s.arena),
                 "refl_test.proto refl_dep.proto refl_base.proto");
    /* Sent already on this stream: only the asked file comes again. */
    req = by_filename("refl_dep.proto");
    CHECK_EQ_STR(file_names(ask(&s, &req), &s.arena), "refl_dep.proto");
    req = by_symbol("refltest.Lookup");
    CHECK_EQ_STR(file_names(ask(&s, &req), &s.arena), "refl_test.proto");
    CHECK_EQ_INT(close_stream(&s), CGRPC_STATUS_OK);
    /* A new stream starts afresh. */
    open_stream(&s, p.ch, alpha);
    req = by_filename("refl_dep.proto");
    CHECK_EQ_STR(file_names(ask(&s, &req), &s.arena), "refl_dep.proto refl_base.proto");
    req = by_filename("grpc/health/v1/health.proto");
    CHECK_EQ_STR(file_names(ask(&s, &req), &s.arena), "grpc/health/v1/health.proto");
    req = by_filename("no/such.proto");
    CHECK_EQ_STR(error_of(ask(&s, &req)), "5 file \"no/such.proto\" not found");
    CHECK_EQ_INT(close_stream(&s), CGRPC_STATUS_OK);
  }
  svc_pair_stop(&p);
}

static void test_every_kind_of_symbol(void) {
  svc_pair_t p;
  start(&p);
  static const struct {
    const char *symbol, *file;
  } cases[] = {
      {"refltest.Lookup", "refl_test.proto"},            /* service */
      {"refltest.Lookup.Find", "refl_test.proto"},       /* method */
      {"refltest.Outer", "refl_test.proto"},             /* message */
      {".refltest.Outer", "refl_test.proto"},            /* fully qualified */
      {"refltest.Outer.Inner", "refl_test.proto"},       /* nested message */
      {"refltest.Outer.Inner.Mood", "refl_test.proto"},  /* nested enum */
      {"refltest.Outer.Inner.ANGRY", "refl_test.proto"}, /* enum value */
      {"refltest.Outer.parts", "refl_test.proto"},       /* field */
      {"refltest.Outer.choice", "refl_test.proto"},      /* oneof */
      {"refltest.dep.Part", "refl_dep.proto"},           /* in an import */
      {"refltest.dep.dep_note", "refl_dep.proto"},       /* extension */
      {"refltest.dep.Holder.held", "refl_dep.proto"},    /* nested extension */
      {"refltest.base.Color", "refl_base.proto"},        /* enum */
      {"grpc.health.v1.Health.Watch", "grpc/health/v1/health.proto"},
      {"grpc.reflection.v1alpha.ServerReflection", "grpc/reflection/v1alpha/reflection.proto"},
      {"refltest.extra.Lonely", "refl_extra.proto"},         /* cgrpc_reflection_add_file */
      {"refltest.pooled.Generic.Echo", "refl_pooled.proto"}, /* cgrpc_reflection_add_pool */
      {"google.protobuf.Timestamp", "google/protobuf/timestamp.proto"},
  };
  for (int alpha = 0; alpha < 2; alpha++) {
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
      stream_t s; /* a stream each, so every answer starts with the file itself */
      open_stream(&s, p.ch, alpha);
      request_t req = by_symbol(cases[i].symbol);
      const char *names = file_names(ask(&s, &req), &s.arena);
      if (strncmp(names, cases[i].file, strlen(cases[i].file)) != 0) {
        TEST_FAIL_("symbol %s: files \"%s\", want %s first", cases[i].symbol, names, cases[i].file);
      }
      CHECK_EQ_INT(close_stream(&s), CGRPC_STATUS_OK);
    }
  }
  stream_t s;
  open_stream(&s, p.ch, false);
  request_t req = by_symbol("refltest.Nope");
  CHECK_EQ_STR(error_of(ask(&s, &req)), "5 symbol \"refltest.Nope\" not found");
  req = by_symbol("refltest"); /* a package is not a symbol of one file */
  CHECK_EQ_STR(error_of(ask(&s, &req)), "5 symbol \"refltest\" not found");
  req = by_symbol("");
  CHECK_EQ_STR(error_of(ask(&s, &req)), "5 symbol \"\" not found");
  CHECK_EQ_INT(close_stream(&s), CGRPC_STATUS_OK);
  svc_pair_stop(&p);
}

static request_t by_extension(grpc_reflection_v1_ExtensionRequest *ext, const char *type,
                              int32_t number) {
  grpc_reflection_v1_ExtensionRequest_init(ext);
  ext->containing_type = cgrpc_str(type);
  ext->extension_number = number;
  request_t r;
  grpc_reflection_v1_ServerReflectionRequest_init(&r);
  grpc_reflection_v1_ServerReflectionRequest_set_file_containing_extension(&r, ext);
  return r;
}

static void test_extensions(void) {
  svc_pair_t p;
  start(&p);
  stream_t s;
  open_stream(&s, p.ch, false);
  grpc_reflection_v1_ExtensionRequest ext;
  request_t req = by_extension(&ext, "refltest.base.Extendable", 150);
  CHECK_EQ_STR(file_names(ask(&s, &req), &s.arena), "refl_dep.proto refl_base.proto");
  req = by_extension(&ext, "refltest.base.Extendable", 100);
  CHECK_EQ_STR(file_names(ask(&s, &req), &s.arena), "refl_dep.proto");
  req = by_extension(&ext, "refltest.base.Extendable", 101);
  CHECK_EQ_STR(error_of(ask(&s, &req)),
               "5 extension 101 of \"refltest.base.Extendable\" not found");
  req = by_extension(&ext, "no.Such", 100);
  CHECK_EQ_STR(error_of(ask(&s, &req)), "5 extension 100 of \"no.Such\" not found");
  req = by_extension(&ext, "refltest.base.Extendable", -1);
  CHECK_EQ_STR(error_of(ask(&s, &req)), "5 extension -1 of \"refltest.base.Extendable\" not found");

  grpc_reflection_v1_ServerReflectionRequest_init(&req);
  grpc_reflection_v1_ServerReflectionRequest_set_all_extension_numbers_of_type(
      &req, cgrpc_str("refltest.base.Extendable"));
  const response_t *resp = ask(&s, &req);
  CHECK(
      resp &&
      resp->message_response_case ==
          grpc_reflection_v1_ServerReflectionResponse_message_response_all_extension_numbers_response);
  if (resp &&
      resp->message_response_case ==
          grpc_reflection_v1_ServerReflectionResponse_message_response_all_extension_numbers_response) {
    const grpc_reflection_v1_ExtensionNumberResponse *en =
        resp->message_response.all_extension_numbers_response;
    CHECK(test_str_eq(en->base_type_name, "refltest.base.Extendable"));
    CHECK_EQ_INT(en->extension_number.count, 2);
    int sum = 0;
    for (size_t i = 0; i < en->extension_number.count; i++) sum += en->extension_number.data[i];
    CHECK_EQ_INT(sum, 250); /* 100 and 150 */
  }
  grpc_reflection_v1_ServerReflectionRequest_set_all_extension_numbers_of_type(
      &req, cgrpc_str("refltest.Outer"));
  resp = ask(&s, &req);
  CHECK(resp && resp->message_response.all_extension_numbers_response &&
        resp->message_response.all_extension_numbers_response->extension_number.count == 0);
  grpc_reflection_v1_ServerReflectionRequest_set_all_extension_numbers_of_type(
      &req, cgrpc_str("refltest.Nope"));
  CHECK_EQ_STR(error_of(ask(&s, &req)), "5 message type \"refltest.Nope\" not found");
  CHECK_EQ_INT(close_stream(&s), CGRPC_STATUS_OK);
  svc_pair_stop(&p);
}

static void test_empty_request(void) {
  svc_pair_t p;
  start(&p);
  stream_t s;
  open_stream(&s, p.ch, true);
  request_t req;
  grpc_reflection_v1_ServerReflectionRequest_init(&req);
  const char *e = error_of(ask(&s, &req));
  CHECK(strncmp(e, "3 the request asks for nothing", 30) == 0);
  /* The stream goes on after an error. */
  check_list_services(&s);
  CHECK_EQ_INT(close_stream(&s), CGRPC_STATUS_OK);
  svc_pair_stop(&p);
}

/* Many requests sent before any answer is read: they are answered in
 * order, and the server does not recurse once per buffered request. */
static void test_many_requests_in_flight(void) {
  svc_pair_t p;
  start(&p);
  stream_t s;
  open_stream(&s, p.ch, false);
  enum { N = 300 };
  for (int i = 0; i < N; i++) {
    request_t req = by_symbol(i % 2 ? "refltest.Outer" : "refltest.base.Color");
    CHECK(
        grpc_reflection_v1_ServerReflection_ServerReflectionInfo_send(s.call, &req, 0, NULL, NULL));
  }
  for (int i = 0; i < N; i++) {
    response_t resp;
    CHECK(grpc_reflection_v1_ServerReflection_ServerReflectionInfo_recv(s.call, &resp, &s.arena,
                                                                        NULL, NULL));
    CHECK(test_str_eq(resp.original_request->message_request.file_containing_symbol,
                      i % 2 ? "refltest.Outer" : "refltest.base.Color"));
  }
  CHECK_EQ_INT(close_stream(&s), CGRPC_STATUS_OK);
  svc_pair_stop(&p);
}

/* A client that cancels mid-stream, and one that goes away. */
static void test_stream_cancel_and_client_gone(void) {
  svc_pair_t p;
  start(&p);
  stream_t s;
  open_stream(&s, p.ch, false);
  request_t req = by_filename("refl_test.proto");
  CHECK(ask(&s, &req) != NULL);
  cgrpc_call_cancel(s.call);
  CHECK_EQ_INT(cgrpc_call_finish(s.call, NULL, NULL), CGRPC_STATUS_CANCELLED);
  cgrpc_arena_free(&s.arena);
  cgrpc_channel_t *ch2;
  CHECK_EQ_INT(cgrpc_channel_new(p.target, NULL, &ch2, NULL), CGRPC_STATUS_OK);
  open_stream(&s, ch2, true);
  CHECK(ask(&s, &req) != NULL);
  cgrpc_call_finish_async(s.call, NULL, NULL, NULL);
  cgrpc_channel_free(ch2);
  cgrpc_arena_free(&s.arena);
  /* The server still answers. */
  open_stream(&s, p.ch, false);
  check_list_services(&s);
  CHECK_EQ_INT(close_stream(&s), CGRPC_STATUS_OK);
  svc_pair_stop(&p);
}

/* A pool holding a different refl_extra.proto: adding it conflicts. */
static cgrpc_pool_t *conflicting_pool(void) {
  char room[1024];
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, room, sizeof room);
  google_protobuf_DescriptorProto msg;
  google_protobuf_DescriptorProto_init(&msg);
  msg.has_name = true;
  msg.name = cgrpc_str("Other");
  google_protobuf_DescriptorProto *msgs[1] = {&msg};
  google_protobuf_FileDescriptorProto fd;
  google_protobuf_FileDescriptorProto_init(&fd);
  fd.has_name = fd.has_package = fd.has_syntax = true;
  fd.name = cgrpc_str("refl_extra.proto");
  fd.package = cgrpc_str("refltest.other");
  fd.syntax = cgrpc_str("proto3");
  fd.message_type.data = msgs;
  fd.message_type.count = fd.message_type.capacity = 1;
  uint8_t *bytes;
  size_t len;
  CHECK_EQ_INT(google_protobuf_FileDescriptorProto_encode(&fd, &arena, 0, &bytes, &len, NULL),
               CGRPC_PB_OK);
  cgrpc_pool_t *pool;
  CHECK_EQ_INT(cgrpc_pool_new(&pool, NULL), CGRPC_STATUS_OK);
  CHECK_EQ_INT(cgrpc_pool_add_file(pool, bytes, len, NULL), CGRPC_STATUS_OK);
  cgrpc_arena_free(&arena);
  return pool;
}

static void test_setup_errors(void) {
  cgrpc_error_t err;
  cgrpc_reflection_t *r = (cgrpc_reflection_t *)&err;
  CHECK_EQ_INT(cgrpc_server_enable_reflection(NULL, &r, &err), CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK(r == NULL);
  cgrpc_server_t *srv;
  CHECK_EQ_INT(cgrpc_server_new(NULL, &srv, NULL), CGRPC_STATUS_OK);
  CHECK_EQ_INT(cgrpc_server_enable_reflection(srv, &r, &err), CGRPC_STATUS_OK);
  cgrpc_reflection_t *again;
  CHECK_EQ_INT(cgrpc_server_enable_reflection(srv, &again, &err), CGRPC_STATUS_ALREADY_EXISTS);
  CHECK(strstr(err.message, "already registered") != NULL);
  CHECK_EQ_INT(cgrpc_reflection_add_file(NULL, &refl_extra_proto_file, &err),
               CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK_EQ_INT(cgrpc_reflection_add_file(r, NULL, &err), CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK_EQ_INT(cgrpc_reflection_add_pool(r, NULL, &err), CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK_EQ_INT(cgrpc_reflection_add_file(r, &refl_extra_proto_file, &err), CGRPC_STATUS_OK);
  CHECK_EQ_INT(cgrpc_reflection_add_file(r, &refl_extra_proto_file, &err), CGRPC_STATUS_OK);
  cgrpc_pool_t *other = conflicting_pool();
  CHECK_EQ_INT(cgrpc_reflection_add_pool(r, other, &err), CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK(strstr(err.message, "refl_extra.proto") != NULL);
  cgrpc_pool_free(other);
  CHECK_EQ_INT(cgrpc_server_listen(srv, "127.0.0.1:0", NULL, NULL), CGRPC_STATUS_OK);
  CHECK_EQ_INT(cgrpc_server_start(srv, NULL), CGRPC_STATUS_OK);
  CHECK_EQ_INT(cgrpc_reflection_add_file(r, &refl_test_proto_file, &err),
               CGRPC_STATUS_FAILED_PRECONDITION);
  CHECK_EQ_INT(cgrpc_reflection_add_pool(r, pooled, &err), CGRPC_STATUS_FAILED_PRECONDITION);
  cgrpc_server_t *srv2;
  CHECK_EQ_INT(cgrpc_server_new(NULL, &srv2, NULL), CGRPC_STATUS_OK);
  CHECK_EQ_INT(cgrpc_server_listen(srv2, "127.0.0.1:0", NULL, NULL), CGRPC_STATUS_OK);
  CHECK_EQ_INT(cgrpc_server_start(srv2, NULL), CGRPC_STATUS_OK);
  CHECK_EQ_INT(cgrpc_server_enable_reflection(srv2, NULL, &err), CGRPC_STATUS_FAILED_PRECONDITION);
  cgrpc_server_free(srv2);
  cgrpc_server_free(srv);
}

int main(void) {
  load_pooled();
  TEST_RUN(test_list_services_v1_and_v1alpha);
  TEST_RUN(test_file_closures_once_per_stream);
  TEST_RUN(test_every_kind_of_symbol);
  TEST_RUN(test_extensions);
  TEST_RUN(test_empty_request);
  TEST_RUN(test_many_requests_in_flight);
  TEST_RUN(test_stream_cancel_and_client_gone);
  TEST_RUN(test_setup_errors);
  cgrpc_pool_free(pooled);
  return TEST_DONE();
}

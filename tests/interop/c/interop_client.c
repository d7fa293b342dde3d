/* interop_client.c — the grpc.testing interop client on the cgrpc client API.
 *
 * Each --test_case runs the procedure of grpc/grpc
 * doc/interop-test-descriptions.md against any interop server (grpcio,
 * grpc-js, or ours) and asserts exactly what the description asserts,
 * including the per-message compressed flag that the reference clients
 * cannot see. Exit status 0 means pass; on failure one line on stderr says
 * what was expected and what came back.
 *
 * Usage: cgrpc_interop_client --server_host=H --server_port=N --test_case=NAME
 *          [--use_tls=true [--tls_ca_file=PEM | --use_test_ca=true]
 *           [--tls_cert_file=PEM --tls_key_file=PEM] [--server_host_override=NAME]]
 * Over TLS the server is verified against --tls_ca_file, or with
 * --use_test_ca=true against $CGRPC_TEST_CERTS/ca.pem (tests/tls/make_certs.sh),
 * or else the system's roots; --server_host_override is the name verified
 * (and the :authority). The certificate flags make it mutual TLS.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgrpc/channel.h"
#include "cgrpc/tls.h"
#include "grpc/testing/test.pb.h"
#include "interop_common.h"

#define LARGE_REQUEST_BYTES 271828
#define LARGE_RESPONSE_BYTES 314159
#define VERY_LARGE_REQUEST_BYTES (10 * 1024 * 1024)

static const char *const special_message =
    "\t\ntest with whitespace\r\nand Unicode BMP \xe2\x98\xba and non-BMP \xf0\x9f\x98\x88\t\n";

/* Everything a case needs: the channel and an arena for its messages,
 * freed when the case is over. */
typedef struct client {
  cgrpc_channel_t *ch;
  cgrpc_arena_t arena;
  const char *test_case;
} client_t;

static bool fail(const client_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool fail(const client_t *c, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "%s: FAILED: ", c->test_case);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  return false;
}

#define EXPECT(c, cond, ...)                    \
  do {                                          \
    if (!(cond)) return fail((c), __VA_ARGS__); \
  } while (0)

static const cgrpc_pb_method_t *method(const char *name) {
  return interop_method(&grpc_testing_TestService_service, name);
}

static const char *status_message(const cgrpc_status_t *st) {
  return st->message.data ? st->message.data : "";
}

static bool expect_status(client_t *c, const cgrpc_status_t *st, cgrpc_status_code_t want,
                          const char *what) {
  EXPECT(c, st->code == want, "%s: expected status %s, got %s: \"%s\"", what,
         cgrpc_status_code_name(want), cgrpc_status_code_name(st->code), status_message(st));
  return true;
}

static bool expect_payload(client_t *c, const grpc_testing_Payload *p, size_t size,
                           const char *what) {
  size_t len = p ? p->body.len : 0;
  EXPECT(c, len == size, "%s: payload is %zu bytes, expected %zu", what, len, size);
  EXPECT(c, len == 0 || interop_all_zero(p->body.data, len),
         "%s: payload of %zu bytes is not all zero", what, len);
  return true;
}

static grpc_testing_SimpleRequest large_request(client_t *c) {
  grpc_testing_SimpleRequest req = grpc_testing_SimpleRequest_INIT;
  req.response_size = LARGE_RESPONSE_BYTES;
  req.payload = interop_payload(&c->arena, LARGE_REQUEST_BYTES);
  return req;
}

/* A StreamingOutputCallRequest for responses of `sizes`, with a request
 * payload of `payload_size` zero bytes (none when 0). */
static grpc_testing_StreamingOutputCallRequest output_request(client_t *c, const int32_t *sizes,
                                                              size_t count, size_t payload_size) {
  grpc_testing_StreamingOutputCallRequest req = grpc_testing_StreamingOutputCallRequest_INIT;
  req.response_parameters.data =
      cgrpc_arena_calloc(&c->arena, (count ? count : 1) * sizeof *req.response_parameters.data);
  for (size_t i = 0; i < count; i++) {
    grpc_testing_ResponseParameters *p = grpc_testing_ResponseParameters_new(&c->arena);
    p->size = sizes[i];
    req.response_parameters.data[i] = p;
  }
  req.response_parameters.count = req.response_parameters.capacity = count;
  if (payload_size) req.payload = interop_payload(&c->arena, payload_size);
  return req;
}

static bool empty_unary(client_t *c) {
  grpc_testing_Empty req = grpc_testing_Empty_INIT;
  grpc_testing_Empty resp;
  cgrpc_status_t st;
  cgrpc_unary(c->ch, method("EmptyCall"), &req, &resp, &c->arena, NULL, &st);
  return expect_status(c, &st, CGRPC_STATUS_OK, "EmptyCall");
}

static bool large_unary(client_t *c) {
  grpc_testing_SimpleRequest req = large_request(c);
  grpc_testing_SimpleResponse resp;
  cgrpc_status_t st;
  cgrpc_unary(c->ch, method("UnaryCall"), &req, &resp, &c->arena, NULL, &st);
  return expect_status(c, &st, CGRPC_STATUS_OK, "UnaryCall") &&
         expect_payload(c, resp.payload, LARGE_RESPONSE_BYTES, "UnaryCall");
}

static bool client_compressed_unary(client_t *c) {
  grpc_testing_SimpleRequest req = large_request(c);
  grpc_testing_SimpleResponse resp;
  cgrpc_status_t st;
  req.expect_compressed = interop_bool(&c->arena, true);
  cgrpc_unary(c->ch, method("UnaryCall"), &req, &resp, &c->arena, NULL, &st);
  if (!expect_status(c, &st, CGRPC_STATUS_INVALID_ARGUMENT,
                     "uncompressed probe with expect_compressed=true")) {
    return false;
  }

  cgrpc_call_options_t gzip = {.compression = CGRPC_ENCODING_GZIP};
  cgrpc_unary(c->ch, method("UnaryCall"), &req, &resp, &c->arena, &gzip, &st);
  if (!expect_status(c, &st, CGRPC_STATUS_OK, "compressed UnaryCall") ||
      !expect_payload(c, resp.payload, LARGE_RESPONSE_BYTES, "compressed UnaryCall")) {
    return false;
  }

  req.expect_compressed = interop_bool(&c->arena, false);
  cgrpc_unary(c->ch, method("UnaryCall"), &req, &resp, &c->arena, NULL, &st);
  return expect_status(c, &st, CGRPC_STATUS_OK, "uncompressed UnaryCall") &&
         expect_payload(c, resp.payload, LARGE_RESPONSE_BYTES, "uncompressed UnaryCall");
}

/* A unary call made through a call object, the only way to see whether the
 * response message carried the compressed flag. */
static bool server_compressed_unary(client_t *c) {
  for (int compressed = 1; compressed >= 0; compressed--) {
    grpc_testing_SimpleRequest req = large_request(c);
    req.response_compressed = interop_bool(&c->arena, compressed);
    cgrpc_call_t *call = cgrpc_call_start(c->ch, method("UnaryCall"), NULL);
    cgrpc_call_send(call, &req, 0, NULL, NULL);
    cgrpc_call_half_close(call);
    grpc_testing_SimpleResponse resp;
    bool received = cgrpc_call_recv(call, &resp, &c->arena, NULL, NULL);
    bool flag = received && cgrpc_call_last_message_compressed(call);
    cgrpc_status_t st;
    cgrpc_call_finish(call, &c->arena, &st);
    const char *what =
        compressed ? "UnaryCall response_compressed=true" : "UnaryCall response_compressed=false";
    if (!expect_status(c, &st, CGRPC_STATUS_OK, what)) return false;
    EXPECT(c, received, "%s: the call ended OK without a response", what);
    EXPECT(c, flag == (bool)compressed, "%s: the response's compressed flag is %d", what, flag);
    if (!expect_payload(c, resp.payload, LARGE_RESPONSE_BYTES, what)) return false;
  }
  return true;
}

/* One message of a StreamingInputCall: its payload size, the
 * expect_compressed it carries (-1: none) and its write flags. */
typedef struct input_message {
  size_t size;
  int expect_compressed;
  unsigned flags;
} input_message_t;

/* Sends `messages` on a StreamingInputCall with request compression
 * `encoding`; returns the status code, the aggregated size in *aggregated
 * (-1 when no response came). */
static cgrpc_status_code_t input_call(client_t *c, const input_message_t *messages, size_t count,
                                      cgrpc_encoding_t encoding, int32_t *aggregated,
                                      cgrpc_status_t *st) {
  cgrpc_call_options_t opts = {.compression = encoding};
  cgrpc_call_t *call = cgrpc_call_start(c->ch, method("StreamingInputCall"), &opts);
  for (size_t i = 0; i < count; i++) {
    grpc_testing_StreamingInputCallRequest req = grpc_testing_StreamingInputCallRequest_INIT;
    req.payload = interop_payload(&c->arena, messages[i].size);
    if (messages[i].expect_compressed >= 0) {
      req.expect_compressed = interop_bool(&c->arena, messages[i].expect_compressed);
    }
    if (!cgrpc_call_send(call, &req, messages[i].flags, NULL, NULL)) break;
  }
  cgrpc_call_half_close(call);
  grpc_testing_StreamingInputCallResponse resp;
  *aggregated =
      cgrpc_call_recv(call, &resp, &c->arena, NULL, NULL) ? resp.aggregated_payload_size : -1;
  return cgrpc_call_finish(call, &c->arena, st);
}

static bool client_streaming(client_t *c) {
  const input_message_t messages[] = {{27182, -1, 0}, {8, -1, 0}, {1828, -1, 0}, {45904, -1, 0}};
  int32_t aggregated;
  cgrpc_status_t st;
  input_call(c, messages, 4, CGRPC_ENCODING_IDENTITY, &aggregated, &st);
  if (!expect_status(c, &st, CGRPC_STATUS_OK, "StreamingInputCall")) return false;
  EXPECT(c, aggregated == 74922, "aggregated_payload_size %d, expected 74922", aggregated);
  return true;
}

static bool client_compressed_streaming(client_t *c) {
  const input_message_t probe[] = {{27182, 1, 0}};
  int32_t aggregated;
  cgrpc_status_t st;
  input_call(c, probe, 1, CGRPC_ENCODING_IDENTITY, &aggregated, &st);
  if (!expect_status(c, &st, CGRPC_STATUS_INVALID_ARGUMENT,
                     "uncompressed probe with expect_compressed=true")) {
    return false;
  }
  const input_message_t messages[] = {{27182, 1, 0}, {45904, 0, CGRPC_WRITE_NO_COMPRESS}};
  input_call(c, messages, 2, CGRPC_ENCODING_GZIP, &aggregated, &st);
  if (!expect_status(c, &st, CGRPC_STATUS_OK, "compressed StreamingInputCall")) return false;
  EXPECT(c, aggregated == 73086, "aggregated_payload_size %d, expected 73086", aggregated);
  return true;
}

/* Runs StreamingOutputCall with `req` and checks the responses' sizes and,
 * where `compressed` is given, each one's compressed flag. */
static bool output_call(client_t *c, const grpc_testing_StreamingOutputCallRequest *req,
                        const bool *compressed) {
  cgrpc_call_t *call = cgrpc_call_start(c->ch, method("StreamingOutputCall"), NULL);
  cgrpc_call_send(call, req, 0, NULL, NULL);
  cgrpc_call_half_close(call);
  size_t want = req->response_parameters.count;
  size_t got = 0;
  bool ok = true;
  grpc_testing_StreamingOutputCallResponse resp;
  while (cgrpc_call_recv(call, &resp, &c->arena, NULL, NULL)) {
    if (!ok) continue;
    if (got == want) {
      ok = fail(c, "more than the %zu responses asked for", want);
      continue;
    }
    char what[32];
    snprintf(what, sizeof what, "response %zu", got);
    bool flag = cgrpc_call_last_message_compressed(call);
    ok = expect_payload(c, resp.payload, (size_t)req->response_parameters.data[got]->size, what);
    if (ok && compressed && flag != compressed[got]) {
      ok = fail(c, "%s: compressed flag is %d, expected %d", what, flag, compressed[got]);
    }
    got++;
  }
  cgrpc_status_t st;
  cgrpc_call_finish(call, &c->arena, &st);
  if (!ok || !expect_status(c, &st, CGRPC_STATUS_OK, "StreamingOutputCall")) return false;
  EXPECT(c, got == want, "%zu responses, expected %zu", got, want);
  return true;
}

static bool server_streaming(client_t *c) {
  const int32_t sizes[] = {31415, 9, 2653, 58979};
  grpc_testing_StreamingOutputCallRequest req = output_request(c, sizes, 4, 0);
  return output_call(c, &req, NULL);
}

static bool server_compressed_streaming(client_t *c) {
  const int32_t sizes[] = {31415, 92653};
  const bool compressed[] = {true, false};
  grpc_testing_StreamingOutputCallRequest req = output_request(c, sizes, 2, 0);
  for (size_t i = 0; i < 2; i++) {
    req.response_parameters.data[i]->compressed = interop_bool(&c->arena, compressed[i]);
  }
  return output_call(c, &req, compressed);
}

static bool ping_pong(client_t *c) {
  const int32_t request_sizes[] = {27182, 8, 1828, 45904};
  const int32_t response_sizes[] = {31415, 9, 2653, 58979};
  cgrpc_call_t *call = cgrpc_call_start(c->ch, method("FullDuplexCall"), NULL);
  bool ok = true;
  for (size_t i = 0; ok && i < 4; i++) {
    grpc_testing_StreamingOutputCallRequest req =
        output_request(c, &response_sizes[i], 1, (size_t)request_sizes[i]);
    grpc_testing_StreamingOutputCallResponse resp;
    if (!cgrpc_call_send(call, &req, 0, NULL, NULL)) {
      ok = fail(c, "sending request %zu failed", i);
    } else if (!cgrpc_call_recv(call, &resp, &c->arena, NULL, NULL)) {
      ok = fail(c, "the stream ended before response %zu", i);
    } else {
      ok = expect_payload(c, resp.payload, (size_t)response_sizes[i], "FullDuplexCall response");
    }
  }
  cgrpc_call_half_close(call);
  grpc_testing_StreamingOutputCallResponse extra;
  if (ok && cgrpc_call_recv(call, &extra, &c->arena, NULL, NULL)) {
    ok = fail(c, "the server sent a fifth response");
  }
  if (!ok) cgrpc_call_cancel(call);
  cgrpc_status_t st;
  cgrpc_call_finish(call, &c->arena, &st);
  return ok && expect_status(c, &st, CGRPC_STATUS_OK, "FullDuplexCall");
}

static bool empty_stream(client_t *c) {
  cgrpc_call_t *call = cgrpc_call_start(c->ch, method("FullDuplexCall"), NULL);
  cgrpc_call_half_close(call);
  grpc_testing_StreamingOutputCallResponse resp;
  bool received = cgrpc_call_recv(call, &resp, &c->arena, NULL, NULL);
  cgrpc_status_t st;
  cgrpc_call_finish(call, &c->arena, &st);
  if (!expect_status(c, &st, CGRPC_STATUS_OK, "FullDuplexCall")) return false;
  EXPECT(c, !received, "expected zero responses, got at least one");
  return true;
}

static bool expect_echo(client_t *c, const cgrpc_status_t *st, const char *what) {
  const cgrpc_str_t *initial = cgrpc_metadata_get(&st->initial_metadata, INTEROP_ECHO_INITIAL_KEY);
  EXPECT(c,
         initial && initial->len == 27 &&
             memcmp(initial->data, "test_initial_metadata_value", 27) == 0,
         "%s: initial metadata %s is %s%.*s", what, INTEROP_ECHO_INITIAL_KEY,
         initial ? "" : "missing", initial ? (int)initial->len : 0, initial ? initial->data : "");
  const cgrpc_str_t *trailing =
      cgrpc_metadata_get(&st->trailing_metadata, INTEROP_ECHO_TRAILING_KEY);
  EXPECT(c, trailing && trailing->len == 3 && memcmp(trailing->data, "\xab\xab\xab", 3) == 0,
         "%s: trailing metadata %s is %s (%zu bytes)", what, INTEROP_ECHO_TRAILING_KEY,
         trailing ? "wrong" : "missing", trailing ? trailing->len : 0);
  return true;
}

static bool custom_metadata(client_t *c) {
  cgrpc_metadata_t md = CGRPC_METADATA_INIT;
  if (!cgrpc_metadata_add_str(&md, &c->arena, INTEROP_ECHO_INITIAL_KEY,
                              "test_initial_metadata_value") ||
      !cgrpc_metadata_add(&md, &c->arena, INTEROP_ECHO_TRAILING_KEY, "\xab\xab\xab", 3)) {
    return fail(c, "cgrpc_metadata_add refused the test metadata");
  }
  cgrpc_call_options_t opts = {.metadata = &md};

  grpc_testing_SimpleRequest req = large_request(c);
  grpc_testing_SimpleResponse resp;
  cgrpc_status_t st;
  cgrpc_unary(c->ch, method("UnaryCall"), &req, &resp, &c->arena, &opts, &st);
  if (!expect_status(c, &st, CGRPC_STATUS_OK, "UnaryCall") ||
      !expect_payload(c, resp.payload, LARGE_RESPONSE_BYTES, "UnaryCall") ||
      !expect_echo(c, &st, "UnaryCall")) {
    return false;
  }

  const int32_t size = LARGE_RESPONSE_BYTES;
  grpc_testing_StreamingOutputCallRequest sreq = output_request(c, &size, 1, LARGE_REQUEST_BYTES);
  cgrpc_call_t *call = cgrpc_call_start(c->ch, method("FullDuplexCall"), &opts);
  cgrpc_call_send(call, &sreq, 0, NULL, NULL);
  cgrpc_call_half_close(call);
  size_t responses = 0;
  bool ok = true;
  grpc_testing_StreamingOutputCallResponse sresp;
  while (cgrpc_call_recv(call, &sresp, &c->arena, NULL, NULL)) {
    if (ok) ok = expect_payload(c, sresp.payload, LARGE_RESPONSE_BYTES, "FullDuplexCall response");
    responses++;
  }
  cgrpc_call_finish(call, &c->arena, &st);
  if (!ok || !expect_status(c, &st, CGRPC_STATUS_OK, "FullDuplexCall")) return false;
  EXPECT(c, responses == 1, "FullDuplexCall: %zu responses, expected 1", responses);
  return expect_echo(c, &st, "FullDuplexCall");
}

static bool expect_echoed_status(client_t *c, const cgrpc_status_t *st, const char *message,
                                 const char *what) {
  if (!expect_status(c, st, CGRPC_STATUS_UNKNOWN, what)) return false;
  EXPECT(
      c,
      st->message.len == strlen(message) && memcmp(st->message.data, message, st->message.len) == 0,
      "%s: message \"%s\" (%zu bytes), expected \"%s\" (%zu bytes)", what, status_message(st),
      st->message.len, message, strlen(message));
  return true;
}

static grpc_testing_EchoStatus *echo_status(client_t *c, const char *message) {
  grpc_testing_EchoStatus *status = grpc_testing_EchoStatus_new(&c->arena);
  status->code = CGRPC_STATUS_UNKNOWN;
  status->message = (cgrpc_str_t){message, strlen(message)};
  return status;
}

static bool unary_status_echo(client_t *c, const char *message) {
  grpc_testing_SimpleRequest req = grpc_testing_SimpleRequest_INIT;
  req.response_status = echo_status(c, message);
  grpc_testing_SimpleResponse resp;
  cgrpc_status_t st;
  cgrpc_unary(c->ch, method("UnaryCall"), &req, &resp, &c->arena, NULL, &st);
  return expect_echoed_status(c, &st, message, "UnaryCall");
}

static bool status_code_and_message(client_t *c) {
  const char *message = "test status message";
  if (!unary_status_echo(c, message)) return false;
  grpc_testing_StreamingOutputCallRequest req = grpc_testing_StreamingOutputCallRequest_INIT;
  req.response_status = echo_status(c, message);
  cgrpc_call_t *call = cgrpc_call_start(c->ch, method("FullDuplexCall"), NULL);
  cgrpc_call_send(call, &req, 0, NULL, NULL);
  cgrpc_call_half_close(call);
  grpc_testing_StreamingOutputCallResponse resp;
  bool received = cgrpc_call_recv(call, &resp, &c->arena, NULL, NULL);
  cgrpc_status_t st;
  cgrpc_call_finish(call, &c->arena, &st);
  EXPECT(c, !received, "FullDuplexCall: a response arrived before the echoed status");
  return expect_echoed_status(c, &st, message, "FullDuplexCall");
}

static bool special_status_message(client_t *c) { return unary_status_echo(c, special_message); }

static bool expect_unimplemented(client_t *c, const cgrpc_pb_method_t *m) {
  grpc_testing_Empty req = grpc_testing_Empty_INIT;
  grpc_testing_Empty resp;
  cgrpc_status_t st;
  cgrpc_unary(c->ch, m, &req, &resp, &c->arena, NULL, &st);
  return expect_status(c, &st, CGRPC_STATUS_UNIMPLEMENTED, m->path);
}

static bool unimplemented_method(client_t *c) {
  return expect_unimplemented(c, method("UnimplementedCall"));
}

static bool unimplemented_service(client_t *c) {
  return expect_unimplemented(
      c, interop_method(&grpc_testing_UnimplementedService_service, "UnimplementedCall"));
}

static bool cancel_after_begin(client_t *c) {
  cgrpc_call_t *call = cgrpc_call_start(c->ch, method("StreamingInputCall"), NULL);
  cgrpc_call_cancel(call);
  cgrpc_status_t st;
  cgrpc_call_finish(call, &c->arena, &st);
  return expect_status(c, &st, CGRPC_STATUS_CANCELLED, "StreamingInputCall");
}

static bool cancel_after_first_response(client_t *c) {
  const int32_t size = 31415;
  grpc_testing_StreamingOutputCallRequest req = output_request(c, &size, 1, 27182);
  cgrpc_call_t *call = cgrpc_call_start(c->ch, method("FullDuplexCall"), NULL);
  cgrpc_call_send(call, &req, 0, NULL, NULL);
  grpc_testing_StreamingOutputCallResponse resp;
  bool received = cgrpc_call_recv(call, &resp, &c->arena, NULL, NULL);
  cgrpc_call_cancel(call);
  cgrpc_status_t st;
  cgrpc_call_finish(call, &c->arena, &st);
  EXPECT(c, received, "the stream ended before the first response: %s: \"%s\"",
         cgrpc_status_code_name(st.code), status_message(&st));
  return expect_payload(c, resp.payload, 31415, "first response") &&
         expect_status(c, &st, CGRPC_STATUS_CANCELLED, "FullDuplexCall");
}

static bool timeout_on_sleeping_server(client_t *c) {
  grpc_testing_StreamingOutputCallRequest req = output_request(c, NULL, 0, 27182);
  cgrpc_call_options_t opts = {.timeout_ns = CGRPC_NS_PER_MS};
  cgrpc_call_t *call = cgrpc_call_start(c->ch, method("FullDuplexCall"), &opts);
  /* The deadline may pass before the request is sent; then sending fails. */
  cgrpc_call_send(call, &req, 0, NULL, NULL);
  grpc_testing_StreamingOutputCallResponse resp;
  bool received = cgrpc_call_recv(call, &resp, &c->arena, NULL, NULL);
  cgrpc_status_t st;
  cgrpc_call_finish(call, &c->arena, &st);
  EXPECT(c, !received, "a response arrived although none was asked for");
  return expect_status(c, &st, CGRPC_STATUS_DEADLINE_EXCEEDED, "FullDuplexCall");
}

static bool very_large_request(client_t *c) {
  grpc_testing_SimpleRequest req = grpc_testing_SimpleRequest_INIT;
  req.response_size = 10;
  req.payload = interop_payload(&c->arena, VERY_LARGE_REQUEST_BYTES);
  EXPECT(c, req.payload && req.payload->body.data, "cannot allocate the 10 MiB payload");
  grpc_testing_SimpleResponse resp;
  cgrpc_status_t st;
  cgrpc_unary(c->ch, method("UnaryCall"), &req, &resp, &c->arena, NULL, &st);
  return expect_status(c, &st, CGRPC_STATUS_OK, "UnaryCall") &&
         expect_payload(c, resp.payload, 10, "UnaryCall");
}

static const struct {
  const char *name;
  bool (*run)(client_t *c);
} test_cases[] = {
    {"empty_unary", empty_unary},
    {"large_unary", large_unary},
    {"client_compressed_unary", client_compressed_unary},
    {"server_compressed_unary", server_compressed_unary},
    {"client_streaming", client_streaming},
    {"client_compressed_streaming", client_compressed_streaming},
    {"server_streaming", server_streaming},
    {"server_compressed_streaming", server_compressed_streaming},
    {"ping_pong", ping_pong},
    {"empty_stream", empty_stream},
    {"custom_metadata", custom_metadata},
    {"status_code_and_message", status_code_and_message},
    {"special_status_message", special_status_message},
    {"unimplemented_method", unimplemented_method},
    {"unimplemented_service", unimplemented_service},
    {"cancel_after_begin", cancel_after_begin},
    {"cancel_after_first_response", cancel_after_first_response},
    {"timeout_on_sleeping_server", timeout_on_sleeping_server},
    {"very_large_request", very_large_request},
};

int main(int argc, char **argv) {
  interop_flag_t flags[] = {
      {"server_host", "localhost"}, {"server_host_override", ""}, {"server_port", NULL},
      {"test_case", NULL},          {"use_tls", "false"},         {"use_test_ca", "false"},
      {"tls_ca_file", ""},          {"tls_cert_file", ""},        {"tls_key_file", ""},
  };
  size_t flag_count = sizeof flags / sizeof flags[0];
  interop_flags_parse(argc, argv, flags, flag_count);
  const char *host = interop_flag(flags, flag_count, "server_host");
  const char *override = interop_flag(flags, flag_count, "server_host_override");
  int port = interop_flag_port("server_port", interop_flag(flags, flag_count, "server_port"));
  const char *name = interop_flag(flags, flag_count, "test_case");
  bool use_tls = interop_flag_bool("use_tls", interop_flag(flags, flag_count, "use_tls"));
  bool use_test_ca =
      interop_flag_bool("use_test_ca", interop_flag(flags, flag_count, "use_test_ca"));
  cgrpc_channel_credentials_t *creds = NULL;
  if (use_tls) {
    char test_ca[600];
    const char *ca_file = interop_flag(flags, flag_count, "tls_ca_file");
    const char *cert_file = interop_flag(flags, flag_count, "tls_cert_file");
    const char *key_file = interop_flag(flags, flag_count, "tls_key_file");
    if (!ca_file[0] && use_test_ca) {
      const char *dir = getenv("CGRPC_TEST_CERTS");
      if (!dir) {
        fprintf(stderr,
                "cgrpc_interop_client: --use_test_ca=true needs --tls_ca_file or "
                "CGRPC_TEST_CERTS (tests/tls/make_certs.sh)\n");
        return 2;
      }
      snprintf(test_ca, sizeof test_ca, "%s/ca.pem", dir);
      ca_file = test_ca;
    }
    cgrpc_tls_channel_config_t cfg = {
        .ca_file = ca_file[0] ? ca_file : NULL,
        .cert_chain_file = cert_file[0] ? cert_file : NULL,
        .private_key_file = key_file[0] ? key_file : NULL,
        .server_name_override = override[0] ? override : NULL,
    };
    cgrpc_error_t err = {0};
    if (cgrpc_channel_credentials_new_tls(&cfg, &creds, &err) != CGRPC_STATUS_OK) {
      fprintf(stderr, "%s: FAILED: TLS credentials: %s\n", name, err.message);
      return 1;
    }
  }

  bool (*run)(client_t *) = NULL;
  for (size_t i = 0; i < sizeof test_cases / sizeof test_cases[0]; i++) {
    if (strcmp(test_cases[i].name, name) == 0) run = test_cases[i].run;
  }
  if (!run) {
    fprintf(stderr, "cgrpc_interop_client: unknown --test_case %s\n", name);
    return 2;
  }

  char target[300];
  if (strchr(host, ':')) {
    snprintf(target, sizeof target, "[%s]:%d", host, port); /* an IPv6 literal */
  } else {
    snprintf(target, sizeof target, "%s:%d", host, port);
  }
  cgrpc_channel_options_t opts = CGRPC_CHANNEL_OPTIONS_INIT;
  opts.authority = override[0] ? override : NULL;
  client_t c = {.test_case = name};
  cgrpc_error_t err = {0};
  cgrpc_status_code_t made = cgrpc_channel_new_secure(target, creds, &opts, &c.ch, &err);
  cgrpc_channel_credentials_free(creds);
  if (made != CGRPC_STATUS_OK) {
    fprintf(stderr, "%s: FAILED: cannot create a channel to %s: %s\n", name, target, err.message);
    return 1;
  }
  cgrpc_arena_init(&c.arena, NULL, 0);
  bool passed = run(&c);
  cgrpc_arena_free(&c.arena);
  cgrpc_channel_free(c.ch);
  if (passed) printf("%s: passed\n", name);
  return passed ? 0 : 1;
}

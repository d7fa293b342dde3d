/* interop_server.c — grpc.testing.TestService on the cgrpc server API.
 *
 * Implements the "Server" section of grpc/grpc
 * doc/interop-test-descriptions.md so that grpcio and grpc-js clients (and
 * our own) can test cgrpc's server: EmptyCall, UnaryCall with response_size,
 * response_status, response_compressed and expect_compressed,
 * CacheableUnaryCall, StreamingInputCall, StreamingOutputCall, FullDuplexCall
 * and HalfDuplexCall with interval_us and per-message compression, and the
 * echo of x-grpc-test-echo-initial / x-grpc-test-echo-trailing-bin.
 * UnimplementedCall and UnimplementedService are left unregistered, so the
 * library answers them UNIMPLEMENTED.
 *
 * Every handler runs on the worker pool (blocking style): the streaming
 * methods sleep between responses, which a loop thread must never do.
 *
 * expect_compressed=true is checked against the request's compressed flag;
 * expect_compressed=false is not checked, because the spec's
 * CompressedRequest feature only defines the true case and grpcio clients
 * cannot send one message of a compressed call uncompressed.
 *
 * Usage: cgrpc_interop_server --port=N [--use_tls=false]
 *        cgrpc_interop_server --port=N --use_tls=true --tls_cert_file=PEM --tls_key_file=PEM
 *                             [--tls_client_ca_file=PEM]
 * With --tls_client_ca_file, client certificates are required and verified
 * against it (mutual TLS). Without the certificate flags, --use_tls=true
 * takes server.pem and server.key from $CGRPC_TEST_CERTS
 * (tests/tls/make_certs.sh).
 */
#define _POSIX_C_SOURCE 200809L /* nanosleep, sigwait, pthread_sigmask */

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgrpc/alloc.h"
#include "cgrpc/health.h"
#include "cgrpc/reflection.h"
#include "cgrpc/server.h"
#include "cgrpc/tls.h"
#include "grpc/testing/test.pb.h"
#include "interop_common.h"

/* very_large_request sends a 10 MiB payload; the 4 MiB default would refuse it. */
#define MAX_RECEIVE_BYTES (32u * 1024 * 1024)

/* What a handler replies with besides messages: the trailers to echo. */
typedef struct reply {
  cgrpc_server_call_t *call;
  cgrpc_metadata_t trailers;
} reply_t;

/* Echoes the initial test key now, and keeps the trailing one for the end.
 * Must run before the first write. */
static reply_t reply_start(cgrpc_server_call_t *call, cgrpc_encoding_t encoding) {
  reply_t r = {call, CGRPC_METADATA_INIT};
  cgrpc_arena_t *arena = cgrpc_server_call_arena(call);
  const cgrpc_metadata_t *md = cgrpc_server_call_metadata(call);
  cgrpc_server_call_set_compression(call, encoding);

  const cgrpc_str_t *initial = cgrpc_metadata_get(md, INTEROP_ECHO_INITIAL_KEY);
  if (initial) {
    cgrpc_metadata_t echo = CGRPC_METADATA_INIT;
    if (cgrpc_metadata_add(&echo, arena, INTEROP_ECHO_INITIAL_KEY, initial->data, initial->len)) {
      cgrpc_server_call_send_initial_metadata(call, &echo);
    }
  }
  const cgrpc_str_t *trailing = cgrpc_metadata_get(md, INTEROP_ECHO_TRAILING_KEY);
  if (trailing) {
    cgrpc_metadata_add(&r.trailers, arena, INTEROP_ECHO_TRAILING_KEY, trailing->data,
                       trailing->len);
  }
  return r;
}

/* Ends the call with `code` and `message` (`len` bytes, not NUL-terminated). */
static void reply_finish(reply_t *r, cgrpc_status_code_t code, const char *message, size_t len) {
  char *text = cgrpc_arena_alloc(cgrpc_server_call_arena(r->call), len + 1);
  if (text) {
    memcpy(text, message, len);
    text[len] = '\0';
  }
  cgrpc_server_call_finish(r->call, code, text, &r->trailers);
}

static void reply_error(reply_t *r, cgrpc_status_code_t code, const char *message) {
  reply_finish(r, code, message, strlen(message));
}

static void reply_ok(reply_t *r) {
  cgrpc_server_call_finish(r->call, CGRPC_STATUS_OK, NULL, &r->trailers);
}

/* Sends one message and ends the call OK with the echoed trailers (the
 * unary ending; cgrpc_server_call_reply() cannot carry trailers). A failed
 * write means the call was cancelled: it must still be finished, and the
 * client no longer sees the status. */
static void reply_message(reply_t *r, const void *response) {
  cgrpc_server_call_write(r->call, response, 0, NULL, NULL);
  reply_ok(r);
}

/* Applies the fields every request may carry; on a problem ends the call
 * with the matching status and returns false. Absent fields are NULL/0. */
static bool check_request(reply_t *r, const grpc_testing_EchoStatus *status, int32_t response_type,
                          const grpc_testing_BoolValue *expect_compressed) {
  if (status && status->code != 0) {
    reply_finish(r, (cgrpc_status_code_t)status->code, status->message.data, status->message.len);
    return false;
  }
  if (response_type != grpc_testing_COMPRESSABLE) {
    reply_error(r, CGRPC_STATUS_INVALID_ARGUMENT, "unsupported response_type");
    return false;
  }
  if (expect_compressed && expect_compressed->value &&
      !cgrpc_server_call_last_message_compressed(r->call)) {
    reply_error(r, CGRPC_STATUS_INVALID_ARGUMENT,
                "expect_compressed is true but the request arrived uncompressed");
    return false;
  }
  return true;
}

static void sleep_us(int32_t us) {
  if (us <= 0) return;
  struct timespec ts = {us / 1000000, (long)(us % 1000000) * 1000};
  while (nanosleep(&ts, &ts) != 0) {
  }
}

/* Writes one response per ResponseParameters, sleeping interval_us before
 * each; the call compresses (gzip) and a message not asking for compression
 * is sent with CGRPC_WRITE_NO_COMPRESS. False when the call ended early
 * (then it has been finished). */
static bool stream_responses(reply_t *r, const grpc_testing_StreamingOutputCallRequest *req) {
  cgrpc_arena_t *arena = cgrpc_server_call_arena(r->call);
  for (size_t i = 0; i < req->response_parameters.count; i++) {
    const grpc_testing_ResponseParameters *p = req->response_parameters.data[i];
    if (p->size < 0) {
      reply_error(r, CGRPC_STATUS_INVALID_ARGUMENT, "negative response size");
      return false;
    }
    sleep_us(p->interval_us);
    grpc_testing_StreamingOutputCallResponse resp = grpc_testing_StreamingOutputCallResponse_INIT;
    resp.payload = interop_payload(arena, (size_t)p->size);
    unsigned flags = p->compressed && p->compressed->value ? 0 : CGRPC_WRITE_NO_COMPRESS;
    if (!cgrpc_server_call_write(r->call, &resp, flags, NULL, NULL)) {
      reply_error(r, CGRPC_STATUS_CANCELLED, "the call ended while responses were being sent");
      return false;
    }
  }
  return true;
}

static bool check_output_request(reply_t *r, const grpc_testing_StreamingOutputCallRequest *req) {
  return check_request(r, req->response_status, req->response_type, NULL);
}

/* Ends a call whose request stream stopped: OK after a half-close, or
 * CANCELLED when the call was cancelled (the client sees its own status). */
static void reply_end_of_stream(reply_t *r) {
  if (cgrpc_server_call_cancelled(r->call)) {
    reply_error(r, CGRPC_STATUS_CANCELLED, "cancelled");
  } else {
    reply_ok(r);
  }
}

static void empty_call(cgrpc_server_call_t *call, const void *request, void *user_data) {
  reply_t r = reply_start(call, CGRPC_ENCODING_IDENTITY);
  grpc_testing_Empty resp = grpc_testing_Empty_INIT;
  reply_message(&r, &resp);
}

static void unary_call(cgrpc_server_call_t *call, const void *request, void *user_data) {
  const grpc_testing_SimpleRequest *req = request;
  bool compress = req->response_compressed && req->response_compressed->value;
  reply_t r = reply_start(call, compress ? CGRPC_ENCODING_GZIP : CGRPC_ENCODING_IDENTITY);
  if (!check_request(&r, req->response_status, req->response_type, req->expect_compressed)) return;
  if (req->response_size < 0) {
    reply_error(&r, CGRPC_STATUS_INVALID_ARGUMENT, "negative response_size");
    return;
  }
  grpc_testing_SimpleResponse resp = grpc_testing_SimpleResponse_INIT;
  resp.payload = interop_payload(cgrpc_server_call_arena(call), (size_t)req->response_size);
  reply_message(&r, &resp);
}

/* Returns a payload that differs on every call: the current time in ns. */
static void cacheable_unary_call(cgrpc_server_call_t *call, const void *request, void *user_data) {
  reply_t r = reply_start(call, CGRPC_ENCODING_IDENTITY);
  cgrpc_arena_t *arena = cgrpc_server_call_arena(call);
  char text[32];
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  int len = snprintf(text, sizeof text, "%lld%09ld", (long long)now.tv_sec, now.tv_nsec);
  grpc_testing_SimpleResponse resp = grpc_testing_SimpleResponse_INIT;
  resp.payload = interop_payload(arena, 0);
  if (!resp.payload) {
    reply_error(&r, CGRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
    return;
  }
  resp.payload->body = (cgrpc_str_t){cgrpc_arena_memdup(arena, text, (size_t)len), (size_t)len};
  reply_message(&r, &resp);
}

static void streaming_output_call(cgrpc_server_call_t *call, const void *request, void *user_data) {
  const grpc_testing_StreamingOutputCallRequest *req = request;
  reply_t r = reply_start(call, CGRPC_ENCODING_GZIP);
  if (!check_output_request(&r, req) || !stream_responses(&r, req)) return;
  reply_ok(&r);
}

/* Sums the payload sizes; each request is decoded into a scratch arena that
 * is reset per message, so a long stream does not grow the call's memory. */
static void streaming_input_call(cgrpc_server_call_t *call, const void *request, void *user_data) {
  reply_t r = reply_start(call, CGRPC_ENCODING_IDENTITY);
  cgrpc_arena_t scratch;
  cgrpc_arena_init(&scratch, NULL, 0);
  grpc_testing_StreamingInputCallRequest req;
  int32_t total = 0;
  bool ok = true;
  while (ok && cgrpc_server_call_read(call, &req, &scratch, NULL, NULL)) {
    ok = check_request(&r, NULL, grpc_testing_COMPRESSABLE, req.expect_compressed);
    if (req.payload) total += (int32_t)req.payload->body.len;
    cgrpc_arena_reset(&scratch, 1);
  }
  cgrpc_arena_free(&scratch);
  if (!ok) return;
  if (cgrpc_server_call_cancelled(call)) {
    reply_error(&r, CGRPC_STATUS_CANCELLED, "cancelled");
    return;
  }
  grpc_testing_StreamingInputCallResponse resp = grpc_testing_StreamingInputCallResponse_INIT;
  resp.aggregated_payload_size = total;
  reply_message(&r, &resp);
}

/* Replies to each request as it arrives, then ends after the half-close. */
static void full_duplex_call(cgrpc_server_call_t *call, const void *request, void *user_data) {
  reply_t r = reply_start(call, CGRPC_ENCODING_GZIP);
  cgrpc_arena_t scratch;
  cgrpc_arena_init(&scratch, NULL, 0);
  grpc_testing_StreamingOutputCallRequest req;
  bool ok = true;
  while (ok && cgrpc_server_call_read(call, &req, &scratch, NULL, NULL)) {
    ok = check_output_request(&r, &req) && stream_responses(&r, &req);
    cgrpc_arena_reset(&scratch, 1);
  }
  cgrpc_arena_free(&scratch);
  if (ok) reply_end_of_stream(&r);
}

/* Reads every request until the half-close, then answers them in order. */
static void half_duplex_call(cgrpc_server_call_t *call, const void *request, void *user_data) {
  reply_t r = reply_start(call, CGRPC_ENCODING_GZIP);
  cgrpc_arena_t *arena = cgrpc_server_call_arena(call);
  grpc_testing_StreamingOutputCallRequest *reqs = NULL;
  size_t count = 0;
  size_t capacity = 0;
  for (;;) {
    if (count == capacity) {
      size_t grown = capacity ? 2 * capacity : 8;
      reqs = cgrpc_arena_realloc(arena, reqs, capacity * sizeof *reqs, grown * sizeof *reqs);
      if (!reqs) {
        reply_error(&r, CGRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory for requests");
        return;
      }
      capacity = grown;
    }
    if (!cgrpc_server_call_read(call, &reqs[count], arena, NULL, NULL)) break;
    if (!check_output_request(&r, &reqs[count])) return;
    count++;
  }
  if (cgrpc_server_call_cancelled(call)) {
    reply_error(&r, CGRPC_STATUS_CANCELLED, "cancelled");
    return;
  }
  for (size_t i = 0; i < count; i++) {
    if (!stream_responses(&r, &reqs[i])) return;
  }
  reply_ok(&r);
}

static const struct {
  const char *method;
  cgrpc_server_handler_fn handler;
} handlers_by_name[] = {
    {"EmptyCall", empty_call},
    {"UnaryCall", unary_call},
    {"CacheableUnaryCall", cacheable_unary_call},
    {"StreamingOutputCall", streaming_output_call},
    {"StreamingInputCall", streaming_input_call},
    {"FullDuplexCall", full_duplex_call},
    {"HalfDuplexCall", half_duplex_call},
};

/* The handler table in the order of the generated service's methods;
 * methods without a handler (UnimplementedCall) stay NULL. */
static void fill_handlers(const cgrpc_pb_service_t *service, cgrpc_server_handler_fn *out) {
  for (size_t i = 0; i < service->method_count; i++) {
    out[i] = NULL;
    for (size_t j = 0; j < sizeof handlers_by_name / sizeof handlers_by_name[0]; j++) {
      if (strcmp(service->methods[i].name, handlers_by_name[j].method) == 0) {
        out[i] = handlers_by_name[j].handler;
      }
    }
  }
  for (size_t j = 0; j < sizeof handlers_by_name / sizeof handlers_by_name[0]; j++) {
    interop_method(service, handlers_by_name[j].method); /* exits if the protos lack one */
  }
}

static void check(cgrpc_status_code_t code, const char *what, const cgrpc_error_t *err) {
  if (code == CGRPC_STATUS_OK) return;
  fprintf(stderr, "cgrpc_interop_server: %s: %s (%s)\n", what, err->message,
          cgrpc_status_code_name(code));
  exit(1);
}

int main(int argc, char **argv) {
  interop_flag_t flags[] = {{"port", NULL},
                            {"use_tls", "false"},
                            {"tls_cert_file", ""},
                            {"tls_key_file", ""},
                            {"tls_client_ca_file", ""}};
  size_t flag_count = sizeof flags / sizeof flags[0];
  interop_flags_parse(argc, argv, flags, flag_count);
  int port = interop_flag_port("port", interop_flag(flags, flag_count, "port"));
  bool use_tls = interop_flag_bool("use_tls", interop_flag(flags, flag_count, "use_tls"));
  cgrpc_server_credentials_t *creds = NULL;
  if (use_tls) {
    char cert[600], key[600];
    const char *cert_file = interop_flag(flags, flag_count, "tls_cert_file");
    const char *key_file = interop_flag(flags, flag_count, "tls_key_file");
    const char *ca_file = interop_flag(flags, flag_count, "tls_client_ca_file");
    const char *dir = getenv("CGRPC_TEST_CERTS");
    if (!cert_file[0] && dir) snprintf(cert, sizeof cert, "%s/server.pem", dir), cert_file = cert;
    if (!key_file[0] && dir) snprintf(key, sizeof key, "%s/server.key", dir), key_file = key;
    if (!cert_file[0] || !key_file[0]) {
      fprintf(stderr,
              "cgrpc_interop_server: --use_tls=true needs --tls_cert_file and "
              "--tls_key_file (or CGRPC_TEST_CERTS)\n");
      return 2;
    }
    cgrpc_error_t err = {0};
    check(cgrpc_server_credentials_from_files(
              cert_file, key_file, ca_file[0] ? ca_file : NULL,
              ca_file[0] ? CGRPC_TLS_CLIENT_CERT_REQUIRE_AND_VERIFY : CGRPC_TLS_CLIENT_CERT_NONE,
              &creds, &err),
          "loading the TLS certificate", &err);
  }

  /* Block the stop signals before any thread starts, so every thread
   * inherits the mask and main alone receives them through sigwait(). */
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);

  const cgrpc_pb_service_t *service = &grpc_testing_TestService_service;
  cgrpc_server_handler_fn *handlers = cgrpc_malloc(service->method_count * sizeof *handlers);
  if (!handlers) return 1;
  fill_handlers(service, handlers);

  cgrpc_error_t err = {0};
  cgrpc_server_options_t opts = CGRPC_SERVER_OPTIONS_INIT;
  opts.max_receive_message_size = MAX_RECEIVE_BYTES;
  cgrpc_server_t *srv = NULL;
  char address[32];
  snprintf(address, sizeof address, "0.0.0.0:%d", port);
  check(cgrpc_server_new(&opts, &srv, &err), "creating the server", &err);
  if (creds) {
    check(cgrpc_server_listen_tls(srv, address, creds, NULL, &err), "listening (TLS)", &err);
    cgrpc_server_credentials_free(creds);
  } else {
    check(cgrpc_server_listen(srv, address, NULL, &err), "listening", &err);
  }
  check(cgrpc_server_register_service(srv, service, handlers, NULL, CGRPC_HANDLER_BLOCKING, &err),
        "registering grpc.testing.TestService", &err);
  /* The standard health and reflection services, as every example server
   * has them: `cgrpc list` and `buf curl --list-services` work here too. */
  check(cgrpc_server_enable_health(srv, NULL, &err), "enabling the health service", &err);
  check(cgrpc_server_enable_reflection(srv, NULL, &err), "enabling reflection", &err);
  check(cgrpc_server_start(srv, &err), "starting", &err);
  printf("cgrpc interop server listening on port %d%s\n", port, creds ? " (TLS)" : "");
  fflush(stdout);

  int sig;
  sigwait(&stop_signals, &sig);
  cgrpc_server_shutdown(srv, CGRPC_NS_PER_SEC);
  cgrpc_server_free(srv);
  cgrpc_free(handlers);
  return 0;
}

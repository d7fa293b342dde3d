/* web_server.c — the server the web tests talk to (gRPC-Web, HTTP/1.1,
 * CORS, browsers): grpc.testing.TestService, with
 *   UnaryCall            echoes payload.body back, or a response_size of
 *                        zero bytes; response_status.code != 0 fails the
 *                        call with that status, its message, the custom
 *                        trailer "x-detail-note" and rich details (the
 *                        EchoStatus itself, as a google.protobuf.Any);
 *                        a successful one carries the initial metadata
 *                        "x-server-note: hello"
 *   StreamingOutputCall  one message per response_parameters entry (its
 *                        size, after interval_us)
 *   StreamingInputCall   client streaming: the summed payload sizes
 *   EmptyCall            empty
 * Usage: web_server [--cors=ORIGINS] [--tls_cert=PEM --tls_key=PEM]
 *                   [--grpc_web=false] [--http1=false] [--max_body=N]
 *                   [--header_timeout_ms=N] [--idle_timeout_ms=N]
 * It listens on 127.0.0.1 on a free port, prints "port N" and runs until
 * SIGTERM or its stdin closes.
 */
#define _POSIX_C_SOURCE 200809L /* nanosleep, sigwait, pthread_sigmask, kill */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cgrpc/cgrpc.h"
#include "grpc/testing/messages.pb.h"
#include "grpc/testing/test.pb.h"
#include "interop_common.h"

static void unary(cgrpc_server_call_t *call, const void *request, void *ud) {
  const grpc_testing_SimpleRequest *req = request;
  cgrpc_arena_t *arena = cgrpc_server_call_arena(call);
  if (req->response_status && req->response_status->code != 0) {
    cgrpc_metadata_t trailers = CGRPC_METADATA_INIT;
    cgrpc_metadata_add_str(&trailers, arena, "x-detail-note", "see details");
    cgrpc_status_detail_t d[] = {{&grpc_testing_EchoStatus_table, req->response_status}};
    const char *message =
        cgrpc_server_call_printf(call, "%.*s", (int)req->response_status->message.len,
                                 req->response_status->message.data)
            .data;
    cgrpc_server_call_finish_with_details(call, (cgrpc_status_code_t)req->response_status->code,
                                          message, d, 1, &trailers);
    return;
  }
  cgrpc_metadata_t md = CGRPC_METADATA_INIT;
  cgrpc_metadata_add_str(&md, arena, "x-server-note", "hello");
  cgrpc_server_call_send_initial_metadata(call, &md);
  grpc_testing_SimpleResponse resp = {0};
  grpc_testing_Payload payload = {0};
  resp.payload = &payload;
  if (req->payload && req->payload->body.len) {
    payload.body = req->payload->body;
  } else {
    payload.body = interop_zeros(arena, req->response_size > 0 ? (size_t)req->response_size : 0);
  }
  cgrpc_server_call_reply(call, &resp);
}

static void empty(cgrpc_server_call_t *call, const void *request, void *ud) {
  static const char kEmpty[1];
  (void)kEmpty;
  cgrpc_server_call_finish(call, CGRPC_STATUS_OK, NULL, NULL);
}

static void streaming_output(cgrpc_server_call_t *call, const void *request, void *ud) {
  const grpc_testing_StreamingOutputCallRequest *req = request;
  cgrpc_arena_t *arena = cgrpc_server_call_arena(call);
  for (size_t i = 0; i < req->response_parameters.count; i++) {
    const grpc_testing_ResponseParameters *p = req->response_parameters.data[i];
    if (p->interval_us > 0) {
      struct timespec ts = {p->interval_us / 1000000, (long)(p->interval_us % 1000000) * 1000};
      nanosleep(&ts, NULL);
    }
    grpc_testing_StreamingOutputCallResponse resp = {0};
    resp.payload = interop_payload(arena, p->size > 0 ? (size_t)p->size : 0);
    if (!cgrpc_server_call_write(call, &resp, 0, NULL, NULL)) break;
  }
  if (req->response_status && req->response_status->code != 0) {
    cgrpc_server_call_finish(call, (cgrpc_status_code_t)req->response_status->code, "stream failed",
                             NULL);
    return;
  }
  cgrpc_server_call_finish(call, CGRPC_STATUS_OK, NULL, NULL);
}

static void streaming_input(cgrpc_server_call_t *call, const void *request, void *ud) {
  cgrpc_arena_t *arena = cgrpc_server_call_arena(call);
  int32_t total = 0;
  for (;;) {
    grpc_testing_StreamingInputCallRequest *in =
        cgrpc_pb_msg_new(&grpc_testing_StreamingInputCallRequest_table, arena);
    if (!in || !cgrpc_server_call_read(call, in, arena, NULL, NULL)) break;
    if (in->payload) total += (int32_t)in->payload->body.len;
  }
  grpc_testing_StreamingInputCallResponse resp = {.aggregated_payload_size = total};
  cgrpc_server_call_reply(call, &resp);
}

static const char *flag(int argc, char **argv, const char *name, const char *def) {
  size_t n = strlen(name);
  for (int i = 1; i < argc; i++) {
    if (strncmp(argv[i], "--", 2) == 0 && strncmp(argv[i] + 2, name, n) == 0 &&
        argv[i][2 + n] == '=') {
      return argv[i] + 3 + n;
    }
  }
  return def;
}

static void check(cgrpc_status_code_t code, const char *what, const cgrpc_error_t *err) {
  if (code == CGRPC_STATUS_OK) return;
  fprintf(stderr, "web_server: %s: %s\n", what, err->message);
  exit(1);
}

static void *watch_stdin(void *arg) {
  char buf[64];
  while (read(0, buf, sizeof buf) > 0) {
  }
  kill(getpid(), SIGTERM);
  return NULL;
}

int main(int argc, char **argv) {
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, NULL);

  cgrpc_server_options_t opts = CGRPC_SERVER_OPTIONS_INIT;
  opts.cors_allowed_origins = flag(argc, argv, "cors", NULL);
  opts.grpc_web = strcmp(flag(argc, argv, "grpc_web", "true"), "true") == 0;
  opts.http1 = strcmp(flag(argc, argv, "http1", "true"), "true") == 0;
  opts.http1_max_body_size = (uint32_t)atol(flag(argc, argv, "max_body", "8388608"));
  opts.http1_max_header_size = (uint32_t)atol(flag(argc, argv, "max_header", "16384"));
  opts.http1_header_timeout_ns =
      atoll(flag(argc, argv, "header_timeout_ms", "10000")) * CGRPC_NS_PER_MS;
  opts.http1_idle_timeout_ns =
      atoll(flag(argc, argv, "idle_timeout_ms", "120000")) * CGRPC_NS_PER_MS;
  opts.loop_threads = 1;
  cgrpc_error_t err = {0};
  cgrpc_server_t *srv = NULL;
  check(cgrpc_server_new(&opts, &srv, &err), "creating the server", &err);
  int port = 0;
  const char *cert = flag(argc, argv, "tls_cert", NULL), *key = flag(argc, argv, "tls_key", NULL);
  if (cert && key) {
    cgrpc_server_credentials_t *creds = NULL;
    check(cgrpc_server_credentials_from_files(cert, key, NULL, CGRPC_TLS_CLIENT_CERT_NONE, &creds,
                                              &err),
          "loading the certificate", &err);
    check(cgrpc_server_listen_tls(srv, "127.0.0.1:0", creds, &port, &err), "listening", &err);
    cgrpc_server_credentials_free(creds);
  } else {
    check(cgrpc_server_listen(srv, "127.0.0.1:0", &port, &err), "listening", &err);
  }
  check(cgrpc_server_register(srv, &grpc_testing_TestService_UnaryCall_method, unary, NULL,
                              CGRPC_HANDLER_INLINE, &err),
        "registering", &err);
  check(cgrpc_server_register(srv, &grpc_testing_TestService_EmptyCall_method, empty, NULL,
                              CGRPC_HANDLER_INLINE, &err),
        "registering", &err);
  check(cgrpc_server_register(srv, &grpc_testing_TestService_StreamingOutputCall_method,
                              streaming_output, NULL, CGRPC_HANDLER_BLOCKING, &err),
        "registering", &err);
  check(cgrpc_server_register(srv, &grpc_testing_TestService_StreamingInputCall_method,
                              streaming_input, NULL, CGRPC_HANDLER_BLOCKING, &err),
        "registering", &err);
  check(cgrpc_server_start(srv, &err), "starting", &err);
  printf("port %d\n", port);
  fflush(stdout);
  pthread_t t;
  pthread_create(&t, NULL, watch_stdin, NULL);
  pthread_detach(t);
  int sig;
  sigwait(&stop, &sig);
  cgrpc_server_shutdown(srv, CGRPC_NS_PER_SEC);
  cgrpc_server_free(srv);
  return 0;
}

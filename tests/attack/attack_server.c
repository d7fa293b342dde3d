/* attack_server.c — the cgrpc server the attack tests shoot at.
 *
 * A small grpc.testing.TestService (EmptyCall, UnaryCall, StreamingInputCall,
 * StreamingOutputCall: what the attackers and the well-behaved client call)
 * on a real cgrpc server with the library's default limits, except those a
 * test cannot wait for: the timers that default to many seconds can be
 * shortened from the command line, so slowloris and slow-reader attacks end
 * in a test's time. It listens on 127.0.0.1 only, prints "port N" once it
 * serves, and shuts down gracefully on SIGTERM or SIGINT.
 *
 * Usage: attack_server [--port=N] [--handshake_timeout_ms=N]
 *                      [--write_stall_timeout_ms=N] [--max_connections=N]
 *                      [--keepalive_time_ms=N] [--keepalive_timeout_ms=N]
 */
#define _POSIX_C_SOURCE 200809L /* sigwait, pthread_sigmask */

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgrpc/server.h"
#include "cgrpc/tls.h"
#include "grpc/testing/test.pb.h"

/* One zero block backs every payload: responses cost no allocation. */
static char zeros[1 << 20];

static grpc_testing_Payload *payload(cgrpc_arena_t *arena, int32_t size) {
  grpc_testing_Payload *p = grpc_testing_Payload_new(arena);
  size_t n = size < 0 ? 0 : (size_t)size;
  if (p) p->body = (cgrpc_str_t){zeros, n < sizeof zeros ? n : sizeof zeros};
  return p;
}

static void empty_call(cgrpc_server_call_t *call, const void *request, void *user_data) {
  grpc_testing_Empty resp = grpc_testing_Empty_INIT;
  cgrpc_server_call_reply(call, &resp);
}

static void unary_call(cgrpc_server_call_t *call, const void *request, void *user_data) {
  const grpc_testing_SimpleRequest *req = request;
  grpc_testing_SimpleResponse resp = grpc_testing_SimpleResponse_INIT;
  resp.payload = payload(cgrpc_server_call_arena(call), req->response_size);
  cgrpc_server_call_reply(call, &resp);
}

/* Reads every request and answers with the total payload size; an attacker
 * holding such a call open is what the empty-frame rules are about. */
static void streaming_input_call(cgrpc_server_call_t *call, const void *request, void *user_data) {
  grpc_testing_StreamingInputCallRequest req;
  int32_t total = 0;
  while (cgrpc_server_call_read(call, &req, cgrpc_server_call_arena(call), NULL, NULL)) {
    if (req.payload) total += (int32_t)req.payload->body.len;
  }
  if (cgrpc_server_call_cancelled(call)) {
    cgrpc_server_call_finish(call, CGRPC_STATUS_CANCELLED, "cancelled", NULL);
    return;
  }
  grpc_testing_StreamingInputCallResponse resp = grpc_testing_StreamingInputCallResponse_INIT;
  resp.aggregated_payload_size = total;
  cgrpc_server_call_reply(call, &resp);
}

/* One response per ResponseParameters, written as fast as the client takes
 * them (blocking writes: a client that does not read holds the handler). */
static void streaming_output_call(cgrpc_server_call_t *call, const void *request, void *user_data) {
  const grpc_testing_StreamingOutputCallRequest *req = request;
  cgrpc_arena_t *arena = cgrpc_server_call_arena(call);
  for (size_t i = 0; i < req->response_parameters.count; i++) {
    grpc_testing_StreamingOutputCallResponse resp = grpc_testing_StreamingOutputCallResponse_INIT;
    resp.payload = payload(arena, req->response_parameters.data[i]->size);
    if (!cgrpc_server_call_write(call, &resp, 0, NULL, NULL)) {
      cgrpc_server_call_finish(call, CGRPC_STATUS_CANCELLED, "the client went away", NULL);
      return;
    }
  }
  cgrpc_server_call_finish(call, CGRPC_STATUS_OK, NULL, NULL);
}

static const char *flag(int argc, char **argv, const char *name) {
  size_t n = strlen(name);
  for (int i = 1; i < argc; i++) {
    if (strncmp(argv[i], "--", 2) == 0 && strncmp(argv[i] + 2, name, n) == 0 &&
        argv[i][2 + n] == '=') {
      return argv[i] + 3 + n;
    }
  }
  return NULL;
}

static long long flag_num(int argc, char **argv, const char *name) {
  const char *v = flag(argc, argv, name);
  return v ? atoll(v) : 0;
}

/* A duration option given in ms on the command line; absent: the default. */
static void flag_ms(int argc, char **argv, const char *name, int64_t *option_ns) {
  if (flag(argc, argv, name)) *option_ns = flag_num(argc, argv, name) * CGRPC_NS_PER_MS;
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    if (strncmp(argv[i], "--", 2) != 0 || !strchr(argv[i], '=')) {
      fprintf(stderr, "usage: %s [--name=value]...\n", argv[0]);
      return 2;
    }
  }
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, NULL); /* before any thread starts */

  cgrpc_server_options_t opts = CGRPC_SERVER_OPTIONS_INIT;
  opts.loop_threads = 2;
  opts.worker_threads = 8;
  flag_ms(argc, argv, "handshake_timeout_ms", &opts.handshake_timeout_ns);
  flag_ms(argc, argv, "write_stall_timeout_ms", &opts.write_stall_timeout_ns);
  flag_ms(argc, argv, "keepalive_time_ms", &opts.keepalive_time_ns);
  flag_ms(argc, argv, "keepalive_timeout_ms", &opts.keepalive_timeout_ns);
  opts.max_connections = (uint32_t)flag_num(argc, argv, "max_connections");
  flag_ms(argc, argv, "tls_handshake_timeout_ms", &opts.tls_handshake_timeout_ns);
  if (flag(argc, argv, "max_concurrent_tls_handshakes")) {
    opts.max_concurrent_tls_handshakes =
        (uint32_t)flag_num(argc, argv, "max_concurrent_tls_handshakes");
  }
  /* --tls_cert_file and --tls_key_file: the port speaks TLS. */
  cgrpc_server_credentials_t *creds = NULL;
  cgrpc_error_t cred_err;
  if (flag(argc, argv, "tls_cert_file") &&
      cgrpc_server_credentials_from_files(flag(argc, argv, "tls_cert_file"),
                                          flag(argc, argv, "tls_key_file"), NULL,
                                          CGRPC_TLS_CLIENT_CERT_NONE, &creds,
                                          &cred_err) != CGRPC_STATUS_OK) {
    fprintf(stderr, "attack_server: %s\n", cred_err.message);
    return 1;
  }
  char address[64];
  snprintf(address, sizeof address, "127.0.0.1:%lld", flag_num(argc, argv, "port"));
  const struct {
    const cgrpc_pb_method_t *method;
    cgrpc_server_handler_fn handler;
  } methods[] = {
      {&grpc_testing_TestService_EmptyCall_method, empty_call},
      {&grpc_testing_TestService_UnaryCall_method, unary_call},
      {&grpc_testing_TestService_StreamingInputCall_method, streaming_input_call},
      {&grpc_testing_TestService_StreamingOutputCall_method, streaming_output_call},
  };
  cgrpc_server_t *srv = NULL;
  cgrpc_error_t err;
  int port = 0;
  bool ok = cgrpc_server_new(&opts, &srv, &err) == CGRPC_STATUS_OK &&
            (creds ? cgrpc_server_listen_tls(srv, address, creds, &port, &err)
                   : cgrpc_server_listen(srv, address, &port, &err)) == CGRPC_STATUS_OK;
  cgrpc_server_credentials_free(creds);
  for (size_t i = 0; ok && i < sizeof methods / sizeof methods[0]; i++) {
    ok = cgrpc_server_register(srv, methods[i].method, methods[i].handler, NULL,
                               CGRPC_HANDLER_BLOCKING, &err) == CGRPC_STATUS_OK;
  }
  if (!ok || cgrpc_server_start(srv, &err) != CGRPC_STATUS_OK) {
    cgrpc_server_free(srv);
    fprintf(stderr, "attack_server: %s\n", err.message);
    return 1;
  }
  printf("port %d\n", port);
  fflush(stdout);
  int sig;
  sigwait(&stop, &sig);
  cgrpc_server_shutdown(srv, CGRPC_NS_PER_SEC);
  cgrpc_server_free(srv);
  return 0;
}

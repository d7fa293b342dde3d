/* greeter_server — the Greeter of gRPC's "hello world", served by cgrpc.
 *
 *   greeter_server [ADDRESS]    default 127.0.0.1:50051; port 0 picks a free port
 *
 * It prints the address it listens on, answers SayHello until Ctrl-C or
 * SIGTERM, then shuts down gracefully. The service comes from
 * helloworld.proto, the file every gRPC quick start uses, so any gRPC
 * greeter client (Python, Go, Java, ...) can call this server too.
 */
#define _POSIX_C_SOURCE 200809L /* sigwait, pthread_sigmask */

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cgrpc/server.h"
#include "helloworld.pb.h"

/* rpc SayHello(HelloRequest) returns (HelloReply). It only formats a
 * string, so it is registered to run inline on the connection's thread;
 * a handler that waits for anything (a database, a file) must not be. */
static void say_hello(cgrpc_server_call_t *call, const helloworld_HelloRequest *request,
                      void *user_data) {
  /* Memory for the reply comes from the call's arena and is freed with the
   * call; the reply is encoded before cgrpc_server_call_reply() returns. */
  cgrpc_arena_t *arena = cgrpc_server_call_arena(call);
  size_t len = strlen("Hello ") + request->name.len;
  char *text = cgrpc_arena_alloc(arena, len);
  if (!text) {
    cgrpc_server_call_finish(call, CGRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory", NULL);
    return;
  }
  memcpy(text, "Hello ", strlen("Hello "));
  memcpy(text + strlen("Hello "), request->name.data, request->name.len);

  helloworld_HelloReply reply = helloworld_HelloReply_INIT;
  reply.message = (cgrpc_str_t){text, len};
  cgrpc_server_call_reply(call, &reply);
}

/* Prints ADDRESS with the port the server got, e.g. "127.0.0.1:0" as
 * "127.0.0.1:41235". */
static void print_address(const char *address, int port) {
  const char *colon = strrchr(address, ':');
  if (port > 0 && colon) {
    printf("greeter server listening on %.*s:%d\n", (int)(colon - address), address, port);
  } else {
    printf("greeter server listening on %s\n", address);
  }
  fflush(stdout);
}

int main(int argc, char **argv) {
  const char *address = argc > 1 ? argv[1] : "127.0.0.1:50051";

  /* Block the stop signals before the server starts its threads: they all
   * inherit the mask, and main alone receives the signals, in sigwait(). */
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, NULL);

  /* The generated handler struct: one typed function per method of the
   * service; a method left NULL answers UNIMPLEMENTED. */
  static const helloworld_Greeter_handlers greeter = {.SayHello = say_hello};

  cgrpc_server_t *srv = NULL;
  cgrpc_error_t err;
  int port = 0;
  if (cgrpc_server_new(NULL, &srv, &err) != CGRPC_STATUS_OK ||
      cgrpc_server_listen(srv, address, &port, &err) != CGRPC_STATUS_OK ||
      helloworld_Greeter_register(srv, &greeter, CGRPC_HANDLER_INLINE, &err) != CGRPC_STATUS_OK ||
      cgrpc_server_start(srv, &err) != CGRPC_STATUS_OK) {
    fprintf(stderr, "greeter_server: %s\n", err.message);
    cgrpc_server_free(srv);
    return 1;
  }
  print_address(address, port);

  int sig;
  sigwait(&stop, &sig);
  /* Calls in flight get up to 5 s to finish. */
  cgrpc_server_shutdown(srv, 5 * CGRPC_NS_PER_SEC);
  cgrpc_server_free(srv);
  printf("greeter server stopped\n");
  return 0;
}

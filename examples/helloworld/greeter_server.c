/* greeter_server — the Greeter of gRPC's "hello world", served by cgrpc.
 *
 *   greeter_server [ADDRESS]    default 127.0.0.1:50051; port 0 picks a free port
 *
 * It prints the address it listens on, answers SayHello (and the standard
 * health and reflection services) until Ctrl-C or SIGTERM, then shuts down
 * gracefully. The service comes from
 * helloworld.proto, the file every gRPC quick start uses, so any gRPC
 * greeter client (Python, Go, Java, ...) can call this server too.
 */
#include <stdio.h>

#include "cgrpc/cgrpc.h"
#include "helloworld.pb.h"

/* rpc SayHello(HelloRequest) returns (HelloReply). The reply's text lives in
 * the call's arena, freed with the call. It only formats a string, so it is
 * registered to run inline on the connection's thread; a handler that waits
 * for anything (a database, a file) is registered CGRPC_HANDLER_BLOCKING. */
static void say_hello(cgrpc_server_call_t *call, const helloworld_HelloRequest *request,
                      void *user_data) {
  (void)user_data; /* the Greeter keeps no state */
  helloworld_HelloReply reply = {
      .message = cgrpc_server_call_printf(call, "Hello %.*s", CGRPC_STR_ARGS(request->name))};
  helloworld_Greeter_SayHello_reply(call, &reply);
}

int main(int argc, char **argv) {
  /* One typed function per method; a method left NULL answers UNIMPLEMENTED. */
  static const helloworld_Greeter_handlers greeter = {.SayHello = say_hello};
  cgrpc_server_t *srv = NULL;
  cgrpc_error_t err;
  /* Each step returns CGRPC_STATUS_OK (0) or the code of what failed, with
   * the reason in err; the first failure skips the rest. */
  cgrpc_status_code_t code = cgrpc_server_new(NULL, &srv, &err);
  if (!code) code = cgrpc_server_listen(srv, argc > 1 ? argv[1] : "127.0.0.1:50051", NULL, &err);
  if (!code) code = helloworld_Greeter_register(srv, &greeter, CGRPC_HANDLER_INLINE, &err);
  /* The standard health service and server reflection: `cgrpc list` works. */
  if (!code) code = cgrpc_server_enable_health(srv, NULL, &err);
  if (!code) code = cgrpc_server_enable_reflection(srv, NULL, &err);
  if (!code) printf("greeter server listening on %s\n", cgrpc_server_listen_address(srv, 0));
  fflush(stdout);
  /* Serves until Ctrl-C or SIGTERM, then gives calls in flight up to 5 s. */
  if (!code) code = cgrpc_server_run(srv, 5 * CGRPC_NS_PER_SEC, &err);
  if (code) fprintf(stderr, "greeter_server: %s\n", err.message);
  if (!code) printf("greeter server stopped\n");
  cgrpc_server_free(srv);
  return code ? 1 : 0;
}

/* greeter_client — calls Greeter.SayHello once and prints the answer.
 *
 *   greeter_client [TARGET [NAME]]    defaults: 127.0.0.1:50051 and "world"
 *
 * TARGET is any gRPC target: "host:port", "dns:///host:port",
 * "unix:/path/to.sock". Exits 0 when the server answered, 1 otherwise.
 */
#include <stdio.h>
#include <string.h>

#include "cgrpc/channel.h"
#include "helloworld.pb.h"

int main(int argc, char **argv) {
  const char *target = argc > 1 ? argv[1] : "127.0.0.1:50051";
  const char *name = argc > 2 ? argv[2] : "world";

  /* A channel connects lazily, on the first call, and reconnects by itself. */
  cgrpc_channel_t *ch;
  cgrpc_error_t err;
  if (cgrpc_channel_new(target, NULL, &ch, &err) != CGRPC_STATUS_OK) {
    fprintf(stderr, "greeter_client: %s\n", err.message);
    return 1;
  }

  /* The reply and the status message are decoded into this arena. It starts
   * on a stack buffer, so a small call needs no heap memory for them. */
  char buffer[1024];
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, buffer, sizeof buffer);

  helloworld_HelloRequest request = helloworld_HelloRequest_INIT;
  request.name = (cgrpc_str_t){name, strlen(name)};
  helloworld_HelloReply reply;
  cgrpc_status_t status;
  cgrpc_call_options_t options = {.timeout_ns = 5 * CGRPC_NS_PER_SEC};

  /* The generated client stub: a blocking call with a deadline. */
  int rc = 0;
  if (helloworld_Greeter_SayHello(ch, &request, &reply, &arena, &options, &status) ==
      CGRPC_STATUS_OK) {
    printf("Greeter replied: %.*s\n", (int)reply.message.len, reply.message.data);
  } else {
    fprintf(stderr, "greeter_client: SayHello failed: %s: %s\n",
            cgrpc_status_code_name(status.code), status.message.data);
    rc = 1;
  }
  cgrpc_arena_free(&arena);
  cgrpc_channel_free(ch);
  return rc;
}

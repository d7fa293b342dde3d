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

  helloworld_HelloRequest request = helloworld_HelloRequest_INIT;
  request.name = (cgrpc_str_t){name, strlen(name)};
  cgrpc_call_options_t options = {.timeout_ns = 5 * CGRPC_NS_PER_SEC};

  /* The generated client stub: a blocking call with a deadline. The result
   * owns the reply's memory until cgrpc_result_free(). */
  cgrpc_result_t *result = helloworld_Greeter_SayHello(ch, &request, &options);
  const helloworld_HelloReply *reply = helloworld_Greeter_SayHello_response(result);
  int rc = 0;
  if (reply) {
    printf("Greeter replied: %.*s\n", (int)reply->message.len, reply->message.data);
  } else {
    fprintf(stderr, "greeter_client: SayHello failed: %s\n", cgrpc_result_error(result));
    rc = 1;
  }
  cgrpc_result_free(result);
  cgrpc_channel_free(ch);
  return rc;
}

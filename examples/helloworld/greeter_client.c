/* greeter_client — calls Greeter.SayHello once and prints the answer.
 *
 *   greeter_client [TARGET [NAME]]    defaults: 127.0.0.1:50051 and "world"
 *
 * TARGET is any gRPC target: "host:port", "dns:///host:port",
 * "unix:/path/to.sock". Exits 0 when the server answered, 1 otherwise, with
 * the reason on stderr.
 */
#include <stdio.h>

#include "helloworld.pb.h"

int main(int argc, char **argv) {
  /* A channel connects lazily, on the first call, and reconnects by itself.
   * One that cannot be set up (a malformed target) fails its calls with the
   * reason, so the call's result below reports every problem. */
  cgrpc_channel_t *ch;
  cgrpc_channel_new(argc > 1 ? argv[1] : "127.0.0.1:50051", NULL, &ch, NULL);
  helloworld_HelloRequest request = {.name = cgrpc_str(argc > 2 ? argv[2] : "world")};
  cgrpc_call_options_t options = {.timeout_ns = 5 * CGRPC_NS_PER_SEC};
  /* The generated stub: a blocking call with a deadline. The result owns the
   * reply's memory until it is freed, and may outlive the channel. */
  cgrpc_result_t *result = helloworld_Greeter_SayHello(ch, &request, &options);
  cgrpc_channel_free(ch);
  const helloworld_HelloReply *reply = helloworld_Greeter_SayHello_response(result);
  if (reply) printf("Greeter replied: %.*s\n", CGRPC_STR_ARGS(reply->message));
  if (!reply) fprintf(stderr, "greeter_client: SayHello failed: %s\n", cgrpc_result_error(result));
  /* Freeing a result returns its status code, as pclose() returns a status. */
  return cgrpc_result_free(result) == CGRPC_STATUS_OK ? 0 : 1;
}

/* services_peer_server — a cgrpc server with the health and reflection
 * services and peertest.Echo, for the tests with real peers (buf curl,
 * grpcio) in this folder.
 *
 *   services_peer_server        prints "listening on 127.0.0.1:PORT"
 *
 * Then it takes commands on stdin, one a line, from its main thread (so
 * statuses change from a thread that is not the server's):
 *   set SERVICE STATUS    cgrpc_health_set_status(); SERVICE "-" is ""; STATUS
 *                         SERVING, NOT_SERVING or UNKNOWN; answers "ok" or the error
 *   shutdown              graceful shutdown (10 s grace), then "stopped" and exit 0
 * End of input shuts down the same way.
 */
#include <stdio.h>
#include <string.h>

#include "cgrpc/cgrpc.h"
#include "peer.pb.h"

static void say(cgrpc_server_call_t *call, const peertest_Greeting *req, void *user_data) {
  (void)user_data;
  peertest_Greeting reply = {
      .text = cgrpc_server_call_printf(call, "echo: %.*s", CGRPC_STR_ARGS(req->text))};
  peertest_Echo_Say_reply(call, &reply);
}

static int set(cgrpc_health_t *health, const char *name, const char *status_name) {
  cgrpc_health_status_t status;
  if (strcmp(status_name, "SERVING") == 0) {
    status = CGRPC_HEALTH_SERVING;
  } else if (strcmp(status_name, "NOT_SERVING") == 0) {
    status = CGRPC_HEALTH_NOT_SERVING;
  } else if (strcmp(status_name, "UNKNOWN") == 0) {
    status = CGRPC_HEALTH_UNKNOWN;
  } else {
    printf("error: unknown status %s\n", status_name);
    return 1;
  }
  cgrpc_error_t err;
  if (cgrpc_health_set_status(health, strcmp(name, "-") == 0 ? "" : name, status, &err)) {
    printf("error: %s\n", err.message);
    return 1;
  }
  printf("ok\n");
  return 0;
}

int main(void) {
  static const peertest_Echo_handlers echo = {.Say = say};
  cgrpc_server_t *srv = NULL;
  cgrpc_health_t *health = NULL;
  cgrpc_error_t err;
  cgrpc_status_code_t code = cgrpc_server_new(NULL, &srv, &err);
  if (!code) code = cgrpc_server_listen(srv, "127.0.0.1:0", NULL, &err);
  if (!code) code = peertest_Echo_register(srv, &echo, CGRPC_HANDLER_INLINE, &err);
  if (!code) code = cgrpc_server_enable_health(srv, &health, &err);
  if (!code) code = cgrpc_server_enable_reflection(srv, NULL, &err);
  if (!code) code = cgrpc_health_set_status(health, "peertest.Echo", CGRPC_HEALTH_SERVING, &err);
  if (!code) code = cgrpc_server_start(srv, &err);
  if (code) {
    fprintf(stderr, "services_peer_server: %s\n", err.message);
    cgrpc_server_free(srv);
    return 1;
  }
  printf("listening on %s\n", cgrpc_server_listen_address(srv, 0));
  fflush(stdout);
  char line[256], name[128], status[64];
  while (fgets(line, sizeof line, stdin)) {
    if (sscanf(line, "set %127s %63s", name, status) == 2) {
      set(health, name, status);
    } else if (strncmp(line, "shutdown", 8) == 0) {
      break;
    } else {
      printf("error: unknown command %s", line);
    }
    fflush(stdout);
  }
  cgrpc_server_shutdown(srv, 10 * CGRPC_NS_PER_SEC);
  printf("stopped\n");
  cgrpc_server_free(srv);
  return 0;
}

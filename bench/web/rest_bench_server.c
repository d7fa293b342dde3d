/* The REST benchmark's server: restbench.Catalog.GetItem over gRPC and, from
 * its google.api.http rule, as GET /v1/items/{id} on the same port (HTTP/1.1
 * or HTTP/2). grpc-gateway calls the gRPC side; h2load calls the REST side
 * directly. Usage: rest_bench_server [threads]. Prints "port N". */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cgrpc/cgrpc.h"
#include "rest_bench.pb.h"

static void get_item(cgrpc_server_call_t *call, const restbench_GetItemRequest *req, void *ud) {
  (void)ud;
  static cgrpc_str_t tags[2] = {{"kitchen", 7}, {"steel", 5}};
  restbench_Item item = restbench_Item_INIT;
  item.id = req->id;
  item.name = (cgrpc_str_t){"Chef's knife", 12};
  item.price_cents = 4999 + req->version;
  item.tags.data = tags;
  item.tags.count = 2;
  item.in_stock = true;
  restbench_Catalog_GetItem_reply(call, &item);
}

int main(int argc, char **argv) {
  static const restbench_Catalog_handlers handlers = {.GetItem = get_item};
  cgrpc_server_options_t opts;
  cgrpc_server_options_init(&opts);
  if (argc > 1) opts.loop_threads = atoi(argv[1]);
  cgrpc_server_t *srv = NULL;
  cgrpc_error_t err;
  int port = 0;
  cgrpc_status_code_t code = cgrpc_server_new(&opts, &srv, &err);
  if (!code) code = cgrpc_server_listen(srv, "127.0.0.1:0", &port, &err);
  if (!code) code = restbench_Catalog_register(srv, &handlers, CGRPC_HANDLER_INLINE, &err);
  if (!code) code = cgrpc_server_serve_rest(srv, &rest_bench_proto_file, &err);
  if (!code) code = cgrpc_server_start(srv, &err);
  if (code) {
    fprintf(stderr, "rest_bench_server: %s\n", err.message);
    return 1;
  }
  printf("port %d\n", port);
  fflush(stdout);
  char buf[64];
  while (read(0, buf, sizeof buf) > 0) {
  }
  cgrpc_server_shutdown(srv, 0);
  cgrpc_server_free(srv);
  return 0;
}

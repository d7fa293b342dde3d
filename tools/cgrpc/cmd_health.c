/* tools/cgrpc/cmd_health.c — `cgrpc health ADDRESS [SERVICE]`: one
 * grpc.health.v1.Health/Check, for Kubernetes exec probes (the job of
 * grpc_health_probe). Prints the status; exits 0 only for SERVING, 3 for
 * any other answer, 64 + code when the check itself fails. Both timeouts
 * default to one second, as grpc_health_probe's do, so a probe never
 * outlives its periodSeconds on an unreachable server. */
#include <stdio.h>
#include <string.h>

#include "cli_channel.h"
#include "cli_schema.h"
#include "cli_status.h"

#define HEALTH_DEFAULT_TIMEOUT_NS CGRPC_NS_PER_SEC
#define SERVING 1 /* grpc.health.v1.HealthCheckResponse.ServingStatus */

static int check(const cli_args_t *args, cgrpc_channel_t *ch, const cgrpc_pool_t *tool_pool,
                 const char *service, cgrpc_arena_t *arena) {
  const cgrpc_method_desc_t *m = cgrpc_pool_find_method(tool_pool, "grpc.health.v1.Health.Check");
  if (!m) return cli_fail(CLI_EXIT_FAILURE, "the health schema is missing from this build");
  cgrpc_pb_method_t method = {m->name, m->path, m->input->table, m->output->table, false, false};
  cgrpc_metadata_t md = CGRPC_METADATA_INIT;
  int rc = cli_metadata_from_args(args, arena, &md);
  if (rc) return rc;
  void *req = cgrpc_pb_msg_new(m->input->table, arena);
  void *resp = cgrpc_pb_msg_new(m->output->table, arena);
  if (!req || !resp) return cli_fail(CLI_EXIT_FAILURE, "out of memory");
  cgrpc_dyn_set_str(req, cgrpc_msg_desc_field(m->input, "service"), cgrpc_str(service), NULL);
  cgrpc_call_options_t opts = {
      .timeout_ns = args->timeout_ns ? args->timeout_ns : HEALTH_DEFAULT_TIMEOUT_NS,
      .metadata = &md,
  };
  cgrpc_status_t st;
  cgrpc_status_code_t code = cgrpc_unary(ch, &method, req, resp, arena, &opts, &st);
  if (code != CGRPC_STATUS_OK) {
    if (code == CGRPC_STATUS_NOT_FOUND)
      fprintf(stderr, "cgrpc: the server does not know the service \"%s\"\n", service);
    else if (code == CGRPC_STATUS_UNIMPLEMENTED)
      fputs("cgrpc: the server has no health service (grpc.health.v1.Health)\n", stderr);
    cli_print_status_error(&st, NULL, arena);
    return cli_exit_for_status(code);
  }
  const cgrpc_field_desc_t *status_f = cgrpc_msg_desc_field(m->output, "status");
  int32_t status = cgrpc_dyn_get_int32(resp, status_f);
  const cgrpc_enum_value_desc_t *v = cgrpc_enum_desc_value_by_number(status_f->enum_type, status);
  if (v)
    puts(v->name);
  else
    printf("%d\n", status);
  return status == SERVING ? CLI_EXIT_OK : CLI_EXIT_NOT_SERVING;
}

int cli_cmd_health(const cli_args_t *args) {
  if (args->positional_count < 1 || args->positional_count > 2)
    return cli_usage_error("health", "health wants ADDRESS [SERVICE]");
  if (cli_schema_from_files(args))
    return cli_usage_error("health", "health needs no schema: drop --protoset and --proto");
  cgrpc_pool_t *tool_pool = NULL;
  cgrpc_channel_t *ch = NULL;
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  int rc = cli_schema_tool_pool(&tool_pool);
  if (!rc) rc = cli_channel_open(args, args->positional[0], HEALTH_DEFAULT_TIMEOUT_NS, &ch);
  if (!rc)
    rc = check(args, ch, tool_pool, args->positional_count == 2 ? args->positional[1] : "", &arena);
  cgrpc_channel_free(ch);
  cgrpc_pool_free(tool_pool);
  cgrpc_arena_free(&arena);
  return rc;
}

/* tools/cgrpc/cli_output.c — see cli_output.h. */
#include <string.h>

#include "cli_output.h"

const cgrpc_msg_desc_t *cli_output_find_message(const cli_output_t *o, cgrpc_str_t name) {
  for (size_t i = name.len; i > 0; i--) {
    if (name.data[i - 1] == '/') { /* a type URL: the name follows the last '/' */
      name.data += i;
      name.len -= i;
      break;
    }
  }
  char buf[512];
  if (name.len >= sizeof buf) return NULL;
  memcpy(buf, name.data, name.len);
  buf[name.len] = '\0';
  for (size_t i = 0; i < 2; i++) {
    const cgrpc_msg_desc_t *m = o->pools[i] ? cgrpc_pool_find_message(o->pools[i], buf) : NULL;
    if (m) return m;
  }
  return NULL;
}

static const cgrpc_pb_msg_table_t *resolve(void *ctx, cgrpc_str_t type_url) {
  const cgrpc_msg_desc_t *m = cli_output_find_message(ctx, type_url);
  return m ? m->table : NULL;
}

void cli_output_init(cli_output_t *o, const cli_args_t *args, const cgrpc_pool_t *pool,
                     const cgrpc_pool_t *tool_pool) {
  memset(o, 0, sizeof *o);
  o->format = args ? args->format : CLI_FORMAT_JSON;
  o->pools[0] = pool;
  o->pools[1] = tool_pool;
  o->json.indent = 2;
  if (args && args->emit_defaults) o->json.flags |= CGRPC_JSON_EMIT_DEFAULTS;
  if (args && args->proto_names) o->json.flags |= CGRPC_JSON_PROTO_NAMES;
  o->json.resolve = resolve;
  o->json.resolve_ctx = o;
  if (pool) {
    cgrpc_pool_json_extensions(pool, &o->extensions);
    o->json.extensions = &o->extensions;
  }
}

int cli_output_message(cli_output_t *o, FILE *out, const void *msg, const cgrpc_msg_desc_t *desc,
                       cgrpc_arena_t *arena) {
  if (o->format == CLI_FORMAT_TEXT) {
    if (o->printed++) fputc('\n', out);
    cli_text_format_print(o, out, msg, desc, 0, arena);
    fflush(out);
    return CLI_EXIT_OK;
  }
  o->printed++;
  cgrpc_str_t json;
  cgrpc_error_t err;
  if (cgrpc_json_encode(msg, desc->table, &o->json, arena, &json, &err) != CGRPC_STATUS_OK)
    return cli_fail(CLI_EXIT_FAILURE, "cannot print a %s as JSON: %s", desc->full_name,
                    err.message);
  fwrite(json.data, 1, json.len, out);
  fputc('\n', out);
  fflush(out);
  return CLI_EXIT_OK;
}

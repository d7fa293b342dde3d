/* tools/cgrpc/cmd_list.c — `cgrpc list` and `cgrpc describe`: what a server
 * (by reflection) or a set of schema files offers. */
#include <stdio.h>
#include <string.h>

#include "cli_describe.h"
#include "cli_schema.h"

/* ADDRESS and SYMBOL from the positional arguments: with schema files
 * there is no ADDRESS. Returns an exit code. */
static int split_args(const cli_args_t *args, const char **address, const char **symbol) {
  size_t n = args->positional_count;
  bool files = cli_schema_from_files(args);
  *address = NULL;
  *symbol = NULL;
  if (files) {
    if (n > 1)
      return cli_usage_error(args->command,
                             "with --protoset or --proto, %s takes at most one name (and no "
                             "ADDRESS)",
                             args->command);
    if (n == 1) *symbol = args->positional[0];
    return CLI_EXIT_OK;
  }
  if (n == 0)
    return cli_usage_error(args->command,
                           "%s wants ADDRESS (for reflection), or --protoset / --proto FILE",
                           args->command);
  if (n > 2) return cli_usage_error(args->command, "too many arguments");
  *address = args->positional[0];
  if (n == 2) *symbol = args->positional[1];
  return CLI_EXIT_OK;
}

static int not_found(const char *what, const char *symbol, bool reflection) {
  return cli_fail(CLI_EXIT_FAILURE, "%s %s not found %s", what, symbol,
                  reflection ? "on the server" : "in the schema files");
}

int cli_cmd_list(const cli_args_t *args) {
  const char *address, *service_name;
  int rc = split_args(args, &address, &service_name);
  if (rc) return rc;
  cli_schema_t s;
  rc = cli_schema_open(&s, args, address);
  if (!rc && !service_name) {
    const char *const *names;
    size_t count;
    rc = cli_schema_services(&s, &names, &count);
    for (size_t i = 0; !rc && i < count; i++) puts(names[i]);
  } else if (!rc) {
    bool found;
    rc = cli_schema_load_symbol(&s, service_name, &found);
    const cgrpc_service_desc_t *svc = rc ? NULL : cgrpc_pool_find_service(s.pool, service_name);
    if (!rc && !svc) rc = not_found("service", service_name, s.reflection);
    for (size_t i = 0; svc && i < svc->method_count; i++) puts(svc->methods[i].full_name);
  }
  cli_schema_close(&s);
  return rc;
}

/* Prints the definition of `symbol` from the pool; false when it has none. */
static bool describe_symbol(const cgrpc_pool_t *pool, const char *symbol) {
  const cgrpc_service_desc_t *svc = cgrpc_pool_find_service(pool, symbol);
  if (svc) {
    printf("%s is a service:\n", symbol);
    cli_describe_service(stdout, svc);
    return true;
  }
  const cgrpc_method_desc_t *m = cgrpc_pool_find_method(pool, symbol);
  if (m) {
    printf("%s is a method:\n", symbol);
    cli_describe_method(stdout, m, 0);
    return true;
  }
  const cgrpc_msg_desc_t *msg = cgrpc_pool_find_message(pool, symbol);
  if (msg) {
    printf("%s is a message:\n", symbol);
    cli_describe_message(stdout, pool, msg, 0);
    return true;
  }
  const cgrpc_enum_desc_t *e = cgrpc_pool_find_enum(pool, symbol);
  if (e) {
    printf("%s is an enum:\n", symbol);
    cli_describe_enum(stdout, e, 0);
    return true;
  }
  const cgrpc_field_desc_t *ext = cgrpc_pool_find_extension(pool, symbol);
  if (ext) {
    printf("%s is an extension of %s:\n", symbol, ext->containing->full_name);
    cli_describe_field(stdout, ext, 0);
    return true;
  }
  const char *dot = strrchr(symbol, '.');
  char parent[512];
  if (dot && (size_t)(dot - symbol) < sizeof parent) {
    memcpy(parent, symbol, (size_t)(dot - symbol));
    parent[dot - symbol] = '\0';
    const cgrpc_msg_desc_t *owner = cgrpc_pool_find_message(pool, parent);
    const cgrpc_field_desc_t *f = owner ? cgrpc_msg_desc_field(owner, dot + 1) : NULL;
    if (f) {
      printf("%s is a field of %s:\n", symbol, parent);
      cli_describe_field(stdout, f, 0);
      return true;
    }
  }
  return false;
}

int cli_cmd_describe(const cli_args_t *args) {
  const char *address, *symbol;
  int rc = split_args(args, &address, &symbol);
  if (rc) return rc;
  cli_schema_t s;
  rc = cli_schema_open(&s, args, address);
  if (!rc && !symbol) {
    const char *const *names;
    size_t count;
    rc = cli_schema_services(&s, &names, &count);
    for (size_t i = 0; !rc && i < count; i++) {
      bool found;
      rc = cli_schema_load_symbol(&s, names[i], &found);
      if (!rc && found && i) putchar('\n');
      if (!rc && found) describe_symbol(s.pool, names[i]);
    }
  } else if (!rc) {
    bool found;
    rc = cli_schema_load_symbol(&s, symbol, &found);
    if (!rc && !describe_symbol(s.pool, symbol)) rc = not_found("symbol", symbol, s.reflection);
  }
  cli_schema_close(&s);
  return rc;
}

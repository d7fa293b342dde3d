/* tools/cgrpc/cli_schema.c — see cli_schema.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_channel.h"
#include "cli_schema.h"

extern const unsigned char cli_tool_schemas[];
extern const size_t cli_tool_schemas_len;

bool cli_schema_from_files(const cli_args_t *args) {
  return args->protoset_count || args->proto_count;
}

int cli_schema_tool_pool(cgrpc_pool_t **out) {
  cgrpc_error_t err;
  if (cgrpc_pool_new(out, &err) ||
      cgrpc_pool_add_file_set(*out, cli_tool_schemas, cli_tool_schemas_len, &err))
    return cli_fail(CLI_EXIT_FAILURE, "%s", err.message);
  return CLI_EXIT_OK;
}

static int read_file(const char *path, uint8_t **data, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return cli_fail(CLI_EXIT_FAILURE, "cannot open %s: %s", path, strerror(errno));
  size_t cap = 65536, n = 0;
  uint8_t *buf = malloc(cap);
  while (buf) {
    n += fread(buf + n, 1, cap - n, f);
    if (n < cap) break;
    uint8_t *bigger = realloc(buf, cap *= 2);
    if (!bigger) free(buf);
    buf = bigger;
  }
  bool failed = ferror(f);
  fclose(f);
  if (!buf) return cli_fail(CLI_EXIT_FAILURE, "out of memory reading %s", path);
  if (failed) {
    free(buf);
    return cli_fail(CLI_EXIT_FAILURE, "cannot read %s", path);
  }
  *data = buf;
  *len = n;
  return CLI_EXIT_OK;
}

static int add_protosets(cgrpc_pool_t *pool, const cli_args_t *args) {
  for (size_t i = 0; i < args->protoset_count; i++) {
    uint8_t *data = NULL;
    size_t len = 0;
    int rc = read_file(args->protosets[i], &data, &len);
    if (rc) return rc;
    cgrpc_error_t err;
    cgrpc_status_code_t code = cgrpc_pool_add_file_set(pool, data, len, &err);
    free(data);
    if (code)
      return cli_fail(CLI_EXIT_FAILURE,
                      "--protoset %s: %s (write it with protoc --include_imports -o FILE)",
                      args->protosets[i], err.message);
  }
  return CLI_EXIT_OK;
}

int cli_schema_open(cli_schema_t *s, const cli_args_t *args, const char *address) {
  memset(s, 0, sizeof *s);
  cgrpc_arena_init(&s->arena, NULL, 0);
  int rc = cli_schema_tool_pool(&s->tool_pool);
  if (rc) return rc;
  cgrpc_error_t err;
  if (cgrpc_pool_new(&s->pool, &err)) return cli_fail(CLI_EXIT_FAILURE, "%s", err.message);
  if (address && (rc = cli_channel_open(args, address, 0, &s->ch))) return rc;
  if (cli_schema_from_files(args)) {
    if ((rc = add_protosets(s->pool, args))) return rc;
    return cli_schema_add_proto_files(s->pool, args);
  }
  s->reflection = cli_reflection_new(s->ch, s->tool_pool, args);
  if (!s->reflection) return cli_fail(CLI_EXIT_FAILURE, "out of memory");
  return CLI_EXIT_OK;
}

void cli_schema_close(cli_schema_t *s) {
  cli_reflection_free(s->reflection);
  cgrpc_channel_free(s->ch);
  cgrpc_pool_free(s->pool);
  cgrpc_pool_free(s->tool_pool);
  cgrpc_arena_free(&s->arena);
  memset(s, 0, sizeof *s);
}

static bool pool_knows(const cgrpc_pool_t *pool, const char *symbol) {
  return cgrpc_pool_find_file_containing(pool, symbol) != NULL;
}

int cli_schema_load_symbol(cli_schema_t *s, const char *symbol, bool *found) {
  *found = pool_knows(s->pool, symbol);
  if (*found || !s->reflection) return CLI_EXIT_OK;
  int rc = cli_reflection_load_symbol(s->reflection, s->pool, symbol, found);
  if (!rc) *found = pool_knows(s->pool, symbol);
  return rc;
}

int cli_schema_services(cli_schema_t *s, const char *const **names, size_t *count) {
  if (s->reflection) return cli_reflection_list(s->reflection, names, count);
  size_t n = 0;
  for (size_t i = 0; i < cgrpc_pool_file_count(s->pool); i++)
    n += cgrpc_pool_file(s->pool, i)->service_count;
  const char **out = cgrpc_arena_alloc(&s->arena, (n + 1) * sizeof *out);
  if (!out) return cli_fail(CLI_EXIT_FAILURE, "out of memory");
  n = 0;
  for (size_t i = 0; i < cgrpc_pool_file_count(s->pool); i++) {
    const cgrpc_file_desc_t *f = cgrpc_pool_file(s->pool, i);
    for (size_t k = 0; k < f->service_count; k++) out[n++] = f->services[k].full_name;
  }
  *names = out;
  *count = n;
  return CLI_EXIT_OK;
}

/* "unknown service X; the server has: A, B" / "... its methods: ...". */
static int explain_unknown_service(cli_schema_t *s, const char *service) {
  const char *const *names;
  size_t count;
  int rc = cli_schema_services(s, &names, &count);
  if (rc) return rc;
  fprintf(stderr, "cgrpc: unknown service %s; %s:", service,
          count
              ? (s->reflection ? "the server has" : "the schemas have")
              : (s->reflection ? "the server lists no services" : "the schemas have no services"));
  for (size_t i = 0; i < count; i++) fprintf(stderr, "%s %s", i ? "," : "", names[i]);
  fputc('\n', stderr);
  return CLI_EXIT_FAILURE;
}

int cli_schema_find_method(cli_schema_t *s, const char *name, const cgrpc_method_desc_t **out) {
  *out = NULL;
  char buf[512];
  if (*name == '/') name++;
  if (strlen(name) >= sizeof buf) return cli_fail(CLI_EXIT_FAILURE, "method name too long");
  strcpy(buf, name);
  char *sep = strchr(buf, '/');
  if (!sep) sep = strrchr(buf, '.');
  if (!sep || sep == buf || !sep[1] || strchr(sep + 1, '/'))
    return cli_fail(CLI_EXIT_FAILURE,
                    "'%s' is not a method name: write pkg.Service/Method (or pkg.Service.Method)",
                    name);
  *sep = '\0';
  const char *service_name = buf, *method_name = sep + 1;
  bool found;
  int rc = cli_schema_load_symbol(s, service_name, &found);
  if (rc) return rc;
  const cgrpc_service_desc_t *service = cgrpc_pool_find_service(s->pool, service_name);
  if (!service) return explain_unknown_service(s, service_name);
  for (size_t i = 0; i < service->method_count; i++) {
    if (!strcmp(service->methods[i].name, method_name)) {
      *out = &service->methods[i];
      return CLI_EXIT_OK;
    }
  }
  fprintf(stderr, "cgrpc: service %s has no method %s; its methods:", service_name, method_name);
  for (size_t i = 0; i < service->method_count; i++)
    fprintf(stderr, "%s %s", i ? "," : "", service->methods[i].name);
  fputc('\n', stderr);
  return CLI_EXIT_FAILURE;
}

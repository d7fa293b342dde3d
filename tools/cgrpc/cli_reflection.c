/* tools/cgrpc/cli_reflection.c — see cli_reflection.h.
 *
 * The messages are dynamic ones over the tool's own pool (tool_schemas.c),
 * so v1 and v1alpha, which share every field number, differ only in the
 * package the method and tables come from. A server without v1 ends the
 * first exchange UNIMPLEMENTED; the client then opens a v1alpha stream and
 * asks again. Files come back as serialized FileDescriptorProtos; the ones
 * a pool lacks are assembled into a FileDescriptorSet and added in one go
 * (cgrpc_pool_add_file_set orders them by their imports). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_reflection.h"
#include "cli_status.h"
#include "cli_wire.h"

#define FILE_NAME_FIELD 1       /* FileDescriptorProto.name */
#define FILE_DEPENDENCY_FIELD 3 /* FileDescriptorProto.dependency */
#define SET_FILE_FIELD 1        /* FileDescriptorSet.file */

typedef struct reflection_schema {
  const cgrpc_msg_desc_t *request, *response;
  cgrpc_pb_method_t method;
} reflection_schema_t;

struct cli_reflection {
  cgrpc_channel_t *ch;
  const cgrpc_pool_t *tool_pool;
  const cli_args_t *args;
  reflection_schema_t v1, v1alpha;
  const reflection_schema_t *schema; /* the one in use */
  cgrpc_call_t *call;
  bool fell_back;      /* v1alpha already tried */
  cgrpc_arena_t arena; /* replies and names, until cli_reflection_free */
  /* Files received on this stream: serialized FileDescriptorProtos. */
  cgrpc_str_t *files;
  size_t file_count, file_cap;
};

static bool schema_init(reflection_schema_t *s, const cgrpc_pool_t *pool, const char *package) {
  char name[128];
  snprintf(name, sizeof name, "%s.ServerReflectionRequest", package);
  s->request = cgrpc_pool_find_message(pool, name);
  snprintf(name, sizeof name, "%s.ServerReflectionResponse", package);
  s->response = cgrpc_pool_find_message(pool, name);
  snprintf(name, sizeof name, "%s.ServerReflection.ServerReflectionInfo", package);
  const cgrpc_method_desc_t *m = cgrpc_pool_find_method(pool, name);
  if (!s->request || !s->response || !m) return false;
  s->method =
      (cgrpc_pb_method_t){m->name, m->path, s->request->table, s->response->table, true, true};
  return true;
}

cli_reflection_t *cli_reflection_new(cgrpc_channel_t *ch, const cgrpc_pool_t *tool_pool,
                                     const cli_args_t *args) {
  cli_reflection_t *r = calloc(1, sizeof *r);
  if (!r) return NULL;
  r->ch = ch;
  r->tool_pool = tool_pool;
  r->args = args;
  cgrpc_arena_init(&r->arena, NULL, 0);
  if (!schema_init(&r->v1, tool_pool, "grpc.reflection.v1") ||
      !schema_init(&r->v1alpha, tool_pool, "grpc.reflection.v1alpha")) {
    free(r);
    return NULL;
  }
  r->schema = &r->v1;
  return r;
}

static cgrpc_status_code_t end_call(cli_reflection_t *r, cgrpc_status_t *st) {
  cgrpc_status_code_t code = CGRPC_STATUS_OK;
  if (r->call) {
    cgrpc_call_half_close(r->call);
    code = cgrpc_call_finish(r->call, st ? &r->arena : NULL, st);
    r->call = NULL;
  }
  return code;
}

void cli_reflection_free(cli_reflection_t *r) {
  if (!r) return;
  if (r->call) {
    cgrpc_call_cancel(r->call);
    end_call(r, NULL);
  }
  free(r->files);
  cgrpc_arena_free(&r->arena);
  free(r);
}

static const cgrpc_field_desc_t *field(const cgrpc_msg_desc_t *m, const char *name) {
  return cgrpc_msg_desc_field(m, name);
}

/* One question (`which` field set to `value`), one answer into *reply.
 * Returns an exit code; prints the status when the stream fails. */
static int ask(cli_reflection_t *r, const char *which, const char *value, void **reply) {
  for (;;) {
    const reflection_schema_t *s = r->schema;
    if (!r->call) {
      cgrpc_call_options_t opts = {.timeout_ns = r->args->timeout_ns};
      cgrpc_metadata_t md = CGRPC_METADATA_INIT; /* -H: servers may want auth here too */
      int rc = cli_metadata_from_args(r->args, &r->arena, &md);
      if (rc) return rc;
      opts.metadata = &md;
      r->call = cgrpc_call_start(r->ch, &s->method, &opts);
    }
    void *req = cgrpc_pb_msg_new(s->request->table, &r->arena);
    void *resp = cgrpc_pb_msg_new(s->response->table, &r->arena);
    if (!req || !resp) return cli_fail(CLI_EXIT_FAILURE, "out of memory");
    cgrpc_dyn_set_str(req, field(s->request, which), cgrpc_str(value), NULL);
    if (cgrpc_call_send(r->call, req, 0, NULL, NULL) &&
        cgrpc_call_recv(r->call, resp, &r->arena, NULL, NULL)) {
      *reply = resp;
      return CLI_EXIT_OK;
    }
    cgrpc_status_t st;
    cgrpc_status_code_t code = end_call(r, &st);
    if (code == CGRPC_STATUS_UNIMPLEMENTED && !r->fell_back) {
      r->fell_back = true;
      r->schema = &r->v1alpha;
      continue;
    }
    if (code == CGRPC_STATUS_OK) {
      st.code = code = CGRPC_STATUS_INTERNAL;
      st.message = CGRPC_STR("the server ended the reflection stream without an answer");
    }
    fprintf(stderr, "cgrpc: server reflection failed (%s)%s\n", r->schema->method.path,
            code == CGRPC_STATUS_UNIMPLEMENTED
                ? ": the server has none; give the schema with --protoset or --proto"
                : "");
    cli_print_status_error(&st, NULL, &r->arena);
    return cli_exit_for_status(code);
  }
}

/* The error_response of a reply, or NULL: NOT_FOUND for an unknown symbol. */
static const void *error_response(const cli_reflection_t *r, const void *reply) {
  return cgrpc_dyn_get_msg(reply, field(r->schema->response, "error_response"));
}

static void print_reflection_error(const cli_reflection_t *r, const void *error) {
  const cgrpc_field_desc_t *errf = field(r->schema->response, "error_response");
  const cgrpc_msg_desc_t *em = errf->message;
  int32_t code = cgrpc_dyn_get_int32(error, field(em, "error_code"));
  cgrpc_str_t msg = cgrpc_dyn_get_str(error, field(em, "error_message"));
  const char *name = cgrpc_status_code_name((cgrpc_status_code_t)code);
  fprintf(stderr, "cgrpc: server reflection: %s: %.*s\n", name ? name : "UNKNOWN",
          CGRPC_STR_ARGS(msg));
}

int cli_reflection_list(cli_reflection_t *r, const char *const **names, size_t *count) {
  void *reply = NULL;
  int rc = ask(r, "list_services", "*", &reply);
  if (rc) return rc;
  const void *error = error_response(r, reply);
  if (error) {
    print_reflection_error(r, error);
    return CLI_EXIT_FAILURE;
  }
  const cgrpc_field_desc_t *lf = field(r->schema->response, "list_services_response");
  const void *list = cgrpc_dyn_get_msg(reply, lf);
  const cgrpc_field_desc_t *sf = field(lf->message, "service");
  size_t n = list ? cgrpc_dyn_count(list, sf) : 0;
  const char **out = cgrpc_arena_alloc(&r->arena, (n + 1) * sizeof *out);
  if (!out) return cli_fail(CLI_EXIT_FAILURE, "out of memory");
  const cgrpc_field_desc_t *nf = field(sf->message, "name");
  for (size_t i = 0; i < n; i++) {
    cgrpc_str_t name = cgrpc_dyn_get_str(cgrpc_dyn_get_at(list, sf, i).msg, nf);
    char *copy = cgrpc_arena_memdup(&r->arena, name.data ? name.data : "", name.len + 1);
    if (!copy) return cli_fail(CLI_EXIT_FAILURE, "out of memory");
    copy[name.len] = '\0';
    out[i] = copy;
  }
  *names = out;
  *count = n;
  return CLI_EXIT_OK;
}

static cgrpc_str_t file_name(cgrpc_str_t file) {
  return cli_wire_first_bytes((const uint8_t *)file.data, file.len, FILE_NAME_FIELD);
}

static bool have_file(const cli_reflection_t *r, const cgrpc_pool_t *pool, cgrpc_str_t name) {
  for (size_t i = 0; i < r->file_count; i++) {
    cgrpc_str_t n = file_name(r->files[i]);
    if (n.len == name.len && !memcmp(n.data, name.data, n.len)) return true;
  }
  char buf[1024];
  if (name.len >= sizeof buf) return false;
  memcpy(buf, name.data, name.len);
  buf[name.len] = '\0';
  return cgrpc_pool_find_file(pool, buf) != NULL;
}

/* Keeps the files of a file_descriptor_response not seen before. */
static int keep_files(cli_reflection_t *r, const cgrpc_pool_t *pool, const void *reply) {
  const cgrpc_field_desc_t *ff = field(r->schema->response, "file_descriptor_response");
  const void *fdr = cgrpc_dyn_get_msg(reply, ff);
  if (!fdr) return cli_fail(CLI_EXIT_FAILURE, "server reflection answered with no files");
  const cgrpc_field_desc_t *pf = field(ff->message, "file_descriptor_proto");
  for (size_t i = 0; i < cgrpc_dyn_count(fdr, pf); i++) {
    cgrpc_str_t file = cgrpc_dyn_get_at(fdr, pf, i).str;
    if (have_file(r, pool, file_name(file))) continue;
    if (r->file_count == r->file_cap) {
      size_t cap = r->file_cap ? r->file_cap * 2 : 16;
      cgrpc_str_t *files = realloc(r->files, cap * sizeof *files);
      if (!files) return cli_fail(CLI_EXIT_FAILURE, "out of memory");
      r->files = files;
      r->file_cap = cap;
    }
    r->files[r->file_count++] = file;
  }
  return CLI_EXIT_OK;
}

typedef struct missing_ctx {
  cli_reflection_t *r;
  const cgrpc_pool_t *pool;
  char name[1024];
  bool found;
} missing_ctx_t;

static bool note_missing(void *ctx, cgrpc_str_t dep) {
  missing_ctx_t *m = ctx;
  if (have_file(m->r, m->pool, dep) || dep.len >= sizeof m->name) return true;
  memcpy(m->name, dep.data, dep.len);
  m->name[dep.len] = '\0';
  m->found = true;
  return false;
}

/* Names in m->name an import of a received file that is neither received
 * nor in the pool; false when there is none. */
static bool next_missing(missing_ctx_t *m) {
  m->found = false;
  for (size_t i = 0; i < m->r->file_count && !m->found; i++) {
    cgrpc_str_t f = m->r->files[i];
    cli_wire_each_bytes((const uint8_t *)f.data, f.len, FILE_DEPENDENCY_FIELD, note_missing, m);
  }
  return m->found;
}

int cli_reflection_load_symbol(cli_reflection_t *r, cgrpc_pool_t *pool, const char *symbol,
                               bool *found) {
  *found = false;
  void *reply = NULL;
  int rc = ask(r, "file_containing_symbol", symbol, &reply);
  if (rc) return rc;
  if (error_response(r, reply)) return CLI_EXIT_OK; /* unknown symbol: the caller explains */
  size_t first_new = r->file_count;
  if ((rc = keep_files(r, pool, reply))) return rc;
  missing_ctx_t m = {r, pool, "", false};
  while (next_missing(&m)) {
    if ((rc = ask(r, "file_by_filename", m.name, &reply))) return rc;
    const void *error = error_response(r, reply);
    if (error) {
      print_reflection_error(r, error);
      return cli_fail(CLI_EXIT_FAILURE, "the server's schema imports \"%s\", which it cannot send",
                      m.name);
    }
    if ((rc = keep_files(r, pool, reply))) return rc;
  }
  cli_buf_t set = {0};
  for (size_t i = first_new; i < r->file_count; i++) {
    if (!cli_buf_add_bytes(&set, SET_FILE_FIELD, r->files[i].data, r->files[i].len)) {
      cli_buf_free(&set);
      return cli_fail(CLI_EXIT_FAILURE, "out of memory");
    }
  }
  cgrpc_error_t err;
  cgrpc_status_code_t code =
      set.len ? cgrpc_pool_add_file_set(pool, set.data, set.len, &err) : CGRPC_STATUS_OK;
  cli_buf_free(&set);
  if (code != CGRPC_STATUS_OK)
    return cli_fail(CLI_EXIT_FAILURE, "the server's schema does not load: %s", err.message);
  *found = true;
  return CLI_EXIT_OK;
}

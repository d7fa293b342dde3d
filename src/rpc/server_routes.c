/* rpc/server_routes.c — what a server serves besides its methods' gRPC
 * paths: REST routes from google.api.http (cgrpc_server_serve_rest) and
 * static file routes (cgrpc_server_serve_directory). Both only record what
 * to serve before start; the web protocols (web/rest_protocol.c,
 * web/static_files.c) build their tables from it when the server starts. */
#define _GNU_SOURCE /* realpath */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/alloc.h"
#include "rpc/server_internal.h"
#include "web/rest_router.h"

static cgrpc_status_code_t routes_fail(cgrpc_error_t *err, cgrpc_status_code_t code,
                                       const char *fmt, const char *arg) {
  if (err) snprintf(err->message, sizeof err->message, fmt, arg);
  return code;
}

/* REST, then static files, last among the protocols, whatever order the
 * calls came in: a static route under "/" must not hide REST routes. */
static void order_protocols(cgrpc_web_server_t *w) {
  size_t n = 0;
  for (size_t i = 0; i < w->protocol_count; i++)
    if (w->protocols[i] != &cgrpc_web_rest_protocol &&
        w->protocols[i] != &cgrpc_web_static_protocol)
      w->protocols[n++] = w->protocols[i];
  if (w->rest_file_count) w->protocols[n++] = &cgrpc_web_rest_protocol;
  if (w->static_dir_count) w->protocols[n++] = &cgrpc_web_static_protocol;
  w->protocol_count = n;
}

cgrpc_status_code_t cgrpc_server_serve_rest(cgrpc_server_t *srv, const cgrpc_pb_file_t *file,
                                            cgrpc_error_t *err) {
  if (srv->started)
    return routes_fail(err, CGRPC_STATUS_FAILED_PRECONDITION,
                       "serve REST of %s: the server is started",
                       file && file->name ? file->name : "a file");
  if (!file || !file->descriptor)
    return routes_fail(err, CGRPC_STATUS_INVALID_ARGUMENT, "%s",
                       "serve REST: pass a generated file record (&<file>_proto_file)");
  /* Check every rule now, so a mistake shows here and not at start. */
  rest_router_t check;
  cgrpc_status_code_t code = rest_router_init(&check, err);
  if (!code) code = rest_router_add_file(&check, file, err);
  rest_router_free(&check);
  if (code) return code;
  const cgrpc_pb_file_t **files =
      cgrpc_realloc(srv->rest_files, (srv->rest_file_count + 1) * sizeof *files);
  if (!files) return routes_fail(err, CGRPC_STATUS_RESOURCE_EXHAUSTED, "%s", "out of memory");
  files[srv->rest_file_count++] = file;
  srv->rest_files = files;
  srv->web.rest_files = files;
  srv->web.rest_file_count = srv->rest_file_count;
  srv->web.rest_ignore_unknown = srv->opts.rest_ignore_unknown_fields;
  order_protocols(&srv->web);
  return CGRPC_STATUS_OK;
}

cgrpc_status_code_t cgrpc_server_serve_directory(cgrpc_server_t *srv, const char *url_prefix,
                                                 const char *dir, cgrpc_error_t *err) {
  if (srv->started)
    return routes_fail(err, CGRPC_STATUS_FAILED_PRECONDITION,
                       "serve directory %s: the server is started", dir ? dir : "");
  if (!url_prefix || url_prefix[0] != '/')
    return routes_fail(err, CGRPC_STATUS_INVALID_ARGUMENT,
                       "serve directory: the URL prefix \"%s\" must start with '/'",
                       url_prefix ? url_prefix : "(null)");
  char real[PATH_MAX];
  struct stat sb;
  if (!dir || !realpath(dir, real) || stat(real, &sb) != 0 || !S_ISDIR(sb.st_mode))
    return routes_fail(err, CGRPC_STATUS_INVALID_ARGUMENT,
                       "serve directory: \"%s\" is not a directory this process can read",
                       dir ? dir : "(null)");
  size_t plen = strlen(url_prefix);
  bool slash = url_prefix[plen - 1] == '/';
  char *prefix = cgrpc_malloc(plen + 2), *copy = cgrpc_malloc(strlen(real) + 1);
  cgrpc_web_static_dir_t *dirs =
      cgrpc_realloc(srv->static_dirs, (srv->static_dir_count + 1) * sizeof *dirs);
  if (dirs) srv->static_dirs = dirs;
  if (!prefix || !copy || !dirs) {
    cgrpc_free(prefix);
    cgrpc_free(copy);
    return routes_fail(err, CGRPC_STATUS_RESOURCE_EXHAUSTED, "%s", "out of memory");
  }
  snprintf(prefix, plen + 2, "%s%s", url_prefix, slash ? "" : "/");
  strcpy(copy, real);
  for (size_t i = 0; i < srv->static_dir_count; i++)
    if (strcmp(dirs[i].prefix, prefix) == 0) {
      cgrpc_free(prefix);
      cgrpc_free(copy);
      return routes_fail(err, CGRPC_STATUS_INVALID_ARGUMENT,
                         "serve directory: the URL prefix \"%s\" is served already", url_prefix);
    }
  dirs[srv->static_dir_count++] = (cgrpc_web_static_dir_t){prefix, copy};
  srv->web.static_dirs = dirs;
  srv->web.static_dir_count = srv->static_dir_count;
  order_protocols(&srv->web);
  return CGRPC_STATUS_OK;
}

void cgrpc_server_routes_free(cgrpc_server_t *srv) {
  for (size_t i = 0; i < srv->static_dir_count; i++) {
    cgrpc_free((char *)srv->static_dirs[i].prefix);
    cgrpc_free((char *)srv->static_dirs[i].dir);
  }
  cgrpc_free(srv->static_dirs);
  cgrpc_free(srv->rest_files);
  srv->static_dirs = NULL;
  srv->rest_files = NULL;
  srv->static_dir_count = srv->rest_file_count = 0;
}

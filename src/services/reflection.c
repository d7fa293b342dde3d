/* services/reflection.c — enabling server reflection (cgrpc/reflection.h):
 * the two services' registration, and the descriptor pool and service list
 * the answers come from.
 *
 * The pool is completed on first use, not at enable time, so that services
 * registered after cgrpc_server_enable_reflection() are described too: the
 * first stream adds the file of every service registered with its
 * generated table, under a mutex, and from then on the pool and the list
 * are only read (registration ends at start, so they cannot change).
 */
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/log.h"
#include "grpc/reflection/v1alpha/reflection.pb.h"
#include "services/reflection_internal.h"
#include "services/services_error.h"

static int compare_names(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The names of the registered services, from their method paths
 * ("/pkg.Service/Method"), sorted and unique. */
static bool list_services(cgrpc_reflection_t *r) {
  const cgrpc_server_t *srv = r->srv;
  const char **names = cgrpc_malloc((srv->method_count ? srv->method_count : 1) * sizeof *names);
  if (!names) return false;
  size_t n = 0;
  for (size_t i = 0; i < srv->method_slots; i++) {
    const cgrpc_pb_method_t *m = srv->methods[i].method;
    if (!m) continue;
    const char *start = m->path + 1;
    const char *slash = strchr(start, '/');
    size_t len = slash ? (size_t)(slash - start) : strlen(start);
    char *name = cgrpc_malloc(len + 1);
    if (!name) {
      for (size_t j = 0; j < n; j++) cgrpc_free((void *)names[j]);
      cgrpc_free(names);
      return false;
    }
    memcpy(name, start, len);
    name[len] = '\0';
    names[n++] = name;
  }
  qsort(names, n, sizeof *names, compare_names);
  size_t unique = 0;
  for (size_t i = 0; i < n; i++) {
    if (unique && strcmp(names[unique - 1], names[i]) == 0) {
      cgrpc_free((void *)names[i]);
    } else {
      names[unique++] = names[i];
    }
  }
  r->services = names;
  r->service_count = unique;
  return true;
}

bool reflection_ready(cgrpc_reflection_t *r) {
  pthread_mutex_lock(&r->mu);
  if (!r->ready && list_services(r)) {
    const cgrpc_server_t *srv = r->srv;
    for (size_t i = 0; i < srv->method_slots; i++) {
      const cgrpc_pb_service_t *svc = srv->methods[i].service;
      if (!srv->methods[i].method || !svc || !svc->file) continue;
      if (cgrpc_pool_find_file(r->pool, svc->file->name)) continue; /* another method's */
      cgrpc_error_t err;
      if (cgrpc_pool_add_generated(r->pool, svc->file, &err) != CGRPC_STATUS_OK) {
        /* A conflict between two generated files: the others still answer. */
        cgrpc_log(CGRPC_LOG_WARNING, "server reflection cannot describe %s: %s", svc->full_name,
                  err.message);
      }
    }
    r->ready = true;
  }
  bool ready = r->ready;
  pthread_mutex_unlock(&r->mu);
  return ready;
}

static void on_free(void *user_data) {
  cgrpc_reflection_t *r = user_data;
  for (size_t i = 0; i < r->service_count; i++) cgrpc_free((void *)r->services[i]);
  cgrpc_free(r->services);
  cgrpc_pool_free(r->pool);
  pthread_mutex_destroy(&r->mu);
  cgrpc_free(r);
}

static const cgrpc_pb_service_t *const kServices[2] = {
    &grpc_reflection_v1_ServerReflection_service,
    &grpc_reflection_v1alpha_ServerReflection_service,
};

cgrpc_status_code_t cgrpc_server_enable_reflection(cgrpc_server_t *srv, cgrpc_reflection_t **out,
                                                   cgrpc_error_t *err) {
  if (out) *out = NULL;
  if (!srv) {
    return cgrpc_services_fail(err, CGRPC_STATUS_INVALID_ARGUMENT,
                               "cgrpc_server_enable_reflection: the server is NULL");
  }
  if (srv->started) {
    return cgrpc_services_fail(err, CGRPC_STATUS_FAILED_PRECONDITION,
                               "cgrpc_server_enable_reflection: the server is started; enable "
                               "reflection before cgrpc_server_start() or _run()");
  }
  for (size_t s = 0; s < 2; s++) {
    const char *path = kServices[s]->methods[0].path;
    if (cgrpc_server_lookup(srv, path, strlen(path))) {
      return cgrpc_services_fail(err, CGRPC_STATUS_ALREADY_EXISTS,
                                 "cgrpc_server_enable_reflection: %s is already registered (is "
                                 "reflection enabled twice?)",
                                 path);
    }
  }
  cgrpc_reflection_t *r = cgrpc_malloc(sizeof *r);
  if (!r) {
    return cgrpc_services_fail(err, CGRPC_STATUS_RESOURCE_EXHAUSTED,
                               "cgrpc_server_enable_reflection: out of memory");
  }
  memset(r, 0, sizeof *r);
  r->srv = srv;
  pthread_mutex_init(&r->mu, NULL);
  cgrpc_status_code_t code = cgrpc_pool_new(&r->pool, err);
  if (code != CGRPC_STATUS_OK) {
    on_free(r);
    return code;
  }
  /* The server owns r from here: a method registered before a failure
   * below still points at it. */
  r->hook = (cgrpc_server_hook_t){.on_free = on_free, .user_data = r};
  cgrpc_server_add_hook(srv, &r->hook);
  const cgrpc_server_handler_fn handlers[1] = {reflection_stream_handler};
  for (size_t s = 0; s < 2; s++) {
    code = cgrpc_server_register_service(srv, kServices[s], handlers, r, CGRPC_HANDLER_INLINE, err);
    if (code != CGRPC_STATUS_OK) return code;
  }
  if (out) *out = r;
  return cgrpc_services_ok(err);
}

static cgrpc_status_code_t check_adding(cgrpc_reflection_t *r, const void *what, const char *fn,
                                        cgrpc_error_t *err) {
  if (!r || !what) {
    return cgrpc_services_fail(err, CGRPC_STATUS_INVALID_ARGUMENT, "%s: an argument is NULL", fn);
  }
  if (r->srv->started) {
    return cgrpc_services_fail(err, CGRPC_STATUS_FAILED_PRECONDITION,
                               "%s: the server is started; add files before "
                               "cgrpc_server_start() or _run()",
                               fn);
  }
  return CGRPC_STATUS_OK;
}

cgrpc_status_code_t cgrpc_reflection_add_file(cgrpc_reflection_t *r, const cgrpc_pb_file_t *file,
                                              cgrpc_error_t *err) {
  cgrpc_status_code_t code = check_adding(r, file, "cgrpc_reflection_add_file", err);
  if (code != CGRPC_STATUS_OK) return code;
  return cgrpc_pool_add_generated(r->pool, file, err);
}

cgrpc_status_code_t cgrpc_reflection_add_pool(cgrpc_reflection_t *r, const cgrpc_pool_t *pool,
                                              cgrpc_error_t *err) {
  cgrpc_status_code_t code = check_adding(r, pool, "cgrpc_reflection_add_pool", err);
  if (code != CGRPC_STATUS_OK) return code;
  /* In the pool's order, which puts every file after its imports. */
  for (size_t i = 0; i < cgrpc_pool_file_count(pool); i++) {
    const cgrpc_file_desc_t *f = cgrpc_pool_file(pool, i);
    code = cgrpc_pool_add_file(r->pool, f->descriptor, f->descriptor_len, err);
    if (code != CGRPC_STATUS_OK) return code;
  }
  return cgrpc_services_ok(err);
}

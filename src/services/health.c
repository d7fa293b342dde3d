/* services/health.c — grpc.health.v1.Health: the status table, Check, and
 * the service's part in the server's shutdown (cgrpc/health.h).
 *
 * Statuses live in a small table under one mutex: setting one is a lookup
 * (and a copy of the name the first time), then a walk over the open Watch
 * streams (health_watch.c) when there are any. Check is an INLINE handler
 * that answers from the table at once.
 */
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "grpc/health/v1/health.pb.h"
#include "services/health_internal.h"
#include "services/services_error.h"

cgrpc_health_status_t health_lookup_locked(const cgrpc_health_t *h, const char *name, size_t len) {
  for (size_t i = 0; i < h->count; i++) {
    const char *n = h->entries[i].name;
    if (strlen(n) == len && (len == 0 || memcmp(n, name, len) == 0)) return h->entries[i].status;
  }
  return CGRPC_HEALTH_SERVICE_UNKNOWN;
}

static health_entry_t *find_locked(cgrpc_health_t *h, const char *name) {
  for (size_t i = 0; i < h->count; i++) {
    if (strcmp(h->entries[i].name, name) == 0) return &h->entries[i];
  }
  return NULL;
}

/* The entry of `name`, added (NOT_SERVING until set) when missing; NULL when
 * memory runs out. */
static health_entry_t *find_or_add_locked(cgrpc_health_t *h, const char *name) {
  health_entry_t *e = find_locked(h, name);
  if (e) return e;
  if (h->count == h->cap) {
    size_t cap = h->cap ? h->cap * 2 : 8;
    health_entry_t *grown = cgrpc_realloc(h->entries, cap * sizeof *grown);
    if (!grown) return NULL;
    h->entries = grown;
    h->cap = cap;
  }
  size_t len = strlen(name);
  char *copy = cgrpc_malloc(len + 1);
  if (!copy) return NULL;
  memcpy(copy, name, len + 1);
  e = &h->entries[h->count++];
  *e = (health_entry_t){copy, CGRPC_HEALTH_NOT_SERVING};
  return e;
}

cgrpc_status_code_t cgrpc_health_set_status(cgrpc_health_t *h, const char *service_name,
                                            cgrpc_health_status_t status, cgrpc_error_t *err) {
  if (!h || !service_name) {
    return cgrpc_services_fail(err, CGRPC_STATUS_INVALID_ARGUMENT,
                               "cgrpc_health_set_status: the handle and the service name (\"\" "
                               "for the whole server) are required");
  }
  if (status != CGRPC_HEALTH_SERVING && status != CGRPC_HEALTH_NOT_SERVING &&
      status != CGRPC_HEALTH_UNKNOWN) {
    return cgrpc_services_fail(err, CGRPC_STATUS_INVALID_ARGUMENT,
                               "cgrpc_health_set_status: status %d is not one a service can be "
                               "set to; use CGRPC_HEALTH_SERVING, _NOT_SERVING or _UNKNOWN",
                               (int)status);
  }
  pthread_mutex_lock(&h->mu);
  if (h->shutting_down) {
    pthread_mutex_unlock(&h->mu);
    return cgrpc_services_fail(err, CGRPC_STATUS_FAILED_PRECONDITION,
                               "cgrpc_health_set_status(\"%.100s\"): the server is shutting down, "
                               "so every service stays NOT_SERVING",
                               service_name);
  }
  health_entry_t *e = find_or_add_locked(h, service_name);
  bool changed = e && e->status != status;
  if (e) e->status = status;
  pthread_mutex_unlock(&h->mu);
  if (!e) {
    return cgrpc_services_fail(err, CGRPC_STATUS_RESOURCE_EXHAUSTED,
                               "cgrpc_health_set_status: out of memory");
  }
  if (changed) health_watch_notify(h, service_name, false);
  return cgrpc_services_ok(err);
}

void cgrpc_health_clear_status(cgrpc_health_t *h, const char *service_name) {
  if (!h || !service_name) return;
  pthread_mutex_lock(&h->mu);
  health_entry_t *e = find_locked(h, service_name);
  if (e) {
    cgrpc_free(e->name);
    *e = h->entries[--h->count];
  }
  pthread_mutex_unlock(&h->mu);
  if (e) health_watch_notify(h, service_name, false);
}

cgrpc_health_status_t cgrpc_health_get_status(cgrpc_health_t *h, const char *service_name) {
  if (!h || !service_name) return CGRPC_HEALTH_SERVICE_UNKNOWN;
  pthread_mutex_lock(&h->mu);
  cgrpc_health_status_t s = health_lookup_locked(h, service_name, strlen(service_name));
  pthread_mutex_unlock(&h->mu);
  return s;
}

static void check(cgrpc_server_call_t *call, const void *request, void *user_data) {
  const grpc_health_v1_HealthCheckRequest *req = request;
  cgrpc_health_t *h = user_data;
  pthread_mutex_lock(&h->mu);
  cgrpc_health_status_t s = health_lookup_locked(h, req->service.data, req->service.len);
  pthread_mutex_unlock(&h->mu);
  if (s == CGRPC_HEALTH_SERVICE_UNKNOWN) {
    cgrpc_server_call_finishf(call, CGRPC_STATUS_NOT_FOUND, "unknown service \"%.*s\"",
                              (int)(req->service.len > 200 ? 200 : req->service.len),
                              req->service.data);
    return;
  }
  grpc_health_v1_HealthCheckResponse resp = {
      .status = (grpc_health_v1_HealthCheckResponse_ServingStatus)s};
  cgrpc_server_call_reply(call, &resp);
}

/* Graceful shutdown, before the GOAWAYs: every status NOT_SERVING for good,
 * and every Watch told so and ended. */
static void on_shutdown(void *user_data) {
  cgrpc_health_t *h = user_data;
  pthread_mutex_lock(&h->mu);
  h->shutting_down = true;
  for (size_t i = 0; i < h->count; i++) h->entries[i].status = CGRPC_HEALTH_NOT_SERVING;
  pthread_mutex_unlock(&h->mu);
  health_watch_notify(h, NULL, true);
}

static void on_free(void *user_data) {
  cgrpc_health_t *h = user_data;
  for (size_t i = 0; i < h->count; i++) cgrpc_free(h->entries[i].name);
  cgrpc_free(h->entries);
  pthread_mutex_destroy(&h->mu);
  cgrpc_free(h);
}

cgrpc_status_code_t cgrpc_server_enable_health(cgrpc_server_t *srv, cgrpc_health_t **out,
                                               cgrpc_error_t *err) {
  if (out) *out = NULL;
  if (!srv) {
    return cgrpc_services_fail(err, CGRPC_STATUS_INVALID_ARGUMENT,
                               "cgrpc_server_enable_health: the server is NULL");
  }
  if (srv->started) {
    return cgrpc_services_fail(err, CGRPC_STATUS_FAILED_PRECONDITION,
                               "cgrpc_server_enable_health: the server is started; enable the "
                               "service before cgrpc_server_start() or _run()");
  }
  const cgrpc_pb_service_t *svc = &grpc_health_v1_Health_service;
  for (size_t i = 0; i < svc->method_count; i++) {
    const char *path = svc->methods[i].path;
    if (cgrpc_server_lookup(srv, path, strlen(path))) {
      return cgrpc_services_fail(err, CGRPC_STATUS_ALREADY_EXISTS,
                                 "cgrpc_server_enable_health: %s is already registered (is the "
                                 "health service enabled twice?)",
                                 path);
    }
  }
  cgrpc_health_t *h = cgrpc_malloc(sizeof *h);
  if (!h) {
    return cgrpc_services_fail(err, CGRPC_STATUS_RESOURCE_EXHAUSTED,
                               "cgrpc_server_enable_health: out of memory");
  }
  memset(h, 0, sizeof *h);
  pthread_mutex_init(&h->mu, NULL);
  if (!find_or_add_locked(h, "")) {
    on_free(h);
    return cgrpc_services_fail(err, CGRPC_STATUS_RESOURCE_EXHAUSTED,
                               "cgrpc_server_enable_health: out of memory");
  }
  h->entries[0].status = CGRPC_HEALTH_SERVING;
  /* The server owns h from here: a method registered before a failure
   * below still points at it. */
  h->hook = (cgrpc_server_hook_t){.on_shutdown = on_shutdown, .on_free = on_free, .user_data = h};
  cgrpc_server_add_hook(srv, &h->hook);
  /* Check and Watch, in the order of the service's methods. */
  const cgrpc_server_handler_fn handlers[2] = {check, health_watch_handler};
  cgrpc_status_code_t code =
      cgrpc_server_register_service(srv, svc, handlers, h, CGRPC_HANDLER_INLINE, err);
  if (code != CGRPC_STATUS_OK) return code;
  if (out) *out = h;
  return cgrpc_services_ok(err);
}

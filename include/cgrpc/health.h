/* cgrpc/health.h — the standard health service, grpc.health.v1.Health.
 *
 * One call turns it on; the application then says, from any thread, which
 * of its services can take traffic:
 *
 *   cgrpc_health_t *health;
 *   cgrpc_server_enable_health(srv, &health, &err);          (before start)
 *   ...
 *   cgrpc_health_set_status(health, "shop.ProductService", CGRPC_HEALTH_SERVING, NULL);
 *   cgrpc_health_set_status(health, "", CGRPC_HEALTH_NOT_SERVING, NULL);   (the whole server)
 *
 * Clients (Kubernetes gRPC probes, grpc_health_probe, `cgrpc health`, load
 * balancers doing client-side health checking) ask with:
 *   Check(service)  the status now; NOT_FOUND for a service never set.
 *   Watch(service)  a stream: the status now, then every change. A service
 *                   never set reads SERVICE_UNKNOWN, and the stream stays
 *                   open, so a later set reaches it (grpc's
 *                   health-checking.md). Changes made in quick succession may
 *                   reach a slow reader as the latest one only.
 * The whole server, service name "", starts SERVING.
 *
 * Graceful shutdown (cgrpc_server_shutdown(), or cgrpc_server_run()
 * ending) first turns every status to NOT_SERVING: each Watch stream gets
 * NOT_SERVING and then ends with UNAVAILABLE ("the server is shutting
 * down"), before the server sends GOAWAY and stops taking calls. Statuses
 * set after that are refused. Watch streams also end when the client
 * cancels or goes away, and hold no memory after.
 *
 * The handle belongs to the server and lives until cgrpc_server_free().
 */
#ifndef CGRPC_HEALTH_H
#define CGRPC_HEALTH_H

#include "cgrpc/error.h"
#include "cgrpc/server.h"
#include "cgrpc/status.h"

#pragma GCC visibility push(default) /* exported: see cgrpc/cgrpc.h */
#ifdef __cplusplus
extern "C" {
#endif

typedef struct cgrpc_health cgrpc_health_t;

/* The serving statuses of grpc.health.v1.HealthCheckResponse, by number. */
typedef enum cgrpc_health_status {
  CGRPC_HEALTH_UNKNOWN = 0,
  CGRPC_HEALTH_SERVING = 1,
  CGRPC_HEALTH_NOT_SERVING = 2,
  CGRPC_HEALTH_SERVICE_UNKNOWN = 3, /* what Watch reports for a service never set */
} cgrpc_health_status_t;

/* Registers grpc.health.v1.Health (Check and Watch, INLINE handlers that
 * never block) on `srv` and gives its handle in *health (may be NULL when
 * the caller sets nothing: the server then answers SERVING for "" until it
 * shuts down). Before cgrpc_server_start(). Errors: INVALID_ARGUMENT when
 * `srv` is NULL; ALREADY_EXISTS when the service is registered already
 * (enabled twice); FAILED_PRECONDITION once started; RESOURCE_EXHAUSTED
 * when out of memory (then one method may stay registered: free the
 * server). On the other failures the server is unchanged. */
cgrpc_status_code_t cgrpc_server_enable_health(cgrpc_server_t *srv, cgrpc_health_t **health,
                                               cgrpc_error_t *err);

/* Sets the status of `service_name` ("" for the whole server; a service
 * name such as "shop.ProductService" by convention, though any string
 * works) to SERVING, NOT_SERVING or UNKNOWN, and tells every Watch of it.
 * Any thread, at any time until cgrpc_server_free(); cheap (a mutex and a
 * lookup) when nobody watches. Errors: INVALID_ARGUMENT for a NULL handle
 * or name or a status outside those three; FAILED_PRECONDITION once the
 * server has begun shutting down (everything stays NOT_SERVING);
 * RESOURCE_EXHAUSTED when out of memory (for a new name). */
cgrpc_status_code_t cgrpc_health_set_status(cgrpc_health_t *health, const char *service_name,
                                            cgrpc_health_status_t status, cgrpc_error_t *err);

/* Forgets `service_name`: Check then answers NOT_FOUND and Watch streams
 * get SERVICE_UNKNOWN. Any thread. A name never set is no error. */
void cgrpc_health_clear_status(cgrpc_health_t *health, const char *service_name);

/* The status Check would answer for `service_name`, or
 * CGRPC_HEALTH_SERVICE_UNKNOWN for a name never set (Check's NOT_FOUND).
 * Any thread. */
cgrpc_health_status_t cgrpc_health_get_status(cgrpc_health_t *health, const char *service_name);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif

#endif /* CGRPC_HEALTH_H */

/* service_main.h — what every shop service does around its handlers:
 *
 *   shop-<name> CONFIG_FILE
 *
 * reads the configuration, opens the database (migrations, `synchronous`),
 * loads the token secret, makes a server with the logging, request-id and
 * access interceptors, the health service (grpc.health.v1: "" and the
 * service's full name SERVING) and reflection (grpc.reflection.v1 and
 * v1alpha), registers the service, listens with mutual TLS on
 * `listen`, prints "<name> service listening on ADDRESS", serves until
 * SIGTERM or Ctrl-C and shuts down gracefully.
 *
 * Configuration keys: listen, db, tls.ca, tls.cert, tls.key,
 * token.secret_file, max_request_bytes (default 64 KiB), log (info|warning),
 * and the service's peer.<name> entries. */
#ifndef SHOP_SERVICE_MAIN_H
#define SHOP_SERVICE_MAIN_H

#include "access.h"
#include "config.h"
#include "db.h"
#include "errors.h"
#include "ids.h"
#include "request_id.h"
#include "tls_setup.h"
#include "token.h"

typedef struct shop_service shop_service_t;

typedef struct shop_service_desc {
  const char *name;                  /* "order" */
  const cgrpc_pb_service_t *service; /* its generated table: health names it */
  const char *synchronous;           /* PRAGMA synchronous: "FULL" or "NORMAL" */
  const char *const *migrations;
  const shop_access_rule_t *rules;
  const char *const *internal_callers;
  /* Registers the handlers (and starts what the service runs beside them). */
  cgrpc_status_code_t (*start)(shop_service_t *svc, cgrpc_error_t *err);
  /* After the server stopped: stops what start began. May be NULL. */
  void (*stop)(shop_service_t *svc);
} shop_service_desc_t;

struct shop_service {
  const shop_service_desc_t *desc;
  shop_config_t *config;
  shop_db_t *db;
  cgrpc_server_t *server;
  cgrpc_jwt_verifier_t *verifier;
  cgrpc_health_t *health; /* SERVING once started; NOT_SERVING as it stops */
  uint8_t secret[SHOP_SECRET_MAX];
  size_t secret_len;
  shop_access_t access;
  void *state; /* the service's own */
};

int shop_service_main(int argc, char **argv, const shop_service_desc_t *desc);

#endif

/* access.h — who may call what. One interceptor, registered on every
 * service, applies a rule per method:
 *
 *   PUBLIC    anyone (CreateUser, Login)
 *   USER      a valid shop token: cgrpc_jwt_interceptor() checks it, and the
 *             handler reads the user id with shop_access_user()
 *   INTERNAL  another service: its mutual-TLS certificate must name one of
 *             the allowed callers in its DNS subjectAltNames ("order")
 *
 * Methods without a rule are USER: forgetting a rule never opens a method.
 * The health and reflection services are PUBLIC on every service. */
#ifndef SHOP_ACCESS_H
#define SHOP_ACCESS_H

#include "cgrpc/cgrpc.h"

typedef enum shop_access_kind {
  SHOP_ACCESS_USER = 0,
  SHOP_ACCESS_PUBLIC = 1,
  SHOP_ACCESS_INTERNAL = 2,
} shop_access_kind_t;

typedef struct shop_access_rule {
  const char *method; /* its name within the service, "Login" */
  shop_access_kind_t kind;
} shop_access_rule_t;

typedef struct shop_access {
  const shop_access_rule_t *rules; /* ends with {NULL} */
  const char *const *callers;      /* INTERNAL: allowed SANs, ends with NULL */
  cgrpc_jwt_verifier_t *verifier;
} shop_access_t;

/* Register with a shop_access_t as user_data. */
const cgrpc_interceptor_t *shop_access_interceptor(void);

/* In a handler of a USER method: the caller's user id (the token's `sub`). */
const char *shop_access_user(const cgrpc_server_call_t *call);

#endif

/* tls_setup.h — mutual TLS from a service's configuration:
 *
 *   tls.ca   = the shop CA (certificates of servers and clients chain to it)
 *   tls.cert = this program's certificate (serverAuth and clientAuth; its
 *              DNS subjectAltName is the service name, "order")
 *   tls.key  = its key
 *   peer.<name> = host:port of another service
 */
#ifndef SHOP_TLS_SETUP_H
#define SHOP_TLS_SETUP_H

#include "cgrpc/cgrpc.h"
#include "config.h"

/* Server credentials that require a client certificate from the shop CA. */
cgrpc_status_code_t shop_tls_server(const shop_config_t *c, cgrpc_server_credentials_t **out,
                                    cgrpc_error_t *err);

/* A channel to the service `name` at `peer.<name>`, over mutual TLS, that
 * checks the server's certificate names `name`. NOT_FOUND when the file has
 * no such peer. */
cgrpc_status_code_t shop_tls_channel(const shop_config_t *c, const char *name,
                                     cgrpc_channel_t **out, cgrpc_error_t *err);

#endif

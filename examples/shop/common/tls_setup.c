/* tls_setup.c — see tls_setup.h. */
#include "tls_setup.h"

#include <stdio.h>

#include "errors.h"

cgrpc_status_code_t shop_tls_server(const shop_config_t *c, cgrpc_server_credentials_t **out,
                                    cgrpc_error_t *err) {
  const char *ca, *cert, *key;
  cgrpc_status_code_t code = shop_config_require(c, "tls.ca", &ca, err);
  if (!code) code = shop_config_require(c, "tls.cert", &cert, err);
  if (!code) code = shop_config_require(c, "tls.key", &key, err);
  if (!code)
    code = cgrpc_server_credentials_from_files(cert, key, ca,
                                               CGRPC_TLS_CLIENT_CERT_REQUIRE_AND_VERIFY, out, err);
  return code;
}

cgrpc_status_code_t shop_tls_channel(const shop_config_t *c, const char *name,
                                     cgrpc_channel_t **out, cgrpc_error_t *err) {
  char key[64];
  snprintf(key, sizeof key, "peer.%s", name);
  const char *address;
  cgrpc_tls_channel_config_t tls = {.server_name_override = name};
  cgrpc_status_code_t code = shop_config_require(c, key, &address, err);
  if (!code) code = shop_config_require(c, "tls.ca", &tls.ca_file, err);
  if (!code) code = shop_config_require(c, "tls.cert", &tls.cert_chain_file, err);
  if (!code) code = shop_config_require(c, "tls.key", &tls.private_key_file, err);
  cgrpc_channel_credentials_t *creds = NULL;
  if (!code) code = cgrpc_channel_credentials_new_tls(&tls, &creds, err);
  if (!code) code = cgrpc_channel_new_secure(address, creds, NULL, out, err);
  cgrpc_channel_credentials_free(creds);
  return code;
}

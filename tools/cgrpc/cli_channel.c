/* tools/cgrpc/cli_channel.c — one channel per run: plaintext by default,
 * TLS (cgrpc/tls.h) when --tls or any certificate flag asks for it. The
 * channel fails fast when it cannot connect, so an unreachable server is
 * UNAVAILABLE within the connect timeout rather than a hang. */
#include <stdio.h>

#include "cli_channel.h"

int cli_channel_open(const cli_args_t *args, const char *address,
                     int64_t default_connect_timeout_ns, cgrpc_channel_t **out) {
  *out = NULL;
  cgrpc_channel_options_t opts;
  cgrpc_channel_options_init(&opts);
  opts.authority = args->authority;
  int64_t connect_timeout =
      args->connect_timeout_ns ? args->connect_timeout_ns : default_connect_timeout_ns;
  if (connect_timeout) opts.connect_timeout_ns = connect_timeout;
  /* A CLI shows whatever the server sends, however large. */
  opts.max_receive_message_size = CGRPC_UNLIMITED;

  cgrpc_error_t err;
  cgrpc_channel_credentials_t *creds = NULL;
  if (args->tls) {
    cgrpc_tls_channel_config_t tls = {
        .ca_file = args->cacert,
        .cert_chain_file = args->cert,
        .private_key_file = args->key,
        .server_name_override = args->servername,
    };
    if (cgrpc_channel_credentials_new_tls(&tls, &creds, &err) != CGRPC_STATUS_OK)
      return cli_fail(CLI_EXIT_FAILURE, "TLS: %s", err.message);
  }
  cgrpc_status_code_t code = cgrpc_channel_new_secure(address, creds, &opts, out, &err);
  cgrpc_channel_credentials_free(creds);
  if (code != CGRPC_STATUS_OK) {
    cgrpc_channel_free(*out);
    *out = NULL;
    return cli_fail(CLI_EXIT_FAILURE, "%s", err.message);
  }
  return CLI_EXIT_OK;
}

/* tools/cgrpc/cli_channel.h — the channel to ADDRESS, with the connection
 * flags (TLS, certificates, authority, connect timeout) applied. */
#ifndef CGRPC_TOOL_CLI_CHANNEL_H
#define CGRPC_TOOL_CLI_CHANNEL_H

#include "cli.h"

/* Opens a channel to `address`. Returns CLI_EXIT_OK with *out set, or
 * CLI_EXIT_FAILURE (a certificate that does not load, a bad address) after
 * saying why. `default_connect_timeout_ns` applies without
 * --connect-timeout (0: the channel's own default). */
int cli_channel_open(const cli_args_t *args, const char *address,
                     int64_t default_connect_timeout_ns, cgrpc_channel_t **out);

#endif /* CGRPC_TOOL_CLI_CHANNEL_H */

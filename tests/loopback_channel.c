/* tests/loopback_channel.c — see loopback_channel.h. */
#include "loopback_channel.h"

#include <stdio.h>

cgrpc_channel_t *test_loopback_channel(int port, const cgrpc_channel_options_t *opts) {
  char target[64];
  snprintf(target, sizeof target, "ipv4:127.0.0.1:%d", port);
  cgrpc_channel_t *ch = NULL;
  cgrpc_error_t err;
  if (cgrpc_channel_new(target, opts, &ch, &err) != CGRPC_STATUS_OK) {
    fprintf(stderr, "  channel to %s: %s\n", target, err.message);
    return NULL;
  }
  return ch;
}

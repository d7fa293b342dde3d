/* tests/loopback_channel.h — a channel to a test peer on 127.0.0.1; shared
 * by the suites that start their own peers (faults, status). */
#ifndef CGRPC_TESTS_LOOPBACK_CHANNEL_H
#define CGRPC_TESTS_LOOPBACK_CHANNEL_H

#include "cgrpc/channel.h"

/* Opens a channel to ipv4:127.0.0.1:port with `opts` (may be NULL); NULL,
 * with a message on stderr, when it cannot be created. */
cgrpc_channel_t *test_loopback_channel(int port, const cgrpc_channel_options_t *opts);

#endif /* CGRPC_TESTS_LOOPBACK_CHANNEL_H */

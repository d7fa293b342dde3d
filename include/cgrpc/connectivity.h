/* cgrpc/connectivity.h — a channel's connectivity state, to read and to
 * wait on (gRPC's connectivity semantics).
 *
 *   IDLE               nothing connected and nothing being connected: the
 *                      next call (or cgrpc_channel_get_state(ch, true))
 *                      resolves the target and connects
 *   CONNECTING         resolving, or connecting to a backend, and none ready
 *   READY              at least one backend the load-balancing policy may
 *                      pick is connected (and, with health checking, SERVING)
 *   TRANSIENT_FAILURE  every backend failed; the channel backs off and tries
 *                      again; calls that do not wait for ready fail at once
 *   SHUTDOWN           the channel is being freed
 *
 * A channel that could not be set up (a bad target or option) stays in
 * TRANSIENT_FAILURE. docs/load-balancing.md shows how the state follows the
 * policy's subchannels.
 */
#ifndef CGRPC_CONNECTIVITY_H
#define CGRPC_CONNECTIVITY_H

#include <stdbool.h>
#include <stdint.h>

#include "cgrpc/call.h"
#include "cgrpc/error.h"
#include "cgrpc/status.h"

#pragma GCC visibility push(default) /* exported: see cgrpc/cgrpc.h */
#ifdef __cplusplus
extern "C" {
#endif

typedef enum cgrpc_connectivity_state {
  CGRPC_CHANNEL_IDLE = 0,
  CGRPC_CHANNEL_CONNECTING = 1,
  CGRPC_CHANNEL_READY = 2,
  CGRPC_CHANNEL_TRANSIENT_FAILURE = 3,
  CGRPC_CHANNEL_SHUTDOWN = 4,
} cgrpc_connectivity_state_t;

/* "IDLE", "CONNECTING", "READY", "TRANSIENT_FAILURE", "SHUTDOWN"; "?" for a
 * value outside the enum. Static strings; any thread. */
const char *cgrpc_connectivity_state_name(cgrpc_connectivity_state_t state);

/* The channel's state now. With try_to_connect, a channel in IDLE starts
 * resolving and connecting (as a call would); the state returned is the one
 * before that started. Never blocks, never fails; any thread, callbacks of
 * this channel included. */
cgrpc_connectivity_state_t cgrpc_channel_get_state(cgrpc_channel_t *ch, bool try_to_connect);

/* Blocks until the channel's state differs from `last_observed` or
 * `deadline` (cgrpc/time.h, CGRPC_INFINITE: no limit) passes. Returns OK
 * with the new state in *new_state (may be NULL), or DEADLINE_EXCEEDED with
 * the unchanged state in *new_state. Any thread except the channel's loop
 * (its callbacks), where it would wait for itself: there it returns
 * FAILED_PRECONDITION at once. Intermediate states may be skipped: the
 * state returned is the latest. */
cgrpc_status_code_t cgrpc_channel_wait_for_state_change(cgrpc_channel_t *ch,
                                                        cgrpc_connectivity_state_t last_observed,
                                                        int64_t deadline,
                                                        cgrpc_connectivity_state_t *new_state,
                                                        cgrpc_error_t *err);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif

#endif /* CGRPC_CONNECTIVITY_H */

/* h2/metadata.h — internal helpers behind cgrpc/metadata.h.
 *
 * The transport fills metadata arrays from received headers, where the
 * checks of cgrpc_metadata_add() do not apply (received values may hold any
 * byte HTTP allows, binary values arrive decoded). These helpers append
 * without checking. Thread-safety: as the arena's.
 */
#ifndef CGRPC_SRC_H2_METADATA_H
#define CGRPC_SRC_H2_METADATA_H

#include <stdbool.h>
#include <stddef.h>

#include "cgrpc/metadata.h"

/* Appends the views as they are (no copy); both must be followed by a NUL
 * byte, as the public header promises. False when the arena refuses. */
bool cgrpc_h2_metadata_append(cgrpc_metadata_t *md, cgrpc_arena_t *arena, cgrpc_str_t key,
                              cgrpc_str_t value);

/* Appends NUL-terminated copies of key and value made in `arena`. */
bool cgrpc_h2_metadata_append_copy(cgrpc_metadata_t *md, cgrpc_arena_t *arena, const void *key,
                                   size_t key_len, const void *value, size_t value_len);

/* True when an application may send `key`: a valid lower-case key that the
 * protocol does not reserve, or one of the pass-through names
 * (grpc-status-details-bin, grpc-previous-rpc-attempts,
 * grpc-retry-pushback-ms). */
bool cgrpc_h2_metadata_key_sendable(const char *key, size_t len);

#endif /* CGRPC_SRC_H2_METADATA_H */

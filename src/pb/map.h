/* pb/map.h — ordering map entries by key.
 *
 * Protobuf maps travel as repeated entry messages (key = field 1, value =
 * field 2). Three places need them in key order: the decoder (to find
 * duplicate keys, where the last one wins), the deterministic encoder, and
 * equality (maps compare as maps, not as lists). Integer keys order
 * numerically, string keys bytewise, false before true.
 */
#ifndef CGRPC_SRC_PB_MAP_H
#define CGRPC_SRC_PB_MAP_H

#include <stddef.h>

#include "cgrpc/pb_table.h"

/* The key field of a map-entry table, or NULL if it has none. */
const cgrpc_pb_field_t *cgrpc_pb_map_key_field(const cgrpc_pb_msg_table_t *entry);

/* Compares the keys of two entries (<0, 0, >0). A NULL entry has the zero
 * key; a NULL key field makes all keys equal. */
int cgrpc_pb_map_key_compare(const void *a, const void *b, const cgrpc_pb_field_t *key);

/* Stores in order[0..n) the indices of entries[0..n) sorted by key; entries
 * with equal keys keep their original order (a stable sort). `scratch` is
 * caller memory for n more indices. O(n log n), no allocation. */
void cgrpc_pb_map_sort(void *const *entries, size_t n, const cgrpc_pb_field_t *key, size_t *order,
                       size_t *scratch);

#endif /* CGRPC_SRC_PB_MAP_H */

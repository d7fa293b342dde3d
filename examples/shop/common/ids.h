/* ids.h — new random ids ("u-3f9c0a1b2c3d4e5f") and the time helpers. */
#ifndef SHOP_IDS_H
#define SHOP_IDS_H

#include <stdint.h>

#include "cgrpc/cgrpc.h"
#include "google/protobuf/timestamp.pb.h"

#define SHOP_ID_MAX 40

/* `prefix` ("u", "p", ...), '-', 16 random hex digits, into `out`. */
void shop_new_id(const char *prefix, char out[SHOP_ID_MAX]);

/* The date now, in Unix milliseconds (what the databases store). */
int64_t shop_now_ms(void);

/* A Timestamp of `unix_ms` in `arena` (NULL when the arena is out). */
google_protobuf_Timestamp *shop_timestamp(cgrpc_arena_t *arena, int64_t unix_ms);

#endif

/* random_message.h — random protobuf messages built by walking their tables.
 *
 * The property and differential tests need many varied messages of every
 * field kind without a hand-written builder per schema. The filler reads only
 * the table (cgrpc/pb_table.h) and the C layout it promises, so it also
 * checks that generated tables and structs agree: a wrong offset shows up as
 * a message that does not survive a round trip.
 *
 * What it produces is canonical, i.e. what a decoder would produce for it:
 * map keys are unique and map entries carry key and value, closed enums hold
 * defined values, strings are valid UTF-8, required fields are set (so are
 * required sub-messages, even past the depth bound), and the optional unknown
 * fields use numbers 900-999, which no test schema declares.
 */
#ifndef CGRPC_TESTS_PB_DIFF_RANDOM_MESSAGE_H
#define CGRPC_TESTS_PB_DIFF_RANDOM_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgrpc/arena.h"
#include "cgrpc/pb_table.h"

/* splitmix64: tiny, seedable, good enough to pick test values. */
typedef struct pbt_rng {
  uint64_t state;
} pbt_rng_t;

void pbt_rng_seed(pbt_rng_t *rng, uint64_t seed);
uint64_t pbt_rng_next(pbt_rng_t *rng);
/* Uniform in [0, n); n > 0. */
uint64_t pbt_rng_below(pbt_rng_t *rng, uint64_t n);
/* True with probability percent / 100. */
bool pbt_rng_chance(pbt_rng_t *rng, unsigned percent);

typedef struct pbt_fill_options {
  int max_depth;       /* sub-messages below the top level (0 = none optional) */
  bool unknown_fields; /* sometimes add unknown fields (numbers 900-999) */
} pbt_fill_options_t;

/* Fills `msg`, which must have been initialised with cgrpc_pb_msg_init()
 * (or come from cgrpc_pb_msg_new()), with random content. Every allocation
 * (strings, arrays, sub-messages, unknown bytes) comes from `arena`, so the
 * message lives as long as the arena. Returns false only when the arena
 * refuses memory. */
bool pbt_fill(pbt_rng_t *rng, void *msg, const cgrpc_pb_msg_table_t *table, cgrpc_arena_t *arena,
              const pbt_fill_options_t *options);

/* Changes exactly one thing in `msg` (a value, a presence, an element count,
 * the oneof case, the unknown bytes), possibly inside a sub-message, so that
 * the message is no longer equal to what it was. Used to check that equality
 * notices every kind of difference. Memory comes from `arena`. Returns false
 * only when the arena refuses. */
bool pbt_perturb(pbt_rng_t *rng, void *msg, const cgrpc_pb_msg_table_t *table,
                 cgrpc_arena_t *arena);

/* The most bytes pbt_random_unknown() writes. */
#define PBT_UNKNOWN_MAX 2048

/* Writes 1-3 random unknown fields (numbers 900-999, every wire type, groups
 * nested up to two levels) to `out`, which has room for PBT_UNKNOWN_MAX
 * bytes. Returns the number of bytes written. */
size_t pbt_random_unknown(pbt_rng_t *rng, uint8_t *out);

/* Nesting levels below `msg` on the wire: every sub-message, group and map
 * entry is one level, and so is every group among the unknown fields. 0 when
 * nothing nests. */
int pbt_message_depth(const void *msg, const cgrpc_pb_msg_table_t *table);

#endif /* CGRPC_TESTS_PB_DIFF_RANDOM_MESSAGE_H */

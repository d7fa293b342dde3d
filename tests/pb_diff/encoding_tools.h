/* encoding_tools.h — looking at encodings from outside the engine: splitting
 * one into its top-level fields, reordering them, and reporting where two
 * encodings first differ.
 *
 * The tests must not trust the decoder they test to take encodings apart, so
 * this is a separate, deliberately simple reader of the wire format.
 */
#ifndef CGRPC_TESTS_PB_DIFF_ENCODING_TOOLS_H
#define CGRPC_TESTS_PB_DIFF_ENCODING_TOOLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgrpc/pb_table.h"
#include "random_message.h"

/* One top-level field of an encoding: its number and where its bytes (tag
 * included, up to and including the end-group tag of a group) are. */
typedef struct pbt_record {
  uint32_t number;
  size_t start;
  size_t len;
} pbt_record_t;

/* Splits buf[0..len) into records, at most `cap` of them. Returns the count,
 * or -1 when the bytes are not a well-formed encoding or there are more than
 * `cap` fields. */
long pbt_split_records(const uint8_t *buf, size_t len, pbt_record_t *out, size_t cap);

/* Writes the `n` records of `buf` to `out` (room for the whole encoding) in a
 * random order that keeps the relative order of records of the same field,
 * and of all fields `table` does not know, since for both the order is data.
 * Every order allowed this way decodes to the same message. */
void pbt_shuffle_records(pbt_rng_t *rng, const uint8_t *buf, const pbt_record_t *records, size_t n,
                         const cgrpc_pb_msg_table_t *table, uint8_t *out);

/* Compares two byte strings. When they differ, prints to stderr the label,
 * both lengths, the first differing offset, and a hex dump of both around it
 * (named `a_name` and `b_name`), and returns false. */
bool pbt_same_bytes(const char *label, const void *a, size_t a_len, const char *a_name,
                    const void *b, size_t b_len, const char *b_name);

#endif /* CGRPC_TESTS_PB_DIFF_ENCODING_TOOLS_H */

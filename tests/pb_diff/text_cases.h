/* text_cases.h — the C half of the protoc text checks.
 *
 * Each case pairs a hand-written text message (text/<name>.txtpb) with two
 * functions written from the same text by hand: one checks, field by field,
 * that cgrpc decoded protoc --encode's bytes to those values; the other builds
 * the same message through the generated structs, for protoc --decode to
 * compare with the reference's own rendering of the text.
 */
#ifndef CGRPC_TESTS_PB_DIFF_TEXT_CASES_H
#define CGRPC_TESTS_PB_DIFF_TEXT_CASES_H

#include "cgrpc/arena.h"
#include "cgrpc/pb_table.h"

typedef struct pbt_text_case {
  const char *name; /* text/<name>.txtpb */
  const cgrpc_pb_msg_table_t *table;
  /* Checks a decoded message; prints each wrong value, returns their count. */
  int (*check)(const void *msg);
  /* Fills an initialised message; all memory from `arena`. */
  void (*build)(void *msg, cgrpc_arena_t *arena);
} pbt_text_case_t;

/* The case with this name, or NULL. */
const pbt_text_case_t *pbt_text_case_find(const char *name);

#endif /* CGRPC_TESTS_PB_DIFF_TEXT_CASES_H */

/* fuzz_pb_decode — arbitrary bytes into the richest test messages.
 *
 * Every input is decoded into pbtest.p3.AllTypes and pbtest.p2.AllTypes2
 * (tests/proto/), once copying strings and once aliasing the input. Some
 * inputs also get a small nesting limit or DISCARD_UNKNOWN, chosen from the
 * input length so a finding replays exactly. The decoder must never crash,
 * read outside the input or leak (ASan and LeakSanitizer watch); it must
 * return OK or one of its error codes; alias and copy decoding must agree;
 * and whatever a decode leaves, even after an error, must encode.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgrpc/pb.h"
#include "pbtest_schemas.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(bool ok, const char *what, const cgrpc_pb_msg_table_t *t, int options) {
  if (ok) return;
  fprintf(stderr, "fuzz_pb_decode: %s (%s, options 0x%x)\n", what, t->full_name, options);
  abort();
}

/* Decodes into a fresh message; returns the code and leaves the message in
 * *out (allocated from `arena`). */
static int decode(const uint8_t *data, size_t size, const cgrpc_pb_msg_table_t *t,
                  cgrpc_arena_t *arena, int options, void **out) {
  void *m = cgrpc_pb_msg_new(t, arena);
  require(m != NULL, "cgrpc_pb_msg_new failed", t, options);
  cgrpc_pb_error_t err = {0};
  int rc = cgrpc_pb_decode(data, size, m, t, arena, options, &err);
  require(rc <= 0 && rc >= CGRPC_PB_ERR_BUFFER_TOO_SMALL, "decode returned an unknown code", t,
          options);
  require(rc == CGRPC_PB_OK || err.code == rc, "err.code differs from the return code", t, options);
  if (rc != CGRPC_PB_OK) {
    /* Formatting reads every part of the error (table, field, detail). */
    char why[256];
    require(cgrpc_pb_error_format(&err, why, sizeof why) > 0 && strlen(why) < sizeof why,
            "the error cannot be formatted", t, options);
  }
  uint8_t *enc;
  size_t enc_len;
  require(
      cgrpc_pb_encode(m, t, arena, CGRPC_PB_ENCODE_PARTIAL, &enc, &enc_len, NULL) == CGRPC_PB_OK,
      "what decode left cannot be encoded", t, options);
  *out = m;
  return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const cgrpc_pb_msg_table_t *const tables[] = {&pbtest_p3_AllTypes_table,
                                                       &pbtest_p2_AllTypes2_table};
  int options = 0;
  if (size % 4 == 0) options |= CGRPC_PB_DECODE_MAX_DEPTH(1 + size % 3);
  if (size % 5 == 0) options |= CGRPC_PB_DECODE_DISCARD_UNKNOWN;
  if (size % 7 == 0) options |= CGRPC_PB_DECODE_PARTIAL;
  for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
    char stack[2048];
    cgrpc_arena_t arena;
    cgrpc_arena_init(&arena, stack, sizeof stack);
    void *copied, *aliased;
    int rc_copy = decode(data, size, tables[i], &arena, options, &copied);
    int rc_alias = decode(data, size, tables[i], &arena, options | CGRPC_PB_DECODE_ALIAS, &aliased);
    require(rc_copy == rc_alias, "alias and copy decoding return different codes", tables[i],
            options);
    require(rc_copy != CGRPC_PB_OK || cgrpc_pb_msg_equal(copied, aliased, tables[i]),
            "alias and copy decoding give different messages", tables[i], options);
    cgrpc_arena_free(&arena);
  }
  return 0;
}

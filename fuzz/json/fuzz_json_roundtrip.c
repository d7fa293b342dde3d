/* fuzz_json_roundtrip — whatever parses must print, and print the same
 * after another parse.
 *
 * For each JSON test message type that accepts the input: print it, parse
 * the printed text, print again. The printing must succeed, the second
 * parse too, the two texts must be identical and the two messages equal
 * (cgrpc_pb_msg_equal). Both the compact and the indented form are checked. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgrpc/pb.h"
#include "fuzz_json_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(bool ok, const char *what, const cgrpc_pb_msg_table_t *t, const char *msg) {
  if (ok) return;
  fprintf(stderr, "fuzz_json_roundtrip: %s (%s): %s\n", what, t->full_name, msg);
  abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  cgrpc_json_options_t o = fuzz_json_options(data, size);
  for (size_t i = 0; i < FUZZ_JSON_TABLES; i++) {
    const cgrpc_pb_msg_table_t *t = fuzz_json_tables[i];
    cgrpc_arena_t arena;
    cgrpc_arena_init(&arena, NULL, 0);
    cgrpc_arena_set_limit(&arena, 64u << 20);
    void *first = cgrpc_pb_msg_new(t, &arena);
    cgrpc_error_t err;
    if (cgrpc_json_decode((const char *)data, size, first, t, &arena, &o, &err) == CGRPC_STATUS_OK) {
      cgrpc_json_options_t po = o;
      po.max_depth = 0;
      po.indent = (size & 1) ? 2 : 0;
      cgrpc_str_t s1, s2;
      require(cgrpc_json_encode(first, t, &po, &arena, &s1, &err) == CGRPC_STATUS_OK,
              "printing a parsed message failed", t, err.message);
      void *second = cgrpc_pb_msg_new(t, &arena);
      cgrpc_json_options_t strict = po;
      strict.flags = 0;
      require(cgrpc_json_decode(s1.data, s1.len, second, t, &arena, &strict, &err) ==
                  CGRPC_STATUS_OK,
              "our own output does not parse", t, err.message);
      require(cgrpc_json_encode(second, t, &po, &arena, &s2, &err) == CGRPC_STATUS_OK,
              "printing the second message failed", t, err.message);
      require(s1.len == s2.len && memcmp(s1.data, s2.data, s1.len) == 0, "the two texts differ", t,
              s1.data);
      require(cgrpc_pb_msg_equal(first, second, t), "parse(print(m)) != m", t, s1.data);
    }
    cgrpc_arena_free(&arena);
  }
  return 0;
}

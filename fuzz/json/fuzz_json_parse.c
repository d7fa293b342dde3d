/* fuzz_json_parse — arbitrary bytes into the JSON parser.
 *
 * Every message type of the JSON test schemas, with options picked by the
 * input's last byte (ignore-unknown, a low depth limit) and a resolver for
 * Any, under a capped arena. The parser must return OK, INVALID_ARGUMENT
 * with a message, or RESOURCE_EXHAUSTED; whatever it left in the message,
 * even after an error, must encode as binary protobuf. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "cgrpc/pb.h"
#include "fuzz_json_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  cgrpc_json_options_t o = fuzz_json_options(data, size);
  for (size_t i = 0; i < FUZZ_JSON_TABLES; i++) {
    const cgrpc_pb_msg_table_t *t = fuzz_json_tables[i];
    char stack[4096];
    cgrpc_arena_t arena;
    cgrpc_arena_init(&arena, stack, sizeof stack);
    cgrpc_arena_set_limit(&arena, 64u << 20);
    void *m = cgrpc_pb_msg_new(t, &arena);
    cgrpc_error_t err;
    cgrpc_status_code_t rc = cgrpc_json_decode((const char *)data, size, m, t, &arena, &o, &err);
    if (rc != CGRPC_STATUS_OK && rc != CGRPC_STATUS_INVALID_ARGUMENT &&
        rc != CGRPC_STATUS_RESOURCE_EXHAUSTED) {
      fprintf(stderr, "fuzz_json_parse: unexpected code %d\n", (int)rc);
      abort();
    }
    if (rc != CGRPC_STATUS_OK && err.message[0] == '\0') {
      fprintf(stderr, "fuzz_json_parse: an error without a message\n");
      abort();
    }
    uint8_t *out;
    size_t len;
    int prc = cgrpc_pb_encode(m, t, &arena, CGRPC_PB_ENCODE_PARTIAL, &out, &len, NULL);
    if (prc != CGRPC_PB_OK && prc != CGRPC_PB_ERR_NO_MEMORY) {
      fprintf(stderr, "fuzz_json_parse: the parsed message does not encode (%d)\n", prc);
      abort();
    }
    cgrpc_arena_free(&arena);
  }
  return 0;
}

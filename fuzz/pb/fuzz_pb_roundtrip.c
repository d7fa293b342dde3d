/* fuzz_pb_roundtrip — whatever decodes must survive encode and decode.
 *
 * For each test message type (tests/proto/) that accepts the input: encode
 * the decoded message, decode that, encode again. The two encodings must be
 * identical byte for byte, the two messages equal (cgrpc_pb_msg_equal), and
 * cgrpc_pb_encoded_size must predict the length. Any difference aborts,
 * which is how libFuzzer learns of it; the message says which step broke.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgrpc/pb.h"
#include "pbtest_schemas.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(bool ok, const char *what, const cgrpc_pb_msg_table_t *t) {
  if (ok) return;
  fprintf(stderr, "fuzz_pb_roundtrip: %s (%s)\n", what, t->full_name);
  abort();
}

static void roundtrip(const uint8_t *data, size_t size, const cgrpc_pb_msg_table_t *t) {
  enum { ENC = CGRPC_PB_ENCODE_PARTIAL | CGRPC_PB_ENCODE_DETERMINISTIC };
  char stack[2048];
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, stack, sizeof stack);
  void *first = cgrpc_pb_msg_new(t, &arena);
  if (cgrpc_pb_decode(data, size, first, t, &arena, CGRPC_PB_DECODE_PARTIAL, NULL) == CGRPC_PB_OK) {
    uint8_t *enc1, *enc2;
    size_t len1, len2;
    require(cgrpc_pb_encode(first, t, &arena, ENC, &enc1, &len1, NULL) == CGRPC_PB_OK,
            "encoding a decoded message failed", t);
    require(cgrpc_pb_encoded_size(first, t, ENC) == len1, "encoded_size differs from encode", t);
    void *second = cgrpc_pb_msg_new(t, &arena);
    require(cgrpc_pb_decode(enc1, len1, second, t, &arena, CGRPC_PB_DECODE_PARTIAL, NULL) ==
                CGRPC_PB_OK,
            "our own encoding does not decode", t);
    require(cgrpc_pb_msg_equal(first, second, t), "decode(encode(m)) != m", t);
    require(cgrpc_pb_encode(second, t, &arena, ENC, &enc2, &len2, NULL) == CGRPC_PB_OK,
            "encoding the second message failed", t);
    require(len1 == len2 && memcmp(enc1, enc2, len1) == 0, "the two encodings differ", t);
  }
  cgrpc_arena_free(&arena);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  for (size_t i = 0; i < pbtest_schema_count; i++) roundtrip(data, size, pbtest_schemas[i]);
  return 0;
}

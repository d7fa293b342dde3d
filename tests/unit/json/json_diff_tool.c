/* json_diff_tool — cgrpc's JSON codec as a filter, for json_reference.py,
 * which compares it with Python protobuf's json_format.
 *
 *   json_diff_tool print   binary jsontest.All records in, JSON out
 *   json_diff_tool parse   JSON records in, binary (deterministic) out
 *
 * Records are a 4-byte little-endian length and that many bytes; each reply
 * is one status byte (0 = OK, 1 = failed, then the error text as the body),
 * a length and the bytes. Any is resolved over the JSON test schemas. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgrpc/json.h"
#include "cgrpc/pb.h"
#include "jsontest/all3.pb.h"

static const cgrpc_pb_file_t *const files[] = {&jsontest_all3_proto_file, NULL};

static void reply(int ok, const void *data, size_t len) {
  uint8_t head[5] = {(uint8_t)(ok ? 0 : 1), (uint8_t)len, (uint8_t)(len >> 8),
                     (uint8_t)(len >> 16), (uint8_t)(len >> 24)};
  fwrite(head, 1, 5, stdout);
  fwrite(data, 1, len, stdout);
}

int main(int argc, char **argv) {
  if (argc != 2 || (strcmp(argv[1], "print") && strcmp(argv[1], "parse"))) {
    fprintf(stderr, "usage: json_diff_tool print|parse < records\n");
    return 2;
  }
  bool print = strcmp(argv[1], "print") == 0;
  cgrpc_json_options_t o = {.resolve = cgrpc_json_resolve_in_files, .resolve_ctx = (void *)files};
  uint8_t head[4];
  while (fread(head, 1, 4, stdin) == 4) {
    size_t len = head[0] | (size_t)head[1] << 8 | (size_t)head[2] << 16 | (size_t)head[3] << 24;
    char *buf = malloc(len ? len : 1);
    if (!buf || fread(buf, 1, len, stdin) != len) return 3;
    cgrpc_arena_t arena;
    cgrpc_arena_init(&arena, NULL, 0);
    jsontest_All *m = jsontest_All_new(&arena);
    cgrpc_error_t err;
    if (print) {
      cgrpc_str_t out;
      if (jsontest_All_decode(buf, len, m, &arena, 0, NULL) != CGRPC_PB_OK) {
        reply(0, "binary does not decode", 22);
      } else if (jsontest_All_to_json(m, &o, &arena, &out, &err) != CGRPC_STATUS_OK) {
        reply(0, err.message, strlen(err.message));
      } else {
        reply(1, out.data, out.len);
      }
    } else {
      uint8_t *out;
      size_t n;
      if (jsontest_All_from_json(buf, len, m, &arena, &o, &err) != CGRPC_STATUS_OK) {
        reply(0, err.message, strlen(err.message));
      } else if (jsontest_All_encode(m, &arena, CGRPC_PB_ENCODE_DETERMINISTIC, &out, &n, NULL) !=
                 CGRPC_PB_OK) {
        reply(0, "encode failed", 13);
      } else {
        reply(1, out, n);
      }
    }
    cgrpc_arena_free(&arena);
    free(buf);
  }
  return 0;
}

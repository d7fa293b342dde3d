/* bench/json/json_cgrpc.c — cgrpc's JSON codec on the bench Person.
 *
 * Decode parses the reference text into bench_Person (strings copied into
 * the arena, which is reset before each call and starts on a stack buffer,
 * so no call touches the heap); encode prints the decoded message. Both
 * results are checked against the reference before anything is timed. */
#include "timer.h" /* first: it sets _POSIX_C_SOURCE */

#include <stdio.h>
#include <string.h>

#include "bench.pb.h"
#include "cgrpc/json.h"
#include "person_json.h"

static cgrpc_arena_t arena;
static bench_Person person;
static const size_t text_len = sizeof bench_person_json - 1;

static int decode(void) {
  cgrpc_arena_reset(&arena, 1);
  bench_Person_init(&person);
  return cgrpc_json_decode(bench_person_json, text_len, &person, &bench_Person_table, &arena,
                           NULL, NULL) != CGRPC_STATUS_OK;
}

static cgrpc_arena_t out_arena;

static int encode(void) {
  cgrpc_str_t out;
  cgrpc_arena_reset(&out_arena, 1);
  return cgrpc_json_encode(&person, &bench_Person_table, NULL, &out_arena, &out, NULL) !=
         CGRPC_STATUS_OK;
}

int main(int argc, char **argv) {
  int batches, ops;
  bench_args(argc, argv, &batches, &ops);
  static char stack[16384], out_stack[4096];
  cgrpc_arena_init(&arena, stack, sizeof stack);
  cgrpc_arena_init(&out_arena, out_stack, sizeof out_stack);
  cgrpc_error_t err;
  bench_Person_init(&person);
  if (cgrpc_json_decode(bench_person_json, text_len, &person, &bench_Person_table, &arena, NULL,
                        &err) != CGRPC_STATUS_OK) {
    fprintf(stderr, "bench json cgrpc: decode: %s\n", err.message);
    return 1;
  }
  cgrpc_str_t out;
  if (cgrpc_json_encode(&person, &bench_Person_table, NULL, &out_arena, &out, &err) !=
          CGRPC_STATUS_OK ||
      out.len != text_len || memcmp(out.data, bench_person_json, text_len) != 0) {
    fprintf(stderr, "bench json cgrpc: the printed text differs from the reference\n");
    return 1;
  }
  if (argc > 1 && strcmp(argv[1], "verify") == 0) return 0;
  printf("cgrpc decode %.1f\n", bench_time(decode, batches, ops));
  decode();
  printf("cgrpc encode %.1f\n", bench_time(encode, batches, ops));
  return 0;
}

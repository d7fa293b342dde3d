/* bench/json/json_cjson.c — cJSON, a general JSON library, on the same text:
 * decode is cJSON_Parse into its own untyped tree (and freeing it), encode
 * is cJSON_PrintUnformatted of that tree. No types are checked and nothing
 * lands in a message, so this is a floor for what parsing JSON costs. */
#include "timer.h" /* first: it sets _POSIX_C_SOURCE */

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "person_json.h"

static cJSON *tree;

static int decode(void) {
  cJSON *t = cJSON_Parse(bench_person_json);
  if (!t) return 1;
  cJSON_Delete(t);
  return 0;
}

static int encode(void) {
  char *s = cJSON_PrintUnformatted(tree);
  if (!s) return 1;
  free(s);
  return 0;
}

int main(int argc, char **argv) {
  int batches, ops;
  bench_args(argc, argv, &batches, &ops);
  tree = cJSON_Parse(bench_person_json);
  if (!tree) {
    fprintf(stderr, "bench json cjson: parse failed\n");
    return 1;
  }
  if (argc > 1 && strcmp(argv[1], "verify") == 0) return 0;
  printf("cjson decode %.1f\n", bench_time(decode, batches, ops));
  printf("cjson encode %.1f\n", bench_time(encode, batches, ops));
  cJSON_Delete(tree);
  return 0;
}

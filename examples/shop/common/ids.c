/* ids.c — see ids.h. */
#define _POSIX_C_SOURCE 200809L
#include "ids.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <time.h>

void shop_new_id(const char *prefix, char out[SHOP_ID_MAX]) {
  uint8_t b[8] = {0};
  if (RAND_bytes(b, sizeof b) != 1) {
    /* Never expected; ids stay unique enough from the clock. */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    for (int i = 0; i < 8; i++) b[i] = (uint8_t)((uint64_t)ts.tv_nsec >> (i * 4));
  }
  snprintf(out, SHOP_ID_MAX, "%s-%02x%02x%02x%02x%02x%02x%02x%02x", prefix, b[0], b[1], b[2], b[3],
           b[4], b[5], b[6], b[7]);
}

int64_t shop_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

google_protobuf_Timestamp *shop_timestamp(cgrpc_arena_t *arena, int64_t unix_ms) {
  google_protobuf_Timestamp *t = google_protobuf_Timestamp_new(arena);
  if (!t) return NULL;
  t->seconds = unix_ms / 1000;
  t->nanos = (int32_t)(unix_ms % 1000) * 1000000;
  return t;
}

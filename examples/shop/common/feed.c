/* feed.c — see feed.h. */
#define _POSIX_C_SOURCE 200809L
#include "feed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void shop_feed_init(shop_feed_t *f) {
  memset(f, 0, sizeof *f);
  pthread_mutex_init(&f->mu, NULL);
  pthread_condattr_t attr;
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  pthread_cond_init(&f->cv, &attr);
  pthread_condattr_destroy(&attr);
  f->next_seq = 1;
}

void shop_feed_destroy(shop_feed_t *f) {
  for (size_t i = 0; i < SHOP_FEED_SIZE; i++) free(f->ring[i].data);
  pthread_cond_destroy(&f->cv);
  pthread_mutex_destroy(&f->mu);
}

void shop_feed_publish(shop_feed_t *f, const char *key, const cgrpc_pb_msg_table_t *table,
                       const void *msg) {
  size_t len = cgrpc_pb_encoded_size(msg, table, 0), written = 0;
  uint8_t *data = malloc(len ? len : 1);
  if (!data || cgrpc_pb_encode_to(msg, table, data, len, 0, &written, NULL) != CGRPC_PB_OK ||
      written != len) {
    free(data);
    return; /* watchers re-read the state; one lost event is not fatal */
  }
  pthread_mutex_lock(&f->mu);
  shop_feed_event_t *e = &f->ring[f->next_seq % SHOP_FEED_SIZE];
  free(e->data);
  e->seq = f->next_seq++;
  snprintf(e->key, sizeof e->key, "%s", key);
  e->data = data;
  e->len = len;
  pthread_cond_broadcast(&f->cv);
  pthread_mutex_unlock(&f->mu);
}

uint64_t shop_feed_cursor(shop_feed_t *f) {
  pthread_mutex_lock(&f->mu);
  uint64_t c = f->next_seq - 1;
  pthread_mutex_unlock(&f->mu);
  return c;
}

bool shop_feed_next(shop_feed_t *f, uint64_t *cursor, int64_t timeout_ns,
                    const cgrpc_pb_msg_table_t *table, void *msg, cgrpc_arena_t *arena,
                    char key[SHOP_FEED_KEY_MAX]) {
  struct timespec until;
  clock_gettime(CLOCK_MONOTONIC, &until);
  until.tv_sec += timeout_ns / CGRPC_NS_PER_SEC;
  until.tv_nsec += timeout_ns % CGRPC_NS_PER_SEC;
  if (until.tv_nsec >= CGRPC_NS_PER_SEC) {
    until.tv_sec++;
    until.tv_nsec -= CGRPC_NS_PER_SEC;
  }
  pthread_mutex_lock(&f->mu);
  while (f->next_seq - 1 <= *cursor) {
    if (pthread_cond_timedwait(&f->cv, &f->mu, &until) != 0 && f->next_seq - 1 <= *cursor) {
      pthread_mutex_unlock(&f->mu);
      return false;
    }
  }
  uint64_t oldest = f->next_seq > SHOP_FEED_SIZE ? f->next_seq - SHOP_FEED_SIZE : 1;
  uint64_t seq = *cursor + 1 < oldest ? oldest : *cursor + 1;
  const shop_feed_event_t *e = &f->ring[seq % SHOP_FEED_SIZE];
  memcpy(key, e->key, SHOP_FEED_KEY_MAX);
  cgrpc_pb_msg_init(msg, table); /* decoding merges into what is there */
  int rc = cgrpc_pb_decode(e->data, e->len, msg, table, arena, 0, NULL);
  *cursor = seq;
  pthread_mutex_unlock(&f->mu);
  return rc == 0;
}

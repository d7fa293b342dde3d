/* feed.h — the events behind the Watch methods, inside one process: a
 * ring of the last SHOP_FEED_SIZE events (a key and a serialized message),
 * a sequence number per event, and a condition variable that wakes the
 * watchers. A watcher that falls more than the ring behind skips to the
 * oldest event kept (it then may miss some; watchers re-read the current
 * state first, so they stay right). */
#ifndef SHOP_FEED_H
#define SHOP_FEED_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "cgrpc/cgrpc.h"

#define SHOP_FEED_SIZE 256
#define SHOP_FEED_KEY_MAX 64

typedef struct shop_feed_event {
  uint64_t seq;
  char key[SHOP_FEED_KEY_MAX];
  uint8_t *data;
  size_t len;
} shop_feed_event_t;

typedef struct shop_feed {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  uint64_t next_seq; /* the seq the next event gets; starts at 1 */
  shop_feed_event_t ring[SHOP_FEED_SIZE];
} shop_feed_t;

void shop_feed_init(shop_feed_t *f);
void shop_feed_destroy(shop_feed_t *f);

/* Appends an event: `msg` of `table` serialized, under `key`. */
void shop_feed_publish(shop_feed_t *f, const char *key, const cgrpc_pb_msg_table_t *table,
                       const void *msg);

/* Where a new watcher starts: only events published after this. */
uint64_t shop_feed_cursor(shop_feed_t *f);

/* Waits up to `timeout_ns` for an event after *cursor; true with its key
 * copied and its message decoded into `msg` (of `table`, memory from
 * `arena`), and *cursor advanced; false on timeout. */
bool shop_feed_next(shop_feed_t *f, uint64_t *cursor, int64_t timeout_ns,
                    const cgrpc_pb_msg_table_t *table, void *msg, cgrpc_arena_t *arena,
                    char key[SHOP_FEED_KEY_MAX]);

#endif

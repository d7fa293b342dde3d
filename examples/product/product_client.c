/* product_client — looks products up with the shop's GetProduct and says
 * what it found.
 *
 *   product_client [--async] TARGET ID...
 *
 * By default it calls once per id, one after the other, with the blocking
 * stub. With --async it starts every lookup at once with the callback stub
 * and prints the answers, in the order of the ids, when all have arrived.
 * Exit status: 0 when every product was found, 1 when some was not (the
 * server said NOT_FOUND), 2 on any other failure.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cgrpc/channel.h"
#include "product.pb.h"

/* The lookups still running with --async: callbacks run on the channel's
 * thread, main waits on `all_done`. */
typedef struct pending {
  pthread_mutex_t mu;
  pthread_cond_t all_done;
  size_t count;
} pending_t;

/* One lookup: the request, and what came back. Its arena holds the
 * response and the status message. */
typedef struct lookup {
  shop_GetProductRequest request;
  shop_Product product;
  cgrpc_arena_t arena;
  cgrpc_status_code_t code;
  cgrpc_str_t message;
  pending_t *pending; /* with --async */
} lookup_t;

static void lookup_init(lookup_t *l, const char *id) {
  shop_GetProductRequest_init(&l->request);
  l->request.id = (cgrpc_str_t){id, strlen(id)};
  cgrpc_arena_init(&l->arena, NULL, 0);
}

static void print_product(const shop_Product *p) {
  printf("%.*s: %.*s, ", (int)p->id.len, p->id.data, (int)p->name.len, p->name.data);
  if (p->price) {
    printf("%lld.%02d %.*s", (long long)p->price->units, (int)(p->price->nanos / 10000000),
           (int)p->price->currency.len, p->price->currency.data);
  } else {
    printf("no price");
  }
  printf(", %d in stock\n", (int)p->stock);
  printf("    %.*s\n", (int)p->description.len, p->description.data);
  if (p->tags.count) {
    printf("    tags:");
    for (size_t i = 0; i < p->tags.count; i++) {
      printf("%s %.*s", i ? "," : "", (int)p->tags.data[i].len, p->tags.data[i].data);
    }
    printf("\n");
  }
  for (size_t i = 0; i < p->attributes.count; i++) {
    const shop_Product_AttributesEntry *a = p->attributes.data[i];
    printf("    %.*s: %.*s\n", (int)a->key.len, a->key.data, (int)a->value.len, a->value.data);
  }
}

/* Prints the outcome of one lookup in plain words; returns the exit status
 * it calls for. */
static int report(const lookup_t *l) {
  const cgrpc_str_t *id = &l->request.id;
  switch (l->code) {
    case CGRPC_STATUS_OK:
      print_product(&l->product);
      return 0;
    case CGRPC_STATUS_NOT_FOUND:
      printf("%.*s: not found (the server says: %.*s)\n", (int)id->len, id->data,
             (int)l->message.len, l->message.data);
      return 1;
    default:
      printf("%.*s: the lookup failed: %s: %.*s\n", (int)id->len, id->data,
             cgrpc_status_code_name(l->code), (int)l->message.len, l->message.data);
      return 2;
  }
}

/* ---- With callbacks ---------------------------------------------------------------------- */

static void on_answer(void *user_data, const cgrpc_status_t *status) {
  lookup_t *l = user_data;
  l->code = status->code;
  l->message = status->message; /* in the lookup's arena */
  pthread_mutex_lock(&l->pending->mu);
  if (--l->pending->count == 0) pthread_cond_signal(&l->pending->all_done);
  pthread_mutex_unlock(&l->pending->mu);
}

/* Starts every lookup, then waits until all have been answered. */
static void lookup_all_async(cgrpc_channel_t *ch, lookup_t *lookups, size_t n,
                             const cgrpc_call_options_t *options) {
  pending_t pending = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, n};
  for (size_t i = 0; i < n; i++) {
    lookup_t *l = &lookups[i];
    l->pending = &pending;
    shop_ProductService_GetProduct_async(ch, &l->request, &l->product, &l->arena, options,
                                         on_answer, l);
  }
  pthread_mutex_lock(&pending.mu);
  while (pending.count > 0) pthread_cond_wait(&pending.all_done, &pending.mu);
  pthread_mutex_unlock(&pending.mu);
}

/* ---- main ------------------------------------------------------------------------------ */

int main(int argc, char **argv) {
  int first = 1;
  bool async = argc > 1 && strcmp(argv[1], "--async") == 0;
  if (async) first++;
  if (argc - first < 2) {
    fprintf(stderr, "usage: %s [--async] TARGET ID...\n", argv[0]);
    return 2;
  }
  const char *target = argv[first];
  char **ids = &argv[first + 1];
  size_t n = (size_t)(argc - first - 1);

  cgrpc_channel_t *ch;
  cgrpc_error_t err;
  if (cgrpc_channel_new(target, NULL, &ch, &err) != CGRPC_STATUS_OK) {
    fprintf(stderr, "product_client: %s\n", err.message);
    return 2;
  }
  /* Every call gets 5 s; then it ends with DEADLINE_EXCEEDED. */
  cgrpc_call_options_t options = {.timeout_ns = 5 * CGRPC_NS_PER_SEC};

  /* The lookups themselves live in an arena too: one free at the end. */
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  lookup_t *lookups = cgrpc_arena_calloc(&arena, n * sizeof(*lookups));
  if (!lookups) {
    fprintf(stderr, "product_client: out of memory\n");
    cgrpc_channel_free(ch);
    return 2;
  }
  for (size_t i = 0; i < n; i++) lookup_init(&lookups[i], ids[i]);

  if (async) {
    lookup_all_async(ch, lookups, n, &options);
  } else {
    for (size_t i = 0; i < n; i++) {
      lookup_t *l = &lookups[i];
      cgrpc_status_t status;
      l->code = shop_ProductService_GetProduct_into(ch, &l->request, &l->product, &l->arena, &options,
                                               &status);
      l->message = status.message;
    }
  }

  int rc = 0;
  for (size_t i = 0; i < n; i++) {
    int outcome = report(&lookups[i]);
    if (outcome > rc) rc = outcome;
    cgrpc_arena_free(&lookups[i].arena);
  }
  cgrpc_arena_free(&arena);
  cgrpc_channel_free(ch);
  return rc;
}

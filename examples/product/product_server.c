/* product_server — the shop's product service: GetProduct over a small
 * catalogue kept in memory (a real database comes later).
 *
 *   product_server [ADDRESS]    default 127.0.0.1:50051; port 0 picks a free port
 *
 * It prints the address it listens on, serves until Ctrl-C or SIGTERM, then
 * shuts down gracefully. GetProduct answers with the product, NOT_FOUND for
 * an id the catalogue does not have, INVALID_ARGUMENT for an empty id.
 */
#include <stdio.h>
#include <string.h>

#include "cgrpc/health.h"
#include "cgrpc/reflection.h"
#include "product.pb.h"

/* ---- The catalogue --------------------------------------------------------------------- */

/* One product as the shop describes it; the catalogue turns each into a
 * shop.Product message once, at start-up. */
typedef struct item {
  const char *id, *name, *description;
  const char *currency;
  int64_t units;
  int32_t nanos;
  int32_t stock;
  const char *tags[3];      /* up to the first NULL */
  const char *attribute[2]; /* one key and value, or NULLs */
} item_t;

static const item_t kItems[] = {
    {"sku-1042",
     "Noise-cancelling headphones",
     "Over-ear, 30 h battery, USB-C",
     "EUR",
     129,
     900000000,
     17,
     {"audio", "wireless"},
     {"colour", "graphite"}},
    {"sku-2077",
     "Mechanical keyboard",
     "Hot-swappable switches, aluminium case",
     "EUR",
     89,
     500000000,
     4,
     {"input"},
     {"layout", "ISO-DE"}},
    {"sku-3300",
     "USB-C cable",
     "2 m, braided, 100 W",
     "EUR",
     12,
     0,
     250,
     {"cables", "usb"},
     {NULL, NULL}},
};
#define ITEM_COUNT (sizeof(kItems) / sizeof(kItems[0]))

typedef struct catalogue {
  cgrpc_arena_t arena; /* every message below */
  shop_Product *products[ITEM_COUNT];
} catalogue_t;

/* Builds the message of one item in `arena`; strings point at the item's.
 * Returns NULL when the arena runs out of memory. */
static shop_Product *product_new(const item_t *item, cgrpc_arena_t *arena) {
  shop_Product *p = shop_Product_new(arena);
  shop_Money *price = shop_Money_new(arena);
  size_t tag_max = sizeof(item->tags) / sizeof(item->tags[0]);
  cgrpc_str_t *tags = cgrpc_arena_alloc(arena, tag_max * sizeof(cgrpc_str_t));
  if (!p || !price || !tags) return NULL;

  p->id = cgrpc_str(item->id);
  p->name = cgrpc_str(item->name);
  p->description = cgrpc_str(item->description);
  price->currency = cgrpc_str(item->currency);
  price->units = item->units;
  price->nanos = item->nanos;
  p->price = price;
  p->stock = item->stock;
  p->tags.data = tags;
  for (size_t i = 0; i < tag_max && item->tags[i]; i++)
    tags[p->tags.count++] = cgrpc_str(item->tags[i]);
  /* map<string, string> attributes: the generated accessors insert or
   * replace by key. */
  if (item->attribute[0] &&
      shop_Product_attributes_put(p, cgrpc_str(item->attribute[0]), cgrpc_str(item->attribute[1]),
                                  arena) != CGRPC_PB_OK) {
    return NULL;
  }
  return p;
}

static bool catalogue_load(catalogue_t *c) {
  cgrpc_arena_init(&c->arena, NULL, 0);
  for (size_t i = 0; i < ITEM_COUNT; i++) {
    c->products[i] = product_new(&kItems[i], &c->arena);
    if (!c->products[i]) return false;
  }
  return true;
}

/* The product with this id, or NULL. Read-only, so any number of handlers
 * may look up at once. */
static const shop_Product *catalogue_find(const catalogue_t *c, cgrpc_str_t id) {
  for (size_t i = 0; i < ITEM_COUNT; i++) {
    const shop_Product *p = c->products[i];
    if (p->id.len == id.len && memcmp(p->id.data, id.data, id.len) == 0) return p;
  }
  return NULL;
}

/* ---- The service ----------------------------------------------------------------------- */

/* rpc GetProduct(GetProductRequest) returns (Product). A lookup in memory
 * never waits, so it is registered to run inline on the connection's
 * thread; once it queries a database it must run on the worker pool
 * (CGRPC_HANDLER_BLOCKING) instead. */
static void get_product(cgrpc_server_call_t *call, const shop_GetProductRequest *request,
                        void *user_data) {
  const catalogue_t *catalogue = user_data;
  if (request->id.len == 0) {
    cgrpc_server_call_finish(call, CGRPC_STATUS_INVALID_ARGUMENT, "the request has no product id",
                             NULL);
    return;
  }
  const shop_Product *product = catalogue_find(catalogue, request->id);
  if (!product) {
    cgrpc_server_call_finishf(call, CGRPC_STATUS_NOT_FOUND, "product \"%.*s\" not found",
                              CGRPC_STR_ARGS(request->id));
    return;
  }
  shop_ProductService_GetProduct_reply(call, product);
}

int main(int argc, char **argv) {
  static catalogue_t catalogue;
  if (!catalogue_load(&catalogue)) {
    fprintf(stderr, "product_server: out of memory loading the catalogue\n");
    return 1;
  }
  /* The handlers must outlive the server: static. user_data reaches every
   * handler. */
  static shop_ProductService_handlers service = {.GetProduct = get_product};
  service.user_data = &catalogue;

  cgrpc_server_t *srv = NULL;
  cgrpc_error_t err;
  cgrpc_status_code_t code = cgrpc_server_new(NULL, &srv, &err);
  if (!code) code = cgrpc_server_listen(srv, argc > 1 ? argv[1] : "127.0.0.1:50051", NULL, &err);
  if (!code) code = shop_ProductService_register(srv, &service, CGRPC_HANDLER_INLINE, &err);
  /* The standard health service (Kubernetes gRPC probes; graceful shutdown
   * turns it NOT_SERVING first) and server reflection (`cgrpc list`,
   * `buf curl --list-services`, grpcurl). */
  if (!code) code = cgrpc_server_enable_health(srv, NULL, &err);
  if (!code) code = cgrpc_server_enable_reflection(srv, NULL, &err);
  if (!code) {
    printf("product server listening on %s\n", cgrpc_server_listen_address(srv, 0));
    fflush(stdout);
    /* Until Ctrl-C or SIGTERM; then calls in flight get up to 5 s. */
    code = cgrpc_server_run(srv, 5 * CGRPC_NS_PER_SEC, &err);
  }
  if (code) {
    fprintf(stderr, "product_server: %s\n", err.message);
  } else {
    printf("product server stopped\n");
  }
  cgrpc_server_free(srv);
  cgrpc_arena_free(&catalogue.arena);
  return code ? 1 : 0;
}

/* shop-load — calls from many threads at once for a while, then reports
 * calls per second and their latency (p50, p99).
 *
 *   shop-load -t TOKEN_FILE CONFIG orders [THREADS [SECONDS [PRODUCT_ID]]]
 *   shop-load -t TOKEN_FILE CONFIG get-product [THREADS [SECONDS [PRODUCT_ID]]]
 *
 * orders: CreateOrder, each order four calls from the order service (user,
 * product, inventory, payment) and three SQLite transactions that commit
 * with synchronous=FULL; the product's stock is set high first (SetStock),
 * so orders fail only for real reasons. get-product: GetProduct on
 * peer.product, one SQLite lookup (bench/compare_python.sh points it at
 * the Python service too). Defaults: 8 threads, 10 s, sku-3300. The count
 * of each failure code is printed; the exit status is 1 when no call
 * succeeded. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "ids.h"
#include "inventory/v1/inventory.pb.h"
#include "order/v1/order.pb.h"
#include "product/v1/product.pb.h"
#include "tls_setup.h"
#include "token.h"

#define MAX_THREADS 256
#define MAX_SAMPLES (1u << 20)

typedef struct worker {
  pthread_t thread;
  cgrpc_channel_t *ch;
  const char *product;
  bool get_product; /* else CreateOrder */
  int64_t until;
  int64_t *latencies; /* ns, one per OK order */
  size_t count;
  int codes[17];
} worker_t;

static cgrpc_metadata_t g_md = CGRPC_METADATA_INIT;

static void *run(void *arg) {
  worker_t *w = arg;
  while (cgrpc_clock_now() < w->until && w->count < MAX_SAMPLES) {
    char rid[SHOP_ID_MAX];
    shop_new_id("bench", rid);
    order_v1_CreateOrderRequest req = {
        .request_id = cgrpc_str(rid), .product_id = cgrpc_str(w->product), .quantity = 1};
    product_v1_GetProductRequest get = {.id = cgrpc_str(w->product)};
    cgrpc_call_options_t opts = {.timeout_ns = 10 * CGRPC_NS_PER_SEC, .metadata = &g_md};
    int64_t start = cgrpc_clock_now();
    cgrpc_result_t *r = w->get_product ? product_v1_ProductService_GetProduct(w->ch, &get, &opts)
                                       : order_v1_OrderService_CreateOrder(w->ch, &req, &opts);
    int64_t took = cgrpc_clock_now() - start;
    cgrpc_status_code_t code = cgrpc_result_code(r);
    cgrpc_result_free(r);
    w->codes[code <= 16 ? code : 2]++;
    if (code == CGRPC_STATUS_OK) w->latencies[w->count++] = took;
  }
  return NULL;
}

static int compare(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  if (argc < 5 || strcmp(argv[1], "-t") != 0 ||
      (strcmp(argv[4], "orders") != 0 && strcmp(argv[4], "get-product") != 0)) {
    fprintf(stderr,
            "usage: shop-load -t TOKEN_FILE CONFIG orders|get-product [THREADS [SECONDS "
            "[PRODUCT_ID]]]\n");
    return 2;
  }
  bool get_product = strcmp(argv[4], "get-product") == 0;
  const char *target = get_product ? "product" : "order";
  static char token[SHOP_TOKEN_MAX];
  FILE *f = fopen(argv[2], "r");
  if (!f || !fgets(token, sizeof token, f)) {
    fprintf(stderr, "shop-load: cannot read %s\n", argv[2]);
    return 2;
  }
  fclose(f);
  token[strcspn(token, "\r\n")] = '\0';
  int threads = argc > 5 ? atoi(argv[5]) : 8;
  double seconds = argc > 6 ? atof(argv[6]) : 10;
  const char *product = argc > 7 ? argv[7] : "sku-3300";
  if (threads < 1 || threads > MAX_THREADS || seconds <= 0) {
    fprintf(stderr, "shop-load: 1 to %d threads, a positive number of seconds\n", MAX_THREADS);
    return 2;
  }
  shop_config_t *config;
  cgrpc_error_t err;
  cgrpc_channel_t *inventory = NULL;
  cgrpc_call_credentials_t creds = cgrpc_call_credentials_bearer(token);
  if (shop_config_load(argv[3], &config, &err)) {
    fprintf(stderr, "shop-load: %s\n", err.message);
    return 2;
  }
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  cgrpc_metadata_add_str(&g_md, &arena, "x-request-id", "shop-load");
  if (!get_product) {
    if (shop_tls_channel(config, "inventory", &inventory, &err) ||
        cgrpc_channel_set_call_credentials(inventory, &creds, &err)) {
      fprintf(stderr, "shop-load: %s\n", err.message);
      return 2;
    }
    inventory_v1_SetStockRequest stock = {.product_id = cgrpc_str(product),
                                          .available = 1000000000};
    cgrpc_result_t *r = inventory_v1_InventoryService_SetStock(inventory, &stock, NULL);
    if (cgrpc_result_code(r) != CGRPC_STATUS_OK) {
      fprintf(stderr, "shop-load: SetStock: %s\n", cgrpc_result_error(r));
      return 1;
    }
    cgrpc_result_free(r);
  }

  /* One channel (one connection) per thread: the load spreads over the
   * order service's connections as many clients' would. */
  static worker_t workers[MAX_THREADS];
  int64_t start = cgrpc_clock_now();
  int64_t until = start + (int64_t)(seconds * CGRPC_NS_PER_SEC);
  for (int i = 0; i < threads; i++) {
    workers[i].product = product;
    workers[i].get_product = get_product;
    workers[i].until = until;
    workers[i].latencies = malloc(MAX_SAMPLES * sizeof(int64_t));
    if (!workers[i].latencies || shop_tls_channel(config, target, &workers[i].ch, &err) ||
        cgrpc_channel_set_call_credentials(workers[i].ch, &creds, &err) ||
        pthread_create(&workers[i].thread, NULL, run, &workers[i]) != 0) {
      fprintf(stderr, "shop-load: cannot start thread %d\n", i);
      return 1;
    }
  }
  size_t total = 0;
  int codes[17] = {0};
  for (int i = 0; i < threads; i++) {
    pthread_join(workers[i].thread, NULL);
    total += workers[i].count;
    for (int c = 0; c <= 16; c++) codes[c] += workers[i].codes[c];
  }
  double elapsed = (double)(cgrpc_clock_now() - start) / CGRPC_NS_PER_SEC;
  int64_t *all = malloc((total ? total : 1) * sizeof *all);
  size_t n = 0;
  for (int i = 0; i < threads; i++) {
    memcpy(all + n, workers[i].latencies, workers[i].count * sizeof *all);
    n += workers[i].count;
    free(workers[i].latencies);
    cgrpc_channel_free(workers[i].ch);
  }
  qsort(all, n, sizeof *all, compare);
  const char *what = get_product ? "GetProduct" : "CreateOrder";
  printf("%s: %zu calls in %.1f s from %d threads: %.1f calls/s", what, total, elapsed, threads,
         (double)total / elapsed);
  if (n)
    printf(", p50 %.2f ms, p99 %.2f ms", (double)all[n / 2] / 1e6, (double)all[n * 99 / 100] / 1e6);
  printf("\n");
  for (int c = 1; c <= 16; c++)
    if (codes[c])
      printf("failed %s: %d\n", cgrpc_status_code_name((cgrpc_status_code_t)c), codes[c]);
  free(all);
  cgrpc_channel_free(inventory);
  shop_config_free(config);
  cgrpc_arena_free(&arena);
  return codes[0] == 0 ? 1 : 0;
}

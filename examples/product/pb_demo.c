/* product_pb_demo — protobuf with cgrpc in a few lines: build a shop.Product,
 * encode it, decode it back, print it.
 *
 *   product_pb_demo encode FILE   writes a sample product, binary, to FILE
 *   product_pb_demo decode FILE   reads a binary product from FILE and prints it
 *
 * The demo script (scripts/demo.sh) pairs this with `protoc --decode` and
 * `protoc --encode` to show the reference implementation reads what we write
 * and we read what it writes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgrpc/pb.h"
#include "product.pb.h"

static int write_file(const char *path, const uint8_t *data, size_t len) {
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
    perror(path);
    return -1;
  }
  return 0;
}

/* Reads a whole file into the arena. */
static uint8_t *read_file(const char *path, cgrpc_arena_t *arena, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    perror(path);
    return NULL;
  }
  size_t cap = 4096, n = 0;
  uint8_t *buf = cgrpc_arena_alloc(arena, cap);
  size_t got;
  while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
    n += got;
    if (n == cap) {
      buf = cgrpc_arena_realloc(arena, buf, cap, cap * 2);
      cap *= 2;
    }
  }
  fclose(f);
  *len = n;
  return buf;
}

static int encode_sample(const char *path) {
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);

  shop_Money price = shop_Money_INIT;
  price.currency = CGRPC_STR("EUR");
  price.units = 129;
  price.nanos = 900000000;

  static cgrpc_str_t tags[] = {CGRPC_STR("audio"), CGRPC_STR("wireless")};

  shop_Product product = shop_Product_INIT;
  product.id = CGRPC_STR("sku-1042");
  product.name = CGRPC_STR("Noise-cancelling headphones");
  product.description = CGRPC_STR("Over-ear, 30 h battery, USB-C");
  product.price = &price;
  product.stock = 17;
  product.tags.data = tags;
  product.tags.count = 2;
  /* A map field: put inserts or replaces by key, memory from the arena. */
  if (shop_Product_attributes_put(&product, CGRPC_STR("colour"), CGRPC_STR("graphite"), &arena) !=
      CGRPC_PB_OK) {
    fprintf(stderr, "pb_demo: out of memory\n");
    return 1;
  }

  uint8_t *bytes;
  size_t len;
  cgrpc_pb_error_t err;
  if (shop_Product_encode(&product, &arena, CGRPC_PB_ENCODE_DETERMINISTIC, &bytes, &len, &err) !=
      0) {
    char msg[256];
    cgrpc_pb_error_format(&err, msg, sizeof msg);
    fprintf(stderr, "encode failed: %s\n", msg);
    cgrpc_arena_free(&arena);
    return 1;
  }
  printf("encoded shop.Product: %zu bytes:", len);
  for (size_t i = 0; i < len; i++) printf("%s%02x", i % 24 == 0 ? "\n  " : " ", bytes[i]);
  printf("\n");
  int rc = write_file(path, bytes, len) == 0 ? 0 : 1;
  cgrpc_arena_free(&arena);
  return rc;
}

static void print_str(const char *label, cgrpc_str_t s) {
  printf("  %-12s %.*s\n", label, (int)s.len, s.data);
}

static int decode_and_print(const char *path) {
  /* Small messages decode without touching the heap: the arena starts on
   * this stack buffer and only grows if the message needs more. */
  char stack[8192];
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, stack, sizeof stack);
  size_t len;
  uint8_t *bytes = read_file(path, &arena, &len);
  if (!bytes) {
    cgrpc_arena_free(&arena);
    return 1;
  }
  shop_Product product = shop_Product_INIT;
  cgrpc_pb_error_t err;
  if (shop_Product_decode(bytes, len, &product, &arena, CGRPC_PB_DECODE_ALIAS, &err) != 0) {
    char msg[256];
    cgrpc_pb_error_format(&err, msg, sizeof msg);
    fprintf(stderr, "decode failed: %s\n", msg);
    cgrpc_arena_free(&arena);
    return 1;
  }
  printf("decoded shop.Product (%zu bytes):\n", len);
  print_str("id", product.id);
  print_str("name", product.name);
  print_str("description", product.description);
  if (product.price) {
    printf("  %-12s %lld.%02d %.*s\n", "price", (long long)product.price->units,
           product.price->nanos / 10000000, (int)product.price->currency.len,
           product.price->currency.data);
  }
  printf("  %-12s %d\n", "stock", product.stock);
  for (size_t i = 0; i < product.tags.count; i++) print_str("tag", product.tags.data[i]);
  for (size_t i = 0; i < product.attributes.count; i++) {
    const shop_Product_AttributesEntry *e = product.attributes.data[i];
    printf("  %-12s %.*s = %.*s\n", "attribute", (int)e->key.len, e->key.data, (int)e->value.len,
           e->value.data);
  }
  printf("  (arena used %zu heap bytes)\n", cgrpc_arena_heap_bytes(&arena));
  cgrpc_arena_free(&arena);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "encode") == 0) return encode_sample(argv[2]);
  if (argc == 3 && strcmp(argv[1], "decode") == 0) return decode_and_print(argv[2]);
  fprintf(stderr, "usage: %s encode|decode FILE\n", argv[0]);
  return 2;
}

/* shop-product — the catalogue: products with a category and a price.
 *
 *   shop-product CONFIG_FILE     (see common/service_main.h for the keys)
 *
 * Database: products(id, name, description, category, price_cents,
 * currency, created_ms, updated_ms). synchronous=NORMAL: in WAL mode a
 * power cut may lose the last commits but never corrupts the file, and a
 * product created or repriced a moment before a crash is re-entered by
 * the person who did it; nothing is charged on the strength of it.
 *
 * Every method needs a signed-in user (a shop token). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feed.h"
#include "product/v1/product.pb.h"
#include "service_main.h"

#define MAX_PAGE 1000
#define DEFAULT_PAGE 50
#define MAX_BATCH 1000
#define MAX_WATCHED 64

static const char *const kMigrations[] = {
    "CREATE TABLE products (id TEXT PRIMARY KEY, name TEXT NOT NULL, description TEXT NOT NULL,"
    " category TEXT NOT NULL, price_cents INTEGER NOT NULL CHECK (price_cents >= 0),"
    " currency TEXT NOT NULL, created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL);"
    "CREATE INDEX products_by_category ON products (category, id);",
    /* The catalogue a new shop opens with. */
    "INSERT INTO products VALUES"
    " ('sku-1042', 'Noise-cancelling headphones', 'Over-ear, 30 h battery, USB-C', 'audio',"
    "  12990, 'EUR', 0, 0),"
    " ('sku-2077', 'Mechanical keyboard', 'Hot-swappable switches, aluminium case', 'input',"
    "  8950, 'EUR', 0, 0),"
    " ('sku-3300', 'USB-C cable', '2 m, braided, 100 W', 'cables', 1200, 'EUR', 0, 0);",
    NULL};

typedef struct product_state {
  shop_feed_t prices; /* PriceUpdate by product id */
} product_state_t;

static product_v1_Product *row_to_product(sqlite3_stmt *st, cgrpc_arena_t *arena) {
  product_v1_Product *p = product_v1_Product_new(arena);
  if (!p) return NULL;
  p->id = shop_column_str(st, 0, arena);
  p->name = shop_column_str(st, 1, arena);
  p->description = shop_column_str(st, 2, arena);
  p->category = shop_column_str(st, 3, arena);
  p->price_cents = sqlite3_column_int64(st, 4);
  p->currency = shop_column_str(st, 5, arena);
  p->created_at = shop_timestamp(arena, sqlite3_column_int64(st, 6));
  p->updated_at = shop_timestamp(arena, sqlite3_column_int64(st, 7));
  return p;
}

/* Loads one product; *found says whether it exists. false on a database
 * error. */
static bool load_product(shop_db_t *db, cgrpc_str_t id, cgrpc_arena_t *arena,
                         product_v1_Product **out) {
  static const char kSql[] =
      "SELECT id, name, description, category, price_cents, currency, created_ms, updated_ms"
      " FROM products WHERE id = ?";
  sqlite3_stmt *st = shop_db_stmt(db, kSql);
  if (!st) return false;
  shop_bind_str(st, 1, id);
  int rc = sqlite3_step(st);
  *out = rc == SQLITE_ROW ? row_to_product(st, arena) : NULL;
  sqlite3_reset(st);
  return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

/* Decoded strings are views, not C strings: checked byte by byte. */
static bool currency_ok(cgrpc_str_t c) {
  if (c.len != 3) return false;
  for (size_t i = 0; i < 3; i++)
    if (c.data[i] < 'A' || c.data[i] > 'Z') return false;
  return true;
}

static void check_product(shop_violations_t *v, const product_v1_Product *p) {
  if (!p) {
    shop_require(v, false, "product", "is required");
    return;
  }
  shop_require(v, shop_text_ok(p->id, 64), "product.id", "at most 64 bytes, no NUL");
  shop_require(v, p->name.len > 0 && shop_text_ok(p->name, 200), "product.name",
               "1 to 200 bytes, no NUL");
  shop_require(v, shop_text_ok(p->description, 2000), "product.description",
               "at most 2000 bytes, no NUL");
  shop_require(v, shop_text_ok(p->category, 100), "product.category", "at most 100 bytes, no NUL");
  shop_require(v, p->price_cents >= 0, "product.price_cents", "must not be negative");
  shop_require(v, currency_ok(p->currency), "product.currency",
               "an ISO 4217 code: three capital letters");
}

/* Inserts `p` (id assigned when empty), filling the stored fields back in.
 * SQLITE_CONSTRAINT when the id is taken. */
static int insert_product(shop_db_t *db, product_v1_Product *p, cgrpc_arena_t *arena) {
  static const char kSql[] = "INSERT INTO products VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
  if (p->id.len == 0) {
    char id[SHOP_ID_MAX];
    shop_new_id("sku", id);
    p->id = cgrpc_arena_printf(arena, "%s", id);
  }
  int64_t now = shop_now_ms();
  sqlite3_stmt *st = shop_db_stmt(db, kSql);
  if (!st) return SQLITE_ERROR;
  shop_bind_str(st, 1, p->id);
  shop_bind_str(st, 2, p->name);
  shop_bind_str(st, 3, p->description);
  shop_bind_str(st, 4, p->category);
  sqlite3_bind_int64(st, 5, p->price_cents);
  shop_bind_str(st, 6, p->currency);
  sqlite3_bind_int64(st, 7, now);
  sqlite3_bind_int64(st, 8, now);
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  p->created_at = p->updated_at = shop_timestamp(arena, now);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static void get_product(cgrpc_server_call_t *call, const product_v1_GetProductRequest *req,
                        void *ud) {
  shop_service_t *svc = ud;
  shop_violations_t v = {0};
  shop_require(&v, req->id.len > 0 && shop_text_ok(req->id, 64), "id", "1 to 64 bytes, no NUL");
  if (shop_fail_violations(call, &v)) return;
  product_v1_Product *p;
  if (!load_product(svc->db, req->id, cgrpc_server_call_arena(call), &p))
    return shop_fail_db(call, shop_db_errmsg(svc->db));
  if (!p) return shop_fail_not_found(call, "product", req->id);
  product_v1_ProductService_GetProduct_reply(call, p);
}

static void create_product(cgrpc_server_call_t *call, const product_v1_CreateProductRequest *req,
                           void *ud) {
  shop_service_t *svc = ud;
  shop_violations_t v = {0};
  check_product(&v, req->product);
  if (shop_fail_violations(call, &v)) return;
  product_v1_Product *p = req->product;
  int rc = insert_product(svc->db, p, cgrpc_server_call_arena(call));
  if (rc == SQLITE_CONSTRAINT)
    return shop_fail_reason(call, CGRPC_STATUS_ALREADY_EXISTS, "PRODUCT_EXISTS",
                            "a product with id \"%.*s\" already exists",
                            (int)(p->id.len > 64 ? 64 : p->id.len), p->id.data);
  if (rc != SQLITE_OK) return shop_fail_db(call, shop_db_errmsg(svc->db));
  product_v1_ProductService_CreateProduct_reply(call, p);
}

static void delete_product(cgrpc_server_call_t *call, const product_v1_DeleteProductRequest *req,
                           void *ud) {
  shop_service_t *svc = ud;
  shop_violations_t v = {0};
  shop_require(&v, req->id.len > 0 && shop_text_ok(req->id, 64), "id", "1 to 64 bytes, no NUL");
  if (shop_fail_violations(call, &v)) return;
  static const char kSql[] = "DELETE FROM products WHERE id = ?";
  sqlite3_stmt *st = shop_db_stmt(svc->db, kSql);
  if (!st) return shop_fail_db(call, shop_db_errmsg(svc->db));
  shop_bind_str(st, 1, req->id);
  int rc = sqlite3_step(st);
  int changed = sqlite3_changes(shop_db_conn(svc->db));
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) return shop_fail_db(call, shop_db_errmsg(svc->db));
  if (changed == 0) return shop_fail_not_found(call, "product", req->id);
  google_protobuf_Empty empty = google_protobuf_Empty_INIT;
  product_v1_ProductService_DeleteProduct_reply(call, &empty);
}

static void update_price(cgrpc_server_call_t *call, const product_v1_UpdatePriceRequest *req,
                         void *ud) {
  shop_service_t *svc = ud;
  product_state_t *state = svc->state;
  shop_violations_t v = {0};
  shop_require(&v, req->id.len > 0 && shop_text_ok(req->id, 64), "id", "1 to 64 bytes, no NUL");
  shop_require(&v, req->price_cents >= 0, "price_cents", "must not be negative");
  if (shop_fail_violations(call, &v)) return;
  static const char kSql[] = "UPDATE products SET price_cents = ?, updated_ms = ? WHERE id = ?";
  sqlite3_stmt *st = shop_db_stmt(svc->db, kSql);
  if (!st) return shop_fail_db(call, shop_db_errmsg(svc->db));
  int64_t now = shop_now_ms();
  sqlite3_bind_int64(st, 1, req->price_cents);
  sqlite3_bind_int64(st, 2, now);
  shop_bind_str(st, 3, req->id);
  int rc = sqlite3_step(st);
  int changed = sqlite3_changes(shop_db_conn(svc->db));
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) return shop_fail_db(call, shop_db_errmsg(svc->db));
  if (changed == 0) return shop_fail_not_found(call, "product", req->id);
  cgrpc_arena_t *arena = cgrpc_server_call_arena(call);
  product_v1_Product *p;
  if (!load_product(svc->db, req->id, arena, &p) || !p)
    return shop_fail_db(call, shop_db_errmsg(svc->db));
  product_v1_PriceUpdate update = {.product_id = p->id,
                                   .price_cents = p->price_cents,
                                   .currency = p->currency,
                                   .changed_at = shop_timestamp(arena, now)};
  char key[SHOP_FEED_KEY_MAX];
  snprintf(key, sizeof key, "%.*s", CGRPC_STR_ARGS(p->id));
  shop_feed_publish(&state->prices, key, &product_v1_PriceUpdate_table, &update);
  product_v1_ProductService_UpdatePrice_reply(call, p);
}

static void list_products(cgrpc_server_call_t *call, const product_v1_ListProductsRequest *req,
                          void *ud) {
  shop_service_t *svc = ud;
  shop_violations_t v = {0};
  shop_require(&v, req->page_size >= 0 && req->page_size <= MAX_PAGE, "page_size",
               "0 (the default, 50) to 1000");
  shop_require(&v, shop_text_ok(req->category, 100), "category", "at most 100 bytes, no NUL");
  shop_require(&v, shop_text_ok(req->page_token, 64), "page_token", "a token from an earlier page");
  if (shop_fail_violations(call, &v)) return;
  int page = req->page_size ? req->page_size : DEFAULT_PAGE;
  /* Keyset paging: the token is the last id of the page before, so pages
   * stay right while products are added or deleted in between. */
  static const char kSql[] =
      "SELECT id, name, description, category, price_cents, currency, created_ms, updated_ms"
      " FROM products WHERE (?1 = '' OR category = ?1) AND id > ?2 ORDER BY id LIMIT ?3";
  sqlite3_stmt *st = shop_db_stmt(svc->db, kSql);
  if (!st) return shop_fail_db(call, shop_db_errmsg(svc->db));
  shop_bind_str(st, 1, req->category);
  shop_bind_str(st, 2, req->page_token);
  sqlite3_bind_int(st, 3, page + 1);
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  product_v1_ListProductsResponse *held = NULL; /* sent once we know whether more follow */
  int rc, sent = 0;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (held) {
      if (sent + 1 == page) held->next_page_token = held->product->id;
      if (!product_v1_ProductService_ListProducts_write(call, held, 0, NULL, NULL)) break;
      sent++;
      if (sent == page) break;
      cgrpc_arena_reset(&arena, 1);
    }
    held = product_v1_ListProductsResponse_new(&arena);
    if (held) held->product = row_to_product(st, &arena);
    if (!held || !held->product) break;
  }
  if (held && sent < page && rc != SQLITE_ROW)
    product_v1_ProductService_ListProducts_write(call, held, 0, NULL, NULL);
  sqlite3_reset(st);
  cgrpc_arena_free(&arena);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return shop_fail_db(call, shop_db_errmsg(svc->db));
  cgrpc_server_call_finish(call, CGRPC_STATUS_OK, NULL, NULL);
}

static void batch_create(cgrpc_server_call_t *call, void *ud) {
  shop_service_t *svc = ud;
  cgrpc_arena_t *arena = cgrpc_server_call_arena(call);
  product_v1_BatchCreateProductsResponse *resp = product_v1_BatchCreateProductsResponse_new(arena);
  product_v1_Product **items = cgrpc_arena_alloc(arena, MAX_BATCH * sizeof *items);
  if (!resp || !items)
    return cgrpc_server_call_finish(call, CGRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory", NULL);
  size_t n = 0;
  product_v1_CreateProductRequest req;
  while (product_v1_ProductService_BatchCreateProducts_read(call, &req, arena, NULL, NULL)) {
    shop_violations_t v = {0};
    check_product(&v, req.product);
    if (n == MAX_BATCH) shop_require(&v, false, "product", "at most 1000 products per batch");
    if (shop_fail_violations(call, &v)) return;
    items[n++] = req.product;
  }
  if (cgrpc_server_call_cancelled(call)) return;
  /* All or nothing: one transaction. */
  if (!shop_db_exec(svc->db, "BEGIN IMMEDIATE")) return shop_fail_db(call, shop_db_errmsg(svc->db));
  for (size_t i = 0; i < n; i++) {
    int rc = insert_product(svc->db, items[i], arena);
    if (rc != SQLITE_OK) {
      shop_db_exec(svc->db, "ROLLBACK");
      if (rc == SQLITE_CONSTRAINT)
        return shop_fail_reason(call, CGRPC_STATUS_ALREADY_EXISTS, "PRODUCT_EXISTS",
                                "product %zu of the batch: id \"%.*s\" already exists; nothing "
                                "was created",
                                i + 1, (int)(items[i]->id.len > 64 ? 64 : items[i]->id.len),
                                items[i]->id.data);
      return shop_fail_db(call, "batch insert failed");
    }
  }
  if (!shop_db_exec(svc->db, "COMMIT")) {
    shop_db_exec(svc->db, "ROLLBACK");
    return shop_fail_db(call, shop_db_errmsg(svc->db));
  }
  resp->products.data = items;
  resp->products.count = resp->products.capacity = n;
  product_v1_ProductService_BatchCreateProducts_reply(call, resp);
}

/* ---- WatchPrices: a read in flight on the loop while the handler writes ---------------- */

typedef struct watch {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  bool reading;     /* a read is in flight */
  bool got_message; /* it delivered `request` */
  bool closed;      /* the client half-closed (or the call ended) */
  product_v1_WatchPricesRequest request;
  cgrpc_arena_t read_arena;
} watch_t;

static void on_watch_read(void *user_data, bool ok) {
  watch_t *w = user_data;
  pthread_mutex_lock(&w->mu);
  w->reading = false;
  if (ok)
    w->got_message = true;
  else
    w->closed = true;
  pthread_cond_broadcast(&w->cv);
  pthread_mutex_unlock(&w->mu);
}

static bool watched(char ids[][65], size_t n, const char *id) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(ids[i], id) == 0) return true;
  return false;
}

static bool send_current_price(shop_service_t *svc, cgrpc_server_call_t *call, const char *id,
                               cgrpc_arena_t *arena) {
  product_v1_Product *p;
  if (!load_product(svc->db, cgrpc_str(id), arena, &p)) return false;
  if (!p) return true; /* unknown ids are watched for when they appear */
  product_v1_PriceUpdate u = {.product_id = p->id,
                              .price_cents = p->price_cents,
                              .currency = p->currency,
                              .changed_at = p->updated_at};
  return product_v1_ProductService_WatchPrices_write(call, &u, 0, NULL, NULL);
}

static void watch_prices(cgrpc_server_call_t *call, void *ud) {
  shop_service_t *svc = ud;
  product_state_t *state = svc->state;
  char(*set)[65] = calloc(MAX_WATCHED, 65);
  watch_t *w = calloc(1, sizeof *w);
  if (!set || !w) {
    free(set);
    free(w);
    return cgrpc_server_call_finish(call, CGRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory", NULL);
  }
  pthread_mutex_init(&w->mu, NULL);
  pthread_cond_init(&w->cv, NULL);
  cgrpc_arena_init(&w->read_arena, NULL, 0);
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  size_t count = 0;
  uint64_t cursor = shop_feed_cursor(&state->prices);
  bool ok = true;
  while (ok && !cgrpc_server_call_cancelled(call)) {
    /* Only this thread calls the call's functions: the read's callback
     * just records what arrived. */
    pthread_mutex_lock(&w->mu);
    bool start_read = !w->reading && !w->got_message && !w->closed;
    bool got = w->got_message, closed = w->closed;
    if (start_read) w->reading = true;
    pthread_mutex_unlock(&w->mu);
    if (closed) break;
    if (got) {
      const product_v1_WatchPricesRequest *r = &w->request;
      for (size_t i = 0; i < r->remove_product_ids.count; i++) {
        cgrpc_str_t id = r->remove_product_ids.data[i];
        for (size_t j = 0; j < count; j++) {
          if (strlen(set[j]) == id.len && memcmp(set[j], id.data, id.len) == 0) {
            memcpy(set[j], set[--count], 65);
            break;
          }
        }
      }
      for (size_t i = 0; ok && i < r->add_product_ids.count; i++) {
        cgrpc_str_t id = r->add_product_ids.data[i];
        if (id.len == 0 || id.len > 64 || !shop_text_ok(id, 64)) continue;
        char text[65];
        snprintf(text, sizeof text, "%.*s", CGRPC_STR_ARGS(id));
        if (watched(set, count, text)) continue;
        if (count == MAX_WATCHED) {
          shop_fail_reason(call, CGRPC_STATUS_RESOURCE_EXHAUSTED, "WATCH_LIST_FULL",
                           "a watch list holds at most %d products", MAX_WATCHED);
          ok = false;
          break;
        }
        memcpy(set[count++], text, 65);
        ok = send_current_price(svc, call, text, &arena);
      }
      cgrpc_arena_reset(&w->read_arena, 1);
      pthread_mutex_lock(&w->mu);
      w->got_message = false;
      pthread_mutex_unlock(&w->mu);
      if (!ok) break;
      continue;
    }
    if (start_read && !product_v1_ProductService_WatchPrices_read(call, &w->request, &w->read_arena,
                                                                  on_watch_read, w)) {
      pthread_mutex_lock(&w->mu);
      w->reading = false;
      pthread_mutex_unlock(&w->mu);
      break;
    }
    product_v1_PriceUpdate u;
    char key[SHOP_FEED_KEY_MAX];
    cgrpc_arena_reset(&arena, 1);
    if (shop_feed_next(&state->prices, &cursor, CGRPC_NS_PER_SEC / 20,
                       &product_v1_PriceUpdate_table, &u, &arena, key) &&
        watched(set, count, key))
      ok = product_v1_ProductService_WatchPrices_write(call, &u, 0, NULL, NULL);
  }
  /* A read in flight owns w: wait for its callback (a cancelled call
   * completes it with false). */
  pthread_mutex_lock(&w->mu);
  bool closed = w->closed;
  while (w->reading) pthread_cond_wait(&w->cv, &w->mu);
  pthread_mutex_unlock(&w->mu);
  if (ok && closed)
    cgrpc_server_call_finish(call, CGRPC_STATUS_OK, NULL, NULL);
  else if (ok && !cgrpc_server_call_cancelled(call))
    cgrpc_server_call_finish(call, CGRPC_STATUS_INTERNAL, "writing a price update failed", NULL);
  cgrpc_arena_free(&arena);
  cgrpc_arena_free(&w->read_arena);
  pthread_mutex_destroy(&w->mu);
  pthread_cond_destroy(&w->cv);
  free(w);
  free(set);
}

static cgrpc_status_code_t start(shop_service_t *svc, cgrpc_error_t *err) {
  static product_state_t state;
  shop_feed_init(&state.prices);
  svc->state = &state;
  static product_v1_ProductService_handlers handlers = {
      .GetProduct = get_product,
      .CreateProduct = create_product,
      .DeleteProduct = delete_product,
      .UpdatePrice = update_price,
      .ListProducts = list_products,
      .BatchCreateProducts = batch_create,
      .WatchPrices = watch_prices,
  };
  handlers.user_data = svc;
  return product_v1_ProductService_register(svc->server, &handlers, CGRPC_HANDLER_BLOCKING, err);
}

static void stop(shop_service_t *svc) {
  shop_feed_destroy(&((product_state_t *)svc->state)->prices);
}

int main(int argc, char **argv) {
  static const shop_service_desc_t desc = {
      .name = "product",
      .service = &product_v1_ProductService_service,
      .synchronous = "NORMAL",
      .migrations = kMigrations,
      .start = start,
      .stop = stop,
  };
  return shop_service_main(argc, argv, &desc);
}

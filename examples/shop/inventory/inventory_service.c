/* shop-inventory — stock per product and reservations against it.
 *
 *   shop-inventory CONFIG_FILE     (common/service_main.h)
 *
 * Database: stock(product_id, available >= 0, reserved) and
 * reservations(id, product_id, quantity, state, created_ms).
 * synchronous=FULL: a reservation the order service was told about must
 * survive a power cut, or the same units could be sold twice; stock writes
 * are few next to reads, so the extra fsync per commit is cheap here.
 *
 * Never below zero, under any concurrency: Reserve takes stock with one
 * `UPDATE ... SET available = available - n WHERE available >= n` inside a
 * BEGIN IMMEDIATE transaction (and the column has CHECK (available >= 0)),
 * so two orders for the last unit cannot both get it.
 *
 * Reserve and Release are for the order service only (its certificate);
 * GetStock and SetStock for signed-in users. */
#include <stdio.h>
#include <string.h>

#include "inventory/v1/inventory.pb.h"
#include "service_main.h"

#define MAX_QUANTITY 1000

static const char *const kMigrations[] = {
    "CREATE TABLE stock (product_id TEXT PRIMARY KEY,"
    " available INTEGER NOT NULL CHECK (available >= 0),"
    " reserved INTEGER NOT NULL DEFAULT 0 CHECK (reserved >= 0));"
    "CREATE TABLE reservations (id TEXT PRIMARY KEY, product_id TEXT NOT NULL,"
    " quantity INTEGER NOT NULL, state INTEGER NOT NULL, created_ms INTEGER NOT NULL);",
    /* Stock of the catalogue a new shop opens with (shop-product's). */
    "INSERT INTO stock (product_id, available) VALUES ('sku-1042', 17), ('sku-2077', 4),"
    " ('sku-3300', 250);",
    NULL};

static const shop_access_rule_t kRules[] = {
    {"Reserve", SHOP_ACCESS_INTERNAL}, {"Release", SHOP_ACCESS_INTERNAL}, {NULL, 0}};
static const char *const kCallers[] = {"order", NULL};

static bool id_ok(cgrpc_str_t s) { return s.len > 0 && shop_text_ok(s, 64); }

/* Stock of `product`; *found false when it has none. false on a database
 * error. */
static bool load_stock(shop_db_t *db, cgrpc_str_t product, inventory_v1_StockLevel *out,
                       bool *found) {
  static const char kSql[] = "SELECT available, reserved FROM stock WHERE product_id = ?";
  sqlite3_stmt *st = shop_db_stmt(db, kSql);
  if (!st) return false;
  shop_bind_str(st, 1, product);
  int rc = sqlite3_step(st);
  *found = rc == SQLITE_ROW;
  if (*found) {
    out->product_id = product;
    out->available = sqlite3_column_int64(st, 0);
    out->reserved = sqlite3_column_int64(st, 1);
  }
  sqlite3_reset(st);
  return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

/* The reservation `id`; NULL when none (*ok false on a database error). */
static inventory_v1_Reservation *load_reservation(shop_db_t *db, cgrpc_str_t id,
                                                  cgrpc_arena_t *arena, bool *ok) {
  static const char kSql[] =
      "SELECT id, product_id, quantity, state, created_ms FROM reservations WHERE id = ?";
  sqlite3_stmt *st = shop_db_stmt(db, kSql);
  *ok = st != NULL;
  if (!st) return NULL;
  shop_bind_str(st, 1, id);
  int rc = sqlite3_step(st);
  inventory_v1_Reservation *r = NULL;
  if (rc == SQLITE_ROW && (r = inventory_v1_Reservation_new(arena))) {
    r->reservation_id = shop_column_str(st, 0, arena);
    r->product_id = shop_column_str(st, 1, arena);
    r->quantity = sqlite3_column_int64(st, 2);
    r->state = sqlite3_column_int(st, 3);
    r->created_at = shop_timestamp(arena, sqlite3_column_int64(st, 4));
  }
  *ok = rc == SQLITE_ROW || rc == SQLITE_DONE;
  sqlite3_reset(st);
  return r;
}

static void get_stock(cgrpc_server_call_t *call, const inventory_v1_GetStockRequest *req,
                      void *ud) {
  shop_service_t *svc = ud;
  shop_violations_t v = {0};
  shop_require(&v, id_ok(req->product_id), "product_id", "1 to 64 bytes, no NUL");
  if (shop_fail_violations(call, &v)) return;
  inventory_v1_StockLevel level = inventory_v1_StockLevel_INIT;
  bool found;
  if (!load_stock(svc->db, req->product_id, &level, &found))
    return shop_fail_db(call, shop_db_errmsg(svc->db));
  if (!found) return shop_fail_not_found(call, "stock", req->product_id);
  inventory_v1_InventoryService_GetStock_reply(call, &level);
}

static void set_stock(cgrpc_server_call_t *call, const inventory_v1_SetStockRequest *req,
                      void *ud) {
  shop_service_t *svc = ud;
  shop_violations_t v = {0};
  shop_require(&v, id_ok(req->product_id), "product_id", "1 to 64 bytes, no NUL");
  shop_require(&v, req->available >= 0 && req->available <= 1000000000, "available",
               "0 to 1000000000");
  if (shop_fail_violations(call, &v)) return;
  static const char kSql[] =
      "INSERT INTO stock (product_id, available) VALUES (?1, ?2)"
      " ON CONFLICT (product_id) DO UPDATE SET available = ?2";
  sqlite3_stmt *st = shop_db_stmt(svc->db, kSql);
  if (!st) return shop_fail_db(call, shop_db_errmsg(svc->db));
  shop_bind_str(st, 1, req->product_id);
  sqlite3_bind_int64(st, 2, req->available);
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  inventory_v1_StockLevel level = inventory_v1_StockLevel_INIT;
  bool found;
  if (rc != SQLITE_DONE || !load_stock(svc->db, req->product_id, &level, &found) || !found)
    return shop_fail_db(call, shop_db_errmsg(svc->db));
  inventory_v1_InventoryService_SetStock_reply(call, &level);
}

static void reserve(cgrpc_server_call_t *call, const inventory_v1_ReserveRequest *req, void *ud) {
  shop_service_t *svc = ud;
  shop_violations_t v = {0};
  shop_require(&v, id_ok(req->reservation_id), "reservation_id", "1 to 64 bytes, no NUL");
  shop_require(&v, id_ok(req->product_id), "product_id", "1 to 64 bytes, no NUL");
  shop_require(&v, req->quantity > 0 && req->quantity <= MAX_QUANTITY, "quantity", "1 to 1000");
  if (shop_fail_violations(call, &v)) return;
  cgrpc_arena_t *arena = cgrpc_server_call_arena(call);
  if (!shop_db_exec(svc->db, "BEGIN IMMEDIATE")) return shop_fail_db(call, shop_db_errmsg(svc->db));
  bool ok;
  inventory_v1_Reservation *r = load_reservation(svc->db, req->reservation_id, arena, &ok);
  if (!ok) goto db_error;
  if (r) {
    /* A retried Reserve: the reservation made the first time. */
    shop_db_exec(svc->db, "COMMIT");
    if (r->quantity != req->quantity || r->product_id.len != req->product_id.len ||
        memcmp(r->product_id.data, req->product_id.data, r->product_id.len) != 0)
      return shop_fail_reason(call, CGRPC_STATUS_ALREADY_EXISTS, "RESERVATION_ID_REUSED",
                              "reservation id already used for another product or quantity");
    return inventory_v1_InventoryService_Reserve_reply(call, r);
  }
  static const char kTake[] =
      "UPDATE stock SET available = available - ?1, reserved = reserved + ?1"
      " WHERE product_id = ?2 AND available >= ?1";
  sqlite3_stmt *st = shop_db_stmt(svc->db, kTake);
  if (!st) goto db_error;
  sqlite3_bind_int64(st, 1, req->quantity);
  shop_bind_str(st, 2, req->product_id);
  int rc = sqlite3_step(st);
  int changed = sqlite3_changes(shop_db_conn(svc->db));
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) goto db_error;
  if (changed == 0) {
    inventory_v1_StockLevel level = inventory_v1_StockLevel_INIT;
    bool found;
    ok = load_stock(svc->db, req->product_id, &level, &found);
    shop_db_exec(svc->db, "ROLLBACK");
    if (!ok) return shop_fail_db(call, shop_db_errmsg(svc->db));
    if (!found) return shop_fail_not_found(call, "stock", req->product_id);
    char subject[96], description[160];
    snprintf(subject, sizeof subject, "product/%.*s", CGRPC_STR_ARGS(req->product_id));
    snprintf(description, sizeof description, "not enough stock: %lld wanted, %lld available",
             (long long)req->quantity, (long long)level.available);
    return shop_fail_precondition(call, "STOCK", subject, description);
  }
  int64_t now = shop_now_ms();
  static const char kInsert[] = "INSERT INTO reservations VALUES (?, ?, ?, ?, ?)";
  st = shop_db_stmt(svc->db, kInsert);
  if (!st) goto db_error;
  shop_bind_str(st, 1, req->reservation_id);
  shop_bind_str(st, 2, req->product_id);
  sqlite3_bind_int64(st, 3, req->quantity);
  sqlite3_bind_int(st, 4, inventory_v1_Reservation_ACTIVE);
  sqlite3_bind_int64(st, 5, now);
  if (!shop_db_step_and_commit(svc->db, st)) goto db_error;
  inventory_v1_Reservation made = {.reservation_id = req->reservation_id,
                                   .product_id = req->product_id,
                                   .quantity = req->quantity,
                                   .state = inventory_v1_Reservation_ACTIVE,
                                   .created_at = shop_timestamp(arena, now)};
  return inventory_v1_InventoryService_Reserve_reply(call, &made);
db_error:
  shop_fail_rollback(call, svc->db);
}

static void release(cgrpc_server_call_t *call, const inventory_v1_ReleaseRequest *req, void *ud) {
  shop_service_t *svc = ud;
  shop_violations_t v = {0};
  shop_require(&v, id_ok(req->reservation_id), "reservation_id", "1 to 64 bytes, no NUL");
  if (shop_fail_violations(call, &v)) return;
  cgrpc_arena_t *arena = cgrpc_server_call_arena(call);
  if (!shop_db_exec(svc->db, "BEGIN IMMEDIATE")) return shop_fail_db(call, shop_db_errmsg(svc->db));
  bool ok;
  inventory_v1_Reservation *r = load_reservation(svc->db, req->reservation_id, arena, &ok);
  if (!ok) goto db_error;
  if (!r) {
    shop_db_exec(svc->db, "ROLLBACK");
    return shop_fail_not_found(call, "reservation", req->reservation_id);
  }
  if (r->state == inventory_v1_Reservation_ACTIVE) {
    static const char kPutBack[] =
        "UPDATE stock SET available = available + ?1, reserved = reserved - ?1"
        " WHERE product_id = ?2";
    static const char kMark[] = "UPDATE reservations SET state = ? WHERE id = ?";
    sqlite3_stmt *st = shop_db_stmt(svc->db, kPutBack);
    if (!st) goto db_error;
    sqlite3_bind_int64(st, 1, r->quantity);
    shop_bind_str(st, 2, r->product_id);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE || !(st = shop_db_stmt(svc->db, kMark))) goto db_error;
    sqlite3_bind_int(st, 1, inventory_v1_Reservation_RELEASED);
    shop_bind_str(st, 2, r->reservation_id);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) goto db_error;
    r->state = inventory_v1_Reservation_RELEASED;
  }
  if (!shop_db_exec(svc->db, "COMMIT")) goto db_error;
  return inventory_v1_InventoryService_Release_reply(call, r);
db_error:
  shop_fail_rollback(call, svc->db);
}

static cgrpc_status_code_t start(shop_service_t *svc, cgrpc_error_t *err) {
  static inventory_v1_InventoryService_handlers handlers = {
      .GetStock = get_stock, .SetStock = set_stock, .Reserve = reserve, .Release = release};
  handlers.user_data = svc;
  return inventory_v1_InventoryService_register(svc->server, &handlers, CGRPC_HANDLER_BLOCKING,
                                                err);
}

int main(int argc, char **argv) {
  static const shop_service_desc_t desc = {
      .name = "inventory",
      .service = &inventory_v1_InventoryService_service,
      .synchronous = "FULL",
      .migrations = kMigrations,
      .rules = kRules,
      .internal_callers = kCallers,
      .start = start,
  };
  return shop_service_main(argc, argv, &desc);
}

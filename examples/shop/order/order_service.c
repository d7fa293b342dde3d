/* shop-order — placing orders, and following them.
 *
 *   shop-order CONFIG_FILE     (common/service_main.h; peer.user,
 *                               peer.product, peer.inventory, peer.payment;
 *                               order.step_ms, default 700: how long an
 *                               order stays in each shipping step)
 *
 * Database: orders(id, user_id, request_id, product_id, quantity,
 * amount_cents, currency, status, payment_id, failure_reason, created_ms,
 * updated_ms), UNIQUE (user_id, request_id). synchronous=FULL: an order
 * acknowledged to a customer must still be there after a power cut, and its
 * row is what makes a retried CreateOrder find it instead of placing a
 * second one.
 *
 * CreateOrder, step by step (each call carries the caller's request id and
 * token, and has the caller's call as its parent: its deadline and its
 * cancellation propagate):
 *   1. the order row, PENDING, under the client's request_id (committed
 *      first: a retry with the same request_id finds it and resumes);
 *   2. user.GetUser: the account exists;
 *   3. product.GetProduct: the price;
 *   4. inventory.Reserve, the reservation named by the order id;
 *   5. payment.ProcessPayment, the idempotency key being the order id;
 *   6. the row CONFIRMED.
 * Steps 4 and 5 are idempotent by their ids, so resuming a PENDING order
 * (after a timeout, or a crash of any service) never reserves or charges
 * twice. A definite failure part-way (no stock, card declined, unknown
 * product) releases the reservation and marks the order FAILED (a retry
 * then gets FAILED_PRECONDITION with the reason); an outcome
 * that is not known (a peer UNAVAILABLE or out of time while charging)
 * leaves it PENDING and asks the client to retry with the same request_id.
 *
 * Every method needs a signed-in user; orders are visible to their owner
 * only (PERMISSION_DENIED for another user's). */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "feed.h"
#include "inventory/v1/inventory.pb.h"
#include "order/v1/order.pb.h"
#include "payment/v1/payment.pb.h"
#include "product/v1/product.pb.h"
#include "service_main.h"
#include "user/v1/user.pb.h"

#define MAX_QUANTITY 1000
/* The deadline of a call to a peer when the client gave none. */
#define DEFAULT_PEER_TIMEOUT (5 * CGRPC_NS_PER_SEC)

static const char *const kMigrations[] = {
    "CREATE TABLE orders (id TEXT PRIMARY KEY, user_id TEXT NOT NULL, request_id TEXT NOT NULL,"
    " product_id TEXT NOT NULL, quantity INTEGER NOT NULL, amount_cents INTEGER NOT NULL,"
    " currency TEXT NOT NULL, status INTEGER NOT NULL, payment_id TEXT NOT NULL,"
    " failure_reason TEXT NOT NULL, created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL,"
    " UNIQUE (user_id, request_id));"
    "CREATE INDEX orders_by_status ON orders (status, updated_ms);",
    NULL};

typedef struct order_state {
  cgrpc_channel_t *user, *product, *inventory, *payment;
  shop_feed_t updates; /* Order, keyed by order id */
  int64_t step_ms;
  pthread_t shipper;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  bool stopping;
} order_state_t;

static const char kSelect[] =
    "SELECT id, user_id, request_id, product_id, quantity, amount_cents, currency, status,"
    " payment_id, failure_reason, created_ms, updated_ms FROM orders WHERE id = ?";
static const char kSelectByRequest[] =
    "SELECT id, user_id, request_id, product_id, quantity, amount_cents, currency, status,"
    " payment_id, failure_reason, created_ms, updated_ms FROM orders"
    " WHERE user_id = ? AND request_id = ?";

static order_v1_Order *row_to_order(sqlite3_stmt *st, cgrpc_arena_t *arena) {
  order_v1_Order *o = order_v1_Order_new(arena);
  if (!o) return NULL;
  o->id = shop_column_str(st, 0, arena);
  o->user_id = shop_column_str(st, 1, arena);
  o->request_id = shop_column_str(st, 2, arena);
  o->product_id = shop_column_str(st, 3, arena);
  o->quantity = sqlite3_column_int64(st, 4);
  o->amount_cents = sqlite3_column_int64(st, 5);
  o->currency = shop_column_str(st, 6, arena);
  o->status = sqlite3_column_int(st, 7);
  o->payment_id = shop_column_str(st, 8, arena);
  o->failure_reason = shop_column_str(st, 9, arena);
  o->created_at = shop_timestamp(arena, sqlite3_column_int64(st, 10));
  o->updated_at = shop_timestamp(arena, sqlite3_column_int64(st, 11));
  return o;
}

/* One order by a query of one or two text parameters; NULL when none (*ok
 * false on a database error). */
static order_v1_Order *load_order(shop_db_t *db, const char *sql, cgrpc_str_t a, cgrpc_str_t b,
                                  cgrpc_arena_t *arena, bool *ok) {
  sqlite3_stmt *st = shop_db_stmt(db, sql);
  *ok = st != NULL;
  if (!st) return NULL;
  shop_bind_str(st, 1, a);
  if (sql == kSelectByRequest) shop_bind_str(st, 2, b);
  int rc = sqlite3_step(st);
  order_v1_Order *o = rc == SQLITE_ROW ? row_to_order(st, arena) : NULL;
  *ok = rc == SQLITE_ROW || rc == SQLITE_DONE;
  sqlite3_reset(st);
  return o;
}

static void publish(order_state_t *state, const order_v1_Order *o) {
  char key[SHOP_FEED_KEY_MAX];
  snprintf(key, sizeof key, "%.*s", CGRPC_STR_ARGS(o->id));
  shop_feed_publish(&state->updates, key, &order_v1_Order_table, o);
}

/* Stores the order's status, amount, payment and reason; false on a
 * database error. */
static bool save_order(shop_db_t *db, order_v1_Order *o, cgrpc_arena_t *arena) {
  static const char kSql[] =
      "UPDATE orders SET status = ?, amount_cents = ?, currency = ?, payment_id = ?,"
      " failure_reason = ?, updated_ms = ? WHERE id = ?";
  sqlite3_stmt *st = shop_db_stmt(db, kSql);
  if (!st) return false;
  int64_t now = shop_now_ms();
  sqlite3_bind_int(st, 1, o->status);
  sqlite3_bind_int64(st, 2, o->amount_cents);
  shop_bind_str(st, 3, o->currency);
  shop_bind_str(st, 4, o->payment_id);
  shop_bind_str(st, 5, o->failure_reason);
  sqlite3_bind_int64(st, 6, now);
  shop_bind_str(st, 7, o->id);
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  o->updated_at = shop_timestamp(arena, now);
  return rc == SQLITE_DONE;
}

/* Ends the call with a peer's failure as it came: code, message and its
 * rich details (the grpc-status-details-bin trailer), so the client sees,
 * say, inventory's PreconditionFailure. */
static void forward_failure(cgrpc_server_call_t *call, const cgrpc_result_t *r, const char *peer) {
  const cgrpc_status_t *st = cgrpc_result_status(r);
  cgrpc_arena_t *arena = cgrpc_server_call_arena(call);
  cgrpc_metadata_t trailers = CGRPC_METADATA_INIT;
  const cgrpc_str_t *details = cgrpc_metadata_get(&st->trailing_metadata, CGRPC_STATUS_DETAILS_KEY);
  if (details)
    cgrpc_metadata_add(&trailers, arena, CGRPC_STATUS_DETAILS_KEY, details->data, details->len);
  shop_log("INFO", "%s: %s answered %s", shop_request_id(call), peer, cgrpc_result_error(r));
  cgrpc_server_call_finish(call, cgrpc_result_code(r), st->message.data, &trailers);
}

/* Codes after which the peer surely did nothing (or nothing lasting). */
static bool definite_failure(cgrpc_status_code_t code) {
  switch (code) {
    case CGRPC_STATUS_INVALID_ARGUMENT:
    case CGRPC_STATUS_NOT_FOUND:
    case CGRPC_STATUS_ALREADY_EXISTS:
    case CGRPC_STATUS_PERMISSION_DENIED:
    case CGRPC_STATUS_FAILED_PRECONDITION:
    case CGRPC_STATUS_OUT_OF_RANGE:
    case CGRPC_STATUS_UNAUTHENTICATED:
    case CGRPC_STATUS_UNIMPLEMENTED:
      return true;
    default:
      return false;
  }
}

/* Puts the reservation back, with its own short deadline. True when it is
 * back (or never was). */
static bool release_reservation(order_state_t *state, cgrpc_server_call_t *call, cgrpc_str_t id) {
  inventory_v1_ReleaseRequest req = {.reservation_id = id};
  cgrpc_call_options_t opts = shop_outgoing_options(call, 2 * CGRPC_NS_PER_SEC);
  /* Compensation must happen even when the client gave up or ran out of
   * time: neither the caller's deadline nor its cancellation applies. */
  opts.parent = NULL;
  cgrpc_result_t *r = inventory_v1_InventoryService_Release(state->inventory, &req, &opts);
  cgrpc_status_code_t code = cgrpc_result_code(r);
  if (code != CGRPC_STATUS_OK && code != CGRPC_STATUS_NOT_FOUND)
    shop_log("WARNING", "%s: releasing reservation %.*s failed: %s", shop_request_id(call),
             CGRPC_STR_ARGS(id), cgrpc_result_error(r));
  cgrpc_result_free(r);
  return code == CGRPC_STATUS_OK || code == CGRPC_STATUS_NOT_FOUND;
}

/* Marks the order FAILED with `reason` (after a definite failure, once
 * nothing stays reserved) and tells the watchers. */
static void mark_failed(shop_service_t *svc, order_v1_Order *o, const char *reason,
                        cgrpc_arena_t *arena) {
  o->status = order_v1_Order_FAILED;
  o->failure_reason = cgrpc_arena_printf(arena, "%s", reason);
  if (save_order(svc->db, o, arena)) publish(svc->state, o);
}

/* Steps 2 to 6 of CreateOrder on a PENDING order; ends the call. */
static void run_order(shop_service_t *svc, cgrpc_server_call_t *call, order_v1_Order *o) {
  order_state_t *state = svc->state;
  cgrpc_arena_t *arena = cgrpc_server_call_arena(call);
  cgrpc_call_options_t opts = shop_outgoing_options(call, DEFAULT_PEER_TIMEOUT);

  user_v1_GetUserRequest ureq = {.id = o->user_id};
  cgrpc_result_t *r = user_v1_UserService_GetUser(state->user, &ureq, &opts);
  if (cgrpc_result_code(r) != CGRPC_STATUS_OK) {
    if (definite_failure(cgrpc_result_code(r))) mark_failed(svc, o, "the account is gone", arena);
    forward_failure(call, r, "user");
    cgrpc_result_free(r);
    return;
  }
  cgrpc_result_free(r);

  opts = shop_outgoing_options(call, DEFAULT_PEER_TIMEOUT);
  product_v1_GetProductRequest preq = {.id = o->product_id};
  r = product_v1_ProductService_GetProduct(state->product, &preq, &opts);
  const product_v1_Product *p = product_v1_ProductService_GetProduct_response(r);
  if (!p) {
    if (definite_failure(cgrpc_result_code(r))) mark_failed(svc, o, "no such product", arena);
    forward_failure(call, r, "product");
    cgrpc_result_free(r);
    return;
  }
  o->amount_cents = p->price_cents * o->quantity;
  o->currency = cgrpc_arena_printf(arena, "%.*s", CGRPC_STR_ARGS(p->currency));
  cgrpc_result_free(r);

  opts = shop_outgoing_options(call, DEFAULT_PEER_TIMEOUT);
  inventory_v1_ReserveRequest rreq = {
      .reservation_id = o->id, .product_id = o->product_id, .quantity = o->quantity};
  r = inventory_v1_InventoryService_Reserve(state->inventory, &rreq, &opts);
  cgrpc_status_code_t code = cgrpc_result_code(r);
  if (code != CGRPC_STATUS_OK) {
    /* Not reserved, or not known whether: putting it back is safe either
     * way (Release of a reservation never made is NOT_FOUND). */
    if (definite_failure(code) || release_reservation(state, call, o->id))
      mark_failed(svc, o, cgrpc_result_status(r)->message.data, arena);
    forward_failure(call, r, "inventory");
    cgrpc_result_free(r);
    return;
  }
  cgrpc_result_free(r);

  opts = shop_outgoing_options(call, DEFAULT_PEER_TIMEOUT);
  payment_v1_ProcessPaymentRequest payreq = {.idempotency_key = o->id,
                                             .user_id = o->user_id,
                                             .order_id = o->id,
                                             .amount_cents = o->amount_cents,
                                             .currency = o->currency};
  r = payment_v1_PaymentService_ProcessPayment(state->payment, &payreq, &opts);
  const payment_v1_Payment *pay = payment_v1_PaymentService_ProcessPayment_response(r);
  if (!pay) {
    code = cgrpc_result_code(r);
    /* Declined: compensate. Not known (UNAVAILABLE, out of time): the
     * charge may have happened, so the order stays PENDING with its
     * reservation, and a retry with the same request_id finishes it. */
    if (definite_failure(code) && release_reservation(state, call, o->id))
      mark_failed(svc, o, cgrpc_result_status(r)->message.data, arena);
    forward_failure(call, r, "payment");
    cgrpc_result_free(r);
    return;
  }
  o->payment_id = cgrpc_arena_printf(arena, "%.*s", CGRPC_STR_ARGS(pay->id));
  cgrpc_result_free(r);

  o->status = order_v1_Order_CONFIRMED;
  if (!save_order(svc->db, o, arena)) return shop_fail_db(call, shop_db_errmsg(svc->db));
  publish(state, o);
  order_v1_OrderService_CreateOrder_reply(call, o);
}

static bool id_ok(cgrpc_str_t s) { return s.len > 0 && shop_text_ok(s, 64); }

static void create_order(cgrpc_server_call_t *call, const order_v1_CreateOrderRequest *req,
                         void *ud) {
  shop_service_t *svc = ud;
  shop_violations_t v = {0};
  shop_require(&v, id_ok(req->request_id), "request_id", "1 to 64 bytes, no NUL");
  shop_require(&v, id_ok(req->product_id), "product_id", "1 to 64 bytes, no NUL");
  shop_require(&v, req->quantity > 0 && req->quantity <= MAX_QUANTITY, "quantity", "1 to 1000");
  if (shop_fail_violations(call, &v)) return;
  cgrpc_arena_t *arena = cgrpc_server_call_arena(call);
  cgrpc_str_t user = cgrpc_str(shop_access_user(call));

  if (!shop_db_exec(svc->db, "BEGIN IMMEDIATE")) return shop_fail_db(call, shop_db_errmsg(svc->db));
  bool ok;
  order_v1_Order *o = load_order(svc->db, kSelectByRequest, user, req->request_id, arena, &ok);
  if (ok && !o) {
    char id[SHOP_ID_MAX];
    shop_new_id("ord", id);
    int64_t now = shop_now_ms();
    static const char kInsert[] =
        "INSERT INTO orders VALUES (?, ?, ?, ?, ?, 0, '', ?, '', '', ?, ?)";
    sqlite3_stmt *st = shop_db_stmt(svc->db, kInsert);
    ok = st != NULL;
    if (st) {
      sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
      shop_bind_str(st, 2, user);
      shop_bind_str(st, 3, req->request_id);
      shop_bind_str(st, 4, req->product_id);
      sqlite3_bind_int64(st, 5, req->quantity);
      sqlite3_bind_int(st, 6, order_v1_Order_PENDING);
      sqlite3_bind_int64(st, 7, now);
      sqlite3_bind_int64(st, 8, now);
      ok = sqlite3_step(st) == SQLITE_DONE;
      sqlite3_reset(st);
    }
    if (ok) o = load_order(svc->db, kSelect, cgrpc_str(id), cgrpc_str(""), arena, &ok);
    ok = ok && o;
  }
  if (!ok || !shop_db_exec(svc->db, "COMMIT")) {
    shop_db_exec(svc->db, "ROLLBACK");
    return shop_fail_db(call, shop_db_errmsg(svc->db));
  }
  if (o->quantity != req->quantity || o->product_id.len != req->product_id.len ||
      memcmp(o->product_id.data, req->product_id.data, o->product_id.len) != 0)
    return shop_fail_reason(call, CGRPC_STATUS_ALREADY_EXISTS, "REQUEST_ID_REUSED",
                            "request_id was used for another order; use a new one per order");
  /* The same request again: its order as it stands, unless it is still
   * PENDING (a retry after a timeout or a crash): then carry it on. */
  if (o->status == order_v1_Order_FAILED) {
    /* It failed the first time: the same answer again, FAILED_PRECONDITION. */
    char subject[96];
    snprintf(subject, sizeof subject, "order/%.*s", CGRPC_STR_ARGS(o->id));
    return shop_fail_precondition(call, "ORDER_FAILED", subject, o->failure_reason.data);
  }
  if (o->status != order_v1_Order_PENDING) return order_v1_OrderService_CreateOrder_reply(call, o);
  run_order(svc, call, o);
}

/* The order `id` when the caller owns it; else ends the call and NULL. */
static order_v1_Order *owned_order(shop_service_t *svc, cgrpc_server_call_t *call, cgrpc_str_t id,
                                   cgrpc_arena_t *arena) {
  shop_violations_t v = {0};
  shop_require(&v, id_ok(id), "id", "1 to 64 bytes, no NUL");
  if (shop_fail_violations(call, &v)) return NULL;
  bool ok;
  order_v1_Order *o = load_order(svc->db, kSelect, id, cgrpc_str(""), arena, &ok);
  if (!ok) {
    shop_fail_db(call, shop_db_errmsg(svc->db));
    return NULL;
  }
  if (!o) {
    shop_fail_not_found(call, "order", id);
    return NULL;
  }
  const char *me = shop_access_user(call);
  if (strlen(me) != o->user_id.len || memcmp(me, o->user_id.data, o->user_id.len) != 0) {
    shop_fail_reason(call, CGRPC_STATUS_PERMISSION_DENIED, "NOT_OWNER",
                     "the order belongs to another user");
    return NULL;
  }
  return o;
}

static void get_order(cgrpc_server_call_t *call, const order_v1_GetOrderRequest *req, void *ud) {
  order_v1_Order *o = owned_order(ud, call, req->id, cgrpc_server_call_arena(call));
  if (o) order_v1_OrderService_GetOrder_reply(call, o);
}

static bool final_status(int32_t s) {
  return s == order_v1_Order_DELIVERED || s == order_v1_Order_FAILED;
}

static void watch_order(cgrpc_server_call_t *call, const order_v1_WatchOrderUpdatesRequest *req,
                        void *ud) {
  shop_service_t *svc = ud;
  order_state_t *state = svc->state;
  /* The cursor before the read: a change between the two is not missed. */
  uint64_t cursor = shop_feed_cursor(&state->updates);
  order_v1_Order *o = owned_order(svc, call, req->id, cgrpc_server_call_arena(call));
  if (!o) return;
  if (!order_v1_OrderService_WatchOrderUpdates_write(call, o, 0, NULL, NULL)) return;
  int32_t last = o->status;
  char want[SHOP_FEED_KEY_MAX];
  snprintf(want, sizeof want, "%.*s", CGRPC_STR_ARGS(o->id));
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  while (!final_status(last) && !cgrpc_server_call_cancelled(call)) {
    order_v1_Order u;
    char key[SHOP_FEED_KEY_MAX];
    cgrpc_arena_reset(&arena, 1);
    if (!shop_feed_next(&state->updates, &cursor, CGRPC_NS_PER_SEC / 5, &order_v1_Order_table, &u,
                        &arena, key) ||
        strcmp(key, want) != 0 || u.status == last)
      continue;
    if (!order_v1_OrderService_WatchOrderUpdates_write(call, &u, 0, NULL, NULL)) break;
    last = u.status;
  }
  cgrpc_arena_free(&arena);
  if (final_status(last)) cgrpc_server_call_finish(call, CGRPC_STATUS_OK, NULL, NULL);
}

static const char *status_name(int32_t s) {
  static const char *const kNames[] = {"unknown", "PENDING",   "CONFIRMED",
                                       "SHIPPED", "DELIVERED", "FAILED"};
  return s >= 0 && s <= 5 ? kNames[s] : "unknown";
}

/* SupportChat: every customer message gets an answer from "support" that
 * knows the order's status (for the caller's own orders only). */
static void support_chat(cgrpc_server_call_t *call, void *ud) {
  shop_service_t *svc = ud;
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  order_v1_ChatMessage in;
  const char *me = shop_access_user(call);
  int count = 0;
  while (order_v1_OrderService_SupportChat_read(call, &in, &arena, NULL, NULL)) {
    shop_violations_t v = {0};
    shop_require(&v, shop_text_ok(in.text, 2000) && in.text.len > 0, "text",
                 "1 to 2000 bytes, no NUL");
    shop_require(&v, shop_text_ok(in.order_id, 64), "order_id", "at most 64 bytes, no NUL");
    if (shop_fail_violations(call, &v)) {
      cgrpc_arena_free(&arena);
      return;
    }
    bool ok = true;
    order_v1_Order *o = in.order_id.len
                            ? load_order(svc->db, kSelect, in.order_id, cgrpc_str(""), &arena, &ok)
                            : NULL;
    if (o && (strlen(me) != o->user_id.len || memcmp(me, o->user_id.data, o->user_id.len) != 0))
      o = NULL;
    order_v1_ChatMessage out = {.order_id = in.order_id,
                                .sender = CGRPC_STR("support"),
                                .sent_at = shop_timestamp(&arena, shop_now_ms())};
    if (o)
      out.text = cgrpc_arena_printf(&arena, "Order %.*s is %s. Anything else about it?",
                                    CGRPC_STR_ARGS(o->id), status_name(o->status));
    else if (++count == 1)
      out.text = CGRPC_STR("Hello! Which order is it about? Send its id with your message.");
    else
      out.text = CGRPC_STR("I cannot find that order among yours; please check its id.");
    if (!order_v1_OrderService_SupportChat_write(call, &out, 0, NULL, NULL)) break;
    cgrpc_arena_reset(&arena, 1);
  }
  cgrpc_arena_free(&arena);
  if (!cgrpc_server_call_cancelled(call))
    cgrpc_server_call_finish(call, CGRPC_STATUS_OK, NULL, NULL);
}

/* ---- Shipping: CONFIRMED -> SHIPPED -> DELIVERED, one step per step_ms ----------------- */

static void *shipper(void *arg) {
  shop_service_t *svc = arg;
  order_state_t *state = svc->state;
  static const char kDue[] =
      "SELECT id, user_id, request_id, product_id, quantity, amount_cents, currency, status,"
      " payment_id, failure_reason, created_ms, updated_ms FROM orders"
      " WHERE status IN (2, 3) AND updated_ms <= ? ORDER BY updated_ms LIMIT 100";
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  pthread_mutex_lock(&state->mu);
  while (!state->stopping) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += 100 * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
      until.tv_sec++;
      until.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&state->cv, &state->mu, &until);
    if (state->stopping) break;
    pthread_mutex_unlock(&state->mu);
    order_v1_Order *due[100];
    size_t n = 0;
    sqlite3_stmt *st = shop_db_stmt(svc->db, kDue);
    if (st) {
      sqlite3_bind_int64(st, 1, shop_now_ms() - state->step_ms);
      while (n < 100 && sqlite3_step(st) == SQLITE_ROW)
        if ((due[n] = row_to_order(st, &arena))) n++;
      sqlite3_reset(st);
    }
    for (size_t i = 0; i < n; i++) {
      due[i]->status = due[i]->status == order_v1_Order_CONFIRMED ? order_v1_Order_SHIPPED
                                                                  : order_v1_Order_DELIVERED;
      if (save_order(svc->db, due[i], &arena)) publish(state, due[i]);
    }
    cgrpc_arena_reset(&arena, 1);
    pthread_mutex_lock(&state->mu);
  }
  pthread_mutex_unlock(&state->mu);
  cgrpc_arena_free(&arena);
  return NULL;
}

static cgrpc_status_code_t start(shop_service_t *svc, cgrpc_error_t *err) {
  static order_state_t state;
  svc->state = &state;
  shop_feed_init(&state.updates);
  pthread_mutex_init(&state.mu, NULL);
  pthread_cond_init(&state.cv, NULL);
  state.step_ms = strtoll(shop_config_get(svc->config, "order.step_ms", "700"), NULL, 10);
  cgrpc_status_code_t code = shop_tls_channel(svc->config, "user", &state.user, err);
  if (!code) code = shop_tls_channel(svc->config, "product", &state.product, err);
  if (!code) code = shop_tls_channel(svc->config, "inventory", &state.inventory, err);
  if (!code) code = shop_tls_channel(svc->config, "payment", &state.payment, err);
  static order_v1_OrderService_handlers handlers = {.CreateOrder = create_order,
                                                    .GetOrder = get_order,
                                                    .WatchOrderUpdates = watch_order,
                                                    .SupportChat = support_chat};
  handlers.user_data = svc;
  if (!code)
    code = order_v1_OrderService_register(svc->server, &handlers, CGRPC_HANDLER_BLOCKING, err);
  if (code) return code;
  if (pthread_create(&state.shipper, NULL, shipper, svc) != 0)
    return shop_error(err, CGRPC_STATUS_RESOURCE_EXHAUSTED, "cannot start the shipper");
  return CGRPC_STATUS_OK;
}

static void stop(shop_service_t *svc) {
  order_state_t *state = svc->state;
  pthread_mutex_lock(&state->mu);
  state->stopping = true;
  pthread_cond_signal(&state->cv);
  pthread_mutex_unlock(&state->mu);
  pthread_join(state->shipper, NULL);
  cgrpc_channel_free(state->user);
  cgrpc_channel_free(state->product);
  cgrpc_channel_free(state->inventory);
  cgrpc_channel_free(state->payment);
  shop_feed_destroy(&state->updates);
}

int main(int argc, char **argv) {
  static const shop_service_desc_t desc = {
      .name = "order",
      .service = &order_v1_OrderService_service,
      .synchronous = "FULL",
      .migrations = kMigrations,
      .start = start,
      .stop = stop,
  };
  return shop_service_main(argc, argv, &desc);
}

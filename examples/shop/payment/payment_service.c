/* shop-payment — charges and refunds (a stand-in for a card processor).
 *
 *   shop-payment CONFIG_FILE     (common/service_main.h; and
 *                                 payment.limit_cents, default 100000: a
 *                                 larger charge is declined)
 *
 * Database: payments(id, idempotency_key UNIQUE, user_id, order_id,
 * amount_cents, currency, status, created_ms). synchronous=FULL: a charge
 * acknowledged and then lost in a power cut would be charged again when
 * the order is retried; every commit is on disk before the answer goes.
 *
 * Exactly once: ProcessPayment looks the idempotency key up and inserts
 * in one BEGIN IMMEDIATE transaction, and the key is UNIQUE, so a retry
 * (after a timeout, a crash of the caller, or of this service) returns the
 * first payment and never charges twice.
 *
 * For the order service only (its certificate). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "payment/v1/payment.pb.h"
#include "service_main.h"

static const char *const kMigrations[] = {
    "CREATE TABLE payments (id TEXT PRIMARY KEY, idempotency_key TEXT NOT NULL UNIQUE,"
    " user_id TEXT NOT NULL, order_id TEXT NOT NULL,"
    " amount_cents INTEGER NOT NULL CHECK (amount_cents > 0), currency TEXT NOT NULL,"
    " status INTEGER NOT NULL, created_ms INTEGER NOT NULL);",
    NULL};

static const shop_access_rule_t kRules[] = {
    {"ProcessPayment", SHOP_ACCESS_INTERNAL}, {"Refund", SHOP_ACCESS_INTERNAL}, {NULL, 0}};
static const char *const kCallers[] = {"order", NULL};

static int64_t g_limit_cents;

static bool id_ok(cgrpc_str_t s) { return s.len > 0 && shop_text_ok(s, 64); }

static payment_v1_Payment *load(shop_db_t *db, const char *sql, cgrpc_str_t key,
                                cgrpc_arena_t *arena, bool *ok) {
  sqlite3_stmt *st = shop_db_stmt(db, sql);
  *ok = st != NULL;
  if (!st) return NULL;
  shop_bind_str(st, 1, key);
  int rc = sqlite3_step(st);
  payment_v1_Payment *p = NULL;
  if (rc == SQLITE_ROW && (p = payment_v1_Payment_new(arena))) {
    p->id = shop_column_str(st, 0, arena);
    p->idempotency_key = shop_column_str(st, 1, arena);
    p->user_id = shop_column_str(st, 2, arena);
    p->order_id = shop_column_str(st, 3, arena);
    p->amount_cents = sqlite3_column_int64(st, 4);
    p->currency = shop_column_str(st, 5, arena);
    p->status = sqlite3_column_int(st, 6);
    p->created_at = shop_timestamp(arena, sqlite3_column_int64(st, 7));
  }
  *ok = rc == SQLITE_ROW || rc == SQLITE_DONE;
  sqlite3_reset(st);
  return p;
}

static const char kByKey[] =
    "SELECT id, idempotency_key, user_id, order_id, amount_cents, currency, status, created_ms"
    " FROM payments WHERE idempotency_key = ?";
static const char kById[] =
    "SELECT id, idempotency_key, user_id, order_id, amount_cents, currency, status, created_ms"
    " FROM payments WHERE id = ?";

static bool same_str(cgrpc_str_t a, cgrpc_str_t b) {
  return a.len == b.len && (a.len == 0 || memcmp(a.data, b.data, a.len) == 0);
}

static void process_payment(cgrpc_server_call_t *call, const payment_v1_ProcessPaymentRequest *req,
                            void *ud) {
  shop_service_t *svc = ud;
  shop_violations_t v = {0};
  shop_require(&v, id_ok(req->idempotency_key), "idempotency_key", "1 to 64 bytes, no NUL");
  shop_require(&v, id_ok(req->user_id), "user_id", "1 to 64 bytes, no NUL");
  shop_require(&v, id_ok(req->order_id), "order_id", "1 to 64 bytes, no NUL");
  shop_require(&v, req->amount_cents > 0, "amount_cents", "must be positive");
  shop_require(&v, req->currency.len == 3 && shop_text_ok(req->currency, 3), "currency",
               "an ISO 4217 code");
  if (shop_fail_violations(call, &v)) return;
  cgrpc_arena_t *arena = cgrpc_server_call_arena(call);
  if (!shop_db_exec(svc->db, "BEGIN IMMEDIATE")) return shop_fail_db(call, shop_db_errmsg(svc->db));
  bool ok;
  payment_v1_Payment *p = load(svc->db, kByKey, req->idempotency_key, arena, &ok);
  if (!ok) goto db_error;
  if (p) {
    shop_db_exec(svc->db, "COMMIT");
    if (p->amount_cents != req->amount_cents || !same_str(p->user_id, req->user_id) ||
        !same_str(p->currency, req->currency))
      return shop_fail_reason(call, CGRPC_STATUS_ALREADY_EXISTS, "IDEMPOTENCY_KEY_REUSED",
                              "the idempotency key was used for another payment");
    return payment_v1_PaymentService_ProcessPayment_reply(call, p);
  }
  if (req->amount_cents > g_limit_cents) {
    shop_db_exec(svc->db, "ROLLBACK");
    char subject[96];
    snprintf(subject, sizeof subject, "user/%.*s", CGRPC_STR_ARGS(req->user_id));
    return shop_fail_precondition(call, "PAYMENT_DECLINED", subject,
                                  "the card was declined: the amount is over its limit");
  }
  char id[SHOP_ID_MAX];
  shop_new_id("pay", id);
  int64_t now = shop_now_ms();
  static const char kInsert[] = "INSERT INTO payments VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
  sqlite3_stmt *st = shop_db_stmt(svc->db, kInsert);
  if (!st) goto db_error;
  sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
  shop_bind_str(st, 2, req->idempotency_key);
  shop_bind_str(st, 3, req->user_id);
  shop_bind_str(st, 4, req->order_id);
  sqlite3_bind_int64(st, 5, req->amount_cents);
  shop_bind_str(st, 6, req->currency);
  sqlite3_bind_int(st, 7, payment_v1_Payment_CAPTURED);
  sqlite3_bind_int64(st, 8, now);
  if (!shop_db_step_and_commit(svc->db, st)) goto db_error;
  payment_v1_Payment made = {.id = cgrpc_arena_printf(arena, "%s", id),
                             .idempotency_key = req->idempotency_key,
                             .user_id = req->user_id,
                             .order_id = req->order_id,
                             .amount_cents = req->amount_cents,
                             .currency = req->currency,
                             .status = payment_v1_Payment_CAPTURED,
                             .created_at = shop_timestamp(arena, now)};
  return payment_v1_PaymentService_ProcessPayment_reply(call, &made);
db_error:
  shop_fail_rollback(call, svc->db);
}

static void refund(cgrpc_server_call_t *call, const payment_v1_RefundRequest *req, void *ud) {
  shop_service_t *svc = ud;
  shop_violations_t v = {0};
  shop_require(&v, id_ok(req->payment_id), "payment_id", "1 to 64 bytes, no NUL");
  if (shop_fail_violations(call, &v)) return;
  cgrpc_arena_t *arena = cgrpc_server_call_arena(call);
  static const char kSql[] = "UPDATE payments SET status = ?1 WHERE id = ?2 AND status != ?1";
  sqlite3_stmt *st = shop_db_stmt(svc->db, kSql);
  if (!st) return shop_fail_db(call, shop_db_errmsg(svc->db));
  sqlite3_bind_int(st, 1, payment_v1_Payment_REFUNDED);
  shop_bind_str(st, 2, req->payment_id);
  int rc = sqlite3_step(st);
  int changed = sqlite3_changes(shop_db_conn(svc->db));
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) return shop_fail_db(call, shop_db_errmsg(svc->db));
  bool ok;
  payment_v1_Payment *p = load(svc->db, kById, req->payment_id, arena, &ok);
  if (!ok) return shop_fail_db(call, shop_db_errmsg(svc->db));
  if (!p) return shop_fail_not_found(call, "payment", req->payment_id);
  if (changed == 0) {
    char subject[96];
    snprintf(subject, sizeof subject, "payment/%.*s", CGRPC_STR_ARGS(req->payment_id));
    return shop_fail_precondition(call, "ALREADY_REFUNDED", subject,
                                  "the payment was refunded already");
  }
  payment_v1_PaymentService_Refund_reply(call, p);
}

static cgrpc_status_code_t start(shop_service_t *svc, cgrpc_error_t *err) {
  g_limit_cents = strtoll(shop_config_get(svc->config, "payment.limit_cents", "100000"), NULL, 10);
  static payment_v1_PaymentService_handlers handlers = {.ProcessPayment = process_payment,
                                                        .Refund = refund};
  handlers.user_data = svc;
  return payment_v1_PaymentService_register(svc->server, &handlers, CGRPC_HANDLER_BLOCKING, err);
}

int main(int argc, char **argv) {
  static const shop_service_desc_t desc = {
      .name = "payment",
      .service = &payment_v1_PaymentService_service,
      .synchronous = "FULL",
      .migrations = kMigrations,
      .rules = kRules,
      .internal_callers = kCallers,
      .start = start,
  };
  return shop_service_main(argc, argv, &desc);
}

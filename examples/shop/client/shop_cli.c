/* shop-cli — a command-line client of the shop, for people and scripts.
 *
 *   shop-cli [-t TOKEN_FILE] CONFIG COMMAND [ARG...]
 *
 * CONFIG has tls.ca, tls.cert, tls.key (the client's certificate: every
 * service asks for one) and peer.<service> = host:port. TOKEN_FILE holds a
 * token from `login`, sent as `authorization: Bearer ...`. Every call
 * carries an x-request-id ($SHOP_REQUEST_ID, or a fresh one) and a 10 s
 * deadline.
 *
 * Commands (run `shop-cli` alone for the list). The exit status is 0 on
 * success, else the gRPC status code of the call that failed (5 NOT_FOUND,
 * 7 PERMISSION_DENIED, 16 UNAUTHENTICATED, ...), so scripts can check it;
 * 100 for a usage error. Errors print the code, the message and the rich
 * details (field violations, precondition failures, error info). */
#define _DEFAULT_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "google/rpc/error_details.pb.h"
#include "grpc/health/v1/health.pb.h"
#include "grpc/reflection/v1/reflection.pb.h"
#include "ids.h"
#include "inventory/v1/inventory.pb.h"
#include "order/v1/order.pb.h"
#include "payment/v1/payment.pb.h"
#include "product/v1/product.pb.h"
#include "tls_setup.h"
#include "token.h"
#include "user/v1/user.pb.h"

#define USAGE_ERROR 100
#define TIMEOUT (10 * CGRPC_NS_PER_SEC)

static shop_config_t *g_config;
static char g_token[SHOP_TOKEN_MAX];
static cgrpc_call_credentials_t g_creds;
static cgrpc_metadata_t g_md = CGRPC_METADATA_INIT;
static cgrpc_arena_t g_arena;

static cgrpc_channel_t *channel(const char *name) {
  static const char *names[5];
  static cgrpc_channel_t *chans[5];
  for (int i = 0; i < 5; i++) {
    if (names[i] && strcmp(names[i], name) == 0) return chans[i];
    if (!names[i]) {
      cgrpc_error_t err;
      if (shop_tls_channel(g_config, name, &chans[i], &err)) {
        fprintf(stderr, "shop-cli: %s\n", err.message);
        exit(USAGE_ERROR);
      }
      if (g_token[0]) cgrpc_channel_set_call_credentials(chans[i], &g_creds, NULL);
      names[i] = name;
      return chans[i];
    }
  }
  abort();
}

static cgrpc_call_options_t options(void) {
  return (cgrpc_call_options_t){.timeout_ns = TIMEOUT, .metadata = &g_md};
}

static void print_money(int64_t cents, cgrpc_str_t currency) {
  printf("%lld.%02lld %.*s", (long long)(cents / 100), (long long)(cents % 100),
         CGRPC_STR_ARGS(currency));
}

static void print_time(const google_protobuf_Timestamp *t) {
  if (!t) return;
  time_t s = (time_t)t->seconds;
  struct tm tm;
  gmtime_r(&s, &tm);
  char text[32];
  strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  printf("%s", text);
}

/* Prints a failed call's status and its rich details; returns the code. */
static int report(cgrpc_status_code_t code, const cgrpc_status_t *st) {
  printf("error: %s: %s\n", cgrpc_status_code_name(code), st ? st->message.data : "");
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  cgrpc_rpc_status_t details;
  if (st && cgrpc_status_details_get(st, &arena, &details, NULL) == CGRPC_STATUS_OK) {
    for (size_t i = 0; i < details.details.count; i++) {
      const cgrpc_any_t *any = details.details.data[i];
      google_rpc_BadRequest bad;
      google_rpc_PreconditionFailure pf;
      google_rpc_ErrorInfo info;
      google_rpc_ResourceInfo res;
      if (cgrpc_any_unpack(any, &google_rpc_BadRequest_table, &bad, &arena, NULL) == 0) {
        for (size_t j = 0; j < bad.field_violations.count; j++)
          printf("  bad request: field %.*s: %.*s\n",
                 CGRPC_STR_ARGS(bad.field_violations.data[j]->field),
                 CGRPC_STR_ARGS(bad.field_violations.data[j]->description));
      } else if (cgrpc_any_unpack(any, &google_rpc_PreconditionFailure_table, &pf, &arena, NULL) ==
                 0) {
        for (size_t j = 0; j < pf.violations.count; j++)
          printf("  precondition failure: %.*s %.*s: %.*s\n",
                 CGRPC_STR_ARGS(pf.violations.data[j]->type),
                 CGRPC_STR_ARGS(pf.violations.data[j]->subject),
                 CGRPC_STR_ARGS(pf.violations.data[j]->description));
      } else if (cgrpc_any_unpack(any, &google_rpc_ErrorInfo_table, &info, &arena, NULL) == 0) {
        printf("  error info: reason %.*s, domain %.*s\n", CGRPC_STR_ARGS(info.reason),
               CGRPC_STR_ARGS(info.domain));
      } else if (cgrpc_any_unpack(any, &google_rpc_ResourceInfo_table, &res, &arena, NULL) == 0) {
        printf("  resource info: %.*s \"%.*s\"\n", CGRPC_STR_ARGS(res.resource_type),
               CGRPC_STR_ARGS(res.resource_name));
      } else {
        printf("  detail of type %.*s\n", CGRPC_STR_ARGS(any->type_url));
      }
    }
  }
  cgrpc_arena_free(&arena);
  fflush(stdout);
  return (int)code;
}

/* The outcome of a unary call: 0 with the response printed by `print`, or
 * the failure reported. */
static int unary(const char *service, const cgrpc_pb_method_t *m, const void *req,
                 void (*print)(const void *resp)) {
  cgrpc_call_options_t opts = options();
  cgrpc_result_t *r = cgrpc_unary_result(channel(service), m, req, &opts);
  int rc = 0;
  if (cgrpc_result_code(r) == CGRPC_STATUS_OK) {
    if (print) print(cgrpc_result_response(r));
  } else {
    rc = report(cgrpc_result_code(r), cgrpc_result_status(r));
  }
  cgrpc_result_free(r);
  fflush(stdout);
  return rc;
}

/* ---- Printing ------------------------------------------------------------------------------ */

static void print_product(const void *msg) {
  const product_v1_Product *p = msg;
  printf("%.*s  %.*s  [%.*s]  ", CGRPC_STR_ARGS(p->id), CGRPC_STR_ARGS(p->name),
         CGRPC_STR_ARGS(p->category));
  print_money(p->price_cents, p->currency);
  printf("\n");
}

static void print_user(const void *msg) {
  const user_v1_User *u = msg;
  printf("user %.*s  %.*s  <%.*s>  created ", CGRPC_STR_ARGS(u->id),
         CGRPC_STR_ARGS(u->display_name), CGRPC_STR_ARGS(u->email));
  print_time(u->created_at);
  printf("\n");
}

static const char *order_status(int32_t s) {
  static const char *const kNames[] = {"UNSPECIFIED", "PENDING",   "CONFIRMED",
                                       "SHIPPED",     "DELIVERED", "FAILED"};
  return s >= 0 && s <= 5 ? kNames[s] : "?";
}

static void print_order(const void *msg) {
  const order_v1_Order *o = msg;
  printf("order %.*s  %s  %lld x %.*s  ", CGRPC_STR_ARGS(o->id), order_status(o->status),
         (long long)o->quantity, CGRPC_STR_ARGS(o->product_id));
  print_money(o->amount_cents, o->currency);
  if (o->payment_id.len) printf("  payment %.*s", CGRPC_STR_ARGS(o->payment_id));
  if (o->failure_reason.len) printf("  (%.*s)", CGRPC_STR_ARGS(o->failure_reason));
  printf("\n");
}

static void print_stock(const void *msg) {
  const inventory_v1_StockLevel *s = msg;
  printf("stock %.*s: %lld available, %lld reserved\n", CGRPC_STR_ARGS(s->product_id),
         (long long)s->available, (long long)s->reserved);
}

static void print_reservation(const void *msg) {
  const inventory_v1_Reservation *r = msg;
  printf("reservation %.*s: %lld x %.*s\n", CGRPC_STR_ARGS(r->reservation_id),
         (long long)r->quantity, CGRPC_STR_ARGS(r->product_id));
}

static void print_nothing(const void *msg) {
  (void)msg;
  printf("done\n");
}

/* ---- Streaming helpers ------------------------------------------------------------------- */

static int finish(cgrpc_call_t *call) {
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  cgrpc_status_t st;
  cgrpc_status_code_t code = cgrpc_call_finish(call, &arena, &st);
  int rc = code == CGRPC_STATUS_OK || code == CGRPC_STATUS_CANCELLED ? 0 : report(code, &st);
  cgrpc_arena_free(&arena);
  return rc;
}

/* ---- Commands ------------------------------------------------------------------------------- */

static int cmd_create_user(int argc, char **argv) {
  if (argc != 3) return USAGE_ERROR;
  user_v1_CreateUserRequest req = {.email = cgrpc_str(argv[0]),
                                   .display_name = cgrpc_str(argv[1]),
                                   .password = cgrpc_str(argv[2])};
  return unary("user", &user_v1_UserService_CreateUser_method, &req, print_user);
}

static const char *g_save_token;
static void print_login(const void *msg) {
  const user_v1_LoginResponse *r = msg;
  printf("logged in as %.*s; token valid until ", CGRPC_STR_ARGS(r->user_id));
  print_time(r->expires_at);
  printf("\n");
  FILE *f = fopen(g_save_token, "w");
  if (f) {
    fprintf(f, "%.*s\n", CGRPC_STR_ARGS(r->access_token));
    fclose(f);
  }
}

static int cmd_login(int argc, char **argv) {
  if (argc != 3) return USAGE_ERROR;
  user_v1_LoginRequest req = {.email = cgrpc_str(argv[0]), .password = cgrpc_str(argv[1])};
  g_save_token = argv[2];
  return unary("user", &user_v1_UserService_Login_method, &req, print_login);
}

static int cmd_get_user(int argc, char **argv) {
  if (argc != 1) return USAGE_ERROR;
  user_v1_GetUserRequest req = {.id = cgrpc_str(argv[0])};
  return unary("user", &user_v1_UserService_GetUser_method, &req, print_user);
}

static int cmd_update_user(int argc, char **argv) {
  if (argc < 1 || argc % 2 != 1) return USAGE_ERROR;
  user_v1_UpdateUserRequest req = {.id = cgrpc_str(argv[0])};
  for (int i = 1; i < argc; i += 2) {
    if (strcmp(argv[i], "--email") == 0)
      req.has_email = true, req.email = cgrpc_str(argv[i + 1]);
    else if (strcmp(argv[i], "--name") == 0)
      req.has_display_name = true, req.display_name = cgrpc_str(argv[i + 1]);
    else if (strcmp(argv[i], "--password") == 0)
      req.has_password = true, req.password = cgrpc_str(argv[i + 1]);
    else
      return USAGE_ERROR;
  }
  return unary("user", &user_v1_UserService_UpdateUser_method, &req, print_user);
}

static int cmd_delete_user(int argc, char **argv) {
  if (argc != 1) return USAGE_ERROR;
  user_v1_DeleteUserRequest req = {.id = cgrpc_str(argv[0])};
  return unary("user", &user_v1_UserService_DeleteUser_method, &req, print_nothing);
}

static int cmd_list_users(int argc, char **argv) {
  (void)argv;
  if (argc != 0) return USAGE_ERROR;
  cgrpc_call_options_t opts = options();
  cgrpc_call_t *call =
      cgrpc_call_start(channel("user"), &user_v1_UserService_ListUsers_method, &opts);
  user_v1_ListUsersRequest req = user_v1_ListUsersRequest_INIT;
  cgrpc_call_send(call, &req, 0, NULL, NULL);
  cgrpc_call_half_close(call);
  user_v1_User u;
  while (cgrpc_call_recv(call, &u, &g_arena, NULL, NULL)) print_user(&u);
  return finish(call);
}

/* watch-users N: prints the next N account events, then stops watching. */
static int cmd_watch_users(int argc, char **argv) {
  if (argc != 1) return USAGE_ERROR;
  int n = atoi(argv[0]);
  cgrpc_call_options_t opts = options();
  cgrpc_call_t *call =
      cgrpc_call_start(channel("user"), &user_v1_UserService_WatchUserUpdates_method, &opts);
  user_v1_WatchUserUpdatesRequest req = user_v1_WatchUserUpdatesRequest_INIT;
  cgrpc_call_send(call, &req, 0, NULL, NULL);
  cgrpc_call_half_close(call);
  cgrpc_metadata_t md;
  cgrpc_call_initial_metadata(call, &g_arena, &md);
  printf("watching account changes\n");
  fflush(stdout);
  static const char *const kTypes[] = {"?", "CREATED", "UPDATED", "DELETED"};
  user_v1_UserEvent e;
  for (int i = 0; i < n && cgrpc_call_recv(call, &e, &g_arena, NULL, NULL); i++) {
    printf("%s ", e.type >= 0 && e.type <= 3 ? kTypes[e.type] : "?");
    if (e.user) print_user(e.user);
    fflush(stdout);
  }
  cgrpc_call_cancel(call);
  return finish(call);
}

static int cmd_get_product(int argc, char **argv) {
  if (argc != 1) return USAGE_ERROR;
  product_v1_GetProductRequest req = {.id = cgrpc_str(argv[0])};
  return unary("product", &product_v1_ProductService_GetProduct_method, &req, print_product);
}

/* create-product ID NAME CATEGORY PRICE_CENTS [DESCRIPTION | --pad BYTES] */
static int cmd_create_product(int argc, char **argv) {
  if (argc != 4 && argc != 5 && argc != 6) return USAGE_ERROR;
  product_v1_Product p = {.id = cgrpc_str(argv[0]),
                          .name = cgrpc_str(argv[1]),
                          .category = cgrpc_str(argv[2]),
                          .price_cents = atoll(argv[3]),
                          .currency = CGRPC_STR("EUR")};
  if (argc == 5) p.description = cgrpc_str(argv[4]);
  if (argc == 6 && strcmp(argv[4], "--pad") == 0) {
    size_t n = strtoull(argv[5], NULL, 10);
    char *pad = cgrpc_arena_alloc(&g_arena, n + 1);
    if (!pad) return USAGE_ERROR;
    memset(pad, 'x', n);
    pad[n] = '\0';
    p.description = (cgrpc_str_t){pad, n};
  }
  product_v1_CreateProductRequest req = {.product = &p};
  return unary("product", &product_v1_ProductService_CreateProduct_method, &req, print_product);
}

static int cmd_delete_product(int argc, char **argv) {
  if (argc != 1) return USAGE_ERROR;
  product_v1_DeleteProductRequest req = {.id = cgrpc_str(argv[0])};
  return unary("product", &product_v1_ProductService_DeleteProduct_method, &req, print_nothing);
}

static int cmd_update_price(int argc, char **argv) {
  if (argc != 2) return USAGE_ERROR;
  product_v1_UpdatePriceRequest req = {.id = cgrpc_str(argv[0]), .price_cents = atoll(argv[1])};
  return unary("product", &product_v1_ProductService_UpdatePrice_method, &req, print_product);
}

/* list-products [--category C] [--page-size N] [--page-token T] */
static int cmd_list_products(int argc, char **argv) {
  product_v1_ListProductsRequest req = product_v1_ListProductsRequest_INIT;
  for (int i = 0; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--category") == 0)
      req.category = cgrpc_str(argv[i + 1]);
    else if (strcmp(argv[i], "--page-size") == 0)
      req.page_size = atoi(argv[i + 1]);
    else if (strcmp(argv[i], "--page-token") == 0)
      req.page_token = cgrpc_str(argv[i + 1]);
    else
      return USAGE_ERROR;
  }
  if (argc % 2) return USAGE_ERROR;
  cgrpc_call_options_t opts = options();
  cgrpc_call_t *call =
      cgrpc_call_start(channel("product"), &product_v1_ProductService_ListProducts_method, &opts);
  cgrpc_call_send(call, &req, 0, NULL, NULL);
  cgrpc_call_half_close(call);
  product_v1_ListProductsResponse r;
  int n = 0;
  while (cgrpc_call_recv(call, &r, &g_arena, NULL, NULL)) {
    printf("  (stream message %d) ", ++n);
    if (r.product) print_product(r.product);
    if (r.next_page_token.len) printf("next page token: %.*s\n", CGRPC_STR_ARGS(r.next_page_token));
    fflush(stdout);
  }
  return finish(call);
}

/* batch-create ID:NAME:CATEGORY:PRICE_CENTS... (one client stream) */
static int cmd_batch_create(int argc, char **argv) {
  if (argc < 1) return USAGE_ERROR;
  cgrpc_call_options_t opts = options();
  cgrpc_call_t *call = cgrpc_call_start(
      channel("product"), &product_v1_ProductService_BatchCreateProducts_method, &opts);
  for (int i = 0; i < argc; i++) {
    char *fields[4] = {0};
    char *text = argv[i];
    for (int f = 0; f < 4; f++) fields[f] = strsep(&text, ":");
    product_v1_Product p = {.id = cgrpc_str(fields[0] ? fields[0] : ""),
                            .name = cgrpc_str(fields[1] ? fields[1] : ""),
                            .category = cgrpc_str(fields[2] ? fields[2] : ""),
                            .price_cents = fields[3] ? atoll(fields[3]) : 0,
                            .currency = CGRPC_STR("EUR")};
    product_v1_CreateProductRequest req = {.product = &p};
    printf("  sending %.*s\n", CGRPC_STR_ARGS(p.id));
    if (!cgrpc_call_send(call, &req, 0, NULL, NULL)) break;
  }
  cgrpc_call_half_close(call);
  product_v1_BatchCreateProductsResponse resp;
  bool got = cgrpc_call_recv(call, &resp, &g_arena, NULL, NULL);
  int rc = finish(call);
  if (!rc && got) {
    printf("created %zu products in one transaction:\n", resp.products.count);
    for (size_t i = 0; i < resp.products.count; i++) print_product(resp.products.data[i]);
  }
  return rc;
}

/* watch-prices ID...: watches the products, then changes each price by
 * +10 cents (UpdatePrice, another call) and shows the update arrive on the
 * watch, then drops the first id from the watch list and stops. */
static int cmd_watch_prices(int argc, char **argv) {
  if (argc < 1) return USAGE_ERROR;
  cgrpc_call_options_t opts = options();
  cgrpc_call_t *call =
      cgrpc_call_start(channel("product"), &product_v1_ProductService_WatchPrices_method, &opts);
  cgrpc_str_t *ids = cgrpc_arena_alloc(&g_arena, (size_t)argc * sizeof *ids);
  for (int i = 0; i < argc; i++) ids[i] = cgrpc_str(argv[i]);
  product_v1_WatchPricesRequest add = {.add_product_ids = {ids, (size_t)argc, (size_t)argc}};
  printf("  -> watch %d product(s)\n", argc);
  cgrpc_call_send(call, &add, 0, NULL, NULL);
  product_v1_PriceUpdate u;
  int64_t *prices = cgrpc_arena_alloc(&g_arena, (size_t)argc * sizeof *prices);
  int seen = 0;
  while (seen < argc && cgrpc_call_recv(call, &u, &g_arena, NULL, NULL)) {
    printf("  <- now %.*s costs ", CGRPC_STR_ARGS(u.product_id));
    print_money(u.price_cents, u.currency);
    printf("\n");
    for (int i = 0; i < argc; i++)
      if (u.product_id.len == strlen(argv[i]) &&
          memcmp(u.product_id.data, argv[i], u.product_id.len) == 0)
        prices[i] = u.price_cents;
    seen++;
  }
  for (int i = 0; i < argc && seen == argc; i++) {
    printf("  (another call: UpdatePrice %s to %lld cents)\n", argv[i], (long long)prices[i] + 10);
    fflush(stdout);
    product_v1_UpdatePriceRequest req = {.id = cgrpc_str(argv[i]), .price_cents = prices[i] + 10};
    if (unary("product", &product_v1_ProductService_UpdatePrice_method, &req, NULL)) break;
    if (!cgrpc_call_recv(call, &u, &g_arena, NULL, NULL)) break;
    printf("  <- changed: %.*s costs ", CGRPC_STR_ARGS(u.product_id));
    print_money(u.price_cents, u.currency);
    printf(" since ");
    print_time(u.changed_at);
    printf("\n");
  }
  product_v1_WatchPricesRequest drop = {.remove_product_ids = {ids, 1, 1}};
  printf("  -> stop watching %s; close\n", argv[0]);
  cgrpc_call_send(call, &drop, 0, NULL, NULL);
  cgrpc_call_half_close(call);
  while (cgrpc_call_recv(call, &u, &g_arena, NULL, NULL)) {
  }
  return finish(call);
}

static int cmd_get_stock(int argc, char **argv) {
  if (argc != 1) return USAGE_ERROR;
  inventory_v1_GetStockRequest req = {.product_id = cgrpc_str(argv[0])};
  return unary("inventory", &inventory_v1_InventoryService_GetStock_method, &req, print_stock);
}

static int cmd_set_stock(int argc, char **argv) {
  if (argc != 2) return USAGE_ERROR;
  inventory_v1_SetStockRequest req = {.product_id = cgrpc_str(argv[0]),
                                      .available = atoll(argv[1])};
  return unary("inventory", &inventory_v1_InventoryService_SetStock_method, &req, print_stock);
}

/* reserve RESERVATION_ID PRODUCT QUANTITY: for the order service only; with
 * the shop-cli certificate it shows PERMISSION_DENIED. */
static int cmd_reserve(int argc, char **argv) {
  if (argc != 3) return USAGE_ERROR;
  inventory_v1_ReserveRequest req = {.reservation_id = cgrpc_str(argv[0]),
                                     .product_id = cgrpc_str(argv[1]),
                                     .quantity = atoll(argv[2])};
  return unary("inventory", &inventory_v1_InventoryService_Reserve_method, &req, print_reservation);
}

static int cmd_release(int argc, char **argv) {
  if (argc != 1) return USAGE_ERROR;
  inventory_v1_ReleaseRequest req = {.reservation_id = cgrpc_str(argv[0])};
  return unary("inventory", &inventory_v1_InventoryService_Release_method, &req, print_reservation);
}

static void print_payment(const void *msg) {
  const payment_v1_Payment *p = msg;
  printf("payment %.*s  %s  ", CGRPC_STR_ARGS(p->id),
         p->status == payment_v1_Payment_CAPTURED   ? "CAPTURED"
         : p->status == payment_v1_Payment_REFUNDED ? "REFUNDED"
                                                    : "?");
  print_money(p->amount_cents, p->currency);
  printf("  key %.*s\n", CGRPC_STR_ARGS(p->idempotency_key));
}

/* pay KEY USER_ID ORDER_ID AMOUNT_CENTS and refund PAYMENT_ID: for the
 * order service only, like reserve and release (tests call them with the
 * order service's certificate). */
static int cmd_pay(int argc, char **argv) {
  if (argc != 4) return USAGE_ERROR;
  payment_v1_ProcessPaymentRequest req = {.idempotency_key = cgrpc_str(argv[0]),
                                          .user_id = cgrpc_str(argv[1]),
                                          .order_id = cgrpc_str(argv[2]),
                                          .amount_cents = atoll(argv[3]),
                                          .currency = CGRPC_STR("EUR")};
  return unary("payment", &payment_v1_PaymentService_ProcessPayment_method, &req, print_payment);
}

static int cmd_refund(int argc, char **argv) {
  if (argc != 1) return USAGE_ERROR;
  payment_v1_RefundRequest req = {.payment_id = cgrpc_str(argv[0])};
  return unary("payment", &payment_v1_PaymentService_Refund_method, &req, print_payment);
}

static int cmd_create_order(int argc, char **argv) {
  if (argc != 3) return USAGE_ERROR;
  order_v1_CreateOrderRequest req = {.request_id = cgrpc_str(argv[0]),
                                     .product_id = cgrpc_str(argv[1]),
                                     .quantity = atoll(argv[2])};
  return unary("order", &order_v1_OrderService_CreateOrder_method, &req, print_order);
}

static int cmd_get_order(int argc, char **argv) {
  if (argc != 1) return USAGE_ERROR;
  order_v1_GetOrderRequest req = {.id = cgrpc_str(argv[0])};
  return unary("order", &order_v1_OrderService_GetOrder_method, &req, print_order);
}

static int cmd_watch_order(int argc, char **argv) {
  if (argc != 1) return USAGE_ERROR;
  cgrpc_call_options_t opts = options();
  cgrpc_call_t *call =
      cgrpc_call_start(channel("order"), &order_v1_OrderService_WatchOrderUpdates_method, &opts);
  order_v1_WatchOrderUpdatesRequest req = {.id = cgrpc_str(argv[0])};
  cgrpc_call_send(call, &req, 0, NULL, NULL);
  cgrpc_call_half_close(call);
  order_v1_Order o;
  while (cgrpc_call_recv(call, &o, &g_arena, NULL, NULL)) {
    printf("  <- ");
    print_time(o.updated_at);
    printf(" ");
    print_order(&o);
    fflush(stdout);
  }
  return finish(call);
}

/* chat ORDER_ID MESSAGE...: each message goes on one bidi stream; each
 * answer is printed as it comes. */
static int cmd_chat(int argc, char **argv) {
  if (argc < 2) return USAGE_ERROR;
  cgrpc_call_options_t opts = options();
  cgrpc_call_t *call =
      cgrpc_call_start(channel("order"), &order_v1_OrderService_SupportChat_method, &opts);
  order_v1_ChatMessage in;
  for (int i = 1; i < argc; i++) {
    order_v1_ChatMessage m = {.order_id = cgrpc_str(i == 1 ? "" : argv[0]),
                              .text = cgrpc_str(argv[i]),
                              .sender = CGRPC_STR("customer")};
    printf("  customer: %s\n", argv[i]);
    if (!cgrpc_call_send(call, &m, 0, NULL, NULL)) break;
    if (!cgrpc_call_recv(call, &in, &g_arena, NULL, NULL)) break;
    printf("  %.*s: %.*s\n", CGRPC_STR_ARGS(in.sender), CGRPC_STR_ARGS(in.text));
    fflush(stdout);
  }
  cgrpc_call_half_close(call);
  while (cgrpc_call_recv(call, &in, &g_arena, NULL, NULL)) {
  }
  return finish(call);
}

/* health SERVICE [NAME]: grpc.health.v1.Health/Check on the service (a
 * peer of the configuration), for the whole server or the service NAME. */
static void print_health(const void *msg) {
  static const char *const kStatus[] = {"UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"};
  const grpc_health_v1_HealthCheckResponse *r = msg;
  printf("%s\n", r->status >= 0 && r->status <= 3 ? kStatus[r->status] : "?");
}

static int cmd_health(int argc, char **argv) {
  if (argc != 1 && argc != 2) return USAGE_ERROR;
  grpc_health_v1_HealthCheckRequest req = {.service = cgrpc_str(argc == 2 ? argv[1] : "")};
  return unary(argv[0], &grpc_health_v1_Health_Check_method, &req, print_health);
}

/* list-services SERVICE: the services the server offers, by reflection
 * (grpc.reflection.v1, one request on its bidirectional stream). */
static int cmd_list_services(int argc, char **argv) {
  if (argc != 1) return USAGE_ERROR;
  cgrpc_call_options_t opts = options();
  cgrpc_call_t *call = cgrpc_call_start(
      channel(argv[0]), &grpc_reflection_v1_ServerReflection_ServerReflectionInfo_method, &opts);
  grpc_reflection_v1_ServerReflectionRequest req = grpc_reflection_v1_ServerReflectionRequest_INIT;
  grpc_reflection_v1_ServerReflectionRequest_set_list_services(&req, CGRPC_STR("*"));
  cgrpc_call_send(call, &req, 0, NULL, NULL);
  cgrpc_call_half_close(call);
  grpc_reflection_v1_ServerReflectionResponse resp;
  while (cgrpc_call_recv(call, &resp, &g_arena, NULL, NULL)) {
    const grpc_reflection_v1_ListServiceResponse *list =
        resp.message_response_case ==
                grpc_reflection_v1_ServerReflectionResponse_message_response_list_services_response
            ? resp.message_response.list_services_response
            : NULL;
    for (size_t i = 0; list && i < list->service.count; i++)
      printf("%.*s\n", CGRPC_STR_ARGS(list->service.data[i]->name));
  }
  return finish(call);
}

/* ---- load-orders: concurrent CreateOrder calls ---------------------------------------------- */

typedef struct load {
  const char *product;
  int per_thread;
  FILE *acks; /* "REQUEST_ID ORDER_ID STATUS" per acknowledged order, or NULL */
  pthread_mutex_t mu;
  int counts[17];
  int retries;
} load_t;

/* Whether a CreateOrder that ended with `code` may have left its order
 * PENDING: the same request_id is then sent again. */
static bool retryable(cgrpc_status_code_t code) {
  return code == CGRPC_STATUS_UNAVAILABLE || code == CGRPC_STATUS_DEADLINE_EXCEEDED ||
         code == CGRPC_STATUS_CANCELLED || code == CGRPC_STATUS_INTERNAL ||
         code == CGRPC_STATUS_UNKNOWN;
}

static void *load_thread(void *arg) {
  load_t *l = arg;
  cgrpc_channel_t *ch = channel("order");
  const char *stop_file = getenv("SHOP_LOAD_STOP_FILE");
  for (int i = 0; i < l->per_thread; i++) {
    if (stop_file && access(stop_file, F_OK) == 0) break;
    char rid[SHOP_ID_MAX];
    shop_new_id("load", rid);
    order_v1_CreateOrderRequest req = {
        .request_id = cgrpc_str(rid), .product_id = cgrpc_str(l->product), .quantity = 1};
    /* Retries (with the same request_id) for up to about 30 s: long enough
     * for a killed service to be restarted. */
    cgrpc_status_code_t code = CGRPC_STATUS_UNKNOWN;
    for (int attempt = 0; attempt < 150; attempt++) {
      cgrpc_call_options_t opts = options();
      opts.timeout_ns = 3 * CGRPC_NS_PER_SEC;
      cgrpc_result_t *r = order_v1_OrderService_CreateOrder(ch, &req, &opts);
      code = cgrpc_result_code(r);
      const order_v1_Order *o = order_v1_OrderService_CreateOrder_response(r);
      if (o && l->acks) {
        pthread_mutex_lock(&l->mu);
        fprintf(l->acks, "%s %.*s %s\n", rid, CGRPC_STR_ARGS(o->id), order_status(o->status));
        fflush(l->acks);
        pthread_mutex_unlock(&l->mu);
      }
      cgrpc_result_free(r);
      if (!retryable(code) || !l->acks) break;
      pthread_mutex_lock(&l->mu);
      l->retries++;
      pthread_mutex_unlock(&l->mu);
      nanosleep(&(struct timespec){0, 200 * 1000000L}, NULL);
    }
    pthread_mutex_lock(&l->mu);
    l->counts[code <= 16 ? code : 2]++;
    pthread_mutex_unlock(&l->mu);
  }
  return NULL;
}

/* load-orders PRODUCT THREADS ORDERS_PER_THREAD [ACK_FILE]: places orders
 * of one unit at once from THREADS threads and prints how many ended with
 * each code. With ACK_FILE, each acknowledged order is appended to it, and
 * an order whose outcome is not known is sent again with its request_id.
 * When $SHOP_LOAD_STOP_FILE names a file that exists, no new order starts. */
static int cmd_load_orders(int argc, char **argv) {
  if (argc != 3 && argc != 4) return USAGE_ERROR;
  load_t l = {.product = argv[0], .per_thread = atoi(argv[2])};
  pthread_mutex_init(&l.mu, NULL);
  int threads = atoi(argv[1]);
  if (threads < 1 || threads > 64) return USAGE_ERROR;
  if (argc == 4 && !(l.acks = fopen(argv[3], "a"))) return USAGE_ERROR;
  channel("order"); /* made once, before the threads share it */
  pthread_t t[64];
  for (int i = 0; i < threads; i++) pthread_create(&t[i], NULL, load_thread, &l);
  for (int i = 0; i < threads; i++) pthread_join(t[i], NULL);
  for (int c = 0; c <= 16; c++)
    if (l.counts[c]) printf("%s %d\n", cgrpc_status_code_name((cgrpc_status_code_t)c), l.counts[c]);
  if (l.retries) printf("retried %d\n", l.retries);
  if (l.acks) fclose(l.acks);
  return 0;
}

/* mint-token SECRET_FILE SUBJECT TTL_SECONDS: a token as Login makes it
 * (a negative TTL makes an expired one), for tests and operators. */
static int cmd_mint_token(int argc, char **argv) {
  if (argc != 3) return USAGE_ERROR;
  uint8_t secret[SHOP_SECRET_MAX];
  size_t len;
  cgrpc_error_t err;
  char token[SHOP_TOKEN_MAX];
  int64_t now = shop_now_ms() / 1000;
  if (shop_secret_load(argv[0], secret, &len, &err) ||
      shop_token_sign(secret, len, argv[1], now, now + atoll(argv[2]), token, &err)) {
    fprintf(stderr, "shop-cli: %s\n", err.message);
    return USAGE_ERROR;
  }
  printf("%s\n", token);
  return 0;
}

typedef struct command {
  const char *name, *args;
  int (*run)(int argc, char **argv);
} command_t;

static const command_t kCommands[] = {
    {"create-user", "EMAIL NAME PASSWORD", cmd_create_user},
    {"login", "EMAIL PASSWORD TOKEN_FILE", cmd_login},
    {"get-user", "ID", cmd_get_user},
    {"update-user", "ID [--email E] [--name N] [--password P]", cmd_update_user},
    {"delete-user", "ID", cmd_delete_user},
    {"list-users", "", cmd_list_users},
    {"watch-users", "COUNT", cmd_watch_users},
    {"get-product", "ID", cmd_get_product},
    {"create-product", "ID NAME CATEGORY PRICE_CENTS [DESCRIPTION | --pad BYTES]",
     cmd_create_product},
    {"delete-product", "ID", cmd_delete_product},
    {"update-price", "ID PRICE_CENTS", cmd_update_price},
    {"list-products", "[--category C] [--page-size N] [--page-token T]", cmd_list_products},
    {"batch-create", "ID:NAME:CATEGORY:PRICE_CENTS...", cmd_batch_create},
    {"watch-prices", "ID...", cmd_watch_prices},
    {"get-stock", "PRODUCT_ID", cmd_get_stock},
    {"set-stock", "PRODUCT_ID AVAILABLE", cmd_set_stock},
    {"reserve", "RESERVATION_ID PRODUCT_ID QUANTITY", cmd_reserve},
    {"release", "RESERVATION_ID", cmd_release},
    {"pay", "IDEMPOTENCY_KEY USER_ID ORDER_ID AMOUNT_CENTS", cmd_pay},
    {"refund", "PAYMENT_ID", cmd_refund},
    {"create-order", "REQUEST_ID PRODUCT_ID QUANTITY", cmd_create_order},
    {"get-order", "ID", cmd_get_order},
    {"watch-order", "ID", cmd_watch_order},
    {"chat", "ORDER_ID MESSAGE...", cmd_chat},
    {"health", "SERVICE [NAME]", cmd_health},
    {"list-services", "SERVICE", cmd_list_services},
    {"load-orders", "PRODUCT_ID THREADS ORDERS_PER_THREAD", cmd_load_orders},
    {"mint-token", "SECRET_FILE SUBJECT TTL_SECONDS", cmd_mint_token},
};

static int usage(void) {
  fprintf(stderr, "usage: shop-cli [-t TOKEN_FILE] CONFIG COMMAND [ARG...]\ncommands:\n");
  for (size_t i = 0; i < sizeof kCommands / sizeof kCommands[0]; i++)
    fprintf(stderr, "  %s %s\n", kCommands[i].name, kCommands[i].args);
  return USAGE_ERROR;
}

int main(int argc, char **argv) {
  int a = 1;
  if (argc > 2 && strcmp(argv[1], "-t") == 0) {
    FILE *f = fopen(argv[2], "r");
    if (!f || !fgets(g_token, sizeof g_token, f)) {
      fprintf(stderr, "shop-cli: cannot read the token file %s\n", argv[2]);
      return USAGE_ERROR;
    }
    fclose(f);
    g_token[strcspn(g_token, "\r\n")] = '\0';
    g_creds = cgrpc_call_credentials_bearer(g_token);
    a = 3;
  }
  if (argc - a < 2) return usage();
  if (strcmp(argv[a + 1], "mint-token") == 0) return cmd_mint_token(argc - a - 2, argv + a + 2);
  cgrpc_error_t err;
  if (shop_config_load(argv[a], &g_config, &err)) {
    fprintf(stderr, "shop-cli: %s\n", err.message);
    return USAGE_ERROR;
  }
  cgrpc_arena_init(&g_arena, NULL, 0);
  char rid[SHOP_ID_MAX];
  shop_new_id("cli", rid);
  const char *given = getenv("SHOP_REQUEST_ID");
  cgrpc_metadata_add_str(&g_md, &g_arena, "x-request-id", given && *given ? given : rid);
  for (size_t i = 0; i < sizeof kCommands / sizeof kCommands[0]; i++) {
    if (strcmp(argv[a + 1], kCommands[i].name) == 0) {
      int rc = kCommands[i].run(argc - a - 2, argv + a + 2);
      if (rc == USAGE_ERROR)
        fprintf(stderr, "usage: shop-cli CONFIG %s %s\n", kCommands[i].name, kCommands[i].args);
      fflush(stdout);
      /* Channels and the arena go with the process: a command is one
       * short run. */
      _exit(rc);
    }
  }
  return usage();
}

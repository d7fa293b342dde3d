#!/usr/bin/env bash
# Every method of every shop service through gRPC over mutual TLS, and every
# error it documents, with its code and rich details.
#   examples/shop/tests/e2e.sh BUILD_DIR
source "$(dirname "$0")/lib.sh"
shop_test_begin "${1:-build}"

# ---- user.v1 ----
signup ada@example.com "analytical engine" ada
signup bob@example.com "difference engine" bob
A=(-t "$work/ada.token" "$cli")
B=(-t "$work/bob.token" "$cli")
expect 6 "ALREADY_EXISTS.*EMAIL_TAKEN|EMAIL_TAKEN" "$cli" create-user ada@example.com "Ada 2" "another password"
expect 3 "field email" "$cli" create-user not-an-email "X" "long enough"
expect 3 "field password" "$cli" create-user x@example.com "X" short
expect 16 "INVALID_CREDENTIALS" "$cli" login ada@example.com "wrong password" "$work/x"
expect 16 "INVALID_CREDENTIALS" "$cli" login nobody@example.com "whatever1" "$work/x"
expect 0 "user $ada  ada  <ada@example.com>" "${A[@]}" get-user "$ada"
expect 7 "PERMISSION_DENIED" "${A[@]}" get-user "$bob"
expect 3 "field id" "${A[@]}" get-user ""
# proto3 optional: only the fields set change.
expect 0 "user $ada  Ada Lovelace  <ada@example.com>" "${A[@]}" update-user "$ada" --name "Ada Lovelace"
expect 0 "user $ada  Ada Lovelace  <countess@example.com>" "${A[@]}" update-user "$ada" --email countess@example.com
expect 6 "EMAIL_TAKEN" "${A[@]}" update-user "$ada" --email bob@example.com
expect 7 "PERMISSION_DENIED" "${B[@]}" update-user "$ada" --name "Mallory"
expect 0 "user $ada" "${A[@]}" update-user "$ada" --password "a new password"
expect 16 "" "$cli" login countess@example.com "analytical engine" "$work/x"
expect 0 "logged in" "$cli" login countess@example.com "a new password" "$work/ada.token"
expect 0 "Ada Lovelace.*bob@example.com|bob@example.com" "${A[@]}" list-users
[[ $(grep -c "^user " <<<"$out") == 2 ]] || fail "list-users streamed $(grep -c "^user " <<<"$out") users, want 2"
# WatchUserUpdates: a watcher sees CREATED, UPDATED and DELETED.
"$bin/shop-cli" "${A[@]}" watch-users 3 >"$work/watch.txt" 2>&1 &
watcher=$!
for _ in $(seq 50); do grep -q "watching" "$work/watch.txt" && break; sleep 0.1; done
signup carol@example.com "carol's password" carol
expect 0 "" -t "$work/carol.token" "$cli" update-user "$carol" --name "Carol C"
expect 0 "done" -t "$work/carol.token" "$cli" delete-user "$carol"
wait "$watcher" || fail "watch-users failed: $(cat "$work/watch.txt")"
grep -q "^CREATED user $carol" "$work/watch.txt" || fail "no CREATED event: $(cat "$work/watch.txt")"
grep -q "^UPDATED user $carol  Carol C" "$work/watch.txt" || fail "no UPDATED event"
grep -q "^DELETED user $carol" "$work/watch.txt" || fail "no DELETED event"
expect 5 "NOT_FOUND.*user" -t "$work/carol.token" "$cli" get-user "$carol"
expect 5 "NOT_FOUND" -t "$work/carol.token" "$cli" delete-user "$carol"

# ---- product.v1 ----
expect 0 "sku-1042  Noise-cancelling headphones  \[audio\]  129.90 EUR" "${A[@]}" get-product sku-1042
expect 5 "resource info: product \"sku-0\"" "${A[@]}" get-product sku-0
expect 3 "field id" "${A[@]}" get-product ""
expect 0 "sku-7000  Lamp  \[lighting\]  12.34 EUR" "${A[@]}" create-product sku-7000 Lamp lighting 1234 "A lamp"
expect 6 "PRODUCT_EXISTS" "${A[@]}" create-product sku-7000 Lamp lighting 1234
expect 3 "field product.name" "${A[@]}" create-product sku-7001 "" lighting 100
expect 3 "field product.price_cents" "${A[@]}" create-product sku-7001 Lamp lighting -1
expect 0 "^sku-[0-9a-f]+  Generated id" "${A[@]}" create-product "" "Generated id" misc 100
# (deleted again: its random id would move the pages below)
expect 0 "done" "${A[@]}" delete-product "$(sed -n 's/^\(sku-[0-9a-f]*\)  Generated id.*/\1/p' <<<"$out")"
expect 0 "12.50 EUR" "${A[@]}" update-price sku-7000 1250
expect 5 "NOT_FOUND" "${A[@]}" update-price sku-0 1
expect 3 "field price_cents" "${A[@]}" update-price sku-7000 -3
expect 0 "done" "${A[@]}" delete-product sku-7000
expect 5 "NOT_FOUND" "${A[@]}" delete-product sku-7000
expect 0 "next page token: sku-2077" "${A[@]}" list-products --page-size 2
expect 0 "sku-3300" "${A[@]}" list-products --page-size 2 --page-token sku-2077
expect 0 "stream message 1\) sku-2077" "${A[@]}" list-products --category input
[[ $(grep -c "stream message" <<<"$out") == 1 ]] || fail "the category filter let other products through"
expect 3 "field page_size" "${A[@]}" list-products --page-size 5000
expect 0 "created 2 products" "${A[@]}" batch-create "sku-7100:A:batch:100" "sku-7101:B:batch:200"
expect 6 "nothing was created" "${A[@]}" batch-create "sku-7102:C:batch:100" "sku-7100:A:batch:100"
expect 5 "" "${A[@]}" get-product sku-7102
expect 3 "field product.name" "${A[@]}" batch-create "sku-7103::batch:100"
expect 0 "changed: sku-7100 costs 1.10 EUR" "${A[@]}" watch-prices sku-7100

# ---- inventory.v1 ----
expect 0 "stock sku-1042: 17 available, 0 reserved" "${A[@]}" get-stock sku-1042
expect 5 "NOT_FOUND" "${A[@]}" get-stock sku-0
expect 0 "stock sku-7100: 5 available" "${A[@]}" set-stock sku-7100 5
expect 3 "field available" "${A[@]}" set-stock sku-7100 -1
expect 7 "PERMISSION_DENIED" "${A[@]}" reserve r-1 sku-7100 1
expect 7 "PERMISSION_DENIED" "${A[@]}" release r-1
expect 0 "reservation r-1: 2 x sku-7100" "$internal" reserve r-1 sku-7100 2
expect 0 "reservation r-1: 2 x sku-7100" "$internal" reserve r-1 sku-7100 2
expect 6 "RESERVATION_ID_REUSED" "$internal" reserve r-1 sku-7100 3
expect 9 "STOCK product/sku-7100: not enough stock: 4 wanted, 3 available" "$internal" reserve r-2 sku-7100 4
expect 5 "NOT_FOUND" "$internal" reserve r-3 sku-0 1
expect 3 "field quantity" "$internal" reserve r-3 sku-7100 0
expect 0 "stock sku-7100: 3 available, 2 reserved" "${A[@]}" get-stock sku-7100
expect 0 "reservation r-1" "$internal" release r-1
expect 0 "reservation r-1" "$internal" release r-1
expect 0 "stock sku-7100: 5 available, 0 reserved" "${A[@]}" get-stock sku-7100
expect 5 "NOT_FOUND" "$internal" release r-0

# ---- payment.v1 ----
expect 7 "PERMISSION_DENIED" "${A[@]}" pay k-1 "$ada" o-1 500
expect 0 "CAPTURED  5.00 EUR  key k-1" "$internal" pay k-1 "$ada" o-1 500
pay1=$(sed -n 's/^payment \(pay-[0-9a-f]*\) .*/\1/p' <<<"$out")
expect 0 "payment $pay1  CAPTURED" "$internal" pay k-1 "$ada" o-1 500
expect 6 "IDEMPOTENCY_KEY_REUSED" "$internal" pay k-1 "$ada" o-1 700
expect 9 "PAYMENT_DECLINED" "$internal" pay k-2 "$ada" o-2 100001
expect 3 "field amount_cents" "$internal" pay k-3 "$ada" o-3 0
expect 0 "payment $pay1  REFUNDED" "$internal" refund "$pay1"
expect 9 "ALREADY_REFUNDED" "$internal" refund "$pay1"
expect 5 "NOT_FOUND" "$internal" refund pay-0
[[ $(sql payment "SELECT count(*) FROM payments WHERE idempotency_key = 'k-1'") == 1 ]] ||
  fail "k-1 was charged more than once"

# ---- order.v1 ----
expect 0 "CONFIRMED  2 x sku-1042  259.80 EUR  payment pay-" "${A[@]}" create-order req-1 sku-1042 2
order=$(sed -n 's/^order \(ord-[0-9a-f]*\) .*/\1/p' <<<"$out")
expect 0 "order $order  (CONFIRMED|SHIPPED|DELIVERED)" "${A[@]}" create-order req-1 sku-1042 2
expect 6 "REQUEST_ID_REUSED" "${A[@]}" create-order req-1 sku-1042 3
[[ $(sql payment "SELECT count(*) FROM payments WHERE order_id = '$order'") == 1 ]] || fail "double charge"
expect 0 "15 available, 2 reserved" "${A[@]}" get-stock sku-1042
expect 0 "order $order" "${A[@]}" get-order "$order"
expect 7 "NOT_OWNER" "${B[@]}" get-order "$order"
expect 5 "NOT_FOUND" "${A[@]}" get-order ord-0
expect 5 "resource info: product \"sku-0\"" "${A[@]}" create-order req-2 sku-0 1
expect 9 "STOCK product/sku-2077" "${A[@]}" create-order req-3 sku-2077 5
expect 9 "ORDER_FAILED order/ord-" "${A[@]}" create-order req-3 sku-2077 5
expect 9 "PAYMENT_DECLINED" "${A[@]}" create-order req-4 sku-1042 8
expect 0 "15 available, 2 reserved" "${A[@]}" get-stock sku-1042
[[ $(sql order "SELECT status FROM orders WHERE request_id = 'req-4'") == 5 ]] || fail "req-4 is not FAILED"
expect 3 "field quantity" "${A[@]}" create-order req-5 sku-1042 0
expect 3 "field request_id" "${A[@]}" create-order "" sku-1042 1
expect 0 "DELIVERED" "${A[@]}" watch-order "$order"
expect 7 "NOT_OWNER" "${B[@]}" watch-order "$order"
expect 0 "support: Order $order is DELIVERED" "${A[@]}" chat "$order" "Hi" "Status?"
expect 0 "cannot find that order" "${B[@]}" chat "$order" "Hi" "Status?"
expect 16 "UNAUTHENTICATED" "$cli" get-order "$order"

# ---- health and reflection, on every service ----
for s in product:product.v1.ProductService user:user.v1.UserService \
         inventory:inventory.v1.InventoryService payment:payment.v1.PaymentService \
         order:order.v1.OrderService; do
  expect 0 "^SERVING$" "$cli" health "${s%%:*}"
  expect 0 "^SERVING$" "$cli" health "${s%%:*}" "${s##*:}"
  expect 0 "^${s##*:}$" "$cli" list-services "${s%%:*}"
  grep -qx "grpc.reflection.v1.ServerReflection" <<<"$out" || fail "no reflection on ${s%%:*}"
done
expect 5 "NOT_FOUND" "$cli" health order no.such.Service

echo "shop e2e: $checks checks passed"

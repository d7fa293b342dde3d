#!/usr/bin/env bash
# Concurrency on inventory: two clients with 8 threads each place 48 orders
# of one unit at once for a product with 5 in stock. Exactly 5 succeed, the
# rest fail FAILED_PRECONDITION (no stock), the stock ends at 0 available
# and 5 reserved, never below zero, and each success was charged once.
#   examples/shop/tests/concurrency.sh BUILD_DIR
source "$(dirname "$0")/lib.sh"
shop_test_begin "${1:-build}"

signup buyer@example.com "buyer's password" buyer
T=(-t "$work/buyer.token" "$cli")
expect 0 "stock sku-2077: 5 available" "${T[@]}" set-stock sku-2077 5
# With an acknowledgement file the clients send an order whose outcome they
# did not learn (a deadline on a slow machine) again with its request id.
"$bin/shop-cli" "${T[@]}" load-orders sku-2077 8 3 "$work/acks.txt" >"$work/load1.txt" 2>&1 &
one=$!
"$bin/shop-cli" "${T[@]}" load-orders sku-2077 8 3 "$work/acks.txt" >"$work/load2.txt" 2>&1 &
two=$!
wait "$one" || fail "load 1: $(cat "$work/load1.txt")"
wait "$two" || fail "load 2: $(cat "$work/load2.txt")"
cat "$work/load1.txt" "$work/load2.txt"
ok=$(awk '$1 == "OK" {n += $2} END {print n + 0}' "$work/load1.txt" "$work/load2.txt")
no_stock=$(awk '$1 == "FAILED_PRECONDITION" {n += $2} END {print n + 0}' "$work/load1.txt" "$work/load2.txt")
[[ $ok == 5 && $no_stock == 43 ]] || fail "want 5 OK and 43 FAILED_PRECONDITION, got $ok and $no_stock"
expect 0 "stock sku-2077: 0 available, 5 reserved" "${T[@]}" get-stock sku-2077
[[ $(sql inventory "SELECT min(available) >= 0 FROM stock") == 1 ]] || fail "negative stock"
[[ $(sql inventory "SELECT count(*) FROM reservations WHERE product_id = 'sku-2077' AND state = 1") == 5 ]] ||
  fail "want 5 active reservations"
[[ $(sql order "SELECT count(*) FROM orders WHERE status = 2 OR status = 3 OR status = 4") == 5 ]] ||
  fail "want 5 confirmed orders"
[[ $(sql payment "SELECT count(*), count(DISTINCT order_id) FROM payments") == "5|5" ]] ||
  fail "want 5 payments for 5 orders: $(sql payment "SELECT count(*), count(DISTINCT order_id) FROM payments")"
[[ $(sql order "SELECT count(*) FROM orders WHERE status = 1") == 0 ]] || fail "orders left PENDING"
echo "shop concurrency: stock never below zero; $checks checks passed"

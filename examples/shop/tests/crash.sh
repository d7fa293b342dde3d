#!/usr/bin/env bash
# Crash safety: while clients place orders (retrying an order whose outcome
# they do not know with its request_id), each service in turn is killed
# with SIGKILL and restarted on its address. Afterwards: every order a
# client saw acknowledged exists exactly once, no payment was charged twice
# or for a failed order, no stock was lost or went negative, every database
# passes PRAGMA integrity_check, the clients finished (no hang), and a new
# order succeeds.
#   examples/shop/tests/crash.sh BUILD_DIR
source "$(dirname "$0")/lib.sh"
SHOP_STEP_MS=100000 # orders stay CONFIRMED: the shipper stays out of the way
shop_test_begin "${1:-build}"

signup load@example.com "load's password" loader
T=(-t "$work/loader.token" "$cli")
expect 0 "stock sku-3300: 10000 available" "${T[@]}" set-stock sku-3300 10000
acks=$work/acks.txt
export SHOP_LOAD_STOP_FILE=$work/stop
"$bin/shop-cli" "${T[@]}" load-orders sku-3300 4 100000 "$acks" >"$work/load.txt" 2>&1 &
load=$!
sleep 1
echo "$(date +%T.%N | cut -c1-12) $(wc -l <"$acks") orders acknowledged before the first kill"
for name in order inventory payment user product; do
  before=$(wc -l <"$acks")
  shop_stop_one "$name" KILL
  sleep 0.3
  shop_start_one "$name" || fail "shop-$name did not restart"
  # Go on once orders are acknowledged again.
  for _ in $(seq 100); do [[ $(wc -l <"$acks") -gt $((before + 4)) ]] && break; sleep 0.1; done
  echo "$(date +%T.%N | cut -c1-12) killed and restarted shop-$name: $(wc -l <"$acks") orders acknowledged so far"
done
touch "$SHOP_LOAD_STOP_FILE"
for _ in $(seq 600); do kill -0 "$load" 2>/dev/null || break; sleep 0.1; done
kill -0 "$load" 2>/dev/null && fail "the load client hangs"
wait "$load" || fail "the load client failed: $(cat "$work/load.txt")"
cat "$work/load.txt"
grep -q "^retried" "$work/load.txt" || fail "the clients never saw a failure: were the kills real?"

acked=$(wc -l <"$acks")
[[ $acked -gt 20 ]] || fail "only $acked orders acknowledged"
# Every acknowledged order exists, once, under its request id.
missing=$(sqlite3 -batch "$work/order.db" <<SQL
CREATE TEMP TABLE acks (ack_request TEXT, ack_order TEXT, ack_status TEXT);
.separator ' '
.import $acks acks
SELECT count(*) FROM acks WHERE (SELECT count(*) FROM orders WHERE request_id = ack_request AND id = ack_order) != 1;
SQL
)
[[ $missing == 0 ]] || fail "$missing acknowledged orders are missing"
[[ $(sql order "SELECT count(*) - count(DISTINCT request_id) FROM orders") == 0 ]] ||
  fail "a request id has two orders"
# Payments: one per order at most, none for a failed one, all for real orders.
sqlite3 "$work/payment.db" "SELECT order_id FROM payments" | sort >"$work/paid.txt"
[[ $(sort -u "$work/paid.txt" | wc -l) == $(wc -l <"$work/paid.txt") ]] || fail "an order was charged twice"
sqlite3 "$work/order.db" "SELECT id FROM orders WHERE status IN (2, 3, 4)" | sort >"$work/confirmed.txt"
sqlite3 "$work/order.db" "SELECT id FROM orders WHERE status != 5" | sort >"$work/live.txt"
[[ -z $(comm -23 "$work/confirmed.txt" "$work/paid.txt") ]] || fail "a confirmed order was not charged"
[[ -z $(comm -23 "$work/paid.txt" "$work/live.txt") ]] || fail "a charge for a failed or unknown order"
# Stock: nothing lost, nothing negative, reservations match the stock.
[[ $(sql inventory "SELECT available + reserved, available >= 0 FROM stock WHERE product_id = 'sku-3300'") == "10000|1" ]] ||
  fail "stock lost: $(sql inventory "SELECT available, reserved FROM stock WHERE product_id = 'sku-3300'")"
[[ $(sql inventory "SELECT reserved FROM stock WHERE product_id = 'sku-3300'") == \
   $(sql inventory "SELECT coalesce(sum(quantity), 0) FROM reservations WHERE product_id = 'sku-3300' AND state = 1") ]] ||
  fail "reserved stock does not match the active reservations"
for name in "${SHOP_SERVICES[@]}"; do
  [[ $(sql "$name" "PRAGMA integrity_check") == ok ]] || fail "$name.db integrity_check"
done
expect 0 "CONFIRMED" "${T[@]}" create-order after-crash sku-3300 1
echo "shop crash: $acked acknowledged orders, each once; no double charge; integrity ok"

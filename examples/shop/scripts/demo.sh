#!/usr/bin/env bash
# The shop, end to end: every service its own process on 127.0.0.1 with
# mutual TLS, and a scenario a person can follow with shop-cli. Each answer
# is checked: the script exits 1 and names the step that went wrong. Every
# process it starts is stopped on exit, whatever happens.
#
#   examples/shop/scripts/demo.sh BUILD_DIR     (`make demo` runs it)
set -euo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
bin=$(cd "$build" && pwd)/examples/shop
source "$here/shop_env.sh"
work=$(mktemp -d)
trap 'shop_stop; rm -rf "$work"' EXIT

step_name="checking the build"
step() {
  step_name=$*
  printf '\n== %s\n' "$*"
}
fail() {
  echo "demo FAILED at \"$step_name\": $*" >&2
  exit 1
}
say() { printf -- '-> %s\n' "$*"; }
# run WANT_CODE OUT shop-cli ARGS...: shows the output indented; fails
# unless shop-cli exits with WANT_CODE (0, or the gRPC status code).
run() {
  local want=$1 out=$2 rc=0
  shift 2
  "$bin/shop-cli" "$@" >"$out" 2>&1 || rc=$?
  sed 's/^/   /' "$out"
  [[ $rc == "$want" ]] || fail "shop-cli $3 exited with $rc, want $want"
}
has() { grep -qE -- "$2" "$1" || fail "the answer lacks: $2"; }

for program in shop-product shop-user shop-inventory shop-payment shop-order shop-cli; do
  [[ -x $bin/$program ]] || fail "$bin/$program is missing: build first (make build)"
done
started=$(date +%s)

# Each shipping step takes 1.5 s, so a person (and a slow machine) sees the
# order move.
SHOP_STEP_MS=1500

step "1. A local CA, a certificate per service, and five services on free ports"
shop_start "$bin" "$work" || fail "a service did not start"
for name in "${SHOP_SERVICES[@]}"; do printf '   %-9s %s  (pid %s)\n' "$name" "${SHOP_ADDR[$name]}" "${SHOP_PIDS[$name]}"; done
say "each listens with mutual TLS: a client without a certificate from the shop CA cannot connect"
cli=$SHOP_CLI_CONF
tok=$work/ada.token

step "2. Create a user and log in (scrypt password hash; Login returns a JWT)"
run 0 "$work/o" "$cli" create-user ada@example.com "Ada Lovelace" "analytical engine"
has "$work/o" "^user u-"
run 0 "$work/o" "$cli" login ada@example.com "analytical engine" "$tok"
has "$work/o" "logged in as u-"
ada=$(sed -n 's/^logged in as \(u-[0-9a-f]*\);.*/\1/p' "$work/o")
run 16 "$work/o" "$cli" login ada@example.com "wrong password" "$work/nothing"
has "$work/o" "UNAUTHENTICATED: wrong email or password"
say "a wrong password is UNAUTHENTICATED, with ErrorInfo reason INVALID_CREDENTIALS"

step "3. Without the token, the catalogue is closed"
run 16 "$work/o" "$cli" list-products
has "$work/o" "^error: UNAUTHENTICATED"

step "4. List products as a stream, two per page"
run 0 "$work/o" -t "$tok" "$cli" list-products --page-size 2
has "$work/o" "next page token: sku-2077"
run 0 "$work/o" -t "$tok" "$cli" list-products --page-size 2 --page-token sku-2077
has "$work/o" "sku-3300  USB-C cable"
say "one message per product; the page's last one carries the token of the next page"

step "5. Batch-create products (client streaming: all in one transaction)"
run 0 "$work/o" -t "$tok" "$cli" batch-create "sku-5001:Desk lamp:lighting:2490" \
  "sku-5002:Floor lamp:lighting:5990" "sku-5003:Reading light:lighting:1990"
has "$work/o" "created 3 products in one transaction"
run 6 "$work/o" -t "$tok" "$cli" batch-create "sku-5004:Wall lamp:lighting:3990" \
  "sku-5001:Desk lamp again:lighting:2490"
has "$work/o" "ALREADY_EXISTS"
run 5 "$work/o" -t "$tok" "$cli" get-product sku-5004
say "a batch with one taken id creates nothing: sku-5004 is NOT_FOUND"
run 0 "$work/o" -t "$tok" "$cli" list-products --category lighting
has "$work/o" "stream message 3"

step "6. Place an order: order calls user, product, inventory and payment"
run 0 "$work/o" -t "$tok" "$cli" get-stock sku-1042
has "$work/o" "17 available, 0 reserved"
SHOP_REQUEST_ID=demo-order-1 run 0 "$work/o" -t "$tok" "$cli" create-order demo-1 sku-1042 2
has "$work/o" "CONFIRMED  2 x sku-1042  259.80 EUR  payment pay-"
order=$(sed -n 's/^ *order \(ord-[0-9a-f]*\) .*/\1/p' "$work/o")

step "7. Watch the order ship (server streaming until DELIVERED)"
run 0 "$work/o" -t "$tok" "$cli" watch-order "$order"
has "$work/o" "DELIVERED"
[[ $(grep -c "<- " "$work/o") -ge 2 ]] || fail "the watch saw no change"
say "the order as it was, then each change as the shipper made it"

step "8. The order's request id in every service's log, and the same order sent again"
grep -h "demo-order-1" "$work"/{order,user,product,inventory,payment}.log | sed 's/^/   /'
for name in order user product inventory payment; do
  grep -q "demo-order-1" "$work/$name.log" || fail "the $name log lacks the request id"
done
SHOP_REQUEST_ID=demo-order-1-retry run 0 "$work/o" -t "$tok" "$cli" create-order demo-1 sku-1042 2
has "$work/o" "order $order"
run 0 "$work/o" -t "$tok" "$cli" get-stock sku-1042
has "$work/o" "15 available, 2 reserved"
say "sent again with the same request_id: the same order, reserved and charged once"

step "9. Watch prices (bidirectional: the watch list goes up, price changes come down)"
run 0 "$work/o" -t "$tok" "$cli" watch-prices sku-1042 sku-3300
has "$work/o" "changed: sku-1042 costs 130.00 EUR"
has "$work/o" "changed: sku-3300 costs 12.10 EUR"

step "10. Ask support about the order (bidirectional chat)"
run 0 "$work/o" -t "$tok" "$cli" chat "$order" "Hello" "Where is my order?"
has "$work/o" "support: Order $order is DELIVERED"

step "11. Errors, with their rich details"
run 9 "$work/o" -t "$tok" "$cli" create-order demo-2 sku-2077 99
has "$work/o" "precondition failure: STOCK product/sku-2077"
run 0 "$work/o" -t "$tok" "$cli" get-stock sku-2077
has "$work/o" "4 available, 0 reserved"
say "no stock: FAILED_PRECONDITION with a PreconditionFailure; nothing stays reserved"
run 9 "$work/o" -t "$tok" "$cli" create-order demo-3 sku-1042 8
has "$work/o" "precondition failure: PAYMENT_DECLINED"
run 0 "$work/o" -t "$tok" "$cli" get-stock sku-1042
has "$work/o" "15 available, 2 reserved"
say "8 reserved, then the card declined 1039.20 EUR: the reservation was released (compensation)"
run 3 "$work/o" -t "$tok" "$cli" create-product sku-6000 "" lighting -5
has "$work/o" "bad request: field product.name"
has "$work/o" "bad request: field product.price_cents"
say "a bad request: INVALID_ARGUMENT with a BadRequest naming every bad field"
run 0 "$work/o" "$cli" create-user bob@example.com "Bob" "difference engine"
run 0 "$work/o" "$cli" login bob@example.com "difference engine" "$work/bob.token"
run 7 "$work/o" -t "$work/bob.token" "$cli" get-order "$order"
has "$work/o" "PERMISSION_DENIED: the order belongs to another user"
run 7 "$work/o" -t "$tok" "$cli" reserve sneaky-1 sku-1042 1
has "$work/o" "PERMISSION_DENIED"
say "another user's order, and a method for services only: PERMISSION_DENIED"

step "12. Health and reflection: every service answers grpc.health.v1 and lists its services"
for name in "${SHOP_SERVICES[@]}"; do
  printf '   %s: ' "$name"
  run 0 "$work/o" "$cli" health "$name" >/dev/null
  has "$work/o" "^SERVING$"
  cat "$work/o"
done
run 0 "$work/o" "$cli" health order order.v1.OrderService
run 0 "$work/o" "$cli" list-services order
has "$work/o" "^order.v1.OrderService$"
has "$work/o" "^grpc.health.v1.Health$"
say "no token needed for these two: probes and tools carry no user (still mutual TLS)"

step "13. Stop every service (SIGTERM: graceful shutdown)"
shop_stop
for name in "${SHOP_SERVICES[@]}"; do
  grep -q "^$name service stopped" "$work/$name.log" || fail "shop-$name did not stop cleanly"
done
shop_clean_logs || fail "a service's log has a sanitizer report"
say "all five stopped"

echo
echo "shop demo finished in $(( $(date +%s) - started )) s: every answer was the expected one."

#!/usr/bin/env bash
# Abuse: SQL metacharacters in every string field (stored and returned
# verbatim, no table harmed), expired, forged and malformed tokens
# (UNAUTHENTICATED), another user's order (PERMISSION_DENIED), a method for
# services only (PERMISSION_DENIED), an oversize request
# (RESOURCE_EXHAUSTED); after each refusal, nothing was stored.
#   examples/shop/tests/abuse.sh BUILD_DIR
source "$(dirname "$0")/lib.sh"
shop_test_begin "${1:-build}"

email="o'brien\";--@example.com"
name="Robert'); DROP TABLE users;--"
password="p'w\"d; DELETE FROM users WHERE '1'='1"
expect_literal 0 "  $name  <$email>" "$cli" create-user "$email" "$name" "$password"
expect 0 "logged in as" "$cli" login "$email" "$password" "$work/mallory.token"
mallory=$(sed -n 's/^logged in as \(u-[0-9a-f]*\);.*/\1/p' <<<"$out")
M=(-t "$work/mallory.token" "$cli")
expect_literal 0 "user $mallory  $name  <$email>" "${M[@]}" get-user "$mallory"
[[ $(sql user "SELECT display_name FROM users WHERE id = '$mallory'") == "$name" ]] ||
  fail "display_name not stored verbatim"
[[ $(sql user "SELECT email FROM users WHERE id = '$mallory'") == "$email" ]] ||
  fail "email not stored verbatim"
expect 0 "user $mallory" "${M[@]}" update-user "$mallory" --name "x' WHERE 1=1;--"
[[ $(sql user "SELECT count(*) FROM users WHERE display_name = 'x'' WHERE 1=1;--'") == 1 ]] ||
  fail "UpdateUser did not store the name verbatim"

id="sku-'; DROP TABLE products;--"
pname='Bobby "Tables" \x27 %s %n'
category="x' OR '1'='1"
expect 0 "" "${M[@]}" create-product "$id" "$pname" "$category" 999 "desc'); DELETE FROM products;--"
expect_literal 0 "$id  Bobby \"Tables\"" "${M[@]}" get-product "$id"
expect 0 "stream message 1\)" "${M[@]}" list-products --category "$category"
[[ $(grep -c "stream message" <<<"$out") == 1 ]] || fail "the category filter matched more than its own product"
expect 0 "" "${M[@]}" list-products --page-token "' OR 1=1 --"
[[ $(sql product "SELECT name FROM products WHERE id = 'sku-''; DROP TABLE products;--'") == "$pname" ]] ||
  fail "product name not stored verbatim"
expect_literal 0 "stock $id: 3 available" "${M[@]}" set-stock "$id" 3
rid="r'); DELETE FROM orders;--"
expect_literal 0 "CONFIRMED  1 x $id  9.99 EUR" "${M[@]}" create-order "$rid" "$id" 1
order=$(sed -n 's/^order \(ord-[0-9a-f]*\) .*/\1/p' <<<"$out")
[[ $(sql order "SELECT request_id FROM orders WHERE id = '$order'") == "$rid" ]] ||
  fail "request_id not stored verbatim"
expect 0 "support: Order $order" "${M[@]}" chat "$order" "'; DROP TABLE orders;--" "status?"
for t in product:products user:users inventory:stock inventory:reservations payment:payments order:orders; do
  sql "${t%%:*}" "SELECT count(*) FROM ${t##*:}" >/dev/null || fail "table ${t##*:} is gone"
done
for name in product user inventory payment order; do
  [[ $(sql "$name" "PRAGMA integrity_check") == ok ]] || fail "$name.db integrity_check"
done

# Tokens: expired, signed with another key, malformed, none at all.
expired=$work/expired.token forged=$work/forged.token junk=$work/junk.token
"$bin/shop-cli" x mint-token "$work/keys/token.secret" "$mallory" -120 >"$expired"
head -c 32 /dev/urandom >"$work/other.secret"
"$bin/shop-cli" x mint-token "$work/other.secret" "$mallory" 3600 >"$forged"
echo "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0." >"$junk"
for t in "$expired" "$forged" "$junk"; do
  expect 16 "UNAUTHENTICATED" -t "$t" "$cli" create-product sku-evil Evil evil 1
  expect 16 "UNAUTHENTICATED" -t "$t" "$cli" create-order evil-1 sku-1042 1
  expect 16 "UNAUTHENTICATED" -t "$t" "$cli" get-order "$order"
done
expect 16 "expired" -t "$expired" "$cli" get-user "$mallory"
expect 16 "UNAUTHENTICATED" "$cli" create-product sku-evil Evil evil 1
expect 5 "NOT_FOUND" "${M[@]}" get-product sku-evil
[[ $(sql order "SELECT count(*) FROM orders WHERE request_id = 'evil-1'") == 0 ]] ||
  fail "an order was stored for a bad token"

# Another user's order, and methods for services only.
signup eve@example.com "eve's password" eve
E=(-t "$work/eve.token" "$cli")
expect 7 "NOT_OWNER" "${E[@]}" get-order "$order"
expect 7 "NOT_OWNER" "${E[@]}" watch-order "$order"
expect 7 "PERMISSION_DENIED" "${E[@]}" get-user "$mallory"
expect 7 "PERMISSION_DENIED" "${E[@]}" update-user "$mallory" --password "taken over"
expect 7 "PERMISSION_DENIED" "${E[@]}" delete-user "$mallory"
expect 7 "PERMISSION_DENIED" "${E[@]}" reserve evil-r sku-1042 1
expect 7 "PERMISSION_DENIED" "${E[@]}" pay evil-k "$eve" "$order" 1
expect 7 "PERMISSION_DENIED" "${E[@]}" refund pay-0
expect 0 "logged in" "$cli" login "$email" "$password" "$work/x"
[[ $(sql inventory "SELECT count(*) FROM reservations WHERE id = 'evil-r'") == 0 ]] || fail "evil-r stored"
[[ $(sql payment "SELECT count(*) FROM payments WHERE idempotency_key = 'evil-k'") == 0 ]] || fail "evil-k stored"

# Oversize: a 200 KB product (the services take 64 KB requests).
expect 8 "RESOURCE_EXHAUSTED" "${M[@]}" create-product sku-big Big big 1 --pad 200000
expect 5 "NOT_FOUND" "${M[@]}" get-product sku-big

echo "shop abuse: $checks checks passed"

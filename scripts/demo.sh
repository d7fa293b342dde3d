#!/usr/bin/env bash
# make demo-product: the shop's product service (examples/product) end to end. It
# starts product_server on a free port, looks products up with the C client
# (blocking and callback stubs) and with grpcio, the reference gRPC stack,
# shows protobuf bytes going both ways between cgrpc and protoc, and stops
# the server. Every answer is checked: the script exits 1 and says which
# step went wrong when one is not what it should be.
#
#   scripts/demo.sh BUILD_DIR    (the binaries are in BUILD_DIR/examples/product)
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$build/examples/product"
proto_dir="$root/examples/product"
source "$root/examples/server.sh"
work=$(mktemp -d)
trap 'server_stop || true; rm -rf "$work"' EXIT

step_name="checking the build"
step() {
  step_name=$*
  printf '\n== %s\n' "$*"
}
fail() {
  echo "demo FAILED at \"$step_name\": $*" >&2
  exit 1
}
indent() { sed 's/^/  /'; }

# run_client WANT_STATUS OUT CMD...: runs a client, shows its output and fails
# unless it exits with WANT_STATUS (0 all found, 1 some not found).
run_client() {
  local want=$1 out=$2 rc=0
  shift 2
  "$@" >"$out" 2>&1 || rc=$?
  indent <"$out"
  [[ $rc == "$want" ]] || fail "$(basename "$1") exited with status $rc, want $want"
}

# has FILE LINE: fails unless FILE holds LINE exactly.
has() {
  grep -qxF -- "$2" "$1" || fail "the answer lacks the line: $2"
}

for program in product_server product_client product_pb_demo; do
  [[ -x "$bin/$program" ]] || fail "$bin/$program is missing: build first (make build)"
done

step "1. Start product_server on a free port"
server_start "$work/server.log" "$bin/product_server" || fail "the server did not start"
indent <"$work/server.log"

found="sku-1042: Noise-cancelling headphones, 129.90 EUR, 17 in stock"
missing='sku-9: not found (the server says: product "sku-9" not found)'

step "2. product_client (C, blocking stub) looks up sku-1042 and sku-9"
run_client 1 "$work/c.txt" "$bin/product_client" "$SERVER_ADDRESS" sku-1042 sku-9
has "$work/c.txt" "$found"
has "$work/c.txt" "$missing"
echo "-> the catalogue had sku-1042; sku-9 came back NOT_FOUND, with its id in the message"

step "3. product_client --async: three lookups at once, with the callback stub"
run_client 1 "$work/async.txt" "$bin/product_client" --async "$SERVER_ADDRESS" sku-2077 sku-9 \
  sku-3300
has "$work/async.txt" "sku-2077: Mechanical keyboard, 89.50 EUR, 4 in stock"
has "$work/async.txt" "sku-3300: USB-C cable, 12.00 EUR, 250 in stock"
has "$work/async.txt" "$missing"
echo "-> all three answered, each with its own product or NOT_FOUND"

step "4. grpcio (Python, the reference gRPC implementation) asks our server the same as step 2"
/usr/bin/python3 -c 'import grpc, grpc_tools' 2>/dev/null ||
  fail "/usr/bin/python3 lacks grpcio or grpc_tools: run scripts/install-deps.sh test"
run_client 1 "$work/python.txt" /usr/bin/python3 "$proto_dir/product_client.py" \
  "$SERVER_ADDRESS" sku-1042 sku-9
cmp -s "$work/c.txt" "$work/python.txt" || fail "grpcio got a different answer than the C client"
echo "-> the reference client got exactly what the C client got"

step "5. Protobuf alone: cgrpc's bytes read by protoc, protoc's bytes read by cgrpc"
"$bin/product_pb_demo" encode "$work/ours.bin" | indent
protoc -I"$proto_dir" --decode=shop.Product product.proto <"$work/ours.bin" >"$work/ours.txt" ||
  fail "protoc could not decode cgrpc's bytes"
indent <"$work/ours.txt"
grep -q '^id: "sku-1042"$' "$work/ours.txt" || fail "protoc did not read the id cgrpc wrote"
protoc -I"$proto_dir" --encode=shop.Product product.proto >"$work/theirs.bin" <<'TEXT'
id: "sku-2077"
name: "Mechanical keyboard"
price { currency: "EUR" units: 89 nanos: 500000000 }
stock: 4
tags: "input"
attributes { key: "layout" value: "ISO-DE" }
TEXT
"$bin/product_pb_demo" decode "$work/theirs.bin" >"$work/theirs.txt" ||
  fail "cgrpc could not decode protoc's bytes"
indent <"$work/theirs.txt"
grep -q "Mechanical keyboard" "$work/theirs.txt" || fail "cgrpc did not read the name protoc wrote"
protoc -I"$proto_dir" --encode=shop.Product product.proto <"$work/ours.txt" >"$work/roundtrip.bin"
cmp -s "$work/ours.bin" "$work/roundtrip.bin" ||
  fail "cgrpc's bytes changed in a round trip through protoc"
echo "-> both read each other's bytes; a round trip through protoc gives cgrpc's bytes back"

step "6. Stop the server (SIGTERM: graceful shutdown)"
server_stop || fail "the server exited with status $? (see its output above)"
tail -n 1 "$work/server.log" | indent
grep -qx "product server stopped" "$work/server.log" || fail "the server did not say it stopped"

echo
echo "demo finished: every answer was the expected one."

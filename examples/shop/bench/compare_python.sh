#!/usr/bin/env bash
# GetProduct in C on cgrpc (shop-product) against the same service in Python
# on grpcio (product_server.py), on one machine in one run: same SQLite
# database, same mutual TLS, same token check, same client (shop-load with
# THREADS threads for SECONDS each). Prints both and the ratios.
#
#   examples/shop/bench/compare_python.sh BUILD_DIR [THREADS [SECONDS]]
set -euo pipefail
build=${1:-build}
threads=${2:-8}
seconds=${3:-10}
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../scripts/shop_env.sh"
SHOP_BIN=$(cd "$build" && pwd)/examples/shop
SHOP_WORK=$(mktemp -d)
py_pid=
trap 'shop_stop; [[ -z $py_pid ]] || { kill "$py_pid" 2>/dev/null; wait "$py_pid" 2>/dev/null || true; }; rm -rf "$SHOP_WORK"' EXIT
w=$SHOP_WORK
python=/usr/bin/python3

"$here/../scripts/make_ca.sh" "$w/keys"
_shop_conf product
# No line per call: the Python service logs nothing either.
echo "log = warning" >>"$w/product.conf"
shop_start_one product

# The Python stubs, from the same product.proto without the REST annotations
# (Python's import of google.api would clash with the installed google.protobuf).
mkdir -p "$w/gen/product/v1"
sed -e '/google\/api\/annotations.proto/d' -e '/option (google.api.http)/d' \
  "$here/../proto/product/v1/product.proto" >"$w/gen/product/v1/product.proto"
"$python" -m grpc_tools.protoc -I"$w/gen" --python_out="$w/gen" --grpc_python_out="$w/gen" \
  "$w/gen/product/v1/product.proto"
"$python" "$here/product_server.py" "$w/gen" "$w/product.db" "$w/keys" >"$w/python.log" 2>&1 &
py_pid=$!
for _ in $(seq 100); do grep -q "listening" "$w/python.log" && break; sleep 0.1; done
py_addr=$(sed -n 's/^python product service listening on //p' "$w/python.log")
[[ -n $py_addr ]] || { cat "$w/python.log"; exit 1; }

"$SHOP_BIN/shop-cli" x mint-token "$w/keys/token.secret" u-bench 3600 >"$w/token"
for who in c py; do
  addr=${SHOP_ADDR[product]}
  [[ $who == py ]] && addr=$py_addr
  printf 'tls.ca = %s\ntls.cert = %s\ntls.key = %s\npeer.product = %s\n' "$w/keys/ca.pem" \
    "$w/keys/shop-cli.pem" "$w/keys/shop-cli.key" "$addr" >"$w/$who.conf"
done
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
c=$("$SHOP_BIN/shop-load" -t "$w/token" "$w/c.conf" get-product "$threads" "$seconds" sku-1042)
py=$("$SHOP_BIN/shop-load" -t "$w/token" "$w/py.conf" get-product "$threads" "$seconds" sku-1042)
echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"
echo "cgrpc (C):       $c"
echo "grpcio (Python): $py"
rate() { sed -n 's/.*: \([0-9.]*\) calls\/s.*/\1/p' <<<"$1"; }
p99() { sed -n 's/.*p99 \([0-9.]*\) ms.*/\1/p' <<<"$1"; }
awk -v a="$(rate "$c")" -v b="$(rate "$py")" -v x="$(p99 "$c")" -v y="$(p99 "$py")" \
  'BEGIN { printf "cgrpc / grpcio: %.1fx the calls per second, p99 %.2f ms against %.2f ms\n", a / b, x, y }'

#!/usr/bin/env bash
# make demo: shows the protobuf runtime end to end on the shop's product
# schema — our encoder's bytes read by protoc (the reference), the reference's
# bytes read by our decoder. Usage: scripts/demo.sh BUILD_DIR
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
demo="$build/examples/product/product_pb_demo"
proto_dir="$root/examples/product"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

step() { printf '\n== %s\n' "$*"; }

step "1. cgrpc encodes a shop.Product (generated from examples/product/product.proto)"
"$demo" encode "$work/ours.bin"

step "2. protoc, the reference implementation, decodes our bytes"
protoc -I"$proto_dir" --decode=shop.Product product.proto <"$work/ours.bin" | sed 's/^/  /'

step "3. protoc encodes a different product from text; cgrpc decodes it"
protoc -I"$proto_dir" --encode=shop.Product product.proto >"$work/theirs.bin" <<'TEXT'
id: "sku-2077"
name: "Mechanical keyboard"
price { currency: "EUR" units: 89 nanos: 500000000 }
stock: 4
tags: "input"
attributes { key: "layout" value: "ISO-DE" }
TEXT
"$demo" decode "$work/theirs.bin"

step "4. a round trip through both is byte-identical"
protoc -I"$proto_dir" --decode=shop.Product product.proto <"$work/ours.bin" |
  protoc -I"$proto_dir" --encode=shop.Product product.proto >"$work/roundtrip.bin"
if cmp -s "$work/ours.bin" "$work/roundtrip.bin"; then
  echo "  identical: $(stat -c %s "$work/ours.bin") bytes"
else
  echo "  bytes differ after a round trip through protoc" >&2
  exit 1
fi
echo
echo "demo finished: cgrpc and the reference implementation agree."

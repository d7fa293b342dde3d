#!/usr/bin/env bash
# Installs the Debian packages cgrpc needs, but only those that are missing.
# Usage: scripts/install-deps.sh [build|test|bench|all] (default: test).
#
#   build  what building and installing the library and protoc-gen-cgrpc
#          needs (`make`, `make install`): a C compiler, cmake, pkg-config,
#          protoc, nghttp2, zlib and OpenSSL
#   test   build, plus the tests' tools and peers (`make check`, `make demo`,
#          `make coverage`): clang, valgrind, lcov, grpcio, grpc-js, ...
#   bench  build, plus the benchmarks' peer libraries (`make bench`)
#   all    all three
set -euo pipefail
profile=${1:-test}

# grpc-proto: the cgrpc command line tool (tools/cgrpc) embeds its reflection
# and health .proto files at build time. libc-ares-dev: channels' DNS resolver
# (src/rpc/resolver_dns.c).
build_pkgs=(build-essential cmake pkg-config protobuf-compiler libnghttp2-dev zlib1g-dev
            libssl-dev grpc-proto libc-ares-dev)
# dnsmasq-base: /usr/sbin/dnsmasq, the DNS server the load-balancing test starts
# (tests/unit/rpc/test_lb_dns.c); the binary only, no system service.
# libprotobuf-dev: the well-known types (google/protobuf/*.proto) the tests'
# schemas import. golang-github-gogo-googleapis-dev: google/rpc/status.proto
# and error_details.proto, for the rich error details tests. openssl: the TLS
# tests' certificates and s_client. dpkg-dev and g++ (in build-essential too;
# named for what uses them): scripts/conformance-runner.sh unpacks Debian's
# protobuf source package and builds protobuf's conformance_test_runner
# against libprotobuf-dev. grpc-proto: grpc's own .proto files (the interop
# service; health and reflection, from which compiler/bootstrap.cmake checks
# src/services and tests/services generates grpcio stubs). The npm peers
# (buf curl for tests/services too) come from scripts/install-npm-deps.sh.
# protoparse.same_as_protoc (tests/protoparse/)
# compares the .proto parser with protoc on libprotobuf-dev's and grpc-proto's
# files, with python3-protobuf.
# chromium: the browser of the web.browser test
# (tests/web/test_browser.py, driven by npm playwright-core); python3-h2 (and
# its python3-hpack): the web and h2spec tests' HTTP/2 client and raw frames;
# python3-grpc-tools: the protosets the web tests give buf curl and
# connect-node.
# examples/shop (`make demo`): libsqlite3-dev (each service's database),
# golang-github-gogo-googleapis-dev (google.api.http annotations, google.rpc
# error details), libprotobuf-dev (Timestamp, Empty), grpc-proto (shop-cli's
# health and reflection calls), openssl (its local CA); sqlite3: the shop's
# tests query the databases.
# The REST tests (tests/rest/) also take google/api/http.proto
# and annotations.proto from golang-github-gogo-googleapis-dev; curl: their
# REST and Connect client.
test_pkgs=(curl libprotobuf-dev clang libclang-rt-14-dev llvm valgrind lcov grpc-proto
           python3-protobuf python3-grpcio python3-grpc-tools python3-h2 nghttp2-client
           libsqlite3-dev nodejs npm golang-github-gogo-googleapis-dev python3-jwt
           python3-cryptography openssl dpkg-dev g++ chromium sqlite3
           nginx-light dnsmasq-base)  # nginx-light: the L7 proxy of tests/nginx (grpc_pass, grpcs upstream)
# grpc-go's generator is the 1.3 line Debian's grpc-go sources expect. nginx:
# the reference for TLS handshakes per second (bench/grpc/tls_bench.py).
# golang-grpc-gateway (protoc-gen-grpc-gateway) and
# golang-github-grpc-ecosystem-grpc-gateway-dev (its runtime and
# google/api protos): grpc-gateway, the peer of the REST benchmark
# (bench/web/); golang-github-gogo-googleapis-dev: google/api/http.proto for
# cgrpc's side of it.
bench_pkgs=(libprotobuf-dev libprotobuf-c-dev protobuf-c-compiler libnanopb-dev nanopb libcjson-dev
            libgrpc++-dev protobuf-compiler-grpc nghttp2-client nodejs npm
            golang-go golang-google-grpc-dev protoc-gen-go-1-3 libjwt-dev nginx-light openssl
            golang-grpc-gateway golang-github-grpc-ecosystem-grpc-gateway-dev
            golang-github-gogo-googleapis-dev)

case "$profile" in
  build) want=("${build_pkgs[@]}") ;;
  test) want=("${build_pkgs[@]}" "${test_pkgs[@]}") ;;
  bench) want=("${build_pkgs[@]}" "${bench_pkgs[@]}") ;;
  all) want=("${build_pkgs[@]}" "${test_pkgs[@]}" "${bench_pkgs[@]}") ;;
  *) echo "usage: $0 [build|test|bench|all]" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
# nodejs may come from elsewhere than Debian; a working node and npm will do.
if command -v node >/dev/null && command -v npm >/dev/null; then
  filtered=()
  for p in "${missing[@]}"; do [[ "$p" == nodejs || "$p" == npm ]] || filtered+=("$p"); done
  missing=("${filtered[@]}")
fi
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "cgrpc: installing missing Debian packages: ${missing[*]}"
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    SUDO=sudo
  else
    echo "cgrpc: these packages are missing and installing them needs root. Run:" >&2
    echo "  sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"

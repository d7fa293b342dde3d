#!/usr/bin/env bash
# gRPC-Web over HTTP/1.1 against gRPC over HTTP/2 on one cgrpc server
# (web_bench.py explains). Usage: bench/grpc_web/run.sh BUILD_DIR
# Environment: BENCH_ROUNDS (3), BENCH_SECONDS (3), BENCH_CONNS (16),
# BENCH_DEPTH (32), BENCH_SERVER_CPU (0) and BENCH_LOAD_CPU (1).
set -euo pipefail
build=${1:?usage: bench/grpc_web/run.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
for tool in h2load taskset /usr/bin/python3; do
  command -v "$tool" >/dev/null || {
    echo "bench grpc_web: $tool is missing (scripts/install-deps.sh bench)" >&2
    exit 1
  }
done
exec /usr/bin/python3 "$here/web_bench.py" "$build"

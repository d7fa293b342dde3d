#!/usr/bin/env bash
# The gRPC benchmark: cgrpc against grpc C++, grpc-go and grpc-js, as
# servers under h2load and as clients (ping-pong and 128 calls in flight),
# every response checked before anything is timed. harness.py does the work
# and prints the tables; this script checks the tools and installs the
# grpc-js peer's npm packages (npm ci, exactly as package-lock.json pins
# them) when they are missing or older than the lock file. idle_conns.py then
# measures the servers' memory per idle connection.
#
# Usage: bench/grpc/run.sh BUILD_DIR   (configured with -DCGRPC_BUILD_BENCH=ON)
# Environment: BENCH_ROUNDS (3), BENCH_SECONDS per measurement (2),
# BENCH_WARMUP seconds of h2load warm-up (1), BENCH_SERVERS / BENCH_CLIENTS
# (comma lists of cgrpc, grpc-cpp, grpc-go, grpc-js; default all built),
# BENCH_SERVER_CPU (0) and BENCH_LOAD_CPU (1), empty for no pinning.
set -euo pipefail
build=${1:?usage: bench/grpc/run.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)

for tool in h2load taskset /usr/bin/python3; do
  command -v "$tool" >/dev/null || {
    echo "bench grpc: $tool is missing (scripts/install-deps.sh bench)" >&2
    exit 1
  }
done

js="$here/js"
if command -v npm >/dev/null && command -v node >/dev/null; then
  stamp="$js/node_modules/.package-lock.json"
  if [[ ! -f "$stamp" || "$js/package-lock.json" -nt "$stamp" || "$js/package.json" -nt "$stamp" ]]; then
    echo "bench grpc: installing the grpc-js peer's npm packages"
    (cd "$js" && npm ci --no-audit --no-fund --loglevel=error) ||
      echo "bench grpc: npm ci failed; leaving grpc-js out"
  fi
else
  echo "bench grpc: node and npm not found; leaving grpc-js out"
fi

/usr/bin/python3 "$here/harness.py" "$build"
# Memory per idle connection (10,000 of them), never used and after a call.
"$here/idle_conns.py" "$build"
"$here/idle_conns.py" "$build" --used

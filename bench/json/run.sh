#!/usr/bin/env bash
# The JSON benchmark: verifies that cgrpc and C++ protobuf print the
# reference text exactly and parse it, then runs the three programs
# interleaved ROUNDS times (noise falls on all alike) and prints the median
# ns/op of each with cgrpc's speed-up.
#
# Usage: bench/json/run.sh BUILD_DIR   (configured with -DCGRPC_BUILD_BENCH=ON)
# Environment: BENCH_ROUNDS (default 5), BENCH_BATCHES per run (5), BENCH_OPS
# per batch (20000), BENCH_CPU to pin to (1; empty for no pinning).
set -euo pipefail
build=${1:?usage: bench/json/run.sh BUILD_DIR}
rounds=${BENCH_ROUNDS:-5}
batches=${BENCH_BATCHES:-5}
ops=${BENCH_OPS:-20000}
cpu=${BENCH_CPU-1}
bindir="$build/bench/json"
pin=()
if [[ -n "$cpu" ]] && command -v taskset >/dev/null && taskset -c "$cpu" true 2>/dev/null; then
  pin=(taskset -c "$cpu")
fi
impls=()
for name in cgrpc protobuf_cpp cjson; do
  bin="$bindir/bench_json_$name"
  [[ -x "$bin" ]] || { echo "bench json: $bin is not built" >&2; exit 1; }
  "$bin" verify
  impls+=("$bin")
done
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for ((r = 0; r < rounds; r++)); do
  for bin in "${impls[@]}"; do "${pin[@]}" "$bin" "$batches" "$ops" >>"$out"; done
done
awk '
  { k = $1 " " $2; v[k, ++n[k]] = $3 }
  function median(k,   m, i, j, t, a) {
    m = n[k]; for (i = 1; i <= m; i++) a[i] = v[k, i]
    for (i = 2; i <= m; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
    return a[int((m + 1) / 2)]
  }
  END {
    printf "%-14s %10s %10s %16s %16s\n", "implementation", "decode ns", "encode ns", "decode vs cgrpc", "encode vs cgrpc"
    cd = median("cgrpc decode"); ce = median("cgrpc encode")
    split("cgrpc protobuf-cpp cjson", names, " ")
    for (i = 1; i <= 3; i++) {
      d = median(names[i] " decode"); e = median(names[i] " encode")
      printf "%-14s %10.1f %10.1f %15.2fx %15.2fx\n", names[i], d, e, d / cd, e / ce
    }
  }' "$out"

#!/usr/bin/env bash
# The protobuf benchmark: checks that every implementation encodes and
# decodes the fixture Person exactly right, then times them interleaved
# (A B C D A B C D ...) so that noise from the rest of the machine falls on
# all alike, and prints the median ns/op of each with cgrpc's speed-up.
#
# Usage: bench/pb/run.sh BUILD_DIR   (configured with -DCGRPC_BUILD_BENCH=ON)
# Environment: BENCH_ROUNDS runs of each executable (default 10),
# BENCH_BATCHES timed batches per run (3), BENCH_OPS operations per batch
# (10000), BENCH_CPU the CPU to pin to (1; empty for no pinning).
set -euo pipefail
build=${1:?usage: bench/pb/run.sh BUILD_DIR}
rounds=${BENCH_ROUNDS:-10}
batches=${BENCH_BATCHES:-3}
ops=${BENCH_OPS:-10000}
cpu=${BENCH_CPU-1}
here=$(cd "$(dirname "$0")" && pwd)
bindir="$build/bench/pb"

# cgrpc first: every peer is compared with it.
impls=()
for name in cgrpc protobuf_c nanopb protobuf_cpp; do
  bin="$bindir/bench_pb_$name"
  if [[ -x "$bin" ]]; then
    impls+=("$bin")
  else
    echo "bench pb: $bin is not built; leaving $name out"
  fi
done
if [[ ${#impls[@]} -eq 0 ]]; then
  echo "bench pb: nothing built in $bindir (configure with -DCGRPC_BUILD_BENCH=ON)" >&2
  exit 1
fi

# One CPU, so the scheduler cannot move a run between cores mid-batch.
pin=()
if [[ -n "$cpu" ]] && command -v taskset >/dev/null && taskset -c "$cpu" true 2>/dev/null; then
  pin=(taskset -c "$cpu")
fi

for bin in "${impls[@]}"; do "${pin[@]}" "$bin" verify; done

echo
echo "bench pb: $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(nproc) CPUs;" \
  "$(date -u '+%Y-%m-%d %H:%M UTC')"
echo "bench pb: $rounds rounds of ${#impls[@]} executables x $batches batches x $ops ops;" \
  "${pin[*]:-not pinned}"
samples="$bindir/samples.txt"
: >"$samples"
for ((round = 0; round < rounds; round++)); do
  for bin in "${impls[@]}"; do "${pin[@]}" "$bin" time "$batches" "$ops" >>"$samples"; done
done
echo
awk -f "$here/report.awk" "$samples"

#!/usr/bin/env bash
# The .proto parser benchmark: cgrpc's parser against `protoc -o /dev/null`
# on every .proto under /usr/include/google/protobuf. First checks that both
# give the same descriptor set; then times whole processes, interleaved
# (protoc, then bench_protoparse writing the set to /dev/null), and prints
# the median wall and CPU time of each and the ratios; then the in-process
# time of one pass (a new parser that parses every file) against protoc's
# process.
# Usage: bench/protoparse/run.sh BUILD_DIR   (configured with -DCGRPC_BUILD_BENCH=ON)
# Environment: BENCH_ROUNDS (process runs of each, default 30), BENCH_CPU the
# CPU to pin to (1; empty for no pinning).
set -euo pipefail
build=${1:?usage: bench/protoparse/run.sh BUILD_DIR}
bin="$(cd "$build" && pwd)/bench/protoparse/bench_protoparse"
[[ -x "$bin" ]] || { echo "bench protoparse: $bin is not built" >&2; exit 1; }
protoc=$(command -v protoc) || { echo "bench protoparse: no protoc" >&2; exit 1; }
cpu=${BENCH_CPU-1}
pin=()
if [[ -n "$cpu" ]] && command -v taskset >/dev/null && taskset -c "$cpu" true 2>/dev/null; then
  pin=(taskset -c "$cpu")
fi
rounds=${BENCH_ROUNDS:-30}
cd /usr/include
mapfile -t files < <(find google/protobuf -name '*.proto' | sort)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Correctness first: the same bytes as protoc's descriptor set.
"$protoc" -I. --include_imports -o "$tmp/protoc.pb" "${files[@]}"
"$bin" once "$tmp/cgrpc.pb" -I . "${files[@]}"
cmp "$tmp/protoc.pb" "$tmp/cgrpc.pb" || { echo "bench protoparse: descriptor sets differ" >&2; exit 1; }

echo "bench protoparse: ${#files[@]} files; $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')," \
  "$(nproc) CPUs; $(date -u '+%Y-%m-%d %H:%M UTC'); ${pin[*]:-not pinned}; $($protoc --version)"
"${pin[@]}" "$bin" spawn "$rounds" -I . "${files[@]}" | tee "$tmp/spawn"
p=$(sed -n 's/.*protoc wall [0-9]* us, CPU \([0-9]*\) us.*/\1/p' "$tmp/spawn")
"${pin[@]}" "$bin" time 9 20 -I . "${files[@]}" | tee "$tmp/inproc"
inproc=$(sed -n 's/.* us per pass, CPU \([0-9.]*\) us.*/\1/p' "$tmp/inproc")
echo "CPU of an in-process pass against protoc's process: $(awk -v p="$p" -v c="$inproc" 'BEGIN {printf "%.1f", p / c}')x less"

#!/usr/bin/env bash
# The JWT benchmark: checks that cgrpc and libjwt both accept the tokens and
# refuse tampered ones, then times verification, interleaved per round, and
# prints the median ns per verification with cgrpc's speed-up.
# Usage: bench/jwt/run.sh BUILD_DIR   (configured with -DCGRPC_BUILD_BENCH=ON)
# Environment: BENCH_ROUNDS (default 7), BENCH_OPS verifications per round
# for RS256/ES256 (2000; HS256 does ten times as many), BENCH_CPU the CPU to
# pin to (1; empty for no pinning).
set -euo pipefail
build=${1:?usage: bench/jwt/run.sh BUILD_DIR}
bin="$build/bench/jwt/bench_jwt"
[[ -x "$bin" ]] || { echo "bench jwt: $bin is not built" >&2; exit 1; }
cpu=${BENCH_CPU-1}
pin=()
if [[ -n "$cpu" ]] && command -v taskset >/dev/null && taskset -c "$cpu" true 2>/dev/null; then
  pin=(taskset -c "$cpu")
fi
"${pin[@]}" "$bin" verify
echo "bench jwt: $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(nproc) CPUs;" \
  "$(date -u '+%Y-%m-%d %H:%M UTC'); ${pin[*]:-not pinned}"
"${pin[@]}" "$bin" time "${BENCH_ROUNDS:-7}" "${BENCH_OPS:-2000}"

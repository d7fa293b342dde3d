#!/usr/bin/env bash
# The retry-policy benchmark: client CPU per unary call with and without a
# retry policy (every call succeeds first time), side by side in one run.
# Usage: bench/retry/run.sh BUILD_DIR   (configured with -DCGRPC_BUILD_BENCH=ON)
# Environment: BENCH_ROUNDS (21), BENCH_CALLS per round and channel (20000),
# BENCH_CPU: the CPU to pin the process to with taskset (default 1; empty for none).
set -euo pipefail
build=${1:?usage: bench/retry/run.sh BUILD_DIR}
bin="$build/bench/retry/bench_retry"
[[ -x "$bin" ]] || { echo "bench retry: $bin is not built (target cgrpc_bench)" >&2; exit 1; }
pin=()
cpus=${BENCH_CPU-1}
[[ -n "$cpus" ]] && command -v taskset >/dev/null && pin=(taskset -c "$cpus")
"${pin[@]}" "$bin" "${BENCH_ROUNDS:-21}" "${BENCH_CALLS:-20000}"

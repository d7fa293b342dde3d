#!/usr/bin/env bash
# The interceptor benchmark: server CPU per call with no interceptor, an
# empty one, and the logging one, side by side in one run.
# Usage: bench/interceptor/run.sh BUILD_DIR   (configured with -DCGRPC_BUILD_BENCH=ON)
# Environment: BENCH_ROUNDS (15), BENCH_CALLS per round and chain (20000),
# BENCH_CPU: the CPU to pin the whole process to with taskset (default 1; empty
# for none). On one CPU the per-call CPU time does not depend on how the
# threads happen to overlap, which otherwise drowns a difference of 100 ns.
set -euo pipefail
build=${1:?usage: bench/interceptor/run.sh BUILD_DIR}
bin="$build/bench/interceptor/bench_interceptor"
[[ -x "$bin" ]] || { echo "bench interceptor: $bin is not built (target cgrpc_bench)" >&2; exit 1; }
pin=()
cpus=${BENCH_CPU-1}
[[ -n "$cpus" ]] && command -v taskset >/dev/null && pin=(taskset -c "$cpus")
"${pin[@]}" "$bin" "${BENCH_ROUNDS:-15}" "${BENCH_CALLS:-20000}"

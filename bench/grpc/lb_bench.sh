#!/usr/bin/env bash
# bench/grpc/lb_bench.sh BUILD_DIR — client unary calls/s over round_robin to
# four backends: cgrpc's, grpc C++'s and grpc-go's clients, in turns, in the
# same run, against the same four cgrpc bench_servers (one loop each, on
# 127.0.0.1-4, pinned to CPU 0; the client pinned to CPU 1). Each client
# keeps --inflight calls in flight on one channel (throughput mode of
# bench_client*.c) with --lb=round_robin over "ipv4:A:P1,B:P2,C:P3,D:P4".
# Prints each run and the median per client. Knobs: ROUNDS (3),
# SECONDS_PER_RUN (3), INFLIGHT (128), PIN (1; 0: no taskset at all).
set -euo pipefail
build=${1:-build-bench}
bin=$build/bench/grpc
rounds=${ROUNDS:-3}
secs=${SECONDS_PER_RUN:-3}
inflight=${INFLIGHT:-128}
if [ "${PIN:-1}" = 1 ]; then pin0="taskset -c 0"; pin1="taskset -c 1"; else pin0=; pin1=; fi

ports=$(python3 -c '
import socket
socks = [socket.socket() for _ in range(4)]
for s in socks: s.bind(("0.0.0.0", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))')
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
target=ipv4:
i=1
for p in $ports; do
  $pin0 "$bin/bench_server" --port="$p" --threads=1 >/dev/null 2>&1 &
  pids+=($!)
  target+="127.0.0.$i:$p,"
  i=$((i + 1))
done
target=${target%,}
sleep 1

declare -A rates
clients=(cgrpc:bench_client cpp:bench_client_cpp go:bench_client_go)
for c in "${clients[@]}"; do
  exe=$bin/${c#*:}
  [ -x "$exe" ] || { echo "missing $exe" >&2; exit 1; }
  "$exe" verify --target="$target" --lb=round_robin >/dev/null
done
for r in $(seq "$rounds"); do
  for c in "${clients[@]}"; do
    name=${c%%:*}
    out=$($pin1 "$bin/${c#*:}" throughput --target="$target" --lb=round_robin \
          --seconds="$secs" --warmup=0.5 --inflight="$inflight")
    echo "round $r $name: $out"
    rate=$(sed -n 's/.*rate=\([0-9.]*\).*/\1/p' <<<"$out")
    rates[$name]="${rates[$name]:-} $rate"
  done
done
for name in cgrpc cpp go; do
  med=$(tr ' ' '\n' <<<"${rates[$name]}" | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  echo "median $name: $med calls/s"
done

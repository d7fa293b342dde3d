#!/usr/bin/env bash
# The REST benchmark: GET /v1/items/{id} through cgrpc's in-process REST
# transcoding against grpc-gateway 1.6.4 in front of the same cgrpc server,
# both over HTTP/1.1 keep-alive, driven by `h2load --h1` in the same run.
# Every response is checked (status 200 and the expected JSON) before
# anything is timed; the two take turns, BENCH_ROUNDS rounds, best of each.
#
# The serving side gets one core: cgrpc runs one loop thread; grpc-gateway
# runs with GOMAXPROCS=1 and its cgrpc backend (one loop thread) on the same
# core; h2load runs on the other core.
#
# Usage: bench/web/run.sh BUILD_DIR   (configured with -DCGRPC_BUILD_BENCH=ON)
# Environment: BENCH_ROUNDS (3), BENCH_REQUESTS per measurement (200000),
# BENCH_CONNECTIONS (32), BENCH_PIPELINE (1: requests in flight per
# connection), BENCH_SERVER_CPU (0), BENCH_LOAD_CPU (1).
set -euo pipefail
build=${1:?usage: bench/web/run.sh BUILD_DIR}
server=$build/bench/web/rest_bench_server
gateway=$build/bench/web/rest_bench_gateway
rounds=${BENCH_ROUNDS:-3}
requests=${BENCH_REQUESTS:-200000}
conns=${BENCH_CONNECTIONS:-32}
depth=${BENCH_PIPELINE:-1} # requests in flight per connection (HTTP/1.1 pipelining)
scpu=${BENCH_SERVER_CPU:-0}
lcpu=${BENCH_LOAD_CPU:-1}
for tool in h2load taskset curl "$server" "$gateway"; do
  command -v "$tool" >/dev/null || { echo "bench web: $tool is missing" >&2; exit 1; }
done

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

# start NAME CMD...: runs CMD with stdin held open, reads "port N" into
# $NAME and the process id into ${NAME}_pid.
start() {
  local fifo; fifo=$(mktemp -u); mkfifo "$fifo"
  local out; out=$(mktemp)
  sleep 100000 >"$fifo" &
  pids+=($!)
  taskset -c "$scpu" "${@:2}" <"$fifo" >"$out" &
  pids+=($!)
  eval "${1}_pid=$!"
  for _ in $(seq 100); do grep -q '^port ' "$out" && break; sleep 0.05; done
  eval "$1=$(awk '/^port /{print $2}' "$out")"
  rm -f "$fifo"
}

start cgrpc_port "$server" 1
start backend_port "$server" 1
start gateway_port env GOMAXPROCS=1 "$gateway" -backend "127.0.0.1:$backend_port"

url_cgrpc="http://127.0.0.1:$cgrpc_port/v1/items/sku-1042?version=1"
url_gateway="http://127.0.0.1:$gateway_port/v1/items/sku-1042?version=1"
want='"id":"sku-1042"'
# grpc-gateway 1.6.4 prints proto field names (price_cents), cgrpc JSON names.
price='"price_?[cC]ents":"5000"'
for u in "$url_cgrpc" "$url_gateway"; do
  body=$(curl -s --http1.1 "$u")
  [[ "$body" == *"$want"* && "$body" =~ $price ]] || {
    echo "bench web: $u answered $body" >&2; exit 1; }
done

# CPU time (user + system clock ticks) of the serving processes.
ticks() { local t=0 p; for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo $t; }
hz=$(getconf CLK_TCK)

# measure URL PID... -> "req/s requests-per-CPU-second"
measure() {
  local t0 t1 rate
  t0=$(ticks "${@:2}")
  rate=$(taskset -c "$lcpu" h2load --h1 -n "$requests" -c "$conns" -m "$depth" -t 1 "$1" 2>&1 |
    awk '/^finished in/ {gsub(",", "", $4); r=$4} /^requests:/ {fail=$10}
         END { print (fail == 0 && r != "") ? r : "FAILED" }')
  t1=$(ticks "${@:2}")
  awk -v r="$rate" -v n="$requests" -v t=$((t1 - t0)) -v hz="$hz" \
    'BEGIN { if (r == "FAILED") print "FAILED"; else printf "%.0f %.0f\n", r, n / (t / hz) }'
}

best_c=0; best_g=0; cpu_c=0; cpu_g=0
for r in $(seq "$rounds"); do
  read -r c cc < <(measure "$url_cgrpc" "$cgrpc_port_pid")
  read -r g gc < <(measure "$url_gateway" "$gateway_port_pid" "$backend_port_pid")
  [[ "$c$g" == *FAILED* ]] && { echo "bench web: failed requests" >&2; exit 1; }
  echo "round $r: cgrpc REST $c req/s ($cc per CPU-second), grpc-gateway $g req/s ($gc per CPU-second)"
  best_c=$(awk -v a="$best_c" -v b="$c" 'BEGIN{print (b>a)?b:a}')
  best_g=$(awk -v a="$best_g" -v b="$g" 'BEGIN{print (b>a)?b:a}')
  cpu_c=$(awk -v a="$cpu_c" -v b="$cc" 'BEGIN{print (b>a)?b:a}')
  cpu_g=$(awk -v a="$cpu_g" -v b="$gc" 'BEGIN{print (b>a)?b:a}')
done
echo "REST GET, HTTP/1.1 keep-alive, $conns connections x $depth in flight, one serving core (best of $rounds):"
echo "  cgrpc in-process transcoding: $best_c req/s, $cpu_c requests per CPU-second"
echo "  grpc-gateway 1.6.4 -> cgrpc:  $best_g req/s, $cpu_g requests per CPU-second (gateway + backend)"
awk -v a="$best_c" -v b="$best_g" -v c="$cpu_c" -v d="$cpu_g" \
  'BEGIN{printf "  ratio: %.1fx req/s, %.1fx per CPU-second\n", a/b, c/d}'

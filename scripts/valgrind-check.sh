#!/usr/bin/env bash
# Runs the unit tests and the cgrpc interop directions under valgrind
# memcheck, and fails on any memory error or any definitely or indirectly
# lost block (still-reachable memory at exit is not a leak: libraries keep
# their tables until the process ends).
#
#   scripts/valgrind-check.sh [BUILD_DIR]     (default: build-valgrind)
#
# BUILD_DIR is configured (RelWithDebInfo, the default compiler) when it has
# no CMakeCache.txt yet, and built. It must not be a sanitizer build:
# valgrind and AddressSanitizer cannot watch the same process.
#
# What runs under valgrind:
#   - every CTest test named unit.*, one valgrind process each;
#   - the cgrpc interop client and server, in the directions cgrpc->cgrpc
#     (both), cgrpc->grpcio (client) and grpcio->cgrpc (server), plus
#     cgrpc->grpc-js and grpc-js->cgrpc when node is installed; each client
#     run is a process, the server one process per matrix (restarted if a
#     case kills it).
# Each process writes BUILD_DIR/valgrind/<name>.<pid>.log. A process whose
# log has no "ERROR SUMMARY" was killed before valgrind could finish (a
# server that did not stop within the runner's grace): that counts as a
# failure too, since its leaks went unchecked.
#
# Environment: JOBS (parallel unit tests, default nproc), VALGRIND_TIMEOUT
# (seconds per unit test, default 900).
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build-valgrind}
jobs=${JOBS:-$(nproc)}
per_test_timeout=${VALGRIND_TIMEOUT:-900}
python=/usr/bin/python3

die() {
  echo "valgrind-check: $*" >&2
  exit 2
}

command -v valgrind >/dev/null || die "valgrind is not installed (apt-get install valgrind)"
if [[ ! -f $build/CMakeCache.txt ]]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null ||
    die "cannot configure $build"
fi
grep -q '^CGRPC_SANITIZE:BOOL=ON' "$build/CMakeCache.txt" &&
  die "$build is a sanitizer build; valgrind needs a plain one"
cmake --build "$build" -j"$jobs" >/dev/null || die "the build of $build failed"
build=$(cd "$build" && pwd)

logs=$build/valgrind
rm -rf "$logs"
mkdir -p "$logs"
# --child-silent-after-fork: a test that forks to exec a helper program
# (test_lb_dns starts dnsmasq) would otherwise leave a log for the child that
# ends at the exec, with no ERROR SUMMARY, read below as a killed process.
vg=(valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite,indirect
    --errors-for-leak-kinds=definite,indirect --error-exitcode=99 --num-callers=40
    --child-silent-after-fork=yes)
failed=0
start=$SECONDS

# ---- Unit tests ------------------------------------------------------------------

# "name<TAB>dir<TAB>command...<TAB>environment" for every unit test CTest
# knows; the environment is its ENVIRONMENT property, K=V words, last
# because it is often empty (read(1) merges runs of tabs).
unit_tests() {
  (cd "$build" && ctest --show-only=json-v1) | "$python" -c '
import json, shlex, sys
for t in json.load(sys.stdin)["tests"]:
    if not t["name"].startswith("unit."):
        continue
    props = {p["name"]: p["value"] for p in t.get("properties", [])}
    print("\t".join([t["name"], props.get("WORKING_DIRECTORY", "."),
                     shlex.join(t["command"]), shlex.join(props.get("ENVIRONMENT", []))]))
'
}

# The fixtures unit tests need (FIXTURES_REQUIRED; the TLS tests'
# certificates, say), made by running their setup tests under ctest first.
fixture_setups() {
  (cd "$build" && ctest --show-only=json-v1) | "$python" -c '
import json, sys
tests = json.load(sys.stdin)["tests"]
props = lambda t: {p["name"]: p["value"] for p in t.get("properties", [])}
needed = {f for t in tests if t["name"].startswith("unit.")
          for f in props(t).get("FIXTURES_REQUIRED", [])}
for t in tests:
    if needed & set(props(t).get("FIXTURES_SETUP", [])):
        print(t["name"])
'
}

run_unit() {
  local name=$1 dir=$2 cmd=$3 environment=$4
  local out
  if out=$(cd "$dir" && eval env "$environment" timeout "$per_test_timeout" "${vg[@]}" \
             --log-file="$logs/$name.%p.log" "$cmd" 2>&1); then
    echo "PASS $name"
  else
    echo "FAIL $name (exit $?): see $logs/$name.*.log"
    echo "$out" | tail -n 5 | sed 's/^/    /'
    return 1
  fi
}

for setup in $(fixture_setups); do
  (cd "$build" && ctest -R "^${setup//./\\.}\$" >/dev/null) || die "fixture $setup failed (ctest -R $setup)"
done
echo "== unit tests under valgrind ($jobs at a time)"
while IFS=$'\t' read -r name dir cmd environment; do
  while (($(jobs -rp | wc -l) >= jobs)); do wait -n; done
  run_unit "$name" "$dir" "$cmd" "$environment" >"$logs/$name.result" &
done < <(unit_tests)
wait
for result in "$logs"/*.result; do
  cat "$result"
  grep -q '^FAIL' "$result" && failed=$((failed + 1))
  rm -f "$result"
done

# ---- Interop -----------------------------------------------------------------------

client_cgrpc=$build/tests/interop/cgrpc_interop_client
server_cgrpc=$build/tests/interop/cgrpc_interop_server
[[ -x $client_cgrpc && -x $server_cgrpc ]] || die "the cgrpc interop peers were not built"
export CGRPC_INTEROP_GEN_DIR=$build/tests/interop/python_gen PYTHONDONTWRITEBYTECODE=1
vg_client="${vg[*]} --log-file=$logs/interop-client.%p.log $client_cgrpc"
vg_server="${vg[*]} --log-file=$logs/interop-server.%p.log $server_cgrpc"
peers_client=(cgrpc "$vg_client" grpcio "$python $root/tests/interop/python/interop_client.py")
peers_server=(cgrpc "$vg_server" grpcio "$python $root/tests/interop/python/interop_server.py")
if command -v node >/dev/null; then
  peers_client+=(grpc-js "node $root/tests/interop/js/interop_client.js")
  peers_server+=(grpc-js "node $root/tests/interop/js/interop_server.js")
fi

# One direction: client name and command, server name and command.
matrix() {
  echo "== interop $1 -> $3 under valgrind"
  if ! "$python" "$root/tests/interop/run_matrix.py" --client-name "$1" --client "$2" \
       --server-name "$3" --server "$4" --case-timeout 180 --start-timeout 120; then
    failed=$((failed + 1))
  fi
}

for ((c = 0; c < ${#peers_client[@]}; c += 2)); do
  for ((s = 0; s < ${#peers_server[@]}; s += 2)); do
    # Only directions with cgrpc on at least one side.
    [[ ${peers_client[c]} == cgrpc || ${peers_server[s]} == cgrpc ]] || continue
    matrix "${peers_client[c]}" "${peers_client[c + 1]}" "${peers_server[s]}" \
      "${peers_server[s + 1]}"
  done
done

# ---- Every log --------------------------------------------------------------------

# The unit tests' exit codes already say whether they were clean; the
# interop server's never reaches the runner, so every log is read here.
echo "== valgrind logs"
logs_checked=0
for log in "$logs"/*.log; do
  [[ -e $log ]] || continue
  logs_checked=$((logs_checked + 1))
  summary=$(grep -o 'ERROR SUMMARY: [0-9]*' "$log" | tail -n 1)
  if [[ -z $summary ]]; then
    echo "FAIL $(basename "$log"): no ERROR SUMMARY (killed before valgrind finished)"
    failed=$((failed + 1))
  elif [[ $summary != 'ERROR SUMMARY: 0' ]]; then
    echo "FAIL $(basename "$log"): $summary"
    grep -E '^==[0-9]+== +(Invalid|Conditional|Syscall|Mismatched|[0-9,]+ bytes in)' "$log" |
      head -n 5 | sed 's/^/    /'
    failed=$((failed + 1))
  fi
done
echo "valgrind-check: $logs_checked processes checked, $failed failures," \
  "$((SECONDS - start)) s"
[[ $failed -eq 0 ]]

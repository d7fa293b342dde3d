#!/usr/bin/env bash
# Runs every fuzz target in BUILD_DIR for SECONDS each, starting from its
# checked-in seed corpus (fuzz/corpus/<target>/, never modified here).
# Usage: fuzz/run.sh BUILD_DIR SECONDS. Exits non-zero if any target finds a
# crash, leak or timeout; the reproducer is left in BUILD_DIR/fuzz-findings/.
set -uo pipefail
build=${1:?build dir}; seconds=${2:-60}
here=$(cd "$(dirname "$0")" && pwd)
findings="$build/fuzz-findings"; mkdir -p "$findings"
failed=0; ran=0
for bin in $(find "$build/fuzz" -maxdepth 1 -type f -name 'fuzz_*' -perm -u+x | sort); do
  name=$(basename "$bin")
  work="$build/fuzz-corpus/$name"; mkdir -p "$work"
  seeds="$here/corpus/$name"
  dirs=("$work"); [[ -d "$seeds" ]] && dirs+=("$seeds")
  log="$build/fuzz-$name.log"
  if ASAN_OPTIONS=${ASAN_OPTIONS:-quarantine_size_mb=64:malloc_context_size=10} "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$findings/$name-" "${dirs[@]}" >"$log" 2>&1; then
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)
    [[ -n "$execs" ]] || execs=$(grep -oE '#[0-9]+' "$log" | tail -1 | tr -d '#')
    echo "fuzz: $name ok (${execs:-?} executions in ${seconds}s)"
  else
    echo "fuzz: $name FAILED — see $log"; tail -30 "$log"; failed=$((failed + 1))
  fi
  ran=$((ran + 1))
done
echo "fuzz: $ran targets, $failed failed"
[[ $failed -eq 0 ]]

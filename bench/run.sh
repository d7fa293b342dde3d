#!/usr/bin/env bash
# Runs every benchmark suite (bench/*/run.sh) against BUILD_DIR, a build
# configured with -DCGRPC_BUILD_BENCH=ON. Usage: bench/run.sh BUILD_DIR.
# Exits non-zero if any suite fails, after running them all.
set -uo pipefail
build=${1:?usage: bench/run.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
failed=0
for suite in "$here"/*/run.sh; do
  echo "== bench: $(basename "$(dirname "$suite")")"
  "$suite" "$build" || { echo "bench: $suite failed"; failed=1; }
done
exit $failed

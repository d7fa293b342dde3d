#!/usr/bin/env bash
# Installs the npm packages the test peers need, exactly as their
# package-lock.json pins them, but only where node_modules is missing or
# older than the lock file (npm records what it installed in
# node_modules/.package-lock.json). Safe to run on every build.
# Usage: scripts/install-npm-deps.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

# Every folder with a package-lock.json that the tests run from.
dirs=(tests/interop/js)

if ! command -v npm >/dev/null || ! command -v node >/dev/null; then
  echo "cgrpc: node and npm are needed for the grpc-js test peers; run scripts/install-deps.sh test" >&2
  exit 1
fi

for dir in "${dirs[@]}"; do
  lock="$root/$dir/package-lock.json"
  stamp="$root/$dir/node_modules/.package-lock.json"
  if [[ -f "$stamp" && ! "$lock" -nt "$stamp" && ! "$root/$dir/package.json" -nt "$stamp" ]]; then
    continue
  fi
  echo "cgrpc: installing npm packages in $dir"
  (cd "$root/$dir" && npm ci --no-audit --no-fund --loglevel=error)
done

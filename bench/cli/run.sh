#!/usr/bin/env bash
# bench/cli/run.sh BUILD_DIR — `cgrpc call` against `buf curl`, both
# through server reflection, whole process wall time (cli_bench.py).
set -euo pipefail
build=$(cd "${1:?usage: bench/cli/run.sh BUILD_DIR}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
exec /usr/bin/python3 "$here/cli_bench.py" --cgrpc "$build/tools/cgrpc/cgrpc" \
  --server "$build/tests/interop/cgrpc_interop_server" \
  --buf "$here/../../tests/interop/js/node_modules/.bin/buf" "${@:2}"

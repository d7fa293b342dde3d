#!/usr/bin/env bash
# check_installed.sh — the examples as a user builds them: against an
# installed cgrpc, with find_package(cgrpc) and cgrpc_generate() (ctest runs
# it as example.installed).
#
#   examples/check_installed.sh BUILD_DIR [CMAKE_ARG...]
#
# Installs BUILD_DIR (already built) into a temporary prefix, configures and
# builds examples/helloworld and examples/product on their own against it
# (with the CMAKE_ARGs: the tree's compiler, sanitizer flags), and runs them:
# helloworld/check.sh, then the product demo.
set -euo pipefail
build=$(cd "$1" && pwd)
shift
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake --install "$build" --prefix "$work/prefix" >"$work/install.log" ||
  { cat "$work/install.log" >&2; exit 1; }
echo "ok: installed into a temporary prefix"
for example in helloworld product; do
  out="$work/build/examples/$example"
  if ! cmake -S "$root/examples/$example" -B "$out" -DCMAKE_PREFIX_PATH="$work/prefix" "$@" \
      >"$work/$example.log" 2>&1 || ! cmake --build "$out" -j2 >>"$work/$example.log" 2>&1; then
    echo "examples/$example does not build against the installed cgrpc:" >&2
    cat "$work/$example.log" >&2
    exit 1
  fi
  echo "ok: examples/$example built with find_package(cgrpc)"
done
"$root/examples/helloworld/check.sh" "$work/build/examples/helloworld/greeter_server" \
  "$work/build/examples/helloworld/greeter_client"
"$root/scripts/demo.sh" "$work/build" >"$work/demo.log" 2>&1 ||
  { cat "$work/demo.log" >&2; exit 1; }
tail -n 1 "$work/demo.log"

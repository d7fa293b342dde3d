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
# helloworld/check.sh, then the product demo. Then the README's way without
# CMake: protoc with the installed plugin on PATH, cc with pkg-config's flags,
# so the helloworld programs link the shared library (its exported symbols
# must suffice), and helloworld/check.sh on those.
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

cc=cc
cflags=()
for arg in "$@"; do
  case $arg in
    -DCMAKE_C_COMPILER=*) cc=${arg#*=} ;;
    -DCMAKE_C_FLAGS=*) read -ra cflags <<<"${arg#*=}" ;;
  esac
done
pcdir=$(dirname "$(find "$work/prefix" -name cgrpc.pc | head -n 1)")
# The prefix written in cgrpc.pc is the build's, not this temporary one:
# --define-prefix takes it from where the file is.
pkgconfig() { PKG_CONFIG_PATH="$pcdir" pkg-config --define-prefix "$@"; }
libdir=$(pkgconfig --variable=libdir cgrpc)
src="$root/examples/helloworld"
out="$work/pkg-config"
mkdir -p "$out/gen"
PATH="$work/prefix/bin:$PATH" protoc --cgrpc_out="$out/gen" -I"$src" "$src/helloworld.proto"
for program in greeter_server greeter_client; do
  # shellcheck disable=SC2046 # pkg-config's flags are words
  "$cc" "${cflags[@]}" -I"$out/gen" "$src/$program.c" "$out/gen/helloworld.pb.c" \
    $(pkgconfig --cflags --libs cgrpc) -Wl,-rpath,"$libdir" -o "$out/$program"
done
# grep reads all of ldd's output (-q would stop early, and pipefail would
# then count ldd's SIGPIPE as a failure now and then).
ldd "$out/greeter_server" | grep "libcgrpc.so" >/dev/null ||
  { echo "greeter_server did not link libcgrpc.so" >&2; exit 1; }
echo "ok: examples/helloworld built with protoc and pkg-config, linking libcgrpc.so"
"$root/examples/helloworld/check.sh" "$out/greeter_server" "$out/greeter_client"

#!/usr/bin/env bash
# Fetches protobuf's conformance suite from Debian's `protobuf` source package
# (the version of the installed libprotobuf-dev) and builds its test runner,
# conformance_test_runner, against that libprotobuf-dev with g++.
#
#   scripts/conformance-runner.sh DIR      (make uses build/conformance)
#
# Everything goes under DIR, nothing into the source tree:
#   DIR/apt/       a private apt configuration: the machine's own apt sources
#                  as deb-src entries, and their package lists
#   DIR/protobuf/  the unpacked source package (conformance/, src/google/...)
#   DIR/runner/    the runner's objects and DIR/runner/conformance_test_runner
# A second run finds both and does nothing; delete DIR to start over. The
# fetch needs dpkg-dev (dpkg-source) and network access to the machine's own
# Debian mirrors; it works as any user (apt's state here is private).
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 DIR" >&2
  exit 2
fi
mkdir -p "$1"
dir=$(cd "$1" && pwd)
src=$dir/protobuf
runner_dir=$dir/runner
runner=$runner_dir/conformance_test_runner
JOBS=${JOBS:-$(nproc)}

# The same version as the library the runner links against: the runner's
# test list and its expectations belong to that release.
version=$(dpkg-query -W -f='${Version}' libprotobuf-dev 2>/dev/null || true)
if [[ -z "$version" ]]; then
  echo "conformance: libprotobuf-dev is not installed (scripts/install-deps.sh test)" >&2
  exit 1
fi

# Writes the deb-src form of every enabled apt source into $1: one-line
# entries ("deb [opts] uri suite comp...") become "deb-src ...", deb822
# stanzas get "Types: deb-src". Only the files apt itself reads are used.
make_deb_src_sources() {
  local out=$1 f
  mkdir -p "$out"
  if [[ -f /etc/apt/sources.list ]]; then
    sed -n 's/^[[:space:]]*deb[[:space:]]/deb-src /p' /etc/apt/sources.list >"$out/main.list"
  fi
  for f in /etc/apt/sources.list.d/*.list; do
    [[ -f "$f" ]] || continue
    sed -n 's/^[[:space:]]*deb[[:space:]]/deb-src /p' "$f" >"$out/$(basename "$f")"
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f "$f" ]] || continue
    # A stanza whose Types has "deb" gets Types: deb-src; stanzas that list
    # only deb-src already are kept as they are.
    awk 'BEGIN { RS = ""; ORS = "\n\n" }
         { if ($0 ~ /(^|\n)Types:[^\n]*[[:space:]]deb([[:space:]]|\n|$)/) {
             gsub(/(^|\n)Types:[^\n]*/, "\nTypes: deb-src"); sub(/^\n/, ""); print
           } else if ($0 ~ /(^|\n)Types:[^\n]*deb-src/) print }' "$f" >"$out/$(basename "$f")"
  done
}

fetch() {
  local apt=$dir/apt
  local -a opts=(-o "Dir::Etc::SourceList=$apt/sources.list"
                 -o "Dir::Etc::SourceParts=$apt/sources.list.d"
                 -o "Dir::State::Lists=$apt/lists"
                 -o "Dir::Cache=$apt/cache"
                 -o "Acquire::Languages=none")
  # As root apt downloads as the user _apt, who cannot write here.
  [[ $(id -u) -ne 0 ]] || opts+=(-o "APT::Sandbox::User=root")
  rm -rf "$apt" "$dir/download"
  mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$dir/download"
  : >"$apt/sources.list"
  make_deb_src_sources "$apt/sources.list.d"
  echo "conformance: fetching Debian's protobuf $version source package"
  # A source without deb-src indexes (a third-party repository) fails its
  # part of the update; the Debian ones are what counts.
  if ! apt-get "${opts[@]}" -qq update; then
    echo "conformance: warning: some deb-src indexes could not be fetched" >&2
  fi
  if ! (cd "$dir/download" && apt-get "${opts[@]}" -qq source --download-only "protobuf=$version")
  then
    # The mirrors may carry a newer revision by now; its conformance/ is
    # that of the same upstream release.
    echo "conformance: warning: protobuf $version is not in the deb-src indexes;" \
         "taking the version they have" >&2
    (cd "$dir/download" && apt-get "${opts[@]}" -qq source --download-only protobuf)
  fi
  local dsc
  dsc=$(ls "$dir/download"/protobuf_*.dsc)
  rm -rf "$src.tmp"
  # apt checked the files against the signed indexes; --no-check skips only
  # the .dsc's own signature, which would need debian-keyring.
  dpkg-source --no-check -x "$dsc" "$src.tmp" >/dev/null
  rm -rf "$src" "$dir/download" "$dir"/protobuf_*
  mv "$src.tmp" "$src"
  # The lists were only needed to find the package.
  rm -rf "$apt"
}

# The files of 3.21.12's conformance_test_runner (conformance/Makefile.am,
# conformance_test_runner_SOURCES): main, the fork-and-pipe driver, the test
# harness, the binary/JSON and text format suites (main registers both), the
# jsoncpp the JSON suite checks output with, and the generated code of the
# three protos. Headers come from the installed libprotobuf-dev, the library
# the runner links against; the few internal headers it uses that the
# package does not install (stubs/stringprintf.h) come from the source.
build_runner() {
  local gen=$runner_dir/gen obj=$runner_dir/obj
  rm -rf "$runner_dir"
  mkdir -p "$gen" "$obj"
  echo "conformance: building conformance_test_runner"
  protoc -I"$src/conformance" -I"$src/src" --cpp_out="$gen" \
    "$src/conformance/conformance.proto" \
    "$src/src/google/protobuf/test_messages_proto2.proto" \
    "$src/src/google/protobuf/test_messages_proto3.proto"
  local -a sources=(
    "$src/conformance/conformance_test.cc"
    "$src/conformance/conformance_test_main.cc"
    "$src/conformance/conformance_test_runner.cc"
    "$src/conformance/binary_json_conformance_suite.cc"
    "$src/conformance/text_format_conformance_suite.cc"
    "$src/conformance/third_party/jsoncpp/jsoncpp.cpp"
    "$gen/conformance.pb.cc"
    "$gen/google/protobuf/test_messages_proto2.pb.cc"
    "$gen/google/protobuf/test_messages_proto3.pb.cc")
  local -a pids=() objs=()
  local s o
  # -O0: the runner's own work is small next to the test program's and
  # libprotobuf's, and the generated test schemas compile a third faster.
  for s in "${sources[@]}"; do
    o=$obj/$(basename "${s%.*}").o
    objs+=("$o")
    g++ -std=c++17 -O0 -w -I"$gen" -I"$src/conformance" -idirafter "$src/src" -c "$s" -o "$o" &
    pids+=($!)
    if [[ ${#pids[@]} -ge $JOBS ]]; then
      wait "${pids[0]}"
      pids=("${pids[@]:1}")
    fi
  done
  for p in "${pids[@]}"; do wait "$p"; done
  g++ -o "$runner.tmp" "${objs[@]}" $(pkg-config --libs protobuf) -pthread
  mv "$runner.tmp" "$runner"
  rm -rf "$obj"
}

if [[ ! -f "$src/conformance/conformance.proto" ]]; then
  SECONDS=0
  fetch
  echo "conformance: fetched and unpacked in ${SECONDS} s"
fi
if [[ ! -x "$runner" ]]; then
  SECONDS=0
  build_runner
  echo "conformance: runner built in ${SECONDS} s"
fi

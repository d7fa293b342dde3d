#!/bin/sh
# compile_protos.sh — generates code for every .proto of one tree with
# protoc-gen-cgrpc and compiles it with -Werror under each given compiler.
#
#   compile_protos.sh PROTOC PLUGIN CGRPC_INCLUDE WORK_DIR TREE_ROOT SUBDIR CC...
#
# TREE_ROOT is an import root and SUBDIR the part of it to test; imports
# resolve against TREE_ROOT, /usr/include and /usr/share/grpc-proto. Each file's result is
# printed: PASS, FAIL (generation or compilation) or SKIPPED when protoc cannot
# resolve an import because no installed package ships that file. Beyond each
# .pb.c on its own, one translation unit includes every generated header, and
# all objects are linked together, as a user's project would. A service's
# client stubs and server handlers are static inline code in its header, so
# they are compiled here too (linking them against libcgrpc is
# test_stubs.c's job).
#
# The well-known types (google/protobuf/*.proto) are generated too, whatever
# the tree: files importing them include their .pb.h, and without ours the
# compiler would find libprotobuf-dev's C++ headers of the same name.
set -u
protoc=$1 plugin=$2 cgrpc_include=$3 work=$4 root=$5 subdir=$6
shift 6
compilers=$*
names=$(for cc in $compilers; do basename "$cc"; done | paste -sd, - | sed 's/,/, /g')
flags="-std=c11 -pedantic -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Werror"

rm -rf "$work"
mkdir -p "$work/out"
failed=0 passed=0 skipped=0
files=$(cd "$root" && find "$subdir" -name '*.proto' | LC_ALL=C sort)
wkt=$(cd /usr/include && find google/protobuf -name '*.proto' | LC_ALL=C sort)
generated=""
for rel in $(printf '%s\n' $wkt $files | LC_ALL=C sort -u); do
  if ! "$protoc" -I"$root" -I/usr/include -I/usr/share/grpc-proto --plugin=protoc-gen-cgrpc="$plugin" \
      --cgrpc_out="$work/out" "$rel" 2>"$work/protoc.err"; then
    missing=$(sed -n 's/^\([^:]*\): File not found\.$/\1/p' "$work/protoc.err" | head -n 1)
    if [ -n "$missing" ]; then
      echo "SKIPPED $rel: imports $missing, which no installed package provides"
      skipped=$((skipped + 1))
    else
      echo "FAIL    $rel: protoc-gen-cgrpc failed:"
      sed 's/^/          /' "$work/protoc.err"
      failed=$((failed + 1))
    fi
    continue
  fi
  generated="$generated ${rel%.proto}"
done

for stem in $generated; do
  ok=1
  for cc in $compilers; do
    obj="$work/obj/$(basename "$cc")/$stem.o"
    mkdir -p "$(dirname "$obj")"
    if ! $cc $flags -I"$work/out" -I"$cgrpc_include" -c "$work/out/$stem.pb.c" -o "$obj" \
        2>"$work/cc.err"; then
      echo "FAIL    $stem.proto: $cc rejects $stem.pb.c:"
      sed 's/^/          /' "$work/cc.err"
      ok=0
    fi
  done
  case "$stem" in "$subdir"/*) ;; *) [ $ok = 1 ] && continue ;; esac
  if [ $ok = 1 ]; then
    echo "PASS    $stem.proto ($names)"
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
  fi
done

if [ -n "$generated" ]; then
  all="$work/all_headers.c"
  echo "/* Every generated header of $subdir in one translation unit. */" >"$all"
  for stem in $generated; do echo "#include \"$stem.pb.h\"" >>"$all"; done
  for cc in $compilers; do
    name=$(basename "$cc")
    if $cc $flags -I"$work/out" -I"$cgrpc_include" -c "$all" -o "$work/all_headers.$name.o" \
        2>"$work/cc.err" &&
       $cc -r -nostdlib -o "$work/all.$name.o" $(find "$work/obj/$name" -name '*.o') \
        2>>"$work/cc.err"; then
      echo "PASS    all headers in one unit, all objects linked together ($name)"
    else
      echo "FAIL    all headers in one unit / all objects linked together ($name):"
      sed 's/^/          /' "$work/cc.err"
      failed=$((failed + 1))
    fi
  done
fi

echo "$subdir: $passed passed, $failed failed, $skipped skipped"
[ $failed = 0 ]

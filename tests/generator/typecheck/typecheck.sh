#!/bin/sh
# typecheck.sh CC SOURCE INCLUDE_DIR...: SOURCE compiles as written and
# fails with -DWRONG_TYPE because of an incompatible pointer type: the
# generated typed wrappers turn a wrong message struct into a compile error.
set -u
cc=$1 src=$2
shift 2
incs=""
for d in "$@"; do incs="$incs -I$d"; done
# shellcheck disable=SC2086
if ! "$cc" -std=c11 -Wall -Werror -fsyntax-only $incs "$src"; then
  echo "FAIL: the correct program does not compile"; exit 1
fi
# shellcheck disable=SC2086
out=$("$cc" -std=c11 -Wall -Werror -fsyntax-only -DWRONG_TYPE $incs "$src" 2>&1)
if [ $? -eq 0 ]; then
  echo "FAIL: a wrong message type compiled"; exit 1
fi
case "$out" in
  *incompatible*) echo "ok: $(echo "$out" | grep -c incompatible) wrong types refused" ;;
  *) echo "FAIL: it failed for another reason:"; echo "$out"; exit 1 ;;
esac

#!/usr/bin/env bash
# check_installed.sh BUILD_DIR — `make install` puts the cgrpc tool into
# PREFIX/bin and its bash completion into
# PREFIX/share/bash-completion/completions/cgrpc, and the installed tool runs
# (ctest: cli.installed).
set -euo pipefail
build=$(cd "$1" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >"$work/install.log" ||
  { cat "$work/install.log" >&2; exit 1; }
tool="$work/prefix/bin/cgrpc"
[[ -x $tool ]] || { echo "no executable $tool after install" >&2; exit 1; }
completion="$work/prefix/share/bash-completion/completions/cgrpc"
[[ -f $completion ]] || { echo "no $completion after install" >&2; exit 1; }
version=$("$tool" --version)
[[ $version == "cgrpc "* ]] || { echo "installed cgrpc --version printed '$version'" >&2; exit 1; }
bash -c 'source "$1"; complete -p cgrpc' bash "$completion" | grep -q -- "-F _cgrpc cgrpc" ||
  { echo "the installed completion does not register _cgrpc" >&2; exit 1; }
echo "ok: $version installed into bin/, completion into share/bash-completion/completions/"

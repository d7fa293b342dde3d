#!/usr/bin/env bash
# check.sh — runs the helloworld example and checks every answer (ctest runs
# it as example.helloworld; it is a handy smoke test by hand too).
#
#   examples/helloworld/check.sh GREETER_SERVER GREETER_CLIENT
#
# Starts the server on a free port, calls it with the C client (default and
# given name) and with grpcio's Python client, stops it, and exits non-zero
# with the reason when any answer or the shutdown is wrong.
set -euo pipefail
server=$1 client=$2
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../server.sh"
work=$(mktemp -d)
trap 'server_stop || true; rm -rf "$work"' EXIT

fail() {
  echo "helloworld check FAILED: $*" >&2
  exit 1
}

# expect WANT CMD...: runs CMD and fails unless it succeeds printing exactly WANT.
expect() {
  local want=$1 got
  shift
  got=$("$@" 2>&1) || fail "$* exited with status $?: $got"
  [[ "$got" == "$want" ]] || fail "$* printed \"$got\", want \"$want\""
  echo "ok: $* -> $got"
}

server_start "$work/server.log" "$server" || fail "the greeter server did not start"
echo "ok: greeter server listening on $SERVER_ADDRESS"
expect "Greeter replied: Hello world" "$client" "$SERVER_ADDRESS"
expect "Greeter replied: Hello cgrpc" "$client" "$SERVER_ADDRESS" cgrpc
if /usr/bin/python3 -c 'import grpc, grpc_tools' 2>/dev/null; then
  expect "Greeter replied: Hello python" /usr/bin/python3 "$here/greeter_client.py" \
    "$SERVER_ADDRESS" python
else
  echo "skipped: the grpcio client (/usr/bin/python3 lacks grpcio or grpc_tools)"
fi
server_stop || fail "the server exited with status $? on SIGTERM; its output: $(cat "$work/server.log")"
grep -q "^greeter server stopped$" "$work/server.log" || fail "the server did not say it stopped"
echo "ok: greeter server stopped"

#!/usr/bin/env bash
# buf curl (npm @bufbuild/buf, a client nobody here wrote) against cgrpc's
# server reflection and health service.
#
#   tests/services/buf_curl.sh BUF SERVICES_PEER_SERVER
#
# Plaintext HTTP/2 (--http2-prior-knowledge) with the gRPC protocol:
# --list-methods, --list-services with each reflection protocol (the
# default, which tries v1 first, and grpc-v1 / grpc-v1alpha forced), calls
# whose schema comes from reflection (peertest.Echo/Say, with v1 and
# v1alpha; Health/Check), a status change seen by Check, and a NOT_FOUND.
set -euo pipefail
buf=$1 server=$2
work=$(mktemp -d)
server_pid=
cleanup() {
  if [[ -n $server_pid ]]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "buf curl check FAILED: $*" >&2
  exit 1
}

# The server reads commands on stdin: a fifo it keeps open.
mkfifo "$work/in"
"$server" <"$work/in" >"$work/out" 2>"$work/err" &
server_pid=$!
exec 3>"$work/in"
for _ in $(seq 100); do
  grep -q "^listening on " "$work/out" 2>/dev/null && break
  sleep 0.05
done
address=$(sed -n 's/^listening on //p' "$work/out")
[[ -n $address ]] || fail "the server did not start: $(cat "$work/err")"
url=http://$address
curl_=("$buf" curl --http2-prior-knowledge --protocol grpc)

# expect WANT ARGS...: buf curl ARGS must succeed and print exactly WANT.
expect() {
  local want=$1 got
  shift
  got=$("${curl_[@]}" "$@" 2>&1) || fail "buf curl $* exited with status $?: $got"
  [[ "$got" == "$want" ]] || fail "buf curl $* printed:
$got
want:
$want"
  echo "ok: buf curl $*"
}

services="grpc.health.v1.Health
grpc.reflection.v1.ServerReflection
grpc.reflection.v1alpha.ServerReflection
peertest.Echo"
methods="grpc.health.v1.Health/Check
grpc.health.v1.Health/Watch
grpc.reflection.v1.ServerReflection/ServerReflectionInfo
grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo
peertest.Echo/Say"
expect "$methods" --list-methods "$url"
for reflect in "" --reflect-protocol=grpc-v1 --reflect-protocol=grpc-v1alpha; do
  expect "$services" $reflect --list-services "$url"
done
for reflect in "" --reflect-protocol=grpc-v1alpha; do
  expect '{
  "text": "echo: buf"
}' $reflect -d '{"text": "buf"}' "$url/peertest.Echo/Say"
done
expect '{
  "status": "SERVING"
}' -d '{"service": "peertest.Echo"}' "$url/grpc.health.v1.Health/Check"
echo "set peertest.Echo NOT_SERVING" >&3
for _ in $(seq 100); do
  [[ $(grep -c "^ok$" "$work/out") -ge 1 ]] && break
  sleep 0.05
done
expect '{
  "status": "NOT_SERVING"
}' -d '{"service": "peertest.Echo"}' "$url/grpc.health.v1.Health/Check"
got=$("${curl_[@]}" -d '{"service": "no.Such"}' "$url/grpc.health.v1.Health/Check" 2>&1) &&
  fail "Check of an unknown service succeeded: $got"
[[ $got == *'"code": "not_found"'* && $got == *'unknown service \"no.Such\"'* ]] ||
  fail "Check of an unknown service printed: $got"
echo "ok: buf curl Check no.Such -> not_found"

echo shutdown >&3
exec 3>&-
wait "$server_pid" || fail "the server exited with status $?: $(cat "$work/err")"
server_pid=
grep -q "^stopped$" "$work/out" || fail "the server did not stop cleanly"
echo "buf curl against cgrpc's reflection and health: all passed"

# lib.sh — what the shop's tests share (sourced): the shop started in a
# temporary directory, shop-cli as the user, and checks that name what
# failed.
#
#   shop_test_begin BUILD_DIR    starts the shop; stops it and removes the
#                                directory on exit
#   expect CODE PATTERN ARGS...  runs `shop-cli ARGS...`, fails unless it
#                                exits with CODE (0 or a gRPC status code)
#                                and its output matches PATTERN (grep -E;
#                                "" for any)
#   expect_literal CODE TEXT ARGS...   the same with a fixed string
#   sql NAME QUERY               a query on a service's database (sqlite3)
#   fail MESSAGE
set -euo pipefail
here_lib=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here_lib/../scripts/shop_env.sh"
checks=0

fail() {
  echo "FAILED: $*" >&2
  exit 1
}

shop_test_begin() {
  bin=$(cd "$1" && pwd)/examples/shop
  work=$(mktemp -d)
  # SHOP_TEST_KEEP=1 keeps the directory (logs, databases) for a look after.
  trap 'rc=$?; shop_stop; shop_clean_logs || rc=1
        if [[ -n ${SHOP_TEST_KEEP:-} ]]; then echo "kept $work" >&2; else rm -rf "$work"; fi
        exit $rc' EXIT
  shop_start "$bin" "$work" || fail "the shop did not start"
  cli=$SHOP_CLI_CONF
  # The order service's certificate, for the methods only services may call.
  internal=$work/internal.conf
  sed -e "s|keys/shop-cli\.|keys/order.|" "$cli" >"$internal"
}

expect() {
  local want=$1 pattern=$2 rc=0
  shift 2
  out=$("$bin/shop-cli" "$@" 2>&1) || rc=$?
  checks=$((checks + 1))
  if [[ $rc != "$want" ]]; then
    printf '%s\n' "$out" >&2
    fail "shop-cli $* exited with $rc, want $want"
  fi
  if [[ -n $pattern ]] && ! grep -q${grep_mode:-E} -- "$pattern" <<<"$out"; then
    printf '%s\n' "$out" >&2
    fail "shop-cli $*: the output lacks /$pattern/"
  fi
  return 0
}

# expect_literal: expect with PATTERN a fixed string.
expect_literal() { grep_mode=F expect "$@"; }

sql() { sqlite3 -batch "$work/$1.db" "$2"; }

# login EMAIL PASSWORD NAME: creates the account and leaves its token in
# $work/NAME.token and its id in the variable NAME.
signup() {
  local email=$1 password=$2 name=$3
  expect 0 "^user u-" "$cli" create-user "$email" "$name" "$password"
  expect 0 "logged in as" "$cli" login "$email" "$password" "$work/$name.token"
  printf -v "$name" '%s' "$(sed -n 's/^logged in as \(u-[0-9a-f]*\);.*/\1/p' <<<"$out")"
}

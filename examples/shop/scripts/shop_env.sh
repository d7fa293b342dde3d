# shop_env.sh — starts and stops the whole shop for a script (sourced by
# demo.sh and the tests): a fresh CA and keys, a configuration file per
# service, every service on 127.0.0.1 with port 0 (the kernel picks free
# ports), and shop-cli's configuration with the addresses they got.
#
#   shop_start BIN_DIR WORK_DIR   starts product, user, inventory, payment,
#                                 then order (which needs their addresses);
#                                 sets SHOP_CLI_CONF and SHOP_PIDS; returns 1,
#                                 with the logs, when one does not start
#   shop_start_one NAME           (re)starts one service with its existing
#                                 configuration and database
#   shop_stop_one NAME [SIGNAL]   stops one (TERM by default; KILL for -9)
#   shop_stop                     stops all (TERM, then KILL after 10 s);
#                                 a no-op when none runs: safe in a trap
#   shop_clean_logs               fails when a log has a sanitizer report
#
# With SHOP_KEYS_DIR set to a directory make_ca.sh filled, its keys are
# used instead of new ones (the tests make them once per run).
#
# Configuration files are in WORK_DIR/<name>.conf, databases in
# WORK_DIR/<name>.db, logs in WORK_DIR/<name>.log.

declare -A SHOP_PIDS=()
declare -A SHOP_ADDR=()
SHOP_BIN=
SHOP_WORK=
SHOP_CLI_CONF=
SHOP_SERVICES=(product user inventory payment order)

_shop_conf() { # name: writes WORK/name.conf
  local name=$1 w=$SHOP_WORK
  {
    echo "# shop-$name: written by scripts/shop_env.sh"
    echo "listen = ${SHOP_ADDR[$name]:-127.0.0.1:0}"
    echo "db = $w/$name.db"
    echo "tls.ca = $w/keys/ca.pem"
    echo "tls.cert = $w/keys/$name.pem"
    echo "tls.key = $w/keys/$name.key"
    echo "token.secret_file = $w/keys/token.secret"
    echo "order.step_ms = ${SHOP_STEP_MS:-700}"
    if [[ $name == order ]]; then
      local peer
      for peer in user product inventory payment; do echo "peer.$peer = ${SHOP_ADDR[$peer]}"; done
    fi
  } >"$w/$name.conf"
}

_shop_launch() { # name: starts it; _shop_wait confirms it listens
  local name=$1 log=$SHOP_WORK/$1.log
  [[ -f $SHOP_WORK/$name.conf ]] || _shop_conf "$name"
  touch "$log"
  _shop_before[$name]=$(grep -c "^$name service listening on " "$log" || true)
  "$SHOP_BIN/shop-$name" "$SHOP_WORK/$name.conf" >>"$log" 2>&1 &
  SHOP_PIDS[$name]=$!
}
declare -A _shop_before=()

_shop_wait() { # name
  local name=$1 log=$SHOP_WORK/$1.log tries
  for tries in $(seq 200); do
    if [[ $(grep -c "^$name service listening on " "$log" || true) -gt ${_shop_before[$name]} ]]; then
      SHOP_ADDR[$name]=$(sed -n "s/^$name service listening on //p" "$log" | tail -n 1)
      # A restart listens on the same address: pin it in the configuration.
      sed -i "s|^listen = .*|listen = ${SHOP_ADDR[$name]}|" "$SHOP_WORK/$name.conf"
      return 0
    fi
    if ! kill -0 "${SHOP_PIDS[$name]}" 2>/dev/null; then
      echo "shop-$name exited before it listened; its log:" >&2
      sed 's/^/  | /' "$log" >&2
      unset "SHOP_PIDS[$name]"
      return 1
    fi
    sleep 0.05
  done
  echo "shop-$name did not listen within 10 s; its log:" >&2
  sed 's/^/  | /' "$log" >&2
  return 1
}

shop_start_one() {
  _shop_launch "$1"
  _shop_wait "$1"
}

shop_stop_one() {
  local name=$1 sig=${2:-TERM} pid=${SHOP_PIDS[$1]:-} tries
  [[ -n $pid ]] || return 0
  unset "SHOP_PIDS[$name]"
  kill "-$sig" "$pid" 2>/dev/null || true
  for tries in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "shop-$name did not stop within 10 s of SIG$sig; killed" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

shop_stop() {
  local name
  for name in order payment inventory user product; do shop_stop_one "$name"; done
}

# shop_clean_logs: after shop_stop, fails (and shows the lines) when a
# service's log has a sanitizer report (the ASan/UBSan builds of make
# check-asan).
shop_clean_logs() {
  local name log rc=0
  for name in "${SHOP_SERVICES[@]}"; do
    log=$SHOP_WORK/$name.log
    [[ -f $log ]] || continue
    if grep -qE "Sanitizer|runtime error:" "$log"; then
      echo "shop-$name: sanitizer report in its log:" >&2
      grep -A20 -E "Sanitizer|runtime error:" "$log" | sed 's/^/  | /' >&2
      rc=1
    fi
  done
  return "$rc"
}

shop_start() {
  SHOP_BIN=$1
  SHOP_WORK=$2
  local here name
  here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
  mkdir -p "$SHOP_WORK"
  if [[ -n ${SHOP_KEYS_DIR:-} && -f $SHOP_KEYS_DIR/ca.pem ]]; then
    cp -r "$SHOP_KEYS_DIR" "$SHOP_WORK/keys" # made once for a test run
  else
    "$here/make_ca.sh" "$SHOP_WORK/keys" || return 1
  fi
  # The four the order service calls start together; then the order service,
  # whose configuration names their addresses.
  for name in product user inventory payment; do
    _shop_conf "$name"
    _shop_launch "$name"
  done
  for name in product user inventory payment; do _shop_wait "$name" || return 1; done
  _shop_conf order
  shop_start_one order || return 1
  SHOP_CLI_CONF=$SHOP_WORK/shop-cli.conf
  {
    echo "# shop-cli: written by scripts/shop_env.sh"
    echo "tls.ca = $SHOP_WORK/keys/ca.pem"
    echo "tls.cert = $SHOP_WORK/keys/shop-cli.pem"
    echo "tls.key = $SHOP_WORK/keys/shop-cli.key"
    for name in product user inventory payment order; do echo "peer.$name = ${SHOP_ADDR[$name]}"; done
  } >"$SHOP_CLI_CONF"
}

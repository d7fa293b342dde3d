# server.sh — runs an example server in the background for a script, on a
# free port, and stops it. Sourced (bash) by scripts/demo.sh and the example
# checks; the servers print "... listening on ADDRESS" once they serve.
#
#   server_start LOG CMD [ARG...]
#       Runs `CMD ARG... 127.0.0.1:0` with its output in LOG and waits (10 s
#       at most) until it says where it listens. Sets SERVER_PID and
#       SERVER_ADDRESS and returns 0; returns 1, with the log on stderr, when
#       the server exits or stays silent instead.
#   server_stop
#       Sends SIGTERM (graceful shutdown), waits for the server to exit (10 s
#       at most, then SIGKILL) and returns its exit status (1 after SIGKILL).
#       A no-op without a running server, so it can sit in an EXIT trap.

SERVER_PID=
SERVER_ADDRESS=

server_start() {
  local log=$1
  shift
  "$@" 127.0.0.1:0 >"$log" 2>&1 &
  SERVER_PID=$!
  SERVER_ADDRESS=
  local tries
  for tries in $(seq 100); do
    SERVER_ADDRESS=$(sed -n 's/^.* listening on //p' "$log")
    [[ -n "$SERVER_ADDRESS" ]] && return 0
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "the server exited before it listened; its output:" >&2
      sed 's/^/  | /' "$log" >&2
      wait "$SERVER_PID" || true
      SERVER_PID=
      return 1
    fi
    sleep 0.1
  done
  echo "the server did not say it listens within 10 s; its output:" >&2
  sed 's/^/  | /' "$log" >&2
  server_stop || true
  return 1
}

server_stop() {
  [[ -n "$SERVER_PID" ]] || return 0
  local pid=$SERVER_PID rc=0 tries
  SERVER_PID=
  kill -TERM "$pid" 2>/dev/null || true
  for tries in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "the server did not stop within 10 s of SIGTERM; killed" >&2
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    return 1
  fi
  wait "$pid" || rc=$?
  return "$rc"
}

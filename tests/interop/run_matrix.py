#!/usr/bin/python3
"""Runs every interop test case of one client against one server.

The server is any command that takes --port=N; the client any command that
takes --server_host, --server_port and --test_case (the flags of grpc/grpc
doc/interop-test-descriptions.md). The runner picks a free port, starts the
server in its own process group, waits until the port accepts connections,
runs each case with a timeout, and prints one line per case:

    PASS client->server case
    FAIL client->server case: <the client's reason>
    SKIP client->server case: <why this pair cannot run it>

then `N passed, M failed` (and `, K skipped` when any were) as the last line.
It exits non-zero if any case failed. The server is always stopped, and
restarted if a case killed it, so one crash does not hide later results.

A case is skipped only where a reference peer cannot do what the case
checks; UNSUPPORTED lists each such gap with the reason found in the peer's
code. Our own implementation (cgrpc) never appears there.

Example:
    run_matrix.py --client-name grpc-js --client 'node js/interop_client.js' \\
                  --server-name grpcio --server '/usr/bin/python3 python/interop_server.py'
"""

import argparse
import os
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time

TEST_CASES = (
    "empty_unary", "large_unary", "client_compressed_unary", "server_compressed_unary",
    "client_streaming", "client_compressed_streaming", "server_streaming",
    "server_compressed_streaming", "ping_pong", "empty_stream", "custom_metadata",
    "status_code_and_message", "special_status_message", "unimplemented_method",
    "unimplemented_service", "cancel_after_begin", "cancel_after_first_response",
    "timeout_on_sleeping_server", "very_large_request",
)

_GRPCIO_NO_REQUEST_FLAG = (
    "grpcio servers cannot see whether a request was compressed (C-core hides grpc-encoding "
    "and the message flag from handlers), so expect_compressed cannot be checked")
_GRPCJS_NO_RESPONSE_COMPRESSION = (
    "grpc-js servers never compress responses (server-interceptors.js writes every "
    "message flag as 0)")

# (role, peer) -> {case: reason}. role is "server" or "client".
UNSUPPORTED = {
    ("server", "grpcio"): {
        "client_compressed_unary": _GRPCIO_NO_REQUEST_FLAG,
        "client_compressed_streaming": _GRPCIO_NO_REQUEST_FLAG,
    },
    ("server", "grpc-js"): {
        "server_compressed_unary": _GRPCJS_NO_RESPONSE_COMPRESSION,
        "server_compressed_streaming": _GRPCJS_NO_RESPONSE_COMPRESSION,
    },
}

HOST = "127.0.0.1"


def free_port():
    """A port nothing listens on right now; the server may still lose a race for it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def stop_group(process, grace=3.0):
    """Stops a process started in its own session, and everything it started."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        except ProcessLookupError:
            pass
    else:
        # The leader is gone; make sure no child it left behind keeps running.
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def tail(path, lines=15):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:]).rstrip()
    except OSError:
        return ""


class Server:
    """The server under test: started on a fresh port, restarted if it dies."""

    def __init__(self, command, start_timeout, log_dir):
        self.command = command
        self.start_timeout = start_timeout
        self.log_path = os.path.join(log_dir, "server.log")
        self.process = None
        self.port = None

    def start(self):
        """Starts the server; returns None on success, else why it did not come up."""
        reason = None
        for _ in range(3):  # a lost race for the port is worth a retry
            self.port = free_port()
            log = open(self.log_path, "ab")
            self.process = subprocess.Popen(
                self.command + ["--port=%d" % self.port], stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True)
            log.close()
            reason = self._wait_ready()
            if reason is None:
                return None
            self.stop()
        return reason

    def _wait_ready(self):
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return "server exited with status %d before accepting connections:\n%s" % (
                    self.process.returncode, tail(self.log_path))
            try:
                socket.create_connection((HOST, self.port), timeout=0.5).close()
                return None
            except OSError:
                time.sleep(0.05)
        return "server did not accept connections within %g s:\n%s" % (
            self.start_timeout, tail(self.log_path))

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def stop(self):
        if self.process is not None:
            stop_group(self.process)
            self.process = None


def excerpt(text, head=6, tail=12):
    """The client's output, indented; long output keeps its start (where a
    sanitizer names the error) and its end (where the client says why)."""
    lines = text.splitlines() or ["(no output)"]
    if len(lines) > head + tail + 1:
        lines = lines[:head] + ["[... %d lines ...]" % (len(lines) - head - tail)] + lines[-tail:]
    return "\n".join("    " + line for line in lines)


def run_case(client, case, port, timeout):
    """Runs one case; returns None on pass, else the reason it failed."""
    command = client + ["--server_host=" + HOST, "--server_port=%d" % port, "--test_case=" + case]
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            stop_group(process, grace=1.0)
            return "timed out after %g s" % timeout
        finally:
            stop_group(process, grace=1.0)
        if process.returncode == 0:
            return None
        output.seek(0)
        text = output.read().decode(errors="replace").strip()
        return "client exited with status %d\n%s" % (process.returncode, excerpt(text))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--client", required=True, help="client command (shell words)")
    parser.add_argument("--server", required=True, help="server command (shell words)")
    parser.add_argument("--client-name", required=True)
    parser.add_argument("--server-name", required=True)
    parser.add_argument("--cases", default=",".join(TEST_CASES),
                        help="comma-separated subset of the test cases")
    parser.add_argument("--case-timeout", type=float, default=30.0)
    parser.add_argument("--start-timeout", type=float, default=20.0)
    args = parser.parse_args()

    cases = [c for c in args.cases.split(",") if c]
    unknown = [c for c in cases if c not in TEST_CASES]
    if unknown:
        parser.error("unknown test cases: %s" % ", ".join(unknown))
    pair = "%s->%s" % (args.client_name, args.server_name)
    skips = dict(UNSUPPORTED.get(("client", args.client_name), {}))
    skips.update(UNSUPPORTED.get(("server", args.server_name), {}))

    passed = failed = skipped = 0
    with tempfile.TemporaryDirectory(prefix="cgrpc-interop-") as log_dir:
        server = Server(shlex.split(args.server), args.start_timeout, log_dir)
        client = shlex.split(args.client)
        try:
            for case in cases:
                if case in skips:
                    print("SKIP %s %s: %s" % (pair, case, skips[case]), flush=True)
                    skipped += 1
                    continue
                reason = None if server.alive() else server.start()
                if reason is None:
                    reason = run_case(client, case, server.port, args.case_timeout)
                    if not server.alive():
                        died = "server died during the case (status %s):\n%s" % (
                            server.process.returncode, tail(server.log_path))
                        reason = died if reason is None else reason + "\n" + died
                        server.stop()
                if reason is None:
                    print("PASS %s %s" % (pair, case), flush=True)
                    passed += 1
                else:
                    print("FAIL %s %s: %s" % (pair, case, reason), flush=True)
                    failed += 1
        finally:
            server.stop()

    summary = "%d passed, %d failed" % (passed, failed)
    if skipped:
        summary += ", %d skipped" % skipped
    print(summary)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Checks run_matrix.py itself with stand-in peers.

The matrix is only trustworthy if its runner reports failures faithfully, so
this drives it with tiny fake servers and clients (a few lines of Python
each) that pass, fail, hang, refuse to start or crash the server, and checks
the lines, the summary and the exit status that come back.
"""

import os
import shlex
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
RUNNER = os.path.join(HERE, "run_matrix.py")
PY = sys.executable

# A server that listens on --port until killed. With CRASH_FILE set, it exits
# with status 9 as soon as that file exists, as a crashed server would.
FAKE_SERVER = r"""
import os, socket, sys, time
port = int([a for a in sys.argv if a.startswith("--port=")][0].split("=")[1])
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port)); s.listen(16); s.settimeout(0.05)
crash = os.environ.get("CRASH_FILE")
while True:
    if crash and os.path.exists(crash):
        os.remove(crash); sys.exit(9)
    try:
        s.accept()[0].close()
    except socket.timeout:
        pass
"""

# A client whose behaviour depends on the test case name.
FAKE_CLIENT = r"""
import os, sys, time
case = [a for a in sys.argv if a.startswith("--test_case=")][0].split("=")[1]
if case == "large_unary":
    print("large_unary: FAILED: payload is 3 bytes, expected 314159", file=sys.stderr); sys.exit(1)
if case == "ping_pong":
    time.sleep(60)
if case == "custom_metadata":
    open(os.environ["CRASH_FILE"], "w").close(); time.sleep(0.5); sys.exit(1)
"""


def command(script):
    return "%s -c %s" % (shlex.quote(PY), shlex.quote(script))


class RunMatrixTest(unittest.TestCase):

    def run_matrix(self, cases, server=FAKE_SERVER, client=FAKE_CLIENT, server_name="fake",
                   extra_env=None):
        env = dict(os.environ, **(extra_env or {}))
        result = subprocess.run(
            [PY, RUNNER, "--client-name", "fake", "--client", command(client),
             "--server-name", server_name, "--server", command(server),
             "--cases", ",".join(cases), "--case-timeout", "2", "--start-timeout", "5"],
            capture_output=True, text=True, env=env, timeout=120)
        return result.returncode, result.stdout.splitlines()

    def test_all_pass(self):
        code, lines = self.run_matrix(["empty_unary", "server_streaming"])
        self.assertEqual(code, 0)
        self.assertEqual(lines, ["PASS fake->fake empty_unary", "PASS fake->fake server_streaming",
                                 "2 passed, 0 failed"])

    def test_failure_carries_client_reason(self):
        code, lines = self.run_matrix(["empty_unary", "large_unary"])
        self.assertEqual(code, 1)
        self.assertEqual(lines[0], "PASS fake->fake empty_unary")
        self.assertTrue(
            lines[1].startswith("FAIL fake->fake large_unary: client exited with status 1"))
        self.assertIn("payload is 3 bytes, expected 314159", "\n".join(lines))
        self.assertEqual(lines[-1], "1 passed, 1 failed")

    def test_hung_client_times_out(self):
        code, lines = self.run_matrix(["ping_pong", "empty_unary"])
        self.assertEqual(code, 1)
        self.assertEqual(lines[0], "FAIL fake->fake ping_pong: timed out after 2 s")
        self.assertEqual(lines[1], "PASS fake->fake empty_unary")
        self.assertEqual(lines[-1], "1 passed, 1 failed")

    def test_server_that_cannot_start(self):
        code, lines = self.run_matrix(
            ["empty_unary"], server="import sys; sys.exit('no port for me')")
        self.assertEqual(code, 1)
        self.assertTrue(
            lines[0].startswith("FAIL fake->fake empty_unary: server exited with status 1"))
        self.assertIn("no port for me", "\n".join(lines))
        self.assertEqual(lines[-1], "0 passed, 1 failed")

    def test_crashed_server_is_reported_and_restarted(self):
        with tempfile.TemporaryDirectory() as tmp:
            crash = os.path.join(tmp, "crash")
            code, lines = self.run_matrix(["custom_metadata", "empty_unary"],
                                          extra_env={"CRASH_FILE": crash})
        self.assertEqual(code, 1)
        text = "\n".join(lines)
        self.assertIn("FAIL fake->fake custom_metadata: client exited with status 1", text)
        self.assertIn("server died during the case (status 9)", text)
        self.assertIn("PASS fake->fake empty_unary", lines)
        self.assertEqual(lines[-1], "1 passed, 1 failed")

    def test_known_peer_gap_is_skipped_not_passed(self):
        code, lines = self.run_matrix(["server_compressed_unary", "empty_unary"],
                                      server_name="grpc-js")
        self.assertEqual(code, 0)
        self.assertTrue(lines[0].startswith("SKIP fake->grpc-js server_compressed_unary: "))
        self.assertEqual(lines[-1], "1 passed, 0 failed, 1 skipped")


if __name__ == "__main__":
    unittest.main()

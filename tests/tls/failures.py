#!/usr/bin/python3
"""Handshakes that must fail, seen from both sides: ctest tls.failures.

Each case starts cgrpc_interop_server (TLS or plaintext), points a client
at it (openssl s_client, or cgrpc_interop_client), and asserts the words
the client prints and the line the server logs. Every process runs under a
timeout, so a case that hangs fails instead of stalling the suite.

Usage: failures.py SERVER_BINARY CLIENT_BINARY CERT_DIR
"""

import os
import socket
import subprocess
import sys
import tempfile
import time

SERVER, CLIENT, CERTS = sys.argv[1:4]
TIMEOUT = 15


def cert(name):
    return os.path.join(CERTS, name)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, *flags):
        self.port = free_port()
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([SERVER, "--port=%d" % self.port] + list(flags),
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("server did not start")

    def output(self):
        time.sleep(0.2)  # the log line of the last handshake
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=TIMEOUT)


def tls_server(*extra, chain="server.pem", key="server.key"):
    return Server("--use_tls=true", "--tls_cert_file=" + cert(chain),
                  "--tls_key_file=" + cert(key), *extra)


def run(args, stdin=b""):
    """Runs a client; returns (exit status, stdout+stderr)."""
    p = subprocess.run(args, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=TIMEOUT)
    return p.returncode, p.stdout.decode(errors="replace")


def s_client(port, *flags):
    return run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % port, "-CAfile",
                cert("ca.pem"), "-servername", "localhost"] + list(flags))


def cgrpc_client(port, *flags):
    return run([CLIENT, "--server_host=127.0.0.1", "--server_port=%d" % port,
                "--test_case=empty_unary"] + list(flags))


TLS_CLIENT = ("--use_tls=true", "--tls_ca_file=" + cert("ca.pem"))

failures = []


def expect(case, what, text, *needles):
    missing = [n for n in needles if n not in text]
    if missing:
        failures.append(case)
        print("FAIL %s: the %s's output lacks %s:\n    %s" %
              (case, what, missing, "\n    ".join(text.strip().splitlines()[-12:])))
        return False
    return True


def case(name, server, client, client_needles, server_needles, client_fails=True):
    try:
        status, out = client(server.port)
        ok = True
        if client_fails and status == 0 and "s_client" not in name:
            failures.append(name)
            print("FAIL %s: the client succeeded" % name)
            ok = False
        ok = expect(name, "client", out, *client_needles) and ok
        ok = expect(name, "server", server.output(), *server_needles) and ok
        if ok:
            print("PASS %s" % name)
    except subprocess.TimeoutExpired:
        failures.append(name)
        print("FAIL %s: timed out after %d s" % (name, TIMEOUT))
    finally:
        server.stop()


# The good case first: ALPN h2, verified, TLS 1.3.
case("s_client_ok", tls_server(), lambda p: s_client(p, "-alpn", "h2"),
     ["ALPN protocol: h2", "Verify return code: 0 (ok)", "TLSv1.3"], [], client_fails=False)
case("s_client_no_alpn", tls_server(), lambda p: s_client(p),
     ["no application protocol"], ["did not offer ALPN"])
# HTTP/1.1 on the same port (gRPC-Web, docs/web.md): ALPN http/1.1 is taken.
case("s_client_alpn_http1", tls_server(), lambda p: s_client(p, "-alpn", "http/1.1"),
     ["ALPN protocol: http/1.1"], [], client_fails=False)
case("s_client_alpn_other", tls_server(), lambda p: s_client(p, "-alpn", "spdy/3"),
     ["no application protocol"], ["offers neither \"h2\" nor \"http/1.1\""])
case("s_client_tls1_1", tls_server(),
     lambda p: s_client(p, "-alpn", "h2", "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"),
     ["alert protocol version"], ["unsupported protocol"])
case("s_client_tls1_2_cipher_rules", tls_server(),
     lambda p: s_client(p, "-alpn", "h2", "-tls1_2", "-cipher", "AES128-SHA"),
     ["handshake failure"], ["no shared cipher"])
case("wrong_ca", tls_server(chain="other_server.pem", key="other_server.key"),
     lambda p: cgrpc_client(p, *TLS_CLIENT),
     ["UNAVAILABLE", "certificate verify failed: unable to get local issuer certificate"],
     ["tlsv1 alert unknown ca"])
case("expired", tls_server(chain="expired.pem", key="expired.key"),
     lambda p: cgrpc_client(p, *TLS_CLIENT),
     ["UNAVAILABLE", "certificate verify failed: certificate has expired"],
     ["alert certificate expired"])
case("wrong_host", tls_server(),
     lambda p: cgrpc_client(p, *TLS_CLIENT, "--server_host_override=wrong.example.com"),
     ["UNAVAILABLE", "certificate verify failed: hostname mismatch"], ["alert bad certificate"])
case("client_without_cert", tls_server("--tls_client_ca_file=" + cert("ca.pem")),
     lambda p: cgrpc_client(p, *TLS_CLIENT),
     ["UNAVAILABLE", "certificate required"], ["peer did not return a certificate"])
case("client_cert_of_other_ca", tls_server("--tls_client_ca_file=" + cert("ca.pem")),
     lambda p: cgrpc_client(p, *TLS_CLIENT, "--tls_cert_file=" + cert("other_client.pem"),
                            "--tls_key_file=" + cert("other_client.key")),
     ["UNAVAILABLE", "unknown ca"],
     ["the client certificate did not verify: unable to get local issuer certificate"])
case("plaintext_client_to_tls_port", tls_server(), lambda p: cgrpc_client(p),
     ["UNAVAILABLE", "this port requires TLS"], ["did not start a TLS handshake"])
case("tls_client_to_plaintext_port", Server(), lambda p: cgrpc_client(p, *TLS_CLIENT),
     ["UNAVAILABLE", "did not answer with TLS (is it a plaintext port?)"],
     ["a TLS client on a plaintext port"])

print("%d failed" % len(failures) if failures else "all passed")
sys.exit(1 if failures else 0)

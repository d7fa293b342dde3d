#!/usr/bin/python3
"""TLS against plaintext on one cgrpc server, side by side in one run.

Starts bench_server (one loop, pinned to BENCH_SERVER_CPU) twice, plaintext
and TLS, and grpc C++'s bench_server_cpp the same two ways when it is built, (a certificate from tests/tls/make_certs.sh), and loads each with
h2load (pinned to BENCH_LOAD_CPU):

  unary       16 connections x 32 streams of bench.Bench/Unary (100-byte
              payload), as bench/grpc/harness.py does: a warm-up run, then a
              timed run of about BENCH_SECONDS; reported: calls/s and the
              server's CPU per call (utime + stime from /proc/PID/stat over
              the timed run / calls), and the TLS cost per call;
  handshakes  HANDSHAKES connections of one call each (h2load -c N -n N,
              N at a time), repeated ROUNDS times: full handshakes per second
              as h2load saw them, and the server's CPU per connection.

nginx (Debian's nginx-light, one process pinned like the server, TLS 1.2-1.3,
the same certificate and key, HTTP/2, answering every request 200) takes
the handshake load too, as the reference for full handshakes per second.

Usage: tls_bench.py BUILD_DIR CERT_DIR  (BUILD_DIR has bench/grpc/bench_server)
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

BUILD, CERTS = sys.argv[1:3]
SERVER_CPU = os.environ.get("BENCH_SERVER_CPU", "0")
LOAD_CPU = os.environ.get("BENCH_LOAD_CPU", "1")
SECONDS = float(os.environ.get("BENCH_SECONDS", "3"))
HANDSHAKES = int(os.environ.get("BENCH_HANDSHAKES", "200"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
HEADERS = ["-H", "content-type: application/grpc", "-H", "te: trailers"]
TICK = os.sysconf("SC_CLK_TCK")


def framed_req(payload_len):
    payload = bytes((i * 31) & 0xFF for i in range(payload_len))
    msg = b"\x0a" + bytes([payload_len]) + payload
    return b"\x00" + len(msg).to_bytes(4, "big") + msg


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(tls, binary="bench_server"):
    port = free_port()
    argv = ["taskset", "-c", SERVER_CPU, os.path.join(BUILD, "bench/grpc", binary),
            "--port=%d" % port]
    if binary == "bench_server":
        argv.append("--threads=1")
    if tls:
        argv += ["--tls-cert=" + os.path.join(CERTS, "server.pem"),
                 "--tls-key=" + os.path.join(CERTS, "server.key")]
    proc = subprocess.Popen(argv, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    return proc, port


NGINX_CONF = """daemon off;
master_process off;
worker_processes 1;
pid %(dir)s/nginx.pid;
error_log %(dir)s/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path %(dir)s;
  ssl_protocols TLSv1.2 TLSv1.3;
  server {
    listen 127.0.0.1:%(port)d ssl http2;
    ssl_certificate %(certs)s/server.pem;
    ssl_certificate_key %(certs)s/server.key;
    location / { return 200 "ok"; }
  }
}
"""


def start_nginx(tmp):
    port = free_port()
    conf = os.path.join(tmp, "nginx.conf")
    with open(conf, "w") as f:
        f.write(NGINX_CONF % {"dir": tmp, "port": port, "certs": os.path.abspath(CERTS)})
    proc = subprocess.Popen(["taskset", "-c", SERVER_CPU, "nginx", "-c", conf, "-p", tmp],
                            stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    return proc, port


def handshakes(proc, url, body):
    rates, cpu = [], []
    for _ in range(ROUNDS):
        c0 = cpu_seconds(proc.pid)
        conns, seconds, _ = h2load(url, body, ["-c", str(HANDSHAKES), "-n", str(HANDSHAKES),
                                               "-m", "1"])
        cpu.append((cpu_seconds(proc.pid) - c0) / conns * 1e6)
        rates.append(conns / seconds)
    return sorted(rates)[len(rates) // 2], sorted(cpu)[len(cpu) // 2]


RESUME_CONNS = int(os.environ.get("BENCH_RESUME_CONNS", "300"))
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"


def tls_connections(proc, port, resume):
    """RESUME_CONNS TLS 1.3 connections one after the other (Python's ssl,
    ALPN h2, the HTTP/2 preface, the server's first frames read, then
    close_notify), each offering the session of the one before when
    `resume`. Returns (connections/s, server CPU us per connection, share
    resumed)."""
    import ssl
    ctx = ssl.create_default_context(cafile=os.path.join(CERTS, "ca.pem"))
    ctx.set_alpn_protocols(["h2"])
    session, resumed = None, 0
    c0, t0 = cpu_seconds(proc.pid), time.monotonic()
    for _ in range(RESUME_CONNS):
        raw = socket.create_connection(("127.0.0.1", port))
        s = ctx.wrap_socket(raw, server_hostname="localhost", session=session)
        s.sendall(PREFACE)
        s.recv(4096)  # the server's SETTINGS, and the tickets before them
        resumed += s.session_reused
        if resume:
            session = s.session
        try:
            s.unwrap()
        except OSError:
            pass
        raw.close()
    seconds, cpu = time.monotonic() - t0, cpu_seconds(proc.pid) - c0
    return RESUME_CONNS / seconds, cpu / RESUME_CONNS * 1e6, resumed / RESUME_CONNS


def h2load(url, body, args):
    out = subprocess.run(["taskset", "-c", LOAD_CPU, "h2load", "-d", body] + HEADERS + args +
                         [url], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         timeout=300).stdout.decode()
    r = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded", out)
    s = re.search(r"status codes: (\d+) 2xx", out)
    t = re.search(r"finished in ([\d.]+)(m?s), ([\d.]+) req/s", out)
    # Every request must succeed with 2xx (a duration-bound run may count
    # one response more in the status codes than in the totals).
    if not (r and s and t) or r.group(1) != r.group(4) or int(s.group(1)) < int(r.group(1)):
        raise SystemExit("h2load failed:\n" + out)
    seconds = float(t.group(1)) / (1000 if t.group(2) == "ms" else 1)
    return int(r.group(1)), seconds, float(t.group(3))


def measure(tls, body, binary="bench_server"):
    proc, port = start(tls, binary)
    url = "%s://127.0.0.1:%d/bench.Bench/Unary" % ("https" if tls else "http", port)
    try:
        _, _, rate = h2load(url, body, ["-c", "16", "-m", "32", "-D", "1"])
        n = max(10000, int(rate * SECONDS))
        c0 = cpu_seconds(proc.pid)
        calls, _, rate = h2load(url, body, ["-c", "16", "-m", "32", "-n", str(n)])
        unary = (rate, (cpu_seconds(proc.pid) - c0) / calls * 1e6)
        extra = ()
        if tls:
            extra = (tls_connections(proc, port, False), tls_connections(proc, port, True))
        return (unary,) + handshakes(proc, url, body) + extra
    finally:
        proc.terminate()
        proc.wait()


def main():
    with tempfile.NamedTemporaryFile(suffix=".bin") as body:
        body.write(framed_req(100))
        body.flush()
        plain = measure(False, body.name)
        tls = measure(True, body.name)
        cpp = cpp_tls = None
        if os.path.exists(os.path.join(BUILD, "bench/grpc/bench_server_cpp")):
            cpp = measure(False, body.name, "bench_server_cpp")
            cpp_tls = measure(True, body.name, "bench_server_cpp")
        nginx = None
        if shutil.which("nginx"):
            with tempfile.TemporaryDirectory(prefix="cgrpc-nginx-") as tmp:
                proc, port = start_nginx(tmp)
                try:
                    nginx = handshakes(proc, "https://127.0.0.1:%d/" % port, body.name) + (
                        tls_connections(proc, port, False), tls_connections(proc, port, True))
                finally:
                    proc.terminate()
                    proc.wait()
    print("| | calls/s (unary 16x32) | server CPU us/call | connections/s (1 call each) "
          "| server CPU us/connection |")
    print("|---|---:|---:|---:|---:|")
    rows = [("cgrpc, plaintext", plain), ("cgrpc, TLS 1.3", tls)]
    if cpp:
        rows += [("grpc C++, plaintext", cpp), ("grpc C++, TLS 1.3", cpp_tls)]
    for name, r in rows:
        print("| %s | %.0f | %.2f | %.0f | %.0f |" % (name, r[0][0], r[0][1], r[1], r[2]))
    if nginx:
        print("| nginx 1.22, TLS 1.3 | - | - | %.0f | %.0f |" % nginx[:2])
    print()
    print("One client, connections one after the other (Python ssl), full and resumed:")
    print()
    print("| server | full: conns/s | full: server CPU us/conn | resumed: conns/s | "
          "resumed: server CPU us/conn | resumed share |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, r in (("cgrpc", tls), ("grpc C++", cpp_tls), ("nginx 1.22", nginx)):
        if r:
            full, res = r[-2], r[-1]
            print("| %s | %.0f | %.0f | %.0f | %.0f | %.0f%% |" %
                  (name, full[0], full[1], res[0], res[1], res[2] * 100))
    print()
    if nginx:
        print("Full handshakes: cgrpc %.2fx nginx's rate, %.2fx its CPU per connection" %
              (tls[1] / nginx[0], tls[2] / nginx[1]))
        print("Resumed, one client: cgrpc %.2fx nginx's rate, %.2fx its CPU per connection" %
              (tls[-1][0] / nginx[-1][0], tls[-1][1] / nginx[-1][1]))
    if cpp:
        print("Unary over TLS: cgrpc %.2fx grpc C++'s rate, %.2fx less CPU per call" %
              (tls[0][0] / cpp_tls[0][0], cpp_tls[0][1] / tls[0][1]))
    print("TLS cost per unary call: %.2f us of server CPU (%.2fx the plaintext rate)" %
          (tls[0][1] - plain[0][1], tls[0][0] / plain[0][0]))


if __name__ == "__main__":
    main()

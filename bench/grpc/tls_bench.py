#!/usr/bin/python3
"""TLS against plaintext on one cgrpc server, side by side in one run.

Starts bench_server (one loop, pinned to BENCH_SERVER_CPU) twice, plaintext
and TLS, and grpc C++'s bench_server_cpp the same two ways when it is built (a certificate from tests/tls/make_certs.sh), and loads each with
h2load (pinned to BENCH_LOAD_CPU):

  unary       16 connections x 32 streams of bench.Bench/Unary (100-byte
              payload), as bench/grpc/harness.py does: a warm-up run, then a
              timed run of about BENCH_SECONDS; reported: calls/s and the
              server's CPU per call (over the timed run / calls), and the TLS cost per call;
  handshakes  HANDSHAKES connections of one call each (h2load -c N -n N,
              N at a time), repeated ROUNDS times: full handshakes per second
              as h2load saw them, and the server's CPU per connection.

nginx (Debian's nginx-light, one process pinned like the server, TLS 1.2-1.3,
the same certificate and key, HTTP/2, answering every request 200) is the
reference for full handshakes per second. It is configured to make the same
handshake as cgrpc (the same TLS 1.3 suites in the same order, the server's
preference, one session ticket), runs at the same time as a second cgrpc TLS
server, and the two take the handshake rounds in turns with the same h2load
command line (ALPN h2, one gRPC-framed POST per connection), so a change in
the machine's load falls on both alike. What each negotiated (version,
cipher, key-exchange group) is printed from h2load's own report.

Server CPU is read from /proc/PID/task/*/schedstat (ns, every thread).

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
    """The process's CPU time so far, every thread's: from schedstat (ns)
    where the kernel has it, else utime + stime from stat (clock ticks,
    10 ms: too coarse for a few hundred handshakes)."""
    total = 0.0
    try:
        for tid in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                total += int(f.read().split()[0]) / 1e9
        return total
    except (OSError, ValueError, IndexError):
        pass
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


# cgrpc's TLS 1.3 suites, in its order (kTls13Suites in src/tls/context.c).
TLS13_SUITES = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"

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
  # What cgrpc's servers do (src/tls/context.c, server_creds.c), so both
  # make the same handshake: the same TLS 1.3 suites in the same order, the
  # server's preference, one session ticket per connection.
  ssl_prefer_server_ciphers on;
  ssl_conf_command Ciphersuites %(suites)s;
  ssl_conf_command NumTickets 1;
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
        f.write(NGINX_CONF % {"dir": tmp, "port": port, "certs": os.path.abspath(CERTS),
                              "suites": TLS13_SUITES})
    proc = subprocess.Popen(["taskset", "-c", SERVER_CPU, "nginx", "-c", conf, "-p", tmp],
                            stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    return proc, port


def handshake_round(proc, url, body):
    """One round of HANDSHAKES connections: (connections/s, server CPU us
    per connection)."""
    c0 = cpu_seconds(proc.pid)
    conns, seconds, _ = h2load(url, body, ["-c", str(HANDSHAKES), "-n", str(HANDSHAKES),
                                           "-m", "1"])
    return conns / seconds, (cpu_seconds(proc.pid) - c0) / conns * 1e6


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2]


def handshakes(proc, url, body):
    rounds = [handshake_round(proc, url, body) for _ in range(ROUNDS)]
    return median([r[0] for r in rounds]), median([r[1] for r in rounds])


def handshakes_side_by_side(servers, body):
    """Rounds of full handshakes against several servers running at once,
    taking turns (A, B, A, B, ...), so a change in the machine's load falls
    on all alike. servers: [(proc, url)]. Returns, for each, the median
    rate, the median CPU per connection, and the rates of every round."""
    runs = [[] for _ in servers]
    for _ in range(ROUNDS):
        for i, (proc, url) in enumerate(servers):
            runs[i].append(handshake_round(proc, url, body))
    return [(median([r[0] for r in rr]), median([r[1] for r in rr]), [r[0] for r in rr])
            for rr in runs]


RESUME_CONNS = int(os.environ.get("BENCH_RESUME_CONNS", "300"))
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"


def tls_connections(proc, port, resume):
    """RESUME_CONNS TLS 1.3 connections one after the other (Python's ssl,
    ALPN h2, the HTTP/2 preface, the server's first frames read, then
    close_notify), each offering the session of the one before when
    `resume`. Returns (connections/s, server CPU us per connection, share
    resumed, "version, cipher" of the last connection)."""
    import ssl
    ctx = ssl.create_default_context(cafile=os.path.join(CERTS, "ca.pem"))
    ctx.set_alpn_protocols(["h2"])
    session, resumed, negotiated = None, 0, ""
    c0, t0 = cpu_seconds(proc.pid), time.monotonic()
    for _ in range(RESUME_CONNS):
        raw = socket.create_connection(("127.0.0.1", port))
        s = ctx.wrap_socket(raw, server_hostname="localhost", session=session)
        s.sendall(PREFACE)
        s.recv(4096)  # the server's SETTINGS, and the tickets before them
        resumed += s.session_reused
        negotiated = "%s, %s" % (s.version(), s.cipher()[0])
        if resume:
            session = s.session
        try:
            s.unwrap()
        except OSError:
            pass
        raw.close()
    seconds, cpu = time.monotonic() - t0, cpu_seconds(proc.pid) - c0
    return (RESUME_CONNS / seconds, cpu / RESUME_CONNS * 1e6, resumed / RESUME_CONNS,
            negotiated)


NEGOTIATED = {}  # host:port -> "TLSv1.3, TLS_AES_128_GCM_SHA256, X25519 253 bits"


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
    NEGOTIATED[url.split("/")[2]] = ", ".join(
        m.group(1).strip() for m in re.finditer(
            r"^(?:TLS Protocol|Cipher|Server Temp Key): (.*)$", out, re.M))
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
        if tls and binary != "bench_server":
            extra = (tls_connections(proc, port, False), tls_connections(proc, port, True))
        return (unary,) + handshakes(proc, url, body) + extra
    finally:
        proc.terminate()
        proc.wait()


def nginx_side_by_side(body):
    """Full handshakes against cgrpc and nginx, both running, in turns; then
    one client's full and resumed connections to each, in turns too."""
    with tempfile.TemporaryDirectory(prefix="cgrpc-nginx-") as tmp:
        cg, cg_port = start(True)
        ng, ng_port = start_nginx(tmp)
        try:
            cg_url = "https://127.0.0.1:%d/bench.Bench/Unary" % cg_port
            ng_url = "https://127.0.0.1:%d/" % ng_port
            h2load(cg_url, body, ["-c", "50", "-n", "50", "-m", "1"])  # warm-up
            h2load(ng_url, body, ["-c", "50", "-n", "50", "-m", "1"])
            full = handshakes_side_by_side([(cg, cg_url), (ng, ng_url)], body)
            one = []
            for resume in (False, True):
                for proc, port in ((cg, cg_port), (ng, ng_port)):
                    one.append(tls_connections(proc, port, resume))
            names = ("cgrpc", "nginx")
            hosts = ("127.0.0.1:%d" % cg_port, "127.0.0.1:%d" % ng_port)
            return {n: (full[k], one[k], one[2 + k], NEGOTIATED[hosts[k]])
                    for k, n in enumerate(names)}
        finally:
            for proc in (cg, ng):
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
        vs = nginx_side_by_side(body.name) if shutil.which("nginx") else None
    print("| | calls/s (unary 16x32) | server CPU us/call | connections/s (1 call each) "
          "| server CPU us/connection |")
    print("|---|---:|---:|---:|---:|")
    rows = [("cgrpc, plaintext", plain), ("cgrpc, TLS 1.3", tls)]
    if cpp:
        rows += [("grpc C++, plaintext", cpp), ("grpc C++, TLS 1.3", cpp_tls)]
    for name, r in rows:
        print("| %s | %.0f | %.2f | %.0f | %.0f |" % (name, r[0][0], r[0][1], r[1], r[2]))
    print()
    if cpp:
        print("Unary over TLS: cgrpc %.2fx grpc C++'s rate, %.2fx less CPU per call" %
              (tls[0][0] / cpp_tls[0][0], cpp_tls[0][1] / tls[0][1]))
    print("TLS cost per unary call: %.2f us of server CPU (%.2fx the plaintext rate)" %
          (tls[0][1] - plain[0][1], tls[0][0] / plain[0][0]))
    if not vs:
        return
    print()
    print("Full handshakes, cgrpc and nginx side by side (%d rounds in turns of h2load "
          "-c %d -n %d -m 1):" % (ROUNDS, HANDSHAKES, HANDSHAKES))
    print()
    print("| server | negotiated (h2load) | conns/s, median | every round | "
          "server CPU us/conn, median |")
    print("|---|---|---:|---|---:|")
    for name in ("cgrpc", "nginx"):
        full, _, _, neg = vs[name]
        print("| %s | %s | %.0f | %s | %.0f |" %
              (name, neg, full[0], " ".join("%.0f" % r for r in full[2]), full[1]))
    if vs["cgrpc"][3] != vs["nginx"][3]:
        print("\nWARNING: the servers negotiated different parameters: not comparable")
    print()
    print("One client, connections one after the other (Python ssl), full and resumed:")
    print()
    print("| server | negotiated (Python) | full: conns/s | full: server CPU us/conn | "
          "resumed: conns/s | resumed: server CPU us/conn | resumed share |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for name in ("cgrpc", "nginx"):
        _, full, res, _ = vs[name]
        print("| %s | %s | %.0f | %.0f | %.0f | %.0f | %.0f%% |" %
              (name, full[3], full[0], full[1], res[0], res[1], res[2] * 100))
    if cpp_tls:
        full, res = cpp_tls[-2], cpp_tls[-1]
        print("| grpc C++ (measured alone) | %s | %.0f | %.0f | %.0f | %.0f | %.0f%% |" %
              (full[3], full[0], full[1], res[0], res[1], res[2] * 100))
    print()
    cg, ng = vs["cgrpc"], vs["nginx"]
    rounds = [a / b for a, b in zip(cg[0][2], ng[0][2])]
    print("Full handshakes: cgrpc %.2fx nginx's rate (round by round: %s), %.2fx its CPU "
          "per connection" % (cg[0][0] / ng[0][0], " ".join("%.2f" % r for r in rounds),
                              cg[0][1] / ng[0][1]))
    print("Resumed, one client: cgrpc %.2fx nginx's rate, %.2fx its CPU per connection" %
          (cg[2][0] / ng[2][0], cg[2][1] / ng[2][1]))


if __name__ == "__main__":
    main()

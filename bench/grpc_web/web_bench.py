#!/usr/bin/python3
"""gRPC-Web over HTTP/1.1 against gRPC over HTTP/2, on one cgrpc server, in
one run.

Starts bench/grpc's bench_server (one event loop, pinned to
BENCH_SERVER_CPU) and loads bench.Bench/Unary (a 100-byte payload) with
h2load (pinned to BENCH_LOAD_CPU), taking turns so a change in the
machine's load falls on both alike:

  grpc       h2load, HTTP/2, content-type application/grpc
  grpc-web   h2load --h1, HTTP/1.1 keep-alive, application/grpc-web+proto

each at two loads: CONNS connections with one call at a time (-m 1), and
CONNS connections with DEPTH calls in flight (HTTP/2 streams; HTTP/1.1
pipelining, which the server answers in order). Every request must be
answered 2xx. Reported: calls/s (median of BENCH_ROUNDS runs of
BENCH_SECONDS), the server's CPU per call, and the ratio gRPC-Web / gRPC.

Usage: web_bench.py BUILD_DIR   (BUILD_DIR has bench/grpc/bench_server)
"""
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

BUILD = sys.argv[1]
SERVER_CPU = os.environ.get("BENCH_SERVER_CPU", "0")
LOAD_CPU = os.environ.get("BENCH_LOAD_CPU", "1")
SECONDS = int(os.environ.get("BENCH_SECONDS", "3"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CONNS = int(os.environ.get("BENCH_CONNS", "16"))
DEPTH = int(os.environ.get("BENCH_DEPTH", "32"))


def pin(cpu):
    return ["taskset", "-c", cpu] if cpu else []


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid):
    total = 0
    for tid in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
            total += int(f.read().split()[0])
    return total / 1e9


def framed_req(n):
    payload = bytes((i * 31) & 0xFF for i in range(n))
    msg = b"\x0a" + bytes([n]) + payload
    return b"\x00" + len(msg).to_bytes(4, "big") + msg


def h2load(url, body_file, http1, depth):
    ct = "application/grpc-web+proto" if http1 else "application/grpc"
    argv = pin(LOAD_CPU) + ["h2load", "-c", str(CONNS), "-m", str(depth), "-D", str(SECONDS),
                            "--warm-up-time=1", "-d", body_file, "-H", "content-type: " + ct]
    if http1:
        argv += ["--h1", "-H", "x-grpc-web: 1"]
    else:
        argv += ["-H", "te: trailers"]
    out = subprocess.run(argv + [url], capture_output=True, text=True, timeout=120).stdout
    done = re.search(r"requests: \d+ total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed",
                     out)
    status = re.search(r"status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", out)
    rps = re.search(r"finished in [\d.]+m?s, ([\d.]+) req/s", out)
    if not (done and status and rps) or int(done.group(3)) or int(status.group(1)) != int(done.group(1)):
        raise RuntimeError("h2load did not get every call answered 2xx:\n" + out)
    return float(rps.group(1)), int(done.group(1))


def median(xs):
    return sorted(xs)[len(xs) // 2]


def main():
    port = free_port()
    server = subprocess.Popen(pin(SERVER_CPU) + [os.path.join(BUILD, "bench/grpc/bench_server"),
                                                 "--port=%d" % port, "--threads=1"],
                              stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    tmp = tempfile.mkdtemp()
    body = os.path.join(tmp, "req.bin")
    with open(body, "wb") as f:
        f.write(framed_req(100))
    url = "http://127.0.0.1:%d/bench.Bench/Unary" % port
    try:
        print("| load | gRPC (HTTP/2) calls/s | CPU/call | gRPC-Web (HTTP/1.1) calls/s | CPU/call | "
              "gRPC-Web / gRPC |")
        print("|---|---|---|---|---|---|")
        for depth in (1, DEPTH):
            rates = {False: [], True: []}
            cpu = {False: [], True: []}
            for _ in range(ROUNDS):
                for http1 in (False, True):
                    c0 = cpu_seconds(server.pid)
                    rps, calls = h2load(url, body, http1, depth)
                    rates[http1].append(rps)
                    cpu[http1].append((cpu_seconds(server.pid) - c0) / calls * 1e6)
            g, w = median(rates[False]), median(rates[True])
            print("| %d conns x %d %s | %.0f | %.1f us | %.0f | %.1f us | %.0f%% |" %
                  (CONNS, depth, "call" if depth == 1 else "in flight", g, median(cpu[False]), w,
                   median(cpu[True]), 100 * w / g))
            sys.stdout.flush()
    finally:
        server.terminate()
        server.wait()


main()

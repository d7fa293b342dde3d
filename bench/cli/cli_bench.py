#!/usr/bin/python3
"""`cgrpc call` against `buf curl`: whole-process wall time of one unary call
through server reflection (both ask the server for the schema, then call),
against the cgrpc interop server on loopback, in the same run.

    cli_bench.py --cgrpc PATH --server PATH --buf PATH [--runs N]

The two commands alternate, RUNS times each after one warm-up each; the
figure is the median wall time of each, and their ratio. Both outputs are
checked to be the same response first.
"""

import argparse
import json
import resource
import signal
import socket
import statistics
import subprocess
import sys
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_of_children():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(cmd):
    """Wall time, CPU time (user + system, the process and its children) and output."""
    cpu = cpu_of_children()
    start = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    took = time.perf_counter() - start
    if p.returncode:
        sys.exit("%s failed (%d): %s" % (cmd[0], p.returncode, p.stderr))
    return took, p.stdout, cpu_of_children() - cpu


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cgrpc", required=True)
    parser.add_argument("--server", required=True)
    parser.add_argument("--buf", required=True)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    port = free_port()
    server = subprocess.Popen([args.server, "--port=%d" % port], stdout=subprocess.DEVNULL)
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        request = '{"responseSize": 16}'
        method = "grpc.testing.TestService/UnaryCall"
        cgrpc = [args.cgrpc, "call", "127.0.0.1:%d" % port, method, "-d", request]
        buf = [args.buf, "curl", "--protocol", "grpc", "--http2-prior-knowledge", "-d", request,
               "http://127.0.0.1:%d/%s" % (port, method)]
        a, b = timed(cgrpc)[1], timed(buf)[1]
        if json.loads(a) != json.loads(b):
            sys.exit("the two tools printed different responses:\n%s\n%s" % (a, b))
        times = {"cgrpc": [], "buf": []}
        cpu = {"cgrpc": [], "buf": []}
        for _ in range(args.runs):
            for name, cmd in (("cgrpc", cgrpc), ("buf", buf)):
                took, _, used = timed(cmd)
                times[name].append(took)
                cpu[name].append(used)
        med = {k: statistics.median(v) for k, v in times.items()}
        med_cpu = {k: statistics.median(v) for k, v in cpu.items()}
        for name, label in (("cgrpc", "cgrpc call"), ("buf", "buf curl  ")):
            print("%s (reflection, unary): median %.1f ms wall (min %.1f), %.1f ms CPU" %
                  (label, med[name] * 1e3, min(times[name]) * 1e3, med_cpu[name] * 1e3))
        print("cgrpc is %.1fx faster (median wall time, %d runs each); %.0fx less CPU" %
              (med["buf"] / med["cgrpc"], args.runs,
               med_cpu["buf"] / max(med_cpu["cgrpc"], 1e-4)))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(10)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""bench/grpc/harness.py -- the gRPC benchmark: every server under the same
load, every client against every server, medians of interleaved rounds.

Servers: cgrpc (bench_server), grpc C++ (async completion queue, one thread),
grpc-go (GOMAXPROCS=1) and grpc-js, whichever are built, and cgrpc once more
as "cgrpc-poll": server and client with busy polling on (BUSY_POLL_US, see
docs/performance.md), the configuration for latency. Each round starts
each server in turn, pinned to one CPU, and with the load pinned to another:

  verify      every client's verify mode against it (byte-exact echoes)
  unary       h2load, 16 connections x 32 streams, one gRPC-framed Req with
              a 100-byte payload per request, to bench.Bench/Unary
  stream      h2load, 4 connections x 4 streams, one request body of 1000
              framed Reqs with 1 KiB payloads per call, to bench.Bench/Stream
              (h2load sends one body per request, so every call carries 1000
              messages and gets 1000 back: a message rate, not a call rate)
  pingpong    each client, one unary call in flight: p50 / p99 round trip
  throughput  each client, 128 unary calls in flight on one channel

Each h2load load runs twice: for BENCH_WARMUP seconds (warm-up, and to
learn the rate), then, once the server has gone quiet, for exactly the
number of calls that takes about BENCH_SECONDS, so the server's CPU time
(utime + stime from /proc/PID/stat) divides by a known call count. Every timed h2load run must answer every request with 2xx and
exactly the response bytes the echo implies (each call's DATA is its framed
responses), or the run fails. Peak RSS is VmHWM from /proc/PID/status after
the unary load and again at the end of the round. A last pass runs cgrpc's
bench_server with --count-allocs (and bench_malloc_count.so preloaded) to
count heap allocations per unary call and per streamed message in a steady
state, cgrpc's own and the whole process's. Each round also runs
bench_tcp_pingpong, a bare TCP round trip on the same two CPUs with each
side sleeping or polling: the floor under every ping-pong figure.

Usage: harness.py BUILD_DIR  (run.sh calls it). Environment knobs:
BENCH_ROUNDS (3), BENCH_SECONDS (2), BENCH_WARMUP (1), BENCH_SERVERS and
BENCH_CLIENTS (comma lists, default all built), BENCH_SERVER_CPU (0),
BENCH_LOAD_CPU (1; both empty for no pinning).
"""

import json
import os
import re
import resource
import select
import signal
import socket
import statistics
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
HEADERS = ["-H", "content-type: application/grpc", "-H", "te: trailers"]
UNARY = {"path": "/bench.Bench/Unary", "payload": 100, "messages": 1, "clients": 16, "streams": 32}
STREAM = {"path": "/bench.Bench/Stream", "payload": 1024, "messages": 1000, "clients": 4,
          "streams": 4}
INFLIGHT = 128
BUSY_POLL_US = 50
OURS = ("cgrpc", "cgrpc-poll")


class BenchError(Exception):
    pass


# ---- gRPC request bodies ------------------------------------------------------------

def varint(v):
    out = bytearray()
    while True:
        b, v = v & 0x7F, v >> 7
        out.append(b | 0x80 if v else b)
        if not v:
            return bytes(out)


def framed_req(payload_len):
    """One gRPC-framed bench.Req: 5-byte prefix (uncompressed, length) then
    field 1 (bytes) holding the benchmark payload, byte i = i * 31 mod 256."""
    payload = bytes((i * 31) & 0xFF for i in range(payload_len))
    msg = b"\x0a" + varint(payload_len) + payload if payload_len else b""
    return b"\x00" + struct.pack(">I", len(msg)) + msg


def write_body(path, load):
    body = framed_req(load["payload"]) * load["messages"]
    with open(path, "wb") as f:
        f.write(body)
    # The echo's response is the same bytes: Resp has the same field 1.
    load["response_bytes"] = len(body)
    load["body"] = path


# ---- processes ------------------------------------------------------------------------

def pin(cpu):
    return ["taskset", "-c", cpu] if cpu else []


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def settle(pid):
    """Waits until the server's CPU time stops growing (2 s at most): a
    duration-bound h2load run ends with calls cut off in flight, and the
    server's work on them must not count in the next measurement."""
    last, deadline = proc_cpu_seconds(pid), time.monotonic() + 2
    while time.monotonic() < deadline:
        time.sleep(0.1)
        now = proc_cpu_seconds(pid)
        if now == last:
            return
        last = now


def proc_switches(pid):
    """Context switches of every thread of the process so far."""
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/status") as f:
                for line in f:
                    if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                        total += int(line.split()[1])
        except FileNotFoundError:  # the thread ended meanwhile
            pass
    return total


def proc_peak_rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise BenchError(f"no VmHWM for pid {pid}")


class Server:
    """A running server process on a free port; stop() always kills it."""

    def __init__(self, name, argv, env, cpu, log):
        self.name, self.port = name, free_port()
        full_env = dict(os.environ, **env)
        with open(log, "w") as stderr:
            self.proc = subprocess.Popen(pin(cpu) + argv + [f"--port={self.port}"], env=full_env,
                                         stdout=subprocess.PIPE, stderr=stderr)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"{name} server exited with {self.proc.returncode} at start; "
                                 f"see {log}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise BenchError(f"{name} server did not listen on port {self.port} within 15 s")

    @property
    def pid(self):
        return self.proc.pid

    def readline(self, timeout):
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            raise BenchError(f"{self.name} server printed nothing within {timeout} s")
        return self.proc.stdout.readline().decode()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()


def run(argv, timeout, what):
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise BenchError(f"{what}: no answer within {timeout:.0f} s")
    if p.returncode != 0:
        raise BenchError(f"{what}: exit {p.returncode}: {(p.stderr or p.stdout).strip()[-500:]}")
    return p.stdout


# ---- h2load ----------------------------------------------------------------------------

def h2load(cfg, server, load, extra):
    url = f"http://127.0.0.1:{server.port}{load['path']}"
    argv = (pin(cfg["load_cpu"]) + ["h2load", "-c", str(load["clients"]), "-m",
                                     str(load["streams"]), "-d", load["body"]] + HEADERS +
            extra + [url])
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = run(argv, 120 + 20 * cfg["seconds"], f"h2load {load['path']} on {server.name}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    own_cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    m = re.search(r"finished in [\d.]+m?s, ([\d.]+) req/s", out)
    r = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, "
                  r"(\d+) failed, (\d+) errored, (\d+) timeout", out)
    s = re.search(r"status codes: (\d+) 2xx", out)
    d = re.search(r"\((\d+)\) data", out)
    if not (m and r and s and d):
        raise BenchError(f"h2load output not understood:\n{out}")
    return {"rate": float(m.group(1)), "total": int(r.group(1)), "done": int(r.group(3)),
            "succeeded": int(r.group(4)), "ok_status": int(s.group(1)),
            "data": int(d.group(1)), "cpu": own_cpu}


def measure_load(cfg, server, load):
    """Warm-up run for cfg['warmup'] s, then a run of the calls that take
    about cfg['seconds'] s at the warm-up's rate, with the server's CPU time
    around it. Returns calls/s (messages/s for Stream), the server's CPU us
    per call (per message), and the share of the run's time the server and
    h2load were on a CPU: the one near 100% is the bottleneck."""
    warm = h2load(cfg, server, load, ["-D", f"{int(cfg['warmup'] * 1000)}ms"])
    settle(server.pid)
    concurrency = load["clients"] * load["streams"]
    n = max(concurrency, int(warm["rate"] * cfg["seconds"]) // concurrency * concurrency)
    cpu0 = proc_cpu_seconds(server.pid)
    res = h2load(cfg, server, load, ["-n", str(n)])
    cpu = proc_cpu_seconds(server.pid) - cpu0
    want = n * load["response_bytes"]
    if not (res["done"] == res["succeeded"] == res["ok_status"] == n and res["data"] == want):
        raise BenchError(f"{server.name} {load['path']}: of {n} requests {res['succeeded']} "
                         f"succeeded, {res['ok_status']} got 2xx; response data {res['data']} "
                         f"bytes, the echo is {want}")
    messages = n * load["messages"]
    elapsed = n / res["rate"]
    return {"rate": res["rate"] * load["messages"], "cpu_us": cpu * 1e6 / messages,
            "server_busy": 100 * cpu / elapsed, "load_busy": 100 * res["cpu"] / elapsed}


# ---- one round ------------------------------------------------------------------------------

def client_run(cfg, client, server, mode):
    argv = pin(cfg["load_cpu"]) + client["argv"] + [
        mode, f"--target=127.0.0.1:{server.port}", f"--seconds={cfg['seconds']}",
        f"--warmup={cfg['client_warmup']}", f"--inflight={INFLIGHT}",
        f"--payload={UNARY['payload']}"]
    env_argv = ["env"] + [f"{k}={v}" for k, v in client["env"].items()] + argv
    out = run(env_argv, 60 + 5 * cfg["seconds"], f"{client['name']} client {mode} "
              f"against {server.name}")
    if mode == "verify":
        return None
    return dict((k, float(v)) for k, v in re.findall(r"(\w+)=([\d.]+)", out))


def round_for_server(cfg, srv, clients, results):
    server = Server(srv["name"], srv["argv"], srv["env"], cfg["server_cpu"], srv["log"])
    try:
        for c in clients:
            client_run(cfg, c, server, "verify")
        r = results.setdefault(srv["name"], {})
        for load, key in ((UNARY, "unary"), (STREAM, "stream")):
            m = measure_load(cfg, server, load)
            r.setdefault(key, []).append(m["rate"])
            r.setdefault(key + "_cpu_us", []).append(m["cpu_us"])
            r.setdefault(key + "_server_busy", []).append(m["server_busy"])
            r.setdefault(key + "_load_busy", []).append(m["load_busy"])
            if load is UNARY:
                r.setdefault("rss_unary", []).append(proc_peak_rss_mib(server.pid))
        for c in clients:
            cpu0, sw0 = proc_cpu_seconds(server.pid), proc_switches(server.pid)
            pp = client_run(cfg, c, server, "pingpong")
            cpu, sw = proc_cpu_seconds(server.pid) - cpu0, proc_switches(server.pid) - sw0
            tp = client_run(cfg, c, server, "throughput")
            cr = r.setdefault("clients", {}).setdefault(c["name"], {})
            cr.setdefault("p50", []).append(pp["p50_us"])
            cr.setdefault("p99", []).append(pp["p99_us"])
            if "all_calls" in pp:  # cgrpc's client says what it spent per call
                for key in ("cpu_us_per_call", "switches_per_call"):
                    cr.setdefault("pp_client_" + key, []).append(pp[key])
                cr.setdefault("pp_server_cpu_us_per_call", []).append(cpu * 1e6 / pp["all_calls"])
                cr.setdefault("pp_server_switches_per_call", []).append(sw / pp["all_calls"])
            cr.setdefault("throughput", []).append(tp["rate"])
            cr.setdefault("throughput_cpu_us", []).append(tp["cpu_us_per_call"])
        r.setdefault("rss_end", []).append(proc_peak_rss_mib(server.pid))
    finally:
        server.stop()


def tcp_floor(cfg, bindir, floor):
    """One run of bench_tcp_pingpong, the echo side on the server's CPU and
    the sender on the load's; appends p50 and p99 per combination."""
    exe = os.path.join(bindir, "bench_tcp_pingpong")
    if not os.access(exe, os.X_OK):
        return
    argv = [exe, f"--seconds={cfg['seconds']}"]
    for flag, cpu in (("--echo-cpu", cfg["server_cpu"]), ("--send-cpu", cfg["load_cpu"])):
        if cpu.isdigit():
            argv.append(f"{flag}={cpu}")
    out = run(argv, 60 + 10 * cfg["seconds"], "bench_tcp_pingpong")
    for line in out.splitlines():
        kv = dict(re.findall(r"(\w+)=([\w.]+)", line))
        f = floor.setdefault(f"{kv['echo']}/{kv['send']}", {})
        f.setdefault("p50", []).append(float(kv["p50_us"]))
        f.setdefault("p99", []).append(float(kv["p99_us"]))


def count_allocations(cfg, srv, bindir):
    """Allocations per unary call and per streamed message of cgrpc's
    server: counters read (SIGUSR1) right before and after a timed load, so
    start-up and warm-up are left out. cgrpc's own come from its allocator
    hook; the whole process's (nghttp2's included) from the preloaded
    bench_malloc_count module, when it is built."""
    env = dict(srv["env"])
    preload = os.path.join(bindir, "bench_malloc_count.so")
    if os.path.exists(preload):
        env["LD_PRELOAD"] = preload
    server = Server(srv["name"], srv["argv"] + ["--count-allocs"], env, cfg["server_cpu"],
                    srv["log"])
    out = {}
    try:
        for load, key, unit in ((UNARY, "unary", "calls"), (STREAM, "stream", "messages")):
            h2load(cfg, server, load, ["-D", f"{int(cfg['warmup'] * 1000)}ms"])
            settle(server.pid)
            server.proc.send_signal(signal.SIGUSR1)
            server.readline(10)
            n = load["clients"] * load["streams"] * 64
            h2load(cfg, server, load, ["-n", str(n)])
            server.proc.send_signal(signal.SIGUSR1)
            counts = dict((k, int(v)) for k, v in re.findall(r"(\w+)=(\d+)", server.readline(10)))
            if counts[unit] != n * load["messages"]:
                raise BenchError(f"allocation count: {counts[unit]} {unit}, expected "
                                 f"{n * load['messages']}")
            out[key] = counts["allocs"] / counts[unit]
            out[key + "_bytes"] = counts["bytes"] / counts[unit]
            if "process_allocs" in counts:
                out[key + "_process"] = counts["process_allocs"] / counts[unit]
    finally:
        server.stop()
    return out


# ---- report ------------------------------------------------------------------------------------

def med(xs):
    return statistics.median(xs)


def fmt_rate(x):
    return f"{x / 1000:.1f}k"


def machine_line():
    model = "unknown CPU"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    load = open("/proc/loadavg").read().split()[:3]
    return (f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {model}, nproc "
            f"{os.cpu_count()}; load average {' '.join(load)}")


def report(cfg, servers, clients, results, allocs, floor):
    names = [s["name"] for s in servers if s["name"] in results]
    peers = [n for n in names if n not in OURS]
    has_cgrpc = "cgrpc" in results
    lines = [f"Machine: {machine_line()}",
             f"Rounds: {cfg['rounds']} (medians); {cfg['seconds']} s per measurement; server on "
             f"CPU {cfg['server_cpu'] or '-'}, load on CPU {cfg['load_cpu'] or '-'}", ""]

    lines += ["Servers under h2load. x: how many times cgrpc is better (cgrpc / peer for "
              "rates, peer / cgrpc for CPU and memory):", "",
              "| server | unary calls/s | x | CPU us/call | x | stream msgs/s | x | CPU us/msg "
              "| peak RSS MiB (unary) | x | peak RSS MiB (end) |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    keys = ("unary", "unary_cpu_us", "stream", "stream_cpu_us", "rss_unary", "rss_end")
    cg = {k: med(results["cgrpc"][k]) for k in keys} if has_cgrpc else None
    for n in names:
        m = {k: med(results[n][k]) for k in keys}

        def x(key, higher_is_better):
            if n in OURS or not cg:
                return "-"
            a, b = (cg[key], m[key]) if higher_is_better else (m[key], cg[key])
            return f"{a / b:.2f}x"

        lines.append(
            f"| {n} | {fmt_rate(m['unary'])} | {x('unary', True)} | {m['unary_cpu_us']:.2f} | "
            f"{x('unary_cpu_us', False)} | {fmt_rate(m['stream'])} | {x('stream', True)} | "
            f"{m['stream_cpu_us']:.2f} | {m['rss_unary']:.1f} | {x('rss_unary', False)} | "
            f"{m['rss_end']:.1f} |")

    lines += ["", "Who was the bottleneck: share of each timed h2load run that the server and "
              "h2load spent on a CPU (each is pinned to one; near 100% means saturated):", "",
              "| server | unary: server % | unary: h2load % | stream: server % | "
              "stream: h2load % |", "|---|---:|---:|---:|---:|"]
    for n in names:
        r = results[n]
        lines.append(f"| {n} | {med(r['unary_server_busy']):.0f} | {med(r['unary_load_busy']):.0f} "
                     f"| {med(r['stream_server_busy']):.0f} | {med(r['stream_load_busy']):.0f} |")

    cnames = [cl["name"] for cl in clients]
    lines += ["", "Ping-pong, one unary call in flight: p50 / p99 round trip in us "
              "(rows: client, columns: server):", "",
              "| client | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for cn in cnames:
        cells = []
        for n in names:
            cr = results[n]["clients"][cn]
            cells.append(f"{med(cr['p50']):.1f} / {med(cr['p99']):.1f}")
        lines.append(f"| {cn} | " + " | ".join(cells) + " |")
    profiled = [cn for cn in cnames if "pp_client_cpu_us_per_call" in
                 results[names[0]]["clients"].get(cn, {})] if names else []
    if profiled:
        lines += ["", "Where a ping-pong round trip goes, cgrpc's clients: CPU time and context "
                  "switches per call of each side (server CPU from /proc over the whole client "
                  "run, warm-up included; a round trip not spent on a CPU is spent waiting "
                  "for a thread to wake):", "",
                  "| client | server | p50 us | client CPU us | client switches | server CPU us | "
                  "server switches |", "|---|---|---:|---:|---:|---:|---:|"]
        for cn in profiled:
            for n in names:
                cr = results[n]["clients"][cn]
                lines.append(
                    f"| {cn} | {n} | {med(cr['p50']):.1f} | "
                    f"{med(cr['pp_client_cpu_us_per_call']):.1f} | "
                    f"{med(cr['pp_client_switches_per_call']):.2f} | "
                    f"{med(cr['pp_server_cpu_us_per_call']):.1f} | "
                    f"{med(cr['pp_server_switches_per_call']):.2f} |")
    if floor:
        lines += ["", "The floor: a bare TCP round trip on the same two CPUs (bench_tcp_pingpong, "
                  "150 bytes each way, no HTTP/2), p50 / p99 in us, each side sleeping in "
                  "epoll_wait or polling:", "",
                  "| echo side | sender sleeps | sender polls |", "|---|---:|---:|"]
        for echo in ("sleep", "poll"):
            cells = []
            for send in ("sleep", "poll"):
                f = floor.get(f"{echo}/{send}")
                cells.append(f"{med(f['p50']):.1f} / {med(f['p99']):.1f}" if f else "-")
            lines.append(f"| {echo}s | " + " | ".join(cells) + " |")
    lines += ["", f"Client throughput, {INFLIGHT} unary calls in flight on one channel: calls/s "
              "(client CPU us per call; rows: client, columns: server):", "",
              "| client | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for cn in cnames:
        cells = [f"{fmt_rate(med(results[n]['clients'][cn]['throughput']))} "
                 f"({med(results[n]['clients'][cn]['throughput_cpu_us']):.1f})" for n in names]
        lines.append(f"| {cn} | " + " | ".join(cells) + " |")

    if allocs:
        lines += ["", "cgrpc server heap allocations in a steady state:", "",
                  "| | per unary call | per streamed message |", "|---|---:|---:|",
                  f"| by cgrpc (its allocator hook) | {allocs['unary']:.2f} "
                  f"({allocs['unary_bytes']:.0f} bytes) | {allocs['stream']:.3f} "
                  f"({allocs['stream_bytes']:.0f} bytes) |"]
        if "unary_process" in allocs:
            lines.append(f"| by the whole process (nghttp2 included) | "
                         f"{allocs['unary_process']:.2f} | {allocs['stream_process']:.3f} |")

    if has_cgrpc and peers:
        lines += ["", "Against the goals:", "", "| goal | measured | status |", "|---|---|---|"]

        def goal(text, measured, met):
            lines.append(f"| {text} | {measured} | {'met' if met else 'not met'} |")

        c = results["cgrpc"]
        cu = med(c["unary"])
        if "grpc-cpp" in results:
            pu = med(results["grpc-cpp"]["unary"])
            goal("unary >= 3x grpc C++ async", f"{fmt_rate(cu)} vs {fmt_rate(pu)}: "
                 f"{cu / pu:.2f}x", cu >= 3 * pu)
        ucpu = med(c["unary_cpu_us"])
        goal("server CPU per unary call <= 2.5 us", f"{ucpu:.2f} us", ucpu <= 2.5)
        best = max(peers, key=lambda n: med(results[n]["stream"]))
        cs, ps = med(c["stream"]), med(results[best]["stream"])
        goal("streaming >= 2x best peer", f"{fmt_rate(cs)} vs {best} {fmt_rate(ps)}: "
             f"{cs / ps:.2f}x", cs >= 2 * ps)
        own = [n for n in peers if n in cnames]
        if own:
            best = min(own, key=lambda n: med(results[n]["clients"][n]["p50"]))
            pp = med(results[best]["clients"][best]["p50"])
            for ours, how in (("cgrpc", "defaults"), ("cgrpc-poll", "busy polling")):
                if ours in cnames and ours in results:
                    cp = med(results[ours]["clients"][ours]["p50"])
                    goal(f"ping-pong p50 <= half the best peer's (each client against its own "
                         f"server), cgrpc with {how}",
                         f"{cp:.1f} us vs {best} {pp:.1f} us: {cp / pp:.2f} of it",
                         cp <= pp / 2)
        peer_clients = [n for n in cnames if n not in OURS]
        if "cgrpc" in cnames and peer_clients:
            fastest = max(names, key=lambda n: med(results[n]["unary"]))
            col = results[fastest]["clients"]
            best = max(peer_clients, key=lambda n: med(col[n]["throughput"]))
            ct, pt = med(col["cgrpc"]["throughput"]), med(col[best]["throughput"])
            goal(f"client >= 2x best peer client (against the fastest server, {fastest})",
                 f"{fmt_rate(ct)} vs {best} {fmt_rate(pt)}: {ct / pt:.2f}x", ct >= 2 * pt)
        best = min(peers, key=lambda n: med(results[n]["rss_unary"]))
        cr, pr = med(c["rss_unary"]), med(results[best]["rss_unary"])
        goal("server peak RSS <= 1/4 of best peer", f"{cr:.1f} MiB vs {best} {pr:.1f} MiB: "
             f"1/{pr / cr:.1f}", cr <= pr / 4)
    return "\n".join(lines)


# ---- main --------------------------------------------------------------------------------------

def implementations(bindir):
    """(servers, clients) that are built, cgrpc first."""
    node = ["node"]
    js = os.path.join(HERE, "js")
    have_js = os.path.isdir(os.path.join(js, "node_modules", "@grpc", "grpc-js"))
    table = [
        ("cgrpc", [os.path.join(bindir, "bench_server"), "--threads=1"],
         [os.path.join(bindir, "bench_client")], {}),
        ("cgrpc-poll", [os.path.join(bindir, "bench_server"), "--threads=1",
                        f"--busy-poll-us={BUSY_POLL_US}"],
         [os.path.join(bindir, "bench_client"), f"--busy-poll-us={BUSY_POLL_US}"], {}),
        ("grpc-cpp", [os.path.join(bindir, "bench_server_cpp")],
         [os.path.join(bindir, "bench_client_cpp")], {}),
        ("grpc-go", [os.path.join(bindir, "bench_server_go")],
         [os.path.join(bindir, "bench_client_go")], {"GOMAXPROCS": "1"}),
        ("grpc-js", node + [os.path.join(js, "server.js")] if have_js else None,
         node + [os.path.join(js, "client.js")] if have_js else None, {}),
    ]
    servers, clients = [], []
    for name, sargv, cargv, env in table:
        if sargv and (sargv[0] == "node" or os.access(sargv[0], os.X_OK)):
            servers.append({"name": name, "argv": sargv, "env": env,
                            "log": os.path.join(bindir, f"server-{name}.log")})
            clients.append({"name": name, "argv": cargv, "env": env})
        else:
            print(f"bench grpc: {name} is not built; leaving it out")
    want_s, want_c = os.environ.get("BENCH_SERVERS"), os.environ.get("BENCH_CLIENTS")
    if want_s:
        servers = [s for s in servers if s["name"] in want_s.split(",")]
    if want_c:
        clients = [c for c in clients if c["name"] in want_c.split(",")]
    return servers, clients


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: harness.py BUILD_DIR")
    bindir = os.path.join(os.path.abspath(sys.argv[1]), "bench", "grpc")
    two_cpus = (os.cpu_count() or 1) >= 2
    cfg = {
        "rounds": int(os.environ.get("BENCH_ROUNDS", "3")),
        "seconds": float(os.environ.get("BENCH_SECONDS", "2")),
        "warmup": float(os.environ.get("BENCH_WARMUP", "1")),
        "client_warmup": 0.5,
        "server_cpu": os.environ.get("BENCH_SERVER_CPU", "0" if two_cpus else ""),
        "load_cpu": os.environ.get("BENCH_LOAD_CPU", "1" if two_cpus else ""),
    }
    # SIGTERM unwinds like Ctrl-C, so every running server is stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("bench grpc: terminated"))
    servers, clients = implementations(bindir)
    if not servers or not clients:
        sys.exit(f"bench grpc: no servers or clients built in {bindir}")
    os.makedirs(bindir, exist_ok=True)
    write_body(os.path.join(bindir, "body_unary.bin"), UNARY)
    write_body(os.path.join(bindir, "body_stream.bin"), STREAM)
    print(f"bench grpc: servers {', '.join(s['name'] for s in servers)}; clients "
          f"{', '.join(c['name'] for c in clients)}; {cfg['rounds']} rounds", flush=True)

    results, allocs, floor = {}, None, {}
    try:
        for rnd in range(cfg["rounds"]):
            tcp_floor(cfg, bindir, floor)
            for srv in servers:
                t = time.monotonic()
                round_for_server(cfg, srv, clients, results)
                r = results[srv["name"]]
                print(f"bench grpc: round {rnd + 1} {srv['name']}: unary "
                      f"{fmt_rate(r['unary'][-1])}/s, stream {fmt_rate(r['stream'][-1])} msgs/s "
                      f"({time.monotonic() - t:.0f} s)", flush=True)
        cg = [s for s in servers if s["name"] == "cgrpc"]
        if cg:
            allocs = count_allocations(cfg, cg[0], bindir)
    except BenchError as e:
        sys.exit(f"bench grpc: FAILED: {e}")

    text = report(cfg, servers, clients, results, allocs, floor)
    print()
    print(text)
    with open(os.path.join(bindir, "results.md"), "w") as f:
        f.write(text + "\n")
    with open(os.path.join(bindir, "results.json"), "w") as f:
        json.dump({"config": cfg, "results": results, "allocations": allocs, "tcp_floor": floor},
                  f, indent=1)


if __name__ == "__main__":
    main()

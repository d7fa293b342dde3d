#!/usr/bin/python3
"""Memory per idle connection: cgrpc's server against grpc C++'s and
grpc-go's, in the same run.

Each server starts on a free port; this script opens N connections to it,
each sending the HTTP/2 connection preface and an empty SETTINGS frame,
acknowledging the server's SETTINGS, and then staying silent: what a fleet
of idle clients (or a load balancer's pool) holds open. With --used, each
connection first makes one call (a request for a method the server does not
have, answered UNIMPLEMENTED: headers both ways, so HPACK state and a closed
stream are behind it) and then stays silent. The figure is the growth of the
server's resident set (VmRSS) from before the first connection to after the
last one was answered, divided by N.

Usage: bench/grpc/idle_conns.py BUILD_DIR [--connections N] [--rounds R] [--used]
BUILD_DIR is a build configured with -DCGRPC_BUILD_BENCH=ON (bench_server,
bench_server_cpp and bench_server_go in BUILD_DIR/bench/grpc).
"""
import argparse
import os
import resource
import selectors
import socket
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402  (Server, free_port)

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
EMPTY_SETTINGS = b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"
SETTINGS_ACK = b"\x00\x00\x00\x04\x01\x00\x00\x00\x00"


def vm_rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


def one_call_bytes(port):
    """The client's bytes of a connection that makes one call: preface,
    SETTINGS, and a request for a method no server has (python3-h2's HPACK)."""
    import h2.config
    import h2.connection
    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
    conn.initiate_connection()
    conn.send_headers(1, [(":method", "POST"), (":scheme", "http"), (":path", "/idle.Bench/None"),
                          (":authority", f"127.0.0.1:{port}"), ("te", "trailers"),
                          ("content-type", "application/grpc")], end_stream=True)
    return conn.data_to_send() + SETTINGS_ACK


def open_idle(port, n, used):
    """N connections that said hello (and made a call, when `used`) and went
    quiet; returns the sockets."""
    hello = one_call_bytes(port) if used else PREFACE + EMPTY_SETTINGS + SETTINGS_ACK
    socks = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.sendall(hello)
        socks.append(s)
    # Wait until every server answered with its SETTINGS: the connection is
    # set up on the server's side, buffers and all.
    sel = selectors.DefaultSelector()
    for s in socks:
        sel.register(s, selectors.EVENT_READ)
    pending = len(socks)
    deadline = time.monotonic() + 60
    while pending and time.monotonic() < deadline:
        for key, _ in sel.select(1):
            if key.fileobj.recv(65536):
                sel.unregister(key.fileobj)
                pending -= 1
    sel.close()
    if pending:
        raise RuntimeError(f"{pending} connections got no SETTINGS within 60 s")
    return socks


def measure(server, n, used):
    time.sleep(0.5)
    before = vm_rss_kib(server.pid)
    socks = open_idle(server.port, n, used)
    time.sleep(1.0)  # let the server finish whatever it does after SETTINGS
    after = vm_rss_kib(server.pid)
    for s in socks:
        s.close()
    return (after - before) / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--connections", type=int, default=10000)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--used", action="store_true", help="one call on each connection first")
    args = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = args.connections + 100
    if hard < want:
        sys.exit(f"idle_conns: the descriptor limit is {hard}; {want} are needed")
    # The servers inherit the limit; cgrpc admits 90% of it by default.
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    bindir = os.path.join(os.path.abspath(args.build), "bench", "grpc")
    servers = [("cgrpc", [os.path.join(bindir, "bench_server"), "--threads=1"], {}),
               ("grpc-cpp", [os.path.join(bindir, "bench_server_cpp")], {}),
               ("grpc-go", [os.path.join(bindir, "bench_server_go")], {"GOMAXPROCS": "1"})]
    results = {}
    for name, argv, env in servers:
        if not os.access(argv[0], os.X_OK):
            print(f"idle_conns: {argv[0]} is not built; leaving {name} out", file=sys.stderr)
            continue
        for _ in range(args.rounds):
            log = os.path.join(args.build, f"idle_conns_{name}.log")
            server = harness.Server(name, argv, env, None, log)
            try:
                results.setdefault(name, []).append(measure(server, args.connections, args.used))
            finally:
                server.stop()
    kind = "after one call" if args.used else "never used"
    print(f"| server | KiB per idle connection ({kind}; {args.connections} connections, "
          f"median of {args.rounds}) | x cgrpc |")
    print("|---|---|---|")
    base = statistics.median(results["cgrpc"]) if "cgrpc" in results else None
    for name, vals in results.items():
        med = statistics.median(vals)
        ratio = f"{med / base:.2f}" if base else "-"
        print(f"| {name} | {med:.1f} | {ratio} |")


if __name__ == "__main__":
    main()

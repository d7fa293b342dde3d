#!/usr/bin/python3
"""A grpcio server of grpc.health.v1.Health, for the cgrpc health tests.

    health_server.py GRACE_SECONDS ADDRESS...

Listens on every ADDRESS (host:0 picks a free port; unix:/path), prints
"port N" (the first TCP port, 0 when there is none), then serves:
"" and "svc.ok" are SERVING, "svc.down" NOT_SERVING, other names NOT_FOUND.
On SIGTERM it does what a Kubernetes pod's server does on shutdown: every
status turns NOT_SERVING at once, it keeps answering for GRACE_SECONDS (so
the readiness probe sees it and the pod leaves the Service), then stops.

The messages are encoded by hand (one string field in, one enum field
out), so no generated code is needed.
"""

import signal
import sys
import threading
from concurrent import futures

import grpc

SERVING, NOT_SERVING = 1, 2


def main():
    grace = float(sys.argv[1])
    statuses = {"": SERVING, "svc.ok": SERVING, "svc.down": NOT_SERVING}
    lock = threading.Lock()

    def check(request, context):
        name = b""
        if request[:1] == b"\x0a":
            name = request[2:2 + request[1]]
        with lock:
            status = statuses.get(name.decode())
        if status is None:
            context.abort(grpc.StatusCode.NOT_FOUND, "unknown service")
        return bytes([0x08, status])

    handler = grpc.method_handlers_generic_handler(
        "grpc.health.v1.Health", {"Check": grpc.unary_unary_rpc_method_handler(check)})
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4), handlers=[handler])
    port = 0
    for address in sys.argv[2:]:
        bound = server.add_insecure_port(address)
        if not address.startswith("unix:") and not port:
            port = bound
    stop = threading.Event()

    def on_term(signum, frame):
        with lock:
            for name in statuses:
                statuses[name] = NOT_SERVING
        print("draining", flush=True)
        stop.set()

    signal.signal(signal.SIGTERM, on_term)
    server.start()
    print("port %d" % port, flush=True)
    stop.wait()
    threading.Event().wait(grace)
    server.stop(0)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""A grpcio server whose /test.Echo/Echo answers with the request's bytes.

    echo_server.py SAVE_FILE

Prints "port N"; each request's bytes are also written to SAVE_FILE, so a
test can decode them with `protoc --decode` and compare with what the cgrpc
tool printed.
"""

import signal
import sys
import threading
from concurrent import futures

import grpc


def main():
    save = sys.argv[1]

    def echo(request, context):
        with open(save, "wb") as f:
            f.write(request)
        return request

    handler = grpc.method_handlers_generic_handler(
        "test.Echo", {"Echo": grpc.unary_unary_rpc_method_handler(echo)})
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2), handlers=[handler])
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print("port %d" % port, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    server.stop(0)


if __name__ == "__main__":
    main()

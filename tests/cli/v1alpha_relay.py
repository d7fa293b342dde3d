#!/usr/bin/python3
"""A grpcio server that knows only the old reflection service.

    v1alpha_relay.py UPSTREAM

Serves /grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo (and
nothing else, so v1 is UNIMPLEMENTED) by relaying each stream, bytes
unchanged, to UPSTREAM's grpc.reflection.v1 service: the two versions share
every message and field number. Prints "port N". The cgrpc tool must fall
back to v1alpha against it.
"""

import signal
import sys
import threading
from concurrent import futures

import grpc


def main():
    upstream = grpc.insecure_channel(sys.argv[1])
    v1 = upstream.stream_stream("/grpc.reflection.v1.ServerReflection/ServerReflectionInfo")

    def relay(request_iterator, context):
        for response in v1(request_iterator):
            yield response

    handler = grpc.method_handlers_generic_handler(
        "grpc.reflection.v1alpha.ServerReflection",
        {"ServerReflectionInfo": grpc.stream_stream_rpc_method_handler(relay)})
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4), handlers=[handler])
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print("port %d" % port, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    server.stop(0)


if __name__ == "__main__":
    main()

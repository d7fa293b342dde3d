#!/usr/bin/python3
"""greeter_client.py: SayHello from grpcio, the reference gRPC stack.

    /usr/bin/python3 greeter_client.py [TARGET [NAME]]   (127.0.0.1:50051, "world")

Shows that a peer cgrpc did not write calls greeter_server just as
greeter_client.c does. The Python code for helloworld.proto is generated at
start-up, with grpc_tools.protoc, into a temporary directory. Needs Debian's
python3-grpcio and python3-grpc-tools (hence /usr/bin/python3).
"""
import os
import sys
import tempfile

import grpc
from grpc_tools import protoc

PROTO_DIR = os.path.dirname(os.path.abspath(__file__))  # helloworld.proto


def main():
    target = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:50051"
    name = sys.argv[2] if len(sys.argv) > 2 else "world"
    with tempfile.TemporaryDirectory() as out_dir:
        if protoc.main(["protoc", "-I" + PROTO_DIR, "--python_out=" + out_dir,
                        "--grpc_python_out=" + out_dir, "helloworld.proto"]) != 0:
            sys.exit("greeter_client.py: protoc could not compile helloworld.proto")
        sys.path.insert(0, out_dir)
        import helloworld_pb2
        import helloworld_pb2_grpc
        with grpc.insecure_channel(target) as channel:
            stub = helloworld_pb2_grpc.GreeterStub(channel)
            try:
                reply = stub.SayHello(helloworld_pb2.HelloRequest(name=name), timeout=5)
            except grpc.RpcError as e:
                sys.exit(f"greeter_client.py: SayHello failed: {e.code().name}: {e.details()}")
    print(f"Greeter replied: {reply.message}")


if __name__ == "__main__":
    main()

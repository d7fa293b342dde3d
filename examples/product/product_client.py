#!/usr/bin/python3
"""product_client.py: GetProduct from grpcio, the reference gRPC stack.

    /usr/bin/python3 product_client.py TARGET ID...

The same lookups as product_client.c, made by Python's grpcio (gRPC C-core)
instead of cgrpc: it shows a cgrpc server answering a peer it did not write.
The Python code for product.proto is generated at start-up, with
grpc_tools.protoc, into a temporary directory. Exit status as the C client:
0 all found, 1 some not found, 2 any other failure.

Needs Debian's python3-grpcio and python3-grpc-tools (hence /usr/bin/python3).
"""
import os
import sys
import tempfile

import grpc
from grpc_tools import protoc


def load_product_modules(out_dir):
    proto_dir = os.path.dirname(os.path.abspath(__file__))
    if protoc.main(["protoc", "-I" + proto_dir, "--python_out=" + out_dir,
                    "--grpc_python_out=" + out_dir, "product.proto"]) != 0:
        sys.exit("product_client.py: protoc could not compile product.proto")
    sys.path.insert(0, out_dir)
    import product_pb2
    import product_pb2_grpc
    return product_pb2, product_pb2_grpc


def describe(product):
    price = product.price
    lines = [f"{product.id}: {product.name}, {price.units}.{price.nanos // 10000000:02d} "
             f"{price.currency}, {product.stock} in stock",
             f"    {product.description}"]
    if product.tags:
        lines.append("    tags: " + ", ".join(product.tags))
    lines += [f"    {key}: {value}" for key, value in sorted(product.attributes.items())]
    return "\n".join(lines)


def main():
    if len(sys.argv) < 3:
        sys.exit(f"usage: {sys.argv[0]} TARGET ID...")
    target, ids = sys.argv[1], sys.argv[2:]
    with tempfile.TemporaryDirectory() as out_dir:
        product_pb2, product_pb2_grpc = load_product_modules(out_dir)
        status = 0
        with grpc.insecure_channel(target) as channel:
            stub = product_pb2_grpc.ProductServiceStub(channel)
            for product_id in ids:
                request = product_pb2.GetProductRequest(id=product_id)
                try:
                    print(describe(stub.GetProduct(request, timeout=5)))
                except grpc.RpcError as e:
                    if e.code() == grpc.StatusCode.NOT_FOUND:
                        print(f"{product_id}: not found (the server says: {e.details()})")
                        status = max(status, 1)
                    else:
                        print(f"{product_id}: the lookup failed: {e.code().name}: {e.details()}")
                        status = 2
    return status


if __name__ == "__main__":
    sys.exit(main())

"""Rich error details between cgrpc and grpcio (gRPC C-core), both ways.

Usage: rich_errors_interop.py PEER GOOGLEAPIS_DIR GEN_DIR

PEER is rich_errors_peer (a cgrpc server with `serve`, a cgrpc client with
`call TARGET`). The Python side decodes and builds grpc-status-details-bin
with classes grpc_tools.protoc generates into GEN_DIR from the same
google/rpc/status.proto and error_details.proto (grpcio-status is not in
Debian, so nothing here depends on it).

1. A grpcio client calls the cgrpc server: the trailer decodes to a
   google.rpc.Status whose code and message are the call's, holding
   ErrorInfo, BadRequest and RetryInfo with the values the server put in.
2. A grpcio server fails a call with details: the cgrpc client prints them.
3. A grpcio server sends details whose code contradicts the status: the
   cgrpc client keeps the status and ignores the details.
"""

import concurrent.futures
import importlib.util
import os
import subprocess
import sys

import grpc
from grpc_tools import protoc


def generate(googleapis, gen_dir):
    os.makedirs(gen_dir, exist_ok=True)
    args = ["protoc", "-I" + googleapis, "-I/usr/include", "--python_out=" + gen_dir,
            "google/rpc/status.proto", "google/rpc/error_details.proto"]
    if protoc.main(args) != 0:
        sys.exit("protoc failed: " + " ".join(args))
    modules = {}
    # Loaded by path under flat names: a "google" package in GEN_DIR would
    # shadow the installed google.protobuf.
    for name in ("status_pb2", "error_details_pb2"):
        path = os.path.join(gen_dir, "google", "rpc", name + ".py")
        spec = importlib.util.spec_from_file_location("rich_" + name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        modules[name] = module
    return modules["status_pb2"], modules["error_details_pb2"]


def check(cond, what):
    if not cond:
        sys.exit("FAIL: " + what)
    print("ok: " + what)


def python_client_reads_cgrpc_details(peer, status_pb2, details_pb2):
    server = subprocess.Popen([peer, "serve"], stdout=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline().split()
        check(len(line) == 2 and line[0] == "port", "the cgrpc server started")
        with grpc.insecure_channel("127.0.0.1:" + line[1]) as channel:
            unary = channel.unary_unary("/test.Svc/Unary")
            try:
                unary(b"", timeout=10)
                check(False, "the call fails")
            except grpc.RpcError as e:
                check(e.code() == grpc.StatusCode.INVALID_ARGUMENT, "status INVALID_ARGUMENT")
                check(e.details() == "sku is empty", "message 'sku is empty'")
                trailers = dict(e.trailing_metadata())
                raw = trailers.get("grpc-status-details-bin")
                check(isinstance(raw, bytes), "grpc-status-details-bin present")
                st = status_pb2.Status.FromString(raw)
                check(st.code == e.code().value[0] and st.message == e.details(),
                      "details repeat the call's code and message")
                check(len(st.details) == 3, "three details")
                info = details_pb2.ErrorInfo()
                check(st.details[0].Unpack(info), "details[0] is an ErrorInfo")
                check(info.reason == "SKU_EMPTY" and info.domain == "shop.example" and
                      dict(info.metadata) == {"field": "sku"}, "ErrorInfo values")
                bad = details_pb2.BadRequest()
                check(st.details[1].Unpack(bad), "details[1] is a BadRequest")
                check([(v.field, v.description) for v in bad.field_violations] ==
                      [("sku", "must not be empty")], "BadRequest values")
                retry = details_pb2.RetryInfo()
                check(st.details[2].Unpack(retry), "details[2] is a RetryInfo")
                check(retry.retry_delay.seconds == 2 and retry.retry_delay.nanos == 500,
                      "RetryInfo delay 2.000000500 s")
    finally:
        server.terminate()
        server.wait(timeout=10)


class DetailsServer:
    """A grpcio server whose /test.Svc/Unary fails with details; `mismatch`
    makes the details claim NOT_FOUND while the status is INVALID_ARGUMENT."""

    def __init__(self, status_pb2, details_pb2):
        self.status_pb2, self.details_pb2 = status_pb2, details_pb2
        self.mismatch = False

    def unary(self, request, context):
        st = self.status_pb2.Status(code=5 if self.mismatch else 3, message="sku is empty")
        st.details.add().Pack(self.details_pb2.ErrorInfo(reason="SKU_EMPTY",
                                                         domain="shop.example",
                                                         metadata={"field": "sku"}))
        st.details.add().Pack(self.details_pb2.BadRequest(field_violations=[
            self.details_pb2.BadRequest.FieldViolation(field="sku",
                                                       description="must not be empty")]))
        retry = self.details_pb2.RetryInfo()
        retry.retry_delay.seconds, retry.retry_delay.nanos = 2, 500
        st.details.add().Pack(retry)
        context.set_trailing_metadata((("grpc-status-details-bin", st.SerializeToString()),))
        context.set_code(grpc.StatusCode.INVALID_ARGUMENT)
        context.set_details("sku is empty")
        return b""


def cgrpc_client_reads_python_details(peer, status_pb2, details_pb2):
    impl = DetailsServer(status_pb2, details_pb2)
    server = grpc.server(concurrent.futures.ThreadPoolExecutor(max_workers=2))
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(
        "test.Svc", {"Unary": grpc.unary_unary_rpc_method_handler(impl.unary)}),))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        target = "127.0.0.1:%d" % port
        out = subprocess.run([peer, "call", target], capture_output=True, text=True, timeout=30)
        print(out.stdout, end="")
        check(out.returncode == 0, "the cgrpc client read the details")
        lines = out.stdout.splitlines()
        check("status: INVALID_ARGUMENT sku is empty" in lines, "status as sent")
        check("details: 3" in lines, "three details")
        check("error_info: SKU_EMPTY shop.example field=sku" in lines, "ErrorInfo values")
        check("bad_request: sku: must not be empty" in lines, "BadRequest values")
        check("retry_info: 2.000000500" in lines, "RetryInfo values")
        impl.mismatch = True
        out = subprocess.run([peer, "call", target], capture_output=True, text=True, timeout=30)
        print(out.stdout, end="")
        lines = out.stdout.splitlines()
        check(out.returncode == 1 and "status: INVALID_ARGUMENT sku is empty" in lines,
              "contradicting details: the status stands")
        check(any(l.startswith("details: FAILED_PRECONDITION") and "ignored" in l for l in lines),
              "contradicting details: ignored")
    finally:
        server.stop(None)


def main():
    peer, googleapis, gen_dir = sys.argv[1:4]
    status_pb2, details_pb2 = generate(googleapis, gen_dir)
    python_client_reads_cgrpc_details(peer, status_pb2, details_pb2)
    cgrpc_client_reads_python_details(peer, status_pb2, details_pb2)
    print("all passed")


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""grpcio (gRPC C-core) as the client of cgrpc's health and reflection services.

    grpcio_peer.py SERVICES_PEER_SERVER

The stubs are generated here, at run time, by grpc_tools.protoc from
grpc-proto's own .proto files (/usr/share/grpc-proto): nothing of cgrpc's
is on the client side. The files are copied under grpc_health/ and
grpc_reflection/ first, as grpcio-health-checking and grpcio-reflection
do, so the Python modules do not shadow grpcio's own `grpc` package (the
packages inside, hence the wire names, are unchanged).

Checks: Check SERVING / NOT_SERVING / NOT_FOUND; Watch seeing a change made
by the server's main thread; Watch of an unknown service; reflection v1 and
v1alpha (list_services, a symbol's file with its dependency closure, each
file once per stream, a missing symbol); and graceful shutdown turning a
watched status NOT_SERVING before the stream ends UNAVAILABLE.
"""
import importlib
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading

import grpc
from google.protobuf import descriptor_pb2

GRPC_PROTO = "/usr/share/grpc-proto/grpc"
COPIES = {
    "health/v1/health.proto": "grpc_health/v1/health.proto",
    "reflection/v1/reflection.proto": "grpc_reflection/v1/reflection.proto",
    "reflection/v1alpha/reflection.proto": "grpc_reflection/v1alpha/reflection.proto",
}
TIMEOUT = 10


def generate_stubs(work):
    from grpc_tools import protoc

    protos = os.path.join(work, "protos")
    for src, dst in COPIES.items():
        os.makedirs(os.path.dirname(os.path.join(protos, dst)), exist_ok=True)
        shutil.copy(os.path.join(GRPC_PROTO, src), os.path.join(protos, dst))
    out = os.path.join(work, "py")
    os.makedirs(out)
    args = ["protoc", "-I" + protos, "--python_out=" + out, "--grpc_python_out=" + out]
    if protoc.main(args + list(COPIES.values())) != 0:
        raise RuntimeError("grpc_tools.protoc failed")
    sys.path.insert(0, out)


class Server:
    """services_peer_server, driven through its stdin."""

    def __init__(self, path):
        self.proc = subprocess.Popen([path], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, bufsize=1)
        line = self.proc.stdout.readline()
        if not line.startswith("listening on "):
            raise RuntimeError("the server did not start: %r" % line)
        self.address = line.split()[-1]

    def command(self, text):
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()
        return self.proc.stdout.readline().strip()

    def set(self, service, status):
        answer = self.command("set %s %s" % (service or "-", status))
        assert answer == "ok", answer


def expect(cond, what):
    if not cond:
        raise AssertionError(what)
    print("ok:", what)


def next_with_timeout(it):
    """The next message of a response stream, failing after TIMEOUT seconds."""
    q = queue.Queue()

    def pull():
        try:
            q.put(("msg", next(it)))
        except Exception as e:  # the stream's end: an RpcError or StopIteration
            q.put(("end", e))

    threading.Thread(target=pull, daemon=True).start()
    return q.get(timeout=TIMEOUT)


def check_health(server, health_pb2, health_grpc):
    S = health_pb2.HealthCheckResponse
    with grpc.insecure_channel(server.address) as ch:
        stub = health_grpc.HealthStub(ch)
        req = health_pb2.HealthCheckRequest
        expect(stub.Check(req(service=""), timeout=TIMEOUT).status == S.SERVING,
               "Check('') is SERVING")
        expect(stub.Check(req(service="peertest.Echo"), timeout=TIMEOUT).status == S.SERVING,
               "Check('peertest.Echo') is SERVING")
        try:
            stub.Check(req(service="no.Such"), timeout=TIMEOUT)
            expect(False, "Check of an unknown service fails")
        except grpc.RpcError as e:
            expect(e.code() == grpc.StatusCode.NOT_FOUND,
                   "Check('no.Such') is NOT_FOUND (%s)" % e.details())
        server.set("peertest.Echo", "NOT_SERVING")
        expect(stub.Check(req(service="peertest.Echo"), timeout=TIMEOUT).status == S.NOT_SERVING,
               "Check('peertest.Echo') is NOT_SERVING once set so")

        watch = stub.Watch(req(service="peertest.Echo"), timeout=3 * TIMEOUT)
        kind, msg = next_with_timeout(watch)
        expect(kind == "msg" and msg.status == S.NOT_SERVING, "Watch starts with NOT_SERVING")
        server.set("peertest.Echo", "SERVING")
        kind, msg = next_with_timeout(watch)
        expect(kind == "msg" and msg.status == S.SERVING,
               "Watch sees SERVING, set by the server's main thread")
        watch.cancel()

        watch = stub.Watch(req(service="later.Service"), timeout=3 * TIMEOUT)
        kind, msg = next_with_timeout(watch)
        expect(kind == "msg" and msg.status == S.SERVICE_UNKNOWN,
               "Watch of an unknown service gets SERVICE_UNKNOWN")
        server.set("later.Service", "SERVING")
        kind, msg = next_with_timeout(watch)
        expect(kind == "msg" and msg.status == S.SERVING, "... and keeps watching: SERVING")
        watch.cancel()


def file_names(resp):
    names = []
    for raw in resp.file_descriptor_response.file_descriptor_proto:
        fd = descriptor_pb2.FileDescriptorProto()
        fd.ParseFromString(raw)
        names.append(fd.name)
    return names


def check_reflection(server, version, pb2, grpc_mod):
    with grpc.insecure_channel(server.address) as ch:
        stub = grpc_mod.ServerReflectionStub(ch)
        Req = pb2.ServerReflectionRequest
        requests = [
            Req(list_services=""),
            Req(file_containing_symbol="peertest.Echo"),
            Req(file_by_filename="peer_types.proto"),
            Req(file_containing_symbol="peertest.Nope"),
            Req(file_containing_symbol="peertest.Echo.Say"),
        ]
        answers = list(stub.ServerReflectionInfo(iter(requests), timeout=TIMEOUT))
        expect(len(answers) == len(requests), "%s: one answer per request" % version)
        names = [s.name for s in answers[0].list_services_response.service]
        expect(names == ["grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection",
                         "grpc.reflection.v1alpha.ServerReflection", "peertest.Echo"],
               "%s: list_services lists %s" % (version, names))
        got = file_names(answers[1])
        expect(got == ["peer.proto", "peer_types.proto"],
               "%s: peertest.Echo's file comes with its import: %s" % (version, got))
        fd = descriptor_pb2.FileDescriptorProto()
        fd.ParseFromString(answers[1].file_descriptor_response.file_descriptor_proto[0])
        method = fd.service[0].method[0]
        expect(fd.service[0].name == "Echo" and method.name == "Say" and
               method.input_type == ".peertest.Greeting",
               "%s: the descriptor describes Echo.Say(peertest.Greeting)" % version)
        expect(file_names(answers[2]) == ["peer_types.proto"],
               "%s: a file asked for again comes again" % version)
        err = answers[3].error_response
        expect(answers[3].WhichOneof("message_response") == "error_response" and
               err.error_code == grpc.StatusCode.NOT_FOUND.value[0],
               "%s: a missing symbol is NOT_FOUND: %s" % (version, err.error_message))
        expect(file_names(answers[4]) == ["peer.proto"],
               "%s: files sent on the stream are not sent again" % version)


def check_shutdown(server, health_pb2, health_grpc):
    S = health_pb2.HealthCheckResponse
    with grpc.insecure_channel(server.address) as ch:
        stub = health_grpc.HealthStub(ch)
        watch = stub.Watch(health_pb2.HealthCheckRequest(service=""), timeout=3 * TIMEOUT)
        kind, msg = next_with_timeout(watch)
        expect(kind == "msg" and msg.status == S.SERVING, "Watch('') starts SERVING")
        server.proc.stdin.write("shutdown\n")
        server.proc.stdin.flush()
        kind, msg = next_with_timeout(watch)
        expect(kind == "msg" and msg.status == S.NOT_SERVING,
               "graceful shutdown: the watch sees NOT_SERVING first")
        kind, e = next_with_timeout(watch)
        expect(kind == "end" and isinstance(e, grpc.RpcError) and
               e.code() == grpc.StatusCode.UNAVAILABLE,
               "... then the stream ends UNAVAILABLE (%s)" % getattr(e, "details", lambda: e)())
    expect(server.proc.stdout.readline().strip() == "stopped", "the server stopped")
    expect(server.proc.wait(timeout=TIMEOUT) == 0, "the server exited 0")


def main():
    server_path = sys.argv[1]
    work = tempfile.mkdtemp(prefix="cgrpc-services-")
    server = None
    try:
        generate_stubs(work)
        health_pb2 = importlib.import_module("grpc_health.v1.health_pb2")
        health_grpc = importlib.import_module("grpc_health.v1.health_pb2_grpc")
        server = Server(server_path)
        check_health(server, health_pb2, health_grpc)
        for version in ("v1", "v1alpha"):
            pb2 = importlib.import_module("grpc_reflection.%s.reflection_pb2" % version)
            grpc_mod = importlib.import_module("grpc_reflection.%s.reflection_pb2_grpc" % version)
            check_reflection(server, version, pb2, grpc_mod)
        check_shutdown(server, health_pb2, health_grpc)
    finally:
        if server and server.proc.poll() is None:
            server.proc.kill()
            server.proc.wait()
        shutil.rmtree(work, ignore_errors=True)
    print("grpcio against cgrpc's health and reflection: all passed")


if __name__ == "__main__":
    main()

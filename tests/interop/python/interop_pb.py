"""Generated protobuf and gRPC modules for grpc.testing, made on demand.

The interop protos ship with Debian's grpc-proto package; the Python peers
compile them with grpc_tools.protoc at run time into a build directory (never
into the source tree) and import them from there.

protoc names the generated package after the proto path, `grpc.testing`, which
would shadow the grpcio package itself. The generated files are therefore put
in a flat package `grpc_testing_pb` and their `from grpc.testing import`
lines are rewritten to point at it; the messages keep their proto names, so
nothing changes on the wire.

The output directory is $CGRPC_INTEROP_GEN_DIR if set (CTest sets it to the
build tree), else a per-user directory under the system temp dir. Generation
goes to a fresh directory that is renamed into place, so concurrent peers
never see half-written modules.
"""

import importlib
import os
import shutil
import sys
import tempfile

PROTO_ROOT = "/usr/share/grpc-proto"
PROTOS = ("grpc/testing/empty.proto", "grpc/testing/messages.proto", "grpc/testing/test.proto")
PACKAGE = "grpc_testing_pb"


def _gen_dir():
    base = os.environ.get("CGRPC_INTEROP_GEN_DIR")
    if not base:
        base = os.path.join(tempfile.gettempdir(), "cgrpc-interop-py-%d" % os.getuid())
    return os.path.abspath(base)


def _up_to_date(package_dir):
    stamp = os.path.join(package_dir, "__init__.py")
    if not os.path.exists(stamp):
        return False
    built = os.path.getmtime(stamp)
    return all(os.path.getmtime(os.path.join(PROTO_ROOT, p)) <= built for p in PROTOS)


def _generate(base, package_dir):
    from grpc_tools import protoc  # imported late: only needed when stale

    os.makedirs(base, exist_ok=True)
    work = tempfile.mkdtemp(prefix=".gen-", dir=base)
    try:
        args = ["protoc", "-I" + PROTO_ROOT, "--python_out=" + work, "--grpc_python_out=" + work]
        if protoc.main(args + list(PROTOS)) != 0:
            raise RuntimeError("grpc_tools.protoc failed on %s" % ", ".join(PROTOS))
        out = os.path.join(work, PACKAGE)
        os.makedirs(out)
        src = os.path.join(work, "grpc", "testing")
        for name in sorted(os.listdir(src)):
            if not name.endswith(".py"):
                continue
            with open(os.path.join(src, name)) as f:
                text = f.read().replace("from grpc.testing import", "from %s import" % PACKAGE)
            with open(os.path.join(out, name), "w") as f:
                f.write(text)
        with open(os.path.join(out, "__init__.py"), "w") as f:
            f.write("# Generated from %s by interop_pb.py.\n" % PROTO_ROOT)
        try:
            os.rename(out, package_dir)
        except OSError:
            # Another peer finished first; its copy is as good as ours.
            if not _up_to_date(package_dir):
                shutil.rmtree(package_dir, ignore_errors=True)
                os.rename(out, package_dir)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def load():
    """Returns (empty_pb2, messages_pb2, test_pb2_grpc), generating them if needed."""
    base = _gen_dir()
    package_dir = os.path.join(base, PACKAGE)
    if not _up_to_date(package_dir):
        _generate(base, package_dir)
    if base not in sys.path:
        sys.path.insert(0, base)
    return (
        importlib.import_module(PACKAGE + ".empty_pb2"),
        importlib.import_module(PACKAGE + ".messages_pb2"),
        importlib.import_module(PACKAGE + ".test_pb2_grpc"),
    )

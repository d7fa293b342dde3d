"""@connectrpc/connect-node's gRPC-Web transport against the server, over
HTTP/1.1 and HTTP/2 (connect_node_client.mjs does the calls)."""
import os
import subprocess
import tempfile

from webtest import Server, check, done

tmp = tempfile.mkdtemp()
schema = os.path.join(tmp, "testing.binpb")
subprocess.run(["/usr/bin/python3", "-m", "grpc_tools.protoc", "--descriptor_set_out=" + schema,
                "--include_imports", "-I/usr/share/grpc-proto", "grpc/testing/test.proto"],
               check=True)
with Server() as srv:
    p = subprocess.run([os.environ["NODE"], os.path.join(os.path.dirname(__file__),
                                                         "connect_node_client.mjs"),
                        str(srv.port), schema, os.environ["NODE_MODULES"]],
                       capture_output=True, timeout=60)
    out = p.stdout.decode()
    print(out, p.stderr.decode())
    check(p.returncode == 0 and "FAIL" not in out and out.count("ok") >= 14,
          "connect-node gRPC-Web client: every check passed")
done()

"""buf curl --protocol grpcweb (a client nobody here wrote) against the
server: unary, server streaming and an error with details, over plaintext
HTTP/1.1, plaintext HTTP/2 (prior knowledge) and TLS (ALPN). The schema is
a protoset of grpc.testing made with grpc_tools (no reflection needed)."""
import json
import os
import subprocess
import tempfile

from webtest import Server, check, done

BUF = os.environ["BUF"]
CERTS = os.environ["CGRPC_TEST_CERTS"]
tmp = tempfile.mkdtemp()
SCHEMA = os.path.join(tmp, "testing.binpb")
subprocess.run(["/usr/bin/python3", "-m", "grpc_tools.protoc", "--descriptor_set_out=" + SCHEMA,
                "--include_imports", "-I/usr/share/grpc-proto", "grpc/testing/test.proto"],
               check=True)


def buf_curl(url, data, *flags):
    p = subprocess.run([BUF, "curl", "--schema", SCHEMA, "--protocol", "grpcweb", "-d",
                        json.dumps(data), *flags, url], capture_output=True, timeout=60,
                       env=dict(os.environ, HOME=tmp))
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def objects(text):
    """The JSON objects buf curl printed, one after the other."""
    dec, out, i = json.JSONDecoder(), [], 0
    text = text.strip()
    while i < len(text):
        obj, j = dec.raw_decode(text, i)
        out.append(obj)
        i = j
        while i < len(text) and text[i].isspace():
            i += 1
    return out


def suite(name, base, *flags):
    rc, out, err = buf_curl(base + "/grpc.testing.TestService/UnaryCall",
                            {"payload": {"body": "aGVsbG8="}}, *flags)
    check(rc == 0 and objects(out) == [{"payload": {"body": "aGVsbG8="}}],
          "%s: unary (%s)" % (name, err.strip()[:200]))
    rc, out, err = buf_curl(base + "/grpc.testing.TestService/StreamingOutputCall",
                            {"responseParameters": [{"size": 1}, {"size": 2}, {"size": 3}]},
                            *flags)
    check(rc == 0 and [o["payload"].get("body", "") for o in objects(out)] == ["AA==", "AAA=", "AAAA"],
          "%s: server streaming (%s)" % (name, err.strip()[:200]))
    rc, out, err = buf_curl(base + "/grpc.testing.TestService/UnaryCall",
                            {"responseStatus": {"code": 5, "message": "nothing here"}}, *flags)
    e = objects(err)[0] if err.strip().startswith("{") else {}
    check(rc != 0 and e.get("code") == "not_found" and e.get("message") == "nothing here" and
          e.get("details", [{}])[0].get("type") == "grpc.testing.EchoStatus",
          "%s: an error with details" % name)


with Server() as srv:
    base = "http://127.0.0.1:%d" % srv.port
    suite("HTTP/1.1", base)
    suite("HTTP/2", base, "--http2-prior-knowledge")
def tls_http1(port):
    """gRPC-Web over TLS with ALPN http/1.1 only (Python's ssl): the server
    agrees to http/1.1 and answers the call."""
    import socket
    import ssl
    from webtest import frame, parse_responses, simple_request, unframe
    ctx = ssl.create_default_context(cafile=CERTS + "/ca.pem")
    ctx.set_alpn_protocols(["http/1.1"])
    with ctx.wrap_socket(socket.create_connection(("127.0.0.1", port)),
                         server_hostname="localhost") as s:
        body = frame(simple_request(body=b"tls"))
        s.sendall(("POST /grpc.testing.TestService/UnaryCall HTTP/1.1\r\nHost: localhost\r\n"
                   "content-type: application/grpc-web+proto\r\ncontent-length: %d\r\n"
                   "connection: close\r\n\r\n" % len(body)).encode() + body)
        data = b""
        while True:
            d = s.recv(65536)
            if not d:
                break
            data += d
        rs = parse_responses(data)
        return s.selected_alpn_protocol(), rs[0] if rs else None


with Server("--tls_cert=%s/server.pem" % CERTS, "--tls_key=%s/server.key" % CERTS) as srv:
    suite("TLS", "https://localhost:%d" % srv.port, "--cacert", CERTS + "/ca.pem")
    alpn, r = tls_http1(srv.port)
    check(alpn == "http/1.1" and r is not None and r.status == 200 and b"tls" in r.body,
          "TLS with ALPN http/1.1: a gRPC-Web call over HTTP/1.1")
done()

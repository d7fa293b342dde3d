"""HTTP/1.1 on the gRPC port: keep-alive, pipelining, bodies (Content-Length
and chunked both ways), 100-continue, and every limit and error answer
(400, 408, 413, 431, 501, 505), with raw sockets."""
import socket
import time

from webtest import (Server, check, connect, done, frame, http1, parse_responses, read_all,
                     simple_request, streaming_request, unframe, trailers_of)

UNARY = "/grpc.testing.TestService/UnaryCall"
STREAM = "/grpc.testing.TestService/StreamingOutputCall"
GW = "application/grpc-web+proto"


def request(path, body, extra="", ct=GW):
    return ("POST %s HTTP/1.1\r\nHost: t\r\ncontent-type: %s\r\ncontent-length: %d\r\n%s\r\n" %
            (path, ct, len(body), extra)).encode() + body


def unary_ok(r, body):
    frames = unframe(r.body) if r else []
    return (r is not None and r.status == 200 and len(frames) == 2 and frames[0][0] == 0 and
            body in frames[0][1] and trailers_of(frames[1][1]).get("grpc-status") == "0")


with Server() as srv:
    p = srv.port
    # Content-Length response for a unary call.
    r = http1(p, "POST", UNARY, [("content-type", GW)], frame(simple_request(body=b"abc")))
    check(unary_ok(r, b"abc"), "unary gRPC-Web over HTTP/1.1")
    check(r and r.header("content-length") is not None, "a unary answer has a Content-Length")

    # Keep-alive: two requests, one connection, both answered, still open.
    s = connect(p)
    s.sendall(request(UNARY, frame(simple_request(body=b"one"))))
    first, _ = read_all(s, 0.5)
    s.sendall(request(UNARY, frame(simple_request(body=b"two"))))
    second, closed = read_all(s, 0.5)
    rs = parse_responses(first) + parse_responses(second)
    check(len(rs) == 2 and unary_ok(rs[0], b"one") and unary_ok(rs[1], b"two") and not closed,
          "keep-alive: two requests on one connection")
    s.close()

    # Pipelining: three requests in one write, answered in order.
    s = connect(p)
    s.sendall(b"".join(request(UNARY, frame(simple_request(body=b)))
                       for b in (b"p1", b"p2", b"p3")))
    data, _ = read_all(s, 0.7)
    rs = parse_responses(data)
    check(len(rs) == 3 and all(unary_ok(r, b) for r, b in zip(rs, (b"p1", b"p2", b"p3"))),
          "pipelined requests answered in order")
    s.close()

    # Chunked request body, split inside a gRPC frame and inside chunk syntax.
    body = frame(simple_request(body=b"chunky"))
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 3]), body[i:i + 3])
                      for i in range(0, len(body), 3)) + b"0\r\n\r\n"
    s = connect(p)
    head = ("POST %s HTTP/1.1\r\nHost: t\r\ncontent-type: %s\r\ntransfer-encoding: chunked\r\n"
            "connection: close\r\n\r\n" % (UNARY, GW)).encode()
    s.sendall(head)
    for i in range(0, len(chunks), 4):
        s.sendall(chunks[i:i + 4])
        time.sleep(0.002)
    data, closed = read_all(s)
    rs = parse_responses(data)
    check(len(rs) == 1 and unary_ok(rs[0], b"chunky") and closed,
          "chunked request body, Connection: close honoured")

    # Chunked response: server streaming with a pause between messages.
    req = frame(streaming_request([10, 20, 30]))
    s = connect(p)
    s.sendall(request(STREAM, req, "connection: close\r\n"))
    data, closed = read_all(s, 3)
    rs = parse_responses(data)
    frames = unframe(rs[0].body) if rs else []
    check(len(rs) == 1 and rs[0].header("transfer-encoding") == "chunked" and
          [len(f[1]) for f in frames[:3]] == [14, 24, 34] and frames[3][0] == 0x80,
          "server streaming over HTTP/1.1 as a chunked response")

    # Expect: 100-continue.
    s = connect(p)
    body = frame(simple_request(body=b"later"))
    s.sendall(("POST %s HTTP/1.1\r\nHost: t\r\ncontent-type: %s\r\ncontent-length: %d\r\n"
               "expect: 100-continue\r\n\r\n" % (UNARY, GW, len(body))).encode())
    s.settimeout(2)
    interim = s.recv(100)
    check(interim.startswith(b"HTTP/1.1 100 Continue\r\n\r\n"), "100 Continue before the body")
    s.sendall(body)
    data, _ = read_all(s, 0.5)
    rs = parse_responses(data)
    check(len(rs) == 1 and unary_ok(rs[0], b"later"), "the request after 100 Continue")
    s.close()

    # HTTP/1.0 closes after the answer.
    s = connect(p)
    b = frame(simple_request(body=b"old"))
    s.sendall(("POST %s HTTP/1.0\r\ncontent-type: %s\r\ncontent-length: %d\r\n\r\n" %
               (UNARY, GW, len(b))).encode() + b)
    data, closed = read_all(s)
    check(closed and len(parse_responses(data)) == 1, "HTTP/1.0: one answer, then close")

    # Errors: each answered, then the connection closes.
    def error_case(raw, status, what):
        s = connect(p)
        s.sendall(raw)
        data, closed = read_all(s)
        rs = parse_responses(data)
        check(len(rs) == 1 and rs[0].status == status and closed, what)

    error_case(b"GET / HTTP/1.1\r\nHost: t\r\nBad Header: x\r\n\r\n", 400, "400 for a malformed header")
    error_case(b"GET /\x01 HTTP/1.1\r\nHost: t\r\n\r\n", 400, "400 for a control byte in the target")
    error_case(b"GET / HTTP/1.1\r\n\r\n", 400, "400 without Host")
    error_case(b"POST / HTTP/1.1\r\nHost: t\r\ncontent-length: 5\r\ncontent-length: 6\r\n\r\n",
               400, "400 for conflicting Content-Length")
    error_case(b"POST / HTTP/1.1\r\nHost: t\r\ncontent-length: 5\r\ntransfer-encoding: chunked\r\n\r\n",
               400, "400 for Content-Length with Transfer-Encoding (smuggling)")
    error_case(b"POST / HTTP/1.1\r\nHost: t\r\ntransfer-encoding: gzip\r\n\r\n", 501,
               "501 for a transfer coding other than chunked")
    error_case(b"GET / HTTP/2.5\r\nHost: t\r\n\r\n", 505, "505 for another HTTP version")
    error_case(b"GET / HTTP/1.1\r\nHost: t\r\nx-big: " + b"a" * 20000 + b"\r\n\r\n", 431,
               "431 for a head over http1_max_header_size")
    error_case(("POST %s HTTP/1.1\r\nHost: t\r\ncontent-type: %s\r\ntransfer-encoding: chunked\r\n\r\n"
                "zz\r\n" % (UNARY, GW)).encode(), 400, "400 for a malformed chunk size")

with Server("--max_body=1000", "--header_timeout_ms=300", "--idle_timeout_ms=400") as srv:
    p = srv.port
    s = connect(p)
    s.sendall(("POST %s HTTP/1.1\r\nHost: t\r\ncontent-type: %s\r\ncontent-length: 5000\r\n"
               "expect: 100-continue\r\n\r\n" % (UNARY, GW)).encode())
    data, closed = read_all(s)
    rs = parse_responses(data)
    check(len(rs) == 1 and rs[0].status == 413 and closed,
          "413 from the Content-Length, before the body (and no 100 Continue)")

    s = connect(p)
    big = frame(simple_request(body=b"x" * 3000))
    s.sendall(("POST %s HTTP/1.1\r\nHost: t\r\ncontent-type: %s\r\ntransfer-encoding: chunked\r\n\r\n"
               "%x\r\n" % (UNARY, GW, len(big))).encode() + big + b"\r\n0\r\n\r\n")
    data, closed = read_all(s)
    rs = parse_responses(data)
    check(len(rs) == 1 and rs[0].status == 413 and closed, "413 for a chunked body over the limit")

    # Slowloris: a head sent a byte at a time never completes in time.
    s = connect(p)
    start = time.time()
    head = b"GET / HTTP/1.1\r\nHost: t\r\nx-slow: " + b"a" * 100
    closed = False
    data = b""
    s.settimeout(0.05)
    for byte in head:
        try:
            s.sendall(bytes([byte]))
        except OSError:
            break
        try:
            d = s.recv(4096)
            if not d:
                closed = True
                break
            data += d
        except socket.timeout:
            pass
        except OSError:
            break
    more, closed2 = read_all(s, 1)
    data += more
    rs = parse_responses(data)
    elapsed = time.time() - start
    check(len(rs) == 1 and rs[0].status == 408 and elapsed < 3,
          "408 for a head dripping in past http1_header_timeout")

    # An idle keep-alive connection is closed after http1_idle_timeout.
    s = connect(p)
    s.sendall(request(UNARY, frame(simple_request(body=b"i"))))
    start = time.time()
    data, closed = read_all(s, 3)
    check(closed and 0.3 < time.time() - start < 2.5 and len(parse_responses(data)) == 1,
          "an idle keep-alive connection closes after http1_idle_timeout")

with Server("--http1=false") as srv:
    s = connect(srv.port)
    s.sendall(request(UNARY, frame(simple_request(body=b"x"))))
    data, closed = read_all(s)
    check(not data.startswith(b"HTTP/1.1") and closed, "http1=false: no HTTP/1.1 answer")

done()

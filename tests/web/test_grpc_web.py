"""gRPC-Web on the gRPC port, over HTTP/1.1 and HTTP/2: binary, +json and
-text (base64 both ways, requests split anywhere), unary and server
streaming, trailers as the final 0x80 frame, errors before any message as
headers only, client streaming refused, and grpc_web=false."""
import base64
import json

from webtest import (Server, check, done, frame, h2_request, http1, parse_fields, simple_request,
                     streaming_request, trailers_of, unframe)

UNARY = "/grpc.testing.TestService/UnaryCall"
STREAM = "/grpc.testing.TestService/StreamingOutputCall"
CLIENT_STREAM = "/grpc.testing.TestService/StreamingInputCall"


def call(transport, port, path, ct, body, pieces=1, headers=()):
    """(status, headers, body) of one gRPC-Web request."""
    hs = [("content-type", ct), ("x-grpc-web", "1")] + list(headers)
    if transport == "h2":
        st, h, b, t = h2_request(port, "POST", path, hs, body, pieces)
        return st, h, b, t
    if pieces > 1:
        # Chunked, split into `pieces` chunks.
        import socket
        from webtest import connect, read_all, parse_responses
        s = connect(port)
        head = "POST %s HTTP/1.1\r\nHost: t\r\ntransfer-encoding: chunked\r\nconnection: close\r\n" % path
        for k, v in hs:
            head += "%s: %s\r\n" % (k, v)
        s.sendall(head.encode() + b"\r\n")
        step = max(1, (len(body) + pieces - 1) // pieces)
        for i in range(0, len(body), step):
            part = body[i:i + step]
            s.sendall(b"%x\r\n%s\r\n" % (len(part), part))
        s.sendall(b"0\r\n\r\n")
        data, _ = read_all(s)
        r = parse_responses(data)[0]
    else:
        r = http1(port, "POST", path, hs, body)
    return r.status, {k: v[0] for k, v in r.headers.items()}, r.body, {}


def payload_body(msg):
    """SimpleResponse.payload.body."""
    return parse_fields(parse_fields(msg)[1][0])[2][0]


with Server() as srv:
    p = srv.port
    for tr in ("http1", "h2"):
        # Binary unary.
        st, h, b, t = call(tr, p, UNARY, "application/grpc-web+proto",
                           frame(simple_request(body=b"hi")))
        frames = unframe(b)
        check(st == 200 and h.get("content-type") == "application/grpc-web+proto" and
              len(frames) == 2 and payload_body(frames[0][1]) == b"hi" and frames[1][0] == 0x80 and
              trailers_of(frames[1][1])["grpc-status"] == "0" and not t,
              "%s: unary, binary; trailers in the 0x80 frame, no HTTP trailers" % tr)
        check(h.get("x-server-note") == "hello", "%s: initial metadata as headers" % tr)

        # application/grpc-web (no +proto) is the same.
        st, h, b, t = call(tr, p, UNARY, "application/grpc-web", frame(simple_request(body=b"p")))
        check(st == 200 and payload_body(unframe(b)[0][1]) == b"p", "%s: application/grpc-web" % tr)

        # Server streaming.
        st, h, b, t = call(tr, p, STREAM, "application/grpc-web+proto",
                           frame(streaming_request([1, 2, 3])))
        frames = unframe(b)
        check(st == 200 and len(frames) == 4 and [f[0] for f in frames] == [0, 0, 0, 0x80],
              "%s: server streaming, three messages and the trailer frame" % tr)

        # An error after messages: in the trailer frame.
        st, h, b, t = call(tr, p, STREAM, "application/grpc-web+proto",
                           frame(streaming_request([1], status=9)))
        frames = unframe(b)
        check(len(frames) == 2 and trailers_of(frames[1][1])["grpc-status"] == "9",
              "%s: an error after a message goes in the trailer frame" % tr)

        # An error before any message: status in the headers, empty body.
        st, h, b, t = call(tr, p, UNARY, "application/grpc-web+proto",
                           frame(simple_request(status=5, message="no such thing")))
        check(st == 200 and h.get("grpc-status") == "5" and h.get("grpc-message") == "no such thing"
              and b == b"" and "grpc-status-details-bin" in h and h.get("x-detail-note") == "see details",
              "%s: an error before any message: headers only, with details and trailers" % tr)

        # Unknown method.
        st, h, b, t = call(tr, p, "/grpc.testing.TestService/Nope", "application/grpc-web+proto",
                           frame(b""))
        check(h.get("grpc-status") == "12" and b == b"", "%s: unknown method is UNIMPLEMENTED" % tr)

        # Client streaming is not gRPC-Web's.
        st, h, b, t = call(tr, p, CLIENT_STREAM, "application/grpc-web+proto", frame(b""))
        check(h.get("grpc-status") == "12" and "client-streaming" in h.get("grpc-message", ""),
              "%s: client streaming refused with UNIMPLEMENTED and a reason" % tr)

        # Text: base64 both ways, the request split at every byte.
        req = base64.b64encode(frame(simple_request(body=b"text!")))
        for pieces in (1, len(req)):
            st, h, b, t = call(tr, p, UNARY, "application/grpc-web-text", req, pieces=pieces)
            ok = st == 200 and h.get("content-type") == "application/grpc-web-text+proto"
            # Each frame is its own padded base64 run: decode group by group.
            raw = b"".join(base64.b64decode(b[i:i + 4]) for i in range(0, len(b), 4))
            frames = unframe(raw)
            ok = ok and payload_body(frames[0][1]) == b"text!" and frames[-1][0] == 0x80
            check(ok, "%s: grpc-web-text in %d piece(s)" % (tr, pieces))
        # Two padded base64 chunks concatenated (as some clients send).
        req2 = frame(simple_request(body=b"ab"))
        two = base64.b64encode(req2[:4]) + base64.b64encode(req2[4:])
        st, h, b, t = call(tr, p, UNARY, "application/grpc-web-text", two)
        check(st == 200 and b"grpc-status" not in b and h.get("grpc-status") is None,
              "%s: concatenated padded base64 in a request" % tr)
        st, h, b, t = call(tr, p, UNARY, "application/grpc-web-text", b"!!!!")
        check(h.get("grpc-status") == "13", "%s: a request that is not base64 is INTERNAL" % tr)

        # JSON messages.
        st, h, b, t = call(tr, p, UNARY, "application/grpc-web+json",
                           frame(json.dumps({"payload": {"body": "aGk="}}).encode()))
        frames = unframe(b)
        check(st == 200 and h.get("content-type") == "application/grpc-web+json" and
              json.loads(frames[0][1]) == {"payload": {"body": "aGk="}},
              "%s: +json request and response" % tr)
        st, h, b, t = call(tr, p, UNARY, "application/grpc-web+json",
                           frame(b'{"noSuchField": 1}'))
        check(h.get("grpc-status") == "3", "%s: +json with an unknown field is INVALID_ARGUMENT" % tr)

    # A content-type nobody speaks is still 415.
    st, h, b, t = h2_request(p, "POST", UNARY, [("content-type", "text/plain")], b"x")
    check(st == 415, "text/plain is 415 Unsupported Media Type")

with Server("--grpc_web=false") as srv:
    st, h, b, t = h2_request(srv.port, "POST", UNARY,
                             [("content-type", "application/grpc-web+proto")],
                             frame(simple_request(body=b"x")))
    check(st == 415, "grpc_web=false: application/grpc-web is 415")

done()

"""The server against the MUSTs of RFC 9113 (HTTP/2) and RFC 7541 (HPACK)
that a client can check, in the shape of h2spec's list: raw frames over a
socket, and the answer each rule requires (GOAWAY or RST_STREAM with the
right error code, or the connection closed). Every case runs on a fresh
connection to tests/web/web_server.c.

A "connection error" case passes on GOAWAY with the code (or a close
without one, which RFC 9113 §5.4.1 allows when the GOAWAY cannot be
sent); a "stream error" case on RST_STREAM with the code, or GOAWAY with
it (an endpoint may always escalate, §5.4.2)."""
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "web"))
from webtest import Server, check, done  # noqa: E402

import hpack  # noqa: E402  (python3-hpack, with python3-h2)

DATA, HEADERS, PRIORITY, RST_STREAM, SETTINGS, PUSH_PROMISE, PING, GOAWAY, WINDOW_UPDATE, \
    CONTINUATION = range(10)
END_STREAM, ACK, END_HEADERS, PADDED, PRIO = 0x1, 0x1, 0x4, 0x8, 0x20
NO_ERROR, PROTOCOL_ERROR, INTERNAL_ERROR, FLOW_CONTROL_ERROR, SETTINGS_TIMEOUT, STREAM_CLOSED, \
    FRAME_SIZE_ERROR, REFUSED_STREAM, CANCEL, COMPRESSION_ERROR = range(10)
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
PATH = "/grpc.testing.TestService/UnaryCall"


def frame(ftype, flags, sid, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([ftype, flags]) + struct.pack(">I", sid) + payload


class Conn:
    def __init__(self, port, handshake=True):
        self.s = socket.create_connection(("127.0.0.1", port))
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.enc = hpack.Encoder()
        self.dec = hpack.Decoder()
        self.closed = False
        if handshake:
            self.send(PREFACE + frame(SETTINGS, 0, 0))
            self.expect(lambda f: f[0] == SETTINGS and not f[1] & ACK, 2)
            self.send(frame(SETTINGS, ACK, 0))

    def send(self, data):
        try:
            self.s.sendall(data)
        except OSError:
            self.closed = True

    def frames(self, timeout):
        """Frames as they come, until `timeout` s pass without one or EOF."""
        self.s.settimeout(timeout)
        while True:
            while len(self.buf) >= 9:
                n = int.from_bytes(self.buf[:3], "big")
                if len(self.buf) < 9 + n:
                    break
                t, fl = self.buf[3], self.buf[4]
                sid = int.from_bytes(self.buf[5:9], "big") & 0x7FFFFFFF
                payload = self.buf[9:9 + n]
                self.buf = self.buf[9 + n:]
                yield (t, fl, sid, payload)
            try:
                d = self.s.recv(65536)
            except (socket.timeout, ConnectionResetError):
                if not isinstance(sys.exc_info()[1], socket.timeout):
                    self.closed = True
                return
            if not d:
                self.closed = True
                return
            self.buf += d

    def expect(self, pred, timeout=1.5):
        for f in self.frames(timeout):
            if pred(f):
                return f
        return None

    def headers(self, sid, fields, flags=END_HEADERS, raw=None):
        block = raw if raw is not None else self.enc.encode(fields)
        self.send(frame(HEADERS, flags, sid, block))

    def request(self, sid, end=False, extra=(), path=PATH):
        fields = [(":method", "POST"), (":scheme", "http"), (":path", path),
                  (":authority", "localhost"), ("content-type", "application/grpc"),
                  ("te", "trailers")] + list(extra)
        self.headers(sid, fields, END_HEADERS | (END_STREAM if end else 0))

    def connection_error(self, code, timeout=1.5):
        """GOAWAY(code) then close, or a close."""
        f = self.expect(lambda f: f[0] == GOAWAY, timeout)
        if f is not None:
            got = struct.unpack(">I", f[3][4:8])[0]
            return got == code
        return self.closed

    def stream_error(self, sid, code, timeout=1.5):
        for f in self.frames(timeout):
            if f[0] == RST_STREAM and f[2] == sid:
                return struct.unpack(">I", f[3])[0] == code
            if f[0] == GOAWAY:
                return struct.unpack(">I", f[3][4:8])[0] == code
        return False

    def alive(self):
        """Answers a PING: the connection is still usable."""
        self.send(frame(PING, 0, 0, b"alive!!!"))
        return self.expect(lambda f: f[0] == PING and f[1] & ACK and f[3] == b"alive!!!") is not None

    def close(self):
        self.s.close()


def grpc_message(body=b""):
    return struct.pack(">BI", 0, len(body)) + body


CASES = []


def case(section, what):
    def wrap(fn):
        CASES.append((section, what, fn))
        return fn
    return wrap


# ---- 3.4 / 3.5: the preface ------------------------------------------------------------
@case("3.4", "an invalid connection preface is a connection error (PROTOCOL_ERROR)")
def _(p):
    c = Conn(p, handshake=False)
    c.send(b"PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n" + frame(SETTINGS, 0, 0))
    return c.connection_error(PROTOCOL_ERROR)


@case("3.4", "a preface not followed by SETTINGS is a connection error")
def _(p):
    c = Conn(p, handshake=False)
    c.send(PREFACE + frame(PING, 0, 0, b"12345678"))
    return c.connection_error(PROTOCOL_ERROR)


# ---- 4.1 / 4.2: frames ------------------------------------------------------------------
@case("4.1", "a frame of unknown type is ignored")
def _(p):
    c = Conn(p)
    c.send(frame(0x42, 0, 0, b"whatever"))
    return c.alive()


@case("4.1", "unknown flags are ignored")
def _(p):
    c = Conn(p)
    c.send(frame(PING, 0x16, 0, b"flagged!"))
    return c.expect(lambda f: f[0] == PING and f[1] & ACK) is not None


@case("4.2", "a DATA frame over SETTINGS_MAX_FRAME_SIZE is a FRAME_SIZE_ERROR")
def _(p):
    c = Conn(p)
    c.request(1)
    c.send(frame(DATA, 0, 1, b"x" * 16385))
    return c.stream_error(1, FRAME_SIZE_ERROR)


@case("4.2", "a HEADERS frame over SETTINGS_MAX_FRAME_SIZE is a connection FRAME_SIZE_ERROR")
def _(p):
    c = Conn(p)
    c.headers(1, [], END_HEADERS | END_STREAM, raw=b"\x00" * 16385)
    return c.connection_error(FRAME_SIZE_ERROR)


# ---- 4.3: header compression -------------------------------------------------------------
@case("4.3", "an undecodable header block is a connection COMPRESSION_ERROR")
def _(p):
    c = Conn(p)
    c.headers(1, [], END_HEADERS | END_STREAM, raw=b"\xff\xff\xff\xff\xff\xff")
    return c.connection_error(COMPRESSION_ERROR)


@case("4.3", "HEADERS interleaved with another frame before END_HEADERS is a PROTOCOL_ERROR")
def _(p):
    c = Conn(p)
    block = c.enc.encode([(":method", "POST"), (":scheme", "http"), (":path", PATH),
                          (":authority", "x")])
    c.send(frame(HEADERS, END_STREAM, 1, block[:3]) + frame(PING, 0, 0, b"12345678"))
    return c.connection_error(PROTOCOL_ERROR)


# ---- 5.1: stream states ------------------------------------------------------------------
@case("5.1", "idle: DATA is a connection PROTOCOL_ERROR")
def _(p):
    c = Conn(p)
    c.send(frame(DATA, 0, 1, b"x"))
    return c.connection_error(PROTOCOL_ERROR)


@case("5.1", "idle: RST_STREAM is a connection PROTOCOL_ERROR")
def _(p):
    c = Conn(p)
    c.send(frame(RST_STREAM, 0, 1, struct.pack(">I", CANCEL)))
    return c.connection_error(PROTOCOL_ERROR)


@case("5.1", "idle: WINDOW_UPDATE is a connection PROTOCOL_ERROR")
def _(p):
    c = Conn(p)
    c.send(frame(WINDOW_UPDATE, 0, 1, struct.pack(">I", 100)))
    return c.connection_error(PROTOCOL_ERROR)


@case("5.1", "idle: CONTINUATION is a connection PROTOCOL_ERROR")
def _(p):
    c = Conn(p)
    c.send(frame(CONTINUATION, END_HEADERS, 1, c.enc.encode([(":method", "POST")])))
    return c.connection_error(PROTOCOL_ERROR)


@case("5.1", "half-closed (remote): DATA is a STREAM_CLOSED error")
def _(p):
    c = Conn(p)
    c.request(1, end=False, path="/grpc.testing.TestService/StreamingOutputCall")
    c.send(frame(DATA, END_STREAM, 1, grpc_message(b"\x12\x02\x08\x01")))
    time.sleep(0.05)
    c.send(frame(DATA, 0, 1, b"late"))
    return c.stream_error(1, STREAM_CLOSED)


@case("5.1", "half-closed (remote): HEADERS is a STREAM_CLOSED error")
def _(p):
    c = Conn(p)
    c.request(1, end=False, path="/grpc.testing.TestService/StreamingOutputCall")
    c.send(frame(DATA, END_STREAM, 1, grpc_message(b"\x12\x05\x08\x01\x10\xa0\x1f")))
    c.headers(1, [("x-late", "1")], END_HEADERS | END_STREAM)
    return c.stream_error(1, STREAM_CLOSED)


@case("5.1", "closed (client reset it): DATA is answered RST_STREAM(STREAM_CLOSED)")
def _(p):
    c = Conn(p)
    c.request(1)
    c.send(frame(RST_STREAM, 0, 1, struct.pack(">I", CANCEL)))
    time.sleep(0.05)
    c.send(frame(DATA, 0, 1, b"after reset"))
    return c.stream_error(1, STREAM_CLOSED) and c.alive()


@case("5.1", "closed (both END_STREAMs): DATA is answered RST_STREAM(STREAM_CLOSED)")
def _(p):
    c = Conn(p)
    c.request(1)
    c.send(frame(DATA, END_STREAM, 1, grpc_message()))
    c.expect(lambda f: f[2] == 1 and f[1] & END_STREAM)
    c.send(frame(DATA, 0, 1, b"after the end"))
    return c.stream_error(1, STREAM_CLOSED)


@case("5.1", "closed: CONTINUATION is a connection PROTOCOL_ERROR")
def _(p):
    c = Conn(p)
    c.request(1, end=True)
    c.expect(lambda f: f[2] == 1 and f[1] & END_STREAM)
    c.send(frame(CONTINUATION, END_HEADERS, 1, c.enc.encode([("x", "y")])))
    return c.connection_error(PROTOCOL_ERROR)


@case("5.1.1", "an even stream id from a client is a connection PROTOCOL_ERROR")
def _(p):
    c = Conn(p)
    c.request(2, end=True)
    return c.connection_error(PROTOCOL_ERROR)


@case("5.1.1", "a stream id lower than one used before is a connection PROTOCOL_ERROR")
def _(p):
    c = Conn(p)
    c.request(5, end=True)
    c.request(3, end=True)
    return c.connection_error(PROTOCOL_ERROR)


@case("5.1.2", "streams over SETTINGS_MAX_CONCURRENT_STREAMS are refused")
def _(p):
    c = Conn(p)
    refused = False
    for i in range(105):
        c.request(1 + 2 * i, end=False)
    for f in c.frames(1.5):
        if f[0] == RST_STREAM and struct.unpack(">I", f[3])[0] in (REFUSED_STREAM, PROTOCOL_ERROR):
            refused = True
            break
        if f[0] == GOAWAY and struct.unpack(">I", f[3][4:8])[0] == PROTOCOL_ERROR:
            refused = True
            break
    return refused


# ---- 5.4: error handling -------------------------------------------------------------------
@case("5.4.1", "after a connection error the server sends GOAWAY and closes")
def _(p):
    c = Conn(p)
    c.send(frame(DATA, 0, 0, b"x"))
    ok = c.connection_error(PROTOCOL_ERROR)
    list(c.frames(1.5))
    return ok and c.closed


@case("5.5", "an unknown frame inside a header block is a PROTOCOL_ERROR")
def _(p):
    c = Conn(p)
    block = c.enc.encode([(":method", "POST"), (":scheme", "http"), (":path", PATH),
                          (":authority", "x")])
    c.send(frame(HEADERS, END_STREAM, 1, block[:4]) + frame(0x42, 0, 1, b"x") +
           frame(CONTINUATION, END_HEADERS, 1, block[4:]))
    return c.connection_error(PROTOCOL_ERROR)


# ---- 6.1 DATA ----------------------------------------------------------------------------
@case("6.1", "DATA on stream 0 is a connection PROTOCOL_ERROR")
def _(p):
    c = Conn(p)
    c.send(frame(DATA, 0, 0, b"x"))
    return c.connection_error(PROTOCOL_ERROR)


@case("6.1", "DATA whose padding is not shorter than the payload is a PROTOCOL_ERROR")
def _(p):
    c = Conn(p)
    c.request(1)
    c.send(frame(DATA, PADDED, 1, bytes([6]) + b"abcde"))
    return c.connection_error(PROTOCOL_ERROR)


# ---- 6.2 HEADERS -------------------------------------------------------------------------
@case("6.2", "HEADERS on stream 0 is a connection PROTOCOL_ERROR")
def _(p):
    c = Conn(p)
    c.request(0, end=True)
    return c.connection_error(PROTOCOL_ERROR)


@case("6.2", "HEADERS whose padding is not shorter than the payload is a PROTOCOL_ERROR")
def _(p):
    c = Conn(p)
    c.send(frame(HEADERS, PADDED | END_HEADERS, 1, bytes([10]) + b"abc"))
    return c.connection_error(PROTOCOL_ERROR)


@case("6.2", "HEADERS followed by a frame of another stream before END_HEADERS")
def _(p):
    c = Conn(p)
    block = c.enc.encode([(":method", "POST"), (":scheme", "http"), (":path", PATH)])
    c.send(frame(HEADERS, 0, 1, block) + frame(DATA, 0, 3, b"x"))
    return c.connection_error(PROTOCOL_ERROR)


# ---- 6.3 PRIORITY ------------------------------------------------------------------------
@case("6.3", "PRIORITY on stream 0 is a connection PROTOCOL_ERROR")
def _(p):
    c = Conn(p)
    c.send(frame(PRIORITY, 0, 0, struct.pack(">IB", 1, 16)))
    return c.connection_error(PROTOCOL_ERROR)


@case("6.3", "PRIORITY of a length other than 5 is a FRAME_SIZE_ERROR")
def _(p):
    c = Conn(p)
    c.send(frame(PRIORITY, 0, 1, struct.pack(">IBB", 3, 16, 0)))
    return c.stream_error(1, FRAME_SIZE_ERROR)


# ---- 6.4 RST_STREAM ----------------------------------------------------------------------
@case("6.4", "RST_STREAM on stream 0 is a connection PROTOCOL_ERROR")
def _(p):
    c = Conn(p)
    c.send(frame(RST_STREAM, 0, 0, struct.pack(">I", CANCEL)))
    return c.connection_error(PROTOCOL_ERROR)


@case("6.4", "RST_STREAM of a length other than 4 is a connection FRAME_SIZE_ERROR")
def _(p):
    c = Conn(p)
    c.request(1)
    c.send(frame(RST_STREAM, 0, 1, b"\x00\x00\x00\x08\x00"))
    return c.connection_error(FRAME_SIZE_ERROR)


# ---- 6.5 SETTINGS ------------------------------------------------------------------------
@case("6.5", "the server acknowledges SETTINGS")
def _(p):
    c = Conn(p)
    c.send(frame(SETTINGS, 0, 0, struct.pack(">HI", 3, 100)))
    return c.expect(lambda f: f[0] == SETTINGS and f[1] & ACK and not f[3]) is not None


@case("6.5", "SETTINGS ACK with a payload is a connection FRAME_SIZE_ERROR")
def _(p):
    c = Conn(p)
    c.send(frame(SETTINGS, ACK, 0, struct.pack(">HI", 3, 100)))
    return c.connection_error(FRAME_SIZE_ERROR)


@case("6.5", "SETTINGS on a stream is a connection PROTOCOL_ERROR")
def _(p):
    c = Conn(p)
    c.send(frame(SETTINGS, 0, 1, struct.pack(">HI", 3, 100)))
    return c.connection_error(PROTOCOL_ERROR)


@case("6.5", "SETTINGS of a length not a multiple of 6 is a connection FRAME_SIZE_ERROR")
def _(p):
    c = Conn(p)
    c.send(frame(SETTINGS, 0, 0, b"\x00\x03\x00\x00\x00"))
    return c.connection_error(FRAME_SIZE_ERROR)


@case("6.5.2", "SETTINGS_ENABLE_PUSH other than 0 or 1 is a PROTOCOL_ERROR")
def _(p):
    c = Conn(p)
    c.send(frame(SETTINGS, 0, 0, struct.pack(">HI", 2, 2)))
    return c.connection_error(PROTOCOL_ERROR)


@case("6.5.2", "SETTINGS_INITIAL_WINDOW_SIZE above 2^31-1 is a FLOW_CONTROL_ERROR")
def _(p):
    c = Conn(p)
    c.send(frame(SETTINGS, 0, 0, struct.pack(">HI", 4, 2 ** 31)))
    return c.connection_error(FLOW_CONTROL_ERROR)


@case("6.5.2", "SETTINGS_MAX_FRAME_SIZE below 16384 is a PROTOCOL_ERROR")
def _(p):
    c = Conn(p)
    c.send(frame(SETTINGS, 0, 0, struct.pack(">HI", 5, 16383)))
    return c.connection_error(PROTOCOL_ERROR)


@case("6.5.2", "SETTINGS_MAX_FRAME_SIZE above 2^24-1 is a PROTOCOL_ERROR")
def _(p):
    c = Conn(p)
    c.send(frame(SETTINGS, 0, 0, struct.pack(">HI", 5, 2 ** 24)))
    return c.connection_error(PROTOCOL_ERROR)


@case("6.5.2", "an unknown setting is ignored")
def _(p):
    c = Conn(p)
    c.send(frame(SETTINGS, 0, 0, struct.pack(">HI", 0xFF, 1)))
    return c.expect(lambda f: f[0] == SETTINGS and f[1] & ACK) is not None and c.alive()


# ---- 6.7 PING ----------------------------------------------------------------------------
@case("6.7", "PING is answered with an ACK carrying the same payload")
def _(p):
    return Conn(p).alive()


@case("6.7", "a PING ACK from the client is not answered")
def _(p):
    c = Conn(p)
    c.send(frame(PING, ACK, 0, b"unsolici"))
    got = c.expect(lambda f: f[0] == PING and f[3] == b"unsolici", 0.5)
    return got is None and c.alive()


@case("6.7", "PING on a stream is a connection PROTOCOL_ERROR")
def _(p):
    c = Conn(p)
    c.send(frame(PING, 0, 1, b"12345678"))
    return c.connection_error(PROTOCOL_ERROR)


@case("6.7", "PING of a length other than 8 is a connection FRAME_SIZE_ERROR")
def _(p):
    c = Conn(p)
    c.send(frame(PING, 0, 0, b"123456"))
    return c.connection_error(FRAME_SIZE_ERROR)


# ---- 6.8 GOAWAY --------------------------------------------------------------------------
@case("6.8", "GOAWAY on a stream is a connection PROTOCOL_ERROR")
def _(p):
    c = Conn(p)
    c.send(frame(GOAWAY, 0, 1, struct.pack(">II", 0, 0)))
    return c.connection_error(PROTOCOL_ERROR)


# ---- 6.9 WINDOW_UPDATE ---------------------------------------------------------------------
@case("6.9", "a connection WINDOW_UPDATE of 0 is a connection PROTOCOL_ERROR")
def _(p):
    c = Conn(p)
    c.send(frame(WINDOW_UPDATE, 0, 0, struct.pack(">I", 0)))
    return c.connection_error(PROTOCOL_ERROR)


@case("6.9", "a stream WINDOW_UPDATE of 0 is a stream PROTOCOL_ERROR")
def _(p):
    c = Conn(p)
    c.request(1)
    c.send(frame(WINDOW_UPDATE, 0, 1, struct.pack(">I", 0)))
    return c.stream_error(1, PROTOCOL_ERROR)


@case("6.9", "WINDOW_UPDATE of a length other than 4 is a connection FRAME_SIZE_ERROR")
def _(p):
    c = Conn(p)
    c.send(frame(WINDOW_UPDATE, 0, 0, struct.pack(">IB", 1, 0)))
    return c.connection_error(FRAME_SIZE_ERROR)


@case("6.9.1", "a connection window above 2^31-1 is a connection FLOW_CONTROL_ERROR")
def _(p):
    c = Conn(p)
    c.send(frame(WINDOW_UPDATE, 0, 0, struct.pack(">I", 2 ** 31 - 1)))
    return c.connection_error(FLOW_CONTROL_ERROR)


@case("6.9.1", "a stream window above 2^31-1 is a stream FLOW_CONTROL_ERROR")
def _(p):
    c = Conn(p)
    c.request(1)
    c.send(frame(WINDOW_UPDATE, 0, 1, struct.pack(">I", 2 ** 31 - 1)))
    return c.stream_error(1, FLOW_CONTROL_ERROR)


@case("6.9.2", "SETTINGS_INITIAL_WINDOW_SIZE pushing a stream window over 2^31-1 is a "
               "FLOW_CONTROL_ERROR")
def _(p):
    # RFC 9113 says a connection error; nghttp2 resets the streams whose
    # window overflows (RST_STREAM FLOW_CONTROL_ERROR), which this accepts.
    c = Conn(p)
    c.request(1)
    c.send(frame(WINDOW_UPDATE, 0, 1, struct.pack(">I", 2 ** 31 - 1 - 65535)))
    c.send(frame(SETTINGS, 0, 0, struct.pack(">HI", 4, 2 ** 31 - 1)))
    return c.stream_error(1, FLOW_CONTROL_ERROR)


# (DATA beyond the receive window cannot be provoked from outside: the
# server returns window credit as bytes arrive, before it reads more.)


# ---- 6.10 CONTINUATION ---------------------------------------------------------------------
@case("6.10", "CONTINUATION after END_HEADERS is a connection PROTOCOL_ERROR")
def _(p):
    c = Conn(p)
    c.request(1, end=False)
    c.send(frame(CONTINUATION, END_HEADERS, 1, c.enc.encode([("x-a", "b")])))
    return c.connection_error(PROTOCOL_ERROR)


@case("6.10", "CONTINUATION on another stream is a connection PROTOCOL_ERROR")
def _(p):
    c = Conn(p)
    block = c.enc.encode([(":method", "POST"), (":scheme", "http"), (":path", PATH),
                          (":authority", "x")])
    c.send(frame(HEADERS, END_STREAM, 1, block[:3]) + frame(CONTINUATION, END_HEADERS, 3, block[3:]))
    return c.connection_error(PROTOCOL_ERROR)


@case("6.10", "a header block split over CONTINUATION frames is served")
def _(p):
    c = Conn(p)
    block = c.enc.encode([(":method", "POST"), (":scheme", "http"), (":path", PATH),
                          (":authority", "x"), ("content-type", "application/grpc"),
                          ("te", "trailers")])
    c.send(frame(HEADERS, 0, 1, block[:5]) + frame(CONTINUATION, 0, 1, block[5:10]) +
           frame(CONTINUATION, END_HEADERS, 1, block[10:]) + frame(DATA, END_STREAM, 1, grpc_message()))
    f = c.expect(lambda f: f[2] == 1 and f[0] == HEADERS)
    return f is not None


# ---- 8.1: HTTP messages ------------------------------------------------------------------
def bad_request(fields, code=PROTOCOL_ERROR):
    def run(p):
        c = Conn(p)
        c.headers(1, fields, END_HEADERS | END_STREAM)
        return c.stream_error(1, code)
    return run


BASE = [(":method", "POST"), (":scheme", "http"), (":path", PATH), (":authority", "x")]
for section, what, fields in [
    ("8.2", "an upper-case header name", BASE + [("X-Upper", "1")]),
    ("8.3", "an unknown pseudo-header", BASE + [(":bogus", "1")]),
    ("8.3", "a response pseudo-header in a request", BASE + [(":status", "200")]),
    ("8.3", "a pseudo-header after a regular one", BASE[:3] + [("x-a", "1"), (":authority", "x")]),
    ("8.3", "a duplicated pseudo-header", BASE + [(":path", PATH)]),
    ("8.2.2", "a connection-specific header", BASE + [("connection", "keep-alive")]),
    ("8.2.2", "TE other than trailers", BASE + [("te", "gzip")]),
    ("8.3.1", "an empty :path", [(":method", "POST"), (":scheme", "http"), (":path", ""),
                                 (":authority", "x")]),
    ("8.3.1", "no :method", BASE[1:]),
    ("8.3.1", "no :scheme", [BASE[0]] + BASE[2:]),
    ("8.3.1", "no :path", BASE[:2] + BASE[3:]),
]:
    CASES.append((section, "a request with %s is a stream PROTOCOL_ERROR" % what,
                  bad_request(fields)))


@case("8.1.1", "a content-length that disagrees with the DATA is a PROTOCOL_ERROR")
def _(p):
    c = Conn(p)
    c.request(1, extra=[("content-length", "10")])
    c.send(frame(DATA, END_STREAM, 1, grpc_message()))
    return c.stream_error(1, PROTOCOL_ERROR)


@case("8.1", "DATA after the trailers is a STREAM_CLOSED error")
def _(p):
    c = Conn(p)
    c.request(1, path="/grpc.testing.TestService/StreamingOutputCall")
    c.headers(1, [("x-trailer", "1")], END_HEADERS | END_STREAM)
    c.send(frame(DATA, 0, 1, b"x"))
    return c.stream_error(1, STREAM_CLOSED)


@case("8.1", "trailers without END_STREAM are a PROTOCOL_ERROR")
def _(p):
    c = Conn(p)
    c.request(1)
    c.send(frame(DATA, 0, 1, grpc_message()))
    c.headers(1, [("x-trailer", "1")], END_HEADERS)
    return c.stream_error(1, PROTOCOL_ERROR)


# ---- HPACK (RFC 7541) ----------------------------------------------------------------------
@case("HPACK 2.3.3", "an index past the tables is a COMPRESSION_ERROR")
def _(p):
    c = Conn(p)
    c.headers(1, [], END_HEADERS | END_STREAM, raw=b"\xff\x7f")  # index 254
    return c.connection_error(COMPRESSION_ERROR)


@case("HPACK 4.2", "a table size update over the SETTINGS limit is a COMPRESSION_ERROR")
def _(p):
    c = Conn(p)
    c.headers(1, [], END_HEADERS | END_STREAM, raw=b"\x3f\xe1\xff\x03" + c.enc.encode(BASE))
    return c.connection_error(COMPRESSION_ERROR)


@case("HPACK 5.2", "a Huffman string with EOS padding longer than 7 bits is a COMPRESSION_ERROR")
def _(p):
    c = Conn(p)
    # A literal with a Huffman value of two 0xff bytes (all-ones padding > 7 bits).
    c.headers(1, [], END_HEADERS | END_STREAM, raw=b"\x40\x01a\x82\xff\xff")
    return c.connection_error(COMPRESSION_ERROR)


# ---- Run ------------------------------------------------------------------------------------
with Server() as srv:
    for section, what, fn in CASES:
        try:
            ok = fn(srv.port)
        except Exception as e:  # a crash of the case is its failure
            print("  (%s: %r)" % (what, e))
            ok = False
        check(bool(ok), "RFC 9113 %s: %s" % (section, what))
    # The server survived all of that.
    check(Conn(srv.port).alive(), "the server still serves after every case")
done()

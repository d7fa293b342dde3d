"""Helpers for the web tests: start tests/web/web_server.c, talk raw
HTTP/1.1 over sockets, frame gRPC-Web, and encode the few
grpc.testing messages the tests need by hand (no generated code)."""
import os
import socket
import struct
import subprocess
import sys
import time

FAILURES = []


def check(cond, what):
    if cond:
        print("ok   " + what)
    else:
        print("FAIL " + what)
        FAILURES.append(what)


def done():
    if FAILURES:
        print("%d failed: %s" % (len(FAILURES), "; ".join(FAILURES)))
        sys.exit(1)
    print("all passed")


class Server:
    def __init__(self, *flags):
        self.proc = subprocess.Popen([os.environ["WEB_SERVER"], *flags], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE)
        line = self.proc.stdout.readline().decode()
        if not line.startswith("port "):
            raise RuntimeError("web_server did not start: %r" % line)
        self.port = int(line.split()[1])

    def stop(self):
        self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.stop()


def connect(port):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def read_all(s, timeout=2.0):
    """Everything until the peer closes (or the timeout: then what came)."""
    s.settimeout(timeout)
    data = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                return data, True
            data += d
    except socket.timeout:
        return data, False
    except ConnectionResetError:
        return data, True


class Response:
    def __init__(self, status, headers, body, raw_body=b""):
        self.status = status
        self.headers = headers  # lower-case name -> list of values
        self.body = body

    def header(self, name):
        v = self.headers.get(name.lower())
        return v[0] if v else None


def parse_responses(data):
    """Splits HTTP/1.1 responses (Content-Length or chunked), in order."""
    out = []
    while data:
        head, sep, rest = data.partition(b"\r\n\r\n")
        if not sep:
            break
        lines = head.decode("latin1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for l in lines[1:]:
            k, _, v = l.partition(":")
            headers.setdefault(k.strip().lower(), []).append(v.strip())
        if status == 100:
            data = rest
            continue
        body = b""
        if "chunked" in headers.get("transfer-encoding", [""])[0]:
            while True:
                size_line, _, rest = rest.partition(b"\r\n")
                size = int(size_line.split(b";")[0], 16)
                if size == 0:
                    trailer, _, rest = rest.partition(b"\r\n")
                    while trailer:
                        trailer, _, rest = rest.partition(b"\r\n")
                    break
                body += rest[:size]
                rest = rest[size + 2:]
        else:
            n = int(headers.get("content-length", ["0"])[0])
            body, rest = rest[:n], rest[n:]
        out.append(Response(status, headers, body))
        data = rest
    return out


def http1(port, method, path, headers=(), body=b"", timeout=2.0):
    """One request on a new connection; returns the first response."""
    s = connect(port)
    req = "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n" % (method, path, port)
    for k, v in headers:
        req += "%s: %s\r\n" % (k, v)
    if body is not None:
        req += "Content-Length: %d\r\n" % len(body)
    req += "Connection: close\r\n\r\n"
    s.sendall(req.encode() + (body or b""))
    data, _ = read_all(s, timeout)
    s.close()
    rs = parse_responses(data)
    return rs[0] if rs else None


# ---- protobuf by hand ----------------------------------------------------------------


def varint(n):
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def field_varint(num, v):
    return varint(num << 3) + varint(v)


def field_bytes(num, b):
    return varint(num << 3 | 2) + varint(len(b)) + b


def simple_request(size=0, body=None, status=None, message=""):
    """grpc.testing.SimpleRequest: response_size (2), payload (3),
    response_status (7: code 1, message 2)."""
    m = b""
    if size:
        m += field_varint(2, size)
    if body is not None:
        m += field_bytes(3, field_bytes(2, body))
    if status:
        m += field_bytes(7, field_varint(1, status) + field_bytes(2, message.encode()))
    return m


def streaming_request(sizes, status=None):
    """grpc.testing.StreamingOutputCallRequest: response_parameters (2: size 1)."""
    m = b""
    for n in sizes:
        m += field_bytes(2, field_varint(1, n))
    if status:
        m += field_bytes(7, field_varint(1, status) + field_bytes(2, b"x"))
    return m


def parse_fields(b):
    """Top-level fields of a message: {number: [value,...]} (bytes or int)."""
    out = {}
    i = 0
    while i < len(b):
        key, i = _varint_at(b, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = _varint_at(b, i)
        elif wt == 2:
            n, i = _varint_at(b, i)
            v, i = b[i:i + n], i + n
        else:
            raise ValueError("wire type %d" % wt)
        out.setdefault(num, []).append(v)
    return out


def _varint_at(b, i):
    n = shift = 0
    while True:
        c = b[i]
        i += 1
        n |= (c & 0x7F) << shift
        shift += 7
        if not c & 0x80:
            return n, i


# ---- gRPC-Web framing ----------------------------------------------------------------


def frame(payload, flag=0):
    return struct.pack(">BI", flag, len(payload)) + payload


def unframe(body):
    """[(flag, payload)] of a gRPC-Web body."""
    out = []
    i = 0
    while i + 5 <= len(body):
        flag, n = struct.unpack(">BI", body[i:i + 5])
        out.append((flag, body[i + 5:i + 5 + n]))
        i += 5 + n
    if i != len(body):
        raise ValueError("a cut-off frame")
    return out


def trailers_of(payload):
    t = {}
    for line in payload.decode().split("\r\n"):
        if line:
            k, _, v = line.partition(":")
            t[k.strip().lower()] = v.strip()
    return t


# ---- HTTP/2 with python3-h2 ------------------------------------------------------------


def h2_request(port, method, path, headers=(), body=b"", pieces=1, timeout=3.0):
    """One request over HTTP/2 (prior knowledge); the body in `pieces` DATA
    frames. Returns (status, {header: value}, body, {trailer: value})."""
    import h2.connection
    import h2.config
    import h2.events
    s = connect(port)
    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True,
                                                                header_encoding="utf-8"))
    conn.initiate_connection()
    sid = conn.get_next_available_stream_id()
    hdrs = [(":method", method), (":path", path), (":scheme", "http"),
            (":authority", "127.0.0.1:%d" % port)] + list(headers)
    conn.send_headers(sid, hdrs, end_stream=not body)
    if body:
        step = max(1, (len(body) + pieces - 1) // pieces)
        for i in range(0, len(body), step):
            conn.send_data(sid, body[i:i + step], end_stream=i + step >= len(body))
    s.sendall(conn.data_to_send())
    status, resp_headers, data, trailers = None, {}, b"", {}
    s.settimeout(timeout)
    ended = False
    while not ended:
        try:
            chunk = s.recv(65536)
        except OSError:
            break
        if not chunk:
            break
        for ev in conn.receive_data(chunk):
            if isinstance(ev, h2.events.ResponseReceived):
                for k, v in ev.headers:
                    if k == ":status":
                        status = int(v)
                    else:
                        resp_headers[k] = v
            elif isinstance(ev, h2.events.DataReceived):
                data += ev.data
                conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
            elif isinstance(ev, h2.events.TrailersReceived):
                trailers = dict(ev.headers)
            elif isinstance(ev, (h2.events.StreamEnded, h2.events.StreamReset)):
                ended = True
        s.sendall(conn.data_to_send())
    s.close()
    return status, resp_headers, data, trailers

"""A gRPC server that misbehaves on purpose, one scenario at a time.

The client fault tests need a peer that sends GOAWAY with a chosen
last-stream-id, refuses streams, or answers and then turns to garbage, at
exactly the moment a test wants; a real server does none of that on demand.
This one speaks HTTP/2 through the h2 library (Debian python3-h2), which is
independent of nghttp2 under test, and answers test.Svc methods with the
test message (text = 1, num = 2) of tests/unit/rpc/rpc_test_util.h.

Usage: h2_script_server.py SCENARIO. It listens on a free 127.0.0.1 port,
prints "PORT <n>", serves until killed, and logs what it saw as lines on
stdout ("RST <stream> <code>", "GOAWAY <last-stream-id>") that the tests
read after stopping it.

Scenarios:
  goaway        first connection: once two requests arrived, GOAWAY with the
                lower stream id as last-stream-id, then answer that stream
                only; later connections answer everything. The stream kept
                gets text "conn1"; others are answered as in refuse.
  refuse        the first request of all is refused (RST_STREAM
                REFUSED_STREAM); every other request is answered with text
                "conn<N>/stream<id>" and num = the request messages it got.
  refuse_unary  every /test.Svc/Unary request is refused; /test.Svc/Echo is
                answered with num = how many were refused so far.
  blackhole     completes the HTTP/2 handshake, never answers a request.
  garbage       answers a request's headers, then sends random bytes.
"""

import os
import selectors
import socket
import struct
import sys

import h2.config
import h2.connection
import h2.errors
import h2.events
import h2.exceptions
from hyperframe.frame import GoAwayFrame

REFUSED_STREAM = h2.errors.ErrorCodes.REFUSED_STREAM


def log(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def varint(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def count_messages(body):
    """How many length-prefixed gRPC messages `body` holds."""
    count, offset = 0, 0
    while offset + 5 <= len(body):
        offset += 5 + struct.unpack_from(">I", body, offset + 1)[0]
        count += 1
    return count


def test_msg(text, num):
    """Serializes test.Msg {text, num} with its 5-byte gRPC prefix."""
    body = b""
    if text:
        raw = text.encode()
        body += b"\x0a" + varint(len(raw)) + raw
    if num:
        body += b"\x10" + varint(num & 0xFFFFFFFFFFFFFFFF)
    return struct.pack(">BI", 0, len(body)) + body


class Server:
    def __init__(self, scenario):
        self.scenario = scenario
        self.connections = 0
        self.requests = 0  # across connections
        self.refused = 0
        self.sel = selectors.DefaultSelector()

    def reply(self, conn, stream_id, text, num=0):
        conn.send_headers(stream_id, [(":status", "200"), ("content-type", "application/grpc")])
        conn.send_data(stream_id, test_msg(text, num))
        conn.send_headers(stream_id, [("grpc-status", "0")], end_stream=True)

    def refuse(self, conn, stream_id):
        self.refused += 1
        conn.reset_stream(stream_id, error_code=REFUSED_STREAM)

    def on_request(self, state, conn, stream_id, path):
        """A request ended (END_STREAM); returns raw bytes to send after h2's."""
        self.requests += 1
        state["ended"].append(stream_id)
        label = "conn%d" % state["index"]
        if self.scenario == "goaway" and state["index"] == 1:
            if len(state["ended"]) < 2:
                return b""
            last = min(state["ended"])
            log("GOAWAY %d" % last)
            goaway = GoAwayFrame(0, last_stream_id=last, error_code=0).serialize()
            state["after_goaway"] = (last, label)
            return goaway
        if self.scenario == "refuse" and self.requests == 1:
            self.refuse(conn, stream_id)
            return b""
        if self.scenario == "refuse_unary" and path.endswith("/Unary"):
            self.refuse(conn, stream_id)
            return b""
        if self.scenario == "refuse_unary":
            self.reply(conn, stream_id, label, self.refused)
            return b""
        if self.scenario == "blackhole":
            return b""
        if self.scenario == "garbage":
            conn.send_headers(stream_id, [(":status", "200"), ("content-type", "application/grpc")])
            return os.urandom(64)
        messages = count_messages(state["bodies"].pop(stream_id, b""))
        self.reply(conn, stream_id, "%s/stream%d" % (label, stream_id), messages)
        return b""

    def close(self, sock):
        self.sel.unregister(sock)
        sock.close()

    def on_readable(self, sock, state):
        try:
            data = sock.recv(65536)
        except ConnectionError:
            data = b""
        if not data:
            self.close(sock)
            return
        try:
            self.handle(sock, state, data)
        except (OSError, h2.exceptions.H2Error) as e:
            # The client went away or broke protocol: that connection ends,
            # the server carries on.
            log("ERROR conn%d: %r" % (state["index"], e))
            self.close(sock)

    def handle(self, sock, state, data):
        conn = state["h2"]
        raw = b""
        for event in conn.receive_data(data):
            if isinstance(event, h2.events.RequestReceived):
                state["paths"][event.stream_id] = dict(event.headers).get(":path", "")
            elif isinstance(event, h2.events.DataReceived):
                conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
                state["bodies"].setdefault(event.stream_id, bytearray()).extend(event.data)
            elif isinstance(event, h2.events.StreamEnded):
                path = state["paths"].get(event.stream_id, "")
                raw += self.on_request(state, conn, event.stream_id, path)
            elif isinstance(event, h2.events.StreamReset):
                log("RST %d %d" % (event.stream_id, event.error_code))
        sock.sendall(conn.data_to_send() + raw)
        pending = state.pop("after_goaway", None)
        if pending:
            # The stream at or below last-stream-id still gets its answer,
            # after the GOAWAY.
            self.reply(conn, *pending)
            sock.sendall(conn.data_to_send())

    def on_accept(self, listener):
        sock, _ = listener.accept()
        self.connections += 1
        conn = h2.connection.H2Connection(
            h2.config.H2Configuration(client_side=False, header_encoding="utf-8"))
        conn.initiate_connection()
        sock.sendall(conn.data_to_send())
        state = {"h2": conn, "index": self.connections, "paths": {}, "bodies": {},
                 "ended": []}
        self.sel.register(sock, selectors.EVENT_READ, state)

    def run(self):
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        self.sel.register(listener, selectors.EVENT_READ, None)
        log("PORT %d" % listener.getsockname()[1])
        while True:
            for key, _ in self.sel.select():
                if key.data is None:
                    self.on_accept(key.fileobj)
                else:
                    self.on_readable(key.fileobj, key.data)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: h2_script_server.py SCENARIO")
    Server(sys.argv[1]).run()

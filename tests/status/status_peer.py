"""The misbehaving HTTP/2 peers of the status tests.

The status tests check which gRPC status the library produces in every
situation it is responsible for. Many of those situations need a peer that
breaks the protocol on purpose (a response without grpc-status, an HTTP 503
from a proxy, a corrupt compressed message, RST_STREAM with a chosen code),
which neither a cgrpc server nor a cgrpc client will do. This script is that
peer, written on the h2 library (Debian python3-h2) so it shares no code with
the nghttp2 transport under test.

  status_peer.py server
      Listens on a free 127.0.0.1 port, prints "PORT <n>" and answers every
      request by the last segment of its :path (the scenario), e.g.
      /status.Fake/http_503. Runs until killed. Scenarios are listed in
      SERVER_SCENARIOS below.

  status_peer.py client PORT SCENARIO
      Sends one request to /test.Svc/<method> on 127.0.0.1:PORT, broken as
      SCENARIO says (CLIENT_SCENARIOS), and prints what came back, one line
      per item, then "END":
        HTTP <status>           the :status of the response headers
        H <name>: <value>       a response header
        T <name>: <value>       a trailer
        DATA <bytes>            DATA received
        RST <code>              the server reset the stream
        GOAWAY <code>           the server closed the connection
      The test reads these lines; the script never judges the answer.

The gRPC messages are test.Msg of tests/unit/rpc/rpc_test_util.h.
"""

import gzip
import selectors
import socket
import struct
import sys
import time

import h2.config
import h2.connection
import h2.errors
import h2.events
import h2.exceptions

GRPC = "application/grpc"


def varint(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if not n:
            out.append(byte)
            return bytes(out)
        out.append(byte | 0x80)


def msg_body(text="", num=0, blob=b""):
    """Serializes test.Msg {text = 1, num = 2, blob = 3}."""
    body = b""
    if text:
        raw = text.encode()
        body += b"\x0a" + varint(len(raw)) + raw
    if num:
        body += b"\x10" + varint(num & 0xFFFFFFFFFFFFFFFF)
    if blob:
        body += b"\x1a" + varint(len(blob)) + blob
    return body


def frame(body, flag=0):
    """The 5-byte gRPC message prefix and the body."""
    return struct.pack(">BI", flag, len(body)) + body


OK_MSG = frame(msg_body("fake", 7))
# A tag whose varint never ends: no protobuf decoder accepts it.
UNPARSEABLE = b"\xff\xff\xff"
RESPONSE_HEADERS = [(":status", "200"), ("content-type", GRPC)]


# ---- Server ----------------------------------------------------------------------


def status_trailers(code, message=None):
    out = [("grpc-status", str(code))]
    if message is not None:
        out.append(("grpc-message", message))
    return out


def http_only(code):
    """A non-gRPC answer (a proxy's): HTTP status, plain text, no grpc-status."""
    return [(":status", str(code)), ("content-type", "text/plain")]


class Reply:
    """What the server sends for one request: a list of actions."""

    def __init__(self, *actions):
        self.actions = actions


def headers(hs, end=False):
    return ("headers", hs, end)


def data(payload, end=False):
    return ("data", payload, end)


def rst(code):
    return ("rst", code)


def server_reply(scenario, timeout_ms):
    """The actions for a scenario. None means: never answer."""
    if scenario == "hang":
        return None
    if scenario == "ok":
        return [headers(RESPONSE_HEADERS), data(OK_MSG), headers(status_trailers(0), True)]
    if scenario == "no_status":
        return [headers(RESPONSE_HEADERS), data(OK_MSG), headers([("x-note", "no status")], True)]
    if scenario == "no_status_trailers_only":
        return [headers(RESPONSE_HEADERS, True)]
    if scenario.startswith("bad_status_"):
        value = scenario[len("bad_status_"):]
        return [headers(RESPONSE_HEADERS), data(OK_MSG), headers([("grpc-status", value)], True)]
    if scenario.startswith("http_only_"):
        return [headers(http_only(int(scenario[len("http_only_"):])), True)]
    if scenario.startswith("http_body_"):
        return [headers(http_only(int(scenario[len("http_body_"):]))),
                data(b"<html>an error page</html>", True)]
    if scenario == "http_503_with_status":
        return [headers(http_only(503) + status_trailers(5, "from a gRPC-aware proxy"), True)]
    if scenario == "bad_flag":
        return [headers(RESPONSE_HEADERS), data(frame(msg_body("x"), flag=2)),
                headers(status_trailers(0), True)]
    if scenario == "compressed_without_encoding":
        return [headers(RESPONSE_HEADERS), data(frame(gzip.compress(msg_body("x")), flag=1)),
                headers(status_trailers(0), True)]
    if scenario == "corrupt_gzip":
        return [headers(RESPONSE_HEADERS + [("grpc-encoding", "gzip")]),
                data(frame(b"\x1f\x8b\x08\x00 this is not deflate data", flag=1)),
                headers(status_trailers(0), True)]
    if scenario == "unknown_encoding":
        return [headers(RESPONSE_HEADERS + [("grpc-encoding", "snappy-x")]),
                data(frame(b"whatever", flag=1)), headers(status_trailers(0), True)]
    if scenario == "unparseable_message":
        return [headers(RESPONSE_HEADERS), data(frame(UNPARSEABLE)),
                headers(status_trailers(0), True)]
    if scenario == "big_message":
        return [headers(RESPONSE_HEADERS), data(frame(msg_body(blob=b"\0" * 4096))),
                headers(status_trailers(0), True)]
    if scenario == "zero_messages":
        return [headers(RESPONSE_HEADERS), headers(status_trailers(0), True)]
    if scenario == "two_messages":
        return [headers(RESPONSE_HEADERS), data(OK_MSG + OK_MSG), headers(status_trailers(0), True)]
    if scenario == "cut_message":
        return [headers(RESPONSE_HEADERS), data(OK_MSG[:-2]), headers(status_trailers(0), True)]
    if scenario == "rst_cancel_at_deadline":
        # Resets exactly when the client's grpc-timeout runs out, racing the
        # client's own deadline timer: whichever wins, the client must say
        # DEADLINE_EXCEEDED.
        return [("sleep", timeout_ms / 1000.0), rst(h2.errors.ErrorCodes.CANCEL)]
    if scenario.startswith("rst_"):
        return [rst(int(scenario[len("rst_"):]))]
    if scenario == "headers_then_close":
        return [headers(RESPONSE_HEADERS), ("close",)]
    if scenario == "goaway_once":
        return [("goaway_once",)]
    return [headers(RESPONSE_HEADERS + status_trailers(13, "status_peer: unknown scenario " +
                                                       scenario), True)]


def parse_timeout_ms(value):
    units = {"H": 3600000, "M": 60000, "S": 1000, "m": 1, "u": 0.001, "n": 0.000001}
    if not value:
        return 0
    return int(value[:-1]) * units[value[-1]]


class Server:
    def __init__(self):
        self.sel = selectors.DefaultSelector()
        self.goaway_sent = False

    def run_actions(self, sock, conn, stream_id, actions):
        """Returns False when the connection was closed."""
        for action in actions:
            kind = action[0]
            if kind == "headers":
                conn.send_headers(stream_id, action[1], end_stream=action[2])
            elif kind == "data":
                conn.send_data(stream_id, action[1], end_stream=action[2])
            elif kind == "rst":
                conn.reset_stream(stream_id, error_code=action[1])
            elif kind == "sleep":
                sock.sendall(conn.data_to_send())
                time.sleep(action[1])
            elif kind == "close":
                sock.sendall(conn.data_to_send())
                self.sel.unregister(sock)
                sock.close()
                return False
            elif kind == "goaway_once":
                if self.goaway_sent:
                    self.run_actions(sock, conn, stream_id, server_reply("ok", 0))
                else:
                    # last_stream_id below this stream: it was not processed.
                    self.goaway_sent = True
                    conn.close_connection(last_stream_id=stream_id - 2 if stream_id > 1 else 0)
        sock.sendall(conn.data_to_send())
        return True

    def on_readable(self, sock, state):
        conn = state["h2"]
        try:
            received = sock.recv(65536)
        except ConnectionError:
            received = b""
        if not received:
            self.sel.unregister(sock)
            sock.close()
            return
        try:
            events = conn.receive_data(received)
        except h2.exceptions.ProtocolError:
            self.sel.unregister(sock)
            sock.close()
            return
        for event in events:
            if isinstance(event, h2.events.RequestReceived):
                state["requests"][event.stream_id] = dict(event.headers)
            elif isinstance(event, h2.events.DataReceived):
                conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            elif isinstance(event, h2.events.StreamEnded):
                hs = state["requests"].pop(event.stream_id, {})
                scenario = hs.get(":path", "").rsplit("/", 1)[-1]
                actions = server_reply(scenario, parse_timeout_ms(hs.get("grpc-timeout", "")))
                if actions is not None and not self.run_actions(sock, conn, event.stream_id,
                                                                actions):
                    return
        sock.sendall(conn.data_to_send())

    def run(self):
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        self.sel.register(listener, selectors.EVENT_READ, None)
        print("PORT %d" % listener.getsockname()[1], flush=True)
        while True:
            for key, _ in self.sel.select():
                if key.data is not None:
                    self.on_readable(key.fileobj, key.data)
                    continue
                sock, _ = listener.accept()
                conn = h2.connection.H2Connection(h2.config.H2Configuration(
                    client_side=False, header_encoding="utf-8", validate_outbound_headers=False))
                conn.initiate_connection()
                sock.sendall(conn.data_to_send())
                self.sel.register(sock, selectors.EVENT_READ, {"h2": conn, "requests": {}})


# ---- Client ----------------------------------------------------------------------

# scenario -> (method, extra request headers, request body)
CLIENT_SCENARIOS = {
    "ok": ("Unary", [], frame(msg_body(num=1))),
    "unknown_encoding": ("Unary", [("grpc-encoding", "snappy-x")], frame(b"abc", flag=1)),
    "unparseable": ("Unary", [], frame(UNPARSEABLE)),
    "zero_messages": ("Unary", [], b""),
    "two_messages": ("Unary", [], frame(msg_body(num=1)) * 2),
    "bad_flag": ("Unary", [], frame(msg_body(num=1), flag=2)),
    "compressed_without_encoding": ("Unary", [], frame(gzip.compress(msg_body(num=1)), flag=1)),
    "corrupt_gzip": ("Unary", [("grpc-encoding", "gzip")],
                     frame(b"\x1f\x8b\x08\x00 not deflate", flag=1)),
    "cut_message": ("Unary", [], frame(msg_body(num=1))[:-1]),
    "expired": ("Unary", [("grpc-timeout", "0n")], frame(msg_body(num=1))),
    "timeout": ("Slow", [("grpc-timeout", "100m")], frame(msg_body(num=5000))),
    "malformed_timeout": ("Unary", [("grpc-timeout", "123456789S")], frame(msg_body(num=1))),
}


def run_client(port, scenario):
    method, extra, body = CLIENT_SCENARIOS[scenario]
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    conn = h2.connection.H2Connection(h2.config.H2Configuration(
        client_side=True, header_encoding="utf-8", validate_outbound_headers=False))
    conn.initiate_connection()
    stream_id = conn.get_next_available_stream_id()
    conn.send_headers(stream_id, [
        (":method", "POST"), (":scheme", "http"), (":path", "/test.Svc/" + method),
        (":authority", "127.0.0.1:%d" % port), ("te", "trailers"), ("content-type", GRPC),
    ] + extra)
    conn.send_data(stream_id, body, end_stream=True)
    sock.sendall(conn.data_to_send())
    seen_headers = False
    done = False
    while not done:
        received = sock.recv(65536)
        if not received:
            print("CLOSED")
            break
        for event in conn.receive_data(received):
            if isinstance(event, h2.events.ResponseReceived):
                for name, value in event.headers:
                    if name == ":status":
                        print("HTTP " + value)
                    else:
                        print("H %s: %s" % (name, value))
                seen_headers = True
            elif isinstance(event, h2.events.TrailersReceived):
                for name, value in event.headers:
                    print("%s %s: %s" % ("T" if seen_headers else "H", name, value))
            elif isinstance(event, h2.events.DataReceived):
                conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
                print("DATA %d" % len(event.data))
            elif isinstance(event, h2.events.StreamReset):
                print("RST %d" % event.error_code)
                done = True
            elif isinstance(event, h2.events.StreamEnded):
                done = True
            elif isinstance(event, h2.events.ConnectionTerminated):
                print("GOAWAY %d" % event.error_code)
                done = True
        sock.sendall(conn.data_to_send())
    print("END", flush=True)
    sock.close()


if __name__ == "__main__":
    if len(sys.argv) == 2 and sys.argv[1] == "server":
        Server().run()
    elif len(sys.argv) == 4 and sys.argv[1] == "client":
        run_client(int(sys.argv[2]), sys.argv[3])
    else:
        sys.exit("usage: status_peer.py server | client PORT SCENARIO")

"""One gRPC call made by hand over HTTP/2, to see each response message's flag.

grpcio decompresses inside C-core and never tells the application whether a
response message carried the compressed flag, yet server_compressed_unary and
server_compressed_streaming assert exactly that flag. This module makes the
same request with the h2 library (Debian python3-h2, a separate HTTP/2
implementation from the one under test) and returns the raw framing: the
response headers, each message's flag and decoded bytes, and the trailers.

It is deliberately minimal: one stream, plaintext or over TLS (an
ssl.SSLContext from the caller, ALPN h2). The request goes out in
frames no larger than the peer allows as the send window opens, and the
received window is given back as data arrives, so messages of any size flow.
"""

import gzip
import socket
import ssl  # noqa: F401 (the caller passes an ssl.SSLContext)
import struct
import zlib

import h2.config
import h2.connection
import h2.events


class ObservedCall:
    """What came back: headers and trailers as dicts, messages as (flag, body) pairs."""

    def __init__(self):
        self.headers = {}
        self.trailers = {}
        self.messages = []

    def status(self):
        """grpc-status from the trailers, or from the headers of a Trailers-Only reply."""
        value = self.trailers.get("grpc-status", self.headers.get("grpc-status"))
        return None if value is None else int(value)


def _decompress(encoding, data):
    if encoding == "gzip":
        return gzip.decompress(data)
    if encoding == "deflate":
        return zlib.decompress(data)
    raise ValueError("compressed message but grpc-encoding is %r" % encoding)


def _split_messages(buffer, encoding):
    messages = []
    offset = 0
    while offset < len(buffer):
        if len(buffer) - offset < 5:
            raise ValueError("response ends inside a message prefix")
        flag, length = struct.unpack_from(">BI", buffer, offset)
        offset += 5
        body = bytes(buffer[offset:offset + length])
        if len(body) != length:
            raise ValueError("response ends inside a %d-byte message" % length)
        offset += length
        if flag not in (0, 1):
            raise ValueError("message flag %d is neither 0 nor 1" % flag)
        messages.append((flag, _decompress(encoding, body) if flag else body))
    return messages


def _send_some(conn, stream_id, pending):
    """Queues as much of `pending` as the window allows, ending the stream with the last byte.

    Returns what is left; None once the request is fully sent.
    """
    if pending is None:
        return None
    while pending:
        room = min(conn.local_flow_control_window(stream_id), conn.max_outbound_frame_size)
        if room <= 0:
            return pending
        conn.send_data(stream_id, pending[:room], end_stream=len(pending) <= room)
        pending = pending[room:]
    return None


def call(host, port, path, request_bytes, timeout=20.0, tls=None, server_name=None):
    """Sends one uncompressed request message to `path`; returns an ObservedCall.

    Advertises gzip and deflate in grpc-accept-encoding, as a real client
    would, so the server is free to compress. Raises OSError on socket
    trouble and ValueError on malformed framing.
    """
    sock = socket.create_connection((host, port), timeout=timeout)
    if tls is not None:
        tls.set_alpn_protocols(["h2"])
        sock = tls.wrap_socket(sock, server_hostname=server_name or host)
    try:
        conn = h2.connection.H2Connection(h2.config.H2Configuration(
            client_side=True, header_encoding="utf-8"))
        conn.initiate_connection()
        stream_id = conn.get_next_available_stream_id()
        conn.send_headers(stream_id, [
            (":method", "POST"),
            (":scheme", "https" if tls is not None else "http"),
            (":path", path),
            (":authority", "%s:%d" % (host, port)),
            ("content-type", "application/grpc"),
            ("te", "trailers"),
            ("grpc-accept-encoding", "identity,deflate,gzip"),
        ])
        pending = struct.pack(">BI", 0, len(request_bytes)) + request_bytes
        observed = ObservedCall()
        body = bytearray()
        ended = False
        while not ended:
            pending = _send_some(conn, stream_id, pending)
            sock.sendall(conn.data_to_send())
            data = sock.recv(65536)
            if not data:
                raise OSError("connection closed before the call ended")
            for event in conn.receive_data(data):
                if isinstance(event, h2.events.ResponseReceived):
                    observed.headers = dict(event.headers)
                elif isinstance(event, h2.events.DataReceived):
                    body += event.data
                    conn.acknowledge_received_data(event.flow_controlled_length, stream_id)
                elif isinstance(event, h2.events.TrailersReceived):
                    observed.trailers = dict(event.headers)
                elif isinstance(event, h2.events.StreamEnded):
                    ended = True
                elif isinstance(event, h2.events.StreamReset):
                    raise OSError("server reset the stream, error code %d" % event.error_code)
            sock.sendall(conn.data_to_send())
        observed.messages = _split_messages(body, observed.headers.get("grpc-encoding", "identity"))
        conn.close_connection()
        sock.sendall(conn.data_to_send())
        return observed
    finally:
        sock.close()

"""attacks.py — one HTTP/2 or gRPC attack per function, run against the cgrpc
attack server while a well-behaved grpcio client keeps calling it.

Usage: attacks.py --server PATH --attack NAME [--sanitized]

Each attack is bounded in frames and seconds, talks to 127.0.0.1 only, and
asserts the exact answer the server owes the attacker (a GOAWAY code and
debug data, an RST_STREAM, an HTTP status and grpc-status, or a closed
connection). attacklib.run adds the checks common to all: the normal client
completes calls during and after, the server's memory stays bounded, and the
server shuts down cleanly (under ASan: without leaks). See docs/security.md
for the limits behind each answer.
"""

import argparse
import gzip
import os
import socket
import sys
import threading
import time

import attacklib
from attacklib import (EMPTY_CALL, ENHANCE_YOUR_CALM, MIB, NO_ERROR, STREAMING_INPUT,
                       STREAMING_OUTPUT, UNARY_CALL, ContinuationFrame, DataFrame, HeadersFrame,
                       PingFrame, RawConn, RstStreamFrame, SettingsFrame, WindowUpdateFrame,
                       check, describe_goaway, frame, grpc_message, grpc_request_fields,
                       header_block, hpack_literal, log, run, summarize)

MAX_FRAME = 16384


def handshake(c):
    """Waits for the server's SETTINGS and acknowledges them."""
    c.pump(5, until=lambda: c.frames_of(SettingsFrame))
    check(c.frames_of(SettingsFrame), "the server sent no SETTINGS")
    c.send(frame(SettingsFrame(0, flags=["ACK"])))


def headers(sid, block, end_stream=False):
    """HEADERS (and CONTINUATIONs when the block is larger than a frame)."""
    chunks = [block[i:i + MAX_FRAME] for i in range(0, len(block), MAX_FRAME)] or [b""]
    flags = ["END_STREAM"] if end_stream else []
    if len(chunks) == 1:
        return frame(HeadersFrame(sid, chunks[0], flags=flags + ["END_HEADERS"]))
    out = frame(HeadersFrame(sid, chunks[0], flags=flags))
    for i, chunk in enumerate(chunks[1:]):
        last = i == len(chunks) - 2
        out += frame(ContinuationFrame(sid, chunk, flags=["END_HEADERS"] if last else []))
    return out


def data(sid, payload, end_stream=True):
    """DATA frames of at most MAX_FRAME bytes."""
    chunks = [payload[i:i + MAX_FRAME] for i in range(0, len(payload), MAX_FRAME)] or [b""]
    out = b""
    for i, chunk in enumerate(chunks):
        last = i == len(chunks) - 1
        out += frame(DataFrame(sid, chunk, flags=["END_STREAM"] if end_stream and last else []))
    return out


def unary(sid, message=b"", **fields):
    """A whole unary request on stream `sid`."""
    return headers(sid, header_block(grpc_request_fields(UNARY_CALL, **fields))) + data(
        sid, grpc_message(message))


def grpc_status(c, sid):
    """The grpc-status the server sent on `sid` (in any header block)."""
    for block in c.headers.get(sid, []):
        for name, value in block:
            if name == "grpc-status":
                return value
    return None


def answered(c, *sids):
    return lambda: all(grpc_status(c, sid) is not None for sid in sids)


def expect_status(c, sid, http, status, what):
    got_http = c.header(sid, ":status")
    got = grpc_status(c, sid)
    log("got on stream %d (%s): :status %s, grpc-status %s, grpc-message %r, RST_STREAM %s" %
        (sid, what, got_http, got, next((v for b in c.headers.get(sid, []) for n, v in b
                                         if n == "grpc-message"), None), c.rst_codes(sid)))
    check(got_http == http and got == status,
          "%s: expected :status %s grpc-status %s, got %s / %s" % (what, http, status, got_http,
                                                                   got))


def expect_goaway(c, code, debug):
    g = c.goaway()
    log("got: %s; %s" % (summarize(c), describe_goaway(g)))
    check(g is not None, "no GOAWAY (got: %s)" % summarize(c))
    check(g.error_code == code and bytes(g.additional_data) == debug,
          "expected GOAWAY(%d, %r), got %s" % (code, debug, describe_goaway(g)))
    check(c.eof, "the server kept the connection open after its GOAWAY")


def send_in_background(c, payload):
    """Sends while the caller reads: a server that answers as it reads must
    not be blocked by us not reading."""
    t = threading.Thread(target=c.send_quietly, args=(payload,), daemon=True)
    t.start()
    return t


# ---- The attacks -------------------------------------------------------------------------


def rapid_reset(server):
    """CVE-2023-44487: open streams and reset them at once, thousands of times."""
    c = RawConn(server.port)
    handshake(c)
    n = 3000
    block = header_block(grpc_request_fields(UNARY_CALL))
    burst = b"".join(headers(sid, block) + frame(RstStreamFrame(sid, error_code=8))
                     for sid in range(1, 2 * n, 2))
    log("sent: %d x (HEADERS %s + RST_STREAM(CANCEL)), %d bytes" % (n, UNARY_CALL, len(burst)))
    sender = send_in_background(c, burst)
    c.pump(20, until=lambda: c.eof)
    sender.join(5)
    expect_goaway(c, ENHANCE_YOUR_CALM, b"too_many_resets")
    c.close()


def continuation_flood(server):
    """CVE-2024-28182: a header block that never ends."""
    c = RawConn(server.port)
    handshake(c)
    n = 200
    burst = frame(HeadersFrame(1, header_block(grpc_request_fields(UNARY_CALL))))
    burst += b"".join(frame(ContinuationFrame(1, hpack_literal("x-pad-%d" % i, "a" * 100)))
                      for i in range(n))
    log("sent: HEADERS without END_HEADERS, then %d CONTINUATIONs without END_HEADERS" % n)
    sender = send_in_background(c, burst)
    c.pump(10, until=lambda: c.eof)
    sender.join(5)
    expect_goaway(c, ENHANCE_YOUR_CALM, b"too_many_continuations")
    c.close()


def hpack_bomb(server):
    """A 4000-byte field put in the HPACK table once and referenced 3000 times
    (one 7 KiB block decoding to 12 MB), then oversized metadata by size and
    by field count; the connection must stay in sync and usable."""
    c = RawConn(server.port)
    handshake(c)
    base = header_block(grpc_request_fields(UNARY_CALL))
    bomb = base + hpack_literal("x-bomb", "b" * 4000, indexed=True) + b"\xbe" * 3000
    big = base + hpack_literal("x-big", "v" * (20 * 1024))
    many = base + b"".join(hpack_literal("x-f%d" % i, "v") for i in range(300))
    c.send(headers(1, bomb, end_stream=True) + headers(3, big, end_stream=True) +
           headers(5, many, end_stream=True) + unary(7))
    log("sent: stream 1 HPACK bomb (%d-byte block, 3000 x 4 KiB fields), stream 3 one 20 KiB "
        "value, stream 5 300 fields, stream 7 a normal UnaryCall" % len(bomb))
    c.pump(10, until=answered(c, 1, 3, 5, 7))
    expect_status(c, 1, "200", "8", "HPACK bomb")
    expect_status(c, 3, "200", "8", "20 KiB value")
    expect_status(c, 5, "200", "8", "300 fields")
    expect_status(c, 7, "200", "0", "normal call after them")
    check(c.goaway() is None, "the connection was closed: %s" % describe_goaway(c.goaway()))
    c.close()


def ping_flood(server):
    """PINGs back to back, with no call open."""
    c = RawConn(server.port)
    handshake(c)
    n = 500
    burst = b"".join(frame(PingFrame(0, opaque_data=i.to_bytes(8, "big"))) for i in range(n))
    log("sent: %d PINGs" % n)
    sender = send_in_background(c, burst)
    c.pump(10, until=lambda: c.eof)
    sender.join(5)
    acks = [f for f in c.frames_of(PingFrame) if "ACK" in f.flags]
    log("got: %d PING ACKs" % len(acks))
    expect_goaway(c, ENHANCE_YOUR_CALM, b"too_many_pings")
    check(len(acks) <= 4, "the server answered %d PINGs (at most 4 expected)" % len(acks))


def settings_flood(server):
    """Empty SETTINGS frames back to back: each costs the server an ACK."""
    c = RawConn(server.port)
    handshake(c)
    n = 20000
    log("sent: %d SETTINGS" % n)
    sender = send_in_background(c, frame(SettingsFrame(0)) * n)
    c.pump(10, until=lambda: c.eof)
    sender.join(5)
    acks = [f for f in c.frames_of(SettingsFrame) if "ACK" in f.flags]
    log("got: %d SETTINGS ACKs" % len(acks))
    expect_goaway(c, ENHANCE_YOUR_CALM, b"too_many_settings")
    check(len(acks) <= 150, "the server acknowledged %d SETTINGS" % len(acks))


def empty_data_flood(server):
    """A client-streaming call kept open with empty DATA frames."""
    c = RawConn(server.port)
    handshake(c)
    n = 20000
    log("sent: HEADERS %s, then %d empty DATA frames without END_STREAM" % (STREAMING_INPUT, n))
    burst = headers(1, header_block(grpc_request_fields(STREAMING_INPUT)))
    burst += frame(DataFrame(1, b"")) * n
    sender = send_in_background(c, burst)
    c.pump(10, until=lambda: c.eof)
    sender.join(5)
    expect_goaway(c, ENHANCE_YOUR_CALM, b"too_many_empty_frames")


SLOWLORIS_LIMIT = 24
SLOWLORIS_TIMEOUT_MS = 1500


def slowloris(server):
    """Connections that never finish the preface, more than max_connections."""
    n = 32
    conns = []
    for _ in range(n):
        c = RawConn(server.port, handshake=False)
        c.send_quietly(b"PRI * HTTP/2.0\r\n")
        conns.append(c)
    start = time.monotonic()
    log("sent: %d connections with half a preface each, then silence (server: "
        "max_connections %d, handshake timeout %d ms)" % (n, SLOWLORIS_LIMIT, SLOWLORIS_TIMEOUT_MS))
    closed_at = {}
    while time.monotonic() - start < 8 and len(closed_at) < n:
        for i, c in enumerate(conns):
            if i not in closed_at:
                c.pump(0.02)
                if c.eof:
                    closed_at[i] = time.monotonic() - start
    rejected = [i for i in range(n) if not conns[i].received and i in closed_at]
    timed_out = [i for i in range(n) if conns[i].received]
    log("got: %d connections closed at once without a byte (over max_connections), %d given "
        "SETTINGS then closed after %.2f-%.2f s, %d still open" %
        (len(rejected), len(timed_out), min([closed_at.get(i, 99) for i in timed_out] or [0]),
         max([closed_at.get(i, 99) for i in timed_out] or [0]), n - len(closed_at)))
    for i in timed_out[:1]:
        log("   e.g. %s; %s" % (summarize(conns[i]), describe_goaway(conns[i].goaway())))
    over = n - SLOWLORIS_LIMIT
    check(over <= len(rejected) <= over + 2,
          "expected %d-%d connections refused, got %d" % (over, over + 2, len(rejected)))
    check(len(closed_at) == n, "%d connections still open after 8 s" % (n - len(closed_at)))
    for i in timed_out:
        g = conns[i].goaway()
        check(g is not None and g.error_code == NO_ERROR and
              bytes(g.additional_data) == b"handshake_timeout",
              "connection %d: expected GOAWAY(0, 'handshake_timeout'), got %s" %
              (i, describe_goaway(g)))
        check(1.0 <= closed_at[i] <= 6.0, "connection %d closed after %.2f s" % (i, closed_at[i]))
    for c in conns:
        c.close()


# ---- TLS only (--tls): attacks on the handshake itself ---------------------------------

TLS_TIMEOUT_MS = 1000
TLS_HANDSHAKE_CAP = 64


def raw_tcp(port):
    s = socket.create_connection(("127.0.0.1", port))
    return s


def closed(s, timeout):
    """True when the server closed `s` within `timeout` seconds."""
    s.settimeout(timeout)
    try:
        while s.recv(4096):
            pass
        return True
    except socket.timeout:
        return False
    except OSError:
        return True


def handshake_flood(server):
    """More stalled handshakes than max_concurrent_tls_handshakes: each sends
    the first bytes of a ClientHello record and then nothing."""
    n = 3 * TLS_HANDSHAKE_CAP
    conns = []
    for _ in range(n):
        s = raw_tcp(server.port)
        s.sendall(b"\x16\x03\x01\x02\x00\x01\x00")  # a 512-byte record, cut short
        conns.append(s)
    start = time.monotonic()
    log("sent: %d connections with 7 bytes of a ClientHello each, then silence (server: "
        "max_concurrent_tls_handshakes %d, tls_handshake_timeout %d ms)" %
        (n, TLS_HANDSHAKE_CAP, TLS_TIMEOUT_MS))
    closed_at = {}
    while time.monotonic() - start < 8 and len(closed_at) < n:
        for i, s in enumerate(conns):
            if i not in closed_at and closed(s, 0.001):
                closed_at[i] = time.monotonic() - start
    at_once = [t for t in closed_at.values() if t < 0.5 * TLS_TIMEOUT_MS / 1000.0]
    late = [t for t in closed_at.values() if t >= 0.5 * TLS_TIMEOUT_MS / 1000.0]
    log("got: %d closed at once (over the cap), %d closed after %.2f-%.2f s (timeout), "
        "%d still open" % (len(at_once), len(late), min(late or [0]), max(late or [0]),
                           n - len(closed_at)))
    check(len(closed_at) == n, "%d connections still open after 8 s" % (n - len(closed_at)))
    check(len(at_once) >= n - TLS_HANDSHAKE_CAP - 2,
          "expected at least %d connections refused at once, got %d" %
          (n - TLS_HANDSHAKE_CAP - 2, len(at_once)))
    check(all(t <= 4.0 for t in late), "a stalled handshake lived %.2f s" % max(late or [0]))
    for s in conns:
        s.close()


def garbage_flood(server):
    """Connections that send garbage instead of a ClientHello: each is
    closed after its first read."""
    n = 100
    start = time.monotonic()
    for i in range(n):
        s = raw_tcp(server.port)
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" if i % 2 else b"\x00" * 64)
        check(closed(s, 2.0), "connection %d with garbage was not closed within 2 s" % i)
        s.close()
    log("sent: %d connections with HTTP/1.1 or zeros instead of a ClientHello; all closed in "
        "%.2f s" % (n, time.monotonic() - start))


STALL_MS = 1500


def slow_reader(server):
    """Asks for 128 MB of responses with wide windows and a tiny receive
    buffer, adds 50 UnaryCalls wanting 64 KiB each, never reads, and keeps
    sending WINDOW_UPDATEs (legal, and answered with nothing)."""
    window = 2 ** 30
    c = RawConn(server.port, settings={SettingsFrame.INITIAL_WINDOW_SIZE: window}, rcvbuf=4096)
    handshake(c)
    c.send(frame(WindowUpdateFrame(0, window - 65535)))
    params = b"\x12\x04\x08\x80\x80\x04" * 2000  # 2000 x ResponseParameters{size: 65536}
    big_reply = b"\x10\x80\x80\x04"  # SimpleRequest{response_size: 65536}
    c.send(headers(1, header_block(grpc_request_fields(STREAMING_OUTPUT))) +
           data(1, grpc_message(params)) +
           b"".join(unary(sid, big_reply) for sid in range(3, 103, 2)))
    flood = frame(WindowUpdateFrame(1, 1)) * (64 * MIB // 13)
    log("sent: StreamingOutputCall for 2000 x 64 KiB with 1 GiB windows and a 4 KiB receive "
        "buffer, then 50 UnaryCalls for 64 KiB each, then up to %d bytes of WINDOW_UPDATEs; "
        "nothing read for %.1f s" % (len(flood), STALL_MS / 1000.0 + 1.5))
    sent = {"bytes": 0}

    def send_flood():
        view = memoryview(flood)
        try:
            while sent["bytes"] < len(flood):
                sent["bytes"] += c.sock.send(view[sent["bytes"]:sent["bytes"] + 65536])
        except OSError:
            pass

    sender = threading.Thread(target=send_flood, daemon=True)
    start = time.monotonic()
    sender.start()
    time.sleep(STALL_MS / 1000.0 + 1.5)
    c.pump(15, until=lambda: c.eof)
    took = time.monotonic() - start
    sender.join(5)
    log("got: %d bytes of the 134348800 asked for (%s); the connection was closed, seen %.1f s "
        "after the attack began; %d of %d flood bytes accepted before the server stopped "
        "reading" % (c.bytes_in, summarize(c), took, sent["bytes"], len(flood)))
    check(c.eof, "the server kept the connection of a client that does not read")
    check(0 < c.bytes_in < 32 * MIB, "%d bytes received" % c.bytes_in)
    check(took < STALL_MS / 1000.0 + 6, "the connection lasted %.1f s" % took)
    check(sent["bytes"] < len(flood) // 2, "the server kept reading a client that does not read")
    c.close()


def length_2gib(server):
    """A message prefix declaring 2 GiB, followed by a few bytes."""
    c = RawConn(server.port)
    handshake(c)
    c.send(headers(1, header_block(grpc_request_fields(UNARY_CALL))) +
           data(1, grpc_message(b"0123456789", declared_len=2 ** 31), end_stream=False) +
           unary(3))
    log("sent: stream 1 UnaryCall whose message prefix declares 2147483648 bytes (10 sent, "
        "stream left open); stream 3 a normal UnaryCall")
    c.pump(10, until=answered(c, 1, 3))
    expect_status(c, 1, "200", "8", "2 GiB prefix")
    check(c.rst_codes(1) == [NO_ERROR], "expected RST_STREAM(NO_ERROR) after the status on "
          "stream 1 (its request was still open), got %s" % c.rst_codes(1))
    expect_status(c, 3, "200", "0", "normal call after it")


def gzip_bomb(server):
    """64 MiB of zeros gzipped to ~64 KiB, sent as one compressed message."""
    c = RawConn(server.port)
    handshake(c)
    bomb = gzip.compress(b"\0" * (64 * MIB), compresslevel=9)
    c.send(headers(1, header_block(grpc_request_fields(
        UNARY_CALL, extra=[("grpc-encoding", "gzip")]))) + data(1, grpc_message(bomb, True)) +
        unary(3))
    log("sent: stream 1 UnaryCall, grpc-encoding gzip, one %d-byte message inflating to "
        "67108864 bytes; stream 3 a normal UnaryCall" % len(bomb))
    c.pump(10, until=answered(c, 1, 3))
    expect_status(c, 1, "200", "8", "gzip bomb")
    expect_status(c, 3, "200", "0", "normal call after it")


def bad_base64(server):
    """Binary metadata that is not base64: a stream error, never a connection error."""
    c = RawConn(server.port)
    handshake(c)
    c.send(unary(1, extra=[("x-test-bin", "!!not*base64")]) + unary(3))
    log("sent: stream 1 UnaryCall with x-test-bin: !!not*base64; stream 3 a normal UnaryCall")
    c.pump(10, until=answered(c, 1, 3))
    expect_status(c, 1, "200", "13", "bad base64")
    expect_status(c, 3, "200", "0", "normal call after it")
    check(c.goaway() is None, "the connection was closed: %s" % describe_goaway(c.goaway()))


def bad_timeout(server):
    """grpc-timeout with 9 digits, and with an unknown unit."""
    c = RawConn(server.port)
    handshake(c)
    c.send(unary(1, extra=[("grpc-timeout", "123456789S")]) +
           unary(3, extra=[("grpc-timeout", "5X")]) + unary(5, extra=[("grpc-timeout", "5S")]))
    log("sent: grpc-timeout 123456789S (stream 1), 5X (stream 3), 5S (stream 5, valid)")
    c.pump(10, until=answered(c, 1, 3, 5))
    expect_status(c, 1, "200", "13", "9-digit timeout")
    expect_status(c, 3, "200", "13", "unknown unit")
    expect_status(c, 5, "200", "0", "valid timeout")


def rejected_request(what, http, **fields):
    def attack(server):
        c = RawConn(server.port)
        handshake(c)
        c.send(unary(1, **fields) + unary(3))
        log("sent: stream 1 UnaryCall with %s; stream 3 a normal UnaryCall" % what)
        c.pump(10, until=answered(c, 1, 3))
        expect_status(c, 1, http, "13", what)
        expect_status(c, 3, "200", "0", "normal call after it")
    return attack


ATTACKS = {
    "rapid_reset": (rapid_reset, ()),
    "continuation_flood": (continuation_flood, ()),
    "hpack_bomb": (hpack_bomb, ()),
    "ping_flood": (ping_flood, ()),
    "settings_flood": (settings_flood, ()),
    "empty_data_flood": (empty_data_flood, ()),
    "slowloris": (slowloris, ("--handshake_timeout_ms=%d" % SLOWLORIS_TIMEOUT_MS,
                              "--max_connections=%d" % SLOWLORIS_LIMIT)),
    "slow_reader": (slow_reader, ("--write_stall_timeout_ms=%d" % STALL_MS,)),
    "length_2gib": (length_2gib, ()),
    "gzip_bomb": (gzip_bomb, ()),
    "bad_base64": (bad_base64, ()),
    "bad_timeout": (bad_timeout, ()),
    "wrong_content_type": (rejected_request("content-type text/html", "415",
                                            content_type="text/html"), ()),
    "missing_te": (rejected_request("no te header", "400", te=None), ()),
    "wrong_method": (rejected_request(":method GET", "405", method="GET"), ()),
    "handshake_flood": (handshake_flood, ("--tls_handshake_timeout_ms=%d" % TLS_TIMEOUT_MS,
                                          "--max_concurrent_tls_handshakes=%d" %
                                          TLS_HANDSHAKE_CAP)),
    "garbage_flood": (garbage_flood, ()),
}
TLS_ONLY = ("handshake_flood", "garbage_flood")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", required=True)
    ap.add_argument("--attack", required=True, choices=sorted(ATTACKS))
    ap.add_argument("--sanitized", action="store_true")
    ap.add_argument("--tls", metavar="CERT_DIR",
                    help="attack a TLS port (certificates from tests/tls/make_certs.sh)")
    args = ap.parse_args()
    attack, flags = ATTACKS[args.attack]
    if args.attack in TLS_ONLY and not args.tls:
        ap.error("--attack %s needs --tls" % args.attack)
    if args.tls:
        attacklib.TLS_CA = os.path.join(args.tls, "ca.pem")
        flags = tuple(flags) + ("--tls_cert_file=" + os.path.join(args.tls, "server.pem"),
                                "--tls_key_file=" + os.path.join(args.tls, "server.key"))
    # The timed attacks take seconds by themselves: one round is enough.
    seconds = 0 if args.attack in ("slowloris", "slow_reader") else 1.0
    return run(args.attack, attack, args.server, args.sanitized, flags, seconds)


if __name__ == "__main__":
    sys.exit(main())

"""attacklib.py — what every attack test needs: the server under attack, a
well-behaved client on its own connection, raw HTTP/2 connections for the
attacker, and the verdict.

The attacker speaks HTTP/2 frame by frame (hyperframe for frames, a few lines
of HPACK by hand where the attack is in the encoding), because the point is
to send what a correct library never would. The well-behaved client is
grpcio (gRPC C-core), an independent implementation: it keeps calling
EmptyCall on its own connection before, during and after the attack, and the
attack fails if any of its calls fails.

Every test prints what it sent, what came back, the server's memory (VmRSS
before, VmHWM after, from /proc) and PASS or FAIL, and exits non-zero on
FAIL. Only 127.0.0.1 is ever used.
"""

import os
import select
import signal
import socket
import ssl
import struct
import subprocess
import sys
import threading
import time

import grpc
import hpack
from hyperframe.frame import (ContinuationFrame, DataFrame, Frame, GoAwayFrame, HeadersFrame,
                              PingFrame, RstStreamFrame, SettingsFrame, WindowUpdateFrame)

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
EMPTY_CALL = "/grpc.testing.TestService/EmptyCall"
UNARY_CALL = "/grpc.testing.TestService/UnaryCall"
STREAMING_INPUT = "/grpc.testing.TestService/StreamingInputCall"
STREAMING_OUTPUT = "/grpc.testing.TestService/StreamingOutputCall"

# HTTP/2 error codes the tests expect (RFC 9113 section 7).
NO_ERROR = 0
ENHANCE_YOUR_CALM = 11

MIB = 1024 * 1024


class Failure(Exception):
    """A check failed: the message says which and what came instead."""


def check(cond, what):
    if not cond:
        raise Failure(what)


_quiet = False


def log(*args):
    if not _quiet:
        print(*args, flush=True)


# ---- The server ---------------------------------------------------------------------


class Server:
    """The attack server in a child process, on a free loopback port."""

    def __init__(self, binary, flags=(), sanitized=False):
        env = dict(os.environ)
        if sanitized:
            # ASan keeps freed memory in quarantine (256 MiB by default), which
            # is not the server's footprint; a small one keeps RSS meaningful.
            extra = "quarantine_size_mb=16:malloc_context_size=5"
            env["ASAN_OPTIONS"] = (env.get("ASAN_OPTIONS", "") + ":" + extra).lstrip(":")
        self.proc = subprocess.Popen([binary] + list(flags), stdout=subprocess.PIPE, env=env)
        line = self.proc.stdout.readline().decode().split()
        if len(line) != 2 or line[0] != "port":
            self.proc.kill()
            raise Failure("the attack server did not start (printed %r)" % line)
        self.port = int(line[1])

    def alive(self):
        return self.proc.poll() is None

    def memory_kib(self):
        """(VmRSS, VmHWM) of the server in KiB."""
        rss = hwm = 0
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
                elif line.startswith("VmHWM:"):
                    hwm = int(line.split()[1])
        return rss, hwm

    def stop(self):
        """Graceful shutdown; returns the exit status (ASan reports leaks in it)."""
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return "hung on shutdown"


# ---- The well-behaved client -------------------------------------------------------


class NormalClient:
    """grpcio calling EmptyCall in a loop on its own connection."""

    def __init__(self, port):
        if TLS_CA:
            with open(TLS_CA, "rb") as f:
                creds = grpc.ssl_channel_credentials(root_certificates=f.read())
            self.channel = grpc.secure_channel("127.0.0.1:%d" % port, creds)
        else:
            self.channel = grpc.insecure_channel("127.0.0.1:%d" % port)
        self.call = self.channel.unary_unary(EMPTY_CALL, request_serializer=None,
                                             response_deserializer=None)
        self.lock = threading.Lock()
        self.ok = 0
        self.errors = []
        self.running = False
        self.thread = None

    def one(self):
        try:
            self.call(b"", timeout=10)
            with self.lock:
                self.ok += 1
            return True
        except grpc.RpcError as e:
            with self.lock:
                self.errors.append("%s: %s" % (e.code(), e.details()))
            return False

    def _loop(self):
        while self.running:
            self.one()
            time.sleep(0.02)

    def start(self):
        check(self.one(), "the normal client's first call failed: %s" % self.errors)
        self.running = True
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def stop(self):
        self.running = False
        if self.thread:
            self.thread.join()

    def counts(self):
        with self.lock:
            return self.ok, list(self.errors)

    def close(self):
        self.stop()
        self.channel.close()


# ---- Raw HTTP/2 ----------------------------------------------------------------------


def hpack_int(value, prefix_bits, first_byte_flags):
    """An HPACK integer (RFC 7541 5.1) with the flags of its first byte."""
    limit = (1 << prefix_bits) - 1
    if value < limit:
        return bytes([first_byte_flags | value])
    out = [first_byte_flags | limit]
    value -= limit
    while value >= 128:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def hpack_literal(name, value, indexed=False):
    """A literal field with a literal name, never Huffman-coded; `indexed`
    adds it to the decoder's dynamic table (RFC 7541 6.2.1)."""
    if isinstance(name, str):
        name = name.encode()
    if isinstance(value, str):
        value = value.encode()
    kind = b"\x40" if indexed else b"\x00"
    return kind + hpack_int(len(name), 7, 0) + name + hpack_int(len(value), 7, 0) + value


def header_block(fields):
    """Encodes (name, value) pairs as literals without indexing: the block is
    independent of any HPACK state."""
    return b"".join(hpack_literal(n, v) for n, v in fields)


def grpc_request_fields(path, method="POST", content_type="application/grpc", te="trailers",
                        extra=()):
    fields = [(":method", method), (":scheme", "http"), (":path", path),
              (":authority", "127.0.0.1")]
    if content_type is not None:
        fields.append(("content-type", content_type))
    if te is not None:
        fields.append(("te", te))
    return fields + list(extra)


def grpc_message(payload, compressed=False, declared_len=None):
    length = len(payload) if declared_len is None else declared_len
    return struct.pack(">BI", 1 if compressed else 0, length) + payload


def frame(f):
    return f.serialize()


# Over TLS (attacks.py --tls CERT_DIR): the CA file. Attackers then reach the
# server through a relay thread per connection (TlsPipe): it alone owns the
# SSL socket, so an attack may keep sending on one thread while it reads on
# another (one SSL object must not be used by two threads at once), and when
# the server stops reading and resets the connection, it still delivers
# what the server sent before (the GOAWAY) as a plaintext socket would.
TLS_CA = None


class TlsPipe:
    """A TLS connection to 127.0.0.1:port (ALPN h2) behind our end of a socketpair."""

    def __init__(self, port):
        ours, self.inner = socket.socketpair()
        ctx = ssl.create_default_context(cafile=TLS_CA)
        ctx.set_alpn_protocols(["h2"])
        raw = socket.create_connection(("127.0.0.1", port))
        self.tls = ctx.wrap_socket(raw, server_hostname="localhost")
        self.tls.setblocking(False)
        self.sock = ours
        self.thread = threading.Thread(target=self._relay, daemon=True)
        self.thread.start()

    def _relay(self):
        out = b""  # from the attacker, not yet taken by TLS
        writing = True
        try:
            while True:
                readers = [self.tls] + ([self.inner] if writing and len(out) < (1 << 20) else [])
                writers = [self.tls] if out and writing else []
                wait = 0 if self.tls.pending() else 1.0
                r, w, _ = select.select(readers, writers, [], wait)
                if self.tls in r or self.tls.pending():
                    try:
                        data = self.tls.recv(1 << 16)
                    except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                        data = None
                    except OSError:
                        data = b""
                    if data == b"":
                        return
                    if data:
                        self.inner.sendall(data)
                if self.inner in r:
                    data = self.inner.recv(1 << 16)
                    if not data:
                        return
                    out += data
                if self.tls in w:
                    try:
                        out = out[self.tls.send(out[:1 << 16]):]
                    except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                        pass
                    except OSError:
                        writing, out = False, b""  # keep reading what the server said
        except OSError:
            pass
        finally:
            self.inner.close()
            self.tls.close()

    def close(self):
        self.sock.close()
        self.thread.join(5)


class RawConn:
    """One attacker connection: frames out, frames in."""

    def __init__(self, port, handshake=True, settings=None, rcvbuf=None):
        self.pipe = None
        if TLS_CA:
            self.pipe = TlsPipe(port)
            self.sock = self.pipe.sock
        else:
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            if rcvbuf:
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
            self.sock.connect(("127.0.0.1", port))
        self.buf = b""
        self.eof = False
        self.received = []  # every frame, in order
        self.header_fragments = {}
        self.headers = {}  # stream id -> list of decoded header blocks (lists of pairs)
        self.data_bytes = 0
        self.bytes_in = 0
        self.decoder = hpack.Decoder()
        if handshake:
            s = SettingsFrame(0)
            for k, v in (settings or {}).items():
                s.settings[k] = v
            self.send(PREFACE + frame(s))

    def send(self, data):
        self.sock.sendall(data)

    def send_quietly(self, data):
        """Sends, ignoring a connection the server already closed."""
        try:
            self.sock.sendall(data)
            return True
        except (BrokenPipeError, ConnectionResetError):
            return False

    def _parse(self):
        while len(self.buf) >= 9:
            f, length = Frame.parse_frame_header(memoryview(self.buf[:9]))
            if len(self.buf) < 9 + length:
                return
            f.parse_body(memoryview(self.buf[9:9 + length]))
            self.buf = self.buf[9 + length:]
            self.received.append(f)
            if isinstance(f, DataFrame):
                self.data_bytes += len(f.data)
            if isinstance(f, (HeadersFrame, ContinuationFrame)):
                frag = self.header_fragments.get(f.stream_id, b"") + f.data
                if "END_HEADERS" in f.flags:
                    self.header_fragments.pop(f.stream_id, None)
                    fields = [(n if isinstance(n, str) else n.decode(),
                               v if isinstance(v, str) else v.decode())
                              for n, v in self.decoder.decode(frag)]
                    self.headers.setdefault(f.stream_id, []).append(fields)
                else:
                    self.header_fragments[f.stream_id] = frag

    def pump(self, timeout, until=None):
        """Reads frames until `until()` holds, EOF, or `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while not self.eof and not (until and until()):
            left = deadline - time.monotonic()
            if left <= 0:
                break
            r, _, _ = select.select([self.sock], [], [], left)
            if not r:
                continue
            try:
                chunk = self.sock.recv(1 << 16)
            except (ConnectionResetError, BrokenPipeError):
                chunk = b""
            if not chunk:
                self.eof = True
                break
            self.bytes_in += len(chunk)
            self.buf += chunk
            self._parse()
        return self

    def goaway(self):
        for f in self.received:
            if isinstance(f, GoAwayFrame):
                return f
        return None

    def frames_of(self, kind):
        return [f for f in self.received if isinstance(f, kind)]

    def rst_codes(self, stream_id):
        return [f.error_code for f in self.frames_of(RstStreamFrame) if f.stream_id == stream_id]

    def header(self, stream_id, name, block=0):
        blocks = self.headers.get(stream_id, [])
        if block >= len(blocks):
            return None
        for n, v in blocks[block]:
            if n == name:
                return v
        return None

    def close(self):
        if self.pipe:
            self.pipe.close()
        else:
            self.sock.close()


def describe_goaway(g):
    if g is None:
        return "no GOAWAY"
    return "GOAWAY(last_stream_id=%d, error_code=%d, debug=%r)" % (
        g.last_stream_id, g.error_code, bytes(g.additional_data))


def summarize(conn, limit=8):
    """A short list of what came back on an attacker connection."""
    names = {}
    for f in conn.received:
        names[type(f).__name__] = names.get(type(f).__name__, 0) + 1
    parts = ["%s x%d" % (k, v) for k, v in sorted(names.items())]
    return ", ".join(parts) + (", then EOF" if conn.eof else ", connection still open")


# ---- Running one attack ----------------------------------------------------------------


def sustain(attack, server, client, seconds):
    """Runs the attack, then again on fresh connections (silently, with the
    same checks) until it has lasted `seconds` and the normal client has
    completed a call meanwhile. Returns the number of rounds."""
    global _quiet
    ok0, _ = client.counts()
    start = time.monotonic()
    rounds = 0
    try:
        while True:
            attack(server)
            rounds += 1
            _quiet = True
            elapsed = time.monotonic() - start
            if elapsed >= 15 or (elapsed >= seconds and client.counts()[0] > ok0):
                break
    finally:
        _quiet = False
    log("attack: %d round(s) in %.1f s" % (rounds, time.monotonic() - start))
    return rounds


def run(name, attack, binary, sanitized, server_flags=(), seconds=1.0, rss_growth_mib=16):
    """Starts the server and the normal client, runs the attack for at least
    `seconds` (sustain), checks the normal client during and after, memory,
    and a clean shutdown. `attack(server)` raises Failure on a wrong answer."""
    bound = rss_growth_mib * (4 if sanitized else 1)
    log("== attack.%s" % name)
    server = Server(binary, server_flags, sanitized)
    client = NormalClient(server.port)
    verdict = "PASS"
    try:
        client.start()
        time.sleep(0.2)
        rss0, _ = server.memory_kib()
        ok0, _ = client.counts()
        sustain(attack, server, client, seconds)
        ok1, errors = client.counts()
        check(server.alive(), "the server died during the attack")
        rss1, hwm1 = server.memory_kib()
        client.stop()
        after = sum(1 for _ in range(20) if client.one())
        _, errors_after = client.counts()
        log("normal client: %d calls OK during the attack, %d/20 OK after; errors: %s" %
            (ok1 - ok0, after, errors_after or "none"))
        log("server memory: VmRSS before %d KiB, VmRSS after %d KiB, VmHWM %d KiB "
            "(growth %d KiB, bound %d MiB)" % (rss0, rss1, hwm1, hwm1 - rss0, bound))
        check(ok1 - ok0 >= 1, "the normal client completed no call during the attack")
        check(not errors_after and after == 20, "normal client calls failed: %s" % errors_after)
        check(hwm1 - rss0 < bound * 1024, "server memory grew by %d KiB (bound %d MiB)" %
              (hwm1 - rss0, bound))
    except Failure as e:
        verdict = "FAIL: %s" % e
    finally:
        client.close()
        status = server.stop()
        if verdict == "PASS" and status != 0:
            verdict = "FAIL: the server exited with status %s" % status
    log(verdict)
    return 0 if verdict == "PASS" else 1

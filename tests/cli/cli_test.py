#!/usr/bin/python3
"""End-to-end tests of the cgrpc command line tool (tools/cgrpc).

    cli_test.py --cgrpc PATH SUITE [suite options]

Suites (each one CTest test, cli.<suite>[.<peer>]):
  usage     every mistake gives a usage message and exit code 2 (or 1 for
            local failures), --help, schema listing and describing
  peer      all four call kinds, metadata, a deadline, an error status and
            its exit code, text format, against an interop server (cgrpc,
            grpcio or grpc-js) with a descriptor set; --tls / --mtls too
  details   google.rpc.Status details decoded (rich_errors_peer)
  health    `cgrpc health` over TCP and a unix socket against a grpcio health
            server, and the Kubernetes-style probe: NOT_SERVING on shutdown
            makes the probe fail within its timeout
  reflection  list, describe and call through server reflection

Every server listens on a free port (or a unix socket in a temporary
directory) and is stopped at the end.
"""

import argparse
import base64
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

ARGS = None
FAILED = []


def check(cond, what, detail=""):
    if cond:
        print("ok: " + what)
    else:
        print("FAIL: " + what + ("\n" + detail if detail else ""))
        FAILED.append(what)


def cgrpc(*args, stdin=None, timeout=30):
    start = time.monotonic()
    p = subprocess.run([ARGS.cgrpc] + list(args), input=stdin, capture_output=True, text=True,
                       timeout=timeout)
    return p.returncode, p.stdout, p.stderr, time.monotonic() - start


def show(rc, out, err):
    return "exit %d\nstdout:\n%s\nstderr:\n%s" % (rc, out, err)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit("the server exited early with %d" % proc.returncode)
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    sys.exit("the server did not listen on port %d" % port)


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def json_values(text):
    """The JSON values printed one after another."""
    decoder = json.JSONDecoder()
    values, i = [], 0
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i == len(text):
            return values
        value, i = decoder.raw_decode(text, i)
        values.append(value)


# ---- usage -------------------------------------------------------------------------------

def suite_usage():
    ps = ["--protoset", ARGS.protoset]
    method = "grpc.testing.TestService/UnaryCall"
    rc, out, err, _ = cgrpc()
    check(rc == 2 and "no command given" in err and "cgrpc --help" in err,
          "no arguments: usage error 2", show(rc, out, err))
    rc, out, err, _ = cgrpc("--help")
    check(rc == 0 and "cgrpc call ADDRESS METHOD" in out and "64+N" in out, "--help", out)
    rc, out, err, _ = cgrpc("call", "--help")
    check(rc == 0 and "--data" in out and "--cacert" in out and "--protoset" in out,
          "call --help lists its flags", out)
    rc, out, err, _ = cgrpc("health", "-h")
    check(rc == 0 and "SERVING" in out and "--rpc-timeout" in out, "health -h", out)
    rc, out, err, _ = cgrpc("--version")
    check(rc == 0 and out.startswith("cgrpc "), "--version", out)
    cases = [
        (["frobnicate"], "unknown command 'frobnicate'"),
        (["call", "--bogus", "a", "b"], "unknown flag --bogus"),
        (["call", "-x", "a", "b"], "unknown flag -x"),
        (["call", "a", "b", "-d"], "-d needs a value"),
        (["call", "a"], "call wants ADDRESS METHOD (got 1 argument)"),
        (["call", "a", "b", "c"], "call wants ADDRESS METHOD (got 3 arguments)"),
        (["call", "-H", "no-colon", "a", "b"], "-H wants 'key: value'"),
        (["call", "-H", "Grpc-Timeout: 1", "a", "b"], "not a valid header"),
        (["call", "-H", "x-bin: !!", "a", "b"], "wants its value in base64"),
        (["call", "--timeout", "soon", "a", "b"], "--timeout wants a duration"),
        (["call", "--format", "yaml", "a", "b"], "--format is json or text"),
        (["call", "--plaintext", "--tls", "a", "b"], "--plaintext cannot go with --tls"),
        (["call", "--cert", "c.pem", "a", "b"], "--cert and --key go together"),
        (["call", "--verbose=yes", "a", "b"], "--verbose takes no value"),
        (["list"], "list wants ADDRESS"),
        (["describe", "a", "b", "c"], "too many arguments"),
        (["list", "--protoset", "x.pb", "a", "b"], "takes at most one name"),
        (["health"], "health wants ADDRESS [SERVICE]"),
        (["health", "--protoset", "x.pb", "a"], "health needs no schema"),
    ]
    for argv, expected in cases:
        rc, out, err, _ = cgrpc(*argv)
        check(rc == 2 and expected in err and "--help' for" in err,
              "usage error: %s" % " ".join(argv), show(rc, out, err))
    # Local failures: exit 1, with what to fix.
    rc, out, err, _ = cgrpc("list", "--protoset", "/nonexistent.pb")
    check(rc == 1 and "cannot open /nonexistent.pb" in err, "a missing descriptor set",
          show(rc, out, err))
    rc, out, err, _ = cgrpc("list", "--protoset", ARGS.cgrpc)
    check(rc == 1 and "--protoset" in err and "protoc --include_imports" in err,
          "a file that is not a descriptor set", show(rc, out, err))
    rc, out, err, _ = cgrpc("call", *ps, "127.0.0.1:1", method, "-d", '{"responseSize": "x"}')
    check(rc == 1 and "request 1 is not a valid grpc.testing.SimpleRequest: responseSize:" in err,
          "bad JSON names the field (the JSON layer's path)", show(rc, out, err))
    rc, out, err, _ = cgrpc("call", *ps, "127.0.0.1:1", method, "-d", '{"payload": {"body": 1}}')
    check(rc == 1 and "payload.body" in err, "bad JSON in a nested field", show(rc, out, err))
    rc, out, err, _ = cgrpc("call", *ps, "127.0.0.1:1", method, "-d", '{"respo')
    check(rc == 1 and "not complete JSON" in err, "truncated JSON", show(rc, out, err))
    rc, out, err, _ = cgrpc("call", *ps, "127.0.0.1:1", method, "-d", '{} {}')
    check(rc == 1 and "takes one request" in err, "two requests for a unary method",
          show(rc, out, err))
    rc, out, err, _ = cgrpc("call", *ps, "127.0.0.1:1", "grpc.testing.TestService/Unary")
    check(rc == 1 and "has no method Unary; its methods: EmptyCall, UnaryCall" in err,
          "an unknown method lists the service's methods", show(rc, out, err))
    rc, out, err, _ = cgrpc("call", *ps, "127.0.0.1:1", "grpc.testing.TestServic/UnaryCall")
    check(rc == 1 and "unknown service grpc.testing.TestServic" in err and
          "grpc.testing.TestService" in err, "an unknown service lists the services",
          show(rc, out, err))
    rc, out, err, _ = cgrpc("call", *ps, "127.0.0.1:1", "UnaryCall")
    check(rc == 1 and "is not a method name" in err, "a method name without its service",
          show(rc, out, err))
    rc, out, err, _ = cgrpc("call", *ps, "127.0.0.1:1", method, "-d", "@/nonexistent.json")
    check(rc == 1 and "/nonexistent.json" in err, "a missing -d @file", show(rc, out, err))
    # An unreachable server: UNAVAILABLE, 64 + 14.
    rc, out, err, _ = cgrpc("call", *ps, "127.0.0.1:%d" % free_port(), method)
    check(rc == 78 and "ERROR: UNAVAILABLE" in err, "no server: exit 78 UNAVAILABLE",
          show(rc, out, err))
    # Schemas from a descriptor set.
    rc, out, err, _ = cgrpc("list", *ps)
    check(rc == 0 and "grpc.testing.TestService\n" in out, "list --protoset", show(rc, out, err))
    rc, out, err, _ = cgrpc("list", *ps, "grpc.testing.TestService")
    check(rc == 0 and "grpc.testing.TestService.FullDuplexCall\n" in out,
          "list --protoset SERVICE", show(rc, out, err))
    rc, out, err, _ = cgrpc("describe", *ps, "grpc.testing.TestService")
    check(rc == 0 and "service TestService {" in out and
          "rpc FullDuplexCall(stream grpc.testing.StreamingOutputCallRequest) returns "
          "(stream grpc.testing.StreamingOutputCallResponse);" in out,
          "describe a service", show(rc, out, err))
    rc, out, err, _ = cgrpc("describe", *ps, "grpc.testing.SimpleRequest")
    check(rc == 0 and "message SimpleRequest {" in out and "int32 response_size = 2;" in out,
          "describe a message", show(rc, out, err))
    rc, out, err, _ = cgrpc("describe", *ps, "grpc.testing.PayloadType")
    check(rc == 0 and "enum PayloadType {" in out and "COMPRESSABLE = 0;" in out,
          "describe an enum", show(rc, out, err))
    rc, out, err, _ = cgrpc("describe", *ps, "grpc.testing.TestService.UnaryCall")
    check(rc == 0 and "rpc UnaryCall(grpc.testing.SimpleRequest) returns "
          "(grpc.testing.SimpleResponse);" in out, "describe a method", show(rc, out, err))
    rc, out, err, _ = cgrpc("describe", *ps, "grpc.testing.Nothing")
    check(rc == 1 and "grpc.testing.Nothing not found" in err, "describe an unknown symbol",
          show(rc, out, err))


# ---- peer --------------------------------------------------------------------------------

def start_peer():
    port = free_port()
    cmd = ARGS.server.replace("{port}", str(port)).split()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wait_port(port, proc)
    return proc, port


def suite_peer():
    proc, port = start_peer()
    try:
        peer_cases("127.0.0.1:%d" % port)
    finally:
        stop(proc)


def tls_flags():
    certs = ARGS.certs
    flags = []
    if ARGS.tls:
        flags = ["--cacert", certs + "/ca.pem", "--servername", "foo.test.google.fr"]
    if ARGS.mtls:
        flags += ["--cert", certs + "/client.pem", "--key", certs + "/client.key"]
    return flags


def peer_cases(address):
    base = ["--protoset", ARGS.protoset] + tls_flags()
    svc = "grpc.testing.TestService/"

    def call(method, *more, stdin=None, timeout=30):
        return cgrpc("call", *base, address, svc + method, *more, stdin=stdin, timeout=timeout)

    rc, out, err, _ = call("UnaryCall", "-d", '{"responseSize": 3}')
    check(rc == 0 and json_values(out) == [{"payload": {"body": "AAAA"}}], "unary call",
          show(rc, out, err))
    rc, out, err, _ = call("EmptyCall")
    check(rc == 0 and json_values(out) == [{}], "unary call without -d sends {}",
          show(rc, out, err))
    rc, out, err, _ = call("StreamingOutputCall", "-d",
                           '{"responseParameters": [{"size": 1}, {"size": 2}, {"size": 0}]}')
    check(rc == 0 and json_values(out) == [{"payload": {"body": "AA=="}},
                                           {"payload": {"body": "AAA="}}, {"payload": {}}],
          "server streaming: each response", show(rc, out, err))
    rc, out, err, _ = call("StreamingInputCall", "-d", "@",
                           stdin='{"payload": {"body": "AAAA"}}\n{"payload": {"body": "AA=="}}\n')
    check(rc == 0 and json_values(out) == [{"aggregatedPayloadSize": 4}],
          "client streaming from stdin", show(rc, out, err))
    with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
        f.write('{"payload": {"body": "AAAA"}} {"payload": {}}')
        f.flush()
        rc, out, err, _ = call("StreamingInputCall", "-d", "@" + f.name)
        check(rc == 0 and json_values(out) == [{"aggregatedPayloadSize": 3}],
              "client streaming from -d @file", show(rc, out, err))
    rc, out, err, _ = call("StreamingInputCall")
    check(rc == 0 and json_values(out) == [{}], "client streaming with no requests",
          show(rc, out, err))
    bidi_interleaved(base, address)
    bidi_ends_with_stdin_open(base, address)
    rc, out, err, _ = cgrpc("list", *tls_flags(), address)
    check(rc == 0 and "grpc.testing.TestService\n" in out or
          rc == 76 and "the server has none; give the schema with --protoset" in err,
          "list by reflection: the services, or a hint when the server has no reflection",
          show(rc, out, err))
    rc, out, err, _ = call("UnaryCall", "-d", '{"responseSize": 2}', "--format", "text",
                           "--emit-defaults")
    check(rc == 0 and out == 'payload {\n  body: "\\000\\000"\n}\n', "text format",
          show(rc, out, err))
    rc, out, err, _ = call("StreamingOutputCall", "--format", "text", "-d",
                           '{"responseParameters": [{"size": 1}, {"size": 0}]}')
    check(rc == 0 and out == 'payload {\n  body: "\\000"\n}\n\npayload {\n}\n',
          "text format: a blank line between responses", show(rc, out, err))
    rc, out, err, _ = call("UnaryCall", "--emit-defaults", "-d", "{}")
    values = json_values(out) if rc == 0 else []
    check(len(values) == 1 and values[0].get("username") == "" and
          values[0].get("oauthScope") == "", "--emit-defaults prints empty fields",
          show(rc, out, err))
    # Metadata both ways, shown with -v.
    trailing = base64.b64encode(b"\x00\xff trailer").decode()
    rc, out, err, _ = call("UnaryCall", "-v", "-H", "x-grpc-test-echo-initial: hello there",
                           "-H", "x-grpc-test-echo-trailing-bin: " + trailing)
    check(rc == 0 and "Response headers:\n" in err and
          "x-grpc-test-echo-initial: hello there\n" in err and
          "Response trailers:\n" in err and
          "x-grpc-test-echo-trailing-bin: %s\n" % trailing in err,
          "metadata sent with -H and shown with -v", show(rc, out, err))
    # Status and exit code.
    rc, out, err, _ = call("UnaryCall", "-d",
                           '{"responseStatus": {"code": 9, "message": "not now"}}')
    check(rc == 64 + 9 and "ERROR: FAILED_PRECONDITION: not now" in err and out == "",
          "an error status: its name, message, exit 64+9", show(rc, out, err))
    rc, out, err, _ = call("UnimplementedCall")
    check(rc == 64 + 12 and "ERROR: UNIMPLEMENTED" in err, "unimplemented: exit 76",
          show(rc, out, err))
    # Long enough for a TLS handshake on a loaded machine, far from the 8 s wait.
    rc, out, err, took = call("StreamingOutputCall", "--timeout", "2s", "-d",
                              '{"responseParameters": [{"size": 1}, '
                              '{"size": 1, "intervalUs": 8000000}]}')
    check(rc == 64 + 4 and "ERROR: DEADLINE_EXCEEDED" in err and took < 6 and
          json_values(out) == [{"payload": {"body": "AA=="}}],
          "--timeout: DEADLINE_EXCEEDED (exit 68) after the first response", show(rc, out, err))


def bidi_ends_with_stdin_open(base, address):
    """The server ends a bidirectional call while stdin is still open: the
    tool reports the status and exits without waiting for more input."""
    p = subprocess.Popen([ARGS.cgrpc, "call", *base, address,
                          "grpc.testing.TestService/FullDuplexCall", "-d", "@"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    try:
        p.stdin.write('{"responseStatus": {"code": 10, "message": "stop"}}\n')
        p.stdin.flush()
        rc = p.wait(10)
        err = p.stderr.read()
        check(rc == 64 + 10 and "ERROR: ABORTED: stop" in err,
              "bidirectional: the server's status ends the call with stdin open", err)
    except subprocess.TimeoutExpired:
        check(False, "bidirectional: the server's status ends the call with stdin open",
              "still running after 10 s")
    finally:
        p.stdin.close()
        if p.poll() is None:
            p.kill()
            p.wait()


def bidi_interleaved(base, address):
    """Each response is printed as it arrives: the second request is only
    written after the first response was read."""
    p = subprocess.Popen([ARGS.cgrpc, "call", *base, address,
                          "grpc.testing.TestService/FullDuplexCall", "-d", "@"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    try:
        p.stdin.write('{"responseParameters": [{"size": 1}]}\n')
        p.stdin.flush()
        first = ""
        while True:
            line = p.stdout.readline()
            if not line:
                break
            first += line
            if line == "}\n":
                break
        ok_first = json_values(first) == [{"payload": {"body": "AA=="}}]
        p.stdin.write('{"responseParameters": [{"size": 2}]}')
        p.stdin.close()
        rest = p.stdout.read()
        rc = p.wait(30)
        err = p.stderr.read()
        check(ok_first and rc == 0 and json_values(rest) == [{"payload": {"body": "AAA="}}],
              "bidirectional: each response printed as it arrives", show(rc, first + rest, err))
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


# ---- details -----------------------------------------------------------------------------

def suite_details():
    server = subprocess.Popen([ARGS.server, "serve"], stdout=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline().split()
        port = line[1]
        rc, out, err, _ = cgrpc("call", "--protoset", ARGS.protoset, "127.0.0.1:" + port,
                                "test.Svc/Unary", "-d", '"1s"')
        check(rc == 64 + 3 and "ERROR: INVALID_ARGUMENT: sku is empty" in err,
              "the status: exit 67", show(rc, out, err))
        check("type.googleapis.com/google.rpc.ErrorInfo" in err and '"SKU_EMPTY"' in err and
              "type.googleapis.com/google.rpc.BadRequest" in err and
              '"must not be empty"' in err and "google.rpc.RetryInfo" in err,
              "the details, decoded as JSON", show(rc, out, err))
    finally:
        stop(server)


# ---- health ------------------------------------------------------------------------------

def suite_health():
    tmp = tempfile.mkdtemp()
    sock = os.path.join(tmp, "health.sock")
    server = subprocess.Popen([sys.executable, ARGS.server, "3", "127.0.0.1:0", "unix:" + sock],
                              stdout=subprocess.PIPE, text=True)
    try:
        port = int(server.stdout.readline().split()[1])
        address = "127.0.0.1:%d" % port
        rc, out, err, _ = cgrpc("health", address)
        check(rc == 0 and out == "SERVING\n", "SERVING: exit 0", show(rc, out, err))
        rc, out, err, _ = cgrpc("health", "unix:" + sock, "svc.ok")
        check(rc == 0 and out == "SERVING\n", "over a unix socket", show(rc, out, err))
        rc, out, err, _ = cgrpc("health", address, "svc.down")
        check(rc == 3 and out == "NOT_SERVING\n", "NOT_SERVING: exit 3", show(rc, out, err))
        rc, out, err, _ = cgrpc("health", address, "svc.nope")
        check(rc == 64 + 5 and "does not know the service" in err, "unknown service: exit 69",
              show(rc, out, err))
        # The probe: periodSeconds 1, timeoutSeconds 1. SIGTERM turns the
        # server NOT_SERVING while it keeps answering: the next probe fails.
        server.send_signal(signal.SIGTERM)
        check(server.stdout.readline().strip() == "draining", "the server drains on SIGTERM")
        t0 = time.monotonic()
        failed = None
        while time.monotonic() - t0 < 3:
            rc, out, err, took = cgrpc("health", "--connect-timeout", "1s", "--rpc-timeout", "1s",
                                       address)
            if rc != 0:
                failed = (rc, out, err, took)
                break
            time.sleep(0.2)
        check(failed is not None and failed[0] == 3 and failed[3] < 1.5,
              "after SIGTERM the probe fails (NOT_SERVING) within its timeout",
              show(*failed[:3]) if failed else "the probe kept succeeding")
        server.wait(10)
        rc, out, err, took = cgrpc("health", "--connect-timeout", "1s", address)
        check(rc == 64 + 14 and took < 2.5, "a server that is gone: UNAVAILABLE (78) in time",
              show(rc, out, err))
    finally:
        stop(server)


# ---- reflection and the probe, against a cgrpc server -------------------------------------

def suite_reflection():
    """The cgrpc interop server has health and reflection turned on."""
    proc, port = start_peer()
    address = "127.0.0.1:%d" % port
    try:
        rc, out, err, _ = cgrpc("list", address)
        check(rc == 0 and "grpc.testing.TestService\n" in out and
              "grpc.health.v1.Health\n" in out, "list by reflection", show(rc, out, err))
        rc, out, err, _ = cgrpc("list", address, "grpc.testing.TestService")
        check(rc == 0 and "grpc.testing.TestService.UnaryCall\n" in out,
              "list SERVICE by reflection", show(rc, out, err))
        rc, out, err, _ = cgrpc("describe", address, "grpc.testing.StreamingOutputCallRequest")
        check(rc == 0 and "repeated grpc.testing.ResponseParameters response_parameters = 2;" in out,
              "describe a message by reflection (imports fetched)", show(rc, out, err))
        rc, out, err, _ = cgrpc("call", address, "grpc.testing.TestService/UnaryCall", "-d",
                                '{"responseSize": 1}')
        check(rc == 0 and json_values(out) == [{"payload": {"body": "AA=="}}],
              "call through reflection", show(rc, out, err))
        rc, out, err, _ = cgrpc("call", address, "grpc.testing.TestService/FullDuplexCall",
                                "-d", '{"responseParameters": [{"size": 1}]} '
                                      '{"responseParameters": [{"size": 2}]}')
        check(rc == 0 and len(json_values(out)) == 2, "bidi through reflection",
              show(rc, out, err))
        rc, out, err, _ = cgrpc("call", address, "grpc.testing.NoService/Call")
        check(rc == 1 and "unknown service grpc.testing.NoService; the server has:" in err and
              "grpc.testing.TestService" in err, "an unknown service lists the server's",
              show(rc, out, err))
        rc, out, err, _ = cgrpc("describe", address, "grpc.testing.Nothing")
        check(rc == 1 and "not found on the server" in err, "describe an unknown symbol",
              show(rc, out, err))
        rc, out, err, _ = cgrpc("health", address)
        check(rc == 0 and out == "SERVING\n", "health of a cgrpc server", show(rc, out, err))
        rc, out, err, _ = cgrpc("health", address, "no.such.Service")
        check(rc == 64 + 5, "health of an unknown service: 69", show(rc, out, err))
        relay = subprocess.Popen([sys.executable, ARGS.relay, address], stdout=subprocess.PIPE,
                                 text=True)
        try:
            relay_port = relay.stdout.readline().split()[1]
            rc, out, err, _ = cgrpc("list", "127.0.0.1:" + relay_port)
            check(rc == 0 and "grpc.testing.TestService\n" in out,
                  "a server with only v1alpha reflection: the tool falls back",
                  show(rc, out, err))
            rc, out, err, _ = cgrpc("describe", "127.0.0.1:" + relay_port, "grpc.testing.Payload")
            check(rc == 0 and "message Payload {" in out, "describe over v1alpha",
                  show(rc, out, err))
        finally:
            stop(relay)
        rc, out, err, _ = cgrpc("list", "127.0.0.1:%d" % free_port())
        check(rc == 78 and "server reflection failed" in err and "UNAVAILABLE" in err,
              "reflection against no server: 78", show(rc, out, err))
        completion_cases(address)
        # The Kubernetes probe: graceful shutdown turns the server NOT_SERVING
        # and then stops it; the probe fails within its timeout either way.
        proc.send_signal(signal.SIGTERM)
        t0 = time.monotonic()
        rc, out, err, took = cgrpc("health", "--connect-timeout", "1s", "--rpc-timeout", "1s",
                                   address)
        check(rc in (3, 78) and took < 1.8,
              "a cgrpc server shutting down fails the probe within its timeout",
              show(rc, out, err) + "\ntook %.2f s" % took)
    finally:
        stop(proc)


def complete(*words):
    """What tools/cgrpc/completion.bash offers after `words` (the last is
    the word being completed)."""
    script = ('source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _cgrpc; '
              'printf "%s\\n" "${COMPREPLY[@]}"')
    p = subprocess.run(["bash", "-c", script, "bash", ARGS.completion, ARGS.cgrpc] + list(words),
                       capture_output=True, text=True, timeout=30)
    return sorted(line for line in p.stdout.splitlines() if line)


def completion_cases(address):
    if not ARGS.completion:
        return
    got = complete("")
    check(got == ["--help", "--version", "call", "describe", "health", "list"],
          "completion: subcommands", repr(got))
    got = complete("call", "--for")
    check(got == ["--format"], "completion: a call flag", repr(got))
    got = complete("call", "--format", "")
    check(got == ["json", "text"], "completion: --format values", repr(got))
    got = complete("call", address, "grpc.testing.T")
    check(got == ["grpc.testing.TestService/"], "completion: services by reflection", repr(got))
    got = complete("call", address, "grpc.testing.TestService/Un")
    check(got == ["grpc.testing.TestService/UnaryCall", "grpc.testing.TestService/UnimplementedCall"],
          "completion: methods by reflection", repr(got))
    got = complete("list", address, "grpc.h")
    check(got == ["grpc.health.v1.Health"], "completion: list SERVICE", repr(got))


# ---- text format against protoc --decode --------------------------------------------------

EVERYTHING = {
    "text": "quote \" back\\slash\nnewline\ttab \u00e9\u00fc \u2603",
    "data": "AAF/gP9hIg==",
    "real": 0.1, "small": 1.5, "big": "-9007199254740993", "ubig": "18446744073709551615",
    "neg": -5, "flag": True, "kind": "KIND_ONE", "inner": {"name": "x"},
    "inners": [{"name": "a"}, {}], "numbers": [1, -2, 3], "counts": {"a": 1},
    "word": "w", "maybe": 0,
    "any": {"@type": "type.googleapis.com/test.Everything.Inner", "name": "in any"},
    "f32": 7, "sf64": "-8",
}


def suite_text():
    tmp = tempfile.mkdtemp()
    saved = os.path.join(tmp, "request.bin")
    server = subprocess.Popen([sys.executable, ARGS.server, saved], stdout=subprocess.PIPE,
                              text=True)
    try:
        address = "127.0.0.1:" + server.stdout.readline().split()[1]
        base = ["call", "--protoset", ARGS.protoset, address, "test.Echo/Echo"]
        rc, out, err, _ = cgrpc(*base, "--format", "text", "-d", json.dumps(EVERYTHING))
        with open(saved, "rb") as f:
            ref = subprocess.run(["protoc", "--decode=test.Everything", "-I", ARGS.proto_dir,
                                  "-I", "/usr/include", "cli_test.proto"], stdin=f,
                                 capture_output=True, text=True)
        check(rc == 0 and ref.returncode == 0 and out == ref.stdout,
              "text format: every kind of field, as protoc --decode prints it",
              show(rc, out, err) + "\nprotoc --decode:\n" + ref.stdout + ref.stderr)
        rc, out, err, _ = cgrpc(*base, "-d", json.dumps(EVERYTHING))
        values = json_values(out) if rc == 0 else [None]
        check(values == [EVERYTHING], "JSON: every kind of field round trips",
              show(rc, out, err))
    finally:
        stop(server)


# ---- a cgrpc server on a unix socket --------------------------------------------------------

def suite_unix():
    """examples/product's server (health and reflection on) on a unix socket."""
    tmp = tempfile.mkdtemp()
    sock = os.path.join(tmp, "product.sock")
    server = subprocess.Popen([ARGS.server, "unix:" + sock], stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while not os.path.exists(sock) and time.monotonic() < deadline:
            time.sleep(0.05)
        address = "unix:" + sock
        rc, out, err, _ = cgrpc("list", address)
        check(rc == 0 and "shop.ProductService\n" in out, "list over a unix socket",
              show(rc, out, err))
        rc, out, err, _ = cgrpc("call", address, "shop.ProductService/GetProduct", "-d",
                                '{"id": "sku-1042"}')
        values = json_values(out) if rc == 0 else [{}]
        check(values[0].get("id") == "sku-1042" and values[0].get("stock") == 17,
              "call over a unix socket, schema by reflection", show(rc, out, err))
        rc, out, err, _ = cgrpc("health", address)
        check(rc == 0 and out == "SERVING\n", "health over a unix socket", show(rc, out, err))
        rc, out, err, _ = cgrpc("health", "unix:" + os.path.join(tmp, "none.sock"))
        check(rc == 64 + 14, "a unix socket no one listens on: 78", show(rc, out, err))
    finally:
        stop(server)


# ---- .proto files, parsed natively --------------------------------------------------------

def suite_proto():
    """--proto and -I against an interop server (no reflection needed)."""
    proto = ["--proto", "grpc/testing/test.proto", "-I", "/usr/share/grpc-proto"]
    rc, out, err, _ = cgrpc("list", *proto)
    check(rc == 0 and out.startswith("grpc.testing.TestService\n"), "list --proto",
          show(rc, out, err))
    rc, out, err, _ = cgrpc("describe", *proto, "grpc.testing.SimpleRequest")
    check(rc == 0 and "int32 response_size = 2;" in out, "describe --proto", show(rc, out, err))
    tmp = tempfile.mkdtemp()
    with open(os.path.join(tmp, "broken.proto"), "w") as f:
        f.write('syntax = "proto3";\npackage x;\nmessage M {\n  int32 a = ;\n}\n')
    rc, out, err, _ = cgrpc("list", "--proto", "broken.proto", "-I", tmp)
    check(rc == 1 and "broken.proto:4:" in err, "a syntax error: file:line:column",
          show(rc, out, err))
    rc, out, err, _ = cgrpc("list", "--proto", "missing.proto", "-I", tmp)
    check(rc == 1 and "missing.proto" in err, "a .proto file that is not there",
          show(rc, out, err))
    proc, port = start_peer()
    try:
        address = "127.0.0.1:%d" % port
        rc, out, err, _ = cgrpc("call", *proto, address, "grpc.testing.TestService/UnaryCall",
                                "-d", '{"responseSize": 2}')
        check(rc == 0 and json_values(out) == [{"payload": {"body": "AAA="}}],
              "call with the schema from .proto files", show(rc, out, err))
        rc, out, err, _ = cgrpc("call", *proto, address,
                                "grpc.testing.TestService/StreamingInputCall", "-d",
                                '{"payload": {"body": "AA=="}} {"payload": {"body": "AA=="}}')
        check(rc == 0 and json_values(out) == [{"aggregatedPayloadSize": 2}],
              "client streaming with the schema from .proto files", show(rc, out, err))
    finally:
        stop(proc)


SUITES = {"usage": suite_usage, "peer": suite_peer, "details": suite_details,
          "health": suite_health, "reflection": suite_reflection, "text": suite_text,
          "unix": suite_unix, "proto": suite_proto}


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--cgrpc", required=True)
    parser.add_argument("--protoset", default="")
    parser.add_argument("--server", default="", help="a server command; {port} is replaced")
    parser.add_argument("--proto-dir", default="", help="where cli_test.proto is")
    parser.add_argument("--completion", default="", help="tools/cgrpc/completion.bash")
    parser.add_argument("--relay", default="", help="v1alpha_relay.py")
    parser.add_argument("--certs", default=os.environ.get("CGRPC_TEST_CERTS", ""))
    parser.add_argument("--tls", action="store_true")
    parser.add_argument("--mtls", action="store_true")
    parser.add_argument("suite", choices=sorted(SUITES))
    ARGS = parser.parse_args()
    if ARGS.mtls:
        ARGS.tls = True
    SUITES[ARGS.suite]()
    if FAILED:
        sys.exit("%d check(s) failed: %s" % (len(FAILED), "; ".join(FAILED)))
    print("all passed")


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""grpc.testing interop client on grpcio (gRPC C-core).

A reference peer for the cgrpc interop matrix. Each --test_case runs the
procedure of grpc/grpc doc/interop-test-descriptions.md and asserts what it
says; the process exits 0 on pass and 1 with a one-line reason on failure.

Where grpcio's API cannot observe what a case asserts, the case says so and
checks it another way or as far as it can:
- The compressed flag of response messages is invisible to grpcio, so the
  server_compressed_* cases repeat their request through wire_observer (a
  hand-made HTTP/2 call) and check each message's flag there.
- grpcio compresses every message of a call or none, so the second message
  of client_compressed_streaming (expect_compressed=false) goes out
  compressed too; servers only verify expect_compressed=true, which is sent
  exactly as the spec asks.

Usage: interop_client.py --server_host=H --server_port=N --test_case=NAME
"""

import argparse
import os
import ssl
import queue
import sys

import grpc

import interop_pb
import wire_observer

empty_pb2, messages_pb2, test_pb2_grpc = interop_pb.load()

ECHO_INITIAL = ("x-grpc-test-echo-initial", "test_initial_metadata_value")
ECHO_TRAILING = ("x-grpc-test-echo-trailing-bin", b"\xab\xab\xab")
SPECIAL_MESSAGE = "\t\ntest with whitespace\r\nand Unicode BMP \u263a and non-BMP \U0001f608\t\n"
VERY_LARGE_BYTES = 10 * 1024 * 1024


class CaseFailed(Exception):
    pass


def expect(condition, message):
    if not condition:
        raise CaseFailed(message)


def expect_status(error, code, what):
    expect(isinstance(error, grpc.RpcError),
           "%s: expected status %s, got %r" % (what, code.name, error))
    expect(error.code() == code, "%s: expected status %s, got %s: %r" %
           (what, code.name, error.code().name, error.details()))


def expect_rpc_error(fn, code, what):
    """Runs fn, which must fail with status `code`; returns the error."""
    try:
        fn()
    except grpc.RpcError as error:
        expect_status(error, code, what)
        return error
    raise CaseFailed("%s: expected status %s, but the call succeeded" % (what, code.name))


def zero_payload(size):
    return messages_pb2.Payload(body=bytes(size))


def expect_zero_body(payload, size, what):
    expect(len(payload.body) == size, "%s: payload is %d bytes, expected %d" %
           (what, len(payload.body), size))
    expect(payload.body == bytes(size), "%s: payload of %d bytes is not all zero" % (what, size))


def large_request(**fields):
    return messages_pb2.SimpleRequest(response_size=314159, payload=zero_payload(271828), **fields)


def output_request(sizes, payload_size=0, **fields):
    params = [messages_pb2.ResponseParameters(size=s) for s in sizes]
    request = messages_pb2.StreamingOutputCallRequest(response_parameters=params, **fields)
    if payload_size:
        request.payload.CopyFrom(zero_payload(payload_size))
    return request


class RequestQueue:
    """A request iterator the test feeds one message at a time; None half-closes."""

    def __init__(self):
        self._queue = queue.Queue()

    def put(self, request):
        self._queue.put(request)

    def close(self):
        self._queue.put(None)

    def __iter__(self):
        return iter(self._queue.get, None)


class Client:

    def __init__(self, host, port, authority=None, credentials=None, tls=None):
        self.host = host
        self.port = port
        self.authority = authority
        self.tls = tls  # an ssl.SSLContext for wire_observer, over TLS
        options = [("grpc.default_authority", authority)] if authority else []
        target = "%s:%d" % (host, port)
        if credentials is None:
            self.channel = grpc.insecure_channel(target, options=options)
        else:
            if authority:
                options.append(("grpc.ssl_target_name_override", authority))
            self.channel = grpc.secure_channel(target, credentials, options=options)
        self.stub = test_pb2_grpc.TestServiceStub(self.channel)

    def empty_unary(self):
        response = self.stub.EmptyCall(empty_pb2.Empty())
        expect(isinstance(response, empty_pb2.Empty), "EmptyCall returned %r" % response)

    def large_unary(self):
        response = self.stub.UnaryCall(large_request())
        expect_zero_body(response.payload, 314159, "UnaryCall")

    def client_compressed_unary(self):
        expect_rpc_error(
            lambda: self.stub.UnaryCall(large_request(
                expect_compressed=messages_pb2.BoolValue(value=True))),
            grpc.StatusCode.INVALID_ARGUMENT, "uncompressed probe with expect_compressed=true")
        for compressed in (True, False):
            response = self.stub.UnaryCall(
                large_request(expect_compressed=messages_pb2.BoolValue(value=compressed)),
                compression=grpc.Compression.Gzip if compressed else grpc.Compression.NoCompression)
            expect_zero_body(response.payload, 314159, "UnaryCall compressed=%s" % compressed)

    def observe(self, method, request):
        return wire_observer.call(self.host, self.port, "/grpc.testing.TestService/" + method,
                                  request.SerializeToString(), tls=self.tls,
                                  server_name=self.authority)

    def server_compressed_unary(self):
        for compressed in (True, False):
            request = large_request(response_compressed=messages_pb2.BoolValue(value=compressed))
            response = self.stub.UnaryCall(request)
            what = "UnaryCall response_compressed=%s" % compressed
            expect_zero_body(response.payload, 314159, what)

            seen = self.observe("UnaryCall", request)
            expect(seen.status() == 0,
                   "observed UnaryCall ended with grpc-status %s" % seen.status())
            flags = [flag for flag, _ in seen.messages]
            expect(flags == [int(compressed)],
                   "response_compressed=%s: expected one message with flag %d, observed flags %s" %
                   (compressed, compressed, flags))
            body = messages_pb2.SimpleResponse.FromString(seen.messages[0][1])
            expect_zero_body(body.payload, 314159, "observed UnaryCall")

    def client_streaming(self):
        sizes = (27182, 8, 1828, 45904)
        requests = [messages_pb2.StreamingInputCallRequest(payload=zero_payload(s)) for s in sizes]
        response = self.stub.StreamingInputCall(iter(requests))
        expect(response.aggregated_payload_size == 74922,
               "aggregated_payload_size %d, expected 74922" % response.aggregated_payload_size)

    def client_compressed_streaming(self):
        probe = messages_pb2.StreamingInputCallRequest(
            payload=zero_payload(27182), expect_compressed=messages_pb2.BoolValue(value=True))
        expect_rpc_error(lambda: self.stub.StreamingInputCall(iter([probe])),
                         grpc.StatusCode.INVALID_ARGUMENT,
                         "uncompressed probe with expect_compressed=true")
        requests = [
            probe,
            messages_pb2.StreamingInputCallRequest(
                payload=zero_payload(45904), expect_compressed=messages_pb2.BoolValue(value=False)),
        ]
        response = self.stub.StreamingInputCall(iter(requests), compression=grpc.Compression.Gzip)
        expect(response.aggregated_payload_size == 73086,
               "aggregated_payload_size %d, expected 73086" % response.aggregated_payload_size)

    def server_streaming(self):
        sizes = [31415, 9, 2653, 58979]
        responses = list(self.stub.StreamingOutputCall(output_request(sizes)))
        got = [len(r.payload.body) for r in responses]
        expect(got == sizes, "response sizes %s, expected %s" % (got, sizes))
        for r in responses:
            expect_zero_body(r.payload, len(r.payload.body), "StreamingOutputCall response")

    def server_compressed_streaming(self):
        request = messages_pb2.StreamingOutputCallRequest(response_parameters=[
            messages_pb2.ResponseParameters(size=31415,
                                            compressed=messages_pb2.BoolValue(value=True)),
            messages_pb2.ResponseParameters(size=92653,
                                            compressed=messages_pb2.BoolValue(value=False)),
        ])
        got = [len(r.payload.body) for r in self.stub.StreamingOutputCall(request)]
        expect(got == [31415, 92653], "response sizes %s, expected [31415, 92653]" % got)

        seen = self.observe("StreamingOutputCall", request)
        expect(seen.status() == 0, "observed call ended with grpc-status %s" % seen.status())
        flags = [flag for flag, _ in seen.messages]
        expect(flags == [1, 0], "observed compressed flags %s, expected [1, 0]" % flags)
        sizes = [len(messages_pb2.StreamingOutputCallResponse.FromString(b).payload.body)
                 for _, b in seen.messages]
        expect(sizes == [31415, 92653], "observed sizes %s, expected [31415, 92653]" % sizes)

    def ping_pong(self):
        requests = RequestQueue()
        call = self.stub.FullDuplexCall(iter(requests))
        for request_size, response_size in ((27182, 31415), (8, 9), (1828, 2653), (45904, 58979)):
            requests.put(output_request([response_size], request_size))
            response = next(call, None)
            expect(response is not None, "stream ended before the %d-byte response" % response_size)
            expect_zero_body(response.payload, response_size, "FullDuplexCall response")
        requests.close()
        expect(next(call, None) is None, "the server sent a fifth response")
        expect(call.code() == grpc.StatusCode.OK, "call ended with %s" % call.code())

    def empty_stream(self):
        call = self.stub.FullDuplexCall(iter([]))
        responses = list(call)
        expect(responses == [], "expected zero responses, got %d" % len(responses))
        expect(call.code() == grpc.StatusCode.OK, "call ended with %s" % call.code())

    def custom_metadata(self):
        metadata = (ECHO_INITIAL, ECHO_TRAILING)

        def check(call, what):
            initial = tuple((m.key, m.value) for m in call.initial_metadata())
            trailing = tuple((m.key, m.value) for m in call.trailing_metadata())
            expect(ECHO_INITIAL in initial,
                   "%s: initial metadata %r lacks %r" % (what, initial, ECHO_INITIAL))
            expect(ECHO_TRAILING in trailing,
                   "%s: trailing metadata %r lacks %r" % (what, trailing, ECHO_TRAILING))

        response, call = self.stub.UnaryCall.with_call(large_request(), metadata=metadata)
        expect_zero_body(response.payload, 314159, "UnaryCall")
        check(call, "UnaryCall")

        call = self.stub.FullDuplexCall(iter([output_request([314159], 271828)]), metadata=metadata)
        responses = list(call)
        expect(len(responses) == 1, "FullDuplexCall: %d responses, expected 1" % len(responses))
        expect_zero_body(responses[0].payload, 314159, "FullDuplexCall response")
        check(call, "FullDuplexCall")

    def expect_status_echo(self, code, message):
        status = messages_pb2.EchoStatus(code=code, message=message)
        error = expect_rpc_error(
            lambda: self.stub.UnaryCall(messages_pb2.SimpleRequest(response_status=status)),
            grpc.StatusCode.UNKNOWN, "UnaryCall")
        expect(error.details() == message,
               "UnaryCall: message %r, expected %r" % (error.details(), message))
        return status

    def status_code_and_message(self):
        status = self.expect_status_echo(2, "test status message")
        call = self.stub.FullDuplexCall(
            iter([messages_pb2.StreamingOutputCallRequest(response_status=status)]))
        error = expect_rpc_error(lambda: list(call), grpc.StatusCode.UNKNOWN, "FullDuplexCall")
        expect(error.details() == status.message,
               "FullDuplexCall: message %r, expected %r" % (error.details(), status.message))

    def special_status_message(self):
        self.expect_status_echo(2, SPECIAL_MESSAGE)

    def unimplemented_method(self):
        expect_rpc_error(lambda: self.stub.UnimplementedCall(empty_pb2.Empty()),
                         grpc.StatusCode.UNIMPLEMENTED, "TestService/UnimplementedCall")

    def unimplemented_service(self):
        stub = test_pb2_grpc.UnimplementedServiceStub(self.channel)
        expect_rpc_error(lambda: stub.UnimplementedCall(empty_pb2.Empty()),
                         grpc.StatusCode.UNIMPLEMENTED, "UnimplementedService/UnimplementedCall")

    def cancel_after_begin(self):
        requests = RequestQueue()
        future = self.stub.StreamingInputCall.future(iter(requests))
        future.cancel()
        requests.close()
        expect(future.cancelled(), "the call did not end cancelled")
        expect(future.code() == grpc.StatusCode.CANCELLED, "call ended with %s" % future.code())

    def cancel_after_first_response(self):
        requests = RequestQueue()
        call = self.stub.FullDuplexCall(iter(requests))
        requests.put(output_request([31415], 27182))
        response = next(call, None)
        expect(response is not None, "stream ended before the first response")
        expect_zero_body(response.payload, 31415, "first response")
        call.cancel()
        requests.close()
        expect(call.code() == grpc.StatusCode.CANCELLED, "call ended with %s" % call.code())

    def timeout_on_sleeping_server(self):
        requests = RequestQueue()
        call = self.stub.FullDuplexCall(iter(requests), timeout=0.001)
        requests.put(output_request([], 27182))
        try:
            expect_rpc_error(lambda: next(call), grpc.StatusCode.DEADLINE_EXCEEDED,
                             "FullDuplexCall")
        finally:
            requests.close()

    def very_large_request(self):
        request = messages_pb2.SimpleRequest(response_size=10,
                                             payload=zero_payload(VERY_LARGE_BYTES))
        response = self.stub.UnaryCall(request)
        expect_zero_body(response.payload, 10, "UnaryCall")


TEST_CASES = (
    "empty_unary", "large_unary", "client_compressed_unary", "server_compressed_unary",
    "client_streaming", "client_compressed_streaming", "server_streaming",
    "server_compressed_streaming", "ping_pong", "empty_stream", "custom_metadata",
    "status_code_and_message", "special_status_message", "unimplemented_method",
    "unimplemented_service", "cancel_after_begin", "cancel_after_first_response",
    "timeout_on_sleeping_server", "very_large_request",
)


def parse_bool(text):
    if text.lower() in ("true", "1", "yes"):
        return True
    if text.lower() in ("false", "0", "no"):
        return False
    raise argparse.ArgumentTypeError("expected true or false, got %r" % text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--server_host", default="localhost")
    parser.add_argument("--server_host_override", default=None)
    parser.add_argument("--server_port", type=int, required=True)
    parser.add_argument("--test_case", required=True, choices=TEST_CASES)
    parser.add_argument("--use_tls", type=parse_bool, default=False)
    parser.add_argument("--use_test_ca", type=parse_bool, default=False)
    parser.add_argument("--tls_ca_file", default="")
    parser.add_argument("--tls_cert_file", default="")
    parser.add_argument("--tls_key_file", default="")
    args = parser.parse_args()

    credentials = None
    if args.use_tls:
        ca_file = args.tls_ca_file
        if not ca_file and args.use_test_ca:
            if "CGRPC_TEST_CERTS" not in os.environ:
                sys.exit("interop_client.py: --use_test_ca=true needs --tls_ca_file or "
                         "CGRPC_TEST_CERTS (tests/tls/make_certs.sh)")
            ca_file = os.path.join(os.environ["CGRPC_TEST_CERTS"], "ca.pem")
        read = lambda path: open(path, "rb").read() if path else None
        credentials = grpc.ssl_channel_credentials(
            root_certificates=read(ca_file), private_key=read(args.tls_key_file),
            certificate_chain=read(args.tls_cert_file))
        tls = ssl.create_default_context(cafile=ca_file or None)
        if args.tls_cert_file:
            tls.load_cert_chain(args.tls_cert_file, args.tls_key_file)

    client = Client(args.server_host, args.server_port, args.server_host_override, credentials,
                    tls if args.use_tls else None)
    try:
        getattr(client, args.test_case)()
    except CaseFailed as failure:
        print("%s: FAILED: %s" % (args.test_case, failure), file=sys.stderr)
        sys.exit(1)
    except grpc.RpcError as error:
        print("%s: FAILED: unexpected status %s: %r" %
              (args.test_case, error.code().name, error.details()), file=sys.stderr)
        sys.exit(1)
    except (OSError, ValueError) as error:
        print("%s: FAILED: %s" % (args.test_case, error), file=sys.stderr)
        sys.exit(1)
    finally:
        client.channel.close()
    print("%s: passed" % args.test_case)


if __name__ == "__main__":
    main()

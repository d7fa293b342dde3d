#!/usr/bin/python3
"""grpc.testing.TestService interop server on grpcio (gRPC C-core).

A reference peer for the cgrpc interop matrix: it behaves as the "Server"
section of grpc/grpc doc/interop-test-descriptions.md describes, so a cgrpc
client that passes against it talks to C-core correctly.

What grpcio cannot do is said, not faked: its server API hides both the
request's grpc-encoding header and each message's compressed flag (only
user-agent and custom metadata reach invocation_metadata()), so a request that
sets expect_compressed=true is answered UNIMPLEMENTED with that explanation
rather than accepted unchecked. UnimplementedCall and UnimplementedService are
deliberately absent; C-core answers them UNIMPLEMENTED.

Usage: interop_server.py --port=N [--use_tls=false]
       interop_server.py --port=N --use_tls=true --tls_cert_file=PEM --tls_key_file=PEM
                         [--tls_client_ca_file=PEM]   (then client certificates are required)
"""

import argparse
import os
import signal
import sys
import threading
import time
from concurrent import futures

import grpc

import interop_pb

empty_pb2, messages_pb2, test_pb2_grpc = interop_pb.load()

ECHO_INITIAL_KEY = "x-grpc-test-echo-initial"
ECHO_TRAILING_KEY = "x-grpc-test-echo-trailing-bin"
# very_large_request sends a 10 MiB payload; the 4 MiB default would refuse it.
MAX_RECEIVE_BYTES = 32 * 1024 * 1024
STATUS_BY_CODE = {code.value[0]: code for code in grpc.StatusCode}


def echo_metadata(context):
    """Echoes the test keys: the initial one at once, the trailing one at the end."""
    for key, value in context.invocation_metadata():
        if key == ECHO_INITIAL_KEY:
            context.send_initial_metadata(((key, value),))
        elif key == ECHO_TRAILING_KEY:
            context.set_trailing_metadata(((key, value),))


def abort_with(context, code, message):
    context.abort(STATUS_BY_CODE.get(code, grpc.StatusCode.UNKNOWN), message)


def check_request(request, context):
    """Applies the request fields every method shares: echo status and compression probe."""
    fields = request.DESCRIPTOR.fields_by_name
    if ("response_status" in fields and request.HasField("response_status")
            and request.response_status.code != 0):
        abort_with(context, request.response_status.code, request.response_status.message)
    if ("expect_compressed" in fields and request.HasField("expect_compressed")
            and request.expect_compressed.value):
        context.abort(
            grpc.StatusCode.UNIMPLEMENTED,
            "grpcio servers cannot observe whether a request was compressed; "
            "expect_compressed=true is not supported by this peer")


def zero_payload(size):
    return messages_pb2.Payload(type=messages_pb2.COMPRESSABLE, body=bytes(size))


def check_response_type(request, context):
    if request.response_type != messages_pb2.COMPRESSABLE:
        context.abort(grpc.StatusCode.INVALID_ARGUMENT,
                      "unsupported response_type %d" % request.response_type)


def stream_responses(params, context):
    """Yields one response per ResponseParameters, sleeping interval_us before each.

    The call was set to gzip before its initial metadata went out (grpcio
    fixes the call's algorithm there); a message not asking for
    compression has it switched off individually, so each flag is exact.
    """
    for p in params:
        if p.interval_us > 0:
            time.sleep(p.interval_us / 1e6)
        if not p.compressed.value:
            context.disable_next_message_compression()
        yield messages_pb2.StreamingOutputCallResponse(payload=zero_payload(p.size))


class TestService(test_pb2_grpc.TestServiceServicer):

    def EmptyCall(self, request, context):
        echo_metadata(context)
        return empty_pb2.Empty()

    def UnaryCall(self, request, context):
        compress = request.HasField("response_compressed") and request.response_compressed.value
        context.set_compression(
            grpc.Compression.Gzip if compress else grpc.Compression.NoCompression)
        echo_metadata(context)
        check_request(request, context)
        check_response_type(request, context)
        return messages_pb2.SimpleResponse(payload=zero_payload(request.response_size))

    def CacheableUnaryCall(self, request, context):
        echo_metadata(context)
        body = str(time.time_ns()).encode()
        return messages_pb2.SimpleResponse(
            payload=messages_pb2.Payload(type=messages_pb2.COMPRESSABLE, body=body))

    def StreamingOutputCall(self, request, context):
        context.set_compression(grpc.Compression.Gzip)
        echo_metadata(context)
        check_request(request, context)
        check_response_type(request, context)
        yield from stream_responses(request.response_parameters, context)

    def StreamingInputCall(self, request_iterator, context):
        echo_metadata(context)
        total = 0
        for request in request_iterator:
            check_request(request, context)
            total += len(request.payload.body)
        return messages_pb2.StreamingInputCallResponse(aggregated_payload_size=total)

    def FullDuplexCall(self, request_iterator, context):
        context.set_compression(grpc.Compression.Gzip)
        echo_metadata(context)
        for request in request_iterator:
            check_request(request, context)
            check_response_type(request, context)
            yield from stream_responses(request.response_parameters, context)

    def HalfDuplexCall(self, request_iterator, context):
        context.set_compression(grpc.Compression.Gzip)
        echo_metadata(context)
        requests = list(request_iterator)
        for request in requests:
            check_request(request, context)
            check_response_type(request, context)
        for request in requests:
            yield from stream_responses(request.response_parameters, context)


def parse_bool(text):
    if text.lower() in ("true", "1", "yes"):
        return True
    if text.lower() in ("false", "0", "no"):
        return False
    raise argparse.ArgumentTypeError("expected true or false, got %r" % text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--use_tls", type=parse_bool, default=False)
    parser.add_argument("--tls_cert_file", default="")
    parser.add_argument("--tls_key_file", default="")
    parser.add_argument("--tls_client_ca_file", default="")
    args = parser.parse_args()
    credentials = None
    if args.use_tls:
        certs = os.environ.get("CGRPC_TEST_CERTS", "")
        cert_file = args.tls_cert_file or (certs and os.path.join(certs, "server.pem"))
        key_file = args.tls_key_file or (certs and os.path.join(certs, "server.key"))
        if not cert_file or not key_file:
            sys.exit("interop_server.py: --use_tls=true needs --tls_cert_file and --tls_key_file")
        read = lambda path: open(path, "rb").read()
        ca = read(args.tls_client_ca_file) if args.tls_client_ca_file else None
        credentials = grpc.ssl_server_credentials(
            [(read(key_file), read(cert_file))], root_certificates=ca,
            require_client_auth=ca is not None)

    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=32),
        options=[("grpc.max_receive_message_length", MAX_RECEIVE_BYTES)])
    test_pb2_grpc.add_TestServiceServicer_to_server(TestService(), server)
    address = "[::]:%d" % args.port
    bound = (server.add_secure_port(address, credentials) if credentials
             else server.add_insecure_port(address))
    if bound == 0:
        sys.exit("interop_server.py: cannot listen on port %d" % args.port)
    server.start()
    print("grpcio interop server listening on port %d" % args.port, flush=True)

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    server.stop(grace=None)


if __name__ == "__main__":
    main()

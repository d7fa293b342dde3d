#!/usr/bin/env node
// grpc.testing interop client on @grpc/grpc-js.
//
// A reference peer for the cgrpc interop matrix. Each --test_case runs the
// procedure of grpc/grpc doc/interop-test-descriptions.md and asserts what it
// says; the process exits 0 on pass and 1 with a one-line reason on failure.
//
// Where grpc-js cannot observe what a case asserts, the case says so:
// grpc-js decompresses responses inside its compression filter and drops the
// grpc-encoding header, so the server_compressed_* cases check the sizes and
// contents of the responses but cannot check their compressed flags (the
// Python client and the cgrpc client do).
//
// Usage: interop_client.js --server_host=H --server_port=N --test_case=NAME
'use strict';

const grpc = require('@grpc/grpc-js');
const fs = require('fs');
const path = require('path');
const flags = require('./flags');
const testing = require('./interop_protos').load();

const ECHO_INITIAL = ['x-grpc-test-echo-initial', 'test_initial_metadata_value'];
const ECHO_TRAILING = ['x-grpc-test-echo-trailing-bin', Buffer.from([0xab, 0xab, 0xab])];
const SPECIAL_MESSAGE =
  '\t\ntest with whitespace\r\nand Unicode BMP \u263a and non-BMP \u{1f608}\t\n';
const VERY_LARGE_BYTES = 10 * 1024 * 1024;
// grpc-js's write flag for "send this message uncompressed" (WriteFlags.NoCompress,
// the same bit as C-core's GRPC_WRITE_NO_COMPRESS); grpc-js does not export it.
const WRITE_NO_COMPRESS = 2;
const GZIP = 2; // grpc.default_compression_algorithm value for gzip

class CaseFailed extends Error {}

function expect(condition, message) {
  if (!condition) throw new CaseFailed(message);
}

function statusName(code) {
  return Object.keys(grpc.status).find((k) => grpc.status[k] === code) || String(code);
}

function expectStatus(status, code, what) {
  expect(status.code === code, `${what}: expected status ${statusName(code)}, got ` +
         `${statusName(status.code)}: ${JSON.stringify(status.details)}`);
}

function expectOk(status, what) {
  expectStatus(status, grpc.status.OK, what);
}

function zeroPayload(size) {
  return { body: Buffer.alloc(size) };
}

function expectZeroBody(payload, size, what) {
  const body = payload && payload.body ? payload.body : Buffer.alloc(0);
  expect(body.length === size, `${what}: payload is ${body.length} bytes, expected ${size}`);
  expect(body.equals(Buffer.alloc(size)), `${what}: payload of ${size} bytes is not all zero`);
}

function largeRequest(fields) {
  return Object.assign({ response_size: 314159, payload: zeroPayload(271828) }, fields);
}

function outputRequest(sizes, payloadSize, fields) {
  const request = Object.assign({ response_parameters: sizes.map((size) => ({ size })) }, fields);
  if (payloadSize) request.payload = zeroPayload(payloadSize);
  return request;
}

// Follows one call: collects initial metadata, responses and the final
// status, and hands out responses one at a time for lockstep cases.
class Tracker {
  constructor(call, readable) {
    this.call = call;
    this.initial = null;
    this.responses = [];
    this.waiters = [];
    this.streamDone = !readable;
    this.status = null;
    this.done = new Promise((resolve) => { this.resolveDone = resolve; });
    call.on('metadata', (md) => { this.initial = md; });
    call.on('status', (status) => { this.status = status; this.maybeFinish(); });
    if (readable) {
      call.on('data', (response) => {
        const waiter = this.waiters.shift();
        if (waiter) waiter(response);
        else this.responses.push(response);
      });
      // The final status also arrives as 'status'; 'error' only ends the stream.
      call.on('error', () => { this.streamDone = true; this.maybeFinish(); });
      call.on('end', () => { this.streamDone = true; this.maybeFinish(); });
    }
  }

  maybeFinish() {
    if (!this.status || !this.streamDone) return;
    for (const waiter of this.waiters.splice(0)) waiter(null);
    this.resolveDone(this.status);
  }

  // The next response, or null once the call has ended without one.
  next() {
    if (this.responses.length > 0) return Promise.resolve(this.responses.shift());
    if (this.status && this.streamDone) return Promise.resolve(null);
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

class Client {
  constructor(target, options, credentials) {
    this.target = target;
    this.options = options;
    this.credentials = credentials || grpc.credentials.createInsecure();
    this.stub = new testing.TestService(target, this.credentials, options);
  }

  // A second channel that compresses every message with gzip unless told not to.
  compressingStub() {
    const options = Object.assign({ 'grpc.default_compression_algorithm': GZIP }, this.options);
    return new testing.TestService(this.target, this.credentials, options);
  }

  unary(method, request, { stub = this.stub, metadata = new grpc.Metadata(), options = {} } = {}) {
    let response = null;
    const call = stub[method](request, metadata, options, (error, value) => { response = value; });
    const tracker = new Tracker(call, false);
    return tracker.done.then((status) => ({ response, status, initial: tracker.initial }));
  }

  // Starts a client-streaming call; resolves like unary() once it ends.
  clientStreaming(method, { stub = this.stub, metadata = new grpc.Metadata() } = {}) {
    let response = null;
    const call = stub[method](metadata, (error, value) => { response = value; });
    const tracker = new Tracker(call, false);
    return { call, result: tracker.done.then((status) => ({ response, status })) };
  }

  bidi(method, { metadata = new grpc.Metadata(), options = {} } = {}) {
    const call = this.stub[method](metadata, options);
    return new Tracker(call, true);
  }

  async empty_unary() {
    const { response, status } = await this.unary('EmptyCall', {});
    expectOk(status, 'EmptyCall');
    expect(response !== null && typeof response === 'object', `EmptyCall returned ${response}`);
  }

  async large_unary() {
    const { response, status } = await this.unary('UnaryCall', largeRequest());
    expectOk(status, 'UnaryCall');
    expectZeroBody(response.payload, 314159, 'UnaryCall');
  }

  async client_compressed_unary() {
    const expectCompressed = (value) => largeRequest({ expect_compressed: { value } });
    const probe = await this.unary('UnaryCall', expectCompressed(true));
    expectStatus(probe.status, grpc.status.INVALID_ARGUMENT,
                 'uncompressed probe with expect_compressed=true');
    const compressed = await this.unary('UnaryCall', expectCompressed(true),
                                        { stub: this.compressingStub() });
    expectOk(compressed.status, 'compressed UnaryCall');
    expectZeroBody(compressed.response.payload, 314159, 'compressed UnaryCall');
    const plain = await this.unary('UnaryCall', expectCompressed(false));
    expectOk(plain.status, 'uncompressed UnaryCall');
    expectZeroBody(plain.response.payload, 314159, 'uncompressed UnaryCall');
  }

  async server_compressed_unary() {
    for (const compressed of [true, false]) {
      const what = `UnaryCall response_compressed=${compressed}`;
      const { response, status } = await this.unary(
        'UnaryCall', largeRequest({ response_compressed: { value: compressed } }));
      expectOk(status, what);
      expectZeroBody(response.payload, 314159, what);
    }
  }

  async client_streaming() {
    const { call, result } = this.clientStreaming('StreamingInputCall');
    for (const size of [27182, 8, 1828, 45904]) call.write({ payload: zeroPayload(size) });
    call.end();
    const { response, status } = await result;
    expectOk(status, 'StreamingInputCall');
    expect(response.aggregated_payload_size === 74922,
           `aggregated_payload_size ${response.aggregated_payload_size}, expected 74922`);
  }

  async client_compressed_streaming() {
    const probe = this.clientStreaming('StreamingInputCall');
    probe.call.write({ payload: zeroPayload(27182), expect_compressed: { value: true } });
    probe.call.end();
    expectStatus((await probe.result).status, grpc.status.INVALID_ARGUMENT,
                 'uncompressed probe with expect_compressed=true');

    const { call, result } = this.clientStreaming('StreamingInputCall',
                                                  { stub: this.compressingStub() });
    call.write({ payload: zeroPayload(27182), expect_compressed: { value: true } });
    call.write({ payload: zeroPayload(45904), expect_compressed: { value: false } },
               WRITE_NO_COMPRESS);
    call.end();
    const { response, status } = await result;
    expectOk(status, 'StreamingInputCall');
    expect(response.aggregated_payload_size === 73086,
           `aggregated_payload_size ${response.aggregated_payload_size}, expected 73086`);
  }

  async expectStreamSizes(request, sizes) {
    const tracker = new Tracker(this.stub.StreamingOutputCall(request), true);
    const status = await tracker.done;
    expectOk(status, 'StreamingOutputCall');
    const bodyLength = (r) => (r.payload && r.payload.body ? r.payload.body.length : 0);
    const got = tracker.responses.map(bodyLength);
    expect(JSON.stringify(got) === JSON.stringify(sizes),
           `response sizes ${got}, expected ${sizes}`);
    tracker.responses.forEach((r, i) => expectZeroBody(r.payload, sizes[i], `response ${i}`));
  }

  async server_streaming() {
    await this.expectStreamSizes(outputRequest([31415, 9, 2653, 58979]), [31415, 9, 2653, 58979]);
  }

  async server_compressed_streaming() {
    await this.expectStreamSizes({
      response_parameters: [
        { size: 31415, compressed: { value: true } },
        { size: 92653, compressed: { value: false } },
      ],
    }, [31415, 92653]);
  }

  async ping_pong() {
    const tracker = this.bidi('FullDuplexCall');
    const steps = [[27182, 31415], [8, 9], [1828, 2653], [45904, 58979]];
    for (const [requestSize, responseSize] of steps) {
      tracker.call.write(outputRequest([responseSize], requestSize));
      const response = await tracker.next();
      expect(response !== null, `stream ended before the ${responseSize}-byte response: ` +
             `${tracker.status && statusName(tracker.status.code)}`);
      expectZeroBody(response.payload, responseSize, 'FullDuplexCall response');
    }
    tracker.call.end();
    expect((await tracker.next()) === null, 'the server sent a fifth response');
    expectOk(await tracker.done, 'FullDuplexCall');
  }

  async empty_stream() {
    const tracker = this.bidi('FullDuplexCall');
    tracker.call.end();
    const status = await tracker.done;
    expectOk(status, 'FullDuplexCall');
    expect(tracker.responses.length === 0,
           `expected zero responses, got ${tracker.responses.length}`);
  }

  async custom_metadata() {
    const metadata = () => {
      const md = new grpc.Metadata();
      md.set(...ECHO_INITIAL);
      md.set(...ECHO_TRAILING);
      return md;
    };
    const check = (initial, trailing, what) => {
      const got = initial ? initial.get(ECHO_INITIAL[0]) : [];
      expect(got.length === 1 && got[0] === ECHO_INITIAL[1],
             `${what}: initial metadata ${ECHO_INITIAL[0]} is ${JSON.stringify(got)}`);
      const bin = trailing ? trailing.get(ECHO_TRAILING[0]) : [];
      expect(bin.length === 1 && Buffer.isBuffer(bin[0]) && bin[0].equals(ECHO_TRAILING[1]),
             `${what}: trailing metadata ${ECHO_TRAILING[0]} is ${JSON.stringify(bin)}`);
    };

    const unary = await this.unary('UnaryCall', largeRequest(), { metadata: metadata() });
    expectOk(unary.status, 'UnaryCall');
    expectZeroBody(unary.response.payload, 314159, 'UnaryCall');
    check(unary.initial, unary.status.metadata, 'UnaryCall');

    const tracker = this.bidi('FullDuplexCall', { metadata: metadata() });
    tracker.call.write(outputRequest([314159], 271828));
    tracker.call.end();
    const status = await tracker.done;
    expectOk(status, 'FullDuplexCall');
    expect(tracker.responses.length === 1, `FullDuplexCall: ${tracker.responses.length} responses`);
    expectZeroBody(tracker.responses[0].payload, 314159, 'FullDuplexCall response');
    check(tracker.initial, status.metadata, 'FullDuplexCall');
  }

  async expectStatusEcho(message) {
    const responseStatus = { code: 2, message };
    const { status } = await this.unary('UnaryCall', { response_status: responseStatus });
    expectStatus(status, grpc.status.UNKNOWN, 'UnaryCall');
    expect(status.details === message,
           `UnaryCall: message ${JSON.stringify(status.details)}, ` +
           `expected ${JSON.stringify(message)}`);
    return responseStatus;
  }

  async status_code_and_message() {
    const responseStatus = await this.expectStatusEcho('test status message');
    const tracker = this.bidi('FullDuplexCall');
    tracker.call.write({ response_status: responseStatus });
    tracker.call.end();
    const status = await tracker.done;
    expectStatus(status, grpc.status.UNKNOWN, 'FullDuplexCall');
    expect(status.details === responseStatus.message,
           `FullDuplexCall: message ${JSON.stringify(status.details)}`);
  }

  async special_status_message() {
    await this.expectStatusEcho(SPECIAL_MESSAGE);
  }

  async unimplemented_method() {
    const { status } = await this.unary('UnimplementedCall', {});
    expectStatus(status, grpc.status.UNIMPLEMENTED, 'TestService/UnimplementedCall');
  }

  async unimplemented_service() {
    const stub = new testing.UnimplementedService(this.target, this.credentials, this.options);
    const { status } = await this.unary('UnimplementedCall', {}, { stub });
    expectStatus(status, grpc.status.UNIMPLEMENTED, 'UnimplementedService/UnimplementedCall');
  }

  async cancel_after_begin() {
    const { call, result } = this.clientStreaming('StreamingInputCall');
    call.cancel();
    expectStatus((await result).status, grpc.status.CANCELLED, 'StreamingInputCall');
  }

  async cancel_after_first_response() {
    const tracker = this.bidi('FullDuplexCall');
    tracker.call.write(outputRequest([31415], 27182));
    const response = await tracker.next();
    expect(response !== null, 'stream ended before the first response');
    expectZeroBody(response.payload, 31415, 'first response');
    tracker.call.cancel();
    expectStatus(await tracker.done, grpc.status.CANCELLED, 'FullDuplexCall');
  }

  async timeout_on_sleeping_server() {
    const tracker = this.bidi('FullDuplexCall', { options: { deadline: Date.now() + 1 } });
    tracker.call.write(outputRequest([], 27182));
    expectStatus(await tracker.done, grpc.status.DEADLINE_EXCEEDED, 'FullDuplexCall');
  }

  async very_large_request() {
    const { response, status } = await this.unary(
      'UnaryCall', { response_size: 10, payload: zeroPayload(VERY_LARGE_BYTES) });
    expectOk(status, 'UnaryCall');
    expectZeroBody(response.payload, 10, 'UnaryCall');
  }
}

const TEST_CASES = [
  'empty_unary', 'large_unary', 'client_compressed_unary', 'server_compressed_unary',
  'client_streaming', 'client_compressed_streaming', 'server_streaming',
  'server_compressed_streaming', 'ping_pong', 'empty_stream', 'custom_metadata',
  'status_code_and_message', 'special_status_message', 'unimplemented_method',
  'unimplemented_service', 'cancel_after_begin', 'cancel_after_first_response',
  'timeout_on_sleeping_server', 'very_large_request',
];

async function main() {
  const args = flags.parse(process.argv.slice(2), {
    server_host: 'localhost', server_host_override: '', server_port: null, test_case: null,
    use_tls: 'false', use_test_ca: 'false', tls_ca_file: '', tls_cert_file: '', tls_key_file: '',
  });
  if (!TEST_CASES.includes(args.test_case)) flags.die(`unknown --test_case ${args.test_case}`);
  const port = flags.integer(args, 'server_port');
  const options = args.server_host_override
    ? { 'grpc.default_authority': args.server_host_override } : {};
  let credentials = null;
  if (flags.bool(args, 'use_tls')) {
    // --use_test_ca=true: the CA tests/tls/make_certs.sh made, in $CGRPC_TEST_CERTS.
    let caFile = args.tls_ca_file;
    if (!caFile && flags.bool(args, 'use_test_ca')) {
      if (!process.env.CGRPC_TEST_CERTS) {
        flags.die('--use_test_ca=true needs --tls_ca_file or CGRPC_TEST_CERTS');
      }
      caFile = path.join(process.env.CGRPC_TEST_CERTS, 'ca.pem');
    }
    const read = (file) => (file ? fs.readFileSync(file) : null);
    credentials = grpc.credentials.createSsl(read(caFile), read(args.tls_key_file),
                                             read(args.tls_cert_file));
    if (args.server_host_override) {
      options['grpc.ssl_target_name_override'] = args.server_host_override;
    }
  }
  const client = new Client(`${args.server_host}:${port}`, options, credentials);
  try {
    await client[args.test_case]();
  } catch (error) {
    const reason = error instanceof CaseFailed ? error.message : error.stack;
    console.error(`${args.test_case}: FAILED: ${reason}`);
    process.exit(1);
  }
  console.log(`${args.test_case}: passed`);
  process.exit(0);
}

main();

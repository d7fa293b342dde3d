#!/usr/bin/env node
// grpc.testing.TestService interop server on @grpc/grpc-js.
//
// A reference peer for the cgrpc interop matrix: it behaves as the "Server"
// section of grpc/grpc doc/interop-test-descriptions.md describes, so a cgrpc
// client that passes against it talks to grpc-js correctly.
//
// What grpc-js cannot do is said, not faked: its server never compresses a
// response (server-interceptors.js writes every message flag as 0), so a
// request asking for response_compressed=true, or a streaming parameter with
// compressed=true, is answered UNIMPLEMENTED with that explanation. Request
// compression is observed per message through request_compression.js.
// UnimplementedCall and UnimplementedService are deliberately absent; grpc-js
// answers them UNIMPLEMENTED.
//
// Usage: interop_server.js --port=N [--use_tls=false]
//        interop_server.js --port=N --use_tls=true --tls_cert_file=PEM --tls_key_file=PEM
//                          [--tls_client_ca_file=PEM]  (then client certificates are required)
'use strict';

const grpc = require('@grpc/grpc-js');
const fs = require('fs');
const path = require('path');
const flags = require('./flags');
const { observeService, wasCompressed } = require('./request_compression');
const testing = require('./interop_protos').load();

const ECHO_INITIAL_KEY = 'x-grpc-test-echo-initial';
const ECHO_TRAILING_KEY = 'x-grpc-test-echo-trailing-bin';
// very_large_request sends a 10 MiB payload; the 4 MiB default would refuse it.
const MAX_RECEIVE_BYTES = 32 * 1024 * 1024;
const COMPRESSABLE = 0;

const NO_RESPONSE_COMPRESSION =
  'grpc-js servers cannot compress responses; compressed responses are not supported by this peer';

// A failed check: the status the call ends with.
class CallStatus extends Error {
  constructor(code, details) {
    super(details);
    this.code = code;
    this.details = details;
  }
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// Echoes x-grpc-test-echo-initial now; returns the trailing metadata to end with.
function echoMetadata(call) {
  const initial = call.metadata.get(ECHO_INITIAL_KEY);
  if (initial.length > 0) {
    const md = new grpc.Metadata();
    md.set(ECHO_INITIAL_KEY, initial[0]);
    call.sendMetadata(md);
  }
  const trailer = new grpc.Metadata();
  const trailing = call.metadata.get(ECHO_TRAILING_KEY);
  if (trailing.length > 0) trailer.set(ECHO_TRAILING_KEY, trailing[0]);
  return trailer;
}

// The checks every method shares: echo status, response type, compression.
function checkRequest(request) {
  const status = request.response_status;
  if (status && status.code) throw new CallStatus(status.code, status.message || '');
  if ((request.response_type || COMPRESSABLE) !== COMPRESSABLE) {
    throw new CallStatus(grpc.status.INVALID_ARGUMENT,
                         `unsupported response_type ${request.response_type}`);
  }
  if (request.expect_compressed && request.expect_compressed.value && !wasCompressed(request)) {
    throw new CallStatus(grpc.status.INVALID_ARGUMENT,
                         'expect_compressed is true but the request arrived uncompressed');
  }
  if (request.response_compressed && request.response_compressed.value) {
    throw new CallStatus(grpc.status.UNIMPLEMENTED, NO_RESPONSE_COMPRESSION);
  }
  for (const p of request.response_parameters || []) {
    if (p.compressed && p.compressed.value) {
      throw new CallStatus(grpc.status.UNIMPLEMENTED, NO_RESPONSE_COMPRESSION);
    }
  }
}

function zeroPayload(size) {
  return { type: COMPRESSABLE, body: Buffer.alloc(size || 0) };
}

// Writes one response per ResponseParameters, sleeping interval_us before
// each and waiting for the stream to drain so large replies respect flow
// control.
async function streamResponses(call, params) {
  for (const p of params) {
    if (p.interval_us) await sleep(p.interval_us / 1000);
    if (call.cancelled) return;
    if (!call.write({ payload: zeroPayload(p.size) })) {
      await new Promise((resolve) => call.once('drain', resolve));
    }
  }
}

function statusOf(error, trailer) {
  if (error instanceof CallStatus) {
    return { code: error.code, details: error.details, metadata: trailer };
  }
  return { code: grpc.status.INTERNAL, details: String(error && error.stack), metadata: trailer };
}

// Runs a unary-response handler body; `produce` returns the response.
function unary(produce) {
  return (call, callback) => {
    const trailer = echoMetadata(call);
    try {
      callback(null, produce(call.request), trailer);
    } catch (error) {
      callback(statusOf(error, trailer));
    }
  };
}

// Runs a streaming-response handler body; `run` writes the responses.
function streaming(run) {
  return (call) => {
    const trailer = echoMetadata(call);
    run(call).then(
      () => call.end(trailer),
      (error) => call.emit('error', statusOf(error, trailer)));
  };
}

// Resolves with every request once the client half-closes.
function readAll(call) {
  return new Promise((resolve, reject) => {
    const requests = [];
    call.on('data', (r) => requests.push(r));
    call.on('end', () => resolve(requests));
    call.on('error', reject);
  });
}

const service = {
  EmptyCall: unary(() => ({})),

  UnaryCall: unary((request) => {
    checkRequest(request);
    return { payload: zeroPayload(request.response_size) };
  }),

  CacheableUnaryCall: unary(() => ({
    payload: { type: COMPRESSABLE, body: Buffer.from(String(process.hrtime.bigint())) },
  })),

  StreamingOutputCall: streaming(async (call) => {
    checkRequest(call.request);
    await streamResponses(call, call.request.response_parameters);
  }),

  StreamingInputCall: (call, callback) => {
    const trailer = echoMetadata(call);
    let total = 0;
    let failed = false;
    call.on('data', (request) => {
      if (failed) return;
      try {
        checkRequest(request);
        total += request.payload && request.payload.body ? request.payload.body.length : 0;
      } catch (error) {
        failed = true;
        callback(statusOf(error, trailer));
      }
    });
    call.on('end', () => {
      if (!failed) callback(null, { aggregated_payload_size: total }, trailer);
    });
  },

  // Replies to each request as it arrives, in order, then ends after half-close.
  FullDuplexCall: streaming((call) => new Promise((resolve, reject) => {
    let queue = Promise.resolve();
    let failed = false;
    call.on('data', (request) => {
      queue = queue.then(async () => {
        if (failed) return;
        checkRequest(request);
        await streamResponses(call, request.response_parameters);
      }).catch((error) => {
        failed = true;
        reject(error);
      });
    });
    call.on('end', () => queue.then(resolve));
  })),

  HalfDuplexCall: streaming(async (call) => {
    const requests = await readAll(call);
    requests.forEach(checkRequest);
    for (const request of requests) await streamResponses(call, request.response_parameters);
  }),
};

function main() {
  const args = flags.parse(process.argv.slice(2), {
    port: null, use_tls: 'false', tls_cert_file: '', tls_key_file: '', tls_client_ca_file: '',
  });
  const port = flags.integer(args, 'port');
  let credentials = grpc.ServerCredentials.createInsecure();
  if (flags.bool(args, 'use_tls')) {
    const certs = process.env.CGRPC_TEST_CERTS || '';
    const certFile = args.tls_cert_file || (certs && path.join(certs, 'server.pem'));
    const keyFile = args.tls_key_file || (certs && path.join(certs, 'server.key'));
    if (!certFile || !keyFile) flags.die('--use_tls=true needs --tls_cert_file and --tls_key_file');
    const ca = args.tls_client_ca_file ? fs.readFileSync(args.tls_client_ca_file) : null;
    credentials = grpc.ServerCredentials.createSsl(
      ca, [{ private_key: fs.readFileSync(keyFile), cert_chain: fs.readFileSync(certFile) }],
      ca !== null);
  }

  const server = new grpc.Server({ 'grpc.max_receive_message_length': MAX_RECEIVE_BYTES });
  server.addService(observeService(testing.TestService.service), service);
  server.bindAsync(`0.0.0.0:${port}`, credentials, (error) => {
    if (error) flags.die(`cannot listen on port ${port}: ${error.message}`);
    console.log(`grpc-js interop server listening on port ${port}`);
  });
  for (const signal of ['SIGTERM', 'SIGINT']) {
    process.on(signal, () => {
      server.forceShutdown();
      process.exit(0);
    });
  }
}

main();

// bench/grpc/js/server.js — the grpc-js peer server for the gRPC benchmark:
// the standard grpc.Server with handlers for bench.Bench. Unary answers with
// the request's payload Buffer (no copy); Stream echoes each message as it
// arrives and pauses reading while the write side is full (Node stream
// backpressure).
//
// Usage: node server.js --port=N
'use strict';

const {grpc, bench, parseFlags} = require('./bench_proto');

const flags = parseFlags(process.argv.slice(2));
const port = Number(flags.port);
if (!Number.isInteger(port) || port < 0 || port > 65535 || flags._.length) {
  console.error('usage: node server.js --port=N');
  process.exit(2);
}

const server = new grpc.Server();
server.addService(bench.Bench.service, {
  Unary(call, callback) {
    callback(null, {payload: call.request.payload});
  },
  Stream(call) {
    call.on('data', (req) => {
      if (!call.write({payload: req.payload})) {
        call.pause();
        call.once('drain', () => call.resume());
      }
    });
    call.on('end', () => call.end());
  },
});
server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err) => {
  if (err) {
    console.error(`bench_server_js: ${err.message}`);
    process.exit(1);
  }
  console.error(`bench_server_js: listening on 127.0.0.1:${port}`);
});

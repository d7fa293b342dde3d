// bench/grpc/js/bench_proto.js — loads bench/grpc/bench.proto for the
// grpc-js peer server and client, the usual way with @grpc/proto-loader;
// bytes fields arrive as Buffers.
'use strict';

const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const definition = protoLoader.loadSync(path.join(__dirname, '..', 'bench.proto'), {
  keepCase: true,
  defaults: true,
});

module.exports = {grpc, bench: grpc.loadPackageDefinition(definition).bench};

// Reads --name=value flags into an object of strings; positional words go
// to `_`.
module.exports.parseFlags = function parseFlags(argv) {
  const flags = {_: []};
  for (const arg of argv) {
    const m = /^--([a-z-]+)=(.*)$/.exec(arg);
    if (m) {
      flags[m[1]] = m[2];
    } else {
      flags._.push(arg);
    }
  }
  return flags;
};

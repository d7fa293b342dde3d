// Loads grpc.testing from Debian's grpc-proto package with @grpc/proto-loader.
//
// Both JS peers share one loading recipe so they agree on field names
// (keepCase: the proto's snake_case), bytes as Buffers, and unset message
// fields left undefined, which is how the peers tell "expect_compressed
// absent" from "expect_compressed: {value: false}".
'use strict';

const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const PROTO_ROOT = '/usr/share/grpc-proto';

function load() {
  const definition = protoLoader.loadSync('grpc/testing/test.proto', {
    includeDirs: [PROTO_ROOT],
    keepCase: true,
    longs: Number,
    enums: Number,
    defaults: false,
    arrays: true,
  });
  return grpc.loadPackageDefinition(definition).grpc.testing;
}

module.exports = { load };

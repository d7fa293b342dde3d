// Tells a grpc-js server handler whether each request message arrived compressed.
//
// The CompressedRequest feature of the interop server (expect_compressed)
// needs the per-message compressed flag, but grpc-js decompresses inside
// BaseServerInterceptingCall and gives handlers only the parsed message; it
// even strips grpc-encoding from the request metadata. So this module wraps
// the one internal method that sees both the framed message and the bytes
// the deserializer will get (decompressMessage), tags those bytes with the
// flag, and copies the tag onto the deserialized message.
//
// This relies on grpc-js internals, which is why package-lock.json pins the
// exact version; install() fails loudly if the method is gone.
'use strict';

const { BaseServerInterceptingCall } = require('@grpc/grpc-js/build/src/server-interceptors');

const COMPRESSED = Symbol('compressed');

let installed = false;

function install() {
  if (installed) return;
  const proto = BaseServerInterceptingCall.prototype;
  const original = proto.decompressMessage;
  if (typeof original !== 'function') {
    throw new Error('grpc-js internals changed: BaseServerInterceptingCall.decompressMessage ' +
                    'is gone, so request compression cannot be observed; ' +
                    'update request_compression.js');
  }
  proto.decompressMessage = async function (framed, encoding) {
    // Each call returns a fresh Buffer (a subarray or a concatenation), so
    // tagging it cannot leak onto another message.
    const bytes = await original.call(this, framed, encoding);
    bytes[COMPRESSED] = framed.readUInt8(0) === 1;
    return bytes;
  };
  installed = true;
}

// Returns a copy of a service definition whose request deserializers copy
// the tag onto each decoded request.
function observeService(service) {
  install();
  const observed = {};
  for (const [name, method] of Object.entries(service)) {
    observed[name] = Object.assign({}, method, {
      requestDeserialize(bytes) {
        const message = method.requestDeserialize(bytes);
        Object.defineProperty(message, COMPRESSED, { value: bytes[COMPRESSED] === true });
        return message;
      },
    });
  }
  return observed;
}

// True if `message` (decoded by an observeService deserializer) arrived with
// the compressed flag set.
function wasCompressed(message) {
  if (!(COMPRESSED in message)) {
    throw new Error('request was not decoded through observeService()');
  }
  return message[COMPRESSED];
}

module.exports = { observeService, wasCompressed };

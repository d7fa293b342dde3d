// The Connect protocol against the cgrpc Library server (rest_server.c),
// with @connectrpc/connect-node's createConnectTransport: JSON and binary,
// unary, server streaming and errors. Schema from a descriptor set
// (protoc -o --include_imports) through @bufbuild/protobuf v2's runtime
// registry: no generated code.
// Usage: node connect_client.js PORT library.protoset [HTTP_VERSION: 2 (default) or 1.1]
'use strict';
const fs = require('fs');
const assert = require('assert');
const { fromBinary, createFileRegistry } = require('@bufbuild/protobuf');
const { FileDescriptorSetSchema } = require('@bufbuild/protobuf/wkt');
const { createClient, ConnectError, Code } = require('@connectrpc/connect');
const { createConnectTransport } = require('@connectrpc/connect-node');

async function main() {
  const [port, protoset, httpVersion = '2'] = process.argv.slice(2);
  const set = fromBinary(FileDescriptorSetSchema, fs.readFileSync(protoset));
  const registry = createFileRegistry(set);
  const library = registry.getService('resttest.Library');
  for (const useBinaryFormat of [false, true]) {
    const kind = useBinaryFormat ? 'binary' : 'json';
    const transport = createConnectTransport({
      baseUrl: `http://127.0.0.1:${port}`,
      httpVersion,
      useBinaryFormat,
    });
    const client = createClient(library, transport);
    const headers = [];
    const book = await client.getBook({ name: 'shelves/1/books/2' }, {
      onHeader: (h) => headers.push(h.get('x-served-by')),
    });
    assert.strictEqual(book.title, 'Title of shelves/1/books/2', kind);
    assert.strictEqual(book.author.born, 1970);
    assert.deepStrictEqual(book.tags, ['sf', 'classic']);
    assert.strictEqual(book.pages, 412n);
    assert.deepStrictEqual(headers, ['cgrpc']);

    const names = [];
    for await (const b of client.streamBooks({ parent: 'shelves/4', pageSize: 3 })) names.push(b.name);
    assert.deepStrictEqual(names, ['shelves/4/books/0', 'shelves/4/books/1', 'shelves/4/books/2']);

    await assert.rejects(client.getBook({ name: 'missing-1' }), (e) => {
      assert.ok(e instanceof ConnectError);
      assert.strictEqual(e.code, Code.NotFound, kind);
      assert.strictEqual(e.rawMessage, 'no book "missing-1"');
      return true;
    });
    await assert.rejects(client.getBook({ name: 'details' }), (e) => {
      assert.strictEqual(e.code, Code.FailedPrecondition);
      const author = registry.getMessage('resttest.Author');
      const found = e.findDetails(author);
      assert.strictEqual(found.length, 1);
      assert.strictEqual(found[0].name, 'Ann');
      return true;
    });
    const got = [];
    await assert.rejects((async () => {
      for await (const b of client.streamBooks({ parent: 'shelves/error', pageSize: 2 })) got.push(b.name);
    })(), (e) => e.code === Code.Unavailable && e.rawMessage === 'shelf on fire');
    assert.strictEqual(got.length, 2);
    await assert.rejects(client.getBook({ name: 'slow' }, { timeoutMs: 200 }),
                         (e) => e.code === Code.DeadlineExceeded);
    console.log(`connect-node ${kind} over HTTP/${httpVersion}: ok`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

// A gRPC-Web client nobody here wrote: @connectrpc/connect-node's
// createGrpcWebTransport, with the service described at run time from a
// protoset (@bufbuild/protobuf v2 registry, no generated code). Calls the
// web_server on 127.0.0.1:<port> over HTTP/1.1 and over HTTP/2 and prints
// one line per check ("ok ..." or "FAIL ..."); exits 1 on any failure.
// Usage: node connect_node_client.mjs <port> <protoset> <node_modules>
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const [port, protoset, modules] = process.argv.slice(2);
const require = createRequire(path.join(modules, "x.js"));
const { createFileRegistry, fromBinary, create } = require("@bufbuild/protobuf");
const { FileDescriptorSetSchema } = require("@bufbuild/protobuf/wkt");
const { createClient, ConnectError, Code } = require("@connectrpc/connect");
const { createGrpcWebTransport } = require("@connectrpc/connect-node");

const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, readFileSync(protoset)));
const service = registry.getService("grpc.testing.TestService");
const EchoStatus = registry.getMessage("grpc.testing.EchoStatus");
let failed = 0;
const check = (cond, what) => {
  console.log(`${cond ? "ok  " : "FAIL"} ${what}`);
  if (!cond) failed++;
};

for (const httpVersion of ["1.1", "2"]) {
  const transport = createGrpcWebTransport({ baseUrl: `http://127.0.0.1:${port}`, httpVersion });
  const client = createClient(service, transport);
  const tag = `HTTP/${httpVersion}`;

  let headers;
  const r = await client.unaryCall(
    { payload: { body: new TextEncoder().encode("connect") } },
    { onHeader: (h) => (headers = h) },
  );
  check(new TextDecoder().decode(r.payload.body) === "connect", `${tag}: unary`);
  check(headers && headers.get("x-server-note") === "hello", `${tag}: initial metadata`);

  const sizes = [];
  for await (const m of client.streamingOutputCall({
    responseParameters: [{ size: 5 }, { size: 6 }, { size: 7 }],
  })) {
    sizes.push(m.payload.body.length);
  }
  check(JSON.stringify(sizes) === "[5,6,7]", `${tag}: server streaming`);

  try {
    await client.unaryCall({ responseStatus: { code: Code.PermissionDenied, message: "go away" } });
    check(false, `${tag}: an error`);
  } catch (e) {
    const err = ConnectError.from(e);
    const details = err.findDetails(EchoStatus);
    check(err.code === Code.PermissionDenied && err.rawMessage === "go away", `${tag}: error code and message`);
    check(details.length === 1 && details[0].message === "go away", `${tag}: error details`);
    check(err.metadata.get("x-detail-note") === "see details", `${tag}: error trailers`);
  }

  try {
    const it = client.streamingInputCall((async function* () {
      yield { payload: { body: new Uint8Array(3) } };
    })());
    await it;
    check(false, `${tag}: client streaming refused`);
  } catch (e) {
    const err = ConnectError.from(e);
    check(err.code === Code.Unimplemented && err.rawMessage.includes("client-streaming"),
          `${tag}: client streaming refused with UNIMPLEMENTED`);
  }
}
process.exit(failed ? 1 : 0);

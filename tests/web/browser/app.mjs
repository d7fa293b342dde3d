// The page's calls (see index.html). The API's address comes in the page's
// query string (?api=http://localhost:PORT); the schema is a protoset
// served next to the page.
import { createFileRegistry, fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { createClient, ConnectError, Code } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";

const results = document.getElementById("results");
const banner = document.getElementById("banner");
const lines = [];
let failed = 0;
const check = (cond, what) => {
  lines.push(`${cond ? "ok" : "FAIL"} ${what}`);
  if (!cond) failed++;
  results.textContent = lines.join("\n");
};

async function main() {
  const api = new URL(location.href).searchParams.get("api");
  const bytes = new Uint8Array(await (await fetch("/testing.binpb")).arrayBuffer());
  const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, bytes));
  const client = createClient(registry.getService("grpc.testing.TestService"),
                              createGrpcWebTransport({ baseUrl: api }));
  check(location.origin !== new URL(api).origin, `cross-origin: page ${location.origin}, API ${api}`);

  let headers;
  const r = await client.unaryCall({ payload: { body: new TextEncoder().encode("from a browser") } },
                                   { onHeader: (h) => (headers = h) });
  check(new TextDecoder().decode(r.payload.body) === "from a browser", "unary call");
  check(headers.get("x-server-note") === "hello", "custom response header readable (CORS expose)");

  const sizes = [];
  for await (const m of client.streamingOutputCall({
    responseParameters: [{ size: 1, intervalUs: 50000 }, { size: 2, intervalUs: 50000 },
                         { size: 3, intervalUs: 50000 }],
  })) {
    sizes.push(m.payload.body.length);
  }
  check(sizes.join(",") === "1,2,3", "server streaming: 1,2,3");

  try {
    await client.unaryCall({ responseStatus: { code: Code.FailedPrecondition, message: "not now" } });
    check(false, "error with details");
  } catch (e) {
    const err = ConnectError.from(e);
    const details = err.findDetails(registry.getMessage("grpc.testing.EchoStatus"));
    check(err.code === Code.FailedPrecondition && err.rawMessage === "not now",
          "error: FAILED_PRECONDITION \"not now\"");
    check(details.length === 1 && details[0].code === Code.FailedPrecondition,
          "error details (grpc-status-details-bin) readable");
  }
}

main().catch((e) => check(false, `exception: ${e}`)).finally(() => {
  banner.textContent = failed ? `${failed} failed` : "all passed";
  banner.className = failed ? "fail" : "pass";
  document.body.dataset.done = "1";
});

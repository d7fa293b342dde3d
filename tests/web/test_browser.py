"""A real browser: headless Chromium (Debian's, driven by playwright-core)
loads a page from one origin (a small static server here) that calls the
cgrpc server on another origin with @connectrpc/connect-web's gRPC-Web
transport: unary, server streaming, an error with details, CORS (the
preflight, and a custom header read). The test asserts what the page wrote
into its DOM and checks the screenshot it saved."""
import functools
import http.server
import json
import os
import shutil
import struct
import subprocess
import tempfile
import threading
import zlib

from webtest import Server, check, done

HERE = os.path.dirname(os.path.abspath(__file__))
MODULES = os.environ["NODE_MODULES"]
OUT = os.environ.get("WEB_OUT", tempfile.mkdtemp())
root = tempfile.mkdtemp()
for f in ("index.html", "app.mjs"):
    shutil.copy(os.path.join(HERE, "browser", f), root)
os.symlink(MODULES, os.path.join(root, "node_modules"))
subprocess.run(["/usr/bin/python3", "-m", "grpc_tools.protoc",
                "--descriptor_set_out=" + os.path.join(root, "testing.binpb"), "--include_imports",
                "-I/usr/share/grpc-proto", "grpc/testing/test.proto"], check=True)


class Quiet(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".mjs": "text/javascript", ".js": "text/javascript"}

    def log_message(self, *a):
        pass


pages = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=root))
threading.Thread(target=pages.serve_forever, daemon=True).start()
page_origin = "http://127.0.0.1:%d" % pages.server_address[1]


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return struct.unpack(">II", head[16:24])


good = Server("--cors=" + page_origin)
blocked = Server("--cors=http://elsewhere.example")
png = os.path.join(OUT, "web_browser.png")
png_blocked = os.path.join(OUT, "web_browser_blocked.png")
p = subprocess.run([os.environ["NODE"], os.path.join(HERE, "browser", "driver.mjs"), MODULES,
                    "%s/index.html?api=http://localhost:%d" % (page_origin, good.port), png,
                    "%s/index.html?api=http://localhost:%d" % (page_origin, blocked.port),
                    png_blocked], capture_output=True, timeout=120)
good.stop()
blocked.stop()
print(p.stderr.decode()[-2000:])
outs = [json.loads(l) for l in p.stdout.decode().splitlines() if l.startswith("{")]
out = outs[0] if outs else {}
print(out.get("results", ""))
for line in out.get("console", []):
    print("console:", line)
results = out.get("results", "")
for what in ("cross-origin", "unary call", "custom response header readable",
             "server streaming: 1,2,3", "error: FAILED_PRECONDITION", "error details"):
    check(("ok " + what) in results, "browser: " + what)
check(out.get("banner") == "all passed" and out.get("bannerColor") == "rgb(46, 125, 50)",
      "browser: the page says all passed (green)")
size = png_size(png) if os.path.exists(png) else None
check(size == (900, 500), "browser: screenshot saved as a 900x500 PNG (%s)" % png)
# Without CORS for the page's origin the browser refuses the call.
out = outs[1] if len(outs) > 1 else {}
check("FAIL exception" in out.get("results", "") and out.get("banner") != "all passed",
      "browser: an origin not on the list is blocked by the browser")
pages.shutdown()
done()

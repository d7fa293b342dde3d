"""CORS: preflights, the allow-list of origins ("*" only when listed),
headers exposed to browsers (grpc-status, grpc-message,
grpc-status-details-bin and custom response metadata), and CORS headers on
error responses too."""
from webtest import Server, check, done, frame, h2_request, http1, simple_request

UNARY = "/grpc.testing.TestService/UnaryCall"
GOOD, OTHER = "http://app.example:8080", "http://evil.example"
GW = [("content-type", "application/grpc-web+proto"), ("x-grpc-web", "1")]


def preflight(port, origin):
    return http1(port, "OPTIONS", UNARY,
                 [("origin", origin), ("access-control-request-method", "POST"),
                  ("access-control-request-headers", "content-type,x-grpc-web,x-custom")],
                 body=None)


with Server("--cors=%s, http://second.example" % GOOD) as srv:
    p = srv.port
    r = preflight(p, GOOD)
    check(r.status == 204 and r.header("access-control-allow-origin") == GOOD and
          "POST" in r.header("access-control-allow-methods") and
          "x-custom" in r.header("access-control-allow-headers") and
          "x-grpc-web" in r.header("access-control-allow-headers") and
          r.header("access-control-max-age") is not None,
          "preflight from a listed origin: 204 with the allow headers")
    r = preflight(p, "http://second.example")
    check(r.status == 204 and r.header("access-control-allow-origin") == "http://second.example",
          "the second listed origin (list trimmed)")
    r = preflight(p, OTHER)
    check(r.status == 403 and r.header("access-control-allow-origin") is None,
          "preflight from an unlisted origin: 403 without CORS headers")

    r = http1(p, "POST", UNARY, GW + [("origin", GOOD)], frame(simple_request(body=b"c")))
    expose = r.header("access-control-expose-headers") or ""
    check(r.status == 200 and r.header("access-control-allow-origin") == GOOD and
          r.header("access-control-allow-credentials") == "true" and
          "Origin" in (r.header("vary") or ""),
          "a call from a listed origin gets Access-Control-Allow-Origin")
    check(all(h in expose.split(",") for h in
              ("grpc-status", "grpc-message", "grpc-status-details-bin", "x-server-note")),
          "grpc-status, grpc-message, details and custom headers exposed")

    r = http1(p, "POST", UNARY, GW + [("origin", GOOD)],
              frame(simple_request(status=3, message="bad")))
    expose = r.header("access-control-expose-headers") or ""
    check(r.header("grpc-status") == "3" and r.header("access-control-allow-origin") == GOOD and
          "x-detail-note" in expose.split(",") and "grpc-status" in expose.split(","),
          "an error response carries the CORS headers too")
    r = http1(p, "POST", "/grpc.testing.TestService/Nope", GW + [("origin", GOOD)], frame(b""))
    check(r.header("grpc-status") == "12" and r.header("access-control-allow-origin") == GOOD,
          "UNIMPLEMENTED carries the CORS headers")

    r = http1(p, "POST", UNARY, GW + [("origin", OTHER)], frame(simple_request(body=b"c")))
    check(r.status == 200 and r.header("access-control-allow-origin") is None,
          "a call from an unlisted origin gets no CORS headers (the browser blocks it)")

    st, h, b, t = h2_request(p, "OPTIONS", UNARY, [("origin", GOOD),
                                                  ("access-control-request-method", "POST")])
    check(st == 204 and h.get("access-control-allow-origin") == GOOD, "preflight over HTTP/2")

with Server("--cors=*") as srv:
    r = preflight(srv.port, OTHER)
    check(r.status == 204 and r.header("access-control-allow-origin") == "*" and
          r.header("access-control-allow-credentials") is None,
          '"*": any origin, without credentials')

with Server() as srv:
    r = preflight(srv.port, GOOD)
    check(r.status == 403, "no origins configured: preflights refused")
    r = http1(srv.port, "POST", UNARY, GW + [("origin", GOOD)], frame(simple_request(body=b"c")))
    check(r.status == 200 and r.header("access-control-allow-origin") is None,
          "no origins configured: no CORS headers")

done()

/* web/protocol.h — the seam between the server's HTTP engine and the wire
 * protocols that are not plain gRPC: gRPC-Web (web/grpc_web.c), the Connect
 * protocol and REST transcoding (web/connect_*.c, web/rest_*.c), static
 * files, CORS preflight and plain 404/405 answers.
 *
 * One call model, several wire protocols. A registered handler never knows
 * which protocol its call came in on: every request, whatever its framing,
 * becomes an HTTP/2 stream of the server's engine (h2/conn.h). HTTP/1.1
 * requests too: the engine turns an HTTP/1.1 connection into in-memory
 * HTTP/2 streams (h2/http1_bridge.c), so everything below works the same
 * over HTTP/2 and HTTP/1.1, plaintext or TLS.
 *
 * The hot path is untouched. A request whose method is POST and whose
 * content-type is application/grpc[+x|;x] is plain gRPC and never sees this
 * file: the engine tests one flag. Only the others are offered here, at the
 * end of their header block:
 *
 *   1. The engine fills a cgrpc_web_request_t (method, path, content-type,
 *      the other headers as metadata) and a zeroed cgrpc_web_exchange_t in
 *      the stream's arena, and calls the server's dispatch
 *      (cgrpc_web_dispatch(), web/dispatch.c). Dispatch answers CORS
 *      preflights itself, computes the CORS headers of the actual response
 *      (x->cors), then asks each enabled protocol in order (gRPC-Web,
 *      Connect, REST, static files) whether the request is its own
 *      (`match`). The first that says so owns the exchange.
 *   2. match returns CGRPC_WEB_CALL: the request is a call. x->call_path
 *      (set by match when the URL is not already "/pkg.Service/Method",
 *      as REST's is) names the method; x->timeout_ns a deadline the
 *      protocol read from its own header (Connect's connect-timeout-ms;
 *      gRPC-Web's grpc-timeout is read by the engine as for gRPC). The
 *      server looks the method up, sets x->method, and calls `on_method`,
 *      which may refuse a method the protocol cannot serve (gRPC-Web and
 *      client streaming) or prepare per-method state (JSON tables).
 *      match returns CGRPC_WEB_RESPOND: no call; x->respond is the whole
 *      answer (status, headers, body), sent as is — static files,
 *      preflights, 404/405 with a JSON body. CGRPC_WEB_NO: not this
 *      protocol's; when nobody takes a request the engine answers 415 as
 *      it always did.
 *   3. Request bytes: every DATA chunk (HTTP/1.1: every decoded body
 *      chunk) goes to `request_body`, which appends gRPC-framed messages
 *      (5-byte prefix + protobuf payload, as on a gRPC wire) to `out`; the
 *      engine feeds those to the same deframer and reader a gRPC call
 *      uses. It is called once more with end=true at the end of the
 *      request (len may be 0): a protocol that needs the whole body
 *      (Connect unary, REST) frames it there. A protocol that needs no
 *      body (a REST GET) frames the message built from the URL there too.
 *   4. Response: the handler's messages are encoded by the server as for
 *      gRPC (protobuf, compressed when negotiated); `response_message`
 *      turns each payload into the bytes this protocol sends (gRPC-Web
 *      binary: the same 5-byte frame; -text: base64; +json: JSON). The
 *      response head comes from `response_head` with the handler's initial
 *      metadata, when the first message or the headers go out — unless
 *      the protocol set CGRPC_WEB_BUFFERED, in which case nothing leaves
 *      before the call ends (the HTTP status of a Connect unary or REST
 *      answer depends on the call's status).
 *   5. End: `finish` gets the status and trailers. When nothing has been
 *      sent yet (`head` non-NULL) it also fills the only response head
 *      (gRPC-Web's "status in the headers", Connect's error status); it
 *      appends the last body bytes (gRPC-Web's 0x80 trailer frame,
 *      Connect's end-of-stream message or error JSON). The engine ends the
 *      stream after them; HTTP/2 trailers are never used by these
 *      protocols.
 *
 * To every head (response_head, finish, respond) the engine adds x->cors
 * and an Access-Control-Expose-Headers naming grpc-status, grpc-message,
 * grpc-status-details-bin and every metadata key in the head, so browsers
 * can read them; errors get them too.
 *
 * Memory. The exchange, the request view and anything a protocol puts in
 * `x->arena` live until the stream is destroyed. `out` buffers are the
 * engine's (cgrpc_web_buf_*: append only). Protocol state goes in
 * x->state (the arena); per-server state (route tables, a directory) in
 * the server's `protocol_state[i]`, made by `server_start` and freed by
 * `server_stop`.
 *
 * Threads. Every hook runs on the connection's loop thread, from inside
 * the engine; hooks must not block. Failures: a hook that returns a status
 * other than OK (or false for out of memory) ends the call with that status
 * and its err message, answered in the protocol's own way through `finish`.
 */
#ifndef CGRPC_SRC_WEB_PROTOCOL_H
#define CGRPC_SRC_WEB_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/alloc.h"
#include "cgrpc/arena.h"
#include "cgrpc/error.h"
#include "cgrpc/metadata.h"
#include "cgrpc/pb_table.h"
#include "cgrpc/status.h"

typedef struct cgrpc_web_protocol cgrpc_web_protocol_t;
typedef struct cgrpc_web_exchange cgrpc_web_exchange_t;
typedef struct cgrpc_web_server cgrpc_web_server_t;

/* ---- Byte buffers ---------------------------------------------------------------- */

/* An append-only heap buffer the engine owns (it frees it). */
typedef struct cgrpc_web_buf {
  uint8_t *data;
  size_t len, cap;
} cgrpc_web_buf_t;

/* Makes room for `n` more bytes; false when out of memory. */
static inline bool cgrpc_web_buf_reserve(cgrpc_web_buf_t *b, size_t n) {
  if (b->cap - b->len < n) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len < n) {
      if (cap > SIZE_MAX / 2) return false;
      cap *= 2;
    }
    uint8_t *grown = (uint8_t *)cgrpc_realloc(b->data, cap);
    if (!grown) return false;
    b->data = grown;
    b->cap = cap;
  }
  return true;
}

/* Appends `n` bytes; false when out of memory (the buffer is unchanged). */
static inline bool cgrpc_web_buf_append(cgrpc_web_buf_t *b, const void *p, size_t n) {
  if (n == 0) return true;
  if (!cgrpc_web_buf_reserve(b, n)) return false;
  memcpy(b->data + b->len, p, n);
  b->len += n;
  return true;
}

/* Appends a gRPC message frame: flag byte, 4-byte big-endian length, payload. */
static inline bool cgrpc_web_buf_frame(cgrpc_web_buf_t *b, uint8_t flag, const void *p, size_t n) {
  if (n > UINT32_MAX) return false;
  uint8_t prefix[5] = {flag, (uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n};
  size_t before = b->len;
  if (!cgrpc_web_buf_append(b, prefix, 5) || !cgrpc_web_buf_append(b, p, n)) {
    b->len = before;
    return false;
  }
  return true;
}

static inline void cgrpc_web_buf_free(cgrpc_web_buf_t *b) {
  cgrpc_free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

/* ---- Requests and responses -------------------------------------------------------- */

/* The request as the engine read it. Strings are in the stream's arena. */
typedef struct cgrpc_web_request {
  cgrpc_str_t method;       /* ":method" ("POST", "GET", "OPTIONS", ...) */
  cgrpc_str_t path;         /* ":path" as sent, query string included */
  cgrpc_str_t content_type; /* "" when absent */
  cgrpc_str_t authority;    /* ":authority" or Host */
  /* Every other header: lower-case names, "-bin" values decoded (as a
   * handler's metadata; origin, accept, connect-*, x-grpc-web, ...). */
  const cgrpc_metadata_t *headers;
  bool http1;  /* arrived over HTTP/1.1 */
  bool secure; /* over TLS */
} cgrpc_web_request_t;

/* A response head. `headers` (in x->arena) are sent as they are: lower-case
 * names, text values (a "-bin" key is base64-encoded by the engine). */
typedef struct cgrpc_web_head {
  int status;               /* HTTP status, 200 unless said otherwise */
  cgrpc_str_t content_type; /* "" for none */
  cgrpc_metadata_t headers;
} cgrpc_web_head_t;

/* The whole answer of a CGRPC_WEB_RESPOND exchange. */
typedef struct cgrpc_web_response {
  cgrpc_web_head_t head;
  cgrpc_web_buf_t body; /* taken over by the engine */
} cgrpc_web_response_t;

typedef enum cgrpc_web_match {
  CGRPC_WEB_NO = 0,      /* not this protocol's request */
  CGRPC_WEB_CALL = 1,    /* a call: x->call_path (or the request path) names the method */
  CGRPC_WEB_RESPOND = 2, /* no call: x->respond is the answer */
} cgrpc_web_match_t;

/* One request of a web protocol; lives in the stream's arena. */
struct cgrpc_web_exchange {
  const cgrpc_web_protocol_t *proto; /* set by dispatch: the owner */
  const cgrpc_web_server_t *server;
  const cgrpc_web_request_t *req;
  cgrpc_arena_t *arena; /* the stream's */
  void *state;          /* the protocol's, per request */
  unsigned flags;       /* CGRPC_WEB_* below, set by match */
  /* Set by match for CGRPC_WEB_CALL when the method is not the path. */
  cgrpc_str_t call_path;
  /* A deadline from the protocol's own header (ns from now); -1: none. */
  int64_t timeout_ns;
  /* Set by the server before on_method: the method called. */
  const cgrpc_pb_method_t *method;
  /* CORS headers for every response head of this exchange (dispatch). */
  cgrpc_metadata_t cors;
  /* The largest request message the server takes (bytes): a protocol
   * that collects a body (Connect unary, REST) refuses more with
   * RESOURCE_EXHAUSTED. */
  size_t max_request_bytes;
  /* CGRPC_WEB_RESPOND: the answer. */
  cgrpc_web_response_t respond;

  /* The engine's (private): a BUFFERED exchange's initial metadata and
   * response bytes, until finish. */
  cgrpc_metadata_t initial_md;
  cgrpc_web_buf_t body;
};

/* Exchange flags. */
enum {
  /* Hold the head and messages until finish (the status decides the HTTP
   * status): Connect unary, REST. */
  CGRPC_WEB_BUFFERED = 1u << 0,
  /* Messages are compressed as gRPC's are (grpc-encoding and
   * grpc-accept-encoding in the head): gRPC-Web. Without it the response
   * messages are sent uncompressed. */
  CGRPC_WEB_GRPC_COMPRESSION = 1u << 1,
};

/* ---- Protocols ---------------------------------------------------------------------- */

/* A wire protocol. Every hook but match may be NULL (meaning: the default
 * said next to it). */
struct cgrpc_web_protocol {
  const char *name; /* "grpc-web", "connect", "rest", "static": logs and docs */
  /* Claims the request or not; see the top of the file. May fill x->cors
   * headers of its own, x->state, x->flags, x->call_path, x->timeout_ns,
   * and for RESPOND x->respond. `err` for a RESPOND it makes from an error. */
  cgrpc_web_match_t (*match)(cgrpc_web_exchange_t *x, void *server_state);
  /* The method is known (x->method); OK, or a status (err says why) that
   * ends the call before the handler runs. NULL: every method is fine. */
  cgrpc_status_code_t (*on_method)(cgrpc_web_exchange_t *x, cgrpc_error_t *err);
  /* Request body bytes to gRPC frames appended to `out`; see the top.
   * NULL: the body already is gRPC frames (gRPC-Web binary). */
  cgrpc_status_code_t (*request_body)(cgrpc_web_exchange_t *x, const uint8_t *data, size_t len,
                                      bool end, cgrpc_web_buf_t *out, cgrpc_error_t *err);
  /* The response head, from the handler's initial metadata `md` (may be
   * empty). `head` comes with status 200 and empty fields. False: out of
   * memory. */
  bool (*response_head)(cgrpc_web_exchange_t *x, const cgrpc_metadata_t *md,
                        cgrpc_web_head_t *head);
  /* One response message's payload (protobuf; compressed when
   * `compressed`) to this protocol's bytes, appended to `out`. NULL: the
   * gRPC frame as is. False: the message cannot be sent (out of memory,
   * not representable in JSON): the call ends with INTERNAL. */
  bool (*response_message)(cgrpc_web_exchange_t *x, const uint8_t *payload, size_t len,
                           bool compressed, cgrpc_web_buf_t *out);
  /* The call's end. `head` is non-NULL when nothing was sent yet: fill it
   * (it is then the only head; for BUFFERED exchanges `md` is the initial
   * metadata and `body` holds the buffered message bytes produced by
   * response_message, to be sent after the head or replaced). Append the
   * final bytes to `out`. False: out of memory. */
  bool (*finish)(cgrpc_web_exchange_t *x, cgrpc_status_code_t code, cgrpc_str_t message,
                 const cgrpc_metadata_t *trailers, const cgrpc_metadata_t *md,
                 cgrpc_web_head_t *head, cgrpc_web_buf_t *body, cgrpc_web_buf_t *out);
  /* Per-server state, made when the server starts (NULL hooks: none). */
  cgrpc_status_code_t (*server_start)(const cgrpc_web_server_t *srv, void **state,
                                      cgrpc_error_t *err);
  void (*server_stop)(void *state);
};

/* ---- The server's side ------------------------------------------------------------- */

#define CGRPC_WEB_MAX_PROTOCOLS 8

/* What a server tells the engine about its web side (rpc/server.c fills
 * it at start; the engine reaches it through its options). Read-only once
 * the server runs, so every loop shares it. */
struct cgrpc_web_server {
  /* Enabled protocols, in the order they are asked, and their state. */
  const cgrpc_web_protocol_t *protocols[CGRPC_WEB_MAX_PROTOCOLS];
  void *protocol_state[CGRPC_WEB_MAX_PROTOCOLS];
  size_t protocol_count;
  /* CORS: allowed origins (exact "scheme://host[:port]" strings, or one
   * "*" for any); none: no CORS headers at all and preflights refused. */
  const char *const *cors_origins;
  size_t cors_origin_count;
  /* Methods registered on the server: look one up by path, or visit all
   * (REST builds its routes from them in server_start). */
  const cgrpc_pb_method_t *(*lookup)(void *ctx, const char *path, size_t len);
  void (*each_method)(void *ctx, void (*fn)(void *arg, const cgrpc_pb_method_t *m), void *arg);
  void *ctx;
  /* cgrpc_web_dispatch(), reached through here by the engine (a lower
   * layer than web/). */
  cgrpc_web_match_t (*dispatch)(const cgrpc_web_server_t *srv, cgrpc_web_exchange_t *x);
};

/* Offers a request to the CORS check and the server's protocols (step 1
 * above). Fills x->proto (the owner) and returns what it decided; for
 * CGRPC_WEB_NO nobody took it. */
cgrpc_web_match_t cgrpc_web_dispatch(const cgrpc_web_server_t *srv, cgrpc_web_exchange_t *x);

/* Finds a header of the request by lower-case name (the first one); {NULL,0}
 * when absent. */
cgrpc_str_t cgrpc_web_header(const cgrpc_web_exchange_t *x, const char *name);

/* Adds a header to a head (name and value copied into x->arena). False
 * when out of memory. */
bool cgrpc_web_head_add(cgrpc_web_exchange_t *x, cgrpc_web_head_t *head, const char *name,
                        cgrpc_str_t value);

/* Fills x->respond with a small answer: `status`, content-type and body
 * text (copied). For 404/405/400 from a protocol's match. False: out of
 * memory. */
bool cgrpc_web_respond_text(cgrpc_web_exchange_t *x, int status, const char *content_type,
                            const char *body, size_t len);

/* Writes one sentence into `err` (NULL allowed), printf-style. */
void cgrpc_web_error(cgrpc_error_t *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The protocols this library has. */
extern const cgrpc_web_protocol_t cgrpc_web_grpc_web_protocol;

#endif /* CGRPC_SRC_WEB_PROTOCOL_H */

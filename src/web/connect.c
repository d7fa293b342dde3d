/* web/connect.c — the Connect protocol (web/connect.h) on the seam of
 * web/protocol.h.
 *
 * Unary (POST application/proto|json, or GET ?encoding=&message=): the
 * exchange is BUFFERED, the whole body is collected in the stream's arena,
 * decompressed (Content-Encoding), turned into one gRPC frame at its end,
 * and the answer is written in finish, when the status is known: 200 with
 * the message (gzip when the client's Accept-Encoding allows and it pays),
 * or Connect's error JSON with the code's HTTP status. Metadata go out as
 * headers; trailers as "trailer-" headers.
 *
 * Streaming (POST application/connect+proto|+json): envelopes of a flag
 * byte (0x01 compressed, 0x02 end of stream) and a 4-byte length, both
 * ways; each request envelope becomes a gRPC frame as soon as it is whole;
 * the response ends with an end-of-stream envelope holding
 * {"error":{...},"metadata":{...}}; the HTTP status is always 200.
 *
 * zlib state lives only inside a function (a compressor made and destroyed
 * per message): an exchange holds nothing that needs freeing besides its
 * arena, whatever way it ends. */
#include "web/connect.h"

#include <stdio.h>
#include <string.h>

#include "cgrpc/json.h"
#include "cgrpc/pb.h"
#include "h2/base64.h"
#include "h2/compress.h"
#include "web/rest_router.h"

/* Responses smaller than this are not worth compressing. */
#define CONNECT_COMPRESS_MIN 1024

typedef struct connect_server {
  cgrpc_arena_t arena;
  rest_method_rules_t *methods; /* of the files given with cgrpc_server_serve_rest() */
  size_t method_count;
} connect_server_t;

typedef struct connect_state {
  const connect_server_t *server;
  bool json, stream, get;
  cgrpc_compression_t request_encoding; /* unary body, or streaming envelopes flagged 0x01 */
  bool accept_gzip;                     /* the response may be gzip */
  bool bad_version, bad_timeout, bad_encoding;
  bool refused; /* on_method said no: the body is dropped */
  uint8_t *in;  /* request bytes not yet framed (arena) */
  size_t in_len, in_cap;
} connect_state_t;

static bool is(cgrpc_str_t s, const char *lit) {
  return s.len == strlen(lit) && memcmp(s.data, lit, s.len) == 0;
}

static cgrpc_str_t media_type(cgrpc_str_t ct) {
  size_t n = 0;
  while (n < ct.len && ct.data[n] != ';' && ct.data[n] != ' ') n++;
  return (cgrpc_str_t){ct.data, n};
}

/* Whether a comma-separated header lists `token` ("gzip, br"). */
static bool lists(cgrpc_str_t v, const char *token) {
  size_t n = strlen(token);
  for (size_t i = 0; i + n <= v.len; i++)
    if (memcmp(v.data + i, token, n) == 0 &&
        (i == 0 || v.data[i - 1] == ',' || v.data[i - 1] == ' ') &&
        (i + n == v.len || v.data[i + n] == ',' || v.data[i + n] == ' ' || v.data[i + n] == ';'))
      return true;
  return false;
}

/* identity/gzip/deflate by name; false for another. */
static bool encoding_named(cgrpc_str_t v, cgrpc_compression_t *alg) {
  if (!v.data || !v.len || is(v, "identity"))
    *alg = CGRPC_COMPRESSION_IDENTITY;
  else if (is(v, "gzip"))
    *alg = CGRPC_COMPRESSION_GZIP;
  else if (is(v, "deflate"))
    *alg = CGRPC_COMPRESSION_DEFLATE;
  else
    return false;
  return true;
}

/* The value of query parameter `name` (raw, still percent-encoded). */
static bool query_param(cgrpc_str_t query, const char *name, cgrpc_str_t *value) {
  size_t n = strlen(name);
  const char *p = query.data, *end = query.data + query.len;
  while (p < end) {
    const char *amp = memchr(p, '&', (size_t)(end - p));
    const char *stop = amp ? amp : end;
    if ((size_t)(stop - p) >= n && memcmp(p, name, n) == 0 && (p + n == stop || p[n] == '=')) {
      *value = p + n == stop ? (cgrpc_str_t){"", 0}
                             : (cgrpc_str_t){p + n + 1, (size_t)(stop - p - n - 1)};
      return true;
    }
    p = stop + 1;
  }
  return false;
}

static cgrpc_web_match_t connect_match(cgrpc_web_exchange_t *x, void *server_state) {
  cgrpc_str_t ct = media_type(x->req->content_type);
  cgrpc_str_t path = x->req->path;
  const char *q = memchr(path.data, '?', path.len);
  cgrpc_str_t query =
      q ? (cgrpc_str_t){q + 1, path.len - (size_t)(q + 1 - path.data)} : (cgrpc_str_t){"", 0};
  connect_state_t st = {.server = server_state};
  if (is(x->req->method, "POST")) {
    if (is(ct, "application/proto")) {
    } else if (is(ct, "application/json")) {
      st.json = true;
    } else if (is(ct, "application/connect+proto")) {
      st.stream = true;
    } else if (is(ct, "application/connect+json")) {
      st.stream = st.json = true;
    } else {
      return CGRPC_WEB_NO;
    }
  } else if (is(x->req->method, "GET")) {
    cgrpc_str_t enc;
    if (!query_param(query, "encoding", &enc)) return CGRPC_WEB_NO; /* REST or static */
    st.get = true;
    if (is(enc, "json"))
      st.json = true;
    else if (!is(enc, "proto"))
      st.bad_encoding = true;
  } else {
    return CGRPC_WEB_NO;
  }
  cgrpc_str_t version = cgrpc_web_header(x, "connect-protocol-version");
  cgrpc_str_t connect_param;
  if (st.get && query_param(query, "connect", &connect_param))
    st.bad_version = !is(connect_param, "v1");
  if (version.data && !is(version, "1")) st.bad_version = true;
  cgrpc_str_t timeout = cgrpc_web_header(x, "connect-timeout-ms");
  x->timeout_ns = -1;
  if (timeout.data) {
    int64_t ms = 0;
    st.bad_timeout = timeout.len == 0 || timeout.len > 10;
    for (size_t i = 0; i < timeout.len && !st.bad_timeout; i++) {
      if (timeout.data[i] < '0' || timeout.data[i] > '9') st.bad_timeout = true;
      ms = ms * 10 + (timeout.data[i] - '0');
    }
    if (!st.bad_timeout) x->timeout_ns = ms * 1000000;
  }
  cgrpc_str_t req_enc =
      cgrpc_web_header(x, st.stream ? "connect-content-encoding" : "content-encoding");
  if (st.get) {
    cgrpc_str_t c = {0};
    if (query_param(query, "compression", &c)) req_enc = c;
  }
  if (!encoding_named(req_enc, &st.request_encoding)) st.bad_encoding = true;
  st.accept_gzip =
      lists(cgrpc_web_header(x, st.stream ? "connect-accept-encoding" : "accept-encoding"), "gzip");
  /* Only method paths: "/pkg.Service/Method" registered, or looking like one
   * (unregistered: the call then answers unimplemented). Others are REST's. */
  cgrpc_str_t call = {path.data, q ? (size_t)(q - path.data) : path.len};
  if (!x->server->lookup(x->server->ctx, call.data, call.len)) {
    const char *slash = call.len > 1 ? memchr(call.data + 1, '/', call.len - 1) : NULL;
    if (!slash || !memchr(call.data + 1, '.', (size_t)(slash - call.data - 1)) ||
        memchr(slash + 1, '/', call.len - (size_t)(slash + 1 - call.data)))
      return CGRPC_WEB_NO;
  }
  connect_state_t *s = cgrpc_arena_alloc(x->arena, sizeof *s);
  if (!s) return CGRPC_WEB_NO;
  *s = st;
  x->state = s;
  x->flags = st.stream ? 0 : CGRPC_WEB_BUFFERED;
  x->call_path = call;
  return CGRPC_WEB_CALL;
}

static const rest_method_rules_t *method_rules(const connect_server_t *srv, const char *path) {
  if (!srv) return NULL;
  for (size_t i = 0; i < srv->method_count; i++) {
    const char *p = path + 1, *f = srv->methods[i].full_name;
    for (; *p && *f && (*p == *f || (*p == '/' && *f == '.')); p++, f++) {
    }
    if (!*p && !*f) return &srv->methods[i];
  }
  return NULL;
}

static cgrpc_status_code_t check_method(cgrpc_web_exchange_t *x, cgrpc_error_t *err);

static cgrpc_status_code_t connect_on_method(cgrpc_web_exchange_t *x, cgrpc_error_t *err) {
  connect_state_t *st = x->state;
  cgrpc_status_code_t code = check_method(x, err);
  st->refused = code != CGRPC_STATUS_OK;
  return code;
}

static cgrpc_status_code_t check_method(cgrpc_web_exchange_t *x, cgrpc_error_t *err) {
  connect_state_t *st = x->state;
  if (st->bad_version) {
    cgrpc_web_error(err, "connect-protocol-version must be 1 (and the GET parameter connect, v1)");
    return CGRPC_STATUS_INVALID_ARGUMENT;
  }
  if (st->bad_timeout) {
    cgrpc_web_error(err, "connect-timeout-ms must be 1 to 10 digits");
    return CGRPC_STATUS_INVALID_ARGUMENT;
  }
  if (st->bad_encoding) {
    cgrpc_web_error(err,
                    "unsupported encoding or compression: this server takes proto or json, "
                    "and gzip, deflate or identity");
    return CGRPC_STATUS_UNIMPLEMENTED;
  }
  bool streaming = x->method->client_streaming || x->method->server_streaming;
  if (streaming != st->stream) {
    cgrpc_web_error(err,
                    streaming ? "%s is a streaming method: call it with content-type "
                                "application/connect+proto or application/connect+json"
                              : "%s is a unary method: call it with content-type "
                                "application/proto or application/json",
                    x->method->path);
    return CGRPC_STATUS_UNIMPLEMENTED;
  }
  if (st->get) {
    const rest_method_rules_t *m = method_rules(st->server, x->method->path);
    if (!m || !m->no_side_effects) {
      cgrpc_web_error(err,
                      "%s may not be called with GET: only methods with "
                      "idempotency_level = NO_SIDE_EFFECTS (and their file given to "
                      "cgrpc_server_serve_rest) can be",
                      x->method->path);
      return CGRPC_STATUS_UNIMPLEMENTED;
    }
  }
  return CGRPC_STATUS_OK;
}

static bool in_append(cgrpc_web_exchange_t *x, connect_state_t *st, const uint8_t *data,
                      size_t len) {
  if (st->in_cap - st->in_len < len) {
    size_t cap = st->in_cap ? st->in_cap * 2 : 1024;
    while (cap - st->in_len < len) cap *= 2;
    uint8_t *grown = cgrpc_arena_realloc(x->arena, st->in, st->in_cap, cap);
    if (!grown) return false;
    st->in = grown;
    st->in_cap = cap;
  }
  if (len) memcpy(st->in + st->in_len, data, len);
  st->in_len += len;
  return true;
}

/* One request message (decompressed, proto or JSON) into a gRPC frame. */
static cgrpc_status_code_t frame_message(cgrpc_web_exchange_t *x, const uint8_t *data, size_t len,
                                         bool compressed, cgrpc_web_buf_t *out,
                                         cgrpc_error_t *err) {
  connect_state_t *st = x->state;
  cgrpc_status_code_t code = CGRPC_STATUS_OK;
  cgrpc_compressor_t z;
  cgrpc_compressor_init(&z, -1);
  if (compressed && st->request_encoding != CGRPC_COMPRESSION_IDENTITY) {
    cgrpc_wire_error_t werr;
    const uint8_t *plain;
    size_t plain_len;
    code = cgrpc_decompress(&z, st->request_encoding, data, len, x->max_request_bytes, &plain,
                            &plain_len, &werr);
    if (code) {
      cgrpc_web_error(err,
                      code == CGRPC_STATUS_RESOURCE_EXHAUSTED
                          ? "the request message is larger than the limit of %zu bytes"
                          : "the compressed request does not decompress",
                      x->max_request_bytes);
      code = code == CGRPC_STATUS_RESOURCE_EXHAUSTED ? code : CGRPC_STATUS_INVALID_ARGUMENT;
    }
    data = plain;
    len = plain_len;
  }
  if (!code && (!st->json || len == 0)) { /* an empty JSON body is the empty message */
    if (!cgrpc_web_buf_frame(out, 0, data, len)) code = CGRPC_STATUS_RESOURCE_EXHAUSTED;
  } else if (!code) {
    cgrpc_arena_t arena;
    cgrpc_arena_init(&arena, NULL, 0);
    void *msg = cgrpc_pb_msg_new(x->method->input, &arena);
    uint8_t *bytes = NULL;
    size_t blen = 0;
    if (!msg) {
      code = CGRPC_STATUS_RESOURCE_EXHAUSTED;
    } else if ((code = cgrpc_json_decode((const char *)data, len, msg, x->method->input, &arena,
                                         NULL, err)) == CGRPC_STATUS_OK) {
      if (cgrpc_pb_encode(msg, x->method->input, &arena, 0, &bytes, &blen, NULL) != 0 ||
          !cgrpc_web_buf_frame(out, 0, bytes, blen))
        code = CGRPC_STATUS_RESOURCE_EXHAUSTED;
    }
    cgrpc_arena_free(&arena);
  }
  cgrpc_compressor_destroy(&z);
  if (code == CGRPC_STATUS_RESOURCE_EXHAUSTED && err && !err->message[0])
    cgrpc_web_error(err, "out of memory for a request");
  return code;
}

static int hexval(char c) {
  return c >= '0' && c <= '9'   ? c - '0'
         : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                : -1;
}

/* GET: the message from ?message= (percent-encoded, base64url when base64=1). */
static cgrpc_status_code_t get_message(cgrpc_web_exchange_t *x, cgrpc_web_buf_t *out,
                                       cgrpc_error_t *err) {
  cgrpc_str_t path = x->req->path, raw = {"", 0}, b64 = {0};
  const char *q = memchr(path.data, '?', path.len);
  cgrpc_str_t query = {q + 1, path.len - (size_t)(q + 1 - path.data)};
  query_param(query, "message", &raw);
  bool base64 = query_param(query, "base64", &b64) && is(b64, "1");
  char *text = cgrpc_arena_alloc(x->arena, raw.len + 4);
  if (!text) return CGRPC_STATUS_RESOURCE_EXHAUSTED;
  size_t n = 0;
  for (size_t i = 0; i < raw.len; i++) {
    char c = raw.data[i];
    if (c == '+')
      c = ' ';
    else if (c == '%') {
      int hi = i + 2 < raw.len ? hexval(raw.data[i + 1]) : -1;
      int lo = i + 2 < raw.len ? hexval(raw.data[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        cgrpc_web_error(err, "the message parameter is not valid percent-encoding");
        return CGRPC_STATUS_INVALID_ARGUMENT;
      }
      c = (char)(hi << 4 | lo);
      i += 2;
    }
    if (base64 && c == '-') c = '+';
    if (base64 && c == '_') c = '/';
    text[n++] = c;
  }
  const uint8_t *data = (const uint8_t *)text;
  size_t len = n;
  if (base64) {
    while (len && text[len - 1] == '=') len--; /* padding is optional */
    uint8_t *bin = cgrpc_arena_alloc(x->arena, cgrpc_base64_decoded_max_len(len) + 1);
    size_t blen;
    if (!bin) return CGRPC_STATUS_RESOURCE_EXHAUSTED;
    if (cgrpc_base64_decode(text, len, bin, &blen, NULL)) {
      cgrpc_web_error(err, "the message parameter is not base64url (with base64=1)");
      return CGRPC_STATUS_INVALID_ARGUMENT;
    }
    data = bin;
    len = blen;
  }
  return frame_message(x, data, len, true, out, err);
}

/* Streaming: every whole envelope of st->in to a gRPC frame. */
static cgrpc_status_code_t stream_frames(cgrpc_web_exchange_t *x, bool end, cgrpc_web_buf_t *out,
                                         cgrpc_error_t *err) {
  connect_state_t *st = x->state;
  size_t off = 0;
  while (st->in_len - off >= 5) {
    const uint8_t *p = st->in + off;
    size_t n = (size_t)p[1] << 24 | (size_t)p[2] << 16 | (size_t)p[3] << 8 | p[4];
    if (p[0] & ~1u) {
      cgrpc_web_error(err, "a request envelope has flags 0x%02x; only 0x01 (compressed) is allowed",
                      p[0]);
      return CGRPC_STATUS_INVALID_ARGUMENT;
    }
    if (n > x->max_request_bytes) {
      cgrpc_web_error(err, "request message of %zu bytes is larger than the limit of %zu bytes", n,
                      x->max_request_bytes);
      return CGRPC_STATUS_RESOURCE_EXHAUSTED;
    }
    if (st->in_len - off - 5 < n) break;
    if ((p[0] & 1) && st->request_encoding == CGRPC_COMPRESSION_IDENTITY) {
      cgrpc_web_error(err, "a compressed envelope without connect-content-encoding");
      return CGRPC_STATUS_INVALID_ARGUMENT;
    }
    cgrpc_status_code_t code = frame_message(x, p + 5, n, p[0] & 1, out, err);
    if (code) return code;
    off += 5 + n;
  }
  memmove(st->in, st->in + off, st->in_len - off);
  st->in_len -= off;
  if (end && st->in_len) {
    cgrpc_web_error(err, "the request ends inside an envelope");
    return CGRPC_STATUS_INVALID_ARGUMENT;
  }
  return CGRPC_STATUS_OK;
}

static cgrpc_status_code_t connect_request_body(cgrpc_web_exchange_t *x, const uint8_t *data,
                                                size_t len, bool end, cgrpc_web_buf_t *out,
                                                cgrpc_error_t *err) {
  connect_state_t *st = x->state;
  if (st->refused) return CGRPC_STATUS_OK;
  if (st->get) {
    if (!end) return CGRPC_STATUS_OK; /* a GET's body is ignored */
    return get_message(x, out, err);
  }
  if (!st->stream && st->in_len + len > x->max_request_bytes) {
    cgrpc_web_error(err, "the request body is larger than the limit of %zu bytes",
                    x->max_request_bytes);
    return CGRPC_STATUS_RESOURCE_EXHAUSTED;
  }
  if (!in_append(x, st, data, len)) {
    cgrpc_web_error(err, "out of memory for a request");
    return CGRPC_STATUS_RESOURCE_EXHAUSTED;
  }
  if (st->stream) return stream_frames(x, end, out, err);
  if (!end) return CGRPC_STATUS_OK;
  return frame_message(x, st->in, st->in_len, true, out, err);
}

/* Metadata as headers: "trailer-" in front of trailers' keys (unary). */
static bool add_metadata(cgrpc_web_exchange_t *x, cgrpc_web_head_t *head,
                         const cgrpc_metadata_t *md, const char *prefix) {
  for (size_t i = 0; md && i < md->count; i++) {
    const cgrpc_metadata_entry_t *e = &md->entries[i];
    if (e->key.len >= 5 && memcmp(e->key.data, "grpc-", 5) == 0) continue;
    char name[256];
    int n = snprintf(name, sizeof name, "%s%.*s", prefix, (int)e->key.len, e->key.data);
    if (n < 0 || (size_t)n >= sizeof name) continue;
    if (!cgrpc_web_head_add(x, head, name, e->value)) return false;
  }
  return true;
}

static const char *content_type_of(const connect_state_t *st) {
  if (st->stream) return st->json ? "application/connect+json" : "application/connect+proto";
  return st->json ? "application/json" : "application/proto";
}

static bool connect_head(cgrpc_web_exchange_t *x, const cgrpc_metadata_t *md,
                         cgrpc_web_head_t *head) {
  connect_state_t *st = x->state;
  const char *ct = content_type_of(st);
  head->content_type = (cgrpc_str_t){ct, strlen(ct)};
  if (st->stream && st->accept_gzip &&
      !cgrpc_web_head_add(x, head, "connect-content-encoding", (cgrpc_str_t){"gzip", 4}))
    return false;
  return add_metadata(x, head, md, "");
}

/* gzip of data into out (replacing nothing); false when out of memory. */
static bool gzip_append(const uint8_t *data, size_t len, cgrpc_web_buf_t *out) {
  cgrpc_compressor_t z;
  cgrpc_compressor_init(&z, -1);
  size_t bound = cgrpc_compressor_bound(&z, CGRPC_COMPRESSION_GZIP, len), got = 0;
  bool ok = bound && cgrpc_web_buf_reserve(out, bound) &&
            cgrpc_compress(&z, CGRPC_COMPRESSION_GZIP, data, len, out->data + out->len,
                           out->cap - out->len, &got, NULL) == CGRPC_STATUS_OK;
  if (ok) out->len += got;
  cgrpc_compressor_destroy(&z);
  return ok;
}

static bool connect_message(cgrpc_web_exchange_t *x, const uint8_t *payload, size_t len,
                            bool compressed, cgrpc_web_buf_t *out) {
  (void)compressed; /* CGRPC_WEB_GRPC_COMPRESSION is not set: payloads come plain */
  connect_state_t *st = x->state;
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  bool ok = true;
  if (st->json) {
    void *msg = cgrpc_pb_msg_new(x->method->output, &arena);
    cgrpc_str_t json;
    ok = msg && cgrpc_pb_decode(payload, len, msg, x->method->output, &arena, 0, NULL) == 0 &&
         cgrpc_json_encode(msg, x->method->output, NULL, &arena, &json, NULL) == CGRPC_STATUS_OK;
    if (ok) {
      payload = (const uint8_t *)json.data;
      len = json.len;
    }
  }
  if (ok && !st->stream) {
    ok = cgrpc_web_buf_append(out, payload, len);
  } else if (ok && st->accept_gzip) {
    cgrpc_web_buf_t z = {0};
    ok = gzip_append(payload, len, &z) && cgrpc_web_buf_frame(out, 1, z.data, z.len);
    cgrpc_web_buf_free(&z);
  } else if (ok) {
    ok = cgrpc_web_buf_frame(out, 0, payload, len);
  }
  cgrpc_arena_free(&arena);
  return ok;
}

/* {"error":{...},"metadata":{"key":["value"]}} — the end of a stream. */
static bool end_stream_json(cgrpc_status_code_t code, cgrpc_str_t message,
                            const cgrpc_metadata_t *trailers, cgrpc_web_buf_t *b) {
  if (!cgrpc_web_buf_append(b, "{", 1)) return false;
  bool comma = false;
  if (code != CGRPC_STATUS_OK) {
    if (!cgrpc_web_buf_append(b, "\"error\":", 8) ||
        !connect_error_json(code, message, trailers, b))
      return false;
    comma = true;
  }
  size_t shown = 0;
  for (size_t i = 0; trailers && i < trailers->count; i++) {
    const cgrpc_metadata_entry_t *e = &trailers->entries[i];
    if (e->key.len >= 5 && memcmp(e->key.data, "grpc-", 5) == 0) continue;
    bool bin = e->key.len >= 4 && memcmp(e->key.data + e->key.len - 4, "-bin", 4) == 0;
    size_t cap =
        e->key.len * 6 + (bin ? cgrpc_base64_encoded_len(e->value.len) : e->value.len * 6) + 32;
    if (!cgrpc_web_buf_reserve(b, cap)) return false;
    char *w = (char *)b->data + b->len;
    size_t n = 0;
    n += (size_t)sprintf(w, "%s", shown ? "," : comma ? ",\"metadata\":{" : "\"metadata\":{");
    n = rest_json_quote(w, n, cap, e->key.data, e->key.len);
    w[n++] = ':';
    w[n++] = '[';
    if (bin) {
      w[n++] = '"';
      n += cgrpc_base64_encode((const uint8_t *)e->value.data, e->value.len, w + n);
      w[n++] = '"';
    } else {
      n = rest_json_quote(w, n, cap, e->value.data, e->value.len);
    }
    w[n++] = ']';
    b->len += n;
    shown++;
  }
  if (shown && !cgrpc_web_buf_append(b, "}", 1)) return false;
  return cgrpc_web_buf_append(b, "}", 1);
}

static bool connect_finish(cgrpc_web_exchange_t *x, cgrpc_status_code_t code, cgrpc_str_t message,
                           const cgrpc_metadata_t *trailers, const cgrpc_metadata_t *md,
                           cgrpc_web_head_t *head, cgrpc_web_buf_t *body, cgrpc_web_buf_t *out) {
  connect_state_t *st = x->state;
  if (st->stream) {
    if (head && !connect_head(x, md, head)) return false;
    cgrpc_web_buf_t json = {0};
    bool ok = end_stream_json(code, message, trailers, &json) &&
              cgrpc_web_buf_frame(out, 2, json.data, json.len);
    cgrpc_web_buf_free(&json);
    return ok;
  }
  if (!head) return true; /* unary answers are buffered: head is always here */
  if (!add_metadata(x, head, md, "") || !add_metadata(x, head, trailers, "trailer-")) return false;
  if (code != CGRPC_STATUS_OK) {
    head->status = connect_http_status(code);
    head->content_type = (cgrpc_str_t){"application/json", 16};
    body->len = 0;
    return connect_error_json(code, message, trailers, body);
  }
  const char *ct = content_type_of(st);
  head->content_type = (cgrpc_str_t){ct, strlen(ct)};
  if (st->accept_gzip && body->len >= CONNECT_COMPRESS_MIN) {
    cgrpc_web_buf_t z = {0};
    if (gzip_append(body->data, body->len, &z) && z.len < body->len) {
      cgrpc_web_buf_t old = *body;
      *body = z;
      cgrpc_web_buf_free(&old);
      return cgrpc_web_head_add(x, head, "content-encoding", (cgrpc_str_t){"gzip", 4});
    }
    cgrpc_web_buf_free(&z);
  }
  return true;
}

static cgrpc_status_code_t connect_server_start(const cgrpc_web_server_t *srv, void **state,
                                                cgrpc_error_t *err) {
  connect_server_t *s = cgrpc_malloc(sizeof *s);
  if (!s) {
    cgrpc_web_error(err, "out of memory");
    return CGRPC_STATUS_RESOURCE_EXHAUSTED;
  }
  memset(s, 0, sizeof *s);
  cgrpc_arena_init(&s->arena, NULL, 0);
  *state = s;
  for (size_t i = 0; i < srv->rest_file_count; i++) {
    const cgrpc_pb_file_t *f = srv->rest_files[i];
    rest_method_rules_t *m;
    size_t n;
    cgrpc_status_code_t code =
        rest_rules_from_file(f->descriptor, f->descriptor_len, &s->arena, &m, &n, err);
    if (code) return code;
    rest_method_rules_t *all = cgrpc_arena_realloc(
        &s->arena, s->methods, s->method_count * sizeof *all, (s->method_count + n) * sizeof *all);
    if (!all) return CGRPC_STATUS_RESOURCE_EXHAUSTED;
    memcpy(all + s->method_count, m, n * sizeof *m);
    s->methods = all;
    s->method_count += n;
  }
  return CGRPC_STATUS_OK;
}

static void connect_server_stop(void *state) {
  connect_server_t *s = state;
  cgrpc_arena_free(&s->arena);
  cgrpc_free(s);
}

const cgrpc_web_protocol_t cgrpc_web_connect_protocol = {
    .name = "connect",
    .match = connect_match,
    .on_method = connect_on_method,
    .request_body = connect_request_body,
    .response_head = connect_head,
    .response_message = connect_message,
    .finish = connect_finish,
    .server_start = connect_server_start,
    .server_stop = connect_server_stop,
};

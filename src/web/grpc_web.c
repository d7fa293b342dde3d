/* web/grpc_web.c — the gRPC-Web protocol (grpc/grpc PROTOCOL-WEB.md) on
 * the seam of web/protocol.h.
 *
 * gRPC-Web is gRPC's framing without HTTP trailers: requests are POSTs
 * whose body is the 5-byte-prefixed messages, responses carry the
 * messages the same way and end with one more frame, flag 0x80, holding
 * the trailers as HTTP/1-style "name: value\r\n" lines. Variants:
 *   application/grpc-web, application/grpc-web+proto   binary, as gRPC
 *   application/grpc-web+json                          message payloads in JSON
 *   application/grpc-web-text[+proto|+json]            all of it base64
 * The binary variant costs nothing on top of gRPC: the request bytes go
 * straight to the deframer and response messages out as they are. The
 * others transform the bytes (variant vtables with hooks).
 *
 * A call that ends before any message was sent is answered with the
 * status in the response headers only (as gRPC's Trailers-Only), never
 * an empty body with a trailer frame. Client streaming is not part of
 * gRPC-Web (browsers cannot stream request bodies): such methods are
 * refused with UNIMPLEMENTED before the handler runs.
 */
#include <stdio.h>
#include <string.h>

#include "cgrpc/json.h"
#include "cgrpc/pb.h"
#include "h2/base64.h"
#include "h2/percent.h"
#include "web/b64.h"
#include "web/protocol.h"

typedef struct grpc_web_state {
  bool text, json;
  cgrpc_web_b64_t b64;    /* text: the request's base64 */
  cgrpc_web_buf_t frames; /* json: request frames not yet whole */
} grpc_web_state_t;

static grpc_web_state_t *state_of(cgrpc_web_exchange_t *x) { return x->state; }

static bool starts_with(cgrpc_str_t s, const char *p) {
  size_t n = strlen(p);
  return s.len >= n && memcmp(s.data, p, n) == 0;
}

/* The content-type without parameters. */
static cgrpc_str_t media_type(cgrpc_str_t ct) {
  size_t n = 0;
  while (n < ct.len && ct.data[n] != ';' && ct.data[n] != ' ') n++;
  return (cgrpc_str_t){ct.data, n};
}

static bool is(cgrpc_str_t s, const char *lit) {
  return s.len == strlen(lit) && memcmp(s.data, lit, s.len) == 0;
}

extern const cgrpc_web_protocol_t cgrpc_web_grpc_web_transform;

static cgrpc_web_match_t grpc_web_match(cgrpc_web_exchange_t *x, void *server_state) {
  (void)server_state;
  cgrpc_str_t ct = media_type(x->req->content_type);
  if (!starts_with(ct, "application/grpc-web")) return CGRPC_WEB_NO;
  bool text, json;
  if (is(ct, "application/grpc-web") || is(ct, "application/grpc-web+proto")) {
    text = json = false;
  } else if (is(ct, "application/grpc-web+json")) {
    text = false;
    json = true;
  } else if (is(ct, "application/grpc-web-text") || is(ct, "application/grpc-web-text+proto")) {
    text = true;
    json = false;
  } else if (is(ct, "application/grpc-web-text+json")) {
    text = json = true;
  } else {
    return CGRPC_WEB_NO; /* another codec: 415 as any unknown type */
  }
  if (!is(x->req->method, "POST")) {
    static const char kPost[] = "gRPC-Web requires the POST method\n";
    return cgrpc_web_respond_text(x, 405, "text/plain", kPost, sizeof kPost - 1) ? CGRPC_WEB_RESPOND
                                                                                 : CGRPC_WEB_NO;
  }
  grpc_web_state_t *st = cgrpc_arena_alloc(x->arena, sizeof *st);
  if (!st) return CGRPC_WEB_NO;
  memset(st, 0, sizeof *st);
  st->text = text;
  st->json = json;
  x->state = st;
  /* JSON payloads are printed from uncompressed messages. */
  x->flags = json ? 0 : CGRPC_WEB_GRPC_COMPRESSION;
  if (text || json) x->proto = &cgrpc_web_grpc_web_transform;
  return CGRPC_WEB_CALL;
}

static cgrpc_status_code_t grpc_web_on_method(cgrpc_web_exchange_t *x, cgrpc_error_t *err) {
  if (!x->method->client_streaming) return CGRPC_STATUS_OK;
  cgrpc_web_error(err,
                  "%s is a client-streaming method, which gRPC-Web cannot carry (browsers "
                  "send one request body): call it over gRPC (HTTP/2)",
                  x->method->path);
  return CGRPC_STATUS_UNIMPLEMENTED;
}

static const char *content_type_of(const grpc_web_state_t *st) {
  if (st->text)
    return st->json ? "application/grpc-web-text+json" : "application/grpc-web-text+proto";
  return st->json ? "application/grpc-web+json" : "application/grpc-web+proto";
}

static bool copy_metadata(cgrpc_web_exchange_t *x, cgrpc_web_head_t *head,
                          const cgrpc_metadata_t *md) {
  for (size_t i = 0; md && i < md->count; i++) {
    if (!cgrpc_web_head_add(x, head, md->entries[i].key.data, md->entries[i].value)) return false;
  }
  return true;
}

static bool grpc_web_head(cgrpc_web_exchange_t *x, const cgrpc_metadata_t *md,
                          cgrpc_web_head_t *head) {
  const char *ct = content_type_of(state_of(x));
  head->content_type = (cgrpc_str_t){ct, strlen(ct)};
  return copy_metadata(x, head, md);
}

/* Appends bytes of the response body, base64 for text. */
static bool emit(grpc_web_state_t *st, const uint8_t *data, size_t len, cgrpc_web_buf_t *out) {
  return st->text ? cgrpc_web_b64_encode(data, len, out) : cgrpc_web_buf_append(out, data, len);
}

/* The trailer block: "grpc-status: N\r\ngrpc-message: ...\r\n" and the
 * trailers, binary values base64. */
static bool trailer_block(cgrpc_status_code_t code, cgrpc_str_t message,
                          const cgrpc_metadata_t *trailers, cgrpc_web_buf_t *b) {
  char line[48];
  int n = snprintf(line, sizeof line, "grpc-status:%d\r\n", (int)code);
  if (!cgrpc_web_buf_append(b, line, (size_t)n)) return false;
  if (message.len) {
    size_t enc = cgrpc_percent_encoded_len((const uint8_t *)message.data, message.len);
    if (!cgrpc_web_buf_append(b, "grpc-message:", 13) || !cgrpc_web_buf_reserve(b, enc + 2)) {
      return false;
    }
    b->len +=
        cgrpc_percent_encode((const uint8_t *)message.data, message.len, (char *)b->data + b->len);
    if (!cgrpc_web_buf_append(b, "\r\n", 2)) return false;
  }
  for (size_t i = 0; trailers && i < trailers->count; i++) {
    const cgrpc_metadata_entry_t *e = &trailers->entries[i];
    if (!cgrpc_web_buf_append(b, e->key.data, e->key.len) || !cgrpc_web_buf_append(b, ":", 1)) {
      return false;
    }
    size_t klen = e->key.len;
    if (klen >= 4 && memcmp(e->key.data + klen - 4, "-bin", 4) == 0) {
      if (!cgrpc_web_buf_reserve(b, cgrpc_base64_encoded_len(e->value.len))) return false;
      b->len += cgrpc_base64_encode((const uint8_t *)e->value.data, e->value.len,
                                    (char *)b->data + b->len);
    } else if (!cgrpc_web_buf_append(b, e->value.data, e->value.len)) {
      return false;
    }
    if (!cgrpc_web_buf_append(b, "\r\n", 2)) return false;
  }
  return true;
}

static bool grpc_web_finish(cgrpc_web_exchange_t *x, cgrpc_status_code_t code, cgrpc_str_t message,
                            const cgrpc_metadata_t *trailers, const cgrpc_metadata_t *md,
                            cgrpc_web_head_t *head, cgrpc_web_buf_t *body, cgrpc_web_buf_t *out) {
  (void)md;
  (void)body;
  grpc_web_state_t *st = state_of(x);
  if (head) {
    /* Nothing sent: the status travels in the headers only. */
    char num[8];
    snprintf(num, sizeof num, "%d", (int)code);
    const char *ct = content_type_of(st);
    head->content_type = (cgrpc_str_t){ct, strlen(ct)};
    if (!cgrpc_web_head_add(x, head, "grpc-status", (cgrpc_str_t){num, strlen(num)})) return false;
    if (message.len) {
      size_t enc = cgrpc_percent_encoded_len((const uint8_t *)message.data, message.len);
      char *v = cgrpc_arena_alloc(x->arena, enc);
      if (!v) return false;
      cgrpc_percent_encode((const uint8_t *)message.data, message.len, v);
      if (!cgrpc_web_head_add(x, head, "grpc-message", (cgrpc_str_t){v, enc})) return false;
    }
    return copy_metadata(x, head, trailers);
  }
  cgrpc_web_buf_t block = {0};
  bool ok = trailer_block(code, message, trailers, &block);
  if (ok) {
    cgrpc_web_buf_t frame = {0};
    ok = cgrpc_web_buf_frame(&frame, 0x80, block.data, block.len) &&
         emit(st, frame.data, frame.len, out);
    cgrpc_web_buf_free(&frame);
  }
  cgrpc_web_buf_free(&block);
  return ok;
}

/* ---- The text and JSON variants ---------------------------------------------------- */

/* JSON request frames to protobuf frames, as many as are whole. */
static cgrpc_status_code_t json_frames(cgrpc_web_exchange_t *x, cgrpc_web_buf_t *in,
                                       cgrpc_web_buf_t *out, cgrpc_error_t *err) {
  size_t off = 0;
  cgrpc_status_code_t code = CGRPC_STATUS_OK;
  while (in->len - off >= 5) {
    const uint8_t *p = in->data + off;
    size_t n = (size_t)p[1] << 24 | (size_t)p[2] << 16 | (size_t)p[3] << 8 | p[4];
    if (p[0] != 0) {
      cgrpc_web_error(err, "gRPC-Web+json: a compressed or unknown frame (flag %u)", p[0]);
      return CGRPC_STATUS_INTERNAL;
    }
    if (n > x->max_request_bytes) {
      cgrpc_web_error(err, "request message of %zu bytes is larger than the limit of %zu bytes", n,
                      x->max_request_bytes);
      return CGRPC_STATUS_RESOURCE_EXHAUSTED;
    }
    if (in->len - off - 5 < n) break;
    cgrpc_arena_t arena;
    cgrpc_arena_init(&arena, NULL, 0);
    void *msg = cgrpc_pb_msg_new(x->method->input, &arena);
    uint8_t *bytes = NULL;
    size_t blen = 0;
    if (!msg) {
      code = CGRPC_STATUS_RESOURCE_EXHAUSTED;
      cgrpc_web_error(err, "out of memory for a request");
    } else if ((code = cgrpc_json_decode((const char *)p + 5, n, msg, x->method->input, &arena,
                                         NULL, err)) == CGRPC_STATUS_OK) {
      if (cgrpc_pb_encode(msg, x->method->input, &arena, 0, &bytes, &blen, NULL) != 0 ||
          !cgrpc_web_buf_frame(out, 0, bytes, blen)) {
        code = CGRPC_STATUS_RESOURCE_EXHAUSTED;
        cgrpc_web_error(err, "out of memory for a request");
      }
    } else {
      code = CGRPC_STATUS_INVALID_ARGUMENT;
    }
    cgrpc_arena_free(&arena);
    if (code != CGRPC_STATUS_OK) return code;
    off += 5 + n;
  }
  memmove(in->data, in->data + off, in->len - off);
  in->len -= off;
  return CGRPC_STATUS_OK;
}

static cgrpc_status_code_t transform_body(cgrpc_web_exchange_t *x, const uint8_t *data, size_t len,
                                          bool end, cgrpc_web_buf_t *out, cgrpc_error_t *err) {
  grpc_web_state_t *st = state_of(x);
  cgrpc_web_buf_t *binary = st->json ? &st->frames : out;
  cgrpc_status_code_t code = CGRPC_STATUS_OK;
  if (st->text) {
    bool oom;
    if (!cgrpc_web_b64_decode(&st->b64, data, len, binary, &oom)) {
      cgrpc_web_error(err, oom ? "out of memory" : "gRPC-Web-text: the request is not base64");
      code = oom ? CGRPC_STATUS_RESOURCE_EXHAUSTED : CGRPC_STATUS_INTERNAL;
    } else if (end && !cgrpc_web_b64_complete(&st->b64)) {
      cgrpc_web_error(err, "gRPC-Web-text: the request ends inside a base64 group");
      code = CGRPC_STATUS_INTERNAL;
    }
  } else if (!cgrpc_web_buf_append(binary, data, len)) {
    cgrpc_web_error(err, "out of memory");
    code = CGRPC_STATUS_RESOURCE_EXHAUSTED;
  }
  if (code == CGRPC_STATUS_OK && st->json) code = json_frames(x, &st->frames, out, err);
  if (end || code != CGRPC_STATUS_OK) {
    /* What is left is a cut-off frame: the deframer reports it. */
    if (code == CGRPC_STATUS_OK && st->frames.len) {
      cgrpc_web_buf_append(out, st->frames.data, st->frames.len);
    }
    cgrpc_web_buf_free(&st->frames);
  }
  return code;
}

static bool transform_message(cgrpc_web_exchange_t *x, const uint8_t *payload, size_t len,
                              bool compressed, cgrpc_web_buf_t *out) {
  grpc_web_state_t *st = state_of(x);
  cgrpc_web_buf_t frame = {0};
  bool ok;
  if (st->json) {
    cgrpc_arena_t arena;
    cgrpc_arena_init(&arena, NULL, 0);
    void *msg = cgrpc_pb_msg_new(x->method->output, &arena);
    cgrpc_str_t json = {NULL, 0};
    ok = msg && cgrpc_pb_decode(payload, len, msg, x->method->output, &arena, 0, NULL) == 0 &&
         cgrpc_json_encode(msg, x->method->output, NULL, &arena, &json, NULL) == CGRPC_STATUS_OK &&
         cgrpc_web_buf_frame(&frame, 0, json.data, json.len);
    cgrpc_arena_free(&arena);
  } else {
    ok = cgrpc_web_buf_frame(&frame, compressed ? 1 : 0, payload, len);
  }
  ok = ok && emit(st, frame.data, frame.len, out);
  cgrpc_web_buf_free(&frame);
  return ok;
}

const cgrpc_web_protocol_t cgrpc_web_grpc_web_protocol = {
    .name = "grpc-web",
    .match = grpc_web_match,
    .on_method = grpc_web_on_method,
    .response_head = grpc_web_head,
    .finish = grpc_web_finish,
};

/* The same protocol for -text and +json requests (match switches to it). */
const cgrpc_web_protocol_t cgrpc_web_grpc_web_transform = {
    .name = "grpc-web",
    .match = grpc_web_match,
    .on_method = grpc_web_on_method,
    .request_body = transform_body,
    .response_head = grpc_web_head,
    .response_message = transform_message,
    .finish = grpc_web_finish,
};

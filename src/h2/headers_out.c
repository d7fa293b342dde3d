/* h2/headers_out.c — the header blocks a gRPC endpoint sends.
 *
 * Request headers, response headers, trailers and Trailers-Only blocks are
 * built as nghttp2_nv arrays in the stream's arena, in the order the spec
 * asks (pseudo-headers, grpc-timeout, the other call headers, then custom
 * metadata). They are built when the layer above asks for them and
 * submitted later, when nghttp2 can take them (a request waits for the
 * server's SETTINGS; trailers wait for the last DATA frame), which is why
 * they live in the arena. Header names are static strings nghttp2 need not
 * copy; values are copied by nghttp2 at submission, so nothing here has to
 * outlive a frame nghttp2 may still hold after the stream is gone.
 */
#include <stdio.h>
#include <string.h>

#include "h2/base64.h"
#include "h2/conn_internal.h"
#include "h2/grpc_timeout.h"
#include "h2/percent.h"

/* An nv array under construction. */
typedef struct nv_builder {
  nghttp2_nv *nv;
  size_t len, cap;
  cgrpc_arena_t *arena;
  bool ok;
} nv_builder_t;

static void nv_begin(nv_builder_t *b, cgrpc_arena_t *arena, size_t cap) {
  b->arena = arena;
  b->cap = cap;
  b->len = 0;
  b->nv = cgrpc_arena_alloc(arena, cap * sizeof *b->nv);
  b->ok = b->nv != NULL;
}

/* `name` must be static: nghttp2 does not copy it. */
static void nv_static(nv_builder_t *b, const char *name, const char *value, size_t value_len) {
  if (!b->ok) return;
  b->nv[b->len++] = (nghttp2_nv){(uint8_t *)name, (uint8_t *)value, strlen(name), value_len,
                                 NGHTTP2_NV_FLAG_NO_COPY_NAME};
}

static void nv_lit(nv_builder_t *b, const char *name, const char *value) {
  nv_static(b, name, value, strlen(value));
}

/* A value copied into the arena (the caller's memory may go away before the
 * block is submitted). */
static void nv_copy(nv_builder_t *b, const char *name, const void *value, size_t value_len) {
  if (!b->ok) return;
  void *v = cgrpc_arena_memdup(b->arena, value, value_len);
  if (!v && value_len) {
    b->ok = false;
    return;
  }
  nv_static(b, name, v, value_len);
}

/* Custom metadata: keys are copied too; binary values go out as unpadded
 * base64. */
static void nv_metadata(nv_builder_t *b, const cgrpc_metadata_t *md) {
  for (size_t i = 0; md && i < md->count && b->ok; i++) {
    const cgrpc_metadata_entry_t *e = &md->entries[i];
    void *key = cgrpc_arena_memdup(b->arena, e->key.data, e->key.len);
    size_t vlen = e->value.len;
    char *value;
    if (cgrpc_metadata_key_is_binary(e->key.data, e->key.len)) {
      vlen = cgrpc_base64_encoded_len(e->value.len);
      value = cgrpc_arena_alloc(b->arena, vlen);
      if (value) cgrpc_base64_encode((const uint8_t *)e->value.data, e->value.len, value);
    } else {
      value = cgrpc_arena_memdup(b->arena, e->value.data, vlen);
    }
    if (!key || !value) {
      b->ok = false;
      return;
    }
    b->nv[b->len++] = (nghttp2_nv){key, (uint8_t *)value, e->key.len, vlen, NGHTTP2_NV_FLAG_NONE};
  }
}

static const char kContentType[] = "application/grpc";

bool cgrpc_h2_build_request(cgrpc_h2_stream_t *s, const cgrpc_h2_request_t *req) {
  cgrpc_h2_conn_t *c = s->conn;
  nv_builder_t b;
  nv_begin(&b, &s->arena, 11 + (req->metadata ? req->metadata->count : 0));
  nv_lit(&b, ":method", "POST");
  nv_lit(&b, ":scheme", c->opts.secure ? "https" : "http");
  nv_copy(&b, ":path", req->path.data, req->path.len);
  nv_copy(&b, ":authority", req->authority.data, req->authority.len);
  if (req->deadline != CGRPC_INFINITE) {
    /* Filled at submission with the time then left. */
    char *slot = cgrpc_arena_alloc(&s->arena, CGRPC_GRPC_TIMEOUT_BUFSIZE);
    if (!slot) return false;
    nv_static(&b, "grpc-timeout", slot, 0);
  }
  nv_lit(&b, "te", "trailers");
  nv_lit(&b, "content-type", kContentType);
  if (req->encoding != CGRPC_COMPRESSION_IDENTITY) {
    nv_lit(&b, "grpc-encoding", cgrpc_compression_name(req->encoding));
  }
  nv_lit(&b, "grpc-accept-encoding", cgrpc_compression_format_accept(c->opts.accept_encodings));
  if (req->user_agent.len) nv_copy(&b, "user-agent", req->user_agent.data, req->user_agent.len);
  nv_metadata(&b, req->metadata);
  if (!b.ok) return false;
  s->nva = b.nv;
  s->nva_len = b.len;
  return true;
}

void cgrpc_h2_request_set_timeout(cgrpc_h2_stream_t *s, int64_t now) {
  nghttp2_nv *nv = (nghttp2_nv *)s->nva;
  if (s->deadline == CGRPC_INFINITE) return;
  /* grpc-timeout directly follows the four pseudo-headers. */
  nv[4].valuelen = cgrpc_grpc_timeout_encode(s->deadline - now, (char *)nv[4].value);
}

bool cgrpc_h2_build_response(cgrpc_h2_stream_t *s, const cgrpc_metadata_t *md) {
  nv_builder_t b;
  nv_begin(&b, &s->arena, 4 + (md ? md->count : 0));
  nv_lit(&b, ":status", "200");
  nv_lit(&b, "content-type", kContentType);
  if (s->send_encoding != CGRPC_COMPRESSION_IDENTITY) {
    nv_lit(&b, "grpc-encoding", cgrpc_compression_name(s->send_encoding));
  }
  nv_lit(&b, "grpc-accept-encoding",
         cgrpc_compression_format_accept(s->conn->opts.accept_encodings));
  nv_metadata(&b, md);
  if (!b.ok) return false;
  s->nva = b.nv;
  s->nva_len = b.len;
  return true;
}

bool cgrpc_h2_build_trailers(cgrpc_h2_stream_t *s, int http_status, cgrpc_status_code_t code,
                             const char *message, size_t message_len, const cgrpc_metadata_t *md,
                             bool advertise_encodings) {
  static const char *const kCodes[CGRPC_STATUS_CODE_COUNT] = {
      "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16"};
  bool trailers_only = !(s->state & ST_RESP_STARTED);
  nv_builder_t b;
  nv_begin(&b, &s->arena, 6 + (md ? md->count : 0));
  if (trailers_only) {
    char status[4];
    snprintf(status, sizeof status, "%03d", http_status);
    nv_copy(&b, ":status", status, 3);
    nv_lit(&b, "content-type", kContentType);
  }
  nv_lit(&b, "grpc-status", cgrpc_status_code_is_valid(code) ? kCodes[code] : "2");
  if (message_len > 0) {
    size_t enc_len = cgrpc_percent_encoded_len((const uint8_t *)message, message_len);
    char *enc = cgrpc_arena_alloc(&s->arena, enc_len);
    if (!enc) return false;
    cgrpc_percent_encode((const uint8_t *)message, message_len, enc);
    nv_static(&b, "grpc-message", enc, enc_len);
  }
  if (advertise_encodings) {
    nv_lit(&b, "grpc-accept-encoding",
           cgrpc_compression_format_accept(s->conn->opts.accept_encodings));
  }
  nv_metadata(&b, md);
  if (!b.ok) return false;
  if (trailers_only) s->state |= ST_TRAILERS_ONLY;
  s->trailers_nva = b.nv;
  s->trailers_nva_len = b.len;
  return true;
}

/* Access-Control-Expose-Headers: what a browser may read of a response
 * (only with CORS): the status headers and every header the head carries,
 * so custom response metadata is readable too (Envoy forgets this). */
static void nv_expose(nv_builder_t *b, const cgrpc_metadata_t *md) {
  static const char kFixed[] = "grpc-status,grpc-message,grpc-status-details-bin";
  size_t len = sizeof kFixed - 1;
  for (size_t i = 0; md && i < md->count; i++) len += 1 + md->entries[i].key.len;
  /* (A preflight's own access-control-* headers are not worth exposing.) */
  char *v = b->ok ? cgrpc_arena_alloc(b->arena, len) : NULL;
  if (!v) {
    b->ok = false;
    return;
  }
  size_t n = sizeof kFixed - 1;
  memcpy(v, kFixed, n);
  for (size_t i = 0; md && i < md->count; i++) {
    const cgrpc_str_t *k = &md->entries[i].key;
    if (k->len >= 15 && memcmp(k->data, "access-control-", 15) == 0) continue;
    v[n++] = ',';
    memcpy(v + n, md->entries[i].key.data, md->entries[i].key.len);
    n += md->entries[i].key.len;
  }
  nv_static(b, "access-control-expose-headers", v, n);
}

bool cgrpc_h2_build_web_head(cgrpc_h2_stream_t *s, const struct cgrpc_web_head *head,
                             bool grpc_encoding) {
  const cgrpc_web_exchange_t *x = s->web;
  size_t extra = head->headers.count + (x ? x->cors.count : 0);
  nv_builder_t b;
  nv_begin(&b, &s->arena, 6 + extra);
  char status[4];
  int code = head->status >= 100 && head->status <= 999 ? head->status : 500;
  snprintf(status, sizeof status, "%03d", code);
  nv_copy(&b, ":status", status, 3);
  if (head->content_type.len) {
    nv_copy(&b, "content-type", head->content_type.data, head->content_type.len);
  }
  if (grpc_encoding) {
    if (s->send_encoding != CGRPC_COMPRESSION_IDENTITY) {
      nv_lit(&b, "grpc-encoding", cgrpc_compression_name(s->send_encoding));
    }
    nv_lit(&b, "grpc-accept-encoding",
           cgrpc_compression_format_accept(s->conn->opts.accept_encodings));
  }
  nv_metadata(&b, &head->headers);
  if (x && x->cors.count) {
    nv_metadata(&b, &x->cors);
    nv_expose(&b, &head->headers);
  }
  if (!b.ok) return false;
  s->nva = b.nv;
  s->nva_len = b.len;
  return true;
}

/* h2/headers_in.c — reading and checking the header blocks a peer sends.
 *
 * nghttp2 hands over one field at a time (already HPACK-decoded and checked
 * against HTTP/2's own rules: lower-case names, no connection headers,
 * pseudo-headers first, trailers with END_STREAM). Each field is counted
 * against the header-list limit, then either interpreted (pseudo-headers,
 * content-type, te, grpc-*) or stored as metadata in the stream's arena,
 * binary values base64-decoded. Problems are recorded, not acted on: the
 * whole block must still be read to keep HPACK in sync, and the answer
 * depends on everything in it. At the end of the block the server either
 * dispatches the request or answers it with the right HTTP and gRPC status
 * (Trailers-Only); the client either reports the response headers, or
 * turns the block into the call's status.
 *
 * The server is strict about requests (a bad `-bin` value or grpc-timeout
 * fails the call); the client is lenient about metadata in responses (a bad
 * entry is dropped) so a server's status is never lost to a formatting slip.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/time.h"
#include "h2/base64.h"
#include "h2/conn_internal.h"
#include "h2/grpc_timeout.h"
#include "h2/http_status.h"
#include "h2/metadata.h"
#include "h2/metadata_check.h"
#include "h2/percent.h"
#include "h2/value_list.h"

static bool eq(const char *a, size_t alen, const char *lit) {
  size_t n = strlen(lit);
  return alen == n && memcmp(a, lit, n) == 0;
}

/* "application/grpc", optionally followed by "+subtype" or ";params". */
static bool is_grpc_content_type(const char *v, size_t n) {
  static const char kPrefix[] = "application/grpc";
  size_t p = sizeof kPrefix - 1;
  if (n < p || memcmp(v, kPrefix, p) != 0) return false;
  return n == p || v[p] == '+' || v[p] == ';';
}

static cgrpc_str_t arena_str(cgrpc_arena_t *a, const char *v, size_t n) {
  char *p = cgrpc_arena_alloc(a, n + 1);
  if (!p) return (cgrpc_str_t){"", 0};
  memcpy(p, v, n);
  p[n] = '\0';
  return (cgrpc_str_t){p, n};
}

static bool is_server(const cgrpc_h2_stream_t *s) { return s->conn->role == CGRPC_H2_SERVER; }

/* Records the block's first problem; the rest of the block is still read. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void
problem(cgrpc_h2_header_state_t *hs, cgrpc_status_code_t code, const char *fmt, ...);

static void problem(cgrpc_h2_header_state_t *hs, cgrpc_status_code_t code, const char *fmt, ...) {
  if (hs->error.code != CGRPC_STATUS_OK) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(hs->error.message, sizeof hs->error.message, fmt, ap);
  va_end(ap);
  hs->error.code = code;
}

void cgrpc_h2_headers_begin(cgrpc_h2_stream_t *s) {
  if (!s->hs) s->hs = cgrpc_arena_alloc(&s->arena, sizeof *s->hs);
  if (!s->hs) return;
  memset(s->hs, 0, sizeof *s->hs);
  /* Responses are not capped in fields: a trailer block's grpc-status must
   * never be lost to a count. */
  uint32_t fields = s->conn->opts.max_header_fields;
  cgrpc_header_budget_init(&s->hs->budget, s->conn->opts.max_header_list,
                           is_server(s) && fields != UINT32_MAX ? fields : SIZE_MAX);
  s->hs->timeout = -1;
  s->state &= ~ST_HDR_1XX;
}

/* A custom metadata entry: stored (binary values decoded, one entry per
 * comma-separated element), or a recorded problem on the server. */
static void add_metadata(cgrpc_h2_stream_t *s, cgrpc_metadata_t *md, const char *name, size_t nlen,
                         const char *value, size_t vlen) {
  cgrpc_h2_header_state_t *hs = s->hs;
  if (!cgrpc_metadata_key_is_binary(name, nlen)) {
    if (!cgrpc_metadata_value_is_acceptable(value, vlen)) {
      if (is_server(s)) {
        problem(hs, CGRPC_STATUS_INTERNAL, "metadata \"%.*s\" has a value with a control byte",
                (int)(nlen > 64 ? 64 : nlen), name);
      }
      return;
    }
    if (!cgrpc_h2_metadata_append_copy(md, &s->arena, name, nlen, value, vlen)) {
      problem(hs, CGRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory for metadata");
    }
    return;
  }
  cgrpc_str_t key = arena_str(&s->arena, name, nlen);
  cgrpc_value_list_t list;
  const char *elem;
  size_t elen;
  cgrpc_value_list_init(&list, value, vlen);
  while (cgrpc_value_list_next(&list, &elem, &elen)) {
    /* One byte more for the NUL every stored value ends with. */
    uint8_t *buf = cgrpc_arena_alloc(&s->arena, cgrpc_base64_decoded_max_len(elen) + 1);
    size_t out_len = 0;
    cgrpc_wire_error_t err;
    if (!buf || key.len != nlen) {
      problem(hs, CGRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory for metadata");
      return;
    }
    if (cgrpc_base64_decode(elem, elen, buf, &out_len, &err) != CGRPC_STATUS_OK) {
      if (is_server(s)) {
        problem(hs, CGRPC_STATUS_INTERNAL, "metadata \"%.*s\": %s", (int)(nlen > 64 ? 64 : nlen),
                name, err.message);
      }
      continue;
    }
    buf[out_len] = '\0';
    if (!cgrpc_h2_metadata_append(md, &s->arena, key, (cgrpc_str_t){(const char *)buf, out_len})) {
      problem(hs, CGRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory for metadata");
      return;
    }
  }
}

/* Headers the library interprets itself; never handed to the application. */
static void reserved_field(cgrpc_h2_stream_t *s, const char *name, size_t nlen, const char *value,
                           size_t vlen) {
  cgrpc_h2_header_state_t *hs = s->hs;
  if (eq(name, nlen, "content-type")) {
    hs->content_type_seen = true;
    hs->content_type_ok = is_grpc_content_type(value, vlen);
    /* Kept for the messages that quote it: a server's only when it rejects
     * the request (not worth a copy per call otherwise). */
    if (!hs->content_type_ok || !is_server(s)) {
      snprintf(hs->content_type, sizeof hs->content_type, "%.*s", (int)vlen, value);
    }
    if (!hs->content_type_ok && is_server(s) && s->conn->opts.web) {
      hs->content_type_full = arena_str(&s->arena, value, vlen);
    }
  } else if (eq(name, nlen, "te")) {
    hs->te_trailers = eq(value, vlen, "trailers");
  } else if (eq(name, nlen, "grpc-timeout")) {
    if (!is_server(s)) return;
    int64_t ns;
    cgrpc_wire_error_t err;
    if (cgrpc_grpc_timeout_parse(value, vlen, &ns, &err) == CGRPC_STATUS_OK) {
      hs->timeout = ns;
    } else {
      problem(hs, err.code, "%s", err.message);
    }
  } else if (eq(name, nlen, "grpc-encoding")) {
    cgrpc_compression_t alg;
    bool known = cgrpc_compression_from_name(value, vlen, &alg) &&
                 (s->conn->opts.accept_encodings & CGRPC_COMPRESSION_SET_OF(alg));
    if (known) {
      s->recv_encoding = alg;
    } else if (is_server(s)) {
      hs->advertise = true;
      problem(hs, CGRPC_STATUS_UNIMPLEMENTED, "grpc-encoding \"%.*s\" is not supported",
              (int)(vlen > 32 ? 32 : vlen), value);
    } else {
      problem(hs, CGRPC_STATUS_INTERNAL,
              "the server compresses with grpc-encoding \"%.*s\", which is not supported",
              (int)(vlen > 32 ? 32 : vlen), value);
    }
  } else if (eq(name, nlen, "grpc-accept-encoding")) {
    s->peer_accepts = cgrpc_compression_parse_accept(value, vlen);
  } else if (eq(name, nlen, "grpc-status")) {
    if (is_server(s)) return;
    hs->grpc_status_seen = true;
    hs->grpc_status = cgrpc_status_from_grpc_status(value, vlen);
    /* An unparseable value reads UNKNOWN; unless the server's grpc-message
     * explains the call, say why the code is UNKNOWN. */
    size_t zeros = 0;
    while (zeros < vlen && value[zeros] == '0') zeros++;
    bool says_unknown = zeros + 1 == vlen && value[zeros] == '2';
    if (hs->grpc_status == CGRPC_STATUS_UNKNOWN && !says_unknown && !hs->grpc_message) {
      char note[96];
      snprintf(note, sizeof note, "unparseable grpc-status \"%.*s\"", (int)(vlen > 32 ? 32 : vlen),
               value);
      cgrpc_str_t m = arena_str(&s->arena, note, strlen(note));
      hs->grpc_message = m.data;
      hs->grpc_message_len = m.len;
    }
  } else if (eq(name, nlen, "grpc-message")) {
    if (is_server(s)) return;
    uint8_t *buf = cgrpc_arena_alloc(&s->arena, vlen + 1);
    if (!buf) return;
    size_t n = cgrpc_percent_decode(value, vlen, buf);
    buf[n] = '\0';
    hs->grpc_message = (const char *)buf;
    hs->grpc_message_len = n;
  }
}

static void common_field(cgrpc_h2_stream_t *s, cgrpc_metadata_t *md, const char *name, size_t nlen,
                         const char *value, size_t vlen) {
  switch (cgrpc_metadata_classify(name, nlen)) {
    case CGRPC_METADATA_RESERVED:
      reserved_field(s, name, nlen, value, vlen);
      break;
    case CGRPC_METADATA_FORBIDDEN: /* nghttp2 resets such streams already */
      break;
    default:
      add_metadata(s, md, name, nlen, value, vlen);
      break;
  }
}

static void request_field(cgrpc_h2_stream_t *s, const char *name, size_t nlen, const char *value,
                          size_t vlen) {
  cgrpc_h2_header_state_t *hs = s->hs;
  if (nlen > 0 && name[0] == ':') {
    if (eq(name, nlen, ":method")) {
      hs->method_post = eq(value, vlen, "POST");
      if (!hs->method_post && s->conn->opts.web) hs->method = arena_str(&s->arena, value, vlen);
    } else if (eq(name, nlen, ":path")) {
      s->path = arena_str(&s->arena, value, vlen);
    } else if (eq(name, nlen, ":authority")) {
      if (hs->authority_count++ == 0) s->authority = arena_str(&s->arena, value, vlen);
    }
    return;
  }
  if (eq(name, nlen, "host")) {
    if (hs->host_count++ == 0 && hs->authority_count == 0) {
      s->authority = arena_str(&s->arena, value, vlen);
    }
    return;
  }
  common_field(s, &s->metadata, name, nlen, value, vlen);
}

static void response_field(cgrpc_h2_stream_t *s, const nghttp2_frame *frame, const char *name,
                           size_t nlen, const char *value, size_t vlen) {
  if (s->state & ST_HDR_1XX) return;
  if (nlen > 0 && name[0] == ':') {
    if (eq(name, nlen, ":status") && vlen == 3) {
      s->http_status = (value[0] - '0') * 100 + (value[1] - '0') * 10 + (value[2] - '0');
      if (s->http_status >= 100 && s->http_status < 200) s->state |= ST_HDR_1XX;
    }
    return;
  }
  bool trailing = (s->state & ST_HEADERS_DONE) || (frame->hd.flags & NGHTTP2_FLAG_END_STREAM);
  common_field(s, trailing ? &s->trailers : &s->metadata, name, nlen, value, vlen);
}

void cgrpc_h2_headers_field(cgrpc_h2_stream_t *s, const nghttp2_frame *frame, nghttp2_rcbuf *name,
                            nghttp2_rcbuf *value) {
  cgrpc_h2_header_state_t *hs = s->hs;
  nghttp2_vec n = nghttp2_rcbuf_get_buf(name), v = nghttp2_rcbuf_get_buf(value);
  /* Over the limit nothing more is stored, but the block is still read. */
  if (cgrpc_header_budget_add(&hs->budget, n.len, v.len, NULL) != CGRPC_STATUS_OK) return;
  if (is_server(s)) {
    request_field(s, (const char *)n.base, n.len, (const char *)v.base, v.len);
  } else {
    response_field(s, frame, (const char *)n.base, n.len, (const char *)v.base, v.len);
  }
}

static void request_end(cgrpc_h2_stream_t *s) {
  cgrpc_h2_header_state_t *hs = s->hs;
  cgrpc_h2_conn_t *c = s->conn;
  char msg[160];
  if (s->state & ST_HEADERS_DONE) return; /* trailers from a client: nothing in them for us */
  /* Not plain gRPC: the server's web protocols may take it (one branch on
   * the gRPC path). */
  bool grpc = hs->method_post && hs->content_type_ok;
  if (!grpc && c->opts.web && hs->budget.used <= hs->budget.max_bytes &&
      hs->budget.fields <= hs->budget.max_fields && cgrpc_h2_web_request(s)) {
    return;
  }
  if (hs->budget.used > hs->budget.max_bytes) {
    snprintf(msg, sizeof msg, "request metadata is larger than the limit of %zu bytes",
             hs->budget.max_bytes);
    cgrpc_h2_stream_reject(s, 200, CGRPC_STATUS_RESOURCE_EXHAUSTED, msg, false);
  } else if (hs->budget.fields > hs->budget.max_fields) {
    snprintf(msg, sizeof msg, "request metadata has more than the limit of %zu fields",
             hs->budget.max_fields);
    cgrpc_h2_stream_reject(s, 200, CGRPC_STATUS_RESOURCE_EXHAUSTED, msg, false);
  } else if (!hs->method_post) {
    cgrpc_h2_stream_reject(s, 405, CGRPC_STATUS_INTERNAL, "gRPC requires the POST method", false);
  } else if (!hs->content_type_ok) {
    snprintf(msg, sizeof msg, "invalid gRPC request content-type \"%s\"",
             hs->content_type_seen ? hs->content_type : "");
    cgrpc_h2_stream_reject(s, 415, CGRPC_STATUS_INTERNAL, msg, false);
  } else if (!hs->te_trailers) {
    cgrpc_h2_stream_reject(s, 400, CGRPC_STATUS_INTERNAL, "missing header \"te: trailers\"", false);
  } else if (hs->authority_count > 1 || hs->host_count > 1) {
    cgrpc_h2_stream_reject(s, 400, CGRPC_STATUS_INTERNAL, "more than one :authority or host",
                           false);
  } else if (hs->error.code != CGRPC_STATUS_OK) {
    cgrpc_h2_stream_reject(s, 200, hs->error.code, hs->error.message, hs->advertise);
  } else if (hs->timeout == 0) {
    cgrpc_h2_stream_reject(s, 200, CGRPC_STATUS_DEADLINE_EXCEEDED,
                           "deadline exceeded before the call started", false);
  } else {
    s->state |= ST_HEADERS_DONE;
    if (hs->timeout > 0) {
      s->deadline = cgrpc_time_add(c->ev->now(c->ctx), hs->timeout);
      cgrpc_h2_conn_note_deadline(c, s->deadline);
    }
    cgrpc_deframer_init(&s->deframer, c->opts.max_recv_message,
                        s->recv_encoding != CGRPC_COMPRESSION_IDENTITY);
    c->ev->on_request(c->ctx, s);
  }
}

static void response_end(cgrpc_h2_stream_t *s, const nghttp2_frame *frame) {
  cgrpc_h2_header_state_t *hs = s->hs;
  cgrpc_h2_conn_t *c = s->conn;
  bool end = (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
  if (s->state & ST_HDR_1XX) return;
  if (!(s->state & ST_HEADERS_DONE) && !end) {
    s->state |= ST_HEADERS_DONE;
    if (s->http_status != 200 || !hs->content_type_ok) {
      char msg[160];
      snprintf(msg, sizeof msg,
               "the server answered with HTTP status %d and content-type \"%s\", not gRPC",
               s->http_status, hs->content_type_seen ? hs->content_type : "");
      cgrpc_h2_stream_fail(s, cgrpc_status_from_http(s->http_status), msg);
    } else if (hs->error.code != CGRPC_STATUS_OK) {
      cgrpc_h2_stream_fail(s, hs->error.code, hs->error.message);
    } else {
      cgrpc_deframer_init(&s->deframer, c->opts.max_recv_message,
                          s->recv_encoding != CGRPC_COMPRESSION_IDENTITY);
      c->ev->on_headers(c->ctx, s);
    }
    return;
  }
  /* Trailers, or Trailers-Only (nghttp2 guarantees END_STREAM on a second
   * block). A grpc-status always wins; without one the status is
   * synthesised from the HTTP status when the stream ends (stream.c). */
  s->state |= ST_HEADERS_DONE | ST_CLEAN_END;
  if (end && hs->grpc_status_seen) {
    const char *m = hs->grpc_message ? hs->grpc_message : "";
    cgrpc_h2_stream_set_status(s, hs->grpc_status, m, hs->grpc_message_len);
  }
}

void cgrpc_h2_headers_end(cgrpc_h2_stream_t *s, const nghttp2_frame *frame) {
  if (!s->hs) {
    cgrpc_h2_stream_fail(s, CGRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory for headers");
    return;
  }
  if (is_server(s)) {
    request_end(s);
  } else {
    response_end(s, frame);
  }
}

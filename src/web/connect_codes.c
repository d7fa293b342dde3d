/* web/connect_codes.c — the Connect protocol's error codes: names, HTTP
 * statuses (connectrpc.com/docs/protocol, "Error Codes"; the mapping after
 * connectrpc.com#130, which is google.rpc.Code's) and the error JSON. */
#include <stdio.h>
#include <string.h>

#include "h2/base64.h"
#include "web/connect.h"
#include "web/rest_router.h"

const char *connect_code_name(cgrpc_status_code_t code) {
  static const char *const names[] = {"ok",
                                      "canceled",
                                      "unknown",
                                      "invalid_argument",
                                      "deadline_exceeded",
                                      "not_found",
                                      "already_exists",
                                      "permission_denied",
                                      "resource_exhausted",
                                      "failed_precondition",
                                      "aborted",
                                      "out_of_range",
                                      "unimplemented",
                                      "internal",
                                      "unavailable",
                                      "data_loss",
                                      "unauthenticated"};
  return (unsigned)code < sizeof names / sizeof *names ? names[code] : "unknown";
}

int connect_http_status(cgrpc_status_code_t code) { return rest_http_status(code); }

/* Reads one length-delimited field's payload; returns 1, 0 at the end, -1 bad. */
static int next_len_field(const uint8_t **p, const uint8_t *end, uint32_t *number,
                          const uint8_t **data, size_t *len) {
  for (;;) {
    if (*p >= end) return 0;
    uint64_t tag = 0, v = 0;
    int shift = 0;
    while (*p < end && shift < 64) {
      uint8_t b = *(*p)++;
      tag |= (uint64_t)(b & 0x7f) << shift;
      if (!(b & 0x80)) break;
      shift += 7;
      if (*p == end) return -1;
    }
    unsigned wt = (unsigned)(tag & 7);
    *number = (uint32_t)(tag >> 3);
    if (wt == 0) {
      while (*p < end && (*(*p)++ & 0x80)) {
      }
      continue;
    }
    if (wt == 1 || wt == 5) {
      size_t n = wt == 1 ? 8 : 4;
      if ((size_t)(end - *p) < n) return -1;
      *p += n;
      continue;
    }
    if (wt != 2) return -1;
    shift = 0;
    while (*p < end && shift < 64) {
      uint8_t b = *(*p)++;
      v |= (uint64_t)(b & 0x7f) << shift;
      if (!(b & 0x80)) break;
      shift += 7;
    }
    if (v > (uint64_t)(end - *p)) return -1;
    *data = *p;
    *len = (size_t)v;
    *p += v;
    return 1;
  }
}

bool connect_details_json(const uint8_t *status, size_t len, cgrpc_web_buf_t *out) {
  /* google.rpc.Status: field 3 repeated Any {1 type_url, 2 value}. */
  const uint8_t *p = status, *end = status + len, *d;
  size_t dlen;
  uint32_t number;
  int r;
  bool first = true;
  if (!cgrpc_web_buf_append(out, "[", 1)) return false;
  while ((r = next_len_field(&p, end, &number, &d, &dlen)) > 0) {
    if (number != 3) continue;
    const uint8_t *q = d, *qend = d + dlen, *f;
    size_t flen;
    uint32_t fn;
    cgrpc_str_t type = {0}, value = {"", 0};
    while (next_len_field(&q, qend, &fn, &f, &flen) > 0) {
      if (fn == 1) type = (cgrpc_str_t){(const char *)f, flen};
      if (fn == 2) value = (cgrpc_str_t){(const char *)f, flen};
    }
    const char *slash = type.data ? memchr(type.data, '/', type.len) : NULL;
    if (slash) { /* "type.googleapis.com/google.rpc.ErrorInfo" -> "google.rpc.ErrorInfo" */
      type.len -= (size_t)(slash + 1 - type.data);
      type.data = slash + 1;
    }
    size_t b64 = cgrpc_base64_encoded_len(value.len);
    if (!cgrpc_web_buf_reserve(out, type.len * 6 + b64 + 32)) return false;
    char *w = (char *)out->data + out->len;
    size_t n = (size_t)sprintf(w, "%s{\"type\":", first ? "" : ",");
    n = rest_json_quote(w, n, type.len * 6 + 16, type.data ? type.data : "", type.len);
    memcpy(w + n, ",\"value\":\"", 10);
    n += 10;
    n += cgrpc_base64_encode((const uint8_t *)value.data, value.len, w + n);
    memcpy(w + n, "\"}", 2);
    out->len += n + 2;
    first = false;
  }
  return cgrpc_web_buf_append(out, "]", 1) && r == 0;
}

bool connect_error_json(cgrpc_status_code_t code, cgrpc_str_t message,
                        const cgrpc_metadata_t *trailers, cgrpc_web_buf_t *out) {
  const char *name = connect_code_name(code == CGRPC_STATUS_OK ? CGRPC_STATUS_UNKNOWN : code);
  size_t cap = message.len * 6 + 64;
  if (!cgrpc_web_buf_reserve(out, cap)) return false;
  char *w = (char *)out->data + out->len;
  size_t n = (size_t)sprintf(w, "{\"code\":\"%s\"", name);
  if (message.len) {
    memcpy(w + n, ",\"message\":", 11);
    n = rest_json_quote(w, n + 11, cap, message.data, message.len);
  }
  out->len += n;
  for (size_t i = 0; trailers && i < trailers->count; i++) {
    const cgrpc_metadata_entry_t *e = &trailers->entries[i];
    if (e->key.len == 23 && memcmp(e->key.data, "grpc-status-details-bin", 23) == 0) {
      size_t before = out->len;
      if (!cgrpc_web_buf_append(out, ",\"details\":", 11)) return false;
      if (!connect_details_json((const uint8_t *)e->value.data, e->value.len, out))
        out->len = before; /* details that do not decode are left out */
      break;
    }
  }
  return cgrpc_web_buf_append(out, "}", 1);
}

/* http1/parser.c — HTTP/1.1 request heads and chunked bodies. See parser.h. */
#include "http1/parser.h"

#include <string.h>

static bool is_tchar(uint8_t c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Field values: visible ASCII, obs-text, space and tab. */
static bool is_value_byte(uint8_t c) { return c == '\t' || (c >= 0x20 && c != 0x7f); }

/* Request targets: visible ASCII only. */
static bool is_target_byte(uint8_t c) { return c > 0x20 && c < 0x7f; }

bool cgrpc_http1_name_is(cgrpc_str_t name, const char *lower) {
  size_t n = strlen(lower);
  if (name.len != n) return false;
  for (size_t i = 0; i < n; i++) {
    char c = name.data[i];
    if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

/* Case-insensitive: does `v` contain `token` as one comma-separated item? */
static bool has_token(cgrpc_str_t v, const char *token) {
  size_t i = 0;
  while (i < v.len) {
    while (i < v.len && (v.data[i] == ' ' || v.data[i] == '\t' || v.data[i] == ',')) i++;
    size_t start = i;
    while (i < v.len && v.data[i] != ',') i++;
    size_t end = i;
    while (end > start && (v.data[end - 1] == ' ' || v.data[end - 1] == '\t')) end--;
    if (cgrpc_http1_name_is((cgrpc_str_t){v.data + start, end - start}, token)) return true;
  }
  return false;
}

/* One line of buf[*pos..end): sets *line and *line_len without its CRLF
 * (or LF) and advances *pos past it. False when no line end is left. */
static bool next_line(const uint8_t *buf, size_t end, size_t *pos, const uint8_t **line,
                      size_t *line_len) {
  const uint8_t *p = buf + *pos;
  const uint8_t *lf = memchr(p, '\n', end - *pos);
  if (!lf) return false;
  size_t n = (size_t)(lf - p);
  *line = p;
  *line_len = n > 0 && p[n - 1] == '\r' ? n - 1 : n;
  *pos += n + 1;
  return true;
}

static cgrpc_http1_result_t bad(const char **why, const char *text) {
  *why = text;
  return CGRPC_HTTP1_BAD;
}

static cgrpc_http1_result_t request_line(const uint8_t *l, size_t n, cgrpc_http1_head_t *h,
                                         const char **why) {
  size_t i = 0;
  while (i < n && is_tchar(l[i])) i++;
  if (i == 0 || i >= n || l[i] != ' ') return bad(why, "malformed request line (method)");
  h->method = (cgrpc_str_t){(const char *)l, i};
  size_t t = ++i;
  while (i < n && is_target_byte(l[i])) i++;
  if (i == t || i >= n || l[i] != ' ') return bad(why, "malformed request line (target)");
  h->target = (cgrpc_str_t){(const char *)l + t, i - t};
  i++;
  if (n - i != 8 || memcmp(l + i, "HTTP/1.", 7) != 0) {
    if (n - i == 8 && memcmp(l + i, "HTTP/", 5) == 0) {
      *why = "only HTTP/1.0 and HTTP/1.1 are served here";
      return CGRPC_HTTP1_BAD_VERSION;
    }
    return bad(why, "malformed request line (version)");
  }
  if (l[i + 7] != '0' && l[i + 7] != '1') {
    *why = "only HTTP/1.0 and HTTP/1.1 are served here";
    return CGRPC_HTTP1_BAD_VERSION;
  }
  h->minor = l[i + 7] - '0';
  return CGRPC_HTTP1_DONE;
}

static cgrpc_http1_result_t field_line(const uint8_t *l, size_t n, cgrpc_http1_head_t *h,
                                       const char **why) {
  if (n > 0 && (l[0] == ' ' || l[0] == '\t')) return bad(why, "obsolete line folding");
  size_t i = 0;
  while (i < n && is_tchar(l[i])) i++;
  if (i == 0 || i >= n || l[i] != ':') return bad(why, "malformed header field");
  cgrpc_str_t name = {(const char *)l, i};
  i++;
  while (i < n && (l[i] == ' ' || l[i] == '\t')) i++;
  size_t end = n;
  while (end > i && (l[end - 1] == ' ' || l[end - 1] == '\t')) end--;
  for (size_t k = i; k < end; k++) {
    if (!is_value_byte(l[k])) return bad(why, "a control byte in a header value");
  }
  if (h->field_count == CGRPC_HTTP1_MAX_HEADERS) {
    *why = "too many header fields";
    return CGRPC_HTTP1_TOO_LARGE;
  }
  h->fields[h->field_count++] = (cgrpc_http1_field_t){name, {(const char *)l + i, end - i}};
  return CGRPC_HTTP1_DONE;
}

/* Content-Length: digits only, no overflow; repeats must agree. */
static cgrpc_http1_result_t content_length(cgrpc_str_t v, cgrpc_http1_head_t *h, const char **why) {
  if (v.len == 0 || v.len > 18) return bad(why, "invalid Content-Length");
  int64_t n = 0;
  for (size_t i = 0; i < v.len; i++) {
    if (v.data[i] < '0' || v.data[i] > '9') return bad(why, "invalid Content-Length");
    n = n * 10 + (v.data[i] - '0');
  }
  if (h->content_length >= 0 && h->content_length != n) {
    return bad(why, "conflicting Content-Length headers");
  }
  h->content_length = n;
  return CGRPC_HTTP1_DONE;
}

static cgrpc_http1_result_t derive(cgrpc_http1_head_t *h, const char **why) {
  bool close = false, keep = false, te = false;
  int hosts = 0;
  h->content_length = -1;
  for (size_t i = 0; i < h->field_count; i++) {
    cgrpc_str_t name = h->fields[i].name, v = h->fields[i].value;
    if (cgrpc_http1_name_is(name, "content-length")) {
      cgrpc_http1_result_t r = content_length(v, h, why);
      if (r != CGRPC_HTTP1_DONE) return r;
    } else if (cgrpc_http1_name_is(name, "transfer-encoding")) {
      if (te || !cgrpc_http1_name_is(v, "chunked")) {
        *why = "the only transfer coding served is chunked";
        return CGRPC_HTTP1_NOT_IMPLEMENTED;
      }
      te = true;
    } else if (cgrpc_http1_name_is(name, "connection")) {
      close |= has_token(v, "close");
      keep |= has_token(v, "keep-alive");
    } else if (cgrpc_http1_name_is(name, "host")) {
      hosts++;
      h->host = v;
    } else if (cgrpc_http1_name_is(name, "expect")) {
      if (!cgrpc_http1_name_is(v, "100-continue")) {
        return bad(why, "the only expectation served is 100-continue");
      }
      h->expect_continue = true;
    }
  }
  if (te && h->content_length >= 0) {
    return bad(why, "both Transfer-Encoding and Content-Length");
  }
  if (hosts > 1 || (h->minor == 1 && hosts == 0)) {
    return bad(why, "an HTTP/1.1 request needs exactly one Host header");
  }
  h->chunked = te;
  h->keep_alive = h->minor == 1 ? !close : keep && !close;
  if (h->minor == 0) h->expect_continue = false;
  return CGRPC_HTTP1_DONE;
}

cgrpc_http1_result_t cgrpc_http1_head_parse(const uint8_t *buf, size_t len, size_t max,
                                            size_t *scanned, cgrpc_http1_head_t *head, size_t *used,
                                            const char **why) {
  /* Empty lines before a request line are ignored (RFC 9112 §2.2). */
  size_t start = 0;
  while (start < len && start < 8 && (buf[start] == '\r' || buf[start] == '\n')) start++;
  /* Find the blank line that ends the head: "\n\r\n" or "\n\n". */
  size_t limit = len < max ? len : max;
  size_t i = *scanned > start ? *scanned : start;
  size_t end = 0;
  for (; i < limit; i++) {
    if (buf[i] != '\n') continue;
    if (i + 1 < len && buf[i + 1] == '\n') {
      end = i + 2;
      break;
    }
    if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n') {
      end = i + 3;
      break;
    }
    if (i + 2 >= len) break; /* can't tell yet */
  }
  if (end == 0 || end > max) {
    *scanned = i;
    if (len >= max) {
      *why = "request header fields too large";
      return CGRPC_HTTP1_TOO_LARGE;
    }
    return CGRPC_HTTP1_NEED_MORE;
  }
  memset(head, 0, sizeof *head);
  size_t pos = start;
  const uint8_t *line;
  size_t n;
  next_line(buf, end, &pos, &line, &n);
  cgrpc_http1_result_t r = request_line(line, n, head, why);
  if (r != CGRPC_HTTP1_DONE) return r;
  while (next_line(buf, end, &pos, &line, &n) && n > 0) {
    r = field_line(line, n, head, why);
    if (r != CGRPC_HTTP1_DONE) return r;
  }
  r = derive(head, why);
  if (r != CGRPC_HTTP1_DONE) return r;
  *used = end;
  return CGRPC_HTTP1_DONE;
}

/* ---- Chunked bodies -------------------------------------------------------------- */

enum {
  CH_SIZE = 0, /* hex digits */
  CH_EXT,      /* ";ext" up to the line end */
  CH_SIZE_LF,  /* after CR of the size line */
  CH_DATA,     /* chunk bytes */
  CH_DATA_CR,  /* CRLF after the data */
  CH_DATA_LF,
  CH_TRAILER,    /* a trailer line (or the final empty one) */
  CH_TRAILER_LF, /* after CR of a trailer line */
  CH_DONE,
};

#define MAX_CHUNK_LINE 4096

static int hex(uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

cgrpc_http1_result_t cgrpc_http1_chunked_next(cgrpc_http1_chunked_t *d, const uint8_t **in,
                                              size_t *len, const uint8_t **data, size_t *data_len,
                                              const char **why) {
  *data = NULL;
  *data_len = 0;
  while (*len > 0) {
    uint8_t c = **in;
    if (d->state == CH_DATA) {
      size_t n = *len < d->remaining ? *len : (size_t)d->remaining;
      *data = *in;
      *data_len = n;
      *in += n;
      *len -= n;
      d->remaining -= n;
      if (d->remaining == 0) d->state = CH_DATA_CR;
      return CGRPC_HTTP1_NEED_MORE;
    }
    if (d->state == CH_DONE) return CGRPC_HTTP1_DONE;
    (*in)++;
    (*len)--;
    switch (d->state) {
      case CH_SIZE: {
        int v = hex(c);
        if (v >= 0) {
          if (d->remaining >> 56) return bad(why, "chunk size too large");
          d->remaining = d->remaining << 4 | (uint64_t)v;
          d->any_digit = true;
          break;
        }
        if (!d->any_digit) return bad(why, "malformed chunk size");
        if (c == ';' || c == ' ' || c == '\t') {
          d->state = CH_EXT;
        } else if (c == '\r') {
          d->state = CH_SIZE_LF;
        } else if (c == '\n') {
          goto size_done;
        } else {
          return bad(why, "malformed chunk size");
        }
        break;
      }
      case CH_EXT:
        if (++d->line > MAX_CHUNK_LINE) return bad(why, "chunk extension too long");
        if (c == '\r') {
          d->state = CH_SIZE_LF;
        } else if (c == '\n') {
          goto size_done;
        } else if (!is_value_byte(c)) {
          return bad(why, "a control byte in a chunk extension");
        }
        break;
      case CH_SIZE_LF:
        if (c != '\n') return bad(why, "malformed chunk size line");
      size_done:
        d->line = 0;
        d->any_digit = false;
        d->state = d->remaining ? CH_DATA : CH_TRAILER;
        break;
      case CH_DATA_CR:
        if (c == '\n') {
          d->state = CH_SIZE;
          break;
        }
        if (c != '\r') return bad(why, "chunk data longer than its size");
        d->state = CH_DATA_LF;
        break;
      case CH_DATA_LF:
        if (c != '\n') return bad(why, "chunk data longer than its size");
        d->state = CH_SIZE;
        break;
      case CH_TRAILER:
        if (c == '\r') {
          d->state = CH_TRAILER_LF;
        } else if (c == '\n') {
          if (d->line == 0) {
            d->state = CH_DONE;
            return CGRPC_HTTP1_DONE;
          }
          d->line = 0;
        } else if (!is_value_byte(c) || ++d->line > MAX_CHUNK_LINE) {
          return bad(why, "malformed chunked trailer");
        }
        break;
      case CH_TRAILER_LF:
        if (c != '\n') return bad(why, "malformed chunked trailer");
        if (d->line == 0) {
          d->state = CH_DONE;
          return CGRPC_HTTP1_DONE;
        }
        d->line = 0;
        d->state = CH_TRAILER;
        break;
      default:
        return bad(why, "chunked decoder in a bad state");
    }
  }
  return d->state == CH_DONE ? CGRPC_HTTP1_DONE : CGRPC_HTTP1_NEED_MORE;
}

const char *cgrpc_http1_reason(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 204:
      return "No Content";
    case 206:
      return "Partial Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Content Too Large";
    case 415:
      return "Unsupported Media Type";
    case 416:
      return "Range Not Satisfiable";
    case 417:
      return "Expectation Failed";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 499:
      return "Client Closed Request";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "";
  }
}

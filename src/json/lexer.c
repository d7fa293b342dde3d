/* json/lexer.c — the tokens of RFC 8259 JSON, read strictly, and the error
 * messages that say where in the message a problem is.
 *
 * Strings come back as views: into the input when they hold no escape (the
 * common case, no copy), else into a buffer in the arena that the escapes
 * were decoded into. Both are checked: valid UTF-8, no raw control
 * characters, \u escapes that pair their surrogates. Depth is counted as
 * objects and arrays open, so hostile nesting fails before the stack does. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "json/json_internal.h"
#include "pb/utf8.h"

/* Appends the path ("items[2].price", "labels[\"k\"]") to buf. */
static size_t format_path(const json_parser_t *ps, char *buf, size_t size) {
  size_t len = 0;
  int n = ps->npath < JSON_PATH_KEEP ? ps->npath : JSON_PATH_KEEP;
  for (int i = 0; i < n && len < size; i++) {
    const json_path_seg_t *s = &ps->path[i];
    int w;
    int shown = s->len > 64 ? 64 : (int)s->len;
    if (!s->name) {
      w = snprintf(buf + len, size - len, "[%zu]", s->index);
    } else if (s->index == 1) {
      w = snprintf(buf + len, size - len, "[\"%.*s%s\"]", shown, s->name, s->len > 64 ? "..." : "");
    } else {
      w = snprintf(buf + len, size - len, "%s%.*s%s", i ? "." : "", shown, s->name,
                   s->len > 64 ? "..." : "");
    }
    if (w < 0) break;
    len += (size_t)w;
  }
  if (ps->npath > JSON_PATH_KEEP && len < size) {
    int w = snprintf(buf + len, size - len, "...");
    if (w > 0) len += (size_t)w;
  }
  return len < size ? len : size - 1;
}

bool cgrpc_json_fail(json_parser_t *ps, const char *fmt, ...) {
  if (ps->code != CGRPC_STATUS_OK) return false;
  ps->code = CGRPC_STATUS_INVALID_ARGUMENT;
  if (!ps->err) return false;
  char *buf = ps->err->message;
  size_t size = sizeof ps->err->message;
  size_t len = format_path(ps, buf, size);
  if (len && len + 2 < size) {
    buf[len++] = ':';
    buf[len++] = ' ';
  }
  buf[len] = '\0';
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf + len, size - len, fmt, ap);
  va_end(ap);
  return false;
}

bool cgrpc_json_fail_oom(json_parser_t *ps) {
  if (ps->code != CGRPC_STATUS_OK) return false;
  ps->code = CGRPC_STATUS_RESOURCE_EXHAUSTED;
  if (ps->err) {
    snprintf(ps->err->message, sizeof ps->err->message,
             "out of memory parsing JSON: the arena refused an allocation (raise its limit)");
  }
  return false;
}

static const char *describe_next(json_parser_t *ps) {
  switch (cgrpc_json_peek(ps)) {
    case 0:
      return ps->p < ps->end ? "a NUL byte" : "the end of the input";
    case '{':
      return "an object";
    case '[':
      return "an array";
    case '"':
      return "a string";
    case 't':
    case 'f':
      return "a boolean";
    case 'n':
      return "null";
    case '}':
      return "'}'";
    case ']':
      return "']'";
    case ',':
      return "','";
    case ':':
      return "':'";
    case '-':
    case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
      return "a number";
    default:
      return "an invalid character";
  }
}

bool cgrpc_json_fail_expected(json_parser_t *ps, const char *expected) {
  return cgrpc_json_fail(ps, "expected %s, got %s (at byte %zu)", expected, describe_next(ps),
                         (size_t)(ps->p - ps->start));
}

bool cgrpc_json_expect(json_parser_t *ps, char c) {
  if (cgrpc_json_peek(ps) == c && ps->p < ps->end) {
    ps->p++;
    return true;
  }
  char what[8] = {'\'', c, '\'', 0};
  return cgrpc_json_fail_expected(ps, what);
}

static int hex4(const char *p) {
  int v = 0;
  for (int i = 0; i < 4; i++) {
    char c = p[i];
    int d = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : -1;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

static char *put_utf8(char *o, uint32_t cp) {
  if (cp < 0x80) {
    *o++ = (char)cp;
  } else if (cp < 0x800) {
    *o++ = (char)(0xC0 | cp >> 6);
    *o++ = (char)(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *o++ = (char)(0xE0 | cp >> 12);
    *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
    *o++ = (char)(0x80 | (cp & 0x3F));
  } else {
    *o++ = (char)(0xF0 | cp >> 18);
    *o++ = (char)(0x80 | ((cp >> 12) & 0x3F));
    *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
    *o++ = (char)(0x80 | (cp & 0x3F));
  }
  return o;
}

static bool string_error(json_parser_t *ps, const char *at, const char *what) {
  return cgrpc_json_fail(ps, "%s (at byte %zu)", what, (size_t)(at - ps->start));
}

/* Decodes the escaped string body s[0..n) (its closing quote at s[n]). */
static bool unescape(json_parser_t *ps, const char *s, size_t n, cgrpc_str_t *out) {
  char *buf = cgrpc_arena_alloc(ps->arena, n ? n : 1);
  if (!buf) return cgrpc_json_fail_oom(ps);
  char *o = buf;
  const char *p = s, *end = s + n;
  while (p < end) {
    if (*p != '\\') {
      *o++ = *p++;
      continue;
    }
    const char *esc = p++;
    char c = *p++; /* the scan guaranteed a character after a backslash */
    switch (c) {
      case '"': *o++ = '"'; break;
      case '\\': *o++ = '\\'; break;
      case '/': *o++ = '/'; break;
      case 'b': *o++ = '\b'; break;
      case 'f': *o++ = '\f'; break;
      case 'n': *o++ = '\n'; break;
      case 'r': *o++ = '\r'; break;
      case 't': *o++ = '\t'; break;
      case 'u': {
        int v = end - p >= 4 ? hex4(p) : -1;
        if (v < 0) return string_error(ps, esc, "invalid \\u escape in a string");
        p += 4;
        uint32_t cp = (uint32_t)v;
        if (cp >= 0xDC00 && cp <= 0xDFFF) {
          return string_error(ps, esc, "lone low surrogate in a \\u escape");
        }
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          int lo = end - p >= 6 && p[0] == '\\' && p[1] == 'u' ? hex4(p + 2) : -1;
          if (lo < 0xDC00 || lo > 0xDFFF) {
            return string_error(ps, esc, "lone high surrogate in a \\u escape");
          }
          p += 6;
          cp = 0x10000 + ((cp - 0xD800) << 10) + ((uint32_t)lo - 0xDC00);
        }
        o = put_utf8(o, cp);
        break;
      }
      default:
        return string_error(ps, esc, "invalid escape in a string");
    }
  }
  out->data = buf;
  out->len = (size_t)(o - buf);
  return true;
}

bool cgrpc_json_string(json_parser_t *ps, cgrpc_str_t *out) {
  if (cgrpc_json_peek(ps) != '"') return cgrpc_json_fail_expected(ps, "a string");
  const char *s = ++ps->p, *p = s, *end = ps->end;
  bool escaped = false;
  for (;;) {
    while (p < end && *p != '"' && *p != '\\' && (unsigned char)*p >= 0x20) p++;
    if (p >= end) return string_error(ps, s - 1, "unterminated string");
    if (*p == '"') break;
    if (*p == '\\') {
      escaped = true;
      p += 2; /* a backslash escapes whatever follows; unescape() checks it */
      if (p > end) return string_error(ps, s - 1, "unterminated string");
      continue;
    }
    return string_error(ps, p, "control character in a string (escape it)");
  }
  size_t n = (size_t)(p - s);
  ps->p = p + 1;
  size_t bad;
  if (!escaped) {
    if (!cgrpc_utf8_validate(s, n, &bad)) return string_error(ps, s + bad, "invalid UTF-8 in a string");
    out->data = s;
    out->len = n;
    return true;
  }
  if (!unescape(ps, s, n, out)) return false;
  if (!cgrpc_utf8_validate(out->data, out->len, &bad)) {
    return string_error(ps, s, "invalid UTF-8 in a string");
  }
  return true;
}

bool cgrpc_json_number_token(json_parser_t *ps, cgrpc_str_t *tok, bool *is_int) {
  cgrpc_json_skip_ws(ps);
  size_t n = cgrpc_json_scan_number(ps->p, (size_t)(ps->end - ps->p), is_int);
  if (!n) return cgrpc_json_fail_expected(ps, "a number");
  tok->data = ps->p;
  tok->len = n;
  ps->p += n;
  return true;
}

bool cgrpc_json_literal(json_parser_t *ps, const char *word, size_t len) {
  cgrpc_json_skip_ws(ps);
  if ((size_t)(ps->end - ps->p) >= len && memcmp(ps->p, word, len) == 0) {
    ps->p += len;
    return true;
  }
  return cgrpc_json_fail(ps, "invalid literal (at byte %zu)", (size_t)(ps->p - ps->start));
}

static bool enter(json_parser_t *ps) {
  if (++ps->depth > ps->max_depth) {
    return cgrpc_json_fail(ps, "nesting is deeper than %d levels (at byte %zu)", ps->max_depth,
                           (size_t)(ps->p - 1 - ps->start));
  }
  return true;
}

bool cgrpc_json_object_begin(json_parser_t *ps) {
  return cgrpc_json_expect(ps, '{') && enter(ps);
}

bool cgrpc_json_object_next(json_parser_t *ps, bool *first, cgrpc_str_t *key) {
  char c = cgrpc_json_peek(ps);
  if (c == '}' && ps->p < ps->end) {
    ps->p++;
    ps->depth--;
    return false;
  }
  if (!*first) {
    if (c != ',') return cgrpc_json_fail_expected(ps, "',' or '}'");
    ps->p++;
    if (cgrpc_json_peek(ps) != '"') return cgrpc_json_fail_expected(ps, "a member name string");
  } else if (c != '"') {
    return cgrpc_json_fail_expected(ps, "a member name string or '}'");
  }
  *first = false;
  return cgrpc_json_string(ps, key) && cgrpc_json_expect(ps, ':');
}

bool cgrpc_json_array_begin(json_parser_t *ps) { return cgrpc_json_expect(ps, '[') && enter(ps); }

bool cgrpc_json_array_next(json_parser_t *ps, bool *first) {
  char c = cgrpc_json_peek(ps);
  if (c == ']' && ps->p < ps->end) {
    ps->p++;
    ps->depth--;
    return false;
  }
  if (!*first) {
    if (c != ',') return cgrpc_json_fail_expected(ps, "',' or ']'");
    ps->p++;
    c = cgrpc_json_peek(ps);
    if (c == ']') return cgrpc_json_fail_expected(ps, "a value after ','");
  }
  *first = false;
  return true;
}

bool cgrpc_json_skip_value(json_parser_t *ps) {
  cgrpc_str_t s;
  bool is_int, first = true;
  switch (cgrpc_json_peek(ps)) {
    case '{':
      if (!cgrpc_json_object_begin(ps)) return false;
      while (cgrpc_json_object_next(ps, &first, &s)) {
        if (!cgrpc_json_skip_value(ps)) return false;
      }
      return ps->code == CGRPC_STATUS_OK;
    case '[':
      if (!cgrpc_json_array_begin(ps)) return false;
      while (cgrpc_json_array_next(ps, &first)) {
        if (!cgrpc_json_skip_value(ps)) return false;
      }
      return ps->code == CGRPC_STATUS_OK;
    case '"':
      return cgrpc_json_string(ps, &s);
    case 't':
      return cgrpc_json_literal(ps, "true", 4);
    case 'f':
      return cgrpc_json_literal(ps, "false", 5);
    case 'n':
      return cgrpc_json_literal(ps, "null", 4);
    default:
      return cgrpc_json_number_token(ps, &s, &is_int);
  }
}

/* base/json_tree.c — strict recursive-descent JSON reader (see json_tree.h).
 *
 * One function per grammar rule; `depth` counts open arrays and objects so
 * the recursion is bounded by max_depth whatever the input. Children are
 * linked in input order through `next`, so building a tree never copies or
 * grows an array.
 */
#include "base/json_tree.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef struct parser {
  const char *start, *p, *end;
  cgrpc_arena_t *arena;
  int depth, max_depth;
  cgrpc_error_t *err;
} parser_t;

static cgrpc_status_code_t syntax(parser_t *ps, const char *what) {
  if (ps->err) {
    snprintf(ps->err->message, sizeof ps->err->message, "invalid JSON at byte %zu: %s",
             (size_t)(ps->p - ps->start), what);
  }
  return CGRPC_STATUS_INVALID_ARGUMENT;
}

static cgrpc_status_code_t no_memory(parser_t *ps) {
  if (ps->err)
    snprintf(ps->err->message, sizeof ps->err->message, "out of memory while reading JSON");
  return CGRPC_STATUS_RESOURCE_EXHAUSTED;
}

static void skip_space(parser_t *ps) {
  while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
    ps->p++;
}

static bool literal(parser_t *ps, const char *word) {
  size_t n = strlen(word);
  if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0) return false;
  ps->p += n;
  return true;
}

static int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Four hex digits at ps->p into *cp, or false. */
static bool read_hex4(parser_t *ps, uint32_t *cp) {
  if (ps->end - ps->p < 4) return false;
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) {
    int d = hex_digit(ps->p[i]);
    if (d < 0) return false;
    v = v << 4 | (uint32_t)d;
  }
  ps->p += 4;
  *cp = v;
  return true;
}

static size_t put_utf8(char *out, uint32_t cp) {
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xC0 | cp >> 6);
    out[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char)(0xE0 | cp >> 12);
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | cp >> 18);
  out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  out[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/* Length of the valid UTF-8 sequence at p (p < end, *p >= 0x80), or 0.
 * Overlong forms, surrogates and code points past U+10FFFF are invalid. */
static size_t utf8_sequence(const unsigned char *p, const unsigned char *end) {
  size_t n;
  uint32_t cp, min;
  if (p[0] >= 0xC2 && p[0] <= 0xDF) {
    n = 2, cp = p[0] & 0x1F, min = 0x80;
  } else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
    n = 3, cp = p[0] & 0x0F, min = 0x800;
  } else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
    n = 4, cp = p[0] & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if ((size_t)(end - p) < n) return 0;
  for (size_t i = 1; i < n; i++) {
    if ((p[i] & 0xC0) != 0x80) return 0;
    cp = cp << 6 | (p[i] & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

/* A string at ps->p (the opening quote); decodes it into the arena. The
 * decoded text is never longer than the quoted text, so one allocation of
 * that size suffices. */
static cgrpc_status_code_t parse_string(parser_t *ps, const char **out, size_t *out_len) {
  ps->p++; /* '"' */
  const char *close = ps->p;
  while (close < ps->end && *close != '"') close += (*close == '\\' && close + 1 < ps->end) ? 2 : 1;
  if (close >= ps->end) return syntax(ps, "unterminated string");
  char *buf = cgrpc_arena_alloc(ps->arena, (size_t)(close - ps->p) + 1);
  if (!buf) return no_memory(ps);
  size_t n = 0;
  while (ps->p < close) {
    unsigned char c = (unsigned char)*ps->p;
    if (c < 0x20) return syntax(ps, "control character in string");
    if (c >= 0x80) {
      size_t len = utf8_sequence((const unsigned char *)ps->p, (const unsigned char *)close);
      if (len == 0) return syntax(ps, "invalid UTF-8 in string");
      memcpy(buf + n, ps->p, len);
      n += len;
      ps->p += len;
      continue;
    }
    if (c != '\\') {
      buf[n++] = (char)c;
      ps->p++;
      continue;
    }
    ps->p++;
    char e = *ps->p++;
    uint32_t cp;
    switch (e) {
      case '"':
        buf[n++] = '"';
        break;
      case '\\':
        buf[n++] = '\\';
        break;
      case '/':
        buf[n++] = '/';
        break;
      case 'b':
        buf[n++] = '\b';
        break;
      case 'f':
        buf[n++] = '\f';
        break;
      case 'n':
        buf[n++] = '\n';
        break;
      case 'r':
        buf[n++] = '\r';
        break;
      case 't':
        buf[n++] = '\t';
        break;
      case 'u':
        if (!read_hex4(ps, &cp)) return syntax(ps, "bad \\u escape");
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          uint32_t low;
          if (close - ps->p < 6 || ps->p[0] != '\\' || ps->p[1] != 'u')
            return syntax(ps, "lone surrogate in \\u escape");
          ps->p += 2;
          if (!read_hex4(ps, &low) || low < 0xDC00 || low > 0xDFFF)
            return syntax(ps, "lone surrogate in \\u escape");
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          return syntax(ps, "lone surrogate in \\u escape");
        } else if (cp == 0) {
          return syntax(ps, "\\u0000 in string");
        }
        n += put_utf8(buf + n, cp);
        break;
      default:
        ps->p--;
        return syntax(ps, "bad escape in string");
    }
    if (ps->p > close) return syntax(ps, "bad \\u escape"); /* escape ran into the quote */
  }
  buf[n] = '\0';
  ps->p = close + 1;
  *out = buf;
  *out_len = n;
  return CGRPC_STATUS_OK;
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* The RFC 8259 number grammar; int64 exactly when possible, and a double. */
static cgrpc_status_code_t parse_number(parser_t *ps, cgrpc_json_tree_t *v) {
  bool negative = false;
  if (*ps->p == '-') negative = true, ps->p++;
  if (ps->p >= ps->end || !is_digit(*ps->p)) return syntax(ps, "bad number");
  if (*ps->p == '0' && ps->p + 1 < ps->end && is_digit(ps->p[1]))
    return syntax(ps, "leading zero in number");
  uint64_t mag = 0;
  bool fits = true;
  double d = 0;
  while (ps->p < ps->end && is_digit(*ps->p)) {
    unsigned digit = (unsigned)(*ps->p++ - '0');
    if (mag > (UINT64_MAX - digit) / 10) fits = false;
    if (fits) mag = mag * 10 + digit;
    d = d * 10 + digit;
  }
  bool integral = true;
  int exp10 = 0;
  if (ps->p < ps->end && *ps->p == '.') {
    integral = false;
    ps->p++;
    if (ps->p >= ps->end || !is_digit(*ps->p)) return syntax(ps, "bad fraction in number");
    while (ps->p < ps->end && is_digit(*ps->p)) {
      if (exp10 > -400) d = d * 10 + (*ps->p - '0'), exp10--;
      ps->p++;
    }
  }
  if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
    integral = false;
    ps->p++;
    int sign = 1, e = 0;
    if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-')) sign = *ps->p++ == '-' ? -1 : 1;
    if (ps->p >= ps->end || !is_digit(*ps->p)) return syntax(ps, "bad exponent in number");
    while (ps->p < ps->end && is_digit(*ps->p)) {
      if (e < 10000) e = e * 10 + (*ps->p - '0');
      ps->p++;
    }
    exp10 += sign * e;
  }
  /* Scale by powers of ten; bounded loops (a huge exponent saturates). */
  if (d == 0) exp10 = 0;
  for (; exp10 > 0 && d < 1e300; exp10--) d *= 10;
  for (; exp10 < 0 && d > 0; exp10++) d /= 10;
  if (exp10 > 0) d = HUGE_VAL;
  v->kind = CGRPC_JSON_TREE_NUMBER;
  v->number = negative ? -d : d;
  if (integral && fits && mag <= (uint64_t)INT64_MAX + (negative ? 1u : 0u)) {
    v->is_int = true;
    v->integer = negative ? (int64_t)(0 - mag) : (int64_t)mag;
  }
  return CGRPC_STATUS_OK;
}

static cgrpc_status_code_t parse_value(parser_t *ps, cgrpc_json_tree_t *v);

static cgrpc_status_code_t parse_array(parser_t *ps, cgrpc_json_tree_t *v) {
  v->kind = CGRPC_JSON_TREE_ARRAY;
  ps->p++; /* '[' */
  skip_space(ps);
  if (ps->p < ps->end && *ps->p == ']') {
    ps->p++;
    return CGRPC_STATUS_OK;
  }
  cgrpc_json_tree_t **tail = &v->child;
  for (;;) {
    cgrpc_json_tree_t *item = cgrpc_arena_calloc(ps->arena, sizeof *item);
    if (!item) return no_memory(ps);
    cgrpc_status_code_t rc = parse_value(ps, item);
    if (rc != CGRPC_STATUS_OK) return rc;
    *tail = item, tail = &item->next, v->count++;
    skip_space(ps);
    if (ps->p >= ps->end) return syntax(ps, "unterminated array");
    if (*ps->p == ']') {
      ps->p++;
      return CGRPC_STATUS_OK;
    }
    if (*ps->p != ',') return syntax(ps, "expected ',' or ']' in array");
    ps->p++;
  }
}

static cgrpc_status_code_t parse_object(parser_t *ps, cgrpc_json_tree_t *v) {
  v->kind = CGRPC_JSON_TREE_OBJECT;
  ps->p++; /* '{' */
  skip_space(ps);
  if (ps->p < ps->end && *ps->p == '}') {
    ps->p++;
    return CGRPC_STATUS_OK;
  }
  cgrpc_json_tree_t **tail = &v->child;
  for (;;) {
    skip_space(ps);
    if (ps->p >= ps->end || *ps->p != '"') return syntax(ps, "expected a member name");
    const char *key;
    size_t key_len;
    cgrpc_status_code_t rc = parse_string(ps, &key, &key_len);
    if (rc != CGRPC_STATUS_OK) return rc;
    for (const cgrpc_json_tree_t *m = v->child; m; m = m->next)
      if (m->key_len == key_len && memcmp(m->key, key, key_len) == 0)
        return syntax(ps, "duplicate member name");
    if (v->count == CGRPC_JSON_TREE_MAX_MEMBERS) return syntax(ps, "too many members in object");
    skip_space(ps);
    if (ps->p >= ps->end || *ps->p != ':') return syntax(ps, "expected ':' after member name");
    ps->p++;
    cgrpc_json_tree_t *member = cgrpc_arena_calloc(ps->arena, sizeof *member);
    if (!member) return no_memory(ps);
    rc = parse_value(ps, member);
    if (rc != CGRPC_STATUS_OK) return rc;
    member->key = key, member->key_len = key_len;
    *tail = member, tail = &member->next, v->count++;
    skip_space(ps);
    if (ps->p >= ps->end) return syntax(ps, "unterminated object");
    if (*ps->p == '}') {
      ps->p++;
      return CGRPC_STATUS_OK;
    }
    if (*ps->p != ',') return syntax(ps, "expected ',' or '}' in object");
    ps->p++;
  }
}

static cgrpc_status_code_t parse_bare_value(parser_t *ps, cgrpc_json_tree_t *v) {
  switch (*ps->p) {
    case '{':
    case '[': {
      if (ps->depth == ps->max_depth) return syntax(ps, "nested too deeply");
      ps->depth++;
      cgrpc_status_code_t rc = *ps->p == '{' ? parse_object(ps, v) : parse_array(ps, v);
      ps->depth--;
      return rc;
    }
    case '"':
      v->kind = CGRPC_JSON_TREE_STRING;
      return parse_string(ps, &v->str, &v->str_len);
    case 't':
    case 'f':
      v->kind = CGRPC_JSON_TREE_BOOL;
      v->boolean = *ps->p == 't';
      if (!literal(ps, v->boolean ? "true" : "false")) return syntax(ps, "unknown literal");
      return CGRPC_STATUS_OK;
    case 'n':
      v->kind = CGRPC_JSON_TREE_NULL;
      if (!literal(ps, "null")) return syntax(ps, "unknown literal");
      return CGRPC_STATUS_OK;
    default:
      if (*ps->p == '-' || is_digit(*ps->p)) return parse_number(ps, v);
      return syntax(ps, "unexpected character");
  }
}

/* A value and the span of input it came from. */
static cgrpc_status_code_t parse_value(parser_t *ps, cgrpc_json_tree_t *v) {
  skip_space(ps);
  if (ps->p >= ps->end) return syntax(ps, "expected a value");
  const char *start = ps->p;
  cgrpc_status_code_t rc = parse_bare_value(ps, v);
  v->text = start;
  v->text_len = (size_t)(ps->p - start);
  return rc;
}

cgrpc_status_code_t cgrpc_json_tree_parse(const char *text, size_t len, int max_depth,
                                          cgrpc_arena_t *arena, const cgrpc_json_tree_t **root,
                                          cgrpc_error_t *err) {
  parser_t ps = {text, text, text + len, arena, 0, max_depth, err};
  cgrpc_json_tree_t *v = cgrpc_arena_calloc(arena, sizeof *v);
  if (!v) return no_memory(&ps);
  cgrpc_status_code_t rc = parse_value(&ps, v);
  if (rc != CGRPC_STATUS_OK) return rc;
  skip_space(&ps);
  if (ps.p != ps.end) return syntax(&ps, "bytes after the value");
  *root = v;
  return CGRPC_STATUS_OK;
}

const cgrpc_json_tree_t *cgrpc_json_tree_get(const cgrpc_json_tree_t *obj, const char *name) {
  if (!obj || obj->kind != CGRPC_JSON_TREE_OBJECT || !name) return NULL;
  size_t n = strlen(name);
  for (const cgrpc_json_tree_t *m = obj->child; m; m = m->next)
    if (m->key_len == n && memcmp(m->key, name, n) == 0) return m;
  return NULL;
}

const char *cgrpc_json_tree_get_string(const cgrpc_json_tree_t *obj, const char *name) {
  const cgrpc_json_tree_t *m = cgrpc_json_tree_get(obj, name);
  return m && m->kind == CGRPC_JSON_TREE_STRING ? m->str : NULL;
}

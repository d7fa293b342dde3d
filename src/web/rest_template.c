/* src/web/rest_template.c — parser and matcher of google.api.http path
 * templates (grammar and escaping rules in rest_template.h).
 *
 * The parser is a small recursive descent over the text; it counts segments
 * and variables first into stack arrays bounded by the template length
 * limit, then copies them into the arena, so a template costs two arena
 * allocations. The matcher splits the raw path at '/' once and walks the
 * segments; it allocates only the decoded values of the variables. */
#include "web/rest_template.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define MAX_VARIABLES 32

typedef struct parser {
  const char *text;
  size_t len, pos;
  rest_segment_t segments[REST_PATH_MAX_SEGMENTS];
  size_t segment_count;
  rest_variable_t variables[MAX_VARIABLES];
  size_t variable_count;
  cgrpc_arena_t *arena;
  cgrpc_error_t *err;
} parser_t;

static cgrpc_status_code_t fail(parser_t *p, const char *fmt, ...) {
  if (p->err) {
    int n = snprintf(p->err->message, sizeof p->err->message,
                     "path template \"%.*s\": at offset %zu: ", (int)(p->len > 80 ? 80 : p->len),
                     p->text, p->pos);
    if (n < 0) n = 0;
    if ((size_t)n < sizeof p->err->message) {
      va_list ap;
      va_start(ap, fmt);
      vsnprintf(p->err->message + n, sizeof p->err->message - (size_t)n, fmt, ap);
      va_end(ap);
    }
  }
  return CGRPC_STATUS_INVALID_ARGUMENT;
}

static int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

size_t rest_percent_decode(const char *src, size_t len, char *dst, bool keep_slash) {
  size_t n = 0;
  for (size_t i = 0; i < len; i++) {
    if (src[i] != '%') {
      dst[n++] = src[i];
      continue;
    }
    if (len - i < 3) return (size_t)-1;
    int hi = hex_value(src[i + 1]), lo = hex_value(src[i + 2]);
    if (hi < 0 || lo < 0) return (size_t)-1;
    char c = (char)(hi << 4 | lo);
    if (keep_slash && c == '/') {
      memcpy(dst + n, src + i, 3);
      n += 3;
    } else {
      dst[n++] = c;
    }
    i += 2;
  }
  return n;
}

/* A literal's characters: anything the grammar does not use as syntax. */
static bool literal_char(char c) {
  return c != '/' && c != '{' && c != '}' && c != '*' && c != '=' && c != ':' && c != '\0' &&
         c != '?' && c != '#';
}

static bool ident_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool ident_char(char c) { return ident_start(c) || (c >= '0' && c <= '9'); }

static cgrpc_status_code_t parse_literal(parser_t *p, cgrpc_str_t *out, const char *what) {
  size_t start = p->pos;
  while (p->pos < p->len && literal_char(p->text[p->pos])) p->pos++;
  if (p->pos == start) return fail(p, "expected %s", what);
  char *buf = cgrpc_arena_alloc(p->arena, p->pos - start + 1);
  if (!buf) return CGRPC_STATUS_RESOURCE_EXHAUSTED;
  size_t n = rest_percent_decode(p->text + start, p->pos - start, buf, false);
  if (n == (size_t)-1) {
    p->pos = start;
    return fail(p, "a '%%' in %s must be followed by two hex digits", what);
  }
  buf[n] = '\0';
  *out = (cgrpc_str_t){buf, n};
  return CGRPC_STATUS_OK;
}

static cgrpc_status_code_t add_segment(parser_t *p, rest_seg_kind_t kind, cgrpc_str_t literal) {
  if (p->segment_count == REST_PATH_MAX_SEGMENTS)
    return fail(p, "more than %d segments", REST_PATH_MAX_SEGMENTS);
  p->segments[p->segment_count++] = (rest_segment_t){kind, literal};
  return CGRPC_STATUS_OK;
}

static cgrpc_status_code_t parse_segments(parser_t *p, bool in_variable);

static cgrpc_status_code_t parse_variable(parser_t *p) {
  p->pos++; /* '{' */
  size_t start = p->pos;
  for (;;) {
    if (p->pos >= p->len || !ident_start(p->text[p->pos]))
      return fail(p, "expected a field name (letters, digits, '_') in a variable");
    while (p->pos < p->len && ident_char(p->text[p->pos])) p->pos++;
    if (p->pos < p->len && p->text[p->pos] == '.') {
      p->pos++;
      continue;
    }
    break;
  }
  cgrpc_str_t field = {p->text + start, p->pos - start};
  for (size_t i = 0; i < p->variable_count; i++)
    if (p->variables[i].field_path.len == field.len &&
        memcmp(p->variables[i].field_path.data, field.data, field.len) == 0) {
      p->pos = start;
      return fail(p, "the field \"%.*s\" is bound twice", (int)field.len, field.data);
    }
  if (p->variable_count == MAX_VARIABLES) return fail(p, "more than %d variables", MAX_VARIABLES);
  size_t first = p->segment_count;
  cgrpc_status_code_t code;
  if (p->pos < p->len && p->text[p->pos] == '=') {
    p->pos++;
    if ((code = parse_segments(p, true))) return code;
  } else if ((code = add_segment(p, REST_SEG_ONE, (cgrpc_str_t){0}))) {
    return code;
  }
  if (p->pos >= p->len || p->text[p->pos] != '}')
    return fail(p, "expected '}' to close the variable");
  p->pos++;
  bool multi = p->segment_count - first != 1 || p->segments[first].kind == REST_SEG_ANY;
  char *copy = cgrpc_arena_memdup(p->arena, field.data, field.len);
  if (!copy) return CGRPC_STATUS_RESOURCE_EXHAUSTED;
  p->variables[p->variable_count++] =
      (rest_variable_t){{copy, field.len}, first, p->segment_count, multi};
  return CGRPC_STATUS_OK;
}

static cgrpc_status_code_t parse_segment(parser_t *p, bool in_variable) {
  cgrpc_status_code_t code;
  if (p->pos >= p->len) return fail(p, "expected a segment after '/'");
  char c = p->text[p->pos];
  if (c == '*') {
    p->pos++;
    if (p->pos < p->len && p->text[p->pos] == '*') {
      p->pos++;
      return add_segment(p, REST_SEG_ANY, (cgrpc_str_t){0});
    }
    return add_segment(p, REST_SEG_ONE, (cgrpc_str_t){0});
  }
  if (c == '{') {
    if (in_variable) return fail(p, "a variable cannot hold another variable");
    return parse_variable(p);
  }
  cgrpc_str_t literal;
  if ((code = parse_literal(p, &literal, "a literal, '*', '**' or '{'"))) return code;
  return add_segment(p, REST_SEG_LITERAL, literal);
}

static cgrpc_status_code_t parse_segments(parser_t *p, bool in_variable) {
  cgrpc_status_code_t code;
  for (;;) {
    if ((code = parse_segment(p, in_variable))) return code;
    if (p->pos < p->len && p->text[p->pos] == '/') {
      p->pos++;
      continue;
    }
    return CGRPC_STATUS_OK;
  }
}

cgrpc_status_code_t rest_template_parse(const char *text, size_t len, cgrpc_arena_t *arena,
                                        rest_template_t *out, cgrpc_error_t *err) {
  memset(out, 0, sizeof *out);
  parser_t *p = cgrpc_arena_alloc(arena, sizeof *p);
  if (!p) return CGRPC_STATUS_RESOURCE_EXHAUSTED;
  p->text = text;
  p->len = len;
  p->pos = 0;
  p->segment_count = p->variable_count = 0;
  p->arena = arena;
  p->err = err;
  cgrpc_status_code_t code;
  if (len > REST_TEMPLATE_MAX_LEN) return fail(p, "longer than %d bytes", REST_TEMPLATE_MAX_LEN);
  if (len == 0 || text[0] != '/') return fail(p, "a template starts with '/'");
  p->pos = 1;
  if ((code = parse_segments(p, false))) return code;
  if (p->pos < p->len && p->text[p->pos] == ':') {
    p->pos++;
    if ((code = parse_literal(p, &out->verb, "a custom verb after ':'"))) return code;
  }
  if (p->pos != p->len) return fail(p, "unexpected '%c'", p->text[p->pos]);
  for (size_t i = 0; i + 1 < p->segment_count; i++)
    if (p->segments[i].kind == REST_SEG_ANY) {
      p->pos = 0;
      return fail(p, "'**' must be the last segment");
    }
  out->text.data = cgrpc_arena_memdup(arena, text, len);
  out->text.len = len;
  out->segment_count = p->segment_count;
  out->variable_count = p->variable_count;
  out->segments = cgrpc_arena_memdup(arena, p->segments, p->segment_count * sizeof *p->segments);
  out->variables = p->variable_count ? cgrpc_arena_memdup(arena, p->variables,
                                                          p->variable_count * sizeof *p->variables)
                                     : NULL;
  if (!out->text.data || !out->segments || (p->variable_count && !out->variables))
    return CGRPC_STATUS_RESOURCE_EXHAUSTED;
  out->has_any = p->segments[p->segment_count - 1].kind == REST_SEG_ANY;
  return CGRPC_STATUS_OK;
}

/* Whether raw[0..len), percent-decoded, equals `want`. */
static bool decoded_equals(const char *raw, size_t len, cgrpc_str_t want) {
  size_t j = 0;
  for (size_t i = 0; i < len; i++, j++) {
    char c = raw[i];
    if (c == '%') {
      if (len - i < 3) return false;
      int hi = hex_value(raw[i + 1]), lo = hex_value(raw[i + 2]);
      if (hi < 0 || lo < 0) return false;
      c = (char)(hi << 4 | lo);
      i += 2;
    }
    if (j >= want.len || want.data[j] != c) return false;
  }
  return j == want.len;
}

bool rest_template_match(const rest_template_t *tpl, const char *path, size_t len,
                         cgrpc_arena_t *arena, rest_binding_t *bindings, bool *bad_escape) {
  if (bad_escape) *bad_escape = false;
  if (len == 0 || path[0] != '/') return false;
  if (tpl->verb.len) {
    /* The verb follows the last ':' of the last segment. */
    size_t i = len;
    while (i > 0 && path[i - 1] != ':' && path[i - 1] != '/') i--;
    if (i == 0 || path[i - 1] != ':') return false;
    if (!decoded_equals(path + i, len - i, tpl->verb)) return false;
    len = i - 1;
  }
  size_t start[REST_PATH_MAX_SEGMENTS], end[REST_PATH_MAX_SEGMENTS];
  size_t n = 0, pos = 1;
  for (;;) {
    if (n == REST_PATH_MAX_SEGMENTS) return false;
    const char *slash = memchr(path + pos, '/', len - pos);
    size_t stop = slash ? (size_t)(slash - path) : len;
    start[n] = pos;
    end[n++] = stop;
    if (!slash) break;
    pos = stop + 1;
  }
  size_t fixed = tpl->has_any ? tpl->segment_count - 1 : tpl->segment_count;
  if (tpl->has_any ? n < fixed : n != fixed) return false;
  for (size_t i = 0; i < fixed; i++) {
    const rest_segment_t *s = &tpl->segments[i];
    if (s->kind == REST_SEG_LITERAL) {
      if (!decoded_equals(path + start[i], end[i] - start[i], s->literal)) return false;
    } else if (end[i] == start[i]) {
      return false; /* '*' matches one non-empty segment */
    }
  }
  for (size_t v = 0; v < tpl->variable_count; v++) {
    const rest_variable_t *var = &tpl->variables[v];
    size_t from, to;
    if (var->end == tpl->segment_count && tpl->has_any) {
      /* Ends with "**": up to the end of the path, maybe nothing. */
      from = var->first < n ? start[var->first] : len;
      to = len;
      if (var->first == fixed && n == fixed) from = to = len; /* "**" matched zero segments */
    } else {
      from = start[var->first];
      to = end[var->end - 1];
    }
    char *buf = cgrpc_arena_alloc(arena, to - from + 1);
    if (!buf) return false;
    size_t got = rest_percent_decode(path + from, to - from, buf, var->multi);
    if (got == (size_t)-1) {
      if (bad_escape) *bad_escape = true;
      return false;
    }
    buf[got] = '\0';
    bindings[v] = (rest_binding_t){var->field_path, {buf, got}};
  }
  return true;
}

/* protoparse/lexer.c — .proto source to tokens, the way protoc's tokenizer
 * cuts it: identifiers, integers (decimal, 0x hex, 0 octal), floats,
 * quoted strings with C escapes, and single-character symbols; // and
 * block comments and whitespace dropped. Columns count a tab as a move to
 * the next multiple of 8, as protoc's do, so error positions agree. */
#include <string.h>

#include "protoparse/pp.h"

typedef struct lexer {
  pp_ctx_t *c;
  const char *p, *end;
  int line, col; /* 0-based while scanning */
} lexer_t;

static bool is_letter(char ch) {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_';
}
static bool is_digit(char ch) { return ch >= '0' && ch <= '9'; }
static bool is_hex(char ch) {
  return is_digit(ch) || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}
static bool is_octal(char ch) { return ch >= '0' && ch <= '7'; }

static pp_pos_t here(const lexer_t *lx) { return (pp_pos_t){lx->line + 1, lx->col + 1}; }

static void advance(lexer_t *lx) {
  if (*lx->p == '\n') {
    lx->line++;
    lx->col = 0;
  } else if (*lx->p == '\t') {
    lx->col += 8 - lx->col % 8;
  } else {
    lx->col++;
  }
  lx->p++;
}

static bool at(const lexer_t *lx, size_t ahead, char ch) {
  return (size_t)(lx->end - lx->p) > ahead && lx->p[ahead] == ch;
}

static void skip_block_comment(lexer_t *lx) {
  pp_pos_t start = here(lx);
  advance(lx);
  advance(lx);
  for (;;) {
    if (lx->p >= lx->end) pp_fail_at(lx->c, start, "block comment is not closed with \"*/\"");
    if (at(lx, 0, '*') && at(lx, 1, '/')) {
      advance(lx);
      advance(lx);
      return;
    }
    advance(lx);
  }
}

static void scan_number(lexer_t *lx) {
  bool is_float = false;
  if (at(lx, 0, '0') && (at(lx, 1, 'x') || at(lx, 1, 'X'))) {
    advance(lx);
    advance(lx);
    if (lx->p >= lx->end || !is_hex(*lx->p))
      pp_fail_at(lx->c, here(lx), "\"0x\" must be followed by hex digits");
    while (lx->p < lx->end && is_hex(*lx->p)) advance(lx);
  } else if (at(lx, 0, '0') && lx->p + 1 < lx->end && is_digit(lx->p[1])) {
    while (lx->p < lx->end && is_digit(*lx->p)) {
      if (!is_octal(*lx->p)) pp_fail_at(lx->c, here(lx), "numbers starting with 0 are octal: only digits 0-7 may follow");
      advance(lx);
    }
  } else {
    while (lx->p < lx->end && is_digit(*lx->p)) advance(lx);
    if (lx->p < lx->end && *lx->p == '.') {
      is_float = true;
      advance(lx);
      while (lx->p < lx->end && is_digit(*lx->p)) advance(lx);
    }
    if (lx->p < lx->end && (*lx->p == 'e' || *lx->p == 'E')) {
      is_float = true;
      advance(lx);
      if (lx->p < lx->end && (*lx->p == '+' || *lx->p == '-')) advance(lx);
      if (lx->p >= lx->end || !is_digit(*lx->p))
        pp_fail_at(lx->c, here(lx), "the exponent of a number needs digits");
      while (lx->p < lx->end && is_digit(*lx->p)) advance(lx);
    }
  }
  if (lx->p < lx->end && (is_letter(*lx->p) || *lx->p == '.'))
    pp_fail_at(lx->c, here(lx), "a number must be followed by a space or a symbol, not '%c'", *lx->p);
  (void)is_float;
}

static void scan_string(lexer_t *lx) {
  char quote = *lx->p;
  advance(lx);
  for (;;) {
    if (lx->p >= lx->end || *lx->p == '\n')
      pp_fail_at(lx->c, here(lx), "string literal is not closed with %c on its line", quote);
    char ch = *lx->p;
    if (ch == quote) {
      advance(lx);
      return;
    }
    if (ch == '\\') {
      pp_pos_t esc = here(lx);
      advance(lx);
      if (lx->p >= lx->end) pp_fail_at(lx->c, esc, "string literal ends inside an escape");
      ch = *lx->p;
      int hex = 0;
      if (strchr("abfnrtv\\?'\"", ch) && ch != '\0') {
        advance(lx);
      } else if (is_octal(ch)) {
        advance(lx);
      } else if (ch == 'x' || ch == 'X') {
        advance(lx);
        if (lx->p >= lx->end || !is_hex(*lx->p))
          pp_fail_at(lx->c, esc, "\"\\x\" must be followed by hex digits");
      } else if (ch == 'u') {
        hex = 4;
      } else if (ch == 'U') {
        hex = 8;
      } else {
        pp_fail_at(lx->c, esc, "invalid escape sequence \"\\%c\" in string literal", ch);
      }
      if (hex) {
        advance(lx);
        for (int i = 0; i < hex; i++) {
          if (lx->p >= lx->end || !is_hex(*lx->p))
            pp_fail_at(lx->c, esc, "\"\\%c\" must be followed by %d hex digits", hex == 4 ? 'u' : 'U', hex);
          advance(lx);
        }
      }
      continue;
    }
    advance(lx);
  }
}

void pp_lex(pp_ctx_t *c, const char *src, size_t len) {
  lexer_t lx = {c, src, src + len, 0, 0};
  /* A UTF-8 byte order mark at the start is skipped, as protoc does. */
  if (len >= 3 && memcmp(src, "\xef\xbb\xbf", 3) == 0) lx.p += 3;
  while (lx.p < lx.end) {
    char ch = *lx.p;
    if (ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f') {
      advance(&lx);
      continue;
    }
    if (ch == '/' && at(&lx, 1, '/')) {
      while (lx.p < lx.end && *lx.p != '\n') advance(&lx);
      continue;
    }
    if (ch == '/' && at(&lx, 1, '*')) {
      skip_block_comment(&lx);
      continue;
    }
    pp_token_t *t = PP_PUSH(c, &c->toks);
    pp_pos_t pos = here(&lx);
    t->line = pos.line;
    t->col = pos.col;
    t->text = lx.p;
    if (is_letter(ch)) {
      t->kind = PP_TOK_IDENT;
      while (lx.p < lx.end && (is_letter(*lx.p) || is_digit(*lx.p))) advance(&lx);
    } else if (is_digit(ch) || (ch == '.' && lx.p + 1 < lx.end && is_digit(lx.p[1]))) {
      const char *start = lx.p;
      scan_number(&lx);
      t->kind = PP_TOK_INT;
      for (const char *q = start; q < lx.p; q++) {
        if (*q == '.' || ((*q == 'e' || *q == 'E') && !(start[0] == '0' && (start[1] == 'x' || start[1] == 'X'))))
          t->kind = PP_TOK_FLOAT;
      }
    } else if (ch == '"' || ch == '\'') {
      t->kind = PP_TOK_STRING;
      scan_string(&lx);
    } else if ((unsigned char)ch < 0x20 || (unsigned char)ch >= 0x7f) {
      pp_fail_at(c, pos, "unexpected byte 0x%02x: outside strings and comments a .proto file is ASCII text",
                 (unsigned char)ch);
    } else {
      t->kind = PP_TOK_SYMBOL;
      advance(&lx);
    }
    t->len = (size_t)(lx.p - t->text);
  }
  pp_token_t *end = PP_PUSH(c, &c->toks);
  end->kind = PP_TOK_END;
  end->text = lx.end;
  end->line = lx.line + 1;
  end->col = lx.col + 1;
}

static int hex_value(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  return ch - 'A' + 10;
}

static size_t put_utf8(char *out, uint32_t cp) {
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xc0 | (cp >> 6));
    out[1] = (char)(0x80 | (cp & 0x3f));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char)(0xe0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[2] = (char)(0x80 | (cp & 0x3f));
    return 3;
  }
  out[0] = (char)(0xf0 | ((cp >> 18) & 0x07));
  out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
  out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
  out[3] = (char)(0x80 | (cp & 0x3f));
  return 4;
}

/* The lexer validated the escapes, so this only decodes. */
void pp_unescape(pp_ctx_t *c, const pp_token_t *t, char **out, size_t *out_len) {
  char *buf = pp_alloc(c, t->len + 1);
  size_t n = 0;
  const char *p = t->text + 1, *end = t->text + t->len - 1;
  while (p < end) {
    if (*p != '\\') {
      buf[n++] = *p++;
      continue;
    }
    p++;
    char ch = *p++;
    switch (ch) {
      case 'a': buf[n++] = '\a'; break;
      case 'b': buf[n++] = '\b'; break;
      case 'f': buf[n++] = '\f'; break;
      case 'n': buf[n++] = '\n'; break;
      case 'r': buf[n++] = '\r'; break;
      case 't': buf[n++] = '\t'; break;
      case 'v': buf[n++] = '\v'; break;
      case 'x':
      case 'X': {
        int v = hex_value(*p++);
        if (p < end && is_hex(*p)) v = v * 16 + hex_value(*p++);
        buf[n++] = (char)v;
        break;
      }
      case 'u':
      case 'U': {
        int digits = ch == 'u' ? 4 : 8;
        uint32_t cp = 0;
        for (int i = 0; i < digits; i++) cp = cp * 16 + (uint32_t)hex_value(*p++);
        if (cp > 0x10ffff) cp = 0xfffd;
        n += put_utf8(buf + n, cp);
        break;
      }
      default:
        if (is_octal(ch)) {
          int v = ch - '0';
          for (int i = 0; i < 2 && p < end && is_octal(*p); i++) v = v * 8 + (*p++ - '0');
          buf[n++] = (char)v;
        } else {
          buf[n++] = ch; /* \\ \? \' \" */
        }
    }
  }
  buf[n] = '\0';
  *out = buf;
  *out_len = n;
}

bool pp_parse_uint(const pp_token_t *t, uint64_t *out) {
  const char *p = t->text, *end = t->text + t->len;
  unsigned base = 10;
  if (t->len > 1 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
    base = 16;
    p += 2;
  } else if (t->len > 1 && p[0] == '0') {
    base = 8;
    p++;
  }
  uint64_t v = 0;
  for (; p < end; p++) {
    unsigned d = (unsigned)hex_value(*p);
    if (v > (UINT64_MAX - d) / base) return false;
    v = v * base + d;
  }
  *out = v;
  return true;
}

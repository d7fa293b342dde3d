/* The lexer pieces of the .proto parser: token kinds and positions,
 * comments, numbers, string escapes, integer values. */
#include <string.h>

#include "protoparse/pp.h"
#include "test.h"

/* Lexes `src` into *c; returns false (message in err) on a lexical error. */
static bool lex(pp_ctx_t *c, cgrpc_error_t *err, const char *src) {
  memset(c, 0, sizeof *c);
  cgrpc_arena_init(&c->arena, NULL, 0);
  c->err = err;
  c->file_name = "t.proto";
  if (setjmp(c->fail)) return false;
  pp_lex(c, src, strlen(src));
  return true;
}

static bool tok_is(const pp_token_t *t, pp_tok_kind_t kind, const char *text, int line, int col) {
  return t->kind == kind && t->len == strlen(text) && memcmp(t->text, text, t->len) == 0 &&
         t->line == line && t->col == col;
}

static void test_token_kinds_and_positions(void) {
  pp_ctx_t c;
  cgrpc_error_t err;
  CHECK(lex(&c, &err, "message Foo_1 {\n  int32 x = 0x1F; // comment\n\tfloat y = 1.5e-3;\n}"));
  CHECK_EQ_UINT(c.toks.n, 15);
  const pp_token_t *t = c.toks.items;
  CHECK(tok_is(&t[0], PP_TOK_IDENT, "message", 1, 1));
  CHECK(tok_is(&t[1], PP_TOK_IDENT, "Foo_1", 1, 9));
  CHECK(tok_is(&t[2], PP_TOK_SYMBOL, "{", 1, 15));
  CHECK(tok_is(&t[3], PP_TOK_IDENT, "int32", 2, 3));
  CHECK(tok_is(&t[6], PP_TOK_INT, "0x1F", 2, 13));
  CHECK(tok_is(&t[7], PP_TOK_SYMBOL, ";", 2, 17));
  CHECK(tok_is(&t[8], PP_TOK_IDENT, "float", 3, 9)); /* after a tab */
  CHECK(tok_is(&t[11], PP_TOK_FLOAT, "1.5e-3", 3, 19));
  CHECK(tok_is(&t[13], PP_TOK_SYMBOL, "}", 4, 1));
  CHECK_EQ_INT(t[14].kind, PP_TOK_END);
  cgrpc_arena_free(&c.arena);
}

static void test_comments_are_dropped(void) {
  pp_ctx_t c;
  cgrpc_error_t err;
  CHECK(lex(&c, &err, "/* a\n * b */ a // x y z\n/**/b/*c*/ //"));
  CHECK_EQ_UINT(c.toks.n, 3);
  CHECK(tok_is(&c.toks.items[0], PP_TOK_IDENT, "a", 2, 9));
  CHECK(tok_is(&c.toks.items[1], PP_TOK_IDENT, "b", 3, 5));
  cgrpc_arena_free(&c.arena);
}

static void test_byte_order_mark_and_crlf(void) {
  pp_ctx_t c;
  cgrpc_error_t err;
  CHECK(lex(&c, &err, "\xef\xbb\xbfsyntax\r\n= 1;"));
  CHECK_EQ_UINT(c.toks.n, 5);
  CHECK(tok_is(&c.toks.items[0], PP_TOK_IDENT, "syntax", 1, 1));
  CHECK(tok_is(&c.toks.items[1], PP_TOK_SYMBOL, "=", 2, 1));
  cgrpc_arena_free(&c.arena);
  /* Elsewhere it is a byte outside ASCII. */
  CHECK(!lex(&c, &err, "a \xef\xbb\xbf"));
  CHECK_EQ_STR(err.message, "t.proto:1:3: unexpected byte 0xef: outside strings and comments a "
                            ".proto file is ASCII text");
  cgrpc_arena_free(&c.arena);
}

static void test_numbers(void) {
  pp_ctx_t c;
  cgrpc_error_t err;
  CHECK(lex(&c, &err, "0 017 0xff 1e5 .5 5. 1E+2"));
  pp_tok_kind_t kinds[] = {PP_TOK_INT,   PP_TOK_INT,   PP_TOK_INT,  PP_TOK_FLOAT,
                           PP_TOK_FLOAT, PP_TOK_FLOAT, PP_TOK_FLOAT};
  CHECK_EQ_UINT(c.toks.n, 8);
  for (size_t i = 0; i < 7 && i < c.toks.n; i++) CHECK_EQ_INT(c.toks.items[i].kind, kinds[i]);
  uint64_t v = 0;
  CHECK(pp_parse_uint(&c.toks.items[1], &v));
  CHECK_EQ_UINT(v, 15);
  CHECK(pp_parse_uint(&c.toks.items[2], &v));
  CHECK_EQ_UINT(v, 255);
  cgrpc_arena_free(&c.arena);

  CHECK(lex(&c, &err, "18446744073709551615 18446744073709551616"));
  CHECK(pp_parse_uint(&c.toks.items[0], &v));
  CHECK_EQ_UINT(v, UINT64_MAX);
  CHECK(!pp_parse_uint(&c.toks.items[1], &v));
  cgrpc_arena_free(&c.arena);

  CHECK(!lex(&c, &err, "0x"));
  CHECK_EQ_STR(err.message, "t.proto:1:3: \"0x\" must be followed by hex digits");
  cgrpc_arena_free(&c.arena);
  CHECK(!lex(&c, &err, "089"));
  CHECK_EQ_STR(err.message,
               "t.proto:1:2: numbers starting with 0 are octal: only digits 0-7 may follow");
  cgrpc_arena_free(&c.arena);
  CHECK(!lex(&c, &err, "1e+"));
  CHECK_EQ_STR(err.message, "t.proto:1:4: the exponent of a number needs digits");
  cgrpc_arena_free(&c.arena);
}

static void test_string_escapes(void) {
  pp_ctx_t c;
  cgrpc_error_t err;
  CHECK(lex(&c, &err, "\"a\\n\\t\\\\\\\"\\'\\101\\x41\\x4\\0\\u00e9\\U0001F600\" 'it''s'"));
  CHECK_EQ_UINT(c.toks.n, 4);
  char *s;
  size_t n;
  pp_unescape(&c, &c.toks.items[0], &s, &n);
  const char want[] = "a\n\t\\\"'AA\x04\0\xc3\xa9\xf0\x9f\x98\x80";
  CHECK_EQ_MEM(s, n, want, sizeof want - 1);
  pp_unescape(&c, &c.toks.items[1], &s, &n);
  CHECK_EQ_MEM(s, n, "it", 2);
  cgrpc_arena_free(&c.arena);

  CHECK(!lex(&c, &err, "\"\\u12\""));
  CHECK_EQ_STR(err.message, "t.proto:1:2: \"\\u\" must be followed by 4 hex digits");
  cgrpc_arena_free(&c.arena);
  CHECK(!lex(&c, &err, "'abc\n'"));
  CHECK_EQ_STR(err.message, "t.proto:1:5: string literal is not closed with ' on its line");
  cgrpc_arena_free(&c.arena);
  CHECK(!lex(&c, &err, "\"\\"));
  CHECK_EQ_STR(err.message, "t.proto:1:2: string literal ends inside an escape");
  cgrpc_arena_free(&c.arena);
}

static void test_control_bytes_are_refused(void) {
  pp_ctx_t c;
  cgrpc_error_t err;
  const char src[] = {'a', ' ', '\0', 'b'};
  memset(&c, 0, sizeof c);
  cgrpc_arena_init(&c.arena, NULL, 0);
  c.err = &err;
  c.file_name = "t.proto";
  if (setjmp(c.fail) == 0) {
    pp_lex(&c, src, sizeof src);
    CHECK(!"a NUL byte must be refused");
  } else {
    CHECK_EQ_STR(err.message, "t.proto:1:3: unexpected byte 0x00: outside strings and comments a "
                              ".proto file is ASCII text");
  }
  cgrpc_arena_free(&c.arena);
}

int main(void) {
  TEST_RUN(test_token_kinds_and_positions);
  TEST_RUN(test_comments_are_dropped);
  TEST_RUN(test_byte_order_mark_and_crlf);
  TEST_RUN(test_numbers);
  TEST_RUN(test_string_escapes);
  TEST_RUN(test_control_bytes_are_refused);
  return TEST_DONE();
}

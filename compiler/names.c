/* names.c — C identifiers and literals from protobuf names. See names.h. */
#include "names.h"

#include <string.h>

/* Words a generated identifier must not be: C11 and C23 keywords, macros of
 * the headers generated code includes, and macros that compilers or common
 * system headers predefine in GNU modes. Sorted, so it is easy to check by
 * eye; short enough for a linear search. */
static const char *const kReserved[] = {
    "EOF",        "INFINITY",      "NAN",        "NULL",      "_Alignas",       "_Alignof",
    "_Atomic",    "_BitInt",       "_Bool",      "_Complex",  "_Decimal128",    "_Decimal32",
    "_Decimal64", "_Generic",      "_Imaginary", "_Noreturn", "_Static_assert", "_Thread_local",
    "alignas",    "alignof",       "assert",     "auto",      "bool",           "break",
    "case",       "char",          "const",      "constexpr", "continue",       "default",
    "do",         "double",        "else",       "enum",      "errno",          "extern",
    "false",      "float",         "for",        "goto",      "i386",           "if",
    "inline",     "int",           "linux",      "long",      "nullptr",        "offsetof",
    "register",   "restrict",      "return",     "short",     "signed",         "sizeof",
    "static",     "static_assert", "stderr",     "stdin",     "stdout",         "struct",
    "switch",     "thread_local",  "true",       "typedef",   "typeof",         "typeof_unqual",
    "union",      "unix",          "unsigned",   "void",      "volatile",       "while",
};

bool gen_name_is_reserved(const char *name) {
  for (size_t i = 0; i < sizeof(kReserved) / sizeof(kReserved[0]); i++) {
    if (strcmp(name, kReserved[i]) == 0) return true;
  }
  return false;
}

const char *gen_name_escape(cgrpc_arena_t *arena, const char *name) {
  while (gen_name_is_reserved(name)) name = gen_strprintf(arena, "%s_", name);
  return name;
}

const char *gen_name_flatten(cgrpc_arena_t *arena, const char *dotted) {
  if (dotted[0] == '.') dotted++;
  char *out = gen_strndup(arena, dotted, strlen(dotted));
  for (char *p = out; *p; p++) {
    if (*p == '.') *p = '_';
  }
  return out;
}

const char *gen_name_mangle(cgrpc_arena_t *arena, const char *dotted) {
  return gen_name_escape(arena, gen_name_flatten(arena, dotted));
}

static bool is_ident_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

const char *gen_name_from_path(cgrpc_arena_t *arena, const char *path) {
  size_t len = strlen(path);
  bool digit_first = path[0] >= '0' && path[0] <= '9';
  char *out = gen_alloc(arena, len + 2);
  char *p = out;
  if (digit_first) *p++ = '_';
  for (size_t i = 0; i < len; i++) *p++ = is_ident_char(path[i]) ? path[i] : '_';
  *p = '\0';
  return out;
}

const char *gen_name_json(cgrpc_arena_t *arena, const char *name) {
  char *out = gen_strndup(arena, name, strlen(name));
  char *w = out;
  bool upper_next = false;
  for (const char *r = name; *r; r++) {
    if (*r == '_') {
      upper_next = true;
      continue;
    }
    *w++ = (upper_next && *r >= 'a' && *r <= 'z') ? (char)(*r - 'a' + 'A') : *r;
    upper_next = false;
  }
  *w = '\0';
  return out;
}

const char *gen_name_output(cgrpc_arena_t *arena, const char *proto_path, const char *suffix) {
  size_t len = strlen(proto_path);
  if (len >= 6 && strcmp(proto_path + len - 6, ".proto") == 0) len -= 6;
  return gen_strprintf(arena, "%.*s%s", (int)len, proto_path, suffix);
}

void gen_text_put_cstring(gen_text_t *t, const char *s, size_t len) {
  static const char kSpecial[] = "\"\\?\n\t";
  static const char *const kEscaped[] = {"\\\"", "\\\\", "\\?", "\\n", "\\t"};
  gen_text_put(t, "\"");
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    const char *special = c ? strchr(kSpecial, c) : NULL;
    if (special) {
      gen_text_put(t, kEscaped[special - kSpecial]);
    } else if (c >= 0x20 && c < 0x7f) {
      gen_text_putn(t, &s[i], 1);
    } else {
      /* Always three digits, so a following digit is not absorbed. */
      gen_text_printf(t, "\\%03o", c);
    }
  }
  gen_text_put(t, "\"");
}

static int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool gen_name_unescape_bytes(cgrpc_arena_t *arena, const char *escaped, char **out,
                             size_t *out_len) {
  size_t len = strlen(escaped);
  char *buf = gen_alloc(arena, len + 1);
  size_t n = 0;
  for (size_t i = 0; i < len; i++) {
    char c = escaped[i];
    if (c != '\\') {
      buf[n++] = c;
      continue;
    }
    if (++i == len) return false;
    c = escaped[i];
    if (c >= '0' && c <= '7') {
      int v = 0;
      for (int k = 0; k < 3 && i < len && escaped[i] >= '0' && escaped[i] <= '7'; k++, i++) {
        v = v * 8 + (escaped[i] - '0');
      }
      i--;
      if (v > 0xff) return false;
      buf[n++] = (char)v;
    } else if (c == 'x' || c == 'X') {
      int v = 0, digits = 0;
      while (digits < 2 && i + 1 < len && hex_value(escaped[i + 1]) >= 0) {
        v = v * 16 + hex_value(escaped[++i]);
        digits++;
      }
      if (digits == 0) return false;
      buf[n++] = (char)v;
    } else {
      static const char kFrom[] = "abfnrtv\\?'\"";
      static const char kTo[] = "\a\b\f\n\r\t\v\\?'\"";
      const char *hit = strchr(kFrom, c);
      if (!hit) return false;
      buf[n++] = kTo[hit - kFrom];
    }
  }
  buf[n] = '\0';
  *out = buf;
  *out_len = n;
  return true;
}

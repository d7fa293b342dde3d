/* text.c — arena-backed text buffers and string helpers for the generator.
 * See text.h. */
#include "text.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Noreturn void gen_oom(void) {
  fputs("protoc-gen-cgrpc: out of memory\n", stderr);
  exit(1);
}

void *gen_alloc(cgrpc_arena_t *arena, size_t size) {
  void *p = cgrpc_arena_alloc(arena, size);
  if (!p) gen_oom();
  return p;
}

void *gen_calloc(cgrpc_arena_t *arena, size_t count, size_t size) {
  if (size != 0 && count > SIZE_MAX / size) gen_oom();
  void *p = cgrpc_arena_calloc(arena, count * size);
  if (!p) gen_oom();
  return p;
}

char *gen_strndup(cgrpc_arena_t *arena, const char *s, size_t len) {
  char *p = gen_alloc(arena, len + 1);
  if (len) memcpy(p, s, len);
  p[len] = '\0';
  return p;
}

void gen_text_init(gen_text_t *t, cgrpc_arena_t *arena) {
  memset(t, 0, sizeof(*t));
  t->arena = arena;
}

/* Makes room for `extra` more bytes plus the terminating NUL. */
static void reserve(gen_text_t *t, size_t extra) {
  if (t->cap - t->len > extra) return;
  size_t cap = t->cap ? t->cap : 256;
  while (cap - t->len <= extra) {
    if (cap > SIZE_MAX / 2) gen_oom();
    cap *= 2;
  }
  char *p = cgrpc_arena_realloc(t->arena, t->data, t->cap, cap);
  if (!p) gen_oom();
  t->data = p;
  t->cap = cap;
}

void gen_text_putn(gen_text_t *t, const char *s, size_t len) {
  reserve(t, len);
  memcpy(t->data + t->len, s, len);
  t->len += len;
  t->data[t->len] = '\0';
}

void gen_text_put(gen_text_t *t, const char *s) { gen_text_putn(t, s, strlen(s)); }

void gen_text_put_wrapped(gen_text_t *t, const char *head, const char *const *items, size_t n,
                          const char *tail) {
  enum { kColumns = 100 };
  size_t total = strlen(head) + strlen(tail);
  for (size_t i = 0; i < n; i++) total += strlen(items[i]) + (i ? 2 : 0);
  gen_text_put(t, head);
  if (total <= kColumns) {
    for (size_t i = 0; i < n; i++) gen_text_printf(t, "%s%s", i ? ", " : "", items[i]);
    gen_text_printf(t, "%s\n", tail);
    return;
  }
  size_t indent = strspn(head, " ") + 4;
  size_t column = kColumns; /* forces the break after head */
  for (size_t i = 0; i < n; i++) {
    if (i > 0) {
      gen_text_put(t, ",");
      column++;
    }
    size_t len = strlen(items[i]);
    size_t need = len + (i + 1 < n ? 1 : strlen(tail));
    if (column + 1 + need > kColumns) {
      gen_text_printf(t, "\n%*s", (int)indent, "");
      column = indent;
    } else {
      gen_text_put(t, " ");
      column++;
    }
    gen_text_put(t, items[i]);
    column += len;
  }
  gen_text_printf(t, "%s\n", tail);
}

static void text_vprintf(gen_text_t *t, const char *fmt, va_list ap) {
  va_list copy;
  va_copy(copy, ap);
  int n = vsnprintf(NULL, 0, fmt, copy);
  va_end(copy);
  if (n < 0) gen_oom();
  reserve(t, (size_t)n);
  vsnprintf(t->data + t->len, (size_t)n + 1, fmt, ap);
  t->len += (size_t)n;
}

void gen_text_printf(gen_text_t *t, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  text_vprintf(t, fmt, ap);
  va_end(ap);
}

char *gen_vstrprintf(cgrpc_arena_t *arena, const char *fmt, va_list ap) {
  gen_text_t t;
  gen_text_init(&t, arena);
  text_vprintf(&t, fmt, ap);
  return t.data;
}

char *gen_strprintf(cgrpc_arena_t *arena, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *s = gen_vstrprintf(arena, fmt, ap);
  va_end(ap);
  return s;
}

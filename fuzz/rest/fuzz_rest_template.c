/* Fuzz target: google.api.http path templates (src/web/rest_template.c).
 *
 * Input: a template, a newline, a request path. The parser must accept or
 * refuse any template without overreading; the matcher must accept or refuse
 * any path. Properties checked: a bound value is never longer than the path,
 * and a template that parses matches the path built from it by writing each
 * literal as is and "x" for every '*' and '**' (with the verb appended). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "web/rest_template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Appends text, percent-encoding what would change its meaning in a path. */
static size_t append_encoded(char *path, size_t n, cgrpc_str_t text) {
  static const char hex[] = "0123456789ABCDEF";
  for (size_t j = 0; j < text.len; j++) {
    unsigned char c = (unsigned char)text.data[j];
    if (c == '/' || c == '%' || c == ':' || c == '?' || c == '#') {
      path[n++] = '%';
      path[n++] = hex[c >> 4];
      path[n++] = hex[c & 15];
    } else {
      path[n++] = (char)c;
    }
  }
  return n;
}

static void check_built_path(const rest_template_t *t, cgrpc_arena_t *arena) {
  char *path = malloc(t->text.len * 3 + 16);
  size_t n = 0;
  for (size_t i = 0; i < t->segment_count; i++) {
    path[n++] = '/';
    const rest_segment_t *s = &t->segments[i];
    if (s->kind == REST_SEG_LITERAL)
      n = append_encoded(path, n, s->literal);
    else
      path[n++] = 'x';
  }
  if (t->verb.len) {
    path[n++] = ':';
    n = append_encoded(path, n, t->verb);
  }
  rest_binding_t bindings[64];
  if (!rest_template_match(t, path, n, arena, bindings, NULL)) abort();
  free(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *text = (const char *)data;
  const char *nl = memchr(text, '\n', size);
  size_t tlen = nl ? (size_t)(nl - text) : size;
  const char *path = nl ? nl + 1 : "";
  size_t plen = nl ? size - tlen - 1 : 0;
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  rest_template_t t;
  cgrpc_error_t err;
  if (rest_template_parse(text, tlen, &arena, &t, &err) == CGRPC_STATUS_OK) {
    if (t.variable_count > 64) abort();
    rest_binding_t bindings[64];
    if (rest_template_match(&t, path, plen, &arena, bindings, NULL))
      for (size_t i = 0; i < t.variable_count; i++)
        if (bindings[i].value.len > plen) abort();
    check_built_path(&t, &arena);
  } else if (!memchr(err.message, '\0', sizeof err.message)) {
    abort();
  }
  cgrpc_arena_free(&arena);
  return 0;
}

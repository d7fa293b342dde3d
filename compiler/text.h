/* text.h — growing text buffers for the code the generator emits.
 *
 * Generated files are built up by appending formatted pieces; the buffer lives
 * in the generator's arena and doubles as it grows, so emitting code needs no
 * bookkeeping beyond "append". Running out of memory ends the plugin (see
 * gen_oom()): a code generator has nothing sensible to do after that.
 */
#ifndef CGRPC_COMPILER_TEXT_H
#define CGRPC_COMPILER_TEXT_H

#include <stdarg.h>
#include <stddef.h>

#include "cgrpc/arena.h"

typedef struct gen_text {
  cgrpc_arena_t *arena;
  char *data; /* NUL-terminated once anything was appended */
  size_t len;
  size_t cap;
} gen_text_t;

/* Starts an empty buffer whose memory comes from `arena`. */
void gen_text_init(gen_text_t *t, cgrpc_arena_t *arena);

/* Appends a NUL-terminated string. */
void gen_text_put(gen_text_t *t, const char *s);

/* Appends `len` bytes. */
void gen_text_putn(gen_text_t *t, const char *s, size_t len);

/* Appends printf-formatted text. */
void gen_text_printf(gen_text_t *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends `head`, the `n` items joined by ", ", then `tail` and a newline:
 * on one line when that fits in 100 columns, else breaking after `head` and
 * filling lines with items at the head's indentation plus 4, the way
 * clang-format lays out long calls and declarations. */
void gen_text_put_wrapped(gen_text_t *t, const char *head, const char *const *items, size_t n,
                          const char *tail);

/* Returns a NUL-terminated copy of the printf-formatted text, in `arena`. */
char *gen_strprintf(cgrpc_arena_t *arena, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* gen_strprintf() with a va_list. */
char *gen_vstrprintf(cgrpc_arena_t *arena, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* Arena allocation that never returns NULL: it calls gen_oom() instead. */
void *gen_alloc(cgrpc_arena_t *arena, size_t size);

/* Zero-filled gen_alloc() of `count` elements of `size` bytes. */
void *gen_calloc(cgrpc_arena_t *arena, size_t count, size_t size);

/* Copies `len` bytes into a new NUL-terminated string. */
char *gen_strndup(cgrpc_arena_t *arena, const char *s, size_t len);

/* Reports that memory ran out on stderr and exits with status 1. */
_Noreturn void gen_oom(void);

#endif /* CGRPC_COMPILER_TEXT_H */

/* base/arena_printf.c — printf into an arena (cgrpc/arena.h).
 *
 * The common case formats once, straight into the free end of the current
 * block, and then claims what it used; only a string that does not fit is
 * formatted a second time into an allocation of the size the first pass
 * measured.
 */
#include <stdarg.h>
#include <stdio.h>

#include "cgrpc/arena.h"
#include "cgrpc/pb_table.h"

static size_t align_size(size_t n) {
  return (n + CGRPC_ARENA_ALIGN - 1) & ~(size_t)(CGRPC_ARENA_ALIGN - 1);
}

cgrpc_str_t cgrpc_arena_vprintf(cgrpc_arena_t *a, const char *fmt, va_list ap) {
  static const cgrpc_str_t failed = {NULL, 0};
  va_list again;
  va_copy(again, ap);
  size_t room = (size_t)(a->end - a->ptr);
  int n = vsnprintf(room ? a->ptr : NULL, room, fmt, ap);
  if (n < 0) {
    va_end(again);
    return failed;
  }
  size_t len = (size_t)n;
  char *p;
  if (align_size(len + 1) <= room) {
    p = a->ptr; /* already written where the allocation begins */
    a->ptr += align_size(len + 1);
  } else {
    p = cgrpc_arena_alloc(a, len + 1);
    if (p) vsnprintf(p, len + 1, fmt, again);
  }
  va_end(again);
  return p ? (cgrpc_str_t){p, len} : failed;
}

cgrpc_str_t cgrpc_arena_printf(cgrpc_arena_t *a, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  cgrpc_str_t s = cgrpc_arena_vprintf(a, fmt, ap);
  va_end(ap);
  return s;
}

/* CGRPC_STR() takes the size of its argument, so it accepts only arrays:
 * on a char * it would measure the pointer. */
#include "cgrpc/pb_table.h"

static const char greeting[] = "hello";

size_t lengths(const char *name);

size_t lengths(const char *name) {
  cgrpc_str_t a = CGRPC_STR("literal");
  cgrpc_str_t b = CGRPC_STR(greeting);
  cgrpc_str_t c = cgrpc_str(name);
#ifdef CGRPC_COMPILE_FAIL
  c = CGRPC_STR(name);
#endif
  return a.len + b.len + c.len;
}

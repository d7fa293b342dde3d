/* auth/fail.c — see fail.h. */
#include "auth/fail.h"

#include <stdarg.h>
#include <stdio.h>

cgrpc_status_code_t cgrpc_auth_fail(cgrpc_error_t *err, cgrpc_status_code_t code, const char *fmt,
                                    ...) {
  if (err) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
  }
  return code;
}

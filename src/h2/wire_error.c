/* Error values for the gRPC wire pieces: code plus a bounded, inline message.
 * See h2/wire_error.h. */
#include "h2/wire_error.h"

#include <stdarg.h>
#include <stdio.h>

cgrpc_status_code_t cgrpc_wire_error_set(cgrpc_wire_error_t *err, cgrpc_status_code_t code,
                                         const char *fmt, ...) {
  if (err) {
    va_list ap;
    va_start(ap, fmt);
    err->code = code;
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
  }
  return code;
}

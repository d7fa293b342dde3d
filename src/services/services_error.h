/* services/services_error.h — filling a cgrpc_error_t (cgrpc/error.h) for
 * the built-in services' setup calls. */
#ifndef CGRPC_SRC_SERVICES_SERVICES_ERROR_H
#define CGRPC_SRC_SERVICES_SERVICES_ERROR_H

#include <stdarg.h>
#include <stdio.h>

#include "cgrpc/error.h"

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static inline cgrpc_status_code_t
cgrpc_services_fail(cgrpc_error_t *err, cgrpc_status_code_t code, const char *fmt, ...) {
  if (err) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
  }
  return code;
}

static inline cgrpc_status_code_t cgrpc_services_ok(cgrpc_error_t *err) {
  if (err) err->message[0] = '\0';
  return CGRPC_STATUS_OK;
}

#endif /* CGRPC_SRC_SERVICES_SERVICES_ERROR_H */

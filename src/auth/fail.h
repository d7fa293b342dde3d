/* auth/fail.h — filling a cgrpc_error_t and returning its code in one step. */
#ifndef CGRPC_SRC_AUTH_FAIL_H
#define CGRPC_SRC_AUTH_FAIL_H

#include "cgrpc/error.h"

/* Writes the formatted sentence into err (when not NULL) and returns code. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
cgrpc_status_code_t
cgrpc_auth_fail(cgrpc_error_t *err, cgrpc_status_code_t code, const char *fmt, ...);

#endif /* CGRPC_SRC_AUTH_FAIL_H */

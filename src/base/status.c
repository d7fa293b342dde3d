/* gRPC status code names: one table indexed by the wire value, used in both
 * directions. See cgrpc/status.h. */
#include "cgrpc/status.h"

#include <string.h>

static const char *const kNames[CGRPC_STATUS_CODE_COUNT] = {
    "OK",
    "CANCELLED",
    "UNKNOWN",
    "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION",
    "ABORTED",
    "OUT_OF_RANGE",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "DATA_LOSS",
    "UNAUTHENTICATED",
};

bool cgrpc_status_code_is_valid(int code) { return code >= 0 && code < CGRPC_STATUS_CODE_COUNT; }

const char *cgrpc_status_code_name(cgrpc_status_code_t code) {
  return cgrpc_status_code_is_valid((int)code) ? kNames[code] : NULL;
}

bool cgrpc_status_code_from_name(const char *name, size_t len, cgrpc_status_code_t *code) {
  for (int i = 0; i < CGRPC_STATUS_CODE_COUNT; i++) {
    if (strlen(kNames[i]) == len && memcmp(kNames[i], name, len) == 0) {
      *code = (cgrpc_status_code_t)i;
      return true;
    }
  }
  return false;
}

/* HTTP and HTTP/2 -> gRPC status mappings. See h2/http_status.h. */
#include "h2/http_status.h"

#include <nghttp2/nghttp2.h>

cgrpc_status_code_t cgrpc_status_from_http(int http_status) {
  switch (http_status) {
    case 400:
    case 431:
      return CGRPC_STATUS_INTERNAL;
    case 401:
      return CGRPC_STATUS_UNAUTHENTICATED;
    case 403:
      return CGRPC_STATUS_PERMISSION_DENIED;
    case 404:
      return CGRPC_STATUS_UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return CGRPC_STATUS_UNAVAILABLE;
    default:
      return CGRPC_STATUS_UNKNOWN;
  }
}

cgrpc_status_code_t cgrpc_status_from_h2_error(uint32_t h2_error) {
  switch (h2_error) {
    case NGHTTP2_REFUSED_STREAM:
      return CGRPC_STATUS_UNAVAILABLE;
    case NGHTTP2_CANCEL:
      return CGRPC_STATUS_CANCELLED;
    case NGHTTP2_ENHANCE_YOUR_CALM:
      return CGRPC_STATUS_RESOURCE_EXHAUSTED;
    case NGHTTP2_INADEQUATE_SECURITY:
      return CGRPC_STATUS_PERMISSION_DENIED;
    default:
      return CGRPC_STATUS_INTERNAL;
  }
}

cgrpc_status_code_t cgrpc_status_from_grpc_status(const char *value, size_t len) {
  if (len == 0) return CGRPC_STATUS_UNKNOWN;
  int code = 0;
  for (size_t i = 0; i < len; i++) {
    if (value[i] < '0' || value[i] > '9') return CGRPC_STATUS_UNKNOWN;
    code = code * 10 + (value[i] - '0');
    if (code >= CGRPC_STATUS_CODE_COUNT) return CGRPC_STATUS_UNKNOWN;
  }
  return (cgrpc_status_code_t)code;
}

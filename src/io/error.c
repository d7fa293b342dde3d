/* Messages for io error codes. errno values use the C library's own table
 * through strerrordesc_np(), which, unlike strerror(), is thread-safe and not
 * translated, so messages in logs and gRPC statuses read the same everywhere. */
#define _GNU_SOURCE

#include "io/error.h"

#include <string.h>

const char *cgrpc_io_strerror(int err) {
  switch (err) {
    case 0:
      return "success";
    case CGRPC_IO_EBADTARGET:
      return "malformed target address";
    case CGRPC_IO_ENOTFOUND:
      return "host name not found";
    case CGRPC_IO_ERESOLVE:
      return "temporary failure in name resolution";
    default:
      break;
  }
  const char *msg = err < 0 ? strerrordesc_np(-err) : NULL;
  return msg ? msg : "unknown error";
}

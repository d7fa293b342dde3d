/* pb/error.c — turning cgrpc_pb_error_t values into text for logs and gRPC
 * status messages.
 *
 * The sentence names the message and field the way a .proto author knows
 * them ("bench.Person.name (field 2)"), says what was wrong, and where in
 * the input, so a user can find the bad bytes without a debugger. */
#include <stdarg.h>
#include <stdio.h>

#include "cgrpc/pb.h"
#include "pb/table.h"

const char *cgrpc_pb_strerror(int code) {
  switch (code) {
    case CGRPC_PB_OK:
      return "success";
    case CGRPC_PB_ERR_TRUNCATED:
      return "truncated input";
    case CGRPC_PB_ERR_MALFORMED:
      return "malformed input";
    case CGRPC_PB_ERR_BAD_UTF8:
      return "string is not valid UTF-8";
    case CGRPC_PB_ERR_TOO_DEEP:
      return "messages nested too deeply";
    case CGRPC_PB_ERR_NO_MEMORY:
      return "out of memory";
    case CGRPC_PB_ERR_MISSING_REQUIRED:
      return "required field is missing";
    case CGRPC_PB_ERR_TOO_LARGE:
      return "message larger than 2 GiB";
    case CGRPC_PB_ERR_BUFFER_TOO_SMALL:
      return "output buffer too small";
    default:
      return "unknown error";
  }
}

/* Appends to buf as snprintf would, tracking in *len the length the whole
 * text needs even after buf is full. */
__attribute__((format(printf, 4, 5))) static void appendf(char *buf, size_t size, size_t *len,
                                                          const char *fmt, ...) {
  size_t used = *len < size ? *len : size;
  va_list ap;
  va_start(ap, fmt);
  int w = vsnprintf(buf + used, size - used, fmt, ap);
  va_end(ap);
  if (w > 0) *len += (size_t)w;
}

size_t cgrpc_pb_error_format(const cgrpc_pb_error_t *err, char *buf, size_t size) {
  char none[1];
  if (!buf || size == 0) {
    buf = none;
    size = sizeof none;
  }
  buf[0] = '\0';
  size_t len = 0;
  const cgrpc_pb_msg_table_t *t = err->table;
  if (t && t->full_name) {
    appendf(buf, size, &len, "%s", t->full_name);
    const char *name = cgrpc_pb_table_field_name(t, err->field_number);
    if (name) appendf(buf, size, &len, ".%s", name);
    if (err->field_number)
      appendf(buf, size, &len, " (field %lu)", (unsigned long)err->field_number);
    appendf(buf, size, &len, ": ");
  }
  appendf(buf, size, &len, "%s", cgrpc_pb_strerror(err->code));
  if (err->detail) appendf(buf, size, &len, ": %s", err->detail);
  if (err->code != CGRPC_PB_OK && err->offset != CGRPC_PB_NO_OFFSET) {
    appendf(buf, size, &len, " (at byte %zu)", err->offset);
  }
  return len;
}

/* Fuzz target: grpc-timeout parsing and encoding.
 *
 * Parsing arbitrary bytes either succeeds with a non-negative duration or
 * fails INTERNAL "malformed grpc-timeout: ..."; the first 8 bytes, read as a
 * duration, must encode to a valid value that parses back to at least the
 * original (timeouts only ever round up). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "h2/grpc_timeout.h"

static void check_encodes_up(int64_t ns) {
  char buf[CGRPC_GRPC_TIMEOUT_BUFSIZE];
  size_t len = cgrpc_grpc_timeout_encode(ns, buf);
  if (len < 2 || len > 9 || buf[len] != '\0') abort();
  int64_t back = -1;
  if (cgrpc_grpc_timeout_parse(buf, len, &back, NULL) != CGRPC_STATUS_OK) abort();
  if (ns <= 0 ? back != 0 : back < ns) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  int64_t ns = -1;
  cgrpc_wire_error_t err;
  cgrpc_status_code_t code = cgrpc_grpc_timeout_parse((const char *)data, size, &ns, &err);
  if (code == CGRPC_STATUS_OK) {
    if (ns < 0 || size < 2 || size > 9) abort();
    check_encodes_up(ns);
  } else if (code != CGRPC_STATUS_INTERNAL ||
             strncmp(err.message, "malformed grpc-timeout: ", 24) != 0 || ns != -1) {
    abort();
  }
  if (size >= 8) {
    uint64_t raw;
    memcpy(&raw, data, sizeof raw);
    check_encodes_up((int64_t)raw);
  }
  return 0;
}

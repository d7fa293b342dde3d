/* Fuzz target: metadata name/value validation and header-list accounting.
 *
 * Input: a sequence of fields, each a length byte and that many bytes
 * (name, then value, alternating). Every check must agree with the others
 * (a key accepted for sending is valid and unreserved, a printable value is
 * acceptable) and the size budget must equal the saturated sum it promises. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "h2/metadata_check.h"

static void check_key(const char *key, size_t len) {
  bool valid = cgrpc_metadata_key_is_valid(key, len);
  cgrpc_metadata_class_t cls = cgrpc_metadata_classify(key, len);
  cgrpc_wire_error_t err;
  cgrpc_status_code_t code = cgrpc_metadata_check_send_key(key, len, &err);
  if (code == CGRPC_STATUS_OK) {
    if (!valid || cls != CGRPC_METADATA_APPLICATION) abort();
    if (len >= 5 && memcmp(key, "grpc-", 5) == 0) abort();
  } else if (code != CGRPC_STATUS_INTERNAL || err.message[0] == '\0') {
    abort();
  }
  if (len > 0 && key[0] == ':' && cls != CGRPC_METADATA_RESERVED) abort();
  if (cgrpc_metadata_key_is_binary(key, len) && (len < 4 || memcmp(key + len - 4, "-bin", 4)))
    abort();
}

static void check_value(const char *value, size_t len) {
  if (cgrpc_metadata_value_is_printable(value, len) &&
      !cgrpc_metadata_value_is_acceptable(value, len)) {
    abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  cgrpc_header_budget_t budget;
  cgrpc_header_budget_init(&budget, 8192, 64);
  size_t expect_bytes = 0, expect_fields = 0, at = 0;
  while (at < size) {
    size_t name_len = data[at++];
    if (name_len > size - at) name_len = size - at;
    const char *name = (const char *)data + at;
    at += name_len;
    size_t value_len = at < size ? data[at++] : 0;
    if (value_len > size - at) value_len = size - at;
    const char *value = (const char *)data + at;
    at += value_len;

    check_key(name, name_len);
    check_value(value, value_len);
    size_t entry = cgrpc_metadata_entry_size(name, name_len, value_len);
    if (entry < name_len + value_len + CGRPC_HEADER_FIELD_OVERHEAD) abort();
    cgrpc_status_code_t code = cgrpc_header_budget_add(&budget, name_len, value_len, NULL);
    expect_bytes += name_len + value_len + CGRPC_HEADER_FIELD_OVERHEAD;
    expect_fields++;
    bool over = expect_bytes > 8192 || expect_fields > 64;
    if ((code != CGRPC_STATUS_OK) != over) abort();
    if (budget.used != expect_bytes || budget.fields != expect_fields) abort();
  }
  return 0;
}

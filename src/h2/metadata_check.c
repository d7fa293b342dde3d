/* Metadata key/value rules, reserved names and header-list accounting.
 * See h2/metadata_check.h. */
#include "h2/metadata_check.h"

#include <stdint.h>
#include <string.h>

#include "h2/base64.h"

static bool is_key_char(uint8_t c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

static bool is_printable(uint8_t c) { return c >= 0x20 && c <= 0x7E; }

/* RFC 9110 field-content: VCHAR, SP, HTAB and obs-text (0x80-0xFF). */
static bool is_field_byte(uint8_t c) { return is_printable(c) || c == '\t' || c >= 0x80; }

static bool all_bytes(const char *s, size_t len, bool (*ok)(uint8_t)) {
  for (size_t i = 0; i < len; i++) {
    if (!ok((uint8_t)s[i])) return false;
  }
  return true;
}

bool cgrpc_metadata_key_is_valid(const char *key, size_t len) {
  return len > 0 && all_bytes(key, len, is_key_char);
}

bool cgrpc_metadata_key_is_binary(const char *key, size_t len) {
  return len >= 4 && memcmp(key + len - 4, "-bin", 4) == 0;
}

bool cgrpc_metadata_value_is_printable(const char *value, size_t len) {
  return all_bytes(value, len, is_printable);
}

bool cgrpc_metadata_value_is_acceptable(const char *value, size_t len) {
  return all_bytes(value, len, is_field_byte);
}

typedef struct named_class {
  const char *name;
  size_t len;
  cgrpc_metadata_class_t cls;
} named_class_t;

#define NAMED(literal, cls) \
  { literal, sizeof(literal) - 1, cls }

static const named_class_t kNamed[] = {
    NAMED("content-type", CGRPC_METADATA_RESERVED),
    NAMED("te", CGRPC_METADATA_RESERVED),
    NAMED("grpc-status", CGRPC_METADATA_RESERVED),
    NAMED("grpc-message", CGRPC_METADATA_RESERVED),
    NAMED("grpc-timeout", CGRPC_METADATA_RESERVED),
    NAMED("grpc-encoding", CGRPC_METADATA_RESERVED),
    NAMED("grpc-accept-encoding", CGRPC_METADATA_RESERVED),
    NAMED("grpc-message-type", CGRPC_METADATA_RESERVED),
    NAMED("grpc-previous-rpc-attempts", CGRPC_METADATA_PASSTHROUGH),
    NAMED("grpc-retry-pushback-ms", CGRPC_METADATA_PASSTHROUGH),
    NAMED("grpc-status-details-bin", CGRPC_METADATA_PASSTHROUGH),
    NAMED("connection", CGRPC_METADATA_FORBIDDEN),
    NAMED("keep-alive", CGRPC_METADATA_FORBIDDEN),
    NAMED("proxy-connection", CGRPC_METADATA_FORBIDDEN),
    NAMED("transfer-encoding", CGRPC_METADATA_FORBIDDEN),
    NAMED("upgrade", CGRPC_METADATA_FORBIDDEN),
};

cgrpc_metadata_class_t cgrpc_metadata_classify(const char *name, size_t len) {
  if (len > 0 && name[0] == ':') return CGRPC_METADATA_RESERVED;
  for (size_t i = 0; i < sizeof kNamed / sizeof kNamed[0]; i++) {
    if (kNamed[i].len == len && memcmp(kNamed[i].name, name, len) == 0) return kNamed[i].cls;
  }
  return CGRPC_METADATA_APPLICATION;
}

cgrpc_status_code_t cgrpc_metadata_check_send_key(const char *key, size_t len,
                                                  cgrpc_wire_error_t *err) {
  if (len == 0) return cgrpc_wire_error_set(err, CGRPC_STATUS_INTERNAL, "metadata key is empty");
  for (size_t i = 0; i < len; i++) {
    uint8_t c = (uint8_t)key[i];
    if (is_key_char(c)) continue;
    if (c >= 'A' && c <= 'Z') {
      return cgrpc_wire_error_set(err, CGRPC_STATUS_INTERNAL,
                                  "metadata key has upper-case '%c' at offset %zu; keys must be "
                                  "lower case",
                                  c, i);
    }
    return cgrpc_wire_error_set(err, CGRPC_STATUS_INTERNAL,
                                "metadata key has byte 0x%02x at offset %zu; keys may only "
                                "contain 0-9 a-z _ . -",
                                c, i);
  }
  if (len >= 5 && memcmp(key, "grpc-", 5) == 0) {
    return cgrpc_wire_error_set(err, CGRPC_STATUS_INTERNAL,
                                "metadata keys starting with \"grpc-\" are reserved for gRPC");
  }
  if (cgrpc_metadata_classify(key, len) != CGRPC_METADATA_APPLICATION) {
    return cgrpc_wire_error_set(err, CGRPC_STATUS_INTERNAL,
                                "metadata key \"%.*s\" is a reserved header name",
                                (int)(len > 64 ? 64 : len), key);
  }
  return CGRPC_STATUS_OK;
}

size_t cgrpc_header_field_size(size_t name_len, size_t value_len) {
  size_t sum = name_len + value_len;
  if (sum < name_len || sum > SIZE_MAX - CGRPC_HEADER_FIELD_OVERHEAD) return SIZE_MAX;
  return sum + CGRPC_HEADER_FIELD_OVERHEAD;
}

size_t cgrpc_metadata_entry_size(const char *key, size_t key_len, size_t value_len) {
  if (cgrpc_metadata_key_is_binary(key, key_len)) {
    /* Base64 grows 3 bytes into 4: past SIZE_MAX / 4 * 3 the result is
     * saturated anyway. */
    value_len = value_len > SIZE_MAX / 4 * 3 ? SIZE_MAX : cgrpc_base64_encoded_len(value_len);
  }
  return cgrpc_header_field_size(key_len, value_len);
}

void cgrpc_header_budget_init(cgrpc_header_budget_t *budget, size_t max_bytes, size_t max_fields) {
  budget->used = 0;
  budget->fields = 0;
  budget->max_bytes = max_bytes;
  budget->max_fields = max_fields;
}

cgrpc_status_code_t cgrpc_header_budget_add(cgrpc_header_budget_t *budget, size_t name_len,
                                            size_t value_len, cgrpc_wire_error_t *err) {
  size_t field = cgrpc_header_field_size(name_len, value_len);
  budget->used = budget->used > SIZE_MAX - field ? SIZE_MAX : budget->used + field;
  if (budget->fields < SIZE_MAX) budget->fields++;
  if (budget->used > budget->max_bytes) {
    return cgrpc_wire_error_set(err, CGRPC_STATUS_RESOURCE_EXHAUSTED,
                                "header list larger than the limit of %zu bytes",
                                budget->max_bytes);
  }
  if (budget->fields > budget->max_fields) {
    return cgrpc_wire_error_set(err, CGRPC_STATUS_RESOURCE_EXHAUSTED,
                                "header list has more than %zu fields", budget->max_fields);
  }
  return CGRPC_STATUS_OK;
}

/* h2/metadata_check.h — what gRPC allows in metadata, and what it reserves.
 *
 * Keys. gRPC keys are 1*[0-9a-z_.-]. HTTP/2 requires lower-case names, so an
 * upper-case letter is reported as such (the usual mistake, and a clearer
 * message than "invalid character"). Keys ending in "-bin" carry binary
 * values, base64-encoded on the wire (h2/base64.h).
 *
 * Values. An application may send only printable ASCII (0x20-0x7E) in a
 * non-binary value. On receipt we are more tolerant, as the spec asks: HTTP
 * also allows horizontal tab and the bytes 0x80-0xFF (RFC 9110 "obs-text"),
 * and such values are accepted and handed to the application byte for byte,
 * unchanged. Other control bytes (NUL, CR, LF, DEL, ...) are never valid in
 * HTTP; nghttp2 already refuses most of them, and the check here refuses the
 * rest.
 *
 * Reserved names. The library interprets some names and never shows them to
 * applications; it interprets a few others but still passes them on; HTTP/2
 * forbids connection-specific headers altogether (RFC 9113 §8.2.2).
 *
 * Size. RFC 7540 §6.5.2 measures a header list as the sum over its fields of
 * name length + value length + 32, with binary values counted after base64.
 * cgrpc_header_budget_t does that sum as headers arrive, so the transport can
 * stop reading a header block that exceeds the limit.
 *
 * All functions are pure (the budget only touches its own struct),
 * allocation-free and thread-safe.
 */
#ifndef CGRPC_SRC_H2_METADATA_CHECK_H
#define CGRPC_SRC_H2_METADATA_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "h2/wire_error.h"

/* ---- Keys and values --------------------------------------------------- */

/* True when `key` is a valid gRPC metadata key: 1*[0-9a-z_.-]. */
bool cgrpc_metadata_key_is_valid(const char *key, size_t len);

/* True when `key` ends in "-bin" (binary value, base64 on the wire). */
bool cgrpc_metadata_key_is_binary(const char *key, size_t len);

/* Checks a key an application wants to send: valid, lower case, and not
 * reserved (no "grpc-" prefix, no name the library writes itself, no
 * connection-specific header). Returns CGRPC_STATUS_OK or
 * CGRPC_STATUS_INTERNAL with a message saying which rule the key breaks. */
cgrpc_status_code_t cgrpc_metadata_check_send_key(const char *key, size_t len,
                                                  cgrpc_wire_error_t *err);

/* True when every byte of `value` is printable ASCII (0x20-0x7E): what may
 * be sent in a non-binary value. */
bool cgrpc_metadata_value_is_printable(const char *value, size_t len);

/* True when a received non-binary value holds only bytes HTTP allows in a
 * field value: 0x20-0x7E, horizontal tab and 0x80-0xFF. */
bool cgrpc_metadata_value_is_acceptable(const char *value, size_t len);

/* ---- Reserved names ---------------------------------------------------- */

typedef enum cgrpc_metadata_class {
  /* Custom metadata: handed to the application as it is. */
  CGRPC_METADATA_APPLICATION = 0,
  /* Interpreted by the library and never handed to applications: every
   * ":"-pseudo-header, content-type, te, grpc-status, grpc-message,
   * grpc-timeout, grpc-encoding, grpc-accept-encoding, grpc-message-type. */
  CGRPC_METADATA_RESERVED,
  /* Interpreted by the library and also handed to applications:
   * grpc-previous-rpc-attempts, grpc-retry-pushback-ms,
   * grpc-status-details-bin. */
  CGRPC_METADATA_PASSTHROUGH,
  /* Connection-specific (connection, keep-alive, proxy-connection,
   * transfer-encoding, upgrade): a request carrying one is malformed and
   * gets RST_STREAM(PROTOCOL_ERROR). */
  CGRPC_METADATA_FORBIDDEN,
} cgrpc_metadata_class_t;

/* Classifies a received header name (lower case, as HTTP/2 requires). Names
 * not listed above, including unknown "grpc-" names, are APPLICATION. */
cgrpc_metadata_class_t cgrpc_metadata_classify(const char *name, size_t len);

/* ---- Header-list size -------------------------------------------------- */

/* Per-field overhead RFC 7540 §6.5.2 adds to name and value lengths. */
#define CGRPC_HEADER_FIELD_OVERHEAD 32

/* Size of one field in a header list. `value_len` is the length on the wire,
 * so a binary value counts after base64 (cgrpc_metadata_entry_size() does
 * that for a raw binary value). Saturates instead of wrapping. */
size_t cgrpc_header_field_size(size_t name_len, size_t value_len);

/* Size a metadata entry about to be sent will take in the header list: for
 * a "-bin" key `value_len` is the raw length and is measured as its unpadded
 * base64. */
size_t cgrpc_metadata_entry_size(const char *key, size_t key_len, size_t value_len);

/* A running total of a header list against a byte limit and a field-count
 * limit. Fields are public and plain: initialise with
 * cgrpc_header_budget_init(), then add each field as it arrives. */
typedef struct cgrpc_header_budget {
  size_t used;       /* bytes counted so far (saturating) */
  size_t fields;     /* fields counted so far */
  size_t max_bytes;  /* e.g. 8192, the size the spec suggests; SIZE_MAX = none */
  size_t max_fields; /* SIZE_MAX = none */
} cgrpc_header_budget_t;

/* Starts an empty budget with the given limits. */
void cgrpc_header_budget_init(cgrpc_header_budget_t *budget, size_t max_bytes, size_t max_fields);

/* Counts one field of wire lengths `name_len` / `value_len`. Returns
 * CGRPC_STATUS_OK while both totals are within their limits, else
 * CGRPC_STATUS_RESOURCE_EXHAUSTED with a message giving the limit; once over,
 * every later call fails too. */
cgrpc_status_code_t cgrpc_header_budget_add(cgrpc_header_budget_t *budget, size_t name_len,
                                            size_t value_len, cgrpc_wire_error_t *err);

#endif /* CGRPC_SRC_H2_METADATA_CHECK_H */

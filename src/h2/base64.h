/* h2/base64.h — base64 for binary (`-bin`) metadata values.
 *
 * gRPC carries binary metadata as standard-alphabet base64 (RFC 4648 §4).
 * We send it unpadded, as the spec asks; we accept padded and unpadded input,
 * because peers differ. Input bits left over after the last full byte are
 * ignored (RFC 4648 §3.5 allows it, and grpc-go and grpc-java accept them).
 * A header value that holds several comma-joined values is split with
 * h2/value_list.h first; cgrpc_base64_decode() takes one element.
 *
 * Everything writes into caller memory (the transport's header buffer or the
 * call's arena): no allocation. All functions are pure and thread-safe.
 */
#ifndef CGRPC_SRC_H2_BASE64_H
#define CGRPC_SRC_H2_BASE64_H

#include <stddef.h>
#include <stdint.h>

#include "h2/wire_error.h"

/* Length of the unpadded encoding of `len` bytes: ceil(len * 4 / 3). */
size_t cgrpc_base64_encoded_len(size_t len);

/* Encodes `len` bytes of `src` into `dst` without padding; `dst` must hold
 * cgrpc_base64_encoded_len(len) bytes (no NUL is written). Returns that
 * length. */
size_t cgrpc_base64_encode(const uint8_t *src, size_t len, char *dst);

/* Upper bound of the decoded size of `len` base64 characters, padded or not. */
size_t cgrpc_base64_decoded_max_len(size_t len);

/* Decodes one base64 value of `len` characters into `dst` (room for
 * cgrpc_base64_decoded_max_len(len) bytes) and stores the decoded length in
 * *out_len. Padding, when present, must be complete ("YQ==", not "YQ=").
 * Returns CGRPC_STATUS_OK, or CGRPC_STATUS_INTERNAL with a message naming
 * the offending byte and offset for anything else: characters outside the
 * alphabet (including ',', whitespace and the URL-safe '-' '_'), a single
 * dangling character, misplaced '='. `dst` may hold partial output on error. */
cgrpc_status_code_t cgrpc_base64_decode(const char *src, size_t len, uint8_t *dst, size_t *out_len,
                                        cgrpc_wire_error_t *err);

#endif /* CGRPC_SRC_H2_BASE64_H */

/* h2/percent.h — percent-encoding of the `grpc-message` value.
 *
 * A status message is UTF-8 text (arbitrary bytes, in fact: nothing checks),
 * but an HTTP/2 header value must stay printable ASCII. gRPC therefore sends
 * every byte outside 0x20-0x7E, and '%' itself, as "%XX" with upper-case hex.
 * Decoding is lenient by design: a message is for humans, so a malformed
 * escape ("%", "%4", "%zz") is kept as it is rather than failing the call.
 *
 * Both directions write into caller memory so the transport can put the
 * result straight into its header block (or the call's arena). Most messages
 * need no escaping: cgrpc_percent_encoded_len() == len tells the caller it
 * may send the original bytes as they are. All functions are pure and
 * thread-safe.
 */
#ifndef CGRPC_SRC_H2_PERCENT_H
#define CGRPC_SRC_H2_PERCENT_H

#include <stddef.h>
#include <stdint.h>

/* Exact length of the encoding of `src`. Equal to `len` exactly when no byte
 * needs escaping. At most 3 * len. */
size_t cgrpc_percent_encoded_len(const uint8_t *src, size_t len);

/* Encodes `len` bytes of `src` into `dst`, which must hold
 * cgrpc_percent_encoded_len(src, len) bytes (no NUL is written). Returns the
 * number of bytes written. `dst` must not overlap `src`. */
size_t cgrpc_percent_encode(const uint8_t *src, size_t len, char *dst);

/* Decodes `len` bytes of `src` into `dst` (room for `len` bytes is always
 * enough; dst == src decodes in place). Never fails: an invalid escape is
 * copied through unchanged. Hex digits may be upper or lower case. Returns
 * the number of bytes written. */
size_t cgrpc_percent_decode(const char *src, size_t len, uint8_t *dst);

#endif /* CGRPC_SRC_H2_PERCENT_H */

/* auth/base64url.h — the base64url alphabet of JWS (RFC 7515 §2), strictly.
 *
 * JWS segments are base64url without padding. The decoder accepts exactly
 * that: no '=', no whitespace, no '+' or '/', no length that leaves 1 spare
 * character, and no set bits in the unused low bits of the last character,
 * so every byte string has exactly one accepted encoding (a token cannot be
 * altered without changing the signed text).
 */
#ifndef CGRPC_SRC_AUTH_BASE64URL_H
#define CGRPC_SRC_AUTH_BASE64URL_H

#include <stdbool.h>
#include <stddef.h>

/* Bytes the decoding of `len` characters takes at most. */
static inline size_t cgrpc_base64url_decoded_max(size_t len) { return len / 4 * 3 + 2; }

/* Characters the encoding of `len` bytes takes (no padding, no NUL). */
static inline size_t cgrpc_base64url_encoded_len(size_t len) {
  return len / 3 * 4 + (len % 3 ? len % 3 + 1 : 0);
}

/* Decodes `len` characters into `out` (room for cgrpc_base64url_decoded_max
 * bytes), setting *out_len. False when the text is not canonical base64url. */
bool cgrpc_base64url_decode(const char *in, size_t len, unsigned char *out, size_t *out_len);

/* Encodes `len` bytes into `out` (room for cgrpc_base64url_encoded_len). */
void cgrpc_base64url_encode(const unsigned char *in, size_t len, char *out);

#endif /* CGRPC_SRC_AUTH_BASE64URL_H */

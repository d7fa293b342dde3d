/* token.h — the shop's access tokens: HS256 JWTs that the user service
 * signs at Login and every service checks with cgrpc_jwt_interceptor().
 * cgrpc/jwt.h verifies but does not sign, so the signer lives here: a
 * header and payload in base64url, and HMAC-SHA256 over them (RFC 7515). */
#ifndef SHOP_TOKEN_H
#define SHOP_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "cgrpc/cgrpc.h"

#define SHOP_TOKEN_ISSUER "shop-user-service"
#define SHOP_TOKEN_AUDIENCE "shop"
#define SHOP_TOKEN_MAX 1024
#define SHOP_SECRET_MAX 256

/* Reads the HMAC secret (raw bytes, at least CGRPC_JWT_MIN_HMAC_SECRET)
 * from `path` into `secret`. INVALID_ARGUMENT when unreadable or short. */
cgrpc_status_code_t shop_secret_load(const char *path, uint8_t secret[SHOP_SECRET_MAX], size_t *len,
                                     cgrpc_error_t *err);

/* Signs a token for `subject` (a user id: letters, digits, '-' and '_'
 * only) issued at `iat` (Unix seconds) and valid until `exp`, into `out`
 * (NUL-terminated, SHOP_TOKEN_MAX bytes). INVALID_ARGUMENT for another
 * subject; INTERNAL when OpenSSL fails. */
cgrpc_status_code_t shop_token_sign(const uint8_t *secret, size_t secret_len, const char *subject,
                                    int64_t iat, int64_t exp, char out[SHOP_TOKEN_MAX],
                                    cgrpc_error_t *err);

/* A verifier for the shop's tokens: the secret, issuer and audience. */
cgrpc_status_code_t shop_token_verifier(const uint8_t *secret, size_t secret_len,
                                        cgrpc_jwt_verifier_t **out, cgrpc_error_t *err);

#endif

/* cgrpc/jwt.h — verifying JSON Web Tokens (RFC 7519) on the server.
 *
 * A verifier holds the keys a server trusts and the rules a token must meet:
 *
 *   cgrpc_jwt_verifier_t *v;
 *   cgrpc_jwt_verifier_new(&v, &err);
 *   cgrpc_jwt_verifier_add_jwks_file(v, "/etc/myapp/jwks.json", &err);
 *   cgrpc_jwt_verifier_set_issuer(v, "https://auth.example.com", &err);
 *   cgrpc_jwt_verifier_add_audience(v, "orders", &err);
 *   cgrpc_jwt_verifier_require_scope(v, "orders.read", &err);
 *   cgrpc_server_add_interceptor(srv, cgrpc_jwt_interceptor(), v, &err);
 *   ...
 *   in a handler:
 *     const char *user = cgrpc_jwt_claims_get_string(cgrpc_jwt_call_claims(call), "sub");
 *
 * or, without a server, cgrpc_jwt_verify() / cgrpc_jwt_verify_bearer() on a
 * token and an arena. The guide is docs/jwt.md.
 *
 * Algorithms: HS256, RS256 and ES256 (JWS compact serialisation, RFC 7515/7518).
 * Every key is bound to one algorithm when it is added (an HMAC secret to
 * HS256, an RSA key to RS256, a P-256 key to ES256), and a token verifies
 * only with a key of the algorithm its header names: an RSA public key is
 * never used as an HMAC secret, whatever the token says ("algorithm
 * confusion"), and `alg: none` is always refused.
 *
 * Rules a token must meet: a signature by one of the keys (chosen by the
 * header's `kid` when it has one, else every key of its algorithm is tried);
 * `exp` present and not past; `nbf`, when present, reached; `iat`, when
 * present, a number not in the future; both within the leeway (default 60 s);
 * `iss` equal to the configured issuer and `aud` (a string or an array)
 * containing one of the configured audiences, when configured; and every
 * required scope in the `scope` (space-separated) or `scp` (string or array)
 * claim. A token that breaks a rule other than the scope fails with
 * CGRPC_STATUS_UNAUTHENTICATED, a missing scope with
 * CGRPC_STATUS_PERMISSION_DENIED; the message says which rule failed
 * ("token expired 42 s ago", "signature does not verify") and never contains
 * the token. Limits: tokens up to CGRPC_JWT_MAX_TOKEN_SIZE bytes, JSON
 * nested at most CGRPC_JWT_MAX_JSON_DEPTH deep; no input crashes, hangs or
 * leaks.
 *
 * Why OpenSSL's EVP with cgrpc's own JSON reader and not libjwt: OpenSSL is
 * already the one crypto dependency TLS needs; the algorithm rules above
 * (key bound to algorithm, no `none`, strict base64url and JSON, duplicate
 * header members refused) are ours to state and test instead of a library's
 * defaults; memory is bounded (an arena, size and depth limits); and the
 * whole parser is fuzzed with the rest of the tree.
 *
 * Threads: configure a verifier on one thread, then verify from any number of
 * threads at once (verification only reads it). Adding keys or rules while
 * another thread verifies is not allowed.
 */
#ifndef CGRPC_JWT_H
#define CGRPC_JWT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgrpc/arena.h"
#include "cgrpc/error.h"
#include "cgrpc/interceptor.h"
#include "cgrpc/pb_table.h"
#include "cgrpc/status.h"
#include "cgrpc/time.h"

#pragma GCC visibility push(default) /* exported: see cgrpc/cgrpc.h */
#ifdef __cplusplus
extern "C" {
#endif

/* Longest token accepted, in bytes (without "Bearer "). */
#define CGRPC_JWT_MAX_TOKEN_SIZE 8192
/* Deepest nesting of arrays and objects accepted in a token's header and
 * payload, and in a JWKS document. */
#define CGRPC_JWT_MAX_JSON_DEPTH 16
/* Largest JWKS document or PEM file accepted, in bytes. */
#define CGRPC_JWT_MAX_KEY_FILE_SIZE (1024 * 1024)
/* Shortest HMAC secret accepted: RFC 7518 §3.2 asks for at least the hash
 * size, 32 bytes for HS256. */
#define CGRPC_JWT_MIN_HMAC_SECRET 32
/* Leeway of a new verifier for exp, nbf and iat: clocks of the issuer and
 * the server may differ this much. */
#define CGRPC_JWT_DEFAULT_LEEWAY_NS (60 * CGRPC_NS_PER_SEC)

typedef struct cgrpc_jwt_verifier cgrpc_jwt_verifier_t;
/* The verified payload of a token; lives in the arena given to verify. */
typedef struct cgrpc_jwt_claims cgrpc_jwt_claims_t;

/* Creates a verifier with no keys, no issuer, audience or scope rule, and the
 * default leeway. Free it with cgrpc_jwt_verifier_free(). Fails only with
 * RESOURCE_EXHAUSTED. */
cgrpc_status_code_t cgrpc_jwt_verifier_new(cgrpc_jwt_verifier_t **out, cgrpc_error_t *err);

/* Frees the verifier and its keys. NULL is allowed. No verification may be
 * running; claims already returned stay valid (they live in their arena). */
void cgrpc_jwt_verifier_free(cgrpc_jwt_verifier_t *v);

/* Adds a public key from PEM text (`len` bytes): a SubjectPublicKeyInfo
 * ("PUBLIC KEY"), a PKCS#1 "RSA PUBLIC KEY", or a "CERTIFICATE" whose key is
 * used (the certificate itself is not checked). RSA keys (2048 bits or more)
 * verify RS256, EC keys on P-256 verify ES256. `kid` (may be NULL) is the key
 * id tokens name in their header; a key without one is tried for tokens
 * without kid. Several keys may share a kid's absence or have distinct kids.
 * INVALID_ARGUMENT when the PEM holds no such key, another curve or key
 * type, or an RSA key under 2048 bits. The text is copied. */
cgrpc_status_code_t cgrpc_jwt_verifier_add_pem(cgrpc_jwt_verifier_t *v, const char *kid,
                                               const char *pem, size_t len, cgrpc_error_t *err);

/* cgrpc_jwt_verifier_add_pem() with the text of a file (at most
 * CGRPC_JWT_MAX_KEY_FILE_SIZE bytes). INVALID_ARGUMENT also when the file
 * cannot be read, with the reason. */
cgrpc_status_code_t cgrpc_jwt_verifier_add_pem_file(cgrpc_jwt_verifier_t *v, const char *kid,
                                                    const char *path, cgrpc_error_t *err);

/* Adds an HMAC secret (`len` bytes, copied) for HS256. INVALID_ARGUMENT when
 * it is shorter than CGRPC_JWT_MIN_HMAC_SECRET. */
cgrpc_status_code_t cgrpc_jwt_verifier_add_hmac(cgrpc_jwt_verifier_t *v, const char *kid,
                                                const void *secret, size_t len, cgrpc_error_t *err);

/* Adds the keys of a JWK Set (RFC 7517): `{"keys": [...]}` with keys of kty
 * "RSA" (n, e), "EC" (crv "P-256", x, y) and "oct" (k), each with its "kid"
 * if it has one. Keys whose "use" is not "sig", whose "alg" is not the one
 * cgrpc binds to their type (RS256, ES256, HS256), or whose kty or crv cgrpc
 * does not support are skipped. All or nothing: INVALID_ARGUMENT, and no key
 * added, when the document is not strict JSON, a supported key is malformed,
 * or no key is usable. Call again with a new document to add keys for
 * rotation (old keys stay until the verifier is freed). */
cgrpc_status_code_t cgrpc_jwt_verifier_add_jwks(cgrpc_jwt_verifier_t *v, const char *json,
                                                size_t len, cgrpc_error_t *err);

/* cgrpc_jwt_verifier_add_jwks() with the text of a file (at most
 * CGRPC_JWT_MAX_KEY_FILE_SIZE bytes). */
cgrpc_status_code_t cgrpc_jwt_verifier_add_jwks_file(cgrpc_jwt_verifier_t *v, const char *path,
                                                     cgrpc_error_t *err);

/* Number of keys the verifier holds. */
size_t cgrpc_jwt_verifier_key_count(const cgrpc_jwt_verifier_t *v);

/* Requires `iss` to equal `issuer` (copied; replaces an earlier one).
 * INVALID_ARGUMENT for NULL; RESOURCE_EXHAUSTED. */
cgrpc_status_code_t cgrpc_jwt_verifier_set_issuer(cgrpc_jwt_verifier_t *v, const char *issuer,
                                                  cgrpc_error_t *err);

/* Adds an accepted audience (copied). Once one is added, `aud` must contain
 * one of them. INVALID_ARGUMENT for NULL; RESOURCE_EXHAUSTED. */
cgrpc_status_code_t cgrpc_jwt_verifier_add_audience(cgrpc_jwt_verifier_t *v, const char *audience,
                                                    cgrpc_error_t *err);

/* Adds a required scope (copied): tokens lacking it fail with
 * PERMISSION_DENIED. INVALID_ARGUMENT for NULL, empty or a scope with a
 * space; RESOURCE_EXHAUSTED. */
cgrpc_status_code_t cgrpc_jwt_verifier_require_scope(cgrpc_jwt_verifier_t *v, const char *scope,
                                                     cgrpc_error_t *err);

/* Sets the leeway for exp, nbf and iat. INVALID_ARGUMENT when negative. */
cgrpc_status_code_t cgrpc_jwt_verifier_set_leeway(cgrpc_jwt_verifier_t *v, int64_t leeway_ns,
                                                  cgrpc_error_t *err);

/* The current date as Unix time in nanoseconds (CLOCK_REALTIME): the `now_ns`
 * verification compares exp and nbf with. (cgrpc_clock_now() is monotonic and
 * unrelated to the date.) */
int64_t cgrpc_jwt_unix_now_ns(void);

/* Verifies a compact JWS token of `len` bytes (no NUL needed) at Unix time
 * `now_ns`. On success sets *claims to the verified payload, allocated in
 * `arena` (valid until the arena is reset or freed) and returns OK. Fails
 * with UNAUTHENTICATED (bad, expired, unsigned or wrongly signed token,
 * issuer or audience mismatch), PERMISSION_DENIED (a required scope missing;
 * the token is otherwise valid), RESOURCE_EXHAUSTED (the arena refused
 * memory), INVALID_ARGUMENT (NULL verifier, arena or claims). *claims is
 * NULL on failure. Any thread, concurrently with other verifications. */
cgrpc_status_code_t cgrpc_jwt_verify(const cgrpc_jwt_verifier_t *v, const char *token, size_t len,
                                     int64_t now_ns, cgrpc_arena_t *arena,
                                     const cgrpc_jwt_claims_t **claims, cgrpc_error_t *err);

/* cgrpc_jwt_verify() on the value of an `authorization` header: "Bearer "
 * (scheme case-insensitive, then one or more spaces) and the token. NULL or
 * another scheme fails with UNAUTHENTICATED. */
cgrpc_status_code_t cgrpc_jwt_verify_bearer(const cgrpc_jwt_verifier_t *v,
                                            const char *authorization, size_t len, int64_t now_ns,
                                            cgrpc_arena_t *arena, const cgrpc_jwt_claims_t **claims,
                                            cgrpc_error_t *err);

/* The claim `name` when it is a string, NUL-terminated (JSON strings with
 * \u0000 are refused, so the text has no NUL inside), else NULL. */
const char *cgrpc_jwt_claims_get_string(const cgrpc_jwt_claims_t *c, const char *name);

/* True, with the value in *out, when claim `name` is an integer that fits
 * int64_t (no fraction or exponent); false otherwise. */
bool cgrpc_jwt_claims_get_int(const cgrpc_jwt_claims_t *c, const char *name, int64_t *out);

/* True, with the value in *out, when claim `name` is true or false. */
bool cgrpc_jwt_claims_get_bool(const cgrpc_jwt_claims_t *c, const char *name, bool *out);

/* True when the token grants `scope`: a word of the `scope` claim, or an
 * element (or the value) of the `scp` claim. */
bool cgrpc_jwt_claims_has_scope(const cgrpc_jwt_claims_t *c, const char *scope);

/* The decoded payload, the JSON text as the issuer signed it. */
cgrpc_str_t cgrpc_jwt_claims_json(const cgrpc_jwt_claims_t *c);

/* ---- On a server ---------------------------------------------------------------------- */

/* The ready-made server interceptor (cgrpc/interceptor.h). Register it with
 * the verifier as user_data, before cgrpc_server_start():
 *
 *   cgrpc_server_add_interceptor(srv, cgrpc_jwt_interceptor(), verifier, &err);
 *
 * For every call, on_start verifies the `authorization` metadata
 * ("Bearer <token>") at the current date (cgrpc_jwt_unix_now_ns()) and ends
 * the call, before the handler runs, with UNAUTHENTICATED (no, several, or a
 * bad token) or PERMISSION_DENIED (a required scope missing), with the
 * verifier's message. The verifier must outlive the server and not change
 * while it runs. Registered on a channel, it fails each call with
 * UNIMPLEMENTED: clients send tokens with call credentials. The
 * claims are kept in the call's arena; the per-call cost is one
 * verification, two short mutex sections and no heap allocation by cgrpc
 * (OpenSSL allocates and frees its verification context inside it). */
const cgrpc_interceptor_t *cgrpc_jwt_interceptor(void);

/* In a handler: the verified claims of the call, or NULL when the call did
 * not pass through cgrpc_jwt_interceptor(). Valid while the handler may
 * use the call (as cgrpc_server_call_metadata() is); any thread.
 *
 *   const char *user = cgrpc_jwt_claims_get_string(cgrpc_jwt_call_claims(call), "sub");
 */
const cgrpc_jwt_claims_t *cgrpc_jwt_call_claims(const cgrpc_server_call_t *call);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif

#endif /* CGRPC_JWT_H */

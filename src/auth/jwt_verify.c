/* auth/jwt_verify.c — verifying a compact JWS token and its claims.
 *
 * Order matters: the header is read first (it names the algorithm and key),
 * the signature is checked next, and only a payload whose signature holds is
 * decoded and judged by the claims rules. Every failure is UNAUTHENTICATED
 * except a missing scope (PERMISSION_DENIED: the caller is known, but not
 * allowed). Messages quote header values only through printable(), cut
 * short, and never any part of the token itself.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "auth/base64url.h"
#include "auth/fail.h"
#include "auth/jwt_internal.h"

#define NS_PER_SEC INT64_C(1000000000)

typedef struct verify_ctx {
  const cgrpc_jwt_verifier_t *v;
  cgrpc_arena_t *arena;
  cgrpc_error_t *err;
} verify_ctx_t;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static cgrpc_status_code_t
unauthenticated(verify_ctx_t *c, const char *fmt, ...) {
  if (c->err) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err->message, sizeof c->err->message, fmt, ap);
    va_end(ap);
  }
  return CGRPC_STATUS_UNAUTHENTICATED;
}

static cgrpc_status_code_t no_memory(verify_ctx_t *c) {
  return cgrpc_auth_fail(c->err, CGRPC_STATUS_RESOURCE_EXHAUSTED,
                         "out of memory while verifying the token");
}

/* A header value fit to quote in a message: printable ASCII, at most 32
 * characters (then "..."), anything else as '?'. */
static const char *printable(const char *s, char out[40]) {
  size_t n = 0;
  for (; s[n] && n < 32; n++) out[n] = (s[n] >= 0x20 && s[n] < 0x7F && s[n] != '"') ? s[n] : '?';
  strcpy(out + n, s[n] ? "..." : "");
  return out;
}

static int64_t sat_add(int64_t a, int64_t b) {
  if (b > 0 && a > INT64_MAX - b) return INT64_MAX;
  if (b < 0 && a < INT64_MIN - b) return INT64_MIN;
  return a + b;
}

/* A NumericDate (seconds since 1970, possibly fractional) in nanoseconds,
 * saturating at the ends of int64. */
static int64_t numeric_date_ns(const cgrpc_json_tree_t *n) {
  if (n->is_int) {
    if (n->integer > INT64_MAX / NS_PER_SEC) return INT64_MAX;
    if (n->integer < INT64_MIN / NS_PER_SEC) return INT64_MIN;
    return n->integer * NS_PER_SEC;
  }
  if (!(n->number < 9.2e9)) return INT64_MAX; /* also NaN, which the reader never makes */
  if (n->number < -9.2e9) return INT64_MIN;
  return (int64_t)(n->number * 1e9);
}

/* Whole seconds from `earlier` to `later` (later >= earlier), for messages;
 * rounded up or down. Unsigned arithmetic: the span may exceed INT64_MAX. */
static unsigned long long span_seconds(int64_t later, int64_t earlier, bool round_up) {
  uint64_t d = (uint64_t)later - (uint64_t)earlier;
  return d / NS_PER_SEC + (round_up && d % NS_PER_SEC != 0);
}

/* Decodes a base64url segment into the arena. */
static cgrpc_status_code_t decode_segment(verify_ctx_t *c, const char *s, size_t len,
                                          const char *what, unsigned char **out, size_t *out_len) {
  *out = cgrpc_arena_alloc(c->arena, cgrpc_base64url_decoded_max(len) + 1);
  if (!*out) return no_memory(c);
  if (!cgrpc_base64url_decode(s, len, *out, out_len))
    return unauthenticated(c, "the token %s is not base64url", what);
  return CGRPC_STATUS_OK;
}

/* Decodes and parses a JSON segment that must be an object. */
static cgrpc_status_code_t decode_json(verify_ctx_t *c, const char *s, size_t len, const char *what,
                                       cgrpc_str_t *text, const cgrpc_json_tree_t **root) {
  unsigned char *bytes = NULL;
  size_t n = 0;
  cgrpc_status_code_t rc = decode_segment(c, s, len, what, &bytes, &n);
  if (rc != CGRPC_STATUS_OK) return rc;
  bytes[n] = '\0';
  text->data = (const char *)bytes;
  text->len = n;
  cgrpc_error_t why;
  rc =
      cgrpc_json_tree_parse((const char *)bytes, n, CGRPC_JWT_MAX_JSON_DEPTH, c->arena, root, &why);
  if (rc == CGRPC_STATUS_RESOURCE_EXHAUSTED) return no_memory(c);
  if (rc != CGRPC_STATUS_OK)
    return unauthenticated(c, "the token %s is not valid: %s", what, why.message);
  if ((*root)->kind != CGRPC_JSON_TREE_OBJECT)
    return unauthenticated(c, "the token %s is not a JSON object", what);
  return CGRPC_STATUS_OK;
}

/* The algorithm the header names; refuses none and everything unsupported. */
static cgrpc_status_code_t header_alg(verify_ctx_t *c, const cgrpc_json_tree_t *header,
                                      cgrpc_jwt_alg_t *alg) {
  const char *name = cgrpc_json_tree_get_string(header, "alg");
  if (!name) return unauthenticated(c, "the token header has no alg");
  if ((name[0] | 0x20) == 'n' && (name[1] | 0x20) == 'o' && (name[2] | 0x20) == 'n' &&
      (name[3] | 0x20) == 'e' && name[4] == '\0')
    return unauthenticated(c, "algorithm none is not allowed");
  static const cgrpc_jwt_alg_t kAlgs[] = {CGRPC_JWT_HS256, CGRPC_JWT_RS256, CGRPC_JWT_ES256};
  for (size_t i = 0; i < sizeof kAlgs / sizeof kAlgs[0]; i++) {
    if (strcmp(name, cgrpc_jwt_alg_name(kAlgs[i])) == 0) {
      *alg = kAlgs[i];
      return CGRPC_STATUS_OK;
    }
  }
  char q[40];
  return unauthenticated(c, "algorithm \"%s\" is not supported (HS256, RS256 and ES256 are)",
                         printable(name, q));
}

/* Tries the keys the header allows; OK when one verifies the signature. */
static cgrpc_status_code_t check_signature(verify_ctx_t *c, const cgrpc_json_tree_t *header,
                                           cgrpc_jwt_alg_t alg, const char *input, size_t input_len,
                                           const unsigned char *sig, size_t sig_len) {
  const cgrpc_json_tree_t *kid_member = cgrpc_json_tree_get(header, "kid");
  if (kid_member && kid_member->kind != CGRPC_JSON_TREE_STRING)
    return unauthenticated(c, "the token header's kid is not a string");
  const char *kid = kid_member ? kid_member->str : NULL;
  const cgrpc_jwt_key_t *other_alg = NULL;
  bool kid_found = false, alg_found = false;
  for (size_t i = 0; i < c->v->key_count; i++) {
    const cgrpc_jwt_key_t *key = &c->v->keys[i];
    if (kid && (!key->kid || strcmp(key->kid, kid) != 0)) continue;
    kid_found = true;
    if (key->alg != alg) { /* never a key of another algorithm: no confusion */
      other_alg = key;
      continue;
    }
    alg_found = true;
    if (cgrpc_jwt_signature_verifies(key, input, input_len, sig, sig_len)) return CGRPC_STATUS_OK;
  }
  char q[40];
  if (kid && !kid_found) return unauthenticated(c, "no key with kid \"%s\"", printable(kid, q));
  if (!alg_found && kid)
    return unauthenticated(c, "the key with kid \"%s\" is for %s, but the token says %s",
                           printable(kid, q), cgrpc_jwt_alg_name(other_alg->alg),
                           cgrpc_jwt_alg_name(alg));
  if (!alg_found) return unauthenticated(c, "no key for algorithm %s", cgrpc_jwt_alg_name(alg));
  if (alg == CGRPC_JWT_ES256 && sig_len != 64)
    return unauthenticated(c, "signature does not verify (an ES256 signature is 64 bytes, not %zu)",
                           sig_len);
  return unauthenticated(c, "signature does not verify");
}

/* A time claim, if present, must be a number; *ns is set when it is. */
static cgrpc_status_code_t time_claim(verify_ctx_t *c, const cgrpc_json_tree_t *payload,
                                      const char *name, bool *present, int64_t *ns) {
  const cgrpc_json_tree_t *m = cgrpc_json_tree_get(payload, name);
  *present = m != NULL;
  if (!m) return CGRPC_STATUS_OK;
  if (m->kind != CGRPC_JSON_TREE_NUMBER)
    return unauthenticated(c, "the token's %s claim is not a number", name);
  *ns = numeric_date_ns(m);
  return CGRPC_STATUS_OK;
}

static cgrpc_status_code_t check_times(verify_ctx_t *c, const cgrpc_json_tree_t *payload,
                                       int64_t now) {
  int64_t leeway = c->v->leeway_ns, exp = 0, nbf = 0, iat = 0;
  bool has_exp, has_nbf, has_iat;
  cgrpc_status_code_t rc = time_claim(c, payload, "exp", &has_exp, &exp);
  if (rc == CGRPC_STATUS_OK) rc = time_claim(c, payload, "nbf", &has_nbf, &nbf);
  if (rc == CGRPC_STATUS_OK) rc = time_claim(c, payload, "iat", &has_iat, &iat);
  if (rc != CGRPC_STATUS_OK) return rc;
  if (!has_exp) return unauthenticated(c, "the token has no exp claim (tokens must expire)");
  if (now > sat_add(exp, leeway))
    return unauthenticated(c, "token expired %llu s ago", span_seconds(now, exp, false));
  if (has_nbf && sat_add(now, leeway) < nbf)
    return unauthenticated(c, "token not valid for another %llu s (nbf)",
                           span_seconds(nbf, now, true));
  if (has_iat && sat_add(now, leeway) < iat)
    return unauthenticated(c, "token issued %llu s in the future (iat)",
                           span_seconds(iat, now, true));
  return CGRPC_STATUS_OK;
}

static bool audience_accepted(const cgrpc_jwt_verifier_t *v, const char *aud) {
  for (size_t i = 0; i < v->audience_count; i++)
    if (strcmp(v->audiences[i], aud) == 0) return true;
  return false;
}

static cgrpc_status_code_t check_issuer_audience(verify_ctx_t *c,
                                                 const cgrpc_json_tree_t *payload) {
  const cgrpc_jwt_verifier_t *v = c->v;
  if (v->issuer) {
    const cgrpc_json_tree_t *iss = cgrpc_json_tree_get(payload, "iss");
    if (!iss) return unauthenticated(c, "the token has no iss claim; the issuer must be given");
    if (iss->kind != CGRPC_JSON_TREE_STRING || strcmp(iss->str, v->issuer) != 0)
      return unauthenticated(c, "issuer does not match");
  }
  if (v->audience_count == 0) return CGRPC_STATUS_OK;
  const cgrpc_json_tree_t *aud = cgrpc_json_tree_get(payload, "aud");
  if (!aud) return unauthenticated(c, "the token has no aud claim; an audience must be given");
  if (aud->kind == CGRPC_JSON_TREE_STRING) {
    if (audience_accepted(v, aud->str)) return CGRPC_STATUS_OK;
  } else if (aud->kind == CGRPC_JSON_TREE_ARRAY) {
    for (const cgrpc_json_tree_t *a = aud->child; a; a = a->next) {
      if (a->kind != CGRPC_JSON_TREE_STRING)
        return unauthenticated(c, "the token's aud claim holds something other than strings");
      if (audience_accepted(v, a->str)) return CGRPC_STATUS_OK;
    }
  } else {
    return unauthenticated(c, "the token's aud claim is neither a string nor an array");
  }
  return unauthenticated(c, "audience does not match");
}

/* Splits a token at its two dots; false unless there are exactly two. */
static bool split_token(const char *token, size_t len, size_t *dot1, size_t *dot2) {
  const char *a = memchr(token, '.', len);
  if (!a) return false;
  const char *b = memchr(a + 1, '.', len - (size_t)(a + 1 - token));
  if (!b || memchr(b + 1, '.', len - (size_t)(b + 1 - token))) return false;
  *dot1 = (size_t)(a - token);
  *dot2 = (size_t)(b - token);
  return true;
}

cgrpc_status_code_t cgrpc_jwt_verify(const cgrpc_jwt_verifier_t *v, const char *token, size_t len,
                                     int64_t now_ns, cgrpc_arena_t *arena,
                                     const cgrpc_jwt_claims_t **claims, cgrpc_error_t *err) {
  if (claims) *claims = NULL;
  if (!v || !arena || !claims || (!token && len))
    return cgrpc_auth_fail(err, CGRPC_STATUS_INVALID_ARGUMENT,
                           "the verifier, arena and claims pointer must not be NULL");
  verify_ctx_t c = {v, arena, err};
  if (len == 0) return unauthenticated(&c, "the token is empty");
  if (len > CGRPC_JWT_MAX_TOKEN_SIZE)
    return unauthenticated(&c, "the token is %zu bytes, more than the limit of %d", len,
                           CGRPC_JWT_MAX_TOKEN_SIZE);
  size_t dot1, dot2;
  if (!split_token(token, len, &dot1, &dot2))
    return unauthenticated(&c,
                           "the token is not a signed JWT (three base64url parts joined "
                           "by dots)");

  cgrpc_str_t header_text;
  const cgrpc_json_tree_t *header = NULL;
  cgrpc_status_code_t rc = decode_json(&c, token, dot1, "header", &header_text, &header);
  cgrpc_jwt_alg_t alg = CGRPC_JWT_HS256;
  if (rc == CGRPC_STATUS_OK) rc = header_alg(&c, header, &alg);
  if (rc == CGRPC_STATUS_OK && cgrpc_json_tree_get(header, "crit"))
    rc = unauthenticated(&c,
                         "the token header has critical parameters (crit), which cgrpc "
                         "does not understand");
  unsigned char *sig = NULL;
  size_t sig_len = 0;
  if (rc == CGRPC_STATUS_OK)
    rc = decode_segment(&c, token + dot2 + 1, len - dot2 - 1, "signature", &sig, &sig_len);
  if (rc == CGRPC_STATUS_OK) rc = check_signature(&c, header, alg, token, dot2, sig, sig_len);
  if (rc != CGRPC_STATUS_OK) return rc;

  cgrpc_jwt_claims_t *out = cgrpc_arena_calloc(arena, sizeof *out);
  if (!out) return no_memory(&c);
  rc = decode_json(&c, token + dot1 + 1, dot2 - dot1 - 1, "payload", &out->json, &out->payload);
  if (rc == CGRPC_STATUS_OK) rc = check_times(&c, out->payload, now_ns);
  if (rc == CGRPC_STATUS_OK) rc = check_issuer_audience(&c, out->payload);
  if (rc != CGRPC_STATUS_OK) return rc;
  for (size_t i = 0; i < v->scope_count; i++) {
    if (!cgrpc_jwt_claims_has_scope(out, v->scopes[i]))
      return cgrpc_auth_fail(err, CGRPC_STATUS_PERMISSION_DENIED,
                             "the token lacks the required scope \"%s\"", v->scopes[i]);
  }
  *claims = out;
  return CGRPC_STATUS_OK;
}

static bool is_space(char ch) { return ch == ' ' || ch == '\t'; }

cgrpc_status_code_t cgrpc_jwt_verify_bearer(const cgrpc_jwt_verifier_t *v,
                                            const char *authorization, size_t len, int64_t now_ns,
                                            cgrpc_arena_t *arena, const cgrpc_jwt_claims_t **claims,
                                            cgrpc_error_t *err) {
  if (claims) *claims = NULL;
  if (!authorization)
    return cgrpc_auth_fail(err, CGRPC_STATUS_UNAUTHENTICATED,
                           "the call has no authorization metadata (\"Bearer <token>\")");
  static const char kScheme[] = "bearer";
  size_t n = sizeof kScheme - 1;
  bool bearer = len > n && is_space(authorization[n]);
  for (size_t i = 0; bearer && i < n; i++) bearer = (authorization[i] | 0x20) == kScheme[i];
  if (!bearer)
    return cgrpc_auth_fail(err, CGRPC_STATUS_UNAUTHENTICATED,
                           "the authorization metadata is not \"Bearer <token>\"");
  const char *token = authorization + n, *end = authorization + len;
  while (token < end && is_space(*token)) token++;
  while (end > token && is_space(end[-1])) end--;
  return cgrpc_jwt_verify(v, token, (size_t)(end - token), now_ns, arena, claims, err);
}

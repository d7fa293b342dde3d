/* jwt_verify_tool — verifies one token with a verifier configured from the
 * command line; the Python suite (jwt_cases.py) drives it with tokens that
 * python3-jwt made.
 *
 *   jwt_verify_tool [--pem FILE[=KID]]... [--hmac-hex HEX[=KID]]... [--jwks FILE]...
 *                   [--issuer S] [--audience S]... [--scope S]... [--leeway-s N]
 *                   [--now-s N] [--bearer] < token
 *
 * Prints "OK <claims JSON>" or "<STATUS_NAME> <message>" on stdout; exits 0
 * whenever it got as far as verifying, 2 when the configuration failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgrpc/jwt.h"

/* Splits "VALUE=KID" in place; returns the kid or NULL. */
static const char *split_kid(char *arg) {
  char *eq = strrchr(arg, '=');
  if (!eq) return NULL;
  *eq = '\0';
  return eq + 1;
}

static int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

static cgrpc_status_code_t configure(cgrpc_jwt_verifier_t *v, const char *opt, char *arg,
                                     cgrpc_error_t *err) {
  if (strcmp(opt, "--pem") == 0) {
    const char *kid = split_kid(arg);
    return cgrpc_jwt_verifier_add_pem_file(v, kid, arg, err);
  }
  if (strcmp(opt, "--hmac-hex") == 0) {
    const char *kid = split_kid(arg);
    unsigned char secret[512];
    size_t n = strlen(arg) / 2;
    if (n > sizeof secret) n = sizeof secret;
    for (size_t i = 0; i < n; i++)
      secret[i] = (unsigned char)(hex_value(arg[2 * i]) << 4 | hex_value(arg[2 * i + 1]));
    return cgrpc_jwt_verifier_add_hmac(v, kid, secret, n, err);
  }
  if (strcmp(opt, "--jwks") == 0) return cgrpc_jwt_verifier_add_jwks_file(v, arg, err);
  if (strcmp(opt, "--issuer") == 0) return cgrpc_jwt_verifier_set_issuer(v, arg, err);
  if (strcmp(opt, "--audience") == 0) return cgrpc_jwt_verifier_add_audience(v, arg, err);
  if (strcmp(opt, "--scope") == 0) return cgrpc_jwt_verifier_require_scope(v, arg, err);
  if (strcmp(opt, "--leeway-s") == 0)
    return cgrpc_jwt_verifier_set_leeway(v, strtoll(arg, NULL, 10) * CGRPC_NS_PER_SEC, err);
  snprintf(err->message, sizeof err->message, "unknown option %s", opt);
  return CGRPC_STATUS_INVALID_ARGUMENT;
}

int main(int argc, char **argv) {
  cgrpc_jwt_verifier_t *v;
  cgrpc_error_t err;
  if (cgrpc_jwt_verifier_new(&v, &err) != CGRPC_STATUS_OK) return 2;
  int64_t now = cgrpc_jwt_unix_now_ns();
  int bearer = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--bearer") == 0) {
      bearer = 1;
    } else if (strcmp(argv[i], "--now-s") == 0 && i + 1 < argc) {
      now = strtoll(argv[++i], NULL, 10) * CGRPC_NS_PER_SEC;
    } else if (i + 1 < argc) {
      cgrpc_status_code_t rc = configure(v, argv[i], argv[i + 1], &err);
      i++;
      if (rc != CGRPC_STATUS_OK) {
        printf("CONFIG %s %s\n", cgrpc_status_code_name(rc), err.message);
        cgrpc_jwt_verifier_free(v);
        return 2;
      }
    } else {
      fprintf(stderr, "option %s needs a value\n", argv[i]);
      return 2;
    }
  }
  static char token[1 << 20];
  size_t len = fread(token, 1, sizeof token, stdin);
  while (len > 0 && (token[len - 1] == '\n' || token[len - 1] == '\r')) len--;

  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  const cgrpc_jwt_claims_t *claims;
  cgrpc_status_code_t rc = bearer
                               ? cgrpc_jwt_verify_bearer(v, token, len, now, &arena, &claims, &err)
                               : cgrpc_jwt_verify(v, token, len, now, &arena, &claims, &err);
  if (rc == CGRPC_STATUS_OK) {
    cgrpc_str_t json = cgrpc_jwt_claims_json(claims);
    printf("OK %.*s\n", (int)json.len, json.data);
  } else {
    printf("%s %s\n", cgrpc_status_code_name(rc), err.message);
  }
  cgrpc_arena_free(&arena);
  cgrpc_jwt_verifier_free(v);
  return 0;
}

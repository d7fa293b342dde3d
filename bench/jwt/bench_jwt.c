/* bench_jwt — JWT verification: cgrpc_jwt_verify() against libjwt's
 * jwt_decode(), the library cgrpc chose not to use, on the same tokens.
 *
 * Keys are made at start (OpenSSL), tokens by libjwt's encoder, so both
 * libraries verify a token neither made itself. cgrpc's verification does
 * more than libjwt 1.10's (it also reads and checks exp, nbf and iat), and
 * each verification starts from a reset arena, as the interceptor's does.
 *
 *   bench_jwt verify          both accept every token and refuse a bad one
 *   bench_jwt time R N        R interleaved rounds of N verifications per
 *                             algorithm and library; prints the median ns
 */
#define _POSIX_C_SOURCE 200809L
#include <jwt.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgrpc/jwt.h"

typedef struct alg_case {
  const char *name;
  jwt_alg_t libjwt_alg;
  char *sign_key, *verify_key; /* PEM (or the HMAC secret) */
  size_t sign_len, verify_len;
  char *token;
  cgrpc_jwt_verifier_t *verifier;
} alg_case_t;

static const char kSecret[] = "0123456789abcdef0123456789abcdef";

static char *pem_of(EVP_PKEY *pkey, int private_key, size_t *len) {
  BIO *bio = BIO_new(BIO_s_mem());
  if (private_key ? !PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL)
                  : !PEM_write_bio_PUBKEY(bio, pkey))
    abort();
  char *data;
  long n = BIO_get_mem_data(bio, &data);
  char *copy = malloc((size_t)n + 1);
  memcpy(copy, data, (size_t)n);
  copy[n] = '\0';
  *len = (size_t)n;
  BIO_free(bio);
  return copy;
}

static void setup(alg_case_t *c) {
  if (c->libjwt_alg == JWT_ALG_HS256) {
    c->sign_key = c->verify_key = (char *)kSecret;
    c->sign_len = c->verify_len = 32;
  } else {
    EVP_PKEY *pkey = c->libjwt_alg == JWT_ALG_RS256
                         ? EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048)
                         : EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    if (!pkey) abort();
    c->sign_key = pem_of(pkey, 1, &c->sign_len);
    c->verify_key = pem_of(pkey, 0, &c->verify_len);
    EVP_PKEY_free(pkey);
  }
  jwt_t *jwt;
  if (jwt_new(&jwt) || jwt_add_grant(jwt, "sub", "alice") ||
      jwt_add_grant(jwt, "iss", "https://auth.example.com") ||
      jwt_add_grant_int(jwt, "iat", (long)time(NULL)) ||
      jwt_add_grant_int(jwt, "exp", (long)time(NULL) + 3600) ||
      jwt_set_alg(jwt, c->libjwt_alg, (const unsigned char *)c->sign_key, (int)c->sign_len))
    abort();
  c->token = jwt_encode_str(jwt);
  jwt_free(jwt);
  cgrpc_error_t err;
  if (cgrpc_jwt_verifier_new(&c->verifier, &err) != CGRPC_STATUS_OK) abort();
  cgrpc_status_code_t rc =
      c->libjwt_alg == JWT_ALG_HS256
          ? cgrpc_jwt_verifier_add_hmac(c->verifier, NULL, kSecret, 32, &err)
          : cgrpc_jwt_verifier_add_pem(c->verifier, NULL, c->verify_key, c->verify_len, &err);
  if (rc != CGRPC_STATUS_OK || !c->token) {
    fprintf(stderr, "bench jwt: setup of %s failed: %s\n", c->name, err.message);
    exit(1);
  }
}

static int cgrpc_ok(alg_case_t *c, const char *token, cgrpc_arena_t *arena) {
  const cgrpc_jwt_claims_t *claims;
  cgrpc_arena_reset(arena, 1);
  return cgrpc_jwt_verify(c->verifier, token, strlen(token), cgrpc_jwt_unix_now_ns(), arena,
                          &claims, NULL) == CGRPC_STATUS_OK &&
         strcmp(cgrpc_jwt_claims_get_string(claims, "sub"), "alice") == 0;
}

static int libjwt_ok(alg_case_t *c, const char *token) {
  jwt_t *jwt = NULL;
  int ok = jwt_decode(&jwt, token, (const unsigned char *)c->verify_key, (int)c->verify_len) == 0 &&
           strcmp(jwt_get_grant(jwt, "sub"), "alice") == 0;
  jwt_free(jwt);
  return ok;
}

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts); /* CPU time: the machine may be shared */
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  alg_case_t cases[] = {{.name = "HS256", .libjwt_alg = JWT_ALG_HS256},
                        {.name = "RS256", .libjwt_alg = JWT_ALG_RS256},
                        {.name = "ES256", .libjwt_alg = JWT_ALG_ES256}};
  enum { N_CASES = 3 };
  for (int i = 0; i < N_CASES; i++) setup(&cases[i]);
  static char arena_buf[4096];
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, arena_buf, sizeof arena_buf);

  if (argc >= 2 && strcmp(argv[1], "verify") == 0) {
    int failed = 0;
    for (int i = 0; i < N_CASES; i++) {
      alg_case_t *c = &cases[i];
      char *bad = strdup(c->token);
      bad[strlen(bad) - 3] = bad[strlen(bad) - 3] == 'A' ? 'B' : 'A';
      int good = cgrpc_ok(c, c->token, &arena) && libjwt_ok(c, c->token);
      int refused = !cgrpc_ok(c, bad, &arena) && !libjwt_ok(c, bad);
      printf("bench jwt: %s token of %zu bytes: %s\n", c->name, strlen(c->token),
             good && refused ? "both accept it and refuse it tampered" : "MISMATCH");
      failed |= !(good && refused);
      free(bad);
    }
    return failed;
  }
  if (argc != 4 || strcmp(argv[1], "time") != 0) {
    fprintf(stderr, "usage: %s verify | time ROUNDS OPS\n", argv[0]);
    return 2;
  }
  int rounds = atoi(argv[2]), ops = atoi(argv[3]);
  if (rounds < 1 || ops < 1) return 2;
  double *samples = calloc((size_t)rounds * N_CASES * 2, sizeof *samples);
  for (int r = 0; r < rounds; r++) {
    for (int i = 0; i < N_CASES; i++) {
      alg_case_t *c = &cases[i];
      int n = c->libjwt_alg == JWT_ALG_HS256 ? ops * 10 : ops; /* HMAC is ~100x cheaper */
      double t0 = now_ns();
      for (int k = 0; k < n; k++)
        if (!cgrpc_ok(c, c->token, &arena)) abort();
      double t1 = now_ns();
      for (int k = 0; k < n; k++)
        if (!libjwt_ok(c, c->token)) abort();
      double t2 = now_ns();
      samples[(i * 2 + 0) * rounds + r] = (t1 - t0) / n;
      samples[(i * 2 + 1) * rounds + r] = (t2 - t1) / n;
    }
  }
  printf("%-6s %14s %14s %10s\n", "alg", "cgrpc ns/op", "libjwt ns/op", "speed-up");
  for (int i = 0; i < N_CASES; i++) {
    qsort(samples + (i * 2) * rounds, (size_t)rounds, sizeof *samples, cmp_double);
    qsort(samples + (i * 2 + 1) * rounds, (size_t)rounds, sizeof *samples, cmp_double);
    double ours = samples[(i * 2) * rounds + rounds / 2];
    double theirs = samples[(i * 2 + 1) * rounds + rounds / 2];
    printf("%-6s %14.0f %14.0f %9.2fx\n", cases[i].name, ours, theirs, theirs / ours);
  }
  free(samples);
  return 0;
}

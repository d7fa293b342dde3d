/* Fuzz target: everything of src/auth that reads outside bytes.
 *
 * Byte 0 picks what the rest feeds:
 *   0  the strict JSON reader (depth limit from byte 1): OK or
 *      INVALID_ARGUMENT with a message, and a tree whose counts are right;
 *   1  base64url: whatever decodes re-encodes to exactly the input (one
 *      encoding per value), and the bytes themselves round-trip;
 *   2  a JWK Set into a verifier: all or nothing (the key count is unchanged
 *      on failure, and failures say why);
 *   3  a token into cgrpc_jwt_verify() with HMAC, RSA and EC keys, an issuer,
 *      an audience and a scope configured; also as "Bearer <token>";
 *   4  a header and a payload (split at the first NUL) that the harness
 *      signs with the HMAC key, so the claims rules see valid signatures.
 * In modes 3 and 4 verification ends OK, UNAUTHENTICATED or
 * PERMISSION_DENIED with a message, and claims are set exactly on OK.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/hmac.h>

#include "auth/base64url.h"
#include "base/json_tree.h"
#include "cgrpc/jwt.h"

static const char kSecret[] = "fuzz-secret-fuzz-secret-fuzz-sec";
/* Public keys only (RSA 2048 "r", P-256 "e"), made with python3-jwt. */
static const char kJwks[] =
    "{\"keys\": [{\"kty\": \"RSA\", \"key_ops\": [\"verify\"], \"n\": "
    "\"xeRFoLdnQr4wIWnwBRzAHeymlndK2rdc7vPj-"
    "Btw0qcnM4PCubsb421n9YVw6Qvg7uImIciXcx2qqjSGfry6BtGyvpAbfWhV04rVmeFk-UUmXeiCunAeFUH_"
    "0z65zfWhqxu3owmRnOwvssrRHkT6Hixqh9bgy5Dlraq-nymqcvV_xH-"
    "g2QEW3jN1SGWxGdvcQ7oJ8hVrBNorHpDtM8dRBljdmQ57WlEmHk-"
    "XChFEm2kNd9HkSPGduHbWduRF5H1FNJ8dmaNgH2iG1fTEJ_rNTOIpDQCBgGe5SJXNjGu59zWpVYYqU1QLO1IBid-"
    "CQNuqtvgvysBCo1oElPLCzfAYnQ\", \"e\": \"AQAB\", \"kid\": \"r\"}, {\"kty\": \"EC\", \"crv\": "
    "\"P-256\", \"x\": \"RF3qW9pfKtIjY6u6ol6stYhAJmgvjAym6bDKhLTc_AM\", \"y\": "
    "\"mfUb3JCI513ZZph8-OPwULpBAgTNhiehSVfXbCLVDTY\", \"kid\": \"e\"}]}";

static cgrpc_jwt_verifier_t *verifier(void) {
  static cgrpc_jwt_verifier_t *v;
  if (v) return v;
  if (cgrpc_jwt_verifier_new(&v, NULL) != CGRPC_STATUS_OK ||
      cgrpc_jwt_verifier_add_hmac(v, "k", kSecret, 32, NULL) != CGRPC_STATUS_OK ||
      cgrpc_jwt_verifier_add_hmac(v, NULL, kSecret, 32, NULL) != CGRPC_STATUS_OK ||
      cgrpc_jwt_verifier_add_jwks(v, kJwks, strlen(kJwks), NULL) != CGRPC_STATUS_OK ||
      cgrpc_jwt_verifier_set_issuer(v, "iss", NULL) != CGRPC_STATUS_OK ||
      cgrpc_jwt_verifier_add_audience(v, "aud", NULL) != CGRPC_STATUS_OK ||
      cgrpc_jwt_verifier_require_scope(v, "s", NULL) != CGRPC_STATUS_OK)
    abort();
  return v;
}

static size_t count_nodes(const cgrpc_json_tree_t *v) {
  size_t n = 1, children = 0;
  for (const cgrpc_json_tree_t *c = v->child; c; c = c->next, children++) n += count_nodes(c);
  if (children != v->count) abort();
  if (v->kind == CGRPC_JSON_TREE_STRING && strlen(v->str) != v->str_len) abort();
  return n;
}

static void fuzz_json(const uint8_t *data, size_t size) {
  if (size < 1) return;
  int depth = data[0] % 24;
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  const cgrpc_json_tree_t *root = NULL;
  cgrpc_error_t err = {{0}};
  cgrpc_status_code_t rc =
      cgrpc_json_tree_parse((const char *)data + 1, size - 1, depth, &arena, &root, &err);
  if (rc == CGRPC_STATUS_OK) {
    if (count_nodes(root) > size) abort(); /* every node takes at least one byte */
  } else if (rc != CGRPC_STATUS_INVALID_ARGUMENT || !err.message[0]) {
    abort();
  }
  cgrpc_arena_free(&arena);
}

static void fuzz_base64url(const uint8_t *data, size_t size) {
  size_t max = cgrpc_base64url_decoded_max(size);
  unsigned char *out = malloc(max ? max : 1); /* exactly the bound, for ASan */
  size_t n;
  if (cgrpc_base64url_decode((const char *)data, size, out, &n)) {
    char *again = malloc(size ? size : 1);
    if (cgrpc_base64url_encoded_len(n) != size) abort();
    cgrpc_base64url_encode(out, n, again);
    if (size && memcmp(again, data, size) != 0) abort();
    free(again);
  }
  free(out);
  char *enc = malloc(cgrpc_base64url_encoded_len(size) + 1);
  cgrpc_base64url_encode(data, size, enc);
  unsigned char *dec = malloc(cgrpc_base64url_decoded_max(cgrpc_base64url_encoded_len(size)));
  if (!cgrpc_base64url_decode(enc, cgrpc_base64url_encoded_len(size), dec, &n)) abort();
  if (n != size || (size && memcmp(dec, data, size) != 0)) abort();
  free(dec);
  free(enc);
}

static void fuzz_jwks(const uint8_t *data, size_t size) {
  cgrpc_jwt_verifier_t *v;
  if (cgrpc_jwt_verifier_new(&v, NULL) != CGRPC_STATUS_OK) abort();
  cgrpc_error_t err = {{0}};
  cgrpc_status_code_t rc = cgrpc_jwt_verifier_add_jwks(v, (const char *)data, size, &err);
  if (rc == CGRPC_STATUS_OK ? cgrpc_jwt_verifier_key_count(v) == 0
                            : (cgrpc_jwt_verifier_key_count(v) != 0 || !err.message[0]))
    abort();
  cgrpc_jwt_verifier_free(v);
}

static void check_verify(const char *token, size_t len, bool bearer) {
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  const cgrpc_jwt_claims_t *claims = NULL;
  cgrpc_error_t err = {{0}};
  cgrpc_status_code_t rc =
      bearer ? cgrpc_jwt_verify_bearer(verifier(), token, len, INT64_C(1700000000000000000), &arena,
                                       &claims, &err)
             : cgrpc_jwt_verify(verifier(), token, len, INT64_C(1700000000000000000), &arena,
                                &claims, &err);
  if (rc == CGRPC_STATUS_OK) {
    if (!claims || !cgrpc_jwt_claims_has_scope(claims, "s")) abort();
    cgrpc_str_t json = cgrpc_jwt_claims_json(claims);
    if (json.data[json.len] != '\0') abort();
    int64_t exp;
    bool b;
    (void)cgrpc_jwt_claims_get_int(claims, "exp", &exp);
    (void)cgrpc_jwt_claims_get_bool(claims, "b", &b);
    if (!cgrpc_jwt_claims_get_string(claims, "iss")) abort();
  } else if (claims || !err.message[0] ||
             (rc != CGRPC_STATUS_UNAUTHENTICATED && rc != CGRPC_STATUS_PERMISSION_DENIED)) {
    abort();
  }
  cgrpc_arena_free(&arena);
}

static void fuzz_signed(const uint8_t *data, size_t size) {
  const uint8_t *nul = memchr(data, 0, size);
  size_t header_len = nul ? (size_t)(nul - data) : size;
  const uint8_t *payload = nul ? nul + 1 : data + size;
  size_t payload_len = nul ? size - header_len - 1 : 0;
  size_t cap = cgrpc_base64url_encoded_len(header_len) + cgrpc_base64url_encoded_len(payload_len) +
               cgrpc_base64url_encoded_len(32) + 3;
  char *token = malloc(cap);
  size_t n = cgrpc_base64url_encoded_len(header_len);
  cgrpc_base64url_encode(data, header_len, token);
  token[n++] = '.';
  cgrpc_base64url_encode(payload, payload_len, token + n);
  n += cgrpc_base64url_encoded_len(payload_len);
  unsigned char mac[32];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), kSecret, 32, (const unsigned char *)token, n, mac, &mac_len);
  token[n++] = '.';
  cgrpc_base64url_encode(mac, mac_len, token + n);
  n += cgrpc_base64url_encoded_len(mac_len);
  check_verify(token, n, false);
  free(token);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  const uint8_t *rest = data + 1;
  size_t rest_len = size - 1;
  switch (data[0] % 5) {
    case 0:
      fuzz_json(rest, rest_len);
      break;
    case 1:
      fuzz_base64url(rest, rest_len);
      break;
    case 2:
      fuzz_jwks(rest, rest_len);
      break;
    case 3:
      check_verify((const char *)rest, rest_len, false);
      if (rest_len + 7 <= 2 * CGRPC_JWT_MAX_TOKEN_SIZE) {
        char *bearer = malloc(rest_len + 7);
        memcpy(bearer, "Bearer ", 7);
        memcpy(bearer + 7, rest, rest_len);
        check_verify(bearer, rest_len + 7, true);
        free(bearer);
      }
      break;
    case 4:
      fuzz_signed(rest, rest_len);
      break;
  }
  return 0;
}

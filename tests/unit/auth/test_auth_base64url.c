/* Unit tests: strict base64url (src/auth/base64url.h), as JWS segments use it. */
#include <stdlib.h>

#include "auth/base64url.h"
#include "test.h"

static bool decode(const char *text, unsigned char *out, size_t *out_len) {
  return cgrpc_base64url_decode(text, strlen(text), out, out_len);
}

/* RFC 4648 §10 vectors, in the url alphabet without padding. */
static void test_rfc4648_vectors(void) {
  static const char *plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
  static const char *coded[] = {"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"};
  for (size_t i = 0; i < 7; i++) {
    char enc[16] = {0};
    size_t n = strlen(plain[i]);
    CHECK_EQ_UINT(cgrpc_base64url_encoded_len(n), strlen(coded[i]));
    cgrpc_base64url_encode((const unsigned char *)plain[i], n, enc);
    CHECK_EQ_STR(enc, coded[i]);
    unsigned char dec[16];
    size_t dec_len = 99;
    CHECK(decode(coded[i], dec, &dec_len));
    CHECK_EQ_MEM(dec, dec_len, plain[i], n);
  }
}

static void test_url_alphabet(void) {
  unsigned char out[8];
  size_t n;
  CHECK(decode("-_8", out, &n)); /* 0xfb 0xff */
  CHECK_EQ_UINT(n, 2);
  CHECK_EQ_UINT(out[0], 0xfb);
  CHECK_EQ_UINT(out[1], 0xff);
  char enc[4] = {0};
  cgrpc_base64url_encode(out, 2, enc);
  CHECK_EQ_STR(enc, "-_8");
}

static void test_refuses_non_canonical(void) {
  unsigned char out[16];
  size_t n;
  CHECK(!decode("Zg==", out, &n));  /* padding */
  CHECK(!decode("Zm9+", out, &n));  /* '+' of the standard alphabet */
  CHECK(!decode("Zm9/", out, &n));  /* '/' */
  CHECK(!decode("Zm 9v", out, &n)); /* whitespace */
  CHECK(!decode("Zm9vY", out, &n)); /* 1 spare character */
  CHECK(!decode("Zh", out, &n));    /* unused low bits set: "Zg" is the one encoding of "f" */
  CHECK(decode("Zm8", out, &n));    /* "fo": its spare bits are zero */
  CHECK(!decode("Zm-", out, &n));   /* 'm','-' leaves non-zero spare bits */
  CHECK(!cgrpc_base64url_decode("Zm\0v", 4, out, &n)); /* NUL inside */
}

/* Every byte string round-trips, and decoding never writes past the bound. */
static void test_round_trip(void) {
  srand(7);
  for (int round = 0; round < 2000; round++) {
    unsigned char in[64], out[64 + 2];
    size_t len = (size_t)rand() % 64;
    for (size_t i = 0; i < len; i++) in[i] = (unsigned char)rand();
    char enc[90];
    size_t enc_len = cgrpc_base64url_encoded_len(len);
    cgrpc_base64url_encode(in, len, enc);
    size_t n;
    CHECK(cgrpc_base64url_decoded_max(enc_len) <= sizeof out);
    CHECK(cgrpc_base64url_decode(enc, enc_len, out, &n));
    CHECK_EQ_MEM(out, n, in, len);
  }
}

int main(void) {
  TEST_RUN(test_rfc4648_vectors);
  TEST_RUN(test_url_alphabet);
  TEST_RUN(test_refuses_non_canonical);
  TEST_RUN(test_round_trip);
  return TEST_DONE();
}

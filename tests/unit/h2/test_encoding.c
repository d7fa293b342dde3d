/* Compression negotiation: algorithm names, grpc-accept-encoding lists,
 * choosing what to send with. */
#include "h2/encoding.h"

#include <string.h>

#include "test.h"

#define SET(alg) CGRPC_COMPRESSION_SET_OF(CGRPC_COMPRESSION_##alg)

static void test_names(void) {
  CHECK_EQ_STR(cgrpc_compression_name(CGRPC_COMPRESSION_IDENTITY), "identity");
  CHECK_EQ_STR(cgrpc_compression_name(CGRPC_COMPRESSION_DEFLATE), "deflate");
  CHECK_EQ_STR(cgrpc_compression_name(CGRPC_COMPRESSION_GZIP), "gzip");
  CHECK(cgrpc_compression_name((cgrpc_compression_t)3) == NULL);
  for (int i = 0; i < CGRPC_COMPRESSION_COUNT; i++) {
    const char *name = cgrpc_compression_name((cgrpc_compression_t)i);
    cgrpc_compression_t alg = (cgrpc_compression_t)-1;
    CHECK(cgrpc_compression_from_name(name, strlen(name), &alg));
    CHECK_EQ_INT(alg, i);
  }
  static const char *const unknown[] = {"", "GZIP", "x-gzip", "snappy", "zstd", "gzip ", "br"};
  for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
    cgrpc_compression_t alg = CGRPC_COMPRESSION_GZIP;
    CHECK(!cgrpc_compression_from_name(unknown[i], strlen(unknown[i]), &alg));
    CHECK_EQ_INT(alg, CGRPC_COMPRESSION_GZIP);
  }
}

static void check_accept(const char *value, cgrpc_compression_set_t want) {
  CHECK_EQ_UINT(cgrpc_compression_parse_accept(value, strlen(value)), want);
}

static void test_parse_accept(void) {
  check_accept("", SET(IDENTITY));
  check_accept("identity", SET(IDENTITY));
  check_accept("gzip", SET(IDENTITY) | SET(GZIP));
  check_accept("identity,deflate,gzip", CGRPC_COMPRESSION_SET_ALL);
  check_accept("gzip, deflate", CGRPC_COMPRESSION_SET_ALL);
  check_accept("snappy,zstd, gzip ,,", SET(IDENTITY) | SET(GZIP));
  check_accept("GZIP,Deflate", SET(IDENTITY));
}

static void test_format_accept(void) {
  CHECK_EQ_STR(cgrpc_compression_format_accept(0), "identity");
  CHECK_EQ_STR(cgrpc_compression_format_accept(SET(IDENTITY)), "identity");
  CHECK_EQ_STR(cgrpc_compression_format_accept(SET(GZIP)), "identity,gzip");
  CHECK_EQ_STR(cgrpc_compression_format_accept(SET(DEFLATE)), "identity,deflate");
  CHECK_EQ_STR(cgrpc_compression_format_accept(CGRPC_COMPRESSION_SET_ALL), "identity,deflate,gzip");
  CHECK_EQ_STR(cgrpc_compression_format_accept(0xFFFFFFFFu), "identity,deflate,gzip");
  /* What we format, we parse back to the same set (plus identity). */
  for (cgrpc_compression_set_t set = 0; set <= CGRPC_COMPRESSION_SET_ALL; set++) {
    const char *v = cgrpc_compression_format_accept(set);
    CHECK_EQ_UINT(cgrpc_compression_parse_accept(v, strlen(v)), set | SET(IDENTITY));
  }
}

static void test_choose(void) {
  const cgrpc_compression_t gzip_only[] = {CGRPC_COMPRESSION_GZIP};
  const cgrpc_compression_t gzip_then_deflate[] = {CGRPC_COMPRESSION_GZIP,
                                                   CGRPC_COMPRESSION_DEFLATE};
  CHECK_EQ_INT(cgrpc_compression_choose(CGRPC_COMPRESSION_SET_ALL, gzip_only, 1),
               CGRPC_COMPRESSION_GZIP);
  CHECK_EQ_INT(cgrpc_compression_choose(SET(IDENTITY) | SET(DEFLATE), gzip_only, 1),
               CGRPC_COMPRESSION_IDENTITY);
  CHECK_EQ_INT(cgrpc_compression_choose(SET(IDENTITY) | SET(DEFLATE), gzip_then_deflate, 2),
               CGRPC_COMPRESSION_DEFLATE);
  CHECK_EQ_INT(cgrpc_compression_choose(SET(IDENTITY), gzip_then_deflate, 2),
               CGRPC_COMPRESSION_IDENTITY);
  CHECK_EQ_INT(cgrpc_compression_choose(CGRPC_COMPRESSION_SET_ALL, NULL, 0),
               CGRPC_COMPRESSION_IDENTITY);
  const cgrpc_compression_t bogus[] = {(cgrpc_compression_t)7, CGRPC_COMPRESSION_GZIP};
  CHECK_EQ_INT(cgrpc_compression_choose(0xFFFFFFFFu, bogus, 2), CGRPC_COMPRESSION_GZIP);
}

int main(void) {
  TEST_RUN(test_names);
  TEST_RUN(test_parse_accept);
  TEST_RUN(test_format_accept);
  TEST_RUN(test_choose);
  return TEST_DONE();
}

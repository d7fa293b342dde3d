/* Per-message gzip/deflate: round trips, interop with other zlib users, the
 * decompression cap against a real bomb, and corrupt input. */
#include "h2/compress.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "counting_alloc.h"
#include "test.h"

static const cgrpc_compression_t kAlgs[] = {CGRPC_COMPRESSION_DEFLATE, CGRPC_COMPRESSION_GZIP};

/* "hello world\n" from `gzip -n` and from Python's zlib.compress(). */
static const uint8_t kHelloGzip[] = {
    0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0x57,
    0x28, 0xcf, 0x2f, 0xca, 0x49, 0xe1, 0x02, 0x00, 0x2d, 0x3b, 0x08, 0xaf, 0x0c, 0x00, 0x00, 0x00};
static const uint8_t kHelloDeflate[] = {0x78, 0x9c, 0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0x57, 0x28, 0xcf,
                                        0x2f, 0xca, 0x49, 0xe1, 0x02, 0x00, 0x1e, 0x72, 0x04, 0x67};

/* Compresses into a fresh heap buffer sized by the bound. */
static uint8_t *compress_alloc(cgrpc_compressor_t *c, cgrpc_compression_t alg, const uint8_t *src,
                               size_t len, size_t *out_len) {
  size_t bound = cgrpc_compressor_bound(c, alg, len);
  CHECK(bound >= len);
  uint8_t *dst = malloc(bound ? bound : 1);
  cgrpc_wire_error_t err = {0};
  CHECK_EQ_INT(cgrpc_compress(c, alg, src, len, dst, bound, out_len, &err), CGRPC_STATUS_OK);
  if (err.code) fprintf(stderr, "    %s (%zu bytes, bound %zu)\n", err.message, len, bound);
  return dst;
}

static void fill(uint8_t *buf, size_t len, bool compressible) {
  for (size_t i = 0; i < len; i++) {
    buf[i] = compressible ? (uint8_t)("protobuf message "[i % 17]) : (uint8_t)rand();
  }
}

static void test_round_trips(void) {
  static const size_t sizes[] = {0, 1, 17, 1000, 65536, 300000};
  cgrpc_compressor_t c;
  cgrpc_compressor_init(&c, -1);
  srand(3);
  for (size_t a = 0; a < 2; a++) {
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
      for (int compressible = 0; compressible < 2; compressible++) {
        size_t len = sizes[s];
        uint8_t *src = malloc(len ? len : 1);
        fill(src, len, compressible);
        size_t clen = 0;
        uint8_t *comp = compress_alloc(&c, kAlgs[a], src, len, &clen);
        if (compressible && len >= 1000) CHECK(clen < len / 4);
        const uint8_t *out = NULL;
        size_t out_len = 0;
        cgrpc_wire_error_t err = {0};
        CHECK_EQ_INT(cgrpc_decompress(&c, kAlgs[a], comp, clen, len, &out, &out_len, &err),
                     CGRPC_STATUS_OK);
        CHECK_EQ_MEM(out, out_len, src, len);
        free(comp);
        free(src);
      }
    }
  }
  cgrpc_compressor_destroy(&c);
}

static void test_formats_match_other_zlib_users(void) {
  cgrpc_compressor_t c;
  cgrpc_compressor_init(&c, 6);
  const uint8_t *out;
  size_t out_len;
  CHECK_EQ_INT(cgrpc_decompress(&c, CGRPC_COMPRESSION_GZIP, kHelloGzip, sizeof kHelloGzip, 100,
                                &out, &out_len, NULL),
               CGRPC_STATUS_OK);
  CHECK_EQ_MEM(out, out_len, "hello world\n", 12);
  CHECK_EQ_INT(cgrpc_decompress(&c, CGRPC_COMPRESSION_DEFLATE, kHelloDeflate, sizeof kHelloDeflate,
                                100, &out, &out_len, NULL),
               CGRPC_STATUS_OK);
  CHECK_EQ_MEM(out, out_len, "hello world\n", 12);

  /* Our output has the right wrapper and decodes with plain zlib. */
  size_t clen;
  uint8_t *gz =
      compress_alloc(&c, CGRPC_COMPRESSION_GZIP, (const uint8_t *)"hello world\n", 12, &clen);
  CHECK(clen > 18 && gz[0] == 0x1f && gz[1] == 0x8b);
  free(gz);
  uint8_t *zl =
      compress_alloc(&c, CGRPC_COMPRESSION_DEFLATE, (const uint8_t *)"hello world\n", 12, &clen);
  CHECK_EQ_MEM(zl, clen, kHelloDeflate, sizeof kHelloDeflate);
  uLongf n = 64;
  Bytef plain[64];
  CHECK_EQ_INT(uncompress(plain, &n, zl, clen), Z_OK);
  CHECK_EQ_MEM(plain, n, "hello world\n", 12);
  free(zl);
  cgrpc_compressor_destroy(&c);
}

static void test_every_message_starts_fresh(void) {
  /* The same message twice gives the same bytes: nothing carries over. */
  cgrpc_compressor_t c;
  cgrpc_compressor_init(&c, -1);
  uint8_t msg[500];
  fill(msg, sizeof msg, true);
  for (size_t a = 0; a < 2; a++) {
    size_t n1, n2;
    uint8_t *first = compress_alloc(&c, kAlgs[a], msg, sizeof msg, &n1);
    uint8_t *second = compress_alloc(&c, kAlgs[a], msg, sizeof msg, &n2);
    CHECK_EQ_MEM(first, n1, second, n2);
    /* And the second decodes on its own after a failed decompression. */
    const uint8_t *out;
    size_t out_len;
    CHECK(cgrpc_decompress(&c, kAlgs[a], first, n1 / 2, 1000, &out, &out_len, NULL) != 0);
    CHECK_EQ_INT(cgrpc_decompress(&c, kAlgs[a], second, n2, 1000, &out, &out_len, NULL),
                 CGRPC_STATUS_OK);
    CHECK_EQ_MEM(out, out_len, msg, sizeof msg);
    free(first);
    free(second);
  }
  cgrpc_compressor_destroy(&c);
}

static void test_identity_passes_through(void) {
  cgrpc_compressor_t c;
  cgrpc_compressor_init(&c, -1);
  const uint8_t src[] = "plain bytes";
  const uint8_t *out = NULL;
  size_t out_len = 0;
  CHECK_EQ_INT(cgrpc_decompress(&c, CGRPC_COMPRESSION_IDENTITY, src, 11, 11, &out, &out_len, NULL),
               CGRPC_STATUS_OK);
  CHECK(out == src);
  CHECK_EQ_UINT(out_len, 11);
  cgrpc_wire_error_t err = {0};
  CHECK_EQ_INT(cgrpc_decompress(&c, CGRPC_COMPRESSION_IDENTITY, src, 11, 10, &out, &out_len, &err),
               CGRPC_STATUS_RESOURCE_EXHAUSTED);
  CHECK_EQ_UINT(cgrpc_compressor_bound(&c, CGRPC_COMPRESSION_IDENTITY, 11), 11);
  uint8_t dst[11];
  size_t n = 0;
  CHECK_EQ_INT(cgrpc_compress(&c, CGRPC_COMPRESSION_IDENTITY, src, 11, dst, 11, &n, NULL),
               CGRPC_STATUS_OK);
  CHECK_EQ_MEM(dst, n, src, 11);
  CHECK_EQ_INT(cgrpc_compress(&c, CGRPC_COMPRESSION_IDENTITY, src, 11, dst, 10, &n, NULL),
               CGRPC_STATUS_RESOURCE_EXHAUSTED);
  cgrpc_compressor_destroy(&c);
}

static void test_cap_is_exact(void) {
  cgrpc_compressor_t c;
  cgrpc_compressor_init(&c, -1);
  size_t len = 100000;
  uint8_t *src = malloc(len);
  fill(src, len, true);
  for (size_t a = 0; a < 2; a++) {
    size_t clen;
    uint8_t *comp = compress_alloc(&c, kAlgs[a], src, len, &clen);
    const uint8_t *out;
    size_t out_len;
    cgrpc_wire_error_t err = {0};
    CHECK_EQ_INT(cgrpc_decompress(&c, kAlgs[a], comp, clen, len, &out, &out_len, &err),
                 CGRPC_STATUS_OK);
    CHECK_EQ_UINT(out_len, len);
    CHECK_EQ_INT(cgrpc_decompress(&c, kAlgs[a], comp, clen, len - 1, &out, &out_len, &err),
                 CGRPC_STATUS_RESOURCE_EXHAUSTED);
    CHECK(strstr(err.message, "exceeds the limit of 99999 bytes") != NULL);
    CHECK_EQ_INT(cgrpc_decompress(&c, kAlgs[a], comp, clen, 0, &out, &out_len, &err),
                 CGRPC_STATUS_RESOURCE_EXHAUSTED);
    free(comp);
  }
  free(src);
  cgrpc_compressor_destroy(&c);
}

static void test_gzip_bomb_costs_little(void) {
  /* 10 MiB of zeros: about 10 KiB compressed. */
  size_t big = 10u << 20;
  uint8_t *zeros = calloc(1, big);
  cgrpc_compressor_t maker;
  cgrpc_compressor_init(&maker, 9);
  size_t bomb_len[2];
  uint8_t *bomb[2];
  for (size_t a = 0; a < 2; a++)
    bomb[a] = compress_alloc(&maker, kAlgs[a], zeros, big, &bomb_len[a]);
  cgrpc_compressor_destroy(&maker);
  free(zeros);
  CHECK(bomb_len[0] < 20000 && bomb_len[1] < 20000);

  counting_install();
  for (size_t a = 0; a < 2; a++) {
    cgrpc_compressor_t c;
    cgrpc_compressor_init(&c, -1);
    const uint8_t *out;
    size_t out_len = 0;
    cgrpc_wire_error_t err = {0};
    clock_t start = clock();
    CHECK_EQ_INT(
        cgrpc_decompress(&c, kAlgs[a], bomb[a], bomb_len[a], 1u << 20, &out, &out_len, &err),
        CGRPC_STATUS_RESOURCE_EXHAUSTED);
    double ms = (double)(clock() - start) * 1000.0 / CLOCKS_PER_SEC;
    CHECK_EQ_INT(err.code, CGRPC_STATUS_RESOURCE_EXHAUSTED);
    CHECK(strstr(err.message, "exceeds the limit of 1048576 bytes") != NULL);
    /* Output buffer (cap + 1, with realloc's transient copy) plus zlib's
     * inflate state: well under the 10 MiB the bomb claims. */
    fprintf(stderr, "  %s bomb: %zu compressed bytes, peak heap %zu bytes, %.2f ms\n",
            cgrpc_compression_name(kAlgs[a]), bomb_len[a], counting_stats.peak_bytes, ms);
    CHECK(counting_stats.peak_bytes < (2u << 20) + (1u << 19));
    /* The big output buffer is not kept after the failure. */
    CHECK(counting_stats.live_bytes < 64 * 1024);
    cgrpc_compressor_destroy(&c);
    CHECK_EQ_UINT(counting_stats.live_bytes, 0);
    counting_reset();
    free(bomb[a]);
  }
  cgrpc_set_allocator(NULL);
}

static void check_corrupt(cgrpc_compression_t alg, const uint8_t *src, size_t len,
                          const char *why) {
  cgrpc_compressor_t c;
  cgrpc_compressor_init(&c, -1);
  const uint8_t *out;
  size_t out_len;
  cgrpc_wire_error_t err = {0};
  CHECK_EQ_INT(cgrpc_decompress(&c, alg, src, len, 1000, &out, &out_len, &err),
               CGRPC_STATUS_INTERNAL);
  CHECK_EQ_INT(err.code, CGRPC_STATUS_INTERNAL);
  CHECK(strstr(err.message, why) != NULL);
  if (!strstr(err.message, why)) fprintf(stderr, "    message: %s\n", err.message);
  cgrpc_compressor_destroy(&c);
}

static void test_corrupt_input(void) {
  uint8_t buf[64];
  check_corrupt(CGRPC_COMPRESSION_GZIP, (const uint8_t *)"not gzip at all", 15, "corrupt gzip");
  check_corrupt(CGRPC_COMPRESSION_DEFLATE, (const uint8_t *)"not zlib at all", 15,
                "corrupt deflate");
  /* The right data under the wrong name. */
  check_corrupt(CGRPC_COMPRESSION_DEFLATE, kHelloGzip, sizeof kHelloGzip, "corrupt deflate");
  check_corrupt(CGRPC_COMPRESSION_GZIP, kHelloDeflate, sizeof kHelloDeflate, "corrupt gzip");
  /* Cut short, or empty. */
  check_corrupt(CGRPC_COMPRESSION_GZIP, kHelloGzip, sizeof kHelloGzip - 4, "truncated");
  check_corrupt(CGRPC_COMPRESSION_GZIP, kHelloGzip, 5, "truncated");
  check_corrupt(CGRPC_COMPRESSION_DEFLATE, kHelloDeflate, sizeof kHelloDeflate - 1, "truncated");
  check_corrupt(CGRPC_COMPRESSION_GZIP, kHelloGzip, 0, "truncated");
  /* A flipped payload bit fails the checksum. */
  memcpy(buf, kHelloGzip, sizeof kHelloGzip);
  buf[12] ^= 0x01;
  check_corrupt(CGRPC_COMPRESSION_GZIP, buf, sizeof kHelloGzip, "corrupt gzip");
  memcpy(buf, kHelloDeflate, sizeof kHelloDeflate);
  buf[sizeof kHelloDeflate - 1] ^= 0x80;
  check_corrupt(CGRPC_COMPRESSION_DEFLATE, buf, sizeof kHelloDeflate, "corrupt deflate");
  /* Bytes after the end: a second gzip member is not part of one message. */
  memcpy(buf, kHelloGzip, sizeof kHelloGzip);
  memcpy(buf + sizeof kHelloGzip, kHelloGzip, sizeof kHelloGzip);
  check_corrupt(CGRPC_COMPRESSION_GZIP, buf, 2 * sizeof kHelloGzip, "32 unexpected bytes after");
  check_corrupt((cgrpc_compression_t)9, kHelloGzip, sizeof kHelloGzip, "unknown compression");
}

static void test_small_output_buffer(void) {
  cgrpc_compressor_t c;
  cgrpc_compressor_init(&c, -1);
  uint8_t src[1000], dst[16];
  fill(src, sizeof src, false);
  size_t n;
  cgrpc_wire_error_t err = {0};
  CHECK_EQ_INT(
      cgrpc_compress(&c, CGRPC_COMPRESSION_GZIP, src, sizeof src, dst, sizeof dst, &n, &err),
      CGRPC_STATUS_RESOURCE_EXHAUSTED);
  CHECK(strstr(err.message, "too small") != NULL);
  CHECK_EQ_INT(cgrpc_compress(&c, (cgrpc_compression_t)5, src, 1, dst, sizeof dst, &n, &err),
               CGRPC_STATUS_INTERNAL);
  cgrpc_compressor_destroy(&c);
}

static void test_memory_is_returned(void) {
  counting_install();
  cgrpc_compressor_t c;
  cgrpc_compressor_init(&c, -1);
  CHECK_EQ_UINT(counting_stats.allocations, 0);
  uint8_t src[200000];
  fill(src, sizeof src, true);
  size_t clen;
  uint8_t *comp = compress_alloc(&c, CGRPC_COMPRESSION_GZIP, src, sizeof src, &clen);
  CHECK(counting_stats.allocations > 0); /* zlib state comes from cgrpc_malloc */
  const uint8_t *out;
  size_t out_len;
  CHECK_EQ_INT(
      cgrpc_decompress(&c, CGRPC_COMPRESSION_GZIP, comp, clen, sizeof src, &out, &out_len, NULL),
      CGRPC_STATUS_OK);
  size_t with_big_output = counting_stats.live_bytes;
  /* A large output buffer is dropped on the next call; a small one stays. */
  CHECK_EQ_INT(cgrpc_decompress(&c, CGRPC_COMPRESSION_GZIP, kHelloGzip, sizeof kHelloGzip, 100,
                                &out, &out_len, NULL),
               CGRPC_STATUS_OK);
  CHECK(counting_stats.live_bytes + sizeof src / 2 < with_big_output);
  cgrpc_compressor_destroy(&c);
  CHECK_EQ_UINT(counting_stats.live_bytes, 0);
  cgrpc_set_allocator(NULL);
  free(comp);
}

int main(void) {
  TEST_RUN(test_round_trips);
  TEST_RUN(test_formats_match_other_zlib_users);
  TEST_RUN(test_every_message_starts_fresh);
  TEST_RUN(test_identity_passes_through);
  TEST_RUN(test_cap_is_exact);
  TEST_RUN(test_gzip_bomb_costs_little);
  TEST_RUN(test_corrupt_input);
  TEST_RUN(test_small_output_buffer);
  TEST_RUN(test_memory_is_returned);
  return TEST_DONE();
}

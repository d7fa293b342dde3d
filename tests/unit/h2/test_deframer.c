/* Message framing: the prefix writer, and the deframer under every chunking,
 * with its zero-copy path, its limits and its error cases. */
#include "h2/deframer.h"

#include <stdlib.h>
#include <string.h>

#include "counting_alloc.h"
#include "test.h"

#define MAX_MESSAGES 16

/* What came out of a deframer run: messages concatenated, plus each one's
 * length and flag. */
typedef struct collected {
  uint8_t bytes[4096];
  size_t used;
  size_t count;
  size_t lens[MAX_MESSAGES];
  bool compressed[MAX_MESSAGES];
  size_t consumed; /* bytes taken from chunks: what flow control gets back */
  bool zero_copy[MAX_MESSAGES];
  cgrpc_deframe_result_t last;
} collected_t;

/* Feeds one chunk; returns false on a deframer error. */
static bool feed(cgrpc_deframer_t *d, const uint8_t *chunk, size_t len, collected_t *out) {
  const uint8_t *p = chunk;
  size_t n = len;
  cgrpc_message_view_t msg;
  for (;;) {
    size_t before = n;
    out->last = cgrpc_deframer_next(d, &p, &n, &msg);
    out->consumed += before - n;
    if (out->last != CGRPC_DEFRAME_MESSAGE) break;
    CHECK(msg.data != NULL);
    if (out->count < MAX_MESSAGES && out->used + msg.len <= sizeof out->bytes) {
      out->lens[out->count] = msg.len;
      out->compressed[out->count] = msg.compressed;
      out->zero_copy[out->count] = chunk && msg.data >= chunk && msg.data + msg.len <= chunk + len;
      if (msg.len) memcpy(out->bytes + out->used, msg.data, msg.len);
      out->used += msg.len;
    }
    out->count++;
  }
  if (out->last == CGRPC_DEFRAME_NEED_MORE) CHECK_EQ_UINT(n, 0);
  return out->last != CGRPC_DEFRAME_ERROR;
}

/* Appends a framed message to buf. */
static size_t frame(uint8_t *buf, size_t at, bool compressed, const void *body, size_t len) {
  CHECK_EQ_INT(cgrpc_message_prefix_write(buf + at, compressed, len, NULL), CGRPC_STATUS_OK);
  if (len) memmove(buf + at + CGRPC_MESSAGE_PREFIX_SIZE, body, len);
  return at + CGRPC_MESSAGE_PREFIX_SIZE + len;
}

/* A stream of six messages: empty ones, a one-byte one, compressed ones, a
 * larger one; its expected output is `want`. */
typedef struct stream {
  uint8_t wire[1024];
  size_t wire_len;
  uint8_t bodies[1024];
  size_t bodies_len;
  size_t lens[6];
  bool compressed[6];
} stream_t;

static void make_stream(stream_t *s) {
  static const size_t lens[6] = {0, 1, 7, 300, 0, 70};
  static const bool compressed[6] = {false, true, false, false, true, true};
  memset(s, 0, sizeof *s);
  for (int i = 0; i < 6; i++) {
    uint8_t body[300];
    for (size_t j = 0; j < lens[i]; j++) body[j] = (uint8_t)(i * 31 + j * 7);
    s->wire_len = frame(s->wire, s->wire_len, compressed[i], body, lens[i]);
    memcpy(s->bodies + s->bodies_len, body, lens[i]);
    s->bodies_len += lens[i];
    s->lens[i] = lens[i];
    s->compressed[i] = compressed[i];
  }
}

static void check_stream_output(const stream_t *s, const collected_t *c) {
  CHECK_EQ_UINT(c->count, 6);
  CHECK_EQ_MEM(c->bytes, c->used, s->bodies, s->bodies_len);
  for (int i = 0; i < 6 && i < (int)c->count; i++) {
    CHECK_EQ_UINT(c->lens[i], s->lens[i]);
    CHECK_EQ_INT(c->compressed[i], s->compressed[i]);
  }
  CHECK_EQ_UINT(c->consumed, s->wire_len);
}

static void test_prefix_writer(void) {
  uint8_t p[CGRPC_MESSAGE_PREFIX_SIZE];
  CHECK_EQ_INT(cgrpc_message_prefix_write(p, false, 0x01020304, NULL), CGRPC_STATUS_OK);
  CHECK_EQ_MEM(p, 5, "\x00\x01\x02\x03\x04", 5);
  CHECK_EQ_INT(cgrpc_message_prefix_write(p, true, 0, NULL), CGRPC_STATUS_OK);
  CHECK_EQ_MEM(p, 5, "\x01\x00\x00\x00\x00", 5);
  CHECK_EQ_INT(cgrpc_message_prefix_write(p, false, UINT32_MAX, NULL), CGRPC_STATUS_OK);
  CHECK_EQ_MEM(p, 5, "\x00\xff\xff\xff\xff", 5);
#if SIZE_MAX > UINT32_MAX
  cgrpc_wire_error_t err = {0};
  memset(p, 0xAA, sizeof p);
  CHECK_EQ_INT(cgrpc_message_prefix_write(p, false, (size_t)UINT32_MAX + 1, &err),
               CGRPC_STATUS_RESOURCE_EXHAUSTED);
  CHECK(strstr(err.message, "too large") != NULL);
  CHECK_EQ_UINT(p[0], 0xAA);
#endif
}

static void test_whole_stream_in_one_chunk_is_zero_copy(void) {
  stream_t s;
  make_stream(&s);
  counting_install();
  cgrpc_deframer_t d;
  cgrpc_deframer_init(&d, 1024, true);
  collected_t c = {0};
  CHECK(feed(&d, s.wire, s.wire_len, &c));
  check_stream_output(&s, &c);
  for (int i = 0; i < 6; i++) CHECK(c.zero_copy[i] || s.lens[i] == 0);
  CHECK_EQ_UINT(counting_stats.allocations, 0);
  CHECK_EQ_INT(cgrpc_deframer_finish(&d, NULL), CGRPC_STATUS_OK);
  cgrpc_deframer_destroy(&d);
  cgrpc_set_allocator(NULL);
}

static void test_every_split_point(void) {
  stream_t s;
  make_stream(&s);
  for (size_t cut = 0; cut <= s.wire_len; cut++) {
    cgrpc_deframer_t d;
    cgrpc_deframer_init(&d, 1024, true);
    collected_t c = {0};
    CHECK(feed(&d, s.wire, cut, &c));
    CHECK(feed(&d, s.wire + cut, s.wire_len - cut, &c));
    check_stream_output(&s, &c);
    CHECK_EQ_INT(cgrpc_deframer_finish(&d, NULL), CGRPC_STATUS_OK);
    cgrpc_deframer_destroy(&d);
  }
}

static void test_every_pair_of_split_points(void) {
  stream_t s;
  make_stream(&s);
  for (size_t a = 0; a <= s.wire_len; a += 1) {
    for (size_t b = a; b <= s.wire_len; b += 3) {
      cgrpc_deframer_t d;
      cgrpc_deframer_init(&d, 1024, true);
      collected_t c = {0};
      CHECK(feed(&d, s.wire, a, &c));
      CHECK(feed(&d, s.wire + a, b - a, &c));
      CHECK(feed(&d, s.wire + b, s.wire_len - b, &c));
      check_stream_output(&s, &c);
      CHECK_EQ_INT(cgrpc_deframer_finish(&d, NULL), CGRPC_STATUS_OK);
      cgrpc_deframer_destroy(&d);
    }
  }
}

static void test_one_byte_at_a_time(void) {
  stream_t s;
  make_stream(&s);
  cgrpc_deframer_t d;
  cgrpc_deframer_init(&d, 1024, true);
  collected_t c = {0};
  for (size_t i = 0; i < s.wire_len; i++) CHECK(feed(&d, s.wire + i, 1, &c));
  check_stream_output(&s, &c);
  /* Only the 1-byte message and the empty ones fit inside a 1-byte chunk. */
  CHECK(!c.zero_copy[3]);
  CHECK_EQ_INT(cgrpc_deframer_finish(&d, NULL), CGRPC_STATUS_OK);
  cgrpc_deframer_destroy(&d);
}

static void test_split_prefix_whole_body_is_still_zero_copy(void) {
  uint8_t wire[32];
  size_t len = frame(wire, 0, false, "hello world", 11);
  cgrpc_deframer_t d;
  cgrpc_deframer_init(&d, 100, false);
  collected_t c = {0};
  CHECK(feed(&d, wire, 3, &c));
  CHECK(feed(&d, wire + 3, len - 3, &c));
  CHECK_EQ_UINT(c.count, 1);
  CHECK(c.zero_copy[0]);
  CHECK_EQ_MEM(c.bytes, c.used, "hello world", 11);
  CHECK_EQ_UINT(cgrpc_deframer_buffered_capacity(&d), 0);
  cgrpc_deframer_destroy(&d);
}

static void test_zero_length_messages(void) {
  uint8_t wire[15] = {0};
  cgrpc_deframer_t d;
  cgrpc_deframer_init(&d, 0, false); /* a limit of 0 still admits empty messages */
  collected_t c = {0};
  CHECK(feed(&d, wire, sizeof wire, &c));
  CHECK_EQ_UINT(c.count, 3);
  CHECK_EQ_UINT(c.used, 0);
  CHECK_EQ_INT(cgrpc_deframer_finish(&d, NULL), CGRPC_STATUS_OK);
  cgrpc_deframer_destroy(&d);
  /* An empty message whose prefix ends exactly at the end of a chunk. */
  cgrpc_deframer_init(&d, 0, false);
  collected_t c2 = {0};
  CHECK(feed(&d, wire, 4, &c2));
  CHECK_EQ_UINT(c2.count, 0);
  CHECK(feed(&d, NULL, 0, &c2));
  CHECK_EQ_UINT(c2.count, 0);
  CHECK(feed(&d, wire + 4, 1, &c2));
  CHECK_EQ_UINT(c2.count, 1);
  CHECK(feed(&d, NULL, 0, &c2));
  CHECK_EQ_UINT(c2.count, 1);
  cgrpc_deframer_destroy(&d);
}

static void test_limit_exceeded_before_buffering(void) {
  /* Declares limit + 1 bytes and sends some of them, one byte at a time. */
  uint8_t wire[5 + 64];
  memset(wire, 'x', sizeof wire);
  CHECK_EQ_INT(cgrpc_message_prefix_write(wire, false, 1001, NULL), CGRPC_STATUS_OK);
  counting_install();
  cgrpc_deframer_t d;
  cgrpc_deframer_init(&d, 1000, false);
  collected_t c = {0};
  bool ok = true;
  size_t i = 0;
  for (; i < sizeof wire && ok; i++) ok = feed(&d, wire + i, 1, &c);
  CHECK(!ok);
  CHECK_EQ_UINT(i, 5); /* failed on the last prefix byte */
  CHECK_EQ_UINT(c.consumed, 5);
  CHECK_EQ_UINT(counting_stats.allocations, 0);
  CHECK_EQ_UINT(cgrpc_deframer_buffered_capacity(&d), 0);
  const cgrpc_wire_error_t *err = cgrpc_deframer_error(&d);
  CHECK_EQ_INT(err->code, CGRPC_STATUS_RESOURCE_EXHAUSTED);
  CHECK(strstr(err->message, "1001 bytes exceeds the limit of 1000") != NULL);
  /* The error sticks. */
  CHECK(!feed(&d, wire + 5, 10, &c));
  CHECK_EQ_UINT(c.consumed, 5);
  cgrpc_wire_error_t fin = {0};
  CHECK_EQ_INT(cgrpc_deframer_finish(&d, &fin), CGRPC_STATUS_RESOURCE_EXHAUSTED);
  CHECK_EQ_INT(fin.code, CGRPC_STATUS_RESOURCE_EXHAUSTED);
  cgrpc_deframer_destroy(&d);

  /* The largest length the wire allows, in one chunk: still no allocation. */
  CHECK_EQ_INT(cgrpc_message_prefix_write(wire, false, UINT32_MAX, NULL), CGRPC_STATUS_OK);
  cgrpc_deframer_init(&d, 4u << 20, false);
  collected_t c2 = {0};
  CHECK(!feed(&d, wire, sizeof wire, &c2));
  CHECK_EQ_UINT(c2.consumed, 5); /* the prefix, as when it came byte by byte */
  CHECK_EQ_INT(cgrpc_deframer_error(&d)->code, CGRPC_STATUS_RESOURCE_EXHAUSTED);
  CHECK_EQ_UINT(counting_stats.allocations, 0);
  cgrpc_deframer_destroy(&d);
  cgrpc_set_allocator(NULL);
}

static void test_exactly_at_the_limit_is_accepted(void) {
  uint8_t wire[5 + 1000];
  memset(wire, 'y', sizeof wire);
  size_t len = frame(wire, 0, false, wire + 5, 1000);
  cgrpc_deframer_t d;
  cgrpc_deframer_init(&d, 1000, false);
  collected_t c = {0};
  CHECK(feed(&d, wire, 600, &c));
  CHECK(feed(&d, wire + 600, len - 600, &c));
  CHECK_EQ_UINT(c.count, 1);
  CHECK_EQ_UINT(c.lens[0], 1000);
  cgrpc_deframer_destroy(&d);
}

static void check_bad_prefix(uint8_t flag, bool compression_allowed, const char *why) {
  uint8_t wire[8] = {flag, 0, 0, 0, 3, 'a', 'b', 'c'};
  cgrpc_deframer_t d;
  cgrpc_deframer_init(&d, 100, compression_allowed);
  collected_t c = {0};
  CHECK(!feed(&d, wire, sizeof wire, &c));
  CHECK_EQ_UINT(c.count, 0);
  CHECK_EQ_INT(cgrpc_deframer_error(&d)->code, CGRPC_STATUS_INTERNAL);
  CHECK(strstr(cgrpc_deframer_error(&d)->message, why) != NULL);
  cgrpc_deframer_destroy(&d);
}

static void test_bad_flags(void) {
  check_bad_prefix(2, true, "flag byte 0x02");
  check_bad_prefix(0x80, true, "flag byte 0x80"); /* grpc-web trailer frame */
  check_bad_prefix(0xff, false, "flag byte 0xff");
  check_bad_prefix(1, false, "grpc-encoding is identity or absent");
}

static void check_truncated(size_t keep, const char *why) {
  uint8_t wire[32];
  size_t len = frame(wire, 0, false, "0123456789", 10);
  CHECK(keep < len);
  cgrpc_deframer_t d;
  cgrpc_deframer_init(&d, 100, false);
  collected_t c = {0};
  CHECK(feed(&d, wire, keep, &c));
  CHECK_EQ_UINT(c.count, 0);
  cgrpc_wire_error_t err = {0};
  CHECK_EQ_INT(cgrpc_deframer_finish(&d, &err), CGRPC_STATUS_INTERNAL);
  CHECK(strstr(err.message, why) != NULL);
  if (!strstr(err.message, why)) fprintf(stderr, "    message: %s\n", err.message);
  CHECK_EQ_INT(cgrpc_deframer_error(&d)->code, CGRPC_STATUS_INTERNAL);
  /* Nothing more comes out after the failure. */
  CHECK(!feed(&d, wire + keep, len - keep, &c));
  cgrpc_deframer_destroy(&d);
}

static void test_truncated_at_end_of_stream(void) {
  check_truncated(1, "inside a message prefix (1 of 5 bytes");
  check_truncated(4, "inside a message prefix (4 of 5 bytes");
  check_truncated(5, "inside a message (0 of 10 bytes");
  check_truncated(12, "inside a message (7 of 10 bytes");
  check_truncated(14, "inside a message (9 of 10 bytes");
}

static void test_buffer_grows_with_received_bytes(void) {
  /* A peer that declares 1 MiB and sends 10 bytes does not cost 1 MiB. */
  uint8_t wire[5 + 10];
  memset(wire, 'z', sizeof wire);
  CHECK_EQ_INT(cgrpc_message_prefix_write(wire, false, 1u << 20, NULL), CGRPC_STATUS_OK);
  counting_install();
  cgrpc_deframer_t d;
  cgrpc_deframer_init(&d, 4u << 20, false);
  collected_t c = {0};
  CHECK(feed(&d, wire, sizeof wire, &c));
  CHECK(cgrpc_deframer_buffered_capacity(&d) <= 4096);
  CHECK(counting_stats.live_bytes <= 4096);
  cgrpc_deframer_destroy(&d);
  CHECK_EQ_UINT(counting_stats.live_bytes, 0);
  cgrpc_set_allocator(NULL);
}

static void test_large_buffer_released_small_kept(void) {
  size_t big = 200 * 1024;
  uint8_t *wire = malloc(5 + big + 5 + 100);
  for (size_t i = 0; i < 5 + big + 5 + 100; i++) wire[i] = (uint8_t)(i * 13);
  size_t len = frame(wire, 0, false, wire + 5, big);
  len = frame(wire, len, false, wire + len + 5, 100);
  cgrpc_deframer_t d;
  cgrpc_deframer_init(&d, 1u << 20, false);
  /* The big message arrives in 16 KiB chunks and comes out of the buffer. */
  size_t at = 0;
  cgrpc_message_view_t msg;
  cgrpc_deframe_result_t r = CGRPC_DEFRAME_NEED_MORE;
  while (at < 5 + big && r == CGRPC_DEFRAME_NEED_MORE) {
    size_t chunk = 5 + big - at < 16384 ? 5 + big - at : 16384;
    const uint8_t *p = wire + at;
    size_t n = chunk;
    r = cgrpc_deframer_next(&d, &p, &n, &msg);
    at += chunk - n;
  }
  CHECK_EQ_INT(r, CGRPC_DEFRAME_MESSAGE);
  CHECK_EQ_UINT(at, 5 + big);
  CHECK_EQ_UINT(msg.len, big);
  CHECK(msg.data < wire || msg.data >= wire + len);
  if (msg.len == big) {
    uint8_t *want = malloc(big);
    for (size_t i = 0; i < big; i++) want[i] = (uint8_t)((i + 5) * 13);
    CHECK_EQ_MEM(msg.data, msg.len, want, big);
    free(want);
  }
  CHECK(cgrpc_deframer_buffered_capacity(&d) >= big);
  /* The next call releases the large buffer; the small message split in two
   * then uses a small one, which is kept. */
  collected_t c = {0};
  CHECK(feed(&d, wire + at, 50, &c));
  CHECK(cgrpc_deframer_buffered_capacity(&d) <= 4096);
  CHECK(feed(&d, wire + at + 50, len - at - 50, &c));
  CHECK_EQ_UINT(c.count, 1);
  CHECK_EQ_UINT(c.lens[0], 100);
  size_t kept = cgrpc_deframer_buffered_capacity(&d);
  CHECK(kept > 0 && kept <= 4096);
  CHECK_EQ_UINT(at + c.consumed, len);
  cgrpc_deframer_destroy(&d);
  free(wire);
}

int main(void) {
  TEST_RUN(test_prefix_writer);
  TEST_RUN(test_whole_stream_in_one_chunk_is_zero_copy);
  TEST_RUN(test_every_split_point);
  TEST_RUN(test_every_pair_of_split_points);
  TEST_RUN(test_one_byte_at_a_time);
  TEST_RUN(test_split_prefix_whole_body_is_still_zero_copy);
  TEST_RUN(test_zero_length_messages);
  TEST_RUN(test_limit_exceeded_before_buffering);
  TEST_RUN(test_exactly_at_the_limit_is_accepted);
  TEST_RUN(test_bad_flags);
  TEST_RUN(test_truncated_at_end_of_stream);
  TEST_RUN(test_buffer_grows_with_received_bytes);
  TEST_RUN(test_large_buffer_released_small_kept);
  return TEST_DONE();
}

/* bench/pb/fixture.h — the Person every implementation benchmarks, and the
 * checks that an implementation encoded and decoded it correctly.
 *
 * A speed comparison means nothing unless every implementation does the same
 * work and gets it right, so the values live here once. Each implementation
 * builds its own message from bench_fixture; its encoding must equal
 * bench_fixture_wire byte for byte. To check decoding, an implementation
 * exports what it decoded as a bench_person_view_t (plain pointers and
 * lengths, whatever its own representation) and bench_person_view_diff()
 * compares that with the fixture field by field.
 */
#ifndef BENCH_PB_FIXTURE_H
#define BENCH_PB_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BENCH_SAMPLE_COUNT 25
#define BENCH_TAG_COUNT 4

/* bench.Status values, for implementations whose enum names differ. */
#define BENCH_STATUS_ACTIVE 1

typedef struct bench_fixture {
  int64_t id;
  const char *name;  /* 20 characters */
  const char *email; /* 21 characters */
  double score;
  int32_t status;
  int32_t samples[BENCH_SAMPLE_COUNT]; /* (i * i * 37) % 5000 */
  const char *street;
  const char *city;
  const char *country;
  int32_t zip;
  const char *tags[BENCH_TAG_COUNT];
  bool verified;
} bench_fixture_t;

extern const bench_fixture_t bench_fixture;

/* bench_fixture in the protobuf wire format: fields in number order, samples
 * packed (proto3's default), the bytes any conforming encoder produces. */
extern const uint8_t bench_fixture_wire[];
extern const size_t bench_fixture_wire_len;

/* A string as a pointer and a length; it is not NUL-terminated. */
typedef struct bench_text {
  const char *data;
  size_t len;
} bench_text_t;

#define BENCH_VIEW_MAX_TAGS 8

/* What an implementation decoded, in a representation-neutral form. The
 * pointers borrow from the implementation's message and are valid as long
 * as it is. */
typedef struct bench_person_view {
  int64_t id;
  bench_text_t name;
  bench_text_t email;
  double score;
  int32_t status;
  const int32_t *samples;
  size_t sample_count;
  bool has_address;
  bench_text_t street;
  bench_text_t city;
  bench_text_t country;
  int32_t zip;
  bench_text_t tags[BENCH_VIEW_MAX_TAGS]; /* the first tags; tag_count counts all */
  size_t tag_count;
  bool verified;
} bench_person_view_t;

/* The view of a NUL-terminated string (NULL gives the empty string). */
bench_text_t bench_text_of(const char *s);

/* Compares a decoded view with bench_fixture. Returns NULL when they are equal,
 * otherwise a sentence naming the first field that differs and both values.
 * The sentence lives in a static buffer, valid until the next call; not
 * thread-safe. */
const char *bench_person_view_diff(const bench_person_view_t *v);

#ifdef __cplusplus
}
#endif

#endif /* BENCH_PB_FIXTURE_H */

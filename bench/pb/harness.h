/* bench/pb/harness.h — what one implementation provides to the protobuf
 * benchmark, and the main() every benchmark executable shares.
 *
 * An implementation is one or more codecs: functions that build, decode,
 * export and encode the fixture Person in that library's own, idiomatic way.
 * The harness owns everything else (checking correctness against the
 * fixture, the timing loop, the output format), so every library is measured
 * by the same code and only its own calls differ.
 */
#ifndef BENCH_PB_HARNESS_H
#define BENCH_PB_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fixture.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Size of the output buffer encode() gets: far above the fixture's size, so
 * encoders that write without a bound check ("pack-only") are safe. */
#define BENCH_WIRE_CAP 1024

/* A codec keeps one current message. fill() and decode() replace it;
 * view() and encode() read it. The harness calls these from one thread. */
typedef struct bench_codec {
  /* Row name in the results: no spaces, e.g. "protobuf-c". */
  const char *name;
  /* Builds bench_fixture as the current message, the way an application
   * would fill one before sending it. Not timed. */
  void (*fill)(void);
  /* Decodes `len` bytes as the current message. Timed. Returns 0 on
   * success, non-zero when the library reports an error. */
  int (*decode)(const uint8_t *buf, size_t len);
  /* Exports the current message for comparison with the fixture. */
  void (*view)(bench_person_view_t *out);
  /* Encodes the current message into buf (cap >= BENCH_WIRE_CAP). Timed.
   * Returns the number of bytes written, 0 on failure. */
  size_t (*encode)(uint8_t *buf, size_t cap);
  /* False for a codec that differs from another only in how it decodes, so
   * the shared encoder is timed (and reported) once. */
  bool time_encode;
} bench_codec_t;

/* The whole program of a benchmark executable:
 *   verify                 check every codec against the fixture
 *   time BATCHES OPS       verify, warm up, then time BATCHES rounds of one
 *                          batch of OPS decodes (and OPS encodes) per codec,
 *                          printing "sample <codec> <decode|encode> <ns/op>"
 *                          per batch
 * Returns the process exit status: 0, 1 when a codec is wrong, 2 on usage. */
int bench_main(int argc, char **argv, const bench_codec_t *codecs, size_t count);

#ifdef __cplusplus
}
#endif

#endif /* BENCH_PB_HARNESS_H */

/* bench/pb/harness.c — verification and the timing loop shared by every
 * protobuf benchmark executable. See harness.h.
 *
 * A single operation (100 to 700 nanoseconds here) is too short to time on its
 * own, so whole batches are timed with CLOCK_MONOTONIC. Every batch is
 * printed rather than a summary: bench/pb/run.sh runs the executables in
 * turn, several times over, and takes the median of all batches of all runs,
 * so that noise from the rest of the machine falls on every implementation
 * alike. Results are checked after every batch, not only before timing, so
 * a codec that starts failing mid-run cannot report a time.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime under -std=c11 */

#include "harness.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Untimed rounds before sampling, so that caches, branch predictors, page
 * faults and the CPU clock have settled. */
#define WARMUP_ROUNDS 3

static uint8_t out_buf[BENCH_WIRE_CAP];

static int fail(const bench_codec_t *c, const char *what, const char *why) {
  fprintf(stderr, "bench: %s: %s: %s\n", c->name, what, why);
  return 1;
}

/* Checks that the `len` bytes in out_buf are the reference encoding. */
static int check_encoding(const bench_codec_t *c, const char *what, size_t len) {
  if (len == 0) return fail(c, what, "the encoder reported an error");
  if (len == bench_fixture_wire_len && memcmp(out_buf, bench_fixture_wire, len) == 0) return 0;
  size_t common = len < bench_fixture_wire_len ? len : bench_fixture_wire_len;
  size_t at = 0;
  while (at < common && out_buf[at] == bench_fixture_wire[at]) at++;
  char why[160];
  snprintf(why, sizeof why,
           "wrote %zu bytes, want the %zu reference bytes; first difference at byte %zu", len,
           bench_fixture_wire_len, at);
  return fail(c, what, why);
}

/* Checks that the codec's current message holds the fixture's values. */
static int check_decoded(const bench_codec_t *c, const char *what) {
  bench_person_view_t view;
  memset(&view, 0, sizeof view);
  c->view(&view);
  const char *why = bench_person_view_diff(&view);
  return why ? fail(c, what, why) : 0;
}

/* Encode what the application built, decode the reference, then encode what
 * was decoded: all three must agree with the fixture. */
static int verify(const bench_codec_t *c) {
  c->fill();
  if (check_encoding(c, "encoding the filled message", c->encode(out_buf, sizeof out_buf))) {
    return 1;
  }
  if (c->decode(bench_fixture_wire, bench_fixture_wire_len) != 0) {
    return fail(c, "decoding the reference bytes", "the decoder reported an error");
  }
  if (check_decoded(c, "decoding the reference bytes")) return 1;
  return check_encoding(c, "re-encoding the decoded message", c->encode(out_buf, sizeof out_buf));
}

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int time_decode(const bench_codec_t *c, size_t ops, double *ns_per_op) {
  uint64_t start = now_ns();
  for (size_t i = 0; i < ops; i++) {
    if (c->decode(bench_fixture_wire, bench_fixture_wire_len) != 0) {
      return fail(c, "timed decode", "the decoder reported an error");
    }
  }
  *ns_per_op = (double)(now_ns() - start) / (double)ops;
  return check_decoded(c, "timed decode");
}

static int time_encode(const bench_codec_t *c, size_t ops, double *ns_per_op) {
  size_t len = 0;
  c->fill();
  uint64_t start = now_ns();
  for (size_t i = 0; i < ops; i++) {
    len = c->encode(out_buf, sizeof out_buf);
    if (len == 0) return fail(c, "timed encode", "the encoder reported an error");
  }
  *ns_per_op = (double)(now_ns() - start) / (double)ops;
  return check_encoding(c, "timed encode", len);
}

/* One batch of each operation of each codec, printed when `print`. */
static int run_round(const bench_codec_t *codecs, size_t count, size_t ops, bool print) {
  for (size_t i = 0; i < count; i++) {
    const bench_codec_t *c = &codecs[i];
    double ns;
    if (time_decode(c, ops, &ns)) return 1;
    if (print) printf("sample %s decode %.2f\n", c->name, ns);
    if (!c->time_encode) continue;
    if (time_encode(c, ops, &ns)) return 1;
    if (print) printf("sample %s encode %.2f\n", c->name, ns);
  }
  return 0;
}

static bool parse_count(const char *s, size_t *out) {
  /* strtoull would accept a sign and wrap "-1" around to a huge count. */
  if (s[0] < '0' || s[0] > '9') return false;
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno != 0 || *end != '\0' || v == 0 || v > SIZE_MAX) return false;
  *out = (size_t)v;
  return true;
}

static int verify_all(const bench_codec_t *codecs, size_t count, bool print) {
  for (size_t i = 0; i < count; i++) {
    if (verify(&codecs[i])) return 1;
    if (print) {
      printf("verify %s ok: encode, decode and re-encode match the %zu reference bytes\n",
             codecs[i].name, bench_fixture_wire_len);
    }
  }
  return 0;
}

int bench_main(int argc, char **argv, const bench_codec_t *codecs, size_t count) {
  size_t batches, ops;
  if (argc == 2 && strcmp(argv[1], "verify") == 0) return verify_all(codecs, count, true);
  if (argc == 4 && strcmp(argv[1], "time") == 0 && parse_count(argv[2], &batches) &&
      parse_count(argv[3], &ops)) {
    if (verify_all(codecs, count, false)) return 1;
    for (int i = 0; i < WARMUP_ROUNDS; i++) {
      if (run_round(codecs, count, ops, false)) return 1;
    }
    for (size_t i = 0; i < batches; i++) {
      if (run_round(codecs, count, ops, true)) return 1;
    }
    return fflush(stdout) == 0 ? 0 : 1;
  }
  fprintf(stderr, "usage: %s verify | time BATCHES OPS\n", argc > 0 ? argv[0] : "bench");
  return 2;
}

/* bench/pb/fixture.c — the benchmark's Person values, their reference wire
 * bytes, and the field-by-field comparison of a decoded view against them.
 * See fixture.h. */
#include "fixture.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

const bench_fixture_t bench_fixture = {
    .id = 1234567890123,
    .name = "Augusta Ada Lovelace",
    .email = "ada.lovelace@math.org",
    .score = 98.625,
    .status = BENCH_STATUS_ACTIVE,
    .samples = {0,    37,   148,  333,  592, 925,  1332, 1813, 2368, 2997, 3700, 4477, 328,
                1253, 2252, 3325, 4472, 693, 1988, 3357, 4800, 1317, 2908, 4573, 1312},
    .street = "12 St. James Square",
    .city = "London",
    .country = "United Kingdom",
    .zip = 10115,
    .tags = {"math", "poet", "analyst", "engine"},
    .verified = true,
};

/* One literal per field (or string) so the text reads as text: an escape
 * ends at its literal's closing quote, so "\x14" "Augusta" stays two tokens.
 * The array's terminating NUL is not part of the message. */
const uint8_t bench_fixture_wire[] =
    /* 1 id */
    "\x08\xcb\x89\xec\x8f\xf7\x23"
    /* 2 name */
    "\x12\x14"
    "Augusta Ada Lovelace"
    /* 3 email */
    "\x1a\x15"
    "ada.lovelace@math.org"
    /* 4 score */
    "\x21\x00\x00\x00\x00\x00\xa8\x58\x40"
    /* 5 status */
    "\x28\x01"
    /* 6 samples, packed: 48 bytes */
    "\x32\x30"
    "\x00\x25\x94\x01\xcd\x02\xd0\x04\x9d\x07\xb4\x0a"
    "\x95\x0e\xc0\x12\xb5\x17\xf4\x1c\xfd\x22\xc8\x02"
    "\xe5\x09\xcc\x11\xfd\x19\xf8\x22\xb5\x05\xc4\x0f"
    "\x9d\x1a\xc0\x25\xa5\x0a\xdc\x16\xdd\x23\xa0\x0a"
    /* 7 address, 48 bytes: street, city, country, zip */
    "\x3a\x30"
    "\x0a\x13"
    "12 St. James Square"
    "\x12\x06"
    "London"
    "\x1a\x0e"
    "United Kingdom"
    "\x20\x83\x4f"
    /* 8 tags */
    "\x42\x04"
    "math"
    "\x42\x04"
    "poet"
    "\x42\x07"
    "analyst"
    "\x42\x06"
    "engine"
    /* 9 verified */
    "\x48\x01";
const size_t bench_fixture_wire_len = sizeof bench_fixture_wire - 1;

bench_text_t bench_text_of(const char *s) {
  bench_text_t t = {s ? s : "", s ? strlen(s) : 0};
  return t;
}

static char diff_buf[256];

static const char *diff_int(const char *field, int64_t got, int64_t want) {
  if (got == want) return NULL;
  snprintf(diff_buf, sizeof diff_buf, "%s is %" PRId64 ", want %" PRId64, field, got, want);
  return diff_buf;
}

static const char *diff_text(const char *field, bench_text_t got, const char *want) {
  size_t want_len = strlen(want);
  if (got.len == want_len && (want_len == 0 || memcmp(got.data, want, want_len) == 0)) return NULL;
  /* Clamp what is printed so a corrupt length cannot overrun diff_buf. */
  int shown = got.len > 64 ? 64 : (int)got.len;
  snprintf(diff_buf, sizeof diff_buf, "%s is \"%.*s\" (%zu bytes), want \"%s\"", field, shown,
           got.data ? got.data : "", got.len, want);
  return diff_buf;
}

/* Evaluates one comparison and returns its sentence from the enclosing
 * function when the field differs. */
#define RETURN_IF_DIFFERENT(expr) \
  do {                            \
    const char *why_ = (expr);    \
    if (why_) return why_;        \
  } while (0)

const char *bench_person_view_diff(const bench_person_view_t *v) {
  const bench_fixture_t *f = &bench_fixture;
  RETURN_IF_DIFFERENT(diff_int("id", v->id, f->id));
  RETURN_IF_DIFFERENT(diff_text("name", v->name, f->name));
  RETURN_IF_DIFFERENT(diff_text("email", v->email, f->email));
  if (v->score != f->score) {
    snprintf(diff_buf, sizeof diff_buf, "score is %.17g, want %.17g", v->score, f->score);
    return diff_buf;
  }
  RETURN_IF_DIFFERENT(diff_int("status", v->status, f->status));
  RETURN_IF_DIFFERENT(diff_int("samples count", (int64_t)v->sample_count, BENCH_SAMPLE_COUNT));
  char field[32];
  for (size_t i = 0; i < BENCH_SAMPLE_COUNT; i++) {
    snprintf(field, sizeof field, "samples[%zu]", i);
    RETURN_IF_DIFFERENT(diff_int(field, v->samples[i], f->samples[i]));
  }
  RETURN_IF_DIFFERENT(diff_int("address presence", v->has_address, 1));
  RETURN_IF_DIFFERENT(diff_text("address.street", v->street, f->street));
  RETURN_IF_DIFFERENT(diff_text("address.city", v->city, f->city));
  RETURN_IF_DIFFERENT(diff_text("address.country", v->country, f->country));
  RETURN_IF_DIFFERENT(diff_int("address.zip", v->zip, f->zip));
  RETURN_IF_DIFFERENT(diff_int("tags count", (int64_t)v->tag_count, BENCH_TAG_COUNT));
  for (size_t i = 0; i < BENCH_TAG_COUNT; i++) {
    snprintf(field, sizeof field, "tags[%zu]", i);
    RETURN_IF_DIFFERENT(diff_text(field, v->tags[i], f->tags[i]));
  }
  RETURN_IF_DIFFERENT(diff_int("verified", v->verified, f->verified));
  return NULL;
}

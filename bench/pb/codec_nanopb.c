/* bench/pb/codec_nanopb.c — nanopb in the protobuf benchmark.
 *
 * bench.options gives every string and repeated field a static size, so the
 * generated struct holds the whole message inline and no field needs a
 * callback: nanopb's fastest and most common configuration. Decoding
 * copies into one reused struct; encoding streams into the caller's buffer.
 */
#include <stdio.h>
#include <string.h>

#include <pb_decode.h>
#include <pb_encode.h>

#include "bench.pb.h"
#include "harness.h"

static bench_Person filled;
static bench_Person decoded;
static const bench_Person *current = &filled;

/* Fixture strings fit their arrays; snprintf keeps a longer one from
 * overflowing (and the verification then reports the difference). */
static void copy_string(char *dst, size_t cap, const char *src) { snprintf(dst, cap, "%s", src); }

static void fill(void) {
  const bench_fixture_t *f = &bench_fixture;
  filled = (bench_Person)bench_Person_init_zero;
  filled.id = f->id;
  copy_string(filled.name, sizeof filled.name, f->name);
  copy_string(filled.email, sizeof filled.email, f->email);
  filled.score = f->score;
  filled.status = bench_Status_STATUS_ACTIVE;
  filled.samples_count = BENCH_SAMPLE_COUNT;
  memcpy(filled.samples, f->samples, sizeof f->samples);
  filled.has_address = true;
  copy_string(filled.address.street, sizeof filled.address.street, f->street);
  copy_string(filled.address.city, sizeof filled.address.city, f->city);
  copy_string(filled.address.country, sizeof filled.address.country, f->country);
  filled.address.zip = f->zip;
  filled.tags_count = BENCH_TAG_COUNT;
  for (size_t i = 0; i < BENCH_TAG_COUNT; i++) {
    copy_string(filled.tags[i], sizeof filled.tags[i], f->tags[i]);
  }
  filled.verified = f->verified;
  current = &filled;
}

static int decode(const uint8_t *buf, size_t len) {
  pb_istream_t in = pb_istream_from_buffer(buf, len);
  current = &decoded;
  return pb_decode(&in, bench_Person_fields, &decoded) ? 0 : 1;
}

static void view(bench_person_view_t *v) {
  const bench_Person *p = current;
  v->id = p->id;
  v->name = bench_text_of(p->name);
  v->email = bench_text_of(p->email);
  v->score = p->score;
  v->status = (int32_t)p->status;
  v->samples = p->samples;
  v->sample_count = p->samples_count;
  v->has_address = p->has_address;
  v->street = bench_text_of(p->address.street);
  v->city = bench_text_of(p->address.city);
  v->country = bench_text_of(p->address.country);
  v->zip = p->address.zip;
  v->tag_count = p->tags_count;
  for (size_t i = 0; i < p->tags_count && i < BENCH_VIEW_MAX_TAGS; i++) {
    v->tags[i] = bench_text_of(p->tags[i]);
  }
  v->verified = p->verified;
}

static size_t encode(uint8_t *buf, size_t cap) {
  pb_ostream_t out = pb_ostream_from_buffer(buf, cap);
  return pb_encode(&out, bench_Person_fields, current) ? out.bytes_written : 0;
}

static const bench_codec_t codecs[] = {
    {.name = "nanopb",
     .fill = fill,
     .decode = decode,
     .view = view,
     .encode = encode,
     .time_encode = true},
};

int main(int argc, char **argv) {
  return bench_main(argc, argv, codecs, sizeof codecs / sizeof codecs[0]);
}

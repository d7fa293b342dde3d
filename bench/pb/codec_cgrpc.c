/* bench/pb/codec_cgrpc.c — cgrpc in the protobuf benchmark.
 *
 * Two codecs share the generated bench_Person and its encoder and differ
 * only in how they decode: cgrpc-copy copies strings into the arena, as the
 * peers copy them into memory of their own; cgrpc-alias
 * (CGRPC_PB_DECODE_ALIAS) points them into the input, which the caller keeps
 * alive. Either way the message tree lives in an arena that starts on a
 * buffer on main()'s stack and is reset before each decode, so a decode
 * never touches the heap.
 */
#include <stdio.h>
#include <string.h>

#include "bench.pb.h"
#include "cgrpc/arena.h"
#include "cgrpc/pb.h"
#include "harness.h"

static cgrpc_arena_t arena;
static bench_Person filled;
static bench_Address filled_address;
static cgrpc_str_t filled_tags[BENCH_TAG_COUNT];
static bench_Person decoded;
static const bench_Person *current = &filled;

static cgrpc_str_t str_of(const char *s) { return (cgrpc_str_t){s, strlen(s)}; }

static bench_text_t text_of(cgrpc_str_t s) { return (bench_text_t){s.data, s.len}; }

/* Repeated fields point at the fixture's arrays; capacity 0 marks them as
 * borrowed, so nothing would ever try to grow or free them. */
static void fill(void) {
  const bench_fixture_t *f = &bench_fixture;
  bench_Person_init(&filled);
  bench_Address_init(&filled_address);
  filled.id = f->id;
  filled.name = str_of(f->name);
  filled.email = str_of(f->email);
  filled.score = f->score;
  filled.status = bench_STATUS_ACTIVE;
  filled.samples.data = (int32_t *)f->samples;
  filled.samples.count = BENCH_SAMPLE_COUNT;
  filled.samples.capacity = 0;
  filled_address.street = str_of(f->street);
  filled_address.city = str_of(f->city);
  filled_address.country = str_of(f->country);
  filled_address.zip = f->zip;
  filled.address = &filled_address;
  for (size_t i = 0; i < BENCH_TAG_COUNT; i++) filled_tags[i] = str_of(f->tags[i]);
  filled.tags.data = filled_tags;
  filled.tags.count = BENCH_TAG_COUNT;
  filled.tags.capacity = 0;
  filled.verified = f->verified;
  current = &filled;
}

static int decode_with(const uint8_t *buf, size_t len, int options) {
  cgrpc_pb_error_t err;
  cgrpc_arena_reset(&arena, 1);
  bench_Person_init(&decoded);
  current = &decoded;
  if (bench_Person_decode(buf, len, &decoded, &arena, options, &err) == CGRPC_PB_OK) return 0;
  char why[256];
  cgrpc_pb_error_format(&err, why, sizeof why);
  fprintf(stderr, "bench: cgrpc: %s\n", why);
  return 1;
}

static int decode_copy(const uint8_t *buf, size_t len) { return decode_with(buf, len, 0); }

static int decode_alias(const uint8_t *buf, size_t len) {
  return decode_with(buf, len, CGRPC_PB_DECODE_ALIAS);
}

static void view(bench_person_view_t *v) {
  const bench_Person *p = current;
  v->id = p->id;
  v->name = text_of(p->name);
  v->email = text_of(p->email);
  v->score = p->score;
  v->status = (int32_t)p->status;
  v->samples = p->samples.data;
  v->sample_count = p->samples.count;
  if (p->address) {
    v->has_address = true;
    v->street = text_of(p->address->street);
    v->city = text_of(p->address->city);
    v->country = text_of(p->address->country);
    v->zip = p->address->zip;
  }
  v->tag_count = p->tags.count;
  for (size_t i = 0; i < p->tags.count && i < BENCH_VIEW_MAX_TAGS; i++) {
    v->tags[i] = text_of(p->tags.data[i]);
  }
  v->verified = p->verified;
}

static size_t encode(uint8_t *buf, size_t cap) {
  size_t len;
  return bench_Person_encode_to(current, buf, cap, 0, &len, NULL) == CGRPC_PB_OK ? len : 0;
}

static const bench_codec_t codecs[] = {
    {.name = "cgrpc-alias",
     .fill = fill,
     .decode = decode_alias,
     .view = view,
     .encode = encode,
     .time_encode = false},
    {.name = "cgrpc-copy",
     .fill = fill,
     .decode = decode_copy,
     .view = view,
     .encode = encode,
     .time_encode = true},
};

int main(int argc, char **argv) {
  /* Far more than a decoded Person needs: the arena never goes to the heap. */
  char arena_mem[4096];
  cgrpc_arena_init(&arena, arena_mem, sizeof arena_mem);
  int status = bench_main(argc, argv, codecs, sizeof codecs / sizeof codecs[0]);
  cgrpc_arena_free(&arena);
  return status;
}

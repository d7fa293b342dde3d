/* bench/pb/codec_protobuf_c.c — protobuf-c in the protobuf benchmark.
 *
 * Uses protobuf-c the way a program that cares about speed would. Decoding
 * goes through protobuf-c's allocator hook: a bump allocator over a static
 * buffer, rewound before each message, so unpack never calls malloc or free.
 * Encoding is pack-only into a buffer already known to be big enough,
 * without asking get_packed_size() first.
 */
#include <stdalign.h>

#include "bench.pb-c.h"
#include "harness.h"

typedef struct bump {
  alignas(16) uint8_t mem[4096];
  size_t used;
} bump_t;

static void *bump_alloc(void *data, size_t size) {
  bump_t *b = data;
  size = (size + 15) & ~(size_t)15;
  if (size > sizeof b->mem - b->used) return NULL;
  void *p = b->mem + b->used;
  b->used += size;
  return p;
}

/* Memory is reclaimed all at once by rewinding, never piece by piece. */
static void bump_free(void *data, void *p) {}

static bump_t bump;
static ProtobufCAllocator bump_allocator = {bump_alloc, bump_free, &bump};

static Bench__Person filled;
static Bench__Address filled_address;
static char *filled_tags[BENCH_TAG_COUNT];
static const Bench__Person *current = &filled;

/* protobuf-c's message structs take non-const pointers even for data that
 * pack() only reads, hence the casts from the fixture's constants. */
static void fill(void) {
  const bench_fixture_t *f = &bench_fixture;
  bench__person__init(&filled);
  bench__address__init(&filled_address);
  filled.id = f->id;
  filled.name = (char *)f->name;
  filled.email = (char *)f->email;
  filled.score = f->score;
  filled.status = BENCH__STATUS__STATUS_ACTIVE;
  filled.n_samples = BENCH_SAMPLE_COUNT;
  filled.samples = (int32_t *)f->samples;
  filled_address.street = (char *)f->street;
  filled_address.city = (char *)f->city;
  filled_address.country = (char *)f->country;
  filled_address.zip = f->zip;
  filled.address = &filled_address;
  for (size_t i = 0; i < BENCH_TAG_COUNT; i++) filled_tags[i] = (char *)f->tags[i];
  filled.n_tags = BENCH_TAG_COUNT;
  filled.tags = filled_tags;
  filled.verified = f->verified;
  current = &filled;
}

static int decode(const uint8_t *buf, size_t len) {
  bump.used = 0;
  Bench__Person *p = bench__person__unpack(&bump_allocator, len, buf);
  if (!p) return 1;
  current = p;
  return 0;
}

static void view(bench_person_view_t *v) {
  const Bench__Person *p = current;
  v->id = p->id;
  v->name = bench_text_of(p->name);
  v->email = bench_text_of(p->email);
  v->score = p->score;
  v->status = (int32_t)p->status;
  v->samples = p->samples;
  v->sample_count = p->n_samples;
  if (p->address) {
    v->has_address = true;
    v->street = bench_text_of(p->address->street);
    v->city = bench_text_of(p->address->city);
    v->country = bench_text_of(p->address->country);
    v->zip = p->address->zip;
  }
  v->tag_count = p->n_tags;
  for (size_t i = 0; i < p->n_tags && i < BENCH_VIEW_MAX_TAGS; i++) {
    v->tags[i] = bench_text_of(p->tags[i]);
  }
  v->verified = p->verified;
}

/* cap is not consulted: pack() writes unchecked, which the harness allows
 * for by giving a buffer far larger than the message. */
static size_t encode(uint8_t *buf, size_t cap) { return bench__person__pack(current, buf); }

static const bench_codec_t codecs[] = {
    {.name = "protobuf-c",
     .fill = fill,
     .decode = decode,
     .view = view,
     .encode = encode,
     .time_encode = true},
};

int main(int argc, char **argv) {
  return bench_main(argc, argv, codecs, sizeof codecs / sizeof codecs[0]);
}

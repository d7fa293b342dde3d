/* bench/pb/codec_cgrpc.c — cgrpc in the protobuf benchmark.
 *
 * Two codecs share the generated bench_Person and its encoder and differ
 * only in how they decode: cgrpc-copy copies strings into the arena, as the
 * peers copy them into memory of their own; cgrpc-alias
 * (CGRPC_PB_DECODE_ALIAS) points them into the input, which the caller keeps
 * alive. Either way the message tree lives in an arena that starts on a
 * buffer on main()'s stack and is reset before each decode, so a decode
 * never touches the heap.
 *
 * Two more, cgrpc-dyn-copy and cgrpc-dyn-alias, decode the same bytes into
 * a dynamic message: bench.Person known only by name, from a descriptor pool
 * that was given bench.proto's serialized descriptor (so its table is built
 * at run time, not the generated one). Their decode against cgrpc-copy's and
 * cgrpc-alias's is the dynamic-message goal (within 1.2x). They are checked
 * against the fixture like every codec, reading fields by name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.pb.h"
#include "cgrpc/arena.h"
#include "cgrpc/descriptor.h"
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

/* ---- Dynamic messages ---------------------------------------------------- */

static cgrpc_pool_t *pool;
static const cgrpc_msg_desc_t *person_desc;
static void *dyn_msg;

static int dyn_decode_with(const uint8_t *buf, size_t len, int options) {
  cgrpc_pb_error_t err;
  cgrpc_arena_reset(&arena, 1);
  const cgrpc_pb_msg_table_t *t = person_desc->table;
  dyn_msg = cgrpc_arena_alloc(&arena, t->size);
  if (!dyn_msg) return 1;
  cgrpc_pb_msg_init(dyn_msg, t);
  if (cgrpc_pb_decode(buf, len, dyn_msg, t, &arena, options, &err) == CGRPC_PB_OK) return 0;
  char why[256];
  cgrpc_pb_error_format(&err, why, sizeof why);
  fprintf(stderr, "bench: cgrpc dynamic: %s\n", why);
  return 1;
}

static int dyn_decode_copy(const uint8_t *buf, size_t len) { return dyn_decode_with(buf, len, 0); }

static int dyn_decode_alias(const uint8_t *buf, size_t len) {
  return dyn_decode_with(buf, len, CGRPC_PB_DECODE_ALIAS);
}

static const cgrpc_field_desc_t *field(const cgrpc_msg_desc_t *m, const char *name) {
  const cgrpc_field_desc_t *f = cgrpc_msg_desc_field(m, name);
  if (!f) {
    fprintf(stderr, "bench: bench.Person has no field %s\n", name);
    exit(1);
  }
  return f;
}

/* Read through the accessors, by field name, as a program that knows the
 * type only at run time would. */
static void dyn_view(bench_person_view_t *v) {
  const cgrpc_msg_desc_t *m = person_desc;
  v->id = cgrpc_dyn_get_int64(dyn_msg, field(m, "id"));
  v->name = text_of(cgrpc_dyn_get_str(dyn_msg, field(m, "name")));
  v->email = text_of(cgrpc_dyn_get_str(dyn_msg, field(m, "email")));
  v->score = cgrpc_dyn_get_double(dyn_msg, field(m, "score"));
  v->status = cgrpc_dyn_get_int32(dyn_msg, field(m, "status"));
  const cgrpc_field_desc_t *samples = field(m, "samples");
  v->samples = ((const cgrpc_pb_array_t *)((const char *)dyn_msg + samples->slot->offset))->data;
  v->sample_count = cgrpc_dyn_count(dyn_msg, samples);
  const cgrpc_field_desc_t *address = field(m, "address");
  const void *a = cgrpc_dyn_get_msg(dyn_msg, address);
  if (a) {
    const cgrpc_msg_desc_t *am = address->message;
    v->has_address = true;
    v->street = text_of(cgrpc_dyn_get_str(a, field(am, "street")));
    v->city = text_of(cgrpc_dyn_get_str(a, field(am, "city")));
    v->country = text_of(cgrpc_dyn_get_str(a, field(am, "country")));
    v->zip = cgrpc_dyn_get_int32(a, field(am, "zip"));
  }
  const cgrpc_field_desc_t *tags = field(m, "tags");
  v->tag_count = cgrpc_dyn_count(dyn_msg, tags);
  for (size_t i = 0; i < v->tag_count && i < BENCH_VIEW_MAX_TAGS; i++) {
    v->tags[i] = text_of(cgrpc_dyn_get_at(dyn_msg, tags, i).str);
  }
  v->verified = cgrpc_dyn_get_bool(dyn_msg, field(m, "verified"));
}

static size_t dyn_encode(uint8_t *buf, size_t cap) {
  size_t len;
  return cgrpc_pb_encode_to(dyn_msg, person_desc->table, buf, cap, 0, &len, NULL) == CGRPC_PB_OK
             ? len
             : 0;
}

static void dyn_fill(void) {
  /* Built by decoding the generated encoder's bytes of the fixture. */
  uint8_t buf[BENCH_WIRE_CAP];
  fill();
  size_t len = encode(buf, sizeof buf);
  if (!len || dyn_decode_copy(buf, len) != 0) {
    fprintf(stderr, "bench: cannot build the dynamic Person\n");
    exit(1);
  }
}

static void load_pool(void) {
  cgrpc_error_t err;
  if (cgrpc_pool_new(&pool, &err) != CGRPC_STATUS_OK ||
      cgrpc_pool_add_file(pool, bench_proto_file.descriptor,
                          bench_proto_file.descriptor_len, &err) != CGRPC_STATUS_OK) {
    fprintf(stderr, "bench: descriptor pool: %s\n", err.message);
    exit(1);
  }
  person_desc = cgrpc_pool_find_message(pool, "bench.Person");
  if (!person_desc || person_desc->table == &bench_Person_table) {
    fprintf(stderr, "bench: bench.Person has no run-time table\n");
    exit(1);
  }
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
    {.name = "cgrpc-dyn-alias",
     .fill = dyn_fill,
     .decode = dyn_decode_alias,
     .view = dyn_view,
     .encode = dyn_encode,
     .time_encode = false},
    {.name = "cgrpc-dyn-copy",
     .fill = dyn_fill,
     .decode = dyn_decode_copy,
     .view = dyn_view,
     .encode = dyn_encode,
     .time_encode = true},
};

int main(int argc, char **argv) {
  /* Far more than a decoded Person needs: the arena never goes to the heap. */
  char arena_mem[4096];
  cgrpc_arena_init(&arena, arena_mem, sizeof arena_mem);
  load_pool();
  int status = bench_main(argc, argv, codecs, sizeof codecs / sizeof codecs[0]);
  cgrpc_arena_free(&arena);
  cgrpc_pool_free(pool);
  return status;
}

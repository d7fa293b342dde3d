/* Dynamic messages against generated code: a descriptor set protoc wrote of
 * tests/proto is loaded into a pool (so its messages get run-time tables),
 * random messages filled through the generated tables are encoded, decoded
 * into dynamic messages, compared field by field through the cgrpc_dyn_*
 * accessors (the generated side read through a second pool that maps the
 * same files to their generated tables), and encoded back byte for byte.
 * Also: proto2 defaults, groups, maps, oneofs, extensions by number, the
 * accessors' checks, and copy / equal on dynamic messages. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgrpc/descriptor.h"
#include "cgrpc/pb.h"
#include "pbtest_schemas.h"
#include "random_message.h"
#include "test.h"

static uint8_t *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
  *len = buf ? fread(buf, 1, (size_t)n, f) : 0;
  fclose(f);
  return buf;
}

/* The pool of the descriptor set (dynamic tables). */
static cgrpc_pool_t *dynamic_pool(void) {
  cgrpc_pool_t *pool = NULL;
  cgrpc_error_t err = {{0}};
  CHECK_EQ_INT(cgrpc_pool_new(&pool, &err), CGRPC_STATUS_OK);
  size_t len = 0;
  uint8_t *set = read_file(REFLECT_DESC_SET, &len);
  CHECK(set != NULL);
  cgrpc_status_code_t code = cgrpc_pool_add_file_set(pool, set, len, &err);
  if (code) fprintf(stderr, "  add_file_set: %s\n", err.message);
  CHECK_EQ_INT(code, CGRPC_STATUS_OK);
  free(set);
  return pool;
}

/* The pool of the generated files (generated tables). */
static cgrpc_pool_t *generated_pool(void) {
  cgrpc_pool_t *pool = NULL;
  cgrpc_error_t err = {{0}};
  CHECK_EQ_INT(cgrpc_pool_new(&pool, &err), CGRPC_STATUS_OK);
  const cgrpc_pb_file_t *files[] = {&pbtest_proto2_proto_file, &pbtest_proto3_proto_file,
                                    &pbtest_evolution_v1_proto_file,
                                    &pbtest_evolution_v2_proto_file};
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    cgrpc_status_code_t code = cgrpc_pool_add_generated(pool, files[i], &err);
    if (code) fprintf(stderr, "  add_generated: %s\n", err.message);
    CHECK_EQ_INT(code, CGRPC_STATUS_OK);
  }
  return pool;
}

static bool same_value(const cgrpc_field_desc_t *f, cgrpc_dyn_value_t a, cgrpc_dyn_value_t b) {
  switch (cgrpc_dyn_kind_of(f->type)) {
    case CGRPC_DYN_STR:
      return a.str.len == b.str.len && (a.str.len == 0 || memcmp(a.str.data, b.str.data, a.str.len) == 0);
    case CGRPC_DYN_I64:
    case CGRPC_DYN_U64:
      return a.u64 == b.u64;
    case CGRPC_DYN_F64:
      return memcmp(&a.f64, &b.f64, sizeof(double)) == 0;
    case CGRPC_DYN_F32:
      return memcmp(&a.f32, &b.f32, sizeof(float)) == 0;
    case CGRPC_DYN_BOOL:
      return a.b == b.b;
    default:
      return a.u32 == b.u32;
  }
}

static int field_diffs;

/* Compares message `g` (read through generated-pool descriptor `gd`) with
 * `d` (dynamic-pool descriptor `dd`), field by field. */
static void compare(const cgrpc_msg_desc_t *gd, const void *g, const cgrpc_msg_desc_t *dd,
                    const void *d) {
  CHECK_EQ_STR(gd->full_name, dd->full_name);
  CHECK_EQ_UINT(gd->field_count, dd->field_count);
  for (size_t i = 0; i < dd->field_count; i++) {
    const cgrpc_field_desc_t *df = &dd->fields[i];
    const cgrpc_field_desc_t *gf = cgrpc_msg_desc_field(gd, df->name);
    if (!gf) {
      TEST_FAIL_("%s has no field %s", gd->full_name, df->name);
      continue;
    }
    int before = test_checks_failed_;
    CHECK_EQ_INT(cgrpc_dyn_has(g, gf), cgrpc_dyn_has(d, df));
    if (df->label == CGRPC_LABEL_REPEATED) {
      size_t n = cgrpc_dyn_count(d, df);
      CHECK_EQ_UINT(cgrpc_dyn_count(g, gf), n);
      for (size_t k = 0; k < n && k < cgrpc_dyn_count(g, gf); k++) {
        cgrpc_dyn_value_t a = cgrpc_dyn_get_at(g, gf, k), b = cgrpc_dyn_get_at(d, df, k);
        if (df->message) {
          compare(gf->message, a.msg, df->message, b.msg);
        } else {
          CHECK(same_value(df, a, b));
        }
      }
    } else if (df->message) {
      const void *a = cgrpc_dyn_get_msg(g, gf), *b = cgrpc_dyn_get_msg(d, df);
      CHECK_EQ_INT(a != NULL, b != NULL);
      if (a && b) compare(gf->message, a, df->message, b);
    } else {
      CHECK(same_value(df, cgrpc_dyn_get(g, gf), cgrpc_dyn_get(d, df)));
    }
    if (test_checks_failed_ != before && field_diffs++ < 5) {
      fprintf(stderr, "  ... in field %s\n", df->full_name);
    }
  }
}

static void roundtrip(const char *type, int seeds) {
  cgrpc_pool_t *dyn = dynamic_pool(), *gen = generated_pool();
  const cgrpc_msg_desc_t *dd = cgrpc_pool_find_message(dyn, type);
  const cgrpc_msg_desc_t *gd = cgrpc_pool_find_message(gen, type);
  const cgrpc_pb_msg_table_t *gt = pbtest_schema_find(type);
  CHECK(dd && gd && gt);
  if (!dd || !gd || !gt) return;
  CHECK(gd->table == gt);
  CHECK(dd->table != gt);
  CHECK(cgrpc_pool_find_message_by_table(gen, gt) == gd);
  for (int seed = 0; seed < seeds; seed++) {
    cgrpc_arena_t arena;
    cgrpc_arena_init(&arena, NULL, 0);
    pbt_rng_t rng;
    pbt_rng_seed(&rng, (uint64_t)seed);
    pbt_fill_options_t opts = {3, seed % 3 == 0};
    void *g = cgrpc_pb_msg_new(gt, &arena);
    CHECK(pbt_fill(&rng, g, gt, &arena, &opts));
    uint8_t *gb = NULL, *db = NULL;
    size_t gl = 0, dl = 0;
    CHECK_EQ_INT(cgrpc_pb_encode(g, gt, &arena, CGRPC_PB_ENCODE_DETERMINISTIC, &gb, &gl, NULL), 0);
    void *d = cgrpc_pb_msg_new(dd->table, &arena);
    cgrpc_pb_error_t pe;
    int rc = cgrpc_pb_decode(gb, gl, d, dd->table, &arena, 0, &pe);
    if (rc) {
      char why[200];
      cgrpc_pb_error_format(&pe, why, sizeof why);
      fprintf(stderr, "  seed %d: %s\n", seed, why);
    }
    CHECK_EQ_INT(rc, 0);
    /* Decoding normalises (e.g. repeated entries of one map key), so compare
     * against the generated code's own decode of the same bytes. */
    void *g2 = cgrpc_pb_msg_new(gt, &arena);
    CHECK_EQ_INT(cgrpc_pb_decode(gb, gl, g2, gt, &arena, 0, NULL), 0);
    compare(gd, g2, dd, d);
    CHECK_EQ_INT(cgrpc_pb_encode(d, dd->table, &arena, CGRPC_PB_ENCODE_DETERMINISTIC, &db, &dl, NULL), 0);
    CHECK_EQ_MEM(db, dl, gb, gl);
    CHECK_EQ_UINT(cgrpc_pb_encoded_size(d, dd->table, CGRPC_PB_ENCODE_DETERMINISTIC), dl);
    /* copy and equal run on dynamic tables too. */
    void *c = cgrpc_pb_msg_new(dd->table, &arena);
    CHECK_EQ_INT(cgrpc_pb_msg_copy(c, d, dd->table, &arena), 0);
    CHECK(cgrpc_pb_msg_equal(c, d, dd->table));
    cgrpc_arena_free(&arena);
  }
  cgrpc_pool_free(dyn);
  cgrpc_pool_free(gen);
}

static void test_proto3_roundtrip(void) { roundtrip("pbtest.p3.AllTypes", 60); }
static void test_proto2_roundtrip(void) { roundtrip("pbtest.p2.AllTypes2", 60); }
static void test_evolution_roundtrip(void) {
  roundtrip("pbtest.evo.v1.Record", 20);
  roundtrip("pbtest.evo.v2.Record", 20);
}

/* Every singular field of a fresh dynamic message holds the proto2 default
 * the generated code's default instance holds. */
static void test_proto2_defaults(void) {
  cgrpc_pool_t *dyn = dynamic_pool(), *gen = generated_pool();
  const cgrpc_msg_desc_t *dd = cgrpc_pool_find_message(dyn, "pbtest.p2.AllTypes2");
  const cgrpc_msg_desc_t *gd = cgrpc_pool_find_message(gen, "pbtest.p2.AllTypes2");
  CHECK(dd && gd && dd->table->default_instance);
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  void *d = cgrpc_pb_msg_new(dd->table, &arena), *g = cgrpc_pb_msg_new(gd->table, &arena);
  compare(gd, g, dd, d);
  const cgrpc_field_desc_t *f = cgrpc_msg_desc_field(dd, "d_string");
  cgrpc_str_t s = cgrpc_dyn_get_str(d, f);
  /* A string default ends at its first NUL, as in the generated code. */
  CHECK_EQ_MEM(s.data, s.len, "say \"hi\"\n\303\251", 11);
  CHECK_EQ_STR(f->default_text, "say \"hi\"\n\303\251");
  f = cgrpc_msg_desc_field(dd, "d_bytes");
  s = cgrpc_dyn_get_str(d, f);
  CHECK_EQ_MEM(s.data, s.len, "\000\001\377abc", 6);
  CHECK_EQ_INT(cgrpc_dyn_get_int32(d, cgrpc_msg_desc_field(dd, "d_enum")), -5);
  CHECK_EQ_INT(cgrpc_dyn_get_int64(d, cgrpc_msg_desc_field(dd, "d_sint64")), INT64_MIN);
  CHECK(isnan(cgrpc_dyn_get_double(d, cgrpc_msg_desc_field(dd, "d_nan"))));
  CHECK(signbit(cgrpc_dyn_get_double(d, cgrpc_msg_desc_field(dd, "d_neg_zero"))));
  CHECK(!cgrpc_dyn_has(d, cgrpc_msg_desc_field(dd, "d_int32")));
  /* Setting and clearing goes back to the default, not to zero. */
  f = cgrpc_msg_desc_field(dd, "d_int32");
  CHECK_EQ_INT(cgrpc_dyn_set_int32(d, f, 7, NULL), CGRPC_STATUS_OK);
  CHECK(cgrpc_dyn_has(d, f));
  CHECK_EQ_INT(cgrpc_dyn_get_int32(d, f), 7);
  cgrpc_dyn_clear(d, f);
  CHECK(!cgrpc_dyn_has(d, f));
  CHECK_EQ_INT(cgrpc_dyn_get_int32(d, f), -42);
  cgrpc_arena_free(&arena);
  cgrpc_pool_free(dyn);
  cgrpc_pool_free(gen);
}

static void test_descriptors(void) {
  cgrpc_pool_t *dyn = dynamic_pool();
  const cgrpc_msg_desc_t *m = cgrpc_pool_find_message(dyn, "pbtest.p2.AllTypes2");
  CHECK(m != NULL);
  if (!m) return;
  CHECK_EQ_STR(m->file->name, "pbtest/proto2.proto");
  CHECK(!m->file->proto3);
  const cgrpc_field_desc_t *g = cgrpc_msg_desc_field(m, "optgroup");
  CHECK(g && g->type == CGRPC_PB_GROUP && g->message);
  CHECK_EQ_STR(g->message->full_name, "pbtest.p2.AllTypes2.OptGroup");
  const cgrpc_field_desc_t *map = cgrpc_msg_desc_field_by_number(m, 92);
  CHECK(map && map->is_map && map->label == CGRPC_LABEL_REPEATED);
  CHECK_EQ_STR(map->json_name, "mStringMode");
  CHECK(cgrpc_msg_desc_field_by_json_name(m, "mStringMode") == map);
  CHECK(map->message->map_entry);
  CHECK_EQ_INT(map->message->fields[0].type, CGRPC_PB_STRING);
  CHECK(map->message->fields[1].enum_type && map->message->fields[1].enum_type->closed);
  const cgrpc_field_desc_t *c = cgrpc_msg_desc_field(m, "c_inner");
  CHECK(c && c->oneof && c->has_presence);
  CHECK_EQ_STR(c->oneof->name, "choice");
  CHECK_EQ_UINT(c->oneof->field_count, 4);
  const cgrpc_field_desc_t *p = cgrpc_msg_desc_field(m, "p_enum");
  CHECK(p && p->packed);
  const cgrpc_field_desc_t *e = cgrpc_pool_find_extension_by_number(dyn, "pbtest.p2.AllTypes2", 102);
  CHECK(e && e->is_extension && e->message && e->containing == m);
  if (e) CHECK_EQ_STR(e->full_name, "pbtest.p2.ext_inner");
  CHECK(cgrpc_pool_find_extension(dyn, "pbtest.p2.ext_packed") != NULL);
  const cgrpc_field_desc_t *exts[8];
  CHECK_EQ_UINT(cgrpc_pool_extensions_of(dyn, "pbtest.p2.AllTypes2", exts, 8), 4);
  CHECK_EQ_UINT(exts[0]->number, 100);
  CHECK_EQ_STR(cgrpc_pool_find_file_containing(dyn, "pbtest.p2.ext_int32")->name,
               "pbtest/proto2.proto");
  CHECK_EQ_STR(cgrpc_pool_find_file_containing(dyn, "pbtest.p2.AllTypes2.Level")->name,
               "pbtest/proto2.proto");
  const cgrpc_enum_desc_t *k = cgrpc_pool_find_enum(dyn, "pbtest.p2.Kind");
  CHECK(k && k->closed && k->value_count == 4);
  CHECK_EQ_INT(cgrpc_enum_desc_value(k, "KIND_NEG")->number, -5);
  CHECK_EQ_STR(cgrpc_enum_desc_value_by_number(k, 1000000)->name, "KIND_BIG");
  /* proto3 optional: presence, a synthetic oneof, no `oneof` on the field. */
  const cgrpc_msg_desc_t *p3 = cgrpc_pool_find_message(dyn, "pbtest.p3.AllTypes");
  for (size_t i = 0; p3 && i < p3->field_count; i++) {
    const cgrpc_field_desc_t *f = &p3->fields[i];
    if (f->proto3_optional) CHECK(f->has_presence && !f->oneof);
  }
  cgrpc_pool_free(dyn);
}

/* Field access on a dynamic message built from nothing, then encoded and
 * decoded with the generated code. */
static void test_build_by_name(void) {
  cgrpc_pool_t *dyn = dynamic_pool();
  const cgrpc_msg_desc_t *m = cgrpc_pool_find_message(dyn, "pbtest.p2.AllTypes2");
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  void *msg = cgrpc_pb_msg_new(m->table, &arena);
  cgrpc_error_t err;
  CHECK_EQ_INT(cgrpc_dyn_set_int32(msg, cgrpc_msg_desc_field(m, "req_int32"), 9, &err), 0);
  CHECK_EQ_INT(cgrpc_dyn_set_str(msg, cgrpc_msg_desc_field(m, "req_string"), CGRPC_STR("r"), &err), 0);
  void *inner = NULL;
  const cgrpc_field_desc_t *rf = cgrpc_msg_desc_field(m, "req_inner");
  CHECK_EQ_INT(cgrpc_dyn_mutable_msg(msg, rf, &arena, &inner, &err), 0);
  CHECK(inner && cgrpc_dyn_get_msg(msg, rf) == inner);
  CHECK_EQ_INT(cgrpc_dyn_set_int32(inner, cgrpc_msg_desc_field(rf->message, "id"), 5, &err), 0);
  /* Wrong kind, closed enum value not defined, repeated through set. */
  CHECK_EQ_INT(cgrpc_dyn_set_int64(msg, cgrpc_msg_desc_field(m, "req_int32"), 1, &err),
               CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK(strstr(err.message, "pbtest.p2.AllTypes2.req_int32") != NULL);
  CHECK_EQ_INT(cgrpc_dyn_set_int32(msg, cgrpc_msg_desc_field(m, "d_enum"), 3, &err),
               CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK(strstr(err.message, "has no value 3") != NULL);
  const cgrpc_field_desc_t *rs = cgrpc_msg_desc_field(m, "r_string");
  CHECK(rs != NULL);
  CHECK_EQ_INT(cgrpc_dyn_set_str(msg, rs, CGRPC_STR("x"), &err), CGRPC_STATUS_INVALID_ARGUMENT);
  cgrpc_dyn_value_t v = {.str = CGRPC_STR("a")};
  CHECK_EQ_INT(cgrpc_dyn_add(msg, rs, CGRPC_DYN_STR, v, &arena, NULL, &err), 0);
  v.str = CGRPC_STR("b");
  CHECK_EQ_INT(cgrpc_dyn_add(msg, rs, CGRPC_DYN_STR, v, &arena, NULL, &err), 0);
  CHECK_EQ_UINT(cgrpc_dyn_count(msg, rs), 2);
  CHECK_EQ_MEM(cgrpc_dyn_get_at(msg, rs, 1).str.data, 1, "b", 1);
  /* A repeated group element, created empty. */
  const cgrpc_field_desc_t *rg = cgrpc_msg_desc_field(m, "repgroup");
  void *grp = NULL;
  v.msg = NULL;
  CHECK_EQ_INT(cgrpc_dyn_add(msg, rg, CGRPC_DYN_MSG, v, &arena, &grp, &err), 0);
  CHECK(grp != NULL);
  CHECK_EQ_INT(cgrpc_dyn_set_int32(grp, cgrpc_msg_desc_field(rg->message, "g_id"), 77, &err), 0);
  /* Oneof: setting one member replaces the other. */
  const cgrpc_field_desc_t *ci = cgrpc_msg_desc_field(m, "c_int32");
  const cgrpc_field_desc_t *cs = cgrpc_msg_desc_field(m, "c_string");
  CHECK_EQ_INT(cgrpc_dyn_set_int32(msg, ci, 4, &err), 0);
  CHECK(cgrpc_dyn_which_oneof(msg, ci->oneof) == ci);
  CHECK_EQ_INT(cgrpc_dyn_set_str(msg, cs, CGRPC_STR("s"), &err), 0);
  CHECK(cgrpc_dyn_which_oneof(msg, ci->oneof) == cs);
  CHECK(!cgrpc_dyn_has(msg, ci));
  CHECK_EQ_INT(cgrpc_dyn_get_int32(msg, ci), 0);
  /* Map: put, replace, get. */
  const cgrpc_field_desc_t *mm = cgrpc_msg_desc_field(m, "m_string_mode");
  cgrpc_dyn_value_t key = {.str = CGRPC_STR("k")}, val = {.i32 = 2}, out;
  CHECK_EQ_INT(cgrpc_dyn_map_put(msg, mm, key, val, &arena, &err), 0);
  val.i32 = 1;
  CHECK_EQ_INT(cgrpc_dyn_map_put(msg, mm, key, val, &arena, &err), 0);
  val.i32 = 9;
  CHECK_EQ_INT(cgrpc_dyn_map_put(msg, mm, key, val, &arena, &err), CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK_EQ_UINT(cgrpc_dyn_count(msg, mm), 1);
  CHECK(cgrpc_dyn_map_get(msg, mm, key, &out) && out.i32 == 1);
  key.str = CGRPC_STR("none");
  CHECK(!cgrpc_dyn_map_get(msg, mm, key, &out));

  uint8_t *bytes;
  size_t len;
  CHECK_EQ_INT(cgrpc_pb_encode(msg, m->table, &arena, 0, &bytes, &len, NULL), 0);
  pbtest_p2_AllTypes2 *g = pbtest_p2_AllTypes2_new(&arena);
  CHECK_EQ_INT(pbtest_p2_AllTypes2_decode(bytes, len, g, &arena, 0, NULL), 0);
  CHECK_EQ_INT(g->req_int32, 9);
  CHECK(g->req_inner && g->req_inner->id == 5);
  CHECK_EQ_UINT(g->r_string.count, 2);
  CHECK_EQ_UINT(g->repgroup.count, 1);
  if (g->repgroup.count) CHECK_EQ_INT(g->repgroup.data[0]->g_id, 77);
  CHECK_EQ_INT(g->choice_case, 81);
  CHECK_EQ_UINT(g->m_string_mode.count, 1);
  cgrpc_arena_free(&arena);
  cgrpc_pool_free(dyn);
}

/* proto3 strings must be UTF-8, through the setter and through decoding. */
static void test_proto3_utf8(void) {
  cgrpc_pool_t *dyn = dynamic_pool();
  const cgrpc_msg_desc_t *m = cgrpc_pool_find_message(dyn, "pbtest.p3.AllTypes");
  const cgrpc_field_desc_t *f = NULL;
  for (size_t i = 0; m && i < m->field_count && !f; i++) {
    if (m->fields[i].type == CGRPC_PB_STRING && m->fields[i].label != CGRPC_LABEL_REPEATED &&
        !m->fields[i].oneof) {
      f = &m->fields[i];
    }
  }
  CHECK(f != NULL);
  if (!f) return;
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  void *msg = cgrpc_pb_msg_new(m->table, &arena);
  cgrpc_str_t bad = {"\xff", 1};
  CHECK_EQ_INT(cgrpc_dyn_set_str(msg, f, bad, NULL), CGRPC_STATUS_INVALID_ARGUMENT);
  uint8_t wire[8] = {(uint8_t)(f->number << 3 | 2), 1, 0xff};
  CHECK(f->number < 16);
  CHECK_EQ_INT(cgrpc_pb_decode(wire, 3, msg, m->table, &arena, 0, NULL), CGRPC_PB_ERR_BAD_UTF8);
  cgrpc_arena_free(&arena);
  cgrpc_pool_free(dyn);
}

int main(void) {
  TEST_RUN(test_proto3_roundtrip);
  TEST_RUN(test_proto2_roundtrip);
  TEST_RUN(test_evolution_roundtrip);
  TEST_RUN(test_proto2_defaults);
  TEST_RUN(test_descriptors);
  TEST_RUN(test_build_by_name);
  TEST_RUN(test_proto3_utf8);
  return TEST_DONE();
}

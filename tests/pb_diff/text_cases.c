/* text_cases.c — expected values of text/proto3_all.txtpb and
 * text/proto2_all.txtpb, as checks of a decoded message and as builders.
 *
 * Written from the text files by hand, not generated from them: the point is
 * an independent statement of what each line of text means in the C structs
 * (which member, which presence flag, which bits), so keep the three in step.
 */
#include "text_cases.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "pbtest_schemas.h"

/* ---- Helpers ------------------------------------------------------------ */

static int failures;

#define EXPECT(cond)                                                           \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "FAIL %s:%d: expected %s\n", __FILE__, __LINE__, #cond); \
      failures++;                                                              \
    }                                                                          \
  } while (0)

/* A string or bytes value equals a literal (which may hold NULs). */
#define STR_IS(s, lit) str_is((s), (lit), sizeof(lit) - 1)
static bool str_is(cgrpc_str_t s, const char *lit, size_t len) {
  return s.len == len && (len == 0 || memcmp(s.data, lit, len) == 0);
}

static uint64_t bits_of(double d) {
  uint64_t u;
  memcpy(&u, &d, sizeof u);
  return u;
}

/* Arrays: copy a local array into the arena and point the field at it. */
static void *dup_values(cgrpc_arena_t *a, const void *src, size_t size) {
  return cgrpc_arena_memdup(a, src, size);
}
#define SET_REPEATED(field, arena, values)                       \
  ((field).data = dup_values((arena), (values), sizeof(values)), \
   (field).count = (field).capacity = sizeof(values) / sizeof((values)[0]))

#define ARRAY_IS(field, values)                             \
  ((field).count == sizeof(values) / sizeof((values)[0]) && \
   memcmp((field).data, (values), sizeof(values)) == 0)

static bool strs_are(const cgrpc_str_t *got, size_t count, const cgrpc_str_t *want, size_t n) {
  if (count != n) return false;
  for (size_t i = 0; i < n; i++) {
    if (got[i].len != want[i].len || memcmp(got[i].data, want[i].data, want[i].len) != 0)
      return false;
  }
  return true;
}
#define STRS_ARE(field, values) \
  strs_are((field).data, (field).count, (values), sizeof(values) / sizeof((values)[0]))

/* Maps are checked by key, since their order on the wire is not defined. */
#define FIND_ENTRY(field, match) find_entry((void *const *)(field).data, (field).count, (match))

/* ---- proto3_all --------------------------------------------------------- */

typedef pbtest_p3_AllTypes p3_t;

static bool p3_int32_key_minus1(const void *e) {
  return ((const pbtest_p3_AllTypes_MInt32Int32Entry *)e)->key == -1;
}
static bool p3_int32_key_0(const void *e) {
  return ((const pbtest_p3_AllTypes_MInt32Int32Entry *)e)->key == 0;
}

static const void *find_entry(void *const *entries, size_t n, bool (*match)(const void *)) {
  for (size_t i = 0; i < n; i++) {
    if (match(entries[i])) return entries[i];
  }
  return NULL;
}

static int check_proto3(const void *msg) {
  const p3_t *m = msg;
  failures = 0;
  EXPECT(m->_unknown.len == 0);
  EXPECT(m->f_double == -2.5);
  EXPECT(m->f_float == 0.125f);
  EXPECT(m->f_int32 == -123);
  EXPECT(m->f_int64 == -9000000000);
  EXPECT(m->f_uint32 == 4000000000u);
  EXPECT(m->f_uint64 == UINT64_C(18000000000000000000));
  EXPECT(m->f_sint32 == INT32_MIN);
  EXPECT(m->f_sint64 == INT64_MAX);
  EXPECT(m->f_fixed32 == UINT32_MAX);
  EXPECT(m->f_fixed64 == 1);
  EXPECT(m->f_sfixed32 == -1);
  EXPECT(m->f_sfixed64 == INT64_MIN);
  EXPECT(m->f_bool);
  EXPECT(STR_IS(m->f_string, "h\303\251llo \360\237\230\200"));
  EXPECT(STR_IS(m->f_bytes, "\000\001\377"));
  EXPECT(m->f_enum == pbtest_p3_INFRARED);
  EXPECT(m->f_nested && m->f_nested->a == 7 && STR_IS(m->f_nested->note, "in"));
  EXPECT(m->f_nested && m->f_nested->corecursive && m->f_nested->corecursive->f_int32 == 1);
  EXPECT(m->f_nested_enum == pbtest_p3_AllTypes_NESTED_MAX);

  EXPECT(m->has_o_double && bits_of(m->o_double) == bits_of(-0.0));
  EXPECT(m->has_o_int32 && m->o_int32 == 0);
  EXPECT(m->has_o_uint64 && m->o_uint64 == 0);
  EXPECT(m->has_o_bool && !m->o_bool);
  EXPECT(m->has_o_string && m->o_string.len == 0);
  EXPECT(m->has_o_enum && m->o_enum == pbtest_p3_COLOR_UNSPECIFIED);
  EXPECT(!m->has_o_float && !m->has_o_int64 && !m->has_o_bytes && !m->has_o_sfixed64);
  EXPECT(m->o_nested != NULL && m->o_nested->a == 0 && m->o_nested->corecursive == NULL);

  EXPECT(m->r_double.count == 3 && m->r_double.data[0] == 1.5 && isinf(m->r_double.data[1]) &&
         bits_of(m->r_double.data[2]) == bits_of(-0.0));
  const int32_t r_int32[] = {1, -1, 300};
  EXPECT(ARRAY_IS(m->r_int32, r_int32));
  const int64_t r_sint64[] = {-5, 5};
  EXPECT(ARRAY_IS(m->r_sint64, r_sint64));
  const uint64_t r_fixed64[] = {0, UINT64_MAX};
  EXPECT(ARRAY_IS(m->r_fixed64, r_fixed64));
  EXPECT(m->r_bool.count == 3 && m->r_bool.data[0] && !m->r_bool.data[1] && m->r_bool.data[2]);
  const cgrpc_str_t r_string[] = {{"a", 1}, {"", 0}};
  EXPECT(STRS_ARE(m->r_string, r_string));
  const cgrpc_str_t r_bytes[] = {{"\377", 1}};
  EXPECT(STRS_ARE(m->r_bytes, r_bytes));
  const int32_t r_enum[] = {pbtest_p3_RED, pbtest_p3_BLUE, 42};
  EXPECT(ARRAY_IS(m->r_enum, r_enum));
  EXPECT(m->r_nested.count == 2 && m->r_nested.data[0]->a == 1 && m->r_nested.data[1]->a == 0);
  EXPECT(m->u_float.count == 1 && m->u_float.data[0] == -1.0f);
  const uint32_t u_uint32[] = {0, UINT32_MAX};
  EXPECT(ARRAY_IS(m->u_uint32, u_uint32));
  const uint32_t u_fixed32[] = {7, 8};
  EXPECT(ARRAY_IS(m->u_fixed32, u_fixed32));
  EXPECT(m->u_bool.count == 2 && m->u_bool.data[0] && !m->u_bool.data[1]);
  const int32_t u_enum[] = {pbtest_p3_INFRARED};
  EXPECT(ARRAY_IS(m->u_enum, u_enum));
  EXPECT(m->r_float.count == 0 && m->u_int64.count == 0 && m->children.count == 0);

  EXPECT(m->child && STR_IS(m->child->f_string, "child") && m->child->children.count == 1 &&
         m->child->children.data[0]->f_int32 == 3);
  EXPECT(m->choice_case == pbtest_p3_AllTypes_choice_c_string &&
         STR_IS(m->choice.c_string, "oneof"));

  EXPECT(m->m_int32_int32.count == 2);
  const pbtest_p3_AllTypes_MInt32Int32Entry *e1 = FIND_ENTRY(m->m_int32_int32, p3_int32_key_minus1);
  const pbtest_p3_AllTypes_MInt32Int32Entry *e0 = FIND_ENTRY(m->m_int32_int32, p3_int32_key_0);
  EXPECT(e1 && e1->value == 1);
  EXPECT(e0 && e0->value == 0);
  EXPECT(m->m_sint64_sint64.count == 1 && m->m_sint64_sint64.data[0]->key == -9 &&
         m->m_sint64_sint64.data[0]->value == 9);
  EXPECT(m->m_fixed32_fixed32.count == 1 && m->m_fixed32_fixed32.data[0]->key == 1 &&
         m->m_fixed32_fixed32.data[0]->value == 2);
  EXPECT(m->m_bool_bool.count == 1 && !m->m_bool_bool.data[0]->key &&
         m->m_bool_bool.data[0]->value);
  EXPECT(m->m_string_string.count == 1 && STR_IS(m->m_string_string.data[0]->key, "") &&
         STR_IS(m->m_string_string.data[0]->value, "empty key"));
  EXPECT(m->m_string_nested.count == 1 && STR_IS(m->m_string_nested.data[0]->key, "k") &&
         m->m_string_nested.data[0]->value && m->m_string_nested.data[0]->value->a == 9);
  EXPECT(m->m_int32_enum.count == 1 && m->m_int32_enum.data[0]->key == 5 &&
         m->m_int32_enum.data[0]->value == pbtest_p3_GREEN);
  EXPECT(m->m_uint64_all.count == 1 && m->m_uint64_all.data[0]->key == 1 &&
         m->m_uint64_all.data[0]->value && m->m_uint64_all.data[0]->value->f_bool);
  EXPECT(m->m_int64_int64.count == 0 && m->m_string_bytes.count == 0);

  EXPECT(m->tag_2047 == -1);
  EXPECT(STR_IS(m->tag_2048, "x"));
  EXPECT(m->tag_262144 == 262144);
  const int32_t tag_33554432[] = {1, 2};
  EXPECT(ARRAY_IS(m->tag_33554432, tag_33554432));
  EXPECT(STR_IS(m->tag_max, "end"));
  return failures;
}

static void *new_entry(const cgrpc_pb_msg_table_t *t, cgrpc_arena_t *a, void ***slot) {
  void **data = cgrpc_arena_alloc(a, sizeof(void *));
  *data = cgrpc_pb_msg_new(t, a);
  *slot = data;
  return *data;
}

#define ONE_ENTRY(field, type, arena)    \
  ((field).count = (field).capacity = 1, \
   (type *)new_entry(&type##_table, (arena), (void ***)&(field).data))

static void build_proto3(void *msg, cgrpc_arena_t *a) {
  p3_t *m = msg;
  m->f_double = -2.5;
  m->f_float = 0.125f;
  m->f_int32 = -123;
  m->f_int64 = -9000000000;
  m->f_uint32 = 4000000000u;
  m->f_uint64 = UINT64_C(18000000000000000000);
  m->f_sint32 = INT32_MIN;
  m->f_sint64 = INT64_MAX;
  m->f_fixed32 = UINT32_MAX;
  m->f_fixed64 = 1;
  m->f_sfixed32 = -1;
  m->f_sfixed64 = INT64_MIN;
  m->f_bool = true;
  m->f_string = CGRPC_STR("h\303\251llo \360\237\230\200");
  m->f_bytes = CGRPC_STR("\000\001\377");
  m->f_enum = pbtest_p3_INFRARED;
  m->f_nested = pbtest_p3_Nested_new(a);
  m->f_nested->a = 7;
  m->f_nested->note = CGRPC_STR("in");
  m->f_nested->corecursive = pbtest_p3_AllTypes_new(a);
  m->f_nested->corecursive->f_int32 = 1;
  m->f_nested_enum = pbtest_p3_AllTypes_NESTED_MAX;

  m->o_double = -0.0;
  m->has_o_double = true;
  m->has_o_int32 = true;
  m->has_o_uint64 = true;
  m->has_o_bool = true;
  m->has_o_string = true;
  m->has_o_enum = true;
  m->o_nested = pbtest_p3_Nested_new(a);

  const double r_double[] = {1.5, INFINITY, -0.0};
  SET_REPEATED(m->r_double, a, r_double);
  const int32_t r_int32[] = {1, -1, 300};
  SET_REPEATED(m->r_int32, a, r_int32);
  const int64_t r_sint64[] = {-5, 5};
  SET_REPEATED(m->r_sint64, a, r_sint64);
  const uint64_t r_fixed64[] = {0, UINT64_MAX};
  SET_REPEATED(m->r_fixed64, a, r_fixed64);
  const bool r_bool[] = {true, false, true};
  SET_REPEATED(m->r_bool, a, r_bool);
  const cgrpc_str_t r_string[] = {{"a", 1}, {"", 0}};
  SET_REPEATED(m->r_string, a, r_string);
  const cgrpc_str_t r_bytes[] = {{"\377", 1}};
  SET_REPEATED(m->r_bytes, a, r_bytes);
  const int32_t r_enum[] = {pbtest_p3_RED, pbtest_p3_BLUE, 42};
  SET_REPEATED(m->r_enum, a, r_enum);
  pbtest_p3_Nested *r_nested[] = {pbtest_p3_Nested_new(a), pbtest_p3_Nested_new(a)};
  r_nested[0]->a = 1;
  SET_REPEATED(m->r_nested, a, r_nested);
  const float u_float[] = {-1.0f};
  SET_REPEATED(m->u_float, a, u_float);
  const uint32_t u_uint32[] = {0, UINT32_MAX};
  SET_REPEATED(m->u_uint32, a, u_uint32);
  const uint32_t u_fixed32[] = {7, 8};
  SET_REPEATED(m->u_fixed32, a, u_fixed32);
  const bool u_bool[] = {true, false};
  SET_REPEATED(m->u_bool, a, u_bool);
  const int32_t u_enum[] = {pbtest_p3_INFRARED};
  SET_REPEATED(m->u_enum, a, u_enum);

  m->child = pbtest_p3_AllTypes_new(a);
  m->child->f_string = CGRPC_STR("child");
  pbtest_p3_AllTypes *grandchild[] = {pbtest_p3_AllTypes_new(a)};
  grandchild[0]->f_int32 = 3;
  SET_REPEATED(m->child->children, a, grandchild);
  m->choice_case = pbtest_p3_AllTypes_choice_c_string;
  m->choice.c_string = CGRPC_STR("oneof");

  pbtest_p3_AllTypes_MInt32Int32Entry *ints[] = {pbtest_p3_AllTypes_MInt32Int32Entry_new(a),
                                                 pbtest_p3_AllTypes_MInt32Int32Entry_new(a)};
  ints[0]->key = -1;
  ints[0]->value = 1;
  SET_REPEATED(m->m_int32_int32, a, ints);
  pbtest_p3_AllTypes_MSint64Sint64Entry *s64 =
      ONE_ENTRY(m->m_sint64_sint64, pbtest_p3_AllTypes_MSint64Sint64Entry, a);
  s64->key = -9;
  s64->value = 9;
  pbtest_p3_AllTypes_MFixed32Fixed32Entry *f32 =
      ONE_ENTRY(m->m_fixed32_fixed32, pbtest_p3_AllTypes_MFixed32Fixed32Entry, a);
  f32->key = 1;
  f32->value = 2;
  ONE_ENTRY(m->m_bool_bool, pbtest_p3_AllTypes_MBoolBoolEntry, a)->value = true;
  ONE_ENTRY(m->m_string_string, pbtest_p3_AllTypes_MStringStringEntry, a)->value =
      CGRPC_STR("empty key");
  pbtest_p3_AllTypes_MStringNestedEntry *sn =
      ONE_ENTRY(m->m_string_nested, pbtest_p3_AllTypes_MStringNestedEntry, a);
  sn->key = CGRPC_STR("k");
  sn->value = pbtest_p3_Nested_new(a);
  sn->value->a = 9;
  pbtest_p3_AllTypes_MInt32EnumEntry *ie =
      ONE_ENTRY(m->m_int32_enum, pbtest_p3_AllTypes_MInt32EnumEntry, a);
  ie->key = 5;
  ie->value = pbtest_p3_GREEN;
  pbtest_p3_AllTypes_MUint64AllEntry *ua =
      ONE_ENTRY(m->m_uint64_all, pbtest_p3_AllTypes_MUint64AllEntry, a);
  ua->key = 1;
  ua->value = pbtest_p3_AllTypes_new(a);
  ua->value->f_bool = true;

  m->tag_2047 = -1;
  m->tag_2048 = CGRPC_STR("x");
  m->tag_262144 = 262144;
  const int32_t tag_33554432[] = {1, 2};
  SET_REPEATED(m->tag_33554432, a, tag_33554432);
  m->tag_max = CGRPC_STR("end");
}

/* ---- proto2_all --------------------------------------------------------- */

typedef pbtest_p2_AllTypes2 p2_t;

/* [pbtest.p2.ext_int32]: 42 and [pbtest.p2.ext_strings]: "e1", which cgrpc
 * keeps as unknown fields: tag 100 varint, tag 101 length-delimited. */
static const char kExtensions[] =
    "\xa0\x06\x2a\xaa\x06\x02"
    "e1";

static int check_proto2(const void *msg) {
  const p2_t *m = msg;
  failures = 0;
  EXPECT(STR_IS(m->_unknown, kExtensions));
  EXPECT(m->has_req_int32 && m->req_int32 == 1);
  EXPECT(m->has_req_string && STR_IS(m->req_string, "r"));
  EXPECT(m->req_inner && m->req_inner->has_id && m->req_inner->id == 5 && m->req_inner->has_label &&
         STR_IS(m->req_inner->label, "five"));
  EXPECT(m->req_inner && m->req_inner->next && m->req_inner->next->id == 6 &&
         !m->req_inner->next->has_label && m->req_inner->next->next == NULL);
  /* Set fields replace their defaults; unset ones keep them. */
  EXPECT(m->has_d_double && bits_of(m->d_double) == bits_of(0.0));
  EXPECT(m->has_d_int64 && m->d_int64 == 7);
  EXPECT(m->has_d_uint64 && m->d_uint64 == 0);
  EXPECT(m->has_d_bool && !m->d_bool);
  EXPECT(m->has_d_string && m->d_string.len == 0);
  EXPECT(m->has_d_bytes && STR_IS(m->d_bytes, "b"));
  EXPECT(m->has_d_enum && m->d_enum == pbtest_p2_KIND_BIG);
  EXPECT(m->has_d_level && m->d_level == pbtest_p2_AllTypes2_LEVEL_LOW);
  EXPECT(m->has_d_neg_zero && bits_of(m->d_neg_zero) == 0);
  EXPECT(!m->has_d_float && m->d_float == 1.25e-3f);
  EXPECT(!m->has_d_int32 && m->d_int32 == -42);
  EXPECT(!m->has_d_uint32 && m->d_uint32 == 4000000000u);
  EXPECT(!m->has_d_sint32 && m->d_sint32 == INT32_MIN);
  EXPECT(!m->has_d_sint64 && m->d_sint64 == INT64_MIN);
  EXPECT(!m->has_d_fixed32 && m->d_fixed32 == UINT32_MAX);
  EXPECT(!m->has_d_fixed64 && m->d_fixed64 == UINT64_MAX);
  EXPECT(!m->has_d_sfixed32 && m->d_sfixed32 == -7);
  EXPECT(!m->has_d_sfixed64 && m->d_sfixed64 == -8);
  EXPECT(!m->has_d_nan && isnan(m->d_nan) && !m->has_d_float_nan && isnan(m->d_float_nan));
  EXPECT(!m->has_d_inf && isinf(m->d_inf) && m->d_inf > 0);
  EXPECT(!m->has_d_neg_inf && isinf(m->d_neg_inf) && m->d_neg_inf < 0);
  EXPECT(!m->has_d_enum_implicit && m->d_enum_implicit == pbtest_p2_KIND_ONE);
  EXPECT(!m->has_d_string_empty && m->d_string_empty.len == 0);

  const int32_t r_int32[] = {-1, 2};
  EXPECT(ARRAY_IS(m->r_int32, r_int32));
  const int32_t r_enum[] = {pbtest_p2_KIND_ONE, pbtest_p2_KIND_NEG};
  EXPECT(ARRAY_IS(m->r_enum, r_enum));
  const cgrpc_str_t r_string[] = {{"s", 1}};
  EXPECT(STRS_ARE(m->r_string, r_string));
  const cgrpc_str_t r_bytes[] = {{"x", 1}, {"", 0}};
  EXPECT(STRS_ARE(m->r_bytes, r_bytes));
  EXPECT(m->r_inner.count == 1 && m->r_inner.data[0]->id == 10);
  const int32_t p_sint32[] = {-1, 0, 1};
  EXPECT(ARRAY_IS(m->p_sint32, p_sint32));
  const double p_double[] = {0.5};
  EXPECT(ARRAY_IS(m->p_double, p_double));
  const int32_t p_enum[] = {pbtest_p2_KIND_TWO, pbtest_p2_KIND_BIG};
  EXPECT(ARRAY_IS(m->p_enum, p_enum));

  EXPECT(m->optgroup && m->optgroup->has_g_int32 && m->optgroup->g_int32 == 4 &&
         STR_IS(m->optgroup->g_string, "g"));
  EXPECT(m->repgroup.count == 2);
  if (m->repgroup.count == 2) {
    const pbtest_p2_AllTypes2_RepGroup *g0 = m->repgroup.data[0], *g1 = m->repgroup.data[1];
    EXPECT(g0->g_id == 1 && g0->deep && g0->deep->has_g_deep && g0->deep->g_deep == -9);
    EXPECT(g0->deep && g0->deep->g_inner.count == 1 && g0->deep->g_inner.data[0]->id == 2);
    EXPECT(g1->g_id == 2 && g1->deep == NULL && !g1->has_g_bytes);
  }
  EXPECT(m->choice_case == pbtest_p2_AllTypes2_choice_c_inner && m->choice.c_inner &&
         m->choice.c_inner->id == 3);
  EXPECT(m->m_string_mode.count == 1 && STR_IS(m->m_string_mode.data[0]->key, "a") &&
         m->m_string_mode.data[0]->value == pbtest_p2_MODE_AUTO);
  EXPECT(m->m_int64_inner.count == 1 && m->m_int64_inner.data[0]->key == -7 &&
         m->m_int64_inner.data[0]->value && m->m_int64_inner.data[0]->value->id == 8);
  EXPECT(m->child == NULL && m->children.count == 0 && m->m_bool_bytes.count == 0);
  return failures;
}

static pbtest_p2_Inner *new_inner(cgrpc_arena_t *a, int32_t id) {
  pbtest_p2_Inner *in = pbtest_p2_Inner_new(a);
  in->id = id;
  in->has_id = true;
  return in;
}

static void build_proto2(void *msg, cgrpc_arena_t *a) {
  p2_t *m = msg;
  m->_unknown = (cgrpc_str_t){kExtensions, sizeof kExtensions - 1};
  m->req_int32 = 1;
  m->has_req_int32 = true;
  m->req_string = CGRPC_STR("r");
  m->has_req_string = true;
  m->req_inner = new_inner(a, 5);
  m->req_inner->label = CGRPC_STR("five");
  m->req_inner->has_label = true;
  m->req_inner->next = new_inner(a, 6);
  m->d_double = 0;
  m->has_d_double = true;
  m->d_int64 = 7;
  m->has_d_int64 = true;
  m->d_uint64 = 0;
  m->has_d_uint64 = true;
  m->d_bool = false;
  m->has_d_bool = true;
  m->d_string = CGRPC_STR("");
  m->has_d_string = true;
  m->d_bytes = CGRPC_STR("b");
  m->has_d_bytes = true;
  m->d_enum = pbtest_p2_KIND_BIG;
  m->has_d_enum = true;
  m->d_level = pbtest_p2_AllTypes2_LEVEL_LOW;
  m->has_d_level = true;
  m->d_neg_zero = 0.0;
  m->has_d_neg_zero = true;

  const int32_t r_int32[] = {-1, 2};
  SET_REPEATED(m->r_int32, a, r_int32);
  const int32_t r_enum[] = {pbtest_p2_KIND_ONE, pbtest_p2_KIND_NEG};
  SET_REPEATED(m->r_enum, a, r_enum);
  const cgrpc_str_t r_string[] = {{"s", 1}};
  SET_REPEATED(m->r_string, a, r_string);
  const cgrpc_str_t r_bytes[] = {{"x", 1}, {"", 0}};
  SET_REPEATED(m->r_bytes, a, r_bytes);
  pbtest_p2_Inner *r_inner[] = {new_inner(a, 10)};
  SET_REPEATED(m->r_inner, a, r_inner);
  const int32_t p_sint32[] = {-1, 0, 1};
  SET_REPEATED(m->p_sint32, a, p_sint32);
  const double p_double[] = {0.5};
  SET_REPEATED(m->p_double, a, p_double);
  const int32_t p_enum[] = {pbtest_p2_KIND_TWO, pbtest_p2_KIND_BIG};
  SET_REPEATED(m->p_enum, a, p_enum);

  m->optgroup = pbtest_p2_AllTypes2_OptGroup_new(a);
  m->optgroup->g_int32 = 4;
  m->optgroup->has_g_int32 = true;
  m->optgroup->g_string = CGRPC_STR("g");
  m->optgroup->has_g_string = true;
  pbtest_p2_AllTypes2_RepGroup *groups[] = {pbtest_p2_AllTypes2_RepGroup_new(a),
                                            pbtest_p2_AllTypes2_RepGroup_new(a)};
  groups[0]->g_id = 1;
  groups[0]->has_g_id = true;
  groups[0]->deep = pbtest_p2_AllTypes2_RepGroup_Deep_new(a);
  groups[0]->deep->g_deep = -9;
  groups[0]->deep->has_g_deep = true;
  pbtest_p2_Inner *deep_inner[] = {new_inner(a, 2)};
  SET_REPEATED(groups[0]->deep->g_inner, a, deep_inner);
  groups[1]->g_id = 2;
  groups[1]->has_g_id = true;
  SET_REPEATED(m->repgroup, a, groups);
  m->choice_case = pbtest_p2_AllTypes2_choice_c_inner;
  m->choice.c_inner = new_inner(a, 3);
  pbtest_p2_AllTypes2_MStringModeEntry *sm =
      ONE_ENTRY(m->m_string_mode, pbtest_p2_AllTypes2_MStringModeEntry, a);
  sm->key = CGRPC_STR("a");
  sm->value = pbtest_p2_MODE_AUTO;
  pbtest_p2_AllTypes2_MInt64InnerEntry *ii =
      ONE_ENTRY(m->m_int64_inner, pbtest_p2_AllTypes2_MInt64InnerEntry, a);
  ii->key = -7;
  ii->value = new_inner(a, 8);
}

static const pbt_text_case_t kCases[] = {
    {"proto3_all", &pbtest_p3_AllTypes_table, check_proto3, build_proto3},
    {"proto2_all", &pbtest_p2_AllTypes2_table, check_proto2, build_proto2},
};

const pbt_text_case_t *pbt_text_case_find(const char *name) {
  for (size_t i = 0; i < sizeof kCases / sizeof kCases[0]; i++) {
    if (strcmp(kCases[i].name, name) == 0) return &kCases[i];
  }
  return NULL;
}

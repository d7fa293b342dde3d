/* tests/unit/pb/pb_fixtures.h — hand-written message structs and tables for
 * the protobuf engine's unit tests, laid out exactly as protoc-gen-cgrpc
 * lays out generated code (see cgrpc/pb_table.h), plus small helpers.
 *
 * The schema they stand for, in .proto terms:
 *
 *   package t;                          // proto2 unless noted
 *   enum Color { RED = 0; GREEN = 1; BLUE = 2; }          // closed
 *   message Nested { int32 a = 1; string s = 2; }          // proto3
 *   message All {
 *     int32 i32 = 1; ... bool b = 13;   // every scalar, proto3 implicit presence
 *     string str = 14; bytes byt = 15; Nested nested = 16;
 *     optional Color color = 17;
 *     repeated <every scalar> r_* = 20..32 [packed = true]; repeated Color r_color = 33 [packed];
 *     repeated <every scalar> u_* = 40..52;                 repeated Color u_color = 53;
 *     repeated string r_str = 54; repeated bytes r_byt = 55; repeated Nested r_nested = 56;
 *     optional group Grp = 60 { optional int32 g = 61; }
 *     repeated group RGrp = 62 { same as Grp }
 *     oneof choice { int32 o_i32 = 70; string o_str = 71; Nested o_msg = 72; }
 *     map<string, int32> m_str = 80; map<int32, Nested> m_int = 81; map<int32, Color> m_color = 82;
 *     optional int32 opt_i32 = 90; optional string opt_str = 91;  // proto3 optional
 *     Color open_enum = 92;             // as a proto3 (open) enum
 *   }
 *   message Req { required int32 id = 1; optional string name = 2; optional Req child = 3;
 *                 repeated Req kids = 4; }
 *   message Rec { Rec child = 1; int32 v = 2; group G = 3 { same as Rec } }
 *   message Defaults { optional int32 n = 1 [default = 42]; optional string s = 2 [default = "hi"];
 * } package bench; Person and Address as in the benchmark brief (proto3).
 */
#ifndef CGRPC_TESTS_UNIT_PB_FIXTURES_H
#define CGRPC_TESTS_UNIT_PB_FIXTURES_H

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgrpc/pb.h"

#define FIXTURE __attribute__((unused))
#define REP(T)       \
  struct {           \
    T *data;         \
    size_t count;    \
    size_t capacity; \
  }

/* ---- Structs ------------------------------------------------------------ */

typedef struct t_Nested {
  cgrpc_str_t _unknown;
  int32_t a;
  cgrpc_str_t s;
} t_Nested;

typedef struct t_Grp {
  cgrpc_str_t _unknown;
  bool has_g;
  int32_t g;
} t_Grp;

typedef struct t_MapStr {
  cgrpc_str_t _unknown;
  cgrpc_str_t key;
  int32_t value;
} t_MapStr;

typedef struct t_MapInt {
  cgrpc_str_t _unknown;
  int32_t key;
  t_Nested *value;
} t_MapInt;

typedef struct t_MapColor {
  cgrpc_str_t _unknown;
  int32_t key;
  int32_t value;
} t_MapColor;

typedef struct t_All {
  cgrpc_str_t _unknown;
  int32_t i32;
  int64_t i64;
  uint32_t u32;
  uint64_t u64;
  int32_t s32;
  int64_t s64;
  uint32_t f32;
  uint64_t f64;
  int32_t sf32;
  int64_t sf64;
  float fl;
  double db;
  bool b;
  cgrpc_str_t str;
  cgrpc_str_t byt;
  t_Nested *nested;
  bool has_color;
  int32_t color;
  REP(int32_t) r_i32;
  REP(int64_t) r_i64;
  REP(uint32_t) r_u32;
  REP(uint64_t) r_u64;
  REP(int32_t) r_s32;
  REP(int64_t) r_s64;
  REP(uint32_t) r_f32;
  REP(uint64_t) r_f64;
  REP(int32_t) r_sf32;
  REP(int64_t) r_sf64;
  REP(float) r_fl;
  REP(double) r_db;
  REP(bool) r_b;
  REP(int32_t) r_color;
  REP(int32_t) u_i32;
  REP(int64_t) u_i64;
  REP(uint32_t) u_u32;
  REP(uint64_t) u_u64;
  REP(int32_t) u_s32;
  REP(int64_t) u_s64;
  REP(uint32_t) u_f32;
  REP(uint64_t) u_f64;
  REP(int32_t) u_sf32;
  REP(int64_t) u_sf64;
  REP(float) u_fl;
  REP(double) u_db;
  REP(bool) u_b;
  REP(int32_t) u_color;
  REP(cgrpc_str_t) r_str;
  REP(cgrpc_str_t) r_byt;
  REP(t_Nested *) r_nested;
  t_Grp *grp;
  REP(t_Grp *) rgrp;
  uint32_t choice_case;
  union {
    int32_t o_i32;
    cgrpc_str_t o_str;
    t_Nested *o_msg;
  } choice;
  REP(t_MapStr *) m_str;
  REP(t_MapInt *) m_int;
  REP(t_MapColor *) m_color;
  bool has_opt_i32;
  int32_t opt_i32;
  bool has_opt_str;
  cgrpc_str_t opt_str;
  int32_t open_enum;
} t_All;

typedef struct t_Req {
  cgrpc_str_t _unknown;
  bool has_id;
  int32_t id;
  bool has_name;
  cgrpc_str_t name;
  struct t_Req *child;
  REP(struct t_Req *) kids;
} t_Req;

typedef struct t_Rec {
  cgrpc_str_t _unknown;
  struct t_Rec *child;
  int32_t v;
  struct t_Rec *g;
} t_Rec;

typedef struct t_Defaults {
  cgrpc_str_t _unknown;
  bool has_n;
  int32_t n;
  bool has_s;
  cgrpc_str_t s;
} t_Defaults;

typedef struct bench_Address {
  cgrpc_str_t _unknown;
  cgrpc_str_t street;
  cgrpc_str_t city;
  cgrpc_str_t country;
  int32_t zip;
} bench_Address;

typedef struct bench_Person {
  cgrpc_str_t _unknown;
  int64_t id;
  cgrpc_str_t name;
  cgrpc_str_t email;
  double score;
  int32_t status;
  REP(int32_t) samples;
  bench_Address *address;
  REP(cgrpc_str_t) tags;
  bool verified;
} bench_Person;

/* ---- Tables ------------------------------------------------------------- */

#define F(num, st, member, type, flags, sub) \
  { num, offsetof(st, member), 0, sub, CGRPC_PB_##type, flags, 0 }
#define FP(num, st, member, has, type, flags, sub) \
  { num, offsetof(st, member), offsetof(st, has), sub, CGRPC_PB_##type, flags, 0 }
#define REPEATED CGRPC_PB_FIELD_REPEATED
#define PACKED (CGRPC_PB_FIELD_REPEATED | CGRPC_PB_FIELD_PACKED)
#define HAS CGRPC_PB_FIELD_HAS
#define ONEOF CGRPC_PB_FIELD_ONEOF
#define UTF8 CGRPC_PB_FIELD_UTF8
#define CLOSED CGRPC_PB_FIELD_CLOSED_ENUM
#define MAP (CGRPC_PB_FIELD_REPEATED | CGRPC_PB_FIELD_MAP)

static const int32_t t_Color_values[] = {0, 1, 2};
static const char *const t_Color_names[] = {"RED", "GREEN", "BLUE"};
static const cgrpc_pb_enum_table_t t_Color_table = {
    .full_name = "t.Color", .values = t_Color_values, .names = t_Color_names, .value_count = 3};

static const cgrpc_pb_field_t t_Nested_fields[] = {
    F(1, t_Nested, a, INT32, 0, 0),
    F(2, t_Nested, s, STRING, UTF8, 0),
};
static const char *const t_Nested_names[] = {"a", "s"};
static const cgrpc_pb_msg_table_t t_Nested_table = {
    "t.Nested", t_Nested_fields, NULL, t_Nested_names, t_Nested_names, NULL, sizeof(t_Nested), 2, 2,
    0};

static const cgrpc_pb_field_t t_Grp_fields[] = {FP(61, t_Grp, g, has_g, INT32, HAS, 0)};
static const char *const t_Grp_names[] = {"g"};
static const cgrpc_pb_msg_table_t t_Grp_table = {
    "t.All.Grp", t_Grp_fields, NULL, t_Grp_names, t_Grp_names, NULL, sizeof(t_Grp), 1, 0, 0};

static const cgrpc_pb_field_t t_MapStr_fields[] = {
    F(1, t_MapStr, key, STRING, UTF8, 0),
    F(2, t_MapStr, value, INT32, 0, 0),
};
static const char *const t_Map_names[] = {"key", "value"};
static const cgrpc_pb_msg_table_t t_MapStr_table = {"t.All.MStrEntry",
                                                    t_MapStr_fields,
                                                    NULL,
                                                    t_Map_names,
                                                    t_Map_names,
                                                    NULL,
                                                    sizeof(t_MapStr),
                                                    2,
                                                    2,
                                                    CGRPC_PB_MSG_MAP_ENTRY};

static const cgrpc_pb_sub_t t_MapInt_subs[] = {{.msg = &t_Nested_table}};
static const cgrpc_pb_field_t t_MapInt_fields[] = {
    F(1, t_MapInt, key, INT32, 0, 0),
    F(2, t_MapInt, value, MESSAGE, 0, 0),
};
static const cgrpc_pb_msg_table_t t_MapInt_table = {"t.All.MIntEntry",
                                                    t_MapInt_fields,
                                                    t_MapInt_subs,
                                                    t_Map_names,
                                                    t_Map_names,
                                                    NULL,
                                                    sizeof(t_MapInt),
                                                    2,
                                                    2,
                                                    CGRPC_PB_MSG_MAP_ENTRY};

static const cgrpc_pb_sub_t t_MapColor_subs[] = {{.enm = &t_Color_table}};
static const cgrpc_pb_field_t t_MapColor_fields[] = {
    F(1, t_MapColor, key, INT32, 0, 0),
    F(2, t_MapColor, value, ENUM, CLOSED, 0),
};
static const cgrpc_pb_msg_table_t t_MapColor_table = {"t.All.MColorEntry",
                                                      t_MapColor_fields,
                                                      t_MapColor_subs,
                                                      t_Map_names,
                                                      t_Map_names,
                                                      NULL,
                                                      sizeof(t_MapColor),
                                                      2,
                                                      2,
                                                      CGRPC_PB_MSG_MAP_ENTRY};

enum { SUB_NESTED, SUB_COLOR, SUB_GRP, SUB_MAPSTR, SUB_MAPINT, SUB_MAPCOLOR };
static const cgrpc_pb_sub_t t_All_subs[] = {
    {.msg = &t_Nested_table}, {.enm = &t_Color_table},  {.msg = &t_Grp_table},
    {.msg = &t_MapStr_table}, {.msg = &t_MapInt_table}, {.msg = &t_MapColor_table},
};

static const cgrpc_pb_field_t t_All_fields[] = {
    F(1, t_All, i32, INT32, 0, 0),
    F(2, t_All, i64, INT64, 0, 0),
    F(3, t_All, u32, UINT32, 0, 0),
    F(4, t_All, u64, UINT64, 0, 0),
    F(5, t_All, s32, SINT32, 0, 0),
    F(6, t_All, s64, SINT64, 0, 0),
    F(7, t_All, f32, FIXED32, 0, 0),
    F(8, t_All, f64, FIXED64, 0, 0),
    F(9, t_All, sf32, SFIXED32, 0, 0),
    F(10, t_All, sf64, SFIXED64, 0, 0),
    F(11, t_All, fl, FLOAT, 0, 0),
    F(12, t_All, db, DOUBLE, 0, 0),
    F(13, t_All, b, BOOL, 0, 0),
    F(14, t_All, str, STRING, UTF8, 0),
    F(15, t_All, byt, BYTES, 0, 0),
    F(16, t_All, nested, MESSAGE, 0, SUB_NESTED),
    FP(17, t_All, color, has_color, ENUM, HAS | CLOSED, SUB_COLOR),
    F(20, t_All, r_i32, INT32, PACKED, 0),
    F(21, t_All, r_i64, INT64, PACKED, 0),
    F(22, t_All, r_u32, UINT32, PACKED, 0),
    F(23, t_All, r_u64, UINT64, PACKED, 0),
    F(24, t_All, r_s32, SINT32, PACKED, 0),
    F(25, t_All, r_s64, SINT64, PACKED, 0),
    F(26, t_All, r_f32, FIXED32, PACKED, 0),
    F(27, t_All, r_f64, FIXED64, PACKED, 0),
    F(28, t_All, r_sf32, SFIXED32, PACKED, 0),
    F(29, t_All, r_sf64, SFIXED64, PACKED, 0),
    F(30, t_All, r_fl, FLOAT, PACKED, 0),
    F(31, t_All, r_db, DOUBLE, PACKED, 0),
    F(32, t_All, r_b, BOOL, PACKED, 0),
    F(33, t_All, r_color, ENUM, PACKED | CLOSED, SUB_COLOR),
    F(40, t_All, u_i32, INT32, REPEATED, 0),
    F(41, t_All, u_i64, INT64, REPEATED, 0),
    F(42, t_All, u_u32, UINT32, REPEATED, 0),
    F(43, t_All, u_u64, UINT64, REPEATED, 0),
    F(44, t_All, u_s32, SINT32, REPEATED, 0),
    F(45, t_All, u_s64, SINT64, REPEATED, 0),
    F(46, t_All, u_f32, FIXED32, REPEATED, 0),
    F(47, t_All, u_f64, FIXED64, REPEATED, 0),
    F(48, t_All, u_sf32, SFIXED32, REPEATED, 0),
    F(49, t_All, u_sf64, SFIXED64, REPEATED, 0),
    F(50, t_All, u_fl, FLOAT, REPEATED, 0),
    F(51, t_All, u_db, DOUBLE, REPEATED, 0),
    F(52, t_All, u_b, BOOL, REPEATED, 0),
    F(53, t_All, u_color, ENUM, REPEATED | CLOSED, SUB_COLOR),
    F(54, t_All, r_str, STRING, REPEATED | UTF8, 0),
    F(55, t_All, r_byt, BYTES, REPEATED, 0),
    F(56, t_All, r_nested, MESSAGE, REPEATED, SUB_NESTED),
    F(60, t_All, grp, GROUP, 0, SUB_GRP),
    F(62, t_All, rgrp, GROUP, REPEATED, SUB_GRP),
    FP(70, t_All, choice.o_i32, choice_case, INT32, ONEOF, 0),
    FP(71, t_All, choice.o_str, choice_case, STRING, ONEOF | UTF8, 0),
    FP(72, t_All, choice.o_msg, choice_case, MESSAGE, ONEOF, SUB_NESTED),
    F(80, t_All, m_str, MESSAGE, MAP, SUB_MAPSTR),
    F(81, t_All, m_int, MESSAGE, MAP, SUB_MAPINT),
    F(82, t_All, m_color, MESSAGE, MAP, SUB_MAPCOLOR),
    FP(90, t_All, opt_i32, has_opt_i32, INT32, HAS, 0),
    FP(91, t_All, opt_str, has_opt_str, STRING, HAS | UTF8, 0),
    F(92, t_All, open_enum, ENUM, 0, 0),
};
static const char *const t_All_names[] = {
    "i32",   "i64",     "u32",      "u64",     "s32",       "s64",   "f32",    "f64",    "sf32",
    "sf64",  "fl",      "db",       "b",       "str",       "byt",   "nested", "color",  "r_i32",
    "r_i64", "r_u32",   "r_u64",    "r_s32",   "r_s64",     "r_f32", "r_f64",  "r_sf32", "r_sf64",
    "r_fl",  "r_db",    "r_b",      "r_color", "u_i32",     "u_i64", "u_u32",  "u_u64",  "u_s32",
    "u_s64", "u_f32",   "u_f64",    "u_sf32",  "u_sf64",    "u_fl",  "u_db",   "u_b",    "u_color",
    "r_str", "r_byt",   "r_nested", "grp",     "rgrp",      "o_i32", "o_str",  "o_msg",  "m_str",
    "m_int", "m_color", "opt_i32",  "opt_str", "open_enum",
};
FIXTURE static const cgrpc_pb_msg_table_t t_All_table = {
    "t.All",
    t_All_fields,
    t_All_subs,
    t_All_names,
    t_All_names,
    NULL,
    sizeof(t_All),
    sizeof t_All_fields / sizeof t_All_fields[0],
    17,
    0};

extern const cgrpc_pb_msg_table_t t_Req_table;
static const cgrpc_pb_sub_t t_Req_subs[] = {{.msg = &t_Req_table}};
static const cgrpc_pb_field_t t_Req_fields[] = {
    FP(1, t_Req, id, has_id, INT32, HAS | CGRPC_PB_FIELD_REQUIRED, 0),
    FP(2, t_Req, name, has_name, STRING, HAS, 0),
    F(3, t_Req, child, MESSAGE, 0, 0),
    F(4, t_Req, kids, MESSAGE, REPEATED, 0),
};
static const char *const t_Req_names[] = {"id", "name", "child", "kids"};
FIXTURE const cgrpc_pb_msg_table_t t_Req_table = {
    "t.Req", t_Req_fields,  t_Req_subs, t_Req_names, t_Req_names,
    NULL,    sizeof(t_Req), 4,          4,           CGRPC_PB_MSG_HAS_REQUIRED};

extern const cgrpc_pb_msg_table_t t_Rec_table;
static const cgrpc_pb_sub_t t_Rec_subs[] = {{.msg = &t_Rec_table}};
static const cgrpc_pb_field_t t_Rec_fields[] = {
    F(1, t_Rec, child, MESSAGE, 0, 0),
    F(2, t_Rec, v, INT32, 0, 0),
    F(3, t_Rec, g, GROUP, 0, 0),
};
static const char *const t_Rec_names[] = {"child", "v", "g"};
FIXTURE const cgrpc_pb_msg_table_t t_Rec_table = {
    "t.Rec", t_Rec_fields, t_Rec_subs, t_Rec_names, t_Rec_names, NULL, sizeof(t_Rec), 3, 3, 0};

static const t_Defaults t_Defaults_default = {{NULL, 0}, false, 42, false, {"hi", 2}};
static const cgrpc_pb_field_t t_Defaults_fields[] = {
    FP(1, t_Defaults, n, has_n, INT32, HAS, 0),
    FP(2, t_Defaults, s, has_s, STRING, HAS, 0),
};
static const char *const t_Defaults_names[] = {"n", "s"};
FIXTURE static const cgrpc_pb_msg_table_t t_Defaults_table = {"t.Defaults",
                                                              t_Defaults_fields,
                                                              NULL,
                                                              t_Defaults_names,
                                                              t_Defaults_names,
                                                              &t_Defaults_default,
                                                              sizeof(t_Defaults),
                                                              2,
                                                              2,
                                                              0};

static const cgrpc_pb_field_t bench_Address_fields[] = {
    F(1, bench_Address, street, STRING, UTF8, 0),
    F(2, bench_Address, city, STRING, UTF8, 0),
    F(3, bench_Address, country, STRING, UTF8, 0),
    F(4, bench_Address, zip, INT32, 0, 0),
};
static const char *const bench_Address_names[] = {"street", "city", "country", "zip"};
static const cgrpc_pb_msg_table_t bench_Address_table = {"bench.Address",
                                                         bench_Address_fields,
                                                         NULL,
                                                         bench_Address_names,
                                                         bench_Address_names,
                                                         NULL,
                                                         sizeof(bench_Address),
                                                         4,
                                                         4,
                                                         0};

static const cgrpc_pb_sub_t bench_Person_subs[] = {{.msg = &bench_Address_table}};
static const cgrpc_pb_field_t bench_Person_fields[] = {
    F(1, bench_Person, id, INT64, 0, 0),
    F(2, bench_Person, name, STRING, UTF8, 0),
    F(3, bench_Person, email, STRING, UTF8, 0),
    F(4, bench_Person, score, DOUBLE, 0, 0),
    F(5, bench_Person, status, ENUM, 0, 0),
    F(6, bench_Person, samples, INT32, PACKED, 0),
    F(7, bench_Person, address, MESSAGE, 0, 0),
    F(8, bench_Person, tags, STRING, REPEATED | UTF8, 0),
    F(9, bench_Person, verified, BOOL, 0, 0),
};
static const char *const bench_Person_names[] = {"id",      "name",    "email", "score",   "status",
                                                 "samples", "address", "tags",  "verified"};
FIXTURE static const cgrpc_pb_msg_table_t bench_Person_table = {"bench.Person",
                                                                bench_Person_fields,
                                                                bench_Person_subs,
                                                                bench_Person_names,
                                                                bench_Person_names,
                                                                NULL,
                                                                sizeof(bench_Person),
                                                                9,
                                                                9,
                                                                0};

/* ---- Helpers ------------------------------------------------------------ */

/* Bytes written as a C string literal with \x escapes; sizeof - 1 is the length. */
#define BYTES(lit) (const uint8_t *)(lit), (sizeof(lit) - 1)

static inline cgrpc_str_t str_of(const char *s) {
  cgrpc_str_t v = {s, strlen(s)};
  return v;
}

/* Prints a hex dump of a buffer to stderr (for failing comparisons). */
FIXTURE static void hexdump(const char *what, const void *p, size_t n) {
  const uint8_t *b = p;
  fprintf(stderr, "  %s (%zu bytes):", what, n);
  for (size_t i = 0; i < n; i++) fprintf(stderr, " %02x", b[i]);
  fputc('\n', stderr);
}

/* A growable byte buffer for writing wire data by hand in tests. */
typedef struct wbuf {
  uint8_t *b;
  size_t n, cap;
} wbuf_t;

FIXTURE static void wb_bytes(wbuf_t *w, const void *p, size_t n) {
  if (w->n + n > w->cap) {
    w->cap = (w->n + n) * 2 + 64;
    w->b = realloc(w->b, w->cap);
    if (!w->b) abort();
  }
  if (n) memcpy(w->b + w->n, p, n);
  w->n += n;
}

FIXTURE static void wb_varint(wbuf_t *w, uint64_t v) {
  do {
    uint8_t c = (uint8_t)(v & 0x7f);
    v >>= 7;
    if (v) c |= 0x80;
    wb_bytes(w, &c, 1);
  } while (v);
}

FIXTURE static void wb_tag(wbuf_t *w, uint32_t number, unsigned wt) {
  wb_varint(w, ((uint64_t)number << 3) | wt);
}

/* A length-delimited field holding the bytes p[0..n). */
FIXTURE static void wb_len(wbuf_t *w, uint32_t number, const void *p, size_t n) {
  wb_tag(w, number, 2);
  wb_varint(w, n);
  wb_bytes(w, p, n);
}

FIXTURE static void wb_free(wbuf_t *w) {
  free(w->b);
  memset(w, 0, sizeof *w);
}

/* Fills every field of All with values that exercise long varints,
 * negatives, NaN, nesting, oneof, maps and unknown bytes. */
FIXTURE static void fill_all(t_All *m, cgrpc_arena_t *a) {
  cgrpc_pb_msg_init(m, &t_All_table);
  m->i32 = INT32_MIN;
  m->i64 = INT64_MAX;
  m->u32 = 1u << 31;
  m->u64 = 1ull << 63;
  m->s32 = INT32_MIN;
  m->s64 = -1;
  m->f32 = 1;
  m->f64 = 2;
  m->sf32 = INT32_MIN;
  m->sf64 = INT64_MIN;
  m->fl = NAN;
  m->db = -INFINITY;
  m->b = true;
  m->str = str_of("héllo wörld");
  m->byt = (cgrpc_str_t){"\x00\xff\x80", 3};
  m->nested = cgrpc_pb_msg_new(&t_Nested_table, a);
  m->nested->a = -7;
  m->nested->_unknown = (cgrpc_str_t){"\x18\x05", 2};
  m->has_color = true;
  m->color = 2;
#define FILL(field, ...)                                             \
  do {                                                               \
    static const __typeof__(*m->field.data) vals_[] = {__VA_ARGS__}; \
    m->field.count = sizeof vals_ / sizeof vals_[0];                 \
    m->field.data = cgrpc_arena_memdup(a, vals_, sizeof vals_);      \
    m->field.capacity = m->field.count;                              \
  } while (0)
  FILL(r_i32, 0, -1, INT32_MAX);
  FILL(r_i64, INT64_MIN, 5);
  FILL(r_u32, 0, UINT32_MAX);
  FILL(r_u64, UINT64_MAX);
  FILL(r_s32, -64, 63, -65);
  FILL(r_s64, INT64_MIN, INT64_MAX);
  FILL(r_f32, 7);
  FILL(r_f64, 8, 9);
  FILL(r_sf32, -10);
  FILL(r_sf64, -11);
  FILL(r_fl, 1.5f, -0.0f);
  FILL(r_db, 0.1);
  FILL(r_b, true, false, true);
  FILL(r_color, 0, 2);
  FILL(u_i32, -1);
  FILL(u_i64, 1, 2);
  FILL(u_u32, 3);
  FILL(u_u64, 4);
  FILL(u_s32, -5);
  FILL(u_s64, -6);
  FILL(u_f32, 7);
  FILL(u_f64, 8);
  FILL(u_sf32, -9);
  FILL(u_sf64, -10);
  FILL(u_fl, 11.0f);
  FILL(u_db, 12.0);
  FILL(u_b, false);
  FILL(u_color, 1);
#undef FILL
  cgrpc_str_t strs[] = {str_of("one"), str_of(""), str_of("three")};
  m->r_str.data = cgrpc_arena_memdup(a, strs, sizeof strs);
  m->r_str.count = 3;
  m->r_byt.data = cgrpc_arena_memdup(a, strs, sizeof strs[0]);
  m->r_byt.count = 1;
  t_Nested **nl = cgrpc_arena_alloc(a, 2 * sizeof *nl);
  nl[0] = cgrpc_pb_msg_new(&t_Nested_table, a);
  nl[1] = cgrpc_pb_msg_new(&t_Nested_table, a);
  nl[1]->s = str_of("second");
  m->r_nested.data = nl;
  m->r_nested.count = 2;
  m->grp = cgrpc_pb_msg_new(&t_Grp_table, a);
  m->grp->has_g = true;
  m->grp->g = -1;
  t_Grp **gl = cgrpc_arena_alloc(a, sizeof *gl);
  gl[0] = cgrpc_pb_msg_new(&t_Grp_table, a);
  m->rgrp.data = gl;
  m->rgrp.count = 1;
  m->choice_case = 71;
  m->choice.o_str = str_of("chosen");
  t_MapStr **ms = cgrpc_arena_alloc(a, 2 * sizeof *ms);
  for (int i = 0; i < 2; i++) {
    ms[i] = cgrpc_pb_msg_new(&t_MapStr_table, a);
    ms[i]->key = str_of(i ? "k1" : "k0");
    ms[i]->value = i * 100;
  }
  m->m_str.data = ms;
  m->m_str.count = 2;
  t_MapInt **mi = cgrpc_arena_alloc(a, sizeof *mi);
  mi[0] = cgrpc_pb_msg_new(&t_MapInt_table, a);
  mi[0]->key = -3;
  mi[0]->value = cgrpc_pb_msg_new(&t_Nested_table, a);
  mi[0]->value->a = 3;
  m->m_int.data = mi;
  m->m_int.count = 1;
  m->has_opt_i32 = true;
  m->has_opt_str = true;
  m->opt_str = str_of("opt");
  m->open_enum = 12345;
  m->_unknown = (cgrpc_str_t){"\xa8\x06\x01\xba\x06\x01z", 7};
}

#endif /* CGRPC_TESTS_UNIT_PB_FIXTURES_H */

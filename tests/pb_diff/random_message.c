/* random_message.c — the table-walking random message filler, plus the two
 * other table walks the tests need: changing one thing in a message, and
 * measuring how deep a message nests.
 *
 * Values are biased towards the cases that break codecs: boundaries (0, -1,
 * the minimum and maximum of each width), negative numbers in unsigned-looking
 * varints, every varint length, float specials (-0.0, NaN with payloads,
 * infinities, denormals), UTF-8 of every sequence length, empty and long
 * strings, and repeated fields that are sometimes long enough to need
 * multi-byte lengths. Presence, counts, the oneof member and nesting are all
 * random too, with sub-messages getting rarer with depth so messages stay
 * small while every level is still reached.
 */
#include "random_message.h"

#include <string.h>

#include "cgrpc/pb.h"

void pbt_rng_seed(pbt_rng_t *rng, uint64_t seed) { rng->state = seed * 0x9E3779B97F4A7C15u + 1; }

uint64_t pbt_rng_next(pbt_rng_t *rng) {
  uint64_t z = (rng->state += 0x9E3779B97F4A7C15u);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
  return z ^ (z >> 31);
}

uint64_t pbt_rng_below(pbt_rng_t *rng, uint64_t n) { return pbt_rng_next(rng) % n; }

bool pbt_rng_chance(pbt_rng_t *rng, unsigned percent) { return pbt_rng_below(rng, 100) < percent; }

typedef struct fill_ctx {
  pbt_rng_t *rng;
  cgrpc_arena_t *arena;
  const pbt_fill_options_t *opt;
  bool ok; /* false once the arena refused */
} fill_ctx_t;

static void *ctx_alloc(fill_ctx_t *c, size_t size) {
  void *p = cgrpc_arena_calloc(c->arena, size ? size : 1);
  if (!p) c->ok = false;
  return p;
}

/* ---- Scalars ------------------------------------------------------------ */

/* Bytes one value takes in the struct or in a repeated array. */
static size_t value_size(unsigned type) {
  switch (type) {
    case CGRPC_PB_DOUBLE:
    case CGRPC_PB_INT64:
    case CGRPC_PB_UINT64:
    case CGRPC_PB_FIXED64:
    case CGRPC_PB_SFIXED64:
    case CGRPC_PB_SINT64:
      return 8;
    case CGRPC_PB_BOOL:
      return sizeof(bool);
    case CGRPC_PB_STRING:
    case CGRPC_PB_BYTES:
      return sizeof(cgrpc_str_t);
    case CGRPC_PB_MESSAGE:
    case CGRPC_PB_GROUP:
      return sizeof(void *);
    default:
      return 4;
  }
}

static bool is_message(unsigned type) { return type == CGRPC_PB_MESSAGE || type == CGRPC_PB_GROUP; }

/* A `bits`-wide integer (returned sign-extended when is_signed). */
static uint64_t random_integer(pbt_rng_t *rng, unsigned bits, bool is_signed) {
  uint64_t mask = bits == 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
  uint64_t v;
  uint64_t r = pbt_rng_below(rng, 100);
  if (r < 15) {
    switch (pbt_rng_below(rng, 5)) {
      case 0:
        v = 0;
        break;
      case 1:
        v = 1;
        break;
      case 2:
        v = is_signed ? mask >> 1 : mask;
        break; /* maximum */
      case 3:
        v = is_signed ? (mask >> 1) + 1 : mask >> 1;
        break; /* minimum / middle */
      default:
        v = UINT64_MAX;
        break; /* -1 */
    }
  } else if (r < 50) {
    v = pbt_rng_below(rng, 300);
    if (is_signed && pbt_rng_chance(rng, 50)) v = 0 - v;
  } else {
    v = pbt_rng_next(rng) >> (64 - (1 + pbt_rng_below(rng, bits)));
    if (is_signed && pbt_rng_chance(rng, 50)) v = 0 - v;
  }
  v &= mask;
  if (is_signed && bits < 64 && (v >> (bits - 1))) v |= ~mask;
  return v;
}

static double random_double(pbt_rng_t *rng) {
  static const uint64_t specials[] = {
      0,
      UINT64_C(0x8000000000000000), /* +0, -0 */
      UINT64_C(0x7FF0000000000000),
      UINT64_C(0xFFF0000000000000), /* +-inf */
      UINT64_C(0x7FF8000000000000),
      UINT64_C(0x7FF4000000000123), /* NaNs */
      UINT64_C(0xFFF8000000000001),
      1, /* -NaN, denormal */
      UINT64_C(0x7FEFFFFFFFFFFFFF),
      UINT64_C(0x3FF0000000000000), /* max, 1.0 */
  };
  uint64_t bits;
  uint64_t r = pbt_rng_below(rng, 100);
  if (r < 20) {
    bits = specials[pbt_rng_below(rng, sizeof specials / sizeof specials[0])];
  } else if (r < 60) {
    double d = (double)(int64_t)random_integer(rng, 32, true) / 8.0;
    memcpy(&bits, &d, sizeof bits);
  } else {
    bits = pbt_rng_next(rng);
  }
  double d;
  memcpy(&d, &bits, sizeof d);
  return d;
}

static float random_float(pbt_rng_t *rng) {
  static const uint32_t specials[] = {
      0,           0x80000000u, 0x7F800000u, 0xFF800000u, 0x7FC00000u,
      0x7FA00123u, 0xFFC00001u, 1,           0x7F7FFFFFu, 0x3F800000u,
  };
  uint32_t bits;
  uint64_t r = pbt_rng_below(rng, 100);
  if (r < 20) {
    bits = specials[pbt_rng_below(rng, sizeof specials / sizeof specials[0])];
  } else if (r < 60) {
    float f = (float)(int32_t)random_integer(rng, 16, true) / 4.0f;
    memcpy(&bits, &f, sizeof bits);
  } else {
    bits = (uint32_t)pbt_rng_next(rng);
  }
  float f;
  memcpy(&f, &bits, sizeof f);
  return f;
}

static size_t random_length(pbt_rng_t *rng) {
  static const size_t common[] = {0, 1, 2, 3, 5, 8, 16, 40};
  if (pbt_rng_chance(rng, 97)) return common[pbt_rng_below(rng, 8)];
  return 100 + pbt_rng_below(rng, 300);
}

static size_t put_utf8(uint8_t *p, uint32_t c) {
  if (c < 0x80) {
    p[0] = (uint8_t)c;
    return 1;
  }
  if (c < 0x800) {
    p[0] = (uint8_t)(0xC0 | c >> 6);
    p[1] = (uint8_t)(0x80 | (c & 0x3F));
    return 2;
  }
  if (c < 0x10000) {
    p[0] = (uint8_t)(0xE0 | c >> 12);
    p[1] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
    p[2] = (uint8_t)(0x80 | (c & 0x3F));
    return 3;
  }
  p[0] = (uint8_t)(0xF0 | c >> 18);
  p[1] = (uint8_t)(0x80 | ((c >> 12) & 0x3F));
  p[2] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
  p[3] = (uint8_t)(0x80 | (c & 0x3F));
  return 4;
}

/* Valid UTF-8 with characters of every encoded length, NUL included. */
static cgrpc_str_t random_text(fill_ctx_t *c) {
  size_t n = random_length(c->rng);
  uint8_t *p = ctx_alloc(c, n * 4);
  size_t len = 0;
  for (size_t i = 0; p && i < n; i++) {
    uint64_t r = pbt_rng_below(c->rng, 100);
    uint32_t cp;
    if (r < 60) {
      cp = 0x20 + (uint32_t)pbt_rng_below(c->rng, 0x5F);
    } else if (r < 65) {
      cp = (uint32_t)pbt_rng_below(c->rng, 0x20);
    } else if (r < 80) {
      cp = 0x80 + (uint32_t)pbt_rng_below(c->rng, 0x780);
    } else if (r < 93) {
      cp = 0x800 + (uint32_t)pbt_rng_below(c->rng, 0xF7FE);
      if (cp >= 0xD800 && cp <= 0xDFFF) cp -= 0x800; /* no surrogates */
    } else {
      cp = 0x10000 + (uint32_t)pbt_rng_below(c->rng, 0x100000);
    }
    len += put_utf8(p + len, cp);
  }
  return (cgrpc_str_t){(const char *)p, p ? len : 0};
}

static cgrpc_str_t random_bytes(fill_ctx_t *c) {
  size_t n = random_length(c->rng);
  uint8_t *p = ctx_alloc(c, n);
  for (size_t i = 0; p && i < n; i++) p[i] = (uint8_t)pbt_rng_next(c->rng);
  return (cgrpc_str_t){(const char *)p, p ? n : 0};
}

static int32_t random_enum(fill_ctx_t *c, const cgrpc_pb_msg_table_t *t,
                           const cgrpc_pb_field_t *f) {
  if (f->flags & CGRPC_PB_FIELD_CLOSED_ENUM) {
    const cgrpc_pb_enum_table_t *e = t->subs[f->sub].enm;
    return e->values[pbt_rng_below(c->rng, e->value_count)];
  }
  /* Open enums take any int32; most values are near the defined ones. */
  if (pbt_rng_chance(c->rng, 70)) return (int32_t)pbt_rng_below(c->rng, 5) - 1;
  return (int32_t)random_integer(c->rng, 32, true);
}

static bool fill_message(fill_ctx_t *c, void *msg, const cgrpc_pb_msg_table_t *t, int depth);

/* One random value of field `f` into `dst` (a struct member or array slot). */
static void random_value(fill_ctx_t *c, const cgrpc_pb_msg_table_t *t, const cgrpc_pb_field_t *f,
                         void *dst, int depth) {
  pbt_rng_t *rng = c->rng;
  switch (f->type) {
    case CGRPC_PB_DOUBLE: {
      double d = random_double(rng);
      memcpy(dst, &d, sizeof d);
      break;
    }
    case CGRPC_PB_FLOAT: {
      float v = random_float(rng);
      memcpy(dst, &v, sizeof v);
      break;
    }
    case CGRPC_PB_INT64:
    case CGRPC_PB_SINT64:
    case CGRPC_PB_SFIXED64:
    case CGRPC_PB_UINT64:
    case CGRPC_PB_FIXED64: {
      bool is_signed = f->type != CGRPC_PB_UINT64 && f->type != CGRPC_PB_FIXED64;
      uint64_t v = random_integer(rng, 64, is_signed);
      memcpy(dst, &v, sizeof v);
      break;
    }
    case CGRPC_PB_INT32:
    case CGRPC_PB_SINT32:
    case CGRPC_PB_SFIXED32:
    case CGRPC_PB_UINT32:
    case CGRPC_PB_FIXED32: {
      bool is_signed = f->type != CGRPC_PB_UINT32 && f->type != CGRPC_PB_FIXED32;
      uint32_t v = (uint32_t)random_integer(rng, 32, is_signed);
      memcpy(dst, &v, sizeof v);
      break;
    }
    case CGRPC_PB_ENUM: {
      int32_t v = random_enum(c, t, f);
      memcpy(dst, &v, sizeof v);
      break;
    }
    case CGRPC_PB_BOOL:
      *(bool *)dst = pbt_rng_chance(rng, 50);
      break;
    case CGRPC_PB_STRING:
      *(cgrpc_str_t *)dst = random_text(c);
      break;
    case CGRPC_PB_BYTES:
      *(cgrpc_str_t *)dst = random_bytes(c);
      break;
    default: { /* message or group */
      const cgrpc_pb_msg_table_t *sub = t->subs[f->sub].msg;
      void *m = cgrpc_pb_msg_new(sub, c->arena);
      if (!m) {
        c->ok = false;
        break;
      }
      fill_message(c, m, sub, depth + 1);
      *(void **)dst = m;
      break;
    }
  }
}

/* ---- Fields ------------------------------------------------------------- */

static size_t random_count(fill_ctx_t *c, const cgrpc_pb_field_t *f) {
  if (is_message(f->type)) return 1 + pbt_rng_below(c->rng, 3);
  if (pbt_rng_chance(c->rng, 90)) return 1 + pbt_rng_below(c->rng, 4);
  return 5 + pbt_rng_below(c->rng, 36);
}

/* Sub-messages get rarer with depth and stop at the bound. */
static bool want_submessage(fill_ctx_t *c, int depth) {
  return depth < c->opt->max_depth && pbt_rng_below(c->rng, 100) * (unsigned)(1 + depth) < 60;
}

static void fill_repeated(fill_ctx_t *c, void *msg, const cgrpc_pb_msg_table_t *t,
                          const cgrpc_pb_field_t *f, int depth) {
  size_t n = random_count(c, f), size = value_size(f->type);
  char *data = ctx_alloc(c, n * size);
  if (!data) return;
  for (size_t i = 0; i < n; i++) random_value(c, t, f, data + i * size, depth);
  cgrpc_pb_array_t *arr = (cgrpc_pb_array_t *)((char *)msg + f->offset);
  *arr = (cgrpc_pb_array_t){data, n, n};
}

static bool same_key(const cgrpc_pb_field_t *key, const void *a, const void *b) {
  const char *ka = (const char *)a + key->offset, *kb = (const char *)b + key->offset;
  if (key->type == CGRPC_PB_STRING) {
    const cgrpc_str_t *sa = (const cgrpc_str_t *)ka, *sb = (const cgrpc_str_t *)kb;
    return sa->len == sb->len && (sa->len == 0 || memcmp(sa->data, sb->data, sa->len) == 0);
  }
  return memcmp(ka, kb, value_size(key->type)) == 0;
}

static void set_present(void *msg, const cgrpc_pb_field_t *f) {
  if (f->flags & CGRPC_PB_FIELD_HAS) *(bool *)((char *)msg + f->presence) = true;
  if (f->flags & CGRPC_PB_FIELD_ONEOF) *(uint32_t *)((char *)msg + f->presence) = f->number;
}

/* Entries with distinct keys, each with key and value present. */
static void fill_map(fill_ctx_t *c, void *msg, const cgrpc_pb_msg_table_t *t,
                     const cgrpc_pb_field_t *f, int depth) {
  const cgrpc_pb_msg_table_t *entry = t->subs[f->sub].msg;
  const cgrpc_pb_field_t *key = &entry->fields[0], *val = &entry->fields[1];
  size_t want = random_count(c, val), n = 0;
  void **data = ctx_alloc(c, want * sizeof(void *));
  if (!data) return;
  for (size_t i = 0; i < want; i++) {
    void *e = cgrpc_pb_msg_new(entry, c->arena);
    if (!e) {
      c->ok = false;
      break;
    }
    random_value(c, entry, key, (char *)e + key->offset, depth + 1);
    bool dup = false;
    for (size_t j = 0; j < n && !dup; j++) dup = same_key(key, data[j], e);
    if (dup) continue;
    random_value(c, entry, val, (char *)e + val->offset, depth + 1);
    set_present(e, key);
    set_present(e, val);
    data[n++] = e;
  }
  cgrpc_pb_array_t *arr = (cgrpc_pb_array_t *)((char *)msg + f->offset);
  *arr = (cgrpc_pb_array_t){data, n, want};
}

static void fill_field(fill_ctx_t *c, void *msg, const cgrpc_pb_msg_table_t *t,
                       const cgrpc_pb_field_t *f, int depth) {
  bool required = f->flags & CGRPC_PB_FIELD_REQUIRED;
  if (f->flags & CGRPC_PB_FIELD_MAP) {
    const cgrpc_pb_msg_table_t *entry = t->subs[f->sub].msg;
    bool deep = is_message(entry->fields[1].type);
    if (pbt_rng_chance(c->rng, 30) && (!deep || want_submessage(c, depth))) {
      fill_map(c, msg, t, f, depth);
    }
  } else if (f->flags & CGRPC_PB_FIELD_REPEATED) {
    if (pbt_rng_chance(c->rng, 40) && (!is_message(f->type) || want_submessage(c, depth))) {
      fill_repeated(c, msg, t, f, depth);
    }
  } else if (required ||
             (is_message(f->type) ? want_submessage(c, depth) : pbt_rng_chance(c->rng, 50))) {
    random_value(c, t, f, (char *)msg + f->offset, depth);
    set_present(msg, f);
  }
}

/* Picks at most one member of the oneof whose case lives at `presence`. */
static void fill_oneof(fill_ctx_t *c, void *msg, const cgrpc_pb_msg_table_t *t, size_t first,
                       int depth) {
  uint16_t presence = t->fields[first].presence;
  size_t members = 0;
  for (size_t i = first; i < t->field_count; i++) {
    if ((t->fields[i].flags & CGRPC_PB_FIELD_ONEOF) && t->fields[i].presence == presence) members++;
  }
  size_t pick = pbt_rng_below(c->rng, members + 1);
  for (size_t i = first; i < t->field_count; i++) {
    const cgrpc_pb_field_t *f = &t->fields[i];
    if (!(f->flags & CGRPC_PB_FIELD_ONEOF) || f->presence != presence || pick-- != 0) continue;
    if (is_message(f->type) && !want_submessage(c, depth)) return;
    random_value(c, t, f, (char *)msg + f->offset, depth);
    set_present(msg, f);
    return;
  }
}

/* True when field i is the first member of its oneof in table order. */
static bool first_of_oneof(const cgrpc_pb_msg_table_t *t, size_t i) {
  for (size_t j = 0; j < i; j++) {
    if ((t->fields[j].flags & CGRPC_PB_FIELD_ONEOF) &&
        t->fields[j].presence == t->fields[i].presence)
      return false;
  }
  return true;
}

static size_t put_varint(uint8_t *p, uint64_t v) {
  size_t n = 0;
  while (v >= 0x80) {
    p[n++] = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  p[n++] = (uint8_t)v;
  return n;
}

static size_t unknown_fields(pbt_rng_t *rng, uint8_t *out, int level) {
  size_t len = 0, count = 1 + pbt_rng_below(rng, 3);
  for (size_t i = 0; i < count; i++) {
    uint32_t number = 900 + (uint32_t)pbt_rng_below(rng, 100);
    unsigned wt = (unsigned)pbt_rng_below(rng, level < 2 ? 5 : 4);
    static const unsigned wire_types[] = {0, 1, 2, 5, 3};
    wt = wire_types[wt];
    len += put_varint(out + len, (uint64_t)number << 3 | wt);
    if (wt == 0) {
      len += put_varint(out + len, random_integer(rng, 64, true));
    } else if (wt == 1 || wt == 5) {
      for (unsigned b = 0; b < (wt == 1 ? 8u : 4u); b++) out[len++] = (uint8_t)pbt_rng_next(rng);
    } else if (wt == 2) {
      size_t n = pbt_rng_below(rng, 41);
      len += put_varint(out + len, n);
      for (size_t b = 0; b < n; b++) out[len++] = (uint8_t)pbt_rng_next(rng);
    } else {
      len += unknown_fields(rng, out + len, level + 1);
      len += put_varint(out + len, (uint64_t)number << 3 | 4);
    }
  }
  return len;
}

size_t pbt_random_unknown(pbt_rng_t *rng, uint8_t *out) { return unknown_fields(rng, out, 0); }

static bool fill_message(fill_ctx_t *c, void *msg, const cgrpc_pb_msg_table_t *t, int depth) {
  for (size_t i = 0; i < t->field_count; i++) {
    const cgrpc_pb_field_t *f = &t->fields[i];
    if (!(f->flags & CGRPC_PB_FIELD_ONEOF)) {
      fill_field(c, msg, t, f, depth);
    } else if (first_of_oneof(t, i)) {
      fill_oneof(c, msg, t, i, depth);
    }
  }
  if (c->opt->unknown_fields && !(t->flags & CGRPC_PB_MSG_MAP_ENTRY) &&
      pbt_rng_chance(c->rng, 20)) {
    uint8_t buf[PBT_UNKNOWN_MAX];
    size_t n = pbt_random_unknown(c->rng, buf);
    void *p = cgrpc_arena_memdup(c->arena, buf, n);
    if (!p) c->ok = false;
    if (p) *(cgrpc_str_t *)msg = (cgrpc_str_t){p, n};
  }
  return c->ok;
}

bool pbt_fill(pbt_rng_t *rng, void *msg, const cgrpc_pb_msg_table_t *table, cgrpc_arena_t *arena,
              const pbt_fill_options_t *options) {
  fill_ctx_t c = {rng, arena, options, true};
  return fill_message(&c, msg, table, 0);
}

/* ---- Perturbation ------------------------------------------------------- */

/* Some other value of the same field: bits flipped (any flip is a difference
 * to a bitwise comparison), a bool negated, a string changed or lengthened. */
static void other_value(fill_ctx_t *c, const cgrpc_pb_field_t *f, void *v) {
  if (f->type == CGRPC_PB_BOOL) {
    *(bool *)v = !*(bool *)v;
  } else if (f->type == CGRPC_PB_STRING || f->type == CGRPC_PB_BYTES) {
    cgrpc_str_t *s = v;
    char *p = ctx_alloc(c, s->len + 1);
    if (!p) return;
    if (s->len) memcpy(p, s->data, s->len);
    p[s->len] = 'x';
    *s = (cgrpc_str_t){p, s->len + 1};
  } else {
    size_t bit = pbt_rng_below(c->rng, value_size(f->type) * 8);
    ((uint8_t *)v)[bit / 8] ^= (uint8_t)(1u << (bit % 8));
  }
}

static void perturb_message(fill_ctx_t *c, void *msg, const cgrpc_pb_msg_table_t *t);

static void perturb_field(fill_ctx_t *c, void *msg, const cgrpc_pb_msg_table_t *t,
                          const cgrpc_pb_field_t *f) {
  char *v = (char *)msg + f->offset;
  if (f->flags & CGRPC_PB_FIELD_REPEATED) {
    cgrpc_pb_array_t *arr = (cgrpc_pb_array_t *)v;
    if (arr->count && is_message(f->type) && !(f->flags & CGRPC_PB_FIELD_MAP) &&
        pbt_rng_chance(c->rng, 50)) {
      void *elem = ((void **)arr->data)[pbt_rng_below(c->rng, arr->count)];
      perturb_message(c, elem, t->subs[f->sub].msg);
    } else if (arr->count) {
      arr->count--; /* map keys are unique, so a map loses a key */
    } else if (!(f->flags & CGRPC_PB_FIELD_MAP)) {
      fill_repeated(c, msg, t, f, c->opt->max_depth);
    } else {
      fill_map(c, msg, t, f, c->opt->max_depth);
    }
    return;
  }
  if (f->flags & CGRPC_PB_FIELD_ONEOF) {
    uint32_t *which = (uint32_t *)((char *)msg + f->presence);
    if (*which == f->number) {
      *which = 0;
    } else {
      random_value(c, t, f, v, c->opt->max_depth);
      *which = f->number;
    }
    return;
  }
  if (is_message(f->type)) {
    void **slot = (void **)v;
    if (*slot && pbt_rng_chance(c->rng, 70)) {
      perturb_message(c, *slot, t->subs[f->sub].msg);
    } else if (*slot) {
      *slot = NULL;
    } else {
      *slot = cgrpc_pb_msg_new(t->subs[f->sub].msg, c->arena); /* present and empty */
      if (!*slot) c->ok = false;
    }
    return;
  }
  bool *has = (f->flags & CGRPC_PB_FIELD_HAS) ? (bool *)((char *)msg + f->presence) : NULL;
  /* The value of an absent field does not count: make it present instead. */
  if (has && (!*has || pbt_rng_chance(c->rng, 50))) {
    *has = !*has;
    return;
  }
  other_value(c, f, v);
}

static void perturb_message(fill_ctx_t *c, void *msg, const cgrpc_pb_msg_table_t *t) {
  size_t pick = pbt_rng_below(c->rng, t->field_count + 1u);
  if (pick == t->field_count) {
    /* The unknown bytes: one more unknown field. */
    cgrpc_str_t *unknown = msg;
    uint8_t buf[PBT_UNKNOWN_MAX];
    size_t n = pbt_random_unknown(c->rng, buf);
    char *p = ctx_alloc(c, unknown->len + n);
    if (!p) return;
    if (unknown->len) memcpy(p, unknown->data, unknown->len);
    memcpy(p + unknown->len, buf, n);
    *unknown = (cgrpc_str_t){p, unknown->len + n};
    return;
  }
  perturb_field(c, msg, t, &t->fields[pick]);
}

bool pbt_perturb(pbt_rng_t *rng, void *msg, const cgrpc_pb_msg_table_t *table,
                 cgrpc_arena_t *arena) {
  static const pbt_fill_options_t shallow = {.max_depth = 0, .unknown_fields = false};
  fill_ctx_t c = {rng, arena, &shallow, true};
  perturb_message(&c, msg, table);
  return c.ok;
}

/* ---- Depth -------------------------------------------------------------- */

static bool field_present(const void *msg, const cgrpc_pb_field_t *f) {
  if (f->flags & CGRPC_PB_FIELD_ONEOF)
    return *(const uint32_t *)((const char *)msg + f->presence) == f->number;
  return true;
}

/* Reads a varint; false when the bytes end first. */
static bool get_varint(const uint8_t **p, const uint8_t *end, uint64_t *v) {
  *v = 0;
  for (unsigned shift = 0; shift < 64 && *p < end; shift += 7) {
    uint8_t b = *(*p)++;
    *v |= (uint64_t)(b & 0x7F) << shift;
    if (b < 0x80) return true;
  }
  return false;
}

/* Deepest group nesting in a run of unknown fields, up to the end-group tag
 * of `group` (0 at top level). */
static int unknown_depth(const uint8_t **p, const uint8_t *end, uint32_t group) {
  int deepest = 0;
  uint64_t tag, v;
  while (get_varint(p, end, &tag)) {
    unsigned wt = tag & 7;
    if (wt == 4 && (tag >> 3) == group) break;
    uint64_t skip = wt == 1 ? 8 : wt == 5 ? 4 : 0;
    if ((wt == 0 || wt == 2) && !get_varint(p, end, &v)) break;
    if (wt == 2) skip = v;
    if (wt == 3) {
      int d = 1 + unknown_depth(p, end, (uint32_t)(tag >> 3));
      if (d > deepest) deepest = d;
    }
    if (skip > (uint64_t)(end - *p)) break;
    *p += skip;
  }
  return deepest;
}

int pbt_message_depth(const void *msg, const cgrpc_pb_msg_table_t *t) {
  const cgrpc_str_t *unknown = msg;
  const uint8_t *u = (const uint8_t *)unknown->data;
  int deepest = unknown->len ? unknown_depth(&u, u + unknown->len, 0) : 0;
  for (size_t i = 0; i < t->field_count; i++) {
    const cgrpc_pb_field_t *f = &t->fields[i];
    if (!is_message(f->type) || !field_present(msg, f)) continue;
    const cgrpc_pb_msg_table_t *sub = t->subs[f->sub].msg;
    const void *p = (const char *)msg + f->offset;
    if (f->flags & CGRPC_PB_FIELD_REPEATED) {
      const cgrpc_pb_array_t *arr = p;
      for (size_t j = 0; j < arr->count; j++) {
        int d = 1 + pbt_message_depth(((void *const *)arr->data)[j], sub);
        if (d > deepest) deepest = d;
      }
    } else if (*(void *const *)p) {
      int d = 1 + pbt_message_depth(*(void *const *)p, sub);
      if (d > deepest) deepest = d;
    }
  }
  return deepest;
}

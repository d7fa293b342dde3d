/* reflect/layout.c — run-time tables for messages that have no generated
 * code: the same cgrpc_pb_msg_table_t the generator emits, over a C layout
 * computed here by the rules of cgrpc/pb_table.h (`_unknown` first, scalars
 * in place at their natural alignment, strings as cgrpc_str_t, messages as
 * pointers, repeated fields as cgrpc_pb_array_t, a bool per explicit
 * presence, a uint32_t case and a union per oneof). The has_ flags and oneof
 * cases come right after `_unknown`, so their offsets always fit the
 * table's 16-bit `presence`.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pb/table.h"
#include "reflect/pool.h"

typedef struct layout {
  uint32_t offset;
  uint16_t presence;
  uint8_t flags;
} layout_t;

static void *calloc_n(cgrpc_arena_t *a, size_t n, size_t size) {
  if (n && size > SIZE_MAX / n) return NULL;
  return cgrpc_arena_calloc(a, n * size > 0 ? n * size : 1);
}

typedef struct numbered {
  int32_t number;
  uint32_t order; /* declaration order, so the first name of a number wins */
} numbered_t;

static int compare_numbered(const void *x, const void *y) {
  const numbered_t *a = x, *b = y;
  if (a->number != b->number) return (a->number > b->number) - (a->number < b->number);
  return (a->order > b->order) - (a->order < b->order);
}

const cgrpc_pb_enum_table_t *reflect_build_enum_table(cgrpc_arena_t *a, const cgrpc_enum_desc_t *e) {
  cgrpc_pb_enum_table_t *t = calloc_n(a, 1, sizeof(*t));
  int32_t *values = calloc_n(a, e->value_count, sizeof(*values));
  const char **names = calloc_n(a, e->value_count, sizeof(*names));
  numbered_t *sorted = calloc_n(a, e->value_count, sizeof(*sorted));
  if (!t || !values || !names || !sorted) return NULL;
  /* Sorted by number, keeping the first declared name of each number
   * (aliases), as the generator does. */
  for (size_t i = 0; i < e->value_count; i++) {
    sorted[i] = (numbered_t){e->values[i].number, (uint32_t)i};
  }
  qsort(sorted, e->value_count, sizeof(*sorted), compare_numbered);
  size_t n = 0;
  for (size_t i = 0; i < e->value_count; i++) {
    if (n && values[n - 1] == sorted[i].number) continue;
    values[n] = sorted[i].number;
    names[n] = e->values[sorted[i].order].name;
    n++;
  }
  t->full_name = e->full_name;
  t->values = values;
  t->names = names;
  t->value_count = (uint32_t)n;
  return t;
}

static size_t align_up(size_t n, size_t a) { return (n + a - 1) / a * a; }

/* Bytes a field's member takes in the struct, and its alignment. */
static size_t member_size(const cgrpc_field_desc_t *f, size_t *align) {
  if (f->label == CGRPC_LABEL_REPEATED) {
    *align = _Alignof(cgrpc_pb_array_t);
    return sizeof(cgrpc_pb_array_t);
  }
  size_t size = cgrpc_pb_type_size[f->type];
  *align = size == sizeof(cgrpc_str_t) ? _Alignof(cgrpc_str_t)
           : size == sizeof(void *) && cgrpc_pb_type_is_message(f->type) ? _Alignof(void *)
                                                                          : size;
  return size;
}

static bool explicit_presence(const cgrpc_msg_desc_t *m, const cgrpc_field_desc_t *f) {
  return f->label != CGRPC_LABEL_REPEATED && !cgrpc_pb_type_is_message(f->type) && !f->oneof &&
         !m->map_entry && (m->file->proto3 ? f->proto3_optional : true);
}

/* Unescapes protoc's C-style text of a bytes default (\n, \\, \", \', \?,
 * octal \NNN and hex \xHH). False on a bad escape. */
static bool unescape(cgrpc_arena_t *a, const char *text, cgrpc_str_t *out) {
  size_t n = strlen(text);
  char *buf = calloc_n(a, n + 1, 1);
  if (!buf) return false;
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    char c = text[i];
    if (c != '\\') {
      buf[k++] = c;
      continue;
    }
    if (++i >= n) return false;
    c = text[i];
    const char *simple = strchr("n\nr\rt\ta\ab\bf\fv\v\\\\\"\"''??", c);
    if (c && simple && (simple - "n\nr\rt\ta\ab\bf\fv\v\\\\\"\"''??") % 2 == 0) {
      buf[k++] = simple[1];
    } else if (c >= '0' && c <= '7') {
      unsigned v = 0;
      for (int d = 0; d < 3 && i < n && text[i] >= '0' && text[i] <= '7'; d++) v = v * 8 + (unsigned)(text[i++] - '0');
      i--;
      buf[k++] = (char)v;
    } else if (c == 'x' && i + 1 < n && strchr("0123456789abcdefABCDEF", text[i + 1]) && text[i + 1]) {
      unsigned v = 0;
      for (int d = 0; d < 2 && i + 1 < n; d++) {
        char h = text[i + 1];
        int x = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10 : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
        if (x < 0) break;
        v = v * 16 + (unsigned)x;
        i++;
      }
      buf[k++] = (char)v;
    } else {
      return false;
    }
  }
  *out = (cgrpc_str_t){buf, k};
  return true;
}

/* Writes the default of `f` (explicit, or an enum's first value) into the
 * default instance at `v`. Returns 0 when it is all-zero bytes (nothing
 * written), 1 when written, -1 when the text is not a valid default. */
static int write_default(cgrpc_arena_t *a, const cgrpc_field_desc_t *f, void *v) {
  const char *text = f->default_text;
  if (!text) {
    if (f->type == CGRPC_PB_ENUM && f->enum_type->value_count &&
        f->enum_type->values[0].number != 0) {
      *(int32_t *)v = f->enum_type->values[0].number;
      return 1;
    }
    return 0;
  }
  char *end = NULL;
  errno = 0;
  switch (f->type) {
    case CGRPC_PB_INT32:
    case CGRPC_PB_SINT32:
    case CGRPC_PB_SFIXED32: {
      long long x = strtoll(text, &end, 10);
      if (errno || *end || end == text || x < INT32_MIN || x > INT32_MAX) return -1;
      *(int32_t *)v = (int32_t)x;
      return x != 0;
    }
    case CGRPC_PB_INT64:
    case CGRPC_PB_SINT64:
    case CGRPC_PB_SFIXED64: {
      long long x = strtoll(text, &end, 10);
      if (errno || *end || end == text) return -1;
      *(int64_t *)v = x;
      return x != 0;
    }
    case CGRPC_PB_UINT32:
    case CGRPC_PB_FIXED32: {
      unsigned long long x = strtoull(text, &end, 10);
      if (errno || *end || end == text || text[0] == '-' || x > UINT32_MAX) return -1;
      *(uint32_t *)v = (uint32_t)x;
      return x != 0;
    }
    case CGRPC_PB_UINT64:
    case CGRPC_PB_FIXED64: {
      unsigned long long x = strtoull(text, &end, 10);
      if (errno || *end || end == text || text[0] == '-') return -1;
      *(uint64_t *)v = x;
      return x != 0;
    }
    case CGRPC_PB_DOUBLE:
    case CGRPC_PB_FLOAT: {
      double x;
      if (strcmp(text, "inf") == 0) {
        x = INFINITY;
      } else if (strcmp(text, "-inf") == 0) {
        x = -INFINITY;
      } else if (strcmp(text, "nan") == 0) {
        x = NAN;
      } else {
        x = strtod(text, &end);
        if (*end || end == text) return -1;
      }
      if (f->type == CGRPC_PB_FLOAT) {
        *(float *)v = (float)x;
      } else {
        *(double *)v = x;
      }
      return 1;
    }
    case CGRPC_PB_BOOL:
      if (strcmp(text, "true") == 0) {
        *(bool *)v = true;
        return 1;
      }
      return strcmp(text, "false") == 0 ? 0 : -1;
    case CGRPC_PB_ENUM: {
      const cgrpc_enum_value_desc_t *ev = cgrpc_enum_desc_value(f->enum_type, text);
      if (!ev) return -1;
      *(int32_t *)v = ev->number;
      return ev->number != 0;
    }
    case CGRPC_PB_STRING:
    case CGRPC_PB_BYTES: {
      cgrpc_str_t s = {text, strlen(text)};
      if (f->type == CGRPC_PB_BYTES && !unescape(a, text, &s)) return -1;
      *(cgrpc_str_t *)v = s;
      return s.len != 0;
    }
    default:
      return -1;
  }
}

static int compare_by_number(const void *x, const void *y) {
  const cgrpc_field_desc_t *a = *(const cgrpc_field_desc_t *const *)x;
  const cgrpc_field_desc_t *b = *(const cgrpc_field_desc_t *const *)y;
  return (a->number > b->number) - (a->number < b->number);
}

static cgrpc_status_code_t build_one(cgrpc_arena_t *a, cgrpc_msg_desc_t *m, cgrpc_error_t *err) {
  cgrpc_pb_msg_table_t *t = (cgrpc_pb_msg_table_t *)m->table;
  size_t n = m->field_count;
  layout_t *lay = calloc_n(a, n, sizeof(*lay));
  const cgrpc_field_desc_t **sorted = calloc_n(a, n, sizeof(*sorted));
  cgrpc_pb_field_t *rows = calloc_n(a, n, sizeof(*rows));
  cgrpc_pb_sub_t *subs = calloc_n(a, n, sizeof(*subs));
  const char **names = calloc_n(a, n, sizeof(*names));
  const char **json = calloc_n(a, n, sizeof(*json));
  size_t *oneof_offset = calloc_n(a, m->oneof_count, sizeof(size_t));
  size_t *oneof_case = calloc_n(a, m->oneof_count, sizeof(size_t));
  if (!lay || !sorted || !rows || !subs || !names || !json || !oneof_offset || !oneof_case) {
    return reflect_fail(err, CGRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
  }
  size_t off = sizeof(cgrpc_str_t); /* _unknown */
  uint8_t msg_flags = m->map_entry ? CGRPC_PB_MSG_MAP_ENTRY : 0;
  for (size_t i = 0; i < n; i++) {
    if (explicit_presence(m, &m->fields[i])) {
      lay[i].presence = (uint16_t)off++;
      lay[i].flags |= CGRPC_PB_FIELD_HAS;
    }
  }
  for (size_t i = 0; i < m->oneof_count; i++) {
    if (m->oneofs[i].synthetic || !m->oneofs[i].field_count) continue;
    off = align_up(off, sizeof(uint32_t));
    oneof_case[i] = off;
    off += sizeof(uint32_t);
  }
  if (off > UINT16_MAX) {
    return reflect_fail(err, CGRPC_STATUS_INVALID_ARGUMENT,
                        "message %s has too many optional fields and oneofs", m->full_name);
  }
  for (size_t i = 0; i < n; i++) {
    const cgrpc_field_desc_t *f = &m->fields[i];
    if (f->oneof) continue;
    size_t align, size = member_size(f, &align);
    off = align_up(off, align);
    lay[i].offset = (uint32_t)off;
    off += size;
  }
  for (size_t i = 0; i < m->oneof_count; i++) {
    const cgrpc_oneof_desc_t *o = &m->oneofs[i];
    if (o->synthetic || !o->field_count) continue;
    size_t max_align = 1, max_size = 0;
    for (size_t j = 0; j < o->field_count; j++) {
      size_t align, size = member_size(o->fields[j], &align);
      if (align > max_align) max_align = align;
      if (size > max_size) max_size = size;
    }
    off = align_up(off, max_align);
    oneof_offset[i] = off;
    off += max_size;
  }
  for (size_t i = 0; i < n; i++) {
    const cgrpc_field_desc_t *f = &m->fields[i];
    if (!f->oneof) continue;
    size_t o = (size_t)(f->oneof - m->oneofs);
    lay[i].offset = (uint32_t)oneof_offset[o];
    lay[i].presence = (uint16_t)oneof_case[o];
    lay[i].flags |= CGRPC_PB_FIELD_ONEOF;
  }
  off = align_up(off, 8);
  if (off > UINT32_MAX / 2) {
    return reflect_fail(err, CGRPC_STATUS_INVALID_ARGUMENT, "message %s is too large",
                        m->full_name);
  }

  for (size_t i = 0; i < n; i++) sorted[i] = &m->fields[i];
  qsort(sorted, n, sizeof(*sorted), compare_by_number);
  size_t sub_count = 0;
  void *defaults = NULL;
  for (size_t i = 0; i < n; i++) {
    const cgrpc_field_desc_t *f = sorted[i];
    size_t k = (size_t)(f - m->fields);
    cgrpc_pb_field_t *r = &rows[i];
    r->number = f->number;
    r->offset = lay[k].offset;
    r->presence = lay[k].presence;
    r->type = (uint8_t)f->type;
    uint8_t flags = lay[k].flags;
    if (f->label == CGRPC_LABEL_REPEATED) flags |= CGRPC_PB_FIELD_REPEATED;
    if (f->packed) flags |= CGRPC_PB_FIELD_PACKED;
    if (f->is_map) flags |= CGRPC_PB_FIELD_MAP;
    if (f->type == CGRPC_PB_STRING && m->file->proto3) flags |= CGRPC_PB_FIELD_UTF8;
    if (f->enum_type && f->enum_type->closed) flags |= CGRPC_PB_FIELD_CLOSED_ENUM;
    if (f->label == CGRPC_LABEL_REQUIRED) {
      flags |= CGRPC_PB_FIELD_REQUIRED;
      msg_flags |= CGRPC_PB_MSG_HAS_REQUIRED;
    }
    r->flags = flags;
    if (f->message || f->enum_type) { /* open enums too: JSON prints names */
      cgrpc_pb_sub_t s;
      memset(&s, 0, sizeof s);
      if (f->message) {
        s.msg = f->message->table;
      } else {
        s.enm = f->enum_type->table;
      }
      /* One entry per field, no sharing: finding a shared one would cost a
       * search per field, and the count stays within uint16_t anyway. */
      subs[sub_count] = s;
      r->sub = (uint16_t)sub_count++;
    }
    names[i] = f->name;
    json[i] = f->json_name;
    ((cgrpc_field_desc_t *)f)->slot = r;
    if (f->label == CGRPC_LABEL_REPEATED || f->oneof || f->message) continue;
    char scratch[sizeof(cgrpc_str_t)];
    memset(scratch, 0, sizeof scratch);
    int w = write_default(a, f, scratch);
    if (w < 0) {
      return reflect_fail(err, CGRPC_STATUS_INVALID_ARGUMENT,
                          "field %s: cannot use default value \"%s\"", f->full_name,
                          f->default_text);
    }
    if (w > 0) {
      if (!defaults && !(defaults = calloc_n(a, 1, off))) {
        return reflect_fail(err, CGRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
      }
      memcpy((char *)defaults + r->offset, scratch, cgrpc_pb_type_size[f->type]);
    }
  }
  size_t dense = 0;
  while (dense < n && dense < 255 && rows[dense].number == dense + 1) dense++;
  t->full_name = m->full_name;
  t->fields = n ? rows : NULL;
  t->subs = sub_count ? subs : NULL;
  t->field_names = n ? names : NULL;
  t->json_names = n ? json : NULL;
  t->default_instance = defaults;
  t->size = (uint32_t)off;
  t->field_count = (uint16_t)n;
  t->dense_count = (uint8_t)dense;
  t->flags = msg_flags;
  return CGRPC_STATUS_OK;
}

cgrpc_status_code_t reflect_build_tables(cgrpc_arena_t *a, cgrpc_msg_desc_t *const *msgs,
                                         size_t count, cgrpc_error_t *err) {
  /* Every table exists before any is filled: fields point at the tables of
   * their sub-messages, which may come later in the file, or be the message
   * itself. */
  for (size_t i = 0; i < count; i++) {
    msgs[i]->table = calloc_n(a, 1, sizeof(cgrpc_pb_msg_table_t));
    if (!msgs[i]->table) return reflect_fail(err, CGRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
  }
  for (size_t i = 0; i < count; i++) {
    cgrpc_status_code_t code = build_one(a, msgs[i], err);
    if (code != CGRPC_STATUS_OK) return code;
  }
  return CGRPC_STATUS_OK;
}

/* reflect/pool.c — pools: creation, the symbol table, lookups, and the three
 * ways files come in (serialized, a descriptor set, generated code). The
 * descriptors themselves are built in reflect/build.c. */
#include "reflect/pool.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "google/protobuf/any.pb.h"
#include "google/protobuf/api.pb.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/empty.pb.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/source_context.pb.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/type.pb.h"
#include "google/protobuf/wrappers.pb.h"

cgrpc_status_code_t reflect_fail(cgrpc_error_t *err, cgrpc_status_code_t code, const char *fmt,
                                 ...) {
  if (err) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
  }
  return code;
}

/* ---- Symbols ----------------------------------------------------------- */

uint32_t reflect_hash(reflect_ns_t ns, const char *name, size_t len, uint32_t number) {
  uint32_t h = 2166136261u ^ (uint32_t)ns;
  for (size_t i = 0; i < len; i++) h = (h ^ (uint8_t)name[i]) * 16777619u;
  for (int i = 0; i < 4; i++) h = (h ^ ((number >> (8 * i)) & 0xff)) * 16777619u;
  return h;
}

const reflect_symbol_t *reflect_pool_lookup_in(const cgrpc_pool_t *pool, reflect_ns_t ns,
                                               const char *name, size_t len, uint32_t number) {
  if (!pool->bucket_count) return NULL;
  uint32_t h = reflect_hash(ns, name, len, number);
  for (const reflect_symbol_t *s = pool->buckets[h & (pool->bucket_count - 1)]; s; s = s->next) {
    if (s->hash == h && s->ns == ns && s->len == len && memcmp(s->name, name, len) == 0 &&
        (ns == REFLECT_NS_FILE || s->number == number)) {
      return s;
    }
  }
  return NULL;
}

bool reflect_pool_reserve(cgrpc_pool_t *pool, size_t more) {
  size_t want = pool->symbol_count + more;
  if (want <= pool->bucket_count / 4 * 3) return true;
  size_t n = pool->bucket_count ? pool->bucket_count : 256;
  while (want > n / 4 * 3) {
    if (n > SIZE_MAX / 2 / sizeof(reflect_symbol_t *)) return false;
    n *= 2;
  }
  reflect_symbol_t **buckets = cgrpc_malloc(n * sizeof(*buckets));
  if (!buckets) return false;
  memset(buckets, 0, n * sizeof(*buckets));
  for (size_t i = 0; i < pool->bucket_count; i++) {
    reflect_symbol_t *s = pool->buckets[i];
    while (s) {
      reflect_symbol_t *next = s->next;
      size_t b = s->hash & (n - 1);
      s->next = buckets[b];
      buckets[b] = s;
      s = next;
    }
  }
  cgrpc_free(pool->buckets);
  pool->buckets = buckets;
  pool->bucket_count = n;
  return true;
}

void reflect_pool_insert(cgrpc_pool_t *pool, reflect_symbol_t *sym) {
  size_t b = sym->hash & (pool->bucket_count - 1);
  sym->next = pool->buckets[b];
  pool->buckets[b] = sym;
  pool->symbol_count++;
}

void reflect_pool_remove(cgrpc_pool_t *pool, reflect_symbol_t *sym) {
  reflect_symbol_t **p = &pool->buckets[sym->hash & (pool->bucket_count - 1)];
  while (*p && *p != sym) p = &(*p)->next;
  if (*p) {
    *p = sym->next;
    pool->symbol_count--;
  }
}

long reflect_pool_file_index(const cgrpc_pool_t *pool, const char *name, size_t len) {
  const reflect_symbol_t *s = reflect_pool_lookup_in(pool, REFLECT_NS_FILE, name, len, 0);
  /* Files are keyed with number 0 in the hash; the index is `number`. */
  return s && s->number < pool->file_count ? (long)s->number : -1;
}

/* ---- Pools ------------------------------------------------------------- */

static const cgrpc_pb_file_t *const kWellKnown[] = {
    &google_protobuf_any_proto_file,        &google_protobuf_api_proto_file,
    &google_protobuf_descriptor_proto_file, &google_protobuf_duration_proto_file,
    &google_protobuf_empty_proto_file,      &google_protobuf_field_mask_proto_file,
    &google_protobuf_source_context_proto_file, &google_protobuf_struct_proto_file,
    &google_protobuf_timestamp_proto_file,  &google_protobuf_type_proto_file,
    &google_protobuf_wrappers_proto_file,
};

cgrpc_status_code_t cgrpc_pool_new(cgrpc_pool_t **out, cgrpc_error_t *err) {
  *out = NULL;
  cgrpc_pool_t *pool = cgrpc_malloc(sizeof(*pool));
  if (!pool) {
    return reflect_fail(err, CGRPC_STATUS_RESOURCE_EXHAUSTED,
                        "cannot create a descriptor pool: out of memory");
  }
  memset(pool, 0, sizeof(*pool));
  cgrpc_arena_init(&pool->arena, NULL, 0);
  for (size_t i = 0; i < sizeof(kWellKnown) / sizeof(kWellKnown[0]); i++) {
    cgrpc_status_code_t code = cgrpc_pool_add_generated(pool, kWellKnown[i], err);
    if (code != CGRPC_STATUS_OK) {
      cgrpc_pool_free(pool);
      return code;
    }
  }
  *out = pool;
  return CGRPC_STATUS_OK;
}

void cgrpc_pool_free(cgrpc_pool_t *pool) {
  if (!pool) return;
  cgrpc_free(pool->buckets);
  cgrpc_free(pool->files);
  cgrpc_free(pool->protos);
  cgrpc_free(pool->extensions);
  cgrpc_arena_free(&pool->arena);
  cgrpc_free(pool);
}

size_t cgrpc_pool_file_count(const cgrpc_pool_t *pool) { return pool->file_count; }

const cgrpc_file_desc_t *cgrpc_pool_file(const cgrpc_pool_t *pool, size_t index) {
  return index < pool->file_count ? pool->files[index] : NULL;
}

/* ---- Adding files ------------------------------------------------------ */

/* What two descriptors of one file may differ in and still be the same
 * file: protoc fills json_name for plugins but not in `protoc -o`, and
 * source info is optional. Cleared in place. */
static void normalize_fields(google_protobuf_FieldDescriptorProto **fields, size_t n) {
  for (size_t i = 0; i < n; i++) {
    fields[i]->has_json_name = false;
    fields[i]->json_name = (cgrpc_str_t){NULL, 0};
  }
}

static void normalize_msg(google_protobuf_DescriptorProto *m) {
  normalize_fields(m->field.data, m->field.count);
  normalize_fields(m->extension.data, m->extension.count);
  for (size_t i = 0; i < m->nested_type.count; i++) normalize_msg(m->nested_type.data[i]);
}

static void normalize_file(google_protobuf_FileDescriptorProto *f) {
  f->source_code_info = NULL;
  normalize_fields(f->extension.data, f->extension.count);
  for (size_t i = 0; i < f->message_type.count; i++) normalize_msg(f->message_type.data[i]);
}

static cgrpc_status_code_t decode_file(cgrpc_pool_t *pool, const void *bytes, size_t len,
                                       google_protobuf_FileDescriptorProto **out,
                                       cgrpc_error_t *err) {
  google_protobuf_FileDescriptorProto *proto = google_protobuf_FileDescriptorProto_new(&pool->arena);
  if (!proto) {
    return reflect_fail(err, CGRPC_STATUS_RESOURCE_EXHAUSTED,
                        "cannot add a file to the descriptor pool: out of memory");
  }
  cgrpc_pb_error_t pe;
  int rc = google_protobuf_FileDescriptorProto_decode(bytes, len, proto, &pool->arena,
                                                      CGRPC_PB_DECODE_PARTIAL, &pe);
  if (rc != CGRPC_PB_OK) {
    if (rc == CGRPC_PB_ERR_NO_MEMORY) {
      return reflect_fail(err, CGRPC_STATUS_RESOURCE_EXHAUSTED,
                          "cannot add a file to the descriptor pool: out of memory");
    }
    char why[160];
    cgrpc_pb_error_format(&pe, why, sizeof why);
    return reflect_fail(err, CGRPC_STATUS_INVALID_ARGUMENT,
                        "not a serialized FileDescriptorProto: %s", why);
  }
  *out = proto;
  return CGRPC_STATUS_OK;
}

/* OK when `proto` names a file not in the pool (*existing = NULL) or one
 * that is there with the same content (*existing = it); an error otherwise. */
static cgrpc_status_code_t check_existing(cgrpc_pool_t *pool,
                                          google_protobuf_FileDescriptorProto *proto,
                                          const cgrpc_file_desc_t **existing, cgrpc_error_t *err) {
  *existing = NULL;
  long i = reflect_pool_file_index(pool, proto->name.data, proto->name.len);
  if (i < 0) return CGRPC_STATUS_OK;
  const char *name = pool->files[i]->name;
  normalize_file(proto);
  if (!cgrpc_pb_msg_equal(proto, pool->protos[i], &google_protobuf_FileDescriptorProto_table)) {
    return reflect_fail(err, CGRPC_STATUS_INVALID_ARGUMENT,
                        "%s is already in the descriptor pool with a different content", name);
  }
  *existing = pool->files[i];
  return CGRPC_STATUS_OK;
}

static cgrpc_status_code_t add_decoded(cgrpc_pool_t *pool, google_protobuf_FileDescriptorProto *proto,
                                       const void *bytes, size_t len,
                                       const cgrpc_pb_file_t *generated, cgrpc_error_t *err) {
  const cgrpc_file_desc_t *existing;
  cgrpc_status_code_t code = check_existing(pool, proto, &existing, err);
  if (code != CGRPC_STATUS_OK || existing) return code;
  code = reflect_build_file(pool, proto, bytes, len, generated, err);
  if (code == CGRPC_STATUS_OK) normalize_file(pool->protos[pool->file_count - 1]);
  return code;
}

cgrpc_status_code_t cgrpc_pool_add_file(cgrpc_pool_t *pool, const void *bytes, size_t len,
                                        cgrpc_error_t *err) {
  google_protobuf_FileDescriptorProto *proto;
  cgrpc_status_code_t code = decode_file(pool, bytes, len, &proto, err);
  if (code != CGRPC_STATUS_OK) return code;
  return add_decoded(pool, proto, bytes, len, NULL, err);
}

cgrpc_status_code_t cgrpc_pool_add_generated(cgrpc_pool_t *pool, const cgrpc_pb_file_t *file,
                                             cgrpc_error_t *err) {
  if (!file || !file->name) {
    return reflect_fail(err, CGRPC_STATUS_INVALID_ARGUMENT, "no generated file given");
  }
  for (size_t i = 0; i < file->dep_count; i++) {
    cgrpc_status_code_t code = cgrpc_pool_add_generated(pool, file->deps[i], err);
    if (code != CGRPC_STATUS_OK) return code;
  }
  google_protobuf_FileDescriptorProto *proto;
  cgrpc_status_code_t code = decode_file(pool, file->descriptor, file->descriptor_len, &proto, err);
  if (code != CGRPC_STATUS_OK) return code;
  return add_decoded(pool, proto, file->descriptor, file->descriptor_len, file, err);
}

static bool in_pool(const cgrpc_pool_t *pool, cgrpc_str_t name) {
  return reflect_pool_file_index(pool, name.data, name.len) >= 0;
}

/* The set's files sorted by name, for finding imports among them. */
typedef struct set_entry {
  cgrpc_str_t name;
  size_t index; /* in the set */
} set_entry_t;

typedef struct set_index {
  set_entry_t *entries;
  size_t count;
} set_index_t;

static int compare_str(cgrpc_str_t a, cgrpc_str_t b) {
  size_t n = a.len < b.len ? a.len : b.len;
  int c = n ? memcmp(a.data, b.data, n) : 0;
  return c ? c : (a.len > b.len) - (a.len < b.len);
}

static int compare_entries(const void *x, const void *y) {
  const set_entry_t *a = x, *b = y;
  int c = compare_str(a->name, b->name);
  return c ? c : (a->index > b->index) - (a->index < b->index);
}

static long set_find(const set_index_t *ix, cgrpc_str_t name) {
  size_t lo = 0, hi = ix->count;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = compare_str(ix->entries[mid].name, name);
    if (c == 0) return (long)ix->entries[mid].index;
    if (c < 0) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return -1;
}

static cgrpc_status_code_t add_one_of_set(cgrpc_pool_t *pool,
                                          google_protobuf_FileDescriptorProto *f,
                                          cgrpc_error_t *err) {
  uint8_t *bytes;
  size_t len;
  if (cgrpc_pb_encode(f, &google_protobuf_FileDescriptorProto_table, &pool->arena,
                      CGRPC_PB_ENCODE_PARTIAL, &bytes, &len, NULL) != CGRPC_PB_OK) {
    return reflect_fail(err, CGRPC_STATUS_RESOURCE_EXHAUSTED,
                        "cannot add a descriptor set: out of memory");
  }
  return add_decoded(pool, f, bytes, len, NULL, err);
}

/* Adds the files, each after the imports it finds in the set: a depth-first
 * walk with an explicit stack (a long chain of imports must not exhaust the
 * C stack), in time n log n. */
static cgrpc_status_code_t add_set_files(cgrpc_pool_t *pool,
                                         google_protobuf_FileDescriptorProto **files, size_t n,
                                         cgrpc_error_t *err) {
  if (n == 0) return CGRPC_STATUS_OK;
  set_index_t ix = {n <= SIZE_MAX / sizeof(set_entry_t)
                        ? cgrpc_arena_alloc(&pool->arena, n * sizeof(set_entry_t))
                        : NULL,
                    n};
  uint8_t *state = cgrpc_arena_calloc(&pool->arena, n); /* 0 new, 1 on the stack, 2 added */
  size_t *stack = cgrpc_arena_alloc(&pool->arena, n * sizeof(size_t));
  size_t *next_dep = cgrpc_arena_calloc(&pool->arena, n * sizeof(size_t));
  if (!ix.entries || !state || !stack || !next_dep || n > SIZE_MAX / sizeof(size_t)) {
    return reflect_fail(err, CGRPC_STATUS_RESOURCE_EXHAUSTED,
                        "cannot add a descriptor set: out of memory");
  }
  for (size_t i = 0; i < n; i++) ix.entries[i] = (set_entry_t){files[i]->name, i};
  qsort(ix.entries, n, sizeof(set_entry_t), compare_entries);
  for (size_t root = 0; root < n; root++) {
    if (state[root]) continue;
    size_t depth = 0;
    stack[depth++] = root;
    state[root] = 1;
    while (depth) {
      size_t i = stack[depth - 1];
      google_protobuf_FileDescriptorProto *f = files[i];
      if (next_dep[i] < f->dependency.count) {
        cgrpc_str_t dep = f->dependency.data[next_dep[i]++];
        if (in_pool(pool, dep)) continue;
        long j = set_find(&ix, dep);
        if (j < 0) {
          return reflect_fail(err, CGRPC_STATUS_INVALID_ARGUMENT,
                              "%.*s imports %.*s, which is neither in the descriptor pool nor in "
                              "the set; add it (protoc --include_imports)",
                              CGRPC_STR_ARGS(f->name), CGRPC_STR_ARGS(dep));
        }
        if (state[j] == 1) {
          return reflect_fail(err, CGRPC_STATUS_INVALID_ARGUMENT,
                              "%.*s is part of an import cycle in the descriptor set",
                              CGRPC_STR_ARGS(dep));
        }
        if (state[j] == 0) {
          state[j] = 1;
          stack[depth++] = (size_t)j;
        }
        continue;
      }
      cgrpc_status_code_t code = add_one_of_set(pool, f, err);
      if (code != CGRPC_STATUS_OK) return code;
      state[i] = 2;
      depth--;
    }
  }
  return CGRPC_STATUS_OK;
}

cgrpc_status_code_t cgrpc_pool_add_file_set(cgrpc_pool_t *pool, const void *bytes, size_t len,
                                            cgrpc_error_t *err) {
  google_protobuf_FileDescriptorSet *set = google_protobuf_FileDescriptorSet_new(&pool->arena);
  if (!set) {
    return reflect_fail(err, CGRPC_STATUS_RESOURCE_EXHAUSTED,
                        "cannot add a descriptor set: out of memory");
  }
  cgrpc_pb_error_t pe;
  int rc = google_protobuf_FileDescriptorSet_decode(bytes, len, set, &pool->arena,
                                                    CGRPC_PB_DECODE_PARTIAL, &pe);
  if (rc == CGRPC_PB_ERR_NO_MEMORY) {
    return reflect_fail(err, CGRPC_STATUS_RESOURCE_EXHAUSTED,
                        "cannot add a descriptor set: out of memory");
  }
  if (rc != CGRPC_PB_OK) {
    char why[160];
    cgrpc_pb_error_format(&pe, why, sizeof why);
    return reflect_fail(err, CGRPC_STATUS_INVALID_ARGUMENT,
                        "not a serialized FileDescriptorSet: %s", why);
  }
  size_t n = set->file.count;
  return add_set_files(pool, set->file.data, n, err);
}

/* ---- Lookups ----------------------------------------------------------- */

static const void *find_kind(const cgrpc_pool_t *pool, const char *name, reflect_sym_kind_t kind) {
  if (!name) return NULL;
  const reflect_symbol_t *s = reflect_pool_lookup(pool, name, strlen(name));
  return s && s->kind == kind ? s->desc : NULL;
}

const cgrpc_file_desc_t *cgrpc_pool_find_file(const cgrpc_pool_t *pool, const char *name) {
  long i = name ? reflect_pool_file_index(pool, name, strlen(name)) : -1;
  return i < 0 ? NULL : pool->files[i];
}

const cgrpc_msg_desc_t *cgrpc_pool_find_message(const cgrpc_pool_t *pool, const char *full_name) {
  return find_kind(pool, full_name, REFLECT_SYM_MESSAGE);
}

const cgrpc_enum_desc_t *cgrpc_pool_find_enum(const cgrpc_pool_t *pool, const char *full_name) {
  return find_kind(pool, full_name, REFLECT_SYM_ENUM);
}

const cgrpc_service_desc_t *cgrpc_pool_find_service(const cgrpc_pool_t *pool,
                                                    const char *full_name) {
  return find_kind(pool, full_name, REFLECT_SYM_SERVICE);
}

const cgrpc_method_desc_t *cgrpc_pool_find_method(const cgrpc_pool_t *pool,
                                                  const char *full_name) {
  return find_kind(pool, full_name, REFLECT_SYM_METHOD);
}

const cgrpc_field_desc_t *cgrpc_pool_find_extension(const cgrpc_pool_t *pool,
                                                    const char *full_name) {
  return find_kind(pool, full_name, REFLECT_SYM_EXTENSION);
}

const cgrpc_msg_desc_t *cgrpc_pool_find_message_by_table(const cgrpc_pool_t *pool,
                                                         const cgrpc_pb_msg_table_t *table) {
  if (!table || !table->full_name) return NULL;
  const cgrpc_msg_desc_t *m = cgrpc_pool_find_message(pool, table->full_name);
  /* Another copy of the same generated code (a program that generated a
   * well-known type itself) has the same layout, so it is the same type. */
  if (m && (m->table == table ||
            (m->table->size == table->size && m->table->field_count == table->field_count))) {
    return m;
  }
  return NULL;
}

const cgrpc_file_desc_t *cgrpc_pool_find_file_containing(const cgrpc_pool_t *pool,
                                                         const char *symbol) {
  if (!symbol) return NULL;
  const reflect_symbol_t *s = reflect_pool_lookup(pool, symbol, strlen(symbol));
  return s && s->kind != REFLECT_SYM_PACKAGE ? s->file : NULL;
}

const cgrpc_field_desc_t *cgrpc_pool_find_extension_by_number(const cgrpc_pool_t *pool,
                                                              const char *extendee,
                                                              uint32_t number) {
  if (!extendee) return NULL;
  const reflect_symbol_t *s =
      reflect_pool_lookup_in(pool, REFLECT_NS_EXTENSION_NUMBER, extendee, strlen(extendee), number);
  return s ? s->desc : NULL;
}

size_t cgrpc_pool_extensions_of(const cgrpc_pool_t *pool, const char *extendee,
                                const cgrpc_field_desc_t **out, size_t cap) {
  size_t n = 0;
  if (!extendee) return 0;
  for (size_t i = 0; i < pool->extension_count; i++) {
    const cgrpc_field_desc_t *f = pool->extensions[i];
    if (strcmp(f->containing->full_name, extendee) != 0) continue;
    if (n < cap) out[n] = f;
    n++;
  }
  return n;
}

const cgrpc_field_desc_t *cgrpc_msg_desc_field(const cgrpc_msg_desc_t *msg, const char *name) {
  for (size_t i = 0; name && i < msg->field_count; i++) {
    if (strcmp(msg->fields[i].name, name) == 0) return &msg->fields[i];
  }
  return NULL;
}

const cgrpc_field_desc_t *cgrpc_msg_desc_field_by_json_name(const cgrpc_msg_desc_t *msg,
                                                            const char *json_name) {
  for (size_t i = 0; json_name && i < msg->field_count; i++) {
    if (strcmp(msg->fields[i].json_name, json_name) == 0) return &msg->fields[i];
  }
  return NULL;
}

const cgrpc_field_desc_t *cgrpc_msg_desc_field_by_number(const cgrpc_msg_desc_t *msg,
                                                         uint32_t number) {
  for (size_t i = 0; i < msg->field_count; i++) {
    if (msg->fields[i].number == number) return &msg->fields[i];
  }
  return NULL;
}

const cgrpc_enum_value_desc_t *cgrpc_enum_desc_value(const cgrpc_enum_desc_t *e,
                                                     const char *name) {
  for (size_t i = 0; name && i < e->value_count; i++) {
    if (strcmp(e->values[i].name, name) == 0) return &e->values[i];
  }
  return NULL;
}

const cgrpc_enum_value_desc_t *cgrpc_enum_desc_value_by_number(const cgrpc_enum_desc_t *e,
                                                               int32_t number) {
  for (size_t i = 0; i < e->value_count; i++) {
    if (e->values[i].number == number) return &e->values[i];
  }
  return NULL;
}

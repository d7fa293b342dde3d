/* reflect/pool.c — pools: creation, the symbol table, lookups, and the three
 * ways files come in (serialized, a descriptor set, generated code). The
 * descriptors themselves are built in reflect/build.c. */
#include "reflect/pool.h"

#include <stdarg.h>
#include <stdio.h>
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

uint32_t reflect_hash(const char *name, size_t len) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < len; i++) h = (h ^ (uint8_t)name[i]) * 16777619u;
  return h;
}

const reflect_symbol_t *reflect_pool_lookup(const cgrpc_pool_t *pool, const char *name,
                                            size_t len) {
  if (!pool->bucket_count) return NULL;
  uint32_t h = reflect_hash(name, len);
  for (const reflect_symbol_t *s = pool->buckets[h & (pool->bucket_count - 1)]; s; s = s->next) {
    if (s->hash == h && strncmp(s->name, name, len) == 0 && s->name[len] == '\0') return s;
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

long reflect_pool_file_index(const cgrpc_pool_t *pool, const char *name) {
  for (size_t i = 0; i < pool->file_count; i++) {
    if (strcmp(pool->files[i]->name, name) == 0) return (long)i;
  }
  return -1;
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
  long i = -1;
  for (size_t k = 0; k < pool->file_count && i < 0; k++) {
    const char *n = pool->files[k]->name;
    if (strlen(n) == proto->name.len && memcmp(n, proto->name.data, proto->name.len) == 0) {
      i = (long)k;
    }
  }
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
  for (size_t i = 0; i < pool->file_count; i++) {
    const char *n = pool->files[i]->name;
    if (strlen(n) == name.len && memcmp(n, name.data, name.len) == 0) return true;
  }
  return false;
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
  bool *done = cgrpc_arena_calloc(&pool->arena, n ? n : 1);
  if (!done) {
    return reflect_fail(err, CGRPC_STATUS_RESOURCE_EXHAUSTED,
                        "cannot add a descriptor set: out of memory");
  }
  /* Rounds: add every file whose imports are all in the pool, until none
   * is left or a round adds nothing. */
  size_t left = n;
  while (left) {
    size_t added = 0;
    for (size_t i = 0; i < n; i++) {
      if (done[i]) continue;
      google_protobuf_FileDescriptorProto *f = set->file.data[i];
      bool ready = true;
      for (size_t j = 0; j < f->dependency.count && ready; j++) {
        ready = in_pool(pool, f->dependency.data[j]);
      }
      if (!ready) continue;
      uint8_t *fb;
      size_t fl;
      if (cgrpc_pb_encode(f, &google_protobuf_FileDescriptorProto_table, &pool->arena,
                          CGRPC_PB_ENCODE_PARTIAL, &fb, &fl, NULL) != CGRPC_PB_OK) {
        return reflect_fail(err, CGRPC_STATUS_RESOURCE_EXHAUSTED,
                            "cannot add a descriptor set: out of memory");
      }
      cgrpc_status_code_t code = add_decoded(pool, f, fb, fl, NULL, err);
      if (code != CGRPC_STATUS_OK) return code;
      done[i] = true;
      added++;
      left--;
    }
    if (added == 0) break;
  }
  for (size_t i = 0; i < n; i++) {
    if (done[i]) continue;
    /* Report a missing import, naming it and the file; if every import is
     * somewhere in the set, the imports form a cycle. */
    google_protobuf_FileDescriptorProto *f = set->file.data[i];
    for (size_t j = 0; j < f->dependency.count; j++) {
      cgrpc_str_t dep = f->dependency.data[j];
      bool found = in_pool(pool, dep);
      for (size_t k = 0; k < n && !found; k++) {
        cgrpc_str_t other = set->file.data[k]->name;
        found = other.len == dep.len && memcmp(other.data, dep.data, dep.len) == 0;
      }
      if (!found) {
        return reflect_fail(err, CGRPC_STATUS_INVALID_ARGUMENT,
                            "%.*s imports %.*s, which is neither in the descriptor pool nor in "
                            "the set; add it (protoc --include_imports)",
                            CGRPC_STR_ARGS(f->name), CGRPC_STR_ARGS(dep));
      }
    }
    return reflect_fail(err, CGRPC_STATUS_INVALID_ARGUMENT,
                        "%.*s is part of an import cycle in the descriptor set",
                        CGRPC_STR_ARGS(f->name));
  }
  return CGRPC_STATUS_OK;
}

/* ---- Lookups ----------------------------------------------------------- */

static const void *find_kind(const cgrpc_pool_t *pool, const char *name, reflect_sym_kind_t kind) {
  if (!name) return NULL;
  const reflect_symbol_t *s = reflect_pool_lookup(pool, name, strlen(name));
  return s && s->kind == kind ? s->desc : NULL;
}

const cgrpc_file_desc_t *cgrpc_pool_find_file(const cgrpc_pool_t *pool, const char *name) {
  long i = name ? reflect_pool_file_index(pool, name) : -1;
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
  for (size_t i = 0; i < pool->extension_count; i++) {
    const cgrpc_field_desc_t *f = pool->extensions[i];
    if (f->number == number && strcmp(f->containing->full_name, extendee) == 0) return f;
  }
  return NULL;
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

/* reflect/pool.h — the inside of a descriptor pool (cgrpc/descriptor.h).
 *
 * A pool is one arena that holds every descriptor, name and run-time table,
 * a hash table of symbols by full name (packages, messages, enums, enum
 * values, fields, oneofs, extensions, services, methods), and the lists of
 * files and extensions in the order they were added. Adding a file happens
 * in reflect/build.c: its symbols go into the hash table first and come out
 * again when a later step fails, so a failed add leaves the pool as it was.
 */
#ifndef CGRPC_SRC_REFLECT_POOL_H
#define CGRPC_SRC_REFLECT_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgrpc/arena.h"
#include "cgrpc/descriptor.h"
#include "google/protobuf/descriptor.pb.h"

typedef enum reflect_sym_kind {
  REFLECT_SYM_PACKAGE = 1,
  REFLECT_SYM_MESSAGE,
  REFLECT_SYM_ENUM,
  REFLECT_SYM_ENUM_VALUE,
  REFLECT_SYM_FIELD,
  REFLECT_SYM_ONEOF,
  REFLECT_SYM_EXTENSION,
  REFLECT_SYM_SERVICE,
  REFLECT_SYM_METHOD,
} reflect_sym_kind_t;

/* The table holds three kinds of key, so every lookup is one hash probe:
 * symbols by full name, files by file name (desc = the file, number = its
 * index in pool->files), and extensions by (extendee full name, number). */
typedef enum reflect_ns {
  REFLECT_NS_SYMBOL = 0,
  REFLECT_NS_FILE,
  REFLECT_NS_EXTENSION_NUMBER,
} reflect_ns_t;

typedef struct reflect_symbol {
  const char *name; /* full name, no leading dot (or file name, or extendee) */
  size_t len;
  uint32_t hash;
  reflect_ns_t ns;
  uint32_t number; /* file index, or extension number; 0 for a symbol */
  reflect_sym_kind_t kind;
  const void *desc; /* the cgrpc_*_desc_t of `kind`; NULL for a package */
  const cgrpc_file_desc_t *file;
  struct reflect_symbol *next; /* in its bucket */
} reflect_symbol_t;

struct cgrpc_pool {
  cgrpc_arena_t arena;
  reflect_symbol_t **buckets; /* heap; bucket_count is a power of two */
  size_t bucket_count;
  size_t symbol_count;
  cgrpc_file_desc_t **files; /* heap, in the order added */
  google_protobuf_FileDescriptorProto **protos; /* parallel: as compared on re-adds */
  size_t file_count;
  size_t file_cap;
  size_t proto_cap;
  const cgrpc_field_desc_t **extensions; /* heap, in the order added */
  size_t extension_count;
  size_t extension_cap;
};

/* Hash of a key: FNV-1a of the name, mixed with the namespace and number. */
uint32_t reflect_hash(reflect_ns_t ns, const char *name, size_t len, uint32_t number);

/* The entry with this key, or NULL. */
const reflect_symbol_t *reflect_pool_lookup_in(const cgrpc_pool_t *pool, reflect_ns_t ns,
                                               const char *name, size_t len, uint32_t number);

/* The symbol named by name[0..len), or NULL. */
static inline const reflect_symbol_t *reflect_pool_lookup(const cgrpc_pool_t *pool,
                                                          const char *name, size_t len) {
  return reflect_pool_lookup_in(pool, REFLECT_NS_SYMBOL, name, len, 0);
}

/* Makes room for `more` symbols, so the inserts that follow cannot fail.
 * False when memory runs out. */
bool reflect_pool_reserve(cgrpc_pool_t *pool, size_t more);

/* Inserts a symbol (room must be reserved). */
void reflect_pool_insert(cgrpc_pool_t *pool, reflect_symbol_t *sym);

/* Removes a symbol (undoing an insert of a file that failed). */
void reflect_pool_remove(cgrpc_pool_t *pool, reflect_symbol_t *sym);

/* Index of the file named name[0..len) in pool->files, or -1. */
long reflect_pool_file_index(const cgrpc_pool_t *pool, const char *name, size_t len);

/* Builds the descriptors of one decoded file and adds them to the pool
 * (reflect/build.c). `bytes` are copied. `generated`, when not NULL, is the
 * generated record whose tables the file's messages and enums take. */
cgrpc_status_code_t reflect_build_file(cgrpc_pool_t *pool, google_protobuf_FileDescriptorProto *proto,
                                       const void *bytes, size_t len,
                                       const cgrpc_pb_file_t *generated, cgrpc_error_t *err);

/* Builds the run-time table of every message of `msgs` (reflect/layout.c):
 * a C layout, field rows, names, sub-tables and default instance. The
 * descriptors must be fully resolved; enum tables must exist. */
cgrpc_status_code_t reflect_build_tables(cgrpc_arena_t *arena, cgrpc_msg_desc_t *const *msgs,
                                         size_t count, cgrpc_error_t *err);

/* Builds the table of an enum (values sorted, first name of each number). */
const cgrpc_pb_enum_table_t *reflect_build_enum_table(cgrpc_arena_t *arena,
                                                      const cgrpc_enum_desc_t *e);

/* Writes a sentence into err (when not NULL) and returns `code`. */
cgrpc_status_code_t reflect_fail(cgrpc_error_t *err, cgrpc_status_code_t code, const char *fmt,
                                 ...) __attribute__((format(printf, 3, 4)));

#endif /* CGRPC_SRC_REFLECT_POOL_H */

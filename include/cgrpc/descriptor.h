/* cgrpc/descriptor.h — descriptor pools and dynamic messages.
 *
 * A descriptor pool holds .proto schemas known at run time: serialized
 * FileDescriptorProtos (the ones generated files embed, a descriptor set
 * written by `protoc -o`, or ones received over server reflection). Adding a
 * file checks its imports, resolves every type name the protobuf way
 * (relative names searched from the innermost scope outwards, ".a.b.C" fully
 * qualified) and rejects duplicate symbols and unresolvable references with
 * a sentence naming the file and the element.
 *
 * Every message in a pool has a cgrpc_pb_msg_table_t (cgrpc/pb_table.h): the
 * generated table for messages added with cgrpc_pool_add_generated(), and a
 * table built at run time, with a computed C layout, for the others. So the
 * engine of cgrpc/pb.h (decode, encode, copy, equal, init) works on dynamic
 * messages at the speed of generated ones, and the cgrpc_dyn_* functions
 * below read and write their fields by descriptor, for programs that know a
 * type only by name:
 *
 *   const cgrpc_msg_desc_t *person = cgrpc_pool_find_message(pool, "bench.Person");
 *   void *msg = cgrpc_pb_msg_new(person->table, &arena);
 *   cgrpc_pb_decode(bytes, len, msg, person->table, &arena, 0, NULL);
 *   const cgrpc_field_desc_t *name = cgrpc_msg_desc_field(person, "name");
 *   cgrpc_str_t v = cgrpc_dyn_get_str(msg, name);
 *
 * A new pool already holds the well-known types (google/protobuf/any,
 * api, descriptor, duration, empty, field_mask, source_context, struct,
 * timestamp, type and wrappers .proto) with the library's generated tables.
 *
 * Descriptors are read-only structs owned by the pool; they live until
 * cgrpc_pool_free(). Thread-safety: adding files must not run concurrently
 * with anything else on the pool; once filled, a pool may be read (looked up,
 * its tables used) from any number of threads.
 */
#ifndef CGRPC_DESCRIPTOR_H
#define CGRPC_DESCRIPTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgrpc/arena.h"
#include "cgrpc/error.h"
#include "cgrpc/json.h"
#include "cgrpc/pb_table.h"
#include "cgrpc/status.h"

#pragma GCC visibility push(default) /* exported: see cgrpc/cgrpc.h */
#ifdef __cplusplus
extern "C" {
#endif

typedef struct cgrpc_pool cgrpc_pool_t;
typedef struct cgrpc_file_desc cgrpc_file_desc_t;
typedef struct cgrpc_msg_desc cgrpc_msg_desc_t;
typedef struct cgrpc_field_desc cgrpc_field_desc_t;
typedef struct cgrpc_oneof_desc cgrpc_oneof_desc_t;
typedef struct cgrpc_enum_desc cgrpc_enum_desc_t;
typedef struct cgrpc_enum_value_desc cgrpc_enum_value_desc_t;
typedef struct cgrpc_service_desc cgrpc_service_desc_t;
typedef struct cgrpc_method_desc cgrpc_method_desc_t;

/* Field labels: the numbers of google.protobuf.FieldDescriptorProto.Label. */
typedef enum cgrpc_field_label {
  CGRPC_LABEL_OPTIONAL = 1,
  CGRPC_LABEL_REQUIRED = 2,
  CGRPC_LABEL_REPEATED = 3,
} cgrpc_field_label_t;

/* One .proto file. `messages` and `enums` list every one the file declares,
 * nested ones included (a nested message after its parent); `extensions`
 * every extension, file-level and nested. */
struct cgrpc_file_desc {
  const char *name;    /* "shop/product.proto" */
  const char *package; /* "shop", or "" */
  bool proto3;         /* syntax = "proto3" (else proto2) */
  const cgrpc_file_desc_t *const *deps;
  size_t dep_count;
  const cgrpc_msg_desc_t *const *messages;
  size_t message_count;
  const cgrpc_enum_desc_t *const *enums;
  size_t enum_count;
  const cgrpc_service_desc_t *services;
  size_t service_count;
  const cgrpc_field_desc_t *extensions;
  size_t extension_count;
  const uint8_t *descriptor; /* the serialized FileDescriptorProto, as added */
  size_t descriptor_len;
  const cgrpc_pb_file_t *generated; /* the generated file it came from, or NULL */
};

struct cgrpc_msg_desc {
  const char *name;      /* "Inner" */
  const char *full_name; /* "shop.Outer.Inner" */
  const cgrpc_file_desc_t *file;
  const cgrpc_msg_desc_t *containing; /* enclosing message, or NULL */
  const cgrpc_field_desc_t *fields;   /* declaration order */
  size_t field_count;
  const cgrpc_oneof_desc_t *oneofs; /* declaration order, proto3 `optional` ones included */
  size_t oneof_count;
  bool map_entry; /* the key/value entry of a map field */
  /* The table the pb.h engine uses: generated, or built by the pool. */
  const cgrpc_pb_msg_table_t *table;
};

struct cgrpc_oneof_desc {
  const char *name;
  const cgrpc_msg_desc_t *containing;
  const cgrpc_field_desc_t *const *fields;
  size_t field_count;
  bool synthetic; /* made by protoc for a proto3 `optional` field */
};

struct cgrpc_field_desc {
  const char *name;      /* "unit_price" */
  const char *full_name; /* "shop.Product.unit_price" */
  const char *json_name; /* "unitPrice" */
  uint32_t number;
  cgrpc_pb_type_t type;
  cgrpc_field_label_t label;
  /* The message the field belongs to (for an extension: the one that
   * extends, `extendee`; `scope` is where it was declared, or NULL). */
  const cgrpc_msg_desc_t *containing;
  const cgrpc_msg_desc_t *scope;
  const cgrpc_oneof_desc_t *oneof;    /* a real (not synthetic) oneof, or NULL */
  const cgrpc_msg_desc_t *message;    /* of a MESSAGE or GROUP field */
  const cgrpc_enum_desc_t *enum_type; /* of an ENUM field */
  bool is_extension;
  bool is_map;       /* repeated map entries; message->fields[0] is the key, [1] the value */
  bool packed;       /* repeated scalars written packed */
  bool has_presence; /* has/clear are meaningful (optional, oneof, message) */
  bool proto3_optional;
  const char *default_text; /* default as written in the .proto, or NULL */
  /* The row of containing->table for this field (NULL for extensions,
   * whose values stay in the unknown fields). */
  const cgrpc_pb_field_t *slot;
};

struct cgrpc_enum_value_desc {
  const char *name; /* "RED" */
  int32_t number;
  const cgrpc_enum_desc_t *enum_type;
};

struct cgrpc_enum_desc {
  const char *name;
  const char *full_name;
  const cgrpc_file_desc_t *file;
  const cgrpc_msg_desc_t *containing;    /* enclosing message, or NULL */
  const cgrpc_enum_value_desc_t *values; /* declaration order */
  size_t value_count;
  bool closed; /* declared in a proto2 file: unknown values are unknown fields */
  const cgrpc_pb_enum_table_t *table;
};

struct cgrpc_method_desc {
  const char *name;      /* "GetProduct" */
  const char *full_name; /* "shop.ProductService.GetProduct" */
  const char *path;      /* "/shop.ProductService/GetProduct" */
  const cgrpc_service_desc_t *service;
  const cgrpc_msg_desc_t *input;
  const cgrpc_msg_desc_t *output;
  bool client_streaming;
  bool server_streaming;
};

struct cgrpc_service_desc {
  const char *name;
  const char *full_name;
  const cgrpc_file_desc_t *file;
  const cgrpc_method_desc_t *methods;
  size_t method_count;
};

/* ---- Pools ------------------------------------------------------------- */

/* Creates a pool holding the well-known types. Returns OK, or
 * RESOURCE_EXHAUSTED when memory runs out (then *pool is NULL). */
cgrpc_status_code_t cgrpc_pool_new(cgrpc_pool_t **pool, cgrpc_error_t *err);

/* Frees the pool, its descriptors and the tables it built. Messages built
 * on those tables must not be used afterwards. NULL is a no-op. */
void cgrpc_pool_free(cgrpc_pool_t *pool);

/* Adds one serialized FileDescriptorProto (syntax proto2 or proto3; editions
 * are refused). Its imports must already be in the pool. The bytes are
 * copied. Adding a file whose name is in the pool already succeeds without
 * change when the two describe the same file (json_name and source info
 * aside), and fails otherwise.
 *
 * Errors (INVALID_ARGUMENT, with a sentence naming the file and the element):
 * bytes that do not parse, a missing import ("a.proto imports b.proto, which
 * is not in the pool"), a duplicate symbol, a type name that resolves to
 * nothing or to the wrong kind, bad field numbers, names or defaults, bad map
 * entries. RESOURCE_EXHAUSTED when memory runs out. On failure the pool's
 * contents are unchanged (memory taken stays until cgrpc_pool_free). */
cgrpc_status_code_t cgrpc_pool_add_file(cgrpc_pool_t *pool, const void *bytes, size_t len,
                                        cgrpc_error_t *err);

/* Adds every file of a serialized FileDescriptorSet (`protoc -o out.pb
 * --include_imports`), in any order: a file's imports may come later in the
 * set. Files already in the pool are skipped as cgrpc_pool_add_file() does.
 * Errors as cgrpc_pool_add_file(); an import neither in the pool nor in the
 * set names both files. On failure, files of the set added before the
 * failing one stay in the pool. */
cgrpc_status_code_t cgrpc_pool_add_file_set(cgrpc_pool_t *pool, const void *bytes, size_t len,
                                            cgrpc_error_t *err);

/* Adds a file from generated code (its `<file>_file` record), after its
 * imports (recursively), and maps its messages and enums to the generated
 * tables, so descriptors of those types have `table` pointing at the
 * generated one. A file of that name already in the pool is accepted when it
 * describes the same file; the pool then keeps the tables it had (the
 * well-known types are always the library's own). Errors as
 * cgrpc_pool_add_file(), and INVALID_ARGUMENT when the generated tables do
 * not match the embedded descriptor. */
cgrpc_status_code_t cgrpc_pool_add_generated(cgrpc_pool_t *pool, const cgrpc_pb_file_t *file,
                                             cgrpc_error_t *err);

/* The files in the order they were added (the well-known types first). */
size_t cgrpc_pool_file_count(const cgrpc_pool_t *pool);
const cgrpc_file_desc_t *cgrpc_pool_file(const cgrpc_pool_t *pool, size_t index);

/* Lookups by name; NULL when the pool has no such element. Full names have
 * no leading dot ("shop.Product"); a method is "shop.ProductService.Get". */
const cgrpc_file_desc_t *cgrpc_pool_find_file(const cgrpc_pool_t *pool, const char *name);
const cgrpc_msg_desc_t *cgrpc_pool_find_message(const cgrpc_pool_t *pool, const char *full_name);
const cgrpc_enum_desc_t *cgrpc_pool_find_enum(const cgrpc_pool_t *pool, const char *full_name);
const cgrpc_service_desc_t *cgrpc_pool_find_service(const cgrpc_pool_t *pool,
                                                    const char *full_name);
const cgrpc_method_desc_t *cgrpc_pool_find_method(const cgrpc_pool_t *pool, const char *full_name);
const cgrpc_field_desc_t *cgrpc_pool_find_extension(const cgrpc_pool_t *pool,
                                                    const char *full_name);

/* The message with this table (generated or built by the pool), or NULL. */
const cgrpc_msg_desc_t *cgrpc_pool_find_message_by_table(const cgrpc_pool_t *pool,
                                                         const cgrpc_pb_msg_table_t *table);

/* The file that declares `symbol`: a message, enum, enum value, field,
 * oneof, extension, service or method, by full name. NULL when none does. */
const cgrpc_file_desc_t *cgrpc_pool_find_file_containing(const cgrpc_pool_t *pool,
                                                         const char *symbol);

/* The extension of message `extendee` (full name) with this field number. */
const cgrpc_field_desc_t *cgrpc_pool_find_extension_by_number(const cgrpc_pool_t *pool,
                                                              const char *extendee,
                                                              uint32_t number);

/* Fills *out with an extension resolver over `pool` for the JSON codec
 * (cgrpc/json.h): set `opts.extensions = out` and cgrpc_json_encode() prints
 * the pool's extensions found in unknown fields as "[full.name]": value,
 * and cgrpc_json_decode() parses them. Extension values that are messages
 * or enums use the tables the pool has for those types (generated ones for
 * files added with cgrpc_pool_add_generated()). The pool must outlive the
 * calls that use *out and must not be changed during them; lookups are
 * read-only, so concurrent calls may share it. Allocates nothing. */
void cgrpc_pool_json_extensions(const cgrpc_pool_t *pool, cgrpc_json_extensions_t *out);

/* Writes up to `cap` extensions of message `extendee` (full name) to out[]
 * in the order they were added, and returns how many there are in all
 * (which may exceed `cap`; call with cap 0 to count). */
size_t cgrpc_pool_extensions_of(const cgrpc_pool_t *pool, const char *extendee,
                                const cgrpc_field_desc_t **out, size_t cap);

/* A field of `msg` by proto name, by JSON name or by number; NULL if none. */
const cgrpc_field_desc_t *cgrpc_msg_desc_field(const cgrpc_msg_desc_t *msg, const char *name);
const cgrpc_field_desc_t *cgrpc_msg_desc_field_by_json_name(const cgrpc_msg_desc_t *msg,
                                                            const char *json_name);
const cgrpc_field_desc_t *cgrpc_msg_desc_field_by_number(const cgrpc_msg_desc_t *msg,
                                                         uint32_t number);

/* An enum value by name or by number (the first declared, for aliases). */
const cgrpc_enum_value_desc_t *cgrpc_enum_desc_value(const cgrpc_enum_desc_t *e, const char *name);
const cgrpc_enum_value_desc_t *cgrpc_enum_desc_value_by_number(const cgrpc_enum_desc_t *e,
                                                               int32_t number);

/* ---- Dynamic field access ---------------------------------------------- */

/* One value of a field, in its C type (cgrpc/pb_table.h): i32 for int32,
 * sint32, sfixed32 and enums; i64 for int64, sint64, sfixed64; u32 for
 * uint32 and fixed32; u64 for uint64 and fixed64; f32 float; f64 double;
 * b bool; str for string and bytes; msg for a message or group (a pointer to
 * a message of field->message->table). */
typedef union cgrpc_dyn_value {
  int32_t i32;
  int64_t i64;
  uint32_t u32;
  uint64_t u64;
  float f32;
  double f64;
  bool b;
  cgrpc_str_t str;
  void *msg;
} cgrpc_dyn_value_t;

/* Which member of cgrpc_dyn_value_t a field uses. */
typedef enum cgrpc_dyn_kind {
  CGRPC_DYN_I32 = 1,
  CGRPC_DYN_I64,
  CGRPC_DYN_U32,
  CGRPC_DYN_U64,
  CGRPC_DYN_F32,
  CGRPC_DYN_F64,
  CGRPC_DYN_BOOL,
  CGRPC_DYN_STR,
  CGRPC_DYN_MSG,
} cgrpc_dyn_kind_t;

static inline cgrpc_dyn_kind_t cgrpc_dyn_kind_of(cgrpc_pb_type_t type) {
  switch (type) {
    case CGRPC_PB_INT64:
    case CGRPC_PB_SINT64:
    case CGRPC_PB_SFIXED64:
      return CGRPC_DYN_I64;
    case CGRPC_PB_UINT64:
    case CGRPC_PB_FIXED64:
      return CGRPC_DYN_U64;
    case CGRPC_PB_UINT32:
    case CGRPC_PB_FIXED32:
      return CGRPC_DYN_U32;
    case CGRPC_PB_FLOAT:
      return CGRPC_DYN_F32;
    case CGRPC_PB_DOUBLE:
      return CGRPC_DYN_F64;
    case CGRPC_PB_BOOL:
      return CGRPC_DYN_BOOL;
    case CGRPC_PB_STRING:
    case CGRPC_PB_BYTES:
      return CGRPC_DYN_STR;
    case CGRPC_PB_MESSAGE:
    case CGRPC_PB_GROUP:
      return CGRPC_DYN_MSG;
    default:
      return CGRPC_DYN_I32;
  }
}

/* `msg` is a message of field->containing->table; `field` one of its fields
 * (not an extension). The functions trust both: a field of another message
 * reads or writes the wrong memory. Strings, bytes and message pointers are
 * stored as given, not copied, so what they point to must live as long as
 * the message (an arena's memory, for instance). Thread-safety: the caller
 * serialises writes to a message with every other use of it. */

/* Whether a singular field is set (its has_ flag, oneof case or message
 * pointer; without presence, whether it is not zero). For a repeated field,
 * whether it has elements. */
bool cgrpc_dyn_has(const void *msg, const cgrpc_field_desc_t *field);

/* Resets a field to its default (clears presence, empties a repeated field;
 * a oneof member clears the oneof when it is the one set). */
void cgrpc_dyn_clear(void *msg, const cgrpc_field_desc_t *field);

/* The value of a singular field: its default when not set (a proto2
 * default, 0, "", NULL for a message; a oneof member that is not the one set
 * reads as zero). 0 for a repeated field or an extension. */
cgrpc_dyn_value_t cgrpc_dyn_get(const void *msg, const cgrpc_field_desc_t *field);

/* Sets a singular field (and its presence, or its oneof case). `kind` must
 * be the field's (cgrpc_dyn_kind_of(field->type)). A message value NULL
 * clears the field. Fails with INVALID_ARGUMENT, leaving the message
 * unchanged, for a repeated field, a kind that is not the field's, a string
 * that is not valid UTF-8 in a field that requires it, or a value a closed
 * enum does not define. */
cgrpc_status_code_t cgrpc_dyn_set(void *msg, const cgrpc_field_desc_t *field, cgrpc_dyn_kind_t kind,
                                  cgrpc_dyn_value_t value, cgrpc_error_t *err);

/* The sub-message of a singular message field, created empty in `arena`
 * (and the field set) when absent. INVALID_ARGUMENT for a field that is not
 * a singular message, RESOURCE_EXHAUSTED when the arena refuses. */
cgrpc_status_code_t cgrpc_dyn_mutable_msg(void *msg, const cgrpc_field_desc_t *field,
                                          cgrpc_arena_t *arena, void **sub, cgrpc_error_t *err);

/* The number of elements of a repeated (or map) field; 0 for a singular one. */
size_t cgrpc_dyn_count(const void *msg, const cgrpc_field_desc_t *field);

/* Element `index` (< cgrpc_dyn_count) of a repeated field; for a map, the
 * entry message (key and value are its fields 1 and 2). */
cgrpc_dyn_value_t cgrpc_dyn_get_at(const void *msg, const cgrpc_field_desc_t *field, size_t index);

/* Appends to a repeated (not map) field, growing it in `arena`; a message
 * element NULL appends a new empty message from `arena`, returned in
 * *added when `added` is not NULL. Errors as cgrpc_dyn_set, and
 * RESOURCE_EXHAUSTED when the arena refuses. */
cgrpc_status_code_t cgrpc_dyn_add(void *msg, const cgrpc_field_desc_t *field, cgrpc_dyn_kind_t kind,
                                  cgrpc_dyn_value_t value, cgrpc_arena_t *arena, void **added,
                                  cgrpc_error_t *err);

/* The member of `oneof` that is set, or NULL. */
const cgrpc_field_desc_t *cgrpc_dyn_which_oneof(const void *msg, const cgrpc_oneof_desc_t *oneof);

/* Map fields, with keys and values in cgrpc_dyn_value_t of the entry's key
 * and value kinds (semantics of cgrpc_pb_map_get and _put in cgrpc/pb.h).
 * get returns whether the key is present and then copies its value to
 * *value. put fails with INVALID_ARGUMENT for a field that is not a map or a
 * value a closed enum does not define, RESOURCE_EXHAUSTED when the arena
 * refuses. */
bool cgrpc_dyn_map_get(const void *msg, const cgrpc_field_desc_t *field, cgrpc_dyn_value_t key,
                       cgrpc_dyn_value_t *value);
cgrpc_status_code_t cgrpc_dyn_map_put(void *msg, const cgrpc_field_desc_t *field,
                                      cgrpc_dyn_value_t key, cgrpc_dyn_value_t value,
                                      cgrpc_arena_t *arena, cgrpc_error_t *err);

/* Typed shorthands: a getter of the wrong kind returns 0 (or an empty
 * string, or NULL); a setter of the wrong kind fails as cgrpc_dyn_set. */
#define CGRPC_DYN_TYPED_(suffix, ctype, member, kind)                                              \
  static inline ctype cgrpc_dyn_get_##suffix(const void *msg, const cgrpc_field_desc_t *f) {       \
    cgrpc_dyn_value_t v;                                                                           \
    memset(&v, 0, sizeof v);                                                                       \
    if (cgrpc_dyn_kind_of(f->type) == kind) v = cgrpc_dyn_get(msg, f);                             \
    return v.member;                                                                               \
  }                                                                                                \
  static inline cgrpc_status_code_t cgrpc_dyn_set_##suffix(void *msg, const cgrpc_field_desc_t *f, \
                                                           ctype value, cgrpc_error_t *err) {      \
    cgrpc_dyn_value_t v;                                                                           \
    memset(&v, 0, sizeof v);                                                                       \
    v.member = value;                                                                              \
    return cgrpc_dyn_set(msg, f, kind, v, err);                                                    \
  }
CGRPC_DYN_TYPED_(int32, int32_t, i32, CGRPC_DYN_I32)
CGRPC_DYN_TYPED_(int64, int64_t, i64, CGRPC_DYN_I64)
CGRPC_DYN_TYPED_(uint32, uint32_t, u32, CGRPC_DYN_U32)
CGRPC_DYN_TYPED_(uint64, uint64_t, u64, CGRPC_DYN_U64)
CGRPC_DYN_TYPED_(float, float, f32, CGRPC_DYN_F32)
CGRPC_DYN_TYPED_(double, double, f64, CGRPC_DYN_F64)
CGRPC_DYN_TYPED_(bool, bool, b, CGRPC_DYN_BOOL)
CGRPC_DYN_TYPED_(str, cgrpc_str_t, str, CGRPC_DYN_STR)
#undef CGRPC_DYN_TYPED_

/* The sub-message of a singular message field, or NULL when absent. */
static inline const void *cgrpc_dyn_get_msg(const void *msg, const cgrpc_field_desc_t *f) {
  return cgrpc_dyn_kind_of(f->type) == CGRPC_DYN_MSG ? cgrpc_dyn_get(msg, f).msg : NULL;
}

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif

#endif /* CGRPC_DESCRIPTOR_H */

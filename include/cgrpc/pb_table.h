/* cgrpc/pb_table.h — the compact tables that describe a message's C layout.
 *
 * protoc-gen-cgrpc emits one cgrpc_pb_msg_table_t per message. The generic
 * decoder and encoder, and the copy, equality and init functions of pb.h,
 * are driven by these tables, so generated code stays small: a struct, a
 * table, and thin inline wrappers. The JSON codec (cgrpc/json.h) uses the
 * field, json and enum names below; descriptors are emitted for reflection.
 *
 * C layout of a generated message struct (the contract tables rely on):
 *   - The first member is always `cgrpc_str_t _unknown`: unknown fields,
 *     kept as the raw wire bytes in the order they arrived.
 *   - Scalars are stored in place: int32/sint32/sfixed32/enum as int32_t,
 *     uint32/fixed32 as uint32_t, the 64-bit kinds as int64_t/uint64_t,
 *     float, double, bool.
 *   - string and bytes are cgrpc_str_t views {data, len}.
 *   - A singular message (or group) is a pointer; NULL means absent.
 *   - A repeated field is {T *data; size_t count; size_t capacity;}, with
 *     T* for sub-messages (so data is T**) and cgrpc_str_t for strings and
 *     bytes. Maps are repeated pointers to generated map-entry messages whose
 *     key is field 1 and value field 2.
 *   - Explicit presence of a scalar or string (proto2 `optional`/`required`,
 *     proto3 `optional`) is a `bool has_<name>` member.
 *   - A oneof is a `uint32_t <name>_case` member (0 = none, else the set
 *     field's number) and a union of its members.
 */
#ifndef CGRPC_PB_TABLE_H
#define CGRPC_PB_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#pragma GCC visibility push(default) /* exported: see cgrpc/cgrpc.h */
#ifdef __cplusplus
extern "C" {
#endif

/* A byte string view: not NUL-terminated, owned by someone else (an arena,
 * the input buffer when decoding aliases, or static storage). */
typedef struct cgrpc_str {
  const char *data;
  size_t len;
} cgrpc_str_t;

/* A view of a NUL-terminated string, which must outlive the view (nothing
 * is copied); NULL gives the empty string. For string literals prefer
 * CGRPC_STR(), which needs no strlen(). */
static inline cgrpc_str_t cgrpc_str(const char *s) {
  cgrpc_str_t v = {s ? s : "", s ? strlen(s) : 0};
  return v;
}

/* printf() arguments for a cgrpc_str_t, which need not be NUL-terminated:
 *   printf("name: %.*s\n", CGRPC_STR_ARGS(request->name)); */
#define CGRPC_STR_ARGS(s) (int)(s).len, (s).data

/* A view of a string literal (or a char array used whole): CGRPC_STR("sku-1042").
 * Its length is the array's size, so a pointer would give the size of a
 * pointer: in C a pointer argument fails to compile ("CGRPC_STR needs a
 * string literal"); use cgrpc_str() for a char *. */
#ifdef __cplusplus
#define CGRPC_STR(literal) (cgrpc_str_t{(literal), sizeof(literal) - 1})
#else
#define CGRPC_STR(literal)                                                         \
  ((cgrpc_str_t){(literal), sizeof(literal) - 1 + 0 * sizeof(struct {              \
                   _Static_assert(CGRPC_IS_CHAR_ARRAY_(literal),                   \
                                  "CGRPC_STR needs a string literal; use cgrpc_str() " \
                                  "for a char *");                                 \
                   int unused_;                                                    \
                 })})
/* 1 when `x` is an array of char (not a pointer to one): only an array's
 * address has the type pointer-to-array-of-sizeof(x). */
#define CGRPC_IS_CHAR_ARRAY_(x)                        \
  _Generic(&(x), char(*)[sizeof(x)] : 1, const char(*)[sizeof(x)] : 1, default : 0)
#endif

/* The generic shape of every repeated field. */
typedef struct cgrpc_pb_array {
  void *data;
  size_t count;
  size_t capacity; /* elements allocated; capacity < count means "not ours" */
} cgrpc_pb_array_t;

/* Field types: the numbers of google.protobuf.FieldDescriptorProto.Type. */
typedef enum cgrpc_pb_type {
  CGRPC_PB_DOUBLE = 1,
  CGRPC_PB_FLOAT = 2,
  CGRPC_PB_INT64 = 3,
  CGRPC_PB_UINT64 = 4,
  CGRPC_PB_INT32 = 5,
  CGRPC_PB_FIXED64 = 6,
  CGRPC_PB_FIXED32 = 7,
  CGRPC_PB_BOOL = 8,
  CGRPC_PB_STRING = 9,
  CGRPC_PB_GROUP = 10,
  CGRPC_PB_MESSAGE = 11,
  CGRPC_PB_BYTES = 12,
  CGRPC_PB_UINT32 = 13,
  CGRPC_PB_ENUM = 14,
  CGRPC_PB_SFIXED32 = 15,
  CGRPC_PB_SFIXED64 = 16,
  CGRPC_PB_SINT32 = 17,
  CGRPC_PB_SINT64 = 18,
} cgrpc_pb_type_t;

/* cgrpc_pb_field_t.flags */
enum {
  CGRPC_PB_FIELD_REPEATED = 1 << 0,    /* value is a cgrpc_pb_array_t */
  CGRPC_PB_FIELD_PACKED = 1 << 1,      /* encode packed (decode takes both) */
  CGRPC_PB_FIELD_MAP = 1 << 2,         /* repeated map-entry messages */
  CGRPC_PB_FIELD_ONEOF = 1 << 3,       /* `presence` is the oneof case offset */
  CGRPC_PB_FIELD_HAS = 1 << 4,         /* `presence` is a bool has_ offset */
  CGRPC_PB_FIELD_UTF8 = 1 << 5,        /* string must be valid UTF-8 */
  CGRPC_PB_FIELD_CLOSED_ENUM = 1 << 6, /* `sub` is an enum table; unknown
                                          values go to unknown fields */
  CGRPC_PB_FIELD_REQUIRED = 1 << 7,    /* proto2 required */
};

/* One field. 16 bytes; tables list fields sorted by number. */
typedef struct cgrpc_pb_field {
  uint32_t number;
  uint32_t offset;   /* of the value (or array, or union member) */
  uint16_t presence; /* offset of has_ bool or oneof case, per flags */
  uint16_t sub;      /* index into table->subs for message, group and enum
                        fields (open enums too: the JSON codec needs names) */
  uint8_t type;      /* cgrpc_pb_type_t */
  uint8_t flags;     /* CGRPC_PB_FIELD_* */
  uint16_t reserved;
} cgrpc_pb_field_t;

typedef struct cgrpc_pb_enum_table {
  const char *full_name;     /* "bench.Status" */
  const int32_t *values;     /* defined values, sorted ascending, unique */
  const char *const *names;  /* value names, parallel to `values` */
  uint32_t value_count;
  /* The other names of values that have several (allow_alias), which JSON
   * parsing accepts too; NULL arrays when there are none. */
  uint32_t alias_count;
  const int32_t *alias_values;
  const char *const *alias_names;
} cgrpc_pb_enum_table_t;

struct cgrpc_pb_msg_table;

typedef union cgrpc_pb_sub {
  const struct cgrpc_pb_msg_table *msg;
  const cgrpc_pb_enum_table_t *enm;
} cgrpc_pb_sub_t;

/* cgrpc_pb_msg_table_t.flags */
enum {
  CGRPC_PB_MSG_MAP_ENTRY = 1 << 0,    /* a map's key/value entry */
  CGRPC_PB_MSG_HAS_REQUIRED = 1 << 1, /* some field is required */
};

typedef struct cgrpc_pb_msg_table {
  const char *full_name;            /* "bench.Person" */
  const cgrpc_pb_field_t *fields;   /* sorted by number */
  const cgrpc_pb_sub_t *subs;       /* sub-message and enum tables */
  const char *const *field_names;   /* proto names, parallel to `fields` */
  const char *const *json_names;    /* lowerCamelCase JSON names, parallel */
  const void *default_instance;     /* proto2 defaults, or NULL = all zero */
  uint32_t size;                    /* sizeof the C struct */
  uint16_t field_count;
  uint8_t dense_count;              /* fields[i].number == i + 1 for i < this */
  uint8_t flags;                    /* CGRPC_PB_MSG_* */
} cgrpc_pb_msg_table_t;

/* One RPC method of a service, as the generator emits it. */
typedef struct cgrpc_pb_method {
  const char *name;                  /* "GetProduct" */
  const char *path;                  /* "/shop.ProductService/GetProduct" */
  const cgrpc_pb_msg_table_t *input;
  const cgrpc_pb_msg_table_t *output;
  bool client_streaming;
  bool server_streaming;
} cgrpc_pb_method_t;

struct cgrpc_pb_file;

typedef struct cgrpc_pb_service {
  const char *full_name; /* "shop.ProductService" */
  const cgrpc_pb_method_t *methods;
  size_t method_count;
  /* The generated file that declares the service (server reflection
   * answers with its descriptor); NULL in tables written by hand. */
  const struct cgrpc_pb_file *file;
} cgrpc_pb_service_t;

/* Everything generated for one .proto file, with its serialized descriptor:
 * what a program needs to describe its schema at run time (descriptor pools,
 * server reflection). */
typedef struct cgrpc_pb_file {
  const char *name;                          /* "shop/product.proto" */
  const uint8_t *descriptor;                 /* serialized FileDescriptorProto */
  size_t descriptor_len;
  const struct cgrpc_pb_file *const *deps;   /* imported files */
  size_t dep_count;
  const cgrpc_pb_msg_table_t *const *messages; /* every message, nested too */
  size_t message_count;
  const cgrpc_pb_enum_table_t *const *enums;   /* every enum, nested too */
  size_t enum_count;
  const cgrpc_pb_service_t *const *services;
  size_t service_count;
} cgrpc_pb_file_t;

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif

#endif /* CGRPC_PB_TABLE_H */

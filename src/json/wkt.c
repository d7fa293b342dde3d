/* json/wkt.c — recognising the well-known types, which have their own JSON
 * forms, and resolving the type URLs of google.protobuf.Any.
 *
 * A table is a well-known type by its full name, so any generated copy of
 * the google/protobuf .proto files works (a program's own, or the library's). */
#include <string.h>

#include "google/protobuf/any.pb.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/empty.pb.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/wrappers.pb.h"
#include "json/json_internal.h"

#define PREFIX "google.protobuf."
#define PREFIX_LEN (sizeof PREFIX - 1)

static const struct {
  const char *name;
  json_wkt_t kind;
  const cgrpc_pb_msg_table_t *table;
} known[] = {
    {"Any", JSON_WKT_ANY, &google_protobuf_Any_table},
    {"Timestamp", JSON_WKT_TIMESTAMP, &google_protobuf_Timestamp_table},
    {"Duration", JSON_WKT_DURATION, &google_protobuf_Duration_table},
    {"FieldMask", JSON_WKT_FIELD_MASK, &google_protobuf_FieldMask_table},
    {"Struct", JSON_WKT_STRUCT, &google_protobuf_Struct_table},
    {"Value", JSON_WKT_VALUE, &google_protobuf_Value_table},
    {"ListValue", JSON_WKT_LIST_VALUE, &google_protobuf_ListValue_table},
    {"DoubleValue", JSON_WKT_WRAPPER, &google_protobuf_DoubleValue_table},
    {"FloatValue", JSON_WKT_WRAPPER, &google_protobuf_FloatValue_table},
    {"Int64Value", JSON_WKT_WRAPPER, &google_protobuf_Int64Value_table},
    {"UInt64Value", JSON_WKT_WRAPPER, &google_protobuf_UInt64Value_table},
    {"Int32Value", JSON_WKT_WRAPPER, &google_protobuf_Int32Value_table},
    {"UInt32Value", JSON_WKT_WRAPPER, &google_protobuf_UInt32Value_table},
    {"BoolValue", JSON_WKT_WRAPPER, &google_protobuf_BoolValue_table},
    {"StringValue", JSON_WKT_WRAPPER, &google_protobuf_StringValue_table},
    {"BytesValue", JSON_WKT_WRAPPER, &google_protobuf_BytesValue_table},
    {"Empty", JSON_WKT_EMPTY, &google_protobuf_Empty_table},
};

json_wkt_t cgrpc_json_wkt_of(const cgrpc_pb_msg_table_t *t) {
  const char *n = t->full_name;
  if (!n || n[0] != 'g' || strncmp(n, PREFIX, PREFIX_LEN) != 0) return JSON_WKT_NONE;
  n += PREFIX_LEN;
  for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
    if (strcmp(n, known[i].name) == 0) return known[i].kind;
  }
  return JSON_WKT_NONE;
}

bool cgrpc_json_is_null_value_enum(const cgrpc_pb_enum_table_t *e) {
  return e && e->full_name && strcmp(e->full_name, "google.protobuf.NullValue") == 0;
}

const cgrpc_pb_msg_table_t *cgrpc_json_wkt_table(cgrpc_str_t full_name) {
  if (full_name.len <= PREFIX_LEN || memcmp(full_name.data, PREFIX, PREFIX_LEN) != 0) return NULL;
  const char *n = full_name.data + PREFIX_LEN;
  size_t len = full_name.len - PREFIX_LEN;
  for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
    if (strlen(known[i].name) == len && memcmp(known[i].name, n, len) == 0) return known[i].table;
  }
  return NULL;
}

/* The part of a type URL after its last '/'. */
static cgrpc_str_t type_name_of(cgrpc_str_t url) {
  size_t i = url.len;
  while (i > 0 && url.data[i - 1] != '/') i--;
  return (cgrpc_str_t){url.data + i, url.len - i};
}

const cgrpc_pb_msg_table_t *cgrpc_json_resolve_any(const cgrpc_json_options_t *o, cgrpc_str_t url) {
  if (o && o->resolve) {
    const cgrpc_pb_msg_table_t *t = o->resolve(o->resolve_ctx, url);
    if (t) return t;
  }
  return cgrpc_json_wkt_table(type_name_of(url));
}

static bool name_is(const char *full, cgrpc_str_t name) {
  return full && strlen(full) == name.len && memcmp(full, name.data, name.len) == 0;
}

static const cgrpc_pb_msg_table_t *find_in_file(const cgrpc_pb_file_t *f, cgrpc_str_t name,
                                                int depth) {
  if (!f || depth > 64) return NULL;
  for (size_t i = 0; i < f->message_count; i++) {
    if (name_is(f->messages[i]->full_name, name)) return f->messages[i];
  }
  for (size_t i = 0; i < f->dep_count; i++) {
    const cgrpc_pb_msg_table_t *t = find_in_file(f->deps[i], name, depth + 1);
    if (t) return t;
  }
  return NULL;
}

const cgrpc_pb_msg_table_t *cgrpc_json_resolve_in_files(void *ctx, cgrpc_str_t type_url) {
  const cgrpc_pb_file_t *const *files = ctx;
  if (!files) return NULL;
  cgrpc_str_t name = type_name_of(type_url);
  for (; *files; files++) {
    const cgrpc_pb_msg_table_t *t = find_in_file(*files, name, 0);
    if (t) return t;
  }
  return NULL;
}

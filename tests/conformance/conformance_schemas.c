/* conformance_schemas.c — see conformance_schemas.h. */
#include "conformance_schemas.h"

#include <string.h>

#include "conformance.pb.h"
#include "google/protobuf/empty.pb.h"
#include "google/protobuf/test_messages_proto2.pb.h"
#include "google/protobuf/test_messages_proto3.pb.h"

const cgrpc_pb_file_t *const conformance_schema_files[] = {
    &conformance_proto_file,
    &google_protobuf_test_messages_proto3_proto_file,
    &google_protobuf_test_messages_proto2_proto_file,
    &google_protobuf_any_proto_file,
    &google_protobuf_duration_proto_file,
    &google_protobuf_empty_proto_file,
    &google_protobuf_field_mask_proto_file,
    &google_protobuf_struct_proto_file,
    &google_protobuf_timestamp_proto_file,
    &google_protobuf_wrappers_proto_file,
    NULL,
};

/* Files import each other at most a few levels deep; the bound only guards
 * against a dependency cycle, which protoc does not allow anyway. */
enum { MAX_IMPORT_DEPTH = 16 };

static const cgrpc_pb_msg_table_t *find_in_file(const cgrpc_pb_file_t *file, cgrpc_str_t name,
                                                int depth) {
  for (size_t i = 0; i < file->message_count; i++) {
    const char *full = file->messages[i]->full_name;
    if (strlen(full) == name.len && memcmp(full, name.data, name.len) == 0) {
      return file->messages[i];
    }
  }
  if (depth >= MAX_IMPORT_DEPTH) return NULL;
  for (size_t i = 0; i < file->dep_count; i++) {
    const cgrpc_pb_msg_table_t *found = find_in_file(file->deps[i], name, depth + 1);
    if (found) return found;
  }
  return NULL;
}

const cgrpc_pb_msg_table_t *conformance_schema_find(cgrpc_str_t full_name) {
  for (size_t i = 0; conformance_schema_files[i]; i++) {
    const cgrpc_pb_msg_table_t *found = find_in_file(conformance_schema_files[i], full_name, 0);
    if (found) return found;
  }
  return NULL;
}

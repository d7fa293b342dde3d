/* conformance_schemas.h — the message types of protobuf's conformance suite,
 * by name.
 *
 * The conformance testee and the JSON differential tool take the message
 * type as a string from outside ("protobuf_test_messages.proto3.
 * TestAllTypesProto3", "google.protobuf.Timestamp"); they find the tables
 * here. The tables are the code protoc-gen-cgrpc generates at build time
 * from conformance.proto and test_messages_proto{2,3}.proto of Debian's
 * protobuf source package, and from the well-known types they import.
 */
#ifndef CGRPC_TESTS_CONFORMANCE_SCHEMAS_H
#define CGRPC_TESTS_CONFORMANCE_SCHEMAS_H

#include <stddef.h>

#include "cgrpc/pb_table.h"

/* conformance.proto, test_messages_proto3.proto, test_messages_proto2.proto
 * and the well-known types, NULL-terminated; their dependencies are reachable
 * through each file's deps. The shape cgrpc_json_resolve_in_files() takes as
 * its context. */
extern const cgrpc_pb_file_t *const conformance_schema_files[];

/* The table of the message with this full name, nested messages included,
 * in conformance_schema_files or their dependencies; NULL when absent. */
const cgrpc_pb_msg_table_t *conformance_schema_find(cgrpc_str_t full_name);

#endif /* CGRPC_TESTS_CONFORMANCE_SCHEMAS_H */

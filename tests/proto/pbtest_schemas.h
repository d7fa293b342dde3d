/* pbtest_schemas.h — the top-level messages of the test schemas, by name.
 *
 * Test programs that take a message type from outside (a file written by
 * the reference side, a fuzz input) or loop over every test type look the
 * tables up here instead of naming generated symbols each time.
 */
#ifndef CGRPC_TESTS_PROTO_PBTEST_SCHEMAS_H
#define CGRPC_TESTS_PROTO_PBTEST_SCHEMAS_H

#include <stddef.h>

#include "cgrpc/pb_table.h"
#include "pbtest/evolution_v1.pb.h"
#include "pbtest/evolution_v2.pb.h"
#include "pbtest/proto2.pb.h"
#include "pbtest/proto3.pb.h"

/* pbtest.p3.AllTypes, pbtest.p2.AllTypes2, pbtest.evo.v1.Record,
 * pbtest.evo.v2.Record, pbtest.p3.Empty, in that order. */
extern const cgrpc_pb_msg_table_t *const pbtest_schemas[];
extern const size_t pbtest_schema_count;

/* The table of the message with this full name ("pbtest.p3.AllTypes") among
 * pbtest_schemas, or NULL. */
const cgrpc_pb_msg_table_t *pbtest_schema_find(const char *full_name);

#endif /* CGRPC_TESTS_PROTO_PBTEST_SCHEMAS_H */

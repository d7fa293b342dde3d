/* What the JSON fuzz targets share: the message types they parse into (every
 * field kind and well-known type, proto3 and proto2) and a resolver for Any. */
#ifndef CGRPC_FUZZ_JSON_COMMON_H
#define CGRPC_FUZZ_JSON_COMMON_H

#include "cgrpc/json.h"
#include "jsontest/all2.pb.h"
#include "jsontest/all3.pb.h"

static const cgrpc_pb_file_t *const fuzz_json_files[] = {&jsontest_all3_proto_file,
                                                         &jsontest_all2_proto_file, NULL};
static const cgrpc_pb_msg_table_t *const fuzz_json_tables[] = {&jsontest_All_table,
                                                               &jsontest2_Msg2_table};
#define FUZZ_JSON_TABLES (sizeof fuzz_json_tables / sizeof fuzz_json_tables[0])

/* Options from the input's last byte, so the fuzzer explores them too. */
static inline cgrpc_json_options_t fuzz_json_options(const uint8_t *data, size_t size) {
  uint8_t b = size ? data[size - 1] : 0;
  cgrpc_json_options_t o = {0};
  o.flags = (b & 1) ? CGRPC_JSON_IGNORE_UNKNOWN : 0;
  o.max_depth = (b & 2) ? 8 : 0;
  o.resolve = cgrpc_json_resolve_in_files;
  o.resolve_ctx = (void *)fuzz_json_files;
  return o;
}

#endif

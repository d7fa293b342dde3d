/* What the JSON fuzz targets share: the message types they parse into (every
 * field kind and well-known type, proto3 and proto2), a resolver for Any and
 * one for the extensions of jsontest2.Msg2. */
#ifndef CGRPC_FUZZ_JSON_COMMON_H
#define CGRPC_FUZZ_JSON_COMMON_H

#include <string.h>

#include "cgrpc/json.h"
#include "jsontest/all2.pb.h"
#include "jsontest/all3.pb.h"

static const cgrpc_pb_file_t *const fuzz_json_files[] = {&jsontest_all3_proto_file,
                                                         &jsontest_all2_proto_file, NULL};
static const cgrpc_pb_msg_table_t *const fuzz_json_tables[] = {&jsontest_All_table,
                                                               &jsontest2_Msg2_table};
#define FUZZ_JSON_TABLES (sizeof fuzz_json_tables / sizeof fuzz_json_tables[0])

/* all2.proto's extensions of jsontest2.Msg2, by hand (the fuzz targets do
 * not link the descriptor pool). */
static const cgrpc_json_extension_t fuzz_json_exts[] = {
    {"jsontest2.ext_i32", 100, CGRPC_PB_INT32, false, false, false, NULL, NULL},
    {"jsontest2.ext_strs", 101, CGRPC_PB_STRING, true, false, false, NULL, NULL},
    {"jsontest2.ext_req", 102, CGRPC_PB_MESSAGE, false, false, false, &jsontest2_Req_table, NULL},
    {"jsontest2.ext_level", 103, CGRPC_PB_ENUM, false, false, true, NULL, &jsontest2_Level_table},
    {"jsontest2.ext_packed", 104, CGRPC_PB_SINT64, true, true, false, NULL, NULL},
    {"jsontest2.ext_bytes", 105, CGRPC_PB_BYTES, false, false, false, NULL, NULL},
};

static inline bool fuzz_json_find_ext(void *ctx, const char *extendee, cgrpc_str_t name,
                                      cgrpc_json_extension_t *out) {
  (void)ctx;
  if (strcmp(extendee, "jsontest2.Msg2") != 0) return false;
  for (size_t i = 0; i < sizeof fuzz_json_exts / sizeof fuzz_json_exts[0]; i++) {
    const char *n = fuzz_json_exts[i].full_name;
    if (strlen(n) == name.len && memcmp(n, name.data, name.len) == 0) {
      *out = fuzz_json_exts[i];
      return true;
    }
  }
  return false;
}

static inline bool fuzz_json_find_ext_by_number(void *ctx, const char *extendee, uint32_t number,
                                                cgrpc_json_extension_t *out) {
  (void)ctx;
  if (strcmp(extendee, "jsontest2.Msg2") != 0) return false;
  for (size_t i = 0; i < sizeof fuzz_json_exts / sizeof fuzz_json_exts[0]; i++) {
    if (fuzz_json_exts[i].number == number) {
      *out = fuzz_json_exts[i];
      return true;
    }
  }
  return false;
}

static const cgrpc_json_extensions_t fuzz_json_extensions = {
    fuzz_json_find_ext, fuzz_json_find_ext_by_number, NULL};

/* Options from the input's last byte, so the fuzzer explores them too. */
static inline cgrpc_json_options_t fuzz_json_options(const uint8_t *data, size_t size) {
  uint8_t b = size ? data[size - 1] : 0;
  cgrpc_json_options_t o = {0};
  o.flags = (b & 1) ? CGRPC_JSON_IGNORE_UNKNOWN : 0;
  o.max_depth = (b & 2) ? 8 : 0;
  o.resolve = cgrpc_json_resolve_in_files;
  o.resolve_ctx = (void *)fuzz_json_files;
  o.extensions = (b & 4) ? NULL : &fuzz_json_extensions;
  return o;
}

#endif

/* json_convert_tool — the C side of the JSON differential tests
 * (json_reference.py): converts between binary protobuf and JSON with
 * cgrpc's JSON mapping, for the reference to compare with Python's
 * json_format.
 *
 *   json_convert_tool IN OUT
 *
 * IN holds records of three blobs: an operation, a message type's full name
 * ("protobuf_test_messages.proto3.TestAllTypesProto3",
 * "google.protobuf.Timestamp", "jsontest.All") and the input. Each blob is a 4-byte
 * little-endian length and the bytes. Operations:
 *   print[:FLAG,...]  the input is binary protobuf; print it as JSON
 *                     (cgrpc_json_encode). Flags: proto_names, defaults,
 *                     enums_as_ints.
 *   parse[:FLAG,...]  the input is JSON; parse it (cgrpc_json_decode) and
 *                     encode it as binary protobuf. Flag: ignore_unknown.
 * For each record OUT gets two blobs: "ok" and the output, or "error" and
 * cgrpc's error message. Exit status 0 unless a file cannot be read or
 * written or a record is malformed; failed conversions are results.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blob_io.h"
#include "cgrpc/alloc.h"
#include "cgrpc/arena.h"
#include "cgrpc/json.h"
#include "cgrpc/pb.h"
#include "conformance_schemas.h"
#include "jsontest/all3.pb.h"

static bool has_flag(blob_t op, const char *flag) {
  const char *colon = memchr(op.data, ':', op.len);
  if (!colon) return false;
  size_t flag_len = strlen(flag);
  const char *p = colon + 1, *end = (const char *)op.data + op.len;
  while (p < end) {
    const char *comma = memchr(p, ',', (size_t)(end - p));
    size_t n = (size_t)((comma ? comma : end) - p);
    if (n == flag_len && memcmp(p, flag, n) == 0) return true;
    p += n + 1;
  }
  return false;
}

static bool op_is(blob_t op, const char *name) {
  size_t n = strlen(name);
  return op.len >= n && memcmp(op.data, name, n) == 0 && (op.len == n || op.data[n] == ':');
}

/* jsontest.All (tests/unit/json/proto): custom json_names, an aliased enum
 * and map kinds the conformance schemas lack. */
static const cgrpc_pb_file_t *const jsontest_files[] = {&jsontest_all3_proto_file, NULL};

/* Types by full name or type URL: the conformance schemas, then jsontest. */
static const cgrpc_pb_msg_table_t *resolve(void *ctx, cgrpc_str_t type_url) {
  (void)ctx;
  const cgrpc_pb_msg_table_t *t =
      cgrpc_json_resolve_in_files((void *)conformance_schema_files, type_url);
  return t ? t : cgrpc_json_resolve_in_files((void *)jsontest_files, type_url);
}

static cgrpc_json_options_t options_for(blob_t op) {
  cgrpc_json_options_t opts = {0};
  opts.resolve = resolve;
  if (op_is(op, "print")) {
    if (has_flag(op, "proto_names")) opts.flags |= CGRPC_JSON_PROTO_NAMES;
    if (has_flag(op, "defaults")) opts.flags |= CGRPC_JSON_EMIT_DEFAULTS;
    if (has_flag(op, "enums_as_ints")) opts.flags |= CGRPC_JSON_ENUMS_AS_INTS;
  } else if (has_flag(op, "ignore_unknown")) {
    opts.flags |= CGRPC_JSON_IGNORE_UNKNOWN;
  }
  return opts;
}

static void result(FILE *out, bool ok, const void *data, size_t len) {
  blob_write(out, ok ? "ok" : "error", ok ? 2 : 5);
  blob_write(out, data, len);
}

/* Converts one record's input; writes its result to `out`. */
static void convert(blob_t op, blob_t type, blob_t input, cgrpc_arena_t *arena, FILE *out) {
  const cgrpc_pb_msg_table_t *table = resolve(NULL, (cgrpc_str_t){(const char *)type.data, type.len});
  if (!table) {
    static const char msg[] = "unknown message type";
    result(out, false, msg, sizeof msg - 1);
    return;
  }
  void *msg = cgrpc_pb_msg_new(table, arena);
  if (!msg) {
    static const char oom[] = "out of memory";
    result(out, false, oom, sizeof oom - 1);
    return;
  }
  cgrpc_json_options_t opts = options_for(op);
  cgrpc_error_t err;
  if (op_is(op, "print")) {
    cgrpc_pb_error_t pb_err;
    if (cgrpc_pb_decode(input.data, input.len, msg, table, arena, 0, &pb_err) != CGRPC_PB_OK) {
      char sentence[256];
      size_t n = cgrpc_pb_error_format(&pb_err, sentence, sizeof sentence);
      result(out, false, sentence, n < sizeof sentence ? n : sizeof sentence - 1);
      return;
    }
    cgrpc_str_t json;
    if (cgrpc_json_encode(msg, table, &opts, arena, &json, &err) != CGRPC_STATUS_OK) {
      result(out, false, err.message, strlen(err.message));
      return;
    }
    result(out, true, json.data, json.len);
  } else {
    if (cgrpc_json_decode((const char *)input.data, input.len, msg, table, arena, &opts, &err) !=
        CGRPC_STATUS_OK) {
      result(out, false, err.message, strlen(err.message));
      return;
    }
    uint8_t *bin;
    size_t bin_len;
    if (cgrpc_pb_encode(msg, table, arena, CGRPC_PB_ENCODE_DETERMINISTIC, &bin, &bin_len, NULL) !=
        CGRPC_PB_OK) {
      static const char msg_enc[] = "binary encoding failed";
      result(out, false, msg_enc, sizeof msg_enc - 1);
      return;
    }
    result(out, true, bin, bin_len);
  }
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s IN OUT\n", argv[0]);
    return 2;
  }
  size_t len;
  uint8_t *in = blob_read_file(argv[1], &len);
  if (!in) {
    fprintf(stderr, "json_convert_tool: cannot read %s\n", argv[1]);
    return 1;
  }
  FILE *out = fopen(argv[2], "wb");
  if (!out) {
    fprintf(stderr, "json_convert_tool: cannot write %s\n", argv[2]);
    cgrpc_free(in);
    return 1;
  }
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  const uint8_t *p = in, *end = in + len;
  int status = 0;
  while (p < end) {
    blob_t op, type, input;
    if (!blob_next(&p, end, &op) || !blob_next(&p, end, &type) || !blob_next(&p, end, &input)) {
      fprintf(stderr, "json_convert_tool: malformed record at byte %zu\n", (size_t)(p - in));
      status = 1;
      break;
    }
    convert(op, type, input, &arena, out);
    cgrpc_arena_reset(&arena, 1);
  }
  cgrpc_arena_free(&arena);
  cgrpc_free(in);
  if (fclose(out) != 0) status = 1;
  return status;
}

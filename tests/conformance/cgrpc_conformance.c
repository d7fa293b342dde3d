/* cgrpc_conformance — the testee protobuf's conformance_test_runner drives.
 *
 * The runner starts this program once and sends it one test at a time on
 * stdin: a 4-byte little-endian length, then a serialized
 * conformance.ConformanceRequest. For each it writes the same framing of a
 * conformance.ConformanceResponse to stdout:
 *   - the payload (binary or JSON) is parsed into the named message type
 *     with cgrpc's generated tables (cgrpc_pb_decode, cgrpc_json_decode);
 *     a failure answers parse_error;
 *   - the message is written back in the requested format (cgrpc_pb_encode,
 *     cgrpc_json_encode); a failure answers serialize_error;
 *   - text format (and JSPB) requests answer `skipped`: cgrpc has no text
 *     format, and the suite covers binary and JSON only (README.md).
 * The program ends when stdin does, with status 0, or with status 1 when the
 * framing is broken.
 *
 * With the environment variable CGRPC_CONFORMANCE_TALLY naming a file, one
 * line per test is appended to it, "<input format> <output format>", from
 * which run_suite.py counts the tests of each category.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgrpc/arena.h"
#include "cgrpc/descriptor.h"
#include "cgrpc/json.h"
#include "cgrpc/pb.h"
#include "conformance.pb.h"
#include "conformance_schemas.h"
#include "google/protobuf/test_messages_proto2.pb.h"

/* The runner's own requests are a few KiB; this bounds a broken frame. */
enum { MAX_FRAME = 64 << 20 };

static int read_all(int fd, void *buf, size_t len) {
  uint8_t *p = buf;
  while (len > 0) {
    ssize_t n = read(fd, p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return n == 0 && p == buf ? 0 : -1; /* 0: the input ended before it */
    p += n;
    len -= (size_t)n;
  }
  return 1;
}

static int write_all(int fd, const void *buf, size_t len) {
  const uint8_t *p = buf;
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

static const char *format_name(int32_t format) {
  switch (format) {
    case conformance_PROTOBUF:
      return "PROTOBUF";
    case conformance_JSON:
      return "JSON";
    case conformance_JSPB:
      return "JSPB";
    case conformance_TEXT_FORMAT:
      return "TEXT_FORMAT";
    default:
      return "UNSPECIFIED";
  }
}

static int32_t input_format(const conformance_ConformanceRequest *req) {
  switch (req->payload_case) {
    case conformance_ConformanceRequest_payload_protobuf_payload:
      return conformance_PROTOBUF;
    case conformance_ConformanceRequest_payload_json_payload:
      return conformance_JSON;
    case conformance_ConformanceRequest_payload_jspb_payload:
      return conformance_JSPB;
    case conformance_ConformanceRequest_payload_text_payload:
      return conformance_TEXT_FORMAT;
    default:
      return conformance_UNSPECIFIED;
  }
}

static cgrpc_str_t pb_error_text(cgrpc_arena_t *arena, const char *what,
                                 const cgrpc_pb_error_t *err) {
  char sentence[256];
  cgrpc_pb_error_format(err, sentence, sizeof sentence);
  return cgrpc_arena_printf(arena, "%s: %s", what, sentence);
}

/* The extensions of TestAllTypesProto2 ("[protobuf_test_messages.proto2.
 * extension_int32]" in JSON), from a descriptor pool over the generated
 * file; set up by main(). */
static cgrpc_json_extensions_t json_extensions;

static cgrpc_json_options_t json_options(uint32_t flags) {
  cgrpc_json_options_t opts = {0};
  opts.flags = flags;
  /* Any payloads name types of the test schemas and well-known types. */
  opts.resolve = cgrpc_json_resolve_in_files;
  opts.resolve_ctx = (void *)conformance_schema_files;
  opts.extensions = &json_extensions;
  return opts;
}

/* Parses the request's payload into `msg`; on failure sets the response. */
static bool parse_payload(const conformance_ConformanceRequest *req, void *msg,
                          const cgrpc_pb_msg_table_t *table, cgrpc_arena_t *arena,
                          conformance_ConformanceResponse *res) {
  switch (req->payload_case) {
    case conformance_ConformanceRequest_payload_protobuf_payload: {
      cgrpc_pb_error_t err;
      const cgrpc_str_t in = req->payload.protobuf_payload;
      if (cgrpc_pb_decode(in.data, in.len, msg, table, arena, 0, &err) != CGRPC_PB_OK) {
        conformance_ConformanceResponse_set_parse_error(res, pb_error_text(arena, "binary", &err));
        return false;
      }
      return true;
    }
    case conformance_ConformanceRequest_payload_json_payload: {
      const cgrpc_str_t in = req->payload.json_payload;
      cgrpc_json_options_t opts =
          json_options(req->test_category == conformance_JSON_IGNORE_UNKNOWN_PARSING_TEST
                           ? CGRPC_JSON_IGNORE_UNKNOWN
                           : 0);
      cgrpc_error_t err;
      if (cgrpc_json_decode(in.data, in.len, msg, table, arena, &opts, &err) != CGRPC_STATUS_OK) {
        conformance_ConformanceResponse_set_parse_error(
            res, cgrpc_arena_printf(arena, "JSON: %s", err.message));
        return false;
      }
      return true;
    }
    default:
      conformance_ConformanceResponse_set_skipped(
          res, CGRPC_STR("cgrpc implements the binary and JSON formats only"));
      return false;
  }
}

/* Writes `msg` in the requested format into the response. */
static void serialize(const conformance_ConformanceRequest *req, const void *msg,
                      const cgrpc_pb_msg_table_t *table, cgrpc_arena_t *arena,
                      conformance_ConformanceResponse *res) {
  switch (req->requested_output_format) {
    case conformance_PROTOBUF: {
      uint8_t *out;
      size_t len;
      cgrpc_pb_error_t err;
      if (cgrpc_pb_encode(msg, table, arena, 0, &out, &len, &err) != CGRPC_PB_OK) {
        conformance_ConformanceResponse_set_serialize_error(res,
                                                            pb_error_text(arena, "binary", &err));
        return;
      }
      conformance_ConformanceResponse_set_protobuf_payload(res,
                                                           (cgrpc_str_t){(const char *)out, len});
      return;
    }
    case conformance_JSON: {
      cgrpc_json_options_t opts = json_options(0);
      cgrpc_str_t out;
      cgrpc_error_t err;
      if (cgrpc_json_encode(msg, table, &opts, arena, &out, &err) != CGRPC_STATUS_OK) {
        conformance_ConformanceResponse_set_serialize_error(
            res, cgrpc_arena_printf(arena, "JSON: %s", err.message));
        return;
      }
      conformance_ConformanceResponse_set_json_payload(res, out);
      return;
    }
    default:
      conformance_ConformanceResponse_set_skipped(
          res, CGRPC_STR("cgrpc implements the binary and JSON formats only"));
      return;
  }
}

static void run_test(const conformance_ConformanceRequest *req, cgrpc_arena_t *arena,
                     conformance_ConformanceResponse *res) {
  const cgrpc_pb_msg_table_t *table = conformance_schema_find(req->message_type);
  if (!table) {
    conformance_ConformanceResponse_set_runtime_error(
        res,
        cgrpc_arena_printf(arena, "unknown message type %.*s", CGRPC_STR_ARGS(req->message_type)));
    return;
  }
  void *msg = cgrpc_pb_msg_new(table, arena);
  if (!msg) {
    conformance_ConformanceResponse_set_runtime_error(res, CGRPC_STR("out of memory"));
    return;
  }
  if (parse_payload(req, msg, table, arena, res)) serialize(req, msg, table, arena, res);
}

int main(void) {
  FILE *tally = NULL;
  const char *tally_path = getenv("CGRPC_CONFORMANCE_TALLY");
  if (tally_path && *tally_path && !(tally = fopen(tally_path, "a"))) {
    fprintf(stderr, "cgrpc_conformance: cannot open %s: %s\n", tally_path, strerror(errno));
    return 1;
  }
  cgrpc_pool_t *pool;
  cgrpc_error_t perr;
  if (cgrpc_pool_new(&pool, &perr) != CGRPC_STATUS_OK ||
      cgrpc_pool_add_generated(pool, &google_protobuf_test_messages_proto2_proto_file, &perr) !=
          CGRPC_STATUS_OK) {
    fprintf(stderr, "cgrpc_conformance: descriptor pool: %s\n", perr.message);
    return 1;
  }
  cgrpc_pool_json_extensions(pool, &json_extensions);
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  int status = 0;
  for (;;) {
    uint8_t prefix[4];
    int got = read_all(STDIN_FILENO, prefix, sizeof prefix);
    if (got == 0) break;
    uint32_t len = (uint32_t)prefix[0] | (uint32_t)prefix[1] << 8 | (uint32_t)prefix[2] << 16 |
                   (uint32_t)prefix[3] << 24;
    uint8_t *frame = got < 0 || len > MAX_FRAME ? NULL : cgrpc_arena_alloc(&arena, len + 1u);
    if (!frame || read_all(STDIN_FILENO, frame, len) != 1) {
      fprintf(stderr, "cgrpc_conformance: broken request frame\n");
      status = 1;
      break;
    }

    conformance_ConformanceRequest req;
    conformance_ConformanceRequest_init(&req);
    conformance_ConformanceResponse res;
    conformance_ConformanceResponse_init(&res);
    cgrpc_pb_error_t err;
    if (conformance_ConformanceRequest_decode(frame, len, &req, &arena, CGRPC_PB_DECODE_ALIAS,
                                              &err) != CGRPC_PB_OK) {
      conformance_ConformanceResponse_set_runtime_error(
          &res, pb_error_text(&arena, "ConformanceRequest", &err));
    } else {
      /* Tallied before the test runs, so a test that crashes the program
       * still counts. The runner's first request asks for the program's own
       * failure list (a conformance.FailureSet); it is no test. */
      if (tally &&
          !(req.message_type.len >= 12 && memcmp(req.message_type.data, "conformance.", 12) == 0)) {
        fprintf(tally, "%s %s\n", format_name(input_format(&req)),
                format_name(req.requested_output_format));
        fflush(tally);
      }
      run_test(&req, &arena, &res);
    }

    uint8_t *out;
    size_t out_len;
    if (conformance_ConformanceResponse_encode(&res, &arena, 0, &out, &out_len, &err) !=
        CGRPC_PB_OK) {
      fprintf(stderr, "cgrpc_conformance: cannot encode the response\n");
      status = 1;
      break;
    }
    uint8_t out_prefix[4] = {(uint8_t)out_len, (uint8_t)(out_len >> 8), (uint8_t)(out_len >> 16),
                             (uint8_t)(out_len >> 24)};
    if (write_all(STDOUT_FILENO, out_prefix, 4) < 0 || write_all(STDOUT_FILENO, out, out_len) < 0) {
      status = 1;
      break;
    }
    cgrpc_arena_reset(&arena, 1);
  }
  cgrpc_arena_free(&arena);
  cgrpc_pool_free(pool);
  if (tally) fclose(tally);
  return status;
}

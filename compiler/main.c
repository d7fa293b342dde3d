/* main.c — protoc-gen-cgrpc: the protoc plugin that writes cgrpc C code.
 *
 * protoc runs the plugin with a serialized CodeGeneratorRequest on stdin and
 * reads a CodeGeneratorResponse from stdout. Problems with the .proto files go
 * back inside the response (protoc prints them); only failures of the plugin
 * itself (unreadable request, I/O errors) end with a non-zero status.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgrpc/alloc.h"
#include "cgrpc/arena.h"
#include "cgrpc/pb.h"
#include "google/protobuf/compiler/plugin.pb.h"
#include "plugin.h"

/* Reads all of `in` into a cgrpc_malloc'ed buffer. Returns NULL on failure. */
static char *read_all(FILE *in, size_t *len) {
  size_t cap = 1 << 16, n = 0;
  char *buf = cgrpc_malloc(cap);
  while (buf) {
    n += fread(buf + n, 1, cap - n, in);
    if (n < cap) break;
    char *bigger = cgrpc_realloc(buf, cap * 2);
    if (!bigger) cgrpc_free(buf);
    buf = bigger;
    cap *= 2;
  }
  if (buf && ferror(in)) {
    cgrpc_free(buf);
    buf = NULL;
  }
  *len = n;
  return buf;
}

static int die(const char *what, const cgrpc_pb_error_t *err) {
  char detail[256] = "";
  if (err) cgrpc_pb_error_format(err, detail, sizeof(detail));
  fprintf(stderr, "protoc-gen-cgrpc: %s%s%s\n", what, err ? ": " : "", detail);
  return 1;
}

int main(int argc, char **argv) {
  if (argc > 1) {
    fprintf(stderr,
            "usage: protoc --plugin=protoc-gen-cgrpc=%s --cgrpc_out=DIR file.proto...\n"
            "protoc-gen-cgrpc is a protoc plugin: it reads a CodeGeneratorRequest on stdin.\n",
            argv[0]);
    return 2;
  }
  size_t len = 0;
  char *input = read_all(stdin, &len);
  if (!input) return die("cannot read the request from stdin", NULL);

  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  google_protobuf_compiler_CodeGeneratorRequest req;
  google_protobuf_compiler_CodeGeneratorRequest_init(&req);
  cgrpc_pb_error_t err;
  /* The input buffer outlives everything, so strings can point into it. */
  if (google_protobuf_compiler_CodeGeneratorRequest_decode(input, len, &req, &arena,
                                                           CGRPC_PB_DECODE_ALIAS, &err) != 0) {
    return die("cannot decode the CodeGeneratorRequest", &err);
  }
  google_protobuf_compiler_CodeGeneratorResponse resp;
  google_protobuf_compiler_CodeGeneratorResponse_init(&resp);
  gen_plugin_run(&req, &resp, &arena);

  uint8_t *out = NULL;
  size_t out_len = 0;
  if (google_protobuf_compiler_CodeGeneratorResponse_encode(&resp, &arena, 0, &out, &out_len,
                                                            &err) != 0) {
    return die("cannot encode the CodeGeneratorResponse", &err);
  }
  int status = 0;
  if (fwrite(out, 1, out_len, stdout) != out_len || fflush(stdout) != 0) {
    status = die("cannot write the response to stdout", NULL);
  }
  cgrpc_arena_free(&arena);
  cgrpc_free(input);
  return status;
}

/* plugin.c — the generator's request-to-response step. See plugin.h.
 *
 * The model is built for every file protoc sent (imports included, since
 * fields refer to their types), but code is written only for the files to
 * generate. Each file embeds its own FileDescriptorProto: the one from the
 * request, re-encoded without source_code_info, which only tools reading
 * comments need and which would double the size of the tables.
 */
#include "plugin.h"

#include <string.h>

#include "cgrpc/pb.h"
#include "emit.h"
#include "model.h"
#include "names.h"
#include "text.h"

static cgrpc_str_t str_from(const char *s) { return (cgrpc_str_t){s, strlen(s)}; }

static void set_error(google_protobuf_compiler_CodeGeneratorResponse *resp, const char *message) {
  resp->has_error = true;
  resp->error = str_from(message);
  resp->file.count = 0;
}

static void add_output(google_protobuf_compiler_CodeGeneratorResponse *resp, cgrpc_arena_t *arena,
                       const char *name, const gen_text_t *content) {
  google_protobuf_compiler_CodeGeneratorResponse_File *out =
      google_protobuf_compiler_CodeGeneratorResponse_File_new(arena);
  if (!out) gen_oom();
  google_protobuf_compiler_CodeGeneratorResponse_File_set_name(out, str_from(name));
  google_protobuf_compiler_CodeGeneratorResponse_File_set_content(
      out, (cgrpc_str_t){content->data, content->len});
  resp->file.data[resp->file.count++] = out;
}

/* Serializes `file`'s descriptor without source_code_info. Returns NULL and
 * sets resp->error when the encoder refuses. */
static const uint8_t *encode_descriptor(const gen_file_t *file, cgrpc_arena_t *arena, size_t *len,
                                        google_protobuf_compiler_CodeGeneratorResponse *resp) {
  google_protobuf_FileDescriptorProto copy = *file->d;
  copy.source_code_info = NULL;
  uint8_t *out = NULL;
  cgrpc_pb_error_t err;
  int rc = google_protobuf_FileDescriptorProto_encode(&copy, arena, CGRPC_PB_ENCODE_PARTIAL, &out,
                                                      len, &err);
  if (rc != CGRPC_PB_OK) {
    char detail[256];
    cgrpc_pb_error_format(&err, detail, sizeof(detail));
    set_error(resp,
              gen_strprintf(arena, "%s: cannot serialize its descriptor: %s", file->name, detail));
    return NULL;
  }
  return out;
}

void gen_plugin_run(const google_protobuf_compiler_CodeGeneratorRequest *req,
                    google_protobuf_compiler_CodeGeneratorResponse *resp, cgrpc_arena_t *arena) {
  resp->has_supported_features = true;
  resp->supported_features = google_protobuf_compiler_CodeGeneratorResponse_FEATURE_PROTO3_OPTIONAL;
  bool openapi = false;
  if (req->has_parameter && req->parameter.len) {
    /* Comma-separated options; "openapi" is the only one. */
    const char *p = req->parameter.data, *end = p + req->parameter.len;
    while (p < end) {
      const char *comma = memchr(p, ',', (size_t)(end - p));
      size_t n = comma ? (size_t)(comma - p) : (size_t)(end - p);
      if (n == 7 && memcmp(p, "openapi", 7) == 0) {
        openapi = true;
      } else if (n) {
        set_error(resp, gen_strprintf(arena,
                                      "protoc-gen-cgrpc takes the option \"openapi\" only, got \"%.*s\"",
                                      (int)n, p));
        return;
      }
      p += n + 1;
    }
  }
  gen_model_t model;
  if (!gen_model_build(&model, arena, req)) {
    set_error(resp, model.error);
    return;
  }
  size_t outputs = 3 * req->file_to_generate.count;
  resp->file.data = gen_calloc(arena, outputs ? outputs : 1, sizeof(*resp->file.data));
  resp->file.capacity = outputs;
  for (size_t i = 0; i < req->file_to_generate.count; i++) {
    cgrpc_str_t name = req->file_to_generate.data[i];
    const char *path = gen_strndup(arena, name.data, name.len);
    const gen_file_t *file = gen_model_find_file(&model, path);
    if (!file) {
      set_error(resp, gen_strprintf(
                          arena, "%s: asked to generate it, but protoc sent no descriptor", path));
      return;
    }
    if (!gen_model_check_names(&model, file)) {
      set_error(resp, model.error);
      return;
    }
    size_t descriptor_len = 0;
    const uint8_t *descriptor = encode_descriptor(file, arena, &descriptor_len, resp);
    if (!descriptor) return;
    gen_text_t header, source;
    gen_text_init(&header, arena);
    gen_text_init(&source, arena);
    gen_emit_header(&header, file);
    gen_emit_source(&source, file, descriptor, descriptor_len);
    add_output(resp, arena, gen_name_output(arena, path, ".pb.h"), &header);
    add_output(resp, arena, gen_name_output(arena, path, ".pb.c"), &source);
    if (openapi) {
      gen_text_t doc;
      gen_text_init(&doc, arena);
      const char *error = NULL;
      if (gen_emit_openapi(&doc, file, descriptor, descriptor_len, arena, &error))
        add_output(resp, arena, gen_name_output(arena, path, ".openapi.json"), &doc);
      else if (error) {
        set_error(resp, error);
        return;
      }
    }
  }
}

/* fuzz_services_reflection — a client's ServerReflectionRequests into the
 * reflection answers (src/services/reflection_answer.c).
 *
 * The input is a stream of requests, each a 1-byte length and that many
 * bytes of a serialized grpc.reflection.v1.ServerReflectionRequest (what
 * does not decode is skipped, as the server's call would refuse it). Every
 * request is answered against a registry holding the well-known types and
 * the health and reflection files, with one sent-files set for the whole
 * input, as one stream has.
 *
 * Asserts: every answer is built (no failure but out of memory, which the
 * arenas here never hit) and encodes; an error answer has NOT_FOUND or
 * INVALID_ARGUMENT and a message; a file answer starts with the asked file
 * (by name for file_by_filename), holds each file once, and never repeats
 * a dependency an earlier answer of the stream sent.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "google/protobuf/descriptor.pb.h"
#include "grpc/health/v1/health.pb.h"
#include "services/reflection_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static cgrpc_reflection_t registry;
static const char *kServices[] = {"grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection"};

static void setup(void) {
  if (registry.pool) return;
  if (cgrpc_pool_new(&registry.pool, NULL) != CGRPC_STATUS_OK ||
      cgrpc_pool_add_generated(registry.pool, &grpc_health_v1_health_proto_file, NULL) ||
      cgrpc_pool_add_generated(registry.pool, &grpc_reflection_v1_reflection_proto_file, NULL)) {
    abort();
  }
  registry.services = kServices;
  registry.service_count = 2;
}

/* The name of a serialized FileDescriptorProto, in `arena`. */
static cgrpc_str_t file_name(cgrpc_str_t bytes, cgrpc_arena_t *arena) {
  google_protobuf_FileDescriptorProto fd;
  google_protobuf_FileDescriptorProto_init(&fd);
  if (google_protobuf_FileDescriptorProto_decode(bytes.data, bytes.len, &fd, arena, 0, NULL)) {
    abort(); /* the pool's own descriptors always decode */
  }
  return fd.name;
}

static bool same(cgrpc_str_t a, cgrpc_str_t b) {
  return a.len == b.len && (a.len == 0 || memcmp(a.data, b.data, a.len) == 0);
}

static void check(const grpc_reflection_v1_ServerReflectionRequest *req,
                  const grpc_reflection_v1_ServerReflectionResponse *resp, size_t sent_before,
                  const reflection_sent_t *sent, cgrpc_arena_t *arena) {
  uint8_t *out;
  size_t len;
  if (grpc_reflection_v1_ServerReflectionResponse_encode(resp, arena, 0, &out, &len, NULL)) abort();
  switch (resp->message_response_case) {
    case grpc_reflection_v1_ServerReflectionResponse_message_response_error_response: {
      const grpc_reflection_v1_ErrorResponse *e = resp->message_response.error_response;
      if (e->error_code != CGRPC_STATUS_NOT_FOUND && e->error_code != CGRPC_STATUS_INVALID_ARGUMENT)
        abort();
      if (e->error_message.len == 0) abort();
      break;
    }
    case grpc_reflection_v1_ServerReflectionResponse_message_response_file_descriptor_response: {
      const grpc_reflection_v1_FileDescriptorResponse *fr =
          resp->message_response.file_descriptor_response;
      size_t n = fr->file_descriptor_proto.count;
      if (n == 0) abort();
      cgrpc_str_t *names = cgrpc_arena_alloc(arena, n * sizeof *names);
      if (!names) abort();
      for (size_t i = 0; i < n; i++) {
        names[i] = file_name(fr->file_descriptor_proto.data[i], arena);
        for (size_t j = 0; j < i; j++) {
          if (same(names[i], names[j])) abort(); /* each file once per answer */
        }
        /* A dependency the stream had been sent comes no more. */
        for (size_t k = 0; i > 0 && k < sent_before; k++) {
          if (same(names[i], cgrpc_str(sent->files[k]->name))) abort();
        }
      }
      if (req->message_request_case ==
              grpc_reflection_v1_ServerReflectionRequest_message_request_file_by_filename &&
          !same(names[0], req->message_request.file_by_filename)) {
        abort();
      }
      break;
    }
    case grpc_reflection_v1_ServerReflectionResponse_message_response_list_services_response:
      if (resp->message_response.list_services_response->service.count != 2) abort();
      break;
    case grpc_reflection_v1_ServerReflectionResponse_message_response_all_extension_numbers_response:
      break;
    default:
      abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  setup();
  cgrpc_arena_t stream_arena, arena;
  cgrpc_arena_init(&stream_arena, NULL, 0);
  cgrpc_arena_init(&arena, NULL, 0);
  reflection_sent_t sent = {0};
  size_t at = 0;
  while (at < size) {
    size_t len = data[at++];
    if (len > size - at) len = size - at;
    grpc_reflection_v1_ServerReflectionRequest req;
    grpc_reflection_v1_ServerReflectionRequest_init(&req);
    if (grpc_reflection_v1_ServerReflectionRequest_decode(data + at, len, &req, &arena, 0, NULL) ==
        CGRPC_PB_OK) {
      grpc_reflection_v1_ServerReflectionResponse resp;
      size_t sent_before = sent.count;
      if (!reflection_answer(&registry, &req, &resp, &sent, &arena, &stream_arena)) abort();
      check(&req, &resp, sent_before, &sent, &arena);
    }
    at += len;
    cgrpc_arena_reset(&arena, 1);
  }
  cgrpc_arena_free(&arena);
  cgrpc_arena_free(&stream_arena);
  return 0;
}

/* services/reflection_answer.c — one ServerReflectionRequest in, one
 * ServerReflectionResponse out, from the descriptor pool.
 *
 * File answers carry the dependency closure breadth first, the asked file
 * first (always, so a client asking twice gets an answer), then each import
 * the stream has not been sent yet: grpc-go's reflection does the same, and
 * clients (grpcurl, buf curl) rely on it to build their own pools.
 */
#include <stddef.h>
#include <string.h>

#include "grpc/reflection/v1alpha/reflection.pb.h"
#include "services/reflection_internal.h"

/* The v1alpha structs go through the v1 code: same layout, checked here. */
#define SAME_LAYOUT(type, field)                                                              \
  _Static_assert(offsetof(grpc_reflection_v1_##type, field) ==                                \
                     offsetof(grpc_reflection_v1alpha_##type, field),                         \
                 #type "." #field " differs between v1 and v1alpha");                         \
  _Static_assert(sizeof(grpc_reflection_v1_##type) == sizeof(grpc_reflection_v1alpha_##type), \
                 #type " differs in size between v1 and v1alpha")
SAME_LAYOUT(ServerReflectionRequest, message_request);
SAME_LAYOUT(ServerReflectionRequest, message_request_case);
SAME_LAYOUT(ServerReflectionResponse, message_response);
SAME_LAYOUT(ServerReflectionResponse, original_request);
SAME_LAYOUT(ExtensionRequest, extension_number);
SAME_LAYOUT(FileDescriptorResponse, file_descriptor_proto);
SAME_LAYOUT(ExtensionNumberResponse, extension_number);
SAME_LAYOUT(ListServiceResponse, service);
SAME_LAYOUT(ServiceResponse, name);
SAME_LAYOUT(ErrorResponse, error_message);

typedef grpc_reflection_v1_ServerReflectionRequest request_t;
typedef grpc_reflection_v1_ServerReflectionResponse response_t;

/* A request's string as a C string, in the arena (NULL when out of
 * memory); a leading '.' (a fully-qualified name) dropped. */
static const char *cstr(cgrpc_arena_t *arena, cgrpc_str_t s, bool symbol) {
  if (symbol && s.len && s.data[0] == '.') {
    s.data++;
    s.len--;
  }
  char *out = cgrpc_arena_alloc(arena, s.len + 1);
  if (!out) return NULL;
  if (s.len) memcpy(out, s.data, s.len);
  out[s.len] = '\0';
  return out;
}

static bool error_response(response_t *resp, cgrpc_arena_t *arena, cgrpc_status_code_t code,
                           cgrpc_str_t message) {
  grpc_reflection_v1_ErrorResponse *e = grpc_reflection_v1_ErrorResponse_new(arena);
  if (!e) return false;
  e->error_code = (int32_t)code;
  e->error_message = message;
  grpc_reflection_v1_ServerReflectionResponse_set_error_response(resp, e);
  return true;
}

#define NOT_FOUND(resp, arena, ...) \
  error_response(resp, arena, CGRPC_STATUS_NOT_FOUND, cgrpc_arena_printf(arena, __VA_ARGS__))

static bool was_sent(const reflection_sent_t *sent, const cgrpc_file_desc_t *f) {
  for (size_t i = 0; i < sent->count; i++) {
    if (sent->files[i] == f) return true;
  }
  return false;
}

static bool add_sent(reflection_sent_t *sent, const cgrpc_file_desc_t *f, cgrpc_arena_t *arena) {
  if (sent->count == sent->cap) {
    size_t cap = sent->cap ? sent->cap * 2 : 16;
    const cgrpc_file_desc_t **grown =
        cgrpc_arena_realloc(arena, sent->files, sent->cap * sizeof *grown, cap * sizeof *grown);
    if (!grown) return false;
    sent->files = grown;
    sent->cap = cap;
  }
  sent->files[sent->count++] = f;
  return true;
}

/* `file` and the imports not sent on this stream yet, breadth first. */
static bool file_response(response_t *resp, const cgrpc_file_desc_t *file, reflection_sent_t *sent,
                          cgrpc_arena_t *arena, cgrpc_arena_t *stream_arena) {
  grpc_reflection_v1_FileDescriptorResponse *fr =
      grpc_reflection_v1_FileDescriptorResponse_new(arena);
  if (!fr) return false;
  /* The queue: files taken into this answer (each once), in order. */
  size_t cap = 8, count = 0;
  const cgrpc_file_desc_t **queue = cgrpc_arena_alloc(arena, cap * sizeof *queue);
  if (!queue) return false;
  queue[count++] = file;
  for (size_t head = 0; head < count; head++) {
    const cgrpc_file_desc_t *f = queue[head];
    for (size_t d = 0; d < f->dep_count; d++) {
      const cgrpc_file_desc_t *dep = f->deps[d];
      bool queued = false;
      for (size_t q = 0; q < count && !queued; q++) queued = queue[q] == dep;
      if (queued || was_sent(sent, dep)) continue;
      if (count == cap) {
        const cgrpc_file_desc_t **grown =
            cgrpc_arena_realloc(arena, queue, cap * sizeof *queue, 2 * cap * sizeof *queue);
        if (!grown) return false;
        queue = grown;
        cap *= 2;
      }
      queue[count++] = dep;
    }
  }
  cgrpc_str_t *protos = cgrpc_arena_alloc(arena, count * sizeof *protos);
  if (!protos) return false;
  for (size_t i = 0; i < count; i++) {
    protos[i] = (cgrpc_str_t){(const char *)queue[i]->descriptor, queue[i]->descriptor_len};
    if (!was_sent(sent, queue[i]) && !add_sent(sent, queue[i], stream_arena)) return false;
  }
  fr->file_descriptor_proto.data = protos;
  fr->file_descriptor_proto.count = fr->file_descriptor_proto.capacity = count;
  grpc_reflection_v1_ServerReflectionResponse_set_file_descriptor_response(resp, fr);
  return true;
}

static bool list_services(const cgrpc_reflection_t *r, response_t *resp, cgrpc_arena_t *arena) {
  grpc_reflection_v1_ListServiceResponse *list = grpc_reflection_v1_ListServiceResponse_new(arena);
  grpc_reflection_v1_ServiceResponse **items =
      cgrpc_arena_alloc(arena, (r->service_count ? r->service_count : 1) * sizeof *items);
  grpc_reflection_v1_ServiceResponse *each =
      cgrpc_arena_alloc(arena, (r->service_count ? r->service_count : 1) * sizeof *each);
  if (!list || !items || !each) return false;
  for (size_t i = 0; i < r->service_count; i++) {
    grpc_reflection_v1_ServiceResponse_init(&each[i]);
    each[i].name = cgrpc_str(r->services[i]);
    items[i] = &each[i];
  }
  list->service.data = items;
  list->service.count = list->service.capacity = r->service_count;
  grpc_reflection_v1_ServerReflectionResponse_set_list_services_response(resp, list);
  return true;
}

static bool extension_numbers(const cgrpc_reflection_t *r, const char *type, response_t *resp,
                              cgrpc_arena_t *arena) {
  if (!cgrpc_pool_find_message(r->pool, type)) {
    return NOT_FOUND(resp, arena, "message type \"%.200s\" not found", type);
  }
  size_t n = cgrpc_pool_extensions_of(r->pool, type, NULL, 0);
  const cgrpc_field_desc_t **exts = cgrpc_arena_alloc(arena, (n ? n : 1) * sizeof *exts);
  int32_t *numbers = cgrpc_arena_alloc(arena, (n ? n : 1) * sizeof *numbers);
  grpc_reflection_v1_ExtensionNumberResponse *en =
      grpc_reflection_v1_ExtensionNumberResponse_new(arena);
  if (!exts || !numbers || !en) return false;
  cgrpc_pool_extensions_of(r->pool, type, exts, n);
  for (size_t i = 0; i < n; i++) numbers[i] = (int32_t)exts[i]->number;
  en->base_type_name = cgrpc_str(type);
  en->extension_number.data = numbers;
  en->extension_number.count = en->extension_number.capacity = n;
  grpc_reflection_v1_ServerReflectionResponse_set_all_extension_numbers_response(resp, en);
  return true;
}

bool reflection_answer(const cgrpc_reflection_t *r, const request_t *req, response_t *resp,
                       reflection_sent_t *sent, cgrpc_arena_t *arena, cgrpc_arena_t *stream_arena) {
  grpc_reflection_v1_ServerReflectionResponse_init(resp);
  resp->valid_host = req->host;
  resp->original_request = (request_t *)req;
  const cgrpc_pool_t *pool = r->pool;
  switch (req->message_request_case) {
    case grpc_reflection_v1_ServerReflectionRequest_message_request_list_services:
      return list_services(r, resp, arena);
    case grpc_reflection_v1_ServerReflectionRequest_message_request_file_by_filename: {
      const char *name = cstr(arena, req->message_request.file_by_filename, false);
      if (!name) return false;
      const cgrpc_file_desc_t *f = cgrpc_pool_find_file(pool, name);
      if (!f) return NOT_FOUND(resp, arena, "file \"%.200s\" not found", name);
      return file_response(resp, f, sent, arena, stream_arena);
    }
    case grpc_reflection_v1_ServerReflectionRequest_message_request_file_containing_symbol: {
      const char *symbol = cstr(arena, req->message_request.file_containing_symbol, true);
      if (!symbol) return false;
      const cgrpc_file_desc_t *f = cgrpc_pool_find_file_containing(pool, symbol);
      if (!f) return NOT_FOUND(resp, arena, "symbol \"%.200s\" not found", symbol);
      return file_response(resp, f, sent, arena, stream_arena);
    }
    case grpc_reflection_v1_ServerReflectionRequest_message_request_file_containing_extension: {
      const grpc_reflection_v1_ExtensionRequest *ext =
          req->message_request.file_containing_extension;
      cgrpc_str_t type_str = ext ? ext->containing_type : (cgrpc_str_t){"", 0};
      const char *type = cstr(arena, type_str, true);
      if (!type) return false;
      int32_t number = ext ? ext->extension_number : 0;
      const cgrpc_field_desc_t *field =
          number > 0 ? cgrpc_pool_find_extension_by_number(pool, type, (uint32_t)number) : NULL;
      const cgrpc_file_desc_t *f =
          field ? cgrpc_pool_find_file_containing(pool, field->full_name) : NULL;
      if (!f) {
        return NOT_FOUND(resp, arena, "extension %d of \"%.200s\" not found", (int)number, type);
      }
      return file_response(resp, f, sent, arena, stream_arena);
    }
    case grpc_reflection_v1_ServerReflectionRequest_message_request_all_extension_numbers_of_type: {
      const char *type = cstr(arena, req->message_request.all_extension_numbers_of_type, true);
      if (!type) return false;
      return extension_numbers(r, type, resp, arena);
    }
    default:
      return error_response(resp, arena, CGRPC_STATUS_INVALID_ARGUMENT,
                            cgrpc_str("the request asks for nothing this server knows (set one "
                                      "of file_by_filename, file_containing_symbol, "
                                      "file_containing_extension, "
                                      "all_extension_numbers_of_type, list_services)"));
  }
}

/* emit.h — writes the two files generated for one .proto.
 *
 * The emitters only format: every name, flag and default was decided by the
 * model (model.h). foo.pb.h holds the C types and the inline API; foo.pb.c
 * holds the tables and the embedded descriptor. A service's typed client
 * and server stubs are inline code in foo.pb.h (emit_stubs.c).
 */
#ifndef CGRPC_COMPILER_EMIT_H
#define CGRPC_COMPILER_EMIT_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "text.h"

/* Appends foo.pb.h for `file` to `out`. */
void gen_emit_header(gen_text_t *out, const gen_file_t *file);

/* Appends the header part of one service to `out`: its table declarations
 * and, when it has methods, the typed client stubs, the handler struct and
 * the register function. */
void gen_emit_service(gen_text_t *out, const gen_service_t *service);

/* Appends foo.pb.c for `file` to `out`; `descriptor` is the file's serialized
 * FileDescriptorProto (without source_code_info) to embed. */
void gen_emit_source(gen_text_t *out, const gen_file_t *file, const uint8_t *descriptor,
                     size_t descriptor_len);

/* Appends foo.openapi.json (OpenAPI 3) for the google.api.http rules of
 * `file`'s services (--cgrpc_opt=openapi). Returns false when the file has
 * no rules (nothing to write), or, with *error set, when a rule does not
 * parse. */
bool gen_emit_openapi(gen_text_t *out, const gen_file_t *file, const uint8_t *descriptor,
                      size_t descriptor_len, cgrpc_arena_t *arena, const char **error);

#endif /* CGRPC_COMPILER_EMIT_H */

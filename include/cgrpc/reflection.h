/* cgrpc/reflection.h — server reflection, grpc.reflection.v1 and v1alpha.
 *
 * One call lets tools that know nothing of a server's .proto files (grpcurl,
 * `buf curl`, `cgrpc list` and `call`, Postman, grpcui) list its services
 * and read their schemas:
 *
 *   cgrpc_server_enable_reflection(srv, NULL, &err);       (before start)
 *
 *   $ buf curl --http2-prior-knowledge --list-services http://127.0.0.1:50051
 *   grpc.health.v1.Health
 *   grpc.reflection.v1.ServerReflection
 *   grpc.reflection.v1alpha.ServerReflection
 *   helloworld.Greeter
 *
 * Both grpc.reflection.v1.ServerReflection and the older
 * grpc.reflection.v1alpha.ServerReflection (which most tools still try
 * first) answer, from the same code, on one bidirectional stream per
 * client session:
 *   list_services                  every service registered on the server,
 *                                  this one and the health service included,
 *                                  sorted by name;
 *   file_by_filename               "helloworld.proto";
 *   file_containing_symbol         a service, method, message, field, enum,
 *                                  enum value, oneof or extension by full
 *                                  name ("helloworld.Greeter.SayHello"),
 *                                  nested ones included;
 *   file_containing_extension      an extendee and a field number;
 *   all_extension_numbers_of_type  the extension numbers of a message.
 * A file comes with the files it imports, transitively (the whole closure,
 * the asked file first), each file once per stream: what an earlier answer
 * on the stream sent is not sent again, as grpc's servers do. What is not
 * known gets an ErrorResponse with NOT_FOUND (an empty request:
 * INVALID_ARGUMENT) and the stream goes on.
 *
 * The schemas are the serialized FileDescriptorProtos the generated code
 * embeds: every service registered with its generated table (the generated
 * <Service>_register() and cgrpc_server_register_service() both do) is
 * described by its file and that file's imports. Methods registered one by
 * one, or services whose tables were written by hand, are listed by name;
 * describe them by adding their files with cgrpc_reflection_add_file() or
 * cgrpc_reflection_add_pool().
 *
 * The handle belongs to the server and lives until cgrpc_server_free().
 */
#ifndef CGRPC_REFLECTION_H
#define CGRPC_REFLECTION_H

#include <stddef.h>

#include "cgrpc/descriptor.h"
#include "cgrpc/error.h"
#include "cgrpc/pb_table.h"
#include "cgrpc/server.h"
#include "cgrpc/status.h"

#pragma GCC visibility push(default) /* exported: see cgrpc/cgrpc.h */
#ifdef __cplusplus
extern "C" {
#endif

typedef struct cgrpc_reflection cgrpc_reflection_t;

/* Registers grpc.reflection.v1.ServerReflection and
 * grpc.reflection.v1alpha.ServerReflection on `srv` (INLINE handlers: the
 * answers are built from memory, without blocking) and gives the handle in
 * *reflection (may be NULL when the caller adds no files). Before
 * cgrpc_server_start(); services registered after this call, before start,
 * are described too. Errors: INVALID_ARGUMENT when `srv` is NULL;
 * ALREADY_EXISTS when either service is registered already (enabled
 * twice); FAILED_PRECONDITION once started; RESOURCE_EXHAUSTED when out of
 * memory (then a method may stay registered: free the server). */
cgrpc_status_code_t cgrpc_server_enable_reflection(cgrpc_server_t *srv,
                                                   cgrpc_reflection_t **reflection,
                                                   cgrpc_error_t *err);

/* Adds a generated file (its `<file>_file` record from foo.pb.h) and its
 * imports to what reflection describes: for services registered method by
 * method, or types a client should be able to look up that no service
 * uses. `file` must outlive the server. Before cgrpc_server_start().
 * Errors: INVALID_ARGUMENT when an argument is NULL or the file conflicts
 * with one added before (a symbol defined twice, two different files of one
 * name); FAILED_PRECONDITION once started; RESOURCE_EXHAUSTED. */
cgrpc_status_code_t cgrpc_reflection_add_file(cgrpc_reflection_t *reflection,
                                              const cgrpc_pb_file_t *file, cgrpc_error_t *err);

/* Adds every file of a descriptor pool (cgrpc/descriptor.h: files from a
 * `protoc -o` descriptor set, say, for services registered generically).
 * The files are copied: the pool may be freed afterwards. Before
 * cgrpc_server_start(). Errors as cgrpc_reflection_add_file(). */
cgrpc_status_code_t cgrpc_reflection_add_pool(cgrpc_reflection_t *reflection,
                                              const cgrpc_pool_t *pool, cgrpc_error_t *err);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif

#endif /* CGRPC_REFLECTION_H */

/* plugin.h — turns one CodeGeneratorRequest into a CodeGeneratorResponse.
 *
 * This is the whole generator minus I/O: main.c reads the request from
 * protoc and writes the response back; tests can drive it directly.
 */
#ifndef CGRPC_COMPILER_PLUGIN_H
#define CGRPC_COMPILER_PLUGIN_H

#include "cgrpc/arena.h"
#include "google/protobuf/compiler/plugin.pb.h"

/* Fills `resp` (initialised by the caller) with a .pb.h and a .pb.c per file
 * to generate, or with an error message for protoc to show (naming the file
 * and element at fault). All memory comes from `arena`; `resp` refers into
 * it and into `req`. */
void gen_plugin_run(const google_protobuf_compiler_CodeGeneratorRequest *req,
                    google_protobuf_compiler_CodeGeneratorResponse *resp, cgrpc_arena_t *arena);

#endif /* CGRPC_COMPILER_PLUGIN_H */

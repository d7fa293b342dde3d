/* cgrpc/proto_parser.h — .proto source files to descriptors, without protoc.
 *
 * A parser reads .proto files (proto2 and proto3) from import paths, or from
 * a callback that supplies them from memory, and turns each into the
 * google.protobuf.FileDescriptorProto protoc would write for it with
 * `protoc --include_imports --descriptor_set_out` (source code info left
 * out): type names resolved to ".pkg.Type", options interpreted (custom
 * options encoded as protoc encodes them), map entries, groups, proto3
 * `optional` synthetic oneofs, json_name filled in. Each file parsed, and
 * each file it imports, is added to a descriptor pool (cgrpc/descriptor.h),
 * so the types are ready for dynamic messages and JSON:
 *
 *   cgrpc_proto_parser_t *parser;
 *   cgrpc_error_t err;
 *   cgrpc_proto_parser_new(NULL, &parser, &err);
 *   cgrpc_proto_parser_add_import_path(parser, "protos", &err);
 *   const cgrpc_file_desc_t *file;
 *   if (cgrpc_proto_parser_parse_file(parser, "shop/product.proto", &file, &err) != 0)
 *     fprintf(stderr, "%s\n", err.message);   // "shop/product.proto:12:3: ..."
 *   const cgrpc_msg_desc_t *m =
 *       cgrpc_pool_find_message(cgrpc_proto_parser_pool(parser), "shop.Product");
 *
 * Imports of google/protobuf/<wkt>.proto resolve even without an import
 * path: when no import path (nor the callback) has the file, the pool's
 * built-in copy of it is used (any, api, descriptor, duration, empty,
 * field_mask, source_context, struct, timestamp, type, wrappers).
 *
 * Errors are INVALID_ARGUMENT with one sentence starting with the place:
 * "file.proto:LINE:COLUMN: message" (1-based; a tab advances the column to
 * the next multiple of 8, as protoc counts). Parsing stops at the first
 * error. RESOURCE_EXHAUSTED when memory runs out.
 *
 * Thread-safety: a parser and its pool are used by one thread at a time.
 */
#ifndef CGRPC_PROTO_PARSER_H
#define CGRPC_PROTO_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgrpc/descriptor.h"
#include "cgrpc/error.h"
#include "cgrpc/status.h"

#pragma GCC visibility push(default) /* exported: see cgrpc/cgrpc.h */
#ifdef __cplusplus
extern "C" {
#endif

typedef struct cgrpc_proto_parser cgrpc_proto_parser_t;

/* Supplies the source of a .proto file by its import name ("a/b.proto").
 * Returns true and sets *data and *len when it has the file; the bytes need
 * to stay valid only until the callback returns (the parser copies them).
 * Returns false to let the parser search its import paths. */
typedef bool (*cgrpc_proto_source_fn)(void *user_data, const char *name, const char **data,
                                      size_t *len);

/* Creates a parser that adds the files it parses to `pool`, which must
 * outlive it; with `pool` NULL the parser makes a pool of its own (see
 * cgrpc_proto_parser_pool) and frees it with itself. RESOURCE_EXHAUSTED
 * when memory runs out (then *parser is NULL). */
cgrpc_status_code_t cgrpc_proto_parser_new(cgrpc_pool_t *pool, cgrpc_proto_parser_t **parser,
                                           cgrpc_error_t *err);

/* Frees the parser (and its pool when it made it). NULL is a no-op. */
void cgrpc_proto_parser_free(cgrpc_proto_parser_t *parser);

/* The pool the parser fills. */
cgrpc_pool_t *cgrpc_proto_parser_pool(cgrpc_proto_parser_t *parser);

/* Appends a directory to the import paths, searched in the order added
 * (protoc's -I). With none, the current directory is searched. The string
 * is copied. RESOURCE_EXHAUSTED when memory runs out. */
cgrpc_status_code_t cgrpc_proto_parser_add_import_path(cgrpc_proto_parser_t *parser,
                                                       const char *dir, cgrpc_error_t *err);

/* Sets (or, with fn NULL, removes) the callback asked for a file before the
 * import paths are searched. */
void cgrpc_proto_parser_set_source(cgrpc_proto_parser_t *parser, cgrpc_proto_source_fn fn,
                                   void *user_data);

/* Parses the file `name` and, first, every file it imports (recursively),
 * adding each to the pool; a file parsed before is not parsed again.
 * `name` is an import name found through the import paths ("a/b.proto"),
 * or a path on disk that lies under one of them ("protos/a/b.proto" with
 * import path "protos"), as protoc accepts it. *file (when `file` is not
 * NULL) receives the file's descriptor in the pool.
 *
 * Errors: INVALID_ARGUMENT for a file that is not found (the message lists
 * the paths searched), a syntax or semantic error ("file:line:column:
 * message": unexpected token and what was expected, unknown type, duplicate
 * field number or name, bad option, import cycle ...), or a file the pool
 * refuses; RESOURCE_EXHAUSTED when memory runs out. After an error the
 * files parsed before the failing one stay in the pool. */
cgrpc_status_code_t cgrpc_proto_parser_parse_file(cgrpc_proto_parser_t *parser, const char *name,
                                                  const cgrpc_file_desc_t **file,
                                                  cgrpc_error_t *err);

/* The serialized FileDescriptorProto of a file parsed (or imported) by this
 * parser, as protoc writes it in a descriptor set; the bytes live as long as
 * the parser. NOT_FOUND when the parser has not parsed `name`. */
cgrpc_status_code_t cgrpc_proto_parser_file_bytes(const cgrpc_proto_parser_t *parser,
                                                  const char *name, const uint8_t **bytes,
                                                  size_t *len, cgrpc_error_t *err);

/* Parses the `count` files of `names` (as cgrpc_proto_parser_parse_file)
 * and writes the serialized FileDescriptorSet of them and everything they
 * import, each file after its imports, as
 * `protoc --include_imports --descriptor_set_out` does. *out is allocated
 * with malloc (free it with free()); *out_len is its length. Errors as
 * cgrpc_proto_parser_parse_file(). */
cgrpc_status_code_t cgrpc_proto_parser_descriptor_set(cgrpc_proto_parser_t *parser,
                                                      const char *const *names, size_t count,
                                                      uint8_t **out, size_t *out_len,
                                                      cgrpc_error_t *err);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif

#endif /* CGRPC_PROTO_PARSER_H */

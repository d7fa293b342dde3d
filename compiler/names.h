/* names.h — how protobuf names become C identifiers and C literals.
 *
 * Every name the generator writes goes through here, so the rules live in one
 * place: dotted names become underscore-joined identifiers, identifiers that
 * would collide with C keywords (or macros the generated code's includes and
 * common compilers define) get a trailing underscore, file paths become
 * symbol prefixes, and strings become escaped C literals.
 */
#ifndef CGRPC_COMPILER_NAMES_H
#define CGRPC_COMPILER_NAMES_H

#include <stdbool.h>
#include <stddef.h>

#include "cgrpc/arena.h"
#include "text.h"

/* True when `name` cannot be used as a C identifier as-is because it is a C
 * keyword (C11 or C23) or a macro the generated code may see (NULL, errno,
 * linux, ...). */
bool gen_name_is_reserved(const char *name);

/* `name` with trailing underscores appended while it is reserved. */
const char *gen_name_escape(cgrpc_arena_t *arena, const char *name);

/* "a.b.Outer" -> "a_b_Outer", not escaped (for prefixes). A leading dot is
 * ignored. */
const char *gen_name_flatten(cgrpc_arena_t *arena, const char *dotted);

/* gen_name_flatten(), escaped: the C name of a message, enum or service. */
const char *gen_name_mangle(cgrpc_arena_t *arena, const char *dotted);

/* "google/protobuf/any.proto" -> "google_protobuf_any_proto": every character
 * that cannot appear in an identifier becomes '_'. */
const char *gen_name_from_path(cgrpc_arena_t *arena, const char *path);

/* "foo_bar_baz" -> "fooBarBaz", protoc's rule for json_name. */
const char *gen_name_json(cgrpc_arena_t *arena, const char *name);

/* The output file for `proto_path` with `suffix`: "a/b.proto" + ".pb.h" ->
 * "a/b.pb.h". */
const char *gen_name_output(cgrpc_arena_t *arena, const char *proto_path, const char *suffix);

/* Appends `s` (`len` bytes) as a C string literal with quotes. Bytes outside
 * printable ASCII become octal escapes; '?' is escaped so no trigraph forms. */
void gen_text_put_cstring(gen_text_t *t, const char *s, size_t len);

/* Decodes protoc's C-style escaping of bytes default values (\n, \", \\,
 * \NNN octal, \xHH) into raw bytes. Returns false on a malformed escape. */
bool gen_name_unescape_bytes(cgrpc_arena_t *arena, const char *escaped, char **out,
                             size_t *out_len);

#endif /* CGRPC_COMPILER_NAMES_H */

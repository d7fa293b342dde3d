/* cgrpc/json.h — the proto3 canonical JSON mapping for generated messages.
 *
 * cgrpc_json_encode() prints a message as JSON and cgrpc_json_decode()
 * parses JSON into one, both driven by the same generated tables as the
 * binary codec (cgrpc/pb_table.h), following protobuf's "JSON Mapping":
 *
 *   - fields by their lowerCamelCase json_name (original proto names with
 *     CGRPC_JSON_PROTO_NAMES); both names are accepted on input;
 *   - int64, uint64, fixed64, sint64, sfixed64 as strings ("-12"); numbers
 *     and exact-integer forms such as 1e2 are accepted on input;
 *   - float and double as the shortest text that reads back to the same
 *     value, "NaN", "Infinity" and "-Infinity";
 *   - bytes as standard base64 (URL-safe and unpadded accepted on input);
 *   - enums by value name (numbers accepted on input, and printed for values
 *     the enum does not define);
 *   - maps as objects with string keys; oneofs as their set member;
 *   - the well-known types (google.protobuf.Any, Timestamp, Duration,
 *     FieldMask, Struct, Value, ListValue, the wrappers, Empty) in their
 *     special forms, recognised by the table's full_name.
 *
 * Output is deterministic: fields in field-number order, map entries in
 * their order in the map (insertion order). Fields without presence are
 * printed when not zero (all of them with CGRPC_JSON_EMIT_DEFAULTS).
 *
 * Errors say where, as a path from the top-level message, and what was
 * wrong, e.g. "products[2].price: expected a number, got a string".
 *
 * Thread-safety: tables are read-only and may be shared; a message, an arena
 * and an options struct belong to one thread at a time. Nothing is cached
 * between calls (the parser finds fields by name starting after the last one
 * it found, which in-order JSON hits at once), so concurrent calls with the
 * same tables are safe.
 *
 * Tables: an enum field's `sub` must name its enum table, open enums too
 * (protoc-gen-cgrpc and the descriptor pool's dynamic tables do).
 */
#ifndef CGRPC_JSON_H
#define CGRPC_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgrpc/arena.h"
#include "cgrpc/error.h"
#include "cgrpc/pb_table.h"
#include "cgrpc/status.h"

#pragma GCC visibility push(default) /* exported: see cgrpc/cgrpc.h */
#ifdef __cplusplus
extern "C" {
#endif

/* Print flags (cgrpc_json_options_t.flags for cgrpc_json_encode). */
enum {
  /* Also print fields without presence that hold their default (0, "",
   * false, empty repeated fields and maps, the first enum value). Fields with
   * presence (messages, oneof members, proto2/proto3 `optional`) are printed
   * only when set. */
  CGRPC_JSON_EMIT_DEFAULTS = 1u << 0,
  /* Name fields by their .proto names ("user_id") instead of json_name
   * ("userId"). */
  CGRPC_JSON_PROTO_NAMES = 1u << 1,
  /* Print enum values as numbers instead of names. */
  CGRPC_JSON_ENUMS_AS_INTS = 1u << 2,
};

/* Parse flags (cgrpc_json_options_t.flags for cgrpc_json_decode). */
enum {
  /* Skip object members that name no field, and enum names the enum does
   * not define (a singular field then stays unset; in a repeated field the
   * element is dropped; in a map the entry is dropped). */
  CGRPC_JSON_IGNORE_UNKNOWN = 1u << 0,
};

/* The default nesting limit (objects and arrays, counted together). */
#define CGRPC_JSON_DEFAULT_MAX_DEPTH 100

/* Resolves a type URL ("type.googleapis.com/pkg.Msg") or a full message name
 * ("pkg.Msg") to its table, for google.protobuf.Any; returns NULL when the
 * type is unknown. Called with the options' resolve_ctx. */
typedef const cgrpc_pb_msg_table_t *(*cgrpc_json_resolve_fn)(void *ctx, cgrpc_str_t type_url);

/* One extension field (proto2 `extend`), as the codec needs it to print
 * and parse its value. Extension values live in the extended message's
 * unknown fields (binary); JSON names them "[full.name]". */
typedef struct cgrpc_json_extension {
  const char *full_name; /* "pkg.my_ext" or "pkg.Scope.my_ext" (no brackets) */
  uint32_t number;
  cgrpc_pb_type_t type;
  bool repeated;
  bool packed;                         /* a repeated scalar written packed */
  bool closed_enum;                    /* an enum of a proto2 file: unknown numbers are refused */
  const cgrpc_pb_msg_table_t *message; /* MESSAGE and GROUP: its table */
  const cgrpc_pb_enum_table_t *enum_type; /* ENUM: its table */
} cgrpc_json_extension_t;

/* Finds extensions for the codec. Both functions return true and fill *out
 * when `extendee` (a message's full name, "pkg.Msg") has the extension,
 * false when it has not; they are called with `ctx`, may be called
 * concurrently from calls on several threads, and must not fail otherwise.
 * *out's pointers must stay valid until the call of cgrpc_json_encode() or
 * cgrpc_json_decode() returns. cgrpc_pool_json_extensions()
 * (cgrpc/descriptor.h) makes one over a descriptor pool. */
typedef struct cgrpc_json_extensions {
  /* By full name, as in the JSON key "[pkg.my_ext]" (used by the parser). */
  bool (*find)(void *ctx, const char *extendee, cgrpc_str_t full_name, cgrpc_json_extension_t *out);
  /* By field number (used by the printer, for the numbers found in the
   * unknown fields). */
  bool (*find_by_number)(void *ctx, const char *extendee, uint32_t number,
                         cgrpc_json_extension_t *out);
  void *ctx;
} cgrpc_json_extensions_t;

typedef struct cgrpc_json_options {
  uint32_t flags; /* print or parse flags above */
  int indent;     /* printing: 0 = compact, N = N spaces per level, one member a line */
  /* Nesting limit, objects and arrays counted together; 0 =
   * CGRPC_JSON_DEFAULT_MAX_DEPTH. Each level costs the parser and printer
   * well under a kilobyte of stack; a much higher limit needs a thread
   * stack to match. */
  int max_depth;
  /* How Any finds the table of its payload. NULL: an Any whose type is a
   * well-known type still works; any other type fails with an error that
   * names the type. */
  cgrpc_json_resolve_fn resolve;
  void *resolve_ctx;
  /* How extensions are found; NULL: none are. Printing: each field in a
   * message's unknown fields that `find_by_number` knows is printed as
   * "[full.name]": value, after the ordinary fields, in number order; other
   * unknown fields are left out, as always. Parsing: a member "[full.name]"
   * that `find` knows is converted to its binary encoding and appended to
   * the message's unknown fields; one it does not know (or any, without
   * `extensions`) is an unknown field: an error, or skipped with
   * CGRPC_JSON_IGNORE_UNKNOWN. */
  const cgrpc_json_extensions_t *extensions;
} cgrpc_json_options_t;

/* Prints `msg` (of `table`) as JSON into a NUL-terminated string in `arena`
 * (*out: its data and length without the NUL). `opts` may be NULL for the
 * defaults (compact, json_names, enum names, no defaults).
 *
 * Fails with INVALID_ARGUMENT when the message cannot be represented:
 * a Timestamp or Duration out of range, a FieldMask path that does not
 * round-trip, an Any whose type cannot be resolved or whose payload does not
 * decode, a Value with no kind set, a string that is not valid UTF-8,
 * unknown fields that do not decode as the extension the options' resolver
 * names for their number, or nesting deeper than max_depth; with
 * RESOURCE_EXHAUSTED when the arena
 * refuses memory. On failure *out is {NULL, 0}. `err` may be NULL. */
cgrpc_status_code_t cgrpc_json_encode(const void *msg, const cgrpc_pb_msg_table_t *table,
                                      const cgrpc_json_options_t *opts, cgrpc_arena_t *arena,
                                      cgrpc_str_t *out, cgrpc_error_t *err);

/* Parses json[0..len) into `msg`, which must already be initialised
 * (cgrpc_pb_msg_init() or a _init() wrapper) and is merged into: fields
 * present in the JSON overwrite (repeated fields and maps append, objects
 * merge into present sub-messages). Strings are copied into `arena`, which
 * also holds every sub-message and array; the input need not outlive the
 * call. `opts` may be NULL (strict: unknown fields are errors).
 *
 * The parser is strict and never reads outside json[0..len): invalid JSON,
 * trailing characters after the value, invalid UTF-8, lone surrogates in
 * \u escapes, duplicate fields (by either name) and extensions, two members of one oneof,
 * values of the wrong type, numbers out of their field's range or not exact
 * integers for integer fields, unknown fields and enum names (unless
 * IGNORE_UNKNOWN), malformed well-known-type forms, missing proto2 required
 * fields and nesting deeper than max_depth all fail with INVALID_ARGUMENT
 * and a message such as "products[2].price: expected a number, got a
 * string"; when the arena refuses memory, RESOURCE_EXHAUSTED. On failure
 * `msg` may hold part of the input but is safe to read and to encode.
 * `err` may be NULL. */
cgrpc_status_code_t cgrpc_json_decode(const char *json, size_t len, void *msg,
                                      const cgrpc_pb_msg_table_t *table, cgrpc_arena_t *arena,
                                      const cgrpc_json_options_t *opts, cgrpc_error_t *err);

/* A cgrpc_json_resolve_fn over generated files: `ctx` is a NULL-terminated
 * array of `const cgrpc_pb_file_t *` (e.g. {&shop_product_proto_file, NULL});
 * looks for the message named by the part of `type_url` after its last '/'
 * in those files and, depth first, their dependencies. Returns NULL when
 * absent. Thread-safe; allocates nothing. */
const cgrpc_pb_msg_table_t *cgrpc_json_resolve_in_files(void *ctx, cgrpc_str_t type_url);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif

#endif /* CGRPC_JSON_H */

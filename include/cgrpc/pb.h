/* cgrpc/pb.h — protobuf binary encoding and decoding.
 *
 * Messages are the plain C structs protoc-gen-cgrpc generates (layout in
 * cgrpc/pb_table.h). These functions are the generic, table-driven engine;
 * generated code wraps them in typed functions such as
 * bench_Person_decode(). All memory a decoded message needs comes from an
 * arena, so freeing the arena frees the whole message tree.
 *
 * Errors are negative cgrpc_pb_code_t values. When an error happens and the
 * caller passed a cgrpc_pb_error_t, it is filled with what was wrong and
 * where; cgrpc_pb_error_format() turns it into a sentence for a log or a
 * gRPC status message.
 */
#ifndef CGRPC_PB_H
#define CGRPC_PB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgrpc/arena.h"
#include "cgrpc/pb_table.h"

#pragma GCC visibility push(default) /* exported: see cgrpc/cgrpc.h */
#ifdef __cplusplus
extern "C" {
#endif

typedef enum cgrpc_pb_code {
  CGRPC_PB_OK = 0,
  CGRPC_PB_ERR_TRUNCATED = -1,        /* input ends inside a field */
  CGRPC_PB_ERR_MALFORMED = -2,        /* bad varint, tag, wire type or length */
  CGRPC_PB_ERR_BAD_UTF8 = -3,         /* string field is not valid UTF-8 */
  CGRPC_PB_ERR_TOO_DEEP = -4,         /* nesting exceeds the depth limit */
  CGRPC_PB_ERR_NO_MEMORY = -5,        /* the arena could not allocate */
  CGRPC_PB_ERR_MISSING_REQUIRED = -6, /* a proto2 required field is absent */
  CGRPC_PB_ERR_TOO_LARGE = -7,        /* message would exceed 2 GiB */
  CGRPC_PB_ERR_BUFFER_TOO_SMALL = -8, /* caller's output buffer is too small */
} cgrpc_pb_code_t;

/* Details of a failure. `table` and `field_number` say where (the message
 * being decoded and the field, 0 when the error is not about one field);
 * `offset` is the byte position in the input (decode) at which it was found,
 * or CGRPC_PB_NO_OFFSET for errors that have no input position (encoding).
 * `detail` is NULL or a static phrase that narrows the code down, such as
 * "varint longer than 10 bytes" for CGRPC_PB_ERR_MALFORMED. */
typedef struct cgrpc_pb_error {
  int code;
  uint32_t field_number;
  const cgrpc_pb_msg_table_t *table;
  size_t offset;
  const char *detail;
} cgrpc_pb_error_t;

#define CGRPC_PB_NO_OFFSET SIZE_MAX

/* A short English description of a code, e.g. "truncated input". */
const char *cgrpc_pb_strerror(int code);

/* Writes a full sentence such as
 *   "bench.Person.name (field 2): string is not valid UTF-8 (at byte 17)"
 *   "bench.Person (field 6): malformed input: varint longer than 10 bytes (at byte 40)"
 * into buf (always NUL-terminated when size > 0). Returns the length the full
 * sentence needs, like snprintf. The message is named by table->full_name and
 * the field by table->field_names, when the error has them. */
size_t cgrpc_pb_error_format(const cgrpc_pb_error_t *err, char *buf, size_t size);

/* ---- Decoding ---------------------------------------------------------- */

/* Decode options: OR these flags, plus CGRPC_PB_DECODE_MAX_DEPTH(n). */
enum {
  /* Strings and bytes point into the input instead of being copied. The
   * caller must keep the input alive and unchanged as long as the message. */
  CGRPC_PB_DECODE_ALIAS = 1 << 0,
  /* Do not fail when proto2 required fields are missing. */
  CGRPC_PB_DECODE_PARTIAL = 1 << 1,
  /* Drop unknown fields instead of keeping them. */
  CGRPC_PB_DECODE_DISCARD_UNKNOWN = 1 << 2,
};
#define CGRPC_PB_DEFAULT_MAX_DEPTH 100
/* Nesting limit (messages and groups); 0 in the options means the default.
 * Each level costs the decoder a few hundred bytes of stack, so a raised
 * limit needs a thread stack to match. */
#define CGRPC_PB_DECODE_MAX_DEPTH(n) ((int)((unsigned)(n) << 16))

/* Initialises `msg` (of table->size bytes) to the message's defaults. */
void cgrpc_pb_msg_init(void *msg, const cgrpc_pb_msg_table_t *table);

/* Allocates a new message in the arena, initialised to defaults. NULL when
 * the arena refuses. */
void *cgrpc_pb_msg_new(const cgrpc_pb_msg_table_t *table, cgrpc_arena_t *arena);

/* Decodes `len` bytes of binary protobuf into `msg`, which must already be
 * initialised. Fields are merged the protobuf way: scalars overwrite,
 * repeated fields append, sub-messages merge, a oneof member replaces the
 * previous one, and of several map entries with the same key the last one
 * wins. Fields the table does not know, and known fields arriving with a
 * wire type that does not fit them, are kept byte for byte in `_unknown`
 * (unless DISCARD_UNKNOWN). Values of a closed enum that it does not define
 * go to `_unknown` as varint fields; a map entry whose value is such a value
 * stays out of the map and goes to `_unknown` whole.
 *
 * Nesting deeper than the limit (the top-level message is level 0; default
 * CGRPC_PB_DEFAULT_MAX_DEPTH levels below it) fails with TOO_DEEP. Required
 * fields are checked once the whole input is merged. All memory comes from
 * `arena`; the function never reads outside buf[0..len).
 *
 * On failure `msg` may hold part of the input but is always safe to read and
 * to encode. Returns CGRPC_PB_OK or a negative cgrpc_pb_code_t; `err` may be
 * NULL and is written only on failure. Thread-safety: the caller serialises
 * use of `msg` and `arena`; tables are read-only. */
int cgrpc_pb_decode(const void *buf, size_t len, void *msg, const cgrpc_pb_msg_table_t *table,
                    cgrpc_arena_t *arena, int options, cgrpc_pb_error_t *err);

/* ---- Encoding ---------------------------------------------------------- */

enum {
  /* Map entries sorted by key, so equal messages give equal bytes. */
  CGRPC_PB_ENCODE_DETERMINISTIC = 1 << 0,
  /* Do not fail when proto2 required fields are missing. */
  CGRPC_PB_ENCODE_PARTIAL = 1 << 1,
  /* Leave unknown fields out of the output. */
  CGRPC_PB_ENCODE_SKIP_UNKNOWN = 1 << 2,
};
/* Nesting limit for encoding, copying and comparing; 0 in the options means
 * CGRPC_PB_DEFAULT_MAX_DEPTH. Guards against message trees that contain a
 * cycle; deeper trees fail with CGRPC_PB_ERR_TOO_DEEP. */
#define CGRPC_PB_ENCODE_MAX_DEPTH(n) ((int)((unsigned)(n) << 16))

/* Encodes `msg` into a new buffer from the arena. On success *out points to
 * the bytes and *out_len is their count.
 *
 * Output: known fields in field-number order, then the unknown bytes. Fields
 * without explicit presence are written only when not zero (floats by bit
 * pattern, so -0.0 is written; strings when not empty); fields with presence
 * when their has_ flag, oneof case or message pointer says so. Repeated
 * fields flagged PACKED are packed. Map entries always carry key and value.
 * Errors: MISSING_REQUIRED (unless PARTIAL), TOO_DEEP, TOO_LARGE (over
 * 2^31-1 bytes), NO_MEMORY. `err` may be NULL and is written only on
 * failure. Thread-safety: `msg` must not change while it is encoded. */
int cgrpc_pb_encode(const void *msg, const cgrpc_pb_msg_table_t *table, cgrpc_arena_t *arena,
                    int options, uint8_t **out, size_t *out_len, cgrpc_pb_error_t *err);

/* Encodes `msg` into the caller's buffer. On success *out_len is the number of
 * bytes written at the start of buf. When the buffer is too small, returns
 * CGRPC_PB_ERR_BUFFER_TOO_SMALL and sets *out_len to the size needed. */
int cgrpc_pb_encode_to(const void *msg, const cgrpc_pb_msg_table_t *table, void *buf, size_t cap,
                       int options, size_t *out_len, cgrpc_pb_error_t *err);

/* The exact number of bytes cgrpc_pb_encode would produce (0 on a nesting
 * error; use the encode functions to learn why). */
size_t cgrpc_pb_encoded_size(const void *msg, const cgrpc_pb_msg_table_t *table, int options);

/* ---- Whole messages ---------------------------------------------------- */

/* Whether two messages of the same table hold the same data: the same
 * presence and values field by field (floats compared by bit pattern, so a
 * NaN equals itself and -0.0 differs from +0.0), the same unknown bytes, and
 * maps equal as maps (order does not matter; of duplicate keys the last
 * counts). Absent sub-messages differ from present empty ones. Messages
 * nested deeper than CGRPC_PB_DEFAULT_MAX_DEPTH, or a map too large to sort
 * in the heap, compare unequal. Thread-safe for concurrent readers. */
bool cgrpc_pb_msg_equal(const void *a, const void *b, const cgrpc_pb_msg_table_t *table);

/* Deep-copies `src` into `dst` (table->size bytes, need not be initialised):
 * strings, bytes, unknown fields, arrays and sub-messages are duplicated into
 * `arena`, so `dst` does not depend on the memory `src` uses. The two must
 * not overlap. Returns CGRPC_PB_OK, CGRPC_PB_ERR_NO_MEMORY or
 * CGRPC_PB_ERR_TOO_DEEP (nesting deeper than CGRPC_PB_DEFAULT_MAX_DEPTH, e.g.
 * a cycle); after a failure `dst` is safe to read while `src` lives, but
 * parts of it may still point into `src`'s memory. */
int cgrpc_pb_msg_copy(void *dst, const void *src, const cgrpc_pb_msg_table_t *table,
                      cgrpc_arena_t *arena);

/* ---- Maps -------------------------------------------------------------- */

/* A map field is a repeated field of pointers to entry messages (key = field
 * 1, value = field 2; see cgrpc/pb_table.h). Generated code wraps these
 * functions per field as <Msg>_<field>_get, _put, _delete and _size; call
 * them directly only for generic code. `map` is the field's array and
 * `entry` the table of its entry message. `key` points at a value of the
 * key's C type (int32_t, uint32_t, int64_t, uint64_t, bool or cgrpc_str_t),
 * `value` at one of the value's C type (a scalar, int32_t for an enum,
 * cgrpc_str_t, or for a message value the message pointer, so `value` is a
 * T **).
 *
 * Entries stay in the array in insertion order: a decoded map holds the last
 * occurrence of each key, in the order those were on the wire; put appends a
 * new key at the end and replaces the value of a present key where it is;
 * delete keeps the others in order. Iterate by index over `data[0..count)`.
 * Lookup is a linear scan, from the end, so of equal keys put into the array
 * by hand the last one counts, as it does when decoding and comparing.
 *
 * Strings, bytes and message values are stored as given, not copied: what
 * they point to must live as long as the map (an arena's memory, the decode
 * input with CGRPC_PB_DECODE_ALIAS, static storage). The functions change
 * the array and the entries in place, so an array or entries the caller set
 * up by hand must be writable. Thread-safety: the caller serialises changes
 * to a map with every other use of it; concurrent gets are safe. */

/* Finds `key`. When found, copies its value to *value (unless `value` is
 * NULL) and returns true; otherwise returns false and leaves *value alone. */
bool cgrpc_pb_map_get(const cgrpc_pb_array_t *map, const cgrpc_pb_msg_table_t *entry,
                      const void *key, void *value);

/* Sets the value of `key`: replaces it where the key is present (no
 * allocation), otherwise appends a new entry from `arena`, growing the array
 * there (an array the caller set up, capacity < count, is copied and left
 * unchanged). Returns CGRPC_PB_OK, or CGRPC_PB_ERR_NO_MEMORY when the arena
 * refuses or is NULL and memory is needed; the map is then unchanged. */
int cgrpc_pb_map_put(cgrpc_pb_array_t *map, const cgrpc_pb_msg_table_t *entry, const void *key,
                     const void *value, cgrpc_arena_t *arena);

/* Removes `key` from the map; the other entries keep their order. Returns
 * whether it was there. Never allocates; the removed entry's memory stays in
 * its arena until that is freed. */
bool cgrpc_pb_map_delete(cgrpc_pb_array_t *map, const cgrpc_pb_msg_table_t *entry, const void *key);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif

#endif /* CGRPC_PB_H */

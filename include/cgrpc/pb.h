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
 * `offset` is the byte position in the input (decode) at which it was found. */
typedef struct cgrpc_pb_error {
  int code;
  uint32_t field_number;
  const cgrpc_pb_msg_table_t *table;
  size_t offset;
} cgrpc_pb_error_t;

/* A short English description of a code, e.g. "truncated input". */
const char *cgrpc_pb_strerror(int code);

/* Writes a full sentence such as
 *   "bench.Person.name (field 2): string is not valid UTF-8 (at byte 17)"
 * into buf (always NUL-terminated when size > 0). Returns the length the full
 * sentence needs, like snprintf. */
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
/* Nesting limit (messages and groups); 0 in the options means the default. */
#define CGRPC_PB_DECODE_MAX_DEPTH(n) ((int)((unsigned)(n) << 16))

/* Initialises `msg` (of table->size bytes) to the message's defaults. */
void cgrpc_pb_msg_init(void *msg, const cgrpc_pb_msg_table_t *table);

/* Allocates a new message in the arena, initialised to defaults. NULL when
 * the arena refuses. */
void *cgrpc_pb_msg_new(const cgrpc_pb_msg_table_t *table, cgrpc_arena_t *arena);

/* Decodes `len` bytes of binary protobuf into `msg`, which must already be
 * initialised. Fields are merged the protobuf way: scalars overwrite,
 * repeated fields append, sub-messages merge. On failure `msg` may hold part
 * of the input but is always safe to read and to encode. Returns CGRPC_PB_OK
 * or a negative cgrpc_pb_code_t; `err` may be NULL. */
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

/* Encodes `msg` into a new buffer from the arena. On success *out points to
 * the bytes and *out_len is their count. */
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

#ifdef __cplusplus
}
#endif

#endif /* CGRPC_PB_H */

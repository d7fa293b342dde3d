/* cgrpc/metadata.h — call metadata: the key/value pairs sent as HTTP/2 headers.
 *
 * Every call carries metadata both ways: the client's request metadata, the
 * server's initial metadata (sent before the first response message) and its
 * trailing metadata (sent with the status). A cgrpc_metadata_t is a plain
 * growable array of entries; its memory comes from an arena (the call's, or
 * one the caller owns), so it needs no freeing of its own.
 *
 * Keys are lower case, 1*[0-9a-z_.-]. A key ending in "-bin" holds a binary
 * value: the application sees the raw bytes and the library base64-encodes
 * them on the wire. Other values are printable ASCII (0x20-0x7E). Keys may
 * repeat; order is kept. Names the protocol reserves ("grpc-*", ":*",
 * "content-type", "te", connection headers) cannot be added: the library
 * writes those itself and never hands them to applications.
 *
 * Every key and value is followed by a NUL byte, so text values read as C
 * strings (cgrpc_metadata_get_cstr()) and numbers take one call
 * (cgrpc_metadata_get_int()).
 *
 * Thread-safety: a metadata array is plain data; it belongs to whoever owns
 * its arena.
 */
#ifndef CGRPC_METADATA_H
#define CGRPC_METADATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgrpc/arena.h"
#include "cgrpc/pb_table.h"
#include "cgrpc/status.h"

#pragma GCC visibility push(default) /* exported: see cgrpc/cgrpc.h */
#ifdef __cplusplus
extern "C" {
#endif

/* Both views are followed by a NUL byte (not counted in `len`), in every
 * array the library fills and every one cgrpc_metadata_add() or _copy()
 * fills, so `key.data` and text `value.data` can be used as C strings. A
 * binary value may itself contain NUL bytes: use its `len`. */
typedef struct cgrpc_metadata_entry {
  cgrpc_str_t key;   /* lower case; "-bin" suffix for binary values */
  cgrpc_str_t value; /* raw bytes (binary values already decoded) */
} cgrpc_metadata_entry_t;

typedef struct cgrpc_metadata {
  cgrpc_metadata_entry_t *entries;
  size_t count;
  size_t capacity;
} cgrpc_metadata_t;

/* An empty array: cgrpc_metadata_t md = CGRPC_METADATA_INIT; */
#define CGRPC_METADATA_INIT \
  { NULL, 0, 0 }

/* Appends key/value, copying both (`value_len` bytes) into `arena`. Fails,
 * returning false and leaving `md` unchanged, when the key is not a valid
 * gRPC key, is reserved, when a non-binary value holds a byte outside
 * 0x20-0x7E, or when the arena refuses memory. */
bool cgrpc_metadata_add(cgrpc_metadata_t *md, cgrpc_arena_t *arena, const char *key,
                        const void *value, size_t value_len);

/* cgrpc_metadata_add() for a NUL-terminated value. */
bool cgrpc_metadata_add_str(cgrpc_metadata_t *md, cgrpc_arena_t *arena, const char *key,
                            const char *value);

/* The value of the first entry whose key equals `key` (NUL-terminated), or
 * NULL when there is none. The view points into the array's memory. */
const cgrpc_str_t *cgrpc_metadata_get(const cgrpc_metadata_t *md, const char *key);

/* The value of the first entry whose key equals `key`, as a NUL-terminated
 * string, or NULL when there is none. Points into the array's memory:
 *
 *   const char *user = cgrpc_metadata_get_cstr(cgrpc_server_call_metadata(call), "x-user");
 */
const char *cgrpc_metadata_get_cstr(const cgrpc_metadata_t *md, const char *key);

/* Reads the first value of `key` as a decimal integer (an optional '-',
 * then digits; nothing else, no spaces) into *out. Returns OK; NOT_FOUND
 * when there is no such key; INVALID_ARGUMENT when the value is not such an
 * integer or does not fit in int64_t. *out is written only on OK. */
cgrpc_status_code_t cgrpc_metadata_get_int(const cgrpc_metadata_t *md, const char *key,
                                           int64_t *out);

/* The number of entries whose key equals `key`; repeated keys are kept as
 * separate entries, in the order they were sent. */
size_t cgrpc_metadata_count(const cgrpc_metadata_t *md, const char *key);

/* Appends copies of every entry of `src` to `dst`, memory from `arena`
 * (entries are not checked again). Returns false when the arena refuses;
 * `dst` then holds a prefix of the copies. */
bool cgrpc_metadata_copy(cgrpc_metadata_t *dst, cgrpc_arena_t *arena, const cgrpc_metadata_t *src);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif

#endif /* CGRPC_METADATA_H */

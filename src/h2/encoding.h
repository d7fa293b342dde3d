/* h2/encoding.h — message compression algorithms and their negotiation.
 *
 * `grpc-encoding` names the algorithm a side compresses its messages with;
 * `grpc-accept-encoding` lists (comma-separated) the algorithms it can
 * decompress. This file names the algorithms, reads and writes those
 * headers, and picks what to send with; h2/compress.h does the compressing.
 *
 * Rules it serves (grpc/grpc doc/compression.md): never compress with an
 * algorithm the peer did not advertise; a request in an encoding the server
 * does not know is UNIMPLEMENTED and the answer carries the server's
 * grpc-accept-encoding; a response in an unknown encoding is INTERNAL.
 * identity is always acceptable, advertised or not. All functions are pure
 * and thread-safe.
 */
#ifndef CGRPC_SRC_H2_ENCODING_H
#define CGRPC_SRC_H2_ENCODING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum cgrpc_compression {
  CGRPC_COMPRESSION_IDENTITY = 0, /* no compression */
  CGRPC_COMPRESSION_DEFLATE = 1,  /* zlib format (RFC 1950), as gRPC means "deflate" */
  CGRPC_COMPRESSION_GZIP = 2,     /* gzip format (RFC 1952) */
} cgrpc_compression_t;

#define CGRPC_COMPRESSION_COUNT 3

/* A set of algorithms: bit (1u << algorithm). */
typedef uint32_t cgrpc_compression_set_t;

#define CGRPC_COMPRESSION_SET_OF(alg) ((cgrpc_compression_set_t)1 << (alg))
#define CGRPC_COMPRESSION_SET_ALL ((cgrpc_compression_set_t)((1u << CGRPC_COMPRESSION_COUNT) - 1))

/* The wire name: "identity", "deflate" or "gzip"; NULL for other values. */
const char *cgrpc_compression_name(cgrpc_compression_t alg);

/* Looks up a `grpc-encoding` value (exact, case-sensitive as on the wire).
 * Returns false for an algorithm we do not implement; the caller answers
 * UNIMPLEMENTED (server) or INTERNAL (client). */
bool cgrpc_compression_from_name(const char *name, size_t len, cgrpc_compression_t *alg);

/* Reads a `grpc-accept-encoding` value: the known algorithms it lists, plus
 * identity. Unknown names and empty elements are ignored. */
cgrpc_compression_set_t cgrpc_compression_parse_accept(const char *value, size_t len);

/* The `grpc-accept-encoding` value advertising `set` (identity always
 * included), e.g. "identity,deflate,gzip". The string is static. */
const char *cgrpc_compression_format_accept(cgrpc_compression_set_t set);

/* Picks the algorithm to send with: the first of `preferred` (in order) that
 * the peer accepts, or identity when none is. Pass one element to ask for
 * exactly that algorithm or nothing. */
cgrpc_compression_t cgrpc_compression_choose(cgrpc_compression_set_t peer_accepts,
                                             const cgrpc_compression_t *preferred, size_t count);

#endif /* CGRPC_SRC_H2_ENCODING_H */

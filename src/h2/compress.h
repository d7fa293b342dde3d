/* h2/compress.h — per-message gzip and deflate on zlib.
 *
 * Each gRPC message is compressed on its own: a message never refers to
 * bytes of an earlier one, so every message starts from a fresh zlib state.
 * Creating that state is the expensive part (a deflate state is about
 * 256 KiB), so a cgrpc_compressor_t keeps the zlib streams and resets them
 * between messages (deflateReset/inflateReset2), which gives the same fresh
 * state without the allocation. Keep one per connection or per thread.
 *
 * Decompression is where attacks live: a few kilobytes of gzip can expand to
 * gigabytes. Every decompression therefore takes a hard output cap (the
 * receive limit). Output grows in a buffer that never exceeds cap + 1 bytes;
 * the moment inflate produces byte cap + 1 the call fails with
 * RESOURCE_EXHAUSTED, so a bomb costs about `cap` bytes of memory and the
 * time to inflate them, however large it claims to be.
 *
 * Compressing writes into caller memory (size it with
 * cgrpc_compressor_bound(); leave CGRPC_MESSAGE_PREFIX_SIZE bytes in front
 * for the framer). Decompressing writes into the compressor's own buffer,
 * valid until the next call on the same compressor; the buffer is kept for
 * reuse while small and released when large.
 *
 * identity passes through: compression copies, decompression hands back the
 * input itself (after the same cap check).
 *
 * All zlib memory comes from cgrpc_malloc. Thread-safety: a compressor is
 * used by one thread at a time.
 */
#ifndef CGRPC_SRC_H2_COMPRESS_H
#define CGRPC_SRC_H2_COMPRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

#include "h2/encoding.h"
#include "h2/wire_error.h"

/* Fields are private; in the header so a compressor can be embedded. */
typedef struct cgrpc_compressor {
  int level;
  z_stream deflate[CGRPC_COMPRESSION_COUNT]; /* indexed by algorithm; identity unused */
  bool deflate_ready[CGRPC_COMPRESSION_COUNT];
  z_stream inflate;
  bool inflate_ready;
  bool release_output; /* free `output` on the next call (its message is gone) */
  uint8_t *output;
  size_t output_cap;
} cgrpc_compressor_t;

/* Prepares a compressor; zlib state is created on first use. `level` is a
 * zlib level, 0 (store) to 9 (smallest), or -1 for zlib's default (6);
 * other values are clamped. Allocates nothing. */
void cgrpc_compressor_init(cgrpc_compressor_t *c, int level);

/* Releases all zlib state and buffers. */
void cgrpc_compressor_destroy(cgrpc_compressor_t *c);

/* Largest possible output of cgrpc_compress() for `len` input bytes, or 0
 * when zlib state cannot be created (out of memory). */
size_t cgrpc_compressor_bound(cgrpc_compressor_t *c, cgrpc_compression_t alg, size_t len);

/* Compresses `len` bytes of `src` with `alg` into `dst` (capacity `dst_cap`,
 * cgrpc_compressor_bound() is always enough) and stores the size in
 * *out_len. Returns CGRPC_STATUS_OK; RESOURCE_EXHAUSTED when zlib cannot get
 * memory or `dst` is too small; INTERNAL for an unknown algorithm. */
cgrpc_status_code_t cgrpc_compress(cgrpc_compressor_t *c, cgrpc_compression_t alg,
                                   const uint8_t *src, size_t len, uint8_t *dst, size_t dst_cap,
                                   size_t *out_len, cgrpc_wire_error_t *err);

/* Decompresses one message of `len` bytes compressed with `alg`. On success
 * stores in *out / *out_len the result (at most `max_len` bytes; valid until
 * the next call on `c` or its destruction) and returns CGRPC_STATUS_OK.
 * Fails with RESOURCE_EXHAUSTED as soon as the output passes `max_len`, and
 * with INTERNAL, naming the problem, for corrupt or truncated input, bytes
 * after the end of the compressed data, or an unknown algorithm. */
cgrpc_status_code_t cgrpc_decompress(cgrpc_compressor_t *c, cgrpc_compression_t alg,
                                     const uint8_t *src, size_t len, size_t max_len,
                                     const uint8_t **out, size_t *out_len, cgrpc_wire_error_t *err);

#endif /* CGRPC_SRC_H2_COMPRESS_H */

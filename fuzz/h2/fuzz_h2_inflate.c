/* Fuzz target: capped gzip/deflate decompression of hostile input.
 *
 * Input: byte 0 picks the algorithm, bytes 1-2 the output cap (up to about
 * 1 MiB), the rest is the compressed message. Output must never exceed the
 * cap; anything that decompresses must survive compress -> decompress
 * unchanged. One compressor is reused across inputs, as a connection would
 * reuse it, so state left behind by a failed message is exercised too. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "h2/compress.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static cgrpc_compressor_t c;
  static bool ready;
  if (!ready) {
    cgrpc_compressor_init(&c, 1);
    ready = true;
  }
  if (size < 3) return 0;
  cgrpc_compression_t alg = (cgrpc_compression_t)(data[0] % CGRPC_COMPRESSION_COUNT);
  size_t cap = ((size_t)data[1] << 8 | data[2]) * 16;
  const uint8_t *out;
  size_t out_len;
  cgrpc_wire_error_t err;
  cgrpc_status_code_t code =
      cgrpc_decompress(&c, alg, data + 3, size - 3, cap, &out, &out_len, &err);
  if (code != CGRPC_STATUS_OK) {
    if (code != CGRPC_STATUS_INTERNAL && code != CGRPC_STATUS_RESOURCE_EXHAUSTED) abort();
    if (err.code != code || err.message[0] == '\0') abort();
    return 0;
  }
  if (out_len > cap) abort();

  /* Round trip what came out (copied: the next call reuses the buffer). */
  uint8_t *plain = malloc(out_len ? out_len : 1);
  if (out_len) memcpy(plain, out, out_len);
  size_t bound = cgrpc_compressor_bound(&c, alg, out_len);
  uint8_t *packed = malloc(bound ? bound : 1);
  size_t packed_len;
  if (cgrpc_compress(&c, alg, plain, out_len, packed, bound, &packed_len, NULL) != 0) abort();
  if (cgrpc_decompress(&c, alg, packed, packed_len, out_len, &out, &out_len, NULL) != 0) abort();
  if (memcmp(out, plain, out_len) != 0) abort();
  free(packed);
  free(plain);
  return 0;
}

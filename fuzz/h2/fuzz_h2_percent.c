/* Fuzz target: grpc-message percent-encoding.
 *
 * Decoding arbitrary bytes never fails and never grows; encoding arbitrary
 * bytes yields printable ASCII of the predicted length that decodes back to
 * the input exactly. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "h2/percent.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint8_t *decoded = malloc(size ? size : 1);
  size_t n = cgrpc_percent_decode((const char *)data, size, decoded);
  if (n > size) abort();
  /* Decoding in place gives the same result. */
  uint8_t *copy = malloc(size ? size : 1);
  if (size) memcpy(copy, data, size);
  if (cgrpc_percent_decode((const char *)copy, size, copy) != n) abort();
  if (n && memcmp(copy, decoded, n) != 0) abort();

  size_t want = cgrpc_percent_encoded_len(data, size);
  if (want < size || want > 3 * size) abort();
  char *encoded = malloc(want ? want : 1);
  if (cgrpc_percent_encode(data, size, encoded) != want) abort();
  for (size_t i = 0; i < want; i++) {
    if (encoded[i] < 0x20 || encoded[i] > 0x7e) abort();
  }
  uint8_t *back = malloc(want ? want : 1);
  size_t m = cgrpc_percent_decode(encoded, want, back);
  if (m != size || (size && memcmp(back, data, size) != 0)) abort();
  free(back);
  free(encoded);
  free(copy);
  free(decoded);
  return 0;
}

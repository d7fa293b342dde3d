/* Fuzz target: base64 for -bin metadata.
 *
 * Decoding arbitrary input (each comma-separated element of it) never
 * crashes or overruns its bound; whatever decodes re-encodes and decodes to
 * the same bytes; encoding arbitrary bytes round-trips exactly. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "h2/base64.h"
#include "h2/value_list.h"

static void check_round_trip(const uint8_t *raw, size_t len) {
  size_t enc_len = cgrpc_base64_encoded_len(len);
  char *enc = malloc(enc_len ? enc_len : 1);
  if (cgrpc_base64_encode(raw, len, enc) != enc_len) abort();
  if (cgrpc_base64_decoded_max_len(enc_len) != len) abort();
  uint8_t *dec = malloc(len ? len : 1);
  size_t dec_len = 0;
  if (cgrpc_base64_decode(enc, enc_len, dec, &dec_len, NULL) != CGRPC_STATUS_OK) abort();
  if (dec_len != len || (len && memcmp(dec, raw, len) != 0)) abort();
  free(dec);
  free(enc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  cgrpc_value_list_t list;
  const char *elem;
  size_t elem_len;
  cgrpc_value_list_init(&list, (const char *)data, size);
  while (cgrpc_value_list_next(&list, &elem, &elem_len)) {
    if (elem < (const char *)data || elem + elem_len > (const char *)data + size) abort();
    size_t max = cgrpc_base64_decoded_max_len(elem_len);
    /* Exactly the bound, so ASan catches any write past it. */
    uint8_t *out = malloc(max ? max : 1);
    size_t out_len = 0;
    cgrpc_wire_error_t err;
    cgrpc_status_code_t code = cgrpc_base64_decode(elem, elem_len, out, &out_len, &err);
    if (code == CGRPC_STATUS_OK) {
      if (out_len > max) abort();
      check_round_trip(out, out_len);
    } else if (code != CGRPC_STATUS_INTERNAL || err.message[0] == '\0') {
      abort();
    }
    free(out);
  }
  check_round_trip(data, size);
  return 0;
}

/* Fuzz target: the HTTP/1.1 request parser (http1/parser.h) on any bytes.
 *
 * Input layout: byte 0 picks the head limit (64 to 16K), byte 1 the chunk
 * size (1-64) the rest is fed to the chunked decoder in. The whole input is
 * first parsed as a head, growing one chunk at a time (as a socket would
 * deliver it, with the scan position kept between calls); whatever follows a
 * complete head goes through the chunked decoder. Checks that every string
 * of a parsed head lies inside the input, that the decoder's body bytes do
 * too, and that the result is the same however the input is split. */
#include <stdlib.h>
#include <string.h>

#include "http1/parser.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void inside(const uint8_t *base, size_t len, cgrpc_str_t s) {
  if (s.len && ((const uint8_t *)s.data < base || (const uint8_t *)s.data + s.len > base + len)) {
    abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) return 0;
  size_t max = 64 + (size_t)data[0] * 64;
  size_t chunk = (size_t)(data[1] % 64) + 1;
  data += 2;
  size -= 2;
  /* The head, as bytes arrive. */
  static cgrpc_http1_head_t head, whole;
  size_t scanned = 0, used = 0, used_whole = 0;
  const char *why;
  cgrpc_http1_result_t r = CGRPC_HTTP1_NEED_MORE;
  for (size_t have = chunk < size ? chunk : size;;
       have = have + chunk < size ? have + chunk : size) {
    r = cgrpc_http1_head_parse(data, have, max, &scanned, &head, &used, &why);
    if (r != CGRPC_HTTP1_NEED_MORE || have == size) break;
  }
  size_t scanned0 = 0;
  cgrpc_http1_result_t r2 =
      cgrpc_http1_head_parse(data, size, max, &scanned0, &whole, &used_whole, &why);
  if (r == CGRPC_HTTP1_DONE) {
    if (r2 != CGRPC_HTTP1_DONE || used != used_whole || used > size) abort();
    inside(data, size, head.method);
    inside(data, size, head.target);
    inside(data, size, head.host);
    for (size_t i = 0; i < head.field_count; i++) {
      inside(data, size, head.fields[i].name);
      inside(data, size, head.fields[i].value);
    }
  }
  /* A chunked body: what follows the head, or everything. */
  const uint8_t *p = r == CGRPC_HTTP1_DONE ? data + used : data;
  size_t left = r == CGRPC_HTTP1_DONE ? size - used : size;
  const uint8_t *end = p + left;
  cgrpc_http1_chunked_t d;
  memset(&d, 0, sizeof d);
  while (left > 0) {
    size_t n = left < chunk ? left : chunk;
    const uint8_t *in = p;
    size_t len = n;
    for (;;) {
      const uint8_t *body;
      size_t blen;
      cgrpc_http1_result_t c = cgrpc_http1_chunked_next(&d, &in, &len, &body, &blen, &why);
      if (blen && (body < p || body + blen > end)) abort();
      if (c == CGRPC_HTTP1_BAD || c == CGRPC_HTTP1_DONE) return 0;
      if (blen == 0) break;
    }
    p += n;
    left -= n;
  }
  return 0;
}

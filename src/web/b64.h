/* web/b64.h — standard base64 (RFC 4648 §4, padded) for application/grpc-web-text.
 *
 * The decoder is incremental: a request body may be split anywhere, so up
 * to three characters wait in the state for the next chunk. Padding may
 * appear inside the stream (a client that encodes each frame separately
 * sends concatenated padded groups); each 4-character group is decoded on
 * its own. CR and LF are skipped. */
#ifndef CGRPC_SRC_WEB_B64_H
#define CGRPC_SRC_WEB_B64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "web/protocol.h"

typedef struct cgrpc_web_b64 {
  char pending[4];
  size_t count;
} cgrpc_web_b64_t;

/* Decodes `len` characters, appending bytes to `out`. False on a character
 * outside the alphabet, a misplaced '=', or out of memory (*oom set). */
bool cgrpc_web_b64_decode(cgrpc_web_b64_t *st, const uint8_t *src, size_t len, cgrpc_web_buf_t *out,
                          bool *oom);

/* True when no partial group is waiting (the body may end here). */
bool cgrpc_web_b64_complete(const cgrpc_web_b64_t *st);

/* Appends the padded encoding of src[0..len). False when out of memory. */
bool cgrpc_web_b64_encode(const uint8_t *src, size_t len, cgrpc_web_buf_t *out);

#endif /* CGRPC_SRC_WEB_B64_H */

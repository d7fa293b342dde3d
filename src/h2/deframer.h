/* h2/deframer.h — reassembling gRPC messages from HTTP/2 DATA chunks.
 *
 * DATA frame boundaries have nothing to do with message boundaries: a chunk
 * may hold many messages, a fraction of one, or a prefix split anywhere. The
 * deframer is a pull parser over the chunk the transport just received:
 *
 *     const uint8_t *p = chunk; size_t n = chunk_len;
 *     cgrpc_message_view_t msg;
 *     cgrpc_deframe_result_t r;
 *     while ((r = cgrpc_deframer_next(&d, &p, &n, &msg)) == CGRPC_DEFRAME_MESSAGE)
 *       deliver(msg.data, msg.len, msg.compressed);
 *     if (r == CGRPC_DEFRAME_ERROR) fail_call(cgrpc_deframer_error(&d));
 *
 * Copies only when it must. A message whose body lies wholly inside the
 * current chunk is handed out as a pointer into that chunk. A message spread
 * over chunks is accumulated in one heap buffer, which grows with the bytes
 * actually received (a peer that declares 4 MiB and sends 5 bytes costs 5
 * bytes, not 4 MiB). Small buffers are kept for the next message; large ones
 * are released once their message has been handed out.
 *
 * Checks, made as soon as the 5-byte prefix is complete and before any body
 * byte is buffered: a flag other than 0 or 1, and flag 1 when the call
 * negotiated no compression, are INTERNAL; a declared length above the
 * receive limit is RESOURCE_EXHAUSTED. cgrpc_deframer_finish() at END_STREAM
 * reports a message cut off mid-way as INTERNAL. After an error the deframer
 * stays failed and keeps returning it.
 *
 * Bytes taken from the chunk are exactly the bytes to return to HTTP/2 flow
 * control (n before minus n after), whether or not a message came out. On
 * an error the offending prefix counts as taken, however it was chunked.
 *
 * Thread-safety: one deframer per stream, used by one thread at a time.
 */
#ifndef CGRPC_SRC_H2_DEFRAMER_H
#define CGRPC_SRC_H2_DEFRAMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "h2/framer.h"
#include "h2/wire_error.h"

/* A whole message, still compressed if `compressed`. */
typedef struct cgrpc_message_view {
  const uint8_t *data; /* never NULL, even for len 0 */
  size_t len;
  bool compressed;
} cgrpc_message_view_t;

typedef enum cgrpc_deframe_result {
  CGRPC_DEFRAME_NEED_MORE = 0, /* the chunk is used up; feed the next one */
  CGRPC_DEFRAME_MESSAGE = 1,   /* a message is ready; call again for more */
  CGRPC_DEFRAME_ERROR = 2,     /* see cgrpc_deframer_error(); end the call */
} cgrpc_deframe_result_t;

/* Fields are private; in the header so a deframer can live inside a call. */
typedef struct cgrpc_deframer {
  size_t max_message_size;
  bool compression_allowed;
  bool failed;
  bool release_buffer; /* free `buffer` on the next call (its message is gone) */
  bool compressed;     /* flag of the message being read */
  uint8_t prefix[CGRPC_MESSAGE_PREFIX_SIZE];
  size_t prefix_len; /* prefix bytes seen; CGRPC_MESSAGE_PREFIX_SIZE = in the body */
  size_t body_len;   /* declared length of the message being read */
  size_t body_have;  /* body bytes accumulated in `buffer` */
  uint8_t *buffer;
  size_t buffer_cap;
  cgrpc_wire_error_t error;
} cgrpc_deframer_t;

/* Prepares an empty deframer. `max_message_size` is the receive limit in
 * bytes (inclusive; SIZE_MAX for none). `compression_allowed` says whether
 * the stream's grpc-encoding names a compression algorithm, i.e. whether
 * flag 1 is legal. Allocates nothing. */
void cgrpc_deframer_init(cgrpc_deframer_t *d, size_t max_message_size, bool compression_allowed);

/* Consumes bytes from the chunk (*data, *len), advancing both, until a
 * message is complete (MESSAGE, with *msg filled), the chunk is used up
 * (NEED_MORE, *len == 0), or the input is invalid (ERROR). msg->data points
 * into the chunk or into the deframer's buffer and stays valid until the next
 * call on `d` and, in the first case, while the chunk does. */
cgrpc_deframe_result_t cgrpc_deframer_next(cgrpc_deframer_t *d, const uint8_t **data, size_t *len,
                                           cgrpc_message_view_t *msg);

/* Call at END_STREAM after the last chunk. Returns CGRPC_STATUS_OK when the
 * stream ended on a message boundary, else the deframer's error (INTERNAL
 * for a truncated message) and fills `err` when non-NULL. */
cgrpc_status_code_t cgrpc_deframer_finish(cgrpc_deframer_t *d, cgrpc_wire_error_t *err);

/* The error after CGRPC_DEFRAME_ERROR (code and message). */
const cgrpc_wire_error_t *cgrpc_deframer_error(const cgrpc_deframer_t *d);

/* Heap bytes the deframer holds right now (its reassembly buffer). */
size_t cgrpc_deframer_buffered_capacity(const cgrpc_deframer_t *d);

/* Frees the buffer. The deframer may be initialised again afterwards. */
void cgrpc_deframer_destroy(cgrpc_deframer_t *d);

#endif /* CGRPC_SRC_H2_DEFRAMER_H */

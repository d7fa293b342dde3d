/* Fuzz target: the gRPC message deframer under random chunking.
 *
 * Input: byte 0 picks the receive limit and whether compression was
 * negotiated, bytes 1-2 seed the chunk sizes, the rest is the DATA stream.
 * The stream is deframed twice, in one chunk and in random chunks; both runs
 * must agree on every message, the final status and the bytes consumed, and
 * the reassembly buffer must never exceed the receive limit. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "h2/deframer.h"

typedef struct outcome {
  uint64_t hash; /* FNV-1a over every message's flag, length and bytes */
  size_t messages;
  size_t consumed;
  cgrpc_status_code_t status;
} outcome_t;

static void hash_bytes(uint64_t *h, const void *p, size_t n) {
  const uint8_t *b = p;
  for (size_t i = 0; i < n; i++) *h = (*h ^ b[i]) * 0x100000001b3ull;
}

static void run(const uint8_t *data, size_t len, size_t limit, bool compression, uint32_t seed,
                outcome_t *out) {
  cgrpc_deframer_t d;
  cgrpc_deframer_init(&d, limit, compression);
  memset(out, 0, sizeof *out);
  out->hash = 0xcbf29ce484222325ull;
  size_t at = 0;
  bool failed = false;
  while (at < len && !failed) {
    size_t chunk = len - at;
    if (seed) {
      seed = seed * 1103515245u + 12345u;
      size_t pick = (seed >> 16) % 17; /* mostly tiny chunks, sometimes large */
      chunk = pick < 16 ? pick + 1 : (seed >> 8) % 4096 + 1;
      if (chunk > len - at) chunk = len - at;
    }
    const uint8_t *p = data + at;
    size_t n = chunk;
    cgrpc_message_view_t msg;
    cgrpc_deframe_result_t r;
    while ((r = cgrpc_deframer_next(&d, &p, &n, &msg)) == CGRPC_DEFRAME_MESSAGE) {
      if (msg.len > limit || msg.data == NULL) abort();
      uint8_t flag = msg.compressed;
      hash_bytes(&out->hash, &flag, 1);
      hash_bytes(&out->hash, &msg.len, sizeof msg.len);
      hash_bytes(&out->hash, msg.data, msg.len);
      out->messages++;
    }
    if (cgrpc_deframer_buffered_capacity(&d) > limit) abort();
    out->consumed += chunk - n;
    at += chunk;
    if (r == CGRPC_DEFRAME_ERROR) {
      failed = true;
      out->status = cgrpc_deframer_error(&d)->code;
      if (out->status == CGRPC_STATUS_OK) abort();
    } else if (n != 0) {
      abort();
    }
  }
  if (!failed) out->status = cgrpc_deframer_finish(&d, NULL);
  cgrpc_deframer_destroy(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 3) return 0;
  static const size_t kLimits[8] = {0, 1, 5, 64, 300, 4096, 65536, SIZE_MAX};
  size_t limit = kLimits[data[0] & 7];
  bool compression = data[0] & 8;
  uint32_t seed = (uint32_t)data[1] << 8 | data[2] | 1u;
  outcome_t whole, chunked;
  run(data + 3, size - 3, limit, compression, 0, &whole);
  run(data + 3, size - 3, limit, compression, seed, &chunked);
  if (whole.hash != chunked.hash || whole.messages != chunked.messages ||
      whole.status != chunked.status || whole.consumed != chunked.consumed) {
    abort();
  }
  return 0;
}

/* gRPC message reassembly over DATA chunks. See h2/deframer.h.
 *
 * State is the prefix bytes seen so far and, inside a body, how much of it
 * sits in the buffer. A body starts out zero-copy: only when the current
 * chunk ends before the body does are its bytes moved into the buffer, and
 * from then on the rest of that body follows them there. */
#include "h2/deframer.h"

#include <string.h>

#include "base/alloc.h"

/* First size of a reassembly buffer, and the most we keep between messages:
 * a stream of small split messages reuses one buffer, a 4 MiB one is not
 * pinned for the life of the stream. */
#define MIN_BUFFER 4096
#define RETAINED_BUFFER (64 * 1024)

static const uint8_t kEmpty[1];

void cgrpc_deframer_init(cgrpc_deframer_t *d, size_t max_message_size, bool compression_allowed) {
  memset(d, 0, sizeof *d);
  d->max_message_size = max_message_size;
  d->compression_allowed = compression_allowed;
}

static void release_buffer(cgrpc_deframer_t *d) {
  cgrpc_free(d->buffer);
  d->buffer = NULL;
  d->buffer_cap = 0;
  d->release_buffer = false;
}

void cgrpc_deframer_destroy(cgrpc_deframer_t *d) { release_buffer(d); }

const cgrpc_wire_error_t *cgrpc_deframer_error(const cgrpc_deframer_t *d) { return &d->error; }

size_t cgrpc_deframer_buffered_capacity(const cgrpc_deframer_t *d) { return d->buffer_cap; }

static cgrpc_deframe_result_t fail(cgrpc_deframer_t *d) {
  d->failed = true;
  return CGRPC_DEFRAME_ERROR;
}

/* Validates a complete prefix and enters the body. */
static bool start_body(cgrpc_deframer_t *d, const uint8_t *prefix) {
  uint8_t flag = prefix[0];
  size_t len =
      (size_t)prefix[1] << 24 | (size_t)prefix[2] << 16 | (size_t)prefix[3] << 8 | prefix[4];
  if (flag != CGRPC_MESSAGE_FLAG_PLAIN && flag != CGRPC_MESSAGE_FLAG_COMPRESSED) {
    cgrpc_wire_error_set(&d->error, CGRPC_STATUS_INTERNAL,
                         "message prefix has flag byte 0x%02x; only 0 (uncompressed) and 1 "
                         "(compressed) are defined",
                         flag);
    return false;
  }
  if (flag == CGRPC_MESSAGE_FLAG_COMPRESSED && !d->compression_allowed) {
    cgrpc_wire_error_set(&d->error, CGRPC_STATUS_INTERNAL,
                         "compressed message received but the stream's grpc-encoding is "
                         "identity or absent");
    return false;
  }
  if (len > d->max_message_size) {
    cgrpc_wire_error_set(&d->error, CGRPC_STATUS_RESOURCE_EXHAUSTED,
                         "received message of %zu bytes exceeds the limit of %zu bytes", len,
                         d->max_message_size);
    return false;
  }
  d->compressed = flag == CGRPC_MESSAGE_FLAG_COMPRESSED;
  d->body_len = len;
  d->body_have = 0;
  d->prefix_len = CGRPC_MESSAGE_PREFIX_SIZE;
  return true;
}

/* Makes room for `want` body bytes, doubling so copies stay linear overall,
 * but never past the declared length. */
static bool reserve(cgrpc_deframer_t *d, size_t want) {
  if (want <= d->buffer_cap) return true;
  size_t cap = d->buffer_cap < MIN_BUFFER / 2 ? MIN_BUFFER : d->buffer_cap * 2;
  if (cap < want) cap = want;
  if (cap > d->body_len) cap = d->body_len;
  uint8_t *p = cgrpc_realloc(d->buffer, cap);
  if (!p) {
    cgrpc_wire_error_set(&d->error, CGRPC_STATUS_RESOURCE_EXHAUSTED,
                         "out of memory reassembling a message of %zu bytes", d->body_len);
    return false;
  }
  d->buffer = p;
  d->buffer_cap = cap;
  return true;
}

/* Takes n bytes off the front of the chunk (never offsets a NULL chunk). */
static void take(const uint8_t **data, size_t *len, size_t n) {
  if (n == 0) return;
  *data += n;
  *len -= n;
}

static cgrpc_deframe_result_t emit(cgrpc_deframer_t *d, const uint8_t *data,
                                   cgrpc_message_view_t *msg) {
  msg->data = d->body_len ? data : kEmpty;
  msg->len = d->body_len;
  msg->compressed = d->compressed;
  d->prefix_len = 0;
  return CGRPC_DEFRAME_MESSAGE;
}

cgrpc_deframe_result_t cgrpc_deframer_next(cgrpc_deframer_t *d, const uint8_t **data, size_t *len,
                                           cgrpc_message_view_t *msg) {
  if (d->release_buffer) release_buffer(d);
  if (d->failed) return CGRPC_DEFRAME_ERROR;

  if (d->prefix_len < CGRPC_MESSAGE_PREFIX_SIZE) {
    if (d->prefix_len == 0 && *len >= CGRPC_MESSAGE_PREFIX_SIZE) {
      const uint8_t *prefix = *data;
      take(data, len, CGRPC_MESSAGE_PREFIX_SIZE);
      if (!start_body(d, prefix)) return fail(d);
    } else {
      size_t n = CGRPC_MESSAGE_PREFIX_SIZE - d->prefix_len;
      if (n > *len) n = *len;
      if (n > 0) memcpy(d->prefix + d->prefix_len, *data, n);
      d->prefix_len += n;
      take(data, len, n);
      if (d->prefix_len < CGRPC_MESSAGE_PREFIX_SIZE) return CGRPC_DEFRAME_NEED_MORE;
      if (!start_body(d, d->prefix)) return fail(d);
    }
  }

  if (d->body_have == 0 && *len >= d->body_len) {
    const uint8_t *body = *data;
    take(data, len, d->body_len);
    return emit(d, body, msg);
  }
  if (*len == 0) return CGRPC_DEFRAME_NEED_MORE;

  size_t n = d->body_len - d->body_have;
  if (n > *len) n = *len;
  if (!reserve(d, d->body_have + n)) return fail(d);
  memcpy(d->buffer + d->body_have, *data, n);
  d->body_have += n;
  take(data, len, n);
  if (d->body_have < d->body_len) return CGRPC_DEFRAME_NEED_MORE;
  d->release_buffer = d->buffer_cap > RETAINED_BUFFER;
  return emit(d, d->buffer, msg);
}

cgrpc_status_code_t cgrpc_deframer_finish(cgrpc_deframer_t *d, cgrpc_wire_error_t *err) {
  if (!d->failed && d->prefix_len != 0) {
    if (d->prefix_len < CGRPC_MESSAGE_PREFIX_SIZE) {
      cgrpc_wire_error_set(&d->error, CGRPC_STATUS_INTERNAL,
                           "stream ended inside a message prefix (%zu of 5 bytes received)",
                           d->prefix_len);
    } else {
      cgrpc_wire_error_set(&d->error, CGRPC_STATUS_INTERNAL,
                           "stream ended inside a message (%zu of %zu bytes received)",
                           d->body_have, d->body_len);
    }
    d->failed = true;
  }
  if (!d->failed) return CGRPC_STATUS_OK;
  if (err) *err = d->error;
  return d->error.code;
}

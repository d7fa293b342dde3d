/* h2/output.c — the bytes a connection has ready for its socket.
 *
 * Frames come out of nghttp2 in two forms: control frames and headers as
 * bytes in nghttp2's own buffer (valid only until its next call, so they are
 * copied here), and DATA payloads, which nghttp2 lets us send ourselves
 * (NGHTTP2_DATA_FLAG_NO_COPY). The queue keeps both in order as segments: a
 * copied run in one growing buffer, or a reference into an outgoing message
 * that stays alive until written. The socket layer turns the segments into
 * one writev(); a message payload is therefore never copied between the
 * encoder and the kernel.
 *
 * Messages are blocks of h2/block_cache.h: a server loop recycles them, so
 * encoding a response takes no heap allocation in a steady state. So are the
 * queue's own buffer and segment ring: a server connection gives them back
 * whenever it has no call and nothing to write (conn.c), and an idle
 * connection holds no output memory.
 */
#include <string.h>

#include "h2/block_cache.h"
#include "h2/conn_internal.h"

cgrpc_h2_msg_t *cgrpc_h2_msg_new(size_t payload_cap) {
  if (payload_cap > SIZE_MAX - sizeof(cgrpc_h2_msg_t) - CGRPC_MESSAGE_PREFIX_SIZE) return NULL;
  cgrpc_h2_msg_t *m = cgrpc_h2_block_alloc(sizeof *m + CGRPC_MESSAGE_PREFIX_SIZE + payload_cap);
  if (!m) return NULL;
  memset(m, 0, sizeof *m);
  m->cap = payload_cap;
  m->refs = 1;
  return m;
}

void cgrpc_h2_msg_free(cgrpc_h2_msg_t *m) {
  if (m) cgrpc_h2_msg_unref(m);
}

void cgrpc_h2_msg_ref(cgrpc_h2_msg_t *m) { m->refs++; }

void cgrpc_h2_msg_unref(cgrpc_h2_msg_t *m) {
  if (--m->refs == 0) cgrpc_h2_block_free(m);
}

static bool seg_push(cgrpc_h2_output_t *o, cgrpc_h2_seg_t seg) {
  if (o->seg_count == o->seg_cap) {
    size_t cap = o->seg_cap ? o->seg_cap * 2 : 64;
    cgrpc_h2_seg_t *grown = cgrpc_h2_block_alloc(cap * sizeof *grown);
    if (!grown) return false;
    for (size_t i = 0; i < o->seg_count; i++) grown[i] = o->segs[(o->seg_head + i) % o->seg_cap];
    cgrpc_h2_block_free(o->segs);
    o->segs = grown;
    o->seg_cap = cap;
    o->seg_head = 0;
  }
  o->segs[(o->seg_head + o->seg_count) % o->seg_cap] = seg;
  o->seg_count++;
  o->pending += seg.len;
  return true;
}

static cgrpc_h2_seg_t *seg_last(cgrpc_h2_output_t *o) {
  if (o->seg_count == 0) return NULL;
  return &o->segs[(o->seg_head + o->seg_count - 1) % o->seg_cap];
}

/* Moves the unwritten part of the buffer to its start once the written part
 * dominates, so a socket that never drains completely cannot make the
 * buffer grow without bound. Copied segments are in buffer order, so the
 * first one marks the live region. */
static void buf_compact(cgrpc_h2_output_t *o) {
  size_t first = o->buf_len;
  for (size_t i = 0; i < o->seg_count; i++) {
    cgrpc_h2_seg_t *s = &o->segs[(o->seg_head + i) % o->seg_cap];
    if (!s->msg) {
      first = s->off;
      break;
    }
  }
  if (first == 0 || first < o->buf_len / 2) return;
  memmove(o->buf, o->buf + first, o->buf_len - first);
  o->buf_len -= first;
  for (size_t i = 0; i < o->seg_count; i++) {
    cgrpc_h2_seg_t *s = &o->segs[(o->seg_head + i) % o->seg_cap];
    if (!s->msg) s->off -= first;
  }
}

bool cgrpc_h2_output_copy(cgrpc_h2_output_t *o, const uint8_t *data, size_t len) {
  if (len == 0) return true;
  if (o->buf_cap - o->buf_len < len) {
    buf_compact(o);
    if (o->buf_cap - o->buf_len < len) {
      size_t cap = o->buf_cap ? o->buf_cap : 4096;
      while (cap - o->buf_len < len) cap *= 2;
      uint8_t *grown = cgrpc_h2_block_realloc(o->buf, cap);
      if (!grown) return false;
      o->buf = grown;
      o->buf_cap = cap;
    }
  }
  memcpy(o->buf + o->buf_len, data, len);
  cgrpc_h2_seg_t *last = seg_last(o);
  if (last && !last->msg && last->off + last->len == o->buf_len) {
    last->len += len;
    o->pending += len;
  } else if (!seg_push(o, (cgrpc_h2_seg_t){NULL, NULL, o->buf_len, len})) {
    return false;
  }
  o->buf_len += len;
  return true;
}

bool cgrpc_h2_output_ref(cgrpc_h2_output_t *o, cgrpc_h2_msg_t *m, const uint8_t *ptr, size_t len) {
  if (len == 0) return true;
  cgrpc_h2_seg_t *last = seg_last(o);
  if (last && last->msg == m && last->ptr + last->len == ptr) {
    last->len += len;
    o->pending += len;
    return true;
  }
  if (!seg_push(o, (cgrpc_h2_seg_t){m, ptr, 0, len})) return false;
  m->refs++;
  return true;
}

size_t cgrpc_h2_output_iov(const cgrpc_h2_output_t *o, struct iovec *iov, size_t max) {
  size_t n = 0;
  for (; n < o->seg_count && n < max; n++) {
    const cgrpc_h2_seg_t *s = &o->segs[(o->seg_head + n) % o->seg_cap];
    iov[n].iov_base = (void *)(s->msg ? s->ptr : o->buf + s->off);
    iov[n].iov_len = s->len;
  }
  return n;
}

void cgrpc_h2_output_consume(cgrpc_h2_output_t *o, size_t n) {
  if (n > o->pending) n = o->pending;
  o->pending -= n;
  while (n > 0) {
    cgrpc_h2_seg_t *s = &o->segs[o->seg_head];
    if (n < s->len) {
      s->len -= n;
      if (s->msg) {
        s->ptr += n;
      } else {
        s->off += n;
      }
      return;
    }
    n -= s->len;
    if (s->msg) cgrpc_h2_msg_unref(s->msg);
    o->seg_head = (o->seg_head + 1) % o->seg_cap;
    o->seg_count--;
  }
  if (o->seg_count == 0) {
    o->seg_head = 0;
    o->buf_len = 0;
  }
}

void cgrpc_h2_output_free(cgrpc_h2_output_t *o) {
  cgrpc_h2_output_consume(o, o->pending);
  cgrpc_h2_block_free(o->buf);
  cgrpc_h2_block_free(o->segs);
  memset(o, 0, sizeof *o);
}

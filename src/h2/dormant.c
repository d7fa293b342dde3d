/* h2/dormant.c — see dormant.h. */
#include "h2/dormant.h"

#include <errno.h>
#include <string.h>

#include "h2/conn_internal.h"

enum { PREFACE_LEN = 24, FRAME_HD_LEN = 9 };

static const uint8_t kPreface[PREFACE_LEN] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

void cgrpc_h2_dormant_init(cgrpc_h2_conn_t *c) {
  memset(&c->dormant, 0, sizeof c->dormant);
  c->dormant.eligible = c->role == CGRPC_H2_SERVER;
}

static uint32_t be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_frame_hd(uint8_t *p, uint32_t len, uint8_t type, uint8_t flags, uint32_t stream) {
  p[0] = (uint8_t)(len >> 16);
  p[1] = (uint8_t)(len >> 8);
  p[2] = (uint8_t)len;
  p[3] = type;
  p[4] = flags;
  p[5] = (uint8_t)(stream >> 24);
  p[6] = (uint8_t)(stream >> 16);
  p[7] = (uint8_t)(stream >> 8);
  p[8] = (uint8_t)stream;
}

static bool remember_setting(cgrpc_h2_dormant_t *d, uint16_t id, uint32_t value) {
  for (uint8_t i = 0; i < d->nsettings; i++) {
    if (d->settings[i].id == id) {
      d->settings[i].value = value;
      return true;
    }
  }
  if (d->nsettings == CGRPC_H2_DORMANT_MAX_SETTINGS) return false;
  d->settings[d->nsettings].id = id;
  d->settings[d->nsettings].value = value;
  d->nsettings++;
  return true;
}

/* A frame header is complete: may the connection still sleep, and which
 * payload must be kept? */
static bool frame_begins(cgrpc_h2_dormant_t *d) {
  uint32_t len = (uint32_t)d->hd[0] << 16 | (uint32_t)d->hd[1] << 8 | d->hd[2];
  uint8_t type = d->hd[3], flags = d->hd[4];
  uint32_t stream = be32(d->hd + 5) & 0x7fffffffu;
  d->remaining = len;
  d->payload_len = 0;
  if (stream != 0) return false;
  switch (type) {
    case NGHTTP2_SETTINGS:
      return (flags & NGHTTP2_FLAG_ACK) || len <= sizeof d->payload;
    case NGHTTP2_PING:
      return true;
    case NGHTTP2_WINDOW_UPDATE:
      return len == 4;
    default:
      return false;
  }
}

static bool frame_ends(cgrpc_h2_dormant_t *d) {
  uint8_t type = d->hd[3], flags = d->hd[4];
  if (type == NGHTTP2_SETTINGS && !(flags & NGHTTP2_FLAG_ACK)) {
    for (size_t i = 0; i + 6 <= d->payload_len; i += 6) {
      uint16_t id = (uint16_t)(d->payload[i] << 8 | d->payload[i + 1]);
      if (!remember_setting(d, id, be32(d->payload + i + 2))) return false;
    }
  } else if (type == NGHTTP2_WINDOW_UPDATE) {
    uint32_t inc = be32(d->payload) & 0x7fffffffu;
    if (inc > INT32_MAX - d->window_increment) return false;
    d->window_increment += inc;
  }
  d->hd_len = 0;
  return true;
}

void cgrpc_h2_dormant_observe(cgrpc_h2_conn_t *c, const uint8_t *data, size_t len) {
  cgrpc_h2_dormant_t *d = &c->dormant;
  while (len > 0 && d->eligible) {
    size_t take;
    if (d->preface < PREFACE_LEN) {
      size_t left = (size_t)(PREFACE_LEN - d->preface);
      take = left < len ? left : len;
      d->preface = (uint8_t)(d->preface + take);
    } else if (d->hd_len < FRAME_HD_LEN) {
      size_t left = (size_t)(FRAME_HD_LEN - d->hd_len);
      take = left < len ? left : len;
      memcpy(d->hd + d->hd_len, data, take);
      d->hd_len = (uint8_t)(d->hd_len + take);
      if (d->hd_len == FRAME_HD_LEN) {
        d->eligible = frame_begins(d) && (d->remaining > 0 || frame_ends(d));
      }
    } else {
      take = d->remaining < len ? d->remaining : len;
      bool keep = d->hd[3] == NGHTTP2_WINDOW_UPDATE ||
                  (d->hd[3] == NGHTTP2_SETTINGS && !(d->hd[4] & NGHTTP2_FLAG_ACK));
      if (keep) {
        memcpy(d->payload + d->payload_len, data, take);
        d->payload_len = (uint8_t)(d->payload_len + take);
      }
      d->remaining -= (uint32_t)take;
      if (d->remaining == 0) d->eligible = frame_ends(d);
    }
    data += take;
    len -= take;
  }
}

void cgrpc_h2_dormant_maybe_sleep(cgrpc_h2_conn_t *c) {
  const cgrpc_h2_dormant_t *d = &c->dormant;
  if (!d->eligible || !c->session || d->preface < PREFACE_LEN || d->hd_len != 0) return;
  if (c->flags || c->stream_count || c->work_head || c->out.pending) return;
  if (!cgrpc_h2_guard_settled(c) || nghttp2_session_want_write(c->session)) return;
  nghttp2_session_del(c->session);
  c->session = NULL;
  cgrpc_h2_output_free(&c->out);
}

/* What the first session heard from the client, as one input: the preface,
 * its settings, the ACK of our SETTINGS and its window increments. */
static size_t replay_input(const cgrpc_h2_dormant_t *d, uint8_t *buf) {
  uint8_t *p = buf;
  memcpy(p, kPreface, PREFACE_LEN);
  p += PREFACE_LEN;
  put_frame_hd(p, 6u * d->nsettings, NGHTTP2_SETTINGS, 0, 0);
  p += FRAME_HD_LEN;
  for (uint8_t i = 0; i < d->nsettings; i++) {
    *p++ = (uint8_t)(d->settings[i].id >> 8);
    *p++ = (uint8_t)d->settings[i].id;
    *p++ = (uint8_t)(d->settings[i].value >> 24);
    *p++ = (uint8_t)(d->settings[i].value >> 16);
    *p++ = (uint8_t)(d->settings[i].value >> 8);
    *p++ = (uint8_t)d->settings[i].value;
  }
  put_frame_hd(p, 0, NGHTTP2_SETTINGS, NGHTTP2_FLAG_ACK, 0);
  p += FRAME_HD_LEN;
  if (d->window_increment > 0) {
    put_frame_hd(p, 4, NGHTTP2_WINDOW_UPDATE, 0, 0);
    p += FRAME_HD_LEN;
    p[0] = (uint8_t)(d->window_increment >> 24);
    p[1] = (uint8_t)(d->window_increment >> 16);
    p[2] = (uint8_t)(d->window_increment >> 8);
    p[3] = (uint8_t)d->window_increment;
    p += 4;
  }
  return (size_t)(p - buf);
}

int cgrpc_h2_conn_wake(cgrpc_h2_conn_t *c) {
  if (c->session) return 0;
  uint8_t input[PREFACE_LEN + 3 * FRAME_HD_LEN + 6 * CGRPC_H2_DORMANT_MAX_SETTINGS + 4];
  size_t len = replay_input(&c->dormant, input);
  c->flags |= CONN_REPLAYING;
  int rv = cgrpc_h2_conn_session_create(c);
  if (rv == 0 && nghttp2_session_mem_recv(c->session, input, len) != (ssize_t)len) rv = -ENOMEM;
  /* Our SETTINGS and window, and the ACK of the client's: all said before. */
  const uint8_t *out;
  while (rv == 0) {
    ssize_t n = nghttp2_session_mem_send(c->session, &out);
    if (n < 0) rv = -ENOMEM;
    if (n <= 0) break;
  }
  c->flags &= ~CONN_REPLAYING;
  if (rv != 0) {
    if (c->session) nghttp2_session_del(c->session);
    c->session = NULL;
    c->dormant.eligible = false;
    c->flags |= CONN_DEAD;
  }
  return rv;
}

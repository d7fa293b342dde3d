/* h2/dormant.h — server connections that have not carried a call yet sleep
 * without their nghttp2 session.
 *
 * An HTTP/2 session costs about 25 KiB (nghttp2's 16 KiB frame buffer, its
 * HPACK tables, the session itself) and our output queue a few more. A
 * server with many idle clients (connection pools opened ahead of need, load
 * balancers' spare connections) holds that for every one of them. Until a
 * connection's first request, though, its whole HTTP/2 state is small and
 * known: no HPACK table has been used, no stream exists, and what the client
 * said is its SETTINGS and its connection-level WINDOW_UPDATEs. So after the
 * handshake, when nothing is in flight, the session is freed and only those
 * are kept (in cgrpc_h2_dormant_t, inside the connection). The next bytes
 * from the client, or anything the server must send (a keepalive PING, a
 * GOAWAY), wake it: a new session is given the preface, the client's
 * settings, the ACK of our SETTINGS and the window increments, and what it
 * answers to them is dropped, since the client has had those answers from
 * the first session. From then on the connection cannot tell the
 * difference, nor can the client.
 *
 * A connection stops being eligible for good at its first frame of any other
 * kind than SETTINGS, PING and connection WINDOW_UPDATE.
 */
#ifndef CGRPC_SRC_H2_DORMANT_H
#define CGRPC_SRC_H2_DORMANT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct cgrpc_h2_conn cgrpc_h2_conn_t;

enum { CGRPC_H2_DORMANT_MAX_SETTINGS = 8 };

typedef struct cgrpc_h2_dormant {
  bool eligible;     /* server, and nothing but handshake frames so far */
  uint8_t preface;   /* bytes of the client preface seen (24 when whole) */
  uint8_t hd[9];     /* the header of the frame being read */
  uint8_t hd_len;
  uint32_t remaining; /* payload bytes of that frame still to come */
  uint8_t payload[6 * CGRPC_H2_DORMANT_MAX_SETTINGS]; /* SETTINGS or WINDOW_UPDATE payload */
  uint8_t payload_len;
  uint8_t nsettings;
  struct {
    uint16_t id;
    uint32_t value;
  } settings[CGRPC_H2_DORMANT_MAX_SETTINGS]; /* the client's latest value of each */
  uint32_t window_increment; /* the client's connection WINDOW_UPDATEs, summed */
} cgrpc_h2_dormant_t;

/* Starts tracking a new server connection's input. */
void cgrpc_h2_dormant_init(cgrpc_h2_conn_t *c);

/* Reads the client's bytes (before nghttp2 does) for what a new session
 * would need to be told; stops at the first frame that makes the connection
 * ineligible. */
void cgrpc_h2_dormant_observe(cgrpc_h2_conn_t *c, const uint8_t *data, size_t len);

/* Frees the session and the output queue when the connection is eligible
 * and quiet: handshake done, nothing to send, nothing half read. */
void cgrpc_h2_dormant_maybe_sleep(cgrpc_h2_conn_t *c);

/* Gives a sleeping connection a session again. 0, or -ENOMEM (the
 * connection is then dead). No-op when it has one. */
int cgrpc_h2_conn_wake(cgrpc_h2_conn_t *c);

#endif /* CGRPC_SRC_H2_DORMANT_H */

/* tls/tls.h — TLS sessions over memory buffers, and the credentials behind
 * cgrpc/tls.h.
 *
 * A session does no I/O: the transport (rpc/transport_tls.c) feeds it the
 * ciphertext it read from the socket, takes the plaintext out for the HTTP/2
 * engine, hands it the engine's output to encrypt, and writes the ciphertext
 * the session has pending to the socket. So the protocol engine runs the
 * same with or without TLS, and without sockets in tests and fuzz targets.
 *
 * Threads: a session belongs to one thread at a time (its connection's
 * loop). Credentials are shared and thread-safe.
 */
#ifndef CGRPC_SRC_TLS_TLS_H
#define CGRPC_SRC_TLS_TLS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgrpc/tls.h"

typedef struct cgrpc_tls_session cgrpc_tls_session_t;

/* Room for a handshake failure's reason. */
#define CGRPC_TLS_WHY_SIZE 256

/* A channel's memory of its last session, so a reconnect resumes it. The
 * channel owns it (zero-initialised), its loop thread alone touches it, and
 * cgrpc_tls_session_cache_clear() frees what it holds. */
typedef struct cgrpc_tls_session_cache {
  void *last; /* SSL_SESSION */
} cgrpc_tls_session_cache_t;

void cgrpc_tls_session_cache_clear(cgrpc_tls_session_cache_t *cache);

/* The identity the handshake established, shared by the calls of a
 * connection: reference counted, immutable. */
typedef struct cgrpc_tls_identity {
  cgrpc_peer_identity_t pub;
  atomic_int refs;
} cgrpc_tls_identity_t;

cgrpc_tls_identity_t *cgrpc_tls_identity_ref(cgrpc_tls_identity_t *id);
void cgrpc_tls_identity_unref(cgrpc_tls_identity_t *id);

/* ---- Sessions ---------------------------------------------------------------------- */

/* A server session on `creds` (the context its handshakes use now, files
 * reloaded first when watched and changed). NULL when out of memory. */
cgrpc_tls_session_t *cgrpc_tls_session_new_server(cgrpc_server_credentials_t *creds);

/* A client session to `host` (the target's host: SNI, unless an IP
 * literal, and the name verified, unless the credentials override it),
 * offering the session `cache` holds and keeping new ones there. `cache`
 * must outlive the session. NULL when out of memory. */
cgrpc_tls_session_t *cgrpc_tls_session_new_client(cgrpc_channel_credentials_t *creds,
                                                  const char *host,
                                                  cgrpc_tls_session_cache_t *cache);

void cgrpc_tls_session_free(cgrpc_tls_session_t *s);

/* Server: ALPN "http/1.1" is accepted from a client that does not offer
 * "h2" (the server takes HTTP/1.1 on the same port). Before the
 * handshake. */
void cgrpc_tls_session_allow_http1(cgrpc_tls_session_t *s, bool allow);

/* Takes `len` bytes of ciphertext from the peer. False when out of memory. */
bool cgrpc_tls_session_feed(cgrpc_tls_session_t *s, const uint8_t *data, size_t len);

typedef enum cgrpc_tls_result {
  CGRPC_TLS_OK = 0,      /* done (handshake complete) / some bytes moved */
  CGRPC_TLS_WANT = 1,    /* needs more ciphertext from the peer */
  CGRPC_TLS_CLOSED = 2,  /* the peer sent close_notify */
  CGRPC_TLS_FAILED = -1, /* the session is dead: cgrpc_tls_session_error() says why */
} cgrpc_tls_result_t;

/* Advances the handshake with what was fed. OK once complete (ALPN "h2",
 * or "http/1.1" where allowed, agreed and, for clients, the server verified), WANT for more, FAILED
 * with the reason. Output to send may be pending in any case. */
cgrpc_tls_result_t cgrpc_tls_session_handshake(cgrpc_tls_session_t *s);

bool cgrpc_tls_session_handshake_done(const cgrpc_tls_session_t *s);

/* Decrypts into `buf` (at most `cap` bytes): OK with *n > 0, WANT when
 * nothing whole is buffered, CLOSED, or FAILED. */
cgrpc_tls_result_t cgrpc_tls_session_read(cgrpc_tls_session_t *s, uint8_t *buf, size_t cap,
                                          size_t *n);

/* Encrypts `len` bytes (all of them: the output buffer grows). False when
 * the session failed or memory ran out. */
bool cgrpc_tls_session_write(cgrpc_tls_session_t *s, const uint8_t *data, size_t len);

/* Queues a close_notify (after a completed handshake). */
void cgrpc_tls_session_shutdown(cgrpc_tls_session_t *s);

/* The ciphertext waiting to be sent: its size, and in *data where it starts
 * (valid until the next call on the session). */
size_t cgrpc_tls_session_pending(cgrpc_tls_session_t *s, const uint8_t **data);

/* Drops the first `n` pending bytes (they were written). */
void cgrpc_tls_session_consume(cgrpc_tls_session_t *s, size_t n);

/* The first byte the peer sent, -1 before any. */
int cgrpc_tls_session_first_byte(const cgrpc_tls_session_t *s);

/* Why the session failed: one clause, "" when it did not. */
const char *cgrpc_tls_session_error(const cgrpc_tls_session_t *s);

/* After the handshake: the peer's identity (a new reference), or NULL when
 * out of memory. */
cgrpc_tls_identity_t *cgrpc_tls_session_identity(cgrpc_tls_session_t *s);

/* After the handshake: whether it resumed an earlier session. */
bool cgrpc_tls_session_resumed(const cgrpc_tls_session_t *s);

/* ---- Credentials (internal side) --------------------------------------------------- */

cgrpc_server_credentials_t *cgrpc_server_credentials_ref(cgrpc_server_credentials_t *creds);
cgrpc_channel_credentials_t *cgrpc_channel_credentials_ref(cgrpc_channel_credentials_t *creds);

#endif /* CGRPC_SRC_TLS_TLS_H */

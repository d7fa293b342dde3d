/* tls/session_internal.h — the session structure, for the callbacks of
 * server and channel contexts. Internal to src/tls/. */
#ifndef CGRPC_SRC_TLS_SESSION_INTERNAL_H
#define CGRPC_SRC_TLS_SESSION_INTERNAL_H

#include <openssl/ssl.h>

#include "tls/tls.h"

struct cgrpc_tls_session {
  SSL *ssl;
  BIO *in;  /* ciphertext from the peer, read by OpenSSL */
  BIO *out; /* ciphertext OpenSSL produced, to send */
  bool server;
  bool done; /* handshake complete */
  bool failed;
  bool got_data; /* a byte arrived from the peer */
  uint8_t first_byte;
  /* Set by the ALPN callbacks when they refuse the peer: the reason. */
  const char *alpn_refused;
  bool allow_http1; /* server: ALPN "http/1.1" is accepted when "h2" is not offered */
  cgrpc_tls_session_cache_t *cache; /* clients: where new sessions go */
  char error[CGRPC_TLS_WHY_SIZE];
};

#endif /* CGRPC_SRC_TLS_SESSION_INTERNAL_H */

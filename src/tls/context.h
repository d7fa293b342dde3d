/* tls/context.h — what server and channel contexts share: the protocol
 * rules, PEM loading with errors that name the file, and the credential
 * structures the sessions read. Internal to src/tls/.
 */
#ifndef CGRPC_SRC_TLS_CONTEXT_H
#define CGRPC_SRC_TLS_CONTEXT_H

#include <openssl/ssl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/types.h>
#include <time.h>

#include "tls/tls.h"

/* ALPN "h2", in the wire format (length-prefixed). */
#define CGRPC_TLS_ALPN_H2 "\x02h2"

struct cgrpc_server_credentials {
  atomic_int refs;
  pthread_mutex_t mu; /* guards ctx and the file state */
  SSL_CTX *ctx;       /* what new handshakes use */
  cgrpc_tls_client_cert_t policy;
  bool from_files;
  char *files[3]; /* cert chain, key, client CA (NULL when none) */
  struct {
    time_t mtime;
    long mtime_ns;
    off_t size;
  } seen[3];
  bool watch;
  int64_t last_check; /* cgrpc_now_ns() of the last look at the files */
};

struct cgrpc_channel_credentials {
  atomic_int refs;
  SSL_CTX *ctx;
  char *server_name_override; /* NULL: the target's host */
};

/* Applies what every cgrpc context has: TLS 1.2 minimum, the RFC 7540 §9.2
 * TLS 1.2 ciphers, TLS 1.3 suites with AES-128-GCM first, no
 * renegotiation, no compression. 0 or -1. */
int cgrpc_tls_ctx_common(SSL_CTX *ctx);

/* Loads a certificate chain and its key (each from a file or from memory)
 * and checks they match. 0, or -1 with `why` set. */
int cgrpc_tls_ctx_use_cert(SSL_CTX *ctx, const char *chain_file, const char *chain_pem,
                           const char *key_file, const char *key_pem, char *why, size_t size);

/* Adds the CAs of a PEM bundle to the context's trust store; with
 * `for_clients`, also the list of CA names a server sends when asking for
 * client certificates. 0, or -1 with `why` set. */
int cgrpc_tls_ctx_use_ca(SSL_CTX *ctx, const char *ca_file, const char *ca_pem, bool for_clients,
                         char *why, size_t size);

/* The reason for OpenSSL's last error on this thread, appended to `prefix`,
 * into `why`; the error queue is emptied. */
void cgrpc_tls_error_string(const char *prefix, char *why, size_t size);

/* server_creds.c: the context for a new handshake, referenced (SSL_CTX_free
 * it after SSL_new). Reloads watched files that changed first. */
SSL_CTX *cgrpc_server_credentials_ctx(cgrpc_server_credentials_t *creds);

#endif /* CGRPC_SRC_TLS_CONTEXT_H */

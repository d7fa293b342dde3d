/* cgrpc/tls.h — TLS and mutual TLS: server and channel credentials, and
 * the verified identity of a client.
 *
 * cgrpc speaks TLS 1.2 and 1.3 only (OpenSSL 3), with ALPN "h2" required
 * in both directions (RFC 7540 §3.3), the RFC 7540 §9.2 cipher rules for
 * TLS 1.2 (ECDHE key exchange and AEAD ciphers only), renegotiation off,
 * and session resumption: servers issue session tickets, and a channel
 * offers its last session when it reconnects, so reconnects skip the full
 * handshake.
 *
 * Server:
 *
 *   cgrpc_server_credentials_t *creds = NULL;
 *   code = cgrpc_server_credentials_from_files("server.pem", "server.key", NULL,
 *                                              CGRPC_TLS_CLIENT_CERT_NONE, &creds, &err);
 *   if (!code) code = cgrpc_server_listen_tls(srv, "0.0.0.0:443", creds, NULL, &err);
 *   cgrpc_server_credentials_free(creds);   // the server keeps its own reference
 *
 * Channel:
 *
 *   cgrpc_tls_channel_config_t tls = {.ca_file = "ca.pem"};  // {0}: the system's roots
 *   cgrpc_channel_credentials_t *creds = NULL;
 *   code = cgrpc_channel_credentials_new_tls(&tls, &creds, &err);
 *   if (!code) code = cgrpc_channel_new_secure("dns:api.example.com:443", creds, NULL, &ch, &err);
 *   cgrpc_channel_credentials_free(creds);  // the channel keeps its own reference
 *
 * Credentials are reference counted and immutable once made (but for
 * cgrpc_server_credentials_reload(), which is thread-safe): one object may
 * serve any number of servers, listeners and channels, from any thread.
 * docs/security.md is the guide, with the openssl commands that make a test
 * CA.
 */
#ifndef CGRPC_TLS_H
#define CGRPC_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgrpc/channel.h"
#include "cgrpc/error.h"
#include "cgrpc/server.h"

#pragma GCC visibility push(default) /* exported: see cgrpc/cgrpc.h */
#ifdef __cplusplus
extern "C" {
#endif

/* ---- Server credentials ------------------------------------------------------------ */

typedef struct cgrpc_server_credentials cgrpc_server_credentials_t;

/* What a server asks of its clients' certificates. */
typedef enum cgrpc_tls_client_cert {
  /* No client certificate is asked for (plain TLS). */
  CGRPC_TLS_CLIENT_CERT_NONE = 0,
  /* One is asked for but optional; one that is sent must verify against the
   * CA bundle, and the handler sees it (cgrpc_server_call_peer_identity). */
  CGRPC_TLS_CLIENT_CERT_REQUEST = 1,
  /* Mutual TLS: a client without a certificate that verifies against the
   * CA bundle fails the handshake. */
  CGRPC_TLS_CLIENT_CERT_REQUIRE_AND_VERIFY = 2,
} cgrpc_tls_client_cert_t;

/* Server credentials from PEM files: `cert_chain_file` holds the server's
 * certificate followed by its intermediates, `private_key_file` its key
 * (unencrypted), `client_ca_file` the CAs client certificates must chain to
 * (needed, and only used, when `policy` is not NONE; NULL otherwise). The
 * files are read now, and again by cgrpc_server_credentials_reload(), and,
 * after cgrpc_server_credentials_watch_files(), when they change.
 *
 * Returns OK and stores a new object (one reference, the caller's) in *out;
 * INVALID_ARGUMENT when a file cannot be read, holds no PEM certificate or
 * key, or the key does not match the certificate (err names the file and
 * what is wrong); RESOURCE_EXHAUSTED when out of memory. Any thread. */
cgrpc_status_code_t cgrpc_server_credentials_from_files(
    const char *cert_chain_file, const char *private_key_file, const char *client_ca_file,
    cgrpc_tls_client_cert_t policy, cgrpc_server_credentials_t **out, cgrpc_error_t *err);

/* The same from PEM text in memory (NUL-terminated; copied, so the caller's
 * strings may go after the call). Credentials made so have no files:
 * reload and watching do nothing on them. */
cgrpc_status_code_t cgrpc_server_credentials_from_pem(
    const char *cert_chain_pem, const char *private_key_pem, const char *client_ca_pem,
    cgrpc_tls_client_cert_t policy, cgrpc_server_credentials_t **out, cgrpc_error_t *err);

/* Certificate rotation without a restart: reads the files again and, when
 * all of them load and match, makes them the ones new handshakes use.
 * Connections already up keep theirs. On failure the credentials in use stay
 * as they were and the code and err say what was wrong, as for
 * cgrpc_server_credentials_from_files(); FAILED_PRECONDITION for
 * credentials made from memory. Any thread, while servers use them. */
cgrpc_status_code_t cgrpc_server_credentials_reload(cgrpc_server_credentials_t *creds,
                                                    cgrpc_error_t *err);

/* Watches the files: with `on`, a new handshake first checks (at most once
 * a second) whether a file's modification time or size changed, and
 * reloads if so; a reload that fails is logged (WARNING) and the current
 * certificate stays in use. Off by default. Any thread. */
void cgrpc_server_credentials_watch_files(cgrpc_server_credentials_t *creds, bool on);

/* Drops the caller's reference; the object goes when servers using it are
 * freed too. NULL is a no-op. Any thread. */
void cgrpc_server_credentials_free(cgrpc_server_credentials_t *creds);

/* Listens on `address` (as cgrpc_server_listen()) for TLS connections
 * made with `creds`, which the server references until it is freed.
 * cgrpc_server_listen() stays plaintext; one server may have both kinds of
 * listeners. Before cgrpc_server_start(). Same codes as
 * cgrpc_server_listen(), and INVALID_ARGUMENT for NULL credentials.
 *
 * Clients that cannot complete a handshake (wrong protocol, no ALPN "h2",
 * TLS below 1.2, no certificate when one is required, or one that does not
 * verify) are closed with a TLS alert where one applies, and logged at
 * WARNING with the client's address and OpenSSL's reason. A handshake gets
 * tls_handshake_timeout_ns; over max_concurrent_tls_handshakes at once,
 * new connections are closed on arrival (server.h). */
cgrpc_status_code_t cgrpc_server_listen_tls(cgrpc_server_t *srv, const char *address,
                                            cgrpc_server_credentials_t *creds, int *bound_port,
                                            cgrpc_error_t *err);

/* ---- The client's identity, for server handlers ---------------------------------- */

/* What the TLS handshake established about a client. Strings are
 * NUL-terminated and never NULL ("" when absent). */
typedef struct cgrpc_peer_identity {
  bool verified;               /* the client sent a certificate and it verified */
  const char *subject;         /* its subject, RFC 2253 ("CN=client,O=Example"); "" without */
  const char *const *dns_sans; /* its subjectAltName DNS entries */
  size_t dns_san_count;
  const char *const *uri_sans; /* its URI entries: SPIFFE IDs ("spiffe://example.org/ns/x") */
  size_t uri_san_count;
  const char *tls_version; /* "TLSv1.3" or "TLSv1.2" */
  const char *cipher;      /* OpenSSL's name, "TLS_AES_128_GCM_SHA256" */
  bool session_resumed;    /* the handshake resumed an earlier session */
} cgrpc_peer_identity_t;

/* The TLS identity of the call's client, or NULL when the call came over
 * plaintext. Valid, and the same for every call of a connection, from the
 * handler's start until the call is finished. Any thread. */
const cgrpc_peer_identity_t *cgrpc_server_call_peer_identity(const cgrpc_server_call_t *call);

/* ---- Channel credentials ----------------------------------------------------------- */

typedef struct cgrpc_channel_credentials cgrpc_channel_credentials_t;

/* How a channel does TLS. Zero-initialised: verify the server against the
 * system's roots (Debian: /etc/ssl/certs), as the host name of the target.
 * Each PEM item comes either from a file or from memory (NUL-terminated),
 * not both. */
typedef struct cgrpc_tls_channel_config {
  const char *ca_file; /* CAs the server must chain to, instead of the system's */
  const char *ca_pem;
  /* A client certificate (chain) and its key, for mutual TLS. */
  const char *cert_chain_file;
  const char *private_key_file;
  const char *cert_chain_pem;
  const char *private_key_pem;
  /* The name to ask for (SNI) and to verify the server's certificate
   * against, instead of the target's host. For tests and for servers
   * reached by address; NULL: the target's host (an IP literal is checked
   * against the certificate's IP addresses; a unix: target's host is
   * "localhost"). */
  const char *server_name_override;
} cgrpc_tls_channel_config_t;

/* TLS channel credentials from `config` (NULL: all defaults). Files are
 * read now. Returns OK with one reference in *out; INVALID_ARGUMENT when a
 * file cannot be read or holds no usable PEM, a key does not match its
 * certificate, a certificate comes without its key, or an item is given
 * both as a file and in memory; RESOURCE_EXHAUSTED when out of memory. Any
 * thread. */
cgrpc_status_code_t cgrpc_channel_credentials_new_tls(const cgrpc_tls_channel_config_t *config,
                                                      cgrpc_channel_credentials_t **out,
                                                      cgrpc_error_t *err);

/* Drops the caller's reference. NULL is a no-op. Any thread. */
void cgrpc_channel_credentials_free(cgrpc_channel_credentials_t *creds);

/* cgrpc_channel_new() with credentials: TLS when `creds` is not NULL,
 * plaintext (insecure) when it is. The channel references `creds` until it
 * is freed. Codes and the rest of the contract are cgrpc_channel_new()'s.
 *
 * A connection whose handshake fails counts as a failed connection
 * attempt: calls end UNAVAILABLE with "failed to connect to HOST: TLS
 * handshake failed: " and OpenSSL's reason ("certificate verify failed:
 * certificate has expired", "... Hostname mismatch"), or with "the server
 * did not select ALPN h2" when the server does not offer HTTP/2. */
cgrpc_status_code_t cgrpc_channel_new_secure(const char *target, cgrpc_channel_credentials_t *creds,
                                             const cgrpc_channel_options_t *opts,
                                             cgrpc_channel_t **out, cgrpc_error_t *err);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif

#endif /* CGRPC_TLS_H */

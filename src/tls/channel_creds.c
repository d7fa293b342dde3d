/* tls/channel_creds.c — channel credentials: the client SSL_CTX (trust
 * anchors, an optional client certificate, ALPN "h2") and the session
 * cache hook that lets a channel resume its last session on reconnect. */
#include <openssl/err.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "tls/context.h"
#include "tls/session_internal.h"

/* A new session ticket (TLS 1.3: after the handshake, inside SSL_read):
 * the channel keeps the newest one for its next connection. */
static int new_session_cb(SSL *ssl, SSL_SESSION *sess) {
  cgrpc_tls_session_t *s = SSL_get_app_data(ssl);
  if (!s || !s->cache) return 0;
  if (s->cache->last) SSL_SESSION_free(s->cache->last);
  s->cache->last = sess;
  return 1; /* we keep the reference */
}

void cgrpc_tls_session_cache_clear(cgrpc_tls_session_cache_t *cache) {
  if (cache->last) SSL_SESSION_free(cache->last);
  cache->last = NULL;
}

static cgrpc_status_code_t fail(cgrpc_error_t *err, cgrpc_status_code_t code, const char *why) {
  if (err) snprintf(err->message, sizeof err->message, "%s", why);
  return code;
}

static const char *both(const cgrpc_tls_channel_config_t *c) {
  if (c->ca_file && c->ca_pem) return "ca_file and ca_pem";
  if (c->cert_chain_file && c->cert_chain_pem) return "cert_chain_file and cert_chain_pem";
  if (c->private_key_file && c->private_key_pem) return "private_key_file and private_key_pem";
  return NULL;
}

cgrpc_status_code_t cgrpc_channel_credentials_new_tls(const cgrpc_tls_channel_config_t *config,
                                                      cgrpc_channel_credentials_t **out,
                                                      cgrpc_error_t *err) {
  static const cgrpc_tls_channel_config_t kDefaults = {0};
  const cgrpc_tls_channel_config_t *c = config ? config : &kDefaults;
  *out = NULL;
  char why[CGRPC_ERROR_MESSAGE_SIZE];
  const char *twice = both(c);
  if (twice) {
    snprintf(why, sizeof why, "channel credentials: give %s, not both", twice);
    return fail(err, CGRPC_STATUS_INVALID_ARGUMENT, why);
  }
  bool has_cert = c->cert_chain_file || c->cert_chain_pem;
  bool has_key = c->private_key_file || c->private_key_pem;
  if (has_cert != has_key) {
    return fail(err, CGRPC_STATUS_INVALID_ARGUMENT,
                "channel credentials: a client certificate needs its private key, and a key its "
                "certificate");
  }
  ERR_clear_error();
  SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
  if (!ctx || cgrpc_tls_ctx_common(ctx) != 0) {
    cgrpc_tls_error_string("cannot create a TLS context", why, sizeof why);
    SSL_CTX_free(ctx);
    return fail(err, CGRPC_STATUS_RESOURCE_EXHAUSTED, why);
  }
  int rv = 0;
  if (c->ca_file || c->ca_pem) {
    rv = cgrpc_tls_ctx_use_ca(ctx, c->ca_file, c->ca_pem, false, why, sizeof why);
  } else if (!SSL_CTX_set_default_verify_paths(ctx)) {
    cgrpc_tls_error_string("cannot load the system's CA certificates", why, sizeof why);
    rv = -1;
  }
  if (rv == 0 && has_cert) {
    rv = cgrpc_tls_ctx_use_cert(ctx, c->cert_chain_file, c->cert_chain_pem, c->private_key_file,
                                c->private_key_pem, why, sizeof why);
  }
  if (rv != 0) {
    SSL_CTX_free(ctx);
    return fail(err, CGRPC_STATUS_INVALID_ARGUMENT, why);
  }
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
  SSL_CTX_set_alpn_protos(ctx, (const unsigned char *)CGRPC_TLS_ALPN_H2, 3);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
  SSL_CTX_sess_set_new_cb(ctx, new_session_cb);
  cgrpc_channel_credentials_t *creds = cgrpc_malloc(sizeof *creds);
  char *name = NULL;
  if (creds && c->server_name_override) {
    size_t n = strlen(c->server_name_override) + 1;
    name = cgrpc_malloc(n);
    if (name) memcpy(name, c->server_name_override, n);
  }
  if (!creds || (c->server_name_override && !name)) {
    cgrpc_free(creds);
    SSL_CTX_free(ctx);
    return fail(err, CGRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
  }
  atomic_init(&creds->refs, 1);
  creds->ctx = ctx;
  creds->server_name_override = name;
  *out = creds;
  if (err) err->message[0] = '\0';
  return CGRPC_STATUS_OK;
}

cgrpc_channel_credentials_t *cgrpc_channel_credentials_ref(cgrpc_channel_credentials_t *creds) {
  atomic_fetch_add(&creds->refs, 1);
  return creds;
}

void cgrpc_channel_credentials_free(cgrpc_channel_credentials_t *creds) {
  if (!creds || atomic_fetch_sub(&creds->refs, 1) != 1) return;
  SSL_CTX_free(creds->ctx);
  cgrpc_free(creds->server_name_override);
  cgrpc_free(creds);
}

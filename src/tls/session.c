/* tls/session.c — one TLS connection over two memory BIOs. See tls.h. */
#include <arpa/inet.h>
#include <limits.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "tls/context.h"
#include "tls/session_internal.h"

static cgrpc_tls_session_t *session_new(SSL_CTX *ctx) {
  cgrpc_tls_session_t *s = cgrpc_malloc(sizeof *s);
  if (!s) return NULL;
  memset(s, 0, sizeof *s);
  s->ssl = SSL_new(ctx);
  s->in = BIO_new(BIO_s_mem());
  s->out = BIO_new(BIO_s_mem());
  if (!s->ssl || !s->in || !s->out) {
    BIO_free(s->in);
    BIO_free(s->out);
    SSL_free(s->ssl);
    cgrpc_free(s);
    ERR_clear_error();
    return NULL;
  }
  /* An empty input buffer means "wait for more", not end of stream. */
  BIO_set_mem_eof_return(s->in, -1);
  SSL_set_bio(s->ssl, s->in, s->out); /* the SSL owns both now */
  SSL_set_app_data(s->ssl, s);
  return s;
}

cgrpc_tls_session_t *cgrpc_tls_session_new_server(cgrpc_server_credentials_t *creds) {
  SSL_CTX *ctx = cgrpc_server_credentials_ctx(creds);
  cgrpc_tls_session_t *s = session_new(ctx);
  SSL_CTX_free(ctx); /* the SSL holds its own reference */
  if (!s) return NULL;
  s->server = true;
  SSL_set_accept_state(s->ssl);
  return s;
}

static bool is_ip_literal(const char *host) {
  unsigned char buf[16];
  return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

cgrpc_tls_session_t *cgrpc_tls_session_new_client(cgrpc_channel_credentials_t *creds,
                                                  const char *host,
                                                  cgrpc_tls_session_cache_t *cache) {
  cgrpc_tls_session_t *s = session_new(creds->ctx);
  if (!s) return NULL;
  s->cache = cache;
  const char *name = creds->server_name_override ? creds->server_name_override : host;
  int ok = 1;
  if (is_ip_literal(name)) {
    /* No SNI for addresses (RFC 6066 §3); the certificate must list the IP. */
    ok = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(s->ssl), name);
  } else {
    ok = SSL_set_tlsext_host_name(s->ssl, name) && SSL_set1_host(s->ssl, name);
  }
  if (ok && cache && cache->last) ok = SSL_set_session(s->ssl, cache->last);
  if (!ok) {
    ERR_clear_error();
    cgrpc_tls_session_free(s);
    return NULL;
  }
  SSL_set_connect_state(s->ssl);
  return s;
}

void cgrpc_tls_session_free(cgrpc_tls_session_t *s) {
  if (!s) return;
  SSL_free(s->ssl); /* and the BIOs */
  cgrpc_free(s);
}

bool cgrpc_tls_session_feed(cgrpc_tls_session_t *s, const uint8_t *data, size_t len) {
  if (len == 0) return true;
  if (!s->got_data) {
    s->got_data = true;
    s->first_byte = data[0];
  }
  while (len > 0) {
    int chunk = len > INT_MAX ? INT_MAX : (int)len;
    int w = BIO_write(s->in, data, chunk);
    if (w <= 0) {
      ERR_clear_error();
      return false;
    }
    data += w;
    len -= (size_t)w;
  }
  return true;
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 0)))
#endif
static cgrpc_tls_result_t
set_failed(cgrpc_tls_session_t *s, const char *fmt, const char *detail);

static cgrpc_tls_result_t set_failed(cgrpc_tls_session_t *s, const char *fmt, const char *detail) {
  s->failed = true;
  snprintf(s->error, sizeof s->error, fmt, detail);
  ERR_clear_error();
  return CGRPC_TLS_FAILED;
}

/* TLS records start with a content type from 20 to 23 (RFC 8446 §5.1). */
static bool looks_like_tls(uint8_t first) { return first >= 20 && first <= 23; }

/* Why the handshake failed, in words for the side that sees it. */
static cgrpc_tls_result_t handshake_failed(cgrpc_tls_session_t *s) {
  if (s->alpn_refused) return set_failed(s, "%s", s->alpn_refused);
  if (s->got_data && !looks_like_tls(s->first_byte)) {
    return set_failed(s, "%s",
                      s->server ? "the client did not start a TLS handshake (a plaintext client on "
                                  "a TLS port, or not a TLS client at all)"
                                : "the server did not answer with TLS (is it a plaintext port?)");
  }
  long verify = SSL_get_verify_result(s->ssl);
  unsigned long e = ERR_peek_last_error();
  const char *reason = e ? ERR_reason_error_string(e) : NULL;
  if (verify != X509_V_OK && ERR_GET_REASON(e) == SSL_R_CERTIFICATE_VERIFY_FAILED) {
    if (s->server) {
      return set_failed(s, "TLS handshake failed: the client certificate did not verify: %s",
                        X509_verify_cert_error_string(verify));
    }
    return set_failed(s, "TLS handshake failed: certificate verify failed: %s",
                      X509_verify_cert_error_string(verify));
  }
  if (!reason) reason = s->got_data ? "the connection ended" : "the peer closed the connection";
  return set_failed(s, "TLS handshake failed: %s", reason);
}

cgrpc_tls_result_t cgrpc_tls_session_handshake(cgrpc_tls_session_t *s) {
  if (s->failed) return CGRPC_TLS_FAILED;
  if (s->done) return CGRPC_TLS_OK;
  ERR_clear_error();
  int r = SSL_do_handshake(s->ssl);
  if (r == 1) {
    const unsigned char *proto = NULL;
    unsigned int len = 0;
    SSL_get0_alpn_selected(s->ssl, &proto, &len);
    bool h2 = len == 2 && memcmp(proto, "h2", 2) == 0;
    bool http1 = s->server && s->allow_http1 && len == 8 && memcmp(proto, "http/1.1", 8) == 0;
    if (!h2 && !http1) {
      return set_failed(s, "%s",
                        s->server ? "the client did not agree to ALPN \"h2\""
                                  : "the server did not select ALPN \"h2\" (it does not offer "
                                    "HTTP/2 over TLS)");
    }
    s->done = true;
    return CGRPC_TLS_OK;
  }
  int e = SSL_get_error(s->ssl, r);
  if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return CGRPC_TLS_WANT;
  return handshake_failed(s);
}

bool cgrpc_tls_session_handshake_done(const cgrpc_tls_session_t *s) { return s->done; }

cgrpc_tls_result_t cgrpc_tls_session_read(cgrpc_tls_session_t *s, uint8_t *buf, size_t cap,
                                          size_t *n) {
  *n = 0;
  if (s->failed) return CGRPC_TLS_FAILED;
  ERR_clear_error();
  int r = SSL_read(s->ssl, buf, cap > INT_MAX ? INT_MAX : (int)cap);
  if (r > 0) {
    *n = (size_t)r;
    return CGRPC_TLS_OK;
  }
  int e = SSL_get_error(s->ssl, r);
  if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return CGRPC_TLS_WANT;
  if (e == SSL_ERROR_ZERO_RETURN) return CGRPC_TLS_CLOSED;
  unsigned long err = ERR_peek_last_error();
  const char *reason = err ? ERR_reason_error_string(err) : NULL;
  return set_failed(s, "TLS error: %s", reason ? reason : "the record layer failed");
}

bool cgrpc_tls_session_write(cgrpc_tls_session_t *s, const uint8_t *data, size_t len) {
  if (s->failed) return false;
  ERR_clear_error();
  while (len > 0) {
    int chunk = len > INT_MAX ? INT_MAX : (int)len;
    int w = SSL_write(s->ssl, data, chunk);
    if (w <= 0) {
      unsigned long err = ERR_peek_last_error();
      const char *reason = err ? ERR_reason_error_string(err) : NULL;
      set_failed(s, "TLS error: %s", reason ? reason : "cannot encrypt");
      return false;
    }
    data += w;
    len -= (size_t)w;
  }
  return true;
}

void cgrpc_tls_session_shutdown(cgrpc_tls_session_t *s) {
  if (!s->done || s->failed) return;
  (void)SSL_shutdown(s->ssl);
  ERR_clear_error();
}

size_t cgrpc_tls_session_pending(cgrpc_tls_session_t *s, const uint8_t **data) {
  char *p = NULL;
  long n = BIO_get_mem_data(s->out, &p);
  *data = (const uint8_t *)p;
  return n > 0 ? (size_t)n : 0;
}

void cgrpc_tls_session_consume(cgrpc_tls_session_t *s, size_t n) {
  uint8_t sink[16384];
  while (n > 0) {
    int chunk = n > sizeof sink ? (int)sizeof sink : (int)n;
    int r = BIO_read(s->out, sink, chunk);
    if (r <= 0) break;
    n -= (size_t)r;
  }
}

const char *cgrpc_tls_session_error(const cgrpc_tls_session_t *s) { return s->error; }

bool cgrpc_tls_session_resumed(const cgrpc_tls_session_t *s) {
  return SSL_session_reused(s->ssl) == 1;
}

int cgrpc_tls_session_first_byte(const cgrpc_tls_session_t *s) {
  return s->got_data ? s->first_byte : -1;
}

void cgrpc_tls_session_allow_http1(cgrpc_tls_session_t *s, bool allow) { s->allow_http1 = allow; }

/* tls/server_creds.c — server credentials: the server's SSL_CTX, its
 * client-certificate policy, and rotation (reload on demand or when the
 * files change).
 *
 * Rotation swaps the context under a mutex; a handshake takes a reference
 * to the context current when it starts (SSL_new keeps it), so live
 * connections keep the certificate they were made with and the old context
 * goes with the last of them. Session tickets are encrypted with keys of
 * the context, so a ticket issued before a rotation makes a full handshake
 * after it.
 */
#define _POSIX_C_SOURCE 200809L

#include <openssl/err.h>
#include <openssl/tls1.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "base/alloc.h"
#include "base/log.h"
#include "base/time.h"
#include "tls/context.h"
#include "tls/session_internal.h"

static char *dup_str(const char *s) {
  if (!s) return NULL;
  size_t n = strlen(s) + 1;
  char *d = cgrpc_malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

/* The client must offer ALPN; a ClientHello without the extension gets the
 * no_application_protocol alert here (the ALPN callback only runs when the
 * extension is present). */
static int client_hello_cb(SSL *ssl, int *alert, void *arg) {
  (void)arg;
  const unsigned char *ext;
  size_t len;
  if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_application_layer_protocol_negotiation, &ext,
                                &len)) {
    return SSL_CLIENT_HELLO_SUCCESS;
  }
  cgrpc_tls_session_t *s = SSL_get_app_data(ssl);
  if (s) s->alpn_refused = "the client did not offer ALPN (gRPC needs \"h2\")";
  *alert = SSL_AD_NO_APPLICATION_PROTOCOL;
  return SSL_CLIENT_HELLO_ERROR;
}

/* "h2" when offered; else "http/1.1" when the server takes HTTP/1.1 on
 * the same port (cgrpc_tls_session_allow_http1()). */
static int alpn_select_cb(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                          const unsigned char *in, unsigned int inlen, void *arg) {
  (void)arg;
  cgrpc_tls_session_t *s = SSL_get_app_data(ssl);
  const unsigned char *http1 = NULL;
  for (unsigned int i = 0; i < inlen;) {
    unsigned int n = in[i];
    if (i + 1 + n > inlen) break;
    if (n == 2 && memcmp(in + i + 1, "h2", 2) == 0) {
      *out = in + i + 1;
      *outlen = 2;
      return SSL_TLSEXT_ERR_OK;
    }
    if (n == 8 && memcmp(in + i + 1, "http/1.1", 8) == 0) http1 = in + i + 1;
    i += 1 + n;
  }
  if (http1 && s && s->allow_http1) {
    *out = http1;
    *outlen = 8;
    return SSL_TLSEXT_ERR_OK;
  }
  if (s) {
    s->alpn_refused = s->allow_http1
                          ? "the client's ALPN list offers neither \"h2\" nor \"http/1.1\""
                          : "the client's ALPN list does not offer \"h2\"";
  }
  return SSL_TLSEXT_ERR_ALERT_FATAL; /* no_application_protocol */
}

/* A new server context from the PEM items. NULL with `why` set. */
static SSL_CTX *build_ctx(const char *const files[3], const char *const pems[3],
                          cgrpc_tls_client_cert_t policy, char *why, size_t size) {
  ERR_clear_error();
  SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
  if (!ctx || cgrpc_tls_ctx_common(ctx) != 0) {
    cgrpc_tls_error_string("cannot create a TLS context", why, size);
    SSL_CTX_free(ctx);
    return NULL;
  }
  if (cgrpc_tls_ctx_use_cert(ctx, files[0], pems[0], files[1], pems[1], why, size) != 0) {
    SSL_CTX_free(ctx);
    return NULL;
  }
  if (policy != CGRPC_TLS_CLIENT_CERT_NONE) {
    if (cgrpc_tls_ctx_use_ca(ctx, files[2], pems[2], true, why, size) != 0) {
      SSL_CTX_free(ctx);
      return NULL;
    }
    int mode = SSL_VERIFY_PEER;
    if (policy == CGRPC_TLS_CLIENT_CERT_REQUIRE_AND_VERIFY) mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    SSL_CTX_set_verify(ctx, mode, NULL);
  }
  /* Resumption by session tickets (OpenSSL's default, kept on): stateless,
   * so a flood of handshakes stores nothing. No server-side session cache,
   * which would keep up to 20,000 sessions per context. The id context is
   * required for resumption once client certificates are asked for. */
  SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"cgrpc", 5);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  /* One TLS 1.3 ticket per connection, not OpenSSL's two: a gRPC client
   * keeps one connection per channel and resumes from its newest ticket
   * (a channel keeps only that one), so the second would be work for
   * nothing on every handshake. */
  SSL_CTX_set_num_tickets(ctx, 1);
  SSL_CTX_set_client_hello_cb(ctx, client_hello_cb, NULL);
  SSL_CTX_set_alpn_select_cb(ctx, alpn_select_cb, NULL);
  return ctx;
}

static cgrpc_status_code_t fail(cgrpc_error_t *err, cgrpc_status_code_t code, const char *why) {
  if (err) snprintf(err->message, sizeof err->message, "%s", why);
  return code;
}

static cgrpc_status_code_t check_args(const char *chain, const char *key, const char *ca,
                                      cgrpc_tls_client_cert_t policy, cgrpc_error_t *err) {
  if (!chain || !key) {
    return fail(err, CGRPC_STATUS_INVALID_ARGUMENT,
                "server credentials need a certificate chain and a private key");
  }
  if (policy != CGRPC_TLS_CLIENT_CERT_NONE && policy != CGRPC_TLS_CLIENT_CERT_REQUEST &&
      policy != CGRPC_TLS_CLIENT_CERT_REQUIRE_AND_VERIFY) {
    return fail(err, CGRPC_STATUS_INVALID_ARGUMENT, "unknown client certificate policy");
  }
  if (policy != CGRPC_TLS_CLIENT_CERT_NONE && !ca) {
    return fail(err, CGRPC_STATUS_INVALID_ARGUMENT,
                "a server that asks for client certificates needs the CA bundle to verify them");
  }
  return CGRPC_STATUS_OK;
}

static void note_files(cgrpc_server_credentials_t *c) {
  for (int i = 0; i < 3; i++) {
    struct stat st;
    memset(&c->seen[i], 0, sizeof c->seen[i]);
    if (c->files[i] && stat(c->files[i], &st) == 0) {
      c->seen[i].mtime = st.st_mtim.tv_sec;
      c->seen[i].mtime_ns = st.st_mtim.tv_nsec;
      c->seen[i].size = st.st_size;
    }
  }
}

static bool files_changed(const cgrpc_server_credentials_t *c) {
  for (int i = 0; i < 3; i++) {
    struct stat st;
    if (!c->files[i] || stat(c->files[i], &st) != 0) continue;
    if (st.st_mtim.tv_sec != c->seen[i].mtime || st.st_mtim.tv_nsec != c->seen[i].mtime_ns ||
        st.st_size != c->seen[i].size) {
      return true;
    }
  }
  return false;
}

static cgrpc_status_code_t make(const char *const files[3], const char *const pems[3],
                                cgrpc_tls_client_cert_t policy, cgrpc_server_credentials_t **out,
                                cgrpc_error_t *err) {
  *out = NULL;
  char why[CGRPC_ERROR_MESSAGE_SIZE];
  SSL_CTX *ctx = build_ctx(files, pems, policy, why, sizeof why);
  if (!ctx) {
    return fail(err,
                strcmp(why, "out of memory") == 0 ? CGRPC_STATUS_RESOURCE_EXHAUSTED
                                                  : CGRPC_STATUS_INVALID_ARGUMENT,
                why);
  }
  cgrpc_server_credentials_t *c = cgrpc_malloc(sizeof *c);
  if (!c) {
    SSL_CTX_free(ctx);
    return fail(err, CGRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
  }
  memset(c, 0, sizeof *c);
  atomic_init(&c->refs, 1);
  pthread_mutex_init(&c->mu, NULL);
  c->ctx = ctx;
  c->policy = policy;
  c->from_files = files[0] != NULL;
  bool oom = false;
  for (int i = 0; i < 3 && c->from_files; i++) {
    c->files[i] = dup_str(files[i]);
    if (files[i] && !c->files[i]) oom = true;
  }
  if (oom) {
    cgrpc_server_credentials_free(c);
    return fail(err, CGRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
  }
  note_files(c);
  c->last_check = cgrpc_now_ns();
  *out = c;
  if (err) err->message[0] = '\0';
  return CGRPC_STATUS_OK;
}

cgrpc_status_code_t cgrpc_server_credentials_from_files(
    const char *cert_chain_file, const char *private_key_file, const char *client_ca_file,
    cgrpc_tls_client_cert_t policy, cgrpc_server_credentials_t **out, cgrpc_error_t *err) {
  *out = NULL;
  cgrpc_status_code_t code =
      check_args(cert_chain_file, private_key_file, client_ca_file, policy, err);
  if (code != CGRPC_STATUS_OK) return code;
  const char *files[3] = {cert_chain_file, private_key_file,
                          policy == CGRPC_TLS_CLIENT_CERT_NONE ? NULL : client_ca_file};
  const char *pems[3] = {NULL, NULL, NULL};
  return make(files, pems, policy, out, err);
}

cgrpc_status_code_t cgrpc_server_credentials_from_pem(
    const char *cert_chain_pem, const char *private_key_pem, const char *client_ca_pem,
    cgrpc_tls_client_cert_t policy, cgrpc_server_credentials_t **out, cgrpc_error_t *err) {
  *out = NULL;
  cgrpc_status_code_t code =
      check_args(cert_chain_pem, private_key_pem, client_ca_pem, policy, err);
  if (code != CGRPC_STATUS_OK) return code;
  const char *files[3] = {NULL, NULL, NULL};
  const char *pems[3] = {cert_chain_pem, private_key_pem, client_ca_pem};
  return make(files, pems, policy, out, err);
}

/* Builds a context from the files and swaps it in. Under c->mu. */
static cgrpc_status_code_t reload_locked(cgrpc_server_credentials_t *c, char *why, size_t size) {
  const char *files[3] = {c->files[0], c->files[1], c->files[2]};
  const char *pems[3] = {NULL, NULL, NULL};
  note_files(c); /* before reading: a change while reading is seen next time */
  SSL_CTX *ctx = build_ctx(files, pems, c->policy, why, size);
  if (!ctx) {
    return strcmp(why, "out of memory") == 0 ? CGRPC_STATUS_RESOURCE_EXHAUSTED
                                             : CGRPC_STATUS_INVALID_ARGUMENT;
  }
  SSL_CTX_free(c->ctx); /* live sessions hold their own references */
  c->ctx = ctx;
  return CGRPC_STATUS_OK;
}

cgrpc_status_code_t cgrpc_server_credentials_reload(cgrpc_server_credentials_t *creds,
                                                    cgrpc_error_t *err) {
  if (!creds || !creds->from_files) {
    return fail(err, CGRPC_STATUS_FAILED_PRECONDITION,
                "only credentials made from files can be reloaded");
  }
  char why[CGRPC_ERROR_MESSAGE_SIZE];
  pthread_mutex_lock(&creds->mu);
  cgrpc_status_code_t code = reload_locked(creds, why, sizeof why);
  pthread_mutex_unlock(&creds->mu);
  if (code != CGRPC_STATUS_OK) return fail(err, code, why);
  if (err) err->message[0] = '\0';
  return CGRPC_STATUS_OK;
}

void cgrpc_server_credentials_watch_files(cgrpc_server_credentials_t *creds, bool on) {
  pthread_mutex_lock(&creds->mu);
  creds->watch = on && creds->from_files;
  pthread_mutex_unlock(&creds->mu);
}

SSL_CTX *cgrpc_server_credentials_ctx(cgrpc_server_credentials_t *c) {
  pthread_mutex_lock(&c->mu);
  if (c->watch) {
    int64_t now = cgrpc_now_ns();
    if (now - c->last_check >= CGRPC_NS_PER_SEC) {
      c->last_check = now;
      if (files_changed(c)) {
        char why[CGRPC_ERROR_MESSAGE_SIZE];
        if (reload_locked(c, why, sizeof why) == CGRPC_STATUS_OK) {
          cgrpc_log(CGRPC_LOG_INFO, "TLS: %s changed: reloaded the server certificate",
                    c->files[0]);
        } else {
          cgrpc_log(CGRPC_LOG_WARNING,
                    "TLS: certificate files changed but cannot be loaded: %s; "
                    "the previous certificate stays in use",
                    why);
        }
      }
    }
  }
  SSL_CTX *ctx = c->ctx;
  SSL_CTX_up_ref(ctx);
  pthread_mutex_unlock(&c->mu);
  return ctx;
}

cgrpc_server_credentials_t *cgrpc_server_credentials_ref(cgrpc_server_credentials_t *creds) {
  atomic_fetch_add(&creds->refs, 1);
  return creds;
}

void cgrpc_server_credentials_free(cgrpc_server_credentials_t *creds) {
  if (!creds || atomic_fetch_sub(&creds->refs, 1) != 1) return;
  SSL_CTX_free(creds->ctx);
  for (int i = 0; i < 3; i++) cgrpc_free(creds->files[i]);
  pthread_mutex_destroy(&creds->mu);
  cgrpc_free(creds);
}

/* fuzz_tls_session — a peer's raw bytes into a TLS session (tls/tls.h),
 * server or client (byte 0), in chunks of 1-64 bytes (byte 1), through the
 * handshake and, if it ever completes, the record layer; the identity is
 * built whenever the handshake completes. The credentials are a
 * self-signed certificate made in memory once.
 *
 * Asserts: no crash, leak or UB; a failed session has a reason; pending
 * output can always be consumed.
 */
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tls/tls.h"

static cgrpc_server_credentials_t *server_creds;
static cgrpc_channel_credentials_t *client_creds;

static char *pem_of(int (*write)(BIO *, void *), void *obj) {
  BIO *b = BIO_new(BIO_s_mem());
  write(b, obj);
  char *p;
  long n = BIO_get_mem_data(b, &p);
  char *s = malloc((size_t)n + 1);
  memcpy(s, p, (size_t)n);
  s[n] = '\0';
  BIO_free(b);
  return s;
}

static int write_cert(BIO *b, void *x) { return PEM_write_bio_X509(b, x); }
static int write_key(BIO *b, void *k) {
  return PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL);
}

static void init(void) {
  EVP_PKEY *key = EVP_EC_gen("P-256");
  X509 *x = X509_new();
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), 0);
  X509_gmtime_adj(X509_getm_notAfter(x), 86400);
  X509_set_pubkey(x, key);
  X509_NAME *name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"localhost", -1, -1,
                             0);
  X509_set_issuer_name(x, name);
  X509_sign(x, key, EVP_sha256());
  char *cert = pem_of(write_cert, x), *pkey = pem_of(write_key, key);
  if (cgrpc_server_credentials_from_pem(cert, pkey, cert, CGRPC_TLS_CLIENT_CERT_REQUEST,
                                        &server_creds, NULL) != CGRPC_STATUS_OK) {
    abort();
  }
  cgrpc_tls_channel_config_t cfg = {
      .ca_pem = cert, .cert_chain_pem = cert, .private_key_pem = pkey};
  if (cgrpc_channel_credentials_new_tls(&cfg, &client_creds, NULL) != CGRPC_STATUS_OK) abort();
  free(cert);
  free(pkey);
  X509_free(x);
  EVP_PKEY_free(key);
}

static void drain_output(cgrpc_tls_session_t *s) {
  const uint8_t *p;
  size_t n = cgrpc_tls_session_pending(s, &p);
  cgrpc_tls_session_consume(s, n);
  if (cgrpc_tls_session_pending(s, &p) != 0) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!server_creds) init();
  if (size < 2) return 0;
  bool server = data[0] & 1;
  size_t chunk = (size_t)(data[1] % 64) + 1;
  data += 2;
  size -= 2;
  cgrpc_tls_session_cache_t cache = {0};
  cgrpc_tls_session_t *s = server ? cgrpc_tls_session_new_server(server_creds)
                                  : cgrpc_tls_session_new_client(client_creds, "localhost", &cache);
  if (!s) abort();
  if (!server) (void)cgrpc_tls_session_handshake(s);
  drain_output(s);
  uint8_t plain[4096];
  for (size_t off = 0; off < size; off += chunk) {
    size_t n = size - off < chunk ? size - off : chunk;
    if (!cgrpc_tls_session_feed(s, data + off, n)) break;
    cgrpc_tls_result_t r = CGRPC_TLS_OK;
    if (!cgrpc_tls_session_handshake_done(s)) {
      r = cgrpc_tls_session_handshake(s);
      if (r == CGRPC_TLS_OK) {
        cgrpc_tls_identity_t *id = cgrpc_tls_session_identity(s);
        cgrpc_tls_identity_unref(id);
        (void)cgrpc_tls_session_write(s, (const uint8_t *)"PRI", 3);
      }
    }
    if (r == CGRPC_TLS_OK && cgrpc_tls_session_handshake_done(s)) {
      size_t got;
      while ((r = cgrpc_tls_session_read(s, plain, sizeof plain, &got)) == CGRPC_TLS_OK) {
      }
    }
    drain_output(s);
    if (r == CGRPC_TLS_FAILED) {
      if (cgrpc_tls_session_error(s)[0] == '\0') abort();
      break;
    }
    if (r == CGRPC_TLS_CLOSED) break;
  }
  cgrpc_tls_session_shutdown(s);
  cgrpc_tls_session_free(s);
  cgrpc_tls_session_cache_clear(&cache);
  return 0;
}

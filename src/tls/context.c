/* tls/context.c — the protocol rules every cgrpc SSL_CTX gets, and PEM
 * loading. See context.h. */
#include "tls/context.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"

/* RFC 7540 §9.2.2: TLS 1.2 with ephemeral key exchange and AEAD ciphers
 * only. TLS 1.3's suites all qualify (kTls13Suites). */
static const char kTls12Ciphers[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

/* TLS 1.3 suites, all of OpenSSL's defaults, AES-128-GCM first: with the
 * server's preference it is what a handshake picks, and its SHA-256 key
 * schedule costs less than AES-256-GCM's SHA-384 one (OpenSSL's default
 * order) on every handshake, full or resumed. */
static const char kTls13Suites[] =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";

/* Files larger than this are not certificates or keys. */
#define PEM_FILE_MAX (4 * 1024 * 1024)

int cgrpc_tls_ctx_common(SSL_CTX *ctx) {
  if (!SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION)) return -1;
  if (!SSL_CTX_set_cipher_list(ctx, kTls12Ciphers)) return -1;
  if (!SSL_CTX_set_ciphersuites(ctx, kTls13Suites)) return -1;
  SSL_CTX_set_options(
      ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  return 0;
}

void cgrpc_tls_error_string(const char *prefix, char *why, size_t size) {
  unsigned long e = ERR_peek_last_error();
  const char *reason = e ? ERR_reason_error_string(e) : NULL;
  if (reason) {
    snprintf(why, size, "%s: %s", prefix, reason);
  } else {
    snprintf(why, size, "%s", prefix);
  }
  ERR_clear_error();
}

/* Reads a whole file into a NUL-terminated heap buffer. */
static char *read_file(const char *path, const char *what, char *why, size_t size) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(why, size, "cannot read the %s file \"%s\": %s", what, path, strerror(errno));
    return NULL;
  }
  char *buf = cgrpc_malloc(PEM_FILE_MAX + 1);
  size_t n = buf ? fread(buf, 1, PEM_FILE_MAX + 1, f) : 0;
  bool failed = buf && ferror(f);
  fclose(f);
  if (!buf) {
    snprintf(why, size, "out of memory");
    return NULL;
  }
  if (failed || n > PEM_FILE_MAX) {
    snprintf(why, size, "cannot read the %s file \"%s\": %s", what, path,
             failed ? "read error" : "larger than 4 MiB");
    cgrpc_free(buf);
    return NULL;
  }
  buf[n] = '\0';
  return buf;
}

/* The PEM text of an item given as a file or in memory: *owned is what to
 * free afterwards. NULL with `why` set on failure, NULL without when the
 * item is absent. */
static const char *pem_of(const char *file, const char *pem, const char *what, char **owned,
                          char *why, size_t size) {
  *owned = NULL;
  if (!file) return pem;
  *owned = read_file(file, what, why, size);
  return *owned;
}

static void where(char *buf, size_t size, const char *what, const char *file) {
  if (file) {
    snprintf(buf, size, "the %s file \"%s\"", what, file);
  } else {
    snprintf(buf, size, "the %s PEM", what);
  }
}

int cgrpc_tls_ctx_use_cert(SSL_CTX *ctx, const char *chain_file, const char *chain_pem,
                           const char *key_file, const char *key_pem, char *why, size_t size) {
  char *chain_owned = NULL, *key_owned = NULL;
  char name[160];
  int rv = -1;
  const char *chain = pem_of(chain_file, chain_pem, "certificate chain", &chain_owned, why, size);
  if (!chain) goto out;
  const char *key = pem_of(key_file, key_pem, "private key", &key_owned, why, size);
  if (!key) goto out;
  ERR_clear_error();
  BIO *bio = BIO_new_mem_buf(chain, -1);
  X509 *leaf = bio ? PEM_read_bio_X509_AUX(bio, NULL, NULL, NULL) : NULL;
  where(name, sizeof name, "certificate chain", chain_file);
  if (!leaf || !SSL_CTX_use_certificate(ctx, leaf)) {
    char prefix[256];
    snprintf(prefix, sizeof prefix, "%s holds no usable PEM certificate", name);
    cgrpc_tls_error_string(prefix, why, size);
    X509_free(leaf);
    BIO_free(bio);
    goto out;
  }
  X509_free(leaf);
  SSL_CTX_clear_chain_certs(ctx);
  X509 *extra;
  while ((extra = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
    if (!SSL_CTX_add0_chain_cert(ctx, extra)) X509_free(extra);
  }
  ERR_clear_error(); /* the end of the PEM text */
  BIO_free(bio);
  bio = BIO_new_mem_buf(key, -1);
  EVP_PKEY *pkey = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
  BIO_free(bio);
  where(name, sizeof name, "private key", key_file);
  if (!pkey || !SSL_CTX_use_PrivateKey(ctx, pkey)) {
    char prefix[256];
    snprintf(prefix, sizeof prefix,
             pkey ? "%s does not match the certificate"
                  : "%s holds no usable unencrypted PEM private key",
             name);
    cgrpc_tls_error_string(prefix, why, size);
    EVP_PKEY_free(pkey);
    goto out;
  }
  EVP_PKEY_free(pkey);
  if (!SSL_CTX_check_private_key(ctx)) {
    char prefix[256];
    snprintf(prefix, sizeof prefix, "%s does not match the certificate", name);
    cgrpc_tls_error_string(prefix, why, size);
    goto out;
  }
  rv = 0;
out:
  cgrpc_free(chain_owned);
  cgrpc_free(key_owned);
  return rv;
}

int cgrpc_tls_ctx_use_ca(SSL_CTX *ctx, const char *ca_file, const char *ca_pem, bool for_clients,
                         char *why, size_t size) {
  char *owned = NULL;
  const char *pem = pem_of(ca_file, ca_pem, "CA", &owned, why, size);
  if (!pem) return -1;
  char name[160];
  where(name, sizeof name, "CA", ca_file);
  ERR_clear_error();
  BIO *bio = BIO_new_mem_buf(pem, -1);
  X509_STORE *store = SSL_CTX_get_cert_store(ctx);
  STACK_OF(X509_NAME) *names = for_clients ? sk_X509_NAME_new_null() : NULL;
  int count = 0;
  X509 *ca;
  while (bio && (ca = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
    if (X509_STORE_add_cert(store, ca)) count++;
    if (names) {
      X509_NAME *n = X509_NAME_dup(X509_get_subject_name(ca));
      if (n && !sk_X509_NAME_push(names, n)) X509_NAME_free(n);
    }
    X509_free(ca);
  }
  ERR_clear_error();
  BIO_free(bio);
  cgrpc_free(owned);
  if (names) SSL_CTX_set_client_CA_list(ctx, names); /* takes it */
  if (count == 0) {
    snprintf(why, size, "%s holds no PEM certificate", name);
    return -1;
  }
  return 0;
}

/* tls/identity.c — the peer's identity after a handshake: the verified
 * certificate's subject and SANs, the protocol and cipher.
 *
 * Everything lives in one heap block (the struct, the pointer arrays, the
 * strings), so an identity is one allocation and one free. SAN entries with
 * an embedded NUL are left out: a name that C string functions would cut
 * short is not an identity anyone should trust.
 */
#include <openssl/x509v3.h>
#include <string.h>

#include "base/alloc.h"
#include "tls/session_internal.h"

cgrpc_tls_identity_t *cgrpc_tls_identity_ref(cgrpc_tls_identity_t *id) {
  if (id) atomic_fetch_add(&id->refs, 1);
  return id;
}

void cgrpc_tls_identity_unref(cgrpc_tls_identity_t *id) {
  if (id && atomic_fetch_sub(&id->refs, 1) == 1) cgrpc_free(id);
}

typedef struct texts {
  const char *subject;
  size_t subject_len;
  const GENERAL_NAMES *sans;
  const char *version, *cipher;
} texts_t;

static bool usable(const GENERAL_NAME *gn, int type, const unsigned char **data, size_t *len) {
  if (gn->type != type) return false;
  const ASN1_STRING *str = type == GEN_DNS ? gn->d.dNSName : gn->d.uniformResourceIdentifier;
  *data = ASN1_STRING_get0_data(str);
  *len = (size_t)ASN1_STRING_length(str);
  return memchr(*data, 0, *len) == NULL;
}

/* Copies `len` bytes and a NUL to *cursor; returns where they went. */
static const char *put(char **cursor, const void *data, size_t len) {
  char *at = *cursor;
  memcpy(at, data, len);
  at[len] = '\0';
  *cursor += len + 1;
  return at;
}

static cgrpc_tls_identity_t *build(const texts_t *t, bool verified, bool resumed) {
  int n = t->sans ? sk_GENERAL_NAME_num(t->sans) : 0;
  size_t dns = 0, uri = 0, bytes = 0;
  for (int i = 0; i < n; i++) {
    const GENERAL_NAME *gn = sk_GENERAL_NAME_value(t->sans, i);
    const unsigned char *d;
    size_t len;
    if (usable(gn, GEN_DNS, &d, &len)) dns++, bytes += len + 1;
    if (usable(gn, GEN_URI, &d, &len)) uri++, bytes += len + 1;
  }
  bytes += t->subject_len + strlen(t->version) + strlen(t->cipher) + 3;
  size_t head = sizeof(cgrpc_tls_identity_t) + (dns + uri) * sizeof(char *);
  cgrpc_tls_identity_t *id = cgrpc_malloc(head + bytes);
  if (!id) return NULL;
  memset(id, 0, sizeof *id);
  atomic_init(&id->refs, 1);
  const char **dns_arr = (const char **)(id + 1);
  const char **uri_arr = dns_arr + dns;
  char *cursor = (char *)id + head;
  id->pub.verified = verified;
  id->pub.session_resumed = resumed;
  id->pub.subject = put(&cursor, t->subject, t->subject_len);
  id->pub.tls_version = put(&cursor, t->version, strlen(t->version));
  id->pub.cipher = put(&cursor, t->cipher, strlen(t->cipher));
  for (int i = 0; i < n; i++) {
    const GENERAL_NAME *gn = sk_GENERAL_NAME_value(t->sans, i);
    const unsigned char *d;
    size_t len;
    if (usable(gn, GEN_DNS, &d, &len)) dns_arr[id->pub.dns_san_count++] = put(&cursor, d, len);
    if (usable(gn, GEN_URI, &d, &len)) uri_arr[id->pub.uri_san_count++] = put(&cursor, d, len);
  }
  id->pub.dns_sans = dns_arr;
  id->pub.uri_sans = uri_arr;
  return id;
}

cgrpc_tls_identity_t *cgrpc_tls_session_identity(cgrpc_tls_session_t *s) {
  X509 *cert = SSL_get0_peer_certificate(s->ssl);
  bool verified = cert && SSL_get_verify_result(s->ssl) == X509_V_OK;
  texts_t t = {"", 0, NULL, SSL_get_version(s->ssl), SSL_get_cipher_name(s->ssl)};
  if (!t.cipher) t.cipher = "";
  BIO *mem = NULL;
  GENERAL_NAMES *sans = NULL;
  if (verified) {
    mem = BIO_new(BIO_s_mem());
    if (mem && X509_NAME_print_ex(mem, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) >= 0) {
      char *p = NULL;
      long len = BIO_get_mem_data(mem, &p);
      if (len > 0) t.subject = p, t.subject_len = (size_t)len;
    }
    sans = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
    t.sans = sans;
  }
  cgrpc_tls_identity_t *id = build(&t, verified, SSL_session_reused(s->ssl) == 1);
  GENERAL_NAMES_free(sans);
  BIO_free(mem);
  return id;
}

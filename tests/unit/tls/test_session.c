/* tests/unit/tls/test_session.c — TLS sessions over memory, no sockets:
 * a server and a client session pass their ciphertext to each other by
 * hand. The handshake, ALPN "h2" both ways, the TLS 1.2 cipher rules, the
 * TLS 1.3 suite order, renegotiation refused, resumption through the
 * channel's cache, the identity, and garbage instead of a ClientHello.
 *
 * Certificates: tests/tls/make_certs.sh into $CGRPC_TEST_CERTS (ctest's
 * tls_certs fixture).
 */
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "tls/context.h"
#include "tls/session_internal.h"
#include "tls/tls.h"

static char certs[512];

static const char *cert(const char *name) {
  static char paths[8][640];
  static int next;
  char *p = paths[next++ % 8];
  snprintf(p, sizeof paths[0], "%s/%s", certs, name);
  return p;
}

/* Moves what `from` has pending into `to`; returns the bytes moved. */
static size_t pass(cgrpc_tls_session_t *from, cgrpc_tls_session_t *to) {
  const uint8_t *p;
  size_t n = cgrpc_tls_session_pending(from, &p);
  if (n == 0) return 0;
  CHECK(cgrpc_tls_session_feed(to, p, n));
  cgrpc_tls_session_consume(from, n);
  return n;
}

/* Runs both handshakes to the end (or failure); returns the results. */
static void shake(cgrpc_tls_session_t *srv, cgrpc_tls_session_t *cli, cgrpc_tls_result_t *rs,
                  cgrpc_tls_result_t *rc) {
  *rs = *rc = CGRPC_TLS_WANT;
  *rc = cgrpc_tls_session_handshake(cli);
  for (int round = 0; round < 20; round++) {
    size_t moved = pass(cli, srv);
    if (moved) *rs = cgrpc_tls_session_handshake(srv);
    size_t back = pass(srv, cli);
    if (back) *rc = cgrpc_tls_session_handshake(cli);
    if (!moved && !back) break;
  }
}

static cgrpc_server_credentials_t *server_creds(cgrpc_tls_client_cert_t policy) {
  cgrpc_server_credentials_t *c = NULL;
  cgrpc_error_t err;
  CHECK_EQ_INT(
      cgrpc_server_credentials_from_files(cert("server.pem"), cert("server.key"),
                                          policy ? cert("ca.pem") : NULL, policy, &c, &err),
      CGRPC_STATUS_OK);
  return c;
}

static cgrpc_channel_credentials_t *client_creds(bool with_cert, const char *name) {
  cgrpc_channel_credentials_t *c = NULL;
  cgrpc_tls_channel_config_t cfg = {.ca_file = cert("ca.pem"), .server_name_override = name};
  if (with_cert) {
    cfg.cert_chain_file = cert("client.pem");
    cfg.private_key_file = cert("client.key");
  }
  cgrpc_error_t err;
  CHECK_EQ_INT(cgrpc_channel_credentials_new_tls(&cfg, &c, &err), CGRPC_STATUS_OK);
  return c;
}

static void test_handshake_and_data(void) {
  cgrpc_server_credentials_t *sc = server_creds(CGRPC_TLS_CLIENT_CERT_REQUIRE_AND_VERIFY);
  cgrpc_channel_credentials_t *cc = client_creds(true, NULL);
  cgrpc_tls_session_t *srv = cgrpc_tls_session_new_server(sc);
  cgrpc_tls_session_t *cli = cgrpc_tls_session_new_client(cc, "localhost", NULL);
  cgrpc_tls_result_t rs, rc;
  shake(srv, cli, &rs, &rc);
  CHECK_EQ_INT(rs, CGRPC_TLS_OK);
  CHECK_EQ_INT(rc, CGRPC_TLS_OK);
  CHECK(cgrpc_tls_session_handshake_done(srv) && cgrpc_tls_session_handshake_done(cli));

  /* Plaintext both ways, larger than a record. */
  static uint8_t big[100000], got[100000];
  for (size_t i = 0; i < sizeof big; i++) big[i] = (uint8_t)(i * 7);
  CHECK(cgrpc_tls_session_write(cli, big, sizeof big));
  pass(cli, srv);
  size_t total = 0, n = 0;
  while (cgrpc_tls_session_read(srv, got + total, sizeof got - total, &n) == CGRPC_TLS_OK) {
    total += n;
  }
  CHECK_EQ_UINT(total, sizeof big);
  CHECK(memcmp(big, got, sizeof big) == 0);
  CHECK(cgrpc_tls_session_write(srv, (const uint8_t *)"pong", 4));
  pass(srv, cli);
  uint8_t buf[16];
  CHECK_EQ_INT(cgrpc_tls_session_read(cli, buf, sizeof buf, &n), CGRPC_TLS_OK);
  CHECK_EQ_MEM(buf, n, "pong", 4);
  CHECK_EQ_INT(cgrpc_tls_session_read(cli, buf, sizeof buf, &n), CGRPC_TLS_WANT);

  cgrpc_tls_identity_t *id = cgrpc_tls_session_identity(srv);
  CHECK(id && id->pub.verified);
  CHECK(id && strstr(id->pub.subject, "CN=cgrpc-test-client") != NULL);
  CHECK_EQ_UINT(id ? id->pub.uri_san_count : 0, 1);
  CHECK_EQ_STR(id ? id->pub.uri_sans[0] : NULL, "spiffe://cgrpc.test/ns/test/sa/client");
  CHECK_EQ_UINT(id ? id->pub.dns_san_count : 0, 1);
  CHECK_EQ_STR(id ? id->pub.tls_version : NULL, "TLSv1.3");
  cgrpc_tls_identity_unref(id);

  /* close_notify ends the peer's stream. */
  cgrpc_tls_session_shutdown(cli);
  pass(cli, srv);
  CHECK_EQ_INT(cgrpc_tls_session_read(srv, buf, sizeof buf, &n), CGRPC_TLS_CLOSED);

  cgrpc_tls_session_free(srv);
  cgrpc_tls_session_free(cli);
  cgrpc_server_credentials_free(sc);
  cgrpc_channel_credentials_free(cc);
}

static void resume_twice(int max_version) {
  cgrpc_server_credentials_t *sc = server_creds(0);
  cgrpc_channel_credentials_t *cc = client_creds(false, NULL);
  SSL_CTX_set_max_proto_version(cc->ctx, max_version);
  cgrpc_tls_session_cache_t cache = {0};
  for (int i = 0; i < 2; i++) {
    cgrpc_tls_session_t *srv = cgrpc_tls_session_new_server(sc);
    cgrpc_tls_session_t *cli = cgrpc_tls_session_new_client(cc, "127.0.0.1", &cache);
    cgrpc_tls_result_t rs, rc;
    shake(srv, cli, &rs, &rc);
    CHECK_EQ_INT(rs, CGRPC_TLS_OK);
    CHECK_EQ_INT(rc, CGRPC_TLS_OK);
    /* TLS 1.3 tickets come after the handshake: the client reads them
     * (TLS 1.2's came inside it). */
    size_t n;
    uint8_t buf[64];
    CHECK_EQ_INT(cgrpc_tls_session_read(cli, buf, sizeof buf, &n), CGRPC_TLS_WANT);
    CHECK(cache.last != NULL);
    CHECK_EQ_INT(cgrpc_tls_session_resumed(srv), i == 1);
    CHECK_EQ_INT(cgrpc_tls_session_resumed(cli), i == 1);
    /* A session not ended with close_notify is not resumable (OpenSSL's
     * rule): the transport says it when it closes. */
    cgrpc_tls_session_shutdown(cli);
    cgrpc_tls_session_shutdown(srv);
    cgrpc_tls_session_free(srv);
    cgrpc_tls_session_free(cli);
  }
  cgrpc_tls_session_cache_clear(&cache);
  CHECK(cache.last == NULL);
  cgrpc_server_credentials_free(sc);
  cgrpc_channel_credentials_free(cc);
}

/* By tickets, in both versions: the server keeps no session cache. */
static void test_resumption_through_cache(void) {
  resume_twice(TLS1_3_VERSION);
  resume_twice(TLS1_2_VERSION);
}

static void test_tls12_ciphers_and_no_renegotiation(void) {
  cgrpc_server_credentials_t *sc = server_creds(0);
  cgrpc_channel_credentials_t *cc = client_creds(false, NULL);
  SSL_CTX_set_max_proto_version(cc->ctx, TLS1_2_VERSION);
  SSL_CTX_clear_options(cc->ctx, SSL_OP_NO_RENEGOTIATION); /* so this client can ask */
  cgrpc_tls_session_t *srv = cgrpc_tls_session_new_server(sc);
  cgrpc_tls_session_t *cli = cgrpc_tls_session_new_client(cc, "localhost", NULL);
  cgrpc_tls_result_t rs, rc;
  shake(srv, cli, &rs, &rc);
  CHECK_EQ_INT(rs, CGRPC_TLS_OK);
  CHECK_EQ_STR(SSL_get_version(srv->ssl), "TLSv1.2");
  const char *cipher = SSL_get_cipher_name(srv->ssl);
  CHECK(strncmp(cipher, "ECDHE-", 6) == 0);
  CHECK(strstr(cipher, "GCM") || strstr(cipher, "CHACHA20"));

  /* The client asks to renegotiate; the server refuses. */
  CHECK_EQ_INT(SSL_renegotiate(cli->ssl), 1);
  SSL_do_handshake(cli->ssl);
  pass(cli, srv);
  size_t n;
  uint8_t buf[64];
  cgrpc_tls_result_t r = cgrpc_tls_session_read(srv, buf, sizeof buf, &n);
  CHECK(r == CGRPC_TLS_WANT || r == CGRPC_TLS_FAILED);
  pass(srv, cli);
  ERR_clear_error();
  int hs = SSL_do_handshake(cli->ssl);
  CHECK(hs != 1); /* not renegotiated */
  CHECK_EQ_INT(SSL_get_options(srv->ssl) & SSL_OP_NO_RENEGOTIATION, SSL_OP_NO_RENEGOTIATION);
  ERR_clear_error();
  cgrpc_tls_session_free(srv);
  cgrpc_tls_session_free(cli);
  cgrpc_channel_credentials_free(cc);

  /* A client that only offers non-AEAD TLS 1.2 ciphers is refused. */
  cc = client_creds(false, NULL);
  SSL_CTX_set_max_proto_version(cc->ctx, TLS1_2_VERSION);
  SSL_CTX_set_cipher_list(cc->ctx, "AES128-SHA");
  srv = cgrpc_tls_session_new_server(sc);
  cli = cgrpc_tls_session_new_client(cc, "localhost", NULL);
  shake(srv, cli, &rs, &rc);
  CHECK_EQ_INT(rs, CGRPC_TLS_FAILED);
  CHECK(strstr(cgrpc_tls_session_error(srv), "no shared cipher") != NULL);
  cgrpc_tls_session_free(srv);
  cgrpc_tls_session_free(cli);
  cgrpc_channel_credentials_free(cc);
  cgrpc_server_credentials_free(sc);
}

/* TLS 1.3: the server's order decides, AES-128-GCM first (its SHA-256 key
 * schedule is the cheapest per handshake), and every suite of OpenSSL's
 * default three is accepted. */
static const char *tls13_suite_with(cgrpc_server_credentials_t *sc, const char *client_suites) {
  cgrpc_channel_credentials_t *cc = client_creds(false, NULL);
  CHECK_EQ_INT(SSL_CTX_set_ciphersuites(cc->ctx, client_suites), 1);
  cgrpc_tls_session_t *srv = cgrpc_tls_session_new_server(sc);
  cgrpc_tls_session_t *cli = cgrpc_tls_session_new_client(cc, "localhost", NULL);
  cgrpc_tls_result_t rs, rc;
  shake(srv, cli, &rs, &rc);
  CHECK_EQ_INT(rs, CGRPC_TLS_OK);
  CHECK_EQ_INT(rc, CGRPC_TLS_OK);
  CHECK_EQ_STR(SSL_get_version(srv->ssl), "TLSv1.3");
  const char *name = rs == CGRPC_TLS_OK ? SSL_get_cipher_name(srv->ssl) : "(failed)";
  static char got[64];
  snprintf(got, sizeof got, "%s", name);
  cgrpc_tls_session_free(srv);
  cgrpc_tls_session_free(cli);
  cgrpc_channel_credentials_free(cc);
  return got;
}

static void test_tls13_suites_server_order(void) {
  cgrpc_server_credentials_t *sc = server_creds(0);
  CHECK_EQ_STR(tls13_suite_with(sc,
                                "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:"
                                "TLS_AES_128_GCM_SHA256"),
               "TLS_AES_128_GCM_SHA256");
  CHECK_EQ_STR(tls13_suite_with(sc, "TLS_AES_256_GCM_SHA384"), "TLS_AES_256_GCM_SHA384");
  CHECK_EQ_STR(tls13_suite_with(sc, "TLS_CHACHA20_POLY1305_SHA256"),
               "TLS_CHACHA20_POLY1305_SHA256");
  cgrpc_server_credentials_free(sc);
}

static void test_alpn_required(void) {
  cgrpc_server_credentials_t *sc = server_creds(0);
  cgrpc_channel_credentials_t *cc = client_creds(false, NULL);
  /* Client offers nothing: the server refuses with no_application_protocol. */
  SSL_CTX_set_alpn_protos(cc->ctx, NULL, 0);
  cgrpc_tls_session_t *srv = cgrpc_tls_session_new_server(sc);
  cgrpc_tls_session_t *cli = cgrpc_tls_session_new_client(cc, "localhost", NULL);
  cgrpc_tls_result_t rs, rc;
  shake(srv, cli, &rs, &rc);
  CHECK_EQ_INT(rs, CGRPC_TLS_FAILED);
  CHECK_EQ_STR(cgrpc_tls_session_error(srv), "the client did not offer ALPN (gRPC needs \"h2\")");
  CHECK_EQ_INT(rc, CGRPC_TLS_FAILED);
  CHECK(strstr(cgrpc_tls_session_error(cli), "no application protocol") != NULL);
  cgrpc_tls_session_free(srv);
  cgrpc_tls_session_free(cli);

  /* Client offers http/1.1 only. */
  SSL_CTX_set_alpn_protos(cc->ctx, (const unsigned char *)"\x08http/1.1", 9);
  srv = cgrpc_tls_session_new_server(sc);
  cli = cgrpc_tls_session_new_client(cc, "localhost", NULL);
  shake(srv, cli, &rs, &rc);
  CHECK_EQ_INT(rs, CGRPC_TLS_FAILED);
  CHECK_EQ_STR(cgrpc_tls_session_error(srv), "the client's ALPN list does not offer \"h2\"");
  cgrpc_tls_session_free(srv);
  cgrpc_tls_session_free(cli);
  cgrpc_channel_credentials_free(cc);

  /* A server that selects no protocol: the client refuses it. */
  SSL_CTX *plain = SSL_CTX_new(TLS_server_method());
  char why[256];
  CHECK_EQ_INT(cgrpc_tls_ctx_use_cert(plain, cert("server.pem"), NULL, cert("server.key"), NULL,
                                      why, sizeof why),
               0);
  cc = client_creds(false, NULL);
  cli = cgrpc_tls_session_new_client(cc, "localhost", NULL);
  SSL *s = SSL_new(plain);
  BIO *in = BIO_new(BIO_s_mem()), *out = BIO_new(BIO_s_mem());
  SSL_set_bio(s, in, out);
  SSL_set_accept_state(s);
  rc = cgrpc_tls_session_handshake(cli);
  for (int i = 0; i < 10 && rc == CGRPC_TLS_WANT; i++) {
    const uint8_t *p;
    size_t n = cgrpc_tls_session_pending(cli, &p);
    BIO_write(in, p, (int)n);
    cgrpc_tls_session_consume(cli, n);
    SSL_do_handshake(s);
    char *q;
    long m = BIO_get_mem_data(out, &q);
    if (m > 0) {
      cgrpc_tls_session_feed(cli, (const uint8_t *)q, (size_t)m);
      (void)BIO_reset(out);
    }
    rc = cgrpc_tls_session_handshake(cli);
  }
  CHECK_EQ_INT(rc, CGRPC_TLS_FAILED);
  CHECK(strstr(cgrpc_tls_session_error(cli), "did not select ALPN \"h2\"") != NULL);
  ERR_clear_error();
  SSL_free(s);
  SSL_CTX_free(plain);
  cgrpc_tls_session_free(cli);
  cgrpc_channel_credentials_free(cc);
  cgrpc_server_credentials_free(sc);
}

static void test_garbage_instead_of_client_hello(void) {
  cgrpc_server_credentials_t *sc = server_creds(0);
  /* A plaintext HTTP/2 client, an HTTP/1 one, and a TLS record holding a
   * handshake message that is no ClientHello. */
  const char *inputs[] = {"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "GET / HTTP/1.1\r\n\r\n",
                          "\x16\x03\x01\x00\x04\x63\x00\x00\x00"};
  const size_t lens[] = {24, 18, 9};
  for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
    cgrpc_tls_session_t *srv = cgrpc_tls_session_new_server(sc);
    CHECK(cgrpc_tls_session_feed(srv, (const uint8_t *)inputs[i], lens[i]));
    CHECK_EQ_INT(cgrpc_tls_session_handshake(srv), CGRPC_TLS_FAILED);
    CHECK(cgrpc_tls_session_error(srv)[0] != '\0');
    if (i < 2) {
      CHECK(strstr(cgrpc_tls_session_error(srv), "did not start a TLS handshake") != NULL);
    }
    CHECK_EQ_INT(cgrpc_tls_session_first_byte(srv), (unsigned char)inputs[i][0]);
    cgrpc_tls_session_free(srv);
  }
  cgrpc_server_credentials_free(sc);
}

static void test_identity_without_client_cert(void) {
  cgrpc_server_credentials_t *sc = server_creds(CGRPC_TLS_CLIENT_CERT_REQUEST);
  cgrpc_channel_credentials_t *cc = client_creds(false, "foo.test.google.fr");
  cgrpc_tls_session_t *srv = cgrpc_tls_session_new_server(sc);
  cgrpc_tls_session_t *cli = cgrpc_tls_session_new_client(cc, "ignored.example", NULL);
  cgrpc_tls_result_t rs, rc;
  shake(srv, cli, &rs, &rc);
  CHECK_EQ_INT(rs, CGRPC_TLS_OK);
  CHECK_EQ_INT(rc, CGRPC_TLS_OK); /* verified as the override, not the host */
  cgrpc_tls_identity_t *id = cgrpc_tls_session_identity(srv);
  CHECK(id && !id->pub.verified);
  CHECK_EQ_STR(id ? id->pub.subject : NULL, "");
  CHECK_EQ_UINT(id ? id->pub.dns_san_count + id->pub.uri_san_count : 1, 0);
  CHECK(id && id->pub.cipher[0] != '\0');
  cgrpc_tls_identity_ref(id);
  cgrpc_tls_identity_unref(id);
  cgrpc_tls_identity_unref(id);
  cgrpc_tls_session_free(srv);
  cgrpc_tls_session_free(cli);
  cgrpc_server_credentials_free(sc);
  cgrpc_channel_credentials_free(cc);
}

int main(void) {
  const char *dir = getenv("CGRPC_TEST_CERTS");
  if (!dir) {
    fprintf(stderr, "CGRPC_TEST_CERTS is not set (run tests/tls/make_certs.sh DIR first)\n");
    return 2;
  }
  snprintf(certs, sizeof certs, "%s", dir);
  TEST_RUN(test_handshake_and_data);
  TEST_RUN(test_resumption_through_cache);
  TEST_RUN(test_tls12_ciphers_and_no_renegotiation);
  TEST_RUN(test_tls13_suites_server_order);
  TEST_RUN(test_alpn_required);
  TEST_RUN(test_garbage_instead_of_client_hello);
  TEST_RUN(test_identity_without_client_cert);
  return TEST_DONE();
}

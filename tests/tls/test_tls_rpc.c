/* tests/tls/test_tls_rpc.c — servers and channels over TLS, end to end on
 * loopback: calls, the client's identity as the handler sees it, mutual
 * TLS, every handshake failure with the error each side gets, session
 * resumption, certificate rotation, and the server's handshake limits.
 *
 * The certificates come from tests/tls/make_certs.sh, run by ctest's
 * fixture into the directory CGRPC_TEST_CERTS names.
 */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../unit/rpc/rpc_test_util.h"
#include "cgrpc/interceptor.h"
#include "cgrpc/tls.h"

static char certs[512];

static const char *cert(const char *name) {
  static char paths[8][640];
  static int next;
  char *p = paths[next++ % 8];
  snprintf(p, sizeof paths[0], "%s/%s", certs, name);
  return p;
}

/* The handler answers with what it saw: the client's identity, as text. */
static char seen_subject[256], seen_uri[256], seen_dns[256], seen_version[32], seen_cipher[64];
static char seen_authorization[256];
static int seen_has_identity = -1, seen_verified = -1, seen_resumed = -1;

static void echo_identity(cgrpc_server_call_t *call, const void *request, void *user_data) {
  const cgrpc_peer_identity_t *id = cgrpc_server_call_peer_identity(call);
  seen_has_identity = id != NULL;
  seen_subject[0] = seen_uri[0] = seen_dns[0] = seen_version[0] = seen_cipher[0] = '\0';
  const char *auth = cgrpc_metadata_get_cstr(cgrpc_server_call_metadata(call), "authorization");
  snprintf(seen_authorization, sizeof seen_authorization, "%s", auth ? auth : "");
  if (id) {
    seen_verified = id->verified;
    seen_resumed = id->session_resumed;
    snprintf(seen_subject, sizeof seen_subject, "%s", id->subject);
    if (id->uri_san_count) snprintf(seen_uri, sizeof seen_uri, "%s", id->uri_sans[0]);
    if (id->dns_san_count) snprintf(seen_dns, sizeof seen_dns, "%s", id->dns_sans[0]);
    snprintf(seen_version, sizeof seen_version, "%s", id->tls_version);
    snprintf(seen_cipher, sizeof seen_cipher, "%s", id->cipher);
  }
  cgrpc_server_call_reply(call, request);
}

typedef struct server {
  cgrpc_server_t *srv;
  int port;
  char target[64];
} server_t;

static void server_start(server_t *s, cgrpc_server_credentials_t *creds,
                         const cgrpc_server_options_t *opts) {
  cgrpc_error_t err;
  cgrpc_server_options_t so = CGRPC_SERVER_OPTIONS_INIT;
  if (opts) so = *opts;
  so.loop_threads = 1;
  s->port = 0;
  CHECK_EQ_INT(cgrpc_server_new(&so, &s->srv, &err), CGRPC_STATUS_OK);
  if (creds) {
    CHECK_EQ_INT(cgrpc_server_listen_tls(s->srv, "127.0.0.1:0", creds, &s->port, &err),
                 CGRPC_STATUS_OK);
  } else {
    CHECK_EQ_INT(cgrpc_server_listen(s->srv, "127.0.0.1:0", &s->port, &err), CGRPC_STATUS_OK);
  }
  CHECK_EQ_INT(cgrpc_server_register(s->srv, &test_methods[M_ECHO], echo_identity, NULL,
                                     CGRPC_HANDLER_INLINE, &err),
               CGRPC_STATUS_OK);
  CHECK_EQ_INT(cgrpc_server_start(s->srv, &err), CGRPC_STATUS_OK);
  snprintf(s->target, sizeof s->target, "127.0.0.1:%d", s->port);
}

static void server_stop(server_t *s) {
  cgrpc_server_shutdown(s->srv, 0);
  cgrpc_server_free(s->srv);
}

static cgrpc_server_credentials_t *server_creds(const char *chain, const char *key,
                                                cgrpc_tls_client_cert_t policy) {
  cgrpc_server_credentials_t *c = NULL;
  cgrpc_error_t err;
  cgrpc_status_code_t code = cgrpc_server_credentials_from_files(
      cert(chain), cert(key), policy == CGRPC_TLS_CLIENT_CERT_NONE ? NULL : cert("ca.pem"), policy,
      &c, &err);
  if (code != CGRPC_STATUS_OK) fprintf(stderr, "  server credentials: %s\n", err.message);
  CHECK_EQ_INT(code, CGRPC_STATUS_OK);
  return c;
}

static cgrpc_channel_t *tls_channel(const char *target, const cgrpc_tls_channel_config_t *cfg) {
  cgrpc_channel_credentials_t *creds = NULL;
  cgrpc_channel_t *ch = NULL;
  cgrpc_error_t err;
  cgrpc_status_code_t code = cgrpc_channel_credentials_new_tls(cfg, &creds, &err);
  if (code != CGRPC_STATUS_OK) fprintf(stderr, "  channel credentials: %s\n", err.message);
  CHECK_EQ_INT(code, CGRPC_STATUS_OK);
  cgrpc_channel_options_t co = CGRPC_CHANNEL_OPTIONS_INIT;
  co.connect_timeout_ns = 5 * CGRPC_NS_PER_SEC;
  CHECK_EQ_INT(cgrpc_channel_new_secure(target, creds, &co, &ch, &err), CGRPC_STATUS_OK);
  cgrpc_channel_credentials_free(creds);
  return ch;
}

/* One Echo call; the status message goes to `msg`. */
static cgrpc_status_code_t call(cgrpc_channel_t *ch, char *msg, size_t size) {
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  test_Msg req = {.text = test_str("hello over TLS"), .num = 7}, resp;
  cgrpc_status_t st;
  cgrpc_call_options_t opts = {.timeout_ns = 10 * CGRPC_NS_PER_SEC};
  cgrpc_status_code_t code =
      cgrpc_unary(ch, &test_methods[M_ECHO], &req, &resp, &arena, &opts, &st);
  if (code == CGRPC_STATUS_OK) {
    CHECK(test_str_is(resp.text, "hello over TLS"));
    CHECK_EQ_INT(resp.num, 7);
  }
  if (msg) snprintf(msg, size, "%.*s", (int)st.message.len, st.message.data);
  cgrpc_arena_free(&arena);
  return code;
}

#define CHECK_CONTAINS(hay, needle)                                                   \
  do {                                                                                \
    if (!strstr((hay), (needle))) TEST_FAIL_("\"%s\" lacks \"%s\"", (hay), (needle)); \
  } while (0)

static void test_unary_over_tls(void) {
  cgrpc_server_credentials_t *sc = server_creds("server.pem", "server.key", 0);
  server_t s;
  server_start(&s, sc, NULL);
  cgrpc_server_credentials_free(sc); /* the server holds its own reference */
  cgrpc_tls_channel_config_t cfg = {.ca_file = cert("ca.pem")};
  cgrpc_channel_t *ch = tls_channel(s.target, &cfg);
  char msg[512];
  CHECK_EQ_INT(call(ch, msg, sizeof msg), CGRPC_STATUS_OK);
  CHECK_EQ_INT(seen_has_identity, 1);
  CHECK_EQ_INT(seen_verified, 0); /* no client certificate asked for */
  CHECK_EQ_STR(seen_subject, "");
  CHECK_EQ_STR(seen_version, "TLSv1.3");
  CHECK(seen_cipher[0] != '\0');
  /* Many calls, and a large message across many records. */
  for (int i = 0; i < 50; i++) CHECK_EQ_INT(call(ch, NULL, 0), CGRPC_STATUS_OK);
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  static char big[1 << 20];
  memset(big, 'x', sizeof big);
  test_Msg req = {.blob = {big, sizeof big}}, resp;
  cgrpc_status_t st;
  CHECK_EQ_INT(cgrpc_unary(ch, &test_methods[M_ECHO], &req, &resp, &arena, NULL, &st),
               CGRPC_STATUS_OK);
  CHECK_EQ_INT(resp.blob.len, sizeof big);
  cgrpc_arena_free(&arena);
  cgrpc_channel_free(ch);
  server_stop(&s);
}

static void test_hostname_by_dns_name(void) {
  cgrpc_server_credentials_t *sc = server_creds("server.pem", "server.key", 0);
  server_t s;
  server_start(&s, sc, NULL);
  cgrpc_server_credentials_free(sc);
  char target[96];
  snprintf(target, sizeof target, "dns:localhost:%d", s.port);
  cgrpc_tls_channel_config_t cfg = {.ca_file = cert("ca.pem")};
  cgrpc_channel_t *ch = tls_channel(target, &cfg);
  CHECK_EQ_INT(call(ch, NULL, 0), CGRPC_STATUS_OK);
  cgrpc_channel_free(ch);
  /* The override the interop tests use. */
  cgrpc_tls_channel_config_t over = {.ca_file = cert("ca.pem"),
                                     .server_name_override = "foo.test.google.fr"};
  ch = tls_channel(s.target, &over);
  CHECK_EQ_INT(call(ch, NULL, 0), CGRPC_STATUS_OK);
  cgrpc_channel_free(ch);
  server_stop(&s);
}

/* TLS over a unix socket: the name verified is "localhost". */
static void test_unix_socket(void) {
  cgrpc_server_credentials_t *sc = server_creds("server.pem", "server.key", 0);
  char path[64], target[80];
  snprintf(path, sizeof path, "/tmp/cgrpc-tls-test-%d.sock", (int)getpid());
  snprintf(target, sizeof target, "unix:%s", path);
  cgrpc_server_t *srv = NULL;
  cgrpc_error_t err;
  cgrpc_server_options_t so = CGRPC_SERVER_OPTIONS_INIT;
  so.loop_threads = 1;
  CHECK_EQ_INT(cgrpc_server_new(&so, &srv, &err), CGRPC_STATUS_OK);
  CHECK_EQ_INT(cgrpc_server_listen_tls(srv, target, sc, NULL, &err), CGRPC_STATUS_OK);
  cgrpc_server_credentials_free(sc);
  CHECK_EQ_INT(cgrpc_server_register(srv, &test_methods[M_ECHO], echo_identity, NULL,
                                     CGRPC_HANDLER_INLINE, &err),
               CGRPC_STATUS_OK);
  CHECK_EQ_INT(cgrpc_server_start(srv, &err), CGRPC_STATUS_OK);
  cgrpc_tls_channel_config_t cfg = {.ca_file = cert("ca.pem")};
  cgrpc_channel_t *ch = tls_channel(target, &cfg);
  CHECK_EQ_INT(call(ch, NULL, 0), CGRPC_STATUS_OK);
  CHECK_EQ_INT(seen_has_identity, 1);
  cgrpc_channel_free(ch);
  cgrpc_server_shutdown(srv, 0);
  cgrpc_server_free(srv);
}

static void test_plaintext_has_no_identity(void) {
  server_t s;
  server_start(&s, NULL, NULL);
  cgrpc_channel_t *ch = NULL;
  CHECK_EQ_INT(cgrpc_channel_new(s.target, NULL, &ch, NULL), CGRPC_STATUS_OK);
  CHECK_EQ_INT(call(ch, NULL, 0), CGRPC_STATUS_OK);
  CHECK_EQ_INT(seen_has_identity, 0);
  cgrpc_channel_free(ch);
  server_stop(&s);
}

static void test_mutual_tls_identity(void) {
  cgrpc_server_credentials_t *sc =
      server_creds("server.pem", "server.key", CGRPC_TLS_CLIENT_CERT_REQUIRE_AND_VERIFY);
  server_t s;
  server_start(&s, sc, NULL);
  cgrpc_server_credentials_free(sc);
  cgrpc_tls_channel_config_t cfg = {.ca_file = cert("ca.pem"),
                                    .cert_chain_file = cert("client.pem"),
                                    .private_key_file = cert("client.key")};
  cgrpc_channel_t *ch = tls_channel(s.target, &cfg);
  CHECK_EQ_INT(call(ch, NULL, 0), CGRPC_STATUS_OK);
  CHECK_EQ_INT(seen_verified, 1);
  CHECK_CONTAINS(seen_subject, "CN=cgrpc-test-client");
  CHECK_EQ_STR(seen_uri, "spiffe://cgrpc.test/ns/test/sa/client");
  CHECK_EQ_STR(seen_dns, "client.cgrpc.test");
  cgrpc_channel_free(ch);

  /* Without a certificate: refused. */
  cgrpc_tls_channel_config_t anon = {.ca_file = cert("ca.pem")};
  ch = tls_channel(s.target, &anon);
  char msg[512];
  CHECK_EQ_INT(call(ch, msg, sizeof msg), CGRPC_STATUS_UNAVAILABLE);
  CHECK_CONTAINS(msg, "certificate required");
  cgrpc_channel_free(ch);

  /* With one from another CA: refused. */
  cgrpc_tls_channel_config_t intruder = {.ca_file = cert("ca.pem"),
                                         .cert_chain_file = cert("other_client.pem"),
                                         .private_key_file = cert("other_client.key")};
  ch = tls_channel(s.target, &intruder);
  CHECK_EQ_INT(call(ch, msg, sizeof msg), CGRPC_STATUS_UNAVAILABLE);
  CHECK_CONTAINS(msg, "unknown ca");
  cgrpc_channel_free(ch);
  server_stop(&s);
}

static void test_optional_client_cert(void) {
  cgrpc_server_credentials_t *sc =
      server_creds("server.pem", "server.key", CGRPC_TLS_CLIENT_CERT_REQUEST);
  server_t s;
  server_start(&s, sc, NULL);
  cgrpc_server_credentials_free(sc);
  cgrpc_tls_channel_config_t anon = {.ca_file = cert("ca.pem")};
  cgrpc_channel_t *ch = tls_channel(s.target, &anon);
  CHECK_EQ_INT(call(ch, NULL, 0), CGRPC_STATUS_OK);
  CHECK_EQ_INT(seen_verified, 0);
  cgrpc_channel_free(ch);
  cgrpc_tls_channel_config_t cfg = {.ca_file = cert("ca.pem"),
                                    .cert_chain_file = cert("client.pem"),
                                    .private_key_file = cert("client.key")};
  ch = tls_channel(s.target, &cfg);
  CHECK_EQ_INT(call(ch, NULL, 0), CGRPC_STATUS_OK);
  CHECK_EQ_INT(seen_verified, 1);
  cgrpc_channel_free(ch);
  server_stop(&s);
}

/* A server whose certificate the client must refuse: the call fails
 * UNAVAILABLE, and the message says why. */
static void expect_refused(const char *chain, const char *key,
                           const cgrpc_tls_channel_config_t *cfg, const char *want) {
  cgrpc_server_credentials_t *sc = server_creds(chain, key, 0);
  server_t s;
  server_start(&s, sc, NULL);
  cgrpc_server_credentials_free(sc);
  cgrpc_channel_t *ch = tls_channel(s.target, cfg);
  char msg[512];
  CHECK_EQ_INT(call(ch, msg, sizeof msg), CGRPC_STATUS_UNAVAILABLE);
  CHECK_CONTAINS(msg, "TLS handshake failed: certificate verify failed");
  CHECK_CONTAINS(msg, want);
  cgrpc_channel_free(ch);
  server_stop(&s);
}

static void test_wrong_ca(void) {
  cgrpc_tls_channel_config_t cfg = {.ca_file = cert("ca.pem")};
  expect_refused("other_server.pem", "other_server.key", &cfg, "unable to get local issuer");
}

static void test_expired(void) {
  cgrpc_tls_channel_config_t cfg = {.ca_file = cert("ca.pem")};
  expect_refused("expired.pem", "expired.key", &cfg, "certificate has expired");
}

static void test_wrong_host(void) {
  cgrpc_tls_channel_config_t cfg = {.ca_file = cert("ca.pem"),
                                    .server_name_override = "wrong.example.com"};
  expect_refused("server.pem", "server.key", &cfg, "hostname mismatch");
}

static void test_system_roots_refuse_test_ca(void) {
  expect_refused("server.pem", "server.key", NULL, "unable to get local issuer");
}

static void test_tls_client_to_plaintext_port(void) {
  server_t s;
  server_start(&s, NULL, NULL);
  cgrpc_tls_channel_config_t cfg = {.ca_file = cert("ca.pem")};
  cgrpc_channel_t *ch = tls_channel(s.target, &cfg);
  char msg[512];
  CHECK_EQ_INT(call(ch, msg, sizeof msg), CGRPC_STATUS_UNAVAILABLE);
  CHECK_CONTAINS(msg, "did not answer with TLS");
  cgrpc_channel_free(ch);
  server_stop(&s);
}

static void test_plaintext_client_to_tls_port(void) {
  cgrpc_server_credentials_t *sc = server_creds("server.pem", "server.key", 0);
  server_t s;
  server_start(&s, sc, NULL);
  cgrpc_server_credentials_free(sc);
  cgrpc_channel_t *ch = NULL;
  cgrpc_channel_options_t co = CGRPC_CHANNEL_OPTIONS_INIT;
  co.connect_timeout_ns = 5 * CGRPC_NS_PER_SEC;
  CHECK_EQ_INT(cgrpc_channel_new(s.target, &co, &ch, NULL), CGRPC_STATUS_OK);
  char msg[512];
  int64_t t0 = cgrpc_clock_now();
  CHECK_EQ_INT(call(ch, msg, sizeof msg), CGRPC_STATUS_UNAVAILABLE);
  CHECK(cgrpc_clock_now() - t0 < 3 * CGRPC_NS_PER_SEC); /* at once, not by a timeout */
  CHECK_CONTAINS(msg, "TLS");
  cgrpc_channel_free(ch);
  server_stop(&s);
}

/* A raw TCP connection to the server. */
static int raw_connect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  CHECK_EQ_INT(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
  return fd;
}

/* Waits up to `ms` for the server to close `fd`; true if it did. */
static bool closed_within(int fd, int ms) {
  struct pollfd p = {.fd = fd, .events = POLLIN};
  int64_t end = cgrpc_clock_now() + (int64_t)ms * 1000000;
  char buf[512];
  while (cgrpc_clock_now() < end) {
    if (poll(&p, 1, 50) == 1) {
      ssize_t n = read(fd, buf, sizeof buf);
      if (n <= 0) return true;
    }
  }
  return false;
}

static void test_garbage_closed_at_once(void) {
  cgrpc_server_credentials_t *sc = server_creds("server.pem", "server.key", 0);
  server_t s;
  server_start(&s, sc, NULL);
  cgrpc_server_credentials_free(sc);
  int fd = raw_connect(s.port);
  const char junk[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  CHECK_EQ_INT(write(fd, junk, sizeof junk - 1), (long)sizeof junk - 1);
  CHECK(closed_within(fd, 2000));
  close(fd);
  server_stop(&s);
}

static void test_stalled_handshake_times_out(void) {
  cgrpc_server_credentials_t *sc = server_creds("server.pem", "server.key", 0);
  cgrpc_server_options_t so = CGRPC_SERVER_OPTIONS_INIT;
  so.tls_handshake_timeout_ns = 300 * 1000000LL;
  server_t s;
  server_start(&s, sc, &so);
  cgrpc_server_credentials_free(sc);
  int fd = raw_connect(s.port);
  const uint8_t half_hello[] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01}; /* a record, cut short */
  CHECK_EQ_INT(write(fd, half_hello, sizeof half_hello), (long)sizeof half_hello);
  int64_t t0 = cgrpc_clock_now();
  CHECK(closed_within(fd, 5000));
  CHECK(cgrpc_clock_now() - t0 >= 200 * 1000000LL);
  close(fd);
  server_stop(&s);
}

static void test_handshake_cap(void) {
  cgrpc_server_credentials_t *sc = server_creds("server.pem", "server.key", 0);
  cgrpc_server_options_t so = CGRPC_SERVER_OPTIONS_INIT;
  so.max_concurrent_tls_handshakes = 1;
  server_t s;
  server_start(&s, sc, &so);
  cgrpc_server_credentials_free(sc);
  int staller = raw_connect(s.port); /* holds the one handshake place */
  test_sleep_ms(100);
  int second = raw_connect(s.port);
  CHECK(closed_within(second, 2000)); /* over the cap: closed on arrival */
  close(second);
  close(staller); /* the place is free again */
  test_sleep_ms(100);
  cgrpc_tls_channel_config_t cfg = {.ca_file = cert("ca.pem")};
  cgrpc_channel_t *ch = tls_channel(s.target, &cfg);
  CHECK_EQ_INT(call(ch, NULL, 0), CGRPC_STATUS_OK);
  cgrpc_channel_free(ch);
  server_stop(&s);
}

static void test_session_resumed_on_reconnect(void) {
  cgrpc_server_credentials_t *sc = server_creds("server.pem", "server.key", 0);
  cgrpc_server_options_t so = CGRPC_SERVER_OPTIONS_INIT;
  so.max_connection_age_ns = 300 * 1000000LL;
  so.max_connection_age_grace_ns = 100 * 1000000LL;
  server_t s;
  server_start(&s, sc, &so);
  cgrpc_server_credentials_free(sc);
  cgrpc_tls_channel_config_t cfg = {.ca_file = cert("ca.pem")};
  cgrpc_channel_t *ch = tls_channel(s.target, &cfg);
  CHECK_EQ_INT(call(ch, NULL, 0), CGRPC_STATUS_OK);
  CHECK_EQ_INT(seen_resumed, 0);
  test_sleep_ms(800); /* the server sent GOAWAY (max age): the next call reconnects */
  CHECK_EQ_INT(call(ch, NULL, 0), CGRPC_STATUS_OK);
  CHECK_EQ_INT(seen_resumed, 1);
  cgrpc_channel_free(ch);
  server_stop(&s);
}

static void copy_file(const char *from, const char *to) {
  FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
  CHECK(in && out);
  char buf[8192];
  size_t n;
  while (in && out && (n = fread(buf, 1, sizeof buf, in)) > 0) fwrite(buf, 1, n, out);
  if (in) fclose(in);
  if (out) fclose(out);
}

static void test_reload(void) {
  char dir[] = "/tmp/cgrpc-tls-reload-XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  char chain[600], key[600];
  snprintf(chain, sizeof chain, "%s/cert.pem", dir);
  snprintf(key, sizeof key, "%s/cert.key", dir);
  copy_file(cert("server.pem"), chain);
  copy_file(cert("server.key"), key);
  cgrpc_server_credentials_t *sc = NULL;
  cgrpc_error_t err;
  CHECK_EQ_INT(cgrpc_server_credentials_from_files(chain, key, NULL, 0, &sc, &err),
               CGRPC_STATUS_OK);
  server_t s;
  server_start(&s, sc, NULL);
  cgrpc_tls_channel_config_t cfg = {.ca_file = cert("ca.pem")};
  cgrpc_channel_t *live = tls_channel(s.target, &cfg);
  CHECK_EQ_INT(call(live, NULL, 0), CGRPC_STATUS_OK);

  /* A key that does not match: refused, the old pair stays. */
  copy_file(cert("other_server.key"), key);
  CHECK_EQ_INT(cgrpc_server_credentials_reload(sc, &err), CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK_CONTAINS(err.message, "does not match the certificate");
  cgrpc_channel_t *ch = tls_channel(s.target, &cfg);
  CHECK_EQ_INT(call(ch, NULL, 0), CGRPC_STATUS_OK);
  cgrpc_channel_free(ch);

  /* Rotate to a certificate of another CA: new handshakes use it (and a
   * client trusting only the first CA refuses it), the live connection
   * stays up. */
  copy_file(cert("other_server.pem"), chain);
  CHECK_EQ_INT(cgrpc_server_credentials_reload(sc, &err), CGRPC_STATUS_OK);
  ch = tls_channel(s.target, &cfg);
  char msg[512];
  CHECK_EQ_INT(call(ch, msg, sizeof msg), CGRPC_STATUS_UNAVAILABLE);
  CHECK_CONTAINS(msg, "unable to get local issuer");
  cgrpc_channel_free(ch);
  CHECK_EQ_INT(call(live, NULL, 0), CGRPC_STATUS_OK);

  /* Watching: a change of the files is picked up on the next handshake. */
  cgrpc_server_credentials_watch_files(sc, true);
  test_sleep_ms(1100);
  copy_file(cert("server.pem"), chain);
  copy_file(cert("server.key"), key);
  test_sleep_ms(1100);
  ch = tls_channel(s.target, &cfg);
  CHECK_EQ_INT(call(ch, msg, sizeof msg), CGRPC_STATUS_OK);
  cgrpc_channel_free(ch);

  cgrpc_channel_free(live);
  server_stop(&s);
  cgrpc_server_credentials_free(sc);
  unlink(chain);
  unlink(key);
  rmdir(dir);
}

static void test_credential_errors(void) {
  cgrpc_server_credentials_t *sc = NULL;
  cgrpc_error_t err;
  CHECK_EQ_INT(cgrpc_server_credentials_from_files("/nonexistent/cert.pem", cert("server.key"),
                                                   NULL, 0, &sc, &err),
               CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK_CONTAINS(err.message, "/nonexistent/cert.pem");
  CHECK(sc == NULL);
  CHECK_EQ_INT(cgrpc_server_credentials_from_files(cert("server.key"), cert("server.key"), NULL, 0,
                                                   &sc, &err),
               CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK_CONTAINS(err.message, "no usable PEM certificate");
  CHECK_EQ_INT(cgrpc_server_credentials_from_files(cert("server.pem"), cert("client.key"), NULL, 0,
                                                   &sc, &err),
               CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK_CONTAINS(err.message, "does not match");
  CHECK_EQ_INT(
      cgrpc_server_credentials_from_files(cert("server.pem"), cert("server.key"), NULL,
                                          CGRPC_TLS_CLIENT_CERT_REQUIRE_AND_VERIFY, &sc, &err),
      CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK_CONTAINS(err.message, "CA bundle");
  CHECK_EQ_INT(cgrpc_server_credentials_from_pem("not pem", "not pem", NULL, 0, &sc, &err),
               CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK_EQ_INT(cgrpc_server_credentials_reload(NULL, &err), CGRPC_STATUS_FAILED_PRECONDITION);

  cgrpc_channel_credentials_t *cc = NULL;
  cgrpc_tls_channel_config_t half = {.cert_chain_file = cert("client.pem")};
  CHECK_EQ_INT(cgrpc_channel_credentials_new_tls(&half, &cc, &err), CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK_CONTAINS(err.message, "private key");
  cgrpc_tls_channel_config_t twice = {.ca_file = cert("ca.pem"), .ca_pem = "x"};
  CHECK_EQ_INT(cgrpc_channel_credentials_new_tls(&twice, &cc, &err), CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK_CONTAINS(err.message, "not both");
  cgrpc_tls_channel_config_t bad_ca = {.ca_file = cert("server.key")};
  CHECK_EQ_INT(cgrpc_channel_credentials_new_tls(&bad_ca, &cc, &err),
               CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK_CONTAINS(err.message, "holds no PEM certificate");
  CHECK(cc == NULL);

  cgrpc_server_t *srv = NULL;
  CHECK_EQ_INT(cgrpc_server_new(NULL, &srv, &err), CGRPC_STATUS_OK);
  CHECK_EQ_INT(cgrpc_server_listen_tls(srv, "127.0.0.1:0", NULL, NULL, &err),
               CGRPC_STATUS_INVALID_ARGUMENT);
  cgrpc_server_free(srv);
}

/* Credentials from memory, and an insecure channel made by new_secure. */
static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  static char bufs[4][16384];
  static int next;
  char *b = bufs[next++ % 4];
  size_t n = f ? fread(b, 1, sizeof bufs[0] - 1, f) : 0;
  b[n] = '\0';
  if (f) fclose(f);
  return b;
}

static void test_pem_in_memory(void) {
  cgrpc_server_credentials_t *sc = NULL;
  cgrpc_error_t err;
  CHECK_EQ_INT(cgrpc_server_credentials_from_pem(
                   slurp(cert("server.pem")), slurp(cert("server.key")), slurp(cert("ca.pem")),
                   CGRPC_TLS_CLIENT_CERT_REQUIRE_AND_VERIFY, &sc, &err),
               CGRPC_STATUS_OK);
  CHECK_EQ_INT(cgrpc_server_credentials_reload(sc, &err), CGRPC_STATUS_FAILED_PRECONDITION);
  server_t s;
  server_start(&s, sc, NULL);
  cgrpc_server_credentials_free(sc);
  cgrpc_tls_channel_config_t cfg = {.ca_pem = slurp(cert("ca.pem")),
                                    .cert_chain_pem = slurp(cert("client.pem")),
                                    .private_key_pem = slurp(cert("client.key"))};
  cgrpc_channel_t *ch = tls_channel(s.target, &cfg);
  CHECK_EQ_INT(call(ch, NULL, 0), CGRPC_STATUS_OK);
  CHECK_EQ_INT(seen_verified, 1);
  cgrpc_channel_free(ch);
  server_stop(&s);

  server_start(&s, NULL, NULL);
  CHECK_EQ_INT(cgrpc_channel_new_secure(s.target, NULL, NULL, &ch, &err), CGRPC_STATUS_OK);
  CHECK_EQ_INT(call(ch, NULL, 0), CGRPC_STATUS_OK);
  CHECK_EQ_INT(seen_has_identity, 0);
  cgrpc_channel_free(ch);
  server_stop(&s);
}

/* Call credentials need no opt-out on a TLS channel: the token arrives. */
static void test_call_credentials_over_tls(void) {
  cgrpc_server_credentials_t *sc = server_creds("server.pem", "server.key", 0);
  server_t s;
  server_start(&s, sc, NULL);
  cgrpc_server_credentials_free(sc);
  cgrpc_tls_channel_config_t cfg = {.ca_file = cert("ca.pem")};
  cgrpc_channel_t *ch = tls_channel(s.target, &cfg);
  cgrpc_call_credentials_t bearer = cgrpc_call_credentials_bearer("t0ken-over-tls");
  CHECK(!bearer.allow_insecure);
  cgrpc_error_t err;
  CHECK_EQ_INT(cgrpc_channel_set_call_credentials(ch, &bearer, &err), CGRPC_STATUS_OK);
  char msg[512];
  CHECK_EQ_INT(call(ch, msg, sizeof msg), CGRPC_STATUS_OK);
  CHECK_EQ_STR(seen_authorization, "Bearer t0ken-over-tls");
  cgrpc_channel_free(ch);
  server_stop(&s);
}

int main(void) {
  const char *dir = getenv("CGRPC_TEST_CERTS");
  if (!dir) {
    fprintf(stderr, "CGRPC_TEST_CERTS is not set (run tests/tls/make_certs.sh DIR first)\n");
    return 2;
  }
  snprintf(certs, sizeof certs, "%s", dir);
  TEST_RUN(test_unary_over_tls);
  TEST_RUN(test_hostname_by_dns_name);
  TEST_RUN(test_unix_socket);
  TEST_RUN(test_plaintext_has_no_identity);
  TEST_RUN(test_mutual_tls_identity);
  TEST_RUN(test_optional_client_cert);
  TEST_RUN(test_wrong_ca);
  TEST_RUN(test_expired);
  TEST_RUN(test_wrong_host);
  TEST_RUN(test_system_roots_refuse_test_ca);
  TEST_RUN(test_tls_client_to_plaintext_port);
  TEST_RUN(test_plaintext_client_to_tls_port);
  TEST_RUN(test_garbage_closed_at_once);
  TEST_RUN(test_stalled_handshake_times_out);
  TEST_RUN(test_handshake_cap);
  TEST_RUN(test_session_resumed_on_reconnect);
  TEST_RUN(test_reload);
  TEST_RUN(test_credential_errors);
  TEST_RUN(test_pem_in_memory);
  TEST_RUN(test_call_credentials_over_tls);
  return TEST_DONE();
}

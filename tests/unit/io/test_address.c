/* Target parsing: a table of good targets with what they parse to, a table
 * of malformed ones with the message each must give, and formatting. */
#include <string.h>

#include "io/address.h"
#include "io/error.h"
#include "test.h"

typedef struct {
  const char *text;
  cgrpc_target_kind_t kind;
  const char *host; /* DNS only */
  unsigned port;    /* DNS only */
  const char *authority;
  const char *addrs; /* formatted, comma-separated; "" when left to DNS */
} good_t;

static const good_t good[] = {
    {"localhost:50051", CGRPC_TARGET_DNS, "localhost", 50051, "localhost:50051", ""},
    {"localhost", CGRPC_TARGET_DNS, "localhost", 443, "localhost", ""},
    {"example.com.", CGRPC_TARGET_DNS, "example.com.", 443, "example.com.", ""},
    {"my_svc-1.ns.svc.cluster.local:8080", CGRPC_TARGET_DNS, "my_svc-1.ns.svc.cluster.local", 8080,
     "my_svc-1.ns.svc.cluster.local:8080", ""},
    {"1.2.3.4:80", CGRPC_TARGET_DNS, "1.2.3.4", 80, "1.2.3.4:80", "1.2.3.4:80"},
    {"127.0.0.1:0", CGRPC_TARGET_DNS, "127.0.0.1", 0, "127.0.0.1:0", "127.0.0.1:0"},
    {"[::1]:50051", CGRPC_TARGET_DNS, "::1", 50051, "[::1]:50051", "[::1]:50051"},
    {"::1", CGRPC_TARGET_DNS, "::1", 443, "::1", "[::1]:443"},
    {"[::]:65535", CGRPC_TARGET_DNS, "::", 65535, "[::]:65535", "[::]:65535"},
    {"dns:host:1", CGRPC_TARGET_DNS, "host", 1, "host:1", ""},
    {"dns:///host:1", CGRPC_TARGET_DNS, "host", 1, "host:1", ""},
    {"dns:///[::1]:7", CGRPC_TARGET_DNS, "::1", 7, "[::1]:7", "[::1]:7"},
    {"ipv4:1.2.3.4:80", CGRPC_TARGET_IPV4, "", 0, "1.2.3.4:80", "1.2.3.4:80"},
    {"ipv4:1.2.3.4", CGRPC_TARGET_IPV4, "", 0, "1.2.3.4", "1.2.3.4:443"},
    {"ipv4:1.2.3.4:80,5.6.7.8:81", CGRPC_TARGET_IPV4, "", 0, "1.2.3.4:80", "1.2.3.4:80,5.6.7.8:81"},
    {"ipv6:[::1]:80", CGRPC_TARGET_IPV6, "", 0, "[::1]:80", "[::1]:80"},
    {"ipv6:::1", CGRPC_TARGET_IPV6, "", 0, "::1", "[::1]:443"},
    {"ipv6:[2001:db8::1]:80,[::1]:81", CGRPC_TARGET_IPV6, "", 0, "[2001:db8::1]:80",
     "[2001:db8::1]:80,[::1]:81"},
    {"ipv6:[fe80::1%lo]:80", CGRPC_TARGET_IPV6, "", 0, "[fe80::1%lo]:80", "[fe80::1%lo]:80"},
    {"unix:/tmp/x.sock", CGRPC_TARGET_UNIX, "", 0, "localhost", "unix:/tmp/x.sock"},
    {"unix:relative/x.sock", CGRPC_TARGET_UNIX, "", 0, "localhost", "unix:relative/x.sock"},
    {"unix:///tmp/x.sock", CGRPC_TARGET_UNIX, "", 0, "localhost", "unix:/tmp/x.sock"},
    {"unix-abstract:my-name", CGRPC_TARGET_UNIX_ABSTRACT, "", 0, "localhost",
     "unix-abstract:my-name"},
};

typedef struct {
  const char *text;
  const char *message; /* must appear in the error */
} bad_t;

static const bad_t bad[] = {
    {"", "empty target"},
    {"localhost:", "missing port after ':'"},
    {"localhost:99999", "bad port \"99999\" (expected 0-65535) in target \"localhost:99999\""},
    {"localhost:65536", "bad port \"65536\""},
    {"localhost:http", "bad port \"http\""},
    {"localhost:-1", "bad port \"-1\""},
    {":50051", "missing host"},
    {"dns:", "missing host"},
    {"[::1", "missing ']'"},
    {"[::1]x", "unexpected \"x\" after ']'"},
    {"[foo]:80", "\"foo\" in brackets is not an IPv6 address"},
    {"[1.2.3.4]:80", "in brackets is not an IPv6 address"},
    {"1::2::3", "\"1::2::3\" is not a valid IPv6 address"},
    {"host name:80", "bad host name \"host name\""},
    {"a..b:80", "bad host name"},
    {".a:80", "bad host name"},
    {"h\xc3\xa9llo:80", "bad host name"},
    {"http://example.com", "unsupported scheme \"http\""},
    {"dns://dns.example/host:80", "DNS server \"dns.example\" is not an IP address"},
    {"dns://host", "missing '/' after the DNS authority"},
    {"ipv4:", "empty address in the IPv4 list"},
    {"ipv4:1.2.3.4:80,", "empty address in the IPv4 list"},
    {"ipv4:[::1]:80", "\"[::1]:80\" is not an IPv4 address"},
    {"ipv4:localhost:80", "\"localhost:80\" is not an IPv4 address"},
    {"ipv4:1.2.3:80", "is not an IPv4 address"},
    {"ipv4:256.1.1.1", "is not an IPv4 address"},
    {"ipv4:1.2.3.4:x", "bad port \"x\""},
    {"ipv6:1.2.3.4:80", "is not an IPv6 address"},
    {"ipv6:[fe80::1%nosuchif0]:80", "is not an IPv6 address"},
    {"unix:", "missing unix socket path"},
    {"unix://host/path", "unix targets take no authority"},
    {"unix-abstract:", "missing abstract socket name"},
};

static void join_addrs(const cgrpc_target_t *t, char *out, size_t len) {
  out[0] = '\0';
  for (size_t i = 0; i < t->addrs.count; i++) {
    char buf[CGRPC_ADDRESS_STRLEN];
    if (i) strncat(out, ",", len - strlen(out) - 1);
    strncat(out, cgrpc_address_format(&t->addrs.items[i], buf), len - strlen(out) - 1);
  }
}

static void test_good_targets(void) {
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
    const good_t *g = &good[i];
    cgrpc_target_t t;
    char err[256];
    int rc = cgrpc_target_parse(g->text, &t, err, sizeof err);
    if (rc != 0) fprintf(stderr, "  target \"%s\": %s\n", g->text, err);
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_INT(t.kind, g->kind);
    if (g->kind == CGRPC_TARGET_DNS) {
      CHECK_EQ_STR(t.host, g->host);
      CHECK_EQ_UINT(t.port, g->port);
    }
    CHECK_EQ_STR(t.authority, g->authority);
    char addrs[512];
    join_addrs(&t, addrs, sizeof addrs);
    CHECK_EQ_STR(addrs, g->addrs);
    cgrpc_target_free(&t);
    cgrpc_target_free(&t); /* idempotent */
  }
}

static void test_bad_targets(void) {
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    const bad_t *b = &bad[i];
    cgrpc_target_t t;
    char err[256] = "untouched";
    CHECK_EQ_INT(cgrpc_target_parse(b->text, &t, err, sizeof err), CGRPC_IO_EBADTARGET);
    if (!strstr(err, b->message)) {
      TEST_FAIL_("target \"%s\": message \"%s\" lacks \"%s\"", b->text, err, b->message);
    }
    CHECK(strstr(err, " in target \"") != NULL);
    CHECK_EQ_UINT(t.addrs.count, 0);
    CHECK(t.addrs.items == NULL);
    cgrpc_target_free(&t);
  }
}

static void test_length_limits(void) {
  char text[400], err[256];
  cgrpc_target_t t;
  /* sun_path holds 107 bytes and a NUL. */
  memset(text, 0, sizeof text);
  strcpy(text, "unix:/");
  memset(text + 6, 'p', 106);
  CHECK_EQ_INT(cgrpc_target_parse(text, &t, err, sizeof err), 0);
  CHECK_EQ_UINT(t.addrs.count, 1);
  cgrpc_target_free(&t);
  text[6 + 106] = 'p';
  CHECK_EQ_INT(cgrpc_target_parse(text, &t, err, sizeof err), CGRPC_IO_EBADTARGET);
  CHECK(strstr(err, "unix socket path is longer than 107 bytes") != NULL);
  /* The input is quoted shortened. */
  CHECK(strstr(err, "...\"") != NULL);

  memset(text, 0, sizeof text);
  memset(text, 'h', 300);
  CHECK_EQ_INT(cgrpc_target_parse(text, &t, err, sizeof err), CGRPC_IO_EBADTARGET);
  CHECK(strstr(err, "host is longer than 253 bytes") != NULL);

  memset(text, 0, sizeof text);
  memset(text, 'l', 63);
  CHECK_EQ_INT(cgrpc_target_parse(text, &t, err, sizeof err), 0);
  text[63] = 'l'; /* a 64-byte label */
  CHECK_EQ_INT(cgrpc_target_parse(text, &t, err, sizeof err), CGRPC_IO_EBADTARGET);
  CHECK(strstr(err, "bad host name") != NULL);
}

static void test_error_buffer_is_optional_and_truncated(void) {
  cgrpc_target_t t;
  CHECK_EQ_INT(cgrpc_target_parse("localhost:x", &t, NULL, 0), CGRPC_IO_EBADTARGET);
  CHECK_EQ_INT(cgrpc_target_parse(NULL, &t, NULL, 0), CGRPC_IO_EBADTARGET);
  char small[8];
  CHECK_EQ_INT(cgrpc_target_parse("localhost:x", &t, small, sizeof small), CGRPC_IO_EBADTARGET);
  CHECK_EQ_STR(small, "bad por");
  CHECK_EQ_STR(cgrpc_io_strerror(CGRPC_IO_EBADTARGET), "malformed target address");
}

static void test_abstract_names_keep_their_exact_length(void) {
  cgrpc_target_t t;
  CHECK_EQ_INT(cgrpc_target_parse("unix-abstract:ab", &t, NULL, 0), 0);
  /* sa_family, the leading NUL, then exactly "ab": no trailing NUL. */
  CHECK_EQ_UINT(t.addrs.items[0].len, offsetof(struct sockaddr_un, sun_path) + 3);
  CHECK_EQ_MEM(t.addrs.items[0].u.un.sun_path, 3, "\0ab", 3);
  cgrpc_target_free(&t);
}

/* dns://server[:port]/name: the server as c-ares takes it, port 53 unless said. */
static void test_dns_server_authority(void) {
  static const struct {
    const char *text, *server, *host;
  } cases[] = {
      {"dns://8.8.8.8/host:80", "8.8.8.8:53", "host"},
      {"dns://127.0.0.1:5353/backends.test:50051", "127.0.0.1:5353", "backends.test"},
      {"dns://[::1]:5353/h", "[::1]:5353", "h"},
      {"dns://[::1]/h", "[::1]:53", "h"},
      {"dns:///h:1", "", "h"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    cgrpc_target_t t;
    char err[256];
    CHECK_EQ_INT(cgrpc_target_parse(cases[i].text, &t, err, sizeof err), 0);
    CHECK_EQ_STR(t.dns_server, cases[i].server);
    CHECK_EQ_STR(t.host, cases[i].host);
    cgrpc_target_free(&t);
  }
}

int main(void) {
  TEST_RUN(test_good_targets);
  TEST_RUN(test_bad_targets);
  TEST_RUN(test_length_limits);
  TEST_RUN(test_error_buffer_is_optional_and_truncated);
  TEST_RUN(test_abstract_names_keep_their_exact_length);
  TEST_RUN(test_dns_server_authority);
  return TEST_DONE();
}

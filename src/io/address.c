/* Target parsing and address formatting; see io/address.h for the syntax.
 *
 * The parser works on (pointer, length) spans of the input so it never
 * copies until a piece is known to be valid, and every failure goes through
 * bad(), which names the problem and quotes the input: a target comes from a
 * config file or a command line, and the message is what the user sees. */
#define _GNU_SOURCE

#include "io/address.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "io/error.h"

#define DEFAULT_PORT 443
#define SUN_PATH_MAX (sizeof(((struct sockaddr_un *)0)->sun_path) - 1)
#define DNS_LABEL_MAX 63
#define QUOTE_MAX 100 /* longest piece of input quoted in an error message */

typedef struct {
  const char *p;
  size_t n;
} span_t;

typedef struct {
  const char *text; /* the whole target, for messages */
  char *err;
  size_t errlen;
} parse_ctx_t;

static span_t span_of(const char *p, const char *end) { return (span_t){p, (size_t)(end - p)}; }

static bool span_eat(span_t *s, const char *prefix) {
  size_t n = strlen(prefix);
  if (s->n < n || memcmp(s->p, prefix, n) != 0) return false;
  s->p += n;
  s->n -= n;
  return true;
}

__attribute__((format(printf, 2, 3))) static int bad(const parse_ctx_t *c, const char *fmt, ...) {
  if (c->err && c->errlen > 0) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(c->err, c->errlen, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < c->errlen) {
      snprintf(c->err + n, c->errlen - (size_t)n, " in target \"%.*s%s\"", QUOTE_MAX, c->text,
               strlen(c->text) > QUOTE_MAX ? "..." : "");
    }
  }
  return CGRPC_IO_EBADTARGET;
}

/* ---- Addresses ---------------------------------------------------------- */

void cgrpc_address_list_free(cgrpc_address_list_t *list) {
  if (!list) return;
  cgrpc_free(list->items);
  list->items = NULL;
  list->count = 0;
}

uint16_t cgrpc_address_port(const cgrpc_address_t *addr) {
  switch (addr->u.sa.sa_family) {
    case AF_INET:
      return ntohs(addr->u.in.sin_port);
    case AF_INET6:
      return ntohs(addr->u.in6.sin6_port);
    default:
      return 0;
  }
}

static void format_unix(const cgrpc_address_t *addr, char *buf) {
  size_t base = offsetof(struct sockaddr_un, sun_path);
  size_t n = addr->len > base ? addr->len - base : 0;
  if (n > 0 && addr->u.un.sun_path[0] == '\0') {
    char *out = buf + sprintf(buf, "unix-abstract:");
    for (size_t i = 1; i < n; i++) {
      char ch = addr->u.un.sun_path[i];
      *out++ = ch >= 0x20 && ch < 0x7f ? ch : '?';
    }
    *out = '\0';
    return;
  }
  sprintf(buf, "unix:%.*s", (int)strnlen(addr->u.un.sun_path, n), addr->u.un.sun_path);
}

const char *cgrpc_address_format(const cgrpc_address_t *addr, char buf[CGRPC_ADDRESS_STRLEN]) {
  char host[INET6_ADDRSTRLEN];
  switch (addr->u.sa.sa_family) {
    case AF_INET:
      inet_ntop(AF_INET, &addr->u.in.sin_addr, host, sizeof host);
      snprintf(buf, CGRPC_ADDRESS_STRLEN, "%s:%u", host, (unsigned)cgrpc_address_port(addr));
      break;
    case AF_INET6: {
      inet_ntop(AF_INET6, &addr->u.in6.sin6_addr, host, sizeof host);
      char zone[IF_NAMESIZE + 2] = "";
      uint32_t scope = addr->u.in6.sin6_scope_id;
      if (scope != 0) {
        char name[IF_NAMESIZE];
        if (if_indextoname(scope, name)) {
          snprintf(zone, sizeof zone, "%%%s", name);
        } else {
          snprintf(zone, sizeof zone, "%%%u", (unsigned)scope);
        }
      }
      snprintf(buf, CGRPC_ADDRESS_STRLEN, "[%s%s]:%u", host, zone,
               (unsigned)cgrpc_address_port(addr));
      break;
    }
    case AF_UNIX:
      format_unix(addr, buf);
      break;
    default:
      snprintf(buf, CGRPC_ADDRESS_STRLEN, "(address family %d)", (int)addr->u.sa.sa_family);
      break;
  }
  return buf;
}

static bool ipv4_literal(const char *host, uint16_t port, cgrpc_address_t *out) {
  memset(out, 0, sizeof *out);
  if (inet_pton(AF_INET, host, &out->u.in.sin_addr) != 1) return false;
  out->u.in.sin_family = AF_INET;
  out->u.in.sin_port = htons(port);
  out->len = sizeof out->u.in;
  return true;
}

/* Accepts "addr" and "addr%zone", the zone an interface name or index. */
static bool ipv6_literal(const char *host, uint16_t port, cgrpc_address_t *out) {
  memset(out, 0, sizeof *out);
  char plain[INET6_ADDRSTRLEN];
  const char *pct = strchr(host, '%');
  size_t n = pct ? (size_t)(pct - host) : strlen(host);
  if (n >= sizeof plain) return false;
  memcpy(plain, host, n);
  plain[n] = '\0';
  if (inet_pton(AF_INET6, plain, &out->u.in6.sin6_addr) != 1) return false;
  if (pct) {
    const char *zone = pct + 1;
    unsigned index = if_nametoindex(zone);
    if (index == 0) {
      char *end;
      unsigned long v = *zone >= '0' && *zone <= '9' ? strtoul(zone, &end, 10) : 0;
      if (v == 0 || *end != '\0' || v > UINT32_MAX) return false;
      index = (unsigned)v;
    }
    out->u.in6.sin6_scope_id = index;
  }
  out->u.in6.sin6_family = AF_INET6;
  out->u.in6.sin6_port = htons(port);
  out->len = sizeof out->u.in6;
  return true;
}

/* ---- Targets ------------------------------------------------------------ */

/* One "host", "host:port", "[v6]", "[v6]:port" or bare "v6" piece. */
typedef struct {
  char host[CGRPC_TARGET_HOST_MAX];
  uint16_t port;
  bool bracketed;
} endpoint_t;

static int parse_port(const parse_ctx_t *c, span_t s, uint16_t *port) {
  if (s.n == 0) return bad(c, "missing port after ':'");
  unsigned long v = 0;
  bool ok = true;
  for (size_t i = 0; i < s.n && ok; i++) {
    ok = s.p[i] >= '0' && s.p[i] <= '9';
    v = v * 10 + (unsigned long)(s.p[i] - '0');
    ok = ok && v <= 65535;
  }
  if (!ok) return bad(c, "bad port \"%.*s\" (expected 0-65535)", (int)s.n, s.p);
  *port = (uint16_t)v;
  return 0;
}

static int parse_endpoint(const parse_ctx_t *c, span_t s, endpoint_t *ep) {
  span_t host = s, port = {NULL, 0};
  bool has_port = false;
  ep->bracketed = s.n > 0 && s.p[0] == '[';
  if (ep->bracketed) {
    const char *close = memchr(s.p, ']', s.n);
    if (!close) return bad(c, "missing ']' after IPv6 address");
    host = span_of(s.p + 1, close);
    span_t rest = span_of(close + 1, s.p + s.n);
    if (rest.n > 0) {
      if (rest.p[0] != ':') {
        return bad(c, "unexpected \"%.*s\" after ']' (expected :port)", (int)rest.n, rest.p);
      }
      port = span_of(rest.p + 1, rest.p + rest.n);
      has_port = true;
    }
  } else {
    const char *colon = memchr(s.p, ':', s.n);
    /* Two or more colons without brackets: a bare IPv6 address, no port. */
    if (colon && !memchr(colon + 1, ':', (size_t)(s.p + s.n - colon - 1))) {
      host = span_of(s.p, colon);
      port = span_of(colon + 1, s.p + s.n);
      has_port = true;
    }
  }
  if (host.n == 0) return bad(c, "missing host");
  if (host.n >= sizeof ep->host) {
    return bad(c, "host is longer than %d bytes", CGRPC_TARGET_HOST_MAX - 1);
  }
  memcpy(ep->host, host.p, host.n);
  ep->host[host.n] = '\0';
  ep->port = DEFAULT_PORT;
  return has_port ? parse_port(c, port, &ep->port) : 0;
}

/* Letters, digits, '-' and '_' in dot-separated labels of 1-63 bytes; one
 * trailing dot (a fully qualified name) is fine. */
static bool valid_host_name(const char *h) {
  size_t label = 0;
  for (const char *p = h; *p; p++) {
    char ch = *p;
    if (ch == '.') {
      if (label == 0) return false;
      label = 0;
    } else if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
               ch == '-' || ch == '_') {
      if (++label > DNS_LABEL_MAX) return false;
    } else {
      return false;
    }
  }
  return true;
}

static void set_authority(cgrpc_target_t *t, span_t s) {
  size_t n = s.n < sizeof t->authority - 1 ? s.n : sizeof t->authority - 1;
  memcpy(t->authority, s.p, n);
  t->authority[n] = '\0';
}

static int alloc_addrs(cgrpc_target_t *t, size_t count) {
  t->addrs.items = cgrpc_malloc(count * sizeof *t->addrs.items);
  if (!t->addrs.items) return -ENOMEM;
  t->addrs.count = count;
  return 0;
}

/* The authority of dns://server[:port]/name: an IP literal (the server is
 * what resolves names, so it cannot be a name itself), port 53 unless said. */
static int parse_dns_server(const parse_ctx_t *c, span_t s, cgrpc_target_t *t) {
  endpoint_t ep;
  int err = parse_endpoint(c, s, &ep);
  if (err) return err;
  cgrpc_address_t addr;
  bool has_port = s.n > 0 && s.p[s.n - 1] != ']' && memchr(s.p, ':', s.n) &&
                  (ep.bracketed || !strchr(ep.host, ':'));
  uint16_t port = has_port ? ep.port : 53;
  if (ipv4_literal(ep.host, port, &addr) && !ep.bracketed) {
    snprintf(t->dns_server, sizeof t->dns_server, "%.15s:%u", ep.host, (unsigned)port);
  } else if (ipv6_literal(ep.host, port, &addr) && !strchr(ep.host, '%') &&
             strlen(ep.host) <= 45) {
    snprintf(t->dns_server, sizeof t->dns_server, "[%.45s]:%u", ep.host, (unsigned)port);
  } else {
    return bad(c, "DNS server \"%.*s\" is not an IP address (expected dns://1.2.3.4:53/name)",
               (int)s.n, s.p);
  }
  return 0;
}

static int parse_dns(const parse_ctx_t *c, span_t s, cgrpc_target_t *t) {
  if (span_eat(&s, "//")) {
    const char *slash = memchr(s.p, '/', s.n);
    if (!slash) return bad(c, "missing '/' after the DNS authority (expected dns:///host:port)");
    if (slash != s.p) {
      int err = parse_dns_server(c, span_of(s.p, slash), t);
      if (err) return err;
    }
    s = span_of(slash + 1, s.p + s.n);
  }
  endpoint_t ep;
  int err = parse_endpoint(c, s, &ep);
  if (err) return err;
  t->kind = CGRPC_TARGET_DNS;
  memcpy(t->host, ep.host, sizeof t->host);
  t->port = ep.port;
  set_authority(t, s);
  cgrpc_address_t addr;
  if (ipv4_literal(ep.host, ep.port, &addr) || ipv6_literal(ep.host, ep.port, &addr)) {
    if (ep.bracketed && addr.u.sa.sa_family != AF_INET6) {
      return bad(c, "\"%s\" in brackets is not an IPv6 address", ep.host);
    }
    err = alloc_addrs(t, 1);
    if (err) return err;
    t->addrs.items[0] = addr;
    return 0;
  }
  if (ep.bracketed) return bad(c, "\"%s\" in brackets is not an IPv6 address", ep.host);
  if (strchr(ep.host, ':')) {
    return bad(c,
               "\"%s\" is not a valid IPv6 address (an IPv6 address with a port is written "
               "[addr]:port)",
               ep.host);
  }
  if (!valid_host_name(ep.host)) {
    return bad(c, "bad host name \"%s\" (expected letters, digits, '-', '_' and dots)", ep.host);
  }
  return 0;
}

/* ipv4: and ipv6: — a comma-separated list of literals of one family. */
static int parse_ip_list(const parse_ctx_t *c, span_t s, int family, cgrpc_target_t *t) {
  const char *name = family == AF_INET ? "IPv4" : "IPv6";
  size_t count = 1;
  for (size_t i = 0; i < s.n; i++) count += s.p[i] == ',';
  int err = alloc_addrs(t, count);
  if (err) return err;
  t->kind = family == AF_INET ? CGRPC_TARGET_IPV4 : CGRPC_TARGET_IPV6;
  const char *p = s.p, *end = s.p + s.n;
  for (size_t i = 0; i < count; i++) {
    const char *comma = memchr(p, ',', (size_t)(end - p));
    span_t piece = span_of(p, comma ? comma : end);
    if (piece.n == 0) return bad(c, "empty address in the %s list", name);
    if (i == 0) set_authority(t, piece);
    endpoint_t ep;
    err = parse_endpoint(c, piece, &ep);
    if (err) return err;
    bool ok = family == AF_INET
                  ? !ep.bracketed && ipv4_literal(ep.host, ep.port, &t->addrs.items[i])
                  : ipv6_literal(ep.host, ep.port, &t->addrs.items[i]);
    if (!ok) return bad(c, "\"%.*s\" is not an %s address", (int)piece.n, piece.p, name);
    p = comma ? comma + 1 : end;
  }
  return 0;
}

static int parse_unix(const parse_ctx_t *c, span_t s, bool abstract, cgrpc_target_t *t) {
  if (abstract) {
    if (s.n == 0) return bad(c, "missing abstract socket name");
  } else {
    if (span_eat(&s, "//")) {
      if (s.n == 0 || s.p[0] != '/') {
        return bad(c, "unix targets take no authority (use unix:///absolute/path or unix:path)");
      }
    }
    if (s.n == 0) return bad(c, "missing unix socket path");
  }
  if (s.n > SUN_PATH_MAX) {
    return bad(c, "unix socket %s is longer than %zu bytes", abstract ? "name" : "path",
               SUN_PATH_MAX);
  }
  int err = alloc_addrs(t, 1);
  if (err) return err;
  cgrpc_address_t *a = &t->addrs.items[0];
  memset(a, 0, sizeof *a);
  a->u.un.sun_family = AF_UNIX;
  /* An abstract name starts with a NUL and is exactly its bytes long; a path
   * is NUL-terminated. */
  memcpy(a->u.un.sun_path + abstract, s.p, s.n);
  a->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + s.n + 1);
  t->kind = abstract ? CGRPC_TARGET_UNIX_ABSTRACT : CGRPC_TARGET_UNIX;
  snprintf(t->authority, sizeof t->authority, "localhost");
  return 0;
}

/* Length of a leading "scheme://", or 0. A target without one of our
 * schemes is a DNS name, but "http://x" is a mistake worth naming. */
static size_t url_scheme_length(span_t s) {
  size_t i = 0;
  while (i < s.n && ((s.p[i] >= 'a' && s.p[i] <= 'z') || (s.p[i] >= 'A' && s.p[i] <= 'Z') ||
                     (i > 0 && ((s.p[i] >= '0' && s.p[i] <= '9') || strchr("+.-", s.p[i]))))) {
    i++;
  }
  return i > 0 && s.n - i >= 3 && memcmp(s.p + i, "://", 3) == 0 ? i : 0;
}

int cgrpc_target_parse(const char *text, cgrpc_target_t *out, char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  if (!text) text = "";
  parse_ctx_t c = {text, err, errlen};
  if (err && errlen > 0) err[0] = '\0';
  span_t s = {text, strlen(text)};
  if (s.n == 0) return bad(&c, "empty target");
  int rc;
  if (span_eat(&s, "unix-abstract:")) {
    rc = parse_unix(&c, s, true, out);
  } else if (span_eat(&s, "unix:")) {
    rc = parse_unix(&c, s, false, out);
  } else if (span_eat(&s, "ipv4:")) {
    rc = parse_ip_list(&c, s, AF_INET, out);
  } else if (span_eat(&s, "ipv6:")) {
    rc = parse_ip_list(&c, s, AF_INET6, out);
  } else if (span_eat(&s, "dns:")) {
    rc = parse_dns(&c, s, out);
  } else if (url_scheme_length(s) > 0) {
    rc = bad(&c,
             "unsupported scheme \"%.*s\" (expected dns:, ipv4:, ipv6:, unix: or "
             "unix-abstract:)",
             (int)url_scheme_length(s), s.p);
  } else {
    rc = parse_dns(&c, s, out);
  }
  if (rc) {
    cgrpc_target_free(out);
    memset(out, 0, sizeof *out);
  }
  return rc;
}

void cgrpc_target_free(cgrpc_target_t *t) { cgrpc_address_list_free(&t->addrs); }

/* io/address.h — socket addresses and gRPC target strings.
 *
 * A target is what a user writes to name a server, in the gRPC naming syntax
 * (https://github.com/grpc/grpc/blob/master/doc/naming.md):
 *
 *   host:port  localhost  1.2.3.4:50051  [::1]:50051    (no scheme: DNS)
 *   dns:host:port  dns:///host:port                     (explicit DNS)
 *   dns://8.8.8.8/host:port  dns://[::1]:5353/host      (DNS asking that server)
 *   ipv4:1.2.3.4:80  ipv4:1.2.3.4:80,5.6.7.8:81         (IPv4 literals)
 *   ipv6:[::1]:80  ipv6:::1  ipv6:[fe80::1%eth0]:80     (IPv6 literals)
 *   unix:/abs/path  unix:///abs/path  unix:relative     (unix socket path)
 *   unix-abstract:name                                  (Linux abstract socket)
 *
 * The port defaults to 443 when omitted, as in gRPC. A text with an unknown
 * scheme is a DNS name, so "localhost:50051" is not scheme "localhost".
 * Parsing never blocks and never touches the network: IP literals become
 * addresses right away; host names are left for io/resolve.h.
 *
 * The same syntax names listen addresses ("0.0.0.0:50051", "[::]:0",
 * "unix:/run/app.sock").
 *
 * Thread-safety: all functions are pure and may run on any thread.
 */
#ifndef CGRPC_SRC_IO_ADDRESS_H
#define CGRPC_SRC_IO_ADDRESS_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

/* One socket address (IPv4, IPv6 or unix), ready for bind(2)/connect(2). */
typedef struct cgrpc_address {
  union {
    struct sockaddr sa;
    struct sockaddr_in in;
    struct sockaddr_in6 in6;
    struct sockaddr_un un;
    struct sockaddr_storage storage;
  } u;
  socklen_t len; /* bytes of `u` in use */
} cgrpc_address_t;

/* A heap array of addresses. Owned by whoever filled it; free with
 * cgrpc_address_list_free(). A zeroed list is a valid empty list. */
typedef struct cgrpc_address_list {
  cgrpc_address_t *items;
  size_t count;
} cgrpc_address_list_t;

/* Frees the items and empties the list. NULL-safe, idempotent. */
void cgrpc_address_list_free(cgrpc_address_list_t *list);

/* Enough for any address cgrpc_address_format() writes, with its NUL. */
#define CGRPC_ADDRESS_STRLEN 128

/* Writes the address in target syntax: "1.2.3.4:80", "[::1]:80",
 * "[fe80::1%eth0]:80", "unix:/path", "unix-abstract:name" (bytes of an
 * abstract name outside printable ASCII shown as '?'). Returns `buf`. */
const char *cgrpc_address_format(const cgrpc_address_t *addr, char buf[CGRPC_ADDRESS_STRLEN]);

/* The TCP port of an IPv4/IPv6 address, 0 for unix addresses. */
uint16_t cgrpc_address_port(const cgrpc_address_t *addr);

typedef enum cgrpc_target_kind {
  CGRPC_TARGET_DNS,           /* a host name (or IP literal) to resolve */
  CGRPC_TARGET_IPV4,          /* ipv4: one or more IPv4 literals */
  CGRPC_TARGET_IPV6,          /* ipv6: one or more IPv6 literals */
  CGRPC_TARGET_UNIX,          /* unix: a filesystem path */
  CGRPC_TARGET_UNIX_ABSTRACT, /* unix-abstract: a name in Linux's abstract namespace */
} cgrpc_target_kind_t;

#define CGRPC_TARGET_HOST_MAX 254 /* longest DNS name (253) plus NUL */

/* A parsed target. Free with cgrpc_target_free(). */
typedef struct cgrpc_target {
  cgrpc_target_kind_t kind;
  /* DNS: the name to look up, without brackets ("example.com", "::1"). */
  char host[CGRPC_TARGET_HOST_MAX];
  uint16_t port; /* DNS: the port to connect to */
  /* The :authority for calls on this target: the host[:port] as written for
   * DNS, the first address as written for ipv4:/ipv6:, "localhost" for unix
   * sockets (what other gRPC implementations send). */
  char authority[CGRPC_TARGET_HOST_MAX + 8];
  /* The addresses, already known for every kind except DNS names that are
   * not IP literals, where it is empty until resolved (io/resolve.h). */
  cgrpc_address_list_t addrs;
  /* DNS: the server of "dns://server[:port]/name" as c-ares takes it
   * ("8.8.8.8:53", "[::1]:5353"); "" for the system's servers. */
  char dns_server[64];
} cgrpc_target_t;

/* Parses `text` into *out (overwritten; on failure it is left empty, so
 * cgrpc_target_free() is always safe). Returns 0, -ENOMEM, or
 * CGRPC_IO_EBADTARGET with a message naming the problem and the input
 * written to `err` (may be NULL; truncated to errlen), e.g.
 *   bad port "99999" in target "localhost:99999" (expected 0-65535)
 *   unix socket path is longer than 107 bytes in target "unix:/very/long/..." */
int cgrpc_target_parse(const char *text, cgrpc_target_t *out, char *err, size_t errlen);

/* Frees the target's address list. Idempotent. */
void cgrpc_target_free(cgrpc_target_t *t);

#endif /* CGRPC_SRC_IO_ADDRESS_H */

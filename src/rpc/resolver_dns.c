/* rpc/resolver_dns.c — DNS lookups with c-ares.
 *
 * Why c-ares, on the channel's worker thread, rather than getaddrinfo or
 * c-ares on the channel's loop: getaddrinfo cannot ask a given server, and
 * "dns://server:port/name" must; c-ares can, and returns every A and AAAA
 * record. Lookups are rare (the first call, then at most once per
 * min_resolution_interval_ns), so running them as a blocking job on the
 * one worker thread each channel already has keeps the loop free of
 * c-ares' sockets and timers at no cost to the calls, and cancelling is
 * dropping the result. The job's wait is bounded by c-ares' own timeouts
 * (2 s per try, 2 tries per server).
 */
#define _GNU_SOURCE
#include <sys/select.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <ares.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "io/error.h"
#include "rpc/lb.h"

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static int g_init_status;

static void library_init(void) { g_init_status = ares_library_init(ARES_LIB_INIT_ALL); }

typedef struct lookup {
  bool done;
  int status;
  cgrpc_address_list_t *out;
} lookup_t;

static void on_addrinfo(void *arg, int status, int timeouts, struct ares_addrinfo *res) {
  (void)timeouts;
  lookup_t *l = arg;
  l->done = true;
  l->status = status;
  if (status != ARES_SUCCESS || !res) {
    if (res) ares_freeaddrinfo(res);
    return;
  }
  size_t n = 0;
  for (struct ares_addrinfo_node *ai = res->nodes; ai; ai = ai->ai_next) n++;
  l->out->items = n ? cgrpc_malloc(n * sizeof *l->out->items) : NULL;
  if (n && !l->out->items) {
    l->status = ARES_ENOMEM;
    ares_freeaddrinfo(res);
    return;
  }
  for (struct ares_addrinfo_node *ai = res->nodes; ai; ai = ai->ai_next) {
    bool ip = ai->ai_family == AF_INET || ai->ai_family == AF_INET6;
    if (!ip || ai->ai_addrlen > sizeof l->out->items[0].u) continue;
    cgrpc_address_t *a = &l->out->items[l->out->count++];
    memset(a, 0, sizeof *a);
    memcpy(&a->u, ai->ai_addr, ai->ai_addrlen);
    a->len = ai->ai_addrlen;
  }
  ares_freeaddrinfo(res);
}

/* Runs c-ares until the lookup is done, polling its sockets. */
static void drive(ares_channel chan, lookup_t *l) {
  while (!l->done) {
    ares_socket_t socks[ARES_GETSOCK_MAXNUM];
    int mask = ares_getsock(chan, socks, ARES_GETSOCK_MAXNUM);
    struct pollfd pfds[ARES_GETSOCK_MAXNUM];
    nfds_t n = 0;
    for (int i = 0; i < ARES_GETSOCK_MAXNUM; i++) {
      /* c-ares' ARES_GETSOCK_WRITABLE shifts a signed 1 by up to 31 places
       * (undefined); the same bits, read unsigned. */
      unsigned bits = (unsigned)mask;
      short ev = (short)(((bits >> i) & 1u ? POLLIN : 0) |
                         ((bits >> (i + ARES_GETSOCK_MAXNUM)) & 1u ? POLLOUT : 0));
      if (ev) pfds[n++] = (struct pollfd){.fd = socks[i], .events = ev};
    }
    struct timeval tv_buf, *tv = ares_timeout(chan, NULL, &tv_buf);
    int ms = tv ? (int)(tv->tv_sec * 1000 + (tv->tv_usec + 999) / 1000) : 1000;
    int rv = poll(pfds, n, ms);
    if (rv < 0 && errno != EINTR) break;
    if (rv <= 0) {
      ares_process_fd(chan, ARES_SOCKET_BAD, ARES_SOCKET_BAD); /* timeouts */
      continue;
    }
    for (nfds_t i = 0; i < n; i++) {
      ares_socket_t r =
          pfds[i].revents & (POLLIN | POLLERR | POLLHUP) ? pfds[i].fd : ARES_SOCKET_BAD;
      ares_socket_t w = pfds[i].revents & (POLLOUT | POLLERR) ? pfds[i].fd : ARES_SOCKET_BAD;
      if (r != ARES_SOCKET_BAD || w != ARES_SOCKET_BAD) ares_process_fd(chan, r, w);
    }
  }
}

static int map_status(int status) {
  switch (status) {
    case ARES_SUCCESS:
      return 0;
    case ARES_ENOTFOUND:
    case ARES_ENODATA:
    case ARES_ENONAME:
      return CGRPC_IO_ENOTFOUND;
    case ARES_ENOMEM:
      return -ENOMEM;
    default: /* timeouts, refused, unreachable servers: try again later */
      return CGRPC_IO_ERESOLVE;
  }
}

int cgrpc_dns_lookup(const char *server, const char *host, uint16_t port,
                     cgrpc_address_list_t *out) {
  *out = (cgrpc_address_list_t){0};
  pthread_once(&g_once, library_init);
  if (g_init_status != ARES_SUCCESS) return CGRPC_IO_ERESOLVE;
  bool own_server = server && server[0];
  struct ares_options opts = {.timeout = 2000, .tries = 2};
  int mask = ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES;
  char lookups[] = "b"; /* a given server: DNS only, not /etc/hosts */
  if (own_server) {
    opts.lookups = lookups;
    mask |= ARES_OPT_LOOKUPS;
  }
  ares_channel chan;
  int rc = ares_init_options(&chan, &opts, mask);
  if (rc != ARES_SUCCESS) return map_status(rc == ARES_ENOMEM ? rc : ARES_EFILE);
  if (own_server && ares_set_servers_ports_csv(chan, server) != ARES_SUCCESS) {
    ares_destroy(chan);
    return CGRPC_IO_ERESOLVE;
  }
  char service[8];
  snprintf(service, sizeof service, "%u", (unsigned)port);
  struct ares_addrinfo_hints hints = {
      .ai_flags = ARES_AI_NUMERICSERV, .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
  lookup_t l = {.out = out};
  ares_getaddrinfo(chan, host, service, &hints, on_addrinfo, &l);
  drive(chan, &l);
  ares_destroy(chan); /* ends a lookup cut short (the callback runs, done) */
  int rv = l.done ? map_status(l.status) : CGRPC_IO_ERESOLVE;
  if (rv == 0 && out->count == 0) rv = CGRPC_IO_ENOTFOUND;
  if (rv != 0) cgrpc_address_list_free(out);
  return rv;
}

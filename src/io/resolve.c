/* Name resolution: getaddrinfo(3) for host names, a copy for targets that
 * carry their addresses, and the same lookup as a worker job whose result is
 * posted back to a loop. See io/resolve.h for where each may be called. */
#define _GNU_SOURCE

#include "io/resolve.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "io/error.h"

static int copy_list(const cgrpc_address_list_t *from, cgrpc_address_list_t *to) {
  to->items = cgrpc_malloc(from->count * sizeof *to->items);
  if (!to->items) return -ENOMEM;
  memcpy(to->items, from->items, from->count * sizeof *to->items);
  to->count = from->count;
  return 0;
}

static int map_gai_error(int rc) {
  switch (rc) {
    case EAI_NONAME:
    case EAI_NODATA:
    case EAI_ADDRFAMILY:
      return CGRPC_IO_ENOTFOUND;
    case EAI_MEMORY:
      return -ENOMEM;
    case EAI_SYSTEM:
      return errno ? -errno : CGRPC_IO_ERESOLVE;
    default: /* EAI_AGAIN, EAI_FAIL: the DNS servers failed to answer */
      return CGRPC_IO_ERESOLVE;
  }
}

static int lookup(const char *host, uint16_t port, cgrpc_address_list_t *out) {
  char service[8];
  snprintf(service, sizeof service, "%u", (unsigned)port);
  struct addrinfo hints = {
      .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
  struct addrinfo *res;
  int rc = getaddrinfo(host, service, &hints, &res);
  if (rc != 0) return map_gai_error(rc);
  size_t n = 0;
  for (struct addrinfo *ai = res; ai; ai = ai->ai_next) n++;
  out->items = cgrpc_malloc(n * sizeof *out->items);
  if (!out->items) {
    freeaddrinfo(res);
    return -ENOMEM;
  }
  for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
    bool ip = ai->ai_family == AF_INET || ai->ai_family == AF_INET6;
    if (!ip || ai->ai_addrlen > sizeof out->items[0].u) continue;
    cgrpc_address_t *a = &out->items[out->count++];
    memset(a, 0, sizeof *a);
    memcpy(&a->u, ai->ai_addr, ai->ai_addrlen);
    a->len = ai->ai_addrlen;
  }
  freeaddrinfo(res);
  if (out->count == 0) {
    cgrpc_address_list_free(out);
    return CGRPC_IO_ENOTFOUND;
  }
  return 0;
}

int cgrpc_resolve(const cgrpc_target_t *target, cgrpc_address_list_t *out) {
  *out = (cgrpc_address_list_t){0};
  if (target->addrs.count > 0) return copy_list(&target->addrs, out);
  return lookup(target->host, target->port, out);
}

/* ---- Asynchronous lookups ----------------------------------------------- */

struct cgrpc_resolve_req {
  cgrpc_loop_t *loop;
  cgrpc_resolve_fn fn;
  void *arg;
  char host[CGRPC_TARGET_HOST_MAX];
  uint16_t port;
  int err;
  cgrpc_address_list_t result;
  bool cancelled; /* loop thread only, like delivery */
};

static void deliver(void *arg) {
  cgrpc_resolve_req_t *req = arg;
  if (req->cancelled) {
    cgrpc_address_list_free(&req->result);
  } else {
    req->fn(req->arg, req->err, req->result);
  }
  cgrpc_free(req);
}

static void post_result(cgrpc_resolve_req_t *req) {
  if (cgrpc_loop_post(req->loop, deliver, req) != 0) {
    /* Out of memory for one queue slot: the result cannot reach the loop.
     * Release it rather than leak; the owner's retry logic covers a lookup
     * that never answers, as it does a DNS server that never answers. */
    cgrpc_address_list_free(&req->result);
    cgrpc_free(req);
  }
}

static void lookup_job(void *arg) {
  cgrpc_resolve_req_t *req = arg;
  req->err = lookup(req->host, req->port, &req->result);
  post_result(req);
}

int cgrpc_resolve_start(cgrpc_workers_t *workers, cgrpc_loop_t *loop, const cgrpc_target_t *target,
                        cgrpc_resolve_fn fn, void *arg, cgrpc_resolve_req_t **req_out) {
  *req_out = NULL;
  cgrpc_resolve_req_t *req = cgrpc_malloc(sizeof *req);
  if (!req) return -ENOMEM;
  *req = (cgrpc_resolve_req_t){.loop = loop, .fn = fn, .arg = arg, .port = target->port};
  memcpy(req->host, target->host, sizeof req->host);
  int err;
  if (target->addrs.count > 0) {
    /* Nothing to look up, but the callback still runs later, on the loop. */
    req->err = copy_list(&target->addrs, &req->result);
    err = cgrpc_loop_post(loop, deliver, req);
  } else {
    err = cgrpc_workers_submit(workers, lookup_job, req);
  }
  if (err) {
    cgrpc_address_list_free(&req->result);
    cgrpc_free(req);
    return err;
  }
  *req_out = req;
  return 0;
}

void cgrpc_resolve_cancel(cgrpc_resolve_req_t *req) { req->cancelled = true; }

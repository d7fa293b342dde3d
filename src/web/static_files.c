/* web/static_files.c — static file routes (cgrpc_server_serve_directory) on
 * the seam of web/protocol.h: GET and HEAD of files under a directory, with
 * a content type from the extension, ETag and Last-Modified, and 304 for
 * If-None-Match / If-Modified-Since.
 *
 * No path leaves the directory: the URL path is percent-decoded once, and a
 * decoded path holding a NUL, a backslash, or a "." or ".." segment is
 * refused (so "%2e%2e" is as dead as ".."); then the file's real path (all
 * symlinks resolved) must still be inside the directory's real path, so a
 * symlink pointing out of it is refused too. Refusals answer 404, as for a
 * missing file, so the layout outside is not probed. */
#define _GNU_SOURCE /* realpath, strptime, timegm, memmem */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "web/protocol.h"
#include "web/static_files.h"

/* Files larger than this are not served (the body is held in memory). */
#define STATIC_MAX_FILE (64u << 20)

static bool header_is(cgrpc_str_t v, const char *lit) {
  return v.data && v.len == strlen(lit) && memcmp(v.data, lit, v.len) == 0;
}

/* Whether If-None-Match lists `etag` (or is "*"). */
static bool etag_matches(cgrpc_str_t v, const char *etag) {
  if (!v.data) return false;
  if (header_is(v, "*")) return true;
  size_t n = strlen(etag);
  for (size_t i = 0; i + n <= v.len; i++)
    if (memcmp(v.data + i, etag, n) == 0) return true;
  /* A strong form of our weak tag matches too (weak comparison). */
  return n > 2 && v.len >= n - 2 && memmem(v.data, v.len, etag + 2, n - 2) != NULL;
}

static cgrpc_web_match_t not_found(cgrpc_web_exchange_t *x) {
  static const char kBody[] = "404 Not Found\n";
  return cgrpc_web_respond_text(x, 404, "text/plain; charset=utf-8", kBody, sizeof kBody - 1)
             ? CGRPC_WEB_RESPOND
             : CGRPC_WEB_NO;
}

static cgrpc_web_match_t serve(cgrpc_web_exchange_t *x, const cgrpc_web_static_dir_t *d,
                               cgrpc_str_t rest, bool head_only) {
  char rel[PATH_MAX], full[PATH_MAX * 2], real[PATH_MAX];
  if (static_relative_path(rest.data, rest.len, rel, sizeof rel) < 0) return not_found(x);
  int n = snprintf(full, sizeof full, "%s/%s", d->dir, rel);
  if (n < 0 || (size_t)n >= sizeof full) return not_found(x);
  struct stat sb;
  if (stat(full, &sb) == 0 && S_ISDIR(sb.st_mode)) {
    if (rel[0] && rel[strlen(rel) - 1] != '/') {
      /* "/app/docs" -> "/app/docs/", so relative links in its index work. */
      cgrpc_str_t path = x->req->path;
      const char *q = memchr(path.data, '?', path.len);
      size_t plen = q ? (size_t)(q - path.data) : path.len;
      char *loc = cgrpc_arena_alloc(x->arena, plen + 2);
      if (!loc || !cgrpc_web_respond_text(x, 301, "text/plain", "", 0)) return CGRPC_WEB_NO;
      memcpy(loc, path.data, plen);
      loc[plen] = '/';
      return cgrpc_web_head_add(x, &x->respond.head, "location", (cgrpc_str_t){loc, plen + 1})
                 ? CGRPC_WEB_RESPOND
                 : CGRPC_WEB_NO;
    }
    snprintf(full + n, sizeof full - (size_t)n, "index.html");
  }
  size_t dlen = strlen(d->dir);
  if (!realpath(full, real) || strncmp(real, d->dir, dlen) != 0 ||
      (real[dlen] != '/' && real[dlen] != '\0'))
    return not_found(x);
  int fd = open(real, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return not_found(x);
  if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || (uint64_t)sb.st_size > STATIC_MAX_FILE) {
    close(fd);
    return not_found(x);
  }
  char etag[64], date[32];
  snprintf(etag, sizeof etag, "W/\"%llx-%llx\"", (unsigned long long)sb.st_size,
           (unsigned long long)sb.st_mtim.tv_sec * 1000000000ull +
               (unsigned long long)sb.st_mtim.tv_nsec);
  static_http_date(sb.st_mtim.tv_sec, date);
  cgrpc_str_t inm = cgrpc_web_header(x, "if-none-match");
  cgrpc_str_t ims = cgrpc_web_header(x, "if-modified-since");
  bool fresh = inm.data ? etag_matches(inm, etag) : false;
  if (!inm.data && ims.data) {
    struct tm tm;
    char buf[64];
    size_t l = ims.len < sizeof buf - 1 ? ims.len : sizeof buf - 1;
    memcpy(buf, ims.data, l);
    buf[l] = '\0';
    memset(&tm, 0, sizeof tm);
    const char *end = strptime(buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    fresh = end && timegm(&tm) >= sb.st_mtim.tv_sec;
  }
  const char *type = static_content_type(real);
  bool ok;
  if (fresh) {
    ok = cgrpc_web_respond_text(x, 304, "", "", 0);
  } else {
    ok = cgrpc_web_respond_text(x, 200, type, "", 0);
    size_t size = (size_t)sb.st_size;
    if (ok && !head_only && size) {
      ok = cgrpc_web_buf_reserve(&x->respond.body, size);
      size_t got = 0;
      while (ok && got < size) {
        ssize_t r = read(fd, x->respond.body.data + got, size - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        got += (size_t)r;
      }
      x->respond.body.len = got;
    }
  }
  close(fd);
  cgrpc_web_head_t *h = &x->respond.head;
  ok = ok && cgrpc_web_head_add(x, h, "etag", (cgrpc_str_t){etag, strlen(etag)}) &&
       cgrpc_web_head_add(x, h, "last-modified", (cgrpc_str_t){date, strlen(date)}) &&
       cgrpc_web_head_add(x, h, "cache-control", (cgrpc_str_t){"no-cache", 8});
  return ok ? CGRPC_WEB_RESPOND : CGRPC_WEB_NO;
}

static cgrpc_web_match_t static_match(cgrpc_web_exchange_t *x, void *server_state) {
  (void)server_state;
  const cgrpc_web_server_t *srv = x->server;
  cgrpc_str_t path = x->req->path;
  const char *q = memchr(path.data, '?', path.len);
  size_t plen = q ? (size_t)(q - path.data) : path.len;
  for (size_t i = 0; i < srv->static_dir_count; i++) {
    const cgrpc_web_static_dir_t *d = &srv->static_dirs[i];
    size_t n = strlen(d->prefix);
    bool bare = n > 1 && plen == n - 1 && memcmp(path.data, d->prefix, n - 1) == 0;
    if (!bare && (plen < n || memcmp(path.data, d->prefix, n) != 0)) continue;
    bool get = header_is(x->req->method, "GET"), head = header_is(x->req->method, "HEAD");
    if (!get && !head) {
      static const char kBody[] = "405 Method Not Allowed: static files take GET and HEAD\n";
      if (!cgrpc_web_respond_text(x, 405, "text/plain; charset=utf-8", kBody, sizeof kBody - 1) ||
          !cgrpc_web_head_add(x, &x->respond.head, "allow", (cgrpc_str_t){"GET, HEAD", 9}))
        return CGRPC_WEB_NO;
      return CGRPC_WEB_RESPOND;
    }
    if (bare) {
      if (!cgrpc_web_respond_text(x, 301, "text/plain", "", 0)) return CGRPC_WEB_NO;
      return cgrpc_web_head_add(x, &x->respond.head, "location", (cgrpc_str_t){d->prefix, n})
                 ? CGRPC_WEB_RESPOND
                 : CGRPC_WEB_NO;
    }
    return serve(x, d, (cgrpc_str_t){path.data + n, plen - n}, head);
  }
  return CGRPC_WEB_NO;
}

const cgrpc_web_protocol_t cgrpc_web_static_protocol = {
    .name = "static",
    .match = static_match,
};

/* web/static_paths.c — the pure helpers of the static file route
 * (web/static_files.h): URL path to a safe relative path, content types by
 * extension, HTTP dates. No I/O, so the fuzz target and unit tests use them
 * without a server. */
#define _GNU_SOURCE /* strcasecmp, gmtime_r */
#include <stdbool.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "web/static_files.h"

const char *static_content_type(const char *path) {
  static const char *const types[][2] = {
      {".html", "text/html; charset=utf-8"},
      {".htm", "text/html; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".txt", "text/plain; charset=utf-8"},
      {".md", "text/markdown; charset=utf-8"},
      {".xml", "application/xml"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},
      {".webp", "image/webp"},
      {".ico", "image/x-icon"},
      {".wasm", "application/wasm"},
      {".woff", "font/woff"},
      {".woff2", "font/woff2"},
      {".pdf", "application/pdf"},
      {".proto", "text/plain; charset=utf-8"},
  };
  const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
  if (dot && (!slash || dot > slash))
    for (size_t i = 0; i < sizeof types / sizeof *types; i++)
      if (strcasecmp(dot, types[i][0]) == 0) return types[i][1];
  return "application/octet-stream";
}

static int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int static_relative_path(const char *url, size_t len, char *out, size_t cap) {
  size_t n = 0;
  for (size_t i = 0; i < len; i++) {
    char c = url[i];
    if (c == '%') {
      if (i + 2 >= len) return -1;
      int hi = hex_digit(url[i + 1]), lo = hex_digit(url[i + 2]);
      if (hi < 0 || lo < 0) return -1;
      c = (char)(hi << 4 | lo);
      i += 2;
    }
    if (c == '\0' || c == '\\') return -1;
    if (n + 1 >= cap) return -1;
    out[n++] = c;
  }
  out[n] = '\0';
  /* No "." or ".." segment, no empty segment but a trailing one. */
  for (const char *seg = out;;) {
    const char *slash = strchr(seg, '/');
    size_t sl = slash ? (size_t)(slash - seg) : strlen(seg);
    if ((sl == 1 && seg[0] == '.') || (sl == 2 && seg[0] == '.' && seg[1] == '.')) return -1;
    if (sl == 0 && slash) return -1;
    if (!slash) break;
    seg = slash + 1;
  }
  return (int)n;
}

void static_http_date(time_t t, char out[32]) {
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(out, 32, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}


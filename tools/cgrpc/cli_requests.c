/* tools/cgrpc/cli_requests.c — see cli_requests.h. Values are split by a
 * scanner that tracks strings, escapes and bracket depth; the JSON layer
 * then parses each one strictly, so the scanner need not validate. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_requests.h"

int cli_requests_open(cli_requests_t *r, const char *data) {
  memset(r, 0, sizeof *r);
  r->fd = -1;
  if (!data) {
    r->eof = true;
    return CLI_EXIT_OK;
  }
  if (data[0] != '@') {
    r->name = "-d";
    r->len = r->cap = strlen(data);
    r->buf = malloc(r->cap + 1);
    if (!r->buf) return cli_fail(CLI_EXIT_FAILURE, "out of memory");
    memcpy(r->buf, data, r->len);
    r->eof = true;
    return CLI_EXIT_OK;
  }
  if (!data[1] || !strcmp(data + 1, "-")) {
    r->name = "stdin";
    r->fd = 0;
    return CLI_EXIT_OK;
  }
  r->name = data + 1;
  r->fd = open(data + 1, O_RDONLY | O_CLOEXEC);
  if (r->fd < 0) return cli_fail(CLI_EXIT_FAILURE, "-d %s: %s", data, strerror(errno));
  return CLI_EXIT_OK;
}

void cli_requests_close(cli_requests_t *r) {
  if (r->fd > 0) close(r->fd);
  free(r->buf);
  memset(r, 0, sizeof *r);
  r->fd = -1;
}

/* Reads more input; false at the end or on an error (r->eof set). */
static bool fill(cli_requests_t *r) {
  if (r->eof) return false;
  if (r->start > 0) { /* keep the unread part at the front */
    memmove(r->buf, r->buf + r->start, r->len - r->start);
    r->len -= r->start;
    r->start = 0;
  }
  if (r->cap - r->len < 4096) {
    size_t cap = r->cap ? r->cap * 2 : 65536;
    char *buf = realloc(r->buf, cap);
    if (!buf) {
      r->eof = true;
      return false;
    }
    r->buf = buf;
    r->cap = cap;
  }
  ssize_t n;
  do n = read(r->fd, r->buf + r->len, r->cap - r->len);
  while (n < 0 && errno == EINTR);
  if (n <= 0) {
    if (n < 0) fprintf(stderr, "cgrpc: reading %s: %s\n", r->name, strerror(errno));
    r->eof = true;
    return false;
  }
  r->len += (size_t)n;
  return true;
}

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* The length of the value starting at buf[from], 0 when it is not complete
 * within buf[from, len) (with `at_end`, a bare scalar ends at the input's end). */
static size_t value_length(const char *buf, size_t from, size_t len, bool at_end) {
  size_t i = from;
  int depth = 0;
  bool in_string = false;
  for (; i < len; i++) {
    char c = buf[i];
    if (in_string) {
      if (c == '\\')
        i++;
      else if (c == '"') {
        in_string = false;
        if (depth == 0) return i + 1 - from;
      }
      continue;
    }
    if (c == '"')
      in_string = true;
    else if (c == '{' || c == '[')
      depth++;
    else if (c == '}' || c == ']') {
      if (--depth <= 0) return i + 1 - from;
    } else if (depth == 0 && (is_space(c) || c == ',')) {
      return i - from;
    }
  }
  return at_end && !in_string && depth == 0 ? len - from : 0;
}

int cli_requests_next(cli_requests_t *r, const char **json, size_t *len) {
  for (;;) {
    while (r->start < r->len && is_space(r->buf[r->start])) r->start++;
    if (r->start < r->len) {
      size_t n = value_length(r->buf, r->start, r->len, r->eof);
      if (n) {
        *json = r->buf + r->start;
        *len = n;
        r->start += n;
        r->count++;
        return 1;
      }
    }
    if (!fill(r)) {
      while (r->start < r->len && is_space(r->buf[r->start])) r->start++;
      if (r->start == r->len) return 0;
      size_t n = value_length(r->buf, r->start, r->len, true);
      if (n) continue;
      size_t rest = r->len - r->start;
      fprintf(stderr, "cgrpc: %s: request %zu is not complete JSON: %.*s%s\n", r->name,
              r->count + 1, (int)(rest > 40 ? 40 : rest), r->buf + r->start,
              rest > 40 ? "..." : "");
      return -1;
    }
  }
}

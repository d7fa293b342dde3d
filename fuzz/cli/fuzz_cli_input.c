/* fuzz/cli/fuzz_cli_input.c — the cgrpc tool's own readers of outside
 * bytes (tools/cgrpc): the hand-written wire scanner that reads reflection
 * answers and descriptor sets (cli_wire.c), the splitter of a request
 * stream into JSON values (cli_requests.c) and the base64 of -bin metadata
 * (cli_base64.c). Byte 0 picks which.
 *
 * Asserts: the scanner hands out only views inside the input, in order, and
 * agrees with cli_wire_first_bytes; split values lie inside the input, do
 * not overlap, start on a non-space and the splitter ends; what base64
 * decodes re-encodes to text that decodes to the same bytes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_requests.h"
#include "cli_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct scan {
  const uint8_t *begin, *end;
  const char *last;
  size_t count;
  cgrpc_str_t first;
} scan_t;

static bool visit(void *ctx, cgrpc_str_t v) {
  scan_t *s = ctx;
  if ((const uint8_t *)v.data < s->begin || (const uint8_t *)v.data + v.len > s->end) abort();
  if (s->last && v.data <= s->last) abort();
  if (!s->count) s->first = v;
  s->last = v.data;
  s->count++;
  return true;
}

static void fuzz_wire(const uint8_t *data, size_t size, uint32_t number) {
  scan_t s = {data, data + size, NULL, 0, {NULL, 0}};
  bool ok = cli_wire_each_bytes(data, size, number, visit, &s);
  cgrpc_str_t first = cli_wire_first_bytes(data, size, number);
  if (ok && s.count && (first.data != s.first.data || first.len != s.first.len)) abort();
  cli_buf_t b = {0};
  if (s.count && cli_buf_add_bytes(&b, number, s.first.data, s.first.len)) {
    cgrpc_str_t back = cli_wire_first_bytes(b.data, b.len, number);
    if (back.len != s.first.len || (back.len && memcmp(back.data, s.first.data, back.len))) abort();
  }
  cli_buf_free(&b);
}

static void fuzz_requests(const uint8_t *data, size_t size) {
  char *text = malloc(size + 1);
  if (!text) return;
  memcpy(text, data, size);
  text[size] = '\0';
  cli_requests_t r;
  if (cli_requests_open(&r, text) == 0) {
    const char *json, *prev_end = r.buf;
    size_t len;
    while (cli_requests_next(&r, &json, &len) == 1) {
      if (json < prev_end || json + len > r.buf + r.len || len == 0) abort();
      if (*json == ' ' || *json == '\n' || *json == '\t' || *json == '\r') abort();
      prev_end = json + len;
    }
  }
  cli_requests_close(&r);
  free(text);
}

static void fuzz_base64(const uint8_t *data, size_t size) {
  unsigned char *raw = malloc(size + 1);
  char *text = malloc(4 * ((size + 2) / 3) + 1);
  unsigned char *again = malloc(size + 1);
  long n = raw ? cli_base64_decode((const char *)data, size, raw) : -1;
  if (n >= 0 && text && again) {
    if ((size_t)n > size) abort();
    cli_base64_encode(raw, (size_t)n, text);
    long m = cli_base64_decode(text, strlen(text), again);
    if (m != n || memcmp(raw, again, (size_t)n)) abort();
  }
  free(raw);
  free(text);
  free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  switch (data[0] % 3) {
    case 0:
      fuzz_wire(data + 1, size - 1, 1 + data[0] / 3 % 8);
      break;
    case 1:
      fuzz_requests(data + 1, size - 1);
      break;
    default:
      fuzz_base64(data + 1, size - 1);
  }
  return 0;
}

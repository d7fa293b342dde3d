/* Fuzz target: raw client bytes into a server connection that takes
 * HTTP/1.1 (h2/http1_bridge.c), with gRPC-Web answered by a fake
 * protocol-less server: every request goes through the HTTP/1.1 parser,
 * the in-memory HTTP/2 loopback and back out as an HTTP/1.1 response.
 *
 * Input layout: byte 0 the chunk size (1-64) the rest is fed in. The fake
 * application answers each request with a message and OK (paths "/x..."
 * fail before any message). Half the pending output is "written" after
 * each chunk, and the timers are run with a clock that jumps. */
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "h2/conn.h"

typedef struct fuzz_call {
  cgrpc_h2_stream_t stream;
  struct fuzz_call *next;
} fuzz_call_t;

static fuzz_call_t *calls;
static int64_t clock_now = 1000;

static int64_t now(void *ctx) { return clock_now; }

static cgrpc_h2_stream_t *on_new_stream(void *ctx, cgrpc_h2_conn_t *c) {
  fuzz_call_t *k = calloc(1, sizeof *k);
  if (!k) abort();
  cgrpc_h2_stream_init(&k->stream, k, NULL, 0);
  k->next = calls;
  calls = k;
  return &k->stream;
}

static void on_request(void *ctx, cgrpc_h2_stream_t *s) {
  cgrpc_str_t path = cgrpc_h2_stream_path(s);
  if (path.len > 1 && path.data[1] == 'x')
    cgrpc_h2_stream_finish(s, CGRPC_STATUS_NOT_FOUND, "no", 2, NULL);
}

static void on_headers(void *ctx, cgrpc_h2_stream_t *s) {}

static void on_message(void *ctx, cgrpc_h2_stream_t *s, const uint8_t *data, size_t len) {
  cgrpc_h2_msg_t *m = cgrpc_h2_msg_new(len);
  if (len) memcpy(cgrpc_h2_msg_payload(m), data, len);
  m->len = len;
  cgrpc_h2_stream_send(s, m);
}

static void on_end_of_stream(void *ctx, cgrpc_h2_stream_t *s) {
  cgrpc_h2_stream_finish(s, CGRPC_STATUS_OK, "", 0, NULL);
}

static void on_sent(void *ctx, cgrpc_h2_stream_t *s) {}
static void on_close(void *ctx, cgrpc_h2_stream_t *s) {}

static const cgrpc_h2_events_t events = {
    now,     on_new_stream, on_request, on_headers, on_message, on_end_of_stream,
    on_sent, on_close,      NULL,       NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  size_t chunk = (size_t)(data[0] % 64) + 1;
  data++;
  size--;
  cgrpc_h2_options_t opts;
  cgrpc_h2_options_init(&opts);
  opts.http1 = true;
  opts.http1_max_header_bytes = 1024;
  opts.http1_max_body_bytes = 4096;
  opts.http1_header_timeout = 5000;
  opts.http1_idle_timeout = 5000;
  opts.max_recv_message = 4096;
  clock_now = 1000;
  cgrpc_h2_conn_t *c;
  if (cgrpc_h2_conn_new(CGRPC_H2_SERVER, &opts, &events, NULL, &c) != 0) return 0;
  for (size_t off = 0; off < size && !cgrpc_h2_conn_finished(c); off += chunk) {
    size_t n = size - off < chunk ? size - off : chunk;
    if (cgrpc_h2_conn_recv(c, data + off, n) != 0) break;
    cgrpc_h2_conn_flush(c);
    struct iovec iov[16];
    size_t k = cgrpc_h2_conn_output(c, iov, 16), total = 0;
    for (size_t i = 0; i < k; i++) total += iov[i].iov_len;
    cgrpc_h2_conn_written(c, total / 2);
    if (data[off] == '~') {
      clock_now += 3000;
      cgrpc_h2_conn_expire(c, clock_now);
    }
  }
  cgrpc_h2_conn_free(c);
  while (calls) {
    fuzz_call_t *k = calls;
    calls = k->next;
    cgrpc_h2_stream_destroy(&k->stream);
    free(k);
  }
  return 0;
}

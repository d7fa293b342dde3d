/* Fuzz target: raw peer bytes into a whole gRPC-over-HTTP/2 connection, the
 * stack above the socket, with no socket.
 *
 * Input layout: byte 0 picks the role (odd: a client connection with one call
 * already started; even: a server connection that has seen the preface),
 * byte 1 the chunk size (1-64) the rest is fed in. The fake application echoes
 * messages, and some inputs steer it into the paths that are easiest to get
 * wrong: Trailers-Only (path "/x..."), compressed responses ("/z..."), paused
 * reads (message starting 'p') and cancellation ('c'). Half the pending output
 * is "written" after every chunk so partial writes are exercised, and a
 * deadline expiry is injected mid-way. */
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "h2/conn.h"

typedef struct fuzz_call {
  cgrpc_h2_stream_t stream;
  struct fuzz_call *next;
} fuzz_call_t;

static fuzz_call_t *calls; /* every stream created, freed after each input */

static fuzz_call_t *call_new(void) {
  fuzz_call_t *k = calloc(1, sizeof *k);
  if (!k) abort();
  cgrpc_h2_stream_init(&k->stream, k, NULL, 0);
  k->next = calls;
  calls = k;
  return k;
}

static int64_t fixed_now(void *ctx) { return 1000; }

static cgrpc_h2_stream_t *on_new_stream(void *ctx, cgrpc_h2_conn_t *c) {
  return &call_new()->stream;
}

static void on_request(void *ctx, cgrpc_h2_stream_t *s) {
  cgrpc_str_t path = cgrpc_h2_stream_path(s);
  if (path.len > 3 && path.data[1] == 'x') {
    cgrpc_h2_stream_finish(s, CGRPC_STATUS_NOT_FOUND, "nope", 4, NULL);
  } else if (path.len > 3 && path.data[1] == 'z') {
    cgrpc_h2_stream_set_response(s, NULL, CGRPC_COMPRESSION_GZIP);
  }
}

static void on_headers(void *ctx, cgrpc_h2_stream_t *s) {}

static void on_message(void *ctx, cgrpc_h2_stream_t *s, const uint8_t *data, size_t len) {
  cgrpc_h2_msg_t *m = cgrpc_h2_msg_new(len);
  if (len) memcpy(cgrpc_h2_msg_payload(m), data, len);
  m->len = len;
  cgrpc_h2_stream_send(s, m);
  if (len && data[0] == 'p') cgrpc_h2_stream_pause_read(s, true);
  if (len && data[0] == 'c') cgrpc_h2_stream_cancel(s, CGRPC_STATUS_CANCELLED, "c");
}

static void on_end_of_stream(void *ctx, cgrpc_h2_stream_t *s) {
  cgrpc_h2_stream_finish(s, CGRPC_STATUS_OK, "", 0, NULL);
}

static void on_sent(void *ctx, cgrpc_h2_stream_t *s) { cgrpc_h2_stream_pause_read(s, false); }

static void on_close(void *ctx, cgrpc_h2_stream_t *s) {}

static const cgrpc_h2_events_t events = {fixed_now,  on_new_stream, on_request,
                                         on_headers, on_message,    on_end_of_stream,
                                         on_sent,    on_close,      NULL,
                                         NULL};

static const uint8_t preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

static void start_client_call(cgrpc_h2_conn_t *c) {
  fuzz_call_t *k = call_new();
  cgrpc_h2_request_t req = {.path = CGRPC_STR("/a/b"),
                            .authority = CGRPC_STR("x"),
                            .deadline = 5000,
                            .encoding = CGRPC_COMPRESSION_DEFLATE};
  cgrpc_h2_stream_start(c, &k->stream, &req);
  cgrpc_h2_msg_t *m = cgrpc_h2_msg_new(3);
  memcpy(cgrpc_h2_msg_payload(m), "abc", 3);
  m->len = 3;
  cgrpc_h2_stream_send(&k->stream, m);
}

/* Pretends the socket took half of what the connection wants to write. */
static void write_half(cgrpc_h2_conn_t *c) {
  struct iovec iov[16];
  size_t n = cgrpc_h2_conn_output(c, iov, 16);
  size_t total = 0;
  for (size_t i = 0; i < n; i++) total += iov[i].iov_len;
  cgrpc_h2_conn_written(c, total / 2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) return 0;
  bool client = data[0] & 1;
  size_t chunk = (size_t)(data[1] % 64) + 1;
  data += 2;
  size -= 2;

  cgrpc_h2_options_t opts;
  cgrpc_h2_options_init(&opts);
  opts.stream_window = 1024;
  opts.max_recv_message = 4096;
  opts.max_header_list = 2048;
  cgrpc_h2_conn_t *c;
  if (cgrpc_h2_conn_new(client ? CGRPC_H2_CLIENT : CGRPC_H2_SERVER, &opts, &events, NULL, &c) != 0) {
    return 0;
  }
  if (client) {
    start_client_call(c);
  } else {
    cgrpc_h2_conn_recv(c, preface, sizeof preface - 1);
  }
  for (size_t off = 0; off < size; off += chunk) {
    size_t n = size - off < chunk ? size - off : chunk;
    if (cgrpc_h2_conn_recv(c, data + off, n) != 0) break;
    cgrpc_h2_conn_flush(c);
    write_half(c);
    if (off == chunk * 3) cgrpc_h2_conn_expire(c, 6000);
  }
  cgrpc_h2_conn_flush(c);
  cgrpc_h2_conn_free(c);
  while (calls) {
    fuzz_call_t *k = calls;
    calls = k->next;
    cgrpc_h2_stream_destroy(&k->stream);
    free(k);
  }
  return 0;
}

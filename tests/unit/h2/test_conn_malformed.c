/* tests/unit/h2/test_conn_malformed.c — what the transport answers to peers
 * that break the rules. A bare nghttp2 client sends requests our own client
 * never would (wrong method, content-type, te, grpc-timeout, encodings,
 * metadata, framing, padding) and checks the HTTP status, grpc-status and
 * resets; a bare nghttp2 server sends non-gRPC and malformed responses and
 * checks the status our client synthesises. */
#include "test_conn_harness.h"

static int64_t g_clock = 1;

/* ---- Raw client against our server ------------------------------------------ */

typedef struct rig {
  raw_t raw;
  tpeer_t server;
  endpoint_t a, b;
} rig_t;

static void srv_ok(tpeer_t *p, tcall_t *c) {
  char reply[32];
  snprintf(reply, sizeof reply, "%zu", c->msg_count);
  tsend(c, reply);
  cgrpc_h2_stream_finish(&c->s, CGRPC_STATUS_OK, "", 0, NULL);
}

static void rig_init_opts(rig_t *r, const cgrpc_h2_options_t *so) {
  raw_init(&r->raw, false);
  tpeer_init(&r->server, CGRPC_H2_SERVER, so, &g_clock);
  r->server.on_eos = srv_ok;
  r->a = (endpoint_t){NULL, &r->raw, 0};
  r->b = (endpoint_t){&r->server, NULL, 0};
}

static void rig_init(rig_t *r) { rig_init_opts(r, NULL); }

static void rig_free(rig_t *r) {
  raw_free(&r->raw);
  tpeer_free(&r->server);
}

#define GOOD_HEADERS(...)                                                                   \
  (const char *const[]) {                                                                   \
    ":method", "POST", ":scheme", "http", ":path", "/p.S/M", ":authority", "x", __VA_ARGS__ \
  }

/* Sends `hdrs` with `body`, pumps, and returns the response's first block. */
static void rig_call(rig_t *r, const char *const *hdrs, const uint8_t *body, size_t len) {
  raw_request(&r->raw, hdrs, body, len, true);
  pump_eps(&r->a, &r->b, 0);
}

static const uint8_t kOneMsg[] = {0, 0, 0, 0, 2, 'h', 'i'};

static void expect_answer(rig_t *r, const char *http, const char *grpc_status) {
  CHECK_EQ_INT(r->raw.nblocks, 1);
  CHECK(r->raw.nblocks >= 1 && r->raw.blocks[0].end_stream);
  CHECK_EQ_STR(raw_header(&r->raw, 0, ":status"), http);
  CHECK_EQ_STR(raw_header(&r->raw, 0, "grpc-status"), grpc_status);
  CHECK_EQ_STR(raw_header(&r->raw, 0, "content-type"), "application/grpc");
  CHECK_EQ_INT(r->server.calls[0]->got_request, 0);
  CHECK_EQ_INT(r->server.calls[0]->closed, 1);
}

static void test_good_raw_request(void) {
  rig_t r;
  rig_init(&r);
  rig_call(&r, GOOD_HEADERS("content-type", "application/grpc+proto", "te", "trailers", NULL),
           kOneMsg, sizeof kOneMsg);
  CHECK_EQ_INT(r.raw.nblocks, 2); /* headers, then trailers */
  CHECK_EQ_STR(raw_header(&r.raw, 0, ":status"), "200");
  CHECK_EQ_STR(raw_header(&r.raw, 1, "grpc-status"), "0");
  CHECK_EQ_MEM(r.raw.data, r.raw.data_len, "\0\0\0\0\0011", 6);
  rig_free(&r);
}

static void test_method_not_post(void) {
  rig_t r;
  rig_init(&r);
  rig_call(
      &r,
      (const char *const[]){":method", "GET", ":scheme", "http", ":path", "/p.S/M", ":authority",
                            "x", "content-type", "application/grpc", "te", "trailers", NULL},
      NULL, 0);
  expect_answer(&r, "405", "13");
  rig_free(&r);
}

static void test_content_type_not_grpc(void) {
  rig_t r;
  rig_init(&r);
  rig_call(&r, GOOD_HEADERS("content-type", "application/json", "te", "trailers", NULL), kOneMsg,
           sizeof kOneMsg);
  expect_answer(&r, "415", "13");
  CHECK(strstr(raw_header(&r.raw, 0, "grpc-message"), "application/json") != NULL);
  rig_free(&r);
}

static void test_content_type_grpcfoo(void) {
  rig_t r;
  rig_init(&r);
  rig_call(&r, GOOD_HEADERS("content-type", "application/grpcfoo", "te", "trailers", NULL), kOneMsg,
           sizeof kOneMsg);
  expect_answer(&r, "415", "13");
  rig_free(&r);
}

static void test_missing_te(void) {
  rig_t r;
  rig_init(&r);
  rig_call(&r, GOOD_HEADERS("content-type", "application/grpc", NULL), kOneMsg, sizeof kOneMsg);
  expect_answer(&r, "400", "13");
  rig_free(&r);
}

static void test_malformed_timeout(void) {
  const char *bad[] = {"123456789S", "10", "10x", "", "-5S", "1.5S"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    rig_t r;
    rig_init(&r);
    rig_call(&r,
             GOOD_HEADERS("grpc-timeout", bad[i], "content-type", "application/grpc", "te",
                          "trailers", NULL),
             kOneMsg, sizeof kOneMsg);
    expect_answer(&r, "200", "13");
    const char *msg = raw_header(&r.raw, 0, "grpc-message");
    CHECK(msg && strstr(msg, "malformed grpc-timeout") != NULL);
    rig_free(&r);
  }
}

static void test_timeout_already_expired(void) {
  rig_t r;
  rig_init(&r);
  rig_call(&r,
           GOOD_HEADERS("grpc-timeout", "0n", "content-type", "application/grpc", "te", "trailers",
                        NULL),
           kOneMsg, sizeof kOneMsg);
  expect_answer(&r, "200", "4");
  rig_free(&r);
}

static void test_unknown_encoding(void) {
  rig_t r;
  rig_init(&r);
  rig_call(&r,
           GOOD_HEADERS("grpc-encoding", "snappy", "content-type", "application/grpc", "te",
                        "trailers", NULL),
           kOneMsg, sizeof kOneMsg);
  expect_answer(&r, "200", "12");
  const char *accept = raw_header(&r.raw, 0, "grpc-accept-encoding");
  CHECK(accept && strstr(accept, "gzip") != NULL);
  rig_free(&r);
}

static void test_bad_binary_metadata(void) {
  rig_t r;
  rig_init(&r);
  rig_call(&r,
           GOOD_HEADERS("x-data-bin", "AAA*", "content-type", "application/grpc", "te", "trailers",
                        NULL),
           kOneMsg, sizeof kOneMsg);
  expect_answer(&r, "200", "13");
  rig_free(&r);
}

/* Padded and unpadded base64, several values joined with commas. */
static void test_binary_metadata_list(void) {
  rig_t r;
  rig_init(&r);
  rig_call(&r,
           GOOD_HEADERS("x-data-bin", "AAE=, AAE,q6ur", "content-type", "application/grpc", "te",
                        "trailers", NULL),
           kOneMsg, sizeof kOneMsg);
  const cgrpc_metadata_t *md = cgrpc_h2_stream_metadata(&r.server.calls[0]->s);
  CHECK_EQ_UINT(cgrpc_metadata_count(md, "x-data-bin"), 3);
  CHECK(md->count >= 3 && md->entries[2].value.len == 3 &&
        memcmp(md->entries[2].value.data, "\xab\xab\xab", 3) == 0);
  rig_free(&r);
}

/* nghttp2's HTTP checks reset requests with connection-specific headers. */
static void test_connection_header_reset(void) {
  rig_t r;
  rig_init(&r);
  rig_call(&r,
           GOOD_HEADERS("connection", "keep-alive", "content-type", "application/grpc", "te",
                        "trailers", NULL),
           kOneMsg, sizeof kOneMsg);
  CHECK_EQ_INT(r.raw.rst_count, 1);
  CHECK_EQ_UINT(r.raw.rst_code, NGHTTP2_PROTOCOL_ERROR);
  rig_free(&r);
}

static void expect_trailer_status(rig_t *r, const char *code) {
  int last = r->raw.nblocks - 1;
  CHECK(last >= 0);
  CHECK_EQ_STR(raw_header(&r->raw, last, "grpc-status"), code);
}

static void test_bad_compressed_flag(void) {
  rig_t r;
  rig_init(&r);
  static const uint8_t body[] = {2, 0, 0, 0, 1, 'x'};
  rig_call(&r, GOOD_HEADERS("content-type", "application/grpc", "te", "trailers", NULL), body,
           sizeof body);
  expect_trailer_status(&r, "13");
  rig_free(&r);
}

static void test_compressed_without_encoding(void) {
  rig_t r;
  rig_init(&r);
  static const uint8_t body[] = {1, 0, 0, 0, 1, 'x'};
  rig_call(&r, GOOD_HEADERS("content-type", "application/grpc", "te", "trailers", NULL), body,
           sizeof body);
  expect_trailer_status(&r, "13");
  rig_free(&r);
}

static void test_corrupt_compressed_message(void) {
  rig_t r;
  rig_init(&r);
  static const uint8_t body[] = {1, 0, 0, 0, 4, 'j', 'u', 'n', 'k'};
  rig_call(&r,
           GOOD_HEADERS("grpc-encoding", "gzip", "content-type", "application/grpc", "te",
                        "trailers", NULL),
           body, sizeof body);
  expect_trailer_status(&r, "13");
  rig_free(&r);
}

static void test_truncated_message(void) {
  rig_t r;
  rig_init(&r);
  static const uint8_t body[] = {0, 0, 0, 0, 9, 'x', 'y'};
  rig_call(&r, GOOD_HEADERS("content-type", "application/grpc", "te", "trailers", NULL), body,
           sizeof body);
  expect_trailer_status(&r, "13");
  CHECK_EQ_UINT(r.server.calls[0]->msg_count, 0);
  rig_free(&r);
}

/* Padded DATA frames: padding counts against flow control, so it must be
 * returned too. 1 MiB of messages in frames of at most 8 KiB with 255 bytes
 * of padding each is over 30 KiB of padding: an 8 KiB stream window would
 * stall if it were not. */
static void test_padded_data(void) {
  cgrpc_h2_options_t so;
  cgrpc_h2_options_init(&so);
  so.stream_window = 8192;
  rig_t r;
  rig_init_opts(&r, &so);
  r.raw.padding = 255;
  size_t count = 1024, len = 1024;
  uint8_t *body = calloc(count, len + 5);
  for (size_t i = 0; i < count; i++) {
    uint8_t *m = body + i * (len + 5);
    m[3] = (uint8_t)(len >> 8);
    m[4] = (uint8_t)len;
  }
  r.server.keep_bytes = false;
  rig_call(&r, GOOD_HEADERS("content-type", "application/grpc", "te", "trailers", NULL), body,
           count * (len + 5));
  CHECK_EQ_UINT(r.server.calls[0]->msg_count, count);
  CHECK_EQ_MEM(r.raw.data, r.raw.data_len, "\0\0\0\0\0041024", 9);
  free(body);
  rig_free(&r);
}

/* A bad preface ends the connection with an error: bytes that are no
 * HTTP at all, and an HTTP/1.1 request on a server that does not take
 * HTTP/1.1 (one that does serves it: tests/web/test_http1.py). */
static void test_bad_preface(void) {
  tpeer_t server;
  tpeer_init(&server, CGRPC_H2_SERVER, NULL, &g_clock);
  static const char junk[] = "\x01\x02 not a preface at all, not HTTP/1.1 either\r\n\r\n";
  CHECK(cgrpc_h2_conn_recv(server.conn, (const uint8_t *)junk, sizeof junk - 1) < 0);
  tpeer_free(&server);
  cgrpc_h2_options_t opts;
  cgrpc_h2_options_init(&opts);
  opts.http1 = false;
  tpeer_init(&server, CGRPC_H2_SERVER, &opts, &g_clock);
  static const char http1[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  CHECK(cgrpc_h2_conn_recv(server.conn, (const uint8_t *)http1, sizeof http1 - 1) < 0);
  tpeer_free(&server);
}

/* ---- Raw server against our client ---------------------------------------------- */

typedef struct crig {
  tpeer_t client;
  raw_t raw;
  endpoint_t a, b;
  tcall_t *call;
} crig_t;

static void crig_init(crig_t *r) {
  tpeer_init(&r->client, CGRPC_H2_CLIENT, NULL, &g_clock);
  raw_init(&r->raw, true);
  r->a = (endpoint_t){&r->client, NULL, 0};
  r->b = (endpoint_t){NULL, &r->raw, 0};
  r->call = tstart(&r->client, "/p.S/M", CGRPC_INFINITE, CGRPC_COMPRESSION_IDENTITY, NULL);
  tsend(r->call, "q");
  cgrpc_h2_stream_half_close(&r->call->s);
  pump_eps(&r->a, &r->b, 0);
  CHECK_EQ_INT(r->raw.nblocks, 1); /* the request arrived on stream 1 */
}

static void crig_free(crig_t *r) {
  tpeer_free(&r->client);
  raw_free(&r->raw);
}

static void crig_respond(crig_t *r, const char *const *hdrs, const uint8_t *body, size_t len,
                         const char *const *trailers) {
  r->raw.trailers = trailers;
  raw_respond(&r->raw, 1, hdrs, body, len);
  pump_eps(&r->a, &r->b, 0);
  CHECK_EQ_INT(r->call->closed, 1);
}

static void test_client_http_503(void) {
  crig_t r;
  crig_init(&r);
  crig_respond(&r, (const char *const[]){":status", "503", "content-type", "text/html", NULL}, NULL,
               0, NULL);
  CHECK_EQ_INT(r.call->code, CGRPC_STATUS_UNAVAILABLE);
  crig_free(&r);
}

static void test_client_http_404_with_body(void) {
  crig_t r;
  crig_init(&r);
  static const uint8_t page[] = "<html>not found</html>";
  crig_respond(&r, (const char *const[]){":status", "404", "content-type", "text/html", NULL}, page,
               sizeof page - 1, NULL);
  CHECK_EQ_INT(r.call->code, CGRPC_STATUS_UNIMPLEMENTED);
  CHECK_EQ_UINT(r.call->msg_count, 0);
  crig_free(&r);
}

static void test_client_missing_grpc_status(void) {
  crig_t r;
  crig_init(&r);
  crig_respond(&r,
               (const char *const[]){":status", "200", "content-type", "application/grpc", NULL},
               kOneMsg, sizeof kOneMsg, (const char *const[]){"x-other", "1", NULL});
  CHECK_EQ_INT(r.call->code, CGRPC_STATUS_UNKNOWN);
  CHECK_EQ_UINT(r.call->msg_count, 1);
  crig_free(&r);
}

static void test_client_unparseable_status(void) {
  crig_t r;
  crig_init(&r);
  crig_respond(&r,
               (const char *const[]){":status", "200", "content-type", "application/grpc",
                                     "grpc-status", "abc", NULL},
               NULL, 0, NULL);
  CHECK_EQ_INT(r.call->code, CGRPC_STATUS_UNKNOWN);
  crig_free(&r);
}

static void test_client_status_and_bad_escapes(void) {
  crig_t r;
  crig_init(&r);
  crig_respond(&r,
               (const char *const[]){":status", "200", "content-type", "application/grpc",
                                     "grpc-status", "7", "grpc-message", "no%20way%zz%4", "x-ok",
                                     "1", "x-bad-bin", "**", NULL},
               NULL, 0, NULL);
  CHECK_EQ_INT(r.call->code, CGRPC_STATUS_PERMISSION_DENIED);
  CHECK_EQ_STR(r.call->message, "no way%zz%4");
  /* The bad binary entry is dropped, the rest kept. */
  const cgrpc_metadata_t *tr = cgrpc_h2_stream_trailers(&r.call->s);
  CHECK(cgrpc_metadata_get(tr, "x-ok") != NULL);
  CHECK(cgrpc_metadata_get(tr, "x-bad-bin") == NULL);
  crig_free(&r);
}

/* A grpc-status present wins over a non-200 HTTP status. */
static void test_client_grpc_status_wins(void) {
  crig_t r;
  crig_init(&r);
  crig_respond(&r,
               (const char *const[]){":status", "500", "content-type", "application/grpc",
                                     "grpc-status", "10", NULL},
               NULL, 0, NULL);
  CHECK_EQ_INT(r.call->code, CGRPC_STATUS_ABORTED);
  crig_free(&r);
}

static void test_client_truncated_message_then_ok(void) {
  crig_t r;
  crig_init(&r);
  static const uint8_t body[] = {0, 0, 0, 0, 9, 'x'};
  crig_respond(&r,
               (const char *const[]){":status", "200", "content-type", "application/grpc", NULL},
               body, sizeof body, (const char *const[]){"grpc-status", "0", NULL});
  CHECK_EQ_INT(r.call->code, CGRPC_STATUS_INTERNAL);
  crig_free(&r);
}

static void test_client_goaway_before_start(void) {
  crig_t r;
  crig_init(&r);
  nghttp2_submit_goaway(r.raw.session, NGHTTP2_FLAG_NONE, 1, NGHTTP2_NO_ERROR, NULL, 0);
  pump_eps(&r.a, &r.b, 0);
  tcall_t *late = tcall_alloc(&r.client);
  cgrpc_h2_request_t req = {.path = CGRPC_STR("/p.S/M"), .deadline = CGRPC_INFINITE};
  CHECK(!cgrpc_h2_stream_start(r.client.conn, &late->s, &req));
  /* The call already accepted (id 1) carries on. */
  crig_respond(&r,
               (const char *const[]){":status", "200", "content-type", "application/grpc",
                                     "grpc-status", "0", NULL},
               NULL, 0, NULL);
  CHECK_EQ_INT(r.call->code, CGRPC_STATUS_OK);
  crig_free(&r);
}

int main(void) {
  TEST_RUN(test_good_raw_request);
  TEST_RUN(test_method_not_post);
  TEST_RUN(test_content_type_not_grpc);
  TEST_RUN(test_content_type_grpcfoo);
  TEST_RUN(test_missing_te);
  TEST_RUN(test_malformed_timeout);
  TEST_RUN(test_timeout_already_expired);
  TEST_RUN(test_unknown_encoding);
  TEST_RUN(test_bad_binary_metadata);
  TEST_RUN(test_binary_metadata_list);
  TEST_RUN(test_connection_header_reset);
  TEST_RUN(test_bad_compressed_flag);
  TEST_RUN(test_compressed_without_encoding);
  TEST_RUN(test_corrupt_compressed_message);
  TEST_RUN(test_truncated_message);
  TEST_RUN(test_padded_data);
  TEST_RUN(test_bad_preface);
  TEST_RUN(test_client_http_503);
  TEST_RUN(test_client_http_404_with_body);
  TEST_RUN(test_client_missing_grpc_status);
  TEST_RUN(test_client_unparseable_status);
  TEST_RUN(test_client_status_and_bad_escapes);
  TEST_RUN(test_client_grpc_status_wins);
  TEST_RUN(test_client_truncated_message_then_ok);
  TEST_RUN(test_client_goaway_before_start);
  return TEST_DONE();
}

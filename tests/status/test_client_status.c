/* tests/status/test_client_status.c — every status a cgrpc client produces
 * by itself, one situation per test.
 *
 * The peer is status_peer.py, which answers each request by the last part
 * of its path ("/status.Fake/http_503" gets a proxy's HTTP 503), so every
 * situation here is a unary call to a scenario name. Each test asserts the
 * exact code of checklist section 5 (and its HTTP and RST_STREAM tables)
 * and that the message says what happened. Calls carry a deadline only as
 * a safety net, so a failure that waits for the timer instead of reacting
 * to the event shows up as DEADLINE_EXCEEDED, not as a pass.
 */
#define _POSIX_C_SOURCE 200809L

#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "status_util.h"
#include "unit/rpc/rpc_test_util.h"

static status_proc_t peer;
static cgrpc_channel_t *channel;

static const int64_t kSafetyNetMs = 5000;

/* A unary call of /status.Fake/<scenario> on `ch`, with a deadline in
 * `timeout_ms` (the safety net when 0). */
static status_result_t call_on(cgrpc_channel_t *ch, const char *scenario, int64_t timeout_ms) {
  char path[128];
  snprintf(path, sizeof path, "/status.Fake/%s", scenario);
  cgrpc_pb_method_t method = {scenario, path, &test_Msg_table, &test_Msg_table, false, false};
  cgrpc_call_options_t opts = {.timeout_ns =
                                   (timeout_ms ? timeout_ms : kSafetyNetMs) * CGRPC_NS_PER_MS};
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  test_Msg req = {.num = 1}, resp = {0};
  cgrpc_status_t st;
  status_result_t r = {0};
  int64_t t0 = status_now_ms();
  r.code = cgrpc_unary(ch, &method, &req, &resp, &arena, &opts, &st);
  r.took_ms = status_now_ms() - t0;
  snprintf(r.message, sizeof r.message, "%s", st.message.data);
  cgrpc_arena_free(&arena);
  fprintf(stderr, "  %-28s %s \"%s\" (%lld ms)\n", scenario, cgrpc_status_code_name(r.code),
          r.message, (long long)r.took_ms);
  return r;
}

static status_result_t call(const char *scenario) { return call_on(channel, scenario, 0); }

/* The call failed from the peer's answer, not from the safety-net timer. */
static void check_prompt(const status_result_t *r) { CHECK(r->took_ms < kSafetyNetMs / 2); }

/* ---- Application and deadline ---------------------------------------------------- */

static void test_application_cancel(void) {
  cgrpc_pb_method_t hang = {"hang", "/status.Fake/hang", &test_Msg_table, &test_Msg_table, false,
                            false};
  cgrpc_call_t *c = cgrpc_call_start(channel, &hang, NULL);
  test_Msg req = {.num = 1};
  CHECK(cgrpc_call_send(c, &req, 0, NULL, NULL));
  cgrpc_call_half_close(c);
  test_sleep_ms(50);
  cgrpc_call_cancel(c);
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  cgrpc_status_t st;
  CHECK_EQ_INT(cgrpc_call_finish(c, &arena, &st), CGRPC_STATUS_CANCELLED);
  CHECK_EQ_STR(st.message.data, "cancelled by the client");
  cgrpc_arena_free(&arena);
}

static void test_deadline(void) {
  status_result_t r = call_on(channel, "hang", 200);
  CHECK_EQ_INT(r.code, CGRPC_STATUS_DEADLINE_EXCEEDED);
  CHECK(status_message_has(&r, "deadline exceeded"));
  CHECK(r.took_ms >= 190 && r.took_ms < 2000);
}

/* The server resets with CANCEL exactly when the deadline passes, racing
 * the client's own timer: both orders must read DEADLINE_EXCEEDED. */
static void test_cancelled_after_deadline_is_deadline_exceeded(void) {
  for (int i = 0; i < 5; i++) {
    status_result_t r = call_on(channel, "rst_cancel_at_deadline", 100 + 20 * i);
    CHECK_EQ_INT(r.code, CGRPC_STATUS_DEADLINE_EXCEEDED);
    CHECK(status_message_has(&r, "deadline exceeded"));
  }
}

/* ---- Connections -------------------------------------------------------------------- */

/* A port nothing listens on: bound, then closed, so the kernel refuses. */
static int closed_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof a;
  int port = 0;
  if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
      getsockname(fd, (struct sockaddr *)&a, &len) == 0) {
    port = ntohs(a.sin_port);
  }
  close(fd);
  return port;
}

static void test_connect_failure(void) {
  cgrpc_channel_t *ch = test_loopback_channel(closed_port(), NULL);
  status_result_t r = call_on(ch, "ok", 0);
  CHECK_EQ_INT(r.code, CGRPC_STATUS_UNAVAILABLE);
  CHECK(status_message_has(&r, "failed to connect"));
  CHECK(status_message_has(&r, "refused"));
  check_prompt(&r);
  cgrpc_channel_free(ch);
}

static void test_connection_broken_mid_call(void) {
  status_result_t r = call("headers_then_close");
  CHECK_EQ_INT(r.code, CGRPC_STATUS_UNAVAILABLE);
  CHECK(status_message_has(&r, "connection lost"));
  check_prompt(&r);
}

/* The first request is beyond the GOAWAY's last-stream-id: never processed,
 * so the client either retries it transparently (the peer answers the
 * retry) or reports UNAVAILABLE naming the GOAWAY. */
static void test_goaway_unprocessed(void) {
  cgrpc_channel_t *ch = test_loopback_channel(peer.port, NULL);
  status_result_t r = call_on(ch, "goaway_once", 0);
  CHECK(r.code == CGRPC_STATUS_OK || r.code == CGRPC_STATUS_UNAVAILABLE);
  if (r.code == CGRPC_STATUS_UNAVAILABLE) CHECK(status_message_has(&r, "GOAWAY"));
  check_prompt(&r);
  cgrpc_channel_free(ch);
}

/* Refused every time: the one transparent retry is refused too. */
static void test_refused_stream(void) {
  status_result_t r = call("rst_7");
  CHECK_EQ_INT(r.code, CGRPC_STATUS_UNAVAILABLE);
  CHECK(status_message_has(&r, "REFUSED_STREAM"));
  check_prompt(&r);
}

/* ---- What the response says (or fails to say) ------------------------------------------ */

static void test_http_200_without_grpc_status(void) {
  const char *const scenarios[] = {"no_status", "no_status_trailers_only"};
  for (size_t i = 0; i < 2; i++) {
    status_result_t r = call(scenarios[i]);
    CHECK_EQ_INT(r.code, CGRPC_STATUS_UNKNOWN);
    CHECK(status_message_has(&r, "without grpc-status"));
    check_prompt(&r);
  }
}

static void test_unparseable_grpc_status(void) {
  const char *const scenarios[] = {"bad_status_abc", "bad_status_17", "bad_status_-1",
                                   "bad_status_", "bad_status_99999999999"};
  for (size_t i = 0; i < sizeof scenarios / sizeof *scenarios; i++) {
    status_result_t r = call(scenarios[i]);
    CHECK_EQ_INT(r.code, CGRPC_STATUS_UNKNOWN);
    CHECK(status_message_has(&r, "unparseable grpc-status"));
    check_prompt(&r);
  }
  /* The control: a parseable one is taken as it is, leading zeros too. */
  CHECK_EQ_INT(call("bad_status_5").code, CGRPC_STATUS_NOT_FOUND);
  CHECK_EQ_INT(call("bad_status_007").code, CGRPC_STATUS_PERMISSION_DENIED);
}

/* HTTP status -> gRPC status when grpc-status is missing
 * (doc/http-grpc-status-mapping.md), for a proxy's bodyless answer and for
 * one with an error page. */
static void test_http_status_mapping(void) {
  static const struct {
    int http;
    cgrpc_status_code_t code;
  } kMap[] = {
      {400, CGRPC_STATUS_INTERNAL},          {401, CGRPC_STATUS_UNAUTHENTICATED},
      {403, CGRPC_STATUS_PERMISSION_DENIED}, {404, CGRPC_STATUS_UNIMPLEMENTED},
      {429, CGRPC_STATUS_UNAVAILABLE},       {502, CGRPC_STATUS_UNAVAILABLE},
      {503, CGRPC_STATUS_UNAVAILABLE},       {504, CGRPC_STATUS_UNAVAILABLE},
      {431, CGRPC_STATUS_INTERNAL},          {500, CGRPC_STATUS_UNKNOWN},
      {418, CGRPC_STATUS_UNKNOWN},           {200, CGRPC_STATUS_UNKNOWN},
  };
  for (size_t i = 0; i < sizeof kMap / sizeof *kMap; i++) {
    char scenario[32], http[32];
    snprintf(http, sizeof http, "HTTP status %d", kMap[i].http);
    snprintf(scenario, sizeof scenario, "http_only_%d", kMap[i].http);
    status_result_t r = call(scenario);
    CHECK_EQ_INT(r.code, kMap[i].code);
    CHECK(status_message_has(&r, http));
    check_prompt(&r);
    snprintf(scenario, sizeof scenario, "http_body_%d", kMap[i].http);
    r = call(scenario);
    CHECK_EQ_INT(r.code, kMap[i].code);
    CHECK(status_message_has(&r, http));
    check_prompt(&r);
  }
}

/* A grpc-status, when present, wins over the HTTP status. */
static void test_grpc_status_wins_over_http(void) {
  status_result_t r = call("http_503_with_status");
  CHECK_EQ_INT(r.code, CGRPC_STATUS_NOT_FOUND);
  CHECK_EQ_STR(r.message, "from a gRPC-aware proxy");
}

/* ---- Messages ------------------------------------------------------------------------------ */

static void test_decompression_failure(void) {
  status_result_t r = call("corrupt_gzip");
  CHECK_EQ_INT(r.code, CGRPC_STATUS_INTERNAL);
  CHECK(status_message_has(&r, "gzip"));
  check_prompt(&r);
}

static void test_unsupported_response_encoding(void) {
  status_result_t r = call("unknown_encoding");
  CHECK_EQ_INT(r.code, CGRPC_STATUS_INTERNAL);
  CHECK(status_message_has(&r, "snappy-x"));
  check_prompt(&r);
}

static void test_bad_compressed_flag(void) {
  status_result_t r = call("bad_flag");
  CHECK_EQ_INT(r.code, CGRPC_STATUS_INTERNAL);
  CHECK(status_message_has(&r, "flag byte 0x02"));
  r = call("compressed_without_encoding");
  CHECK_EQ_INT(r.code, CGRPC_STATUS_INTERNAL);
  CHECK(status_message_has(&r, "compressed message received"));
}

static void test_unparseable_response(void) {
  status_result_t r = call("unparseable_message");
  CHECK_EQ_INT(r.code, CGRPC_STATUS_INTERNAL);
  CHECK(status_message_has(&r, "test.Msg"));
  check_prompt(&r);
}

static void test_response_cut_off(void) {
  status_result_t r = call("cut_message");
  CHECK_EQ_INT(r.code, CGRPC_STATUS_INTERNAL);
  CHECK(status_message_has(&r, "stream ended inside a message"));
}

static void test_response_over_receive_limit(void) {
  cgrpc_channel_options_t o = CGRPC_CHANNEL_OPTIONS_INIT;
  o.max_receive_message_size = 1024;
  cgrpc_channel_t *ch = test_loopback_channel(peer.port, &o);
  status_result_t r = call_on(ch, "big_message", 0);
  CHECK_EQ_INT(r.code, CGRPC_STATUS_RESOURCE_EXHAUSTED);
  CHECK(status_message_has(&r, "exceeds the limit of 1024 bytes"));
  check_prompt(&r);
  cgrpc_channel_free(ch);
}

/* Unary responses must hold exactly one message (statuscodes.md: response
 * cardinality violation is UNIMPLEMENTED). */
static void test_unary_response_cardinality(void) {
  status_result_t r = call("zero_messages");
  CHECK_EQ_INT(r.code, CGRPC_STATUS_UNIMPLEMENTED);
  CHECK(status_message_has(&r, "no response message"));
  r = call("two_messages");
  CHECK_EQ_INT(r.code, CGRPC_STATUS_UNIMPLEMENTED);
  CHECK(status_message_has(&r, "more than one message"));
  /* The control: exactly one is fine. */
  CHECK_EQ_INT(call("ok").code, CGRPC_STATUS_OK);
}

/* ---- RST_STREAM ------------------------------------------------------------------------------ */

static void test_rst_stream_mapping(void) {
  static const struct {
    unsigned h2;
    cgrpc_status_code_t code;
  } kMap[] = {
      {0x0, CGRPC_STATUS_INTERNAL},           /* NO_ERROR */
      {0x1, CGRPC_STATUS_INTERNAL},           /* PROTOCOL_ERROR */
      {0x2, CGRPC_STATUS_INTERNAL},           /* INTERNAL_ERROR */
      {0x3, CGRPC_STATUS_INTERNAL},           /* FLOW_CONTROL_ERROR */
      {0x4, CGRPC_STATUS_INTERNAL},           /* SETTINGS_TIMEOUT */
      {0x5, CGRPC_STATUS_INTERNAL},           /* STREAM_CLOSED */
      {0x6, CGRPC_STATUS_INTERNAL},           /* FRAME_SIZE_ERROR */
      {0x7, CGRPC_STATUS_UNAVAILABLE},        /* REFUSED_STREAM */
      {0x8, CGRPC_STATUS_CANCELLED},          /* CANCEL */
      {0x9, CGRPC_STATUS_INTERNAL},           /* COMPRESSION_ERROR */
      {0xa, CGRPC_STATUS_INTERNAL},           /* CONNECT_ERROR */
      {0xb, CGRPC_STATUS_RESOURCE_EXHAUSTED}, /* ENHANCE_YOUR_CALM */
      {0xc, CGRPC_STATUS_PERMISSION_DENIED},  /* INADEQUATE_SECURITY */
      {0xd, CGRPC_STATUS_INTERNAL},           /* HTTP_1_1_REQUIRED */
      {0x99, CGRPC_STATUS_INTERNAL},          /* not a defined code */
  };
  for (size_t i = 0; i < sizeof kMap / sizeof *kMap; i++) {
    char scenario[32];
    snprintf(scenario, sizeof scenario, "rst_%u", kMap[i].h2);
    status_result_t r = call(scenario);
    CHECK_EQ_INT(r.code, kMap[i].code);
    check_prompt(&r);
    if (kMap[i].h2 == 0) {
      CHECK(status_message_has(&r, "closed the stream without a status"));
    } else if (kMap[i].h2 == 7) {
      CHECK(status_message_has(&r, "REFUSED_STREAM"));
    } else {
      char code[16];
      snprintf(code, sizeof code, "(%u)", kMap[i].h2);
      CHECK(status_message_has(&r, "stream reset by the server"));
      CHECK(status_message_has(&r, code));
    }
  }
}

int main(void) {
  if (!status_peer_server_start(&peer)) return 1;
  channel = test_loopback_channel(peer.port, NULL);
  if (!channel) return 1;
  TEST_RUN(test_application_cancel);
  TEST_RUN(test_deadline);
  TEST_RUN(test_cancelled_after_deadline_is_deadline_exceeded);
  TEST_RUN(test_connect_failure);
  TEST_RUN(test_connection_broken_mid_call);
  TEST_RUN(test_goaway_unprocessed);
  TEST_RUN(test_refused_stream);
  TEST_RUN(test_http_200_without_grpc_status);
  TEST_RUN(test_unparseable_grpc_status);
  TEST_RUN(test_http_status_mapping);
  TEST_RUN(test_grpc_status_wins_over_http);
  TEST_RUN(test_decompression_failure);
  TEST_RUN(test_unsupported_response_encoding);
  TEST_RUN(test_bad_compressed_flag);
  TEST_RUN(test_unparseable_response);
  TEST_RUN(test_response_cut_off);
  TEST_RUN(test_response_over_receive_limit);
  TEST_RUN(test_unary_response_cardinality);
  TEST_RUN(test_rst_stream_mapping);
  cgrpc_channel_free(channel);
  status_proc_stop(&peer);
  return TEST_DONE();
}
